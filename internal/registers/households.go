package registers

import (
	"context"
	"strconv"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/sheet"
	"github.com/redgrid/redgrid/internal/sqlstore"
)

func occupancyLabels() []string {
	out := make([]string, len(redgrid.Occupancies))
	for i, o := range redgrid.Occupancies {
		out[i] = o.Label()
	}
	return out
}

// Households is the household register (住户 / 房屋): one row per dwelling.
var Households = register(&Register{
	Name:   "households",
	Label:  "住户",
	Schema: householdSchema,
	Import: importHouseholds,
	Export: exportHouseholds,
})

var householdSchema = &sheet.Schema{Register: "households", Sheet: "住户", Columns: []sheet.Column{
	{Key: "building_code", Header: "楼栋编码", Kind: sheet.Text, Required: true, Max: 40, Example: "420302001001001001",
		Note: "系统中楼栋的编码（在网格页面可查）", Width: 22},
	{Key: "building_name", Header: "楼栋名称", Kind: sheet.Text, Max: 50, Example: "1栋", Note: "可不填；填写时须与编码对应的楼栋一致"},
	{Key: "unit", Header: "单元", Kind: sheet.Int, Required: true, Min: 1, Top: redgrid.MaxUnits, Example: "2"},
	{Key: "floor", Header: "楼层", Kind: sheet.Int, Required: true, Min: redgrid.MinFloor, Top: redgrid.MaxFloor, Example: "3",
		Note: "地下室为负数，不能为 0", Check: func(v string) (string, error) {
			if v == "0" {
				return "", &sheet.Rule{Name: "range", Message: "楼层不能为 0（地下一层填 -1）"}
			}
			return v, nil
		}},
	{Key: "room", Header: "门牌号", Kind: sheet.Text, Required: true, Max: redgrid.MaxRoom, Example: "301"},
	{Key: "occupancy", Header: "居住状态", Kind: sheet.Enum, Values: occupancyLabels(), Example: "自住", Note: "不填为自住"},
	{Key: "lead", Header: "联系党员中心户", Kind: sheet.Text, Max: 50, Example: "", Note: "本网格党员中心户的名称", Width: 20},
	{Key: "note", Header: "备注", Kind: sheet.Text, Max: redgrid.MaxHouseholdNote, Example: "", Width: 30},
}}

func importHouseholds(ctx context.Context, s *sqlstore.Store, res *sheet.Result, opt Options) (sqlstore.ImportStats, error) {
	schema := householdSchema
	nodes := &nodeCache{s: s, m: map[string]*redgrid.Node{}}
	type gridLeads struct {
		ids map[string]int64
		led map[int64]int
	}
	leads := map[string]*gridLeads{}
	type roomKey struct {
		building, unit int64
		room           string
	}
	seen := map[roomKey]int{}
	var rows []sqlstore.HouseholdImport
	for _, row := range append([]sheet.Row(nil), res.Rows...) {
		get := func(k string) string { return schema.Get(row, k) }
		b, err := nodes.byCode(ctx, get("building_code"))
		if err != nil {
			return sqlstore.ImportStats{}, err
		}
		switch {
		case b == nil:
			res.Problem(schema, row.Line, "building_code", "exists", "没有编码为 "+get("building_code")+" 的楼栋")
			continue
		case b.Kind != redgrid.KindBuilding:
			res.Problem(schema, row.Line, "building_code", "kind", get("building_code")+" 是"+b.Kind.Label()+"，不是楼栋")
			continue
		case !redgrid.IsWithin(b.Path, opt.Within):
			res.Problem(schema, row.Line, "building_code", "scope", b.Name+"不在本次导入的范围内")
			continue
		case !opt.Allowed(b.Path):
			res.Problem(schema, row.Line, "building_code", "forbidden", "无权登记"+b.Name+"的住户")
			continue
		case get("building_name") != "" && get("building_name") != b.Name:
			res.Problem(schema, row.Line, "building_name", "mismatch", "编码 "+b.Code+" 的楼栋名为“"+b.Name+"”")
			continue
		}
		unit, _ := strconv.Atoi(get("unit"))
		floor, _ := strconv.Atoi(get("floor"))
		in := redgrid.NewHousehold{BuildingID: b.ID, Unit: unit, Floor: floor, Room: get("room"), Note: get("note")}
		if l := get("occupancy"); l != "" {
			in.Occupancy, _ = redgrid.OccupancyByLabel(l)
		}
		in.Normalize()
		if err := in.Validate(); err != nil {
			field, msg := "", err.Error()
			if re, ok := err.(*redgrid.Error); ok && len(re.Fields) > 0 {
				field, msg = re.Fields[0].Field, re.Fields[0].Message
			}
			res.Problem(schema, row.Line, field, "invalid", msg)
			continue
		}
		key := roomKey{b.ID, int64(unit), in.Room}
		if first, dup := seen[key]; dup {
			res.Problem(schema, row.Line, "room", "duplicate", "与第 "+strconv.Itoa(first)+" 行是同一户")
			continue
		}
		seen[key] = row.Line
		if name := get("lead"); name != "" {
			grid := gridPath(b.Path)
			gl := leads[grid]
			if gl == nil {
				ids, led, err := s.LeadHouseholds(ctx, grid)
				if err != nil {
					return sqlstore.ImportStats{}, err
				}
				gl = &gridLeads{ids, led}
				leads[grid] = gl
			}
			id, ok := gl.ids[name]
			switch {
			case !ok:
				res.Problem(schema, row.Line, "lead", "exists", "本网格没有名为“"+name+"”的党员中心户")
				continue
			case id == 0:
				res.Problem(schema, row.Line, "lead", "ambiguous", "本网格有两个名为“"+name+"”的党员中心户，请在系统中指定")
				continue
			case gl.led[id] >= redgrid.MaxLedHouseholds:
				res.Problem(schema, row.Line, "lead", "lead_full", "“"+name+"”已联系 "+strconv.Itoa(redgrid.MaxLedHouseholds)+" 户，已满")
				continue
			}
			gl.led[id]++
			in.LeadID = &id
		}
		rows = append(rows, sqlstore.HouseholdImport{Line: row.Line, In: in})
	}
	return write(res, schema, opt, rows, func(r sqlstore.HouseholdImport) int { return r.Line },
		func(rows []sqlstore.HouseholdImport) (sqlstore.ImportStats, error) {
			return s.ImportHouseholds(ctx, rows)
		})
}

// gridPath is the path of the grid a building's path lies in (district/street/community/grid).
func gridPath(path string) string {
	ids := redgrid.PathIDs(path)
	if len(ids) > 4 {
		ids = ids[:4]
	}
	out := "/"
	for _, id := range ids {
		out += id + "/"
	}
	return out
}

func exportHouseholds(ctx context.Context, s *sqlstore.Store, path string, _ bool) ([][]string, error) {
	var out [][]string
	var after int64
	for {
		hs, err := s.Households(ctx, sqlstore.HouseholdQuery{Path: path, After: after, Limit: 1000})
		if err != nil {
			return nil, err
		}
		for _, h := range hs {
			out = append(out, []string{h.BuildingCode, h.BuildingName, strconv.Itoa(h.Unit), strconv.Itoa(h.Floor), h.Room,
				h.Occupancy.Label(), h.LeadName, h.Note})
			after = h.ID
		}
		if len(hs) < 1000 {
			return out, nil
		}
	}
}
