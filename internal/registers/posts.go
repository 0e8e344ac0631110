package registers

import (
	"context"
	"strconv"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/sheet"
	"github.com/redgrid/redgrid/internal/sqlstore"
)

// Posts is the register of members' posts and duties (设岗定责, 001): one row per current post —
// the member named by name and branch (as the member register places them), the kind, the node
// served (a community, grid, micro-grid or building, by its code), the duties and the dates. A
// row matching a current post of the member (same kind, name and node) updates its duties and
// dates; any other adds the post, checked by the store as the API's are (a node outside the
// communities the member serves is refused: member_community).
var Posts = register(&Register{
	Name:   "posts",
	Label:  "设岗定责",
	Schema: postSchema,
	Import: importPosts,
	Export: exportPosts,
})

func postKindLabels() []string {
	out := make([]string, len(redgrid.PostKinds))
	for i, k := range redgrid.PostKinds {
		out[i] = k.Label()
	}
	return out
}

// memberColumns are the columns that name a member: name and branch.
var memberColumns = []sheet.Column{
	{Key: "member", Header: "党员姓名", Kind: sheet.Text, Required: true, Max: redgrid.MaxStaffName, Example: "李四"},
	{Key: "branch", Header: "所在党支部", Kind: sheet.Text, Required: true, Max: redgrid.MaxNameRunes, Example: "五堰第一网格党支部", Width: 24,
		Note: "党员所在党支部全称（与党员登记一致）"},
}

var postSchema = &sheet.Schema{Register: "posts", Sheet: "设岗定责", Columns: append(append([]sheet.Column(nil), memberColumns...), []sheet.Column{
	{Key: "kind", Header: "岗位类别", Kind: sheet.Enum, Required: true, Values: postKindLabels(), Example: "平安巡逻岗", Width: 16},
	{Key: "post_name", Header: "岗位名称", Kind: sheet.Text, Max: redgrid.MaxPostName, Example: "", Width: 16, Note: "岗位类别为“其他”时填写，其他类别不填"},
	{Key: "node_code", Header: "服务地编码", Kind: sheet.Text, Required: true, Max: 40, Example: "42030200100101", Width: 20,
		Note: "岗位服务的社区、网格、微网格或楼栋的编码，须在党员居住或所在支部的社区"},
	{Key: "duties", Header: "岗位职责", Kind: sheet.Text, Required: true, Max: redgrid.MaxDuties, Example: "每周两次夜间巡逻", Width: 40},
	{Key: "starts_on", Header: "开始日期", Kind: sheet.Date, Example: "2024-03-01", Note: "不填为今天"},
	{Key: "ends_on", Header: "计划结束日期", Kind: sheet.Date, Example: "", Note: "可不填"},
}...)}

// memberFinder finds members by name and branch name as the member register places them: the
// branch by its name in the district, preferring one in the community the row is about.
type memberFinder struct {
	s        *sqlstore.Store
	branches map[string][]redgrid.PartyOrg // by district path
}

func newMemberFinder(s *sqlstore.Store) *memberFinder {
	return &memberFinder{s: s, branches: map[string][]redgrid.PartyOrg{}}
}

// branch finds the branch named name in the district of path, preferring one in path's
// community: nil and a rule ("exists", "ambiguous") when there is no single one.
func (f *memberFinder) branch(ctx context.Context, name, path string) (*redgrid.PartyOrg, string, error) {
	district := "/" + redgrid.PathIDs(path)[0] + "/"
	list, ok := f.branches[district]
	if !ok {
		var err error
		if list, err = f.s.Branches(ctx, district); err != nil {
			return nil, "", err
		}
		f.branches[district] = list
	}
	b, rule := named(list, name, communityPath(path), func(b redgrid.PartyOrg) (string, string) { return b.Name, b.NodePath })
	return b, rule, nil
}

// member finds the member the row names (columns member and branch) for a row about the node at
// path; a problem is reported and 0 returned when there is no single one.
func (f *memberFinder) member(ctx context.Context, res *sheet.Result, schema *sheet.Schema, row sheet.Row, path string) (int64, error) {
	name, bname := schema.Get(row, "member"), schema.Get(row, "branch")
	b, rule, err := f.branch(ctx, bname, path)
	if err != nil || b == nil {
		if rule == "exists" {
			res.Problem(schema, row.Line, "branch", rule, "本区没有名为“"+bname+"”的党支部")
		} else if rule == "ambiguous" {
			res.Problem(schema, row.Line, "branch", rule, "本区有多个名为“"+bname+"”的党支部，且都不在该社区")
		}
		return 0, err
	}
	ids, err := f.s.MembersNamed(ctx, b.ID, name)
	switch {
	case err != nil:
		return 0, err
	case len(ids) == 0:
		res.Problem(schema, row.Line, "member", "exists", "“"+bname+"”没有名为“"+name+"”的党员（请先登记党员）")
		return 0, nil
	case len(ids) > 1:
		res.Problem(schema, row.Line, "member", "ambiguous", "“"+bname+"”有多名党员叫“"+name+"”，请在系统中逐一设置")
		return 0, nil
	}
	return ids[0], nil
}

// memberServes reports whether member serves in the community of path (the store's rule; field
// is the store's name of the column): a problem is reported when not.
func memberServes(ctx context.Context, s *sqlstore.Store, res *sheet.Result, schema *sheet.Schema, row sheet.Row, member int64, path, field string) (bool, error) {
	err := s.MemberServesAt(ctx, member, path, field)
	if k := redgrid.ErrorKind(err); k == redgrid.KindUnprocessable || k == redgrid.KindConflict {
		_, rule, msg := problemOf(err)
		if zh, ok := storeRuleText[rule]; ok {
			msg = zh
		}
		res.Problem(schema, row.Line, schemaField(schema, field), rule, msg)
		return false, nil
	}
	return err == nil, err
}

func importPosts(ctx context.Context, s *sqlstore.Store, res *sheet.Result, opt Options) (sqlstore.ImportStats, error) {
	schema := postSchema
	nodes := &nodeCache{s: s, m: map[string]*redgrid.Node{}}
	members := newMemberFinder(s)
	type postKey struct {
		member, node int64
		kind         redgrid.PostKind
		name         string
	}
	seen := map[postKey]int{}
	today := s.Today()
	var rows []sqlstore.PostImport
	for _, row := range append([]sheet.Row(nil), res.Rows...) {
		get := func(k string) string { return schema.Get(row, k) }
		n, err := codedNode(ctx, nodes, res, schema, row, "node_code", opt, redgrid.PostServesKind, "社区、网格、微网格或楼栋", below)
		if err != nil {
			return sqlstore.ImportStats{}, err
		}
		if n == nil {
			continue
		}
		in := redgrid.NewMemberPost{Name: get("post_name"), NodeID: n.ID, Duties: get("duties"), StartsOn: get("starts_on")}
		for _, k := range redgrid.PostKinds {
			if k.Label() == get("kind") {
				in.Kind = k
			}
		}
		if e := get("ends_on"); e != "" {
			in.EndsOn = &e
		}
		if err := in.Validate(today); err != nil {
			field, rule, msg := problemOf(err)
			res.Problem(schema, row.Line, schemaField(schema, field), rule, msg)
			continue
		}
		member, err := members.member(ctx, res, schema, row, n.Path)
		if err != nil {
			return sqlstore.ImportStats{}, err
		}
		if member == 0 {
			continue
		}
		if ok, err := memberServes(ctx, s, res, schema, row, member, n.Path, "node_id"); !ok {
			if err != nil {
				return sqlstore.ImportStats{}, err
			}
			continue
		}
		key := postKey{member, n.ID, in.Kind, in.Name}
		if first, dup := seen[key]; dup {
			res.Problem(schema, row.Line, "kind", "duplicate", "与第 "+strconv.Itoa(first)+" 行是该党员在同一处的同一岗位")
			continue
		}
		seen[key] = row.Line
		rows = append(rows, sqlstore.PostImport{Line: row.Line, MemberID: member, In: in})
	}
	return write(res, schema, opt, rows, func(r sqlstore.PostImport) int { return r.Line },
		func(rows []sqlstore.PostImport) (sqlstore.ImportStats, error) {
			return s.ImportPosts(ctx, rows)
		})
}

func exportPosts(ctx context.Context, s *sqlstore.Store, path string, _ bool) ([][]string, error) {
	list, err := s.PostsForExport(ctx, path)
	if err != nil {
		return nil, err
	}
	var out [][]string
	for _, x := range list {
		p := x.Post
		name, ends := "", ""
		if p.Kind == redgrid.PostKindOther {
			name = p.Name
		}
		if p.EndsOn != nil {
			ends = *p.EndsOn
		}
		out = append(out, []string{p.MemberName, x.Branch, p.Kind.Label(), name, x.NodeCode, p.Duties, p.StartsOn, ends})
	}
	return out, nil
}
