package geo

import (
	"math"
	"math/big"
	"slices"
	"testing"
)

// fxRect returns the closed counter-clockwise ring of a longitude/latitude rectangle.
func fxRect(minLng, minLat, maxLng, maxLat float64) Ring {
	return Ring{{minLng, minLat}, {maxLng, minLat}, {maxLng, maxLat}, {minLng, maxLat}, {minLng, minLat}}
}

// fxReverse returns r in the opposite direction.
func fxReverse(r Ring) Ring {
	out := slices.Clone(r)
	slices.Reverse(out)
	return out
}

// fxRotate returns the closed ring r started at its k-th vertex.
func fxRotate(r Ring, k int) Ring {
	open := r[:len(r)-1]
	out := append(slices.Clone(open[k:]), open[:k]...)
	return append(out, out[0])
}

// fxRectArea is the area of a latitude/longitude rectangle on the WGS-84 ellipsoid computed
// independently of the package: A = Δλ ∫ M(φ) N(φ) cos φ dφ, with M the meridional and N the
// prime-vertical radius of curvature, so M·N·cos φ = a²(1−e²) cos φ / (1 − e² sin²φ)². The
// integral is done by composite Simpson's rule with 2,000 intervals (relative error ~1e-15 for
// these smooth integrands).
func fxRectArea(minLng, minLat, maxLng, maxLat float64) float64 {
	const a, f = 6378137.0, 1 / 298.257223563
	e2 := f * (2 - f)
	g := func(phi float64) float64 {
		s := math.Sin(phi)
		w := 1 - e2*s*s
		return a * a * (1 - e2) * math.Cos(phi) / (w * w)
	}
	const n = 2000
	p0, p1 := minLat*math.Pi/180, maxLat*math.Pi/180
	h := (p1 - p0) / n
	sum := g(p0) + g(p1)
	for i := 1; i < n; i++ {
		w := 2.0
		if i%2 == 1 {
			w = 4
		}
		sum += w * g(p0+float64(i)*h)
	}
	return (maxLng - minLng) * math.Pi / 180 * sum * h / 3
}

func fxRelErr(got, want float64) float64 { return math.Abs(got-want) / math.Abs(want) }

func TestAreaRectangles(t *testing.T) {
	tests := []struct {
		name                           string
		minLng, minLat, maxLng, maxLat float64
	}{
		{"1°×1° at the equator", 0, 0, 1, 1},
		{"1°×1° south of the equator", 10, -1, 11, 0},
		{"1°×1° at 30°N", 120, 30, 121, 31},
		{"1°×1° at 60°N", 100, 60, 101, 61},
		{"1°×1° at the pole", 0, 89, 1, 90},
		{"0.01° grid cell in Hangzhou", 120.15, 30.25, 120.1615, 30.26},
		{"10 m cell", 116.4, 39.9, 116.4001, 39.9001},
		{"province-sized", 118.5, 28, 122.2, 31.2},
		{"a quarter of the northern hemisphere", 0, 0, 90, 90},
	}
	for _, tt := range tests {
		ring := fxRect(tt.minLng, tt.minLat, tt.maxLng, tt.maxLat)
		want := fxRectArea(tt.minLng, tt.minLat, tt.maxLng, tt.maxLat)
		got := Polygon{Outer: ring}.Area()
		if e := fxRelErr(got, want); e > 1e-9 {
			t.Errorf("%s: Area = %.6f m², want %.6f m² (relative error %.2e)", tt.name, got, want, e)
		}
		// Orientation and starting vertex do not matter.
		for k := range 4 {
			for _, r := range []Ring{fxRotate(ring, k), fxReverse(fxRotate(ring, k))} {
				if a := (Polygon{Outer: r}).Area(); fxRelErr(a, got) > 1e-12 {
					t.Errorf("%s: Area of %v = %v, want %v", tt.name, r, a, got)
				}
			}
		}
		// An unclosed ring is treated as closed.
		if a := (Polygon{Outer: ring[:4]}).Area(); fxRelErr(a, got) > 1e-12 {
			t.Errorf("%s: Area of the unclosed ring = %v, want %v", tt.name, a, got)
		}
	}

	// Published figure: the total area of the WGS-84 ellipsoid is 510,065,621,724,088.5 m²
	// (GeographicLib's C library tests, geodtest.c, Planimeter15/21: a0 = 510065621724088.5093).
	world := Polygon{Outer: fxRect(-180, -90, 180, 90)}
	if got := world.Area(); fxRelErr(got, 510065621724088.5093) > 1e-12 {
		t.Errorf("Area of the whole ellipsoid = %.1f m², want 510065621724088.5", got)
	}

	// A ~1 km square near 30°N against the local plane formula M·N·cos φ·Δφ·Δλ at its centre.
	const lng0, lat0, d = 120.0, 30.0, 0.009
	a, f := 6378137.0, 1/298.257223563
	e2 := f * (2 - f)
	phi := (lat0 + d/2) * math.Pi / 180
	w := 1 - e2*math.Sin(phi)*math.Sin(phi)
	mn := a * a * (1 - e2) / (w * w)
	local := mn * math.Cos(phi) * (d * math.Pi / 180) * (d * math.Pi / 180)
	if got := (Polygon{Outer: fxRect(lng0, lat0, lng0+d, lat0+d)}).Area(); fxRelErr(got, local) > 1e-3 {
		t.Errorf("~1 km square at 30°N: Area = %.1f m², local formula %.1f m²", got, local)
	} else if got < 0.8e6 || got > 1.0e6 {
		t.Errorf("~1 km square at 30°N: Area = %.1f m², expected about 0.86 km²", got)
	}
}

func TestAreaHolesAndShapes(t *testing.T) {
	outer := fxRect(120, 30, 120.1, 30.1)
	h1 := fxRect(120.01, 30.01, 120.02, 30.02)
	h2 := fxReverse(fxRect(120.05, 30.05, 120.09, 30.06)) // holes in either orientation
	ao, a1, a2 := fxRectArea(120, 30, 120.1, 30.1), fxRectArea(120.01, 30.01, 120.02, 30.02), fxRectArea(120.05, 30.05, 120.09, 30.06)
	tests := []struct {
		name string
		p    Polygon
		want float64
	}{
		{"no hole", Polygon{Outer: outer}, ao},
		{"one hole", Polygon{Outer: outer, Holes: []Ring{h1}}, ao - a1},
		{"two holes", Polygon{Outer: outer, Holes: []Ring{h1, h2}}, ao - a1 - a2},
		{"clockwise outer, two holes", Polygon{Outer: fxReverse(outer), Holes: []Ring{fxReverse(h1), h2}}, ao - a1 - a2},
		// A right triangle is half its bounding rectangle only on the plane; in the equal-area
		// projection the hypotenuse is straight, so the area is exactly half of the projected
		// rectangle, which for a rectangle is the ellipsoidal area.
		{"triangle", Polygon{Outer: Ring{{120, 30}, {120.1, 30}, {120, 30.1}, {120, 30}}}, ao / 2},
	}
	for _, tt := range tests {
		if got := tt.p.Area(); fxRelErr(got, tt.want) > 1e-9 {
			t.Errorf("%s: Area = %.3f, want %.3f", tt.name, got, tt.want)
		}
	}
	// A MultiPolygon's area is the sum of its parts.
	m := MultiPolygon{{Outer: outer, Holes: []Ring{h1}}, {Outer: h1}}
	if got := m.Area(); fxRelErr(got, ao) > 1e-9 {
		t.Errorf("MultiPolygon with the hole filled: Area = %v, want %v", got, ao)
	}
	// Degenerate rings have no area.
	for _, r := range []Ring{nil, {{1, 1}}, {{1, 1}, {2, 2}}, {{1, 1}, {2, 2}, {1, 1}}, {{0, 0}, {0, 1}, {0, 2}, {0, 0}}, {{1, 5}, {2, 5}, {3, 5}, {1, 5}}} {
		if got := (Polygon{Outer: r}).Area(); got != 0 {
			t.Errorf("Area(%v) = %v, want 0", r, got)
		}
	}
	if got := (MultiPolygon{}).Area(); got != 0 {
		t.Errorf("empty MultiPolygon area %v", got)
	}
}

// TestContainsTiling checks the half-open edge rule on a 4×3 tiling of rectangles with
// non-round coordinates: every point of a lattice that includes all vertices, points on every
// shared edge and points between them is in exactly one rectangle when it lies in the tiled
// region [x0, x4) × [y0, y3), and in none otherwise.
func TestContainsTiling(t *testing.T) {
	xs := []float64{120.1, 120.1115, 120.123, 120.1345, 120.146}
	ys := []float64{30.27, 30.28, 30.29, 30.3}
	var tiles []Polygon
	for j := 0; j+1 < len(ys); j++ {
		for i := 0; i+1 < len(xs); i++ {
			r := fxRect(xs[i], ys[j], xs[i+1], ys[j+1])
			if (i+j)%2 == 1 {
				r = fxReverse(r) // orientation must not matter
			}
			tiles = append(tiles, Polygon{Outer: fxRotate(r, (i*3+j)%4)})
		}
	}
	// Lattice: every tiling coordinate, the midpoints and quarter points between them, and one
	// step outside at either end.
	expand := func(v []float64) []float64 {
		out := []float64{v[0] - 0.005}
		for i, x := range v {
			out = append(out, x)
			if i+1 < len(v) {
				d := v[i+1] - x
				out = append(out, x+d/4, x+d/2, x+3*d/4)
			}
		}
		return append(out, v[len(v)-1]+0.005)
	}
	lx, ly := expand(xs), expand(ys)
	for _, y := range ly {
		for _, x := range lx {
			p := Point{x, y}
			n := 0
			for _, tile := range tiles {
				if tile.Contains(p) {
					n++
				}
			}
			want := 0
			if x >= xs[0] && x < xs[len(xs)-1] && y >= ys[0] && y < ys[len(ys)-1] {
				want = 1
			}
			if n != want {
				t.Errorf("point %v is in %d tiles, want %d", p, n, want)
			}
		}
	}
	// The rule in words: a point on a shared vertical edge belongs to the tile to its east, on a
	// shared horizontal edge to the tile to its north, on a shared corner to the north-east tile.
	nx := len(xs) - 1
	tileOf := func(p Point) int {
		for k, tile := range tiles {
			if tile.Contains(p) {
				return k
			}
		}
		return -1
	}
	if got := tileOf(Point{xs[1], (ys[0] + ys[1]) / 2}); got != 1 {
		t.Errorf("point on the edge between tiles 0 and 1 is in tile %d, want 1 (east)", got)
	}
	if got := tileOf(Point{(xs[0] + xs[1]) / 2, ys[1]}); got != nx {
		t.Errorf("point on the edge between tiles 0 and %d is in tile %d, want %d (north)", nx, got, nx)
	}
	if got := tileOf(Point{xs[1], ys[1]}); got != nx+1 {
		t.Errorf("shared corner is in tile %d, want %d (north-east)", got, nx+1)
	}
}

// TestContainsSyntheticTiling checks the rule on tilings whose shared edges are not axis-parallel:
// every vertex and every edge midpoint of every grid is in exactly one grid when it lies in the
// tiled region (the outline polygon, under the same rule) and in none otherwise.
func TestContainsSyntheticTiling(t *testing.T) {
	for _, n := range []int{25, 30} {
		items := SyntheticGrids(n, 7)
		outline := Polygon{Outer: fxSynthOutline(n, 7)}
		check := func(p Point) {
			k := 0
			for _, it := range items {
				if it.Shape.Contains(p) {
					k++
				}
			}
			want := 0
			if outline.Contains(p) {
				want = 1
			}
			if k != want {
				t.Fatalf("n=%d: point %v is in %d grids, want %d", n, p, k, want)
			}
		}
		for _, it := range items {
			r := it.Shape[0].Outer
			for i := 0; i+1 < len(r); i++ {
				check(r[i])
				check(Point{(r[i].Lng + r[i+1].Lng) / 2, (r[i].Lat + r[i+1].Lat) / 2})
				check(Point{r[i].Lng + (r[i+1].Lng-r[i].Lng)/3, r[i].Lat + (r[i+1].Lat-r[i].Lat)/3})
			}
		}
	}
}

func TestContainsHolesAndMulti(t *testing.T) {
	outer := fxRect(120, 30, 120.1, 30.1)
	hole := fxRect(120.04, 30.04, 120.06, 30.06)
	donut := Polygon{Outer: outer, Holes: []Ring{fxReverse(hole)}}
	plug := Polygon{Outer: hole}
	tests := []struct {
		p                 Point
		inDonut, inPlug   bool
		inMulti, inRemote bool
	}{
		{Point{120.01, 30.01}, true, false, true, false},
		{Point{120.05, 30.05}, false, true, true, false},       // in the hole
		{Point{120.04, 30.05}, false, true, true, false},       // on the hole's west edge: the plug's
		{Point{120.06, 30.05}, true, false, true, false},       // on the hole's east edge: the donut's
		{Point{120.05, 30.04}, false, true, true, false},       // hole's south edge
		{Point{120.05, 30.06}, true, false, true, false},       // hole's north edge
		{Point{120.04, 30.04}, false, true, true, false},       // hole's south-west corner
		{Point{120.06, 30.06}, true, false, true, false},       // hole's north-east corner
		{Point{120, 30}, true, false, true, false},             // outer south-west corner
		{Point{120.1, 30.05}, false, false, false, false},      // outer east edge
		{Point{120.05, 30.1}, false, false, false, false},      // outer north edge
		{Point{121.005, 31.005}, false, false, true, true},     // the remote part
		{Point{120.5, 30.5}, false, false, false, false},       // between the parts
		{Point{math.NaN(), 30.05}, false, false, false, false}, // NaN is nowhere
	}
	multi := MultiPolygon{donut, plug, {Outer: fxRect(121, 31, 121.01, 31.01)}}
	for _, tt := range tests {
		if got := donut.Contains(tt.p); got != tt.inDonut {
			t.Errorf("donut.Contains(%v) = %v", tt.p, got)
		}
		if got := plug.Contains(tt.p); got != tt.inPlug {
			t.Errorf("plug.Contains(%v) = %v", tt.p, got)
		}
		if got := multi.Contains(tt.p); got != tt.inMulti {
			t.Errorf("multi.Contains(%v) = %v", tt.p, got)
		}
		if got := multi[2:].Contains(tt.p); got != tt.inRemote {
			t.Errorf("remote.Contains(%v) = %v", tt.p, got)
		}
	}
	// An unclosed ring behaves as if closed.
	open := Polygon{Outer: outer[:4]}
	for _, tt := range tests {
		if (Polygon{Outer: outer}).Contains(tt.p) != open.Contains(tt.p) {
			t.Errorf("unclosed ring disagrees at %v", tt.p)
		}
	}
	if (Polygon{}).Contains(Point{0, 0}) || (MultiPolygon{}).Contains(Point{0, 0}) {
		t.Error("empty shapes contain a point")
	}
}

func TestDistance(t *testing.T) {
	degree := EarthRadius * math.Pi / 180 // 111,195.08 m
	tests := []struct {
		name string
		a, b Point
		want float64
		tol  float64 // relative
	}{
		{"same point", Point{116.4, 39.9}, Point{116.4, 39.9}, 0, 0},
		{"1° of latitude", Point{120, 30}, Point{120, 31}, 111195.08, 1e-6},
		{"1° of longitude at the equator", Point{0, 0}, Point{1, 0}, degree, 1e-12},
		{"across the antimeridian", Point{179.5, 0}, Point{-179.5, 0}, degree, 1e-9},
		{"quarter meridian", Point{10, 0}, Point{10, 90}, 90 * degree, 1e-12},
		{"antipodes", Point{0, 0}, Point{180, 0}, 180 * degree, 1e-12},
		{"pole to pole", Point{0, 90}, Point{45, -90}, 180 * degree, 1e-12},
		// On a parallel the great circle is slightly shorter than the parallel arc
		// (R·cos φ·Δλ); over 0.01° the difference is negligible.
		{"0.01° of longitude at 60°N", Point{100, 60}, Point{100.01, 60}, 0.01 * degree * 0.5, 1e-6},
		{"1 mm", Point{120, 30}, Point{120, 30 + 1e-3/111195.08}, 1e-3, 1e-6},
	}
	for _, tt := range tests {
		got := Distance(tt.a, tt.b)
		if back := Distance(tt.b, tt.a); math.Abs(back-got) > 1e-9*got {
			t.Errorf("%s: Distance not symmetric: %v vs %v", tt.name, got, back)
		}
		if tt.want == 0 {
			if got != 0 {
				t.Errorf("%s: Distance = %v, want 0", tt.name, got)
			}
			continue
		}
		if e := fxRelErr(got, tt.want); e > tt.tol {
			t.Errorf("%s: Distance = %.6f m, want %.6f m (relative error %.2e)", tt.name, got, tt.want, e)
		}
	}
}

func TestBoundaryDistance(t *testing.T) {
	degree := EarthRadius * math.Pi / 180
	// 0.02° square at 30°N: east-west its half width is 0.01°·cos 30° ≈ 963 m, north-south 0.01°
	// ≈ 1112 m, so from the centre the nearest boundary is the west or east side.
	sq := Polygon{Outer: fxRect(120, 30, 120.02, 30.02)}
	holed := Polygon{Outer: fxRect(120, 30, 120.1, 30.1), Holes: []Ring{fxRect(120.04, 30.04, 120.06, 30.06)}}
	cos := math.Cos(30.01 * math.Pi / 180)
	tests := []struct {
		name string
		p    Polygon
		pt   Point
		want float64
		tol  float64 // relative
	}{
		{"centre to the west side", sq, Point{120.01, 30.01}, 0.01 * degree * cos, 1e-5},
		{"1° north of the top", sq, Point{120.01, 31.02}, degree, 1e-6},
		{"1° south of the bottom", sq, Point{120.01, 29}, degree, 1e-6},
		{"100 m east of the east side", sq, Point{120.02 + 100/(degree*cos), 30.01}, 100, 1e-4},
		{"on the boundary", sq, Point{120.02, 30.005}, 0, 0},
		{"on a vertex", sq, Point{120, 30}, 0, 0},
		// Outside a corner the nearest point is the corner.
		{"beyond the corner", sq, Point{120.03, 30.03}, Distance(Point{120.03, 30.03}, Point{120.02, 30.02}), 1e-9},
		{"inside near the hole", holed, Point{120.03, 30.05}, 0.01 * degree * math.Cos(30.05*math.Pi/180), 1e-5},
		{"inside the hole", holed, Point{120.05, 30.0595}, 0.0005 * degree, 1e-4},
	}
	for _, tt := range tests {
		got := tt.p.BoundaryDistance(tt.pt)
		if tt.want == 0 {
			if got > 1e-6 {
				t.Errorf("%s: BoundaryDistance = %v, want 0", tt.name, got)
			}
			continue
		}
		if e := fxRelErr(got, tt.want); e > tt.tol {
			t.Errorf("%s: BoundaryDistance = %.4f m, want %.4f m (relative error %.2e)", tt.name, got, tt.want, e)
		}
		// The same through a one-polygon MultiPolygon.
		if m := (MultiPolygon{tt.p}).BoundaryDistance(tt.pt); m != got {
			t.Errorf("%s: MultiPolygon.BoundaryDistance = %v, Polygon's %v", tt.name, m, got)
		}
	}
	// A MultiPolygon takes the nearest of its parts.
	far := Polygon{Outer: fxRect(121, 30, 121.02, 30.02)}
	pt := Point{120.9, 30.01}
	if got, want := (MultiPolygon{sq, far}).BoundaryDistance(pt), far.BoundaryDistance(pt); got != want {
		t.Errorf("MultiPolygon.BoundaryDistance = %v, want the nearer part's %v", got, want)
	}
	if d := (Polygon{}).BoundaryDistance(pt); !math.IsInf(d, 1) {
		t.Errorf("empty polygon: BoundaryDistance = %v, want +Inf", d)
	}
	if d := (MultiPolygon{}).BoundaryDistance(pt); !math.IsInf(d, 1) {
		t.Errorf("empty MultiPolygon: BoundaryDistance = %v, want +Inf", d)
	}
	// An unclosed ring has its closing side: here the nearest one.
	tri := Polygon{Outer: Ring{{120, 30}, {120.1, 30}, {120, 30.1}}}
	if d := tri.BoundaryDistance(Point{119.99, 30.05}); fxRelErr(d, 0.01*degree*math.Cos(30.05*math.Pi/180)) > 1e-4 {
		t.Errorf("unclosed triangle: BoundaryDistance to the closing side = %v", d)
	}
	// A single-point ring is a point.
	if d := (Polygon{Outer: Ring{{120, 30}}}).BoundaryDistance(Point{120, 31}); fxRelErr(d, degree) > 1e-9 {
		t.Errorf("single-point ring: %v", d)
	}
}

func TestCentroid(t *testing.T) {
	near := func(a, b Point) bool { return math.Abs(a.Lng-b.Lng) < 1e-9 && math.Abs(a.Lat-b.Lat) < 1e-9 }
	// L-shape of three 0.01° squares: on the plane its centroid is the mean of the three square
	// centres, and the equirectangular projection is affine, so that holds in degrees too.
	l := Ring{{120, 30}, {120.02, 30}, {120.02, 30.01}, {120.01, 30.01}, {120.01, 30.02}, {120, 30.02}, {120, 30}}
	lWant := Point{(120.005 + 120.015 + 120.005) / 3, (30.005 + 30.005 + 30.015) / 3}
	sq := fxRect(120, 30, 120.04, 30.04)
	hole := fxRect(120.02, 30.02, 120.03, 30.03) // area 1/16 of the square, centre (120.025, 30.025)
	holeWant := Point{(16*120.02 - 120.025) / 15, (16*30.02 - 30.025) / 15}
	tests := []struct {
		name string
		p    Polygon
		want Point
	}{
		{"square", Polygon{Outer: sq}, Point{120.02, 30.02}},
		{"clockwise square", Polygon{Outer: fxReverse(sq)}, Point{120.02, 30.02}},
		{"L-shape", Polygon{Outer: l}, lWant},
		{"L-shape reversed", Polygon{Outer: fxReverse(l)}, lWant},
		{"centred hole", Polygon{Outer: sq, Holes: []Ring{fxRect(120.01, 30.01, 120.03, 30.03)}}, Point{120.02, 30.02}},
		{"off-centre hole", Polygon{Outer: sq, Holes: []Ring{fxReverse(hole)}}, holeWant},
		{"zero area: mean of the vertices", Polygon{Outer: Ring{{1, 1}, {2, 2}, {3, 3}}}, Point{2, 2}},
	}
	for _, tt := range tests {
		if got := tt.p.Centroid(); !near(got, tt.want) {
			t.Errorf("%s: Centroid = %v, want %v", tt.name, got, tt.want)
		}
	}
	if c := (Polygon{}).Centroid(); !math.IsNaN(c.Lng) || !math.IsNaN(c.Lat) {
		t.Errorf("empty polygon: Centroid = %v, want NaN", c)
	}
	// A MultiPolygon's centroid is area-weighted: two equal squares → midpoint; the L-shape split
	// into its squares → the L's centroid.
	m := MultiPolygon{{Outer: fxRect(120, 30, 120.01, 30.01)}, {Outer: fxRect(120.03, 30, 120.04, 30.01)}}
	if got := m.Centroid(); !near(got, Point{120.02, 30.005}) {
		t.Errorf("two squares: Centroid = %v", got)
	}
	m = MultiPolygon{{Outer: fxRect(120, 30, 120.01, 30.01)}, {Outer: fxRect(120.01, 30, 120.02, 30.01)}, {Outer: fxRect(120, 30.01, 120.01, 30.02)}}
	if got := m.Centroid(); !near(got, lWant) {
		t.Errorf("L as three squares: Centroid = %v, want %v", got, lWant)
	}
}

func TestBBox(t *testing.T) {
	e := EmptyBBox()
	if !e.IsEmpty() || e.Contains(Point{0, 0}) {
		t.Error("EmptyBBox is not empty")
	}
	if (BBox{}).IsEmpty() || !(BBox{}).Contains(Point{0, 0}) {
		t.Error("zero BBox should be the single point (0, 0)")
	}
	b := e.Extend(Point{120, 30}).Extend(Point{121, 29})
	if b != (BBox{120, 29, 121, 30}) {
		t.Errorf("Extend: %v", b)
	}
	if u := e.Union(b); u != b {
		t.Errorf("empty ∪ b = %v", u)
	}
	if u := b.Union(e); u != b {
		t.Errorf("b ∪ empty = %v", u)
	}
	if u := b.Union(BBox{122, 28, 123, 28.5}); u != (BBox{120, 28, 123, 30}) {
		t.Errorf("Union: %v", u)
	}
	for _, p := range []Point{{120, 29}, {121, 30}, {120.5, 29.5}} {
		if !b.Contains(p) {
			t.Errorf("closed box %v does not contain %v", b, p)
		}
	}
	if b.Contains(Point{121.0000001, 29.5}) || b.Contains(Point{math.NaN(), 29.5}) {
		t.Error("box contains an outside point")
	}
	if !b.Intersects(BBox{121, 30, 122, 31}) || b.Intersects(BBox{121.1, 29, 122, 31}) {
		t.Error("Intersects: closed boxes touching at a corner intersect, separated ones do not")
	}
	poly := Polygon{Outer: fxRect(120, 30, 120.1, 30.2), Holes: []Ring{fxRect(120.01, 30.01, 120.02, 30.02)}}
	if poly.BBox() != (BBox{120, 30, 120.1, 30.2}) {
		t.Errorf("Polygon.BBox = %v", poly.BBox())
	}
	m := MultiPolygon{poly, {Outer: fxRect(119, 31, 119.5, 31.5)}}
	if m.BBox() != (BBox{119, 30, 120.1, 31.5}) {
		t.Errorf("MultiPolygon.BBox = %v", m.BBox())
	}
	if !(MultiPolygon{}).BBox().IsEmpty() || !(Ring{}).BBox().IsEmpty() {
		t.Error("empty shapes have a non-empty box")
	}
	if n := m.NumVertices(); n != 15 {
		t.Errorf("NumVertices = %d, want 15", n)
	}
}

// fxOrientRef is the exact orientation by rational arithmetic, written independently of orient.
func fxOrientRef(ax, ay, bx, by, cx, cy float64) int {
	r := func(v float64) *big.Rat { return new(big.Rat).SetFloat64(v) }
	// (b − a) × (c − a)
	ux, uy := new(big.Rat).Sub(r(bx), r(ax)), new(big.Rat).Sub(r(by), r(ay))
	vx, vy := new(big.Rat).Sub(r(cx), r(ax)), new(big.Rat).Sub(r(cy), r(ay))
	return new(big.Rat).Mul(ux, vy).Cmp(new(big.Rat).Mul(uy, vx))
}

// TestOrientExact: orient must give the exact sign even where the floating-point determinant
// cannot, as Contains and the Index rely on it to agree on points on edges. The inputs are the
// classic failure case of Kettner, Mehlhorn, Pion, Schirra and Yap, "Classroom examples of
// robustness problems in geometric computations" (2008): p = (0.5 + i·2⁻⁵³, 0.5 + j·2⁻⁵³) against
// the line through (12, 12) and (24, 24), plus the same near a grid edge at redgrid's coordinates.
func TestOrientExact(t *testing.T) {
	const u = 0x1p-53
	cases := [][6]float64{}
	for i := range 64 {
		for j := range 64 {
			cases = append(cases, [6]float64{12, 12, 24, 24, 0.5 + float64(i)*u, 0.5 + float64(j)*u})
		}
	}
	// A point nudged by one ulp either side of a diagonal grid edge in Zhejiang.
	a, b := Point{118.51234567, 28.0123456}, Point{118.5238765, 28.0219876}
	for k := range 200 {
		f := float64(k) / 200
		x, y := a.Lng+f*(b.Lng-a.Lng), a.Lat+f*(b.Lat-a.Lat)
		for _, dx := range []float64{-1, 0, 1} {
			for _, dy := range []float64{-1, 0, 1} {
				px := math.Nextafter(x, x+dx)
				py := math.Nextafter(y, y+dy)
				cases = append(cases, [6]float64{a.Lng, a.Lat, b.Lng, b.Lat, px, py})
			}
		}
	}
	naiveWrong, collinear := 0, 0
	for _, c := range cases {
		want := fxOrientRef(c[0], c[1], c[2], c[3], c[4], c[5])
		got := orient(c[0], c[1], c[2], c[3], c[4], c[5])
		if got != want {
			t.Fatalf("orient(%v) = %d, exact %d", c, got, want)
		}
		// Antisymmetric and invariant under rotation of the arguments.
		if o := orient(c[2], c[3], c[0], c[1], c[4], c[5]); o != -want {
			t.Fatalf("orient(b, a, c) = %d, want %d for %v", o, -want, c)
		}
		if o := orient(c[4], c[5], c[0], c[1], c[2], c[3]); o != want {
			t.Fatalf("orient(c, a, b) = %d, want %d for %v", o, want, c)
		}
		det := (c[0]-c[4])*(c[3]-c[5]) - (c[1]-c[5])*(c[2]-c[4])
		naive := 0
		if det > 0 {
			naive = 1
		} else if det < 0 {
			naive = -1
		}
		if naive != want {
			naiveWrong++
		}
		if want == 0 {
			collinear++
		}
	}
	t.Logf("%d cases, %d collinear; the plain floating-point determinant gets %d signs wrong", len(cases), collinear, naiveWrong)
	if naiveWrong == 0 || collinear == 0 {
		t.Errorf("the cases do not exercise the exact path (%d naive errors, %d collinear)", naiveWrong, collinear)
	}
	// Non-finite input gives 0.
	if o := orient(0, 0, 1, 1, math.NaN(), 0); o != 0 {
		t.Errorf("orient with NaN = %d", o)
	}
	if o := orient(0, 0, 1, 1, math.Inf(1), 0); o != 0 {
		t.Errorf("orient with Inf = %d", o)
	}
}
