package geoio

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/redgrid/redgrid/geo"
)

// Shape types of the ESRI Shapefile Technical Description (1998).
const (
	shpNull     = 0
	shpPolygon  = 5
	shpPolygonZ = 15
	shpPolygonM = 25
)

var shapeTypeNames = map[int32]string{
	0: "Null", 1: "Point", 3: "PolyLine", 5: "Polygon", 8: "MultiPoint", 11: "PointZ", 13: "PolyLineZ",
	15: "PolygonZ", 18: "MultiPointZ", 21: "PointM", 23: "PolyLineM", 25: "PolygonM", 28: "MultiPointM",
	31: "MultiPatch",
}

func shapeTypeName(t int32) string {
	if n, ok := shapeTypeNames[t]; ok {
		return fmt.Sprintf("%s (%d)", n, t)
	}
	return fmt.Sprintf("%d", t)
}

// shpFile is a parsed .shp: the header's shape type and where each record's content lies.
type shpFile struct {
	shapeType int32
	records   [][]byte // record contents, in file order
}

// parseSHP checks the main file header and splits the records, checking that each lies within
// the file. Geometry is decoded per record by shpFile.shape.
func parseSHP(b []byte, maxRecords int) (*shpFile, *FeatureError) {
	bad := func(format string, args ...any) (*shpFile, *FeatureError) {
		return nil, fileErr(".shp", RuleShp, format, args...)
	}
	if len(b) < 100 {
		return bad("the .shp is %d bytes long, shorter than its 100-byte header: the file is truncated", len(b))
	}
	if code := int32(binary.BigEndian.Uint32(b[0:])); code != 9994 {
		return bad("not a .shp file: the file code is %d, not 9994", code)
	}
	flen := int64(binary.BigEndian.Uint32(b[24:])) * 2
	if flen < 100 {
		return bad("the .shp header gives a file length of %d bytes", flen)
	}
	if flen > int64(len(b)) {
		return bad("the .shp header says the file is %d bytes long but it has %d: the file is truncated", flen, len(b))
	}
	st := int32(binary.LittleEndian.Uint32(b[32:]))
	switch st {
	case shpNull, shpPolygon, shpPolygonZ, shpPolygonM:
	default:
		if _, known := shapeTypeNames[st]; known {
			return nil, fileErr(".shp", RuleShapeType, "the layer holds %s shapes; grids must be polygons", shapeTypeName(st))
		}
		return bad("the .shp header has an unknown shape type %d", st)
	}
	f := &shpFile{shapeType: st}
	for off := int64(100); off < flen; {
		if flen-off < 8 {
			return bad("record %d: the header at byte %d is cut off: the file is truncated", len(f.records)+1, off)
		}
		clen := int64(int32(binary.BigEndian.Uint32(b[off+4:]))) * 2
		if clen < 4 {
			return bad("record %d at byte %d: content length %d bytes is too small", len(f.records)+1, off, clen)
		}
		if off+8+clen > flen {
			return bad("record %d at byte %d: its %d bytes run past the end of the file: the file is truncated", len(f.records)+1, off, clen)
		}
		if overLimit(len(f.records)+1, maxRecords) {
			return nil, fileErr(".shp", RuleTooManyFeatures, "more than %d features", maxRecords)
		}
		f.records = append(f.records, b[off+8:off+8+clen])
		off += 8 + clen
	}
	return f, nil
}

// shpShape is the geometry of one record as stored: points and the start of each part.
type shpShape struct {
	null  bool
	parts []int // start of each part in pts
	pts   []geo.Point
}

// shape decodes record i. Problems are feature errors (Index not set).
func (f *shpFile) shape(i, maxVertices int) (shpShape, *FeatureError) {
	c := f.records[i]
	bad := func(rule, format string, args ...any) (shpShape, *FeatureError) {
		return shpShape{}, &FeatureError{Field: "geometry", Rule: rule, Err: fmt.Errorf(format, args...)}
	}
	st := int32(binary.LittleEndian.Uint32(c))
	if st == shpNull {
		return shpShape{null: true}, nil
	}
	if st != f.shapeType {
		return bad(RulePolygon, "the record is a %s shape in a %s file", shapeTypeName(st), shapeTypeName(f.shapeType))
	}
	if len(c) < 44 {
		return bad(RuleShp, "the record is %d bytes long, too short for a polygon", len(c))
	}
	np := int64(int32(binary.LittleEndian.Uint32(c[36:])))
	n := int64(int32(binary.LittleEndian.Uint32(c[40:])))
	if np < 0 || n < 0 {
		return bad(RuleShp, "the record gives %d parts and %d points", np, n)
	}
	need := 44 + 4*np + 16*n
	if st == shpPolygonZ {
		need += 16 + 8*n // Z range and Z values; M values are optional
	}
	if need > int64(len(c)) {
		return bad(RuleShp, "the record declares %d parts and %d points, which need %d bytes, but it has %d", np, n, need, len(c))
	}
	if overLimit(int(n), maxVertices) {
		return bad(RuleTooManyVertices, "%d points, at most %d", n, maxVertices)
	}
	if np > MaxRings {
		return bad(RuleTooManyRings, "%d parts, at most %d", np, MaxRings)
	}
	if np == 0 || n == 0 {
		return bad(RuleEmpty, "empty geometry: %d parts, %d points", np, n)
	}
	if np > n {
		return bad(RuleShp, "the record has more parts (%d) than points (%d)", np, n)
	}
	s := shpShape{parts: make([]int, np), pts: make([]geo.Point, n)}
	for k := range s.parts {
		s.parts[k] = int(int32(binary.LittleEndian.Uint32(c[44+4*k:])))
		if (k == 0 && s.parts[k] != 0) || (k > 0 && s.parts[k] <= s.parts[k-1]) || s.parts[k] >= int(n) {
			return bad(RuleShp, "the part index %d of part %d is out of order or out of range (the record has %d points)", s.parts[k], k, n)
		}
	}
	base := 44 + 4*int(np)
	for k := range s.pts {
		o := base + 16*k
		s.pts[k] = geo.Point{
			Lng: math.Float64frombits(binary.LittleEndian.Uint64(c[o:])),
			Lat: math.Float64frombits(binary.LittleEndian.Uint64(c[o+8:])),
		}
	}
	return s, nil
}

// part returns the points of part k.
func (s *shpShape) part(k int) []geo.Point {
	end := len(s.pts)
	if k+1 < len(s.parts) {
		end = s.parts[k+1]
	}
	return s.pts[s.parts[k]:end:end]
}

// assemble turns the parts of a record into polygons. In a Shapefile outer rings run clockwise and
// holes counter-clockwise, in any order; each hole belongs to the smallest outer ring containing
// it. A record with no clockwise ring at all (a writer that ignored the rule) is read by nesting
// instead: rings inside an even number of others are outer rings. It returns the polygons and,
// for each polygon and ring, the part it came from. Points are already converted and checked.
func assemble(s *shpShape) (geo.MultiPolygon, [][]int, *FeatureError) {
	np := len(s.parts)
	rings := make([]geo.Ring, np)
	area := make([]float64, np)
	boxes := make([]geo.BBox, np)
	anyCW := false
	for k := range rings {
		rings[k] = geo.Ring(s.part(k))
		area[k] = signedArea(rings[k])
		boxes[k] = rings[k].BBox()
		if area[k] < 0 {
			anyCW = true
		}
	}
	isOuter := make([]bool, np)
	for k := range rings {
		if anyCW {
			isOuter[k] = area[k] <= 0 // zero area: let validation explain what is wrong with it
		} else {
			depth := 0
			for j := range rings {
				if j != k && ringContainsRing(rings[j], boxes[j], rings[k]) {
					depth++
				}
			}
			isOuter[k] = depth%2 == 0
		}
	}
	polyOf := make([]int, np) // polygon index of each outer part
	var shape geo.MultiPolygon
	var partsOf [][]int
	for k := range rings {
		if isOuter[k] {
			polyOf[k] = len(shape)
			shape = append(shape, geo.Polygon{Outer: rings[k]})
			partsOf = append(partsOf, []int{k})
		}
	}
	for k := range rings {
		if isOuter[k] {
			continue
		}
		best := -1
		for j := range rings {
			if isOuter[j] && ringContainsRing(rings[j], boxes[j], rings[k]) &&
				(best < 0 || math.Abs(area[j]) < math.Abs(area[best])) {
				best = j
			}
		}
		if best < 0 {
			return nil, nil, &FeatureError{Field: indexPath("geometry.parts", k), Rule: RuleHoleOutside,
				Err: fmt.Errorf("part %d is a hole (counter-clockwise) but lies inside no outer ring (clockwise)", k)}
		}
		pi := polyOf[best]
		shape[pi].Holes = append(shape[pi].Holes, rings[k])
		partsOf[pi] = append(partsOf[pi], k)
	}
	return shape, partsOf, nil
}

// ringContainsRing reports whether ring r (box rb) contains ring h, judged by the first of h's
// first 4 points that it contains: a hole touching its outer ring at a vertex is still assigned
// to it, and validation reports the touch.
func ringContainsRing(r geo.Ring, rb geo.BBox, h geo.Ring) bool {
	outer := geo.Polygon{Outer: r}
	for i, pt := range h {
		if i == 4 {
			break
		}
		if rb.Contains(pt) && outer.Contains(pt) {
			return true
		}
	}
	return false
}

// signedArea is the shoelace area in degrees², positive for counter-clockwise rings.
func signedArea(r geo.Ring) float64 {
	if len(r) < 3 {
		return 0
	}
	x0, y0 := r[0].Lng, r[0].Lat
	sum := 0.0
	for i := 1; i+1 < len(r); i++ {
		sum += (r[i].Lng-x0)*(r[i+1].Lat-y0) - (r[i+1].Lng-x0)*(r[i].Lat-y0)
	}
	return sum / 2
}
