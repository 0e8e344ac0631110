package api_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/redgrid/redgrid/internal/api"
	"github.com/redgrid/redgrid/internal/auth"
	"github.com/redgrid/redgrid/internal/redgridtest"
)

// TestRebuildRollupsKeepsDepartmentFigures: cases go through the loop over two months with a lead
// and a co-handler, acceptances on time and late, a co-handler's and a lead's return, a
// re-dispatch, handling on time, late after a rework, and after an extension. The figures of GET
// /stats/cases — the departments' and the cases' — of several nodes and periods are the same
// after the rollups are wiped and rebuilt, also from events written before the departments'
// steps recorded their department, on-time flag and accept time (rebuilt from the deadlines).
func TestRebuildRollupsKeepsDepartmentFigures(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev, dept2 := caseEnvWith(t, e, api.Config{SessionTTL: 365 * 24 * time.Hour}) // the loop takes weeks
		tr := ev.tree
		hash, err := auth.Hash(password, auth.TestParams)
		if err != nil {
			t.Fatal(err)
		}
		ev.users["dept2"] = redgridtest.AddUser(t, ev.store, "dept2", hash, "department_staff", 0, dept2.ID)
		ev.tokens["dept2"] = ev.login("dept2")
		advance := ev.clock.Advance
		act := func(user string, id int64, body string) {
			t.Helper()
			if st, _, b := ev.act(user, id, body); st != 200 {
				t.Fatalf("%s %s: %d %s", user, body, st, b)
			}
		}
		report := func(cat string) int64 {
			t.Helper()
			lng, lat := inCell(0, 0)
			st, c, b := ev.report("community1", reportBody(lng, lat, cat, "路面破损"), nil)
			if st != 201 {
				t.Fatalf("report: %d %s", st, b)
			}
			act("community1", c.ID, `{"action":"register"}`)
			return c.ID
		}
		d1, d2 := tr.Department.ID, dept2.ID

		// Monday 2 March, 17:00 CST. A: lead 城管 with 园林局; 城管 accepts on time, 园林局 returns;
		// handled on time, reworked, handled late, closed.
		a := report("0101") // handled within 2 working hours
		act("community1", a, fmt.Sprintf(`{"action":"dispatch","lead_department_id":%d,"co_department_ids":[%d]}`, d1, d2))
		advance(10 * time.Minute)
		act("dept1", a, `{"action":"accept"}`)
		act("dept2", a, `{"action":"return","reason":"不属本局职责"}`)
		act("dept1", a, `{"action":"feedback","reason":"已清运"}`)
		act("grid1", a, `{"action":"verify_fail","reason":"仍有残留"}`)
		advance(24 * time.Hour) // Tuesday 17:10: the new handling deadline has passed
		if _, err := ev.store.RunDeadlines(ev.t.Context(), 100); err != nil {
			t.Fatal(err)
		}
		act("dept1", a, `{"action":"feedback","reason":"已彻底清理"}`)
		act("grid1", a, `{"action":"verify_pass"}`)
		act("community1", a, `{"action":"rate","rating":"satisfied","resolved":true}`)

		// B: 城管 returns it the next day; re-dispatched to 园林局, which accepts late, gets an
		// extension and feeds back after the first deadline but within the extended one.
		b := report("0102") // handled within 1 working day
		act("community1", b, fmt.Sprintf(`{"action":"dispatch","lead_department_id":%d}`, d1))
		advance(20 * time.Hour) // Wednesday 13:10
		act("dept1", b, `{"action":"return","reason":"应由园林局处理"}`)
		act("community1", b, fmt.Sprintf(`{"action":"dispatch","lead_department_id":%d}`, d2))
		advance(48 * time.Hour) // Friday 13:10: an hour's limit long past
		act("dept2", b, `{"action":"accept"}`)
		act("dept2", b, `{"action":"request_extend","reason":"需采购苗木","extend":"2d"}`)
		act("community1", b, `{"action":"approve_extend"}`)
		// Due Monday 12:00 (a working day of 7 hours), extended by 2 to Wednesday 12:00.
		advance(92*time.Hour + 50*time.Minute) // Tuesday 10 March, 10:00
		act("dept2", b, `{"action":"feedback","reason":"已补植"}`)

		// C, in April: dispatched before the working day begins, 城管 accepts after 40 working
		// minutes; the case stays open.
		advance(28*24*time.Hour + 16*time.Hour + 10*time.Minute) // Wednesday 8 April, 02:10
		c := report("0103")
		act("community1", c, fmt.Sprintf(`{"action":"dispatch","lead_department_id":%d}`, d1))
		advance(7*time.Hour + 30*time.Minute) // 09:40 CST
		act("dept1", c, `{"action":"accept"}`)

		type deptDoc struct {
			OrgID  int64 `json:"org_id"`
			Counts map[string]int64
		}
		stats := func(node int64, from, to string) (string, []deptDoc) {
			t.Helper()
			res, body := ev.do("admin", "GET", fmt.Sprintf("/api/v1/stats/cases?node=%d&from=%s&to=%s", node, from, to), "", nil)
			if res.StatusCode != 200 {
				t.Fatalf("stats: %d %s", res.StatusCode, body)
			}
			var doc struct {
				Departments []deptDoc
			}
			json.Unmarshal(body, &doc)
			return string(body), doc.Departments
		}
		type query struct {
			node     int64
			from, to string
		}
		queries := []query{
			{tr.District.ID, "2026-03-01", "2026-04-30"}, // whole months: the month rows
			{tr.Street1.ID, "2026-03-03", "2026-04-10"},  // days at both ends and a whole month
			{tr.Community1.ID, "2026-03-02", "2026-03-02"},
			{tr.Grid1.ID, "2026-03-01", "2026-12-31"},
			{tr.Community2.ID, "2026-03-01", "2026-04-30"}, // none of it
		}
		snapshot := func() []string {
			var out []string
			for _, q := range queries {
				s, _ := stats(q.node, q.from, q.to)
				out = append(out, s)
			}
			return out
		}
		before := snapshot()

		// What the loop counted, so that the comparison below compares something.
		_, depts := stats(tr.District.ID, "2026-03-01", "2026-04-30")
		want := map[int64]map[string]int64{
			d1: {"dispatched": 3, "accepted": 2, "accepted_on_time": 2, "accept_seconds": 600 + 2400, "returned": 1, "handled": 2, "handled_on_time": 1},
			d2: {"dispatched": 2, "accepted": 1, "accepted_on_time": 0, "returned": 1, "handled": 1, "handled_on_time": 1},
		}
		if len(depts) != 2 {
			t.Fatalf("departments %+v", depts)
		}
		for _, d := range depts {
			for k, v := range want[d.OrgID] {
				if d.Counts[k] != v {
					t.Errorf("department %d: %s = %d, want %d", d.OrgID, k, d.Counts[k], v)
				}
			}
		}
		if d := depts[1]; d.Counts["accept_seconds"] <= 0 {
			t.Errorf("园林局's late acceptance took %d working seconds", d.Counts["accept_seconds"])
		}

		wipe := func() {
			t.Helper()
			for _, tbl := range []string{"case_rollup", "case_rollup_month", "case_org_rollup", "case_org_rollup_month"} {
				if _, err := ev.store.DB().Exec("DELETE FROM " + tbl); err != nil {
					t.Fatal(err)
				}
			}
			if _, depts := stats(tr.District.ID, "2026-03-01", "2026-04-30"); len(depts) != 0 {
				t.Fatalf("wiped, still %+v", depts)
			}
		}
		compare := func(how string) {
			t.Helper()
			for i, got := range snapshot() {
				if got != before[i] {
					t.Errorf("%s, %+v:\n got %s\nwant %s", how, queries[i], got, before[i])
				}
			}
		}
		wipe()
		if err := ev.store.RebuildRollups(ev.t.Context()); err != nil {
			t.Fatal(err)
		}
		compare("rebuilt")

		// Events as they were written before the departments' steps recorded their facts: a
		// lead's steps named no department, none had on_time or accept_seconds.
		rows, err := ev.store.DB().Query("SELECT id, detail FROM case_events WHERE action IN ('accept', 'return', 'feedback')")
		if err != nil {
			t.Fatal(err)
		}
		details := map[int64]map[string]any{}
		for rows.Next() {
			var id int64
			var s string
			var d map[string]any
			if err := rows.Scan(&id, &s); err != nil {
				t.Fatal(err)
			}
			json.Unmarshal([]byte(s), &d)
			if _, ok := d["on_time"]; !ok && d["department_id"] == nil {
				t.Errorf("event %d records nothing of its department: %s", id, s)
			}
			delete(d, "on_time")
			delete(d, "accept_seconds")
			if d["role"] != "co" {
				delete(d, "department_id")
			}
			details[id] = d
		}
		rows.Close()
		update := "UPDATE case_events SET detail = ? WHERE id = ?"
		if e.Name == "postgres" {
			update = "UPDATE case_events SET detail = $1 WHERE id = $2"
		}
		for id, d := range details {
			s := "{}"
			if len(d) > 0 {
				b, _ := json.Marshal(d)
				s = string(b)
			}
			if _, err := ev.store.DB().Exec(update, s, id); err != nil {
				t.Fatal(err)
			}
		}
		wipe()
		if err := ev.store.RebuildRollups(ev.t.Context()); err != nil {
			t.Fatal(err)
		}
		compare("rebuilt from older events")
	})
}
