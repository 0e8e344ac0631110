package sqlstore_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/redgridtest"
	"github.com/redgrid/redgrid/internal/sqlstore"
)

// count runs a COUNT(*) query with ? placeholders on either engine.
func count(t *testing.T, s *sqlstore.Store, q string, args ...any) int {
	t.Helper()
	if s.Engine() == "postgres" {
		for i := 1; strings.Contains(q, "?"); i++ {
			q = strings.Replace(q, "?", "$"+string(rune('0'+i)), 1)
		}
	}
	var n int
	if err := s.DB().QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// TestRetentionPurge: people who left — residents moved out, volunteers deregistered, grid posts
// and committee seats ended — keep their personal data for the retention period and then lose
// it (sealed fields and hashes blanked, the name masked, the row kept for the counts); two
// servers purging at once erase and count each person once; a dry run changes nothing; the
// unmasking log is purged after its own, longer retention and is append-only otherwise; every
// purge is audited with counts only.
func TestRetentionPurge(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ctx := context.Background()
		clock := redgridtest.NewClock()
		dsn := e.DSN(t)
		a := redgridtest.OpenDSN(t, dsn, sqlstore.Options{Now: clock.Now})
		b := redgridtest.OpenDSN(t, dsn, sqlstore.Options{Now: clock.Now})
		tr := redgridtest.BuildTree(t, a)
		ids := recordPeople(t, a, tr, 0, 4)
		vols, err := a.Volunteers(ctx, sqlstore.VolunteerQuery{Path: tr.District.Path, Limit: 100})
		if err != nil || len(vols) != 4 {
			t.Fatalf("volunteers: %d %v", len(vols), err)
		}
		staff, _, err := a.AddGridStaff(ctx, redgrid.NewGridStaff{GridID: tr.Grid1.ID, Post: redgrid.PostFullTime, Name: "刘网格", Phone: "13900001111", Since: "2025-01-01"})
		if err != nil {
			t.Fatal(err)
		}
		seat, err := a.AddOrgMember(ctx, redgrid.OrgMember{OrgID: tr.Property.ID, Name: "欧阳业主", Role: redgrid.RoleDirector})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.LogUnmasking(ctx, "resident/1", []string{"phone"}, sqlstore.UnmaskExplicit, "回访"); err != nil {
			t.Fatal(err)
		}
		ret := redgrid.Retention{LeftDays: 30, UnmaskingDays: redgrid.MinUnmaskingDays}

		// Two residents move out, one volunteer deregisters, the post and the seat end.
		for _, id := range ids[:2] {
			if err := a.LeaveResident(ctx, id, 0); err != nil {
				t.Fatal(err)
			}
		}
		if err := a.LeaveResident(ctx, ids[0], 0); redgrid.ErrorKind(err) != redgrid.KindConflict {
			t.Fatalf("left twice: %v", err)
		}
		if err := a.LeaveResident(ctx, ids[2], 7); redgrid.ErrorKind(err) != redgrid.KindPreconditionFailed {
			t.Fatalf("a stale version: %v", err)
		}
		if err := a.DeregisterVolunteer(ctx, vols[0].ID, vols[0].Version); err != nil {
			t.Fatal(err)
		}
		if err := a.EndGridStaff(ctx, staff.ID); err != nil {
			t.Fatal(err)
		}
		if err := a.EndOrgMember(ctx, seat.ID); err != nil {
			t.Fatal(err)
		}
		// Left: no longer listed or found, the record still there with its data.
		if got, _ := a.Residents(ctx, sqlstore.ResidentQuery{Path: tr.District.Path}); len(got) != 2 {
			t.Fatalf("%d residents listed", len(got))
		}
		if got, _ := a.Residents(ctx, sqlstore.ResidentQuery{Path: tr.District.Path, Q: idNumber(0)}); len(got) != 0 {
			t.Fatal("a resident who left is found")
		}
		if r, err := a.Resident(ctx, ids[0]); err != nil || r.LeftOn != "2026-03-02" || r.IDNumber != idNumber(0) {
			t.Fatalf("the record of who left: %+v %v", r, err)
		}
		if v, _ := a.Volunteers(ctx, sqlstore.VolunteerQuery{Path: tr.District.Path, Limit: 100}); len(v) != 3 {
			t.Fatalf("%d volunteers listed", len(v))
		}

		// Within the retention: nothing to purge.
		clock.Advance(29 * 24 * time.Hour)
		if p, err := a.PurgePersonalData(ctx, ret, false); err != nil || p.Total() != 0 || p.Unmaskings != 0 {
			t.Fatalf("purge within the retention: %+v %v", p, err)
		}
		clock.Advance(24 * time.Hour)
		before := count(t, a, "SELECT COUNT(*) FROM audit_log")
		dry, err := a.PurgePersonalData(ctx, ret, true)
		if err != nil || dry.Erased["residents"] != 2 || dry.Erased["volunteers"] != 1 || dry.Erased["grid_staff"] != 1 || dry.Erased["org_members"] != 1 {
			t.Fatalf("dry run: %+v %v", dry, err)
		}
		if count(t, a, "SELECT COUNT(*) FROM residents WHERE erased_at IS NOT NULL") != 0 || count(t, a, "SELECT COUNT(*) FROM audit_log") != before {
			t.Fatal("a dry run wrote")
		}

		// Two servers purge at once: each person erased and counted once.
		var wg sync.WaitGroup
		res := make([]sqlstore.Purged, 2)
		errs := make([]error, 2)
		for i, s := range []*sqlstore.Store{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res[i], errs[i] = s.PurgePersonalData(ctx, ret, false)
			}()
		}
		wg.Wait()
		if errs[0] != nil || errs[1] != nil || res[0].Total()+res[1].Total() != 5 {
			t.Fatalf("two purges: %+v %+v %v %v", res[0], res[1], errs[0], errs[1])
		}
		var audited int
		rows, err := a.DB().Query("SELECT detail FROM audit_log WHERE action = 'pii.purge'")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var detail string
			rows.Scan(&detail)
			var n int
			if i := strings.Index(detail, `"erased":`); i >= 0 {
				for _, c := range detail[i+9:] {
					if c < '0' || c > '9' {
						break
					}
					n = n*10 + int(c-'0')
				}
			}
			audited += n
			for _, secret := range []string{idNumber(0), phoneOf(0), "居民0", "刘网格", "13900001111", "欧阳业主"} {
				if strings.Contains(detail, secret) {
					t.Fatalf("the audit line holds personal data: %s", detail)
				}
			}
		}
		rows.Close()
		if audited != 5 {
			t.Fatalf("audited %d erasures", audited)
		}

		// Erased: personal fields and hashes blank, the name masked, the rows kept.
		r, err := a.Resident(ctx, ids[0])
		if err != nil || r.Name != "居**" || r.IDNumber != "" || r.Phone != "" || r.BirthDate != "" || r.LeftOn == "" {
			t.Fatalf("erased resident: %+v %v", r, err)
		}
		if count(t, a, "SELECT COUNT(*) FROM residents") != 4 || count(t, a, "SELECT COUNT(*) FROM residents WHERE id_index IS NOT NULL OR phone_index IS NOT NULL") != 2 ||
			count(t, a, "SELECT COUNT(*) FROM resident_keys WHERE resident_id = ?", ids[0]) != 0 {
			t.Fatal("resident rows after the purge")
		}
		if count(t, a, "SELECT COUNT(*) FROM volunteers WHERE id_number = '' AND name = '居**' AND id_index LIKE 'erased:%'") != 1 ||
			count(t, a, "SELECT COUNT(*) FROM volunteers") != 4 {
			t.Fatal("volunteer rows after the purge")
		}
		if count(t, a, "SELECT COUNT(*) FROM grid_staff WHERE name = '刘**' AND phone = '' AND erased_at IS NOT NULL") != 1 ||
			count(t, a, "SELECT COUNT(*) FROM org_members WHERE name = '欧阳**' AND erased_at IS NOT NULL") != 1 {
			t.Fatal("staff and seat after the purge")
		}
		// The people who stay are untouched and found; the erased one's ID number may be recorded again.
		findable(t, a, tr, ids[2:], 2)
		hh, _, _ := a.HouseholdByRoom(ctx, tr.Building1.ID, 1, "100")
		c, _ := a.CheckResident(redgrid.NewResident{HouseholdID: hh, Name: "居民0", IDNumber: idNumber(0), Relation: redgrid.RelationOther})
		if _, _, err := a.CreateResident(ctx, c); err != nil {
			t.Fatalf("recording again someone erased: %v", err)
		}
		// Again: nothing more.
		if p, err := a.PurgePersonalData(ctx, ret, false); err != nil || p.Total() != 0 {
			t.Fatalf("a second purge: %+v %v", p, err)
		}

		// The unmasking log: kept three years, then purged; never deleted otherwise.
		if _, err := a.DB().Exec("DELETE FROM pii_unmaskings"); err == nil {
			t.Fatal("the unmasking log was deleted outside the purge")
		}
		clock.Advance(3 * 365 * 24 * time.Hour)
		if _, err := a.LogUnmasking(ctx, "resident/2", []string{"phone"}, sqlstore.UnmaskExplicit, "回访"); err != nil {
			t.Fatal(err)
		}
		if p, err := a.PurgePersonalData(ctx, ret, false); err != nil || p.Unmaskings != 1 {
			t.Fatalf("unmaskings purged: %+v %v", p, err)
		}
		if got, _ := a.Unmaskings(ctx, sqlstore.UnmaskingFilter{}); len(got) != 1 || got[0].Subject != "resident/2" {
			t.Fatalf("unmaskings left: %+v", got)
		}
		if _, err := a.DB().Exec("DELETE FROM pii_unmaskings"); err == nil {
			t.Fatal("the gate stayed open")
		}
		if _, err := a.PurgePersonalData(ctx, redgrid.Retention{LeftDays: 30, UnmaskingDays: 100}, false); redgrid.ErrorKind(err) != redgrid.KindInvalid {
			t.Fatalf("a log retention under three years: %v", err)
		}
	})
}
