package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/api"
	"github.com/redgrid/redgrid/internal/redgridtest"
)

// TestVolunteers: community staff register a volunteer, who gets a unified number shown instead
// of the ID number; one registration per person; the service record keeps hours, training,
// awards and evaluations and sums the hours; refusals change nothing.
func TestVolunteers(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev := newEnv(t, e, api.Config{})
		tr := ev.tree
		team, _, err := ev.store.CreateOrg(context.Background(), redgrid.NewOrg{Kind: redgrid.OrgVolunteerTeam, Name: "五堰红马甲志愿服务队", HomeNodeID: tr.Community1.ID, NodeIDs: []int64{tr.Community1.ID}})
		if err != nil {
			t.Fatal(err)
		}
		body := func(node int64, id string, team int64, colours string) string {
			return fmt.Sprintf(`{"node_id":%d,"name":"刘红","id_number":%q,"phone":"13912345678","team_id":%d,"colours":[%s]}`, node, id, team, colours)
		}
		res, b := ev.do("community1", "POST", "/api/v1/volunteers", body(tr.Community1.ID, "11010519491231002X", team.ID, `"elderly","law"`), nil)
		var v struct {
			ID      int64
			Number  string
			Phone   string
			Colours []string
			Hours   float64
		}
		if res.StatusCode != 201 || json.Unmarshal(b, &v) != nil {
			t.Fatalf("register: %d %s", res.StatusCode, b)
		}
		if !strings.HasPrefix(v.Number, "ZY"+tr.District.Code) || len(v.Number) != 2+len(tr.District.Code)+8 || v.Phone != "139****5678" ||
			strings.Contains(string(b), "1949") || strings.Contains(string(b), "id_number") {
			t.Fatalf("the volunteer as answered: %s", b)
		}
		before := ev.digest()
		var n0 int
		ev.store.DB().QueryRow("SELECT COUNT(*) FROM volunteers").Scan(&n0)
		for _, bad := range []struct {
			user, body, field, rule string
			status                  int
		}{
			{"community1", body(tr.Community1.ID, "11010519491231002X", team.ID, `"youth"`), "id_number", "unique", 409},
			{"community1", body(tr.Community1.ID, "110105194912310021", team.ID, `"youth"`), "id_number", "checksum", 400},
			{"community1", body(tr.Community1.ID, "", team.ID, `"youth"`), "id_number", "required", 400},
			{"community1", body(tr.Community1.ID, "110101199003078515", team.ID, `"rainbow"`), "colours", "enum", 400},
			{"community1", body(tr.Community1.ID, "110101199003078515", team.ID, ``), "colours", "required", 400},
			{"community1", body(tr.Community1.ID, "110101199003078515", tr.Department.ID, `"youth"`), "team_id", "kind", 400},
			{"grid1", body(tr.Community1.ID, "110101199003078515", team.ID, `"youth"`), "", "", 403},
			{"community2", body(tr.Community1.ID, "110101199003078515", team.ID, `"youth"`), "", "", 403},
		} {
			res, b := ev.do(bad.user, "POST", "/api/v1/volunteers", bad.body, nil)
			if res.StatusCode != bad.status || bad.field != "" && !strings.Contains(string(b), `"field":"`+bad.field+`","rule":"`+bad.rule+`"`) {
				t.Errorf("%s %s/%s: %d %s", bad.user, bad.field, bad.rule, res.StatusCode, b)
			}
		}
		var n1 int
		ev.store.DB().QueryRow("SELECT COUNT(*) FROM volunteers").Scan(&n1)
		if ev.digest() != before || n1 != n0 {
			t.Fatal("a refused registration changed something")
		}
		// A grid worker registers one of the grid's volunteers.
		if res, b := ev.do("grid1", "POST", "/api/v1/volunteers", body(tr.Grid1.ID, "110101199003078515", team.ID, `"security"`), nil); res.StatusCode != 201 {
			t.Fatalf("grid worker registers: %d %s", res.StatusCode, b)
		}
		rec := fmt.Sprintf("/api/v1/volunteers/%d/records", v.ID)
		today := ev.clock.Now().In(time.FixedZone("CST", 8*3600)).Format("2006-01-02")
		for _, body := range []string{
			fmt.Sprintf(`{"kind":"service","on":%q,"hours":2.5,"content":"为独居老人送餐"}`, today),
			fmt.Sprintf(`{"kind":"service","on":%q,"hours":1,"content":"普法宣传"}`, today),
			fmt.Sprintf(`{"kind":"training","on":%q,"content":"急救培训"}`, today),
			fmt.Sprintf(`{"kind":"award","on":%q,"content":"优秀志愿者"}`, today),
		} {
			if res, b := ev.do("community1", "POST", rec, body, nil); res.StatusCode != 201 {
				t.Fatalf("record %s: %d %s", body, res.StatusCode, b)
			}
		}
		for _, bad := range []struct{ body, field, rule string }{
			{fmt.Sprintf(`{"kind":"service","on":%q,"hours":25,"content":"x"}`, today), "hours", "range"},
			{fmt.Sprintf(`{"kind":"training","on":%q,"hours":2,"content":"x"}`, today), "hours", "service_only"},
			{`{"kind":"service","on":"2099-01-01","hours":1,"content":"x"}`, "on", "not_future"},
			{fmt.Sprintf(`{"kind":"party","on":%q,"content":"x"}`, today), "kind", "enum"},
		} {
			if res, b := ev.do("community1", "POST", rec, bad.body, nil); res.StatusCode != 400 || !strings.Contains(string(b), `"field":"`+bad.field+`","rule":"`+bad.rule+`"`) {
				t.Errorf("record %s/%s: %d %s", bad.field, bad.rule, res.StatusCode, b)
			}
		}
		res, b = ev.do("community1", "GET", fmt.Sprintf("/api/v1/volunteers/%d", v.ID), "", nil)
		var got struct {
			Hours   float64
			Records []struct{ Kind string }
		}
		if res.StatusCode != 200 || json.Unmarshal(b, &got) != nil || got.Hours != 3.5 || len(got.Records) != 4 {
			t.Fatalf("record: %d %s", res.StatusCode, b)
		}
		res, b = ev.do("community1", "GET", fmt.Sprintf("/api/v1/volunteers?node=%d&colour=law", tr.Community1.ID), "", nil)
		if res.StatusCode != 200 || strings.Count(string(b), `"number":`) != 1 {
			t.Fatalf("by colour: %d %s", res.StatusCode, b)
		}
		// Search by name, pinyin initials or the beginning of the full pinyin (both are 刘红),
		// or by number.
		for q, want := range map[string]int{"lh": 2, "liuh": 2, "%E5%88%98": 2, "ZY": 2, "zy42030200000001": 1, "hl": 0, "%25": 0} {
			res, b := ev.do("community1", "GET", fmt.Sprintf("/api/v1/volunteers?node=%d&q=%s", tr.Community1.ID, q), "", nil)
			if res.StatusCode != 200 || strings.Count(string(b), `"number":`) != want {
				t.Errorf("volunteers?q=%s: %d %s, want %d", q, res.StatusCode, b, want)
			}
		}
		if res, _ := ev.do("community1", "GET", fmt.Sprintf("/api/v1/volunteers?node=%d&q=%s", tr.Community1.ID, strings.Repeat("x", 51)), "", nil); res.StatusCode != 400 {
			t.Errorf("a 51-character q: %d", res.StatusCode)
		}
		if res, _ := ev.do("resident1", "GET", fmt.Sprintf("/api/v1/volunteers?node=%d", tr.Community1.ID), "", nil); res.StatusCode != 403 {
			t.Fatalf("a resident lists volunteers: %d", res.StatusCode)
		}
	})
}
