package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/redgrid/redgrid/internal/redgridtest"
)

// TestCaseActionReplayReturnsFirstAnswer: a case action retried with its Idempotency-Key gets the
// first answer back — status, body and ETag as the action left the case — and changes nothing,
// also after later actions moved the case on; the same key with another action is refused (422).
func TestCaseActionReplayReturnsFirstAnswer(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev, _ := caseEnv(t, e)
		tr := ev.tree
		lng, lat := inCell(0, 0)
		st, c, b := ev.report("community1", reportBody(lng, lat, "0101", "垃圾桶满溢"), nil)
		if st != 201 {
			t.Fatalf("report: %d %s", st, b)
		}
		path := fmt.Sprintf("/api/v1/cases/%d/actions", c.ID)
		key := map[string]string{"Idempotency-Key": "register-1"}
		res1, first := ev.do("community1", "POST", path, `{"action":"register"}`, key)
		if res1.StatusCode != 200 || res1.Header.Get("Idempotent-Replayed") != "" {
			t.Fatalf("register: %d %s", res1.StatusCode, first)
		}
		// The database but the unmasking log (the last figure of the digest): a replay shows the
		// reporter to the caller again, and that is logged again.
		state := func() string { d := ev.digest(); return d[:strings.LastIndexByte(d, ' ')] }
		replay := func(when string) {
			t.Helper()
			before := state()
			events := ev.count(fmt.Sprintf("SELECT COUNT(*) FROM case_events WHERE case_id = %d", c.ID))
			res, again := ev.do("community1", "POST", path, `{"action":"register"}`, key)
			if res.StatusCode != 200 || res.Header.Get("Idempotent-Replayed") != "true" || !bytes.Equal(again, first) {
				t.Fatalf("replay %s: %d %s\nfirst answer: %s", when, res.StatusCode, again, first)
			}
			if res.Header.Get("ETag") != res1.Header.Get("ETag") {
				t.Errorf("replay %s: ETag %s, first %s", when, res.Header.Get("ETag"), res1.Header.Get("ETag"))
			}
			if n := ev.count(fmt.Sprintf("SELECT COUNT(*) FROM case_events WHERE case_id = %d", c.ID)); n != events {
				t.Errorf("replay %s added events: %d, was %d", when, n, events)
			}
			if after := state(); after != before {
				t.Errorf("replay %s changed the database:\n%s\n%s", when, before, after)
			}
		}
		replay("at once")
		// The case moves on; the retry still gets what the first request was answered.
		st, got, b := ev.act("community1", c.ID, fmt.Sprintf(`{"action":"dispatch","lead_department_id":%d}`, tr.Department.ID))
		if st != 200 || got.State != "dispatched" {
			t.Fatalf("dispatch: %d %s", st, b)
		}
		st, got, b = ev.act("dept1", c.ID, `{"action":"accept"}`)
		if st != 200 || got.State != "accepted" {
			t.Fatalf("accept: %d %s", st, b)
		}
		replay("after a dispatch and an acceptance")
		var doc caseDoc
		if err := json.Unmarshal(first, &doc); err != nil || doc.State != "registered" || doc.Masked || doc.Reporter != "13800138000" {
			t.Fatalf("first answer: %+v %v", doc, err)
		}
		// The answer is kept without the reporter, who stays sealed in the case.
		if n := ev.count("SELECT COUNT(*) FROM idempotency_keys WHERE response LIKE '%13800138000%' OR response LIKE '%张三%'"); n != 0 {
			t.Errorf("%d recorded answers hold the reporter", n)
		}
		if n := ev.count("SELECT COUNT(*) FROM idempotency_keys WHERE resource = 'case_action' AND response LIKE '%\"registered\"%'"); n != 1 {
			t.Errorf("%d recorded answers, want 1", n)
		}
		// The same key for another action is refused and changes nothing.
		before := ev.digest()
		res, b := ev.do("community1", "POST", path, `{"action":"void","reason":"重复"}`, key)
		if res.StatusCode != 422 {
			t.Fatalf("same key, other action: %d %s", res.StatusCode, b)
		}
		if after := ev.digest(); after != before {
			t.Errorf("a refused key changed the database")
		}
	})
}
