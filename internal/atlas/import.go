package atlas

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/geo"
	"github.com/redgrid/redgrid/internal/sqlstore"
)

// Feature is one boundary to import, already read and validated as a shape (geo/geoio).
type Feature struct {
	Index      int
	Name       string
	Code       string
	ParentCode string
	Shape      geo.MultiPolygon
}

// Import is a request to import boundaries.
type Import struct {
	Features []Feature
	DryRun   bool
	Source   string // file name, for the history
	// Allow reports whether the caller may change the node at a path; nil allows everything (the
	// command line).
	Allow func(path string) bool
}

// FeatureProblem is a feature that cannot be imported, and why.
type FeatureProblem struct {
	Index   int    `json:"index"`
	Code    string `json:"code,omitempty"`
	Name    string `json:"name,omitempty"`
	Field   string `json:"field"`
	Rule    string `json:"rule"`
	Message string `json:"message"`
}

// Planned is what the import does with one feature.
type Planned struct {
	Index      int    `json:"index"`
	Action     string `json:"action"` // "create" (a new grid) or "update" (the outline of a node)
	NodeID     int64  `json:"node_id,omitempty"`
	Kind       string `json:"kind"`
	Code       string `json:"code"`
	Name       string `json:"name"`
	ParentCode string `json:"parent_code"`
	AreaM2     int64  `json:"area_m2"`
}

// CoverageProblem is an overlap, a gap or a part outside the parent, found among the children of
// one node.
type CoverageProblem struct {
	Kind   geo.ProblemKind `json:"kind"`
	Parent redgrid.NodeRef `json:"parent"`
	Codes  []string        `json:"codes"`
	AreaM2 float64         `json:"area_m2"`
	At     [2]float64      `json:"at"`   // lng, lat of a point inside the region
	BBox   [4]float64      `json:"bbox"` // min lng, min lat, max lng, max lat
}

// Checked says which node's children were checked against it.
type Checked struct {
	Parent         redgrid.NodeRef `json:"parent"`
	Children       int             `json:"children"`
	ParentAreaM2   float64         `json:"parent_area_m2"`
	ChildrenAreaM2 float64         `json:"children_area_m2"`
	Note           string          `json:"note,omitempty"`
}

// Report is the answer to an import, dry or not.
type Report struct {
	DryRun    bool              `json:"dry_run"`
	Valid     bool              `json:"valid"`
	Written   bool              `json:"written"`
	Replayed  bool              `json:"replayed,omitempty"`
	Revision  int64             `json:"revision,omitempty"`
	Features  int               `json:"features"`
	Tolerance float64           `json:"tolerance_m2"`
	Plan      []Planned         `json:"plan"`
	Errors    []FeatureProblem  `json:"errors"`
	Problems  []CoverageProblem `json:"problems"`
	Checked   []Checked         `json:"checked"`
}

// childKind is the level whose outlines tile a node's outline.
func childKind(k redgrid.NodeKind) redgrid.NodeKind {
	switch k {
	case redgrid.KindDistrict:
		return redgrid.KindStreet
	case redgrid.KindStreet:
		return redgrid.KindCommunity
	case redgrid.KindCommunity:
		return redgrid.KindGrid
	}
	return ""
}

// target is a feature resolved against the store.
type target struct {
	f      Feature
	node   redgrid.Node // existing node (ID != 0) or the new grid's fields
	parent redgrid.Node
	create bool
}

// Import checks the features and, unless dry or invalid, writes them all in one transaction. The
// report lists every feature error and every coverage problem; Valid is true when there are none.
// A real import of an invalid set writes nothing and returns the report with a KindUnprocessable
// error. A feature outside the caller's scope is KindForbidden.
func (a *Atlas) Import(ctx context.Context, in Import) (Report, error) {
	rep := Report{DryRun: in.DryRun, Features: len(in.Features), Tolerance: a.opt.Tolerance,
		Plan: []Planned{}, Errors: []FeatureProblem{}, Problems: []CoverageProblem{}, Checked: []Checked{}}
	targets, err := a.resolve(ctx, in, &rep)
	if err != nil {
		return rep, err
	}
	if len(rep.Errors) == 0 {
		if err := a.assignCodes(ctx, targets); err != nil {
			return rep, err
		}
		for _, t := range targets {
			pl := Planned{Index: t.f.Index, Action: "update", NodeID: t.node.ID, Kind: string(t.node.Kind), Code: t.node.Code,
				Name: t.node.Name, ParentCode: t.parent.Code, AreaM2: int64(math.Round(t.f.Shape.Area()))}
			if t.create {
				pl.Action = "create"
			}
			rep.Plan = append(rep.Plan, pl)
		}
		if err := a.checkCoverage(ctx, targets, &rep); err != nil {
			return rep, err
		}
	}
	rep.Valid = len(rep.Errors) == 0 && len(rep.Problems) == 0
	if in.DryRun {
		return rep, nil
	}
	if !rep.Valid {
		return rep, redgrid.Errorf(redgrid.KindUnprocessable, "the import has %d feature errors and %d coverage problems: nothing was written", len(rep.Errors), len(rep.Problems))
	}
	if len(targets) == 0 {
		return rep, redgrid.Invalid("features", "required", "the file holds no features")
	}
	writes := make([]sqlstore.BoundaryWrite, len(targets))
	for i, t := range targets {
		writes[i] = sqlstore.BoundaryWrite{NodeID: t.node.ID, Shape: t.f.Shape}
		if t.create {
			writes[i].New = &redgrid.NewNode{Kind: t.node.Kind, Code: t.node.Code, Name: t.node.Name, ParentID: t.node.ParentID}
		}
	}
	created := 0
	for _, t := range targets {
		if t.create {
			created++
		}
	}
	ids, rev, replayed, err := a.store.SaveBoundaries(ctx, in.Source, writes, map[string]any{"features": len(targets), "created": created, "updated": len(targets) - created})
	if err != nil {
		return rep, err
	}
	for i := range rep.Plan {
		if i < len(ids) {
			rep.Plan[i].NodeID = ids[i]
		}
	}
	rep.Written, rep.Revision, rep.Replayed = true, rev, replayed
	return rep, a.Refresh(ctx)
}

func (a *Atlas) resolve(ctx context.Context, in Import, rep *Report) ([]target, error) {
	var targets []target
	seenCode := map[string]int{}
	seenNode := map[int64]int{}
	type parentKey struct {
		parent int64
		name   string
	}
	seenNew := map[parentKey]int{}
	fail := func(f Feature, field, rule, msg string) {
		rep.Errors = append(rep.Errors, FeatureProblem{Index: f.Index, Code: f.Code, Name: f.Name, Field: field, Rule: rule, Message: msg})
	}
	nodeByCode := func(code string) (redgrid.Node, bool, error) {
		n, err := a.store.NodeByCode(ctx, code)
		if redgrid.ErrorKind(err) == redgrid.KindNotFound {
			return n, false, nil
		}
		return n, err == nil, err
	}
	scheme := a.store.Scheme()
	for _, f := range in.Features {
		f.Code, f.ParentCode, f.Name = strings.TrimSpace(f.Code), strings.TrimSpace(f.ParentCode), strings.TrimSpace(f.Name)
		if f.Code != "" {
			if prev, dup := seenCode[f.Code]; dup {
				fail(f, "properties.code", "unique", fmt.Sprintf("code %s is also used by feature %d", f.Code, prev))
				continue
			}
			seenCode[f.Code] = f.Index
		}
		var t target
		t.f = f
		var parent redgrid.Node
		hasParent := false
		if f.ParentCode != "" {
			p, ok, err := nodeByCode(f.ParentCode)
			if err != nil {
				return nil, err
			}
			if !ok {
				fail(f, "properties.parent_code", "exists", "no node has code "+f.ParentCode)
				continue
			}
			parent, hasParent = p, true
		}
		if f.Code != "" {
			n, ok, err := nodeByCode(f.Code)
			if err != nil {
				return nil, err
			}
			if ok {
				if n.Kind == redgrid.KindBuilding {
					fail(f, "properties.code", "kind", "a building has no boundary; import grids, communities, streets or districts")
					continue
				}
				if hasParent && (n.ParentID == nil || *n.ParentID != parent.ID) {
					fail(f, "properties.parent_code", "parent_mismatch", fmt.Sprintf("%s %s belongs to another parent; move it in the tree first", n.Kind.Label(), n.Code))
					continue
				}
				if n.ParentID != nil && !hasParent {
					p, err := a.store.Node(ctx, *n.ParentID)
					if err != nil {
						return nil, err
					}
					parent = p
				}
				t.node, t.parent = n, parent
			} else {
				if !hasParent {
					fail(f, "properties.parent_code", "required", "code "+f.Code+" is new: a new grid needs the code of its community in parent_code")
					continue
				}
				if !t.newChild(parent, f, scheme, fail) {
					continue
				}
			}
		} else {
			if !hasParent {
				fail(f, "properties.code", "required", "a feature needs its code, or the code of its community (parent_code) and a name for a new grid")
				continue
			}
			// Re-import without codes: a grid of the same name under the same community keeps its code.
			children, err := a.store.Children(ctx, parent.ID)
			if err != nil {
				return nil, err
			}
			found := false
			for _, c := range children {
				if c.Name == f.Name && c.Kind == childKind(parent.Kind) {
					t.node, t.parent, found = c, parent, true
					break
				}
			}
			if !found {
				if !t.newChild(parent, f, scheme, fail) {
					continue
				}
				k := parentKey{parent.ID, f.Name}
				if prev, dup := seenNew[k]; dup {
					fail(f, "properties.name", "unique", fmt.Sprintf("feature %d has the same name under the same community", prev))
					continue
				}
				seenNew[k] = f.Index
			}
		}
		if !t.create {
			if prev, dup := seenNode[t.node.ID]; dup {
				fail(f, "properties.code", "unique", fmt.Sprintf("feature %d is for the same %s (%s)", prev, t.node.Kind.Label(), t.node.Code))
				continue
			}
			seenNode[t.node.ID] = f.Index
		}
		path := t.node.Path
		if t.create {
			path = t.parent.Path
		}
		if in.Allow != nil && !in.Allow(path) {
			return nil, redgrid.Errorf(redgrid.KindForbidden, "feature %d (%s) is outside your scope", f.Index, firstNonEmpty(f.Code, f.Name))
		}
		targets = append(targets, t)
	}
	return targets, nil
}

// newChild fills t for a new grid under parent; it reports false after recording an error.
func (t *target) newChild(parent redgrid.Node, f Feature, scheme redgrid.CodeScheme, fail func(Feature, string, string, string)) bool {
	kind := childKind(parent.Kind)
	if kind != redgrid.KindGrid {
		fail(f, "properties.parent_code", "parent_kind", fmt.Sprintf("new nodes made by an import are grids under a community; %s is a %s (create streets and communities in the tree first)", parent.Code, parent.Kind.Label()))
		return false
	}
	if f.Name == "" {
		fail(f, "properties.name", "required", "a new grid needs a name")
		return false
	}
	var v redgrid.Validator
	redgrid.CheckName(&v, "properties.name", f.Name)
	if err := v.Err(); err != nil {
		var re *redgrid.Error
		if errors.As(err, &re) && len(re.Fields) > 0 {
			fail(f, "properties.name", re.Fields[0].Rule, re.Fields[0].Message)
		}
		return false
	}
	if f.Code != "" {
		if err := scheme.CheckChild(kind, parent.Code, f.Code); err != nil {
			fail(f, "properties.code", "code_scheme", err.Error())
			return false
		}
	}
	pid := parent.ID
	t.node = redgrid.Node{Kind: kind, Code: f.Code, Name: f.Name, ParentID: &pid}
	t.parent, t.create = parent, true
	return true
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// assignCodes gives new grids without a code the next free sequence numbers of their community,
// numbered west to east in rows from north to south.
func (a *Atlas) assignCodes(ctx context.Context, targets []target) error {
	byParent := map[int64][]int{}
	var parents []int64
	for i, t := range targets {
		if t.create && t.node.Code == "" {
			if _, ok := byParent[t.parent.ID]; !ok {
				parents = append(parents, t.parent.ID)
			}
			byParent[t.parent.ID] = append(byParent[t.parent.ID], i)
		}
	}
	scheme := a.store.Scheme()
	for _, pid := range parents {
		idx := byParent[pid]
		parent := targets[idx[0]].parent
		used := map[string]bool{}
		children, err := a.store.Children(ctx, pid)
		if err != nil {
			return err
		}
		for _, c := range children {
			used[c.Code] = true
		}
		for _, t := range targets {
			if t.node.Code != "" {
				used[t.node.Code] = true
			}
		}
		shapes := make([]geo.MultiPolygon, len(idx))
		for k, i := range idx {
			shapes[k] = targets[i].f.Shape
		}
		order := ReadingOrder(shapes)
		seq := 1
		for _, k := range order {
			for {
				code, err := scheme.ChildCode(redgrid.KindGrid, parent.Code, seq)
				if err != nil {
					return redgrid.Invalid(fmt.Sprintf("features[%d].properties.code", targets[idx[k]].f.Index), "code_space", err.Error())
				}
				seq++
				if !used[code] {
					targets[idx[k]].node.Code = code
					used[code] = true
					break
				}
			}
		}
	}
	return nil
}

// ReadingOrder returns the indices of shapes in the order grid codes are numbered: rows from north
// to south, west to east within a row. Shapes whose centroids lie within half a typical shape's
// height of a row's first (northernmost) centroid join that row.
func ReadingOrder(shapes []geo.MultiPolygon) []int {
	type c struct {
		i    int
		p    geo.Point
		h    float64
		done bool
	}
	cs := make([]c, len(shapes))
	var hs []float64
	for i, s := range shapes {
		b := s.BBox()
		cs[i] = c{i: i, p: s.Centroid(), h: b.MaxLat - b.MinLat}
		hs = append(hs, cs[i].h)
	}
	if len(cs) == 0 {
		return nil
	}
	slices.Sort(hs)
	half := hs[len(hs)/2] / 2
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].p.Lat > cs[j].p.Lat })
	var out []int
	for start := 0; start < len(cs); {
		top := cs[start].p.Lat
		end := start + 1 // a row holds at least its first shape, even for NaN centroids
		for end < len(cs) && top-cs[end].p.Lat <= half {
			end++
		}
		row := cs[start:end]
		sort.SliceStable(row, func(i, j int) bool { return row[i].p.Lng < row[j].p.Lng })
		for _, r := range row {
			out = append(out, r.i)
		}
		start = end
	}
	return out
}

// checkCoverage checks, for every node whose children's outlines the import changes (the parent
// of each imported node) and every imported node that has children, that the children tile it.
func (a *Atlas) checkCoverage(ctx context.Context, targets []target, rep *Report) error {
	type newShape struct {
		code  string
		shape geo.MultiPolygon
		isNew bool
	}
	// Outlines after the import, by node id, and new grids by parent.
	after := map[int64]newShape{}
	newByParent := map[int64][]newShape{}
	var order []redgrid.Node
	seen := map[int64]bool{}
	addParent := func(n redgrid.Node) {
		if n.ID != 0 && !seen[n.ID] && childKind(n.Kind) != "" {
			seen[n.ID] = true
			order = append(order, n)
		}
	}
	for _, t := range targets {
		if t.create {
			newByParent[t.parent.ID] = append(newByParent[t.parent.ID], newShape{t.node.Code, t.f.Shape, true})
		} else {
			after[t.node.ID] = newShape{t.node.Code, t.f.Shape, false}
			addParent(t.node)
		}
		addParent(t.parent)
	}
	for _, p := range order {
		var parentShape geo.MultiPolygon
		if s, ok := after[p.ID]; ok {
			parentShape = s.shape
		} else {
			bs, err := a.store.Boundaries(ctx, p.Path, p.Kind)
			if err != nil {
				return err
			}
			for _, b := range bs {
				if b.NodeID == p.ID {
					parentShape = b.Shape
				}
			}
		}
		stored, err := a.store.Boundaries(ctx, p.Path, childKind(p.Kind))
		if err != nil {
			return err
		}
		var items []geo.Item
		var codes []string
		for _, b := range stored {
			if b.ParentID == nil || *b.ParentID != p.ID {
				continue
			}
			shape := b.Shape
			if s, ok := after[b.NodeID]; ok {
				shape = s.shape
			}
			items = append(items, geo.Item{ID: int64(len(items)), Shape: shape})
			codes = append(codes, b.Code)
		}
		// Imported outlines of children that had none before.
		for _, t := range targets {
			if !t.create && t.parent.ID == p.ID && !slices.Contains(codes, t.node.Code) {
				items = append(items, geo.Item{ID: int64(len(items)), Shape: t.f.Shape})
				codes = append(codes, t.node.Code)
			}
		}
		for _, s := range newByParent[p.ID] {
			items = append(items, geo.Item{ID: int64(len(items)), Shape: s.shape})
			codes = append(codes, s.code)
		}
		ref := redgrid.NodeRef{ID: p.ID, Kind: p.Kind, Name: p.Name, Code: p.Code}
		chk := Checked{Parent: ref, Children: len(items)}
		if len(items) == 0 {
			chk.Note = "no " + childKind(p.Kind).Label() + " of it has a boundary yet"
			rep.Checked = append(rep.Checked, chk)
			continue
		}
		if len(parentShape) == 0 {
			chk.Note = "it has no boundary: overlaps were checked, gaps were not"
		}
		cov := geo.CheckCoverage(parentShape, items, geo.CoverageOptions{Tolerance: a.opt.Tolerance})
		chk.ParentAreaM2, chk.ChildrenAreaM2 = math.Round(cov.ParentArea), math.Round(cov.ItemsArea)
		rep.Checked = append(rep.Checked, chk)
		for _, pr := range cov.Problems {
			cp := CoverageProblem{Kind: pr.Kind, Parent: ref, Codes: []string{}, AreaM2: math.Round(pr.Area*10) / 10,
				At: [2]float64{round7(pr.At.Lng), round7(pr.At.Lat)}, BBox: [4]float64{pr.BBox.MinLng, pr.BBox.MinLat, pr.BBox.MaxLng, pr.BBox.MaxLat}}
			for _, id := range pr.Items {
				cp.Codes = append(cp.Codes, codes[id])
			}
			if pr.Kind == geo.Gap && len(cp.Codes) == 0 {
				cp.Codes = []string{}
			}
			rep.Problems = append(rep.Problems, cp)
		}
	}
	return nil
}

func round7(v float64) float64 {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'f', 7, 64), 64)
	return r
}
