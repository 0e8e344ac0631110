package api_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redgrid/redgrid/internal/redgridtest"
)

// TestJointMeeting: a case escalated by hand lands on the agenda of the community's joint
// meeting; the community records the meeting with a decision on it; the case leaves the agenda,
// carries the decision as an event, and the meeting is listed. Bad records change nothing.
func TestJointMeeting(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev, _ := caseEnv(t, e)
		tr := ev.tree
		lng, lat := inCell(0, 0)
		st, c, b := ev.report("community1", reportBody(lng, lat, "0101", "垃圾堆放多日无人清运"), nil)
		if st != 201 {
			t.Fatalf("report: %d %s", st, b)
		}
		_, other, _ := ev.report("community1", reportBody(lng, lat, "0203", "车辆乱停"), nil)
		for _, a := range []string{`{"action":"register"}`, fmt.Sprintf(`{"action":"dispatch","lead_department_id":%d}`, tr.Department.ID),
			`{"action":"escalate","reason":"物业与业委会协调不下"}`} {
			if st, _, b := ev.act("community1", c.ID, a); st != 200 {
				t.Fatalf("%s: %d %s", a, st, b)
			}
		}
		agenda := func() []int64 {
			res, b := ev.do("community1", "GET", fmt.Sprintf("/api/v1/agenda?node=%d", tr.Community1.ID), "", nil)
			var l struct {
				Items []struct {
					CaseID int64 `json:"case_id"`
				}
			}
			if res.StatusCode != 200 || json.Unmarshal(b, &l) != nil {
				t.Fatalf("agenda: %d %s", res.StatusCode, b)
			}
			var ids []int64
			for _, it := range l.Items {
				ids = append(ids, it.CaseID)
			}
			return ids
		}
		if got := agenda(); len(got) != 1 || got[0] != c.ID {
			t.Fatalf("agenda before the meeting: %v", got)
		}
		today := ev.clock.Now().In(time.FixedZone("CST", 8*3600)).Format("2006-01-02")
		body := func(node int64, heldOn string, caseID int64) string {
			return fmt.Sprintf(`{"node_id":%d,"held_on":%q,"title":"五堰社区党建联席会议（第4次）","attendees":["社区书记 李芳","五堰物业 王强","城管中队 赵磊"],
				"minutes":"议定：物业三日内清运，城管督办。","decisions":[{"case_id":%d,"decision":"交五堰物业三日内清运，城管中队督办"}]}`, node, heldOn, caseID)
		}
		before := ev.digest()
		for _, bad := range []struct {
			user, body, field, rule string
			status                  int
		}{
			{"community1", body(tr.Community1.ID, "2099-01-01", c.ID), "held_on", "not_future", 400},
			{"community1", body(tr.Community1.ID, today, other.ID), "decisions[0].case_id", "on_agenda", 400},
			{"community1", body(tr.Grid1.ID, today, c.ID), "node_id", "meeting_level", 400},
			{"community1", strings.Replace(body(tr.Community1.ID, today, c.ID), `"title":"五堰社区党建联席会议（第4次）"`, `"title":" "`, 1), "title", "required", 400},
			{"community2", body(tr.Community1.ID, today, c.ID), "", "", 403},
			{"grid1", body(tr.Community1.ID, today, c.ID), "", "", 403},
		} {
			res, b := ev.do(bad.user, "POST", "/api/v1/meetings", bad.body, nil)
			if res.StatusCode != bad.status || bad.field != "" && !strings.Contains(string(b), `"field":"`+bad.field+`","rule":"`+bad.rule+`"`) {
				t.Errorf("%s %s/%s: %d %s", bad.user, bad.field, bad.rule, res.StatusCode, b)
			}
		}
		if ev.digest() != before {
			t.Fatal("a refused meeting record changed something")
		}
		hdr := map[string]string{"Idempotency-Key": "meeting-4"}
		res, b := ev.do("community1", "POST", "/api/v1/meetings", body(tr.Community1.ID, today, c.ID), hdr)
		var m struct {
			ID        int64
			LevelName string `json:"level_name"`
			Attendees []string
			Items     []struct {
				CaseID   int64 `json:"case_id"`
				Decision string
				Reason   string
			}
		}
		if res.StatusCode != 201 || json.Unmarshal(b, &m) != nil || m.LevelName != "社区党建联席会议" || len(m.Attendees) != 3 ||
			len(m.Items) != 1 || m.Items[0].CaseID != c.ID || m.Items[0].Reason != "物业与业委会协调不下" {
			t.Fatalf("record: %d %s", res.StatusCode, b)
		}
		res, b2 := ev.do("community1", "POST", "/api/v1/meetings", body(tr.Community1.ID, today, c.ID), hdr)
		if res.StatusCode != 201 || res.Header.Get("Idempotent-Replayed") != "true" || string(b2) != string(b) {
			t.Fatalf("replay: %d %s", res.StatusCode, b2)
		}
		if got := agenda(); len(got) != 0 {
			t.Fatalf("agenda after the meeting: %v", got)
		}
		res, b = ev.do("street1", "GET", fmt.Sprintf("/api/v1/cases/%d", c.ID), "", nil)
		if res.StatusCode != 200 || !strings.Contains(string(b), `"action":"joint_meeting"`) || !strings.Contains(string(b), "交五堰物业三日内清运") {
			t.Fatalf("the case does not carry the decision: %s", b)
		}
		res, b = ev.do("street1", "GET", fmt.Sprintf("/api/v1/meetings?node=%d", tr.Community1.ID), "", nil)
		if res.StatusCode != 200 || strings.Count(string(b), `"held_on"`) != 1 {
			t.Fatalf("meetings: %d %s", res.StatusCode, b)
		}
		if res, b := ev.do("community2", "GET", fmt.Sprintf("/api/v1/meetings/%d", m.ID), "", nil); res.StatusCode != 403 {
			t.Fatalf("another community reads the meeting: %d %s", res.StatusCode, b)
		}
		if ev.count("SELECT COUNT(*) FROM audit_log WHERE action = 'meeting.record'") != 1 {
			t.Fatal("no audit line for the meeting")
		}
	})
}
