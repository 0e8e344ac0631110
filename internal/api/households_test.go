package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/api"
	"github.com/redgrid/redgrid/internal/redgridtest"
	"github.com/xuri/excelize/v2"
)

type householdDoc struct {
	ID        int64
	Unit      int
	Floor     int
	Room      string
	Occupancy string
	LeadID    *int64 `json:"lead_id"`
	LeadName  string `json:"lead_name"`
	Version   int
}

// leadHousehold creates a 党员中心户 in grid g under branch.
func (ev *env) leadHousehold(name string, branch redgrid.PartyOrg, g redgrid.Node) redgrid.PartyOrg {
	ev.t.Helper()
	p, _, err := ev.store.CreatePartyOrg(context.Background(), redgrid.NewPartyOrg{Kind: redgrid.PartyLeadHousehold, Name: name,
		ParentID: &branch.ID, NodeID: g.ID, ValidFrom: "2020-01-01"})
	if err != nil {
		ev.t.Fatal(err)
	}
	return p
}

// TestHouseholds: grid workers and community staff record the households of their buildings;
// others are refused; bad records are refused naming the field and change nothing; two people
// changing one household: the second is told; the building's chart places each household.
func TestHouseholds(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev := newEnv(t, e, api.Config{})
		tr := ev.tree
		lead := ev.leadHousehold("张大爷家", tr.Grid1Branch, tr.Grid1)
		branch3, _, err := ev.store.CreatePartyOrg(context.Background(), redgrid.NewPartyOrg{Kind: redgrid.PartyBranch, Name: "柳林第一网格党支部",
			ParentID: &tr.Community2Committee.ID, NodeID: tr.Grid3.ID, ValidFrom: "2020-01-01"})
		if err != nil {
			t.Fatal(err)
		}
		elsewhere := ev.leadHousehold("李阿姨家", branch3, tr.Grid3)
		body := func(unit, floor int, room string, lead int64) string {
			l := "null"
			if lead != 0 {
				l = fmt.Sprint(lead)
			}
			return fmt.Sprintf(`{"building_id":%d,"unit":%d,"floor":%d,"room":%q,"occupancy":"rented","lead_id":%s}`, tr.Building1.ID, unit, floor, room, l)
		}
		res, b := ev.do("grid1", "POST", "/api/v1/households", body(2, 3, "301", lead.ID), nil)
		var h householdDoc
		if res.StatusCode != 201 || json.Unmarshal(b, &h) != nil || h.LeadName != "张大爷家" || h.Occupancy != "rented" {
			t.Fatalf("grid worker records a household: %d %s", res.StatusCode, b)
		}
		if res, b := ev.do("community1", "POST", "/api/v1/households", body(1, -1, "B01", 0), nil); res.StatusCode != 201 {
			t.Fatalf("community staff records a basement: %d %s", res.StatusCode, b)
		}
		before := ev.digest()
		for _, bad := range []struct {
			user, body, field, rule string
			status                  int
		}{
			{"grid1", body(2, 3, "301", 0), "room", "unique", 409},
			{"grid1", body(2, 0, "001", 0), "floor", "range", 400},
			{"grid1", body(100, 1, "101", 0), "unit", "range", 400},
			{"grid1", body(1, 1, " ", 0), "room", "required", 400},
			{"grid1", body(1, 1, strings.Repeat("室", 17), 0), "room", "max_length", 400},
			{"grid1", body(1, 1, "101", elsewhere.ID), "lead_id", "same_grid", 400},
			{"grid1", body(1, 1, "101", tr.Grid1Branch.ID), "lead_id", "kind", 400},
			{"grid1", strings.Replace(body(1, 1, "101", 0), `"rented"`, `"hotel"`, 1), "occupancy", "enum", 400},
			{"grid1", strings.Replace(body(1, 1, "101", 0), fmt.Sprint(tr.Building1.ID), fmt.Sprint(tr.Grid1.ID), 1), "building_id", "kind", 400},
			{"community2", body(1, 1, "101", 0), "", "", 403},
			{"resident1", body(1, 1, "101", 0), "", "", 403},
			{"dept1", body(1, 1, "101", 0), "", "", 403},
			{"leader1", body(1, 1, "101", 0), "", "", 403},
		} {
			res, b := ev.do(bad.user, "POST", "/api/v1/households", bad.body, nil)
			if res.StatusCode != bad.status || bad.field != "" && !strings.Contains(string(b), `"field":"`+bad.field+`","rule":"`+bad.rule+`"`) {
				t.Errorf("%s %s/%s: %d %s", bad.user, bad.field, bad.rule, res.StatusCode, b)
			}
		}
		if ev.digest() != before {
			t.Fatal("a refused household changed something")
		}

		// Reading: in scope yes, outside no; residents and departments never.
		list := func(user string, node int64, q string) (int, []householdDoc) {
			res, b := ev.do(user, "GET", fmt.Sprintf("/api/v1/households?node=%d&q=%s", node, q), "", nil)
			var l struct{ Items []householdDoc }
			json.Unmarshal(b, &l)
			return res.StatusCode, l.Items
		}
		if st, l := list("leader1", tr.District.ID, ""); st != 200 || len(l) != 2 {
			t.Fatalf("leader reads the district: %d %v", st, l)
		}
		if st, l := list("community1", tr.Community1.ID, "301"); st != 200 || len(l) != 1 || l[0].ID != h.ID {
			t.Fatalf("search by room: %d %v", st, l)
		}
		for _, u := range []string{"community2", "resident1", "dept1"} {
			if st, _ := list(u, tr.Community1.ID, ""); st != 403 {
				t.Errorf("%s lists Community1's households: %d", u, st)
			}
		}

		// Two people change the same household: the second, with the old version, is told.
		hdr := map[string]string{"If-Match": `"1"`}
		if res, b := ev.do("grid1", "PATCH", fmt.Sprintf("/api/v1/households/%d", h.ID), `{"occupancy":"vacant","clear_lead":true}`, hdr); res.StatusCode != 200 {
			t.Fatalf("patch: %d %s", res.StatusCode, b)
		}
		if res, b := ev.do("community1", "PATCH", fmt.Sprintf("/api/v1/households/%d", h.ID), `{"occupancy":"owner"}`, hdr); res.StatusCode != 412 {
			t.Fatalf("stale patch: %d %s", res.StatusCode, b)
		}
		res, b = ev.do("grid1", "GET", fmt.Sprintf("/api/v1/households/%d", h.ID), "", nil)
		json.Unmarshal(b, &h)
		if h.Occupancy != "vacant" || h.LeadID != nil || h.Version != 2 || res.Header.Get("ETag") != `"2"` {
			t.Fatalf("after the patches: %+v %s", h, res.Header.Get("ETag"))
		}

		// The chart: floors top down (basement last) × units.
		res, b = ev.do("community1", "GET", fmt.Sprintf("/api/v1/buildings/%d/chart", tr.Building1.ID), "", nil)
		var chart struct {
			Units, Floors, Lowest int
			Cells                 []struct {
				Floor, Unit int
				Households  []householdDoc
			}
		}
		if res.StatusCode != 200 || json.Unmarshal(b, &chart) != nil {
			t.Fatalf("chart: %d %s", res.StatusCode, b)
		}
		if chart.Units != 2 || chart.Floors != 3 || chart.Lowest != -1 || len(chart.Cells) != 8 {
			t.Fatalf("chart %d units × floors %d..%d, %d cells", chart.Units, chart.Lowest, chart.Floors, len(chart.Cells))
		}
		first, last := chart.Cells[0], chart.Cells[len(chart.Cells)-1]
		if first.Floor != 3 || first.Unit != 1 || last.Floor != -1 || last.Unit != 2 {
			t.Fatalf("chart order: first %d/%d last %d/%d", first.Floor, first.Unit, last.Floor, last.Unit)
		}
		found := 0
		for _, c := range chart.Cells {
			for _, x := range c.Households {
				if x.Floor != c.Floor || x.Unit != c.Unit {
					t.Errorf("household %s in cell %d/%d", x.Room, c.Floor, c.Unit)
				}
				found++
			}
		}
		if found != 2 {
			t.Fatalf("%d households on the chart", found)
		}
		if res, _ := ev.do("community1", "GET", fmt.Sprintf("/api/v1/buildings/%d/chart", tr.Grid1.ID), "", nil); res.StatusCode != 400 {
			t.Fatalf("chart of a grid: %d", res.StatusCode)
		}
		// The declared layout: the chart shows every unit and floor, recorded or not.
		layout := fmt.Sprintf("/api/v1/buildings/%d/layout", tr.Building1.ID)
		before = ev.digest()
		for _, bad := range []struct {
			user, body string
			status     int
		}{{"grid1", `{"units":0,"floors":6}`, 400}, {"grid1", `{"units":3,"floors":201}`, 400}, {"community2", `{"units":3,"floors":6}`, 403}, {"leader1", `{"units":3,"floors":6}`, 403}} {
			if res, b := ev.do(bad.user, "PUT", layout, bad.body, nil); res.StatusCode != bad.status {
				t.Errorf("layout %s %s: %d %s", bad.user, bad.body, res.StatusCode, b)
			}
		}
		if ev.digest() != before {
			t.Fatal("a refused layout changed something")
		}
		res, b = ev.do("grid1", "PUT", layout, `{"units":3,"floors":6}`, nil)
		if res.StatusCode != 200 || json.Unmarshal(b, &chart) != nil || chart.Units != 3 || chart.Floors != 6 || len(chart.Cells) != 3*7 {
			t.Fatalf("layout: %d units %d floors %d cells %d", res.StatusCode, chart.Units, chart.Floors, len(chart.Cells))
		}
	})
}

// householdBook builds a 住户 sheet.
func householdBook(t *testing.T, rows ...[]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetName("Sheet1", "住户")
	all := append([][]any{{"*楼栋编码", "楼栋名称", "*单元", "*楼层", "*门牌号", "居住状态", "联系党员中心户", "备注"}}, rows...)
	for i, r := range all {
		if err := f.SetSheetRow("住户", fmt.Sprintf("A%d", i+1), &r); err != nil {
			t.Fatal(err)
		}
	}
	var b bytes.Buffer
	f.WriteTo(&b)
	return b.Bytes()
}

func (ev *env) uploadSheet(user, path string, body []byte, contentType string) (int, []byte) {
	ev.t.Helper()
	req, _ := http.NewRequest("POST", ev.srv.URL+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "Bearer "+ev.tokens[user])
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		ev.t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return res.StatusCode, b
}

const xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// TestRegisterImportExport: a household sheet with a bad row is refused whole, naming the sheet,
// row, column and reason, and nothing is written; with good_rows_only the good rows are; a second
// import of the same file changes nothing; the export carries the exporter and imports again.
func TestRegisterImportExport(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev := newEnv(t, e, api.Config{})
		tr := ev.tree
		ev.leadHousehold("张大爷家", tr.Grid1Branch, tr.Grid1)
		code := tr.Building1.Code
		c1 := fmt.Sprintf("/api/v1/registers/households/import?node=%d", tr.Community1.ID)

		res, tpl := ev.do("grid1", "GET", "/api/v1/registers/households/template", "", nil)
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != xlsx {
			t.Fatalf("template: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
		}
		if st, b := ev.uploadSheet("community1", c1, tpl, xlsx); st != 200 || !strings.Contains(string(b), `"rows":0`) {
			t.Fatalf("the untouched template imports nothing: %d %s", st, b)
		}

		file := householdBook(t,
			[]any{code, "1号楼", 1, 2, "201", "自住", "张大爷家", ""},
			[]any{code, "", 1, 3, "301", "", "", "独居老人户"},
			[]any{code, "2号楼", 1, 4, "401", "自住", "", ""},     // row 4: name does not match
			[]any{"999999", "", 1, 5, "501", "租住", "", ""},    // row 5: no such building
			[]any{code, "", 1, 0, "001", "出借", "王大妈家", ""},    // row 6: floor 0, unknown occupancy
			[]any{code, "", 1, 6, "201", "", "", ""},          // row 7: the same room as row 2
			[]any{tr.Grid1.Code, "", 1, 1, "101", "", "", ""}, // row 8: not a building
		)
		before := ev.digest()
		st, b := ev.uploadSheet("community1", c1, file, xlsx)
		if st != 422 {
			t.Fatalf("a sheet with bad rows: %d %s", st, b)
		}
		var pd struct {
			Report struct {
				Rows     int
				Good     int `json:"good_rows"`
				Written  bool
				Problems []struct {
					Sheet, Column, Header, Rule, Message string
					Row                                  int
				}
			}
		}
		if err := json.Unmarshal(b, &pd); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range pd.Report.Problems {
			got = append(got, fmt.Sprintf("%d%s:%s", p.Row, p.Column, p.Rule))
			if p.Sheet != "住户" || p.Message == "" {
				t.Errorf("problem without its sheet or reason: %+v", p)
			}
		}
		want := "6D:range 6F:enum 4B:mismatch 5A:exists 7E:duplicate 8A:kind"
		if strings.Join(got, " ") != want || pd.Report.Rows != 7 || pd.Report.Good != 2 || pd.Report.Written {
			t.Fatalf("report: %v (rows %d, good %d, written %v)\nwant %s", got, pd.Report.Rows, pd.Report.Good, pd.Report.Written, want)
		}
		if ev.digest() != before {
			t.Fatal("a refused import wrote something")
		}
		if st, b := ev.uploadSheet("community1", c1+"&dry_run=true&good_rows_only=true", file, xlsx); st != 200 || ev.digest() != before {
			t.Fatalf("dry run: %d %s", st, b)
		}

		st, b = ev.uploadSheet("community1", c1+"&good_rows_only=true", file, xlsx)
		var rep struct {
			Written                     bool
			Created, Updated, Unchanged int
		}
		if json.Unmarshal(b, &rep); st != 200 || !rep.Written || rep.Created != 2 {
			t.Fatalf("good rows only: %d %s", st, b)
		}
		res, b = ev.do("community1", "GET", fmt.Sprintf("/api/v1/households?node=%d", tr.Building1.ID), "", nil)
		var l struct{ Items []householdDoc }
		json.Unmarshal(b, &l)
		if len(l.Items) != 2 || l.Items[0].Room != "201" || l.Items[0].LeadName != "张大爷家" || l.Items[1].Occupancy != "owner" {
			t.Fatalf("imported: %s", b)
		}
		// Again: nothing new. Changed: updated.
		if st, b := ev.uploadSheet("community1", c1+"&good_rows_only=true", file, xlsx); st != 200 || !strings.Contains(string(b), `"unchanged":2`) {
			t.Fatalf("the same file again: %d %s", st, b)
		}
		changed := householdBook(t, []any{code, "", 1, 2, "201", "空置", "", ""})
		if st, b := ev.uploadSheet("community1", c1, changed, xlsx); st != 200 || !strings.Contains(string(b), `"updated":1`) {
			t.Fatalf("a changed row: %d %s", st, b)
		}

		// Scope: another community's staff cannot import into this one, nor name its buildings.
		if st, _ := ev.uploadSheet("community2", c1, changed, xlsx); st != 403 {
			t.Fatalf("community2 imports into community1: %d", st)
		}
		before = ev.digest()
		st, b = ev.uploadSheet("community2", fmt.Sprintf("/api/v1/registers/households/import?node=%d", tr.Community2.ID), changed, xlsx)
		if st != 422 || !strings.Contains(string(b), `"rule":"scope"`) || ev.digest() != before {
			t.Fatalf("community2 names community1's building: %d %s", st, b)
		}

		// Files that are not the sheet.
		for _, bad := range []struct {
			body        []byte
			ct, rule    string
			status      int
			description string
		}{
			{[]byte("楼栋编码,单元\n1,2\n"), xlsx, "format", 400, "a CSV"},
			{householdBook(t)[:100], xlsx, "format", 400, "a cut file"},
			{file, "text/csv", "media_type", 415, "a wrong content type"},
			{nil, xlsx, "required", 400, "no body"},
		} {
			st, b := ev.uploadSheet("community1", c1, bad.body, bad.ct)
			if st != bad.status || !strings.Contains(string(b), `"rule":"`+bad.rule+`"`) {
				t.Errorf("%s: %d %s", bad.description, st, b)
			}
		}
		if ev.digest() != before {
			t.Fatal("a refused file wrote something")
		}

		// Export: the exporter and the time on every page, and the file imports again unchanged.
		res, out := ev.do("community1", "GET", fmt.Sprintf("/api/v1/registers/households/export?node=%d", tr.Community1.ID), "", nil)
		if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Content-Disposition"), "filename*=UTF-8''") {
			t.Fatalf("export: %d %s", res.StatusCode, res.Header)
		}
		f, err := excelize.OpenReader(bytes.NewReader(out))
		if err != nil {
			t.Fatal(err)
		}
		hf, _ := f.GetHeaderFooter("住户")
		by, _ := f.GetCellValue("导出信息", "B2")
		rows, _ := f.GetRows("住户")
		f.Close()
		if hf == nil || !strings.Contains(hf.OddFooter, "community1") || !strings.Contains(by, "community1") || len(rows) != 3 {
			t.Fatalf("export footer %v, by %q, %d rows", hf, by, len(rows))
		}
		if st, b := ev.uploadSheet("community1", c1, out, xlsx); st != 200 || !strings.Contains(string(b), `"unchanged":2`) {
			t.Fatalf("re-import of the export: %d %s", st, b)
		}
		if res, _ := ev.do("community2", "GET", fmt.Sprintf("/api/v1/registers/households/export?node=%d", tr.Community1.ID), "", nil); res.StatusCode != 403 {
			t.Fatalf("community2 exports community1: %d", res.StatusCode)
		}
		if res, _ := ev.do("community1", "GET", "/api/v1/registers/pets/template", "", nil); res.StatusCode != 404 {
			t.Fatalf("unknown register: %d", res.StatusCode)
		}
		var n int
		if err := ev.store.DB().QueryRow("SELECT COUNT(*) FROM audit_log WHERE action = 'register.export'").Scan(&n); err != nil || n != 1 {
			t.Fatalf("export audited %d times (%v)", n, err)
		}
	})
}
