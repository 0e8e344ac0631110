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

// TestRedProperty: the community links its property company to a party branch and records the
// owners' committee's members with their cross-posts; the view of the community says what red
// property still lacks until it is there; another community's staff cannot change them.
func TestRedProperty(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev := newEnv(t, e, api.Config{})
		tr := ev.tree
		committee, _, err := ev.store.CreateOrg(context.Background(), redgrid.NewOrg{Kind: redgrid.OrgOwnersCommittee, Name: "五堰小区业委会", HomeNodeID: tr.Community1.ID, NodeIDs: []int64{tr.Grid1.ID}})
		if err != nil {
			t.Fatal(err)
		}
		view := func() map[string][]string {
			res, b := ev.do("community1", "GET", fmt.Sprintf("/api/v1/red-property?node=%d", tr.Community1.ID), "", nil)
			var l struct {
				Items []struct {
					Org          struct{ Name string }
					Shortcomings []string `json:"shortcomings"`
					CrossPosts   int      `json:"cross_posts"`
				}
			}
			if res.StatusCode != 200 || json.Unmarshal(b, &l) != nil {
				t.Fatalf("red property: %d %s", res.StatusCode, b)
			}
			out := map[string][]string{}
			for _, o := range l.Items {
				out[o.Org.Name] = o.Shortcomings
			}
			return out
		}
		if v := view(); strings.Join(v["五堰物业"], ",") != "no_branch,no_cross_post" || strings.Join(v["五堰小区业委会"], ",") != "no_cross_post" {
			t.Fatalf("before: %v", v)
		}
		branch := fmt.Sprintf("/api/v1/orgs/%d/branch", tr.Property.ID)
		if res, b := ev.do("community1", "PUT", branch, fmt.Sprintf(`{"party_org_id":%d}`, tr.Community1Committee.ID), nil); res.StatusCode != 400 || !strings.Contains(string(b), `"rule":"kind"`) {
			t.Fatalf("a committee as the branch: %d %s", res.StatusCode, b)
		}
		if res, _ := ev.do("community2", "PUT", branch, fmt.Sprintf(`{"party_org_id":%d}`, tr.Grid1Branch.ID), nil); res.StatusCode != 403 {
			t.Fatalf("another community links the branch: %d", res.StatusCode)
		}
		if res, b := ev.do("community1", "PUT", branch, fmt.Sprintf(`{"party_org_id":%d}`, tr.Grid1Branch.ID), nil); res.StatusCode != 204 {
			t.Fatalf("branch: %d %s", res.StatusCode, b)
		}
		members := fmt.Sprintf("/api/v1/orgs/%d/members", committee.ID)
		if res, b := ev.do("community1", "POST", members, `{"name":"王建国","role":"chair"}`, nil); res.StatusCode != 400 || !strings.Contains(string(b), `"field":"role","rule":"enum"`) {
			t.Fatalf("a bad role: %d %s", res.StatusCode, b)
		}
		if res, b := ev.do("community1", "POST", fmt.Sprintf("/api/v1/orgs/%d/members", tr.Department.ID), `{"name":"王建国","role":"member"}`, nil); res.StatusCode != 403 {
			t.Fatalf("a member of a department: %d %s", res.StatusCode, b)
		}
		res, b := ev.do("community1", "POST", members, `{"name":"王建国","role":"director","party_member":true,"community_post":"社区居委会委员"}`, nil)
		var m struct{ ID int64 }
		if res.StatusCode != 201 || json.Unmarshal(b, &m) != nil {
			t.Fatalf("member: %d %s", res.StatusCode, b)
		}
		if res, b := ev.do("community1", "POST", fmt.Sprintf("/api/v1/orgs/%d/members", tr.Property.ID), `{"name":"李梅","role":"deputy","community_post":"社区党委兼职委员"}`, nil); res.StatusCode != 201 {
			t.Fatalf("company member: %d %s", res.StatusCode, b)
		}
		if v := view(); len(v["五堰物业"]) != 0 || len(v["五堰小区业委会"]) != 0 {
			t.Fatalf("after: %v", v)
		}
		if res, _ := ev.do("community1", "DELETE", fmt.Sprintf("/api/v1/org-members/%d", m.ID), "", nil); res.StatusCode != 204 {
			t.Fatalf("end member: %d", res.StatusCode)
		}
		if v := view(); strings.Join(v["五堰小区业委会"], ",") != "no_cross_post" {
			t.Fatalf("after the member left: %v", v)
		}
	})
}
