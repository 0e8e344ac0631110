package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/api"
	"github.com/redgrid/redgrid/internal/redgridtest"
	"github.com/redgrid/redgrid/internal/sqlstore"
)

var cstTest = time.FixedZone("CST", 8*3600)

// clockCfg lets the tests that move the clock by days log everyone in again at each move.
var clockCfg = api.Config{LoginPerMinute: 1 << 20}

// at is a time of March 2026 in CST.
func at(day, hour, minute int) time.Time { return time.Date(2026, 3, day, hour, minute, 0, 0, cstTest) }

// advanceTo moves the fake clock to t and logs everyone in again (sessions last 12 hours).
func (ev *env) advanceTo(t time.Time) {
	ev.t.Helper()
	d := t.Sub(ev.clock.Now())
	if d < 0 {
		ev.t.Fatalf("clock at %v, cannot go back to %v", ev.clock.Now(), t)
	}
	ev.clock.Advance(d)
	for u := range ev.tokens {
		ev.tokens[u] = ev.login(u)
	}
}

// agendaOf lists the case ids on the next joint meeting's agenda at a node, with their levels.
func (ev *env) agendaOf(user string, node int64) map[int64]int {
	ev.t.Helper()
	res, b := ev.do(user, "GET", fmt.Sprintf("/api/v1/agenda?node=%d", node), "", nil)
	if res.StatusCode != 200 {
		ev.t.Fatalf("agenda of %d: %d %s", node, res.StatusCode, b)
	}
	var ag struct {
		Items []struct {
			CaseID int64 `json:"case_id"`
			Level  int
		}
	}
	json.Unmarshal(b, &ag)
	out := map[int64]int{}
	for _, a := range ag.Items {
		out[a.CaseID] = a.Level
	}
	return out
}

// getCase reads a case as user.
func (ev *env) getCase(user string, id int64) caseDoc {
	ev.t.Helper()
	res, b := ev.do(user, "GET", fmt.Sprintf("/api/v1/cases/%d", id), "", nil)
	var c caseDoc
	json.Unmarshal(b, &c)
	if res.StatusCode != 200 {
		ev.t.Fatalf("case %d: %d %s", id, res.StatusCode, b)
	}
	return c
}

// acceptedCase reports a 暴露垃圾 (0101, handled within 2 working hours) in Grid1 as grid1;
// community1 registers and dispatches it to dept1 (and co, when not 0) and dept1 accepts it —
// all at the clock's time (17:00 CST on Monday 2 March 2026 for a fresh env, so the handling is
// due at 10:30 on Tuesday).
func (ev *env) acceptedCase(co int64) caseDoc {
	ev.t.Helper()
	lng, lat := inCell(0, 0)
	st, c, b := ev.report("grid1", fmt.Sprintf(`{"category":"0101","lng":%v,"lat":%v,"description":"暴露垃圾"}`, lng, lat), nil)
	if st != 201 {
		ev.t.Fatalf("report: %d %s", st, b)
	}
	dispatch := fmt.Sprintf(`{"action":"dispatch","lead_department_id":%d}`, ev.tree.Department.ID)
	if co != 0 {
		dispatch = fmt.Sprintf(`{"action":"dispatch","lead_department_id":%d,"co_department_ids":[%d]}`, ev.tree.Department.ID, co)
	}
	for _, s := range []struct{ user, body string }{{"community1", `{"action":"register"}`}, {"community1", dispatch}, {"dept1", `{"action":"accept"}`}} {
		if st, _, b := ev.act(s.user, c.ID, s.body); st != 200 {
			ev.t.Fatalf("%s %s: %d %s", s.user, s.body, st, b)
		}
	}
	return c
}

// runJobs runs the deadline jobs twice (the second pass must find nothing) and returns the first
// pass's result.
func (ev *env) runJobs() sqlstore.JobResult {
	ev.t.Helper()
	r, err := ev.store.RunDeadlines(context.Background(), 100)
	if err != nil {
		ev.t.Fatal(err)
	}
	again, err := ev.store.RunDeadlines(context.Background(), 100)
	if err != nil || again != (sqlstore.JobResult{}) {
		ev.t.Fatalf("a second pass at %v fired again: %+v %v", ev.clock.Now(), again, err)
	}
	return r
}

// TestEscalationLadderByTime: with the default ladder (grid=0,community=3d,street=5d) an overdue
// case climbs at once from the grid to the community's joint meeting, after 3 working days there
// to the street's and after 5 more to the city's, each climb once, each landing on that level's
// next joint meeting agenda (the city's list is kept at the district, the root of the tree); at
// the top nothing more happens. A configured ladder (grid=2h,community=1d,street=never) moves
// the same case by its own times and leaves it at the street.
func TestEscalationLadderByTime(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev, _ := caseEnvWith(t, e, clockCfg)
		tr := ev.tree
		c := ev.acceptedCase(0)
		ev.advanceTo(at(3, 10, 29))
		if r := ev.runJobs(); r.Overdue != 0 || r.Escalated != 0 {
			t.Fatalf("10:29 Tuesday: %+v", r)
		}
		ev.advanceTo(at(3, 10, 40)) // the handling was due at 10:30
		if r := ev.runJobs(); r.Overdue != 1 || r.Escalated != 0 {
			t.Fatalf("10:40 Tuesday: %+v", r)
		}
		if got := ev.getCase("community1", c.ID); got.Level != 1 || !got.Overdue {
			t.Fatalf("after the overdue: level %d overdue %v", got.Level, got.Overdue)
		}
		if ag := ev.agendaOf("community1", tr.Community1.ID); ag[c.ID] != 1 {
			t.Fatalf("community agenda %v", ag)
		}
		// 3 working days at the community from 10:40 Tuesday: 10:40 Friday.
		ev.advanceTo(at(6, 10, 39))
		if r := ev.runJobs(); r != (sqlstore.JobResult{}) {
			t.Fatalf("10:39 Friday: %+v", r)
		}
		ev.advanceTo(at(6, 10, 41))
		if r := ev.runJobs(); r.Escalated != 1 {
			t.Fatalf("10:41 Friday: %+v", r)
		}
		if got := ev.getCase("street1", c.ID); got.Level != 2 {
			t.Fatalf("after 3 days at the community: level %d", got.Level)
		}
		if ag := ev.agendaOf("street1", tr.Street1.ID); ag[c.ID] != 2 {
			t.Fatalf("street agenda %v", ag)
		}
		// 5 working days at the street from 10:41 Friday: 10:41 the Friday after (no weekend).
		ev.advanceTo(at(13, 10, 40))
		if r := ev.runJobs(); r != (sqlstore.JobResult{}) {
			t.Fatalf("10:40 Friday 13th: %+v", r)
		}
		ev.advanceTo(at(13, 10, 42))
		if r := ev.runJobs(); r.Escalated != 1 {
			t.Fatalf("10:42 Friday 13th: %+v", r)
		}
		got := ev.getCase("admin", c.ID)
		if got.Level != 3 {
			t.Fatalf("after 5 days at the street: level %d", got.Level)
		}
		if ag := ev.agendaOf("admin", tr.District.ID); ag[c.ID] != 3 {
			t.Fatalf("city agenda (at the district) %v", ag)
		}
		auto := 0
		for _, x := range got.Events {
			if x.Action == "escalate" {
				auto++
			}
		}
		if auto != 3 || ev.count("SELECT COUNT(*) FROM audit_log WHERE action = 'case.escalate'") != 3 ||
			ev.count("SELECT COUNT(*) FROM notifications WHERE kind = 'escalate'") != 3 {
			t.Fatalf("%d escalate events, want 3: %+v", auto, got.Events)
		}
		// At the top: a month later nothing has moved.
		ev.advanceTo(at(31, 10, 0))
		if r := ev.runJobs(); r != (sqlstore.JobResult{}) {
			t.Fatalf("at the top: %+v", r)
		}
		if got := ev.getCase("admin", c.ID); got.Level != 3 {
			t.Fatalf("level %d", got.Level)
		}

		// A configured ladder.
		ladder, err := redgrid.ParseEscalateAfter("grid=2h,community=1d,street=never")
		if err != nil {
			t.Fatal(err)
		}
		ev2, _ := caseEnvCases(t, e, clockCfg, sqlstore.CaseOptions{Ladder: ladder})
		c2 := ev2.acceptedCase(0)
		ev2.advanceTo(at(3, 10, 40))
		if r := ev2.runJobs(); r.Overdue != 1 || r.Escalated != 0 {
			t.Fatalf("overdue with grid=2h: %+v", r)
		}
		if got := ev2.getCase("community1", c2.ID); got.Level != 0 || !got.Overdue {
			t.Fatalf("overdue with grid=2h: level %d", got.Level)
		}
		// 2 working hours from 10:40: 80 minutes to noon, 40 from 13:30 — 14:10.
		ev2.advanceTo(at(3, 14, 9))
		if r := ev2.runJobs(); r != (sqlstore.JobResult{}) {
			t.Fatalf("14:09: %+v", r)
		}
		ev2.advanceTo(at(3, 14, 11))
		if r := ev2.runJobs(); r.Escalated != 1 {
			t.Fatalf("14:11: %+v", r)
		}
		// 1 working day (7 hours) from 14:11 Tuesday: 14:11 Wednesday.
		ev2.advanceTo(at(4, 14, 10))
		if r := ev2.runJobs(); r != (sqlstore.JobResult{}) {
			t.Fatalf("14:10 Wednesday: %+v", r)
		}
		ev2.advanceTo(at(4, 14, 12))
		if r := ev2.runJobs(); r.Escalated != 1 {
			t.Fatalf("14:12 Wednesday: %+v", r)
		}
		ev2.advanceTo(at(31, 14, 0)) // street=never
		if r := ev2.runJobs(); r != (sqlstore.JobResult{}) {
			t.Fatalf("street=never: %+v", r)
		}
		if got := ev2.getCase("street1", c2.ID); got.Level != 2 {
			t.Fatalf("street=never: level %d", got.Level)
		}
		if ag := ev2.agendaOf("street1", tr.Street1.ID); ag[c2.ID] != 2 {
			t.Fatalf("street agenda %v", ag)
		}
	})
}

// TestEscalationLadderByHand: the grid leader, the community and the street each put the case one
// rung up by hand, each landing on that level's agenda; the rung's clock restarts with each
// climb; at the city's rung another escalation is refused with 409 and changes nothing, and a
// department may not escalate (403).
func TestEscalationLadderByHand(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev, _ := caseEnvWith(t, e, clockCfg)
		tr := ev.tree
		c := ev.acceptedCase(0)
		step := func(user string, want, level int) {
			t.Helper()
			before := ev.digest()
			st, got, b := ev.act(user, c.ID, `{"action":"escalate","reason":"需上级协调"}`)
			if st != want {
				t.Fatalf("%s escalates: %d %s", user, st, b)
			}
			if st != 200 {
				if ev.digest() != before {
					t.Fatalf("refused escalation by %s changed the database", user)
				}
				return
			}
			if got.Level != level {
				t.Fatalf("%s escalates: level %d, want %d", user, got.Level, level)
			}
		}
		step("dept1", 403, 0)
		step("gridleader1", 200, 1)
		if ag := ev.agendaOf("community1", tr.Community1.ID); ag[c.ID] != 1 {
			t.Fatalf("community agenda %v", ag)
		}
		// Two working days at the community: its clock (3 days) has not run out.
		ev.advanceTo(at(4, 17, 0))
		ev.runJobs()
		step("community1", 200, 2)
		if ag := ev.agendaOf("street1", tr.Street1.ID); ag[c.ID] != 2 {
			t.Fatalf("street agenda %v", ag)
		}
		// The community's clock was replaced by the street's: 3 working days after the case came
		// to the community nothing climbs (the street has 5 from its arrival on Wednesday).
		ev.advanceTo(at(6, 17, 10))
		if r := ev.runJobs(); r.Escalated != 0 {
			t.Fatalf("the community's clock still ran: %+v", r)
		}
		step("street1", 200, 3)
		if ag := ev.agendaOf("admin", tr.District.ID); ag[c.ID] != 3 {
			t.Fatalf("city agenda %v", ag)
		}
		step("admin", 409, 3)
		step("street1", 409, 3)
		ev.advanceTo(at(31, 17, 0))
		if r := ev.runJobs(); r.Escalated != 0 {
			t.Fatalf("a clock ran at the top: %+v", r)
		}
	})
}

// TestSuspendPausesEveryClock: a suspension (挂账) pauses the working time of the lead's handling
// stage and of the co-handler's acceptance alike, nothing fires while the case is suspended, and
// the resumption gives each exactly the working time it had left — the co-handler's too.
func TestSuspendPausesEveryClock(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev, dept2 := caseEnvWith(t, e, clockCfg)
		c := ev.acceptedCase(dept2.ID) // 17:00 Monday: dept1 accepted (handle due 10:30 Tuesday); 园林局 to accept by 09:30 Tuesday
		ev.advanceTo(at(2, 17, 20))
		if st, _, b := ev.act("dept1", c.ID, `{"action":"suspend","reason":"需等待管线迁改","explanation":"已向居民说明需待管线迁改后处理"}`); st != 200 {
			t.Fatalf("suspend: %d %s", st, b)
		}
		// Left: the lead 10 + 90 working minutes, the co-handler 10 + 30.
		if n := ev.count("SELECT COUNT(*) FROM case_deadlines WHERE paused_s = 6000 AND stage = 'handle'"); n != 1 {
			t.Fatalf("lead's handling not paused with 100 minutes left")
		}
		if n := ev.count("SELECT COUNT(*) FROM case_deadlines WHERE paused_s = 2400 AND stage = 'accept'"); n != 1 {
			t.Fatalf("co-handler's acceptance not paused with 40 minutes left")
		}
		ev.advanceTo(at(4, 17, 0))
		if r := ev.runJobs(); r != (sqlstore.JobResult{}) {
			t.Fatalf("jobs fired on a suspended case: %+v", r)
		}
		ev.advanceTo(at(5, 9, 0))
		st, got, b := ev.act("community1", c.ID, `{"action":"resume"}`)
		if st != 200 || got.State != "accepted" || got.Stage != "handle" {
			t.Fatalf("resume: %d %s", st, b)
		}
		if want := at(5, 10, 40); got.DueAt == nil || !got.DueAt.Equal(want) {
			t.Fatalf("lead due %v, want %v", got.DueAt, want)
		}
		for _, d := range got.Departments {
			switch {
			case d.OrgID == dept2.ID && (d.AcceptDue == nil || !d.AcceptDue.Equal(at(5, 9, 40))):
				t.Errorf("co-handler's acceptance due %v, want 09:40 Thursday", d.AcceptDue)
			case d.OrgID == ev.tree.Department.ID && (d.HandleDue == nil || !d.HandleDue.Equal(at(5, 10, 40))):
				t.Errorf("lead's handling due %v, want 10:40 Thursday", d.HandleDue)
			}
		}
		if n := ev.count("SELECT COUNT(*) FROM case_deadlines WHERE paused_s IS NOT NULL"); n != 0 {
			t.Fatalf("%d deadlines still paused after the resumption", n)
		}
		// The clocks run again: the co-handler is late at 09:41, the lead at 10:41, once each.
		ev.advanceTo(at(5, 9, 41))
		if r := ev.runJobs(); r.Overdue != 1 {
			t.Fatalf("09:41 Thursday: %+v", r)
		}
		ev.advanceTo(at(5, 10, 41))
		if r := ev.runJobs(); r.Overdue != 1 {
			t.Fatalf("10:41 Thursday: %+v", r)
		}
		// Suspended again after the overdue: the resumption does not fire it a second time.
		if st, _, b := ev.act("dept1", c.ID, `{"action":"suspend","reason":"再次等待","explanation":"已解释"}`); st != 200 {
			t.Fatalf("suspend again: %d %s", st, b)
		}
		if st, _, b := ev.act("community1", c.ID, `{"action":"resume"}`); st != 200 {
			t.Fatalf("resume again: %d %s", st, b)
		}
		if r := ev.runJobs(); r.Overdue != 0 {
			t.Fatalf("a resumed overdue fired again: %+v", r)
		}
	})
}

// TestExtensionByDispatchingLevel: a case dispatched by the street is extended only by the street:
// the community below, the district above and another street get 403 and change nothing; a case
// the community dispatched is not the street's to extend.
func TestExtensionByDispatchingLevel(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev, _ := caseEnvWith(t, e, clockCfg)
		lng, lat := inCell(0, 0)
		_, c, _ := ev.report("grid1", fmt.Sprintf(`{"category":"0101","lng":%v,"lat":%v,"description":"暴露垃圾"}`, lng, lat), nil)
		for _, s := range []struct{ user, body string }{{"street1", `{"action":"register"}`},
			{"street1", fmt.Sprintf(`{"action":"dispatch","lead_department_id":%d}`, ev.tree.Department.ID)}, {"dept1", `{"action":"accept"}`},
			{"dept1", `{"action":"request_extend","reason":"需采购配件","extend":"2d"}`}} {
			if st, _, b := ev.act(s.user, c.ID, s.body); st != 200 {
				t.Fatalf("%s %s: %d %s", s.user, s.body, st, b)
			}
		}
		res, b := ev.do("street1", "GET", fmt.Sprintf("/api/v1/cases/%d", c.ID), "", nil)
		var doc struct {
			DispatchNodeID *int64 `json:"dispatch_node_id"`
		}
		json.Unmarshal(b, &doc)
		if res.StatusCode != 200 || doc.DispatchNodeID == nil || *doc.DispatchNodeID != ev.tree.Street1.ID {
			t.Fatalf("dispatch node: %s", b)
		}
		for _, u := range []string{"community1", "admin", "street2"} {
			for _, a := range []string{"approve_extend", "reject_extend"} {
				before := ev.digest()
				if st, _, b := ev.act(u, c.ID, fmt.Sprintf(`{"action":%q,"reason":"不同意"}`, a)); st != 403 {
					t.Fatalf("%s %s: %d %s", u, a, st, b)
				}
				if ev.digest() != before {
					t.Fatalf("refused %s by %s changed the database", a, u)
				}
			}
		}
		if st, got, b := ev.act("street1", c.ID, `{"action":"reject_extend","reason":"可按期完成"}`); st != 200 || got.State != "accepted" {
			t.Fatalf("street rejects: %d %s", st, b)
		}
		ev.act("dept1", c.ID, `{"action":"request_extend","reason":"需采购配件","extend":"1d"}`)
		if st, _, b := ev.act("street1", c.ID, `{"action":"approve_extend"}`); st != 200 {
			t.Fatalf("street approves: %d %s", st, b)
		}
		// Dispatched by the community: the street above does not decide.
		c2 := ev.acceptedCase(0)
		ev.act("dept1", c2.ID, `{"action":"request_extend","reason":"需采购配件","extend":"2d"}`)
		before := ev.digest()
		if st, _, b := ev.act("street1", c2.ID, `{"action":"approve_extend"}`); st != 403 || ev.digest() != before {
			t.Fatalf("street approves the community's case: %d %s", st, b)
		}
		if st, _, b := ev.act("community1", c2.ID, `{"action":"approve_extend"}`); st != 200 {
			t.Fatalf("community approves: %d %s", st, b)
		}
	})
}

// TestLadderWaitsForOverdue: a case put on the community's rung by hand while its handling is
// within its deadline does not climb when the rung's time (30 minutes here) runs out; once its
// handling is overdue the rung's time starts again, and it climbs when that has passed.
func TestLadderWaitsForOverdue(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ladder, err := redgrid.ParseEscalateAfter("community=30m")
		if err != nil {
			t.Fatal(err)
		}
		ev, _ := caseEnvCases(t, e, clockCfg, sqlstore.CaseOptions{Ladder: ladder})
		c := ev.acceptedCase(0) // handling due 10:30 Tuesday
		if st, _, b := ev.act("community1", c.ID, `{"action":"escalate","reason":"需社区协调"}`); st != 200 {
			t.Fatalf("escalate: %d %s", st, b)
		}
		ev.advanceTo(at(2, 17, 31))
		if r := ev.runJobs(); r != (sqlstore.JobResult{}) {
			t.Fatalf("17:31 Monday, not overdue: %+v", r)
		}
		ev.advanceTo(at(3, 10, 31))
		if r := ev.runJobs(); r.Overdue != 1 || r.Escalated != 0 {
			t.Fatalf("10:31 Tuesday: %+v", r)
		}
		if got := ev.getCase("community1", c.ID); got.Level != 1 {
			t.Fatalf("level %d at the overdue, want 1", got.Level)
		}
		ev.advanceTo(at(3, 11, 0))
		if r := ev.runJobs(); r != (sqlstore.JobResult{}) {
			t.Fatalf("11:00 Tuesday: %+v", r)
		}
		ev.advanceTo(at(3, 11, 2))
		if r := ev.runJobs(); r.Escalated != 1 {
			t.Fatalf("11:02 Tuesday: %+v", r)
		}
		if got := ev.getCase("street1", c.ID); got.Level != 2 {
			t.Fatalf("level %d, want 2", got.Level)
		}
	})
}

// mustAct takes an action that must succeed and returns the case as it left it.
func (ev *env) mustAct(user string, id int64, body string) caseDoc {
	ev.t.Helper()
	st, c, b := ev.act(user, id, body)
	if st != 200 {
		ev.t.Fatalf("%s %s: %d %s", user, body, st, b)
	}
	return c
}

// TestHandEscalationWhileSuspended: a suspended case escalated by hand gets the new rung's whole
// time when it is resumed — not what the old rung's paused clock had left (1 day at the community
// here, which would have sent it on to the city the day after the resumption) — and a case that
// had no clock (grid=never) gets the new rung's clock at the resumption.
func TestHandEscalationWhileSuspended(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev, _ := caseEnvWith(t, e, clockCfg)
		c := ev.acceptedCase(0) // handling due 10:30 Tuesday
		ev.advanceTo(at(3, 10, 40))
		if r := ev.runJobs(); r.Overdue != 1 {
			t.Fatalf("10:40 Tuesday: %+v", r)
		}
		// At the community since 10:40 Tuesday (3 days: until 10:40 Friday); suspended on Thursday
		// with 1 working day left on that clock.
		ev.advanceTo(at(5, 10, 40))
		if r := ev.runJobs(); r != (sqlstore.JobResult{}) {
			t.Fatalf("10:40 Thursday: %+v", r)
		}
		ev.mustAct("dept1", c.ID, `{"action":"suspend","reason":"需等待管线迁改","explanation":"已向居民说明需待管线迁改后处理"}`)
		if n := ev.count("SELECT COUNT(*) FROM case_deadlines WHERE stage = 'ladder' AND paused_s = 25200"); n != 1 {
			t.Fatalf("the community's clock is not paused with 1 working day left")
		}
		ev.advanceTo(at(5, 11, 0))
		if got := ev.mustAct("street1", c.ID, `{"action":"escalate","reason":"需街道协调"}`); got.Level != 2 || got.State != "suspended" {
			t.Fatalf("escalated while suspended: level %d state %s", got.Level, got.State)
		}
		// One paused clock: the street's, with its 5 working days.
		if n := ev.count("SELECT COUNT(*) FROM case_deadlines WHERE stage = 'ladder' AND paused_s IS NOT NULL"); n != 1 {
			t.Fatalf("%d paused ladder clocks, want 1", n)
		}
		if n := ev.count("SELECT COUNT(*) FROM case_deadlines WHERE stage = 'ladder' AND paused_s = 126000"); n != 1 {
			t.Fatalf("the street's clock is not paused with 5 working days")
		}
		ev.advanceTo(at(9, 9, 0))
		if r := ev.runJobs(); r != (sqlstore.JobResult{}) {
			t.Fatalf("while suspended: %+v", r)
		}
		ev.mustAct("community1", c.ID, `{"action":"resume"}`)
		// 5 working days from 09:00 Monday 9th: 17:30 Friday 13th. The community's 1 day left
		// would have run out at 17:30 Monday.
		ev.advanceTo(at(10, 9, 0))
		if r := ev.runJobs(); r != (sqlstore.JobResult{}) {
			t.Fatalf("the community's old clock ran: %+v", r)
		}
		ev.advanceTo(at(13, 17, 29))
		if r := ev.runJobs(); r != (sqlstore.JobResult{}) {
			t.Fatalf("17:29 Friday 13th: %+v", r)
		}
		ev.advanceTo(at(16, 9, 1))
		if r := ev.runJobs(); r.Escalated != 1 {
			t.Fatalf("after the street's 5 days: %+v", r)
		}
		if got := ev.getCase("admin", c.ID); got.Level != 3 {
			t.Fatalf("level %d, want 3", got.Level)
		}

		// No clock before: the grid's rung never climbs by itself.
		ladder, err := redgrid.ParseEscalateAfter("grid=never")
		if err != nil {
			t.Fatal(err)
		}
		ev2, _ := caseEnvCases(t, e, clockCfg, sqlstore.CaseOptions{Ladder: ladder})
		c2 := ev2.acceptedCase(0)
		ev2.advanceTo(at(3, 10, 40))
		if r := ev2.runJobs(); r.Overdue != 1 || r.Escalated != 0 {
			t.Fatalf("overdue with grid=never: %+v", r)
		}
		if n := ev2.count("SELECT COUNT(*) FROM case_deadlines WHERE stage = 'ladder'"); n != 0 {
			t.Fatalf("%d ladder clocks at the grid with grid=never", n)
		}
		ev2.advanceTo(at(3, 11, 0))
		ev2.mustAct("dept1", c2.ID, `{"action":"suspend","reason":"需等待管线迁改","explanation":"已向居民说明"}`)
		ev2.advanceTo(at(3, 11, 30))
		ev2.mustAct("community1", c2.ID, `{"action":"escalate","reason":"需社区协调"}`)
		if n := ev2.count("SELECT COUNT(*) FROM case_deadlines WHERE stage = 'ladder' AND paused_s = 75600"); n != 1 {
			t.Fatalf("the community's clock is not paused with 3 working days")
		}
		// Suspended past the 3 days the clock would have run from the escalation.
		ev2.advanceTo(at(9, 9, 0))
		if r := ev2.runJobs(); r != (sqlstore.JobResult{}) {
			t.Fatalf("while suspended: %+v", r)
		}
		ev2.mustAct("community1", c2.ID, `{"action":"resume"}`)
		// 3 working days from 09:00 Monday 9th: 17:30 Wednesday 11th.
		ev2.advanceTo(at(11, 17, 29))
		if r := ev2.runJobs(); r != (sqlstore.JobResult{}) {
			t.Fatalf("17:29 Wednesday 11th: %+v", r)
		}
		ev2.advanceTo(at(12, 9, 0))
		if r := ev2.runJobs(); r.Escalated != 1 {
			t.Fatalf("after the community's 3 days: %+v", r)
		}
		if got := ev2.getCase("street1", c2.ID); got.Level != 2 {
			t.Fatalf("level %d, want 2", got.Level)
		}
	})
}

// TestExtensionOfOverdueCase: an extension approved after the handling deadline has passed runs
// from the approval, not from the passed deadline: the case, the department and the deadline job
// all get the same future time, and no second overdue fires until that time has passed.
func TestExtensionOfOverdueCase(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev, _ := caseEnvWith(t, e, clockCfg)
		c := ev.acceptedCase(0) // handling due 10:30 Tuesday
		ev.advanceTo(at(3, 10, 40))
		if r := ev.runJobs(); r.Overdue != 1 {
			t.Fatalf("10:40 Tuesday: %+v", r)
		}
		ev.advanceTo(at(3, 14, 0))
		ev.mustAct("dept1", c.ID, `{"action":"request_extend","reason":"需采购配件","extend":"1h"}`)
		got := ev.mustAct("community1", c.ID, `{"action":"approve_extend"}`)
		// 1 working hour from the approval at 14:00 (from 10:30 it would be 11:30, already past).
		want := at(3, 15, 0)
		if got.DueAt == nil || !got.DueAt.Equal(want) {
			t.Fatalf("case due %v, want %v", got.DueAt, want)
		}
		for _, d := range got.Departments {
			if d.HandleDue == nil || !d.HandleDue.Equal(want) {
				t.Fatalf("department's handling due %v, want %v", d.HandleDue, want)
			}
		}
		if r := ev.runJobs(); r != (sqlstore.JobResult{}) {
			t.Fatalf("at the approval: %+v", r)
		}
		ev.advanceTo(at(3, 14, 59)) // the extended deadline's reminder (at 80%) only
		if r := ev.runJobs(); r != (sqlstore.JobResult{Reminded: 1}) {
			t.Fatalf("14:59: %+v", r)
		}
		ev.advanceTo(at(3, 15, 1))
		if r := ev.runJobs(); r.Overdue != 1 {
			t.Fatalf("the extended deadline passed: %+v", r)
		}
		if n := ev.count("SELECT COUNT(*) FROM case_events WHERE action = 'overdue'"); n != 2 {
			t.Fatalf("%d overdue events, want 2 (the first deadline and the extended one)", n)
		}
	})
}

// TestLadderAfterExtension: a case climbed to the community on its overdue and then given 5 more
// working days by the dispatching level does not climb when the community's 3 days run out; when
// the extended deadline passes the community's 3 days start again.
func TestLadderAfterExtension(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev, _ := caseEnvWith(t, e, clockCfg)
		c := ev.acceptedCase(0) // handling due 10:30 Tuesday
		ev.advanceTo(at(3, 10, 40))
		if r := ev.runJobs(); r.Overdue != 1 {
			t.Fatalf("10:40 Tuesday: %+v", r)
		}
		if got := ev.getCase("community1", c.ID); got.Level != 1 {
			t.Fatalf("level %d after the overdue", got.Level)
		}
		ev.advanceTo(at(3, 11, 0))
		ev.mustAct("dept1", c.ID, `{"action":"request_extend","reason":"需采购配件","extend":"5d"}`)
		got := ev.mustAct("community1", c.ID, `{"action":"approve_extend"}`)
		if want := at(10, 11, 0); got.DueAt == nil || !got.DueAt.Equal(want) {
			t.Fatalf("due %v, want %v", got.DueAt, want)
		}
		ev.advanceTo(at(6, 10, 41)) // the community's 3 days from 10:40 Tuesday have run out
		if r := ev.runJobs(); r != (sqlstore.JobResult{}) {
			t.Fatalf("climbed within the extension: %+v", r)
		}
		ev.advanceTo(at(10, 11, 1))
		if r := ev.runJobs(); r.Overdue != 1 || r.Escalated != 0 {
			t.Fatalf("the extension passed: %+v", r)
		}
		// 3 working days from 11:01 Tuesday 10th: 11:01 Friday 13th.
		ev.advanceTo(at(13, 11, 0))
		if r := ev.runJobs(); r != (sqlstore.JobResult{}) {
			t.Fatalf("11:00 Friday 13th: %+v", r)
		}
		ev.advanceTo(at(13, 11, 2))
		if r := ev.runJobs(); r.Escalated != 1 {
			t.Fatalf("11:02 Friday 13th: %+v", r)
		}
		if got := ev.getCase("street1", c.ID); got.Level != 2 {
			t.Fatalf("level %d, want 2", got.Level)
		}
	})
}

// TestLadderAfterRedispatch: a case late once (its first department let the acceptance deadline
// pass, then returned it) and re-dispatched to a department that accepts in time does not climb
// when its rung's time (community=1h) runs out — it keeps its overdue flag, counted once in the
// figures — and climbs once its current handling deadline has passed and the rung's time after.
func TestLadderAfterRedispatch(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ladder, err := redgrid.ParseEscalateAfter("community=1h")
		if err != nil {
			t.Fatal(err)
		}
		ev, _ := caseEnvCases(t, e, clockCfg, sqlstore.CaseOptions{Ladder: ladder})
		lng, lat := inCell(0, 0)
		st, c, b := ev.report("grid1", fmt.Sprintf(`{"category":"0101","lng":%v,"lat":%v,"description":"暴露垃圾"}`, lng, lat), nil)
		if st != 201 {
			t.Fatalf("report: %d %s", st, b)
		}
		dispatch := fmt.Sprintf(`{"action":"dispatch","lead_department_id":%d}`, ev.tree.Department.ID)
		ev.mustAct("community1", c.ID, `{"action":"register"}`)
		ev.mustAct("community1", c.ID, dispatch) // 17:00 Monday: to accept by 09:30 Tuesday
		ev.advanceTo(at(3, 9, 40))
		if r := ev.runJobs(); r.Overdue != 1 || r.Escalated != 0 {
			t.Fatalf("09:40 Tuesday: %+v", r)
		}
		ev.advanceTo(at(3, 9, 45))
		ev.mustAct("dept1", c.ID, `{"action":"return","reason":"不属本部门职责"}`)
		ev.mustAct("community1", c.ID, dispatch)
		ev.mustAct("dept1", c.ID, `{"action":"accept"}`)                         // handling due 11:45
		ev.mustAct("community1", c.ID, `{"action":"escalate","reason":"需社区协调"}`) // the community's hour: until 10:45
		ev.advanceTo(at(3, 10, 46))
		if r := ev.runJobs(); r != (sqlstore.JobResult{}) {
			t.Fatalf("climbed while the department is within its deadline: %+v", r)
		}
		if got := ev.getCase("community1", c.ID); got.Level != 1 || !got.Overdue {
			t.Fatalf("level %d overdue %v, want 1 and the flag kept", got.Level, got.Overdue)
		}
		ev.advanceTo(at(3, 11, 46))
		if r := ev.runJobs(); r.Overdue != 1 || r.Escalated != 0 {
			t.Fatalf("11:46 Tuesday: %+v", r)
		}
		// 1 working hour from 11:46: 14 minutes to noon, 46 from 13:30 — 14:16.
		ev.advanceTo(at(3, 14, 15))
		if r := ev.runJobs(); r != (sqlstore.JobResult{}) {
			t.Fatalf("14:15 Tuesday: %+v", r)
		}
		ev.advanceTo(at(3, 14, 17))
		if r := ev.runJobs(); r.Escalated != 1 {
			t.Fatalf("14:17 Tuesday: %+v", r)
		}
		if got := ev.getCase("street1", c.ID); got.Level != 2 {
			t.Fatalf("level %d, want 2", got.Level)
		}
	})
}
