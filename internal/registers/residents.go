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

func relationLabels() []string {
	out := make([]string, len(redgrid.Relations))
	for i, r := range redgrid.Relations {
		out[i] = r.Label()
	}
	return out
}

// Residents is the resident register (居民): one row per person, in a household recorded in the
// household register (楼栋编码 + 单元 + 门牌号).
var Residents = register(&Register{
	Name:     "residents",
	Label:    "居民",
	Schema:   residentSchema,
	Import:   importResidents,
	Export:   exportResidents,
	Personal: []string{"id_number", "phone"},
})

var residentSchema = &sheet.Schema{Register: "residents", Sheet: "居民", Columns: []sheet.Column{
	{Key: "building_code", Header: "楼栋编码", Kind: sheet.Text, Required: true, Max: 40, Example: "420302001001001001", Width: 22},
	{Key: "unit", Header: "单元", Kind: sheet.Int, Required: true, Min: 1, Top: redgrid.MaxUnits, Example: "2"},
	{Key: "room", Header: "门牌号", Kind: sheet.Text, Required: true, Max: redgrid.MaxRoom, Example: "301", Note: "须已在住户登记中"},
	{Key: "name", Header: "姓名", Kind: sheet.Text, Required: true, Max: redgrid.MaxResidentName, Example: "张三"},
	{Key: "id_number", Header: "身份证号", Kind: sheet.Text, Max: 20, Example: "11010519491231002X", Width: 22,
		Note: "18 位，末位可为 X；请把该列设为文本", Check: checkID},
	{Key: "phone", Header: "联系电话", Kind: sheet.Text, Max: 20, Example: "13800138000", Width: 16, Check: checkPhone},
	{Key: "relation", Header: "与户主关系", Kind: sheet.Enum, Values: relationLabels(), Example: "户主", Note: "不填为其他"},
	{Key: "tags", Header: "关爱标签", Kind: sheet.Text, Max: 60, Example: "独居老人", Width: 20,
		Note: "可填多个，用顿号或逗号分隔：独居老人、残疾、低保、重点人员、退役军人、留守儿童", Check: checkTags},
	{Key: "note", Header: "备注", Kind: sheet.Text, Max: redgrid.MaxResidentNote, Example: "", Width: 30},
}}

func checkID(v string) (string, error) {
	n := pii.NormalizeID(v)
	if len(n) != 18 {
		return "", &sheet.Rule{Name: "length", Message: "身份证号应为 18 位"}
	}
	return n, nil
}

func checkPhone(v string) (string, error) {
	p, err := pii.ParsePhone(v)
	if err != nil {
		return "", &sheet.Rule{Name: "format", Message: "不是有效的手机或固定电话号码"}
	}
	return p, nil
}

func splitTags(v string) []string {
	return strings.FieldsFunc(v, func(r rune) bool { return r == '、' || r == ',' || r == '，' || r == ';' || r == '；' || r == ' ' })
}

func checkTags(v string) (string, error) {
	var out []string
	for _, l := range splitTags(v) {
		t, ok := redgrid.CareTagByLabel(l)
		if !ok {
			return "", &sheet.Rule{Name: "enum", Message: "“" + l + "”不是关爱标签（独居老人、残疾、低保、重点人员、退役军人、留守儿童）"}
		}
		out = append(out, string(t))
	}
	return strings.Join(out, ","), nil
}

func importResidents(ctx context.Context, s *sqlstore.Store, res *sheet.Result, opt Options) (sqlstore.ImportStats, error) {
	schema := residentSchema
	nodes := &nodeCache{s: s, m: map[string]*redgrid.Node{}}
	seenID := map[string]int{}
	var rows []sqlstore.ResidentImport
	for _, row := range append([]sheet.Row(nil), res.Rows...) {
		get := func(k string) string { return schema.Get(row, k) }
		b, err := nodes.byCode(ctx, get("building_code"))
		if err != nil {
			return sqlstore.ImportStats{}, err
		}
		if b == nil || b.Kind != redgrid.KindBuilding {
			res.Problem(schema, row.Line, "building_code", "exists", "没有编码为 "+get("building_code")+" 的楼栋")
			continue
		}
		unit, _ := strconv.Atoi(get("unit"))
		hid, path, err := s.HouseholdByRoom(ctx, b.ID, unit, get("room"))
		if redgrid.ErrorKind(err) == redgrid.KindNotFound {
			res.Problem(schema, row.Line, "room", "exists", b.Name+strconv.Itoa(unit)+"单元"+get("room")+" 未在住户登记中，请先导入住户")
			continue
		}
		if err != nil {
			return sqlstore.ImportStats{}, err
		}
		switch {
		case !redgrid.IsWithin(path, opt.Within):
			res.Problem(schema, row.Line, "building_code", "scope", b.Name+"不在本次导入的范围内")
			continue
		case !opt.Allowed(path):
			res.Problem(schema, row.Line, "building_code", "forbidden", "无权登记"+b.Name+"的居民")
			continue
		}
		in := redgrid.NewResident{HouseholdID: hid, Name: get("name"), IDNumber: get("id_number"), Phone: get("phone"), Note: get("note")}
		if l := get("relation"); l != "" {
			in.Relation, _ = redgrid.RelationByLabel(l)
		}
		bad := false
		for _, t := range strings.Split(get("tags"), ",") {
			if t == "" {
				continue
			}
			tag := redgrid.CareTag(t)
			if opt.TagAllowed != nil && !opt.TagAllowed(path, tag) {
				res.Problem(schema, row.Line, "tags", "tag_role", "您的角色不负责“"+tag.Label()+"”人员")
				bad = true
				break
			}
			in.Tags = append(in.Tags, tag)
		}
		if bad {
			continue
		}
		in.Normalize()
		if err := in.Validate(); err != nil {
			field, msg := fieldOf(err)
			res.Problem(schema, row.Line, field, "invalid", msg)
			continue
		}
		c, err := s.CheckResident(in)
		if err != nil {
			field, msg := fieldOf(err)
			rule := "invalid"
			if re, ok := err.(*redgrid.Error); ok && len(re.Fields) > 0 {
				rule = re.Fields[0].Rule
			}
			if zh, ok := idRuleText[rule]; ok && field == "id_number" {
				msg = zh
			}
			res.Problem(schema, row.Line, field, rule, msg)
			continue
		}
		if n := in.IDNumber; n != "" {
			if first, dup := seenID[n]; dup {
				res.Problem(schema, row.Line, "id_number", "duplicate", "与第 "+strconv.Itoa(first)+" 行的身份证号相同")
				continue
			}
			seenID[n] = row.Line
		}
		rows = append(rows, sqlstore.ResidentImport{Line: row.Line, In: c})
	}
	return write(res, schema, opt, rows, func(r sqlstore.ResidentImport) int { return r.Line },
		func(rows []sqlstore.ResidentImport) (sqlstore.ImportStats, error) {
			return s.ImportResidents(ctx, rows)
		})
}

// idRuleText says in Chinese which rule of GB 11643 an ID number breaks.
var idRuleText = map[string]string{
	"length":     "身份证号应为 18 位",
	"format":     "身份证号应为 17 位数字加 1 位校验码（数字或 X）",
	"region":     "前 6 位不是有效的行政区划代码",
	"birth_date": "第 7–14 位不是 1900 年至今的有效出生日期",
	"checksum":   "校验码不符（GB 11643），请核对身份证号",
}

// fieldOf is the first field an error names and its message.
func fieldOf(err error) (string, string) {
	if re, ok := err.(*redgrid.Error); ok && len(re.Fields) > 0 {
		return re.Fields[0].Field, re.Fields[0].Message
	}
	return "", err.Error()
}

// exportResidents writes the residents with their ID numbers and phones masked, or in full when
// unmasked (the caller has checked the role and logged the unmasking with its reason): a masked
// export is for reading, not for importing again.
func exportResidents(ctx context.Context, s *sqlstore.Store, path string, unmasked bool) ([][]string, error) {
	var out [][]string
	rs, err := s.ResidentsForExport(ctx, path)
	if err != nil {
		return nil, err
	}
	for _, r := range rs {
		id, phone := r.Resident.IDNumber, r.Resident.Phone
		if !unmasked {
			if id != "" {
				id = pii.MaskID(id)
			}
			if phone != "" {
				phone = pii.MaskPhone(phone)
			}
		}
		var tags []string
		for _, t := range r.Resident.Tags {
			tags = append(tags, t.Label())
		}
		out = append(out, []string{r.BuildingCode, strconv.Itoa(r.Unit), r.Room, r.Resident.Name, id, phone, r.Resident.Relation.Label(),
			strings.Join(tags, "、"), r.Resident.Note})
	}
	return out, nil
}
