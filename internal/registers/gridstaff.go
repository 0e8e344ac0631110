package registers

import (
	"context"
	"strconv"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/sheet"
	"github.com/redgrid/redgrid/internal/sqlstore"
)

// GridStaff is the register of grid staffing "1+3+N" (网格力量, 003): one row per person on a
// post of a grid — 网格长, 专职网格员, 兼职网格员 (a party member), 微网格联络员 (of a micro-grid
// named by its code) or 志愿者. A row whose grid (and micro-grid), post and name match a current
// post updates it; any other puts the person on the post (a grid has one leader). Phones are
// sealed as the staff register seals them and masked in exports unless unmasked with a reason.
// Importing needs the right to change the grid (as staffing it through the API does).
var GridStaff = register(&Register{
	Name:     "grid-staff",
	Label:    "网格力量",
	Schema:   gridStaffSchema,
	Import:   importGridStaff,
	Export:   exportGridStaff,
	Write:    redgrid.ActWriteNode,
	Personal: []string{"phone"},
})

func postLabels() []string {
	out := make([]string, len(redgrid.Posts))
	for i, p := range redgrid.Posts {
		out[i] = p.Label()
	}
	return out
}

var gridStaffSchema = &sheet.Schema{Register: "grid-staff", Sheet: "网格力量", Columns: []sheet.Column{
	{Key: "grid_code", Header: "网格编码", Kind: sheet.Text, Required: true, Max: 40, Example: "42030200100101", Width: 20},
	{Key: "microgrid_code", Header: "微网格编码", Kind: sheet.Text, Max: 40, Example: "", Width: 20, Note: "仅微网格联络员填写其微网格的编码"},
	{Key: "post", Header: "岗位", Kind: sheet.Enum, Required: true, Values: postLabels(), Example: "网格长", Width: 14,
		Note: "1+3+N：网格长、专职网格员、兼职网格员（党员）、微网格联络员、网格志愿者"},
	{Key: "name", Header: "姓名", Kind: sheet.Text, Required: true, Max: redgrid.MaxStaffName, Example: "张三"},
	{Key: "phone", Header: "联系电话", Kind: sheet.Text, Max: 20, Example: "13800138000", Width: 16, Check: checkPhoneOrMasked,
		Note: "导出文件中脱敏的号码（如 138****8000）导入时保留系统中的号码"},
	{Key: "party_member", Header: "党员", Kind: sheet.Bool, Example: "是", Note: "兼职网格员须为党员"},
	{Key: "branch_secretary", Header: "一肩挑", Kind: sheet.Bool, Example: "是", Note: "网格长兼任网格党支部书记填“是”"},
	{Key: "since", Header: "到岗日期", Kind: sheet.Date, Example: "2024-01-01", Note: "不填为今天（更新已登记人员时保留原日期）"},
}}

func importGridStaff(ctx context.Context, s *sqlstore.Store, res *sheet.Result, opt Options) (sqlstore.ImportStats, error) {
	schema := gridStaffSchema
	nodes := &nodeCache{s: s, m: map[string]*redgrid.Node{}}
	type staffKey struct {
		grid, micro int64
		post        redgrid.Post
		name        string
	}
	seen, leaders := map[staffKey]int{}, map[int64]int{}
	var rows []sqlstore.GridStaffImport
	for _, row := range append([]sheet.Row(nil), res.Rows...) {
		get := func(k string) string { return schema.Get(row, k) }
		g, err := codedNode(ctx, nodes, res, schema, row, "grid_code", opt, kindIs(redgrid.KindGrid), "网格", same)
		if err != nil {
			return sqlstore.ImportStats{}, err
		}
		if g == nil {
			continue
		}
		in := redgrid.NewGridStaff{GridID: g.ID, Name: get("name"), PartyMember: get("party_member") == "是",
			BranchSecretary: get("branch_secretary") == "是", Since: get("since")}
		for _, p := range redgrid.Posts {
			if p.Label() == get("post") {
				in.Post = p
			}
		}
		if code := get("microgrid_code"); code != "" {
			m, err := nodes.byCode(ctx, code)
			if err != nil {
				return sqlstore.ImportStats{}, err
			}
			if m == nil || m.Kind != redgrid.KindMicrogrid || m.ParentID == nil || *m.ParentID != g.ID {
				res.Problem(schema, row.Line, "microgrid_code", "of_grid", code+" 不是"+g.Name+"的微网格")
				continue
			}
			in.MicrogridID = &m.ID
		}
		phone := get("phone")
		keep := masked(phone)
		if !keep {
			in.Phone = phone
		}
		if err := in.Validate(); err != nil {
			field, rule, msg := problemOf(err)
			res.Problem(schema, row.Line, schemaField(schema, field), rule, msg)
			continue
		}
		key := staffKey{grid: g.ID, post: in.Post, name: in.Name}
		if in.MicrogridID != nil {
			key.micro = *in.MicrogridID
		}
		if first, dup := seen[key]; dup {
			res.Problem(schema, row.Line, "name", "duplicate", "与第 "+strconv.Itoa(first)+" 行是同一岗位的同一人")
			continue
		}
		if first, dup := leaders[g.ID]; dup && in.Post == redgrid.PostLeader {
			res.Problem(schema, row.Line, "post", "one_leader", "一个网格只有一名网格长，第 "+strconv.Itoa(first)+" 行已是"+g.Name+"的网格长")
			continue
		}
		seen[key] = row.Line
		if in.Post == redgrid.PostLeader {
			leaders[g.ID] = row.Line
		}
		rows = append(rows, sqlstore.GridStaffImport{Line: row.Line, In: in, KeepPhone: keep})
	}
	return write(res, schema, opt, rows, func(r sqlstore.GridStaffImport) int { return r.Line },
		func(rows []sqlstore.GridStaffImport) (sqlstore.ImportStats, error) {
			return s.ImportGridStaff(ctx, rows)
		})
}

func exportGridStaff(ctx context.Context, s *sqlstore.Store, path string, unmasked bool) ([][]string, error) {
	list, err := s.GridStaffForExport(ctx, path)
	if err != nil {
		return nil, err
	}
	var out [][]string
	for _, x := range list {
		st := x.Staff
		out = append(out, []string{x.GridCode, x.MicrogridCode, st.Post.Label(), st.Name, maskedPhone(st.Phone, unmasked),
			yesNo(st.PartyMember), yesNo(st.BranchSecretary), st.Since})
	}
	return out, nil
}
