package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/redgrid/redgrid/internal/api"
	"github.com/redgrid/redgrid/internal/redgridtest"
	"github.com/redgrid/redgrid/internal/registers"
	"github.com/xuri/excelize/v2"
)

// sheetBook builds a sheet of a register with its template's headers.
func sheetBook(t *testing.T, reg *registers.Register, rows ...[]any) []byte {
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
	f.WriteTo(&b)
	return b.Bytes()
}

// TestRegisterSheetsScope: the import wizard lists every register; each register's import asks
// for the right its rows need where they land (buildings: the tree's, so a grid leader but not a
// grid worker; members: the party's; units: the organisations'), refusing others with 403 and
// writing nothing; a member export masks the phone and is audited.
func TestRegisterSheetsScope(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev := newEnv(t, e, api.Config{})
		tr := ev.tree
		res, b := ev.do("grid1", "GET", "/api/v1/registers", "", nil)
		var l struct {
			Items []struct{ Name, Label, Sheet string }
		}
		if json.Unmarshal(b, &l); res.StatusCode != 200 || len(l.Items) != len(registers.All) || len(l.Items) != 9 {
			t.Fatalf("registers: %d %s", res.StatusCode, b)
		}
		for _, name := range []string{"buildings", "members", "volunteers", "units", "grid-staff", "posts", "baobao"} {
			res, _ := ev.do("community1", "GET", "/api/v1/registers/"+name+"/template", "", nil)
			if res.StatusCode != 200 || res.Header.Get("Content-Type") != xlsx {
				t.Fatalf("%s template: %d", name, res.StatusCode)
			}
		}
		url := func(reg string, n int64) string { return fmt.Sprintf("/api/v1/registers/%s/import?node=%d", reg, n) }
		buildings := sheetBook(t, registers.Buildings, []any{tr.Grid1.Code, "", "2号楼", 2, 6})
		members := sheetBook(t, registers.Members, []any{"张三", "13800138000", tr.Grid1Branch.Name, "2001-07-01", "", "", "是", "是", tr.Grid1.Code})
		units := sheetBook(t, registers.Units, []any{"十堰市第一中学", "", tr.Community1.Code, tr.Grid1.Code, ""})
		staff := sheetBook(t, registers.GridStaff, []any{tr.Grid1.Code, "", "专职网格员", "李娜", "13900139000", "否", "否", ""})
		before := ev.digest()
		for _, c := range []struct {
			user, reg string
			node      int64
			body      []byte
		}{
			{"grid1", "buildings", tr.Grid1.ID, buildings},       // a grid worker does not change the tree
			{"grid1", "members", tr.Grid1.ID, members},           // nor the party's registers
			{"gridleader1", "units", tr.Grid1.ID, units},         // nor does a grid leader the organisations
			{"community2", "members", tr.Community1.ID, members}, // another community
			{"community2", "units", tr.Community1.ID, units},
			{"grid1", "grid-staff", tr.Grid1.ID, staff},           // staffing a grid changes the tree there
			{"community2", "grid-staff", tr.Community1.ID, staff}, // another community
		} {
			if st, b := ev.uploadSheet(c.user, url(c.reg, c.node), c.body, xlsx); st != 403 {
				t.Fatalf("%s imports %s: %d %s", c.user, c.reg, st, b)
			}
		}
		// A grid leader may not staff the grid they lead: the row is refused.
		if st, b := ev.uploadSheet("gridleader1", url("grid-staff", tr.Grid1.ID), staff, xlsx); st != 422 || !strings.Contains(string(b), `"rule":"forbidden"`) {
			t.Fatalf("a grid leader staffs their own grid: %d %s", st, b)
		}
		// A grid worker's import of volunteers elsewhere is refused row by row.
		vol := sheetBook(t, registers.Volunteers, []any{"", "王五", "11010519491231002X", "", "关爱老人", "", tr.Grid2.Code})
		if st, b := ev.uploadSheet("grid1", url("volunteers", tr.Grid1.ID), vol, xlsx); st != 422 || !strings.Contains(string(b), `"rule":"scope"`) {
			t.Fatalf("grid1 registers a volunteer of grid2: %d %s", st, b)
		}
		if ev.digest() != before {
			t.Fatal("a refused import wrote something")
		}
		for _, c := range []struct {
			user, reg string
			node      int64
			body      []byte
		}{
			{"gridleader1", "buildings", tr.Grid1.ID, buildings},
			{"community1", "members", tr.Community1.ID, members},
			{"community1", "units", tr.Community1.ID, units},
			{"community1", "grid-staff", tr.Community1.ID, staff},
			{"grid1", "volunteers", tr.Grid1.ID, sheetBook(t, registers.Volunteers, []any{"", "王五", "11010519491231002X", "", "关爱老人", "", tr.Grid1.Code})},
		} {
			if st, b := ev.uploadSheet(c.user, url(c.reg, c.node), c.body, xlsx); st != 200 || !strings.Contains(string(b), `"created":1`) {
				t.Fatalf("%s imports %s: %d %s", c.user, c.reg, st, b)
			}
		}
		res, out := ev.do("community1", "GET", fmt.Sprintf("/api/v1/registers/members/export?node=%d", tr.Community1.ID), "", nil)
		if res.StatusCode != 200 {
			t.Fatalf("member export: %d", res.StatusCode)
		}
		f, err := excelize.OpenReader(bytes.NewReader(out))
		if err != nil {
			t.Fatal(err)
		}
		phone, _ := f.GetCellValue("党员", "B2")
		f.Close()
		if phone != "138****8000" {
			t.Fatalf("the exported phone: %q", phone)
		}
		res, out = ev.do("community1", "GET", fmt.Sprintf("/api/v1/registers/volunteers/export?node=%d", tr.Community1.ID), "", nil)
		if res.StatusCode != 200 {
			t.Fatalf("volunteer export: %d", res.StatusCode)
		}
		if f, err = excelize.OpenReader(bytes.NewReader(out)); err != nil {
			t.Fatal(err)
		}
		rows, _ := f.GetRows("志愿者")
		f.Close()
		if len(rows) != 2 || !strings.HasPrefix(rows[1][0], "ZY420302") || rows[1][2] != "" {
			t.Fatalf("the volunteer export shows no number or an ID number: %q", rows)
		}
		// The grid staff's phones: masked, in full only with a reason (logged as an unmasking).
		staffExport := fmt.Sprintf("/api/v1/registers/grid-staff/export?node=%d", tr.Community1.ID)
		if res, out = ev.do("community1", "GET", staffExport, "", nil); res.StatusCode != 200 {
			t.Fatalf("grid staff export: %d", res.StatusCode)
		}
		if f, err = excelize.OpenReader(bytes.NewReader(out)); err != nil {
			t.Fatal(err)
		}
		phone, _ = f.GetCellValue("网格力量", "E2")
		f.Close()
		if phone != "139****9000" {
			t.Fatalf("the exported staff phone: %q", phone)
		}
		if res, b := ev.do("community1", "GET", staffExport+"&unmasked=true", "", nil); res.StatusCode != 400 || !strings.Contains(string(b), `"field":"reason"`) {
			t.Fatalf("an unmasked export without a reason: %d %s", res.StatusCode, b)
		}
		var n int
		if err := ev.store.DB().QueryRow("SELECT COUNT(*) FROM audit_log WHERE action = 'register.export'").Scan(&n); err != nil || n != 3 {
			t.Fatalf("exports audited %d times (%v)", n, err)
		}
	})
}
