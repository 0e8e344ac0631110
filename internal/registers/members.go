package registers

import (
	"context"
	"strconv"
	"strings"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/pii"
	"github.com/redgrid/redgrid/internal/sheet"
	"github.com/redgrid/redgrid/internal/sqlstore"
)

// Members is the party member register (党员): one row per member, in a branch named by its
// name, living at a grid, micro-grid or building named by its code. A member is matched by name
// within the branch (updated) or recorded; a sinking member (下沉党员) must be placed in a branch
// of the community where they live.
var Members = register(&Register{
	Name:     "members",
	Label:    "党员",
	Schema:   memberSchema,
	Import:   importMembers,
	Export:   exportMembers,
	Write:    redgrid.ActWriteParty,
	Personal: []string{"phone"},
})

func statusLabels() []string {
	out := make([]string, len(redgrid.MemberStatuses))
	for i, s := range redgrid.MemberStatuses {
		out[i] = s.Label()
	}
	return out
}

var memberSchema = &sheet.Schema{Register: "members", Sheet: "党员", Columns: []sheet.Column{
	{Key: "name", Header: "姓名", Kind: sheet.Text, Required: true, Max: redgrid.MaxStaffName, Example: "李四"},
	{Key: "phone", Header: "联系电话", Kind: sheet.Text, Max: 20, Example: "13900139000", Width: 16, Check: checkPhoneOrMasked,
		Note: "导出文件中脱敏的号码（如 139****9000）导入时保留系统中的号码"},
	{Key: "branch", Header: "所在党支部", Kind: sheet.Text, Required: true, Max: redgrid.MaxNameRunes, Example: "五堰第一网格党支部", Width: 24,
		Note: "党支部全称；重名时取居住社区内的支部"},
	{Key: "joined_on", Header: "入党日期", Kind: sheet.Date, Required: true, Example: "2010-07-01"},
	{Key: "status", Header: "党员状态", Kind: sheet.Enum, Values: statusLabels(), Example: "正式党员", Note: "不填为正式党员"},
	{Key: "workplace", Header: "工作单位", Kind: sheet.Text, Max: 100, Example: "十堰市人民医院", Width: 24},
	{Key: "in_service", Header: "在职党员", Kind: sheet.Bool, Example: "是", Note: "双报到的在职党员填“是”"},
	{Key: "sinking", Header: "下沉党员", Kind: sheet.Bool, Example: "否", Note: "下沉党员须编入居住社区的党支部"},
	{Key: "residence_code", Header: "居住地编码", Kind: sheet.Text, Required: true, Max: 40, Example: "42030200100101", Width: 22,
		Note: "居住的网格、微网格或楼栋的编码"},
}}

// checkPhoneOrMasked checks a phone number, letting a masked one (139****9000, as exports show
// it) through: it keeps the recorded number of the record the row names.
func checkPhoneOrMasked(v string) (string, error) {
	if masked(v) {
		return v, nil
	}
	return checkPhone(v)
}

// masked reports whether v is a masked number: digits and at least one *.
func masked(v string) bool {
	return strings.Contains(v, "*") && strings.Trim(v, "*0123456789") == ""
}

// maskedPhone is v as an export shows it.
func maskedPhone(v string, unmasked bool) string {
	if v == "" || unmasked {
		return v
	}
	return pii.MaskPhone(v)
}

func yesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

// communityPath is the path of the community a path lies in ("" above communities).
func communityPath(path string) string {
	ids := redgrid.PathIDs(path)
	if len(ids) < 3 {
		return ""
	}
	return "/" + strings.Join(ids[:3], "/") + "/"
}

func importMembers(ctx context.Context, s *sqlstore.Store, res *sheet.Result, opt Options) (sqlstore.ImportStats, error) {
	schema := memberSchema
	nodes := &nodeCache{s: s, m: map[string]*redgrid.Node{}}
	branches := newMemberFinder(s)
	type memberKey struct {
		branch int64
		name   string
	}
	seen := map[memberKey]int{}
	today := s.Today()
	var rows []sqlstore.MemberImport
	for _, row := range append([]sheet.Row(nil), res.Rows...) {
		get := func(k string) string { return schema.Get(row, k) }
		home, err := nodes.byCode(ctx, get("residence_code"))
		if err != nil {
			return sqlstore.ImportStats{}, err
		}
		switch {
		case home == nil:
			res.Problem(schema, row.Line, "residence_code", "exists", "没有编码为 "+get("residence_code")+" 的网格或楼栋")
			continue
		case home.Kind != redgrid.KindGrid && home.Kind != redgrid.KindMicrogrid && home.Kind != redgrid.KindBuilding:
			res.Problem(schema, row.Line, "residence_code", "kind", get("residence_code")+" 是"+home.Kind.Label()+"，居住地应为网格、微网格或楼栋")
			continue
		case !redgrid.IsWithin(home.Path, opt.Within):
			res.Problem(schema, row.Line, "residence_code", "scope", home.Name+"不在本次导入的范围内")
			continue
		case !opt.Allowed(home.Path):
			res.Problem(schema, row.Line, "residence_code", "forbidden", "无权登记居住在"+home.Name+"的党员")
			continue
		}
		branch, rule, err := branches.branch(ctx, get("branch"), home.Path)
		if err != nil {
			return sqlstore.ImportStats{}, err
		}
		switch rule {
		case "exists":
			res.Problem(schema, row.Line, "branch", "exists", "本区没有名为“"+get("branch")+"”的党支部")
			continue
		case "ambiguous":
			res.Problem(schema, row.Line, "branch", "ambiguous", "本区有多个名为“"+get("branch")+"”的党支部，且都不在其居住社区内")
			continue
		}
		in := redgrid.NewMember{Name: get("name"), BranchID: branch.ID, JoinedOn: get("joined_on"), Status: redgrid.MemberFull,
			Workplace: get("workplace"), InService: get("in_service") == "是", Sinking: get("sinking") == "是", ResidenceID: home.ID}
		for _, st := range redgrid.MemberStatuses {
			if st.Label() == get("status") {
				in.Status = st
			}
		}
		phone := get("phone")
		keep := masked(phone)
		if !keep {
			in.Phone = phone
		}
		if in.Sinking && communityPath(branch.NodePath) != communityPath(home.Path) {
			res.Problem(schema, row.Line, "branch", "same_community", "下沉党员应编入居住社区的党支部，“"+branch.Name+"”属于其他社区")
			continue
		}
		if err := in.Validate(today); err != nil {
			field, rule, msg := problemOf(err)
			res.Problem(schema, row.Line, schemaField(schema, field), rule, msg)
			continue
		}
		key := memberKey{branch.ID, in.Name}
		if first, dup := seen[key]; dup {
			res.Problem(schema, row.Line, "name", "duplicate", "与第 "+strconv.Itoa(first)+" 行是同一支部的同名党员")
			continue
		}
		seen[key] = row.Line
		rows = append(rows, sqlstore.MemberImport{Line: row.Line, In: in, KeepPhone: keep})
	}
	return write(res, schema, opt, rows, func(r sqlstore.MemberImport) int { return r.Line },
		func(rows []sqlstore.MemberImport) (sqlstore.ImportStats, error) {
			return s.ImportMembers(ctx, rows)
		})
}

func exportMembers(ctx context.Context, s *sqlstore.Store, path string, unmasked bool) ([][]string, error) {
	ms, err := s.MembersForExport(ctx, path)
	if err != nil {
		return nil, err
	}
	var out [][]string
	for _, x := range ms {
		m := x.Member
		out = append(out, []string{m.Name, maskedPhone(m.Phone, unmasked), m.BranchName, m.JoinedOn, m.Status.Label(), m.Workplace,
			yesNo(m.InService), yesNo(m.Sinking), x.ResidenceCode})
	}
	return out, nil
}
