package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/redgrid/redgrid/internal/api"
	"github.com/redgrid/redgrid/internal/redgridtest"
	"github.com/xuri/excelize/v2"
)

// TestUnmaskedExport: a register exported with full ID numbers and phones needs a reason (400
// naming reason) and a role that may unmask there (403); it writes one entry of the unmasking
// log — who, why, how many records, which register and node — and says on the file that it is
// unmasked. A refused export logs nothing.
func TestUnmaskedExport(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev := newEnv(t, e, api.Config{})
		tr := ev.tree
		res, b := ev.do("grid1", "POST", "/api/v1/households", fmt.Sprintf(`{"building_id":%d,"unit":1,"floor":3,"room":"301"}`, tr.Building1.ID), nil)
		var h householdDoc
		if res.StatusCode != 201 || json.Unmarshal(b, &h) != nil {
			t.Fatalf("household: %d %s", res.StatusCode, b)
		}
		for _, p := range [][2]string{{"张三", "11010519491231002X"}, {"李四", ""}} {
			body := fmt.Sprintf(`{"household_id":%d,"name":%q,"id_number":%q,"phone":"13800138000","relation":"head"}`, h.ID, p[0], p[1])
			if res, b := ev.do("grid1", "POST", "/api/v1/residents", body, nil); res.StatusCode != 201 {
				t.Fatalf("resident: %d %s", res.StatusCode, b)
			}
		}
		export := func(register string, node int64, query string) string {
			return fmt.Sprintf("/api/v1/registers/%s/export?node=%d%s", register, node, query)
		}
		before := ev.digest()
		for _, bad := range []struct {
			user, path, field string
			status            int
		}{
			{"community1", export("residents", tr.Community1.ID, "&unmasked=true"), "reason", 400},
			{"community1", export("residents", tr.Community1.ID, "&unmasked=true&reason=%20%20"), "reason", 400},
			{"community1", export("residents", tr.Community1.ID, "&unmasked=true&reason="+strings.Repeat("长", 201)), "reason", 400},
			{"community1", export("residents", tr.Community1.ID, "&unmasked=yes&reason=x"), "unmasked", 400},
			{"community1", export("households", tr.Community1.ID, "&unmasked=true&reason=x"), "unmasked", 400},
			{"leader1", export("residents", tr.Community1.ID, "&unmasked=true&reason=x"), "", 403}, // reads registers, may not unmask
			{"community2", export("residents", tr.Community1.ID, "&unmasked=true&reason=x"), "", 403},
			{"dept1", export("residents", tr.Community1.ID, "&unmasked=true&reason=x"), "", 403},
		} {
			res, b := ev.do(bad.user, "GET", bad.path, "", nil)
			if res.StatusCode != bad.status || bad.field != "" && !strings.Contains(string(b), `"field":"`+bad.field+`"`) {
				t.Errorf("%s %s: %d %s", bad.user, bad.path, res.StatusCode, b)
			}
		}
		if ev.digest() != before {
			t.Fatal("a refused export wrote something")
		}
		// The leader's masked export is fine.
		if res, _ := ev.do("leader1", "GET", export("residents", tr.Community1.ID, ""), "", nil); res.StatusCode != 200 {
			t.Fatalf("masked export: %d", res.StatusCode)
		}

		res, out := ev.do("community1", "GET", export("residents", tr.Community1.ID, "&unmasked=true&reason="+url.QueryEscape("民政低保复核")), "", nil)
		if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Content-Disposition"), url.PathEscape("未脱敏")) {
			t.Fatalf("unmasked export: %d %s", res.StatusCode, res.Header.Get("Content-Disposition"))
		}
		x, err := excelize.OpenReader(bytes.NewReader(out))
		if err != nil {
			t.Fatal(err)
		}
		defer x.Close()
		rows, _ := x.GetRows("居民")
		if len(rows) != 3 || rows[1][4] != "11010519491231002X" || rows[1][5] != "13800138000" {
			t.Fatalf("unmasked rows %q", rows)
		}
		info, _ := x.GetRows("导出信息")
		stamp := fmt.Sprint(info)
		if !strings.Contains(stamp, "个人信息已脱敏 否") || !strings.Contains(stamp, "事由 民政低保复核") {
			t.Fatalf("the stamp: %v", info)
		}
		if hf, err := x.GetHeaderFooter("居民"); err != nil || !strings.Contains(hf.OddFooter, "未脱敏") {
			t.Fatalf("the footer: %+v %v", hf, err)
		}
		res, b = ev.do("admin", "GET", "/api/v1/unmaskings", "", nil)
		var log struct {
			Items []struct {
				Actor, Subject, How, Reason string
				Fields                      []string
				Records                     int
			}
		}
		if res.StatusCode != 200 || json.Unmarshal(b, &log) != nil || len(log.Items) != 1 {
			t.Fatalf("unmaskings: %d %s", res.StatusCode, b)
		}
		if u := log.Items[0]; u.Actor != "community1" || u.How != "export" || u.Reason != "民政低保复核" || u.Records != 2 ||
			u.Subject != fmt.Sprintf("register/residents/node/%d", tr.Community1.ID) || strings.Join(u.Fields, ",") != "id_number,phone" {
			t.Fatalf("the unmasking: %+v", u)
		}
	})
}

// TestLeaveRegister: a resident moves out (DELETE) and a volunteer deregisters: scoped like the
// other writes, conditional on If-Match, refused twice; afterwards they are not listed or found,
// while GET still shows the record with left_on. A refused request changes nothing.
func TestLeaveRegister(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev := newEnv(t, e, api.Config{})
		tr := ev.tree
		res, b := ev.do("grid1", "POST", "/api/v1/households", fmt.Sprintf(`{"building_id":%d,"unit":1,"floor":3,"room":"301"}`, tr.Building1.ID), nil)
		var h householdDoc
		if res.StatusCode != 201 || json.Unmarshal(b, &h) != nil {
			t.Fatalf("household: %d %s", res.StatusCode, b)
		}
		res, b = ev.do("grid1", "POST", "/api/v1/residents", fmt.Sprintf(`{"household_id":%d,"name":"张三","id_number":"11010519491231002X","relation":"head"}`, h.ID), nil)
		var r residentDoc
		if res.StatusCode != 201 || json.Unmarshal(b, &r) != nil {
			t.Fatalf("resident: %d %s", res.StatusCode, b)
		}
		res, b = ev.do("community1", "POST", "/api/v1/volunteers", fmt.Sprintf(`{"node_id":%d,"name":"刘红","id_number":"11010519491231002X","colours":["elderly"]}`, tr.Community1.ID), nil)
		var v struct{ ID int64 }
		if res.StatusCode != 201 || json.Unmarshal(b, &v) != nil {
			t.Fatalf("volunteer: %d %s", res.StatusCode, b)
		}
		resident, volunteer := fmt.Sprintf("/api/v1/residents/%d", r.ID), fmt.Sprintf("/api/v1/volunteers/%d", v.ID)
		before := ev.digest()
		for _, bad := range []struct {
			user, path string
			hdr        map[string]string
			status     int
		}{
			{"community2", resident, nil, 403},
			{"leader1", resident, nil, 403},
			{"grid1", resident, map[string]string{"If-Match": `"7"`}, 412},
			{"grid1", resident, map[string]string{"If-Match": `W/"1"`}, 400},
			{"grid1", "/api/v1/residents/999999", nil, 404},
			{"community2", volunteer, nil, 403},
			{"community1", volunteer, map[string]string{"If-Match": `"9"`}, 412},
			{"community1", "/api/v1/volunteers/999999", nil, 404},
		} {
			if res, b := ev.do(bad.user, "DELETE", bad.path, "", bad.hdr); res.StatusCode != bad.status {
				t.Errorf("%s DELETE %s: %d %s", bad.user, bad.path, res.StatusCode, b)
			}
		}
		if ev.digest() != before {
			t.Fatal("a refused removal changed something")
		}
		if res, b := ev.do("grid1", "DELETE", resident, "", map[string]string{"If-Match": `"1"`}); res.StatusCode != 204 {
			t.Fatalf("move out: %d %s", res.StatusCode, b)
		}
		if res, b := ev.do("grid1", "DELETE", resident, "", nil); res.StatusCode != 409 {
			t.Fatalf("moved out twice: %d %s", res.StatusCode, b)
		}
		if res, b := ev.do("grid1", "PATCH", resident, `{"note":"x"}`, nil); res.StatusCode != 409 {
			t.Fatalf("changed after moving out: %d %s", res.StatusCode, b)
		}
		if res, b := ev.do("grid1", "GET", resident, "", nil); res.StatusCode != 200 || !strings.Contains(string(b), `"left_on":"2026-03-02"`) {
			t.Fatalf("the record after moving out: %d %s", res.StatusCode, b)
		}
		for _, q := range []string{"", "&q=zs", "&q=11010519491231002X"} {
			if res, b := ev.do("grid1", "GET", fmt.Sprintf("/api/v1/residents?node=%d%s", tr.Grid1.ID, q), "", nil); res.StatusCode != 200 || strings.Contains(string(b), "张三") {
				t.Fatalf("listed after moving out (%s): %d %s", q, res.StatusCode, b)
			}
		}
		if res, b := ev.do("community1", "DELETE", volunteer, "", nil); res.StatusCode != 204 {
			t.Fatalf("deregister: %d %s", res.StatusCode, b)
		}
		if res, b := ev.do("community1", "DELETE", volunteer, "", nil); res.StatusCode != 409 {
			t.Fatalf("deregistered twice: %d %s", res.StatusCode, b)
		}
		if res, b := ev.do("community1", "GET", fmt.Sprintf("/api/v1/volunteers?node=%d", tr.Community1.ID), "", nil); res.StatusCode != 200 || strings.Contains(string(b), "刘红") {
			t.Fatalf("listed after deregistering: %d %s", res.StatusCode, b)
		}
	})
}
