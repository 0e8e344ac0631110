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

// dutyEnv is the test server with two members — 陈志远 living in 五堰社区's 1号楼, 王强 living in
// 柳林社区 with a branch there — two households of 1号楼, a building in 柳林社区 and a second
// building in 五堰社区.
type dutyEnv struct {
	*env
	chen, wang              redgrid.Member
	h101, h102              redgrid.Household
	liulinBuild, grid2Build redgrid.Node
}

func newDutyEnv(t *testing.T, e redgridtest.Engine) *dutyEnv {
	t.Helper()
	ev := newEnv(t, e, api.Config{})
	tr, ctx, s := ev.tree, context.Background(), ev.store
	d := &dutyEnv{env: ev}
	liulinBranch, _, err := s.CreatePartyOrg(ctx, redgrid.NewPartyOrg{Kind: redgrid.PartyBranch, Name: "柳林第一网格党支部",
		ParentID: &tr.Community2Committee.ID, NodeID: tr.Grid3.ID, ValidFrom: "2020-01-01"})
	if err != nil {
		t.Fatal(err)
	}
	if d.chen, _, err = s.CreateMember(ctx, redgrid.NewMember{Name: "陈志远", BranchID: tr.Grid1Branch.ID, Status: redgrid.MemberFull, ResidenceID: tr.Building1.ID}); err != nil {
		t.Fatal(err)
	}
	if d.wang, _, err = s.CreateMember(ctx, redgrid.NewMember{Name: "王强", BranchID: liulinBranch.ID, Status: redgrid.MemberFull, ResidenceID: tr.Grid3.ID}); err != nil {
		t.Fatal(err)
	}
	for _, b := range []struct {
		n      *redgrid.Node
		name   string
		parent int64
	}{{&d.liulinBuild, "柳林3号楼", tr.Grid3.ID}, {&d.grid2Build, "2号楼", tr.Grid2.ID}} {
		if *b.n, _, err = s.CreateNode(ctx, redgrid.NewNode{Kind: redgrid.KindBuilding, Name: b.name, ParentID: &b.parent, ValidFrom: "2020-01-01"}); err != nil {
			t.Fatal(err)
		}
	}
	for i, h := range []*redgrid.Household{&d.h101, &d.h102} {
		if *h, _, err = s.CreateHousehold(ctx, redgrid.NewHousehold{BuildingID: tr.Building1.ID, Unit: 1, Floor: 1, Room: fmt.Sprint(101 + i), Occupancy: redgrid.OccupancyOwner}); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

// rows is the digest of every mutable table plus the posts and 包保 rows with their versions.
func (d *dutyEnv) rows() string {
	d.t.Helper()
	var a, b, c, e int64
	if err := d.store.DB().QueryRow(`SELECT (SELECT COUNT(*) FROM member_posts), (SELECT COALESCE(SUM(version), 0) FROM member_posts),
		(SELECT COUNT(*) FROM baobao), (SELECT COALESCE(SUM(version), 0) FROM baobao)`).Scan(&a, &b, &c, &e); err != nil {
		d.t.Fatal(err)
	}
	return fmt.Sprint(d.digest(), " posts ", a, "/", b, " baobao ", c, "/", e)
}

func hasProblem(b []byte, field, rule string) bool {
	return strings.Contains(string(b), `"field":"`+field+`","rule":"`+rule+`"`)
}

type refusal struct {
	name, user, method, path, body string
	hdr                            map[string]string
	status                         int
	field, rule                    string
}

// refuse sends each request and checks its status and problem, then that nothing was written.
func (d *dutyEnv) refuse(t *testing.T, cases []refusal) {
	t.Helper()
	before := d.rows()
	for _, c := range cases {
		res, b := d.do(c.user, c.method, c.path, c.body, c.hdr)
		if res.StatusCode != c.status || res.Header.Get("Content-Type") != "application/problem+json" ||
			c.field != "" && !hasProblem(b, c.field, c.rule) {
			t.Errorf("%s: %d %s, want %d %s/%s", c.name, res.StatusCode, b, c.status, c.field, c.rule)
		}
	}
	if after := d.rows(); after != before {
		t.Fatalf("refused requests wrote something: %s → %s", before, after)
	}
}

type postOut struct {
	ID       int64
	Kind     string
	Name     string
	NodeName string `json:"node_name"`
	Duties   string
	StartsOn string  `json:"starts_on"`
	EndsOn   *string `json:"ends_on"`
	EndedOn  *string `json:"ended_on"`
	Active   bool
	Version  int
}

func decodeInto[T any](t *testing.T, b []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	return v
}

// getJSON GETs path as user, wants 200 and decodes the body.
func getJSON[T any](t *testing.T, d *dutyEnv, user, path string) T {
	t.Helper()
	res, b := d.do(user, "GET", path, "", nil)
	if res.StatusCode != 200 {
		t.Fatalf("GET %s as %s: %d %s", path, user, res.StatusCode, b)
	}
	return decodeInto[T](t, b)
}

// TestMemberPostsOverHTTP: the community gives its member a post (a retry with the same
// Idempotency-Key gives the same post); bad input, a node outside the member's communities, a
// member of another community and callers without the scope are refused with the field named and
// nothing written; an edit carries the ETag and a stale one is refused; the post fills its grid's
// gap until it is ended, and stays in the member's history.
func TestMemberPostsOverHTTP(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		d := newDutyEnv(t, e)
		tr := d.tree
		chenPosts := fmt.Sprintf("/api/v1/members/%d/posts", d.chen.ID)
		body := func(kind string, node int64, extra string) string {
			return fmt.Sprintf(`{"kind":%q,"node_id":%d,"duties":"每周两次夜间巡逻，发现隐患及时上报网格员"%s}`, kind, node, extra)
		}
		good := body("patrol", tr.Grid1.ID, `,"starts_on":"2026-03-01"`)
		d.refuse(t, []refusal{
			{"unknown kind", "community1", "POST", chenPosts, body("guard", tr.Grid1.ID, ""), nil, 400, "kind", "enum"},
			{"duties too long", "community1", "POST", chenPosts, fmt.Sprintf(`{"kind":"patrol","node_id":%d,"duties":%q}`, tr.Grid1.ID, strings.Repeat("巡", 501)), nil, 400, "duties", "max_length"},
			{"no duties", "community1", "POST", chenPosts, fmt.Sprintf(`{"kind":"patrol","node_id":%d,"duties":"  "}`, tr.Grid1.ID), nil, 400, "duties", "required"},
			{"other without a name", "community1", "POST", chenPosts, body("other", tr.Grid1.ID, ""), nil, 400, "name", "required"},
			{"name of a known kind", "community1", "POST", chenPosts, body("patrol", tr.Grid1.ID, `,"name":"夜巡"`), nil, 400, "name", "other_only"},
			{"impossible date", "community1", "POST", chenPosts, body("patrol", tr.Grid1.ID, `,"starts_on":"2026-02-30"`), nil, 400, "starts_on", "date"},
			{"end before start", "community1", "POST", chenPosts, body("patrol", tr.Grid1.ID, `,"starts_on":"2026-03-01","ends_on":"2026-02-01"`), nil, 400, "ends_on", "after_start"},
			{"unknown field", "community1", "POST", chenPosts, body("patrol", tr.Grid1.ID, `,"level":3`), nil, 400, "level", "unknown_field"},
			{"no such node", "community1", "POST", chenPosts, body("patrol", 999999, ""), nil, 400, "node_id", "exists"},
			{"a street", "street1", "POST", chenPosts, body("patrol", tr.Street1.ID, ""), nil, 400, "node_id", "kind"},
			{"node outside the member's community", "street1", "POST", chenPosts, body("patrol", tr.Grid3.ID, ""), nil, 422, "node_id", "member_community"},
			{"member of another community", "community1", "POST", fmt.Sprintf("/api/v1/members/%d/posts", d.wang.ID), good, nil, 422, "node_id", "member_community"},
			{"no such member", "community1", "POST", "/api/v1/members/999999/posts", good, nil, 404, "", ""},
			{"another community's staff", "community2", "POST", chenPosts, good, nil, 403, "", ""},
			{"a grid worker outside the grid", "grid1", "POST", chenPosts, body("patrol", tr.Grid2.ID, ""), nil, 403, "", ""},
			{"a leader (read-only)", "leader1", "POST", chenPosts, good, nil, 403, "", ""},
			{"a department", "dept1", "POST", chenPosts, good, nil, 403, "", ""},
			{"no login", "", "POST", chenPosts, good, nil, 401, "", ""},
		})

		key := map[string]string{"Idempotency-Key": "post-chen-patrol"}
		res, b := d.do("community1", "POST", chenPosts, good, key)
		p := decodeInto[postOut](t, b)
		if res.StatusCode != 201 || p.Name != "平安巡逻岗" || p.StartsOn != "2026-03-01" || !p.Active || res.Header.Get("ETag") != `"1"` {
			t.Fatalf("add: %d %s", res.StatusCode, b)
		}
		res, b = d.do("community1", "POST", chenPosts, good, key)
		if res.StatusCode != 201 || res.Header.Get("Idempotent-Replayed") != "true" || decodeInto[postOut](t, b).ID != p.ID {
			t.Fatalf("retry: %d %s", res.StatusCode, b)
		}
		if res, b := d.do("community1", "POST", chenPosts, good, nil); res.StatusCode != 409 || !hasProblem(b, "kind", "duplicate") {
			t.Fatalf("the same post twice: %d %s", res.StatusCode, b)
		}
		// A grid worker posts in their grid: a named post at the building.
		res, b = d.do("grid1", "POST", chenPosts, body("other", tr.Building1.ID, `,"name":"楼道安全员"`), nil)
		if res.StatusCode != 201 || decodeInto[postOut](t, b).Name != "楼道安全员" {
			t.Fatalf("named post: %d %s", res.StatusCode, b)
		}

		list := func(user, path string) []postOut { return getJSON[struct{ Items []postOut }](t, d, user, path).Items }
		if l := list("community1", fmt.Sprintf("/api/v1/posts?node=%d", tr.Community1.ID)); len(l) != 2 {
			t.Fatalf("posts of 五堰社区: %+v", l)
		}
		if l := list("street1", fmt.Sprintf("/api/v1/posts?node=%d", tr.Community2.ID)); len(l) != 0 {
			t.Fatalf("posts of 柳林社区: %+v", l)
		}
		for _, c := range [][2]string{{"community2", chenPosts}, {"community2", fmt.Sprintf("/api/v1/posts/%d", p.ID)},
			{"dept1", fmt.Sprintf("/api/v1/posts?node=%d", tr.Community1.ID)}, {"community1", fmt.Sprintf("/api/v1/posts/gaps?node=%d", tr.Street1.ID)}} {
			if res, _ := d.do(c[0], "GET", c[1], "", nil); res.StatusCode != 403 {
				t.Errorf("%s reads %s: %d", c[0], c[1], res.StatusCode)
			}
		}

		gaps := func(query string) map[string][]string {
			out := map[string][]string{}
			for _, g := range getJSON[struct {
				Items []struct {
					Name    string `json:"node_name"`
					Missing []string
				}
			}](t, d, "street1", "/api/v1/posts/gaps?"+query).Items {
				out[g.Name] = g.Missing
			}
			return out
		}
		if g := gaps(fmt.Sprintf("node=%d&kinds=patrol", tr.Street1.ID)); len(g) != 2 || g["五堰第二网格"] == nil || g["柳林第一网格"] == nil {
			t.Fatalf("grids without a patrol post: %v", g)
		}
		if g := gaps(fmt.Sprintf("node=%d&level=community", tr.Street1.ID)); strings.Join(g["五堰社区"], ",") != "policy,mediation" || len(g["柳林社区"]) != 3 {
			t.Fatalf("communities without the required posts: %v", g)
		}
		for _, q := range []string{"kinds=guard", "kinds=patrol,", "level=building"} {
			if res, b := d.do("street1", "GET", fmt.Sprintf("/api/v1/posts/gaps?node=%d&%s", tr.Street1.ID, q), "", nil); res.StatusCode != 400 {
				t.Errorf("gaps %s: %d %s", q, res.StatusCode, b)
			}
		}

		// Edits: If-Match carries the version; a stale one is refused and changes nothing.
		postURL := fmt.Sprintf("/api/v1/posts/%d", p.ID)
		res, b = d.do("community1", "PATCH", postURL, `{"duties":"白天巡楼，夜间巡逻","ends_on":"2026-12-31"}`, map[string]string{"If-Match": `"1"`})
		if p = decodeInto[postOut](t, b); res.StatusCode != 200 || p.Version != 2 || p.EndsOn == nil || *p.EndsOn != "2026-12-31" || res.Header.Get("ETag") != `"2"` {
			t.Fatalf("edit: %d %s", res.StatusCode, b)
		}
		d.refuse(t, []refusal{
			{"stale If-Match", "community1", "PATCH", postURL, `{"duties":"x"}`, map[string]string{"If-Match": `"1"`}, 412, "", ""},
			{"end before start", "community1", "PATCH", postURL, `{"ends_on":"2026-01-01"}`, nil, 400, "ends_on", "after_start"},
			{"ends_on and clear", "community1", "PATCH", postURL, `{"ends_on":"2027-01-01","clear_ends_on":true}`, nil, 400, "ends_on", "conflict"},
			{"too long", "community1", "PATCH", postURL, fmt.Sprintf(`{"duties":%q}`, strings.Repeat("巡", 501)), nil, 400, "duties", "max_length"},
			{"unknown kind", "community1", "PATCH", postURL, `{"kind":"guard"}`, nil, 400, "kind", "enum"},
			{"moved outside the member's community", "street1", "PATCH", postURL, fmt.Sprintf(`{"node_id":%d}`, tr.Grid3.ID), nil, 422, "node_id", "member_community"},
			{"moved outside the caller's scope", "community1", "PATCH", postURL, fmt.Sprintf(`{"node_id":%d}`, tr.Grid3.ID), nil, 403, "", ""},
			{"another community edits", "community2", "PATCH", postURL, `{"duties":"x"}`, nil, 403, "", ""},
			{"another community ends", "community2", "DELETE", postURL, "", nil, 403, "", ""},
			{"stale end", "community1", "DELETE", postURL, "", map[string]string{"If-Match": `"1"`}, 412, "", ""},
			{"no such post", "community1", "PATCH", "/api/v1/posts/999999", `{"duties":"x"}`, nil, 404, "", ""},
		})

		res, b = d.do("community1", "DELETE", postURL, "", map[string]string{"If-Match": `"2"`})
		if p = decodeInto[postOut](t, b); res.StatusCode != 200 || p.EndedOn == nil || p.Active {
			t.Fatalf("end: %d %s", res.StatusCode, b)
		}
		d.refuse(t, []refusal{
			{"end twice", "community1", "DELETE", postURL, "", nil, 409, "", ""},
			{"edit history", "community1", "PATCH", postURL, `{"duties":"x"}`, nil, 409, "", ""},
		})
		if g := gaps(fmt.Sprintf("node=%d&kinds=patrol", tr.Community1.ID)); len(g) != 2 {
			t.Fatalf("an ended post still fills its grid's gap: %v", g)
		}
		if l := list("community1", chenPosts); len(l) != 2 || l[1].ID != p.ID || l[1].EndedOn == nil {
			t.Fatalf("the member's history: %+v", l)
		}

		var n int
		d.store.DB().QueryRow("SELECT COUNT(*) FROM audit_log WHERE action IN ('member_post.add', 'member_post.update', 'member_post.end') AND outcome = 'ok'").Scan(&n)
		if n != 4 {
			t.Fatalf("%d audit lines for 2 posts given, 1 edit, 1 end", n)
		}
	})
}

type baobaoOut struct {
	ID          int64
	MemberName  string `json:"member_name"`
	HouseholdID *int64 `json:"household_id"`
	Target      string
	EndedOn     *string `json:"ended_on"`
}

// TestBaobaoOverHTTP: a grid worker makes a member answer for a building of the grid, the
// community for a household; another community's building, a second assignment of the same,
// bad input and callers without the scope are refused with nothing written; who answers for a
// household is shown; the gaps list what nobody answers for, before and after an assignment ends.
func TestBaobaoOverHTTP(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		d := newDutyEnv(t, e)
		tr := d.tree
		building := func(member, b int64) string { return fmt.Sprintf(`{"member_id":%d,"building_id":%d}`, member, b) }
		key := map[string]string{"Idempotency-Key": "baobao-1"}
		res, b := d.do("grid1", "POST", "/api/v1/baobao", building(d.chen.ID, tr.Building1.ID), key)
		x := decodeInto[baobaoOut](t, b)
		if res.StatusCode != 201 || x.Target != "1号楼" || x.MemberName != "陈志远" || x.HouseholdID != nil {
			t.Fatalf("assign: %d %s", res.StatusCode, b)
		}
		if res, b := d.do("grid1", "POST", "/api/v1/baobao", building(d.chen.ID, tr.Building1.ID), key); res.StatusCode != 201 ||
			res.Header.Get("Idempotent-Replayed") != "true" || decodeInto[baobaoOut](t, b).ID != x.ID {
			t.Fatalf("retry: %d %s", res.StatusCode, b)
		}
		d.refuse(t, []refusal{
			{"the same building twice", "community1", "POST", "/api/v1/baobao", building(d.chen.ID, tr.Building1.ID), nil, 409, "building_id", "duplicate"},
			{"another community's building", "street1", "POST", "/api/v1/baobao", building(d.chen.ID, d.liulinBuild.ID), nil, 422, "building_id", "member_community"},
			{"a member of another community", "community1", "POST", "/api/v1/baobao", fmt.Sprintf(`{"member_id":%d,"household_id":%d}`, d.wang.ID, d.h101.ID), nil, 422, "household_id", "member_community"},
			{"both", "community1", "POST", "/api/v1/baobao", fmt.Sprintf(`{"member_id":%d,"building_id":%d,"household_id":%d}`, d.chen.ID, tr.Building1.ID, d.h101.ID), nil, 400, "building_id", "one_of"},
			{"neither", "community1", "POST", "/api/v1/baobao", fmt.Sprintf(`{"member_id":%d}`, d.chen.ID), nil, 400, "building_id", "one_of"},
			{"not a building", "community1", "POST", "/api/v1/baobao", building(d.chen.ID, tr.Grid1.ID), nil, 400, "building_id", "kind"},
			{"no such household", "community1", "POST", "/api/v1/baobao", fmt.Sprintf(`{"member_id":%d,"household_id":999999}`, d.chen.ID), nil, 400, "household_id", "exists"},
			{"no such member", "community1", "POST", "/api/v1/baobao", building(999999, d.grid2Build.ID), nil, 400, "member_id", "exists"},
			{"impossible date", "community1", "POST", "/api/v1/baobao", fmt.Sprintf(`{"member_id":%d,"building_id":%d,"starts_on":"2026-13-01"}`, d.chen.ID, d.grid2Build.ID), nil, 400, "starts_on", "date"},
			{"member id as text", "community1", "POST", "/api/v1/baobao", fmt.Sprintf(`{"member_id":"%d","building_id":%d}`, d.chen.ID, d.grid2Build.ID), nil, 400, "member_id", "type"},
			{"a grid worker outside the grid", "grid1", "POST", "/api/v1/baobao", building(d.chen.ID, d.grid2Build.ID), nil, 403, "", ""},
			{"another community", "community2", "POST", "/api/v1/baobao", building(d.chen.ID, d.grid2Build.ID), nil, 403, "", ""},
			{"a leader (read-only)", "leader1", "POST", "/api/v1/baobao", building(d.chen.ID, d.grid2Build.ID), nil, 403, "", ""},
			{"another community ends", "community2", "DELETE", fmt.Sprintf("/api/v1/baobao/%d", x.ID), "", nil, 403, "", ""},
			{"no such assignment", "community1", "DELETE", "/api/v1/baobao/999999", "", nil, 404, "", ""},
		})
		res, b = d.do("community1", "POST", "/api/v1/baobao", fmt.Sprintf(`{"member_id":%d,"household_id":%d,"starts_on":"2026-03-01"}`, d.chen.ID, d.h101.ID), nil)
		if res.StatusCode != 201 || decodeInto[baobaoOut](t, b).Target != "1号楼1单元101" {
			t.Fatalf("household: %d %s", res.StatusCode, b)
		}

		list := func(user, query string) []baobaoOut {
			return getJSON[struct{ Items []baobaoOut }](t, d, user, "/api/v1/baobao?"+query).Items
		}
		if l := list("community1", fmt.Sprintf("node=%d", tr.Community1.ID)); len(l) != 2 {
			t.Fatalf("五堰社区: %+v", l)
		}
		if l := list("grid1", fmt.Sprintf("household=%d", d.h101.ID)); len(l) != 2 {
			t.Fatalf("who answers for 101: %+v", l)
		}
		if l := list("grid1", fmt.Sprintf("household=%d", d.h102.ID)); len(l) != 1 || l[0].Target != "1号楼" {
			t.Fatalf("who answers for 102 (through the building): %+v", l)
		}
		for _, c := range []struct {
			user, query string
			status      int
		}{
			{"community2", fmt.Sprintf("household=%d", d.h101.ID), 403},
			{"community2", fmt.Sprintf("node=%d", tr.Community1.ID), 403},
			{"community1", fmt.Sprintf("node=%d&household=%d", tr.Community1.ID, d.h101.ID), 400},
			{"community1", "household=999999", 404},
			{"community1", "", 400},
		} {
			if res, b := d.do(c.user, "GET", "/api/v1/baobao?"+c.query, "", nil); res.StatusCode != c.status {
				t.Errorf("%s GET ?%s: %d %s", c.user, c.query, res.StatusCode, b)
			}
		}

		type gapsOut struct {
			Buildings []struct {
				Name string
			}
			Households []struct {
				ID      int64
				Address string
			}
			Total int `json:"households_total"`
		}
		gaps := func() gapsOut {
			return getJSON[gapsOut](t, d, "community1", fmt.Sprintf("/api/v1/baobao/gaps?node=%d", tr.Community1.ID))
		}
		if g := gaps(); len(g.Buildings) != 1 || g.Buildings[0].Name != "2号楼" || g.Total != 0 || len(g.Households) != 0 {
			t.Fatalf("gaps: %+v", g)
		}
		if res, b := d.do("street1", "GET", fmt.Sprintf("/api/v1/baobao/gaps?node=%d", tr.Street1.ID), "", nil); res.StatusCode != 400 || !hasProblem(b, "node", "kind") {
			t.Fatalf("gaps of a street: %d %s", res.StatusCode, b)
		}
		end := fmt.Sprintf("/api/v1/baobao/%d", x.ID)
		if res, b := d.do("community1", "DELETE", end, "", nil); res.StatusCode != 204 {
			t.Fatalf("end: %d %s", res.StatusCode, b)
		}
		d.refuse(t, []refusal{{"end twice", "community1", "DELETE", end, "", nil, 409, "", ""}})
		if g := gaps(); len(g.Buildings) != 2 || g.Total != 1 || len(g.Households) != 1 || g.Households[0].Address != "1号楼1单元102" {
			t.Fatalf("gaps after the building's member left: %+v", g)
		}
		// the member's own list (their page): the current assignment first, then the one ended
		mine := list("community1", fmt.Sprintf("member=%d", d.chen.ID))
		if len(mine) != 2 || mine[0].Target != "1号楼1单元101" || mine[0].EndedOn != nil || mine[1].ID != x.ID || mine[1].EndedOn == nil {
			t.Fatalf("陈志远's 包保: %+v", mine)
		}
		for _, c := range []struct {
			user, query string
			status      int
			field, rule string
		}{
			{"community2", fmt.Sprintf("member=%d", d.chen.ID), 403, "", ""},
			{"community1", "member=999999", 404, "", ""},
			{"community1", fmt.Sprintf("member=%d&node=%d", d.chen.ID, tr.Community1.ID), 400, "member", "one_of"},
			{"community1", fmt.Sprintf("member=%d&household=%d", d.chen.ID, d.h101.ID), 400, "member", "one_of"},
			{"community1", "member=x", 400, "member", ""},
		} {
			res, b := d.do(c.user, "GET", "/api/v1/baobao?"+c.query, "", nil)
			if res.StatusCode != c.status || (c.rule != "" && !hasProblem(b, c.field, c.rule)) {
				t.Errorf("%s GET ?%s: %d %s", c.user, c.query, res.StatusCode, b)
			}
		}
		var n int
		d.store.DB().QueryRow("SELECT COUNT(*) FROM audit_log WHERE action IN ('baobao.assign', 'baobao.end') AND outcome = 'ok'").Scan(&n)
		if n != 3 {
			t.Fatalf("%d audit lines for 2 assignments and 1 end", n)
		}
	})
}
