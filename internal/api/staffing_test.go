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

// TestGridStaffing: the community fills a grid's 1+3+N; the grid then leaves the list of
// incomplete grids; the rules of the posts are kept; the grid's own staff cannot appoint; an
// ended post makes the grid incomplete again.
func TestGridStaffing(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev := newEnv(t, e, api.Config{})
		tr := ev.tree
		micro, _, err := ev.store.CreateNode(context.Background(), redgrid.NewNode{Kind: redgrid.KindMicrogrid, Name: "一号微网格", ParentID: &tr.Grid1.ID, ValidFrom: "2020-01-01"})
		if err != nil {
			t.Fatal(err)
		}
		gaps := func() map[string][]string {
			res, b := ev.do("community1", "GET", fmt.Sprintf("/api/v1/grid-staff/gaps?node=%d", tr.Community1.ID), "", nil)
			var l struct {
				Items []struct {
					GridName   string   `json:"grid_name"`
					Missing    []string `json:"missing"`
					Microgrids []string `json:"microgrids_without_liaison"`
				}
			}
			if res.StatusCode != 200 || json.Unmarshal(b, &l) != nil {
				t.Fatalf("gaps: %d %s", res.StatusCode, b)
			}
			out := map[string][]string{}
			for _, g := range l.Items {
				out[g.GridName] = append(g.Missing, g.Microgrids...)
			}
			return out
		}
		if g := gaps(); len(g) != 2 || strings.Join(g["五堰第一网格"], ",") != "leader,full_time,part_time,liaison,一号微网格" {
			t.Fatalf("gaps before: %v", g)
		}
		post := func(user, body string) (int, []byte) {
			res, b := ev.do(user, "POST", "/api/v1/grid-staff", body, nil)
			return res.StatusCode, b
		}
		g1 := tr.Grid1.ID
		var leader struct {
			ID    int64
			Phone string
		}
		st, b := post("community1", fmt.Sprintf(`{"grid_id":%d,"post":"leader","name":"王芳","phone":"13800138000","party_member":true,"branch_secretary":true}`, g1))
		if st != 201 || json.Unmarshal(b, &leader) != nil || leader.Phone != "138****8000" {
			t.Fatalf("leader: %d %s", st, b)
		}
		before := ev.digest()
		var n0 int
		ev.store.DB().QueryRow("SELECT COUNT(*) FROM grid_staff").Scan(&n0)
		for _, bad := range []struct {
			user, body, field, rule string
			status                  int
		}{
			{"community1", fmt.Sprintf(`{"grid_id":%d,"post":"leader","name":"李强"}`, g1), "post", "one_leader", 409},
			{"community1", fmt.Sprintf(`{"grid_id":%d,"post":"part_time","name":"李强"}`, g1), "party_member", "part_time", 400},
			{"community1", fmt.Sprintf(`{"grid_id":%d,"post":"full_time","name":"李强","party_member":true,"branch_secretary":true}`, g1), "branch_secretary", "leader_only", 400},
			{"community1", fmt.Sprintf(`{"grid_id":%d,"post":"liaison","name":"李强","microgrid_id":%d}`, tr.Grid2.ID, micro.ID), "microgrid_id", "of_grid", 400},
			{"community1", fmt.Sprintf(`{"grid_id":%d,"post":"full_time","name":"李强"}`, tr.Community1.ID), "grid_id", "kind", 400},
			{"community1", fmt.Sprintf(`{"grid_id":%d,"post":"full_time","name":"李强","phone":"12345"}`, g1), "phone", "format", 400},
			{"gridleader1", fmt.Sprintf(`{"grid_id":%d,"post":"full_time","name":"李强"}`, g1), "", "", 403},
			{"grid1", fmt.Sprintf(`{"grid_id":%d,"post":"full_time","name":"李强"}`, g1), "", "", 403},
			{"community2", fmt.Sprintf(`{"grid_id":%d,"post":"full_time","name":"李强"}`, g1), "", "", 403},
		} {
			st, b := post(bad.user, bad.body)
			if st != bad.status || bad.field != "" && !strings.Contains(string(b), `"field":"`+bad.field+`","rule":"`+bad.rule+`"`) {
				t.Errorf("%s %s/%s: %d %s", bad.user, bad.field, bad.rule, st, b)
			}
		}
		var n1 int
		ev.store.DB().QueryRow("SELECT COUNT(*) FROM grid_staff").Scan(&n1)
		if ev.digest() != before || n1 != n0 {
			t.Fatal("a refused post changed something")
		}
		for _, body := range []string{
			fmt.Sprintf(`{"grid_id":%d,"post":"full_time","name":"李强"}`, g1),
			fmt.Sprintf(`{"grid_id":%d,"post":"part_time","name":"赵敏","party_member":true}`, g1),
			fmt.Sprintf(`{"grid_id":%d,"post":"liaison","name":"孙丽","microgrid_id":%d}`, g1, micro.ID),
			fmt.Sprintf(`{"grid_id":%d,"post":"volunteer","name":"周杰"}`, g1),
		} {
			if st, b := post("street1", body); st != 201 {
				t.Fatalf("%s: %d %s", body, st, b)
			}
		}
		if g := gaps(); len(g) != 1 || g["五堰第一网格"] != nil {
			t.Fatalf("gaps after filling grid 1: %v", g)
		}
		res, b := ev.do("grid1", "GET", fmt.Sprintf("/api/v1/grid-staff?node=%d", g1), "", nil)
		if res.StatusCode != 200 || strings.Count(string(b), `"post":`) != 5 || strings.Contains(string(b), "13800138000") {
			t.Fatalf("the grid's staff: %d %s", res.StatusCode, b)
		}
		if res, _ := ev.do("grid1", "DELETE", fmt.Sprintf("/api/v1/grid-staff/%d", leader.ID), "", nil); res.StatusCode != 403 {
			t.Fatalf("a grid worker ends the leader's post: %d", res.StatusCode)
		}
		if res, _ := ev.do("community1", "DELETE", fmt.Sprintf("/api/v1/grid-staff/%d", leader.ID), "", nil); res.StatusCode != 204 {
			t.Fatalf("end: %d", res.StatusCode)
		}
		if res, _ := ev.do("community1", "DELETE", fmt.Sprintf("/api/v1/grid-staff/%d", leader.ID), "", nil); res.StatusCode != 404 {
			t.Fatalf("end twice: %d", res.StatusCode)
		}
		if g := gaps(); strings.Join(g["五堰第一网格"], ",") != "leader" {
			t.Fatalf("gaps after the leader left: %v", g)
		}
	})
}
