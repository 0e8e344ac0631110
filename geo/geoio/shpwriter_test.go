package geoio

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"math"
	"sort"
	"strings"
	"testing"

	"github.com/redgrid/redgrid/geo"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// A small Shapefile writer for the tests: enough of the format to build valid files and to
// break them on purpose.

const (
	prjWGS84    = `GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]`
	prjCGCS2000 = `GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]`
	// What ArcGIS writes for EPSG:4546, the CGCS2000 3-degree Gauss-Kruger zone with central
	// meridian 111°E (Shiyan, Hubei).
	prjCGCS2000GK111 = `PROJCS["CGCS2000_3_Degree_GK_CM_111E",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",111.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]`
	prjXian80GK111   = `PROJCS["Xian_1980_3_Degree_GK_CM_111E",GEOGCS["GCS_Xian_1980",DATUM["D_Xian_1980",SPHEROID["Xian_1980",6378140.0,298.257]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",111.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]`
	prjBeijing54     = `GEOGCS["GCS_Beijing_1954",DATUM["D_Beijing_1954",SPHEROID["Krasovsky_1940",6378245.0,298.3]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]`
	// GDAL's OGC WKT for EPSG:4326, with authorities and axes.
	prjGDAL4326 = `GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]`
)

type tRecord struct {
	null  bool
	typ   int32 // 0: the file's type
	parts [][]geo.Point
}

type tField struct {
	name     []byte
	typ      byte
	len, dec int
}

type tShapefile struct {
	shapeType int32
	withM     bool // PolygonZ: write the optional M values too
	records   []tRecord
	fields    []tField
	rows      [][][]byte // per record, per field: the raw value (padded by the writer)
	deleted   map[int]bool
	ldid      byte
	prj       string // "" for none
	cpg       *string
	path      string // path of the layer in the zip without extension, "grid" by default
	extra     map[string][]byte
}

func gbk(s string) []byte {
	b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
	if err != nil {
		panic(err)
	}
	return b
}

func strp(s string) *string { return &s }

func pt(lng, lat float64) geo.Point { return geo.Point{Lng: lng, Lat: lat} }

// rect returns a closed rectangle ring, clockwise if cw.
func rect(x0, y0, x1, y1 float64, cw bool) []geo.Point {
	r := []geo.Point{pt(x0, y0), pt(x1, y0), pt(x1, y1), pt(x0, y1), pt(x0, y0)}
	if cw {
		for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
			r[i], r[j] = r[j], r[i]
		}
	}
	return r
}

// gridCell is a small clockwise square near Shiyan, Hubei: cell k of a row.
func gridCell(k int) []geo.Point {
	x := 110.78 + 0.01*float64(k)
	return rect(x, 32.65, x+0.01, 32.66, true)
}

// basicLayer is a valid layer with the given names and codes (UTF-8, .cpg UTF-8).
func basicLayer(names, codes []string) *tShapefile {
	s := &tShapefile{shapeType: shpPolygon, prj: prjCGCS2000, cpg: strp("UTF-8"),
		fields: []tField{{name: []byte("NAME"), typ: 'C', len: 50}, {name: []byte("CODE"), typ: 'C', len: 20},
			{name: []byte("PARENT_COD"), typ: 'C', len: 20}, {name: []byte("AREA_M2"), typ: 'N', len: 12, dec: 1}}}
	for i := range names {
		s.records = append(s.records, tRecord{parts: [][]geo.Point{gridCell(i)}})
		s.rows = append(s.rows, [][]byte{[]byte(names[i]), []byte(codes[i]), []byte("420302001001"), []byte("1234.5")})
	}
	return s
}

func (s *tShapefile) shp() []byte {
	var recs bytes.Buffer
	le := binary.LittleEndian
	for i, r := range s.records {
		var c bytes.Buffer
		typ := s.shapeType
		if r.typ != 0 {
			typ = r.typ
		}
		if r.null {
			typ = 0
		}
		binary.Write(&c, le, typ)
		if !r.null {
			var pts []geo.Point
			var starts []int32
			for _, p := range r.parts {
				starts = append(starts, int32(len(pts)))
				pts = append(pts, p...)
			}
			b := geo.EmptyBBox()
			for _, p := range pts {
				b = b.Extend(p)
			}
			binary.Write(&c, le, [4]float64{b.MinLng, b.MinLat, b.MaxLng, b.MaxLat})
			binary.Write(&c, le, int32(len(starts)))
			binary.Write(&c, le, int32(len(pts)))
			binary.Write(&c, le, starts)
			for _, p := range pts {
				binary.Write(&c, le, [2]float64{p.Lng, p.Lat})
			}
			if typ == shpPolygonZ {
				binary.Write(&c, le, [2]float64{100, 100 + float64(len(pts))})
				for k := range pts {
					binary.Write(&c, le, 100+float64(k))
				}
			}
			if typ == shpPolygonM || (typ == shpPolygonZ && s.withM) {
				binary.Write(&c, le, [2]float64{0, 1})
				for range pts {
					binary.Write(&c, le, 0.5)
				}
			}
		}
		binary.Write(&recs, binary.BigEndian, int32(i+1))
		binary.Write(&recs, binary.BigEndian, int32(c.Len()/2))
		recs.Write(c.Bytes())
	}
	var h bytes.Buffer
	binary.Write(&h, binary.BigEndian, int32(9994))
	h.Write(make([]byte, 20))
	binary.Write(&h, binary.BigEndian, int32((100+recs.Len())/2))
	binary.Write(&h, le, int32(1000))
	binary.Write(&h, le, s.shapeType)
	h.Write(make([]byte, 64)) // bounding box, Z and M ranges: not read
	h.Write(recs.Bytes())
	return h.Bytes()
}

func (s *tShapefile) dbf() []byte {
	le := binary.LittleEndian
	recLen := 1
	for _, f := range s.fields {
		recLen += f.len
	}
	hdrLen := 32 + 32*len(s.fields) + 1
	var b bytes.Buffer
	b.WriteByte(0x03)
	b.Write([]byte{126, 5, 17})
	binary.Write(&b, le, uint32(len(s.rows)))
	binary.Write(&b, le, uint16(hdrLen))
	binary.Write(&b, le, uint16(recLen))
	hdr := make([]byte, 20)
	hdr[17] = s.ldid // byte 29 of the file
	b.Write(hdr)
	for _, f := range s.fields {
		d := make([]byte, 32)
		copy(d[:11], f.name)
		d[11] = f.typ
		d[16] = byte(f.len)
		d[17] = byte(f.dec)
		b.Write(d)
	}
	b.WriteByte(0x0D)
	for i, row := range s.rows {
		if s.deleted[i] {
			b.WriteByte('*')
		} else {
			b.WriteByte(' ')
		}
		for k, f := range s.fields {
			v := row[k]
			if len(v) > f.len {
				v = v[:f.len]
			}
			pad := bytes.Repeat([]byte{' '}, f.len-len(v))
			if f.typ == 'N' || f.typ == 'F' {
				b.Write(pad)
				b.Write(v)
			} else {
				b.Write(v)
				b.Write(pad)
			}
		}
	}
	b.WriteByte(0x1A)
	return b.Bytes()
}

// files returns the entries of the layer: name → content.
func (s *tShapefile) files() map[string][]byte {
	p := s.path
	if p == "" {
		p = "grid"
	}
	m := map[string][]byte{p + ".shp": s.shp(), p + ".dbf": s.dbf(), p + ".shx": []byte("not read")}
	if s.prj != "" {
		m[p+".prj"] = []byte(s.prj)
	}
	if s.cpg != nil {
		m[p+".cpg"] = []byte(*s.cpg)
	}
	for k, v := range s.extra {
		m[k] = v
	}
	return m
}

func (s *tShapefile) zip() []byte { return zipFiles(s.files()) }

// zipFiles zips the entries, deflated, in name order.
func zipFiles(files map[string][]byte) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	names := make([]string, 0, len(files))
	for k := range files {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			panic(err)
		}
		w.Write(files[n])
	}
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// mustErrors asserts err is an *Errors and returns it.
func mustErrors(t *testing.T, err error) *Errors {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	e, ok := err.(*Errors)
	if !ok {
		t.Fatalf("error %T %v, want *Errors", err, err)
	}
	return e
}

// fileRule asserts a file-level error with the rule and returns it.
func fileRule(t *testing.T, err error, rule string) *FeatureError {
	t.Helper()
	e := mustErrors(t, err)
	if e.File == nil {
		t.Fatalf("no file-level error; got %v", err)
	}
	if e.File.Rule != rule || e.File.Index != -1 {
		t.Fatalf("file error rule %q index %d (%v), want %q", e.File.Rule, e.File.Index, e.File, rule)
	}
	return e.File
}

// featureRule asserts exactly one error, for feature idx, with the rule and field.
func featureRule(t *testing.T, err error, idx int, rule, field string) *FeatureError {
	t.Helper()
	e := mustErrors(t, err)
	if e.File != nil || len(e.Features) != 1 {
		t.Fatalf("want exactly one feature error, got %v", err)
	}
	fe := e.Features[0]
	if fe.Index != idx || fe.Rule != rule || (field != "*" && fe.Field != field) {
		t.Fatalf("got index %d rule %q field %q (%v), want %d %q %q", fe.Index, fe.Rule, fe.Field, fe, idx, rule, field)
	}
	return fe
}

func near(a, b geo.Point, tol float64) bool {
	return math.Abs(a.Lng-b.Lng) <= tol && math.Abs(a.Lat-b.Lat) <= tol
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
