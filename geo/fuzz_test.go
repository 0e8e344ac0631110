package geo

import (
	"encoding/binary"
	"errors"
	"math"
	"testing"
)

// fxBytes reads fuzz input; past the end it yields zeros.
type fxBytes struct{ b []byte }

func (r *fxBytes) byte() byte {
	if len(r.b) == 0 {
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *fxBytes) u64() uint64 {
	var buf [8]byte
	for i := range buf {
		buf[i] = r.byte()
	}
	return binary.LittleEndian.Uint64(buf[:])
}

// point reads a point: in raw mode any float64 bit pattern (NaN, ±Inf, huge, subnormal); else a
// point of a small lattice (0.001° steps around 120°E 30°N, or 1/7 of that in fine mode), where
// coincident vertices, collinear edges and points exactly on edges are common.
func (r *fxBytes) point(raw, fine bool) Point {
	if raw {
		return Point{math.Float64frombits(r.u64()), math.Float64frombits(r.u64())}
	}
	step := 0.001
	if fine {
		step /= 7
	}
	return Point{120 + float64(int8(r.byte()))*step, 30 + float64(int8(r.byte()))*step}
}

// ring reads a ring of 1–16 points, closed unless open is set.
func (r *fxBytes) ring(raw, fine, open bool) Ring {
	n := 1 + int(r.byte()%16)
	ring := make(Ring, 0, n+1)
	for range n {
		ring = append(ring, r.point(raw, fine))
	}
	if !open {
		ring = append(ring, ring[0])
	}
	return ring
}

// polygon reads an outer ring and up to two holes.
func (r *fxBytes) polygon(raw, fine, open bool) Polygon {
	p := Polygon{Outer: r.ring(raw, fine, open)}
	for range int(r.byte() % 3) {
		p.Holes = append(p.Holes, r.ring(raw, fine, open))
	}
	return p
}

// fxFinite reports whether every coordinate of m passes CheckCoordinate.
func fxFinite(m MultiPolygon) bool {
	for _, p := range m {
		ok := true
		p.rings(func(_ int, r Ring) {
			for _, pt := range r {
				ok = ok && CheckCoordinate(pt.Lng, pt.Lat) == nil
			}
		})
		if !ok {
			return false
		}
	}
	return true
}

// fxShapeProbes returns every vertex, edge midpoint and edge third point of m, and the corners
// and centre of its box.
func fxShapeProbes(m MultiPolygon) []Point {
	var pts []Point
	for _, p := range m {
		p.rings(func(_ int, r Ring) {
			for i := range r {
				a, c := r[i], r[(i+1)%len(r)]
				pts = append(pts, a, Point{(a.Lng + c.Lng) / 2, (a.Lat + c.Lat) / 2},
					Point{a.Lng + (c.Lng-a.Lng)/3, a.Lat + (c.Lat-a.Lat)/3})
			}
		})
	}
	b := m.BBox()
	if !b.IsEmpty() {
		pts = append(pts, Point{b.MinLng, b.MinLat}, Point{b.MaxLng, b.MaxLat}, Point{b.MinLng, b.MaxLat},
			Point{b.MaxLng, b.MinLat}, Point{(b.MinLng + b.MaxLng) / 2, (b.MinLat + b.MaxLat) / 2})
	}
	return pts
}

// fxHolesInBox reports whether every hole of every polygon of m lies in the bounding box of its
// polygon's outer ring, as in any valid polygon. The Index takes a polygon's extent from its outer
// ring (Polygon.BBox), so for a hole reaching outside that box it cannot agree with Contains,
// which counts the hole's crossings wherever it is. Validate rejects such polygons
// (ErrHoleOutside or ErrSelfIntersection).
func fxHolesInBox(m MultiPolygon) bool {
	for _, p := range m {
		b := p.Outer.BBox()
		for _, h := range p.Holes {
			hb := h.BBox()
			if !hb.IsEmpty() && (b.IsEmpty() || !b.Contains(Point{hb.MinLng, hb.MinLat}) || !b.Contains(Point{hb.MaxLng, hb.MaxLat})) {
				return false
			}
		}
	}
	return true
}

var fxKinds = []error{ErrTooManyVertices, ErrEmpty, ErrBadCoordinate, ErrNotClosed, ErrTooFewPoints, ErrSelfIntersection, ErrHoleOutside}

// FuzzValidate: Validate never panics and reports a well-formed error; what it accepts has a
// finite area and centroid; and for every polygon with valid coordinates whose holes lie within
// its outer ring's box — every valid polygon, and many invalid ones (self-intersecting, spiky,
// degenerate, unclosed) — the Index agrees with Contains at its vertices, on its edges and at
// other points.
func FuzzValidate(f *testing.F) {
	// mode bits: 1 raw floats, 2 fine lattice, 4 open rings.
	f.Add([]byte{0, 4, 0, 0, 10, 0, 10, 10, 0, 10, 0})                                 // square
	f.Add([]byte{0, 4, 0, 0, 10, 10, 10, 0, 0, 10, 0})                                 // bow-tie
	f.Add([]byte{0, 4, 0, 0, 20, 0, 20, 20, 0, 20, 1, 3, 5, 5, 6, 5, 5, 6})            // with a hole
	f.Add([]byte{0, 4, 0, 0, 20, 0, 20, 20, 0, 20, 1, 3, 0, 0, 6, 5, 5, 6})            // hole touching
	f.Add([]byte{0, 5, 0, 0, 10, 0, 20, 0, 10, 0, 10, 10})                             // spike
	f.Add([]byte{4, 3, 0, 0, 10, 0, 10, 10})                                           // open
	f.Add([]byte{2, 5, 0, 0, 100, 1, 100, 100, 1, 100, 50, 50})                        // fine lattice
	f.Add([]byte{1, 2, 0, 0, 0, 0, 0, 0, 0xf8, 0x7f, 0, 0, 0, 0, 0, 0, 0xf0, 0x7f, 0}) // NaN, Inf
	f.Fuzz(func(t *testing.T, data []byte) {
		r := &fxBytes{data}
		mode := r.byte()
		raw, fine, open := mode&1 != 0, mode&2 != 0, mode&4 != 0
		p := r.polygon(raw, fine, open)
		m := MultiPolygon{p}

		err := p.Validate()
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Validate() = %v, not a *ValidationError", err)
			}
			n := 0
			for _, k := range fxKinds {
				if errors.Is(err, k) {
					n++
				}
			}
			if n != 1 || ve.Kind == nil {
				t.Fatalf("Validate() = %v wraps %d kinds", err, n)
			}
			if ve.Ring < -1 || ve.Ring > len(p.Holes) {
				t.Fatalf("Validate() = %v: ring %d of %d holes", err, ve.Ring, len(p.Holes))
			}
			if ve.Ring >= 0 {
				ring := p.Outer
				if ve.Ring > 0 {
					ring = p.Holes[ve.Ring-1]
				}
				if ve.Vertex < -1 || ve.Vertex >= len(ring) {
					t.Fatalf("Validate() = %v: vertex %d of %d", err, ve.Vertex, len(ring))
				}
			}
			_ = err.Error()
			if merr := m.Validate(); !errors.Is(merr, ve.Kind) {
				t.Fatalf("Polygon.Validate() = %v but MultiPolygon.Validate() = %v", err, merr)
			}
		} else {
			if m.Validate() != nil {
				t.Fatalf("Polygon valid, MultiPolygon not: %v", m.Validate())
			}
			a := p.Area()
			if math.IsNaN(a) || math.IsInf(a, 0) || a < 0 {
				t.Fatalf("valid polygon %v has area %v", p, a)
			}
			if c := p.Centroid(); math.IsNaN(c.Lng) || math.IsNaN(c.Lat) || math.IsInf(c.Lng, 0) || math.IsInf(c.Lat, 0) {
				t.Fatalf("valid polygon %v has centroid %v", p, c)
			}
		}

		if err == nil && !fxHolesInBox(m) {
			t.Fatalf("valid polygon %+v has a hole outside its outer ring's box", p)
		}
		if !fxFinite(m) || !fxHolesInBox(m) {
			return
		}
		ix := NewIndex([]Item{{ID: 7, Shape: m}})
		probes := fxShapeProbes(m)
		for len(r.b) > 0 {
			probes = append(probes, r.point(false, fine))
		}
		for _, q := range probes {
			want := p.Contains(q)
			id, ok := ix.Locate(q)
			if ok != want || (ok && id != 7) {
				t.Fatalf("polygon %+v (valid: %v): Locate(%v) = %d, %v; Contains = %v", p, err == nil, q, id, ok, want)
			}
			if d := p.BoundaryDistance(q); math.IsNaN(d) || d < 0 {
				t.Fatalf("BoundaryDistance(%v) = %v", q, d)
			}
		}
	})
}

// FuzzIndexAgrees: Locate returns the first item that contains the point, for random sets of
// overlapping, self-intersecting, holed (see fxHolesInBox) and multi-part shapes on a small
// lattice, and for
// synthetic tilings (where, in addition, a point in the tiled region is always located).
func FuzzIndexAgrees(f *testing.F) {
	f.Add([]byte{0, 2, 1, 4, 0, 0, 10, 0, 10, 10, 0, 10, 0, 1, 4, 5, 5, 15, 5, 15, 15, 5, 15, 0})
	f.Add([]byte{1, 30, 1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Add([]byte{1, 49, 9, 9, 9, 9, 9, 9, 9, 9, 0xff, 0, 0xff, 0x80, 0x7f, 3, 4})
	f.Add([]byte{2, 3, 2, 5, 0, 0, 50, 0, 50, 50, 0, 50, 25, 25, 1, 3, 10, 10, 20, 10, 15, 20})
	f.Fuzz(func(t *testing.T, data []byte) {
		r := &fxBytes{data}
		mode := r.byte()
		var items []Item
		var outline Polygon
		tiling := mode&1 != 0
		if tiling {
			n := 1 + int(r.byte()%16)
			seed := r.u64()
			items = SyntheticGrids(n, seed)
			outline = Polygon{Outer: fxSynthOutline(n, seed)}
		} else {
			fine := mode&2 != 0
			for k := range 1 + int(r.byte()%5) {
				var m MultiPolygon
				for range 1 + int(r.byte()%2) {
					p := r.polygon(false, fine, mode&4 != 0)
					if !fxHolesInBox(MultiPolygon{p}) {
						p.Holes = nil // see fxHolesInBox
					}
					m = append(m, p)
				}
				items = append(items, Item{ID: int64(100 + k), Shape: m})
			}
		}
		ix := NewIndex(items)
		var probes []Point
		for _, it := range items {
			probes = append(probes, fxShapeProbes(it.Shape)...)
		}
		b := EmptyBBox()
		for _, it := range items {
			b = b.Union(it.Shape.BBox())
		}
		for len(r.b) > 0 {
			// Points of the box from the remaining bytes (16-bit fractions), and exact vertices.
			fx, fy := float64(uint16(r.byte())<<8|uint16(r.byte()))/65535, float64(uint16(r.byte())<<8|uint16(r.byte()))/65535
			probes = append(probes, Point{b.MinLng + fx*(b.MaxLng-b.MinLng), b.MinLat + fy*(b.MaxLat-b.MinLat)})
		}
		for _, q := range probes {
			id, ok := ix.Locate(q)
			wid, wok := fxBruteLocate(items, q)
			if id != wid || ok != wok {
				t.Fatalf("Locate(%v) = %d, %v; first containing item %d, %v (items %+v)", q, id, ok, wid, wok, items)
			}
			if tiling && ok != outline.Contains(q) {
				t.Fatalf("tiling: Locate(%v) = %v, in the tiled region = %v", q, ok, !ok)
			}
		}
	})
}
