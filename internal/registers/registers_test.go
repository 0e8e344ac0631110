package registers_test

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/pii"
	"github.com/redgrid/redgrid/internal/redgridtest"
	"github.com/redgrid/redgrid/internal/registers"
	"github.com/redgrid/redgrid/internal/sheet"
	"github.com/redgrid/redgrid/internal/sqlstore"
	"github.com/xuri/excelize/v2"
)

// The spreadsheets of buildings, party members, volunteers and resident units, on both engines:
// the template imports nothing as it is; a sheet with bad rows is refused whole, each bad row
// named by row, column and rule, nothing written; only the good rows with GoodRowsOnly; rows
// outside the import's node or the importer's scope refused; the export imports again (into the
// same district: nothing changes; into an empty one: the same rows).

type fixture struct {
	t  *testing.T
	s  *sqlstore.Store
	tr *redgridtest.Tree
}

func newFixture(t *testing.T, e redgridtest.Engine) *fixture {
	t.Helper()
	s := e.Open(t, sqlstore.Options{})
	return &fixture{t: t, s: s, tr: redgridtest.BuildTree(t, s)}
}

// book builds a sheet of the register with its template's headers and rows.
func book(t *testing.T, reg *registers.Register, rows ...[]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetName("Sheet1", reg.Schema.Sheet)
	var head []any
	for _, c := range reg.Schema.Columns {
		head = append(head, c.Header)
	}
	for i, r := range append([][]any{head}, rows...) {
		if err := f.SetSheetRow(reg.Schema.Sheet, fmt.Sprintf("A%d", i+1), &r); err != nil {
			t.Fatal(err)
		}
	}
	var b bytes.Buffer
	if _, err := f.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func (f *fixture) run(reg *registers.Register, file []byte, opt registers.Options) *registers.Report {
	f.t.Helper()
	ctx := redgrid.WithActor(context.Background(), redgrid.Actor{Username: "test"})
	if opt.Within == "" {
		opt.Within = f.tr.District.Path
	}
	rep, err := registers.Import(ctx, f.s, reg, bytes.NewReader(file), int64(len(file)), opt)
	if err != nil {
		f.t.Fatalf("import %s: %v", reg.Name, err)
	}
	return rep
}

// problems lists a report's problems as "row column:rule".
func problems(rep *registers.Report) string {
	var out []string
	for _, p := range rep.Problems {
		out = append(out, fmt.Sprintf("%d%s:%s", p.Row, p.Column, p.Rule))
	}
	return strings.Join(out, " ")
}

// digest sums what the registers write, so that "nothing was written" is checked whole.
func (f *fixture) digest() string {
	f.t.Helper()
	var out []string
	for _, q := range []string{
		"SELECT COUNT(*), COALESCE(SUM(version), 0) FROM nodes",
		"SELECT COUNT(*), COALESCE(SUM(version), 0) FROM members",
		"SELECT COUNT(*), COALESCE(SUM(version), 0) FROM volunteers",
		"SELECT COUNT(*), COALESCE(SUM(version), 0) FROM orgs",
		"SELECT COUNT(*), 0 FROM org_nodes",
		"SELECT COUNT(*), COALESCE(SUM(version), 0) FROM grid_staff",
		"SELECT COUNT(*), COALESCE(SUM(version), 0) FROM member_posts",
		"SELECT COUNT(*), COALESCE(SUM(version), 0) FROM baobao",
		"SELECT COUNT(*), 0 FROM tree_history",
		"SELECT COUNT(*), 0 FROM audit_log",
	} {
		var n, v int64
		if err := f.s.DB().QueryRow(q).Scan(&n, &v); err != nil {
			f.t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%d/%d", n, v))
	}
	return strings.Join(out, " ")
}

// export writes the register's rows of the district as its export file would hold them.
func (f *fixture) export(reg *registers.Register, unmasked bool) ([][]string, []byte) {
	f.t.Helper()
	rows, err := reg.Export(context.Background(), f.s, f.tr.District.Path, unmasked)
	if err != nil {
		f.t.Fatal(err)
	}
	var b bytes.Buffer
	if err := reg.Schema.Export(&b, rows, registers.ExportInfo("测试", time.Now(), "茅箭区", !unmasked)); err != nil {
		f.t.Fatal(err)
	}
	return rows, b.Bytes()
}

// roundTrip exports the district's register (unmasked) and imports the file into an empty
// district of the same tree: its export must be the same rows.
func roundTrip(t *testing.T, e redgridtest.Engine, f *fixture, reg *registers.Register, prepare func(*fixture)) {
	t.Helper()
	rows, file := f.export(reg, true)
	if len(rows) == 0 {
		t.Fatal("nothing to export")
	}
	g := newFixture(t, e)
	if prepare != nil {
		prepare(g)
	}
	rep := g.run(reg, file, registers.Options{})
	if !rep.Written || rep.Created+rep.Updated+rep.Unchanged != len(rows) || len(rep.Problems) > 0 {
		t.Fatalf("%s into an empty district: %s %+v", reg.Name, problems(rep), rep)
	}
	again, _ := g.export(reg, true)
	if !reflect.DeepEqual(rows, again) {
		t.Fatalf("%s round trip:\n%q\n%q", reg.Name, rows, again)
	}
}

// checkTemplate: the template names the register's sheet, holds the example row (skipped on
// import), and its drop-downs list the allowed values.
func checkTemplate(t *testing.T, f *fixture, reg *registers.Register) {
	t.Helper()
	var b bytes.Buffer
	if err := reg.Schema.Template(&b); err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	rows, _ := x.GetRows(reg.Schema.Sheet)
	if len(rows) != 2 || len(rows[0]) != len(reg.Schema.Columns) {
		t.Fatalf("%s template: %q", reg.Name, rows)
	}
	dvs, _ := x.GetDataValidations(reg.Schema.Sheet)
	want := 0
	for _, c := range reg.Schema.Columns {
		if c.Kind == sheet.Enum || c.Kind == sheet.Bool {
			want++
		}
	}
	if len(dvs) != want {
		t.Fatalf("%s template: %d drop-downs, want %d", reg.Name, len(dvs), want)
	}
	before := f.digest()
	if rep := f.run(reg, b.Bytes(), registers.Options{}); rep.Total != 0 || rep.Written || f.digest() != before {
		t.Fatalf("%s: the untouched template imported %+v", reg.Name, rep)
	}
}

// badRows imports file into the subtree at within: it must be refused whole with the problems
// want ("row column:rule" in the report's order), each naming its sheet, header and reason, and
// nothing written (a dry run writes nothing either); with GoodRowsOnly the good rows are created.
func (f *fixture) badRows(reg *registers.Register, file []byte, within, want string, good int) {
	f.t.Helper()
	before := f.digest()
	rep := f.run(reg, file, registers.Options{Within: within})
	if got := problems(rep); got != want || rep.Written || rep.Good != good || f.digest() != before {
		f.t.Fatalf("bad rows: %s (good %d, written %v)\nwant %s", got, rep.Good, rep.Written, want)
	}
	for _, p := range rep.Problems {
		if p.Sheet != reg.Schema.Sheet || p.Header == "" || p.Message == "" {
			f.t.Fatalf("a problem without its sheet, header or reason: %+v", p)
		}
	}
	if rep := f.run(reg, file, registers.Options{Within: within, DryRun: true, GoodRowsOnly: true}); rep.Written || f.digest() != before {
		f.t.Fatal("a dry run wrote")
	}
	rep = f.run(reg, file, registers.Options{Within: within, GoodRowsOnly: true})
	if !rep.Written || rep.Created != good {
		f.t.Fatalf("good rows only: %s %+v", problems(rep), rep)
	}
}

func TestBuildingSheet(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		f := newFixture(t, e)
		tr := f.tr
		reg := registers.Buildings
		checkTemplate(t, f, reg)
		c1 := registers.Options{Within: tr.Community1.Path}

		bad := book(t, reg,
			[]any{tr.Grid1.Code, "", "2号楼", 2, 6},
			[]any{"42030299999999", "", "3号楼", 1, 1},             // row 3: no such grid
			[]any{tr.Community1.Code, "", "4号楼", 1, 1},           // row 4: a community
			[]any{tr.Grid1.Code, "12", "5号楼", 1, 1},              // row 5: a code off the scheme
			[]any{tr.Grid1.Code, "", "6号楼", 0, 1},                // row 6: no units
			[]any{tr.Grid1.Code, "", "2号楼", 1, 1},                // row 7: the same as row 2
			[]any{tr.Grid2.Code, tr.Building1.Code, "1号楼", 1, 1}, // row 8: Building1 is Grid1's
			[]any{tr.Grid3.Code, "", "7号楼", 1, 1},                // row 9: another community
			[]any{tr.Grid2.Code, "", "8号楼", "", 250},             // row 10: too many floors
		)
		f.badRows(reg, bad, tr.Community1.Path, "6D:range 10E:range 3A:exists 4A:kind 5B:code_scheme 7C:duplicate 8A:moved 9A:scope", 1)
		good := book(t, reg,
			[]any{tr.Grid1.Code, "", "2号楼", 2, 7},                // recorded (by name): new layout
			[]any{tr.Grid1.Code, tr.Building1.Code, "1栋", 3, 18}, // renamed
			[]any{tr.Grid2.Code, "", "5号楼", "", ""},
			[]any{tr.Grid2.Code, tr.Grid2.Code + "009", "9号楼", 4, ""}, // a new one with its code
		)
		rep := f.run(reg, good, c1)
		if !rep.Written || rep.Created != 2 || rep.Updated != 2 || len(rep.Problems) > 0 {
			t.Fatalf("good file: %s %+v", problems(rep), rep)
		}
		if rep := f.run(reg, good, c1); rep.Unchanged != 4 {
			t.Fatalf("the same file again: %+v", rep)
		}
		hist, err := f.s.History(context.Background(), "node", tr.Building1.ID)
		if err != nil || hist[len(hist)-1].Change != "rename" {
			t.Fatalf("the rename is not in the node's history: %+v %v", hist, err)
		}
		// Scope: a grid leader of Grid1 may add buildings there only.
		before := f.digest()
		rep = f.run(reg, book(t, reg, []any{tr.Grid1.Code, "", "10号楼", 1, 1}, []any{tr.Grid2.Code, "", "11号楼", 1, 1}),
			registers.Options{Within: tr.Community1.Path, Allowed: func(p string) bool { return redgrid.IsBelow(p, tr.Grid1.Path) }})
		if problems(rep) != "3A:forbidden" || rep.Written || f.digest() != before {
			t.Fatalf("outside the importer's scope: %s", problems(rep))
		}
		roundTrip(t, e, f, reg, nil)
	})
}

// idNumber is a valid resident ID number (GB 11643) born on the date given (YYYYMMDD).
func idNumber(birth string, seq int) string {
	first := fmt.Sprintf("420302%s%03d", birth, seq)
	return first + string(pii.IDCheckChar(first))
}

func (f *fixture) branch(name string, committee redgrid.PartyOrg, n redgrid.Node) redgrid.PartyOrg {
	f.t.Helper()
	p, _, err := f.s.CreatePartyOrg(context.Background(), redgrid.NewPartyOrg{Kind: redgrid.PartyBranch, Name: name, ParentID: &committee.ID, NodeID: n.ID, ValidFrom: "2020-01-01"})
	if err != nil {
		f.t.Fatal(err)
	}
	return p
}

func TestMemberSheet(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		f := newFixture(t, e)
		tr := f.tr
		reg := registers.Members
		checkTemplate(t, f, reg)
		f.branch("柳林第一网格党支部", tr.Community2Committee, tr.Grid3)
		branch := tr.Grid1Branch.Name
		c1 := registers.Options{Within: tr.Community1.Path}
		bad := book(t, reg,
			[]any{"张三", "13800138000", branch, "2001-07-01", "正式党员", "十堰市人民医院", "是", "是", tr.Grid1.Code},
			[]any{"李四", "13800138001", "柳林第一网格党支部", "2001-07-01", "", "", "是", "是", tr.Grid1.Code}, // row 3: another community's branch
			[]any{"王五", "1380013", branch, "2001-07-01", "", "", "否", "否", tr.Grid1.Code},          // row 4: a bad phone
			[]any{"赵六", "", "不存在的支部", "2001-07-01", "", "", "否", "否", tr.Grid1.Code},               // row 5: no such branch
			[]any{"钱七", "", branch, "2001-02-30", "", "", "否", "否", tr.Grid1.Code},                 // row 6: no such date
			[]any{"孙八", "", branch, "2001-07-01", "", "", "否", "是", tr.Grid1.Code},                 // row 7: sinking, not in service
			[]any{"周九", "", branch, "2001-07-01", "", "", "否", "否", tr.Community1.Code},            // row 8: a community
			[]any{"吴十", "", branch, "2001-07-01", "", "", "否", "否", tr.Grid3.Code},                 // row 9: outside the node
			[]any{"张三", "", branch, "2001-07-01", "", "", "否", "否", tr.Building1.Code},             // row 10: row 2 again
			[]any{"郑一", "", branch, "2001-07-01", "党员", "", "否", "否", tr.Building1.Code},           // row 11: no such status
		)
		f.badRows(reg, bad, tr.Community1.Path, "4B:format 6D:date 11E:enum 3C:same_community 5C:exists 7H:in_service 8I:kind 9I:scope 10A:duplicate", 1)
		good := book(t, reg,
			[]any{"张三", "13800138000", branch, "2001-07-01", "正式党员", "十堰市中心医院", "是", "是", tr.Grid1.Code}, // changed
			[]any{"李四", "0719-8123456", branch, "2023-03-01", "预备党员", "", "否", "否", tr.Building1.Code},
		)
		if rep := f.run(reg, good, c1); !rep.Written || rep.Created != 1 || rep.Updated != 1 {
			t.Fatalf("good file: %s %+v", problems(rep), rep)
		}
		// The masked export imports again: the masked phone keeps the recorded one.
		rows, file := f.export(reg, false)
		if len(rows) != 2 || rows[0][1] != "138****8000" {
			t.Fatalf("masked export: %q", rows)
		}
		if rep := f.run(reg, file, c1); rep.Unchanged != 2 || len(rep.Problems) > 0 {
			t.Fatalf("the masked export again: %s %+v", problems(rep), rep)
		}
		var sealed string
		if err := f.s.DB().QueryRow("SELECT phone FROM members WHERE name = '张三'").Scan(&sealed); err != nil || strings.Contains(sealed, "138") {
			t.Fatalf("the phone is not sealed: %q %v", sealed, err)
		}
		// Scope: importing members needs the party's right where they live.
		rep := f.run(reg, good, registers.Options{Within: tr.Community1.Path, Allowed: func(string) bool { return false }})
		if problems(rep) != "2I:forbidden 3I:forbidden" || rep.Written {
			t.Fatalf("outside the importer's scope: %s", problems(rep))
		}
		roundTrip(t, e, f, reg, nil)
	})
}

func (f *fixture) org(kind redgrid.OrgKind, name string, home redgrid.Node) redgrid.Org {
	f.t.Helper()
	o, _, err := f.s.CreateOrg(context.Background(), redgrid.NewOrg{Kind: kind, Name: name, HomeNodeID: home.ID})
	if err != nil {
		f.t.Fatal(err)
	}
	return o
}

func TestVolunteerSheet(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		f := newFixture(t, e)
		tr := f.tr
		reg := registers.Volunteers
		checkTemplate(t, f, reg)
		f.org(redgrid.OrgVolunteerTeam, "五堰志愿服务队", tr.Community1)
		known, _, err := f.s.RegisterVolunteer(context.Background(), redgrid.NewVolunteer{NodeID: tr.Community1.ID, Name: "老志愿者",
			IDNumber: idNumber("19600101", 1), Colours: []redgrid.Colour{redgrid.ColourElderly}})
		if err != nil {
			t.Fatal(err)
		}
		c1 := registers.Options{Within: tr.Community1.Path}
		wrongCheck := idNumber("19800101", 2)
		wrongCheck = wrongCheck[:17] + map[bool]string{true: "1", false: "2"}[wrongCheck[17] != '1']
		bad := book(t, reg,
			[]any{"", "甲", idNumber("19800101", 3), "13700137000", "关爱老人、治安维稳", "五堰志愿服务队", tr.Community1.Code},
			[]any{"", "乙", wrongCheck, "", "关爱老人", "", tr.Community1.Code},              // row 3: checksum
			[]any{"", "丙", idNumber("19800101", 3), "", "关爱老人", "", tr.Grid1.Code},      // row 4: row 2's ID number
			[]any{"", "丁", idNumber("19600101", 1), "", "关爱老人", "", tr.Grid1.Code},      // row 5: registered already
			[]any{"", "戊", idNumber("19800101", 4), "", "扶贫济困", "", tr.Grid1.Code},      // row 6: no such colour
			[]any{"", "己", "", "", "关爱老人", "", tr.Grid1.Code},                           // row 7: a new one without ID number
			[]any{"ZY42030299999999", "庚", "", "", "关爱老人", "", tr.Grid1.Code},           // row 8: no such number
			[]any{"", "辛", idNumber("19800101", 5), "", "关爱老人", "不存在的队", tr.Grid1.Code}, // row 9: no such team
			[]any{"", "壬", idNumber("19800101", 6), "", "关爱老人", "", tr.Grid3.Code},      // row 10: outside the node
		)
		f.badRows(reg, bad, tr.Community1.Path, "6E:enum 3C:checksum 4C:duplicate 5C:unique 7C:required 8A:exists 9F:exists 10G:scope", 1)
		// The export: numbers, never ID numbers; it imports again by number.
		rows, file := f.export(reg, true)
		if len(rows) != 2 || rows[0][0] != known.Number || rows[1][2] != "" || rows[1][5] != "五堰志愿服务队" || !strings.HasPrefix(rows[1][0], "ZY420302") {
			t.Fatalf("export: %q", rows)
		}
		if rep := f.run(reg, file, c1); rep.Unchanged != 2 || len(rep.Problems) > 0 {
			t.Fatalf("the export again: %s %+v", problems(rep), rep)
		}
		_, masked := f.export(reg, false)
		if rep := f.run(reg, masked, c1); rep.Unchanged != 2 || len(rep.Problems) > 0 {
			t.Fatalf("the masked export again: %s %+v", problems(rep), rep)
		}
		changed := book(t, reg, []any{rows[1][0], "甲", idNumber("19800101", 3), "13700137009", "文化体育", "", tr.Grid1.Code},
			[]any{known.Number, "老志愿者", idNumber("19800101", 7), "", "关爱老人", "", tr.Community1.Code}) // row 3: not their ID number
		if rep := f.run(reg, changed, c1); problems(rep) != "3C:mismatch" || rep.Written {
			t.Fatalf("another's ID number: %s", problems(rep))
		}
		if rep := f.run(reg, changed, registers.Options{Within: tr.Community1.Path, GoodRowsOnly: true}); rep.Updated != 1 {
			t.Fatalf("a changed volunteer: %s %+v", problems(rep), rep)
		}
		if v, err := f.s.VolunteerByNumber(context.Background(), rows[1][0]); err != nil || v.NodeID != tr.Grid1.ID || v.Colours[0] != redgrid.ColourCulture || v.TeamID != nil {
			t.Fatalf("changed: %+v %v", v, err)
		}
		// Scope: a grid worker of Grid1 registers there only.
		rep := f.run(reg, book(t, reg, []any{"", "癸", idNumber("19900101", 8), "", "关爱老人", "", tr.Grid2.Code}),
			registers.Options{Within: tr.Community1.Path, Allowed: func(p string) bool { return redgrid.IsBelow(p, tr.Grid1.Path) }})
		if problems(rep) != "2G:forbidden" || rep.Written {
			t.Fatalf("outside the importer's scope: %s", problems(rep))
		}
		// Into an empty district the export registers nobody: it has no ID numbers.
		g := newFixture(t, e)
		g.org(redgrid.OrgVolunteerTeam, "五堰志愿服务队", g.tr.Community1)
		before := g.digest()
		if rep := g.run(reg, file, registers.Options{}); rep.Written || problems(rep) != "2A:exists 3A:exists" || g.digest() != before {
			t.Fatalf("the export into an empty district: %s", problems(rep))
		}
	})
}

func TestUnitSheet(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		f := newFixture(t, e)
		tr := f.tr
		reg := registers.Units
		checkTemplate(t, f, reg)
		c1 := registers.Options{Within: tr.Community1.Path}
		both := tr.Grid1.Code + "、" + tr.Grid2.Code
		bad := book(t, reg,
			[]any{"十堰市第一中学", "91420302MA4F00001Q", tr.Community1.Code, tr.Community1.Code, "张老师"},
			[]any{"市供电公司", "91420302MA4F00001X", tr.Community1.Code, "", ""},                         // row 3: a bad check character
			[]any{"市自来水公司", "", tr.Community1.Code, "42030299999999", ""},                            // row 4: no such node
			[]any{"柳林小学", "", tr.Community2.Code, tr.Grid3.Code, ""},                                 // row 5: another community
			[]any{"市人民医院", "91420302MA4F00001Q", tr.Community1.Code, "", ""},                         // row 6: row 2's code
			[]any{"市图书馆", "", tr.Community1.Code, "42A", ""},                                         // row 7: not a code
			[]any{"十堰市第一中学", "", "42030299", "", ""},                                                 // row 8: no such home
			[]any{"市税务局", "", tr.Community1.Code, strings.Repeat("四", 10), strings.Repeat("x", 201)}, // row 9: contact too long
		)
		f.badRows(reg, bad, tr.Community1.Path, "3B:gb32100 7D:codes 9D:codes 9E:max_length 4D:exists 5C:scope 6B:duplicate 8C:exists", 1)
		good := book(t, reg,
			[]any{"十堰市一中", "91420302MA4F00001Q", tr.Community1.Code, both, "张老师 0719-8888888"}, // renamed, found by its code
			[]any{"市供电公司", "", tr.Community1.Code, tr.Grid1.Code, ""},
		)
		if rep := f.run(reg, good, c1); !rep.Written || rep.Created != 1 || rep.Updated != 1 {
			t.Fatalf("good file: %s %+v", problems(rep), rep)
		}
		if rep := f.run(reg, good, c1); rep.Unchanged != 2 {
			t.Fatalf("the same file again: %s %+v", problems(rep), rep)
		}
		units, err := f.s.OrgsHomedIn(context.Background(), redgrid.OrgResidentUnit, tr.Community1.Path)
		if err != nil || len(units) != 2 || units[0].Name != "十堰市一中" || len(units[0].NodeIDs) != 2 {
			t.Fatalf("units: %+v %v", units, err)
		}
		if hist, err := f.s.History(context.Background(), "org", units[0].ID); err != nil || len(hist) != 3 {
			t.Fatalf("history of the unit: %+v %v", hist, err)
		}
		// Scope: the organisations' right at the home and at every node served.
		rep := f.run(reg, good, registers.Options{Within: tr.Community1.Path, Allowed: func(p string) bool { return !redgrid.IsWithin(p, tr.Grid2.Path) }})
		if problems(rep) != "2D:forbidden" || rep.Written {
			t.Fatalf("outside the importer's scope: %s", problems(rep))
		}
		roundTrip(t, e, f, reg, nil)
	})
}
