package api_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/redgrid/redgrid/internal/api"
	"github.com/redgrid/redgrid/internal/redgridtest"
)

// tableDigest summarises tables by their row count and the sum of a column (version, or id for
// those without one): a refused request must leave it unchanged.
func tableDigest(ev *env, tables ...string) string {
	ev.t.Helper()
	var out []string
	for _, tc := range tables {
		table, col, _ := strings.Cut(tc, ".")
		var a, b int64
		if err := ev.store.DB().QueryRow("SELECT COUNT(*), COALESCE(SUM("+col+"), 0) FROM "+table).Scan(&a, &b); err != nil {
			ev.t.Fatal(err)
		}
		out = append(out, fmt.Sprint(table, ":", a, "/", b))
	}
	return strings.Join(out, " ") + " " + ev.digest()
}

// TestMemberLeaves: the community records that a sinking member left (转出, 去世 …): bad input,
// another community, a stale If-Match change nothing; afterwards the member is no longer listed,
// their roster days are gaps again, their posts and 包保 have ended, their certificate no longer
// verifies, nothing new can be given to them, and leaving twice is 409 — while GET still shows
// the record with the day and the reason.
func TestMemberLeaves(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev := newEnv(t, e, api.Config{})
		tr := ev.tree
		res, b := ev.do("community1", "POST", "/api/v1/members", fmt.Sprintf(`{"name":"陈志远","phone":"13711112222","branch_id":%d,"joined_on":"2010-07-01",
			"status":"full","workplace":"区财政局","in_service":true,"sinking":true,"residence_id":%d}`, tr.Grid1Branch.ID, tr.Building1.ID), nil)
		var m struct{ ID int64 }
		if res.StatusCode != 201 || json.Unmarshal(b, &m) != nil {
			t.Fatalf("member: %d %s", res.StatusCode, b)
		}
		member := fmt.Sprintf("/api/v1/members/%d", m.ID)
		must := func(user, method, path, body string, want int) []byte {
			t.Helper()
			res, b := ev.do(user, method, path, body, nil)
			if res.StatusCode != want {
				t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, b)
			}
			return b
		}
		var reg struct{ ID int64 }
		json.Unmarshal(must("community1", "POST", member+"/registration", "", 201), &reg)
		must("community1", "POST", fmt.Sprintf("/api/v1/registrations/%d/confirm", reg.ID), "", 200)
		must("community1", "PUT", member+"/roster", `{"weekdays":[1,2,3,4,5]}`, 204)
		must("community1", "POST", member+"/posts", fmt.Sprintf(`{"kind":"patrol","node_id":%d,"duties":"夜间巡逻"}`, tr.Grid1.ID), 201)
		must("community1", "POST", "/api/v1/baobao", fmt.Sprintf(`{"member_id":%d,"building_id":%d}`, m.ID, tr.Building1.ID), 201)
		var token string
		if err := ev.store.DB().QueryRow(fmt.Sprintf("SELECT verify_token FROM member_registrations WHERE id = %d", reg.ID)).Scan(&token); err != nil {
			t.Fatal(err)
		}
		rosterGaps := func() int {
			return strings.Count(string(must("community1", "GET", fmt.Sprintf("/api/v1/roster/gaps?node=%d", tr.Community1.ID), "", 200)), `"date"`)
		}
		if n := rosterGaps(); n != 0 {
			t.Fatalf("%d roster gaps with the member on every weekday", n)
		}

		tables := []string{"members.version", "member_posts.version", "baobao.version", "member_roster.weekday", "member_registrations.id"}
		before := tableDigest(ev, tables...)
		for _, bad := range []struct {
			user, path, body, field, rule string
			hdr                           map[string]string
			status                        int
		}{
			{"community1", member, `{"reason":"moved"}`, "reason", "enum", nil, 400},
			{"community1", member, `{"on":"2099-01-01","reason":"transferred"}`, "on", "not_future", nil, 400},
			{"community1", member, `{"on":"2026-02-30","reason":"transferred"}`, "on", "date", nil, 400},
			{"community1", member, `{"on":"2009-01-01","reason":"transferred"}`, "on", "after_joined", nil, 400},
			{"community1", member, `{"reason":"other"}`, "note", "required", nil, 400},
			{"community1", member, `{"reason":"deceased","left":true}`, "left", "unknown_field", nil, 400},
			{"community2", member, `{"reason":"deceased"}`, "", "", nil, 403},
			{"grid1", member, `{"reason":"deceased"}`, "", "", nil, 403},
			{"community1", member, `{"reason":"deceased"}`, "", "", map[string]string{"If-Match": `"7"`}, 412},
			{"community1", "/api/v1/members/999999", `{"reason":"deceased"}`, "", "", nil, 404},
		} {
			res, b := ev.do(bad.user, "POST", bad.path+"/leave", bad.body, bad.hdr)
			if res.StatusCode != bad.status || bad.field != "" && !strings.Contains(string(b), `"field":"`+bad.field+`","rule":"`+bad.rule+`"`) {
				t.Errorf("%s %s %s: %d %s", bad.user, bad.path, bad.body, res.StatusCode, b)
			}
		}
		if tableDigest(ev, tables...) != before {
			t.Fatal("a refused leaving changed something")
		}

		res, b = ev.do("community1", "POST", member+"/leave", `{"on":"2026-03-01","reason":"transferred","note":"转至张湾区"}`, map[string]string{"If-Match": `"2"`}) // the roster moved it to 2
		var left struct {
			LeftOn     string `json:"left_on"`
			LeftReason string `json:"left_reason"`
			Version    int
		}
		if res.StatusCode != 200 || json.Unmarshal(b, &left) != nil || left.LeftOn != "2026-03-01" || left.LeftReason != "transferred" || res.Header.Get("ETag") != `"3"` {
			t.Fatalf("leave: %d %s", res.StatusCode, b)
		}
		if res, b := ev.do("community1", "POST", member+"/leave", `{"reason":"deceased"}`, nil); res.StatusCode != 409 {
			t.Fatalf("left twice: %d %s", res.StatusCode, b)
		}
		if b := must("community1", "GET", member, "", 200); !strings.Contains(string(b), `"left_on":"2026-03-01"`) || !strings.Contains(string(b), "转至张湾区") {
			t.Fatalf("the record after leaving: %s", b)
		}
		if b := must("community1", "GET", fmt.Sprintf("/api/v1/members?node=%d", tr.Community1.ID), "", 200); strings.Contains(string(b), "陈志远") {
			t.Fatalf("listed after leaving: %s", b)
		}
		if n := rosterGaps(); n == 0 {
			t.Fatal("the roster still counts a member who left")
		}
		if b := must("community1", "GET", fmt.Sprintf("/api/v1/posts/gaps?node=%d&kinds=patrol", tr.Grid1.ID), "", 200); !strings.Contains(string(b), "五堰第一网格") {
			t.Fatalf("a post of a member who left fills a gap: %s", b)
		}
		if b := must("community1", "GET", member+"/posts", "", 200); !strings.Contains(string(b), `"ended_on":"2026-03-01"`) {
			t.Fatalf("the post after leaving: %s", b)
		}
		if b := must("community1", "GET", fmt.Sprintf("/api/v1/baobao?node=%d", tr.Grid1.ID), "", 200); strings.Contains(string(b), "陈志远") {
			t.Fatalf("包保 of a member who left: %s", b)
		}
		if b := must("", "GET", "/api/v1/public/certificates/"+token, "", 200); !strings.Contains(string(b), `"valid":false`) {
			t.Fatalf("the certificate of a member who left: %s", b)
		}
		for _, w := range []struct{ method, path, body string }{
			{"POST", member + "/posts", fmt.Sprintf(`{"kind":"policy","node_id":%d,"duties":"宣传"}`, tr.Grid1.ID)},
			{"POST", "/api/v1/baobao", fmt.Sprintf(`{"member_id":%d,"building_id":%d}`, m.ID, tr.Building1.ID)},
			{"PUT", member + "/roster", `{"weekdays":[1]}`},
			{"POST", member + "/registration", ""},
		} {
			if res, b := ev.do("community1", w.method, w.path, w.body, nil); res.StatusCode != 409 {
				t.Errorf("%s %s for a member who left: %d %s", w.method, w.path, res.StatusCode, b)
			}
		}
		var audited int
		ev.store.DB().QueryRow("SELECT COUNT(*) FROM audit_log WHERE action = 'member.leave'").Scan(&audited)
		if audited != 1 {
			t.Fatalf("%d audit lines of leaving", audited)
		}
	})
}
