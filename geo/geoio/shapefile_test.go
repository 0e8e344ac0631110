package geoio

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"hash/crc32"
	"strings"
	"testing"

	"github.com/redgrid/redgrid/geo"
)

func TestShapefileUTF8(t *testing.T) {
	s := basicLayer([]string{"一网格", "二网格"}, []string{"420302001001001", "420302001001002"})
	feats, err := ReadShapefileZip(s.zip(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(feats) != 2 {
		t.Fatalf("%d features", len(feats))
	}
	f := feats[1]
	if f.Index != 1 || f.Name != "二网格" || f.Code != "420302001001002" || f.ParentCode != "420302001001" {
		t.Fatalf("feature %+v", f)
	}
	if f.Props["AREA_M2"] != "1234.5" || len(f.Props) != 1 {
		t.Fatalf("props %v", f.Props)
	}
	if len(f.Shape) != 1 || len(f.Shape[0].Outer) != 5 || f.Shape[0].Holes != nil {
		t.Fatalf("shape %v", f.Shape)
	}
	if f.Shape[0].Outer[0] != gridCell(1)[0] {
		t.Fatalf("outer %v", f.Shape[0].Outer)
	}
}

func TestShapefileGBK(t *testing.T) {
	names := []string{"茅箭区武当路街道一网格", "二网格（东）"}
	codes := []string{"420302001001001", "420302001001002"}
	build := func() *tShapefile {
		s := basicLayer(names, codes)
		s.fields[0].name = gbk("网格名称")
		s.fields[1].name = gbk("网格编码")
		s.fields[2].name = gbk("社区编码")
		s.fields = append(s.fields, tField{name: gbk("备注"), typ: 'C', len: 30})
		for i := range s.rows {
			s.rows[i][0] = gbk(names[i])
			s.rows[i] = append(s.rows[i], gbk("无"))
		}
		return s
	}
	for _, tc := range []struct {
		name string
		set  func(*tShapefile)
	}{
		{"cpg GBK", func(s *tShapefile) { s.cpg = strp("GBK") }},
		{"cpg 936", func(s *tShapefile) { s.cpg = strp("936\r\n") }},
		{"cpg GB2312", func(s *tShapefile) { s.cpg = strp("gb2312") }},
		{"ldid 0x4D", func(s *tShapefile) { s.cpg = nil; s.ldid = 0x4D }},
		{"ldid 0x7A", func(s *tShapefile) { s.cpg = nil; s.ldid = 0x7A }},
		{"detected", func(s *tShapefile) { s.cpg = nil }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := build()
			tc.set(s)
			feats, err := ReadShapefileZip(s.zip(), Options{})
			if err != nil {
				t.Fatal(err)
			}
			for i, f := range feats {
				if f.Name != names[i] || f.Code != codes[i] || f.ParentCode != "420302001001" || f.Props["备注"] != "无" {
					t.Fatalf("feature %d: %+v", i, f)
				}
			}
		})
	}
	// A GBK file whose .cpg wrongly says UTF-8: the names are not valid UTF-8.
	s := build()
	s.cpg = strp("UTF-8")
	_, err := ReadShapefileZip(s.zip(), Options{})
	fe := fileRule(t, err, RuleEncoding)
	if !contains(fe.Error(), "the .cpg says UTF-8 but the name of field 1 is not valid UTF-8") {
		t.Fatal(fe)
	}
	// Names valid, a value not.
	s = basicLayer(names, codes)
	s.rows[1][0] = gbk(names[1])
	_, err = ReadShapefileZip(s.zip(), Options{})
	fe = fileRule(t, err, RuleEncoding)
	if !contains(fe.Error(), "field 1 of record 1 is not valid UTF-8") {
		t.Fatal(fe)
	}
}

func TestShapefileUTF8Detected(t *testing.T) {
	// No .cpg, no language driver: valid UTF-8 is read as UTF-8, even with a character cut in
	// half by the field width.
	s := basicLayer([]string{"一网格", "十堰市茅箭区"}, []string{"1", "2"})
	s.cpg = nil
	s.fields[0].len = 17 // "十堰市茅箭区" is 18 bytes: the last character is cut
	feats, err := ReadShapefileZip(s.zip(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if feats[0].Name != "一网格" || feats[1].Name != "十堰市茅箭" {
		t.Fatalf("%q %q", feats[0].Name, feats[1].Name)
	}
}

func TestShapefileHolesAndParts(t *testing.T) {
	outerA := rect(110.0, 32.0, 110.1, 32.1, true)
	holeA := rect(110.02, 32.02, 110.04, 32.04, false)
	outerB := rect(110.2, 32.0, 110.3, 32.1, true)
	holeB := rect(110.22, 32.02, 110.24, 32.04, false)
	holeB2 := rect(110.25, 32.05, 110.28, 32.08, false)
	s := basicLayer([]string{"a"}, []string{"1"})
	// Holes listed before their outer rings, and mixed: ring order is not significant.
	s.records[0].parts = [][]geo.Point{holeB, outerA, holeB2, outerB, holeA}
	feats, err := ReadShapefileZip(s.zip(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := feats[0].Shape
	if len(m) != 2 || len(m[0].Holes) != 1 || len(m[1].Holes) != 2 {
		t.Fatalf("shape %v", m)
	}
	if m[0].Outer[0] != outerA[0] || m[0].Holes[0][0] != holeA[0] || m[1].Outer[0] != outerB[0] ||
		m[1].Holes[0][0] != holeB[0] || m[1].Holes[1][0] != holeB2[0] {
		t.Fatalf("rings misassigned: %v", m)
	}

	// An island in a lake in an island: the inner island is its own polygon, the lake belongs
	// to the big island, not to the small one.
	big := rect(110.0, 32.0, 110.1, 32.1, true)
	lake := rect(110.01, 32.01, 110.09, 32.09, false)
	islet := rect(110.03, 32.03, 110.05, 32.05, true)
	s.records[0].parts = [][]geo.Point{islet, lake, big}
	feats, err = ReadShapefileZip(s.zip(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	m = feats[0].Shape
	if len(m) != 2 || m[0].Outer[0] != islet[0] || len(m[0].Holes) != 0 || m[1].Outer[0] != big[0] || len(m[1].Holes) != 1 {
		t.Fatalf("nested islands: %v", m)
	}

	// A hole with no outer ring.
	s.records[0].parts = [][]geo.Point{outerA, holeB}
	_, err = ReadShapefileZip(s.zip(), Options{})
	featureRule(t, err, 0, RuleHoleOutside, "geometry.parts[1]")

	// A writer that wrote every ring counter-clockwise: read by nesting.
	s.records[0].parts = [][]geo.Point{rect(110.0, 32.0, 110.1, 32.1, false), rect(110.2, 32.0, 110.3, 32.1, false)}
	feats, err = ReadShapefileZip(s.zip(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(feats[0].Shape) != 2 {
		t.Fatalf("%v", feats[0].Shape)
	}
}

func TestShapefileZAndM(t *testing.T) {
	for _, tc := range []struct {
		typ   int32
		withM bool
	}{{shpPolygonZ, false}, {shpPolygonZ, true}, {shpPolygonM, false}} {
		s := basicLayer([]string{"a", "b"}, []string{"1", "2"})
		s.shapeType, s.withM = tc.typ, tc.withM
		s.records[1].parts = append(s.records[1].parts, rect(111, 33, 111.01, 33.01, true))
		feats, err := ReadShapefileZip(s.zip(), Options{})
		if err != nil {
			t.Fatalf("type %d M %v: %v", tc.typ, tc.withM, err)
		}
		if len(feats) != 2 || len(feats[1].Shape) != 2 || feats[1].Shape[1].Outer[2] != pt(111.01, 33.01) {
			t.Fatalf("type %d: %+v", tc.typ, feats)
		}
	}
}

func TestShapefilePrj(t *testing.T) {
	s := basicLayer([]string{"a"}, []string{"1"})
	for _, ok := range []string{prjWGS84, prjCGCS2000, prjGDAL4326, "\uFEFF" + prjWGS84 + "\r\n",
		`GEOGCS["China Geodetic Coordinate System 2000",DATUM["China_2000",SPHEROID["CGCS2000",6378137,298.257222101]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433],AUTHORITY["EPSG","4490"]]`,
	} {
		s.prj = ok
		if _, err := ReadShapefileZip(s.zip(), Options{}); err != nil {
			t.Fatalf("%s: %v", ok, err)
		}
	}
	for _, tc := range []struct{ prj, rule, msg string }{
		{prjCGCS2000GK111, RuleCRS, "projected (CGCS2000_3_Degree_GK_CM_111E"},
		{prjXian80GK111, RuleCRS, "projected (Xian_1980_3_Degree_GK_CM_111E"},
		{prjBeijing54, RuleCRS, "Beijing 1954 datum"},
		{strings.ReplaceAll(prjBeijing54, "Beijing_1954", "Xian_1980"), RuleCRS, "Xian 1980 datum"},
		{`GEOGCS["GCS_Tokyo",DATUM["D_Tokyo",SPHEROID["Bessel_1841",6377397.155,299.1528128]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]`, RuleCRS, "only CGCS2000"},
		{strings.Replace(prjWGS84, `UNIT["Degree",0.0174532925199433]`, `UNIT["Grad",0.01570796326794897]`, 1), RuleCRS, "not degrees"},
		{`LOCAL_CS["Shiyan local",UNIT["Meter",1]]`, RuleCRS, "LOCAL_CS"},
		{"GEOGCS[", RuleCRS, "truncated"},
		{"not wkt", RuleCRS, "not valid WKT"},
		{"   ", RuleCRS, "empty"},
	} {
		s.prj = tc.prj
		_, err := ReadShapefileZip(s.zip(), Options{})
		fe := fileRule(t, err, tc.rule)
		if fe.Field != ".prj" || !contains(fe.Error(), tc.msg) {
			t.Errorf("prj %.40q: %v, want %q", tc.prj, fe, tc.msg)
		}
	}
	s.prj = ""
	_, err := ReadShapefileZip(s.zip(), Options{})
	fileRule(t, err, RulePrj)
}

func TestShapefileDeletedRecords(t *testing.T) {
	s := basicLayer([]string{"a", "deleted", "c"}, []string{"1", "2", "3"})
	s.deleted = map[int]bool{1: true}
	s.records[1] = tRecord{parts: [][]geo.Point{{pt(0, 0), pt(1, 1), pt(0, 0)}}} // invalid, but skipped
	feats, err := ReadShapefileZip(s.zip(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(feats) != 2 || feats[0].Index != 0 || feats[1].Index != 2 || feats[1].Name != "c" {
		t.Fatalf("%+v", feats)
	}
}

func TestShapefileCountMismatch(t *testing.T) {
	s := basicLayer([]string{"a", "b"}, []string{"1", "2"})
	s.records = s.records[:1]
	_, err := ReadShapefileZip(s.zip(), Options{})
	fe := fileRule(t, err, RuleCount)
	if !contains(fe.Error(), "holds 1 records but the .dbf 2") {
		t.Fatal(fe)
	}
}

func TestShapefileFeatureErrors(t *testing.T) {
	s := basicLayer([]string{"ok", "null", "open", "bowtie", "far", "noname", "line"}, []string{"1", "2", "3", "4", "5", "6", "7"})
	s.records[1] = tRecord{null: true}
	s.records[2].parts[0] = s.records[2].parts[0][:4]
	s.records[3].parts[0] = []geo.Point{pt(110, 32), pt(110.1, 32.1), pt(110.1, 32), pt(110, 32.1), pt(110, 32)}
	s.records[4].parts[0] = rect(497000, 3612000, 498000, 3613000, true)
	s.rows[5][0] = []byte("")
	s.rows[5][1] = []byte("\x01x")
	s.records[6].typ = 3
	_, err := ReadShapefileZip(s.zip(), Options{})
	e := mustErrors(t, err)
	want := []struct {
		idx          int
		rule, field  string
		name, detail string
	}{
		{1, RuleEmpty, "geometry", "null", "empty geometry"},
		{2, RuleClosed, "geometry.parts[0]", "open", "not closed"},
		{3, RuleSelfIntersection, "geometry.parts[0][0]", "bowtie", "meets segment 2-3 of the same ring"},
		{4, RuleRange, "geometry.parts[0][0]", "far", "projected coordinates in metres"},
		{5, RuleText, "properties.CODE", "", "control character U+0001"},
		{6, RulePolygon, "geometry", "line", "PolyLine (3) shape in a Polygon (5) file"},
	}
	if e.File != nil || len(e.Features) != len(want) {
		t.Fatalf("%v", err)
	}
	for i, w := range want {
		fe := e.Features[i]
		if fe.Index != w.idx || fe.Rule != w.rule || fe.Field != w.field || fe.Name != w.name || !contains(fe.Error(), w.detail) {
			t.Errorf("error %d: %v (index %d rule %s field %s), want %+v", i, fe, fe.Index, fe.Rule, fe.Field, w)
		}
	}
	var ve *geo.ValidationError
	if !errors.As(e.Features[2], &ve) || !errors.Is(e.Features[2], geo.ErrSelfIntersection) {
		t.Errorf("validation error not wrapped: %#v", e.Features[2].Err)
	}
	if got := e.Features[1].Error(); got != "feature 2 (code 3, open): geometry.parts[0]: part 0 is not closed: it starts at (110.8, 32.65) and ends at (110.81, 32.65)" {
		t.Errorf("message %q", got)
	}
}

func TestShapefileNumericCode(t *testing.T) {
	s := basicLayer([]string{"a", "b"}, []string{"420302001001001", "420302001001002.000"})
	s.fields[1] = tField{name: []byte("bm"), typ: 'N', len: 19, dec: 3}
	feats, err := ReadShapefileZip(s.zip(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if feats[0].Code != "420302001001001" || feats[1].Code != "420302001001002" {
		t.Fatalf("%q %q", feats[0].Code, feats[1].Code)
	}
	s.rows[1][1] = []byte("4203.5")
	_, err = ReadShapefileZip(s.zip(), Options{})
	featureRule(t, err, 1, RuleInteger, "properties.bm")
}

func TestShapefileLimits(t *testing.T) {
	s := basicLayer([]string{"a", "b", "c"}, []string{"1", "2", "3"})
	_, err := ReadShapefileZip(s.zip(), Options{MaxFeatures: 2})
	fileRule(t, err, RuleTooManyFeatures)
	if _, err := ReadShapefileZip(s.zip(), Options{MaxFeatures: 3}); err != nil {
		t.Fatal(err)
	}
	_, err = ReadShapefileZip(s.zip(), Options{MaxVertices: 4})
	e := mustErrors(t, err)
	if len(e.Features) != 3 || e.Features[0].Rule != RuleTooManyVertices || !contains(e.Features[0].Error(), "5 points, at most 4") {
		t.Fatal(err)
	}

	// Errors beyond MaxErrors are counted, not kept.
	var names, codes []string
	for i := 0; i < MaxErrors+50; i++ {
		names = append(names, "n")
		codes = append(codes, "\x01")
	}
	s = basicLayer(names, codes)
	_, err = ReadShapefileZip(s.zip(), Options{})
	e = mustErrors(t, err)
	if len(e.Features) != MaxErrors || e.Omitted != 50 || e.Features[99].Index != 99 {
		t.Fatalf("%d kept, %d omitted", len(e.Features), e.Omitted)
	}
	if !contains(e.Error(), "150 feature error(s)") {
		t.Fatal(e.Error())
	}
}

func TestShapefileZipLayout(t *testing.T) {
	s := basicLayer([]string{"a"}, []string{"1"})
	files := s.files()
	// In a folder, upper-case names, with macOS debris and other files around.
	layout := map[string][]byte{}
	for k, v := range files {
		layout["导出/"+strings.ToUpper(k)] = v
	}
	layout["__MACOSX/导出/._GRID.SHP"] = []byte("junk")
	layout["导出/GRID.shp.xml"] = []byte("<xml/>")
	layout["readme.txt"] = []byte("hi")
	feats, err := ReadShapefileZip(zipFiles(layout), Options{})
	if err != nil || len(feats) != 1 {
		t.Fatal(err)
	}

	// GBK entry names (no UTF-8 flag), two layers' .dbf files whose names differ only in GBK
	// bytes: each .shp finds its own.
	gbkLayout := map[string][]byte{}
	for k, v := range files {
		if strings.HasSuffix(k, ".shp") || strings.HasSuffix(k, ".dbf") || strings.HasSuffix(k, ".prj") {
			gbkLayout[string(gbk("网格"))+k[len("grid"):]] = v
		}
	}
	gbkLayout[string(gbk("社区"))+".dbf"] = []byte("another layer's table")
	feats, err = ReadShapefileZip(zipFiles(gbkLayout), Options{})
	if err != nil || len(feats) != 1 {
		t.Fatal(err)
	}

	// Two layers.
	two := map[string][]byte{}
	for k, v := range files {
		two[k] = v
		two["other/"+k] = v
	}
	_, err = ReadShapefileZip(zipFiles(two), Options{})
	fe := fileRule(t, err, RuleFiles)
	if !contains(fe.Error(), "2 .shp files") {
		t.Fatal(fe)
	}

	// No .dbf; the .dbf in another folder does not count.
	nodbf := map[string][]byte{}
	for k, v := range files {
		if strings.HasSuffix(k, ".dbf") {
			k = "elsewhere/" + k
		}
		nodbf[k] = v
	}
	_, err = ReadShapefileZip(zipFiles(nodbf), Options{})
	fileRule(t, err, RuleFiles)

	// No .shp at all; not a zip at all.
	_, err = ReadShapefileZip(zipFiles(map[string][]byte{"grid.geojson": []byte("{}")}), Options{})
	fileRule(t, err, RuleFiles)
	_, err = ReadShapefileZip([]byte("PK\x03\x04 not really"), Options{})
	fileRule(t, err, RuleZip)
	_, err = ReadShapefileZip(nil, Options{})
	fileRule(t, err, RuleZip)

	// An unsupported code page.
	s.cpg = strp("1252")
	_, err = ReadShapefileZip(s.zip(), Options{})
	fileRule(t, err, RuleEncoding)

	// Not polygons.
	s = basicLayer([]string{"a"}, []string{"1"})
	s.shapeType = 3
	_, err = ReadShapefileZip(s.zip(), Options{})
	fe = fileRule(t, err, RuleShapeType)
	if !contains(fe.Error(), "PolyLine (3)") {
		t.Fatal(fe)
	}
}

// rawZip builds an archive whose single .shp entry declares sizes of our choosing.
func rawZip(t *testing.T, files map[string][]byte, bomb []byte, declared uint64) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, data := range files {
		if strings.HasSuffix(name, ".shp") {
			var comp bytes.Buffer
			fw, _ := flate.NewWriter(&comp, flate.BestCompression)
			fw.Write(bomb)
			fw.Close()
			w, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(bomb),
				CompressedSize64: uint64(comp.Len()), UncompressedSize64: declared})
			if err != nil {
				t.Fatal(err)
			}
			w.Write(comp.Bytes())
			continue
		}
		w, _ := zw.Create(name)
		w.Write(data)
	}
	zw.Close()
	return buf.Bytes()
}

func TestShapefileZipBomb(t *testing.T) {
	defer func(old int64) { zipTotalLimit = old }(zipTotalLimit)
	zipTotalLimit = 1 << 20
	s := basicLayer([]string{"a"}, []string{"1"})
	files := s.files()
	bomb := make([]byte, 4<<20)
	copy(bomb, files["grid.shp"])

	// Honest sizes, too large: refused before decompressing.
	z := rawZip(t, files, bomb, uint64(len(bomb)))
	if len(z) > 64<<10 {
		t.Fatalf("bomb of %d bytes is not a bomb", len(z))
	}
	_, err := ReadShapefileZip(z, Options{})
	fileRule(t, err, RuleTooLarge)

	// Lying sizes: decompression stops at the limit (or archive/zip notices the lie first).
	z = rawZip(t, files, bomb, 1000)
	_, err = ReadShapefileZip(z, Options{})
	e := mustErrors(t, err)
	if e.File == nil || (e.File.Rule != RuleTooLarge && e.File.Rule != RuleZip) {
		t.Fatalf("%v", err)
	}

	// The limit is on all entries together.
	zipTotalLimit = int64(len(files["grid.shp"])) + 100
	_, err = ReadShapefileZip(s.zip(), Options{})
	fileRule(t, err, RuleTooLarge)
}

func TestShapefileTruncated(t *testing.T) {
	s := basicLayer([]string{"一网格", "二网格"}, []string{"420302001001001", "420302001001002"})
	s.records[1].parts = append(s.records[1].parts, rect(111, 33, 111.01, 33.01, true))
	files := s.files()
	for _, name := range []string{"grid.shp", "grid.dbf", "grid.prj"} {
		full := files[name]
		for k := 0; k < len(full); k++ {
			trunc := map[string][]byte{}
			for n, v := range files {
				trunc[n] = v
			}
			trunc[name] = full[:k]
			_, err := ReadShapefileZip(zipFiles(trunc), Options{})
			if name == "grid.dbf" && k == len(full)-1 {
				// Only the optional end-of-file marker is missing.
				if err != nil {
					t.Errorf("%s without its 0x1A: %v", name, err)
				}
				continue
			}
			if err == nil {
				t.Fatalf("%s cut at %d of %d: no error", name, k, len(full))
			}
			e := mustErrors(t, err)
			if e.File == nil && len(e.Features) == 0 {
				t.Fatalf("%s cut at %d: empty Errors", name, k)
			}
		}
	}
	z := s.zip()
	for k := 0; k < len(z); k++ {
		if _, err := ReadShapefileZip(z[:k], Options{}); err == nil {
			t.Fatalf("zip cut at %d of %d: no error", k, len(z))
		}
	}
}

// TestShapefileCorrupt flips bytes of valid files: errors, never panics.
func TestShapefileCorrupt(t *testing.T) {
	s := basicLayer([]string{"一网格", "二网格"}, []string{"420302001001001", "420302001001002"})
	s.shapeType = shpPolygonZ
	files := s.files()
	for _, name := range []string{"grid.shp", "grid.dbf"} {
		full := files[name]
		for k := 0; k < len(full); k++ {
			for _, v := range []byte{0x00, 0xFF, 0x7F, 0x80} {
				c := bytes.Clone(full)
				c[k] = v
				m := map[string][]byte{}
				for n, d := range files {
					m[n] = d
				}
				m[name] = c
				feats, err := ReadShapefileZip(zipFiles(m), Options{})
				checkFeatures(t, feats, err)
			}
		}
	}
}

// checkFeatures is the property the fuzz tests check too: either an error, or features that
// validate and have a name and code.
func checkFeatures(t *testing.T, feats []Feature, err error) {
	t.Helper()
	if err != nil {
		if feats != nil {
			t.Fatalf("features and an error")
		}
		var e *Errors
		if !errors.As(err, &e) || (e.File == nil && len(e.Features) == 0) {
			t.Fatalf("error %T %v", err, err)
		}
		_ = err.Error()
		return
	}
	for _, f := range feats {
		if verr := f.Shape.ValidateWith(geo.ValidateOptions{}); verr != nil {
			t.Fatalf("feature %d does not validate: %v", f.Index, verr)
		}
		if f.Props == nil {
			t.Fatalf("feature %d: %+v", f.Index, f)
		}
		if checkText(f.Name) != nil || checkText(f.Code) != nil || checkText(f.ParentCode) != nil {
			t.Fatalf("feature %d: bad text %q %q", f.Index, f.Name, f.Code)
		}
	}
}

func TestShapefileFieldTypes(t *testing.T) {
	s := basicLayer([]string{"a"}, []string{"1"})
	s.fields = append(s.fields, tField{name: []byte("DATE"), typ: 'D', len: 8}, tField{name: []byte("OK"), typ: 'L', len: 1},
		tField{name: []byte("MEMO"), typ: 'M', len: 10}, tField{name: []byte("RATIO"), typ: 'F', len: 10, dec: 3})
	s.rows[0] = append(s.rows[0], []byte("20240131"), []byte("T"), []byte("0000000001"), []byte("0.125"))
	feats, err := ReadShapefileZip(s.zip(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := feats[0].Props
	if p["DATE"] != "20240131" || p["OK"] != "T" || p["RATIO"] != "0.125" || p["AREA_M2"] != "1234.5" {
		t.Fatalf("%v", p)
	}
	if _, ok := p["MEMO"]; ok {
		t.Fatal("memo field read")
	}
}

func TestShapefileGBKCut(t *testing.T) {
	// A GBK name cut in the middle of a character by the field width: the half is dropped.
	s := basicLayer([]string{"x", "y"}, []string{"1", "2"})
	s.cpg = strp("GBK")
	s.fields[0].len = 7
	s.rows[0][0] = gbk("一网格社区") // 10 bytes: cut after 3.5 characters
	s.rows[1][0] = append([]byte("ab"), gbk("一网格社区")...)
	feats, err := ReadShapefileZip(s.zip(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if feats[0].Name != "一网格" || feats[1].Name != "ab一网" {
		t.Fatalf("%q %q", feats[0].Name, feats[1].Name)
	}
}

func TestShapefileTooManyRings(t *testing.T) {
	s := basicLayer([]string{"a"}, []string{"1"})
	var parts [][]geo.Point
	for i := 0; i <= MaxRings; i++ {
		x := 110 + 0.001*float64(i)
		parts = append(parts, rect(x, 32, x+0.0005, 32.0005, true))
	}
	s.records[0].parts = parts
	_, err := ReadShapefileZip(s.zip(), Options{})
	featureRule(t, err, 0, RuleTooManyRings, "geometry")
	s.records[0].parts = parts[:MaxRings]
	if _, err := ReadShapefileZip(s.zip(), Options{}); err != nil {
		t.Fatal(err)
	}
}

func TestShapefileCRSOption(t *testing.T) {
	// A .prj cannot say GCJ-02: the caller's word converts the coordinates.
	s := basicLayer([]string{"a"}, []string{"1"})
	feats, err := ReadShapefileZip(s.zip(), Options{CRS: geo.GCJ02})
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range gridCell(0) {
		lng, lat := geo.GCJ02ToWGS84(p.Lng, p.Lat)
		if feats[0].Shape[0].Outer[i] != pt(lng, lat) {
			t.Fatalf("vertex %d: %v", i, feats[0].Shape[0].Outer[i])
		}
	}
	_, err = ReadShapefileZip(s.zip(), Options{CRS: 42})
	fileRule(t, err, RuleCRS)
}
