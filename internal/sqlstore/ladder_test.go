package sqlstore_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/redgridtest"
	"github.com/redgrid/redgrid/internal/sqlstore"
)

// TestLadderClimbsOnceAcrossServers: two stores on one database run the deadline jobs at the same
// moments; every case escalated by hand to the community climbs to the street once its 3 working
// days there have run out, and to the city after 5 more — each climb exactly once, with one
// event, one agenda item and one notification.
func TestLadderClimbsOnceAcrossServers(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ctx := context.Background()
		clock := redgridtest.NewClock()
		dsn := e.DSN(t)
		a := redgridtest.OpenDSN(t, dsn, sqlstore.Options{Now: clock.Now})
		b := redgridtest.OpenDSN(t, dsn, sqlstore.Options{Now: clock.Now})
		tr := redgridtest.BuildTree(t, a)
		if _, err := a.EnsureCategories(ctx, redgrid.DefaultCategories()); err != nil {
			t.Fatal(err)
		}
		cat, _, _ := a.CategoryByCode(ctx, "0101")
		anyone := func(*redgrid.Case, redgrid.CaseAction) (int64, error) { return 0, nil }
		const n = 12
		for range n {
			lng, lat := 110.77, 32.59
			in := redgrid.NewCase{Category: "0101", Lng: &lng, Lat: &lat, Description: "测试", Channel: redgrid.ChannelPhone}
			c, _, err := a.CreateCase(ctx, sqlstore.CaseIntake{In: in, Category: cat, GridID: tr.Grid1.ID, GridPath: tr.Grid1.Path, GridCode: tr.Grid1.Code, Lng: lng, Lat: lat})
			if err != nil {
				t.Fatal(err)
			}
			for _, act := range []redgrid.CaseActionIn{{Action: redgrid.ActRegister}, {Action: redgrid.ActEscalate, Reason: "需社区协调"}} {
				if _, _, err := a.ActOnCase(ctx, c.ID, act, anyone); err != nil {
					t.Fatal(err)
				}
			}
		}
		count := func(q string) int {
			var c int
			if err := a.DB().QueryRow(q).Scan(&c); err != nil {
				t.Fatal(err)
			}
			return c
		}
		// both runs rounds of concurrent passes on the two stores (5 rows of each kind a pass)
		// until a round in which neither fires anything, and returns the climbs.
		both := func() int {
			climbs := 0
			for round := 0; ; round++ {
				if round == 100 {
					t.Fatal("the deadline jobs still fire after 100 rounds")
				}
				var wg sync.WaitGroup
				got := make([]sqlstore.JobResult, 2)
				for i, s := range []*sqlstore.Store{a, b} {
					wg.Add(1)
					go func() {
						defer wg.Done()
						r, err := s.RunDeadlines(ctx, 5)
						if err != nil {
							t.Error(err)
						}
						got[i] = r
					}()
				}
				wg.Wait()
				if t.Failed() {
					t.FailNow()
				}
				climbs += got[0].Escalated + got[1].Escalated
				if got[0] == (sqlstore.JobResult{}) && got[1] == (sqlstore.JobResult{}) {
					return climbs
				}
			}
		}
		clock.Advance(4 * 24 * time.Hour) // past 3 working days at the community
		if got := both(); got != n {
			t.Fatalf("%d climbs to the street, want %d", got, n)
		}
		if c := count("SELECT COUNT(*) FROM cases WHERE level = 2"); c != n {
			t.Fatalf("%d cases at the street", c)
		}
		clock.Advance(8 * 24 * time.Hour) // past 5 working days at the street
		if got := both(); got != n {
			t.Fatalf("%d climbs to the city, want %d", got, n)
		}
		clock.Advance(30 * 24 * time.Hour)
		if got := both(); got != 0 {
			t.Fatalf("%d climbs above the city", got)
		}
		if c := count("SELECT COUNT(*) FROM cases WHERE level = 3"); c != n {
			t.Fatalf("%d cases at the city", c)
		}
		if c := count("SELECT COUNT(*) FROM case_events WHERE action = 'escalate'"); c != 3*n {
			t.Errorf("%d escalate events, want %d", c, 3*n)
		}
		if c := count("SELECT COUNT(*) FROM agenda_items"); c != 3*n {
			t.Errorf("%d agenda items, want %d", c, 3*n)
		}
		if c := count("SELECT COUNT(*) FROM notifications WHERE kind = 'escalate'"); c != 3*n {
			t.Errorf("%d escalate notifications, want %d", c, 3*n)
		}
		if c := count("SELECT COUNT(*) FROM case_deadlines WHERE stage = 'ladder' AND done_at IS NULL"); c != 0 {
			t.Errorf("%d ladder clocks left running at the top", c)
		}
	})
}

// TestLadderMigrationBackfill: the statements of migration 0025 that fill what cases of before
// lack — the dispatching node, from the dispatch event's actor, and a start of the ladder's clock
// for an open case already on the community's rung — run on such cases (made by clearing what
// the current code wrote); the extension's node is the dispatcher's community, and the case
// climbs to the street once 3 working days have passed since it landed on the community's rung.
func TestLadderMigrationBackfill(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ctx := context.Background()
		clock := redgridtest.NewClock()
		s := e.Open(t, sqlstore.Options{Now: clock.Now})
		tr := redgridtest.BuildTree(t, s)
		if _, err := s.EnsureCategories(ctx, redgrid.DefaultCategories()); err != nil {
			t.Fatal(err)
		}
		staff := redgridtest.AddUser(t, s, "community1", "x", redgrid.RoleCommunityStaff, tr.Community1.ID, 0)
		as := redgrid.WithActor(ctx, redgrid.Actor{UserID: staff.ID, Username: staff.Username})
		cat, _, _ := s.CategoryByCode(ctx, "0101")
		anyone := func(*redgrid.Case, redgrid.CaseAction) (int64, error) { return 0, nil }
		newCase := func(acts ...redgrid.CaseActionIn) int64 {
			t.Helper()
			lng, lat := 110.77, 32.59
			in := redgrid.NewCase{Category: "0101", Lng: &lng, Lat: &lat, Description: "测试", Channel: redgrid.ChannelPhone}
			c, _, err := s.CreateCase(as, sqlstore.CaseIntake{In: in, Category: cat, GridID: tr.Grid1.ID, GridPath: tr.Grid1.Path, GridCode: tr.Grid1.Code, Lng: lng, Lat: lat})
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range acts {
				if _, _, err := s.ActOnCase(as, c.ID, a, anyone); err != nil {
					t.Fatal(err)
				}
			}
			return c.ID
		}
		lead := tr.Department.ID
		dispatched := newCase(redgrid.CaseActionIn{Action: redgrid.ActRegister}, redgrid.CaseActionIn{Action: redgrid.ActDispatch, Lead: &lead})
		escalated := newCase(redgrid.CaseActionIn{Action: redgrid.ActRegister}, redgrid.CaseActionIn{Action: redgrid.ActEscalate, Reason: "需社区协调"})
		db := s.DB()
		for _, q := range []string{"UPDATE cases SET dispatch_node_id = NULL", "DELETE FROM case_deadlines WHERE stage = 'ladder'"} {
			if _, err := db.Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		src, err := os.ReadFile(filepath.Join("migrations", e.Name, "0025_ladder.sql"))
		if err != nil {
			t.Fatal(err)
		}
		ran := 0
		for _, stmt := range strings.Split(string(src), ";\n") {
			var code []string
			for _, line := range strings.Split(stmt, "\n") {
				if !strings.HasPrefix(strings.TrimSpace(line), "--") {
					code = append(code, line)
				}
			}
			q := strings.TrimSpace(strings.Join(code, "\n"))
			if strings.HasPrefix(q, "UPDATE") || strings.HasPrefix(q, "INSERT") {
				if _, err := db.Exec(q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
				ran++
			}
		}
		if ran != 2 {
			t.Fatalf("%d backfill statements, want 2", ran)
		}
		c, err := s.Case(ctx, dispatched)
		if err != nil || c.DispatchNodeID == nil || *c.DispatchNodeID != tr.Community1.ID {
			t.Fatalf("dispatch node of the dispatched case: %v %v", c.DispatchNodeID, err)
		}
		if c, _ := s.Case(ctx, escalated); c.DispatchNodeID != nil || c.Level != 1 {
			t.Fatalf("escalated case: node %v level %d", c.DispatchNodeID, c.Level)
		}
		clock.Advance(4 * 24 * time.Hour) // past 3 working days since the case came to the community
		var climbed int
		for range 3 {
			r, err := s.RunDeadlines(ctx, 100)
			if err != nil {
				t.Fatal(err)
			}
			climbed += r.Escalated
		}
		if c, _ := s.Case(ctx, escalated); climbed != 1 || c.Level != 2 {
			t.Fatalf("after the backfill: %d climbs, level %d", climbed, c.Level)
		}
	})
}
