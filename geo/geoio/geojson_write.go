package geoio

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"

	"github.com/redgrid/redgrid/geo"
)

// OutFeature is one feature for WriteGeoJSON.
type OutFeature struct {
	Shape geo.MultiPolygon
	Props map[string]any // encoded with encoding/json; keys are written in sorted order
}

// WriteGeoJSON writes a GeoJSON FeatureCollection (RFC 7946, WGS-84 longitude/latitude, no crs
// member). A shape with one polygon is written as a Polygon, one with several as a MultiPolygon,
// an empty one as a null geometry. Coordinates are written in the shortest form that reads back
// to the identical float64, so an export re-imports exactly: rounding to 7 decimals (1 cm) moved
// community outlines against their stored grids by enough to fail the 1 m² coverage check. The output is streamed feature by feature through a 64 KiB buffer, so memory
// does not grow with the number of features. Non-finite coordinates and properties
// encoding/json cannot encode are errors; w's errors are returned as they occur.
func WriteGeoJSON(w io.Writer, fc []OutFeature) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	var buf []byte
	var pbuf bytes.Buffer
	enc := json.NewEncoder(&pbuf)
	enc.SetEscapeHTML(false)
	if _, err := bw.WriteString(`{"type":"FeatureCollection","features":[`); err != nil {
		return err
	}
	for i, f := range fc {
		buf = buf[:0]
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, "\n{\"type\":\"Feature\",\"properties\":{"...)
		keys := make([]string, 0, len(f.Props))
		for k := range f.Props {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for j, k := range keys {
			if j > 0 {
				buf = append(buf, ',')
			}
			buf = appendJSONString(buf, k)
			buf = append(buf, ':')
			pbuf.Reset()
			if err := enc.Encode(f.Props[k]); err != nil {
				return fmt.Errorf("geoio: feature %d: property %q: %w", i, k, err)
			}
			buf = append(buf, bytes.TrimRight(pbuf.Bytes(), "\n")...)
		}
		buf = append(buf, "},\"geometry\":"...)
		var err error
		if buf, err = appendGeometry(buf, f.Shape); err != nil {
			return fmt.Errorf("geoio: feature %d: %w", i, err)
		}
		buf = append(buf, '}')
		if _, err := bw.Write(buf); err != nil {
			return err
		}
	}
	if _, err := bw.WriteString("\n]}\n"); err != nil {
		return err
	}
	return bw.Flush()
}

func appendGeometry(buf []byte, m geo.MultiPolygon) ([]byte, error) {
	switch len(m) {
	case 0:
		return append(buf, "null"...), nil
	case 1:
		buf = append(buf, `{"type":"Polygon","coordinates":`...)
		buf, err := appendPolygon(buf, m[0])
		return append(buf, '}'), err
	}
	buf = append(buf, `{"type":"MultiPolygon","coordinates":[`...)
	for i, p := range m {
		if i > 0 {
			buf = append(buf, ',')
		}
		var err error
		if buf, err = appendPolygon(buf, p); err != nil {
			return buf, err
		}
	}
	return append(buf, "]}"...), nil
}

func appendPolygon(buf []byte, p geo.Polygon) ([]byte, error) {
	buf = append(buf, '[')
	for i, r := range append([]geo.Ring{p.Outer}, p.Holes...) {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, '[')
		for j, pt := range r {
			if math.IsNaN(pt.Lng) || math.IsInf(pt.Lng, 0) || math.IsNaN(pt.Lat) || math.IsInf(pt.Lat, 0) {
				return buf, fmt.Errorf("non-finite coordinate (%v, %v)", pt.Lng, pt.Lat)
			}
			if j > 0 {
				buf = append(buf, ',')
			}
			buf = append(buf, '[')
			buf = appendCoord(buf, pt.Lng)
			buf = append(buf, ',')
			buf = appendCoord(buf, pt.Lat)
			buf = append(buf, ']')
		}
		buf = append(buf, ']')
	}
	return append(buf, ']'), nil
}

// appendCoord writes v in the shortest decimal form that parses back to v exactly, "-0" as "0".
func appendCoord(buf []byte, v float64) []byte {
	start := len(buf)
	buf = strconv.AppendFloat(buf, v, 'f', -1, 64)
	if string(buf[start:]) == "-0" {
		buf = append(buf[:start], '0')
	}
	return buf
}
