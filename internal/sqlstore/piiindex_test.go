package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/pii"
	"github.com/redgrid/redgrid/internal/redgridtest"
	"github.com/redgrid/redgrid/internal/sqlstore"
)

// idNumber is a valid resident ID number (GB 11643) of 茅箭区, born in 1980, sequence seq.
func idNumber(seq int) string {
	base := fmt.Sprintf("42030219800101%03d", seq%1000)
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		sum += int(base[i]-'0') * w
	}
	return base + string("10X98765432"[sum%11])
}

func phoneOf(seq int) string { return fmt.Sprintf("139%08d", seq) }

// recordPeople records n residents (with ID number and phone) in one household of the tree's
// building and n volunteers in its community, person i being idNumber(from+i); it returns the
// residents' ids.
func recordPeople(t *testing.T, s *sqlstore.Store, tr *redgridtest.Tree, from, n int) []int64 {
	t.Helper()
	ctx := context.Background()
	h, _, err := s.CreateHousehold(ctx, redgrid.NewHousehold{BuildingID: tr.Building1.ID, Unit: 1, Floor: 1, Room: fmt.Sprintf("%d", 100+from), Occupancy: redgrid.OccupancyOwner})
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for i := from; i < from+n; i++ {
		c, err := s.CheckResident(redgrid.NewResident{HouseholdID: h.ID, Name: fmt.Sprintf("居民%d", i), IDNumber: idNumber(i), Phone: phoneOf(i), Relation: redgrid.RelationOther})
		if err != nil {
			t.Fatal(err)
		}
		r, _, err := s.CreateResident(ctx, c)
		if err != nil {
			t.Fatalf("resident %d: %v", i, err)
		}
		ids = append(ids, r.ID)
		if _, _, err := s.RegisterVolunteer(ctx, redgrid.NewVolunteer{NodeID: tr.Community1.ID, Name: fmt.Sprintf("居民%d", i), IDNumber: idNumber(i),
			Colours: []redgrid.Colour{redgrid.Colours[0]}}); err != nil {
			t.Fatalf("volunteer %d: %v", i, err)
		}
	}
	return ids
}

// findable checks that every resident ids[k] (person from+k) is found by exact ID number and by
// phone, by server s.
func findable(t *testing.T, s *sqlstore.Store, tr *redgridtest.Tree, ids []int64, from int) {
	t.Helper()
	ctx := context.Background()
	for k, id := range ids {
		for _, q := range []string{idNumber(from + k), phoneOf(from + k)} {
			got, err := s.Residents(ctx, sqlstore.ResidentQuery{Path: tr.District.Path, Q: q})
			if err != nil || len(got) != 1 || got[0].ID != id {
				t.Fatalf("search for person %d by %s…: %d found, %v", from+k, q[:4], len(got), err)
			}
		}
	}
}

// hashKeys counts the stored hashes by the index key they are made with.
func hashKeys(t *testing.T, s *sqlstore.Store) map[uint32]int64 {
	t.Helper()
	use, err := s.IndexUsage(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return use
}

// TestIndexKeyRotation: a new index key becomes current and every keyed hash is recomputed with
// it in batches that go on after an interruption; exact search by ID number and by phone finds
// each person before, half-way and after, on both servers; one person is not recorded twice
// half-way; the old index key can go only once no hash is made with it.
func TestIndexKeyRotation(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ctx := context.Background()
		dsn := e.DSN(t)
		a := redgridtest.OpenDSN(t, dsn, sqlstore.Options{})
		tr := redgridtest.BuildTree(t, a)
		ids := recordPeople(t, a, tr, 0, 6)

		keysA, keysB, b := sharedKeyFile(t, dsn, a)
		findable(t, a, tr, ids, 0)
		if n := hashKeys(t, a); n[1] != 18 { // 6 residents × (ID number, phone) + 6 volunteers
			t.Fatalf("hashes before: %v", n)
		}

		// keys add-index, then rotate-index: index key 2 current; a rehashes one batch and stops.
		r1 := keysA.Ring()
		r2, id, _ := r1.WithNewIndexKey()
		if err := a.RegisterKeys(ctx, r2); err != nil {
			t.Fatal(err)
		}
		if err := keysA.Save(r2); err != nil {
			t.Fatal(err)
		}
		if _, err := keysB.Reload(); err != nil {
			t.Fatal(err)
		}
		r2, _ = r2.WithCurrentIndex(id)
		if err := a.RegisterKeys(ctx, r2); err != nil {
			t.Fatal(err)
		}
		if err := keysA.Save(r2); err != nil {
			t.Fatal(err)
		}
		stop, cancel := context.WithCancel(ctx)
		res, err := a.Rehash(stop, 4, func(int) { cancel() })
		if !errors.Is(err, context.Canceled) || res.Hashes != 4 {
			t.Fatalf("interrupted run: %+v %v", res, err)
		}
		if n := hashKeys(t, a); n[1] != 14 || n[2] != 4 {
			t.Fatalf("half-way: %v", n)
		}
		// Half-way, both servers find everyone, and b records new people with index key 2.
		findable(t, a, tr, ids, 0)
		findable(t, b, tr, ids, 0)
		if _, err := keysB.Reload(); err != nil {
			t.Fatal(err)
		}
		more := recordPeople(t, b, tr, 6, 2)
		findable(t, a, tr, more, 6)
		if n := hashKeys(t, a); n[2] != 4+6 {
			t.Fatalf("new people's hashes: %v", n)
		}
		// A person recorded before, hashed with key 1 still, is not recorded twice.
		hh, _, _ := a.HouseholdByRoom(ctx, tr.Building1.ID, 1, "100")
		c, _ := a.CheckResident(redgrid.NewResident{HouseholdID: hh, Name: "又一个", IDNumber: idNumber(5), Relation: redgrid.RelationOther})
		if _, _, err := b.CreateResident(ctx, c); redgrid.ErrorKind(err) != redgrid.KindConflict {
			t.Fatalf("a resident recorded twice half-way: %v", err)
		}
		if _, _, err := b.RegisterVolunteer(ctx, redgrid.NewVolunteer{NodeID: tr.Community1.ID, Name: "又一个", IDNumber: idNumber(5),
			Colours: []redgrid.Colour{redgrid.Colours[0]}}); redgrid.ErrorKind(err) != redgrid.KindConflict {
			t.Fatalf("a volunteer registered twice half-way: %v", err)
		}
		// Index key 1 still makes hashes: it cannot go, and a server without it may not start.
		if err := a.RetireIndexKey(ctx, 1); redgrid.ErrorKind(err) != redgrid.KindConflict {
			t.Fatalf("retired an index key in use: %v", err)
		}
		only2, _ := r2.WithoutIndex(1)
		c3, err := sqlstore.Open(ctx, dsn, sqlstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer c3.Close()
		if err := c3.UseKeys(ctx, pii.Fixed(only2)); err == nil || !strings.Contains(err.Error(), "index key 1") {
			t.Fatalf("a server without index key 1 started: %v", err)
		}

		// Run again: it goes on from where it stopped and finishes.
		res2, err := a.Rehash(ctx, 4, nil)
		if err != nil || res2.To != 2 || res2.Hashes != 14 {
			t.Fatalf("second run: %+v %v", res2, err)
		}
		if n := hashKeys(t, a); n[1] != 0 || n[2] != 24 {
			t.Fatalf("after the rotation: %v", n)
		}
		all := append(ids, more...)
		findable(t, a, tr, all, 0)
		findable(t, b, tr, all, 0)

		// keys remove-index 1: the database first, then the file; everyone is still found.
		if err := a.RetireIndexKey(ctx, 1); err != nil {
			t.Fatal(err)
		}
		if err := keysA.Save(only2); err != nil {
			t.Fatal(err)
		}
		if _, err := keysB.Reload(); err != nil || keysB.Ring().HasIndex(1) {
			t.Fatalf("b reloads: %v", err)
		}
		findable(t, a, tr, all, 0)
		findable(t, b, tr, all, 0)
		if err := c3.UseKeys(ctx, pii.Fixed(only2)); err != nil {
			t.Fatalf("a server with the new key file: %v", err)
		}
		// A wrong index key 2 is refused.
		wrong, _, _ := r1.WithNewIndexKey()
		wrong, _ = wrong.WithCurrentIndex(2)
		if err := a.RegisterKeys(ctx, wrong); err == nil || !strings.Contains(err.Error(), "wrong key file") {
			t.Fatalf("another index key 2: %v", err)
		}
		var audits int
		if err := a.DB().QueryRow("SELECT COUNT(*) FROM audit_log WHERE action IN ('pii.rehash', 'pii.index_key.retire')").Scan(&audits); err != nil || audits != 2 {
			t.Fatalf("%d audit lines, %v", audits, err)
		}
	})
}
