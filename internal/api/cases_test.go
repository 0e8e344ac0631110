package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/api"
	"github.com/redgrid/redgrid/internal/redgridtest"
	"github.com/redgrid/redgrid/internal/sqlstore"
)

// caseEnv is the test district with its grids on the map, the default categories and a second
// department (园林局) serving Street1 for co-handling.
func caseEnv(t *testing.T, e redgridtest.Engine) (*env, redgrid.Org) {
	t.Helper()
	return caseEnvWith(t, e, api.Config{})
}

// caseEnvWith is caseEnv with a server configuration.
func caseEnvWith(t *testing.T, e redgridtest.Engine, cfg api.Config) (*env, redgrid.Org) {
	t.Helper()
	return caseEnvCases(t, e, cfg, sqlstore.CaseOptions{})
}

// caseEnvCases is caseEnvWith with the store's case options (ladder, reminders).
func caseEnvCases(t *testing.T, e redgridtest.Engine, cfg api.Config, cases sqlstore.CaseOptions) (*env, redgrid.Org) {
	t.Helper()
	ev := newEnvCases(t, e, cfg, cases)
	res, body := ev.do("admin", "POST", "/api/v1/grids/import", ev.mapFile(t), nil)
	if res.StatusCode != 200 {
		t.Fatalf("import map: %d %s", res.StatusCode, body)
	}
	if _, err := ev.store.EnsureCategories(context.Background(), redgrid.DefaultCategories()); err != nil {
		t.Fatal(err)
	}
	dept2, _, err := ev.store.CreateOrg(context.Background(), redgrid.NewOrg{Kind: redgrid.OrgDepartment, Name: "园林局", HomeNodeID: ev.tree.District.ID, NodeIDs: []int64{ev.tree.Street1.ID}})
	if err != nil {
		t.Fatal(err)
	}
	return ev, dept2
}

// inCell is a point well inside lattice cell (i, j).
func inCell(i, j int) (float64, float64) {
	c := testLattice.Cell(i, j)
	var lng, lat float64
	ring := c.Outer[:len(c.Outer)-1]
	for _, p := range ring {
		lng += p.Lng
		lat += p.Lat
	}
	return lng / float64(len(ring)), lat / float64(len(ring))
}

type caseDoc struct {
	ID          int64
	Number      string
	State       string
	Category    string
	GridID      int64 `json:"grid_id"`
	Stage       string
	DueAt       *time.Time `json:"due_at"`
	Overdue     bool
	Reworks     int
	Reopened    int
	Level       int
	Version     int
	Masked      bool
	Reporter    string `json:"reporter_phone"`
	Departments []struct {
		OrgID     int64 `json:"org_id"`
		Role      string
		State     string
		AcceptDue *time.Time `json:"accept_due"`
		HandleDue *time.Time `json:"handle_due"`
	}
	Events []struct {
		Action string
		Actor  string
		Reason string
	}
	Duplicates []struct {
		ID        int64
		DistanceM float64 `json:"distance_m"`
	}
	FollowToken string `json:"follow_token"`
}

func (ev *env) report(user string, body string, hdr map[string]string) (int, caseDoc, []byte) {
	ev.t.Helper()
	res, b := ev.do(user, "POST", "/api/v1/cases", body, hdr)
	var c caseDoc
	json.Unmarshal(b, &c)
	return res.StatusCode, c, b
}

func (ev *env) act(user string, id int64, body string) (int, caseDoc, []byte) {
	ev.t.Helper()
	res, b := ev.do(user, "POST", fmt.Sprintf("/api/v1/cases/%d/actions", id), body, nil)
	var c caseDoc
	json.Unmarshal(b, &c)
	return res.StatusCode, c, b
}

func reportBody(lng, lat float64, category, desc string) string {
	return fmt.Sprintf(`{"category":%q,"lng":%v,"lat":%v,"description":%q,"address":"五堰街12号","reporter_name":"张三","reporter_phone":"13800138000","channel":"phone"}`, category, lng, lat, desc)
}

// TestCaseLoop walks a case from report to rating through every stage, with the roles that may
// act and those that may not, and checks the figures it leaves.
func TestCaseLoop(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev, dept2 := caseEnv(t, e)
		tr := ev.tree
		lng, lat := inCell(0, 0)
		st, c, b := ev.report("community1", reportBody(lng, lat, "0101", "垃圾桶满溢，气味很大"), nil)
		if st != 201 || c.State != "reported" || c.GridID != tr.Grid1.ID || c.Stage != "register" || c.DueAt == nil {
			t.Fatalf("report: %d %s", st, b)
		}
		// 17:00 CST on a Monday plus one working hour of a 09:00–12:00, 13:30–17:30 day: 09:30 Tuesday.
		if want := time.Date(2026, 3, 3, 9, 30, 0, 0, time.FixedZone("CST", 8*3600)); !c.DueAt.Equal(want) {
			t.Errorf("register due %v, want %v", c.DueAt, want)
		}
		step := func(user, body string, wantStatus int, wantState string) caseDoc {
			t.Helper()
			before := ev.digest()
			st, got, b := ev.act(user, c.ID, body)
			if st != wantStatus {
				t.Fatalf("%s %s: %d %s", user, body, st, b)
			}
			if st != 200 {
				if after := ev.digest(); after != before {
					t.Fatalf("refused %s changed the database:\n%s\n%s", body, before, after)
				}
				return got
			}
			if got.State != wantState {
				t.Fatalf("%s %s: state %s, want %s", user, body, got.State, wantState)
			}
			return got
		}
		step("dept1", `{"action":"register"}`, 403, "") // departments do not register
		step("grid1", `{"action":"dispatch","lead_department_id":1}`, 403, "")
		step("community2", `{"action":"register"}`, 403, "")                        // another community
		step("community1", `{"action":"dispatch","lead_department_id":1}`, 409, "") // not registered yet
		step("community1", `{"action":"void"}`, 400, "")                            // a reason is required
		step("community1", `{"action":"register"}`, 200, "registered")
		step("community1", fmt.Sprintf(`{"action":"dispatch","lead_department_id":%d}`, tr.Property.ID), 400, "") // not a department
		got := step("community1", fmt.Sprintf(`{"action":"dispatch","lead_department_id":%d,"co_department_ids":[%d]}`, tr.Department.ID, dept2.ID), 200, "dispatched")
		if len(got.Departments) != 2 || got.Stage != "accept" {
			t.Fatalf("dispatch: %+v", got)
		}
		step("dept1", `{"action":"feedback"}`, 409, "") // accept first
		step("dept1", `{"action":"accept"}`, 200, "accepted")
		step("dept1", `{"action":"accept"}`, 409, "")
		step("dept1", `{"action":"request_extend","reason":"需采购配件","extend":"2d"}`, 200, "accepted")
		step("dept1", `{"action":"feedback"}`, 409, "") // the extension awaits a decision
		step("dept1", `{"action":"approve_extend"}`, 403, "")
		step("community1", `{"action":"approve_extend"}`, 200, "accepted")
		step("dept1", `{"action":"feedback","reason":"已清运"}`, 200, "handled")
		step("grid1", `{"action":"verify_fail","reason":"仍有残留"}`, 200, "accepted")
		step("dept1", `{"action":"feedback","reason":"已彻底清理"}`, 200, "handled")
		// Two people verify at once: one wins, the other is told.
		var wg sync.WaitGroup
		codes := make([]int, 2)
		for i, u := range []string{"grid1", "gridleader1"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				codes[i], _, _ = ev.act(u, c.ID, `{"action":"verify_pass"}`)
			}()
		}
		wg.Wait()
		if !(codes[0] == 200 && codes[1] == 409 || codes[0] == 409 && codes[1] == 200) {
			t.Fatalf("concurrent verification: %v, want one 200 and one 409", codes)
		}
		got = step("community1", `{"action":"rate","rating":"dissatisfied"}`, 200, "accepted") // reopened once
		if got.Reopened != 1 {
			t.Fatalf("reopened = %d", got.Reopened)
		}
		step("dept1", `{"action":"feedback","reason":"再次处理"}`, 200, "handled")
		got = step("grid1", `{"action":"verify_pass"}`, 200, "verified")
		step("community1", fmt.Sprintf(`{"action":"rate","rating":"satisfied","resolved":true,"version":%d}`, got.Version-1), 409, "") // stale page
		got = step("community1", `{"action":"rate","rating":"satisfied","resolved":true}`, 200, "closed")
		step("community1", `{"action":"rate","rating":"satisfied"}`, 409, "")
		if got.Reworks != 1 || len(got.Events) < 14 {
			t.Fatalf("closed case: reworks %d, %d events", got.Reworks, len(got.Events))
		}

		// The figures of the district for the day.
		res, b := ev.do("admin", "GET", fmt.Sprintf("/api/v1/stats/cases?node=%d&from=2026-03-01&to=2026-03-31", tr.District.ID), "", nil)
		if res.StatusCode != 200 {
			t.Fatalf("stats: %d %s", res.StatusCode, b)
		}
		var stats struct {
			Counts  map[string]int64
			Figures []struct {
				Key         string
				Value       *float64
				Numerator   float64
				Denominator float64
			}
			Departments []struct {
				OrgID  int64 `json:"org_id"`
				Counts map[string]int64
			}
		}
		json.Unmarshal(b, &stats)
		want := map[string]int64{"received": 1, "registered": 1, "dispatched": 1, "closed": 1, "closed_on_time": 1, "handled": 1,
			"reworked": 1, "extended": 1, "callbacks": 1, "satisfied": 1, "resolved": 1, "responded": 1, "in_progress": 0, "due": 1}
		for k, v := range want {
			if stats.Counts[k] != v {
				t.Errorf("count %s = %d, want %d", k, stats.Counts[k], v)
			}
		}
		for _, f := range stats.Figures {
			if f.Key == "satisfaction_rate" && (f.Value == nil || *f.Value != 1) {
				t.Errorf("满意率 %+v", f)
			}
			if f.Key == "rework_rate" && (f.Value == nil || *f.Value != 1) {
				t.Errorf("返工率 %+v", f)
			}
		}
		if len(stats.Departments) != 2 {
			t.Fatalf("departments: %s", b)
		}
		// Another community's node: none of it.
		res, b = ev.do("admin", "GET", fmt.Sprintf("/api/v1/stats/cases?node=%d&from=2026-03-01&to=2026-03-31", tr.Community2.ID), "", nil)
		json.Unmarshal(b, &stats)
		if res.StatusCode != 200 || stats.Counts["received"] != 0 {
			t.Fatalf("community2 stats: %s", b)
		}
		res, _ = ev.do("community2", "GET", fmt.Sprintf("/api/v1/stats/cases?node=%d", tr.Community1.ID), "", nil)
		if res.StatusCode != 403 {
			t.Fatalf("stats outside scope: %d", res.StatusCode)
		}
	})
}

// TestCaseIntakeBadInput: every refusal names the field and rule and writes nothing.
func TestCaseIntakeBadInput(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev, _ := caseEnv(t, e)
		lng, lat := inCell(0, 0)
		long := make([]rune, 2001)
		for i := range long {
			long[i] = '字'
		}
		for _, tc := range []struct {
			name, user, body, field, rule string
			status                        int
		}{
			{"no position", "grid1", `{"category":"0101","description":"x"}`, "lng", "required", 400},
			{"lat out of range", "grid1", fmt.Sprintf(`{"category":"0101","lng":%v,"lat":91,"description":"x"}`, lng), "lat", "range", 400},
			{"outside every grid", "grid1", `{"category":"0101","lng":116.4,"lat":39.9,"description":"x"}`, "lng", "in_grid", 400},
			{"unknown category", "grid1", fmt.Sprintf(`{"category":"9999","lng":%v,"lat":%v,"description":"x"}`, lng, lat), "category", "exists", 400},
			{"major category", "grid1", fmt.Sprintf(`{"category":"01","lng":%v,"lat":%v,"description":"x"}`, lng, lat), "category", "format", 400},
			{"too long", "grid1", fmt.Sprintf(`{"category":"0101","lng":%v,"lat":%v,"description":%q}`, lng, lat, string(long)), "description", "max_length", 400},
			{"bad phone", "community1", fmt.Sprintf(`{"category":"0101","lng":%v,"lat":%v,"description":"x","reporter_phone":"12345","channel":"phone"}`, lng, lat), "reporter_phone", "format", 400},
			{"bad channel", "community1", fmt.Sprintf(`{"category":"0101","lng":%v,"lat":%v,"description":"x","channel":"qr"}`, lng, lat), "channel", "enum", 400},
			{"unknown photo", "grid1", fmt.Sprintf(`{"category":"0101","lng":%v,"lat":%v,"description":"x","photos":["0123456789abcdef0123456789abcdef"]}`, lng, lat), "photos[0]", "exists", 400},
			{"other community", "community2", fmt.Sprintf(`{"category":"0101","lng":%v,"lat":%v,"description":"x","channel":"phone"}`, lng, lat), "", "", 403},
			{"department", "dept1", fmt.Sprintf(`{"category":"0101","lng":%v,"lat":%v,"description":"x","channel":"phone"}`, lng, lat), "", "", 403},
		} {
			before := ev.digest()
			res, b := ev.do(tc.user, "POST", "/api/v1/cases", tc.body, nil)
			if res.StatusCode != tc.status {
				t.Fatalf("%s: %d %s", tc.name, res.StatusCode, b)
			}
			if tc.field != "" {
				p := parseProblem(t, b)
				found := false
				for _, f := range p.Errors {
					found = found || f.Field == tc.field && f.Rule == tc.rule
				}
				if !found {
					t.Errorf("%s: want %s/%s in %s", tc.name, tc.field, tc.rule, b)
				}
			}
			if after := ev.digest(); after != before {
				t.Fatalf("%s changed the database", tc.name)
			}
		}
	})
}

// TestCaseIdempotencyAndDuplicates: a retried report creates nothing new; a second report of the
// same problem nearby is offered as a duplicate and can be merged, and its reporter then follows
// the surviving case.
func TestCaseIdempotencyAndDuplicates(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev, _ := caseEnv(t, e)
		lng, lat := inCell(0, 0)
		body := reportBody(lng, lat, "1001", "井盖丢失")
		hdr := map[string]string{"Idempotency-Key": "report-1"}
		st1, c1, b1 := ev.report("community1", body, hdr)
		res, b2 := ev.do("community1", "POST", "/api/v1/cases", body, hdr)
		var c2 caseDoc
		json.Unmarshal(b2, &c2)
		if st1 != 201 || res.StatusCode != 201 || c2.ID != c1.ID || res.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("retry: %d %s / %d %s", st1, b1, res.StatusCode, b2)
		}
		if n := ev.count("SELECT COUNT(*) FROM cases"); n != 1 {
			t.Fatalf("%d cases after a retry", n)
		}
		// Same key, other body: refused.
		if res, _ := ev.do("community1", "POST", "/api/v1/cases", reportBody(lng, lat, "1001", "别的"), hdr); res.StatusCode != 422 {
			t.Fatalf("reused key: %d", res.StatusCode)
		}
		// A resident reports the same manhole 20 m away, from the QR page.
		res, b := ev.do("", "POST", "/api/v1/public/cases", fmt.Sprintf(`{"category":"1001","lng":%v,"lat":%v,"description":"路口井盖没了","anonymous":true,"follow_token":"follow-token-0123456789"}`, lng+0.0002, lat), nil)
		var pub struct {
			Number      string
			FollowToken string `json:"follow_token"`
		}
		json.Unmarshal(b, &pub)
		if res.StatusCode != 201 || pub.FollowToken != "follow-token-0123456789" {
			t.Fatalf("public report: %d %s", res.StatusCode, b)
		}
		// Not anonymous and no phone: refused.
		res, b = ev.do("", "POST", "/api/v1/public/cases", fmt.Sprintf(`{"category":"1001","lng":%v,"lat":%v,"description":"x"}`, lng, lat), nil)
		if res.StatusCode != 400 || parseProblem(t, b).Errors[0].Field != "reporter_phone" {
			t.Fatalf("public without phone: %d %s", res.StatusCode, b)
		}
		var dup caseDoc
		res, b = ev.do("community1", "GET", "/api/v1/cases?order=new&limit=1", "", nil)
		var lst struct{ Items []caseDoc }
		json.Unmarshal(b, &lst)
		if len(lst.Items) != 1 {
			t.Fatalf("list: %s", b)
		}
		dup = lst.Items[0]
		res, b = ev.do("community1", "GET", fmt.Sprintf("/api/v1/cases/%d/duplicates", dup.ID), "", nil)
		var dl struct{ Items []struct{ ID int64 } }
		json.Unmarshal(b, &dl)
		if len(dl.Items) != 1 || dl.Items[0].ID != c1.ID {
			t.Fatalf("duplicates: %s", b)
		}
		if st, got, b := ev.act("community1", dup.ID, fmt.Sprintf(`{"action":"merge","into":%d}`, c1.ID)); st != 200 || got.State != "voided" {
			t.Fatalf("merge: %d %s", st, b)
		}
		// The resident's link now shows the surviving case.
		res, b = ev.do("", "GET", "/api/v1/public/cases/follow-token-0123456789", "", nil)
		json.Unmarshal(b, &pub)
		if res.StatusCode != 200 || pub.Number != c1.Number {
			t.Fatalf("follow after merge: %d %s (want %s)", res.StatusCode, b, c1.Number)
		}
		// The list masks the reporter; the community's single view shows them and logs it.
		if !lst.Items[0].Masked {
			t.Fatalf("list not masked: %s", b)
		}
		before := ev.count("SELECT COUNT(*) FROM audit_log WHERE action = 'pii.unmask'")
		res, b = ev.do("community1", "GET", fmt.Sprintf("/api/v1/cases/%d", c1.ID), "", nil)
		var full caseDoc
		json.Unmarshal(b, &full)
		if full.Masked || full.Reporter != "13800138000" || ev.count("SELECT COUNT(*) FROM audit_log WHERE action = 'pii.unmask'") != before+1 ||
			ev.count("SELECT COUNT(*) FROM pii_unmaskings WHERE how = 'call-back'") != before+1 {
			t.Fatalf("community view: %s", b)
		}
		res, b = ev.do("grid1", "GET", fmt.Sprintf("/api/v1/cases/%d", c1.ID), "", nil)
		json.Unmarshal(b, &full)
		if res.StatusCode != 200 || !full.Masked || full.Reporter != "138****8000" {
			t.Fatalf("grid worker view: %d %s", res.StatusCode, b)
		}
	})
}

// TestCaseDeadlines: a reminder at 80% and the overdue flag fire once each, an overdue handling
// stage climbs the ladder and lands on the community's agenda.
func TestCaseDeadlines(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev, _ := caseEnv(t, e)
		ctx := context.Background()
		lng, lat := inCell(0, 0)
		_, c, _ := ev.report("grid1", fmt.Sprintf(`{"category":"0101","lng":%v,"lat":%v,"description":"暴露垃圾"}`, lng, lat), nil)
		ev.act("community1", c.ID, `{"action":"register"}`)
		ev.act("community1", c.ID, fmt.Sprintf(`{"action":"dispatch","lead_department_id":%d}`, ev.tree.Department.ID))
		// Accepted at 17:00 CST on a Monday; 暴露垃圾 is handled within 2 working hours: 30 minutes
		// on Monday, 90 on Tuesday from 09:00, so due at 10:30 Tuesday, reminded at 80% (10:06).
		ev.act("dept1", c.ID, `{"action":"accept"}`)
		ev.clock.Advance(16*time.Hour + 40*time.Minute) // 09:40 Tuesday
		r, err := ev.store.RunDeadlines(ctx, 100)
		if err != nil || r.Reminded != 0 || r.Overdue != 0 {
			t.Fatalf("09:40: %+v %v, want nothing", r, err)
		}
		ev.clock.Advance(30 * time.Minute) // 10:10: reminded, not overdue
		if r, err = ev.store.RunDeadlines(ctx, 100); err != nil || r.Reminded != 1 || r.Overdue != 0 {
			t.Fatalf("10:10: %+v %v, want one reminder", r, err)
		}
		ev.clock.Advance(30 * time.Minute) // 10:40: overdue
		if r, err = ev.store.RunDeadlines(ctx, 100); err != nil || r.Reminded != 0 || r.Overdue != 1 {
			t.Fatalf("10:40: %+v %v, want one overdue", r, err)
		}
		r2, _ := ev.store.RunDeadlines(ctx, 100)
		if r2.Reminded != 0 || r2.Overdue != 0 {
			t.Fatalf("second run fired again: %+v", r2)
		}
		for _, u := range []string{"community1", "dept1"} {
			ev.tokens[u] = ev.login(u) // the sessions of the morning before have expired
		}
		res, b := ev.do("community1", "GET", fmt.Sprintf("/api/v1/cases/%d", c.ID), "", nil)
		var got caseDoc
		json.Unmarshal(b, &got)
		if res.StatusCode != 200 || !got.Overdue || got.Level != 1 {
			t.Fatalf("after the deadline: %s", b)
		}
		res, b = ev.do("community1", "GET", fmt.Sprintf("/api/v1/agenda?node=%d", ev.tree.Community1.ID), "", nil)
		var ag struct {
			Items []struct {
				CaseID int64 `json:"case_id"`
			}
		}
		json.Unmarshal(b, &ag)
		if len(ag.Items) != 1 || ag.Items[0].CaseID != c.ID {
			t.Fatalf("agenda: %s", b)
		}
		res, b = ev.do("dept1", "GET", "/api/v1/notifications", "", nil)
		var ns struct{ Items []struct{ Kind string } }
		json.Unmarshal(b, &ns)
		kinds := map[string]int{}
		for _, n := range ns.Items {
			kinds[n.Kind]++
		}
		if kinds["dispatch"] != 1 || kinds["remind"] != 1 || kinds["overdue"] != 1 {
			t.Fatalf("department notifications: %s", b)
		}
	})
}

// TestCaseListFilters: the dispatch board filters the list by category (minor or major code) and
// by the stage whose deadline runs; bad values are refused.
func TestCaseListFilters(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev, dept2 := caseEnv(t, e)
		lng, lat := inCell(0, 0)
		st, manhole, b := ev.report("community1", reportBody(lng, lat, "1001", "井盖丢失"), nil)
		if st != 201 {
			t.Fatalf("report: %d %s", st, b)
		}
		if st, _, b := ev.report("community1", reportBody(lng, lat, "0101", "垃圾"), nil); st != 201 {
			t.Fatalf("report: %d %s", st, b)
		}
		if st, _, b := ev.act("community1", manhole.ID, `{"action":"register"}`); st != 200 {
			t.Fatalf("register: %d %s", st, b)
		}
		for _, tc := range []struct {
			query string
			want  int
		}{
			{"category=1001", 1}, {"category=10", 1}, {"category=01", 1}, {"category=0102", 0},
			{"stage=register", 2}, {"stage=accept,handle", 0}, {"stage=register&category=1001", 1},
		} {
			res, b := ev.do("community1", "GET", "/api/v1/cases?"+tc.query, "", nil)
			var lst struct{ Items []caseDoc }
			json.Unmarshal(b, &lst)
			if res.StatusCode != 200 || len(lst.Items) != tc.want {
				t.Errorf("%s: %d, %d cases, want %d: %s", tc.query, res.StatusCode, len(lst.Items), tc.want, b)
			}
		}
		// The list carries each case's departments with their own deadlines (the department inbox).
		if st, _, b := ev.act("community1", manhole.ID, fmt.Sprintf(`{"action":"dispatch","lead_department_id":%d}`, dept2.ID)); st != 200 {
			t.Fatalf("dispatch: %d %s", st, b)
		}
		res, b := ev.do("community1", "GET", "/api/v1/cases?stage=accept", "", nil)
		var lst struct {
			Items []struct {
				ID          int64
				Departments []struct {
					OrgID     int64      `json:"org_id"`
					Role      string     `json:"role"`
					AcceptDue *time.Time `json:"accept_due"`
				}
			}
		}
		json.Unmarshal(b, &lst)
		if res.StatusCode != 200 || len(lst.Items) != 1 || len(lst.Items[0].Departments) != 1 || lst.Items[0].Departments[0].OrgID != dept2.ID ||
			lst.Items[0].Departments[0].Role != "lead" || lst.Items[0].Departments[0].AcceptDue == nil {
			t.Fatalf("list with departments: %d %s", res.StatusCode, b)
		}
		for _, q := range []string{"stage=closed", "category=1", "category=abcd"} {
			res, b := ev.do("community1", "GET", "/api/v1/cases?"+q, "", nil)
			if res.StatusCode != 400 {
				t.Errorf("%s: %d %s", q, res.StatusCode, b)
			}
		}
	})
}

// TestCaseListPagesByDue: the dispatch board pages order=due with after (the last case's id) and
// after_due (its due_at): the pages put together are the whole list in the same order, across
// equal due times (by id) and into the cases without a running deadline; bad cursors are refused.
func TestCaseListPagesByDue(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev, dept2 := caseEnv(t, e)
		var ids []int64
		for i := 0; i < 7; i++ {
			lng, lat := inCell(0, 0)
			st, c, b := ev.report("community1", reportBody(lng, lat, "0101", fmt.Sprintf("垃圾 %d", i)), nil)
			if st != 201 {
				t.Fatalf("report: %d %s", st, b)
			}
			ids = append(ids, c.ID)
			if i%3 == 2 {
				ev.clock.Advance(7*time.Minute + 250*time.Millisecond) // some cases share a due time, some do not
			}
		}
		// one with the accept deadline of a department, two with no running deadline
		for _, a := range []string{`{"action":"register"}`, fmt.Sprintf(`{"action":"dispatch","lead_department_id":%d}`, dept2.ID)} {
			if st, _, b := ev.act("community1", ids[1], a); st != 200 {
				t.Fatalf("%s: %d %s", a, st, b)
			}
		}
		for _, id := range []int64{ids[4], ids[0]} {
			if st, _, b := ev.act("community1", id, `{"action":"void","reason":"重复"}`); st != 200 {
				t.Fatalf("void: %d %s", st, b)
			}
		}
		list := func(q string) []caseDoc {
			t.Helper()
			res, b := ev.do("community1", "GET", "/api/v1/cases?order=due&"+q, "", nil)
			var lst struct{ Items []caseDoc }
			if err := json.Unmarshal(b, &lst); err != nil || res.StatusCode != 200 {
				t.Fatalf("%s: %d %s", q, res.StatusCode, b)
			}
			return lst.Items
		}
		all := list("limit=100")
		if len(all) != len(ids) {
			t.Fatalf("all: %d cases, want %d", len(all), len(ids))
		}
		if all[len(all)-1].DueAt != nil || all[0].DueAt == nil {
			t.Fatalf("cases without a running deadline come last: %+v", all)
		}
		for _, size := range []int{1, 2, 3} {
			var got []int64
			q := fmt.Sprintf("limit=%d", size)
			for pages := 0; pages <= len(ids); pages++ {
				page := list(q)
				for _, c := range page {
					got = append(got, c.ID)
				}
				if len(page) < size {
					break
				}
				last := page[len(page)-1]
				q = fmt.Sprintf("limit=%d&after=%d", size, last.ID)
				if last.DueAt != nil {
					q += "&after_due=" + url.QueryEscape(last.DueAt.Format(time.RFC3339Nano))
				}
			}
			var want []int64
			for _, c := range all {
				want = append(want, c.ID)
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("pages of %d: %v, want %v", size, got, want)
			}
		}
		for _, q := range []string{"order=due&after=0", "order=due&after=x", "order=due&after_due=2026-01-01T00:00:00Z",
			"order=due&after=1&after_due=yesterday", "order=new&after=1", "after=1"} {
			res, b := ev.do("community1", "GET", "/api/v1/cases?"+q, "", nil)
			if res.StatusCode != 400 {
				t.Errorf("%s: %d %s", q, res.StatusCode, b)
			}
		}
	})
}

// TestIntakeDuplicatesOfOneBurst: reports of one problem sent at once (they share group commits)
// each offer the reports received before them, never a later one; on SQLite, where the
// candidates are read in the intake's own transaction, exactly all of them.
func TestIntakeDuplicatesOfOneBurst(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev, _ := caseEnv(t, e)
		lng, lat := inCell(0, 0)
		// Two categories at one spot, in one burst: each case is offered the earlier cases of
		// its own category only (the searches of one group commit are answered together).
		const n = 12
		cats := [2]string{"1001", "0101"}
		docs := make([]caseDoc, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				st, c, b := ev.report("community1", reportBody(lng+float64(i)*0.00001, lat, cats[i%2], "井盖丢失"), nil)
				if st != 201 {
					t.Errorf("report %d: %d %s", i, st, b)
				}
				docs[i] = c
			}()
		}
		wg.Wait()
		for _, c := range docs {
			var earlier []int64
			for _, o := range docs {
				if o.ID < c.ID && o.Category == c.Category {
					earlier = append(earlier, o.ID)
				}
			}
			var got []int64
			for _, d := range c.Duplicates {
				if d.ID >= c.ID {
					t.Errorf("case %d offers the later case %d as its duplicate", c.ID, d.ID)
				}
				got = append(got, d.ID)
			}
			slices.Sort(got)
			slices.Sort(earlier)
			if !slices.Equal(got, earlier) {
				t.Errorf("case %d (%s) offers %v, want every earlier one of its category %v", c.ID, c.Category, got, earlier)
			}
		}
	})
}
