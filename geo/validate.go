package geo

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
)

// Validation failure kinds. A *ValidationError wraps exactly one of them; test with errors.Is.
var (
	ErrTooManyVertices  = errors.New("too many vertices")
	ErrEmpty            = errors.New("empty geometry")
	ErrBadCoordinate    = errors.New("coordinate not finite or out of range")
	ErrNotClosed        = errors.New("ring not closed")
	ErrTooFewPoints     = errors.New("ring has fewer than 3 distinct points")
	ErrSelfIntersection = errors.New("self-intersection")
	ErrHoleOutside      = errors.New("hole not inside the outer ring")
)

// DefaultMaxVertices bounds the vertex count Validate accepts when ValidateOptions.MaxVertices is 0.
const DefaultMaxVertices = 100_000

// ValidateOptions configures validation.
type ValidateOptions struct {
	// MaxVertices bounds the number of points (closing points included) of a Polygon, or of all
	// polygons of a MultiPolygon together. 0 means DefaultMaxVertices; negative means no bound.
	MaxVertices int
}

func (o ValidateOptions) maxVertices() int {
	if o.MaxVertices == 0 {
		return DefaultMaxVertices
	}
	return o.MaxVertices
}

// ValidationError says which polygon, ring and vertex or segment is wrong, and why (Kind).
//
// Rings are numbered 0 for the outer ring and 1, 2, … for the holes in order. Segment i of a ring
// runs from vertex i to vertex i+1. Fields that do not apply are -1.
type ValidationError struct {
	Kind    error // one of the Err* kinds above
	Polygon int   // index in the MultiPolygon; 0 for a single Polygon
	Ring    int
	Vertex  int // the offending vertex, or the first vertex of the offending segment
	// For ErrSelfIntersection: the other segment (ring and first vertex) and roughly where the
	// two meet.
	OtherRing, OtherVertex int
	At                     Point
	Detail                 string
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "geo: polygon %d", e.Polygon)
	if e.Ring >= 0 {
		fmt.Fprintf(&b, " ring %d", e.Ring)
		if e.Ring == 0 {
			b.WriteString(" (outer)")
		} else {
			b.WriteString(" (hole)")
		}
	}
	switch {
	case e.OtherRing >= 0:
		fmt.Fprintf(&b, ": segment %d (vertices %d-%d) meets segment %d of ring %d near (%.7f, %.7f)",
			e.Vertex, e.Vertex, e.Vertex+1, e.OtherVertex, e.OtherRing, e.At.Lng, e.At.Lat)
	case e.Vertex >= 0:
		fmt.Fprintf(&b, ": vertex %d", e.Vertex)
	}
	b.WriteString(": ")
	b.WriteString(e.Kind.Error())
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	return b.String()
}

func (e *ValidationError) Unwrap() error { return e.Kind }

func verr(kind error, ring, vertex int, detail string) *ValidationError {
	return &ValidationError{Kind: kind, Ring: ring, Vertex: vertex, OtherRing: -1, OtherVertex: -1, Detail: detail}
}

// Validate checks the polygon with default options (see ValidateWith).
func (p Polygon) Validate() error { return p.ValidateWith(ValidateOptions{}) }

// Validate checks every polygon of m with default options (see MultiPolygon.ValidateWith).
func (m MultiPolygon) Validate() error { return m.ValidateWith(ValidateOptions{}) }

// ValidateWith checks, in this order, and reports the first failure as a *ValidationError:
//   - at most MaxVertices points (ErrTooManyVertices), before anything else is looked at;
//   - every coordinate finite, longitude in [-180, 180], latitude in [-90, 90] (ErrBadCoordinate);
//   - every ring closed (first point == last point, ErrNotClosed) with at least 4 points and 3
//     distinct ones (ErrTooFewPoints);
//   - no two segments of any of its rings meet except consecutive segments at their shared vertex
//     (ErrSelfIntersection): crossing, touching, a ring passing through one of its own vertices, a
//     spike that doubles back, and a hole touching the outer ring or another hole are all errors.
//     Repeated consecutive points are tolerated and ignored;
//   - every hole lies inside the outer ring and outside the other holes (ErrHoleOutside).
//
// The intersection test sweeps the segments sorted along whichever axis separates them better,
// comparing only segments whose extents overlap, with exact predicates; a 10,000-vertex ring takes
// about a millisecond. Its worst case is quadratic (a large ring whose segments' boxes mostly
// overlap, such as a tight diagonal spiral), which MaxVertices bounds.
func (p Polygon) ValidateWith(o ValidateOptions) error {
	if max := o.maxVertices(); max > 0 && p.NumVertices() > max {
		e := verr(ErrTooManyVertices, -1, -1, fmt.Sprintf("%d points, at most %d", p.NumVertices(), max))
		return e
	}
	return p.validate()
}

// ValidateWith validates each polygon (see Polygon.ValidateWith); MaxVertices bounds the total
// over all polygons. An empty MultiPolygon is ErrEmpty. Whether polygons of m overlap each other
// is not checked here: that is the job of the overlap/gap analysis between grids.
func (m MultiPolygon) ValidateWith(o ValidateOptions) error {
	if len(m) == 0 {
		return verr(ErrEmpty, -1, -1, "no polygons")
	}
	if max := o.maxVertices(); max > 0 && m.NumVertices() > max {
		return verr(ErrTooManyVertices, -1, -1, fmt.Sprintf("%d points, at most %d", m.NumVertices(), max))
	}
	for i, p := range m {
		if err := p.validate(); err != nil {
			var ve *ValidationError
			if errors.As(err, &ve) {
				ve.Polygon = i
			}
			return err
		}
	}
	return nil
}

func (p Polygon) validate() error {
	if len(p.Outer) == 0 {
		return verr(ErrEmpty, 0, -1, "no outer ring")
	}
	var err error
	p.rings(func(ri int, r Ring) {
		if err == nil {
			err = validateRing(ri, r)
		}
	})
	if err != nil {
		return err
	}
	if err := checkIntersections(p); err != nil {
		return err
	}
	// No ring meets another, so each hole is wholly inside or wholly outside any other ring and
	// one vertex decides.
	for i, h := range p.Holes {
		if !(Polygon{Outer: p.Outer}).Contains(h[0]) {
			return verr(ErrHoleOutside, i+1, 0, "")
		}
		for j, g := range p.Holes {
			if i != j && (Polygon{Outer: g}).Contains(h[0]) {
				return verr(ErrHoleOutside, i+1, 0, fmt.Sprintf("inside hole %d", j+1))
			}
		}
	}
	return nil
}

func validateRing(ri int, r Ring) error {
	for i, pt := range r {
		if CheckCoordinate(pt.Lng, pt.Lat) != nil {
			return verr(ErrBadCoordinate, ri, i, fmt.Sprintf("(%v, %v)", pt.Lng, pt.Lat))
		}
	}
	if len(r) == 0 {
		return verr(ErrTooFewPoints, ri, -1, "no points")
	}
	if r[0] != r[len(r)-1] {
		return verr(ErrNotClosed, ri, len(r)-1, "last point differs from the first")
	}
	if len(r) < 4 {
		return verr(ErrTooFewPoints, ri, -1, fmt.Sprintf("%d points with the closing one, need 4", len(r)))
	}
	a, b := r[0], r[0]
	distinct := 1
	for _, pt := range r[1:] {
		if distinct == 1 && pt != a {
			b, distinct = pt, 2
		} else if distinct == 2 && pt != a && pt != b {
			distinct = 3
			break
		}
	}
	if distinct < 3 {
		return verr(ErrTooFewPoints, ri, -1, fmt.Sprintf("%d distinct points", distinct))
	}
	return nil
}

// vseg is a segment of a ring prepared for the sweep.
type vseg struct {
	ax, ay, bx, by         float64
	lo0, hi0, lo1, hi1     float64 // extent along the sweep axis (0) and the other (1)
	ring, vertex, k, nRing int32   // k: index among the ring's non-degenerate segments
}

func (s *vseg) adjacent(t *vseg) bool {
	if s.ring != t.ring {
		return false
	}
	d := s.k - t.k
	return d == 1 || d == -1 || (s.k == 0 && t.k == s.nRing-1) || (t.k == 0 && s.k == t.nRing-1)
}

// checkIntersections reports the first pair of segments of p that meet other than consecutive
// segments at their shared vertex. Rings are already closed and have ≥ 3 distinct points.
func checkIntersections(p Polygon) error {
	var segs []vseg
	p.rings(func(ri int, r Ring) {
		start := len(segs)
		for i := 0; i+1 < len(r); i++ {
			a, b := r[i], r[i+1]
			if a == b {
				continue
			}
			segs = append(segs, vseg{ax: a.Lng, ay: a.Lat, bx: b.Lng, by: b.Lat,
				ring: int32(ri), vertex: int32(i), k: int32(len(segs) - start)})
		}
		for i := start; i < len(segs); i++ {
			segs[i].nRing = int32(len(segs) - start)
		}
	})
	// Consecutive segments may only share their vertex: collinear and doubling back is a spike.
	for i := range segs {
		s := &segs[i]
		ni := i + 1
		if s.k+1 == s.nRing {
			ni = i + 1 - int(s.nRing) // the ring's first segment follows its last
		}
		next := &segs[ni]
		if orient(s.ax, s.ay, s.bx, s.by, next.bx, next.by) == 0 && backwards(s, next) {
			e := verr(ErrSelfIntersection, int(s.ring), int(s.vertex), "spike: the ring doubles back on itself")
			e.OtherRing, e.OtherVertex, e.At = int(next.ring), int(next.vertex), Point{next.ax, next.ay}
			return e
		}
	}
	// Sweep along the axis with fewer overlapping extents.
	useY := overlapPairs(segs, false) > overlapPairs(segs, true)
	for i := range segs {
		s := &segs[i]
		x0, x1, y0, y1 := math.Min(s.ax, s.bx), math.Max(s.ax, s.bx), math.Min(s.ay, s.by), math.Max(s.ay, s.by)
		if useY {
			x0, x1, y0, y1 = y0, y1, x0, x1
		}
		s.lo0, s.hi0, s.lo1, s.hi1 = x0, x1, y0, y1
	}
	slices.SortFunc(segs, func(a, b vseg) int {
		if a.lo0 != b.lo0 {
			if a.lo0 < b.lo0 {
				return -1
			}
			return 1
		}
		if a.ring != b.ring {
			return int(a.ring - b.ring)
		}
		return int(a.vertex - b.vertex)
	})
	for i := range segs {
		s := &segs[i]
		for j := i + 1; j < len(segs) && segs[j].lo0 <= s.hi0; j++ {
			t := &segs[j]
			if t.lo1 > s.hi1 || t.hi1 < s.lo1 || s.adjacent(t) {
				continue
			}
			if at, ok := segmentsMeet(s, t); ok {
				a, b := s, t
				if b.ring < a.ring || (b.ring == a.ring && b.vertex < a.vertex) {
					a, b = b, a
				}
				e := verr(ErrSelfIntersection, int(a.ring), int(a.vertex), "")
				e.OtherRing, e.OtherVertex, e.At = int(b.ring), int(b.vertex), at
				return e
			}
		}
	}
	return nil
}

// backwards reports whether next (which starts where s ends and is collinear with it) heads back
// along s. Comparisons only, so exact.
func backwards(s, next *vseg) bool {
	if s.ax != s.bx {
		return (s.bx > s.ax) != (next.bx > next.ax)
	}
	return (s.by > s.ay) != (next.by > next.ay)
}

// overlapPairs counts the pairs of segments whose extents along one axis overlap: the work a
// sweep along that axis does.
func overlapPairs(segs []vseg, useY bool) int {
	lo := make([]float64, len(segs))
	hi := make([]float64, len(segs))
	for i, s := range segs {
		a, b := s.ax, s.bx
		if useY {
			a, b = s.ay, s.by
		}
		lo[i], hi[i] = math.Min(a, b), math.Max(a, b)
	}
	sorted := slices.Clone(lo)
	slices.Sort(sorted)
	n := 0
	for i := range lo {
		// segments starting within [lo, hi] of this one
		upper := sort.Search(len(sorted), func(k int) bool { return sorted[k] > hi[i] })
		n += upper - sort.SearchFloat64s(sorted, lo[i])
	}
	return n
}

// segmentsMeet reports whether the closed segments share a point, and roughly where.
func segmentsMeet(s, t *vseg) (Point, bool) {
	o1 := orient(s.ax, s.ay, s.bx, s.by, t.ax, t.ay)
	o2 := orient(s.ax, s.ay, s.bx, s.by, t.bx, t.by)
	o3 := orient(t.ax, t.ay, t.bx, t.by, s.ax, s.ay)
	o4 := orient(t.ax, t.ay, t.bx, t.by, s.bx, s.by)
	if o1*o2 < 0 && o3*o4 < 0 {
		// Proper crossing: solve for the parameter along s (approximate, for the message).
		dx, dy := s.bx-s.ax, s.by-s.ay
		ex, ey := t.bx-t.ax, t.by-t.ay
		den := dx*ey - dy*ex
		u := ((t.ax-s.ax)*ey - (t.ay-s.ay)*ex) / den
		return Point{s.ax + u*dx, s.ay + u*dy}, true
	}
	if o1 == 0 && within(s.ax, s.ay, s.bx, s.by, t.ax, t.ay) {
		return Point{t.ax, t.ay}, true
	}
	if o2 == 0 && within(s.ax, s.ay, s.bx, s.by, t.bx, t.by) {
		return Point{t.bx, t.by}, true
	}
	if o3 == 0 && within(t.ax, t.ay, t.bx, t.by, s.ax, s.ay) {
		return Point{s.ax, s.ay}, true
	}
	if o4 == 0 && within(t.ax, t.ay, t.bx, t.by, s.bx, s.by) {
		return Point{s.bx, s.by}, true
	}
	return Point{}, false
}

// within reports whether c, known to be collinear with a–b, lies on the closed segment.
func within(ax, ay, bx, by, cx, cy float64) bool {
	return math.Min(ax, bx) <= cx && cx <= math.Max(ax, bx) && math.Min(ay, by) <= cy && cy <= math.Max(ay, by)
}
