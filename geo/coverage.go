package geo

import (
	"math"
	"slices"
	"sort"
)

// ProblemKind names what is wrong with a set of grids that should tile their parent.
type ProblemKind string

// The problems CheckCoverage reports.
const (
	// Overlap: a region inside two or more items.
	Overlap ProblemKind = "overlap"
	// Gap: a region inside the parent boundary that no item covers.
	Gap ProblemKind = "gap"
	// Outside: a region of an item that lies outside the parent boundary.
	Outside ProblemKind = "outside"
)

// DefaultTolerance is the area, in m², below which CheckCoverage ignores a problem region: slivers
// from digitising the same line twice.
const DefaultTolerance = 1.0

// CoverageOptions configures CheckCoverage.
type CoverageOptions struct {
	// Tolerance in m²: regions of at most this area are not reported. 0 means DefaultTolerance;
	// negative means report everything with a positive area.
	Tolerance float64
}

// Problem is one connected region where the items fail to tile the parent.
type Problem struct {
	Kind ProblemKind
	// Items are the IDs involved, ascending: for an overlap the items that overlap there; for a
	// gap the items bordering it; for an outside region the items that stick out.
	Items []int64
	Area  float64 // m²
	// At is a point inside the region (the centre of its largest piece), for a map marker.
	At   Point
	BBox BBox
}

// Coverage is the result of CheckCoverage.
type Coverage struct {
	ParentArea float64 // m²; 0 without a parent
	ItemsArea  float64 // sum of the items' areas, m²
	Problems   []Problem
}

// CheckCoverage finds where items overlap each other and, when parent is not empty, where they
// leave part of parent uncovered or extend outside it. Each connected problem region larger than
// the tolerance is reported once, largest first, with the items involved, its area and a point
// inside it. The shapes should be valid (Validate); invalid ones give meaningless results, never a
// panic.
//
// Method: a plane sweep. Every vertex and every crossing of two edges starts a horizontal slab;
// inside a slab no two edges cross, so ordering them by longitude cuts the slab into trapezoids,
// each inside a fixed set of shapes (found by the parity of the edges to its west, the same rule
// as Contains). Trapezoids covered by two or more items, by none inside the parent, or by an item
// outside the parent are problems; those of one kind that touch are joined into one region. A
// trapezoid's area in m² is its area in degrees² times the ellipsoid's scale at its middle
// latitude (M·N·cos φ), which for slabs a fraction of a grid high is exact to well under 0.1%.
// The work is about (vertices + crossings) × (edges crossing a horizontal line) × log: a
// community of 50 grids takes a few milliseconds.
func CheckCoverage(parent MultiPolygon, items []Item, o CoverageOptions) Coverage {
	tol := o.Tolerance
	if tol == 0 {
		tol = DefaultTolerance
	}
	var cov Coverage
	sw := sweep{nItems: len(items)}
	for i, it := range items {
		cov.ItemsArea += it.Shape.Area()
		sw.addShape(it.Shape, int32(i))
	}
	hasParent := len(parent) > 0
	if hasParent {
		cov.ParentArea = parent.Area()
		sw.addShape(parent, int32(len(items)))
	}
	sw.run(hasParent)
	for _, r := range sw.regions() {
		if !(r.area > tol) {
			continue
		}
		p := Problem{Kind: r.kind, Area: r.area, At: r.at, BBox: r.box}
		for _, k := range r.owners {
			if int(k) < len(items) {
				p.Items = append(p.Items, items[k].ID)
			}
		}
		slices.Sort(p.Items)
		p.Items = slices.Compact(p.Items)
		cov.Problems = append(cov.Problems, p)
	}
	sort.SliceStable(cov.Problems, func(i, j int) bool { return cov.Problems[i].Area > cov.Problems[j].Area })
	return cov
}

// sedge is a non-horizontal edge, lower end first, with the shape it belongs to.
type sedge struct {
	x0, y0, x1, y1 float64
	owner          int32
}

func (e *sedge) xAt(y float64) float64 {
	if y <= e.y0 {
		return e.x0
	}
	if y >= e.y1 {
		return e.x1
	}
	return e.x0 + (e.x1-e.x0)*(y-e.y0)/(e.y1-e.y0)
}

// trap is a problem trapezoid of one slab.
type trap struct {
	kind       ProblemKind
	lo0, hi0   float64 // x extent at the slab's bottom
	lo1, hi1   float64 // and top
	y0, y1     float64
	area       float64 // m²
	left, righ int32   // owners of the bounding edges
	covering   []int32 // items covering it (overlap, outside)
	id         int     // union-find node
}

type sweep struct {
	nItems int
	edges  []sedge
	ys     []float64
	traps  []trap
	uf     []int
}

func (s *sweep) addShape(m MultiPolygon, owner int32) {
	for _, p := range m {
		p.rings(func(_ int, r Ring) {
			n := len(r)
			if n < 2 {
				return
			}
			prev := r[n-1]
			for _, cur := range r {
				a, b := prev, cur
				prev = cur
				if !finite(a) || !finite(b) {
					continue
				}
				s.ys = append(s.ys, b.Lat)
				if a.Lat == b.Lat {
					continue
				}
				if a.Lat > b.Lat {
					a, b = b, a
				}
				s.edges = append(s.edges, sedge{a.Lng, a.Lat, b.Lng, b.Lat, owner})
			}
		})
	}
}

func finite(p Point) bool {
	return !math.IsNaN(p.Lng) && !math.IsInf(p.Lng, 0) && !math.IsNaN(p.Lat) && !math.IsInf(p.Lat, 0)
}

// crossings adds the latitude of every proper crossing of two edges to s.ys.
func (s *sweep) crossings() {
	slices.SortFunc(s.edges, func(a, b sedge) int {
		switch {
		case a.y0 < b.y0:
			return -1
		case a.y0 > b.y0:
			return 1
		}
		return 0
	})
	var active []int
	for i := range s.edges {
		e := &s.edges[i]
		kept := active[:0]
		for _, k := range active {
			if s.edges[k].y1 > e.y0 {
				kept = append(kept, k)
			}
		}
		active = kept
		ex0, ex1 := math.Min(e.x0, e.x1), math.Max(e.x0, e.x1)
		for _, k := range active {
			f := &s.edges[k]
			if math.Max(f.x0, f.x1) < ex0 || math.Min(f.x0, f.x1) > ex1 {
				continue
			}
			o1 := orient(e.x0, e.y0, e.x1, e.y1, f.x0, f.y0)
			o2 := orient(e.x0, e.y0, e.x1, e.y1, f.x1, f.y1)
			o3 := orient(f.x0, f.y0, f.x1, f.y1, e.x0, e.y0)
			o4 := orient(f.x0, f.y0, f.x1, f.y1, e.x1, e.y1)
			if o1*o2 < 0 && o3*o4 < 0 {
				dx, dy := e.x1-e.x0, e.y1-e.y0
				fx, fy := f.x1-f.x0, f.y1-f.y0
				den := dx*fy - dy*fx
				u := ((f.x0-e.x0)*fy - (f.y0-e.y0)*fx) / den
				y := e.y0 + u*dy
				if y > e.y0 && y < e.y1 && y > f.y0 && y < f.y1 {
					s.ys = append(s.ys, y)
				}
			}
		}
		active = append(active, i)
	}
}

// areaScale returns m² per degree² at latitude lat on the WGS-84 ellipsoid: M·N·cos φ·(π/180)².
func areaScale(lat float64) float64 {
	phi := lat * math.Pi / 180
	s := math.Sin(phi)
	w := 1 - wgs84E2*s*s
	m := wgs84A * (1 - wgs84E2) / (w * math.Sqrt(w))
	n := wgs84A / math.Sqrt(w)
	return m * n * math.Cos(phi) * (math.Pi / 180) * (math.Pi / 180)
}

func (s *sweep) run(hasParent bool) {
	s.crossings()
	slices.Sort(s.ys)
	s.ys = slices.Compact(s.ys)
	// Edges are sorted by y0; walk the slabs adding edges that start at or below each slab.
	next := 0
	var active []int
	type xe struct {
		mid, lo, hi float64
		owner       int32
	}
	var order []xe
	parity := make([]bool, s.nItems+1)
	var prevTraps []int // indices into s.traps of the previous slab, by x
	for k := 0; k+1 < len(s.ys); k++ {
		y0, y1 := s.ys[k], s.ys[k+1]
		for next < len(s.edges) && s.edges[next].y0 <= y0 {
			active = append(active, next)
			next++
		}
		kept := active[:0]
		for _, i := range active {
			if s.edges[i].y1 > y0 {
				kept = append(kept, i)
			}
		}
		active = kept
		order = order[:0]
		ym := (y0 + y1) / 2
		for _, i := range active {
			e := &s.edges[i]
			if e.y0 > y0 || e.y1 < y1 {
				continue // cannot happen for a slab between consecutive event latitudes
			}
			order = append(order, xe{e.xAt(ym), e.xAt(y0), e.xAt(y1), e.owner})
		}
		slices.SortFunc(order, func(a, b xe) int {
			switch {
			case a.mid < b.mid:
				return -1
			case a.mid > b.mid:
				return 1
			}
			return 0
		})
		clear(parity)
		scale := areaScale(ym) * (y1 - y0)
		covering := 0
		var cur []int
		for j := 0; j+1 < len(order); j++ {
			o := order[j].owner
			parity[o] = !parity[o]
			if int(o) < s.nItems {
				if parity[o] {
					covering++
				} else {
					covering--
				}
			}
			a, b := order[j], order[j+1]
			w := ((b.lo - a.lo) + (b.hi - a.hi)) / 2
			if !(w > 0) {
				continue
			}
			inParent := hasParent && parity[s.nItems]
			var kind ProblemKind
			switch {
			case covering >= 2:
				kind = Overlap
			case covering == 0 && inParent:
				kind = Gap
			case covering >= 1 && hasParent && !inParent:
				kind = Outside
			default:
				continue
			}
			t := trap{kind: kind, lo0: a.lo, hi0: b.lo, lo1: a.hi, hi1: b.hi, y0: y0, y1: y1,
				area: w * scale, left: a.owner, righ: b.owner, id: len(s.uf)}
			if kind != Gap {
				for i := 0; i < s.nItems; i++ {
					if parity[i] {
						t.covering = append(t.covering, int32(i))
					}
				}
			}
			s.uf = append(s.uf, t.id)
			s.traps = append(s.traps, t)
			idx := len(s.traps) - 1
			// Join with the previous trapezoid of this slab when they share an edge.
			if n := len(cur); n > 0 {
				p := &s.traps[cur[n-1]]
				if p.kind == kind && p.hi0 >= t.lo0 && p.hi1 >= t.lo1 {
					s.union(p.id, t.id)
				}
			}
			cur = append(cur, idx)
		}
		// Join with the trapezoids of the slab below that share part of the line y0.
		i := 0
		for _, ci := range cur {
			t := &s.traps[ci]
			for i < len(prevTraps) && s.traps[prevTraps[i]].hi1 <= t.lo0 {
				i++
			}
			for j := i; j < len(prevTraps); j++ {
				p := &s.traps[prevTraps[j]]
				if p.lo1 >= t.hi0 {
					break
				}
				if p.y1 == y0 && p.kind == t.kind {
					s.union(p.id, t.id)
				}
			}
		}
		prevTraps = append(prevTraps[:0], cur...)
	}
}

func (s *sweep) find(x int) int {
	for s.uf[x] != x {
		s.uf[x] = s.uf[s.uf[x]]
		x = s.uf[x]
	}
	return x
}

func (s *sweep) union(a, b int) {
	ra, rb := s.find(a), s.find(b)
	if ra != rb {
		s.uf[rb] = ra
	}
}

type region struct {
	kind    ProblemKind
	area    float64
	owners  []int32
	at      Point
	box     BBox
	biggest float64
}

func (s *sweep) regions() []region {
	byRoot := map[int]*region{}
	var order []int
	for i := range s.traps {
		t := &s.traps[i]
		root := s.find(t.id)
		r := byRoot[root]
		if r == nil {
			r = &region{kind: t.kind, box: EmptyBBox()}
			byRoot[root] = r
			order = append(order, root)
		}
		r.area += t.area
		if t.kind == Gap {
			r.owners = append(r.owners, t.left, t.righ)
		} else {
			r.owners = append(r.owners, t.covering...)
		}
		r.box = r.box.Extend(Point{math.Min(t.lo0, t.lo1), t.y0}).Extend(Point{math.Max(t.hi0, t.hi1), t.y1})
		if t.area > r.biggest {
			r.biggest = t.area
			// The middle of the trapezoid's middle line is inside it (it is convex).
			r.at = Point{(t.lo0 + t.hi0 + t.lo1 + t.hi1) / 4, (t.y0 + t.y1) / 2}
		}
	}
	out := make([]region, 0, len(order))
	for _, root := range order {
		out = append(out, *byRoot[root])
	}
	return out
}
