package registers

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/pii"
	"github.com/redgrid/redgrid/internal/sheet"
	"github.com/redgrid/redgrid/internal/sqlstore"
)

// Volunteers is the volunteer register (志愿者): one row per volunteer. A new volunteer registers
// with the ID number (sealed; one registration per person); a row with a unified volunteer
// number changes that volunteer. Exports show the number and never the ID number, so an export
// imports again into the same district (by number) but cannot register anyone elsewhere.
var Volunteers = register(&Register{
	Name:     "volunteers",
	Label:    "志愿者",
	Schema:   volunteerSchema,
	Import:   importVolunteers,
	Export:   exportVolunteers,
	Personal: []string{"phone"},
})

func colourLabels() []string {
	out := make([]string, len(redgrid.Colours))
	for i, c := range redgrid.Colours {
		out[i] = c.Label()
	}
	return out
}

var volunteerSchema = &sheet.Schema{Register: "volunteers", Sheet: "志愿者", Columns: []sheet.Column{
	{Key: "number", Header: "志愿者编号", Kind: sheet.Text, Max: 30, Example: "", Width: 20,
		Note: "新登记不填（系统编号）；填写已登记志愿者的编号则更新其信息"},
	{Key: "name", Header: "姓名", Kind: sheet.Text, Required: true, Max: redgrid.MaxResidentName, Example: "王五"},
	{Key: "id_number", Header: "身份证号", Kind: sheet.Text, Max: 20, Example: "11010519491231002X", Width: 22, Check: checkID,
		Note: "新登记必填（加密保存，不会导出）；更新已登记志愿者时可不填"},
	{Key: "phone", Header: "联系电话", Kind: sheet.Text, Max: 20, Example: "13700137000", Width: 16, Check: checkPhoneOrMasked,
		Note: "导出文件中脱敏的号码导入时保留系统中的号码"},
	{Key: "colours", Header: "服务类别", Kind: sheet.Text, Required: true, Max: 60, Example: "关爱老人、治安维稳", Width: 24, Check: checkColours,
		Note: "七彩志愿，可填多个，用顿号或逗号分隔：" + strings.Join(colourLabels(), "、")},
	{Key: "team", Header: "志愿服务队", Kind: sheet.Text, Max: redgrid.MaxNameRunes, Example: "", Width: 20, Note: "本区已登记的志愿服务队名称，可不填"},
	{Key: "node_code", Header: "服务社区/网格编码", Kind: sheet.Text, Required: true, Max: 40, Example: "420302001001", Width: 20},
}}

func checkColours(v string) (string, error) {
	var out []string
	seen := map[redgrid.Colour]bool{}
	for _, l := range splitTags(v) {
		var c redgrid.Colour
		for _, x := range redgrid.Colours {
			if x.Label() == l {
				c = x
			}
		}
		if c == "" {
			return "", &sheet.Rule{Name: "enum", Message: "“" + l + "”不是服务类别（" + strings.Join(colourLabels(), "、") + "）"}
		}
		if !seen[c] {
			out = append(out, string(c))
		}
		seen[c] = true
	}
	return strings.Join(out, ","), nil
}

// orgNamed finds the organisation named name among list, preferring one homed in the community
// at community: nil and a rule ("exists", "ambiguous") when there is no single one.
func orgNamed(list []redgrid.Org, name, community string) (*redgrid.Org, string) {
	return named(list, name, community, func(o redgrid.Org) (string, string) { return o.Name, o.HomePath })
}

// named finds the entry of list called name (key gives an entry's name and path), preferring
// one within the community at community: nil and a rule ("exists", "ambiguous") when there is
// no single one.
func named[T any](list []T, name, community string, key func(T) (string, string)) (*T, string) {
	var all, near []T
	for _, x := range list {
		if n, path := key(x); n == name {
			all = append(all, x)
			if community != "" && redgrid.IsWithin(path, community) {
				near = append(near, x)
			}
		}
	}
	if len(near) == 1 {
		all = near
	}
	switch len(all) {
	case 0:
		return nil, "exists"
	case 1:
		return &all[0], ""
	}
	return nil, "ambiguous"
}

func importVolunteers(ctx context.Context, s *sqlstore.Store, res *sheet.Result, opt Options) (sqlstore.ImportStats, error) {
	schema := volunteerSchema
	nodes := &nodeCache{s: s, m: map[string]*redgrid.Node{}}
	teams := map[string][]redgrid.Org{} // by district path
	seenID, seenNumber := map[string]int{}, map[string]int{}
	today, _ := time.ParseInLocation(time.DateOnly, s.Today(), time.FixedZone("CST", 8*3600))
	var rows []sqlstore.VolunteerImport
	for _, row := range append([]sheet.Row(nil), res.Rows...) {
		get := func(k string) string { return schema.Get(row, k) }
		n, err := nodes.byCode(ctx, get("node_code"))
		if err != nil {
			return sqlstore.ImportStats{}, err
		}
		switch {
		case n == nil:
			res.Problem(schema, row.Line, "node_code", "exists", "没有编码为 "+get("node_code")+" 的社区或网格")
			continue
		case !redgrid.IsWithin(n.Path, opt.Within):
			res.Problem(schema, row.Line, "node_code", "scope", n.Name+"不在本次导入的范围内")
			continue
		case !opt.Allowed(below(n.Path)):
			res.Problem(schema, row.Line, "node_code", "forbidden", "无权登记"+n.Name+"的志愿者")
			continue
		}
		in := redgrid.NewVolunteer{NodeID: n.ID, Name: get("name"), IDNumber: get("id_number")}
		for _, c := range strings.Split(get("colours"), ",") {
			in.Colours = append(in.Colours, redgrid.Colour(c))
		}
		phone := get("phone")
		keep := masked(phone)
		if !keep {
			in.Phone = phone
		}
		if name := get("team"); name != "" {
			district := "/" + redgrid.PathIDs(n.Path)[0] + "/"
			list, ok := teams[district]
			if !ok {
				if list, err = s.OrgsHomedIn(ctx, redgrid.OrgVolunteerTeam, district); err != nil {
					return sqlstore.ImportStats{}, err
				}
				teams[district] = list
			}
			team, rule := orgNamed(list, name, communityPath(n.Path))
			if team == nil {
				msg := "本区没有名为“" + name + "”的志愿服务队"
				if rule == "ambiguous" {
					msg = "本区有多个名为“" + name + "”的志愿服务队，且都不在该社区"
				}
				res.Problem(schema, row.Line, "team", rule, msg)
				continue
			}
			in.TeamID = &team.ID
		}
		r := sqlstore.VolunteerImport{Line: row.Line, KeepPhone: keep}
		if number := get("number"); number != "" {
			v, err := s.VolunteerByNumber(ctx, number)
			if redgrid.ErrorKind(err) == redgrid.KindNotFound {
				res.Problem(schema, row.Line, "number", "exists", "没有编号为 "+number+" 的志愿者（新登记请不填编号并填写身份证号）")
				continue
			}
			if err != nil {
				return sqlstore.ImportStats{}, err
			}
			if !redgrid.IsWithin(v.Path, opt.Within) || !opt.Allowed(below(v.Path)) {
				res.Problem(schema, row.Line, "number", "scope", "志愿者 "+number+" 登记在"+v.NodeName+"，不在本次导入的范围内")
				continue
			}
			if first, dup := seenNumber[number]; dup {
				res.Problem(schema, row.Line, "number", "duplicate", "与第 "+strconv.Itoa(first)+" 行是同一志愿者")
				continue
			}
			seenNumber[number] = row.Line
			r.ID = v.ID
		} else if keep {
			res.Problem(schema, row.Line, "phone", "masked", "脱敏的号码不能用于新登记，请填写完整号码")
			continue
		} else if in.IDNumber == "" {
			res.Problem(schema, row.Line, "id_number", "required", "新登记的志愿者须填写身份证号")
			continue
		}
		if in.IDNumber != "" {
			id, err := pii.ParseID(in.IDNumber, today)
			var pe *pii.Error
			if errors.As(err, &pe) {
				msg := pe.Message
				if zh, ok := idRuleText[pe.Rule]; ok {
					msg = zh
				}
				res.Problem(schema, row.Line, "id_number", pe.Rule, msg)
				continue
			}
			if err != nil {
				return sqlstore.ImportStats{}, err
			}
			in.IDNumber = id.Number
			if first, dup := seenID[id.Number]; dup {
				res.Problem(schema, row.Line, "id_number", "duplicate", "与第 "+strconv.Itoa(first)+" 行的身份证号相同")
				continue
			}
			seenID[id.Number] = row.Line
			number, err := s.VolunteerNumberByID(ctx, id.Number)
			if err != nil {
				return sqlstore.ImportStats{}, err
			}
			switch {
			case r.ID == 0 && number != "":
				res.Problem(schema, row.Line, "id_number", "unique", "该身份证号已登记为志愿者 "+number+"；如需修改请填写志愿者编号")
				continue
			case r.ID != 0 && number != get("number"):
				res.Problem(schema, row.Line, "id_number", "mismatch", "不是志愿者 "+get("number")+" 登记的身份证号（身份证号不能通过导入修改）")
				continue
			}
		}
		check := in
		if check.IDNumber == "" { // a recorded volunteer's ID number is not asked again
			check.IDNumber = "recorded"
		}
		if err := check.Validate(); err != nil {
			field, rule, msg := problemOf(err)
			res.Problem(schema, row.Line, schemaField(schema, field), rule, msg)
			continue
		}
		in.Name = check.Name
		r.In = in
		rows = append(rows, r)
	}
	return write(res, schema, opt, rows, func(r sqlstore.VolunteerImport) int { return r.Line },
		func(rows []sqlstore.VolunteerImport) (sqlstore.ImportStats, error) {
			return s.ImportVolunteers(ctx, rows)
		})
}

// exportVolunteers writes the volunteers by their unified numbers; the ID number column stays
// empty in every export, masked or not.
func exportVolunteers(ctx context.Context, s *sqlstore.Store, path string, unmasked bool) ([][]string, error) {
	vs, err := s.VolunteersForExport(ctx, path)
	if err != nil {
		return nil, err
	}
	var out [][]string
	for _, x := range vs {
		v := x.Volunteer
		var colours []string
		for _, c := range v.Colours {
			colours = append(colours, c.Label())
		}
		out = append(out, []string{v.Number, v.Name, "", maskedPhone(v.Phone, unmasked), strings.Join(colours, "、"), v.TeamName, x.NodeCode})
	}
	return out, nil
}
