package api_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/redgrid/redgrid/internal/redgridtest"
)

type notificationsDoc struct {
	Items []struct {
		ID     int64
		Kind   string
		CaseID *int64 `json:"case_id"`
		Read   bool
	}
	Unread int
}

// TestNotificationsRead: the notices of a case (a dispatch for the department, an escalation for
// the community and those above it) are unread until their reader marks them; marks are per
// user (the street's operator still has the community's notice unread), ids one by one or
// everything up to an id (全部已读), a second mark changes nothing, and a notice that is not the
// caller's, or bad input, is refused naming the field with nothing written.
func TestNotificationsRead(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev, _ := caseEnv(t, e)
		tr := ev.tree
		list := func(user, query string) notificationsDoc {
			t.Helper()
			res, b := ev.do(user, "GET", "/api/v1/notifications"+query, "", nil)
			var d notificationsDoc
			if res.StatusCode != 200 || json.Unmarshal(b, &d) != nil {
				t.Fatalf("%s notifications: %d %s", user, res.StatusCode, b)
			}
			return d
		}
		mark := func(user, body string) (int, map[string]any, string) {
			t.Helper()
			res, b := ev.do(user, "POST", "/api/v1/notifications/read", body, nil)
			var out map[string]any
			json.Unmarshal(b, &out)
			return res.StatusCode, out, string(b)
		}
		count := func(q string) int {
			var n int
			if err := ev.store.DB().QueryRow(q).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		audits := func() int { return count("SELECT COUNT(*) FROM audit_log WHERE action = 'notifications.read'") }
		marks := func() string {
			return fmt.Sprint(count("SELECT COUNT(*) FROM notification_reads"), "/", count("SELECT COALESCE(SUM(read_up_to), 0) FROM notification_seen"))
		}

		lng, lat := inCell(0, 0)
		_, c, b := ev.report("community1", reportBody(lng, lat, "0101", "垃圾堆放多日无人清运"), nil)
		if c.ID == 0 {
			t.Fatalf("report: %s", b)
		}
		for _, a := range []string{`{"action":"register"}`, fmt.Sprintf(`{"action":"dispatch","lead_department_id":%d}`, tr.Department.ID),
			`{"action":"escalate","reason":"物业与业委会协调不下"}`} {
			if st, _, b := ev.act("community1", c.ID, a); st != 200 {
				t.Fatalf("%s: %d %s", a, st, b)
			}
		}

		d := list("dept1", "")
		if len(d.Items) != 1 || d.Items[0].Kind != "dispatch" || d.Items[0].Read || d.Unread != 1 || d.Items[0].CaseID == nil || *d.Items[0].CaseID != c.ID {
			t.Fatalf("dept1 before: %+v", d)
		}
		dispatch := d.Items[0].ID
		com := list("community1", "")
		if len(com.Items) != 1 || com.Items[0].Kind != "escalate" || com.Unread != 1 {
			t.Fatalf("community1 before: %+v", com)
		}
		escalate := com.Items[0].ID
		if s := list("street1", ""); s.Unread != 1 || len(s.Items) != 1 || s.Items[0].ID != escalate {
			t.Fatalf("street1 before: %+v", s)
		}

		// Refused: nothing written, the field named.
		before, auditsBefore, marksBefore := ev.digest(), audits(), marks()
		for _, bad := range []struct{ user, body, field string }{
			{"community1", `{}`, "ids"},
			{"community1", `{"ids":[]}`, "ids"},
			{"community1", `{"ids":[0]}`, "ids[0]"},
			{"community1", `{"up_to":-3}`, "up_to"},
			{"community1", `{"ids":[` + fmt.Sprint(escalate) + `,` + fmt.Sprint(dispatch) + `]}`, "ids[1]"}, // the department's, not the community's
			{"community2", `{"ids":[` + fmt.Sprint(escalate) + `]}`, "ids[0]"},                              // another community's
			{"dept1", `{"up_to":` + fmt.Sprint(escalate) + `}`, "up_to"},
			{"community1", `{"ids":[999999]}`, "ids[0]"},
			{"community1", `{"ids":"all"}`, "ids"},
			{"community1", `{"ids":[1],"everything":true}`, "everything"},
			{"community1", `[]`, "body"},
		} {
			st, _, b := mark(bad.user, bad.body)
			if st != 400 || !strings.Contains(b, `"field":"`+bad.field+`"`) {
				t.Errorf("%s %s: %d %s, want 400 on %s", bad.user, bad.body, st, b, bad.field)
			}
		}
		if res, b := ev.do("community1", "GET", "/api/v1/notifications?unread=maybe", "", nil); res.StatusCode != 400 || !strings.Contains(string(b), `"field":"unread"`) {
			t.Errorf("unread=maybe: %d %s", res.StatusCode, b)
		}
		if after := ev.digest(); after != before || audits() != auditsBefore || marks() != marksBefore {
			t.Fatalf("a refused mark changed something:\n%s\n%s", before, after)
		}

		// One by one; again changes nothing.
		st, out, bs := mark("community1", fmt.Sprintf(`{"ids":[%d]}`, escalate))
		if st != 200 || out["marked"] != float64(1) || out["unread"] != float64(0) {
			t.Fatalf("mark: %d %s", st, bs)
		}
		if com = list("community1", ""); com.Unread != 0 || !com.Items[0].Read {
			t.Fatalf("community1 after: %+v", com)
		}
		if u := list("community1", "?unread=true"); len(u.Items) != 0 {
			t.Fatalf("unread list after marking: %+v", u)
		}
		if s := list("street1", "?unread=true"); s.Unread != 1 || len(s.Items) != 1 || s.Items[0].Read {
			t.Fatalf("street1's notice was marked by community1: %+v", s)
		}
		if list("dept1", "").Unread != 1 {
			t.Fatal("dept1's notice was marked by community1")
		}
		n := audits()
		if st, out, b := mark("community1", fmt.Sprintf(`{"ids":[%d]}`, escalate)); st != 200 || out["marked"] != float64(0) || audits() != n {
			t.Fatalf("second mark: %d %s (audits %d → %d)", st, b, n, audits())
		}
		if n != auditsBefore+1 {
			t.Fatalf("audit lines: %d, want %d", n, auditsBefore+1)
		}

		// Everything up to the newest shown; a later notice is unread again.
		_, c2, _ := ev.report("community1", reportBody(lng, lat, "0203", "车辆乱停"), nil)
		for _, a := range []string{`{"action":"register"}`, fmt.Sprintf(`{"action":"dispatch","lead_department_id":%d}`, tr.Department.ID)} {
			if st, _, b := ev.act("community1", c2.ID, a); st != 200 {
				t.Fatalf("%s: %d %s", a, st, b)
			}
		}
		if d = list("dept1", ""); d.Unread != 2 || len(d.Items) != 2 {
			t.Fatalf("dept1 with two: %+v", d)
		}
		if st, out, b := mark("dept1", fmt.Sprintf(`{"up_to":%d}`, d.Items[0].ID)); st != 200 || out["unread"] != float64(0) {
			t.Fatalf("up_to: %d %s", st, b)
		}
		if d = list("dept1", ""); d.Unread != 0 || !d.Items[0].Read || !d.Items[1].Read {
			t.Fatalf("dept1 after up_to: %+v", d)
		}
		if st, _, b := ev.act("community1", c2.ID, `{"action":"escalate","reason":"久拖未决"}`); st != 200 {
			t.Fatalf("escalate: %d %s", st, b)
		}
		if com = list("community1", ""); com.Unread != 1 || com.Items[0].Read || !com.Items[1].Read {
			t.Fatalf("community1 after a new notice: %+v", com)
		}
	})
}
