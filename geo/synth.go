package geo

import (
	"math"
	"slices"
)

// Synthetic province: a lattice of roughly square cells about 1.1 km on a side (0.01° of latitude
// by 0.0115° of longitude, square at 29.5°N), starting at 118.5°E 28.0°N in Zhejiang. 100,000
// grids cover about 3.2° × 3.6°, the size of a province.
const (
	synthLng0 = 118.5
	synthLat0 = 28.0
	synthDLng = 0.0115
	synthDLat = 0.01
	// Lattice corners move by up to ±synthCornerJitter cells in each direction; the points that
	// subdivide an edge move sideways by up to ±synthSideJitter of their spacing. With these
	// bounds a cell's four sides can never touch each other (the sharpest corner stays above 43°,
	// and each side stays inside a 17° cone from either end), so every polygon is simple.
	synthCornerJitter = 0.15
	synthSideJitter   = 0.3
	// Each side gets 2–11 intermediate points, so a grid has 12–48 vertices.
	synthMinSide, synthMaxSide = 2, 11
)

// SyntheticGrids returns n grid polygons that tile a region of China without gap or overlap, for
// tests and benchmarks. Cells of a ⌈√n⌉-wide lattice are filled row by row (the last row may be
// partial); lattice corners are jittered, and each shared side is subdivided into the same
// jittered points for both cells that share it, so neighbours share edges exactly (opposite
// directions, identical coordinates). Every polygon is valid, counter-clockwise, with 12–48
// distinct vertices. IDs are 1..n. The result depends only on n and seed.
func SyntheticGrids(n int, seed uint64) []Item {
	if n <= 0 {
		return nil
	}
	cols := int(math.Ceil(math.Sqrt(float64(n))))
	items := make([]Item, n)
	g := ProvinceLattice(seed)
	for k := range n {
		items[k] = Item{ID: int64(k + 1), Shape: MultiPolygon{g.Cell(k%cols, k/cols)}}
	}
	return items
}

// Lattice is a jittered lattice of grid-like cells: cell (i, j) is column i from the west, row j
// from the south. Neighbouring cells share their sides point for point, so any set of cells tiles
// its outline exactly. It feeds the synthetic province of the benchmarks and the demo district.
type Lattice struct {
	Seed       uint64
	Lng0, Lat0 float64 // south-west corner of cell (0, 0) before jitter
	DLng, DLat float64 // cell size in degrees
}

// ProvinceLattice is the lattice of SyntheticGrids: cells about 1.1 km square from 118.5°E 28°N.
func ProvinceLattice(seed uint64) Lattice {
	return Lattice{Seed: seed, Lng0: synthLng0, Lat0: synthLat0, DLng: synthDLng, DLat: synthDLat}
}

// Cell returns cell (i, j), counter-clockwise, with 12–48 distinct vertices.
func (g Lattice) Cell(i, j int) Polygon {
	ring := make(Ring, 0, 4+4*synthMaxSide+1)
	ring = g.side(ring, i, j, i+1, j)     // south, west to east
	ring = g.side(ring, i+1, j, i+1, j+1) // east, south to north
	ring = g.side(ring, i+1, j+1, i, j+1) // north, east to west
	ring = g.side(ring, i, j+1, i, j)     // west, north to south
	return Polygon{Outer: append(ring, ring[0])}
}

// Inside returns a point well inside cell (i, j), offset from its centre by (du, dv) cells; the
// point is inside for |du|, |dv| ≤ 0.2 (corners move at most 0.15 cells and side points 0.1).
func (g Lattice) Inside(i, j int, du, dv float64) Point {
	return g.toLngLat(float64(i)+0.5+du, float64(j)+0.5+dv)
}

// Outline returns the boundary of the union of cells (each [2]int{i, j}, duplicates ignored), as
// one polygon per connected piece with its holes. The cells must not touch only at a corner (a
// "pinch"): Outline reports false for such a set.
func (g Lattice) Outline(cells [][2]int) (MultiPolygon, bool) {
	in := make(map[[2]int]bool, len(cells))
	for _, c := range cells {
		in[c] = true
	}
	type side struct{ i0, j0, i1, j1 int }
	next := map[[2]int]side{} // directed sides with the set on their left, by start corner
	add := func(s side) bool {
		k := [2]int{s.i0, s.j0}
		if _, dup := next[k]; dup {
			return false
		}
		next[k] = s
		return true
	}
	for c := range in {
		i, j := c[0], c[1]
		ok := true
		if !in[[2]int{i, j - 1}] {
			ok = ok && add(side{i, j, i + 1, j})
		}
		if !in[[2]int{i + 1, j}] {
			ok = ok && add(side{i + 1, j, i + 1, j + 1})
		}
		if !in[[2]int{i, j + 1}] {
			ok = ok && add(side{i + 1, j + 1, i, j + 1})
		}
		if !in[[2]int{i - 1, j}] {
			ok = ok && add(side{i, j + 1, i, j})
		}
		if !ok {
			return nil, false
		}
	}
	// Follow the sides into rings, starting from the smallest corner each time so the result does
	// not depend on map order.
	starts := make([][2]int, 0, len(next))
	for k := range next {
		starts = append(starts, k)
	}
	slices.SortFunc(starts, func(a, b [2]int) int {
		if a[1] != b[1] {
			return a[1] - b[1]
		}
		return a[0] - b[0]
	})
	var outers []Polygon
	var holes []Ring
	for _, st := range starts {
		if _, left := next[st]; !left {
			continue
		}
		var ring Ring
		k := st
		for {
			s, ok := next[k]
			if !ok {
				return nil, false
			}
			delete(next, k)
			ring = g.side(ring, s.i0, s.j0, s.i1, s.j1)
			k = [2]int{s.i1, s.j1}
			if k == st {
				break
			}
		}
		ring = append(ring, ring[0])
		if ringArea(ring) > 0 {
			outers = append(outers, Polygon{Outer: ring})
		} else {
			holes = append(holes, ring)
		}
	}
	for _, h := range holes {
		placed := false
		for k := range outers {
			if (Polygon{Outer: outers[k].Outer}).Contains(h[0]) {
				outers[k].Holes = append(outers[k].Holes, h)
				placed = true
				break
			}
		}
		if !placed {
			return nil, false
		}
	}
	return MultiPolygon(outers), true
}

// splitmix64 is the finaliser of SplitMix64: a good 64-bit mix for hashing coordinates.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// rnd is a tiny deterministic stream seeded by a hash of a lattice feature, so that both cells
// sharing a corner or a side derive exactly the same numbers for it.
type rnd struct{ s uint64 }

func (g Lattice) stream(kind, i, j uint64) rnd {
	return rnd{splitmix64(g.Seed ^ splitmix64(kind<<60^i<<30^j))}
}

func (r *rnd) next() uint64 {
	r.s = splitmix64(r.s)
	return r.s
}

// uniform returns a number in [-1, 1).
func (r *rnd) uniform() float64 { return float64(r.next()>>11)/(1<<52) - 1 }

// corner returns lattice corner (i, j) in lattice units.
func (g Lattice) corner(i, j int) (float64, float64) {
	r := g.stream(1, uint64(i), uint64(j))
	return float64(i) + synthCornerJitter*r.uniform(), float64(j) + synthCornerJitter*r.uniform()
}

func (g Lattice) toLngLat(u, v float64) Point {
	return Point{g.Lng0 + u*g.DLng, g.Lat0 + v*g.DLat}
}

// side appends the corner (i0, j0) and the intermediate points of the side towards (i1, j1) to
// ring. The side's points are generated in one canonical direction (from the lower-numbered
// corner) and reversed when needed, so both neighbours get identical coordinates.
func (g Lattice) side(ring Ring, i0, j0, i1, j1 int) Ring {
	reverse := i1 < i0 || j1 < j0
	ai, aj, bi, bj := i0, j0, i1, j1
	if reverse {
		ai, aj, bi, bj = i1, j1, i0, j0
	}
	kind := uint64(2) // horizontal side
	if ai == bi {
		kind = 3 // vertical side
	}
	r := g.stream(kind, uint64(ai), uint64(aj))
	m := synthMinSide + int(r.next()%uint64(synthMaxSide-synthMinSide+1))
	ax, ay := g.corner(ai, aj)
	bx, by := g.corner(bi, bj)
	dx, dy := bx-ax, by-ay
	// unit normal times the spacing between points
	nx, ny := -dy/float64(m+1), dx/float64(m+1)
	mid := make([]Point, m)
	for k := range m {
		t := float64(k+1) / float64(m+1)
		o := synthSideJitter * r.uniform()
		mid[k] = g.toLngLat(ax+t*dx+o*nx, ay+t*dy+o*ny)
	}
	ring = append(ring, g.toLngLat(g.corner(i0, j0)))
	if reverse {
		for k := m - 1; k >= 0; k-- {
			ring = append(ring, mid[k])
		}
	} else {
		ring = append(ring, mid...)
	}
	return ring
}
