package geo

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
)

// fxSynthOutline returns the closed counter-clockwise outline of SyntheticGrids(n, seed): the
// boundary of the union of the grids, built from the same jittered lattice sides, so that each
// point lies inside it exactly when (by the same half-open rule) it lies in one of the grids.
func fxSynthOutline(n int, seed uint64) Ring {
	cols := int(math.Ceil(math.Sqrt(float64(n))))
	full, rem := n/cols, n%cols
	corners := [][2]int{{0, 0}, {cols, 0}, {cols, full}}
	if rem > 0 {
		corners = append(corners, [2]int{rem, full}, [2]int{rem, full + 1}, [2]int{0, full + 1})
	} else {
		corners = append(corners, [2]int{0, full})
	}
	corners = append(corners, [2]int{0, 0})
	g := ProvinceLattice(seed)
	var ring Ring
	for k := 0; k+1 < len(corners); k++ {
		i, j := corners[k][0], corners[k][1]
		ti, tj := corners[k+1][0], corners[k+1][1]
		for i != ti || j != tj {
			ni, nj := i+fxSign(ti-i), j+fxSign(tj-j)
			ring = g.side(ring, i, j, ni, nj)
			i, j = ni, nj
		}
	}
	return append(ring, ring[0])
}

func fxSign(v int) int {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

// fxOracle answers Locate by brute force: the first item whose shape contains the point. Items
// whose closed bounding box misses the point are skipped, which cannot change the answer (a
// polygon contains no point outside its closed box: no edge straddles the point's latitude, or
// all that do lie on one side of it, an even number).
type fxOracle struct {
	items []Item
	boxes []BBox
}

func fxNewOracle(items []Item) *fxOracle {
	o := &fxOracle{items: items}
	for _, it := range items {
		o.boxes = append(o.boxes, it.Shape.BBox())
	}
	return o
}

func (o *fxOracle) locate(p Point) (int64, bool) {
	for k, it := range o.items {
		if o.boxes[k].Contains(p) && it.Shape.Contains(p) {
			return it.ID, true
		}
	}
	return 0, false
}

// bruteLocate is the literal definition, without the box filter.
func fxBruteLocate(items []Item, p Point) (int64, bool) {
	for _, it := range items {
		if it.Shape.Contains(p) {
			return it.ID, true
		}
	}
	return 0, false
}

// fxProbes returns points that stress the edge rule: every vertex of every item, the midpoint and
// the one-third point of every edge, and n random points in the items' box enlarged by 2%.
func fxProbes(items []Item, n int, rng *rand.Rand) []Point {
	var pts []Point
	b := EmptyBBox()
	for _, it := range items {
		b = b.Union(it.Shape.BBox())
		for _, p := range it.Shape {
			p.rings(func(_ int, r Ring) {
				for i := range r {
					a, c := r[i], r[(i+1)%len(r)]
					pts = append(pts, a,
						Point{(a.Lng + c.Lng) / 2, (a.Lat + c.Lat) / 2},
						Point{a.Lng + (c.Lng-a.Lng)/3, a.Lat + (c.Lat-a.Lat)/3})
				}
			})
		}
	}
	w, h := b.MaxLng-b.MinLng, b.MaxLat-b.MinLat
	for range n {
		pts = append(pts, Point{b.MinLng - 0.01*w + 1.02*w*rng.Float64(), b.MinLat - 0.01*h + 1.02*h*rng.Float64()})
	}
	return pts
}

func TestIndexLocateAgreesSynthetic(t *testing.T) {
	for _, seed := range []uint64{1, 2026} {
		items := SyntheticGrids(2000, seed)
		ix := NewIndex(items)
		if ix.Len() != 2000 {
			t.Fatalf("Len = %d", ix.Len())
		}
		o := fxNewOracle(items)
		rng := rand.New(rand.NewPCG(seed, 1))
		pts := fxProbes(items, 100_000, rng)
		bad := 0
		for k, p := range pts {
			id, ok := ix.Locate(p)
			wid, wok := o.locate(p)
			if k%100 == 0 { // the literal definition on a sample
				if bid, bok := fxBruteLocate(items, p); bid != wid || bok != wok {
					t.Fatalf("oracle disagrees with brute force at %v", p)
				}
			}
			if id != wid || ok != wok {
				if bad++; bad <= 10 {
					t.Errorf("seed %d: Locate(%v) = %d, %v; Contains says %d, %v", seed, p, id, ok, wid, wok)
				}
			}
		}
		if bad > 0 {
			t.Errorf("seed %d: %d of %d points disagree", seed, bad, len(pts))
		}
	}
}

// TestIndexFullTiling: for a tiling without gaps, every point in the tiled region (vertices and
// points on shared edges included) is located, and no point outside it.
func TestIndexFullTiling(t *testing.T) {
	for _, n := range []int{2025, 2000} { // 45×45, and 44 full rows plus a partial one
		items := SyntheticGrids(n, 3)
		outline := Polygon{Outer: fxSynthOutline(n, 3)}
		ix := NewIndex(items)
		rng := rand.New(rand.NewPCG(uint64(n), 2))
		in, bad := 0, 0
		for _, p := range fxProbes(items, 30_000, rng) {
			_, ok := ix.Locate(p)
			want := outline.Contains(p)
			if want {
				in++
			}
			if ok != want {
				if bad++; bad <= 10 {
					t.Errorf("n=%d: Locate(%v) ok = %v, inside the tiled region = %v", n, p, ok, want)
				}
			}
		}
		if in < 100_000 {
			t.Errorf("n=%d: only %d probes inside the region; the test is not testing much", n, in)
		}
	}
}

func TestIndexOutsideAndInvalid(t *testing.T) {
	items := SyntheticGrids(100, 1)
	ix := NewIndex(items)
	b := EmptyBBox()
	for _, it := range items {
		b = b.Union(it.Shape.BBox())
	}
	for _, p := range []Point{
		{b.MinLng - 1e-9, (b.MinLat + b.MaxLat) / 2},
		{b.MaxLng, (b.MinLat + b.MaxLat) / 2},
		{(b.MinLng + b.MaxLng) / 2, b.MaxLat},
		{(b.MinLng + b.MaxLng) / 2, b.MinLat - 1e-9},
		{0, 0}, {-180, -90}, {180, 90}, {116.4, 39.9},
		{math.NaN(), 28.05}, {118.55, math.NaN()}, {math.Inf(1), 28.05}, {118.55, math.Inf(-1)},
		{1e300, 1e300},
	} {
		if id, ok := ix.Locate(p); ok {
			t.Errorf("Locate(%v) = %d, want not found", p, id)
		}
	}
	// Empty indexes.
	for name, empty := range map[string]*Index{
		"nil items":     NewIndex(nil),
		"empty shapes":  NewIndex([]Item{{ID: 1}, {ID: 2, Shape: MultiPolygon{{}}}}),
		"only bad data": NewIndex([]Item{{ID: 1, Shape: MultiPolygon{{Outer: fxRect(0, 0, 1, math.NaN())}}}}),
	} {
		for _, p := range []Point{{0, 0}, {0.5, 0.5}, {118.55, 28.05}} {
			if id, ok := empty.Locate(p); ok {
				t.Errorf("%s: Locate(%v) = %d", name, p, id)
			}
			if id, d, ok := empty.Nearest(p, 1e7); ok {
				t.Errorf("%s: Nearest(%v) = %d, %v", name, p, id, d)
			}
		}
		if empty.MemoryBytes() < 0 {
			t.Errorf("%s: MemoryBytes < 0", name)
		}
	}
	if n := NewIndex([]Item{{ID: 1}, {ID: 2}}).Len(); n != 2 {
		t.Errorf("Len counts items, even empty ones: %d", n)
	}
}

// TestIndexItemsWithBadPolygons: a polygon with a bad coordinate is left out of the index (the
// documented behaviour), while the item's other polygons and other items stay.
func TestIndexItemsWithBadPolygons(t *testing.T) {
	bad := Polygon{Outer: Ring{{120, 30}, {121, 30}, {121, math.Inf(1)}, {120, 31}, {120, 30}}}
	out := Polygon{Outer: fxRect(120, 30, 200, 31)} // longitude out of range
	good := Polygon{Outer: fxRect(120.2, 30.2, 120.4, 30.4)}
	ix := NewIndex([]Item{
		{ID: 10, Shape: MultiPolygon{bad}},
		{ID: 20, Shape: MultiPolygon{out, good}},
		{ID: 30, Shape: MultiPolygon{{Outer: fxRect(120, 30, 121, 31)}}},
	})
	tests := []struct {
		p  Point
		id int64
	}{
		{Point{120.3, 30.3}, 20},
		{Point{120.1, 30.1}, 30},
		{Point{120.9, 30.9}, 30},
	}
	for _, tt := range tests {
		if id, ok := ix.Locate(tt.p); !ok || id != tt.id {
			t.Errorf("Locate(%v) = %d, %v; want %d", tt.p, id, ok, tt.id)
		}
	}
}

func TestIndexOverlapFirstWins(t *testing.T) {
	big := MultiPolygon{{Outer: fxRect(120, 30, 120.1, 30.1)}}
	small := MultiPolygon{{Outer: fxRect(120.02, 30.02, 120.05, 30.05)}}
	inSmall, inBigOnly := Point{120.03, 30.03}, Point{120.08, 30.08}

	ix := NewIndex([]Item{{ID: 100, Shape: big}, {ID: 7, Shape: small}})
	if id, _ := ix.Locate(inSmall); id != 100 {
		t.Errorf("big first: Locate in the overlap = %d, want 100", id)
	}
	ix = NewIndex([]Item{{ID: 7, Shape: small}, {ID: 100, Shape: big}})
	if id, _ := ix.Locate(inSmall); id != 7 {
		t.Errorf("small first: Locate in the overlap = %d, want 7", id)
	}
	if id, _ := ix.Locate(inBigOnly); id != 100 {
		t.Errorf("small first: Locate outside the small one = %d, want 100", id)
	}
	// Identical shapes under different IDs: always the first, at every probe.
	items := []Item{{ID: 5, Shape: small}, {ID: 6, Shape: small}, {ID: 4, Shape: big}}
	ix = NewIndex(items)
	for _, p := range fxProbes(items, 2000, rand.New(rand.NewPCG(1, 1))) {
		id, ok := ix.Locate(p)
		wid, wok := fxBruteLocate(items, p)
		if id != wid || ok != wok {
			t.Fatalf("Locate(%v) = %d, %v; want %d, %v", p, id, ok, wid, wok)
		}
		if id == 6 {
			t.Fatalf("Locate(%v) returned the second of two identical items", p)
		}
	}
}

func TestIndexHolesAndMultiPolygons(t *testing.T) {
	donut := Polygon{Outer: fxRect(120, 30, 120.1, 30.1), Holes: []Ring{
		fxRect(120.02, 30.02, 120.04, 30.04),
		fxReverse(fxRect(120.06, 30.06, 120.08, 30.07)),
	}}
	items := []Item{
		// A donut with two holes and a remote island, as one item.
		{ID: 1, Shape: MultiPolygon{donut, {Outer: fxRect(120.3, 30.3, 120.31, 30.31)}}},
		// Plugs one hole exactly (shared edges with the hole).
		{ID: 2, Shape: MultiPolygon{{Outer: fxReverse(fxRect(120.02, 30.02, 120.04, 30.04))}}},
		// Overlaps the donut's east side and the second hole.
		{ID: 3, Shape: MultiPolygon{{Outer: Ring{{120.065, 30.05}, {120.15, 30.055}, {120.07, 30.12}, {120.065, 30.05}}}}},
		// A concave polygon with an unclosed ring.
		{ID: 4, Shape: MultiPolygon{{Outer: Ring{{120.2, 30}, {120.25, 30}, {120.22, 30.02}, {120.25, 30.05}, {120.2, 30.05}}}}},
	}
	ix := NewIndex(items)
	for _, p := range fxProbes(items, 20_000, rand.New(rand.NewPCG(4, 4))) {
		id, ok := ix.Locate(p)
		wid, wok := fxBruteLocate(items, p)
		if id != wid || ok != wok {
			t.Errorf("Locate(%v) = %d, %v; want %d, %v", p, id, ok, wid, wok)
		}
	}
	tests := []struct {
		p  Point
		id int64
		ok bool
	}{
		{Point{120.01, 30.01}, 1, true},
		{Point{120.03, 30.03}, 2, true},  // in the plugged hole
		{Point{120.04, 30.03}, 1, false}, // east edge of the plug: the donut's
		{Point{120.02, 30.03}, 2, true},  // west edge of the plug: the plug's
		{Point{120.065, 30.065}, 0, false},
		{Point{120.075, 30.065}, 3, true}, // the second hole, covered by item 3
		{Point{120.305, 30.305}, 1, true}, // the island
		{Point{120.24, 30.02}, 0, false},  // in the notch of the concave polygon
		{Point{120.205, 30.02}, 4, true},
	}
	for _, tt := range tests {
		id, ok := ix.Locate(tt.p)
		if ok != (tt.id != 0) || id != tt.id {
			t.Errorf("Locate(%v) = %d, %v; want %d", tt.p, id, ok, tt.id)
		}
	}
}

// TestIndexSparse: a few tiny items far apart and one large one exercise the bound on the number
// of cells (cells much larger than most polygons).
func TestIndexSparse(t *testing.T) {
	var items []Item
	rng := rand.New(rand.NewPCG(9, 9))
	for k := range 50 {
		lng, lat := 75+60*rng.Float64(), 5+45*rng.Float64()
		items = append(items, Item{ID: int64(k + 1), Shape: MultiPolygon{{Outer: fxRect(lng, lat, lng+0.001, lat+0.001)}}})
	}
	items = append(items, Item{ID: 99, Shape: MultiPolygon{{Outer: fxRect(100, 20, 110, 30)}}})
	ix := NewIndex(items)
	for _, p := range fxProbes(items, 20_000, rng) {
		id, ok := ix.Locate(p)
		wid, wok := fxBruteLocate(items, p)
		if id != wid || ok != wok {
			t.Errorf("Locate(%v) = %d, %v; want %d, %v", p, id, ok, wid, wok)
		}
	}
	// Degenerate: a single item that is a line has no inside.
	line := NewIndex([]Item{{ID: 1, Shape: MultiPolygon{{Outer: Ring{{120, 30}, {120.1, 30}, {120, 30}}}}}})
	if _, ok := line.Locate(Point{120.05, 30}); ok {
		t.Error("a zero-area item contains a point")
	}
}

func TestIndexNearest(t *testing.T) {
	all := SyntheticGrids(400, 11)
	// Keep a checkerboard of the grids so that there are holes between them, and points outside
	// the region, whose nearest grid is not obvious.
	var items []Item
	for _, it := range all {
		i, j := int(it.ID-1)%20, int(it.ID-1)/20
		if (i+j)%2 == 0 {
			items = append(items, it)
		}
	}
	ix := NewIndex(items)
	brute := func(p Point) (float64, []int64) {
		best := math.Inf(1)
		var dists []float64
		for _, it := range items {
			d := it.Shape.BoundaryDistance(p)
			dists = append(dists, d)
			best = math.Min(best, d)
		}
		var ids []int64 // every item within rounding of the best: ties are legitimate
		for k, d := range dists {
			if d <= best*(1+1e-9)+1e-9 {
				ids = append(ids, items[k].ID)
			}
		}
		return best, ids
	}
	rng := rand.New(rand.NewPCG(5, 5))
	b := EmptyBBox()
	for _, it := range items {
		b = b.Union(it.Shape.BBox())
	}
	// Points in and around the region, up to ~6 km outside it.
	inside, outside := 0, 0
	for range 3000 {
		p := Point{b.MinLng - 0.06 + (b.MaxLng-b.MinLng+0.12)*rng.Float64(), b.MinLat - 0.06 + (b.MaxLat-b.MinLat+0.12)*rng.Float64()}
		id, d, ok := ix.Nearest(p, 20_000)
		if lid, lok := ix.Locate(p); lok {
			inside++
			if !ok || id != lid || d != 0 {
				t.Errorf("Nearest(%v) inside grid %d = %d, %v, %v; want %d, 0, true", p, lid, id, d, ok, lid)
			}
			continue
		}
		outside++
		want, ids := brute(p)
		if !ok {
			t.Errorf("Nearest(%v, 20 km) found nothing; nearest boundary is %.1f m away", p, want)
			continue
		}
		if math.Abs(d-want) > 1e-9*want+1e-6 {
			t.Errorf("Nearest(%v) distance %.6f m, brute force %.6f m", p, d, want)
		}
		found := false
		for _, w := range ids {
			found = found || w == id
		}
		if !found {
			t.Errorf("Nearest(%v) = grid %d; nearest by brute force: %v", p, id, ids)
		}
		// maxMetres is respected on both sides of the distance.
		if _, _, ok := ix.Nearest(p, want*(1-1e-6)); ok {
			t.Errorf("Nearest(%v, %.3f) found a grid %.6f m away", p, want*(1-1e-6), want)
		}
		if id2, d2, ok := ix.Nearest(p, want*(1+1e-6)); !ok || id2 != id || d2 != d {
			t.Errorf("Nearest(%v, just above the distance) = %d, %v, %v", p, id2, d2, ok)
		}
	}
	if inside < 500 || outside < 500 {
		t.Fatalf("probes: %d inside, %d outside; want plenty of both", inside, outside)
	}

	// Far away, with a large radius (the path that scans all parts) and an infinite one.
	far := Point{116.4, 39.9} // Beijing, ~1,200 km from the synthetic province
	want, ids := brute(far)
	for _, max := range []float64{2e6, math.Inf(1)} {
		id, d, ok := ix.Nearest(far, max)
		if !ok || math.Abs(d-want) > 1e-9*want || id != ids[0] {
			t.Errorf("Nearest(Beijing, %v) = %d, %.1f, %v; want %v, %.1f", max, id, d, ok, ids, want)
		}
	}
	if _, _, ok := ix.Nearest(far, 1e6); ok {
		t.Errorf("Nearest(Beijing, 1000 km) found a grid %.0f km away", want/1000)
	}

	p := Point{b.MinLng - 0.01, (b.MinLat + b.MaxLat) / 2}
	for _, tt := range []struct {
		name string
		p    Point
		max  float64
	}{
		{"zero radius outside", p, 0},
		{"negative radius", p, -1},
		{"NaN radius", p, math.NaN()},
		{"NaN point", Point{math.NaN(), 30}, 1e6},
		{"latitude out of range", Point{118.6, 91}, 1e9},
		{"longitude out of range", Point{-181, 28.1}, 1e9},
	} {
		if id, d, ok := ix.Nearest(tt.p, tt.max); ok {
			t.Errorf("%s: Nearest(%v, %v) = %d, %v, true", tt.name, tt.p, tt.max, id, d)
		}
	}
	// Inside, even a zero radius finds the grid.
	c := items[0].Shape.Centroid()
	if id, d, ok := ix.Nearest(c, 0); !ok || id != items[0].ID || d != 0 {
		t.Errorf("Nearest(centroid of grid %d, 0) = %d, %v, %v", items[0].ID, id, d, ok)
	}
}

func TestIndexMemoryBytes(t *testing.T) {
	items := SyntheticGrids(1000, 1)
	ix := NewIndex(items)
	verts := 0
	for _, it := range items {
		verts += it.Shape.NumVertices()
	}
	m := ix.MemoryBytes()
	// At least the copied vertices (16 bytes each); at most a few hundred bytes per vertex.
	if m < verts*16 || m > verts*1000 {
		t.Errorf("MemoryBytes = %d for %d vertices", m, verts)
	}
}

func TestSyntheticGrids(t *testing.T) {
	if SyntheticGrids(0, 1) != nil || SyntheticGrids(-5, 1) != nil {
		t.Error("SyntheticGrids(n ≤ 0) should be nil")
	}
	if !reflect.DeepEqual(SyntheticGrids(300, 42), SyntheticGrids(300, 42)) {
		t.Error("SyntheticGrids is not deterministic")
	}
	if reflect.DeepEqual(SyntheticGrids(300, 42), SyntheticGrids(300, 43)) {
		t.Error("SyntheticGrids ignores the seed")
	}
	for _, n := range []int{1, 2, 3, 50, 2000} {
		for _, seed := range []uint64{0, 8} {
			items := SyntheticGrids(n, seed)
			if len(items) != n {
				t.Fatalf("n=%d: %d items", n, len(items))
			}
			sum := 0.0
			edges := map[[2]Point]int{} // directed edge → count
			for k, it := range items {
				if it.ID != int64(k+1) || len(it.Shape) != 1 || len(it.Shape[0].Holes) != 0 {
					t.Fatalf("n=%d: item %d: ID %d, %d polygons", n, k, it.ID, len(it.Shape))
				}
				if err := it.Shape.Validate(); err != nil {
					t.Fatalf("n=%d seed=%d: grid %d invalid: %v", n, seed, it.ID, err)
				}
				r := it.Shape[0].Outer
				distinct := map[Point]bool{}
				for _, p := range r[:len(r)-1] {
					distinct[p] = true
				}
				if len(distinct) != len(r)-1 || len(distinct) < 12 || len(distinct) > 48 {
					t.Errorf("n=%d: grid %d has %d distinct of %d vertices, want 12–48 all distinct", n, it.ID, len(distinct), len(r)-1)
				}
				if a := ringArea(r); a <= 0 {
					t.Errorf("n=%d: grid %d is not counter-clockwise (signed area %v)", n, it.ID, a)
				}
				sum += it.Shape.Area()
				for i := 0; i+1 < len(r); i++ {
					edges[[2]Point{r[i], r[i+1]}]++
				}
			}
			// Neighbours share edges exactly: every edge is either used in reverse by exactly
			// one other grid, or lies on the outline.
			outline := fxSynthOutline(n, seed)
			onOutline := map[[2]Point]bool{}
			for i := 0; i+1 < len(outline); i++ {
				onOutline[[2]Point{outline[i], outline[i+1]}] = true
			}
			for e, c := range edges {
				rev := [2]Point{e[1], e[0]}
				if c != 1 || (edges[rev] != 1) == !onOutline[e] {
					t.Fatalf("n=%d: edge %v used %d times, reverse %d times, on outline %v", n, e, c, edges[rev], onOutline[e])
				}
			}
			// No gap, no overlap: the areas add up to the area of the union.
			if err := (Polygon{Outer: outline}).Validate(); err != nil {
				t.Fatalf("n=%d: outline invalid: %v", n, err)
			}
			if whole := (Polygon{Outer: outline}).Area(); fxRelErr(sum, whole) > 1e-9 {
				t.Errorf("n=%d: sum of grid areas %.1f m², outline %.1f m²", n, sum, whole)
			}
			// Grids are about 1.1 km × 1.1 km.
			if mean := sum / float64(n); mean < 0.9e6 || mean > 1.5e6 {
				t.Errorf("n=%d: mean grid area %.0f m²", n, mean)
			}
		}
	}
}
