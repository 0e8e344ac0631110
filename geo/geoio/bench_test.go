package geoio

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/redgrid/redgrid/geo"
)

// A district's grids: 10,000 synthetic grids of 12–48 vertices.

func BenchmarkReadGeoJSON(b *testing.B) {
	items := geo.SyntheticGrids(10_000, 1)
	out := make([]OutFeature, len(items))
	for i, it := range items {
		out[i] = OutFeature{Shape: it.Shape, Props: map[string]any{"name": fmt.Sprintf("第%d网格", i), "code": fmt.Sprintf("420302%09d", i)}}
	}
	var buf bytes.Buffer
	if err := WriteGeoJSON(&buf, out); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ReadGeoJSON(bytes.NewReader(buf.Bytes()), Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReadShapefileZip(b *testing.B) {
	items := geo.SyntheticGrids(10_000, 1)
	s := basicLayer(nil, nil)
	s.cpg = strp("GBK")
	for i, it := range items {
		// Shapefile outer rings run clockwise; the synthetic grids are counter-clockwise.
		r := append(geo.Ring(nil), it.Shape[0].Outer...)
		for l, h := 0, len(r)-1; l < h; l, h = l+1, h-1 {
			r[l], r[h] = r[h], r[l]
		}
		s.records = append(s.records, tRecord{parts: [][]geo.Point{r}})
		s.rows = append(s.rows, [][]byte{gbk(fmt.Sprintf("第%d网格", i)), []byte(fmt.Sprintf("420302%09d", i)), []byte("420302001001"), []byte("1234.5")})
	}
	z := s.zip()
	b.SetBytes(int64(len(z)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ReadShapefileZip(z, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
