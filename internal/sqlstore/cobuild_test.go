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

// TestAgreementRenewalNotedOnceAcrossServers: two stores on one database (two servers) run the
// renewal job at the same moments; an agreement entering its window is noted exactly once, with
// one notification for its community; one far from its end, one renewed and one long ended are
// not noted; the next agreement is noted when its own window comes.
func TestAgreementRenewalNotedOnceAcrossServers(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ctx := context.Background()
		clock := redgridtest.NewClock() // 2026-03-02
		dsn := e.DSN(t)
		a := redgridtest.OpenDSN(t, dsn, sqlstore.Options{Now: clock.Now})
		b := redgridtest.OpenDSN(t, dsn, sqlstore.Options{Now: clock.Now})
		tr := redgridtest.BuildTree(t, a)
		unit, _, err := a.CreateOrg(ctx, redgrid.NewOrg{Kind: redgrid.OrgResidentUnit, Name: "十堰市第一中学", HomeNodeID: tr.Community1.ID, NodeIDs: []int64{tr.Community1.ID}})
		if err != nil {
			t.Fatal(err)
		}
		record := func(signed, ends string) redgrid.Agreement {
			t.Helper()
			ag, err := a.RecordAgreement(ctx, redgrid.Agreement{OrgID: unit.ID, CommunityID: tr.Community1.ID, SignedOn: signed, EndsOn: ends, Content: "共建"})
			if err != nil {
				t.Fatal(err)
			}
			return ag
		}
		later := record("2024-07-01", "2026-06-30") // 120 days ahead
		soon := record("2024-04-16", "2026-04-15")  // 44 days ahead: in the window
		record("2015-01-01", "2020-01-01")          // ended long ago
		renewed := record("2024-04-11", "2026-04-10")
		next, _, err := a.RenewAgreement(ctx, renewed.ID, redgrid.AgreementRenewal{SignedOn: "2026-03-01", EndsOn: "2028-04-10", Content: "续签"})
		if err != nil || next.RenewsID == nil || *next.RenewsID != renewed.ID {
			t.Fatalf("renew: %+v %v", next, err)
		}
		run := func() int {
			var wg sync.WaitGroup
			noted := make([]int, 2)
			for i, s := range []*sqlstore.Store{a, b} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range 3 {
						n, err := s.RunAgreementRenewals(ctx, redgrid.DefaultRenewalDays, 1)
						if err != nil {
							t.Error(err)
							return
						}
						noted[i] += n
					}
				}()
			}
			wg.Wait()
			return noted[0] + noted[1]
		}
		if n := run(); n != 1 {
			t.Fatalf("noted %d agreements, want 1", n)
		}
		notes, err := a.Notifications(ctx, sqlstore.NotificationAudience{Scopes: []string{tr.Community1.Path}}, 50, false)
		if err != nil || len(notes) != 1 || notes[0].Kind != "agreement_renewal" || notes[0].NodeID == nil || *notes[0].NodeID != tr.Community1.ID {
			t.Fatalf("notifications: %+v %v", notes, err)
		}
		if n := count(t, a, "SELECT COUNT(*) FROM cobuild_agreements WHERE renewal_noticed_at IS NOT NULL AND id = ?", soon.ID); n != 1 {
			t.Fatal("the agreement in its window is not marked noted")
		}
		if n := run(); n != 0 {
			t.Fatalf("noted again: %d", n)
		}
		clock.Advance(62 * 24 * time.Hour) // 2026-05-03: 58 days before the later one ends
		if n := run(); n != 1 {
			t.Fatalf("the later agreement: noted %d", n)
		}
		if n := count(t, a, "SELECT COUNT(*) FROM notifications WHERE kind = 'agreement_renewal'"); n != 2 {
			t.Fatalf("%d notifications in all", n)
		}
		if n := count(t, a, "SELECT COUNT(*) FROM cobuild_agreements WHERE renewal_noticed_at IS NOT NULL AND id = ?", later.ID); n != 1 {
			t.Fatal("the later agreement is not marked noted")
		}
	})
}
