package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/api"
	"github.com/redgrid/redgrid/internal/redgridtest"
	"github.com/skip2/go-qrcode"
)

// TestPartyMembers: the community records an in-service, sinking member in the branch of the
// grid where they live (a branch of another community is refused); the member's dual
// registration is confirmed by that community only and gives a certificate whose public link
// says it is valid, until half a year later it is overdue and listed; the roster shows the
// working days a community has no sinking member.
func TestPartyMembers(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev := newEnv(t, e, api.Config{})
		tr := ev.tree
		other, _, err := ev.store.CreatePartyOrg(context.Background(), redgrid.NewPartyOrg{Kind: redgrid.PartyBranch, Name: "柳林第一网格党支部",
			ParentID: &tr.Community2Committee.ID, NodeID: tr.Grid3.ID, ValidFrom: "2020-01-01"})
		if err != nil {
			t.Fatal(err)
		}
		body := func(branch int64, sinking bool) string {
			return fmt.Sprintf(`{"name":"陈志远","phone":"13711112222","branch_id":%d,"joined_on":"2010-07-01","status":"full","workplace":"区财政局","in_service":true,"sinking":%v,"residence_id":%d}`,
				branch, sinking, tr.Building1.ID)
		}
		before := ev.digest()
		for _, bad := range []struct {
			user, body, field, rule string
			status                  int
		}{
			{"community1", body(other.ID, true), "branch_id", "same_community", 400},
			{"community1", body(tr.Community1Committee.ID, true), "branch_id", "kind", 400},
			{"community1", strings.Replace(body(tr.Grid1Branch.ID, true), `"in_service":true`, `"in_service":false`, 1), "sinking", "in_service", 400},
			{"community1", strings.Replace(body(tr.Grid1Branch.ID, true), "2010-07-01", "2099-07-01", 1), "joined_on", "not_future", 400},
			{"grid1", body(tr.Grid1Branch.ID, true), "", "", 403},
			{"community2", body(tr.Grid1Branch.ID, true), "", "", 403},
		} {
			res, b := ev.do(bad.user, "POST", "/api/v1/members", bad.body, nil)
			if res.StatusCode != bad.status || bad.field != "" && !strings.Contains(string(b), `"field":"`+bad.field+`","rule":"`+bad.rule+`"`) {
				t.Errorf("%s %s/%s: %d %s", bad.user, bad.field, bad.rule, res.StatusCode, b)
			}
		}
		var n int
		ev.store.DB().QueryRow("SELECT COUNT(*) FROM members").Scan(&n)
		if ev.digest() != before || n != 0 {
			t.Fatal("a refused member changed something")
		}
		res, b := ev.do("community1", "POST", "/api/v1/members", body(tr.Grid1Branch.ID, true), nil)
		var m struct {
			ID    int64
			Phone string
		}
		if res.StatusCode != 201 || json.Unmarshal(b, &m) != nil || m.Phone != "137****2222" {
			t.Fatalf("member: %d %s", res.StatusCode, b)
		}
		res, b = ev.do("community1", "POST", fmt.Sprintf("/api/v1/members/%d/registration", m.ID), "", nil)
		var reg struct {
			ID          int64
			State       string
			Certificate string
			DueOn       string `json:"due_on"`
		}
		if res.StatusCode != 201 || json.Unmarshal(b, &reg) != nil || reg.State != "pending" {
			t.Fatalf("registration: %d %s", res.StatusCode, b)
		}
		confirm := fmt.Sprintf("/api/v1/registrations/%d/confirm", reg.ID)
		if res, _ := ev.do("community2", "POST", confirm, "", nil); res.StatusCode != 403 {
			t.Fatalf("another community confirms: %d", res.StatusCode)
		}
		res, b = ev.do("community1", "POST", confirm, "", nil)
		if res.StatusCode != 200 || json.Unmarshal(b, &reg) != nil || reg.State != "confirmed" || !strings.HasPrefix(reg.Certificate, "BD"+tr.Community1.Code) || reg.DueOn == "" {
			t.Fatalf("confirm: %d %s", res.StatusCode, b)
		}
		if res, _ := ev.do("community1", "POST", confirm, "", nil); res.StatusCode != 409 {
			t.Fatalf("confirm twice: %d", res.StatusCode)
		}
		var token string
		if err := ev.store.DB().QueryRow(fmt.Sprintf("SELECT verify_token FROM member_registrations WHERE id = %d", reg.ID)).Scan(&token); err != nil {
			t.Fatal(err)
		}
		// The member's page gives the certificate's link: the UI's verification page, which the
		// QR code holds, module for module.
		res, b = ev.do("community1", "GET", fmt.Sprintf("/api/v1/members/%d", m.ID), "", nil)
		var page struct {
			Registration struct {
				VerifyURL string `json:"verify_url"`
			}
		}
		if res.StatusCode != 200 || json.Unmarshal(b, &page) != nil || !strings.HasSuffix(page.Registration.VerifyURL, "/verify/"+token) ||
			!strings.HasPrefix(page.Registration.VerifyURL, "http") {
			t.Fatalf("member page: %d %s", res.StatusCode, b)
		}
		if res, b := ev.do("community1", "GET", fmt.Sprintf("/api/v1/members/%d/certificate.svg", m.ID), "", nil); res.StatusCode != 200 ||
			res.Header.Get("Content-Type") != "image/svg+xml" || !strings.HasPrefix(string(b), "<svg") || !qrHolds(t, b, page.Registration.VerifyURL) {
			t.Fatalf("QR: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
		}
		// The list shows the registration without the link.
		res, b = ev.do("community1", "GET", fmt.Sprintf("/api/v1/members?node=%d", tr.Community1.ID), "", nil)
		if res.StatusCode != 200 || !strings.Contains(string(b), `"state":"confirmed"`) || strings.Contains(string(b), token) {
			t.Fatalf("members with their registrations: %d %s", res.StatusCode, b)
		}
		certificate := func() (bool, string) {
			res, b := ev.do("", "GET", "/api/v1/public/certificates/"+token, "", nil)
			var c struct {
				Valid      bool
				MemberName string `json:"member_name"`
			}
			if res.StatusCode != 200 || json.Unmarshal(b, &c) != nil {
				t.Fatalf("public certificate: %d %s", res.StatusCode, b)
			}
			return c.Valid, c.MemberName
		}
		if valid, name := certificate(); !valid || name != "陈**" {
			t.Fatalf("certificate now: %v %q", valid, name)
		}
		if res, _ := ev.do("", "GET", "/api/v1/public/certificates/"+strings.Repeat("0", 32), "", nil); res.StatusCode != 404 {
			t.Fatalf("a forged certificate: %d", res.StatusCode)
		}
		overdue := func() int {
			res, b := ev.do("community1", "GET", fmt.Sprintf("/api/v1/registrations/overdue?node=%d", tr.Community1.ID), "", nil)
			if res.StatusCode != 200 {
				t.Fatalf("overdue: %d %s", res.StatusCode, b)
			}
			return strings.Count(string(b), `"member_id"`)
		}
		if overdue() != 0 {
			t.Fatal("overdue at once")
		}
		ev.clock.Advance(190 * 24 * time.Hour)
		for _, u := range []string{"community1", "community2", "street1"} {
			ev.tokens[u] = ev.login(u) // the sessions of half a year ago have expired
		}
		if overdue() != 1 {
			t.Fatal("not overdue after half a year")
		}
		if valid, _ := certificate(); valid {
			t.Fatal("an overdue certificate is shown valid")
		}

		// The roster: Monday to Wednesday in 五堰社区; the other working days of the week ahead
		// are gaps there, and every working day is a gap in the communities without anyone.
		if res, b := ev.do("community1", "PUT", fmt.Sprintf("/api/v1/members/%d/roster", m.ID), `{"weekdays":[1,2,8]}`, nil); res.StatusCode != 400 {
			t.Fatalf("weekday 8: %d %s", res.StatusCode, b)
		}
		if res, b := ev.do("community1", "PUT", fmt.Sprintf("/api/v1/members/%d/roster", m.ID), `{"weekdays":[1,2,3]}`, nil); res.StatusCode != 204 {
			t.Fatalf("roster: %d %s", res.StatusCode, b)
		}
		rosterIfMatch(t, ev, m.ID)
		res, b = ev.do("street1", "GET", fmt.Sprintf("/api/v1/roster/gaps?node=%d", tr.Street1.ID), "", nil)
		var gaps struct {
			Items []struct {
				Name    string `json:"community_name"`
				Weekday int
			}
		}
		if res.StatusCode != 200 || json.Unmarshal(b, &gaps) != nil {
			t.Fatalf("gaps: %d %s", res.StatusCode, b)
		}
		per := map[string][]int{}
		for _, g := range gaps.Items {
			per[g.Name] = append(per[g.Name], g.Weekday)
		}
		for _, d := range per["五堰社区"] {
			if d <= 3 {
				t.Errorf("五堰社区 has a gap on weekday %d though it is on the roster", d)
			}
		}
		if len(per["柳林社区"]) == 0 || len(per["柳林社区"]) <= len(per["五堰社区"]) {
			t.Fatalf("gaps: %v", per)
		}

		// The list: search by name or workplace, sinking members only (with their weekdays),
		// pages after an id; bad parameters are named.
		if res, b := ev.do("community1", "POST", "/api/v1/members", strings.NewReplacer("陈志远", "王秀英", "区财政局", "东风公司").Replace(body(tr.Grid1Branch.ID, false)), nil); res.StatusCode != 201 {
			t.Fatalf("second member: %d %s", res.StatusCode, b)
		}
		names := func(query string) (out []string) {
			t.Helper()
			res, b := ev.do("community1", "GET", fmt.Sprintf("/api/v1/members?node=%d&", tr.Community1.ID)+query, "", nil)
			var l struct {
				Items []struct {
					Name     string
					Weekdays []int
				}
			}
			if res.StatusCode != 200 || json.Unmarshal(b, &l) != nil {
				t.Fatalf("members?%s: %d %s", query, res.StatusCode, b)
			}
			for _, it := range l.Items {
				out = append(out, fmt.Sprint(it.Name, it.Weekdays))
			}
			return out
		}
		for q, want := range map[string]string{
			"":                            "[陈志远[1 2 3] 王秀英[]]",
			"q=%E7%8E%8B":                 "[王秀英[]]",      // 王
			"q=%E8%B4%A2%E6%94%BF":        "[陈志远[1 2 3]]", // 财政 (workplace)
			"sinking=true":                "[陈志远[1 2 3]]",
			"limit=1":                     "[陈志远[1 2 3]]",
			fmt.Sprintf("after=%d", m.ID): "[王秀英[]]",
			"q=%25":                       "[]",           // a LIKE wildcard is text
			"q=wxy":                       "[王秀英[]]",      // pinyin initials
			"q=WangX":                     "[王秀英[]]",      // the beginning of the full pinyin, any case
			"q=czy":                       "[陈志远[1 2 3]]", // 陈志远
			"q=xy":                        "[]",           // initials match from the start only
		} {
			if got := fmt.Sprint(names(q)); got != want {
				t.Errorf("members?%s = %s, want %s", q, got, want)
			}
		}
		for q, field := range map[string]string{"sinking=yes": "sinking", "limit=0": "limit", "q=" + strings.Repeat("x", 51): "q", "after=x": "after"} {
			res, b := ev.do("community1", "GET", fmt.Sprintf("/api/v1/members?node=%d&", tr.Community1.ID)+q, "", nil)
			if res.StatusCode != 400 || !strings.Contains(string(b), `"field":"`+field+`"`) {
				t.Errorf("members?%s: %d %s", q, res.StatusCode, b)
			}
		}
		if res, _ := ev.do("community2", "GET", fmt.Sprintf("/api/v1/members?node=%d", tr.Community1.ID), "", nil); res.StatusCode != 403 {
			t.Errorf("another community's members: %d", res.StatusCode)
		}
	})
}

// qrHolds reports whether the QR code drawn by an SVG of ours (one "Mx yh1v1h-1z" square per dark
// module) is the QR code of content.
func qrHolds(t *testing.T, svg []byte, content string) bool {
	t.Helper()
	q, err := qrcode.New(content, qrcode.Medium)
	if err != nil {
		t.Fatal(err)
	}
	want := map[[2]int]bool{}
	for y, row := range q.Bitmap() {
		for x, on := range row {
			if on {
				want[[2]int{x, y}] = true
			}
		}
	}
	got := map[[2]int]bool{}
	for _, m := range regexp.MustCompile(`M(\d+) (\d+)h1v1h-1z`).FindAllStringSubmatch(string(svg), -1) {
		x, _ := strconv.Atoi(m[1])
		y, _ := strconv.Atoi(m[2])
		got[[2]int{x, y}] = true
	}
	return len(got) > 0 && maps.Equal(got, want)
}

// rosterIfMatch: the roster honours If-Match with the member's ETag. A stale version is 412 and
// changes nothing; the current one sets the days and answers the new ETag, which GET shows too;
// the same days again leave the version alone; no If-Match still sets the days (the UI sends
// none). The member ends on Monday to Wednesday, as it began.
func rosterIfMatch(t *testing.T, ev *env, id int64) {
	t.Helper()
	url := fmt.Sprintf("/api/v1/members/%d", id)
	etag := func() string {
		res, b := ev.do("community1", "GET", url, "", nil)
		if res.StatusCode != 200 {
			t.Fatalf("member: %d %s", res.StatusCode, b)
		}
		return res.Header.Get("ETag")
	}
	days := func() string {
		_, b := ev.do("community1", "GET", url, "", nil)
		var m struct{ Weekdays []int }
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(m.Weekdays)
	}
	put := func(body, ifMatch string, want int) string {
		t.Helper()
		var hdr map[string]string
		if ifMatch != "" {
			hdr = map[string]string{"If-Match": ifMatch}
		}
		res, b := ev.do("community1", "PUT", url+"/roster", body, hdr)
		if res.StatusCode != want {
			t.Fatalf("roster %s (If-Match %s): %d %s, want %d", body, ifMatch, res.StatusCode, b, want)
		}
		return res.Header.Get("ETag")
	}
	v := etag()
	stale := fmt.Sprintf(`"%d"`, mustAtoi(t, strings.Trim(v, `"`))-1)
	if stale == `"0"` {
		stale = `"99"`
	}
	put(`{"weekdays":[4,5]}`, stale, 412)
	if days() != "[1 2 3]" || etag() != v {
		t.Fatalf("a stale roster change was written: %s %s", days(), etag())
	}
	put(`{"weekdays":[4,5]}`, `"x"`, 400)
	next := put(`{"weekdays":[4,5]}`, v, 204)
	if next == v || next != etag() || days() != "[4 5]" {
		t.Fatalf("roster with the current ETag: %s → %s (GET %s), days %s", v, next, etag(), days())
	}
	if again := put(`{"weekdays":[5,4]}`, next, 204); again != next {
		t.Fatalf("the same days again moved the version: %s → %s", next, again)
	}
	put(`{"weekdays":[1]}`, v, 412) // the ETag read before the change is stale now
	put(`{"weekdays":[1,2,3]}`, "", 204)
	if days() != "[1 2 3]" {
		t.Fatalf("roster without If-Match: %s", days())
	}
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
