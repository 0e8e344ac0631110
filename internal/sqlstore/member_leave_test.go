package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/redgridtest"
	"github.com/redgrid/redgrid/internal/sqlstore"
)

// TestMemberLeavingPurged: a party member who left keeps their phone for the retention counted
// from the day they left, then the purge erases it (and the note) and masks the name, once, with
// two servers purging; the member who stays is untouched.
func TestMemberLeavingPurged(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ctx := context.Background()
		clock := redgridtest.NewClock()
		dsn := e.DSN(t)
		a := redgridtest.OpenDSN(t, dsn, sqlstore.Options{Now: clock.Now})
		b := redgridtest.OpenDSN(t, dsn, sqlstore.Options{Now: clock.Now})
		tr := redgridtest.BuildTree(t, a)
		var ids []int64
		for _, name := range []string{"欧阳志远", "李青"} {
			m, _, err := a.CreateMember(ctx, redgrid.NewMember{Name: name, Phone: "13711112222", BranchID: tr.Grid1Branch.ID, JoinedOn: "2010-07-01",
				Status: redgrid.MemberFull, ResidenceID: tr.Building1.ID})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, m.ID)
		}
		// Left ten days ago (2026-02-20), recorded today.
		m, err := a.LeaveMember(ctx, ids[0], redgrid.MemberLeave{On: "2026-02-20", Reason: redgrid.LeaveAbroad, Note: "赴澳定居"}, 1)
		if err != nil || m.LeftOn != "2026-02-20" || m.Phone != "137****2222" {
			t.Fatalf("leave: %+v %v", m, err)
		}
		if _, err := a.LeaveMember(ctx, ids[0], redgrid.MemberLeave{On: "2026-02-20", Reason: redgrid.LeaveAbroad}, 0); redgrid.ErrorKind(err) != redgrid.KindConflict {
			t.Fatalf("left twice: %v", err)
		}
		if _, err := a.LeaveMember(ctx, ids[1], redgrid.MemberLeave{On: "2026-02-20", Reason: redgrid.LeaveAbroad}, 5); redgrid.ErrorKind(err) != redgrid.KindPreconditionFailed {
			t.Fatalf("a stale version: %v", err)
		}
		ret := redgrid.Retention{LeftDays: 30, UnmaskingDays: redgrid.MinUnmaskingDays}
		clock.Advance(19 * 24 * time.Hour) // 2026-03-21: 29 days after leaving
		if p, err := a.PurgePersonalData(ctx, ret, false); err != nil || p.Erased["members"] != 0 {
			t.Fatalf("purge within the retention: %+v %v", p, err)
		}
		clock.Advance(24 * time.Hour)
		if p, err := a.PurgePersonalData(ctx, ret, true); err != nil || p.Erased["members"] != 1 {
			t.Fatalf("dry run: %+v %v", p, err)
		}
		done := make(chan sqlstore.Purged, 2)
		for _, s := range []*sqlstore.Store{a, b} {
			go func() {
				p, err := s.PurgePersonalData(ctx, ret, false)
				if err != nil {
					t.Error(err)
				}
				done <- p
			}()
		}
		if n := (<-done).Erased["members"] + (<-done).Erased["members"]; n != 1 {
			t.Fatalf("two purges erased %d members", n)
		}
		gone, err := a.Member(ctx, ids[0])
		if err != nil || gone.Name != "欧阳**" || gone.Phone != "" || gone.LeftNote != "" || gone.LeftReason != redgrid.LeaveAbroad {
			t.Fatalf("erased member: %+v %v", gone, err)
		}
		if count(t, a, "SELECT COUNT(*) FROM members WHERE phone = '' AND erased_at IS NOT NULL") != 1 {
			t.Fatal("the sealed phone is still stored")
		}
		stays, err := a.Member(ctx, ids[1])
		if err != nil || stays.Name != "李青" || stays.Phone != "137****2222" {
			t.Fatalf("the member who stays: %+v %v", stays, err)
		}
	})
}
