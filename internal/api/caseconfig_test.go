package api_test

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/geo"
	"github.com/redgrid/redgrid/internal/api"
	"github.com/redgrid/redgrid/internal/auth"
	"github.com/redgrid/redgrid/internal/redgridtest"
	"github.com/redgrid/redgrid/internal/sqlstore"
)

type figureDoc struct {
	Key         string
	Value       *float64
	Numerator   float64
	Denominator float64
	Formula     string
	FormulaEN   string `json:"formula_en"`
}

type statsDoc struct {
	Counts      map[string]int64
	Figures     []figureDoc
	Departments []struct {
		OrgID   int64 `json:"org_id"`
		Counts  map[string]int64
		Figures []figureDoc
	}
}

func (ev *env) stats(user string, node int64) statsDoc {
	ev.t.Helper()
	res, b := ev.do(user, "GET", fmt.Sprintf("/api/v1/stats/cases?node=%d&from=2026-03-01&to=2026-03-31", node), "", nil)
	if res.StatusCode != 200 {
		ev.t.Fatalf("stats: %d %s", res.StatusCode, b)
	}
	var s statsDoc
	json.Unmarshal(b, &s)
	return s
}

func figureOf(fs []figureDoc, key string) figureDoc {
	for _, f := range fs {
		if f.Key == key {
			return f
		}
	}
	return figureDoc{}
}

// closeAccepted feeds back, verifies and rates an accepted case.
func (ev *env) closeAccepted(id int64, rating string) {
	ev.t.Helper()
	for _, s := range []struct{ user, body string }{{"dept1", `{"action":"feedback","reason":"已处理"}`}, {"grid1", `{"action":"verify_pass"}`},
		{"community1", fmt.Sprintf(`{"action":"rate","rating":%q,"resolved":true}`, rating)}} {
		if st, _, b := ev.act(s.user, id, s.body); st != 200 {
			ev.t.Fatalf("%s %s: %d %s", s.user, s.body, st, b)
		}
	}
}

// TestSatisfactionWeights: with 满意 weighing 0.95 and 基本满意 0.6, one satisfied and one basically
// satisfied call-back give 满意率 (0.95 + 0.6) ÷ 2, and the formula says so; the default weights
// give (1 + 0.9) ÷ 2 and the formula of the issue.
func TestSatisfactionWeights(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		for _, tc := range []struct {
			w                  *redgrid.SatisfactionWeights
			value              float64
			formula, formulaEN string
		}{
			{&redgrid.SatisfactionWeights{Satisfied: 0.95, Basic: 0.6}, (0.95 + 0.6) / 2,
				"(0.95 × 满意数 + 0.6 × 基本满意数) ÷ 有效回访数", "(0.95 × satisfied + 0.6 × basically satisfied) ÷ valid call-backs"},
			{nil, (1 + 0.9) / 2, "(满意数 + 0.9 × 基本满意数) ÷ 有效回访数", "(satisfied + 0.9 × basically satisfied) ÷ valid call-backs"},
		} {
			ev, _ := caseEnvWith(t, e, api.Config{Satisfaction: tc.w})
			ev.closeAccepted(ev.acceptedCase(0).ID, "satisfied")
			ev.closeAccepted(ev.acceptedCase(0).ID, "basically_satisfied")
			f := figureOf(ev.stats("admin", ev.tree.District.ID).Figures, "satisfaction_rate")
			if f.Value == nil || math.Abs(*f.Value-tc.value) > 1e-12 || f.Denominator != 2 || f.Formula != tc.formula || f.FormulaEN != tc.formulaEN {
				t.Errorf("weights %+v: 满意率 %+v, want %v by %s", tc.w, f, tc.value, tc.formula)
			}
		}
	})
}

// TestRemindAtOtherFraction: with reminders at half the stage's working time, the handling stage
// of 2 working hours accepted at 17:00 Monday is reminded at 09:30 Tuesday (30 minutes on Monday,
// 30 on Tuesday), once, and is overdue at 10:30 as before.
func TestRemindAtOtherFraction(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev, _ := caseEnvCases(t, e, clockCfg, sqlstore.CaseOptions{RemindAt: 0.5})
		ev.acceptedCase(0)
		ev.advanceTo(at(3, 9, 29))
		if r := ev.runJobs(); r != (sqlstore.JobResult{}) {
			t.Fatalf("09:29: %+v", r)
		}
		ev.advanceTo(at(3, 9, 31))
		if r := ev.runJobs(); r.Reminded != 1 || r.Overdue != 0 {
			t.Fatalf("09:31: %+v, want one reminder", r)
		}
		ev.advanceTo(at(3, 10, 29))
		if r := ev.runJobs(); r != (sqlstore.JobResult{}) {
			t.Fatalf("10:29: %+v", r)
		}
		ev.advanceTo(at(3, 10, 31))
		if r := ev.runJobs(); r.Overdue != 1 || r.Reminded != 0 {
			t.Fatalf("10:31: %+v, want the overdue", r)
		}
	})
}

// offset returns a point metres east of (lng, lat), by the distance the server measures.
func offset(lng, lat, metres float64) (float64, float64) {
	step := metres / (111_320 * math.Cos(lat*math.Pi/180))
	for range 5 {
		d := geo.Distance(geo.Point{Lng: lng, Lat: lat}, geo.Point{Lng: lng + step, Lat: lat})
		step *= metres / d
	}
	return lng + step, lat
}

// TestDuplicateRadiusAndWindow: at intake a report of the same category in the same grid is
// offered the open cases just inside the radius and the window, not those just outside, with the
// default 50 m and 7 days and with a configured 120 m and 2 days.
func TestDuplicateRadiusAndWindow(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		for _, tc := range []struct {
			metres float64
			window time.Duration
		}{{50, 7 * 24 * time.Hour}, {120, 48 * time.Hour}} {
			cfg := clockCfg
			if tc.metres != 50 {
				cfg.DuplicateMetres, cfg.DuplicateWindow = tc.metres, tc.window
			}
			ev, _ := caseEnvWith(t, e, cfg)
			lng, lat := inCell(0, 0)
			report := func(lng, lat float64, desc string) caseDoc {
				t.Helper()
				st, c, b := ev.report("community1", reportBody(lng, lat, "1001", desc), nil)
				if st != 201 {
					t.Fatalf("report: %d %s", st, b)
				}
				return c
			}
			dupIDs := func(c caseDoc) map[int64]bool {
				out := map[int64]bool{}
				for _, d := range c.Duplicates {
					out[d.ID] = true
				}
				return out
			}
			// Two older cases: one reported just outside the window before the new one, one just inside.
			old := report(lng, lat, "井盖丢失（早）")
			ev.advanceTo(ev.clock.Now().Add(time.Minute))
			recent := report(lng, lat, "井盖丢失（近）")
			ev.advanceTo(ev.clock.Now().Add(tc.window)) // old is now window + 1 minute old, recent exactly the window
			near := report(lng, lat, "井盖丢失")            // at the same point: recent only
			if got := dupIDs(near); !got[recent.ID] || got[old.ID] {
				t.Fatalf("%v m / %v: duplicates of a report at the same point %v, want %d not %d", tc.metres, tc.window, near.Duplicates, recent.ID, old.ID)
			}
			inLng, inLat := offset(lng, lat, tc.metres-1)
			outLng, outLat := offset(lng, lat, tc.metres+1)
			if got := dupIDs(report(inLng, inLat, "井盖丢失（内）")); !got[near.ID] {
				t.Errorf("%v m: a report %v m away is not offered %d", tc.metres, tc.metres-1, near.ID)
			}
			if got := dupIDs(report(outLng, outLat, "井盖丢失（边外）")); got[near.ID] {
				t.Errorf("%v m: a report %v m away is offered %d", tc.metres, tc.metres+1, near.ID)
			}
		}
	})
}

// TestCategoryLimitsConfiguration: a district admin edits the handling limit of 暴露垃圾 from 2
// working hours to 1 working day; a case accepted before keeps its deadline, one accepted after
// gets the new one. Invalid trees are refused with problem+json naming the field and rule, and
// change nothing; only district admins edit the tree.
func TestCategoryLimitsConfiguration(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev, _ := caseEnvWith(t, e, clockCfg)
		before := ev.acceptedCase(0) // due 10:30 Tuesday
		cats, err := ev.store.Categories(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		var c0101 redgrid.Category
		for _, c := range cats {
			if c.Code == "0101" {
				c0101 = c
			}
		}
		edited := c0101
		edited.HandleLimit = "1d"
		body, _ := json.Marshal(map[string]any{"categories": []redgrid.Category{edited}})
		for _, u := range []string{"street1", "community1"} {
			if res, b := ev.do(u, "PUT", "/api/v1/case-categories", string(body), nil); res.StatusCode != 403 {
				t.Fatalf("%s edits the tree: %d %s", u, res.StatusCode, b)
			}
		}
		if res, b := ev.do("admin", "PUT", "/api/v1/case-categories", string(body), nil); res.StatusCode != 200 {
			t.Fatalf("edit: %d %s", res.StatusCode, b)
		}
		after := ev.acceptedCase(0) // accepted at 17:00 Monday: 1 working day is 17:00 Tuesday
		if got := ev.getCase("community1", before.ID); got.DueAt == nil || !got.DueAt.Equal(at(3, 10, 30)) {
			t.Errorf("existing case due %v, want 10:30 Tuesday", got.DueAt)
		}
		if got := ev.getCase("community1", after.ID); got.DueAt == nil || !got.DueAt.Equal(at(3, 17, 0)) {
			t.Errorf("new case due %v, want 17:00 Tuesday", got.DueAt)
		}
		bad := func(mut func(c *redgrid.Category)) string {
			c := c0101
			mut(&c)
			b, _ := json.Marshal(map[string]any{"categories": []redgrid.Category{c}})
			return string(b)
		}
		for _, tc := range []struct {
			name, body, field, rule string
		}{
			{"bad limit", bad(func(c *redgrid.Category) { c.HandleLimit = "2x" }), "categories[0].handle_limit", "limit"},
			{"limit over a year", bad(func(c *redgrid.Category) { c.AcceptLimit = "400d" }), "categories[0].accept_limit", "limit"},
			{"unknown major", bad(func(c *redgrid.Category) { c.Code, c.ParentCode = "7701", "77" }), "categories[0].parent_code", "exists"},
			{"not a department", bad(func(c *redgrid.Category) { id := ev.tree.Property.ID; c.DepartmentID = &id }), "categories[0].department_id", "department"},
			{"empty", `{"categories":[]}`, "categories", "length"},
		} {
			digest := ev.digest()
			res, b := ev.do("admin", "PUT", "/api/v1/case-categories", tc.body, nil)
			if res.StatusCode != 400 || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json") {
				t.Fatalf("%s: %d %s", tc.name, res.StatusCode, b)
			}
			found := false
			for _, f := range parseProblem(t, b).Errors {
				found = found || f.Field == tc.field && f.Rule == tc.rule
			}
			if !found {
				t.Errorf("%s: want %s/%s in %s", tc.name, tc.field, tc.rule, b)
			}
			if ev.digest() != digest {
				t.Fatalf("%s changed the database", tc.name)
			}
		}
		// The refusals left the edited limit in place: a third case still gets 1 working day.
		if got := ev.getCase("community1", ev.acceptedCase(0).ID); got.DueAt == nil || !got.DueAt.Equal(at(3, 17, 0)) {
			t.Errorf("after the refusals: due %v", got.DueAt)
		}
	})
}

// TestCoHandlers: a co-handling department (协办) accepts and feeds back on its own row; the
// case stays open and cannot be verified on the co-handler's feedback; only the lead's feedback,
// verified on site, closes it. Each department's acceptance time, on-time rates and counts are
// its own in the figures.
func TestCoHandlers(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev, dept2 := caseEnvWith(t, e, clockCfg)
		hash, err := auth.Hash(password, auth.TestParams)
		if err != nil {
			t.Fatal(err)
		}
		redgridtest.AddUser(t, ev.store, "dept2", hash, redgrid.RoleDepartmentStaff, 0, dept2.ID)
		ev.tokens["dept2"] = ev.login("dept2")
		lng, lat := inCell(0, 0)
		_, c, _ := ev.report("grid1", fmt.Sprintf(`{"category":"0101","lng":%v,"lat":%v,"description":"暴露垃圾"}`, lng, lat), nil)
		ev.act("community1", c.ID, `{"action":"register"}`)
		if st, _, b := ev.act("community1", c.ID, fmt.Sprintf(`{"action":"dispatch","lead_department_id":%d,"co_department_ids":[%d]}`, ev.tree.Department.ID, dept2.ID)); st != 200 {
			t.Fatalf("dispatch: %d %s", st, b)
		}
		deptState := func(got caseDoc, org int64) string {
			for _, d := range got.Departments {
				if d.OrgID == org {
					return d.Role + "/" + d.State
				}
			}
			return ""
		}
		step := func(user, body string, want int) caseDoc {
			t.Helper()
			digest := ev.digest()
			st, got, b := ev.act(user, c.ID, body)
			if st != want {
				t.Fatalf("%s %s: %d %s", user, body, st, b)
			}
			if st != 200 && ev.digest() != digest {
				t.Fatalf("refused %s %s changed the database", user, body)
			}
			return got
		}
		// 园林局 accepts after 30 working minutes (17:30 Monday), dept1 after 50 (09:20 Tuesday).
		ev.advanceTo(at(2, 17, 30))
		got := step("dept2", `{"action":"accept"}`, 200)
		if got.State != "dispatched" || deptState(got, dept2.ID) != "co/accepted" {
			t.Fatalf("co accept: %s %s", got.State, deptState(got, dept2.ID))
		}
		step("dept2", `{"action":"accept"}`, 409)
		got = step("dept2", `{"action":"feedback","reason":"绿化带已清理"}`, 200)
		if got.State != "dispatched" || deptState(got, dept2.ID) != "co/handled" {
			t.Fatalf("co feedback: %s %s", got.State, deptState(got, dept2.ID))
		}
		step("dept2", `{"action":"feedback","reason":"again"}`, 409)
		step("dept2", `{"action":"request_extend","reason":"x","extend":"1d"}`, 403) // the lead's alone
		step("grid1", `{"action":"verify_pass"}`, 409)                               // the co-handler's feedback closes nothing
		ev.advanceTo(at(3, 9, 20))
		step("dept1", `{"action":"accept"}`, 200)
		// Handling due 11:20 (2 working hours); fed back at 11:50: late.
		ev.advanceTo(at(3, 11, 50))
		got = step("dept1", `{"action":"feedback","reason":"已清运"}`, 200)
		if got.State != "handled" {
			t.Fatalf("lead feedback: %s", got.State)
		}
		step("grid1", `{"action":"verify_fail","reason":"仍有残留"}`, 200)
		step("dept1", `{"action":"feedback","reason":"已彻底清理"}`, 200)
		step("grid1", `{"action":"verify_pass"}`, 200)
		if got = step("community1", `{"action":"rate","rating":"satisfied","resolved":true}`, 200); got.State != "closed" {
			t.Fatalf("rate: %s", got.State)
		}
		st := ev.stats("admin", ev.tree.District.ID)
		if len(st.Departments) != 2 {
			t.Fatalf("departments: %+v", st.Departments)
		}
		for _, d := range st.Departments {
			accept := figureOf(d.Figures, "avg_accept_hours")
			onTime := figureOf(d.Figures, "on_time_rate")
			switch d.OrgID {
			case dept2.ID:
				if accept.Value == nil || *accept.Value != 0.5 || onTime.Value == nil || *onTime.Value != 1 || d.Counts["handled"] != 1 {
					t.Errorf("园林局: accept %+v, on time %+v, counts %v", accept, onTime, d.Counts)
				}
			case ev.tree.Department.ID:
				if accept.Value == nil || math.Abs(*accept.Value-50.0/60) > 1e-9 || onTime.Value == nil || *onTime.Value != 0.5 || d.Counts["handled"] != 2 {
					t.Errorf("dept1: accept %+v, on time %+v, counts %v", accept, onTime, d.Counts)
				}
			default:
				t.Errorf("unexpected department %d", d.OrgID)
			}
		}
	})
}
