package atlas_test

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/geo"
	"github.com/redgrid/redgrid/internal/atlas"
	"github.com/redgrid/redgrid/internal/redgridtest"
	"github.com/redgrid/redgrid/internal/sqlstore"
)

// The test district's map: Community1 is cells (0,0) Grid1 and (1,0) Grid2; Community2 is cell
// (2,0) Grid3; Community3 is the 2×2 block at (0,1)–(1,2).
var lat = geo.Lattice{Seed: 9, Lng0: 110.76, Lat0: 32.58, DLng: 0.0043, DLat: 0.0036}

func cell(i, j int) geo.MultiPolygon { return geo.MultiPolygon{lat.Cell(i, j)} }

func outline(t *testing.T, cells ...[2]int) geo.MultiPolygon {
	t.Helper()
	m, ok := lat.Outline(cells)
	if !ok {
		t.Fatal("outline")
	}
	return m
}

type fixture struct {
	s  *sqlstore.Store
	tr *redgridtest.Tree
	a  *atlas.Atlas
}

func setup(t *testing.T, e redgridtest.Engine) *fixture {
	s := e.Open(t, sqlstore.Options{})
	tr := redgridtest.BuildTree(t, s)
	a := atlas.New(s, atlas.Options{}, slog.New(slog.DiscardHandler))
	if err := a.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	return &fixture{s, tr, a}
}

func (f *fixture) community1(t *testing.T) []atlas.Feature {
	return []atlas.Feature{
		{Index: 0, Code: f.tr.Community1.Code, Shape: outline(t, [2]int{0, 0}, [2]int{1, 0})},
		{Index: 1, Code: f.tr.Grid1.Code, Shape: cell(0, 0)},
		{Index: 2, Code: f.tr.Grid2.Code, ParentCode: f.tr.Community1.Code, Shape: cell(1, 0)},
	}
}

func (f *fixture) revision(t *testing.T) int64 {
	t.Helper()
	r, err := f.s.GeoRevision(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (f *fixture) boundaries(t *testing.T) int {
	t.Helper()
	bs, err := f.s.Boundaries(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	return len(bs)
}

func TestImportLocate(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		f := setup(t, e)
		ctx := redgrid.WithActor(context.Background(), redgrid.Actor{Username: "tester"})
		// A dry run reports and writes nothing.
		rep, err := f.a.Import(ctx, atlas.Import{Features: f.community1(t), DryRun: true})
		if err != nil || !rep.Valid || rep.Written {
			t.Fatalf("dry run: %v %+v", err, rep)
		}
		if len(rep.Plan) != 3 || rep.Plan[1].Action != "update" || rep.Plan[1].Code != f.tr.Grid1.Code {
			t.Fatalf("plan %+v", rep.Plan)
		}
		if f.revision(t) != 0 || f.boundaries(t) != 0 {
			t.Fatal("a dry run wrote")
		}
		rep, err = f.a.Import(ctx, atlas.Import{Features: f.community1(t), Source: "test.geojson"})
		if err != nil || !rep.Written || rep.Revision != 1 {
			t.Fatalf("import: %v %+v", err, rep)
		}
		if len(rep.Checked) == 0 || rep.Checked[0].Parent.ID != f.tr.Community1.ID || rep.Checked[0].Children != 2 {
			t.Fatalf("checked %+v", rep.Checked)
		}
		// Locate answers from the rebuilt index, on both sides and on the shared edge.
		g, ok := f.a.Locate(lat.Inside(0, 0, 0.1, 0.1))
		if !ok || g.ID != f.tr.Grid1.ID {
			t.Fatalf("locate in grid 1: %+v %v", g, ok)
		}
		g, ok = f.a.Locate(lat.Inside(1, 0, -0.1, 0))
		if !ok || g.ID != f.tr.Grid2.ID {
			t.Fatalf("locate in grid 2: %+v %v", g, ok)
		}
		// A vertex inside the side Grid1 and Grid2 share belongs to exactly one of them.
		var shared []geo.Point
		for _, p := range lat.Cell(0, 0).Outer {
			if slices.Contains(lat.Cell(1, 0).Outer, p) && !slices.Contains(shared, p) {
				shared = append(shared, p)
			}
		}
		slices.SortFunc(shared, func(a, b geo.Point) int { return int((a.Lat - b.Lat) * 1e9) })
		mid := shared[len(shared)/2]
		g1, ok1 := f.a.Locate(mid)
		in1, in2 := cell(0, 0).Contains(mid), cell(1, 0).Contains(mid)
		if !ok1 || in1 == in2 || (in1 && g1.ID != f.tr.Grid1.ID) || (in2 && g1.ID != f.tr.Grid2.ID) {
			t.Fatalf("shared vertex: %+v %v (in grid 1: %v, in grid 2: %v)", g1, ok1, in1, in2)
		}
		if _, ok := f.a.Locate(lat.Inside(5, 5, 0, 0)); ok {
			t.Fatal("a point far away was located")
		}
		// Nearest offers the grid just beside a point outside.
		near := lat.Inside(2, 0, 0, 0) // inside Community2's cell, which has no grid boundary yet
		if g, d, ok := f.a.Nearest(near); !ok || g.ID != f.tr.Grid2.ID || d <= 0 || d > 500 {
			t.Fatalf("nearest: %+v %.1f %v", g, d, ok)
		}
		// The history of the grid records its boundary.
		h, err := f.s.History(context.Background(), "node", f.tr.Grid1.ID)
		if err != nil || !slices.ContainsFunc(h, func(e redgrid.HistoryEntry) bool { return e.Change == "boundary" }) {
			t.Fatalf("history %+v %v", h, err)
		}
		// A second server's atlas sees the import on refresh.
		other := atlas.New(f.s, atlas.Options{}, slog.New(slog.DiscardHandler))
		if _, ok := other.Locate(lat.Inside(0, 0, 0, 0)); ok {
			t.Fatal("index before refresh")
		}
		if err := other.Refresh(context.Background()); err != nil {
			t.Fatal(err)
		}
		if g, ok := other.Locate(lat.Inside(0, 0, 0, 0)); !ok || g.ID != f.tr.Grid1.ID {
			t.Fatalf("other server: %+v %v", g, ok)
		}
	})
}

func TestImportRefusesGapsAndOverlaps(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		f := setup(t, e)
		ctx := context.Background()
		// Grid2 missing: a gap of one cell in Community1.
		feats := f.community1(t)[:2]
		rep, err := f.a.Import(ctx, atlas.Import{Features: feats})
		if redgrid.ErrorKind(err) != redgrid.KindUnprocessable || rep.Valid || rep.Written {
			t.Fatalf("gap import: %v %+v", err, rep)
		}
		if len(rep.Problems) != 1 || rep.Problems[0].Kind != geo.Gap || !slices.Contains(rep.Problems[0].Codes, f.tr.Grid1.Code) {
			t.Fatalf("problems %+v", rep.Problems)
		}
		want := cell(1, 0).Area()
		if a := rep.Problems[0].AreaM2; a < want*0.999 || a > want*1.001 {
			t.Fatalf("gap area %.1f, want %.1f", a, want)
		}
		at := geo.Point{Lng: rep.Problems[0].At[0], Lat: rep.Problems[0].At[1]}
		if !cell(1, 0).Contains(at) {
			t.Fatalf("the gap's point %v is not in the missing cell", at)
		}
		if f.revision(t) != 0 || f.boundaries(t) != 0 {
			t.Fatal("a refused import wrote")
		}
		// Grid2 drawn over both cells: an overlap with Grid1.
		feats = f.community1(t)
		feats[2].Shape = outline(t, [2]int{0, 0}, [2]int{1, 0})
		rep, _ = f.a.Import(ctx, atlas.Import{Features: feats, DryRun: true})
		if len(rep.Problems) != 1 || rep.Problems[0].Kind != geo.Overlap || !slices.Equal(rep.Problems[0].Codes, []string{f.tr.Grid1.Code, f.tr.Grid2.Code}) {
			t.Fatalf("overlap problems %+v", rep.Problems)
		}
		// With a 2-cell tolerance both pass.
		wide := atlas.New(f.s, atlas.Options{Tolerance: 2 * want}, slog.New(slog.DiscardHandler))
		if rep, err := wide.Import(ctx, atlas.Import{Features: feats, DryRun: true}); err != nil || !rep.Valid {
			t.Fatalf("tolerance: %v %+v", err, rep.Problems)
		}
	})
}

func TestImportFeatureErrors(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		f := setup(t, e)
		ctx := context.Background()
		feats := []atlas.Feature{
			{Index: 0, Code: f.tr.Grid1.Code, Shape: cell(0, 0)},
			{Index: 1, Code: f.tr.Grid1.Code, Shape: cell(1, 0)},                                                            // duplicate code
			{Index: 2, Name: "新网格", ParentCode: "420302999999", Shape: cell(2, 0)},                                          // unknown parent
			{Index: 3, Code: f.tr.Building1.Code, Shape: cell(3, 0)},                                                        // a building
			{Index: 4, Name: "新网格", ParentCode: f.tr.Street1.Code, Shape: cell(4, 0)},                                       // a grid under a street
			{Index: 5, Code: f.tr.Grid3.Code, ParentCode: f.tr.Community1.Code, Shape: cell(5, 0)},                          // wrong parent
			{Index: 6, Name: "新网格", Code: f.tr.Community1.Code + "77", ParentCode: f.tr.Community2.Code, Shape: cell(6, 0)}, // code of another community
			{Index: 7, Shape: cell(7, 0)},                                                                                   // nothing to identify it
		}
		rep, err := f.a.Import(ctx, atlas.Import{Features: feats})
		if redgrid.ErrorKind(err) != redgrid.KindUnprocessable || rep.Written {
			t.Fatalf("%v %+v", err, rep)
		}
		got := map[int]string{}
		for _, fe := range rep.Errors {
			got[fe.Index] = fe.Field + "/" + fe.Rule
		}
		want := map[int]string{
			1: "properties.code/unique",
			2: "properties.parent_code/exists",
			3: "properties.code/kind",
			4: "properties.parent_code/parent_kind",
			5: "properties.parent_code/parent_mismatch",
			6: "properties.code/code_scheme",
			7: "properties.code/required",
		}
		for i, w := range want {
			if got[i] != w {
				t.Errorf("feature %d: got %q, want %q", i, got[i], w)
			}
		}
		if _, bad := got[0]; bad {
			t.Errorf("feature 0 is fine: %s", got[0])
		}
		if f.revision(t) != 0 || f.boundaries(t) != 0 {
			t.Fatal("an import with errors wrote")
		}
	})
}

func TestImportNewGridsCodedInReadingOrder(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		f := setup(t, e)
		ctx := context.Background()
		c3 := f.tr.Community3.Code
		// Community3's 2×2 block; features given in a scrambled order.
		feats := []atlas.Feature{
			{Index: 0, Code: c3, Shape: outline(t, [2]int{0, 1}, [2]int{1, 1}, [2]int{0, 2}, [2]int{1, 2})},
			{Index: 1, Name: "东南网格", ParentCode: c3, Shape: cell(1, 1)},
			{Index: 2, Name: "西北网格", ParentCode: c3, Shape: cell(0, 2)},
			{Index: 3, Name: "西南网格", ParentCode: c3, Shape: cell(0, 1)},
			{Index: 4, Name: "东北网格", ParentCode: c3, Shape: cell(1, 2)},
		}
		rep, err := f.a.Import(ctx, atlas.Import{Features: feats})
		if err != nil {
			t.Fatalf("%v %+v %+v", err, rep.Errors, rep.Problems)
		}
		codes := map[string]string{}
		for _, p := range rep.Plan[1:] {
			if p.Action != "create" || p.NodeID == 0 {
				t.Fatalf("plan %+v", p)
			}
			codes[p.Name] = strings.TrimPrefix(p.Code, c3)
		}
		want := map[string]string{"西北网格": "01", "东北网格": "02", "西南网格": "03", "东南网格": "04"}
		for name, seq := range want {
			if codes[name] != seq {
				t.Errorf("%s coded %s, want %s (all: %v)", name, codes[name], seq, codes)
			}
		}
		// Re-import without codes: the same names keep their codes and nodes.
		feats[1].Shape, feats[3].Shape = cell(1, 1), cell(0, 1)
		rep2, err := f.a.Import(ctx, atlas.Import{Features: feats})
		if err != nil {
			t.Fatalf("re-import: %v %+v", err, rep2.Errors)
		}
		for i, p := range rep2.Plan[1:] {
			if p.Action != "update" || p.NodeID != rep.Plan[i+1].NodeID || p.Code != rep.Plan[i+1].Code {
				t.Fatalf("re-import changed %+v into %+v", rep.Plan[i+1], p)
			}
		}
		kids, _ := f.s.Children(ctx, f.tr.Community3.ID)
		if len(kids) != 4 {
			t.Fatalf("community 3 has %d children after two imports", len(kids))
		}
	})
}

func TestImportScope(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		f := setup(t, e)
		only := f.tr.Community2.Path
		_, err := f.a.Import(context.Background(), atlas.Import{Features: f.community1(t), Allow: func(p string) bool { return strings.HasPrefix(p, only) }})
		if redgrid.ErrorKind(err) != redgrid.KindForbidden {
			t.Fatalf("out of scope: %v", err)
		}
		if f.boundaries(t) != 0 {
			t.Fatal("a forbidden import wrote")
		}
	})
}

func TestFigures(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		f := setup(t, e)
		ctx := context.Background()
		if _, err := f.a.Import(ctx, atlas.Import{Features: f.community1(t)}); err != nil {
			t.Fatal(err)
		}
		// Building1 (in Grid1) with 350 households, next to a station; a second building in
		// Grid2, 200 households, 3 km away from it.
		p := lat.Inside(0, 0, 0, 0)
		hh := 350
		if err := f.s.SetNodePlace(ctx, f.tr.Building1.ID, &p.Lng, &p.Lat, &hh); err != nil {
			t.Fatal(err)
		}
		b2, _, err := f.s.CreateNode(ctx, redgrid.NewNode{Kind: redgrid.KindBuilding, Name: "2号楼", ParentID: &f.tr.Grid2.ID})
		if err != nil {
			t.Fatal(err)
		}
		far := geo.Point{Lng: p.Lng + 0.033, Lat: p.Lat} // about 3.1 km east
		hh2 := 200
		if err := f.s.SetNodePlace(ctx, b2.ID, &far.Lng, &far.Lat, &hh2); err != nil {
			t.Fatal(err)
		}
		st, _, err := f.s.CreateOrg(ctx, redgrid.NewOrg{Kind: redgrid.OrgServiceStation, Name: "五堰社区党群服务中心", HomeNodeID: f.tr.Community1.ID, NodeIDs: []int64{f.tr.Community1.ID}})
		if err != nil {
			t.Fatal(err)
		}
		sp := lat.Inside(0, 0, 0.2, 0)
		if err := f.s.SetOrgPlace(ctx, st.ID, sp.Lng, sp.Lat); err != nil {
			t.Fatal(err)
		}
		fig, err := f.a.Figures(ctx, f.tr.Community1)
		if err != nil {
			t.Fatal(err)
		}
		byKey := map[string]atlas.Figure{}
		for _, x := range fig.Figures {
			byKey[x.Key] = x
		}
		check := func(key string, num, den float64) {
			t.Helper()
			x := byKey[key]
			if x.Numerator != num || x.Denominator != den || x.Formula == "" {
				t.Errorf("%s: %v/%v, want %v/%v (%+v)", key, x.Numerator, x.Denominator, num, den, x)
			}
		}
		check("party_branch", 1, 2) // only Grid1 has a branch
		check("boundary", 2, 2)     // both grids drawn
		check("service_circle", 350, 550)
		check("households_in_range", 1, 2) // Grid1: 350 in 300–500; Grid2: 200
		if fig.Households != 550 || len(fig.Grids) != 2 || fig.Grids[0].Households != 350 || !fig.Grids[0].PartyBranch {
			t.Fatalf("%+v", fig)
		}
	})
}

func TestReadingOrder(t *testing.T) {
	// Rows from north to south, west to east in each row; degenerate shapes (NaN centroids) still
	// get a place instead of stalling the numbering.
	var shapes []geo.MultiPolygon
	for _, c := range [][2]int{{1, 0}, {0, 1}, {1, 1}, {0, 0}} {
		shapes = append(shapes, cell(c[0], c[1]))
	}
	if got := atlas.ReadingOrder(shapes); !slices.Equal(got, []int{1, 2, 3, 0}) {
		t.Fatalf("order %v", got)
	}
	shapes = append(shapes, geo.MultiPolygon{{Outer: geo.Ring{}}}, nil)
	if got := atlas.ReadingOrder(shapes); len(got) != 6 {
		t.Fatalf("order with degenerate shapes %v", got)
	}
}
