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

// TestVolunteerStations: the community records its service station and a grid worker the grid's
// kiosk; communities without one are listed; teams and volunteers are attached to a station
// (the count takes each current volunteer once), a service line names the kiosk where it was
// given; bad input, stale versions and other communities change nothing.
func TestVolunteerStations(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev := newEnv(t, e, api.Config{})
		tr := ev.tree
		ctx := context.Background()
		team, _, err := ev.store.CreateOrg(ctx, redgrid.NewOrg{Kind: redgrid.OrgVolunteerTeam, Name: "五堰红马甲志愿服务队", HomeNodeID: tr.Community1.ID, NodeIDs: []int64{tr.Community1.ID}})
		if err != nil {
			t.Fatal(err)
		}
		var vols []redgrid.Volunteer
		for i, idn := range []string{"420302198001010010", "420302198512120027", "420302199006060038"} {
			in := redgrid.NewVolunteer{NodeID: tr.Community1.ID, Name: fmt.Sprintf("志愿者%d", i), IDNumber: idn, Colours: []redgrid.Colour{redgrid.ColourElderly}}
			if i == 0 {
				in.TeamID = &team.ID
			}
			v, _, err := ev.store.RegisterVolunteer(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			vols = append(vols, v)
		}
		elsewhere, _, err := ev.store.CreateStation(ctx, redgrid.NewStation{NodeID: tr.Community2.ID, Name: "柳林志愿服务站", Kind: redgrid.StationStation})
		if err != nil {
			t.Fatal(err)
		}
		station := func(node int64, name, kind string) string {
			return fmt.Sprintf(`{"node_id":%d,"name":%q,"kind":%q,"address":"五堰街12号","hours":"周一至周五 8:30-17:30","contact":"0719-8123456"}`, node, name, kind)
		}
		tables := []string{"volunteer_stations.version", "volunteer_station_teams.team_id", "volunteers.version", "volunteer_records.id"}
		before := tableDigest(ev, tables...)
		for _, bad := range []struct {
			user, body, field, rule string
			status                  int
		}{
			{"community1", station(tr.Community1.ID, "五堰志愿服务站", "booth"), "kind", "enum", 400},
			{"community1", station(tr.Community1.ID, " ", "station"), "name", "required", 400},
			{"community1", station(tr.Community1.ID, strings.Repeat("站", 51), "station"), "name", "max_length", 400},
			{"community1", strings.Replace(station(tr.Community1.ID, "x", "station"), "五堰街12号", `\u0000`, 1), "address", "max_length", 400},
			{"street1", station(tr.Street1.ID, "街道站", "station"), "node_id", "kind", 400},
			{"community1", station(999999, "x", "station"), "node_id", "exists", 400},
			{"community2", station(tr.Community1.ID, "越界", "station"), "", "", 403},
			{"grid1", station(tr.Community1.ID, "网格员建社区站", "station"), "", "", 403},
			{"resident1", station(tr.Grid1.ID, "居民建站", "kiosk"), "", "", 403},
		} {
			res, b := ev.do(bad.user, "POST", "/api/v1/volunteer-stations", bad.body, nil)
			if res.StatusCode != bad.status || bad.field != "" && !strings.Contains(string(b), `"field":"`+bad.field+`","rule":"`+bad.rule+`"`) {
				t.Errorf("%s %s: %d %s", bad.user, bad.body, res.StatusCode, b)
			}
		}
		if tableDigest(ev, tables...) != before {
			t.Fatal("a refused station changed something")
		}
		create := func(user, body string) redgrid.Station {
			t.Helper()
			res, b := ev.do(user, "POST", "/api/v1/volunteer-stations", body, nil)
			var st redgrid.Station
			if res.StatusCode != 201 || json.Unmarshal(b, &st) != nil || res.Header.Get("ETag") != `"1"` {
				t.Fatalf("station: %d %s", res.StatusCode, b)
			}
			return st
		}
		main := create("community1", station(tr.Community1.ID, "五堰社区志愿服务站", "station"))
		kiosk := create("grid1", station(tr.Grid1.ID, "五堰第一网格志愿服务岗亭", "kiosk"))
		if main.KindLabel != "志愿服务站" || main.Hours != "周一至周五 8:30-17:30" {
			t.Fatalf("station as answered: %+v", main)
		}

		gaps := func(node int64) []string {
			res, b := ev.do("admin", "GET", fmt.Sprintf("/api/v1/volunteer-stations/gaps?node=%d", node), "", nil)
			var l struct{ Items []redgrid.StationGap }
			if res.StatusCode != 200 || json.Unmarshal(b, &l) != nil {
				t.Fatalf("gaps: %d %s", res.StatusCode, b)
			}
			var out []string
			for _, g := range l.Items {
				out = append(out, g.CommunityName)
			}
			return out
		}
		if g := gaps(tr.District.ID); strings.Join(g, ",") != "东岳社区" {
			t.Fatalf("gaps: %v", g)
		}

		teams := fmt.Sprintf("/api/v1/volunteer-stations/%d/teams", main.ID)
		for _, bad := range []struct {
			user, body string
			hdr        map[string]string
			status     int
			field      string
		}{
			{"community1", fmt.Sprintf(`{"team_ids":[%d]}`, tr.Department.ID), nil, 400, "team_ids"},
			{"community1", fmt.Sprintf(`{"team_ids":[%d,%d]}`, team.ID, team.ID), nil, 400, "team_ids"},
			{"community1", `{}`, nil, 400, "team_ids"},
			{"community1", fmt.Sprintf(`{"team_ids":[%d]}`, team.ID), map[string]string{"If-Match": `"5"`}, 412, ""},
			{"community2", fmt.Sprintf(`{"team_ids":[%d]}`, team.ID), nil, 403, ""},
		} {
			res, b := ev.do(bad.user, "PUT", teams, bad.body, bad.hdr)
			if res.StatusCode != bad.status || bad.field != "" && !strings.Contains(string(b), `"field":"`+bad.field+`"`) {
				t.Errorf("teams %s %s: %d %s", bad.user, bad.body, res.StatusCode, b)
			}
		}
		if res, b := ev.do("community1", "PUT", teams, fmt.Sprintf(`{"team_ids":[%d]}`, team.ID), map[string]string{"If-Match": `"1"`}); res.StatusCode != 200 ||
			res.Header.Get("ETag") != `"2"` || !strings.Contains(string(b), "五堰红马甲志愿服务队") {
			t.Fatalf("teams: %d %s", res.StatusCode, b)
		}

		attach := func(user string, v redgrid.Volunteer, body string, hdr map[string]string) (int, string) {
			res, b := ev.do(user, "PUT", fmt.Sprintf("/api/v1/volunteers/%d/station", v.ID), body, hdr)
			return res.StatusCode, string(b)
		}
		before = tableDigest(ev, tables...)
		for _, bad := range []struct {
			user, body, rule string
			hdr              map[string]string
			status           int
		}{
			{"community1", fmt.Sprintf(`{"station_id":%d}`, elsewhere.ID), "exists", nil, 400}, // not visible to community1
			{"admin", fmt.Sprintf(`{"station_id":%d}`, elsewhere.ID), "same_community", nil, 400},
			{"community1", `{"station_id":999999}`, "exists", nil, 400},
			{"community1", `{"station_id":0}`, "positive_integer", nil, 400},
			{"community1", fmt.Sprintf(`{"station_id":%d}`, main.ID), "", map[string]string{"If-Match": `"3"`}, 412},
			{"community2", fmt.Sprintf(`{"station_id":%d}`, main.ID), "", nil, 403},
		} {
			if code, b := attach(bad.user, vols[1], bad.body, bad.hdr); code != bad.status || bad.rule != "" && !strings.Contains(b, `"field":"station_id","rule":"`+bad.rule+`"`) {
				t.Errorf("attach %s %s: %d %s", bad.user, bad.body, code, b)
			}
		}
		if tableDigest(ev, tables...) != before {
			t.Fatal("a refused attachment changed something")
		}
		if code, b := attach("community1", vols[1], fmt.Sprintf(`{"station_id":%d}`, main.ID), map[string]string{"If-Match": `"1"`}); code != 200 ||
			!strings.Contains(b, `"station_name":"五堰社区志愿服务站"`) {
			t.Fatalf("attach: %d %s", code, b)
		}
		counts := func() map[string]int {
			res, b := ev.do("community1", "GET", fmt.Sprintf("/api/v1/volunteer-stations?node=%d", tr.Community1.ID), "", nil)
			var l struct{ Items []redgrid.Station }
			if res.StatusCode != 200 || json.Unmarshal(b, &l) != nil {
				t.Fatalf("stations: %d %s", res.StatusCode, b)
			}
			out := map[string]int{}
			for _, st := range l.Items {
				out[st.Name] = st.Volunteers
			}
			return out
		}
		if c := counts(); len(c) != 2 || c["五堰社区志愿服务站"] != 2 || c["五堰第一网格志愿服务岗亭"] != 0 {
			t.Fatalf("counts: %v", c)
		}
		// The team's volunteer attached directly too is counted once.
		if code, b := attach("community1", vols[0], fmt.Sprintf(`{"station_id":%d}`, main.ID), nil); code != 200 {
			t.Fatalf("attach the team's volunteer: %d %s", code, b)
		}
		if c := counts(); c["五堰社区志愿服务站"] != 2 {
			t.Fatalf("counts with a volunteer attached twice over: %v", c)
		}

		rec := fmt.Sprintf("/api/v1/volunteers/%d/records", vols[2].ID)
		if res, b := ev.do("community1", "POST", rec, fmt.Sprintf(`{"kind":"training","on":"2026-03-01","content":"急救培训","station_id":%d}`, kiosk.ID), nil); res.StatusCode != 400 ||
			!strings.Contains(string(b), `"field":"station_id","rule":"service_only"`) {
			t.Fatalf("a training line naming a station: %d %s", res.StatusCode, b)
		}
		if res, b := ev.do("community1", "POST", rec, fmt.Sprintf(`{"kind":"service","on":"2026-03-01","hours":2,"content":"岗亭值守","station_id":%d}`, elsewhere.ID), nil); res.StatusCode != 400 ||
			!strings.Contains(string(b), `"field":"station_id","rule":"exists"`) {
			t.Fatalf("a station out of sight: %d %s", res.StatusCode, b)
		}
		if res, b := ev.do("community1", "POST", rec, fmt.Sprintf(`{"kind":"service","on":"2026-03-01","hours":2,"content":"岗亭值守","station_id":%d}`, kiosk.ID), nil); res.StatusCode != 201 ||
			!strings.Contains(string(b), `"station_name":"五堰第一网格志愿服务岗亭"`) {
			t.Fatalf("a service line at the kiosk: %d %s", res.StatusCode, b)
		}
		if res, b := ev.do("community1", "GET", fmt.Sprintf("/api/v1/volunteers/%d", vols[2].ID), "", nil); res.StatusCode != 200 ||
			!strings.Contains(string(b), fmt.Sprintf(`"station_id":%d,"station_name":"五堰第一网格志愿服务岗亭"`, kiosk.ID)) {
			t.Fatalf("the record: %d %s", res.StatusCode, b)
		}

		// A volunteer who deregisters is no longer counted.
		if res, b := ev.do("community1", "DELETE", fmt.Sprintf("/api/v1/volunteers/%d", vols[1].ID), "", nil); res.StatusCode != 204 {
			t.Fatalf("deregister: %d %s", res.StatusCode, b)
		}
		if c := counts(); c["五堰社区志愿服务站"] != 1 {
			t.Fatalf("counts after deregistering: %v", c)
		}
		if code, _ := attach("community1", vols[1], `{"station_id":null}`, nil); code != 409 {
			t.Fatalf("a deregistered volunteer's station changed: %d", code)
		}

		path := fmt.Sprintf("/api/v1/volunteer-stations/%d", kiosk.ID)
		for _, bad := range []struct {
			user, body string
			hdr        map[string]string
			status     int
		}{
			{"grid1", `{"kind":"tent"}`, nil, 400},
			{"grid1", `{"name":""}`, nil, 400},
			{"grid1", `{"node_id":1}`, nil, 400},
			{"grid1", `{"hours":"全天"}`, map[string]string{"If-Match": `"9"`}, 412},
			{"community2", `{"hours":"全天"}`, nil, 403},
		} {
			if res, b := ev.do(bad.user, "PATCH", path, bad.body, bad.hdr); res.StatusCode != bad.status {
				t.Errorf("patch %s %s: %d %s", bad.user, bad.body, res.StatusCode, b)
			}
		}
		if res, b := ev.do("grid1", "PATCH", path, `{"hours":"每日 7:00-21:00","contact":"13900001111"}`, map[string]string{"If-Match": `"1"`}); res.StatusCode != 200 ||
			res.Header.Get("ETag") != `"2"` || !strings.Contains(string(b), "每日 7:00-21:00") {
			t.Fatalf("patch: %d %s", res.StatusCode, b)
		}
		for _, c := range []struct {
			user, path string
			status     int
		}{
			{"community1", path, 200},
			{"community2", path, 403},
			{"community1", "/api/v1/volunteer-stations/999999", 404},
			{"resident1", fmt.Sprintf("/api/v1/volunteer-stations?node=%d", tr.Community1.ID), 403},
			{"community2", fmt.Sprintf("/api/v1/volunteer-stations/gaps?node=%d", tr.Community1.ID), 403},
		} {
			if res, b := ev.do(c.user, "GET", c.path, "", nil); res.StatusCode != c.status {
				t.Errorf("GET %s as %s: %d %s", c.path, c.user, res.StatusCode, b)
			}
		}
		var audited int
		ev.store.DB().QueryRow("SELECT COUNT(*) FROM audit_log WHERE action IN ('station.create', 'station.update', 'station.teams', 'volunteer.station')").Scan(&audited)
		if audited != 7 { // three stations, one change, the teams, two attachments
			t.Fatalf("%d audit lines of stations", audited)
		}
	})
}
