package api_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redgrid/redgrid/internal/redgridtest"
)

// matterDoc is what these tests read of a case beyond caseDoc.
type matterDoc struct {
	Matter         string
	CategoryMatter string `json:"category_matter"`
	Route          string
	Guidance       string
	Stage          string
	Events         []struct {
		Action string
		Reason string
		Detail map[string]any
	}
}

// TestCaseMatters: 三事分办 (001). A community matter (众事) is handed to the community's own
// self-governance, put on its next meeting's agenda, handled, verified, rated, reopened once and
// closed; a private matter (私事) reported by a resident is guided, the resident sees the
// guidance on their follow page and, dissatisfied, sends it back to be routed again — here as a
// public matter, with the reason the change needs. Every refusal (role and scope 403 before state
// 409, bad input 400) changes nothing.
func TestCaseMatters(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev, _ := caseEnv(t, e)
		tr := ev.tree
		lng, lat := inCell(0, 0)
		var id int64
		step := func(user, body string, wantStatus int, wantState string) (caseDoc, matterDoc) {
			t.Helper()
			before := ev.digest()
			st, got, b := ev.act(user, id, body)
			if st != wantStatus {
				t.Fatalf("%s %s: %d %s", user, body, st, b)
			}
			var m matterDoc
			json.Unmarshal(b, &m)
			if st != 200 {
				if after := ev.digest(); after != before {
					t.Fatalf("refused %s changed the database:\n%s\n%s", body, before, after)
				}
				return got, m
			}
			if got.State != wantState {
				t.Fatalf("%s %s: state %s, want %s", user, body, got.State, wantState)
			}
			return got, m
		}
		rule := func(user, body, field, rule string) {
			t.Helper()
			before := ev.digest()
			st, _, b := ev.act(user, id, body)
			if st != 400 || !strings.Contains(string(b), `"field":"`+field+`"`) || !strings.Contains(string(b), `"rule":"`+rule+`"`) {
				t.Fatalf("%s: %d %s, want 400 naming %s %s", body, st, b, field, rule)
			}
			if after := ev.digest(); after != before {
				t.Fatalf("refused %s changed the database", body)
			}
		}

		// ---- 众事: 邻里纠纷 ----
		st, c, b := ev.report("community1", reportBody(lng, lat, "0701", "楼上楼下因漏水发生争执"), nil)
		if st != 201 {
			t.Fatalf("report: %d %s", st, b)
		}
		id = c.ID
		_, m := step("community1", `{"action":"register"}`, 200, "registered")
		if m.Matter != "community" || m.CategoryMatter != "community" || m.Route != "" {
			t.Fatalf("registered: %+v", m)
		}
		step("community1", fmt.Sprintf(`{"action":"dispatch","lead_department_id":%d}`, tr.Department.ID), 409, "") // not a public matter
		step("community1", `{"action":"guide","guidance":"可向人民调解委员会申请调解"}`, 409, "")                                // not a private matter
		rule("community1", `{"action":"guide"}`, "guidance", "required")
		rule("community1", `{"action":"self_govern","guidance":"可向人民调解委员会申请调解"}`, "guidance", "guide_only")
		rule("community1", `{"action":"self_govern","matter":"private"}`, "matter", "route")
		step("grid1", `{"action":"self_govern"}`, 403, "")      // grid workers do not route
		step("dept1", `{"action":"self_govern"}`, 403, "")      // nor do departments
		step("community2", `{"action":"self_govern"}`, 403, "") // another community
		got, m := step("community1", `{"action":"self_govern","reason":"楼栋居民议事协商"}`, 200, "accepted")
		if m.Route != "community" || got.Stage != "handle" || got.DueAt == nil || len(got.Departments) != 0 {
			t.Fatalf("self-governed: %+v %+v", got, m)
		}
		step("community1", `{"action":"self_govern"}`, 409, "")
		// On the community's agenda for the residents to deliberate.
		res, b := ev.do("community1", "GET", fmt.Sprintf("/api/v1/agenda?node=%d", tr.Community1.ID), "", nil)
		if res.StatusCode != 200 || !strings.Contains(string(b), fmt.Sprintf(`"case_id":%d`, id)) || !strings.Contains(string(b), "交社区自治") {
			t.Fatalf("agenda: %d %s", res.StatusCode, b)
		}
		// The community is the handler: not a department, and not another community.
		step("dept1", `{"action":"feedback","reason":"已处理"}`, 403, "")
		step("dept1", `{"action":"accept"}`, 403, "")
		step("community2", `{"action":"feedback","reason":"已处理"}`, 403, "")
		step("community1", `{"action":"request_extend","reason":"需等业主回来协商","extend":"2d"}`, 200, "accepted")
		step("community1", `{"action":"approve_extend"}`, 403, "") // not its own request
		step("street1", `{"action":"approve_extend"}`, 200, "accepted")
		step("community1", `{"action":"suspend","reason":"一方长期外出","explanation":"已向双方说明，待其返回后再行协商"}`, 200, "suspended")
		step("community1", `{"action":"resume"}`, 200, "accepted")
		step("community1", `{"action":"feedback","reason":"经居民议事，双方达成维修分摊协议"}`, 200, "handled")
		step("grid1", `{"action":"verify_pass"}`, 200, "verified")
		got, m = step("community1", `{"action":"rate","rating":"dissatisfied"}`, 200, "accepted") // reopened once, back to the community
		if got.Reopened != 1 || m.Route != "community" || got.DueAt == nil {
			t.Fatalf("reopened: %+v %+v", got, m)
		}
		step("community1", `{"action":"feedback","reason":"再次协商，已按协议维修"}`, 200, "handled")
		step("grid1", `{"action":"verify_pass"}`, 200, "verified")
		step("community1", `{"action":"rate","rating":"satisfied","resolved":true}`, 200, "closed")

		// ---- 私事: 家庭纠纷, reported by a resident ----
		token := "follow-matter-0123456789"
		res, b = ev.do("", "POST", "/api/v1/public/cases", fmt.Sprintf(`{"category":"0702","lng":%v,"lat":%v,"description":"家中老人赡养问题兄弟间有分歧","reporter_phone":"13800138001","follow_token":%q}`, lng, lat, token), nil)
		if res.StatusCode != 201 {
			t.Fatalf("public report: %d %s", res.StatusCode, b)
		}
		var pub struct {
			Number   string
			State    string
			Matter   string
			Guidance string
			Rateable bool
		}
		follow := func() {
			t.Helper()
			pub.Guidance = ""
			res, b := ev.do("", "GET", "/api/v1/public/cases/"+token, "", nil)
			if res.StatusCode != 200 {
				t.Fatalf("follow: %d %s", res.StatusCode, b)
			}
			json.Unmarshal(b, &pub)
		}
		follow()
		var cases struct{ Items []caseDoc }
		_, b = ev.do("admin", "GET", "/api/v1/cases?q="+pub.Number, "", nil)
		json.Unmarshal(b, &cases)
		if len(cases.Items) != 1 {
			t.Fatalf("find the resident's case: %s", b)
		}
		id = cases.Items[0].ID
		step("community1", `{"action":"register"}`, 200, "registered")
		step("community1", `{"action":"self_govern"}`, 409, "")
		rule("community1", `{"action":"guide","guidance":"去调解"}`, "guidance", "length")
		rule("community1", `{"action":"guide","guidance":"`+strings.Repeat("字", 1001)+`"}`, "guidance", "length")
		guidance := "属家庭内部事务，可向社区人民调解委员会申请调解（社区服务中心二楼），或到街道司法所咨询法律援助"
		got, m = step("community1", `{"action":"guide","guidance":"`+guidance+`"}`, 200, "guided")
		if m.Route != "guide" || m.Guidance != guidance || got.Stage != "rate" || got.DueAt != nil {
			t.Fatalf("guided: %+v %+v", got, m)
		}
		step("community1", `{"action":"feedback","reason":"x"}`, 403, "") // nobody handles a guided case
		step("grid1", `{"action":"verify_pass"}`, 409, "")
		follow()
		if pub.State != "guided" || pub.Guidance != guidance || !pub.Rateable || pub.Matter != "private" {
			t.Fatalf("the resident's page: %+v", pub)
		}
		// The resident is not satisfied: back to registration, to be routed again.
		res, b = ev.do("", "POST", "/api/v1/public/cases/"+token+"/rating", `{"rating":"dissatisfied","comment":"调解没有用"}`, nil)
		if res.StatusCode != 200 {
			t.Fatalf("public rating: %d %s", res.StatusCode, b)
		}
		follow()
		if pub.State != "registered" || pub.Guidance != "" || pub.Rateable {
			t.Fatalf("after the dissatisfied rating: %+v", pub)
		}
		// Routed as a public matter: the change of matter needs a reason and is on the timeline.
		dispatch := fmt.Sprintf(`{"action":"dispatch","lead_department_id":%d,"matter":"public"`, tr.Department.ID)
		step("community1", dispatch[:len(dispatch)-len(`,"matter":"public"`)]+`}`, 409, "") // still a private matter
		rule("community1", dispatch+`}`, "reason", "matter_change")
		got, m = step("community1", dispatch+`,"reason":"涉及赡养费强制执行，转司法所办理"}`, 200, "dispatched")
		last := m.Events[len(m.Events)-1]
		if m.Matter != "public" || m.CategoryMatter != "private" || m.Route != "department" || last.Detail["matter_from"] != "private" {
			t.Fatalf("re-routed: %+v %+v", m, last)
		}
		step("dept1", `{"action":"accept"}`, 200, "accepted")
		step("dept1", `{"action":"feedback","reason":"已协调执行"}`, 200, "handled")
		step("grid1", `{"action":"verify_pass"}`, 200, "verified")
		got, _ = step("community1", `{"action":"rate","rating":"dissatisfied"}`, 200, "closed") // reopened once already
		if got.Reopened != 1 {
			t.Fatalf("reopened %d times", got.Reopened)
		}

		// ---- setting the matter at registration ----
		_, c, _ = ev.report("community1", reportBody(lng, lat, "0101", "楼道口垃圾无人清理"), nil)
		id = c.ID
		rule("community1", `{"action":"register","matter":"community"}`, "reason", "matter_change")
		rule("community1", `{"action":"register","matter":"household"}`, "matter", "enum")
		_, m = step("community1", `{"action":"register","matter":"community","reason":"小区内部公共区域，由业主自治"}`, 200, "registered")
		if m.Matter != "community" || m.CategoryMatter != "public" {
			t.Fatalf("registered as a community matter: %+v", m)
		}

		// A case received before migration 0023 (as case_matter_split says) is in no count by
		// matter: changing its matter moves none, until RebuildRollups counts every case.
		_, old, _ := ev.report("community1", reportBody(lng, lat, "0101", "门口垃圾桶破损"), nil)
		if _, err := ev.store.DB().Exec(fmt.Sprintf("UPDATE case_matter_split SET from_id = %d", old.ID+1)); err != nil {
			t.Fatal(err)
		}
		id = old.ID
		step("community1", `{"action":"register","matter":"private","reason":"住户自家垃圾桶，属个人事务"}`, 200, "registered")

		// The figures: received by matter, the community as a handler.
		type figure struct {
			Key         string
			Numerator   float64
			Denominator float64
		}
		var stats struct {
			Counts        map[string]int64
			Matters       map[string]int64
			MatterFigures []figure `json:"matter_figures"`
		}
		check := func(when string, want map[string]int64) {
			t.Helper()
			res, b := ev.do("admin", "GET", fmt.Sprintf("/api/v1/stats/cases?node=%d&from=2026-03-01&to=2026-03-31", tr.Community1.ID), "", nil)
			if res.StatusCode != 200 {
				t.Fatalf("stats: %d %s", res.StatusCode, b)
			}
			stats.Counts, stats.Matters, stats.MatterFigures = nil, nil, nil
			json.Unmarshal(b, &stats)
			for k, v := range want {
				if stats.Counts[k] != v {
					t.Errorf("%s: count %s = %d, want %d", when, k, stats.Counts[k], v)
				}
			}
			if stats.Matters["public"] != want["received_public"] || stats.Matters["community"] != want["received_community"] || stats.Matters["private"] != want["received_private"] {
				t.Errorf("%s: matters %v", when, stats.Matters)
			}
			found := false
			for _, f := range stats.MatterFigures {
				if f.Key == "self_governance_on_time_rate" {
					found = f.Numerator == 1 && f.Denominator == 1
				}
			}
			if !found {
				t.Errorf("%s: 社区自治按期办结率 %+v", when, stats.MatterFigures)
			}
		}
		want := map[string]int64{"received": 4, "received_public": 2, "received_community": 2, "received_private": 0, "self_governed": 1,
			"self_handled": 1, "self_handled_on_time": 1, "guided": 1, "closed": 2, "registered": 4, "callbacks": 2}
		check("kept on the way", want)
		// The rollups rebuilt from the cases agree, and count the old case by its matter now.
		if err := ev.store.RebuildRollups(t.Context()); err != nil {
			t.Fatal(err)
		}
		want["received_public"], want["received_private"] = 1, 1
		check("rebuilt", want)
		var from int64
		if err := ev.store.DB().QueryRow("SELECT from_id FROM case_matter_split").Scan(&from); err != nil || from != 0 {
			t.Errorf("after the rebuild every case is counted by matter: from_id %d %v", from, err)
		}
	})
}

// TestGuidedClosedOnTime: a guided private matter has no handling stage, so it counts as closed on
// time (按期结案) when its one deadline, registration and routing, was kept, and not when it ran
// late; the rebuilt rollups agree.
func TestGuidedClosedOnTime(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev, _ := caseEnv(t, e)
		ctx := t.Context()
		lng, lat := inCell(0, 0)
		guideAndRate := func(id int64) {
			t.Helper()
			for _, body := range []string{`{"action":"register"}`, `{"action":"guide","guidance":"可向社区人民调解委员会申请调解"}`, `{"action":"rate","rating":"satisfied"}`} {
				if st, _, b := ev.act("community1", id, body); st != 200 {
					t.Fatalf("%s: %d %s", body, st, b)
				}
			}
		}
		st, onTime, b := ev.report("community1", reportBody(lng, lat, "0702", "兄弟之间为赡养老人起了争执"), nil)
		if st != 201 {
			t.Fatalf("report: %d %s", st, b)
		}
		guideAndRate(onTime.ID)
		st, late, b := ev.report("community1", reportBody(lng, lat, "0702", "邻居借钱不还，想知道怎么办"), nil)
		if st != 201 {
			t.Fatalf("report: %d %s", st, b)
		}
		ev.clock.Advance(72 * time.Hour) // past the working hour registration and routing may take
		if r, err := ev.store.RunDeadlines(ctx, 100); err != nil || r.Overdue != 1 {
			t.Fatalf("deadlines: %+v %v", r, err)
		}
		ev.tokens["community1"] = ev.login("community1") // the session of three days ago has expired
		guideAndRate(late.ID)
		check := func(when string) {
			t.Helper()
			counts, err := ev.store.CaseCounts(ctx, ev.tree.Community1.ID, "2026-01-01", "2026-12-31")
			if err != nil {
				t.Fatal(err)
			}
			if counts["closed"] != 2 || counts["due"] != 2 || counts["closed_on_time"] != 1 || counts["guided"] != 2 {
				t.Errorf("%s: closed %d, due %d, closed on time %d, guided %d; want 2, 2, 1, 2", when,
					counts["closed"], counts["due"], counts["closed_on_time"], counts["guided"])
			}
		}
		check("kept on the way")
		if err := ev.store.RebuildRollups(ctx); err != nil {
			t.Fatal(err)
		}
		check("rebuilt")
	})
}

// TestSelfGovernedCaseBackOnTheAgenda: a community matter handed to self-governance goes on the
// community's agenda; once a meeting has taken it, its overdue handling makes it climb to the
// community's joint meeting, and it is on the agenda again, the meeting's decision kept.
func TestSelfGovernedCaseBackOnTheAgenda(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev, _ := caseEnv(t, e)
		ctx := t.Context()
		tr := ev.tree
		lng, lat := inCell(0, 0)
		st, c, b := ev.report("community1", reportBody(lng, lat, "0701", "楼上楼下因漏水发生争执"), nil)
		if st != 201 {
			t.Fatalf("report: %d %s", st, b)
		}
		for _, a := range []string{`{"action":"register"}`, `{"action":"self_govern","reason":"楼栋居民议事协商"}`} {
			if st, _, b := ev.act("community1", c.ID, a); st != 200 {
				t.Fatalf("%s: %d %s", a, st, b)
			}
		}
		agenda := func() []string {
			t.Helper()
			res, b := ev.do("community1", "GET", fmt.Sprintf("/api/v1/agenda?node=%d", tr.Community1.ID), "", nil)
			var l struct {
				Items []struct {
					CaseID int64  `json:"case_id"`
					Reason string `json:"reason"`
				}
			}
			if res.StatusCode != 200 || json.Unmarshal(b, &l) != nil {
				t.Fatalf("agenda: %d %s", res.StatusCode, b)
			}
			var out []string
			for _, it := range l.Items {
				if it.CaseID == c.ID {
					out = append(out, it.Reason)
				}
			}
			return out
		}
		if got := agenda(); len(got) != 1 || !strings.Contains(got[0], "交社区自治") {
			t.Fatalf("agenda after self_govern: %q", got)
		}
		today := ev.clock.Now().In(time.FixedZone("CST", 8*3600)).Format("2006-01-02")
		res, b := ev.do("community1", "POST", "/api/v1/meetings", fmt.Sprintf(`{"node_id":%d,"held_on":%q,"title":"五堰社区居民议事会",
			"attendees":["社区书记 李芳","楼栋长 王强"],"minutes":"议定：两户共同出资维修。","decisions":[{"case_id":%d,"decision":"两户共同出资维修防水层"}]}`,
			tr.Community1.ID, today, c.ID), nil)
		if res.StatusCode != 201 {
			t.Fatalf("meeting: %d %s", res.StatusCode, b)
		}
		if got := agenda(); len(got) != 0 {
			t.Fatalf("agenda after the meeting: %q", got)
		}
		ev.clock.Advance(60 * 24 * time.Hour) // the community's handling runs late
		if _, err := ev.store.RunDeadlines(ctx, 100); err != nil {
			t.Fatal(err)
		}
		ev.tokens["community1"] = ev.login("community1")
		if got := agenda(); len(got) != 1 || !strings.Contains(got[0], "超时未解决") {
			t.Fatalf("agenda after the climb: %q", got)
		}
		var decided int
		if err := ev.store.DB().QueryRow("SELECT COUNT(*) FROM agenda_items WHERE case_id = " + fmt.Sprint(c.ID) + " AND decision = '两户共同出资维修防水层'").Scan(&decided); err != nil || decided != 1 {
			t.Fatalf("the meeting's decision: %d %v", decided, err)
		}
	})
}
