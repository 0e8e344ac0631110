package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/api"
	"github.com/redgrid/redgrid/internal/redgridtest"
)

// TestCommitteeTerms: an owners' committee's first term takes the seats already recorded and the
// seats added later; a term of more than five years, an election in the future or before the
// current one, another community and a stale If-Match are refused and change nothing; the
// committees whose term ends within the window are listed (换届提醒); a re-election closes the old
// term and ends its seats, kept as its history, while cross-posts keep counting in red property.
func TestCommitteeTerms(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev := newEnv(t, e, api.Config{})
		tr := ev.tree
		committee, _, err := ev.store.CreateOrg(context.Background(), redgrid.NewOrg{Kind: redgrid.OrgOwnersCommittee, Name: "五堰小区业委会", HomeNodeID: tr.Community1.ID, NodeIDs: []int64{tr.Grid1.ID}})
		if err != nil {
			t.Fatal(err)
		}
		must := func(user, method, path, body string, hdr map[string]string, want int) []byte {
			t.Helper()
			res, b := ev.do(user, method, path, body, hdr)
			if res.StatusCode != want {
				t.Fatalf("%s %s %s: %d %s", user, method, path, res.StatusCode, b)
			}
			return b
		}
		members := fmt.Sprintf("/api/v1/orgs/%d/members", committee.ID)
		terms := fmt.Sprintf("/api/v1/orgs/%d/terms", committee.ID)
		must("community1", "POST", members, `{"name":"王建国","role":"director","party_member":true,"community_post":"社区居委会委员"}`, nil, 201)

		tables := []string{"committee_terms.version", "org_members.id"}
		before := tableDigest(ev, tables...)
		for _, bad := range []struct {
			user, path, body, field, rule string
			hdr                           map[string]string
			status                        int
		}{
			{"community1", terms, `{"elected_on":"2023-05-01","ends_on":"2028-05-02"}`, "ends_on", "max_term", nil, 400},
			{"community1", terms, `{"elected_on":"2026-05-01","ends_on":"2029-04-30"}`, "elected_on", "not_future", nil, 400},
			{"community1", terms, `{"elected_on":"2023-05-01","ends_on":"2023-05-01"}`, "ends_on", "after_elected", nil, 400},
			{"community1", terms, `{"elected_on":"2023-02-29","ends_on":"2026-04-30"}`, "elected_on", "date", nil, 400},
			{"community1", fmt.Sprintf("/api/v1/orgs/%d/terms", tr.Property.ID), `{"elected_on":"2023-05-01","ends_on":"2026-04-30"}`, "id", "kind", nil, 400},
			{"community2", terms, `{"elected_on":"2023-05-01","ends_on":"2026-04-30"}`, "", "", nil, 403},
			{"community1", terms, `{"elected_on":"2023-05-01","ends_on":"2026-04-30"}`, "", "", map[string]string{"If-Match": `"3"`}, 412},
			{"community1", "/api/v1/orgs/999999/terms", `{"elected_on":"2023-05-01","ends_on":"2026-04-30"}`, "", "", nil, 404},
			{"community1", members, `{"name":"李梅","role":"member","term_id":1}`, "term_id", "read_only", nil, 400},
		} {
			res, b := ev.do(bad.user, "POST", bad.path, bad.body, bad.hdr)
			if res.StatusCode != bad.status || bad.field != "" && !strings.Contains(string(b), `"field":"`+bad.field+`","rule":"`+bad.rule+`"`) {
				t.Errorf("%s %s %s: %d %s", bad.user, bad.path, bad.body, res.StatusCode, b)
			}
		}
		if tableDigest(ev, tables...) != before {
			t.Fatal("a refused term changed something")
		}

		var first redgrid.CommitteeTerm
		if json.Unmarshal(must("community1", "POST", terms, `{"elected_on":"2023-05-01","ends_on":"2026-04-30"}`, nil, 201), &first) != nil ||
			len(first.Members) != 1 || first.Members[0].TermID == nil || *first.Members[0].TermID != first.ID {
			t.Fatalf("first term: %+v", first)
		}
		var seat redgrid.OrgMember
		if json.Unmarshal(must("community1", "POST", members, `{"name":"李梅","role":"member"}`, nil, 201), &seat) != nil || seat.TermID == nil || *seat.TermID != first.ID {
			t.Fatalf("a seat added in the term: %+v", seat)
		}

		due := func(user, query string) (int, []map[string]any) {
			res, b := ev.do(user, "GET", "/api/v1/committee-terms/due?"+query, "", nil)
			var l struct{ Items []map[string]any }
			json.Unmarshal(b, &l)
			return res.StatusCode, l.Items
		}
		c1 := fmt.Sprint(tr.Community1.ID)
		if code, items := due("street1", "node="+fmt.Sprint(tr.Street1.ID)); code != 200 || len(items) != 1 || items[0]["days_left"] != 59.0 || items[0]["org_name"] != "五堰小区业委会" {
			t.Fatalf("due: %d %v", code, items)
		}
		if code, items := due("community1", "node="+c1+"&days=30"); code != 200 || len(items) != 0 {
			t.Fatalf("due within 30 days: %d %v", code, items)
		}
		if code, _ := due("community1", "node="+c1+"&days=0"); code != 400 {
			t.Fatalf("days=0: %d", code)
		}
		if code, _ := due("community2", "node="+c1); code != 403 {
			t.Fatalf("another community's terms: %d", code)
		}

		// The re-election.
		if res, b := ev.do("community1", "POST", terms, `{"elected_on":"2023-04-01","ends_on":"2028-03-31"}`, nil); res.StatusCode != 400 ||
			!strings.Contains(string(b), `"field":"elected_on","rule":"after_previous"`) {
			t.Fatalf("a re-election before the term: %d %s", res.StatusCode, b)
		}
		if res, b := ev.do("community1", "POST", terms, `{"elected_on":"2026-03-01","ends_on":"2031-02-28"}`, map[string]string{"If-Match": `"5"`}); res.StatusCode != 412 {
			t.Fatalf("a stale re-election: %d %s", res.StatusCode, b)
		}
		var second redgrid.CommitteeTerm
		if json.Unmarshal(must("community1", "POST", terms, `{"elected_on":"2026-03-01","ends_on":"2031-02-28"}`, map[string]string{"If-Match": `"1"`}, 201), &second) != nil ||
			len(second.Members) != 0 || second.EndedOn != nil {
			t.Fatalf("second term: %+v", second)
		}
		var history struct{ Items []redgrid.CommitteeTerm }
		if json.Unmarshal(must("community1", "GET", terms, "", nil, 200), &history) != nil || len(history.Items) != 2 || history.Items[0].ID != second.ID {
			t.Fatalf("terms: %+v", history)
		}
		old := history.Items[1]
		if old.EndedOn == nil || *old.EndedOn != "2026-03-01" || len(old.Members) != 2 {
			t.Fatalf("the old term: %+v", old)
		}
		for _, m := range old.Members {
			if m.EndedOn == nil || *m.EndedOn != "2026-03-01" {
				t.Fatalf("a seat of the old term: %+v", m)
			}
		}
		if code, items := due("community1", "node="+c1); code != 200 || len(items) != 0 {
			t.Fatalf("due after the re-election: %d %v", code, items)
		}
		if res, _ := ev.do("community2", "GET", terms, "", nil); res.StatusCode != 403 {
			t.Fatalf("another community reads the terms: %d", res.StatusCode)
		}

		// Red property: the new committee has no member yet, then a cross-post again.
		view := func() []string {
			var l struct {
				Items []struct {
					Org          struct{ Name string }
					Shortcomings []string `json:"shortcomings"`
					Members      []redgrid.OrgMember
				}
			}
			json.Unmarshal(must("community1", "GET", "/api/v1/red-property?node="+c1, "", nil, 200), &l)
			for _, o := range l.Items {
				if o.Org.Name == "五堰小区业委会" {
					if len(o.Members) > 0 && (o.Members[0].TermID == nil || *o.Members[0].TermID != second.ID) {
						t.Fatalf("a seat outside the current term: %+v", o.Members)
					}
					return o.Shortcomings
				}
			}
			t.Fatal("the committee is not in red property")
			return nil
		}
		if s := view(); strings.Join(s, ",") != "no_cross_post" {
			t.Fatalf("after the re-election: %v", s)
		}
		must("community1", "POST", members, `{"name":"王建国","role":"director","party_member":true,"community_post":"社区居委会委员"}`, nil, 201)
		if s := view(); len(s) != 0 {
			t.Fatalf("with a cross-post in the new term: %v", s)
		}
		var audited int
		ev.store.DB().QueryRow("SELECT COUNT(*) FROM audit_log WHERE action = 'committee.term'").Scan(&audited)
		if audited != 2 {
			t.Fatalf("%d audit lines of terms", audited)
		}
	})
}
