package geo

import (
	"math"
	"slices"
)

// Item is one shape to index, such as a grid's boundary, with the caller's ID for it.
type Item struct {
	ID    int64
	Shape MultiPolygon
}

// Index answers "which item contains this point" and "which item is nearest" for a fixed set of
// items. It is immutable once built and safe for concurrent use.
//
// Design. The items' bounding box is divided into a uniform grid of cells, sized so that an
// average polygon's box spans about cellsAcross × cellsAcross cells. For every cell the index
// lists, in item order, the polygons that may contain a point of it:
//   - a polygon whose boundary does not come near the cell and that contains its centre contains
//     the whole cell: an "interior" entry, answered without any arithmetic;
//   - otherwise the entry carries a private copy of just the edges that can decide the
//     crossing-number test for points in that cell: edges whose latitude range overlaps the
//     cell's row, and of those only the ones on the cell's west side or on its east side,
//     whichever are fewer (counting the edges west of a point, plus those through it, has the same
//     parity as counting the edges strictly east of it, because every ring crosses a horizontal
//     line an even number of times).
//
// Everything lives in a few flat arrays without pointers, laid out in cell order, so a lookup
// touches about three cache lines and the garbage collector never scans the index. Cell
// arithmetic uses the same monotone function for vertices and query points, and the crossing
// test is exact (see orient), so Locate agrees with MultiPolygon.Contains for every point,
// including points on shared edges and vertices.
type Index struct {
	ids []int64

	// Polygons ("parts") with the item they belong to and their rings, for Nearest.
	partItem  []uint32
	partRing  []uint32 // rings of part p: ringStart[partRing[p]:partRing[p+1]]
	ringStart []uint32 // points of ring k: pts[ringStart[k]:ringStart[k+1]]
	pts       []Point
	partBox   []BBox

	box        BBox // of all parts; no item contains a point outside [Min, Max) on either axis
	invW, invH float64
	nx, ny     int
	cells      []cell // nx*ny + 1, row-major
	entries    []entry
	edges      []edge

	nearStart []uint32 // nx*ny + 1: parts whose box overlaps the cell, for Nearest
	nearParts []uint32
}

type cell struct{ entry, edge uint32 } // first entry and first edge of the cell

type entry struct {
	item uint32
	meta uint32 // interiorBit, or westBit and the number of edges
}

const (
	interiorBit = 1 << 31
	westBit     = 1 << 30
	countMask   = westBit - 1
)

// edge is a non-horizontal edge with its lower end first.
type edge struct{ ax, ay, bx, by float64 }

// cellsAcross is the number of cells an average polygon's bounding box spans in each direction.
// Finer cells make more lookups land in interior cells but copy more edges.
const cellsAcross = 3

// NewIndex builds an index of items. Locate reports, for a point, the first item (in the order of
// items) that contains it, so overlapping items resolve deterministically. Polygons with a
// coordinate that is not finite or is out of range are left out: validate shapes first (Validate).
// Building is O(total vertices); 100,000 polygons of 10–50 vertices take about a second.
func NewIndex(items []Item) *Index {
	ix := &Index{ids: make([]int64, len(items)), box: EmptyBBox()}
	nPts, nRings := 0, 0
	for _, it := range items {
		for _, p := range it.Shape {
			nPts += p.NumVertices()
			nRings += 1 + len(p.Holes)
		}
	}
	ix.pts = make([]Point, 0, nPts)
	ix.ringStart = make([]uint32, 0, nRings+1)
	ix.partRing = []uint32{0}
	var sumW, sumH float64
	for i, it := range items {
		ix.ids[i] = it.ID
		for _, p := range it.Shape {
			if !partUsable(p) {
				continue
			}
			// The extent of all rings, not just the outer one: for a valid polygon they are the
			// same, and for an invalid one whose hole pokes out, Locate still agrees with Contains.
			b := EmptyBBox()
			p.rings(func(_ int, r Ring) { b = b.Union(r.BBox()) })
			ix.box = ix.box.Union(b)
			sumW += b.MaxLng - b.MinLng
			sumH += b.MaxLat - b.MinLat
			p.rings(func(_ int, r Ring) {
				ix.ringStart = append(ix.ringStart, uint32(len(ix.pts)))
				ix.pts = append(ix.pts, r...)
			})
			ix.partItem = append(ix.partItem, uint32(i))
			ix.partRing = append(ix.partRing, uint32(len(ix.ringStart)))
			ix.partBox = append(ix.partBox, b)
		}
	}
	ix.ringStart = append(ix.ringStart, uint32(len(ix.pts)))
	nParts := len(ix.partItem)
	if nParts == 0 {
		ix.nx, ix.ny = 1, 1
		ix.cells = make([]cell, 2)
		ix.nearStart = make([]uint32, 2)
		return ix
	}
	ix.sizeGrid(sumW/float64(nParts), sumH/float64(nParts), nParts)
	ix.fill()
	return ix
}

func partUsable(p Polygon) bool {
	if len(p.Outer) == 0 {
		return false
	}
	ok := true
	p.rings(func(_ int, r Ring) {
		for _, pt := range r {
			if CheckCoordinate(pt.Lng, pt.Lat) != nil {
				ok = false
			}
		}
	})
	return ok
}

// sizeGrid chooses the cell size from the average polygon box (aw × ah degrees).
func (ix *Index) sizeGrid(aw, ah float64, nParts int) {
	W, H := ix.box.MaxLng-ix.box.MinLng, ix.box.MaxLat-ix.box.MinLat
	cw, ch := aw/cellsAcross, ah/cellsAcross
	nx, ny := 1.0, 1.0
	if W > 0 && cw > 0 {
		nx = math.Ceil(W / cw)
	}
	if H > 0 && ch > 0 {
		ny = math.Ceil(H / ch)
	}
	// Bound the grid (sparse items over a large area, or degenerate ones) to about 64 cells per
	// polygon; both dimensions shrink by the same factor.
	maxCells := math.Max(4096, 64*float64(nParts))
	if nx*ny > maxCells {
		f := math.Sqrt(nx * ny / maxCells)
		nx, ny = math.Max(1, math.Floor(nx/f)), math.Max(1, math.Floor(ny/f))
	}
	ix.nx, ix.ny = int(nx), int(ny)
	if W > 0 {
		ix.invW = nx / W
	}
	if H > 0 {
		ix.invH = ny / H
	}
}

// col and row map a coordinate to its cell column and row. Both are monotone (non-decreasing) in
// their argument, which is what makes the cell lists exact: a point between two vertices maps
// between their cells.
func (ix *Index) col(x float64) int {
	f := (x - ix.box.MinLng) * ix.invW
	if !(f > 0) {
		return 0
	}
	if f >= float64(ix.nx-1) {
		return ix.nx - 1
	}
	return int(f)
}

func (ix *Index) row(y float64) int {
	f := (y - ix.box.MinLat) * ix.invH
	if !(f > 0) {
		return 0
	}
	if f >= float64(ix.ny-1) {
		return ix.ny - 1
	}
	return int(f)
}

// partScratch holds one part's working state while building.
type partScratch struct {
	c0, r0, w, h int
	mark         []bool   // w*h: cell touched by the boundary
	edges        []edge   // the part's non-horizontal edges
	ecol         [][2]int // their column range
	bands        [][]int32
	out          []emitted
	list         []int32
}

type emitted struct {
	cell  int
	meta  uint32
	edges []int32 // indices into partScratch.edges; valid until the next part
}

// part computes the entries of part p into s.out.
func (ix *Index) part(p int, s *partScratch) {
	b := ix.partBox[p]
	s.c0, s.r0 = ix.col(b.MinLng), ix.row(b.MinLat)
	s.w, s.h = ix.col(b.MaxLng)-s.c0+1, ix.row(b.MaxLat)-s.r0+1
	s.mark = slices.Grow(s.mark[:0], s.w*s.h)[:s.w*s.h]
	clear(s.mark)
	s.edges, s.ecol, s.out, s.list = s.edges[:0], s.ecol[:0], s.out[:0], s.list[:0]
	for len(s.bands) < s.h {
		s.bands = append(s.bands, nil)
	}
	for j := range s.h {
		s.bands[j] = s.bands[j][:0]
	}
	for k := ix.partRing[p]; k < ix.partRing[p+1]; k++ {
		r := ix.pts[ix.ringStart[k]:ix.ringStart[k+1]]
		if len(r) == 0 {
			continue
		}
		prev := r[len(r)-1]
		for _, cur := range r {
			a, c := prev, cur
			prev = cur
			x0, x1 := math.Min(a.Lng, c.Lng), math.Max(a.Lng, c.Lng)
			y0, y1 := math.Min(a.Lat, c.Lat), math.Max(a.Lat, c.Lat)
			i0, i1 := ix.col(x0)-s.c0, ix.col(x1)-s.c0
			j0, j1 := ix.row(y0)-s.r0, ix.row(y1)-s.r0
			for j := j0; j <= j1; j++ {
				for i := i0; i <= i1; i++ {
					s.mark[j*s.w+i] = true
				}
			}
			if a.Lat == c.Lat {
				continue // never crossed under the half-open rule
			}
			if a.Lat > c.Lat {
				a, c = c, a
			}
			id := int32(len(s.edges))
			s.edges = append(s.edges, edge{a.Lng, a.Lat, c.Lng, c.Lat})
			s.ecol = append(s.ecol, [2]int{i0, i1})
			for j := j0; j <= j1; j++ {
				s.bands[j] = append(s.bands[j], id)
			}
		}
	}
	for j := range s.h {
		band := s.bands[j]
		for i := range s.w {
			c := (s.r0+j)*ix.nx + s.c0 + i
			if !s.mark[j*s.w+i] {
				// The boundary does not touch the cell, so the part contains all of it or none
				// of it; ask at a point that maps to this cell.
				x := ix.box.MinLng + (float64(s.c0+i)+0.5)/ix.invW
				y := ix.box.MinLat + (float64(s.r0+j)+0.5)/ix.invH
				if ix.invW > 0 && ix.invH > 0 && ix.col(x) == s.c0+i && ix.row(y) == s.r0+j {
					odd := false
					for _, e := range band {
						ed := &s.edges[e]
						if ed.ay <= y && y < ed.by && orient(ed.ax, ed.ay, ed.bx, ed.by, x, y) > 0 {
							odd = !odd
						}
					}
					if odd {
						s.out = append(s.out, emitted{cell: c, meta: interiorBit})
					}
					continue
				}
			}
			// West list: edges reaching column i or further west; east list: reaching i or further
			// east. Edges outside a list lie strictly beyond every point of the cell.
			west, east := 0, 0
			for _, e := range band {
				if s.ecol[e][0] <= i {
					west++
				}
				if s.ecol[e][1] >= i {
					east++
				}
			}
			if west == 0 || east == 0 {
				continue // no crossing possible: the part misses this cell
			}
			start := len(s.list)
			meta := uint32(0)
			for _, e := range band {
				if west < east && s.ecol[e][0] <= i || west >= east && s.ecol[e][1] >= i {
					s.list = append(s.list, e)
				}
			}
			if west < east {
				meta = westBit
			}
			n := len(s.list) - start
			s.out = append(s.out, emitted{cell: c, meta: meta | uint32(n), edges: s.list[start:len(s.list):len(s.list)]})
		}
	}
}

// fill builds the cell lists in two passes over the parts: count, then place.
func (ix *Index) fill() {
	nCells := ix.nx * ix.ny
	type counts struct{ entries, edges uint32 }
	cnt := make([]counts, nCells)
	nearCnt := make([]uint32, nCells+1)
	var s partScratch
	for p := range ix.partItem {
		ix.part(p, &s)
		for _, o := range s.out {
			cnt[o.cell].entries++
			cnt[o.cell].edges += o.meta & countMask
		}
		b := ix.partBox[p]
		for j := ix.row(b.MinLat); j <= ix.row(b.MaxLat); j++ {
			for i := ix.col(b.MinLng); i <= ix.col(b.MaxLng); i++ {
				nearCnt[j*ix.nx+i]++
			}
		}
	}
	ix.cells = make([]cell, nCells+1)
	var e, g uint32
	for c := range nCells {
		ix.cells[c] = cell{e, g}
		e += cnt[c].entries
		g += cnt[c].edges
	}
	ix.cells[nCells] = cell{e, g}
	ix.entries = make([]entry, e)
	ix.edges = make([]edge, g)
	// Reuse cnt as the per-cell cursors.
	for c := range nCells {
		cnt[c] = counts{ix.cells[c].entry, ix.cells[c].edge}
	}
	ix.nearStart = make([]uint32, nCells+1)
	var sum uint32
	for c := range nCells {
		ix.nearStart[c] = sum
		sum += nearCnt[c]
		nearCnt[c] = ix.nearStart[c]
	}
	ix.nearStart[nCells] = sum
	ix.nearParts = make([]uint32, sum)
	for p := range ix.partItem {
		ix.part(p, &s)
		item := ix.partItem[p]
		for _, o := range s.out {
			cur := &cnt[o.cell]
			ix.entries[cur.entries] = entry{item: item, meta: o.meta}
			cur.entries++
			for _, k := range o.edges {
				ix.edges[cur.edges] = s.edges[k]
				cur.edges++
			}
		}
		b := ix.partBox[p]
		for j := ix.row(b.MinLat); j <= ix.row(b.MaxLat); j++ {
			for i := ix.col(b.MinLng); i <= ix.col(b.MaxLng); i++ {
				c := j*ix.nx + i
				ix.nearParts[nearCnt[c]] = uint32(p)
				nearCnt[c]++
			}
		}
	}
}

// Len returns the number of items the index was built from.
func (ix *Index) Len() int { return len(ix.ids) }

// Locate returns the ID of the first item (in the order given to NewIndex) that contains p, by
// the rule of Polygon.Contains: on an edge shared by two grids the point belongs to the one to its
// east (or north, for an east-west edge), always the same one. ok is false when no item contains p
// (including NaN input).
func (ix *Index) Locate(p Point) (id int64, ok bool) {
	x, y := p.Lng, p.Lat
	if !(x >= ix.box.MinLng && x < ix.box.MaxLng && y >= ix.box.MinLat && y < ix.box.MaxLat) {
		return 0, false
	}
	c := ix.row(y)*ix.nx + ix.col(x)
	cs := ix.cells[c]
	end := ix.cells[c+1].entry
	g := cs.edge
	for k := cs.entry; k < end; k++ {
		en := ix.entries[k]
		if en.meta&interiorBit != 0 {
			return ix.ids[en.item], true
		}
		n := en.meta & countMask
		es := ix.edges[g : g+n]
		g += n
		odd := false
		if en.meta&westBit != 0 {
			// Edges west of p or through it: same parity as the edges strictly east.
			for i := range es {
				e := &es[i]
				if e.ay <= y && y < e.by && orient(e.ax, e.ay, e.bx, e.by, x, y) <= 0 {
					odd = !odd
				}
			}
		} else {
			for i := range es {
				e := &es[i]
				if e.ay <= y && y < e.by && orient(e.ax, e.ay, e.bx, e.by, x, y) > 0 {
					odd = !odd
				}
			}
		}
		if odd {
			return ix.ids[en.item], true
		}
	}
	return 0, false
}

// Nearest returns the item containing p with distance 0 if there is one (as Locate); otherwise
// the item whose boundary is nearest to p, with the distance in metres, if that distance is at
// most maxMetres. Ties go to the earlier item. Distances are as MultiPolygon.BoundaryDistance:
// nearest point chosen in a local projection, distance measured along the great circle; meant for
// maxMetres up to tens of kilometres. ok is false for invalid p or negative maxMetres.
func (ix *Index) Nearest(p Point, maxMetres float64) (id int64, dist float64, ok bool) {
	if CheckCoordinate(p.Lng, p.Lat) != nil || !(maxMetres >= 0) {
		return 0, 0, false
	}
	if id, ok := ix.Locate(p); ok {
		return id, 0, true
	}
	if len(ix.partItem) == 0 {
		return 0, 0, false
	}
	// Search a box a little larger than maxMetres: the projection and the great circle differ
	// slightly.
	r := maxMetres*1.01 + 1
	dLat := r / metresPerDegree
	dLng := math.Min(dLat/cosLatAt(p.Lat), 360)
	box := BBox{p.Lng - dLng, p.Lat - dLat, p.Lng + dLng, p.Lat + dLat}
	if !box.Intersects(ix.box) {
		return 0, 0, false
	}
	var cand []uint32
	c0, c1 := ix.col(math.Max(box.MinLng, ix.box.MinLng)), ix.col(math.Min(box.MaxLng, ix.box.MaxLng))
	r0, r1 := ix.row(math.Max(box.MinLat, ix.box.MinLat)), ix.row(math.Min(box.MaxLat, ix.box.MaxLat))
	if (c1-c0+1)*(r1-r0+1) > len(ix.partItem) {
		cand = make([]uint32, len(ix.partItem))
		for i := range cand {
			cand[i] = uint32(i)
		}
	} else {
		for j := r0; j <= r1; j++ {
			for i := c0; i <= c1; i++ {
				c := j*ix.nx + i
				cand = append(cand, ix.nearParts[ix.nearStart[c]:ix.nearStart[c+1]]...)
			}
		}
		slices.Sort(cand)
		cand = slices.Compact(cand)
	}
	t := newBoundaryTracker(p)
	bestPart := -1
	for _, pp := range cand {
		b := ix.partBox[pp]
		if !b.Intersects(box) {
			continue
		}
		// Lower bound from the box, in the tracker's metric; skip parts that cannot win.
		dx := math.Max(0, math.Max(b.MinLng-p.Lng, p.Lng-b.MaxLng)) * t.cosLat
		dy := math.Max(0, math.Max(b.MinLat-p.Lat, p.Lat-b.MaxLat))
		if lb := dx*dx + dy*dy; lb > t.best*(1+1e-9) {
			continue
		}
		before := t.best
		for k := ix.partRing[pp]; k < ix.partRing[pp+1]; k++ {
			t.ring(Ring(ix.pts[ix.ringStart[k]:ix.ringStart[k+1]]))
		}
		if t.best < before {
			bestPart = int(pp)
		}
	}
	if bestPart < 0 {
		return 0, 0, false
	}
	d := t.result()
	if d > maxMetres {
		return 0, 0, false
	}
	return ix.ids[ix.partItem[bestPart]], d, true
}

// MemoryBytes estimates the heap the index holds (its arrays' capacities).
func (ix *Index) MemoryBytes() int {
	return cap(ix.ids)*8 + cap(ix.partItem)*4 + cap(ix.partRing)*4 + cap(ix.ringStart)*4 +
		cap(ix.pts)*16 + cap(ix.partBox)*32 + cap(ix.cells)*8 + cap(ix.entries)*8 +
		cap(ix.edges)*32 + cap(ix.nearStart)*4 + cap(ix.nearParts)*4
}
