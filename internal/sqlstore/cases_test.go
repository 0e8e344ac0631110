package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/redgridtest"
	"github.com/redgrid/redgrid/internal/sqlstore"
)

// TestDeadlinesFireOnceAcrossServers: two stores on one database (two servers) run the deadline
// jobs at the same moments; every reminder and every overdue fires exactly once, with its
// event, notification and counter.
func TestDeadlinesFireOnceAcrossServers(t *testing.T) {
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
		const n = 20
		for i := range n {
			lng, lat := 110.77, 32.59
			in := redgrid.NewCase{Category: "0101", Lng: &lng, Lat: &lat, Description: "测试", Channel: redgrid.ChannelPhone}
			grid := tr.Grid1
			if i%2 == 1 {
				grid = tr.Grid3
			}
			if _, _, err := a.CreateCase(ctx, sqlstore.CaseIntake{In: in, Category: cat, GridID: grid.ID, GridPath: grid.Path, GridCode: grid.Code, Lng: lng, Lat: lat}); err != nil {
				t.Fatal(err)
			}
		}
		clock.Advance(72 * time.Hour)
		var wg sync.WaitGroup
		totals := make([]sqlstore.JobResult, 2)
		for i, s := range []*sqlstore.Store{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 5 {
					r, err := s.RunDeadlines(ctx, 7)
					if err != nil {
						t.Error(err)
						return
					}
					totals[i].Reminded += r.Reminded
					totals[i].Overdue += r.Overdue
				}
			}()
		}
		wg.Wait()
		if got := totals[0].Overdue + totals[1].Overdue; got != n {
			t.Errorf("overdue fired %d times in all (%+v), want %d", got, totals, n)
		}
		if got := totals[0].Reminded + totals[1].Reminded; got != n {
			t.Errorf("reminders fired %d times in all (%+v), want %d", got, totals, n)
		}
		count := func(q string) int {
			var c int
			if err := a.DB().QueryRow(q).Scan(&c); err != nil {
				t.Fatal(err)
			}
			return c
		}
		if c := count("SELECT COUNT(*) FROM case_events WHERE action = 'overdue'"); c != n {
			t.Errorf("%d overdue events, want %d", c, n)
		}
		if c := count("SELECT COUNT(*) FROM notifications WHERE kind = 'remind'"); c != n {
			t.Errorf("%d reminders, want %d", c, n)
		}
		counts, err := a.CaseCounts(ctx, tr.District.ID, "2026-01-01", "2026-12-31")
		if err != nil || counts["overdue"] != n || counts["received"] != n {
			t.Errorf("district counts %v %v", counts, err)
		}
		c1, _ := a.CaseCounts(ctx, tr.Community1.ID, "2026-01-01", "2026-12-31")
		if c1["received"] != n/2 {
			t.Errorf("community1 received %d, want %d", c1["received"], n/2)
		}
		// The rollups agree with a rebuild from the cases.
		before := counts
		if err := a.RebuildRollups(ctx); err != nil {
			t.Fatal(err)
		}
		after, _ := a.CaseCounts(ctx, tr.District.ID, "2026-01-01", "2026-12-31")
		for k, v := range before {
			if after[k] != v {
				t.Errorf("rebuilt %s = %d, kept %d", k, after[k], v)
			}
		}
	})
}

// TestGroupCommitIsolatesFailures: cases submitted together share commits; one whose photo was
// never uploaded fails alone (400 field photos[0]) and leaves nothing behind, while every case
// sharing its commit is stored with its event and deadline.
func TestGroupCommitIsolatesFailures(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ctx := context.Background()
		s := e.Open(t, sqlstore.Options{})
		tr := redgridtest.BuildTree(t, s)
		if _, err := s.EnsureCategories(ctx, redgrid.DefaultCategories()); err != nil {
			t.Fatal(err)
		}
		cat, _, _ := s.CategoryByCode(ctx, "0101")
		var stored, refused int
		for round := 0; round < 20 && s.BatchRetries() == 0; round++ {
			const n = 48
			ids := make([]int64, n)
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					lng, lat := 110.77, 32.59
					in := redgrid.NewCase{Category: "0101", Lng: &lng, Lat: &lat, Description: "测试", Channel: redgrid.ChannelPhone}
					if i%4 == 3 {
						in.Photos = []string{"never-uploaded"}
					}
					c, _, err := s.CreateCase(ctx, sqlstore.CaseIntake{In: in, Category: cat, GridID: tr.Grid1.ID, GridPath: tr.Grid1.Path, GridCode: tr.Grid1.Code, Lng: lng, Lat: lat})
					ids[i], errs[i] = c.ID, err
				}()
			}
			wg.Wait()
			for i := range n {
				if i%4 == 3 {
					var ve *redgrid.Error
					if !errors.As(errs[i], &ve) || ve.Kind != redgrid.KindInvalid || len(ve.Fields) != 1 || ve.Fields[0].Field != "photos[0]" {
						t.Fatalf("case %d with a missing photo: %v", i, errs[i])
					}
					refused++
					continue
				}
				if errs[i] != nil {
					t.Fatalf("case %d: %v", i, errs[i])
				}
				c, err := s.Case(ctx, ids[i])
				if err != nil || c.State != redgrid.CaseReported || c.DueAt == nil {
					t.Fatalf("case %d not stored whole: %+v %v", ids[i], c, err)
				}
				stored++
			}
		}
		if s.BatchRetries() == 0 {
			t.Fatal("no commit ever held a failing case next to good ones; the test did not exercise the retry")
		}
		var cases, events, deadlines int
		s.DB().QueryRow("SELECT COUNT(*) FROM cases").Scan(&cases)
		s.DB().QueryRow("SELECT COUNT(*) FROM case_events").Scan(&events)
		s.DB().QueryRow("SELECT COUNT(*) FROM case_deadlines").Scan(&deadlines)
		if cases != stored || events != stored || deadlines != stored {
			t.Fatalf("stored %d (refused %d) but %d cases, %d events, %d deadlines", stored, refused, cases, events, deadlines)
		}
		// Cases written together in multi-row statements and cases written one by one (the
		// retried batches) carry the same event, deadline and audit line.
		var shapes int
		s.DB().QueryRow(`SELECT COUNT(DISTINCT e.actor || e.action || e.from_state || e.to_state || e.reason || e.detail || d.stage || a.action || a.detail)
			FROM cases c JOIN case_events e ON e.case_id = c.id JOIN case_deadlines d ON d.case_id = c.id
			JOIN audit_log a ON a.target = 'case/' || c.id`).Scan(&shapes)
		if shapes != 1 {
			t.Fatalf("%d different shapes of the rows that come with a new case; want 1", shapes)
		}
	})
}

// TestSyntheticCasesAgreeWithFigures: the synthetic history the figures benchmark loads is
// counted by the rollups exactly as the cases table says: received, closed, the ratings, and
// the lead departments' dispatches, for the district over the whole period.
func TestSyntheticCasesAgreeWithFigures(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ctx := context.Background()
		s := e.Open(t, sqlstore.Options{})
		tr := redgridtest.BuildTree(t, s)
		if _, err := s.EnsureCategories(ctx, redgrid.DefaultCategories()); err != nil {
			t.Fatal(err)
		}
		end := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
		const n = 1234
		var progress int
		if err := s.LoadSyntheticCases(ctx, sqlstore.SynthCases{Cases: n, Days: 30, End: end, Seed: 7, Progress: func(d int) { progress = d }}); err != nil {
			t.Fatal(err)
		}
		if progress != n {
			t.Fatalf("progress ended at %d", progress)
		}
		count := func(q string, args ...any) int64 {
			var v int64
			if err := s.DB().QueryRow(q, args...).Scan(&v); err != nil {
				t.Fatal(err)
			}
			return v
		}
		// whole months only, whole months with days at either end, days within one month,
		// days across a month boundary
		for _, p := range [][2]string{{"2026-10-01", "2026-11-30"}, {"2026-10-21", "2026-11-19"}, {"2026-11-03", "2026-11-17"},
			{"2026-10-30", "2026-11-02"}, {"2026-09-15", "2026-12-31"}} {
			got, err := s.CaseCounts(ctx, tr.District.ID, p[0], p[1])
			if err != nil {
				t.Fatal(err)
			}
			in := " AND received_day >= '" + p[0] + "' AND received_day <= '" + p[1] + "'"
			for col, q := range map[string]string{
				"received":     "SELECT COUNT(*) FROM cases WHERE 1 = 1",
				"closed":       "SELECT COUNT(*) FROM cases WHERE state = 'closed'",
				"voided":       "SELECT COUNT(*) FROM cases WHERE state = 'voided'",
				"satisfied":    "SELECT COUNT(*) FROM cases WHERE rating = 'satisfied'",
				"dissatisfied": "SELECT COUNT(*) FROM cases WHERE rating = 'dissatisfied'",
			} {
				if want := count(q + in); got[col] != want || want == 0 {
					t.Errorf("%v %s: figures say %d, the cases %d", p, col, got[col], want)
				}
			}
			depts, err := s.DepartmentCounts(ctx, tr.District.ID, p[0], p[1])
			if err != nil {
				t.Fatal(err)
			}
			var dispatched int64
			for _, d := range depts {
				dispatched += d.Counts["dispatched"]
			}
			if want := count("SELECT COUNT(*) FROM cases WHERE lead_org_id IS NOT NULL" + in); dispatched != want || want == 0 {
				t.Errorf("%v: departments' dispatches %d, cases with a lead %d", p, dispatched, want)
			}
		}
		got, err := s.CaseCounts(ctx, tr.District.ID, "2026-10-01", "2026-11-30")
		if err != nil {
			t.Fatal(err)
		}
		if got["received"] != n {
			t.Errorf("received %d, loaded %d", got["received"], n)
		}
	})
}

// TestExpirePhotos: photos never put on a case are forgotten once older than the retention, with
// the idempotency keys that named them; photos on a case and recent uploads stay.
func TestExpirePhotos(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		clock := redgridtest.NewClock()
		s := e.Open(t, sqlstore.Options{Now: clock.Now})
		tr := redgridtest.BuildTree(t, s)
		u := redgridtest.AddUser(t, s, "wang", "x", redgrid.RoleGridWorker, tr.Grid1.ID, 0)
		ctx := redgrid.WithActor(context.Background(), redgrid.Actor{UserID: u.ID, Username: "wang"})
		add := func(id string, key string) {
			c := ctx
			if key != "" {
				c = redgrid.WithIdempotency(c, redgrid.Idempotency{Key: key, Route: "POST /api/v1/photos", RequestHash: key})
			}
			if _, _, err := s.CreatePhoto(c, sqlstore.Photo{ID: id, Format: "jpeg", Width: 1, Height: 1, Bytes: 1, SHA256: "x", Uploader: "user:1", UploaderID: &u.ID},
				func() error { return nil }); err != nil {
				t.Fatal(err)
			}
		}
		add(strings.Repeat("a", 32), "k-old")
		add(strings.Repeat("b", 32), "")
		if _, err := s.EnsureCategories(ctx, redgrid.DefaultCategories()); err != nil {
			t.Fatal(err)
		}
		cat, _, _ := s.CategoryByCode(ctx, "0101")
		lng, lat := 110.77, 32.59
		c, _, err := s.CreateCase(ctx, sqlstore.CaseIntake{In: redgrid.NewCase{Category: "0101", Lng: &lng, Lat: &lat, Description: "x", Channel: redgrid.ChannelPatrol,
			Photos: []string{strings.Repeat("b", 32)}}, Category: cat, GridID: tr.Grid1.ID, GridPath: tr.Grid1.Path, GridCode: tr.Grid1.Code, Lng: lng, Lat: lat})
		if err != nil {
			t.Fatal(err)
		}
		clock.Advance(25 * time.Hour)
		add(strings.Repeat("c", 32), "")
		gone, err := s.ExpirePhotos(context.Background(), clock.Now().Add(-24*time.Hour), 100)
		if err != nil || len(gone) != 1 || gone[0].ID != strings.Repeat("a", 32) || gone[0].Format != "jpeg" {
			t.Fatalf("expired %+v (%v)", gone, err)
		}
		for id, want := range map[string]bool{"a": false, "b": true, "c": true} {
			_, err := s.Photo(ctx, strings.Repeat(id, 32))
			if (err == nil) != want {
				t.Errorf("photo %s: kept %v, want %v", id, err == nil, want)
			}
		}
		var keys, audits int
		s.DB().QueryRow("SELECT COUNT(*) FROM idempotency_keys WHERE resource = 'photo'").Scan(&keys)
		s.DB().QueryRow("SELECT COUNT(*) FROM audit_log WHERE action = 'photo.expire'").Scan(&audits)
		if keys != 0 || audits != 1 {
			t.Errorf("%d idempotency keys left, %d audit lines", keys, audits)
		}
		if c.Photos[0] != strings.Repeat("b", 32) {
			t.Errorf("case photos %v", c.Photos)
		}
		if again, err := s.ExpirePhotos(context.Background(), clock.Now().Add(time.Second), 100); err != nil || len(again) != 1 {
			t.Errorf("the recent one expires once its time comes: %+v %v", again, err)
		}
	})
}

// TestPhotoFormats: the rows of a list of photo ids longer than one statement's, with ids that
// have no row mixed in, each with its format.
func TestPhotoFormats(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ctx := context.Background()
		s := e.Open(t, sqlstore.Options{})
		var ids []string
		want := map[string]string{}
		for i := 0; i < 600; i++ {
			id := fmt.Sprintf("ab%030x", i)
			ids = append(ids, id)
			if i%2 == 1 {
				continue
			}
			f := []string{"jpeg", "png", "webp"}[i%3]
			want[id] = f
			if _, _, err := s.CreatePhoto(ctx, sqlstore.Photo{ID: id, Format: f, Width: 1, Height: 1, Bytes: 1, SHA256: "x", Uploader: "public"},
				func() error { return nil }); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.PhotoFormats(ctx, ids)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Errorf("%d rows, want %d", len(got), len(want))
		}
		for id, f := range want {
			if got[id] != f {
				t.Errorf("%s: format %q, want %q", id, got[id], f)
			}
		}
		if got, err := s.PhotoFormats(ctx, nil); err != nil || len(got) != 0 {
			t.Errorf("no ids: %v %v", got, err)
		}
	})
}
