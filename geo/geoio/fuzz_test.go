package geoio

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/redgrid/redgrid/geo"
)

// fuzzOptions keeps the work per input small; the properties do not depend on the bounds.
var fuzzOptions = Options{MaxFeatures: 200, MaxVertices: 2000}

// checkFuzzResult: an error is an *Errors with something in it; otherwise every feature
// validates within the bounds and has clean text.
func checkFuzzResult(t *testing.T, feats []Feature, err error) {
	t.Helper()
	if err != nil {
		e, ok := err.(*Errors)
		if !ok || (e.File == nil && len(e.Features) == 0) || feats != nil {
			t.Fatalf("bad error result %T %v (%d features)", err, err, len(feats))
		}
		for _, fe := range e.All() {
			if fe.Rule == "" || fe.Err == nil || fe.Error() == "" {
				t.Fatalf("incomplete error %#v", fe)
			}
		}
		return
	}
	if len(feats) > fuzzOptions.MaxFeatures {
		t.Fatalf("%d features", len(feats))
	}
	last := -1
	for _, f := range feats {
		if err := f.Shape.ValidateWith(geo.ValidateOptions{MaxVertices: fuzzOptions.MaxVertices}); err != nil {
			t.Fatalf("feature %d does not validate: %v", f.Index, err)
		}
		if f.Index <= last {
			t.Fatalf("index %d after %d", f.Index, last)
		}
		last = f.Index
		for _, s := range []string{f.Name, f.Code, f.ParentCode} {
			if checkText(s) != nil || strings.TrimSpace(s) != s {
				t.Fatalf("feature %d: bad text %q", f.Index, s)
			}
		}
		if f.Props == nil {
			t.Fatal("nil Props")
		}
	}
}

func FuzzReadGeoJSON(f *testing.F) {
	seeds := []string{
		fcJSON(featJSON(`{"name":"一网格","code":"420302001001001","parent_code":"420302001001","n":1.5e3,"x":[true,null,{"y":"\u00e9\ud83d\ude00"}]}`, polygonJSON(110.78, 32.65)),
			featJSON(`{"网格名称":"二","网格编码":420302001001002}`, `{"type":"MultiPolygon","coordinates":[[`+square(110.79, 32.65)+`,[[110.792,32.652],[110.792,32.654],[110.794,32.654],[110.792,32.652]]],[`+square(110.81, 32.65)+`]]}`)),
		featJSON(`{"code":"1"}`, `{"coordinates":[[[110,32,5],[111,32,5],[111,33,5],[110,32,5]]],"type":"Polygon"}`),
		`{"features":[],"crs":{"type":"name","properties":{"name":"EPSG:4490"}},"type":"FeatureCollection"}`,
		`{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:4547"}},"features":[]}`,
		fcJSON(featJSON(`{"code":"8"}`, `{"type":"Polygon","coordinates":[[[110,32],[110.1,32.1],[110.1,32],[110,32.1],[110,32]]]}`), `null`, `{}`),
		"\uFEFF" + fcJSON(featJSON(`null`, `null`)),
		`{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"code":"\u0001"}}`,
		`[1, -0.5e+7, "a\\\"b", {"": false}]`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	var buf bytes.Buffer
	items := geo.SyntheticGrids(3, 1)
	out := make([]OutFeature, len(items))
	for i, it := range items {
		out[i] = OutFeature{Shape: it.Shape, Props: map[string]any{"code": fmt.Sprint(i), "name": "x"}}
	}
	if err := WriteGeoJSON(&buf, out); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, crs := range []geo.CRS{0, geo.GCJ02} {
			o := fuzzOptions
			o.CRS = crs
			feats, err := ReadGeoJSON(bytes.NewReader(data), o)
			checkFuzzResult(t, feats, err)
		}
		// The scanner agrees with encoding/json on what is well-formed JSON.
		s := newJSONScanner(bytes.NewReader(data))
		_, err := s.start()
		if err == nil {
			err = s.skip()
		}
		if err == nil {
			err = s.end()
		}
		hasBOM := bytes.HasPrefix(data, []byte("\uFEFF"))
		if !hasBOM && (err == nil) != json.Valid(data) {
			// encoding/json accepts invalid UTF-8 in strings and has no limits on nesting and
			// token sizes; those are the only differences allowed.
			je, ok := err.(*jsonError)
			if !ok || !(je.rule == RuleUTF8 || strings.Contains(je.msg, "nested deeper") || strings.Contains(je.msg, "longer than")) {
				t.Fatalf("scanner says %v, encoding/json says valid=%v", err, json.Valid(data))
			}
		}
	})
}

// storedZip zips files without compression and with CRC-32 0, which archive/zip does not check,
// so that the fuzzer's changes to the content reach the parsers.
func storedZip(files map[string][]byte) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		d := files[n]
		w, err := zw.CreateRaw(&zip.FileHeader{Name: n, Method: zip.Store, CompressedSize64: uint64(len(d)), UncompressedSize64: uint64(len(d))})
		if err != nil {
			panic(err)
		}
		w.Write(d)
	}
	zw.Close()
	return buf.Bytes()
}

// fuzzLayers are valid layers of several kinds, for seeds.
func fuzzLayers() []*tShapefile {
	utf := basicLayer([]string{"一网格", "二网格"}, []string{"420302001001001", "420302001001002"})
	gb := basicLayer([]string{"一网格", "二网格"}, []string{"1", "2"})
	gb.cpg = nil
	gb.ldid = 0x4D
	for i := range gb.rows {
		gb.rows[i][0] = gbk([]string{"一网格", "二网格"}[i])
	}
	gb.fields[0].name = gbk("网格名称")
	holes := basicLayer([]string{"a"}, []string{"1"})
	holes.records[0].parts = [][]geo.Point{rect(110.22, 32.02, 110.24, 32.04, false), rect(110.0, 32.0, 110.1, 32.1, true),
		rect(110.2, 32.0, 110.3, 32.1, true), rect(110.02, 32.02, 110.04, 32.04, false)}
	z := basicLayer([]string{"a", "b"}, []string{"1", "2"})
	z.shapeType, z.withM = shpPolygonZ, true
	z.deleted = map[int]bool{0: true}
	null := basicLayer([]string{"a", "b"}, []string{"1", "2"})
	null.records[1].null = true
	null.prj = prjGDAL4326
	return []*tShapefile{utf, gb, holes, z, null}
}

func FuzzReadShapefileZip(f *testing.F) {
	for _, l := range fuzzLayers() {
		f.Add(storedZip(l.files()))
		f.Add(l.zip())
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		feats, err := ReadShapefileZip(data, fuzzOptions)
		checkFuzzResult(t, feats, err)
	})
}

// FuzzShapefileParts fuzzes the .shp, .dbf and .prj separately, which reaches the parsers far
// more often than changing bytes of a zip archive.
func FuzzShapefileParts(f *testing.F) {
	for _, l := range fuzzLayers() {
		f.Add(l.shp(), l.dbf(), []byte(l.prj), l.cpg != nil)
	}
	f.Add([]byte{}, []byte{}, []byte(prjCGCS2000GK111), false)
	f.Fuzz(func(t *testing.T, shp, dbf, prj []byte, utf bool) {
		files := map[string][]byte{"g.shp": shp, "g.dbf": dbf, "g.prj": prj}
		if utf {
			files["g.cpg"] = []byte("UTF-8")
		}
		feats, err := ReadShapefileZip(storedZip(files), fuzzOptions)
		checkFuzzResult(t, feats, err)
	})
}
