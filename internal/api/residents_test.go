package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/redgrid/redgrid/internal/api"
	"github.com/redgrid/redgrid/internal/redgridtest"
	"github.com/xuri/excelize/v2"
)

type residentDoc struct {
	ID       int64
	Name     string
	IDNumber string `json:"id_number"`
	Phone    string
	Masked   bool
	Gender   string
	Birth    string `json:"birth_date"`
	Address  string
	Tags     []string
}

// TestResidents: a grid worker records the residents of a household; their ID numbers are checked
// (GB 11643) and kept once; lists and records show them masked; the tags a role does not serve
// are not shown to it; search finds a resident by name, pinyin initials, ID number or phone within
// the caller's scope; an unmasking needs a reason, is logged, and is refused to roles that do not
// reach people.
func TestResidents(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev := newEnv(t, e, api.Config{})
		tr := ev.tree
		res, b := ev.do("grid1", "POST", "/api/v1/households", fmt.Sprintf(`{"building_id":%d,"unit":2,"floor":3,"room":"301"}`, tr.Building1.ID), nil)
		var h householdDoc
		if res.StatusCode != 201 || json.Unmarshal(b, &h) != nil {
			t.Fatalf("household: %d %s", res.StatusCode, b)
		}
		body := func(name, id, phone, tags string) string {
			return fmt.Sprintf(`{"household_id":%d,"name":%q,"id_number":%q,"phone":%q,"relation":"head","tags":[%s]}`, h.ID, name, id, phone, tags)
		}
		// 11010519491231002X is the GB 11643 standard's own example.
		res, b = ev.do("gridleader1", "POST", "/api/v1/residents", body("张三丰", "11010519491231002x", "138-0013-8000", `"elderly_alone","key_person"`), nil)
		var zs residentDoc
		if res.StatusCode != 201 || json.Unmarshal(b, &zs) != nil {
			t.Fatalf("grid leader records a resident: %d %s", res.StatusCode, b)
		}
		if !zs.Masked || zs.IDNumber != "110105********002X" || zs.Phone != "138****8000" || zs.Gender != "female" || zs.Birth != "1949-12-31" ||
			zs.Address != "1号楼2单元301" || strings.Contains(string(b), "13800138000") {
			t.Fatalf("the record as answered: %s", b)
		}
		if res, b := ev.do("grid1", "POST", "/api/v1/residents", body("李四", "", "0719-8123456", ""), nil); res.StatusCode != 201 {
			t.Fatalf("a resident without an ID number: %d %s", res.StatusCode, b)
		}
		before := ev.digest()
		for _, bad := range []struct {
			user, body, field, rule string
			status                  int
		}{
			{"grid1", body("王五", "11010519491231002X", "", ""), "id_number", "unique", 409},
			{"grid1", body("王五", "110105194912310021", "", ""), "id_number", "checksum", 400},
			{"grid1", body("王五", "110105194913310029", "", ""), "id_number", "birth_date", 400},
			{"grid1", body("王五", "11010519491231", "", ""), "id_number", "length", 400},
			{"grid1", body("王五", "", "12345", ""), "phone", "format", 400},
			{"grid1", body("王五", "", "", `"vip"`), "tags", "enum", 400},
			{"grid1", body("王五", "", "", `"key_person"`), "tags", "tag_role", 400}, // grid workers do not follow key persons
			{"grid1", body("", "", "", ""), "name", "required", 400},
			{"community2", body("王五", "", "", ""), "", "", 403},
			{"leader1", body("王五", "", "", ""), "", "", 403},
			{"dept1", body("王五", "", "", ""), "", "", 403},
		} {
			res, b := ev.do(bad.user, "POST", "/api/v1/residents", bad.body, nil)
			if res.StatusCode != bad.status || bad.field != "" && !strings.Contains(string(b), `"field":"`+bad.field+`","rule":"`+bad.rule+`"`) {
				t.Errorf("%s %s/%s: %d %s", bad.user, bad.field, bad.rule, res.StatusCode, b)
			}
		}
		if ev.digest() != before {
			t.Fatal("a refused resident changed something")
		}

		search := func(user string, node int64, q string) (int, []residentDoc) {
			res, b := ev.do(user, "GET", fmt.Sprintf("/api/v1/residents?node=%d&q=%s", node, q), "", nil)
			var l struct{ Items []residentDoc }
			json.Unmarshal(b, &l)
			return res.StatusCode, l.Items
		}
		for _, q := range []string{"zsf", "zs", "zhangsan", "%E5%BC%A0%E4%B8%89", "11010519491231002X", "13800138000", "%2B86%20138%200013%208000"} {
			st, l := search("community1", tr.Community1.ID, q)
			if st != 200 || len(l) != 1 || l[0].ID != zs.ID || !l[0].Masked {
				t.Errorf("search %q in the community: %d %+v", q, st, l)
			}
		}
		if st, l := search("community1", tr.Community1.ID, "ls"); st != 200 || len(l) != 1 || l[0].Name != "李四" {
			t.Errorf("search ls: %d %+v", st, l)
		}
		if st, l := search("admin", tr.Grid2.ID, "zsf"); st != 200 || len(l) != 0 {
			t.Errorf("search in another grid: %d %+v", st, l)
		}
		if st, _ := search("community2", tr.Community1.ID, "zsf"); st != 403 {
			t.Errorf("community2 searches community1: %d", st)
		}

		// Tags: the grid worker does not see the key-person tag; the community staff do.
		tagsOf := func(user string) []string {
			res, b := ev.do(user, "GET", fmt.Sprintf("/api/v1/residents/%d", zs.ID), "", nil)
			var d residentDoc
			if res.StatusCode != 200 || json.Unmarshal(b, &d) != nil {
				t.Fatalf("%s reads the resident: %d %s", user, res.StatusCode, b)
			}
			return d.Tags
		}
		if got := strings.Join(tagsOf("grid1"), ","); got != "elderly_alone" {
			t.Errorf("grid worker sees tags %q", got)
		}
		if got := strings.Join(tagsOf("community1"), ","); got != "elderly_alone,key_person" {
			t.Errorf("community staff see tags %q", got)
		}

		// Changes: the grid worker sets the tags it serves and the key-person tag it does not see
		// stays; a stale version is told; a move to another household of the grid.
		res, b = ev.do("grid1", "POST", "/api/v1/households", fmt.Sprintf(`{"building_id":%d,"unit":1,"floor":5,"room":"502"}`, tr.Building1.ID), nil)
		var h2 householdDoc
		if res.StatusCode != 201 || json.Unmarshal(b, &h2) != nil {
			t.Fatalf("second household: %d %s", res.StatusCode, b)
		}
		rpath := fmt.Sprintf("/api/v1/residents/%d", zs.ID)
		if res, b := ev.do("grid1", "PATCH", rpath, `{"tags":["key_person"]}`, nil); res.StatusCode != 400 || !strings.Contains(string(b), `"rule":"tag_role"`) {
			t.Fatalf("grid worker sets key_person: %d %s", res.StatusCode, b)
		}
		res, b = ev.do("grid1", "PATCH", rpath, fmt.Sprintf(`{"tags":["disabled"],"household_id":%d,"phone":"139 0000 1111"}`, h2.ID), map[string]string{"If-Match": `"1"`})
		if res.StatusCode != 200 {
			t.Fatalf("patch: %d %s", res.StatusCode, b)
		}
		if res, b := ev.do("community1", "PATCH", rpath, `{"note":"x"}`, map[string]string{"If-Match": `"1"`}); res.StatusCode != 412 {
			t.Fatalf("stale patch: %d %s", res.StatusCode, b)
		}
		res, b = ev.do("community1", "GET", rpath, "", nil)
		var moved residentDoc
		json.Unmarshal(b, &moved)
		if moved.Address != "1号楼1单元502" || moved.Phone != "139****1111" || strings.Join(moved.Tags, ",") != "disabled,key_person" && strings.Join(moved.Tags, ",") != "key_person,disabled" {
			t.Fatalf("after the patch: %s", b)
		}

		// Unmasking: a reason, logged; refused to leaders.
		path := fmt.Sprintf("/api/v1/residents/%d/unmask", zs.ID)
		if res, b := ev.do("grid1", "POST", path, `{"reason":" "}`, nil); res.StatusCode != 400 || !strings.Contains(string(b), `"rule":"required"`) {
			t.Fatalf("unmask without a reason: %d %s", res.StatusCode, b)
		}
		if res, _ := ev.do("leader1", "POST", path, `{"reason":"看看"}`, nil); res.StatusCode != 403 {
			t.Fatalf("a leader unmasks: %d", res.StatusCode)
		}
		res, b = ev.do("grid1", "POST", path, `{"reason":"上门走访前核实联系电话"}`, nil)
		var un struct {
			IDNumber string `json:"id_number"`
			Phone    string
		}
		if res.StatusCode != 200 || json.Unmarshal(b, &un) != nil || un.IDNumber != "11010519491231002X" || un.Phone != "13900001111" {
			t.Fatalf("unmask: %d %s", res.StatusCode, b)
		}
		var n int
		if err := ev.store.DB().QueryRow(fmt.Sprintf("SELECT COUNT(*) FROM pii_unmaskings WHERE subject = 'resident/%d'", zs.ID)).Scan(&n); err != nil || n != 1 {
			t.Fatalf("unmaskings logged: %d (%v)", n, err)
		}
		// At rest: neither the ID number nor the phone is in the row.
		var idCol, phoneCol string
		if err := ev.store.DB().QueryRow(fmt.Sprintf("SELECT id_number, phone FROM residents WHERE id = %d", zs.ID)).Scan(&idCol, &phoneCol); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(idCol, "1949") || strings.Contains(phoneCol, "0000") || !strings.HasPrefix(idCol, "pii1:") {
			t.Fatalf("stored in the clear: %q %q", idCol, phoneCol)
		}
	})
}

// TestResidentImport: a resident sheet is checked row by row — the ID number's checksum, a room
// not in the household register, an ID number twice, a tag the importer's role does not serve —
// and by default nothing is written; the good rows go in with good_rows_only; the same file again
// changes nothing; the export masks ID numbers and phones.
func TestResidentImport(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev := newEnv(t, e, api.Config{})
		tr := ev.tree
		if res, b := ev.do("grid1", "POST", "/api/v1/households", fmt.Sprintf(`{"building_id":%d,"unit":1,"floor":1,"room":"101"}`, tr.Building1.ID), nil); res.StatusCode != 201 {
			t.Fatalf("household: %d %s", res.StatusCode, b)
		}
		code := tr.Building1.Code
		f := excelize.NewFile()
		f.SetSheetName("Sheet1", "居民")
		for i, r := range [][]any{
			{"*楼栋编码", "*单元", "*门牌号", "*姓名", "身份证号", "联系电话", "与户主关系", "关爱标签", "备注"},
			{code, 1, "101", "张三", "11010519491231002X", "13800138000", "户主", "独居老人", ""},
			{code, 1, "101", "李四", "110105194912310021", "", "配偶", "", ""}, // row 3: checksum
			{code, 1, "999", "王五", "", "", "", "", ""},                     // row 4: no such household
			{code, 1, "101", "赵六", "11010519491231002X", "", "子女", "", ""}, // row 5: same ID as row 2
			{code, 1, "101", "钱七", "", "0719-8123456", "其他", "重点人员", ""},   // row 6: grid workers do not serve key persons
			{code, 1, "101", "孙八", "", "", "其他", "独居老人、VIP", ""},           // row 7: unknown tag
		} {
			f.SetSheetRow("居民", fmt.Sprintf("A%d", i+1), &r)
		}
		var buf bytes.Buffer
		f.WriteTo(&buf)
		file := buf.Bytes()
		path := fmt.Sprintf("/api/v1/registers/residents/import?node=%d", tr.Grid1.ID)
		before := ev.digest()
		st, b := ev.uploadSheet("grid1", path, file, xlsx)
		var pd struct {
			Report struct {
				Problems []struct {
					Row          int
					Column, Rule string
				}
			}
		}
		json.Unmarshal(b, &pd)
		var got []string
		for _, p := range pd.Report.Problems {
			got = append(got, fmt.Sprintf("%d%s:%s", p.Row, p.Column, p.Rule))
		}
		if want := "7H:enum 3E:checksum 4C:exists 5E:duplicate 6H:tag_role"; st != 422 || strings.Join(got, " ") != want {
			t.Fatalf("report %d: %v, want %s\n%s", st, got, want, b)
		}
		if ev.digest() != before {
			t.Fatal("a refused import wrote something")
		}
		st, b = ev.uploadSheet("grid1", path+"&good_rows_only=true", file, xlsx)
		if st != 200 || !strings.Contains(string(b), `"created":1`) {
			t.Fatalf("good rows only: %d %s", st, b)
		}
		if st, b := ev.uploadSheet("grid1", path+"&good_rows_only=true", file, xlsx); st != 200 || !strings.Contains(string(b), `"unchanged":1`) {
			t.Fatalf("again: %d %s", st, b)
		}
		res, out := ev.do("community1", "GET", fmt.Sprintf("/api/v1/registers/residents/export?node=%d", tr.Community1.ID), "", nil)
		if res.StatusCode != 200 {
			t.Fatalf("export: %d", res.StatusCode)
		}
		x, err := excelize.OpenReader(bytes.NewReader(out))
		if err != nil {
			t.Fatal(err)
		}
		defer x.Close()
		rows, _ := x.GetRows("居民")
		if len(rows) != 2 || rows[1][3] != "张三" || rows[1][4] != "110105********002X" || rows[1][5] != "138****8000" || rows[1][7] != "独居老人" {
			t.Fatalf("export rows %q", rows)
		}
	})
}
