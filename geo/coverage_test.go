package geo

import (
	"math"
	"slices"
	"testing"
)

// block returns the cells of a w×h block of the lattice and the items for them (IDs 1..w*h, row
// by row from the south-west).
func block(g Lattice, w, h int) ([][2]int, []Item) {
	var cells [][2]int
	var items []Item
	for j := range h {
		for i := range w {
			cells = append(cells, [2]int{i, j})
			items = append(items, Item{ID: int64(len(items) + 1), Shape: MultiPolygon{g.Cell(i, j)}})
		}
	}
	return cells, items
}

func TestOutlineTilesItsCells(t *testing.T) {
	g := ProvinceLattice(7)
	cells, items := block(g, 5, 4)
	out, ok := g.Outline(cells)
	if !ok || len(out) != 1 || len(out[0].Holes) != 0 {
		t.Fatalf("outline of a block: ok=%v, %d parts", ok, len(out))
	}
	if err := out.Validate(); err != nil {
		t.Fatalf("outline invalid: %v", err)
	}
	sum := 0.0
	for _, it := range items {
		sum += it.Shape.Area()
	}
	if a := out.Area(); math.Abs(a-sum) > 1e-6*sum {
		t.Fatalf("outline area %.3f m², cells sum to %.3f m²", a, sum)
	}
	// A ring of cells around a missing centre has a hole.
	var ringCells [][2]int
	for _, c := range cells {
		if c != [2]int{2, 1} && c != [2]int{2, 2} {
			ringCells = append(ringCells, c)
		}
	}
	out, ok = g.Outline(ringCells)
	if !ok || len(out) != 1 || len(out[0].Holes) != 1 {
		t.Fatalf("outline with a hole: ok=%v %+v", ok, out)
	}
	if err := out.Validate(); err != nil {
		t.Fatalf("outline with hole invalid: %v", err)
	}
	// Two cells touching only at a corner are refused.
	if _, ok := g.Outline([][2]int{{0, 0}, {1, 1}}); ok {
		t.Fatal("a pinched set was accepted")
	}
}

func TestCoverageOfATilingHasNoProblems(t *testing.T) {
	g := ProvinceLattice(3)
	cells, items := block(g, 10, 5)
	parent, ok := g.Outline(cells)
	if !ok {
		t.Fatal("outline")
	}
	cov := CheckCoverage(parent, items, CoverageOptions{Tolerance: -1})
	if len(cov.Problems) != 0 {
		t.Fatalf("exact tiling reported %d problems, first %+v", len(cov.Problems), cov.Problems[0])
	}
	if math.Abs(cov.ParentArea-cov.ItemsArea) > 1e-6*cov.ParentArea {
		t.Fatalf("areas differ: parent %.1f, items %.1f", cov.ParentArea, cov.ItemsArea)
	}
}

func TestCoverageFindsAGap(t *testing.T) {
	g := ProvinceLattice(3)
	cells, items := block(g, 6, 4)
	parent, _ := g.Outline(cells)
	// Drop grid (2, 1) (ID 9): its area becomes a gap bordered by it neighbours.
	missing := items[8]
	rest := slices.Delete(slices.Clone(items), 8, 9)
	cov := CheckCoverage(parent, rest, CoverageOptions{})
	if len(cov.Problems) != 1 {
		t.Fatalf("want 1 problem, got %+v", cov.Problems)
	}
	p := cov.Problems[0]
	want := missing.Shape.Area()
	if p.Kind != Gap || math.Abs(p.Area-want) > 1e-3*want {
		t.Fatalf("gap %s of %.1f m², want gap of %.1f m²", p.Kind, p.Area, want)
	}
	if !missing.Shape.Contains(p.At) {
		t.Fatalf("the point %v is not in the gap", p.At)
	}
	// Its neighbours west, east, south and north border it.
	for _, id := range []int64{8, 10, 3, 15} {
		if !slices.Contains(p.Items, id) {
			t.Errorf("gap neighbours %v lack %d", p.Items, id)
		}
	}
}

func TestCoverageFindsOverlapAndOutside(t *testing.T) {
	g := ProvinceLattice(5)
	cells, items := block(g, 4, 4)
	parent, _ := g.Outline(cells)
	// Grid 6 (cell 1,1) grows to include its east neighbour's cell: an overlap with grid 7.
	grown, ok := g.Outline([][2]int{{1, 1}, {2, 1}})
	if !ok {
		t.Fatal("outline")
	}
	items[5].Shape = grown
	// Grid 1 (cell 0,0) grows south, outside the community.
	out, _ := g.Outline([][2]int{{0, 0}, {0, -1}})
	items[0].Shape = out
	cov := CheckCoverage(parent, items, CoverageOptions{})
	if len(cov.Problems) != 2 {
		t.Fatalf("want 2 problems, got %+v", cov.Problems)
	}
	byKind := map[ProblemKind]Problem{}
	for _, p := range cov.Problems {
		byKind[p.Kind] = p
	}
	ov, ok := byKind[Overlap]
	if !ok || !slices.Equal(ov.Items, []int64{6, 7}) {
		t.Fatalf("overlap %+v", ov)
	}
	if want := items[6].Shape.Area(); math.Abs(ov.Area-want) > 1e-3*want {
		t.Fatalf("overlap area %.1f, want %.1f", ov.Area, want)
	}
	if !items[6].Shape.Contains(ov.At) || !grown.Contains(ov.At) {
		t.Fatalf("overlap point %v not in both", ov.At)
	}
	os, ok := byKind[Outside]
	if !ok || !slices.Equal(os.Items, []int64{1}) || parent.Contains(os.At) {
		t.Fatalf("outside %+v", os)
	}
}

func TestCoverageToleranceIgnoresSlivers(t *testing.T) {
	// Two unit-ish squares whose shared side is digitised 1e-7° (about 1 cm) apart: the overlap
	// is a sliver of about 1 cm × 1 km ≈ 10 m², reported at tolerance 1 m², not at 100 m².
	a := MultiPolygon{{Outer: Ring{{0, 30}, {0.01, 30}, {0.01, 30.01}, {0, 30.01}, {0, 30}}}}
	b := MultiPolygon{{Outer: Ring{{0.01 - 1e-7, 30}, {0.02, 30}, {0.02, 30.01}, {0.01 - 1e-7, 30.01}, {0.01 - 1e-7, 30}}}}
	items := []Item{{ID: 1, Shape: a}, {ID: 2, Shape: b}}
	cov := CheckCoverage(nil, items, CoverageOptions{})
	if len(cov.Problems) != 1 || cov.Problems[0].Kind != Overlap {
		t.Fatalf("want the sliver at the default tolerance: %+v", cov.Problems)
	}
	if a := cov.Problems[0].Area; a < 5 || a > 20 {
		t.Fatalf("sliver area %.2f m², want about 10", a)
	}
	if cov := CheckCoverage(nil, items, CoverageOptions{Tolerance: 100}); len(cov.Problems) != 0 {
		t.Fatalf("sliver reported above tolerance: %+v", cov.Problems)
	}
}

func TestCoverageOfCrossingShapes(t *testing.T) {
	// Two squares overlapping in a quarter: the overlap is found from edge crossings, not
	// vertices.
	a := MultiPolygon{{Outer: Ring{{0, 30}, {0.02, 30}, {0.02, 30.02}, {0, 30.02}, {0, 30}}}}
	b := MultiPolygon{{Outer: Ring{{0.01, 30.01}, {0.03, 30.01}, {0.03, 30.03}, {0.01, 30.03}, {0.01, 30.01}}}}
	cov := CheckCoverage(nil, []Item{{ID: 1, Shape: a}, {ID: 2, Shape: b}}, CoverageOptions{})
	if len(cov.Problems) != 1 {
		t.Fatalf("%+v", cov.Problems)
	}
	q := MultiPolygon{{Outer: Ring{{0.01, 30.01}, {0.02, 30.01}, {0.02, 30.02}, {0.01, 30.02}, {0.01, 30.01}}}}
	if got, want := cov.Problems[0].Area, q.Area(); math.Abs(got-want) > 1e-4*want {
		t.Fatalf("overlap %.3f m², want %.3f", got, want)
	}
	// A rotated square crossing a square: crossings at non-vertex latitudes.
	d := MultiPolygon{{Outer: Ring{{0.02, 29.995}, {0.035, 30.01}, {0.02, 30.025}, {0.005, 30.01}, {0.02, 29.995}}}}
	cov = CheckCoverage(nil, []Item{{ID: 1, Shape: a}, {ID: 2, Shape: d}}, CoverageOptions{})
	if len(cov.Problems) != 1 || cov.Problems[0].Kind != Overlap {
		t.Fatalf("%+v", cov.Problems)
	}
	// Area of the intersection by inclusion–exclusion against a fine raster of Contains.
	n, in := 400, 0
	for i := range n {
		for j := range n {
			p := Point{0.005 + 0.03*(float64(i)+0.5)/float64(n), 29.995 + 0.03*(float64(j)+0.5)/float64(n)}
			if a.Contains(p) && d.Contains(p) {
				in++
			}
		}
	}
	cellArea := areaScale(30.01) * (0.03 / float64(n)) * (0.03 / float64(n))
	if got, want := cov.Problems[0].Area, float64(in)*cellArea; math.Abs(got-want) > 0.01*want {
		t.Fatalf("overlap %.1f m², raster says %.1f", got, want)
	}
}

// BenchmarkCoverage50 checks one community of 50 grids (a 10×5 block) against its outline.
func BenchmarkCoverage50(b *testing.B) {
	g := ProvinceLattice(1)
	cells, items := block(g, 10, 5)
	parent, _ := g.Outline(cells)
	for b.Loop() {
		if cov := CheckCoverage(parent, items, CoverageOptions{}); len(cov.Problems) != 0 {
			b.Fatal(cov.Problems)
		}
	}
}

// BenchmarkValidateProvince validates 100,000 grid polygons and checks, community by community
// (blocks of 10×5 grids), that they tile their community: the "validation of all 100,000" figure.
// Run it once: go test -run '^$' -bench ValidateProvince -benchtime 1x ./geo/
func BenchmarkValidateProvince(b *testing.B) {
	const cols, rows, bw, bh = 320, 320, 10, 5 // 102,400 grids in 2,048 communities
	g := ProvinceLattice(1)
	type community struct {
		outline MultiPolygon
		items   []Item
	}
	var comms []community
	for j0 := 0; j0 < rows; j0 += bh {
		for i0 := 0; i0 < cols; i0 += bw {
			var c community
			var cells [][2]int
			for j := j0; j < j0+bh; j++ {
				for i := i0; i < i0+bw; i++ {
					cells = append(cells, [2]int{i, j})
					c.items = append(c.items, Item{ID: int64(len(c.items)), Shape: MultiPolygon{g.Cell(i, j)}})
				}
			}
			c.outline, _ = g.Outline(cells)
			comms = append(comms, c)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		for _, c := range comms {
			for _, it := range c.items {
				if err := it.Shape.Validate(); err != nil {
					b.Fatal(err)
				}
			}
			if cov := CheckCoverage(c.outline, c.items, CoverageOptions{}); len(cov.Problems) != 0 {
				b.Fatal(cov.Problems)
			}
		}
	}
	b.ReportMetric(float64(len(comms)*bw*bh), "grids")
}
