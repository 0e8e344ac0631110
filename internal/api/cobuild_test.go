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

// TestCoBuilding: a community records its agreement with a resident unit; the street sets the
// community's "五个一" linkage; the communities missing a link are listed until every link is
// there; the community cannot set its own linkage; bad links change nothing.
func TestCoBuilding(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev := newEnv(t, e, api.Config{})
		tr := ev.tree
		unit, _, err := ev.store.CreateOrg(context.Background(), redgrid.NewOrg{Kind: redgrid.OrgResidentUnit, Name: "东风汽车公司第二中学", HomeNodeID: tr.Community1.ID, NodeIDs: []int64{tr.Community1.ID}})
		if err != nil {
			t.Fatal(err)
		}
		// The units' register: the resident units (not the department), within the caller's scope.
		res, b := ev.do("community1", "GET", fmt.Sprintf("/api/v1/units?node=%d", tr.Community1.ID), "", nil)
		if res.StatusCode != 200 || !strings.Contains(string(b), unit.Name) || strings.Contains(string(b), `"kind":"department"`) {
			t.Fatalf("units: %d %s", res.StatusCode, b)
		}
		if res, b := ev.do("community2", "GET", "/api/v1/units?q=dfqc", "", nil); res.StatusCode != 200 || strings.Contains(string(b), unit.Name) {
			t.Fatalf("another community's units: %d %s", res.StatusCode, b)
		}
		if res, b := ev.do("community1", "GET", "/api/v1/units?kind=department", "", nil); res.StatusCode != 400 || !strings.Contains(string(b), `"kind"`) {
			t.Fatalf("units of a kind: %d %s", res.StatusCode, b)
		}
		agreement := func(org int64, ends string) string {
			return fmt.Sprintf(`{"org_id":%d,"community_id":%d,"signed_on":"2026-01-10","ends_on":%q,"content":"开放操场供居民晨练；每季度一次共建活动"}`, org, tr.Community1.ID, ends)
		}
		if res, b := ev.do("community1", "POST", "/api/v1/cobuild/agreements", agreement(unit.ID, "2028-01-09"), nil); res.StatusCode != 201 {
			t.Fatalf("agreement: %d %s", res.StatusCode, b)
		}
		for _, bad := range []struct {
			user, body, field, rule string
			status                  int
		}{
			{"community1", agreement(unit.ID, "2025-01-09"), "ends_on", "after_signed", 400},
			{"community1", agreement(tr.Department.ID, "2028-01-09"), "org_id", "kind", 400},
			{"community2", agreement(unit.ID, "2028-01-09"), "", "", 403},
		} {
			res, b := ev.do(bad.user, "POST", "/api/v1/cobuild/agreements", bad.body, nil)
			if res.StatusCode != bad.status || bad.field != "" && !strings.Contains(string(b), `"field":"`+bad.field+`","rule":"`+bad.rule+`"`) {
				t.Errorf("agreement %s %s/%s: %d %s", bad.user, bad.field, bad.rule, res.StatusCode, b)
			}
		}
		gaps := func() map[string][]string {
			res, b := ev.do("street1", "GET", fmt.Sprintf("/api/v1/cobuild/gaps?node=%d", tr.Street1.ID), "", nil)
			var l struct {
				Items []struct {
					Name    string   `json:"community_name"`
					Missing []string `json:"missing"`
					Grids   []string `json:"grids_without_cadre"`
				}
			}
			if res.StatusCode != 200 || json.Unmarshal(b, &l) != nil {
				t.Fatalf("gaps: %d %s", res.StatusCode, b)
			}
			out := map[string][]string{}
			for _, g := range l.Items {
				out[g.Name] = append(g.Missing, g.Grids...)
			}
			return out
		}
		if g := gaps(); len(g) != 2 || strings.Join(g["五堰社区"], ",") != "leader,unit,street_cadre,五堰第一网格,五堰第二网格" {
			t.Fatalf("gaps before: %v", g)
		}
		path := fmt.Sprintf("/api/v1/communities/%d/links", tr.Community1.ID)
		links := func(grid2 int64) string {
			return fmt.Sprintf(`{"leader":"区委副书记 陈明","unit_id":%d,"street_cadre":"武当路街道 赵强","grid_cadres":{"%d":"社区委员 李娜","%d":"社区委员 周杰"}}`,
				unit.ID, tr.Grid1.ID, grid2)
		}
		if res, _ := ev.do("community1", "PUT", path, links(tr.Grid2.ID), nil); res.StatusCode != 403 {
			t.Fatalf("a community sets its own linkage: %d", res.StatusCode)
		}
		if res, b := ev.do("street1", "PUT", path, links(tr.Grid3.ID), nil); res.StatusCode != 400 || !strings.Contains(string(b), `"rule":"grid_of_community"`) {
			t.Fatalf("another community's grid: %d %s", res.StatusCode, b)
		}
		if g := gaps(); len(g["五堰社区"]) != 5 {
			t.Fatalf("a refused linkage changed something: %v", g)
		}
		if res, b := ev.do("street1", "PUT", path, links(tr.Grid2.ID), nil); res.StatusCode != 200 || !strings.Contains(string(b), "东风汽车公司第二中学") {
			t.Fatalf("links: %d %s", res.StatusCode, b)
		}
		if g := gaps(); len(g) != 1 || g["五堰社区"] != nil {
			t.Fatalf("gaps after: %v", g)
		}
		res, b = ev.do("community1", "GET", fmt.Sprintf("/api/v1/cobuild/agreements?node=%d", tr.Community1.ID), "", nil)
		if res.StatusCode != 200 || strings.Count(string(b), `"org_id"`) != 1 {
			t.Fatalf("agreements: %d %s", res.StatusCode, b)
		}
	})
}
