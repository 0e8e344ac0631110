package registers

import (
	"context"
	"strconv"
	"strings"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/sheet"
	"github.com/redgrid/redgrid/internal/sqlstore"
)

// Units is the register of resident units (驻区单位, 共驻共建): organisations of kind
// resident_unit, homed at the street or community that manages them and linked to the
// communities and grids they build with. A unit is matched by its unified social credit code,
// else by its name at its home node; it is changed as PATCH /orgs changes it (history kept).
var Units = register(&Register{
	Name:   "units",
	Label:  "驻区单位",
	Schema: unitSchema,
	Import: importUnits,
	Export: exportUnits,
	Write:  redgrid.ActWriteOrg,
})

var unitSchema = &sheet.Schema{Register: "units", Sheet: "驻区单位", Columns: []sheet.Column{
	{Key: "name", Header: "单位名称", Kind: sheet.Text, Required: true, Max: redgrid.MaxNameRunes, Example: "十堰市第一中学", Width: 24},
	{Key: "credit_code", Header: "统一社会信用代码", Kind: sheet.Text, Max: 18, Example: "91350100M000100Y43", Width: 22, Check: checkCreditCode,
		Note: "18 位（GB 32100），可不填；填写时按此代码识别已登记的单位"},
	{Key: "home_code", Header: "登记区划编码", Kind: sheet.Text, Required: true, Max: 40, Example: "420302001001", Width: 18,
		Note: "登记和管理该单位的街道或社区的编码"},
	{Key: "served_codes", Header: "共建社区/网格编码", Kind: sheet.Text, Max: 400, Example: "420302001001", Width: 24, Check: checkCodes,
		Note: "结对共建的社区或网格的编码，可填多个，用顿号或逗号分隔"},
	{Key: "contact", Header: "联系人及电话", Kind: sheet.Text, Max: 200, Example: "张老师 0719-8888888", Width: 24},
}}

func checkCreditCode(v string) (string, error) {
	v = strings.ToUpper(v)
	if !redgrid.ValidCreditCode(v) {
		return "", &sheet.Rule{Name: "gb32100", Message: "不是有效的统一社会信用代码（18 位，末位为校验码，GB 32100）"}
	}
	return v, nil
}

func checkCodes(v string) (string, error) {
	codes := splitTags(v)
	seen := map[string]bool{}
	for _, c := range codes {
		if strings.Trim(c, "0123456789") != "" {
			return "", &sheet.Rule{Name: "codes", Message: "“" + c + "”不是编码（编码为数字）"}
		}
		if seen[c] {
			return "", &sheet.Rule{Name: "codes", Message: "编码 " + c + " 填了两次"}
		}
		seen[c] = true
	}
	return strings.Join(codes, ","), nil
}

func importUnits(ctx context.Context, s *sqlstore.Store, res *sheet.Result, opt Options) (sqlstore.ImportStats, error) {
	schema := unitSchema
	nodes := &nodeCache{s: s, m: map[string]*redgrid.Node{}}
	units := map[string][]redgrid.Org{} // by district path
	seenCredit, seenOrg := map[string]int{}, map[int64]int{}
	type nameKey struct {
		home int64
		name string
	}
	seenName := map[nameKey]int{}
	var rows []sqlstore.OrgImport
	for _, row := range append([]sheet.Row(nil), res.Rows...) {
		get := func(k string) string { return schema.Get(row, k) }
		home, err := nodes.byCode(ctx, get("home_code"))
		if err != nil {
			return sqlstore.ImportStats{}, err
		}
		switch {
		case home == nil:
			res.Problem(schema, row.Line, "home_code", "exists", "没有编码为 "+get("home_code")+" 的街道或社区")
			continue
		case !redgrid.IsWithin(home.Path, opt.Within):
			res.Problem(schema, row.Line, "home_code", "scope", home.Name+"不在本次导入的范围内")
			continue
		case !opt.Allowed(below(home.Path)):
			res.Problem(schema, row.Line, "home_code", "forbidden", "无权登记"+home.Name+"的驻区单位")
			continue
		}
		in := redgrid.NewOrg{Kind: redgrid.OrgResidentUnit, Name: strings.TrimSpace(get("name")), HomeNodeID: home.ID, Contact: get("contact")}
		if c := get("credit_code"); c != "" {
			in.CreditCode = &c
		}
		bad := false
		for _, code := range strings.Split(get("served_codes"), ",") {
			if code == "" {
				continue
			}
			n, err := nodes.byCode(ctx, code)
			if err != nil {
				return sqlstore.ImportStats{}, err
			}
			switch {
			case n == nil:
				res.Problem(schema, row.Line, "served_codes", "exists", "没有编码为 "+code+" 的社区或网格")
			case !redgrid.IsWithin(n.Path, opt.Within):
				res.Problem(schema, row.Line, "served_codes", "scope", n.Name+"不在本次导入的范围内")
			case !opt.Allowed(below(n.Path)):
				res.Problem(schema, row.Line, "served_codes", "forbidden", "无权为"+n.Name+"登记共建单位")
			default:
				in.NodeIDs = append(in.NodeIDs, n.ID)
				continue
			}
			bad = true
			break
		}
		if bad {
			continue
		}
		if err := in.Validate(); err != nil {
			field, rule, msg := problemOf(err)
			res.Problem(schema, row.Line, schemaField(schema, field), rule, msg)
			continue
		}
		district := "/" + redgrid.PathIDs(home.Path)[0] + "/"
		list, ok := units[district]
		if !ok {
			if list, err = s.OrgsHomedIn(ctx, redgrid.OrgResidentUnit, district); err != nil {
				return sqlstore.ImportStats{}, err
			}
			units[district] = list
		}
		var cur *redgrid.Org
		var byName []*redgrid.Org
		for i := range list {
			o := &list[i]
			if in.CreditCode != nil && o.CreditCode != nil && *o.CreditCode == *in.CreditCode {
				cur = o
			}
			if o.HomeNodeID == home.ID && o.Name == in.Name {
				byName = append(byName, o)
			}
		}
		if cur == nil && len(byName) > 1 {
			res.Problem(schema, row.Line, "name", "ambiguous", home.Name+"登记了多个名为“"+in.Name+"”的单位，请填写统一社会信用代码")
			continue
		}
		if cur == nil && len(byName) == 1 && (in.CreditCode == nil || byName[0].CreditCode == nil) {
			cur = byName[0]
		}
		if cur != nil {
			if cur.HomeNodeID != home.ID {
				res.Problem(schema, row.Line, "home_code", "moved", "该单位登记在"+cur.HomeNodeName+"；登记区划不能通过导入修改")
				continue
			}
			if !sameSet(in.NodeIDs, cur.NodeIDs) {
				for i, np := range cur.NodePaths {
					if !opt.Allowed(below(np)) {
						res.Problem(schema, row.Line, "served_codes", "forbidden", "无权解除与"+cur.Nodes[i].Name+"的共建关系")
						bad = true
						break
					}
				}
				if bad {
					continue
				}
			}
			if first, dup := seenOrg[cur.ID]; dup {
				res.Problem(schema, row.Line, "name", "duplicate", "与第 "+strconv.Itoa(first)+" 行是同一单位")
				continue
			}
			seenOrg[cur.ID] = row.Line
		}
		if in.CreditCode != nil {
			if first, dup := seenCredit[*in.CreditCode]; dup {
				res.Problem(schema, row.Line, "credit_code", "duplicate", "与第 "+strconv.Itoa(first)+" 行的统一社会信用代码相同")
				continue
			}
			seenCredit[*in.CreditCode] = row.Line
		}
		if cur == nil {
			if first, dup := seenName[nameKey{home.ID, in.Name}]; dup {
				res.Problem(schema, row.Line, "name", "duplicate", "与第 "+strconv.Itoa(first)+" 行是同一区划下的同名单位")
				continue
			}
			seenName[nameKey{home.ID, in.Name}] = row.Line
		}
		rows = append(rows, sqlstore.OrgImport{Line: row.Line, In: in, Cur: cur})
	}
	return write(res, schema, opt, rows, func(r sqlstore.OrgImport) int { return r.Line },
		func(rows []sqlstore.OrgImport) (sqlstore.ImportStats, error) {
			return s.ImportOrgs(ctx, "units", rows)
		})
}

func sameSet(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	in := map[int64]bool{}
	for _, x := range a {
		in[x] = true
	}
	for _, x := range b {
		if !in[x] {
			return false
		}
	}
	return true
}

func exportUnits(ctx context.Context, s *sqlstore.Store, path string, _ bool) ([][]string, error) {
	os, err := s.OrgsHomedIn(ctx, redgrid.OrgResidentUnit, path)
	if err != nil {
		return nil, err
	}
	homes := map[int64]string{}
	var out [][]string
	for _, o := range os {
		code, ok := homes[o.HomeNodeID]
		if !ok {
			n, err := s.Node(ctx, o.HomeNodeID)
			if err != nil {
				return nil, err
			}
			code, homes[o.HomeNodeID] = n.Code, n.Code
		}
		var served []string
		for _, n := range o.Nodes {
			served = append(served, n.Code)
		}
		credit := ""
		if o.CreditCode != nil {
			credit = *o.CreditCode
		}
		out = append(out, []string{o.Name, credit, code, strings.Join(served, "、"), o.Contact})
	}
	return out, nil
}
