package api_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/redgrid/redgrid/internal/redgridtest"
)

type reporterDoc struct {
	CaseID        int64  `json:"case_id"`
	ReporterName  string `json:"reporter_name"`
	ReporterPhone string `json:"reporter_phone"`
	Masked        bool   `json:"masked"`
	Unmasking     struct {
		ID     int64
		Actor  string
		Fields []string
		How    string
		Reason string
	}
}

const (
	secretName  = "欧阳娜娜"
	secretPhone = "13800138000"
	secretID    = "420302199001011237"
)

// TestReporterMaskedByRole: the reporter of a case is encrypted at rest; the call-back staff see
// them with the case (each view logged); everyone else sees them masked and, if their role may
// need the person, asks for them with a reason (logged); anything else is refused and changes
// nothing.
func TestReporterMaskedByRole(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev, _ := caseEnv(t, e)
		tr := ev.tree
		lng, lat := inCell(0, 0)
		st, c, b := ev.report("community1", fmt.Sprintf(`{"category":"0101","lng":%v,"lat":%v,"description":"井盖","reporter_name":%q,"reporter_phone":"+86 138-0013-8000","channel":"phone"}`, lng, lat, secretName), nil)
		if st != 201 || c.Reporter != secretPhone {
			t.Fatalf("report: %d %s", st, b)
		}
		var rawName, rawPhone string
		ev.store.DB().QueryRow("SELECT reporter_name, reporter_phone FROM cases").Scan(&rawName, &rawPhone)
		if !strings.HasPrefix(rawName, "pii1:1:") || !strings.HasPrefix(rawPhone, "pii1:1:") {
			t.Fatalf("stored as %q %q", rawName, rawPhone)
		}
		path := fmt.Sprintf("/api/v1/cases/%d", c.ID)
		view := func(user string) reporterDoc {
			t.Helper()
			res, b := ev.do(user, "GET", path, "", nil)
			var d reporterDoc
			if json.Unmarshal(b, &d); res.StatusCode != 200 {
				t.Fatalf("%s GET: %d %s", user, res.StatusCode, b)
			}
			return d
		}
		unmaskings := func() int { return ev.count("SELECT COUNT(*) FROM pii_unmaskings") }
		for _, user := range []string{"community1", "street1"} {
			n := unmaskings()
			if d := view(user); d.Masked || d.ReporterName != secretName || d.ReporterPhone != secretPhone || unmaskings() != n+1 {
				t.Errorf("%s (call-back) sees %+v; unmaskings %d → %d", user, d, n, unmaskings())
			}
		}
		// Dispatched, so that the department reads it too.
		ev.act("community1", c.ID, `{"action":"register"}`)
		ev.act("community1", c.ID, fmt.Sprintf(`{"action":"dispatch","lead_department_id":%d}`, tr.Department.ID))
		for _, user := range []string{"admin", "grid1", "gridleader1", "dept1", "leader1"} {
			n := unmaskings()
			if d := view(user); !d.Masked || d.ReporterName != "欧阳**" || d.ReporterPhone != "138****8000" || unmaskings() != n {
				t.Errorf("%s sees %+v", user, d)
			}
		}
		res, b := ev.do("community1", "GET", "/api/v1/cases", "", nil)
		if res.StatusCode != 200 || strings.Contains(string(b), secretPhone) || strings.Contains(string(b), secretName) {
			t.Fatalf("the list shows the reporter: %s", b)
		}

		// Unmasking on request.
		unmask := func(user, body string) (int, reporterDoc, []byte) {
			t.Helper()
			res, b := ev.do(user, "POST", path+"/reporter:unmask", body, nil)
			var d reporterDoc
			json.Unmarshal(b, &d)
			return res.StatusCode, d, b
		}
		for _, user := range []string{"admin", "grid1", "gridleader1", "community1"} {
			n := unmaskings()
			st, d, b := unmask(user, `{"reason":"  回访前核实号码 "}`)
			if st != 200 || d.ReporterName != secretName || d.ReporterPhone != secretPhone || d.Unmasking.Actor != user || d.Unmasking.How != "explicit" ||
				d.Unmasking.Reason != "回访前核实号码" || strings.Join(d.Unmasking.Fields, ",") != "reporter_name,reporter_phone" || unmaskings() != n+1 {
				t.Errorf("%s unmasks: %d %s", user, st, b)
			}
		}
		if n := ev.count("SELECT COUNT(*) FROM audit_log WHERE action = 'pii.unmask' AND target = 'case/" + strconv.FormatInt(c.ID, 10) + "'"); n != unmaskings() {
			t.Errorf("%d audit lines for %d unmaskings", n, unmaskings())
		}
		before, logged := ev.digest(), unmaskings()
		for _, bad := range []struct {
			user, body  string
			status      int
			field, rule string
		}{
			{"admin", `{}`, 400, "reason", "required"},
			{"admin", `{"reason":"   "}`, 400, "reason", "required"},
			{"admin", `{"reason":"` + strings.Repeat("长", 201) + `"}`, 400, "reason", "max_length"},
			{"admin", `{"reason":"x","why":"y"}`, 400, "why", ""},
			{"admin", `{"reason":1}`, 400, "reason", ""},
			{"dept1", `{"reason":"联系居民"}`, 403, "", ""},
			{"leader1", `{"reason":"看看"}`, 403, "", ""},
			{"community2", `{"reason":"看看"}`, 403, "", ""},
			{"resident1", `{"reason":"看看"}`, 403, "", ""},
			{"", `{"reason":"看看"}`, 401, "", ""},
		} {
			st, _, b := unmask(bad.user, bad.body)
			if st != bad.status || strings.Contains(string(b), secretPhone) {
				t.Errorf("%s %s: %d %s", bad.user, bad.body, st, b)
				continue
			}
			if bad.field != "" {
				p := parseProblem(t, b)
				if len(p.Errors) == 0 || p.Errors[0].Field != bad.field || bad.rule != "" && p.Errors[0].Rule != bad.rule {
					t.Errorf("%s: problem %s, want field %s rule %s", bad.body, b, bad.field, bad.rule)
				}
			}
		}
		if res, _ := ev.do("admin", "POST", "/api/v1/cases/99999/reporter:unmask", `{"reason":"x"}`, nil); res.StatusCode != 404 {
			t.Errorf("an unknown case: %d", res.StatusCode)
		}
		if ev.digest() != before || unmaskings() != logged {
			t.Error("a refused unmasking changed something")
		}

		// An anonymous report keeps no reporter, even one sent along; there is nothing to unmask.
		res, b = ev.do("", "POST", "/api/v1/public/cases", fmt.Sprintf(`{"category":"0101","lng":%v,"lat":%v,"description":"路灯","anonymous":true,"reporter_name":"李四","reporter_phone":"13900000000"}`, lng, lat), nil)
		if res.StatusCode != 201 {
			t.Fatalf("anonymous report: %d %s", res.StatusCode, b)
		}
		var anonID int64
		var name, phone string
		ev.store.DB().QueryRow("SELECT id, reporter_name, reporter_phone FROM cases WHERE anonymous = TRUE").Scan(&anonID, &name, &phone)
		if name != "" || phone != "" {
			t.Errorf("an anonymous report kept %q %q", name, phone)
		}
		if res, b := ev.do("admin", "POST", fmt.Sprintf("/api/v1/cases/%d/reporter:unmask", anonID), `{"reason":"x"}`, nil); res.StatusCode != 409 {
			t.Errorf("unmask an anonymous report: %d %s", res.StatusCode, b)
		}

		// The log of unmaskings, for those who read the audit log.
		res, b = ev.do("admin", "GET", fmt.Sprintf("/api/v1/unmaskings?case=%d&limit=3", c.ID), "", nil)
		var lst struct {
			Items []struct {
				Actor, Subject, How, Reason string
			}
		}
		if json.Unmarshal(b, &lst); res.StatusCode != 200 || len(lst.Items) != 3 || lst.Items[0].Actor != "community1" || lst.Items[0].Subject != "case/"+strconv.FormatInt(c.ID, 10) {
			t.Errorf("unmaskings: %d %s", res.StatusCode, b)
		}
		if res, _ := ev.do("community1", "GET", "/api/v1/unmaskings", "", nil); res.StatusCode != 403 {
			t.Errorf("community staff read the unmasking log: %d", res.StatusCode)
		}
		if res, _ := ev.do("admin", "GET", "/api/v1/unmaskings?case=x", "", nil); res.StatusCode != 400 {
			t.Errorf("a bad case id: %d", res.StatusCode)
		}
	})
}

// TestNoPersonalDataInLogs: reports from staff, the public page and Open311, the reading and the
// unmasking of them, bad input and an internal error while opening a value — none of it puts a
// name, a phone or an ID number into the server's log.
func TestNoPersonalDataInLogs(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev := o311Env(t, e)
		lng, lat := inCell(0, 0)
		st, c, b := ev.report("community1", fmt.Sprintf(`{"category":"0101","lng":%v,"lat":%v,"description":"身份证 %s 的居民反映井盖缺失","reporter_name":%q,"reporter_phone":%q,"channel":"phone"}`,
			lng, lat, secretID, secretName, secretPhone), nil)
		if st != 201 {
			t.Fatalf("report: %d %s", st, b)
		}
		res, b := ev.do("", "POST", "/api/v1/public/cases", fmt.Sprintf(`{"category":"0101","lng":%v,"lat":%v,"description":"路灯","reporter_name":%q,"reporter_phone":"138 0013 8000"}`, lng, lat, secretName), nil)
		if res.StatusCode != 201 {
			t.Fatalf("public report: %d %s", res.StatusCode, b)
		}
		v := fmsReport(lng, lat, "0101")
		v.Set("first_name", "娜娜")
		v.Set("last_name", "欧阳")
		v.Set("phone", "+86"+secretPhone)
		if st, b := ev.o311("POST", "/open311/v2/requests.json", v, nil); st != 201 {
			t.Fatalf("Open311: %d %s", st, b)
		}
		path := fmt.Sprintf("/api/v1/cases/%d", c.ID)
		for _, user := range []string{"community1", "admin", "grid1"} {
			if res, b := ev.do(user, "GET", path, "", nil); res.StatusCode != 200 {
				t.Fatalf("%s GET: %d %s", user, res.StatusCode, b)
			}
		}
		if res, b := ev.do("admin", "POST", path+"/reporter:unmask", `{"reason":"核实"}`, nil); res.StatusCode != 200 || !strings.Contains(string(b), secretPhone) {
			t.Fatalf("unmask: %d %s", res.StatusCode, b)
		}
		// Bad input that carries personal data.
		for _, body := range []string{
			fmt.Sprintf(`{"category":"0101","lng":%v,"lat":%v,"description":"x","reporter_name":%q,"reporter_phone":"%s9","channel":"phone"}`, lng, lat, secretName, secretPhone),
			fmt.Sprintf(`{"category":"0101","lng":%v,"lat":%v,"description":"x","reporter_name":"%s%s","reporter_phone":%q,"channel":"phone"}`, lng, lat, secretName, strings.Repeat("长", 50), secretPhone),
			fmt.Sprintf(`{"category":"0101","lng":%v,"lat":%v,"description":"x","reporter_phone":%q,"id_number":%q}`, lng, lat, secretPhone, secretID),
		} {
			if res, b := ev.do("community1", "POST", "/api/v1/cases", body, nil); res.StatusCode != 400 {
				t.Fatalf("bad report: %d %s", res.StatusCode, b)
			}
		}
		if st, _ := ev.o311("POST", "/open311/v2/requests.json", url.Values{"api_key": {"wrong"}, "phone": {secretPhone}, "first_name": {secretName}}, nil); st < 400 {
			t.Fatalf("a refused Open311 report: %d", st)
		}
		// The resident register: recorded, searched by ID number and phone (in the query string),
		// unmasked, and refused with a wrong checksum.
		res, b = ev.do("grid1", "POST", "/api/v1/households", fmt.Sprintf(`{"building_id":%d,"unit":1,"floor":1,"room":"101"}`, ev.tree.Building1.ID), nil)
		var h struct{ ID int64 }
		if res.StatusCode != 201 || json.Unmarshal(b, &h) != nil {
			t.Fatalf("household: %d %s", res.StatusCode, b)
		}
		res, b = ev.do("grid1", "POST", "/api/v1/residents", fmt.Sprintf(`{"household_id":%d,"name":%q,"id_number":%q,"phone":%q}`, h.ID, secretName, secretID, secretPhone), nil)
		var rd struct{ ID int64 }
		if res.StatusCode != 201 || json.Unmarshal(b, &rd) != nil {
			t.Fatalf("resident: %d %s", res.StatusCode, b)
		}
		for _, q := range []string{secretID, secretPhone, url.QueryEscape(secretName)} {
			if res, b := ev.do("community1", "GET", fmt.Sprintf("/api/v1/residents?node=%d&q=%s", ev.tree.Community1.ID, q), "", nil); res.StatusCode != 200 || !strings.Contains(string(b), `"id":`) {
				t.Fatalf("search: %d %s", res.StatusCode, b)
			}
		}
		if res, b := ev.do("grid1", "POST", fmt.Sprintf("/api/v1/residents/%d/unmask", rd.ID), `{"reason":"走访"}`, nil); res.StatusCode != 200 || !strings.Contains(string(b), secretID) {
			t.Fatalf("unmask resident: %d %s", res.StatusCode, b)
		}
		if res, _ := ev.do("grid1", "POST", "/api/v1/residents", fmt.Sprintf(`{"household_id":%d,"name":%q,"id_number":"%s8","phone":%q}`, h.ID, secretName, secretID[:17], secretPhone), nil); res.StatusCode != 400 {
			t.Fatalf("a wrong checksum: %d", res.StatusCode)
		}
		// A volunteer and a party member with the same secrets, both searched by name.
		if res, b := ev.do("community1", "POST", "/api/v1/volunteers", fmt.Sprintf(`{"node_id":%d,"name":%q,"id_number":%q,"phone":%q,"colours":["elderly"]}`,
			ev.tree.Community1.ID, secretName, secretID, secretPhone), nil); res.StatusCode != 201 {
			t.Fatalf("volunteer: %d %s", res.StatusCode, b)
		}
		if res, b := ev.do("community1", "POST", "/api/v1/members", fmt.Sprintf(`{"name":%q,"phone":%q,"branch_id":%d,"joined_on":"2010-07-01","status":"full","residence_id":%d}`,
			secretName, secretPhone, ev.tree.Grid1Branch.ID, ev.tree.Building1.ID), nil); res.StatusCode != 201 {
			t.Fatalf("member: %d %s", res.StatusCode, b)
		}
		for _, list := range []string{"volunteers", "members"} {
			if res, b := ev.do("community1", "GET", fmt.Sprintf("/api/v1/%s?node=%d&q=%s", list, ev.tree.Community1.ID, url.QueryEscape(secretName)), "", nil); res.StatusCode != 200 || !strings.Contains(string(b), `"id":`) {
				t.Fatalf("%s search: %d %s", list, res.StatusCode, b)
			}
		}

		// A value that does not open (swapped into another column) is an internal error: logged,
		// without the value.
		if _, err := ev.store.DB().Exec("UPDATE cases SET reporter_name = reporter_phone"); err != nil {
			t.Fatal(err)
		}
		if res, _ := ev.do("community1", "GET", path, "", nil); res.StatusCode != 500 {
			t.Fatalf("an unopenable value: %d", res.StatusCode)
		}

		logs := ev.logs.String()
		if !strings.Contains(logs, `"msg":"internal error"`) || !strings.Contains(logs, "reporter:unmask") || !strings.Contains(logs, "/open311/v2/requests.json") {
			t.Fatalf("the log was not captured:\n%s", logs)
		}
		for _, secret := range []string{secretName, "娜娜", secretPhone, "138 0013 8000", secretID, "19900101", rawSealed(t, ev)} {
			for _, form := range []string{secret, strings.Trim(strconv.QuoteToASCII(secret), `"`)} {
				if strings.Contains(logs, form) {
					t.Errorf("the log holds %q:\n%s", form, logs)
				}
			}
		}
	})
}

// rawSealed is a sealed value as stored: not personal data, but no business of the log either.
func rawSealed(t *testing.T, ev *env) string {
	t.Helper()
	var v string
	if err := ev.store.DB().QueryRow("SELECT reporter_phone FROM cases WHERE reporter_phone <> '' ORDER BY id LIMIT 1").Scan(&v); err != nil || v == "" {
		t.Fatalf("sealed value: %v", err)
	}
	return v[len(v)-20:]
}
