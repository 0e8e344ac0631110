package geo

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// fxRing builds a closed ring from lng, lat pairs given as one flat list (the closing point is
// appended).
func fxRing(c ...float64) Ring {
	r := make(Ring, 0, len(c)/2+1)
	for i := 0; i+1 < len(c); i += 2 {
		r = append(r, Point{c[i], c[i+1]})
	}
	return append(r, r[0])
}

func TestValidateValid(t *testing.T) {
	sq := fxRect(120, 30, 120.1, 30.1)
	tests := []struct {
		name string
		p    Polygon
	}{
		{"square", Polygon{Outer: sq}},
		{"clockwise square", Polygon{Outer: fxReverse(sq)}},
		{"triangle", Polygon{Outer: fxRing(0, 0, 1, 0, 0, 1)}},
		{"repeated consecutive points", Polygon{Outer: Ring{{0, 0}, {0, 0}, {1, 0}, {1, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 1}, {0, 0}}}},
		{"repeated closing point", Polygon{Outer: Ring{{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}, {0, 0}}}},
		{"repeated first point", Polygon{Outer: Ring{{0, 0}, {0, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}}}},
		{"collinear vertex on a side", Polygon{Outer: fxRing(0, 0, 0.5, 0, 1, 0, 1, 1, 0, 1)}},
		{"ring starting mid-side", Polygon{Outer: fxRing(0.5, 0, 1, 0, 1, 1, 0, 1, 0, 0)}},
		{"concave (a notch reaching near the far side)", Polygon{Outer: fxRing(0, 0, 3, 0, 3, 3, 2, 3, 2, 0.001, 1, 0.001, 1, 3, 0, 3)}},
		{"one hole", Polygon{Outer: sq, Holes: []Ring{fxRect(120.01, 30.01, 120.02, 30.02)}}},
		{"two holes, either orientation", Polygon{Outer: sq, Holes: []Ring{fxRect(120.01, 30.01, 120.02, 30.02), fxReverse(fxRect(120.03, 30.01, 120.04, 30.02))}}},
		{"hole very close to the outer ring", Polygon{Outer: sq, Holes: []Ring{fxRect(120.0000001, 30.01, 120.02, 30.02)}}},
		{"extreme coordinates", Polygon{Outer: fxRect(-180, -90, 180, 90)}},
		{"tiny (1e-9°)", Polygon{Outer: fxRect(120, 30, 120+1e-9, 30+1e-9)}},
		{"synthetic grid", SyntheticGrids(1, 1)[0].Shape[0]},
	}
	for _, tt := range tests {
		if err := tt.p.Validate(); err != nil {
			t.Errorf("%s: Validate() = %v, want nil", tt.name, err)
		}
		if err := (MultiPolygon{tt.p, tt.p}).Validate(); err != nil {
			t.Errorf("%s: MultiPolygon.Validate() = %v, want nil (overlaps between parts are not checked)", tt.name, err)
		}
	}
}

func TestValidateErrors(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	sq := fxRect(0, 0, 10, 10)
	tests := []struct {
		name         string
		p            Polygon
		kind         error
		ring, vertex int
		// For ErrSelfIntersection, the other segment; -1 to skip.
		otherRing, otherVertex int
	}{
		{"no outer ring", Polygon{}, ErrEmpty, 0, -1, -1, -1},
		{"NaN longitude", Polygon{Outer: Ring{{0, 0}, {1, 0}, {nan, 1}, {0, 1}, {0, 0}}}, ErrBadCoordinate, 0, 2, -1, -1},
		{"NaN latitude", Polygon{Outer: Ring{{0, 0}, {1, nan}, {1, 1}, {0, 1}, {0, 0}}}, ErrBadCoordinate, 0, 1, -1, -1},
		{"+Inf", Polygon{Outer: Ring{{0, 0}, {1, 0}, {1, inf}, {0, 1}, {0, 0}}}, ErrBadCoordinate, 0, 2, -1, -1},
		{"-Inf", Polygon{Outer: Ring{{-inf, 0}, {1, 0}, {1, 1}, {-inf, 0}}}, ErrBadCoordinate, 0, 0, -1, -1},
		{"longitude > 180", Polygon{Outer: fxRing(179, 0, 180.5, 0, 180.5, 1)}, ErrBadCoordinate, 0, 1, -1, -1},
		{"latitude < -90", Polygon{Outer: fxRing(0, -89, 1, -89, 1, -90.5)}, ErrBadCoordinate, 0, 2, -1, -1},
		{"bad coordinate in a hole", Polygon{Outer: sq, Holes: []Ring{fxRing(1, 1, 2, 1, 2, nan)}}, ErrBadCoordinate, 1, 2, -1, -1},
		// Coordinates are checked before closure.
		{"NaN in an unclosed ring", Polygon{Outer: Ring{{0, 0}, {1, 0}, {1, nan}}}, ErrBadCoordinate, 0, 2, -1, -1},
		{"not closed", Polygon{Outer: Ring{{0, 0}, {1, 0}, {1, 1}, {0, 1}}}, ErrNotClosed, 0, 3, -1, -1},
		{"hole not closed", Polygon{Outer: sq, Holes: []Ring{{{1, 1}, {2, 1}, {2, 2}, {1, 2}}}}, ErrNotClosed, 1, 3, -1, -1},
		{"empty hole", Polygon{Outer: sq, Holes: []Ring{{}}}, ErrTooFewPoints, 1, -1, -1, -1},
		{"one point", Polygon{Outer: Ring{{0, 0}}}, ErrTooFewPoints, 0, -1, -1, -1},
		{"three points closed", Polygon{Outer: Ring{{0, 0}, {1, 0}, {0, 0}}}, ErrTooFewPoints, 0, -1, -1, -1},
		{"two distinct points", Polygon{Outer: Ring{{0, 0}, {1, 0}, {1, 0}, {0, 0}}}, ErrTooFewPoints, 0, -1, -1, -1},
		{"one distinct point", Polygon{Outer: Ring{{5, 5}, {5, 5}, {5, 5}, {5, 5}, {5, 5}}}, ErrTooFewPoints, 0, -1, -1, -1},
		// Three distinct points but no area: rejected as a spike.
		{"there and back", Polygon{Outer: Ring{{0, 0}, {1, 0}, {2, 0}, {1, 0}, {0, 0}}}, ErrSelfIntersection, 0, 1, 0, 2},
		// Segment 0 (0,0)-(1,1) crosses segment 2 (1,0)-(0,1).
		{"bow-tie", Polygon{Outer: fxRing(0, 0, 1, 1, 1, 0, 0, 1)}, ErrSelfIntersection, 0, 0, 0, 2},
		// The ring passes through its own vertex (2,2): a figure eight. Segments 1, 2, 5 and 6 all
		// meet there; any non-adjacent pair may be reported.
		{"figure eight at a vertex", Polygon{Outer: fxRing(0, 0, 2, 0, 2, 2, 4, 2, 4, 4, 2, 4, 2, 2, 0, 2)}, ErrSelfIntersection, 0, -1, 0, -1},
		// Vertex 3 (1,0), shared by segments 2 and 3, lies on segment 0 (0,0)-(2,0).
		{"vertex touching a side", Polygon{Outer: fxRing(0, 0, 2, 0, 2, 2, 1, 0, 0, 2)}, ErrSelfIntersection, 0, 0, 0, -1},
		// Out along the bottom side and back: consecutive segments doubling back.
		{"spike", Polygon{Outer: fxRing(0, 0, 1, 0, 2, 0, 1, 0, 1, 1, 0, 1)}, ErrSelfIntersection, 0, 1, 0, 2},
		{"spike outwards", Polygon{Outer: fxRing(0, 0, 1, 0, 1, 0.5, 3, 0.5, 1, 0.5, 1, 1, 0, 1)}, ErrSelfIntersection, 0, 2, 0, 3},
		{"collinear overlap of non-adjacent sides", Polygon{Outer: fxRing(0, 0, 3, 0, 3, 1, 2, 1, 2, 0, 1, 0, 1, 1, 0, 1)}, ErrSelfIntersection, 0, 0, -1, -1},
		{"hole touching the outer ring at a vertex", Polygon{Outer: sq, Holes: []Ring{fxRing(0, 0, 2, 1, 1, 2)}}, ErrSelfIntersection, 0, 0, 1, 0},
		{"hole vertex on an outer side", Polygon{Outer: sq, Holes: []Ring{fxRing(5, 0, 6, 1, 4, 1)}}, ErrSelfIntersection, 0, 0, 1, -1},
		{"hole sharing an outer side", Polygon{Outer: sq, Holes: []Ring{fxRing(2, 0, 4, 0, 3, 1)}}, ErrSelfIntersection, 0, 0, 1, 0},
		{"hole crossing the outer ring", Polygon{Outer: sq, Holes: []Ring{fxRect(8, 4, 12, 6)}}, ErrSelfIntersection, 0, 1, 1, -1},
		{"holes touching each other", Polygon{Outer: sq, Holes: []Ring{fxRect(1, 1, 3, 3), fxRect(3, 3, 5, 5)}}, ErrSelfIntersection, 1, -1, 2, -1},
		{"self-intersecting hole", Polygon{Outer: sq, Holes: []Ring{fxRing(1, 1, 2, 2, 2, 1, 1, 2)}}, ErrSelfIntersection, 1, 0, 1, 2},
		{"hole outside", Polygon{Outer: sq, Holes: []Ring{fxRect(11, 1, 12, 2)}}, ErrHoleOutside, 1, 0, -1, -1},
		{"hole containing the outer ring", Polygon{Outer: fxRect(1, 1, 2, 2), Holes: []Ring{sq}}, ErrHoleOutside, 1, 0, -1, -1},
		{"second hole outside", Polygon{Outer: sq, Holes: []Ring{fxRect(1, 1, 2, 2), fxRect(-5, 1, -4, 2)}}, ErrHoleOutside, 2, 0, -1, -1},
		{"hole inside a hole", Polygon{Outer: sq, Holes: []Ring{fxRect(1, 1, 8, 8), fxRect(2, 2, 3, 3)}}, ErrHoleOutside, 2, 0, -1, -1},
	}
	for _, tt := range tests {
		err := tt.p.Validate()
		var ve *ValidationError
		if !errors.As(err, &ve) {
			t.Errorf("%s: Validate() = %v, want a *ValidationError", tt.name, err)
			continue
		}
		if !errors.Is(err, tt.kind) || ve.Kind != tt.kind {
			t.Errorf("%s: Validate() = %v, want kind %v", tt.name, err, tt.kind)
			continue
		}
		// Exactly one kind: the error is not also any other kind.
		for _, other := range []error{ErrTooManyVertices, ErrEmpty, ErrBadCoordinate, ErrNotClosed, ErrTooFewPoints, ErrSelfIntersection, ErrHoleOutside} {
			if other != tt.kind && errors.Is(err, other) {
				t.Errorf("%s: error %v is also %v", tt.name, err, other)
			}
		}
		if ve.Polygon != 0 || ve.Ring != tt.ring || (tt.vertex >= 0 && ve.Vertex != tt.vertex) {
			t.Errorf("%s: polygon %d ring %d vertex %d, want 0, %d, %d (%v)", tt.name, ve.Polygon, ve.Ring, ve.Vertex, tt.ring, tt.vertex, err)
		}
		if tt.kind == ErrSelfIntersection {
			if tt.otherRing >= 0 && ve.OtherRing != tt.otherRing || tt.otherVertex >= 0 && ve.OtherVertex != tt.otherVertex {
				t.Errorf("%s: other segment ring %d vertex %d, want %d, %d (%v)", tt.name, ve.OtherRing, ve.OtherVertex, tt.otherRing, tt.otherVertex, err)
			}
			// The two reported segments really meet, at At.
			if !fxOnSegment(tt.p, ve.Ring, ve.Vertex, ve.At) || !fxOnSegment(tt.p, ve.OtherRing, ve.OtherVertex, ve.At) {
				t.Errorf("%s: At = %v is not on both reported segments (%v)", tt.name, ve.At, err)
			}
			if ve.Ring == ve.OtherRing && ve.Vertex == ve.OtherVertex {
				t.Errorf("%s: a segment reported as meeting itself", tt.name)
			}
			if !strings.Contains(err.Error(), "meets segment") {
				t.Errorf("%s: message %q does not name the other segment", tt.name, err)
			}
		} else if ve.OtherRing != -1 || ve.OtherVertex != -1 {
			t.Errorf("%s: OtherRing/OtherVertex = %d/%d, want -1", tt.name, ve.OtherRing, ve.OtherVertex)
		}
		if !strings.HasPrefix(err.Error(), "geo: polygon 0") || !strings.Contains(err.Error(), tt.kind.Error()) {
			t.Errorf("%s: message %q", tt.name, err)
		}
		// In a MultiPolygon after a valid polygon, the same error names polygon 1.
		merr := MultiPolygon{{Outer: fxRect(50, 50, 51, 51)}, tt.p}.Validate()
		var mve *ValidationError
		if !errors.As(merr, &mve) || mve.Kind != tt.kind || mve.Polygon != 1 || mve.Ring != ve.Ring || mve.Vertex != ve.Vertex {
			t.Errorf("%s: MultiPolygon.Validate() = %v (%+v), want %v in polygon 1", tt.name, merr, mve, err)
		}
		if !strings.HasPrefix(merr.Error(), "geo: polygon 1") {
			t.Errorf("%s: MultiPolygon message %q", tt.name, merr)
		}
	}
}

// fxOnSegment reports whether pt lies (to 1e-12°) on segment vertex–vertex+1 of ring ri of p.
func fxOnSegment(p Polygon, ri, vertex int, pt Point) bool {
	r := p.Outer
	if ri > 0 {
		r = p.Holes[ri-1]
	}
	if vertex < 0 || vertex+1 >= len(r) {
		return false
	}
	a, b := r[vertex], r[vertex+1]
	d2, _, _ := nearestOnSegment(pt.Lng, pt.Lat, a.Lng, a.Lat, b.Lng, b.Lat, 1)
	return d2 < 1e-24
}

func TestValidateBowTieDetails(t *testing.T) {
	err := Polygon{Outer: fxRing(0, 0, 1, 1, 1, 0, 0, 1)}.Validate()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Validate() = %v", err)
	}
	if math.Abs(ve.At.Lng-0.5) > 1e-12 || math.Abs(ve.At.Lat-0.5) > 1e-12 {
		t.Errorf("bow-tie crossing At = %v, want (0.5, 0.5)", ve.At)
	}
	want := "geo: polygon 0 ring 0 (outer): segment 0 (vertices 0-1) meets segment 2 of ring 0 near (0.5000000, 0.5000000): self-intersection"
	if err.Error() != want {
		t.Errorf("message\n got %q\nwant %q", err.Error(), want)
	}
}

func TestValidateEmptyMultiPolygon(t *testing.T) {
	for _, m := range []MultiPolygon{nil, {}} {
		err := m.Validate()
		var ve *ValidationError
		if !errors.Is(err, ErrEmpty) || !errors.As(err, &ve) || ve.Ring != -1 || ve.Vertex != -1 {
			t.Errorf("MultiPolygon(%v).Validate() = %v", m, err)
		}
	}
	err := MultiPolygon{{Outer: fxRect(0, 0, 1, 1)}, {}}.Validate()
	var ve *ValidationError
	if !errors.Is(err, ErrEmpty) || !errors.As(err, &ve) || ve.Polygon != 1 {
		t.Errorf("empty second polygon: %v", err)
	}
}

// TestValidateTooManyVertices: the vertex bound is checked before anything else. The huge ring
// below ends in NaN and is not closed; it still reports ErrTooManyVertices, which shows that
// Validate did not look at a single coordinate (let alone start the quadratic-worst-case
// intersection sweep) before rejecting it.
func TestValidateTooManyVertices(t *testing.T) {
	huge := make(Ring, 1_000_000)
	for i := range huge {
		a := float64(i) / float64(len(huge)) * 2 * math.Pi
		huge[i] = Point{120 + 0.1*math.Cos(a), 30 + 0.1*math.Sin(a)}
	}
	huge[len(huge)-1] = Point{math.NaN(), 30}
	err := Polygon{Outer: huge}.Validate()
	var ve *ValidationError
	if !errors.Is(err, ErrTooManyVertices) || !errors.As(err, &ve) {
		t.Fatalf("1,000,000 vertices: Validate() = %v, want ErrTooManyVertices", err)
	}
	if ve.Ring != -1 || ve.Vertex != -1 || !strings.Contains(ve.Detail, "1000000 points, at most 100000") {
		t.Errorf("ValidationError %+v", ve)
	}
	err = MultiPolygon{{Outer: huge}}.Validate()
	if !errors.Is(err, ErrTooManyVertices) {
		t.Errorf("MultiPolygon: %v", err)
	}
	// Without a bound the same ring is examined, and its NaN found.
	if err := (Polygon{Outer: huge}).ValidateWith(ValidateOptions{MaxVertices: -1}); !errors.Is(err, ErrBadCoordinate) {
		t.Errorf("MaxVertices -1: %v, want ErrBadCoordinate", err)
	}

	sq := Polygon{Outer: fxRect(0, 0, 1, 1)} // 5 points with the closing one
	hole := Polygon{Outer: fxRect(0, 0, 10, 10), Holes: []Ring{fxRect(1, 1, 2, 2)}}
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"5 points, max 5", sq.ValidateWith(ValidateOptions{MaxVertices: 5}), nil},
		{"5 points, max 4", sq.ValidateWith(ValidateOptions{MaxVertices: 4}), ErrTooManyVertices},
		{"holes count: 10 points, max 9", hole.ValidateWith(ValidateOptions{MaxVertices: 9}), ErrTooManyVertices},
		{"holes count: 10 points, max 10", hole.ValidateWith(ValidateOptions{MaxVertices: 10}), nil},
		{"multi total: 10 points, max 9", MultiPolygon{sq, sq}.ValidateWith(ValidateOptions{MaxVertices: 9}), ErrTooManyVertices},
		{"multi total: 10 points, max 10", MultiPolygon{sq, sq}.ValidateWith(ValidateOptions{MaxVertices: 10}), nil},
		{"default bound is 100,000", Polygon{Outer: huge[:DefaultMaxVertices+1]}.Validate(), ErrTooManyVertices},
		// The bound comes first even before emptiness of a part.
		{"bound before other checks", MultiPolygon{{}, sq, sq}.ValidateWith(ValidateOptions{MaxVertices: 9}), ErrTooManyVertices},
	}
	for _, tt := range tests {
		if tt.want == nil && tt.err != nil || tt.want != nil && !errors.Is(tt.err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, tt.err, tt.want)
		}
	}
}

// TestValidateLargeRing: a valid ring of the default maximum size passes (the sweep is not
// quadratic on ordinary shapes; no timing is asserted).
func TestValidateLargeRing(t *testing.T) {
	n := DefaultMaxVertices - 1
	r := make(Ring, n+1)
	for i := range n {
		a := float64(i) / float64(n) * 2 * math.Pi
		r[i] = Point{120 + 0.1*math.Cos(a), 30 + 0.1*math.Sin(a)}
	}
	r[n] = r[0]
	if err := (Polygon{Outer: r}).Validate(); err != nil {
		t.Fatalf("circle of %d points: %v", n, err)
	}
	// One vertex pushed across the ring breaks it.
	r[n/2] = Point{120.1, 30}
	if err := (Polygon{Outer: r}).Validate(); !errors.Is(err, ErrSelfIntersection) {
		t.Errorf("circle with a vertex pulled across: %v, want ErrSelfIntersection", err)
	}
}
