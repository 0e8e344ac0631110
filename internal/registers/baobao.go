package registers

import (
	"context"
	"strconv"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/sheet"
	"github.com/redgrid/redgrid/internal/sqlstore"
)

// Baobao is the register of 包保 (002's "五个一" 包保; 004: a cadre answers for households): one
// row per current assignment — the member named by name and branch, and what they answer for:
// a building by its code, or one household of it (building code + unit + room, as the household
// register records it). An assignment the member holds already is kept (the row's start date
// applied); any other is made, checked by the store as the API's are (outside the communities
// the member serves: member_community).
var Baobao = register(&Register{
	Name:   "baobao",
	Label:  "包保",
	Schema: baobaoSchema,
	Import: importBaobao,
	Export: exportBaobao,
})

var baobaoSchema = &sheet.Schema{Register: "baobao", Sheet: "包保", Columns: append(append([]sheet.Column(nil), memberColumns...), []sheet.Column{
	{Key: "building_code", Header: "楼栋编码", Kind: sheet.Text, Required: true, Max: 40, Example: "42030200100101001", Width: 22},
	{Key: "unit", Header: "单元", Kind: sheet.Int, Min: 1, Top: redgrid.MaxUnits, Example: "", Note: "包保一户时填写单元和门牌号；包保整栋楼不填"},
	{Key: "room", Header: "门牌号", Kind: sheet.Text, Max: redgrid.MaxRoom, Example: "", Note: "须已在住户登记中"},
	{Key: "starts_on", Header: "开始日期", Kind: sheet.Date, Example: "2024-03-01", Note: "不填为今天"},
}...)}

func importBaobao(ctx context.Context, s *sqlstore.Store, res *sheet.Result, opt Options) (sqlstore.ImportStats, error) {
	schema := baobaoSchema
	nodes := &nodeCache{s: s, m: map[string]*redgrid.Node{}}
	members := newMemberFinder(s)
	type target struct{ member, building, household int64 }
	seen := map[target]int{}
	today := s.Today()
	var rows []sqlstore.BaobaoImport
	for _, row := range append([]sheet.Row(nil), res.Rows...) {
		get := func(k string) string { return schema.Get(row, k) }
		b, err := codedNode(ctx, nodes, res, schema, row, "building_code", opt, kindIs(redgrid.KindBuilding), "楼栋", same)
		if err != nil {
			return sqlstore.ImportStats{}, err
		}
		if b == nil {
			continue
		}
		in := redgrid.NewBaobao{BuildingID: &b.ID, StartsOn: get("starts_on")}
		key := target{building: b.ID}
		switch unit, room := get("unit"), get("room"); {
		case unit == "" && room == "":
		case unit == "" || room == "":
			col := "room"
			if unit == "" {
				col = "unit"
			}
			res.Problem(schema, row.Line, col, "together", "包保一户须同时填写单元和门牌号")
			continue
		default:
			u, _ := strconv.Atoi(unit)
			hid, _, err := s.HouseholdByRoom(ctx, b.ID, u, room)
			if redgrid.ErrorKind(err) == redgrid.KindNotFound {
				res.Problem(schema, row.Line, "room", "exists", b.Name+unit+"单元"+room+" 未在住户登记中，请先导入住户")
				continue
			}
			if err != nil {
				return sqlstore.ImportStats{}, err
			}
			in.BuildingID, in.HouseholdID, key.household = nil, &hid, hid
		}
		member, err := members.member(ctx, res, schema, row, b.Path)
		if err != nil {
			return sqlstore.ImportStats{}, err
		}
		if member == 0 {
			continue
		}
		in.MemberID, key.member = member, member
		field := "building_id"
		if in.HouseholdID != nil {
			field = "household_id"
		}
		if ok, err := memberServes(ctx, s, res, schema, row, member, b.Path, field); !ok {
			if err != nil {
				return sqlstore.ImportStats{}, err
			}
			continue
		}
		if err := in.Validate(today); err != nil {
			field, rule, msg := problemOf(err)
			res.Problem(schema, row.Line, schemaField(schema, field), rule, msg)
			continue
		}
		if first, dup := seen[key]; dup {
			res.Problem(schema, row.Line, "member", "duplicate", "与第 "+strconv.Itoa(first)+" 行是同一党员包保同一处")
			continue
		}
		seen[key] = row.Line
		rows = append(rows, sqlstore.BaobaoImport{Line: row.Line, In: in})
	}
	return write(res, schema, opt, rows, func(r sqlstore.BaobaoImport) int { return r.Line },
		func(rows []sqlstore.BaobaoImport) (sqlstore.ImportStats, error) {
			return s.ImportBaobao(ctx, rows)
		})
}

func exportBaobao(ctx context.Context, s *sqlstore.Store, path string, _ bool) ([][]string, error) {
	list, err := s.BaobaoForExport(ctx, path)
	if err != nil {
		return nil, err
	}
	var out [][]string
	for _, x := range list {
		unit := ""
		if x.Unit > 0 {
			unit = strconv.Itoa(x.Unit)
		}
		out = append(out, []string{x.Baobao.MemberName, x.Branch, x.BuildingCode, unit, x.Room, x.Baobao.StartsOn})
	}
	return out, nil
}
