package registers

import (
	"context"
	"strconv"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/sheet"
	"github.com/redgrid/redgrid/internal/sqlstore"
)

// Buildings is the building register (楼栋): one row per building, a node of the tree under its
// grid or micro-grid, with its units and floors. A row with a building code names that building
// (renamed, or given its layout; a new one takes that code); a row without one names the
// grid's building of that name, or adds a building with the next free code.
var Buildings = register(&Register{
	Name:   "buildings",
	Label:  "楼栋",
	Schema: buildingSchema,
	Import: importBuildings,
	Export: exportBuildings,
	Write:  redgrid.ActWriteNode,
})

var buildingSchema = &sheet.Schema{Register: "buildings", Sheet: "楼栋", Columns: []sheet.Column{
	{Key: "grid_code", Header: "所属网格编码", Kind: sheet.Text, Required: true, Max: 40, Example: "42030200100101",
		Note: "楼栋所在网格或微网格的编码（在网格页面可查）", Width: 20},
	{Key: "code", Header: "楼栋编码", Kind: sheet.Text, Max: 40, Example: "",
		Note: "新楼栋可不填（自动编码）；填写已有楼栋的编码则更新该楼栋", Width: 22},
	{Key: "name", Header: "楼栋名称", Kind: sheet.Text, Required: true, Max: redgrid.MaxNameRunes, Example: "3栋", Note: "同一网格内不要重名"},
	{Key: "units", Header: "单元数", Kind: sheet.Int, Min: 1, Top: redgrid.MaxUnits, Example: "2"},
	{Key: "floors", Header: "地上层数", Kind: sheet.Int, Min: 1, Top: redgrid.MaxFloor, Example: "6"},
}}

func importBuildings(ctx context.Context, s *sqlstore.Store, res *sheet.Result, opt Options) (sqlstore.ImportStats, error) {
	schema := buildingSchema
	nodes := &nodeCache{s: s, m: map[string]*redgrid.Node{}}
	children := map[int64][]redgrid.Node{} // the buildings under a parent
	seenCode := map[string]int{}
	type nameKey struct {
		parent int64
		name   string
	}
	seenName := map[nameKey]int{}
	var rows []sqlstore.BuildingImport
	for _, row := range append([]sheet.Row(nil), res.Rows...) {
		get := func(k string) string { return schema.Get(row, k) }
		parent, err := nodes.byCode(ctx, get("grid_code"))
		if err != nil {
			return sqlstore.ImportStats{}, err
		}
		switch {
		case parent == nil:
			res.Problem(schema, row.Line, "grid_code", "exists", "没有编码为 "+get("grid_code")+" 的网格")
			continue
		case parent.Kind != redgrid.KindGrid && parent.Kind != redgrid.KindMicrogrid:
			res.Problem(schema, row.Line, "grid_code", "kind", get("grid_code")+" 是"+parent.Kind.Label()+"，楼栋应在网格或微网格下")
			continue
		case !redgrid.IsWithin(parent.Path, opt.Within):
			res.Problem(schema, row.Line, "grid_code", "scope", parent.Name+"不在本次导入的范围内")
			continue
		}
		in := redgrid.NewNode{Kind: redgrid.KindBuilding, Name: get("name"), ParentID: &parent.ID, Code: get("code")}
		if err := in.Validate(s.Scheme()); err != nil {
			field, rule, msg := problemOf(err)
			res.Problem(schema, row.Line, schemaField(schema, field), rule, msg)
			continue
		}
		r := sqlstore.BuildingImport{Line: row.Line, In: in}
		r.Units, _ = strconv.Atoi(get("units"))
		r.Floors, _ = strconv.Atoi(get("floors"))
		var target *redgrid.Node // the recorded building the row names
		if in.Code != "" {
			b, err := nodes.byCode(ctx, in.Code)
			if err != nil {
				return sqlstore.ImportStats{}, err
			}
			switch {
			case b == nil:
				if err := s.Scheme().CheckChild(redgrid.KindBuilding, parent.Code, in.Code); err != nil {
					res.Problem(schema, row.Line, "code", "code_scheme", "新楼栋的编码应为所属网格编码 "+parent.Code+" 加 3 位数字")
					continue
				}
			case b.Kind != redgrid.KindBuilding:
				res.Problem(schema, row.Line, "code", "kind", in.Code+" 是"+b.Kind.Label()+"，不是楼栋")
				continue
			case b.ParentID == nil || *b.ParentID != parent.ID:
				res.Problem(schema, row.Line, "grid_code", "moved", "楼栋 "+in.Code+"（"+b.Name+"）不在该网格下；移动楼栋请在组织架构页面操作")
				continue
			default:
				target = b
			}
		} else {
			list, ok := children[parent.ID]
			if !ok {
				kids, err := s.Children(ctx, parent.ID)
				if err != nil {
					return sqlstore.ImportStats{}, err
				}
				for _, k := range kids {
					if k.Kind == redgrid.KindBuilding {
						list = append(list, k)
					}
				}
				children[parent.ID] = list
			}
			var same []redgrid.Node
			for _, k := range list {
				if k.Name == in.Name {
					same = append(same, k)
				}
			}
			if len(same) > 1 {
				res.Problem(schema, row.Line, "name", "ambiguous", parent.Name+"有 "+strconv.Itoa(len(same))+" 栋名为“"+in.Name+"”的楼栋，请填写楼栋编码")
				continue
			}
			if len(same) == 1 {
				target = &same[0]
			}
		}
		path := below(parent.Path)
		if target != nil {
			r.ID, path = target.ID, target.Path
		}
		if !opt.Allowed(path) {
			res.Problem(schema, row.Line, "grid_code", "forbidden", "无权登记"+parent.Name+"的楼栋")
			continue
		}
		code := in.Code
		if target != nil {
			code = target.Code
		}
		if code != "" {
			if first, dup := seenCode[code]; dup {
				res.Problem(schema, row.Line, "code", "duplicate", "与第 "+strconv.Itoa(first)+" 行是同一栋楼")
				continue
			}
			seenCode[code] = row.Line
		}
		if first, dup := seenName[nameKey{parent.ID, in.Name}]; dup {
			res.Problem(schema, row.Line, "name", "duplicate", "与第 "+strconv.Itoa(first)+" 行同在"+parent.Name+"且同名")
			continue
		}
		seenName[nameKey{parent.ID, in.Name}] = row.Line
		rows = append(rows, r)
	}
	return write(res, schema, opt, rows, func(r sqlstore.BuildingImport) int { return r.Line },
		func(rows []sqlstore.BuildingImport) (sqlstore.ImportStats, error) {
			return s.ImportBuildings(ctx, rows)
		})
}

func exportBuildings(ctx context.Context, s *sqlstore.Store, path string, _ bool) ([][]string, error) {
	bs, err := s.BuildingsForExport(ctx, path)
	if err != nil {
		return nil, err
	}
	var out [][]string
	for _, b := range bs {
		out = append(out, []string{b.ParentCode, b.Building.Code, b.Building.Name, positive(b.Units), positive(b.Floors)})
	}
	return out, nil
}

// positive is n as text, "" for 0 (not recorded).
func positive(n int) string {
	if n <= 0 {
		return ""
	}
	return strconv.Itoa(n)
}
