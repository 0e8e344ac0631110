package sqlstore_test

import (
	"context"
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
		both := func() int {
			var wg sync.WaitGroup
			got := make([]int, 2)
			for i, s := range []*sqlstore.Store{a, b} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range 4 {
						r, err := s.RunDeadlines(ctx, 5)
						if err != nil {
							t.Error(err)
							return
						}
						got[i] += r.Escalated
					}
				}()
			}
			wg.Wait()
			return got[0] + got[1]
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
