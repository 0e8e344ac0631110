package geoio

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"strings"
	"testing"

	"github.com/redgrid/redgrid/geo"
)

// square is a closed counter-clockwise square ring as GeoJSON, 0.01° wide at (x, y).
func square(x, y float64) string {
	return fmt.Sprintf("[[%v,%v],[%v,%v],[%v,%v],[%v,%v],[%v,%v]]", x, y, x+0.01, y, x+0.01, y+0.01, x, y+0.01, x, y)
}

func polygonJSON(x, y float64) string {
	return `{"type":"Polygon","coordinates":[` + square(x, y) + `]}`
}

func featJSON(props, geom string) string {
	return `{"type":"Feature","properties":` + props + `,"geometry":` + geom + `}`
}

func fcJSON(feats ...string) string {
	return `{"type":"FeatureCollection","features":[` + strings.Join(feats, ",") + `]}`
}

func readString(s string, o Options) ([]Feature, error) { return ReadGeoJSON(strings.NewReader(s), o) }

func TestGeoJSONBasic(t *testing.T) {
	in := fcJSON(
		featJSON(`{"name":"一网格","code":"420302001001001","parent_code":"420302001001","人口":1200,"备注":null,"ok":true,"tags":["a", "b"],"extra":{"k":"v\n"}}`,
			polygonJSON(110.78, 32.65)),
		featJSON(`{"网格名称":"二网格","网格编码":420302001001002,"社区编码":"420302001002"}`,
			`{"type":"MultiPolygon","coordinates":[[`+square(110.79, 32.65)+`,[[110.792,32.652],[110.792,32.654],[110.794,32.654],[110.792,32.652]]],[`+square(110.81, 32.65)+`]]}`),
		featJSON(`{"NAME":"三","Code":"3"}`, `{"coordinates":[`+square(110.82, 32.65)+`],"type":"Polygon","bbox":[0,0,1,1]}`),
		`{"geometry":{"type":"Polygon","coordinates":[[[110.83,32.65,100],[110.84,32.65,100],[110.84,32.66,101],[110.83,32.65,100]]]},"id":7,"properties":{"名称":"四","编码":"4","mc":"other name"},"type":"Feature"}`,
	)
	feats, err := readString(in, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(feats) != 4 {
		t.Fatalf("%d features", len(feats))
	}
	f := feats[0]
	if f.Index != 0 || f.Name != "一网格" || f.Code != "420302001001001" || f.ParentCode != "420302001001" {
		t.Fatalf("%+v", f)
	}
	wantProps := map[string]string{"人口": "1200", "备注": "", "ok": "true", "tags": `["a","b"]`, "extra": `{"k":"v\n"}`}
	if fmt.Sprint(f.Props) != fmt.Sprint(wantProps) {
		t.Fatalf("props %v", f.Props)
	}
	if len(f.Shape) != 1 || len(f.Shape[0].Outer) != 5 || f.Shape[0].Outer[1] != pt(110.79, 32.65) {
		t.Fatalf("shape %v", f.Shape)
	}
	f = feats[1]
	if f.Name != "二网格" || f.Code != "420302001001002" || f.ParentCode != "420302001002" || len(f.Shape) != 2 || len(f.Shape[0].Holes) != 1 {
		t.Fatalf("%+v", f)
	}
	if feats[2].Name != "三" || feats[2].Code != "3" {
		t.Fatalf("%+v", feats[2])
	}
	if f := feats[3]; f.Name != "四" || f.Code != "4" || f.Props["mc"] != "other name" || f.Shape[0].Outer[2] != pt(110.84, 32.66) {
		t.Fatalf("%+v", f)
	}
}

func TestGeoJSONSingleFeatureAndOrder(t *testing.T) {
	// A single Feature; members in unusual orders; a UTF-8 byte order mark; CRLF line ends.
	in := "\uFEFF{\r\n\"geometry\":" + polygonJSON(110.78, 32.65) + ",\r\n\"properties\":{\"code\":\"1\"},\r\n\"type\":\"Feature\"}\r\n"
	feats, err := readString(in, Options{})
	if err != nil || len(feats) != 1 || feats[0].Code != "1" || feats[0].Index != 0 {
		t.Fatal(feats, err)
	}
	// features before type, crs after features.
	in = `{"features":[` + featJSON(`{"code":"1"}`, polygonJSON(110.78, 32.65)) + `],"crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:OGC:1.3:CRS84"}},"type":"FeatureCollection"}`
	feats, err = readString(in, Options{CRS: geo.GCJ02})
	if err != nil || len(feats) != 1 {
		t.Fatal(err)
	}
	// Tools label GCJ-02 data CRS84: the caller's GCJ-02 still converts it.
	if lng, lat := geo.GCJ02ToWGS84(110.78, 32.65); feats[0].Shape[0].Outer[0] != pt(lng, lat) {
		t.Fatalf("not converted: %v", feats[0].Shape[0].Outer[0])
	}
	// Empty collection.
	feats, err = readString(`{"type":"FeatureCollection","features":[]}`, Options{})
	if err != nil || len(feats) != 0 {
		t.Fatal(feats, err)
	}
}

func TestGeoJSONCRS(t *testing.T) {
	for _, name := range []string{"EPSG:4326", "urn:ogc:def:crs:EPSG::4326", "urn:ogc:def:crs:OGC:1.3:CRS84",
		"urn:ogc:def:crs:OGC::CRS84", "EPSG:4490", "urn:ogc:def:crs:EPSG::4490", "http://www.opengis.net/def/crs/EPSG/0/4490", "epsg:4326"} {
		in := `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"` + name + `"}},"features":[]}`
		if _, err := readString(in, Options{}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := readString(`{"type":"FeatureCollection","crs":{"type":"EPSG","properties":{"code":4326}},"features":[]}`, Options{}); err != nil {
		t.Error(err)
	}
	if _, err := readString(`{"type":"FeatureCollection","crs":null,"features":[]}`, Options{}); err != nil {
		t.Error(err)
	}
	for _, crs := range []string{
		`{"type":"name","properties":{"name":"EPSG:4547"}}`,
		`{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::3857"}}`,
		`{"type":"name","properties":{"name":"EPSG:4214"}}`,
		`{"type":"EPSG","properties":{"code":4547}}`,
		`{"type":"link","properties":{"href":"http://example.com/crs","type":"proj4"}}`,
		`{"type":"name","properties":{}}`,
		`"EPSG:4326"`,
	} {
		_, err := readString(`{"type":"FeatureCollection","crs":`+crs+`,"features":[]}`, Options{})
		fe := fileRule(t, err, RuleCRS)
		if fe.Field != "crs" {
			t.Errorf("%s: field %q", crs, fe.Field)
		}
	}
	_, err := readString(`{"type":"FeatureCollection","features":[]}`, Options{CRS: 99})
	fileRule(t, err, RuleCRS)
}

func TestGeoJSONChineseCRSConversion(t *testing.T) {
	ring := []geo.Point{pt(110.78, 32.65), pt(110.79, 32.65), pt(110.79, 32.66), pt(110.78, 32.66), pt(110.78, 32.65)}
	var sb strings.Builder
	for i, p := range ring {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, "[%v,%v]", p.Lng, p.Lat)
	}
	in := fcJSON(featJSON(`{"code":"1"}`, `{"type":"Polygon","coordinates":[[`+sb.String()+`]]}`))
	for _, tc := range []struct {
		crs  geo.CRS
		conv func(lng, lat float64) (float64, float64)
	}{
		{geo.GCJ02, geo.GCJ02ToWGS84},
		{geo.BD09, geo.BD09ToWGS84},
		{geo.WGS84, func(lng, lat float64) (float64, float64) { return lng, lat }},
		{geo.CGCS2000, func(lng, lat float64) (float64, float64) { return lng, lat }},
	} {
		feats, err := readString(in, Options{CRS: tc.crs})
		if err != nil {
			t.Fatal(err)
		}
		got := feats[0].Shape[0].Outer
		for i, p := range ring {
			lng, lat := tc.conv(p.Lng, p.Lat)
			if got[i] != pt(lng, lat) {
				t.Fatalf("%v vertex %d: %v, want (%v, %v)", tc.crs, i, got[i], lng, lat)
			}
		}
		if tc.crs == geo.GCJ02 && near(got[0], ring[0], 1e-4) {
			t.Fatalf("GCJ-02 not converted: %v", got[0])
		}
	}
}

func TestGeoJSONFeatureErrors(t *testing.T) {
	ok := polygonJSON(110.78, 32.65)
	feats := []string{
		featJSON(`{"name":"一网格","code":"420302001001001"}`, `{"type":"Polygon","coordinates":[[[110.78,32.65],[110.79,32.65],[110.79,32.66],[110.78,32.66],[110.78,32.651]]]}`),
		featJSON(`{"code":"2"}`, `{"type":"LineString","coordinates":[[110,32],[111,33]]}`),
		featJSON(`{"code":"3"}`, `{"type":"Polygon","coordinates":[[[110,32],[111,32,5,6],[111,33],[110,32]]]}`),
		featJSON(`{"code":"4"}`, `{"type":"Polygon","coordinates":[[[110,32],[111],[111,33],[110,32]]]}`),
		featJSON(`{"code":"5"}`, `{"type":"Polygon","coordinates":[[[110,32],["111",32],[111,33],[110,32]]]}`),
		featJSON(`{"code":"6"}`, `{"type":"Polygon","coordinates":[[[110,32],[111,32],[111,33],[110,32]],[110.5,32.5]]}`),
		featJSON(`{"code":"7"}`, `{"type":"Polygon","coordinates":[[[110,32],[181,32],[111,33],[110,32]]]}`),
		featJSON(`{"code":"8"}`, `{"type":"Polygon","coordinates":[[[110,32],[110.1,32.1],[110.1,32],[110,32.1],[110,32]]]}`),
		featJSON(`{"code":"9"}`, `{"type":"Polygon","coordinates":[`+square(110, 32)+`,`+square(111, 33)+`]}`),
		featJSON(`{"code":"10"}`, `{"type":"Polygon","coordinates":[[[110,32],[111,32],[110,32]]]}`),
		featJSON(`{"code":"11"}`, `null`),
		featJSON(`{"code":"12"}`, `{"type":"Polygon","coordinates":[]}`),
		featJSON(`{"code":"13"}`, `{"type":"MultiPolygon","coordinates":[`+square(110, 32)+`]}`),
		featJSON(`{"code":"14"}`, `{"type":"Polygon"}`),
		`{"type":"Feature","properties":{"code":"15"}}`,
		featJSON(`{"code":"16","name":"a\u0007b"}`, ok),
		featJSON(`{"code":4203.5}`, ok),
		featJSON(`{"code":true}`, ok),
		featJSON(`{"code":"19","code":"19"}`, ok),
		`42`,
		`{"type":"feature","properties":{"code":"21"},"geometry":` + ok + `}`,
		featJSON(`{"code":"22"}`, `{"type":"MultiPolygon","coordinates":[[`+square(110, 32)+`],[[[500000,3612000],[500100,3612000],[500100,3612100],[500000,3612000]]]]}`),
		featJSON(`{"code":"23"}`, `{"type":"GeometryCollection","geometries":[`+ok+`]}`),
		featJSON(`{"code":"24"}`, `{"type":"Polygon","coordinates":[[[110,32],[111,32],[111,33],[110,32]],[[110.1,32.2],[110.2,32.2],[110.2,32.3],[110.1,32.2]]]}`),
		featJSON(`{"code":"25"}`, `{"type":"Polygon","coordinates":[[[110,32],[111,32],[111,33],[110,32]],[]]}`),
		featJSON(`{"code":"26"}`, `"Polygon"`),
		featJSON(`{"code":12345678901234567890}`, ok),
	}
	want := []struct {
		idx         int
		rule, field string
		msg         string
	}{
		{0, RuleClosed, "geometry.coordinates[0][4]", "feature 0 (code 420302001001001, 一网格): geometry.coordinates[0][4]: ring not closed: last point differs from the first"},
		{1, RulePolygon, "geometry.type", "LineString"},
		{2, RulePosition, "geometry.coordinates[0][1]", "has 4 numbers"},
		{3, RulePosition, "geometry.coordinates[0][1]", "has 1 numbers"},
		{4, RulePosition, "geometry.coordinates[0][1]", "element 0 is a string"},
		{5, RuleCoordinates, "geometry.coordinates[1]", "nested 2 deep where the others are nested 3 deep"},
		{6, RuleRange, "geometry.coordinates[0][1]", "(181, 32) is not a longitude"},
		{7, RuleSelfIntersection, "geometry.coordinates[0][0]", "meets segment 2-3 of the same ring near (110.0500000, 32.0500000)"},
		{8, RuleHoleOutside, "geometry.coordinates[1][0]", "hole not inside the outer ring"},
		{9, RuleTooFewPoints, "geometry.coordinates[0]", "3 points with the closing one, need 4"},
		{10, RuleEmpty, "geometry", "null"},
		{11, RuleEmpty, "geometry.coordinates", "empty geometry"},
		{12, RuleCoordinates, "geometry.coordinates", "MultiPolygon coordinates must be"},
		{13, RuleRequired, "geometry.coordinates", "no coordinates member"},
		{14, RuleRequired, "geometry", "no geometry member"},
		{15, RuleText, "properties.name", "control character U+0007 at character 1"},
		{16, RuleInteger, "properties.code", "not a whole number"},
		{17, RuleType, "properties.code", "a boolean"},
		{18, RuleDuplicate, "properties.code", `property "code" appears twice`},
		{19, RuleGeoJSON, "", "is a number, not a Feature object"},
		{20, RuleGeoJSON, "type", `type is "feature"`},
		{21, RuleRange, "geometry.coordinates[1][0][0]", "projected coordinates in metres"},
		{22, RulePolygon, "geometry.type", "GeometryCollection"},
		{23, RuleSelfIntersection, "geometry.coordinates[0][2]", "segment 2-3 meets segment 0-1 of geometry.coordinates[1] near (110.2000000, 32.2000000)"},
		{24, RuleEmpty, "geometry.coordinates[1]", "empty array"},
		{25, RuleGeoJSON, "geometry", "geometry is a string"},
		{26, RuleInteger, "properties.code", "beyond 2^53"},
	}
	_, err := readString(fcJSON(append(feats, featJSON(`{"code":"ok"}`, ok))...), Options{})
	e := mustErrors(t, err)
	if e.File != nil {
		t.Fatal(e.File)
	}
	for i, w := range want {
		if i >= len(e.Features) {
			t.Fatalf("only %d errors", len(e.Features))
		}
		fe := e.Features[i]
		if fe.Index != w.idx || fe.Rule != w.rule || fe.Field != w.field || !contains(fe.Error(), w.msg) {
			t.Errorf("error %d: %v\n  index %d rule %q field %q; want %+v", i, fe, fe.Index, fe.Rule, fe.Field, w)
		}
	}
	if len(e.Features) != len(want) {
		for _, fe := range e.Features[len(want):] {
			t.Errorf("extra: %v", fe)
		}
	}
	var ve *geo.ValidationError
	if !errors.As(err, &ve) || !errors.Is(err, geo.ErrNotClosed) {
		t.Errorf("the validation error is not reachable through *Errors")
	}
}

func TestGeoJSONCodes(t *testing.T) {
	for lit, want := range map[string]string{
		`420302001001001`:     "420302001001001",
		`4.20302001001001e14`: "420302001001001",
		`420302001001001.0`:   "420302001001001",
		`9007199254740992`:    "9007199254740992",
		`" 420302001001001 "`: "420302001001001",
		`"0042"`:              "0042",
	} {
		feats, err := readString(fcJSON(featJSON(`{"code":`+lit+`,"parent_code":`+lit+`}`, polygonJSON(110, 32))), Options{})
		if err != nil || feats[0].Code != want || feats[0].ParentCode != want {
			t.Errorf("%s: %v %v", lit, feats, err)
		}
	}
	for _, lit := range []string{`9007199254740993`, `-1`, `1e300`, `0.5`, `1e-7`} {
		_, err := readString(fcJSON(featJSON(`{"code":`+lit+`}`, polygonJSON(110, 32))), Options{})
		featureRule(t, err, 0, RuleInteger, "properties.code")
	}
}

func TestGeoJSONFileErrors(t *testing.T) {
	for _, tc := range []struct{ in, rule, msg string }{
		{``, RuleJSON, "the input is empty"},
		{`   `, RuleJSON, "the input is empty"},
		{`[]`, RuleGeoJSON, "top-level JSON value is an array"},
		{`{"type":"Polygon","coordinates":[]}`, RuleGeoJSON, "bare Polygon geometry"},
		{`{"type":"FeatureCollection"}`, RuleGeoJSON, "no features member"},
		{`{"type":"FeatureCollection","features":{}}`, RuleGeoJSON, "features is an object, not an array"},
		{`{"features":[]}`, RuleGeoJSON, "no type member"},
		{`{"type":"Topology","features":[]}`, RuleGeoJSON, `"Topology"`},
		{`{"type":7,"features":[]}`, RuleGeoJSON, "not a string"},
		{`{"type":"FeatureCollection","type":"FeatureCollection","features":[]}`, RuleDuplicate, "appears twice"},
		{`{"type":"FeatureCollection","features":[]} x`, RuleJSON, "line 1, column 44 (byte offset 43): invalid character 'x' after the end of the top-level value"},
		{"{\"type\":\"FeatureCollection\",\n\"features\":[}", RuleJSON, "line 2, column 13 (byte offset 41): invalid character '}'"},
		{`{"type":"FeatureCollection","features":[`, RuleJSON, "unexpected end of input"},
		{`{"type":"FeatureCollection","features":[],}`, RuleJSON, "invalid character '}'"},
		{`{"type":"FeatureCollection","features":[01]}`, RuleJSON, "invalid character '1' after array element"},
		{`{"type":"FeatureCollection","features":[1.]}`, RuleJSON, "expected a digit after the decimal point"},
		{`{"type":"FeatureCollection","features":[tru]}`, RuleJSON, "expected true"},
		{"{\"type\":\"Feature\tCollection\"}", RuleJSON, "control character 0x09 in a string"},
		{`{"type":"FeatureCollection","features":["\x"]}`, RuleJSON, "in string escape code"},
		{`{"type":"FeatureCollection","features":["\u12G4"]}`, RuleJSON, `in \u escape`},
		{"{\"type\":\"FeatureCollection\",\"name\":\"\xcd\xf8\xb8\xf1\",\"features\":[]}", RuleUTF8, "line 1, column 37 (byte offset 36): invalid UTF-8 (byte 0xCD)"},
		{"{\"type\":\"FeatureCollection\",\"name\":\"\xed\xa0\x80\",\"features\":[]}", RuleUTF8, "invalid UTF-8 (byte 0xED)"},
		{"{\"type\":\"FeatureCollection\",\"name\":\"\xc0\xaf\",\"features\":[]}", RuleUTF8, "invalid UTF-8"},
		{"\xef\xbb{}", RuleUTF8, "byte order mark"},
		{"\xff\xfe{\x00}\x00", RuleUTF8, "UTF-16"},
		{"<?xml version=\"1.0\"?>", RuleGeoJSON, "the file is not JSON: it starts with '<'"},
		{"PK\x03\x04\x14\x00", RuleGeoJSON, "a zip archive"},
		{"\"FeatureCollection\"", RuleGeoJSON, "top-level JSON value is a string"},
		{"{\"type\":\"FeatureCollection\",\"features\":[]}\xa0", RuleJSON, "invalid byte 0xA0"},
		{strings.Repeat("[", 300), RuleGeoJSON, "array"},
		{`{"type":"FeatureCollection","x":` + strings.Repeat("[", 300) + strings.Repeat("]", 300) + `,"features":[]}`, RuleJSON, "nested deeper than 256"},
		{fcJSON(featJSON(`{}`, polygonJSON(1, 1)), featJSON(`{}`, polygonJSON(1, 1)), featJSON(`{}`, polygonJSON(1, 1))), RuleTooManyFeatures, "more than 2 features"},
	} {
		_, err := readString(tc.in, Options{MaxFeatures: 2})
		fe := fileRule(t, err, tc.rule)
		if !contains(fe.Error(), tc.msg) {
			t.Errorf("%.60q: %v\n  want %q", tc.in, fe, tc.msg)
		}
	}
}

func TestGeoJSONReadError(t *testing.T) {
	boom := errors.New("connection reset")
	r := io.MultiReader(strings.NewReader(`{"type":"FeatureCollection","features":[`), &errReader{boom})
	_, err := ReadGeoJSON(r, Options{})
	fe := fileRule(t, err, RuleRead)
	if !errors.Is(err, boom) || !contains(fe.Error(), "byte 40") {
		t.Fatal(fe)
	}
}

type errReader struct{ err error }

func (r *errReader) Read([]byte) (int, error) { return 0, r.err }

func TestGeoJSONTruncated(t *testing.T) {
	in := fcJSON(featJSON(`{"name":"一网格","code":"420302001001001","x":[1,{"y":null}]}`, polygonJSON(110.78, 32.65)),
		featJSON(`{"name":"二","code":"2"}`, `{"type":"MultiPolygon","coordinates":[[`+square(111, 33)+`]]}`))
	if _, err := readString(in, Options{}); err != nil {
		t.Fatal(err)
	}
	for k := 0; k < len(in); k++ {
		_, err := readString(in[:k], Options{})
		fileRule(t, err, RuleJSON)
		// One byte at a time, too.
		_, err = ReadGeoJSON(&oneByteReader{s: in[:k]}, Options{})
		fileRule(t, err, RuleJSON)
	}
}

type oneByteReader struct{ s string }

func (r *oneByteReader) Read(p []byte) (int, error) {
	if r.s == "" {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	p[0] = r.s[0]
	r.s = r.s[1:]
	return 1, nil
}

// hugePolygon streams a FeatureCollection whose one polygon has n vertices, without holding the
// text in memory.
type hugePolygon struct {
	n, i    int
	pending []byte
	done    bool
}

func (h *hugePolygon) Read(p []byte) (int, error) {
	for len(h.pending) < len(p) && !h.done {
		switch {
		case h.i == 0:
			h.pending = append(h.pending, `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"大","code":"1"},"geometry":{"type":"Polygon","coordinates":[[`...)
		case h.i <= h.n:
			if h.i > 1 {
				h.pending = append(h.pending, ',')
			}
			a := 2 * math.Pi * float64((h.i-1)%(h.n-1)) / float64(h.n-1) // the last closes the ring
			h.pending = fmt.Appendf(h.pending, "[%.7f,%.7f]", 110.78+0.05*math.Cos(a), 32.65+0.05*math.Sin(a))
		default:
			h.pending = append(h.pending, `]]}}]}`...)
			h.done = true
		}
		h.i++
	}
	if len(h.pending) == 0 {
		return 0, io.EOF
	}
	n := copy(p, h.pending)
	h.pending = h.pending[:copy(h.pending, h.pending[n:])]
	return n, nil
}

func TestGeoJSONMillionVertices(t *testing.T) {
	allocated := func(f func()) uint64 {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		f()
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc
	}
	var err error
	total := allocated(func() { _, err = ReadGeoJSON(&hugePolygon{n: 1_000_000}, Options{}) })
	fe := featureRule(t, err, 0, RuleTooManyVertices, "geometry")
	if !contains(fe.Error(), "1000000 points, at most 100000") {
		t.Fatal(fe)
	}
	var size int64
	gen := allocated(func() { size, _ = io.Copy(io.Discard, &hugePolygon{n: 1_000_000}) })
	// The reader keeps at most MaxVertices points (1.6 MB, and about 5 times that allocated in
	// all while append grows the slice) and its buffers, however long the text.
	read := int64(total) - int64(gen)
	t.Logf("%d MB of text; the reader allocated %.1f MB", size>>20, float64(read)/(1<<20))
	if read > 16<<20 {
		t.Errorf("allocated %d MB reading a 1,000,000-vertex polygon", read>>20)
	}

	// At the limit it is read, one more is too many.
	feats, err := ReadGeoJSON(&hugePolygon{n: 100_000}, Options{})
	if err != nil || len(feats[0].Shape[0].Outer) != 100_000 {
		t.Fatal(err)
	}
	_, err = ReadGeoJSON(&hugePolygon{n: 100_001}, Options{})
	featureRule(t, err, 0, RuleTooManyVertices, "geometry")
}

func TestGeoJSONErrorCap(t *testing.T) {
	var fs []string
	for i := 0; i < 250; i++ {
		fs = append(fs, featJSON(fmt.Sprintf(`{"code":"%d"}`, i), `null`))
	}
	_, err := readString(fcJSON(fs...), Options{})
	e := mustErrors(t, err)
	if len(e.Features) != MaxErrors || e.Omitted != 150 || e.Features[MaxErrors-1].Code != "99" {
		t.Fatalf("%d %d", len(e.Features), e.Omitted)
	}
	if len(e.All()) != MaxErrors || len(e.Unwrap()) != MaxErrors {
		t.Fatal("All/Unwrap")
	}
}

func TestWriteGeoJSONRoundTrip(t *testing.T) {
	items := geo.SyntheticGrids(300, 7)
	var out []OutFeature
	for i, it := range items {
		shape := it.Shape
		if i%50 == 1 { // some multipolygons with holes
			p := shape[0]
			c := p.Centroid()
			hole := geo.Ring{{Lng: c.Lng - 0.001, Lat: c.Lat - 0.001}, {Lng: c.Lng - 0.001, Lat: c.Lat + 0.001},
				{Lng: c.Lng + 0.001, Lat: c.Lat + 0.001}, {Lng: c.Lng + 0.001, Lat: c.Lat - 0.001}, {Lng: c.Lng - 0.001, Lat: c.Lat - 0.001}}
			p.Holes = []geo.Ring{hole}
			shape = geo.MultiPolygon{p, items[(i+150)%len(items)].Shape[0]}
		}
		out = append(out, OutFeature{Shape: shape, Props: map[string]any{
			"name": fmt.Sprintf("网格%d \"<&>\"", i), "code": fmt.Sprintf("4203020010%05d", i), "parent_code": "420302001",
			"population": 1000 + i, "note": "第二行\n", "flag": i%2 == 0,
		}})
	}
	var buf bytes.Buffer
	if err := WriteGeoJSON(&buf, out); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(buf.Bytes(), []byte(`"<&>\""`)) {
		t.Error("HTML escaped")
	}
	feats, err := ReadGeoJSON(&buf, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(feats) != len(out) {
		t.Fatalf("%d features", len(feats))
	}
	for i, f := range feats {
		o := out[i]
		if f.Name != o.Props["name"] || f.Code != o.Props["code"] || f.ParentCode != "420302001" ||
			f.Props["population"] != fmt.Sprint(o.Props["population"]) || f.Props["note"] != "第二行\n" || f.Props["flag"] != fmt.Sprint(i%2 == 0) {
			t.Fatalf("feature %d: %+v", i, f)
		}
		if len(f.Shape) != len(o.Shape) {
			t.Fatalf("feature %d: %d polygons", i, len(f.Shape))
		}
		for p := range f.Shape {
			a := append([]geo.Ring{f.Shape[p].Outer}, f.Shape[p].Holes...)
			b := append([]geo.Ring{o.Shape[p].Outer}, o.Shape[p].Holes...)
			if len(a) != len(b) {
				t.Fatalf("feature %d polygon %d: %d rings", i, p, len(a))
			}
			for r := range a {
				if len(a[r]) != len(b[r]) {
					t.Fatalf("ring length")
				}
				for v := range a[r] {
					if a[r][v] != b[r][v] { // exact: an export re-imports bit for bit
						t.Fatalf("feature %d: %v vs %v", i, a[r][v], b[r][v])
					}
				}
			}
		}
	}
}

func TestWriteGeoJSONFormat(t *testing.T) {
	var buf bytes.Buffer
	err := WriteGeoJSON(&buf, []OutFeature{
		{Shape: geo.MultiPolygon{{Outer: geo.Ring{pt(110.5, -0.00000001), pt(111, 32), pt(110.123456789, 32.0000001), pt(110.5, -0.00000001)}}}, Props: map[string]any{"b": 1, "a": nil}},
		{},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"a":null,"b":1},"geometry":{"type":"Polygon","coordinates":[[[110.5,-0.00000001],[111,32],[110.123456789,32.0000001],[110.5,-0.00000001]]]}},
{"type":"Feature","properties":{},"geometry":null}
]}
`
	if buf.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", buf.String(), want)
	}
	if err := WriteGeoJSON(io.Discard, []OutFeature{{Shape: geo.MultiPolygon{{Outer: geo.Ring{pt(math.NaN(), 1)}}}}}); err == nil {
		t.Error("NaN written")
	}
	if err := WriteGeoJSON(io.Discard, []OutFeature{{Props: map[string]any{"c": make(chan int)}}}); err == nil {
		t.Error("channel written")
	}
	boom := errors.New("disk full")
	big := make([]OutFeature, 5000)
	for i := range big {
		big[i].Shape = geo.SyntheticGrids(1, 1)[0].Shape
	}
	if err := WriteGeoJSON(&failWriter{after: 100 << 10, err: boom}, big); !errors.Is(err, boom) {
		t.Errorf("write error: %v", err)
	}
}

type failWriter struct {
	after int
	err   error
}

func (w *failWriter) Write(p []byte) (int, error) {
	if w.after -= len(p); w.after < 0 {
		return 0, w.err
	}
	return len(p), nil
}

func TestGeoJSONStrings(t *testing.T) {
	in := fcJSON(featJSON(`{"code":"1","name":"a\ud83d\ude00\u00e9\/","emoji":"\ud83d\ude00","lone":"x\ud83dy","low":"\ude00","esc":"\"\\\b\f\n\r\t"}`, polygonJSON(110, 32)))
	feats, err := readString(in, Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := feats[0].Props
	if feats[0].Name != "a😀é/" || p["emoji"] != "😀" || p["lone"] != "x\uFFFDy" || p["low"] != "\uFFFD" || p["esc"] != "\"\\\b\f\n\r\t" {
		t.Fatalf("%q %q", feats[0].Name, p)
	}
	// A lone surrogate in a name is damaged text.
	_, err = readString(fcJSON(featJSON(`{"code":"1","name":"x\ud83d"}`, polygonJSON(110, 32))), Options{})
	featureRule(t, err, 0, RuleText, "properties.name")
	// Spaces around names and codes are trimmed.
	feats, err = readString(fcJSON(featJSON(`{"code":" 1 ","name":"\u3000一网格 "}`, polygonJSON(110, 32))), Options{})
	if err != nil || feats[0].Name != "一网格" || feats[0].Code != "1" {
		t.Fatal(feats, err)
	}
}

func TestGeoJSONTooManyRings(t *testing.T) {
	var polys []string
	for i := 0; i <= MaxRings; i++ {
		polys = append(polys, "["+square(110+0.02*float64(i), 32)+"]")
	}
	geom := func(n int) string {
		return `{"type":"MultiPolygon","coordinates":[` + strings.Join(polys[:n], ",") + `]}`
	}
	_, err := readString(fcJSON(featJSON(`{"code":"1"}`, geom(MaxRings+1))), Options{})
	featureRule(t, err, 0, RuleTooManyRings, "geometry")
	if _, err := readString(fcJSON(featJSON(`{"code":"1"}`, geom(MaxRings))), Options{}); err != nil {
		t.Fatal(err)
	}
}

func TestErrorsFormatting(t *testing.T) {
	e := &Errors{File: &FeatureError{Index: -1, Field: "crs", Rule: RuleCRS, Err: errors.New("projected")}}
	if e.Error() != "geoio: file: crs: projected" {
		t.Fatal(e.Error())
	}
	for i := 0; i < 7; i++ {
		e.Features = append(e.Features, &FeatureError{Index: i, Name: "名\n", Code: "c", Field: "geometry", Rule: RuleEmpty, Err: errors.New("empty")})
	}
	e.Omitted = 3
	got := e.Error()
	if !strings.HasPrefix(got, `geoio: file: crs: projected; and 10 feature error(s): feature 0 (code c, "名\n"): geometry: empty; feature 1`) || !strings.HasSuffix(got, "… (5 more)") {
		t.Fatal(got)
	}
	if len(e.All()) != 8 || e.All()[0] != e.File {
		t.Fatal("All")
	}
	long := &FeatureError{Index: 1, Name: strings.Repeat("长", 100), Rule: RuleText, Err: errors.New("x")}
	if !strings.Contains(long.Error(), strings.Repeat("长", 64)+"…)") {
		t.Fatal(long.Error())
	}
}
