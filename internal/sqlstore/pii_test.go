package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/pii"
	"github.com/redgrid/redgrid/internal/redgridtest"
	"github.com/redgrid/redgrid/internal/sqlstore"
)

type reporter struct{ name, phone string }

// reportCases creates n cases at once (they share group commits), the i-th reported by
// reporterOf(i); it returns their ids in that order.
func reportCases(t *testing.T, s *sqlstore.Store, tr *redgridtest.Tree, n int, reporterOf func(i int) reporter) []int64 {
	t.Helper()
	ctx := context.Background()
	if _, err := s.EnsureCategories(ctx, redgrid.DefaultCategories()); err != nil {
		t.Fatal(err)
	}
	cat, _, _ := s.CategoryByCode(ctx, "0101")
	ids := make([]int64, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			lng, lat := 110.77, 32.59
			r := reporterOf(i)
			in := redgrid.NewCase{Category: "0101", Lng: &lng, Lat: &lat, Description: "井盖缺失", Channel: redgrid.ChannelPhone,
				ReporterName: r.name, ReporterPhone: r.phone}
			c, _, err := s.CreateCase(ctx, sqlstore.CaseIntake{In: in, Category: cat, GridID: tr.Grid1.ID, GridPath: tr.Grid1.Path, GridCode: tr.Grid1.Code, Lng: lng, Lat: lat})
			if err != nil {
				t.Error(err)
				return
			}
			if c.ReporterName != r.name || c.ReporterPhone != r.phone {
				t.Errorf("intake answered %q %q, want %q %q", c.ReporterName, c.ReporterPhone, r.name, r.phone)
			}
			ids[i] = c.ID
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	return ids
}

func someone(i int) reporter {
	switch i % 4 {
	case 1:
		return reporter{name: "欧阳娜娜"} // a name only
	case 2:
		return reporter{} // anonymous
	}
	return reporter{name: fmt.Sprintf("张%d", i), phone: fmt.Sprintf("1390719%04d", i)}
}

// rawReporters reads the stored columns of the cases, as they are on disk.
func rawReporters(t *testing.T, s *sqlstore.Store) map[int64]reporter {
	t.Helper()
	rows, err := s.DB().Query("SELECT id, reporter_name, reporter_phone FROM cases")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int64]reporter{}
	for rows.Next() {
		var id int64
		var r reporter
		if err := rows.Scan(&id, &r.name, &r.phone); err != nil {
			t.Fatal(err)
		}
		out[id] = r
	}
	return out
}

// keysOf counts the stored values by the key they are sealed under (0: not sealed).
func keysOf(t *testing.T, s *sqlstore.Store) map[uint32]int {
	t.Helper()
	out := map[uint32]int{}
	for _, r := range rawReporters(t, s) {
		for _, v := range []string{r.name, r.phone} {
			if v != "" {
				id, _ := pii.KeyOf(v)
				out[id]++
			}
		}
	}
	return out
}

// checkReadable reads every case through s and compares its reporter with want.
func checkReadable(t *testing.T, s *sqlstore.Store, ids []int64, want func(int) reporter) {
	t.Helper()
	ctx := context.Background()
	for i, id := range ids {
		c, err := s.Case(ctx, id)
		if err != nil {
			t.Fatalf("case %d: %v", id, err)
		}
		if w := want(i); c.ReporterName != w.name || c.ReporterPhone != w.phone {
			t.Fatalf("case %d reads %q %q, want %q %q", id, c.ReporterName, c.ReporterPhone, w.name, w.phone)
		}
	}
	list, err := s.Cases(ctx, sqlstore.CaseFilter{Scopes: []string{"/"}, Limit: 1000})
	if err != nil || len(list) != len(ids) {
		t.Fatalf("list: %d cases, %v", len(list), err)
	}
}

// TestPersonalDataSealedAtRest: what intake writes — through the multi-row write or, when a
// request of the batch fails, request by request — is sealed under the current key, bound to its
// column, and reads back as it was given.
func TestPersonalDataSealedAtRest(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ctx := context.Background()
		s := e.Open(t, sqlstore.Options{})
		tr := redgridtest.BuildTree(t, s)
		ids := reportCases(t, s, tr, 24, someone)
		// A report whose photo was never uploaded fails alone and sends its batch the careful way.
		cat, _, _ := s.CategoryByCode(ctx, "0101")
		lng, lat := 110.77, 32.59
		bad := redgrid.NewCase{Category: "0101", Lng: &lng, Lat: &lat, Description: "x", Channel: redgrid.ChannelPhone,
			ReporterName: "李四", ReporterPhone: "13900000000", Photos: []string{strings.Repeat("a", 32)}}
		if _, _, err := s.CreateCase(ctx, sqlstore.CaseIntake{In: bad, Category: cat, GridID: tr.Grid1.ID, GridPath: tr.Grid1.Path, Lng: lng, Lat: lat}); redgrid.ErrorKind(err) != redgrid.KindInvalid {
			t.Fatalf("a case with an unknown photo: %v", err)
		}
		for id, r := range rawReporters(t, s) {
			for col, v := range map[string]string{"reporter_name": r.name, "reporter_phone": r.phone} {
				if v != "" && !strings.HasPrefix(v, "pii1:1:") || strings.ContainsAny(v, "张欧") || strings.Contains(v, "1390719") {
					t.Fatalf("case %d %s stored as %q", id, col, v)
				}
			}
		}
		if n := keysOf(t, s); n[1] != 24/4*2*2+24/4 || n[0] != 0 {
			t.Fatalf("sealed values by key: %v", n)
		}
		checkReadable(t, s, ids, someone)
		// A phone copied into the name column does not open there.
		exec(t, s, "UPDATE cases SET reporter_name = reporter_phone WHERE id = ?", ids[0])
		if _, err := s.Case(ctx, ids[0]); !errors.Is(err, pii.ErrAuth) || strings.Contains(err.Error(), "1390719") {
			t.Fatalf("a swapped value: %v", err)
		}
	})
}

// exec runs a statement with ? placeholders on either engine.
func exec(t *testing.T, s *sqlstore.Store, q string, args ...any) {
	t.Helper()
	if s.Engine() == "postgres" {
		for i := 1; strings.Contains(q, "?"); i++ {
			q = strings.Replace(q, "?", fmt.Sprintf("$%d", i), 1)
		}
	}
	if _, err := s.DB().Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// sharedKeyFile gives server a and a second server b on dsn one key file (the test keys), each
// following it with its own Keys.
func sharedKeyFile(t *testing.T, dsn string, a *sqlstore.Store) (keysA, keysB *pii.Keys, b *sqlstore.Store) {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "pii.keys")
	if err := os.WriteFile(path, redgridtest.Keyring().Marshal(), 0o600); err != nil {
		t.Fatal(err)
	}
	keysA, err := pii.LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	keysB, _ = pii.LoadFile(path)
	b = redgridtest.OpenDSN(t, dsn, sqlstore.Options{})
	if err := a.UseKeys(ctx, keysA); err != nil {
		t.Fatal(err)
	}
	if err := b.UseKeys(ctx, keysB); err != nil {
		t.Fatal(err)
	}
	return keysA, keysB, b
}

// TestKeyRotation: a new key becomes current and every value is re-encrypted under it in
// batches, restartable; the data stays readable throughout, also by a second server that follows
// the key file; the old key can then be removed, and not before.
func TestKeyRotation(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ctx := context.Background()
		dsn := e.DSN(t)
		a := redgridtest.OpenDSN(t, dsn, sqlstore.Options{})
		tr := redgridtest.BuildTree(t, a)
		ids := reportCases(t, a, tr, 16, someone)

		// Both servers read one key file (the test keys).
		keysA, keysB, b := sharedKeyFile(t, dsn, a)

		// keys rotate: a new key 2, current; server a re-encrypts, one batch and an interruption.
		r1 := keysA.Ring()
		r2, id, _ := r1.WithNewKey()
		r2, _ = r2.WithCurrent(id)
		if err := a.RegisterKeys(ctx, r2); err != nil {
			t.Fatal(err)
		}
		if err := keysA.Save(r2); err != nil {
			t.Fatal(err)
		}
		stop, cancel := context.WithCancel(ctx)
		res, err := a.ReEncrypt(stop, 2, func(int) { cancel() })
		if !errors.Is(err, context.Canceled) || res.Values == 0 {
			t.Fatalf("interrupted run: %+v %v", res, err)
		}
		if n := keysOf(t, a); n[1] == 0 || n[2] != res.Values {
			t.Fatalf("after an interruption: %v, %+v", n, res)
		}
		// Mid-way, both servers read everything (b meets key 2 and reads the file again), and new
		// cases are sealed under key 2 by both.
		checkReadable(t, a, ids, someone)
		checkReadable(t, b, ids, someone)
		more := reportCases(t, b, tr, 4, someone)
		if _, err := keysB.Reload(); err != nil {
			t.Fatal(err)
		}
		more = append(more, reportCases(t, b, tr, 4, someone)...)
		// Key 1 still encrypts values: it cannot go, and a server without it may not start.
		if err := a.RetireKey(ctx, 1); redgrid.ErrorKind(err) != redgrid.KindConflict {
			t.Fatalf("retired a key in use: %v", err)
		}
		only2, _ := r2.Without(1)
		c, err := sqlstore.Open(ctx, dsn, sqlstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.UseKeys(ctx, pii.Fixed(only2)); err == nil || !strings.Contains(err.Error(), "sealed under key 1") {
			t.Fatalf("a server without key 1 started: %v", err)
		}
		// Run again: it goes on and finishes.
		res2, err := a.ReEncrypt(ctx, 2, nil)
		if err != nil || res2.To != 2 {
			t.Fatalf("second run: %+v %v", res2, err)
		}
		if n := keysOf(t, a); n[1] != 0 || n[2] == 0 || n[0] != 0 {
			t.Fatalf("after rotation: %v", n)
		}
		all := append(ids, more...)
		who := func(i int) reporter {
			if i < len(ids) {
				return someone(i)
			}
			return someone((i - len(ids)) % 4)
		}
		checkReadable(t, a, all, who)
		checkReadable(t, b, all, who)
		// keys remove 1: the database first, then the file; everything still reads.
		if err := a.RetireKey(ctx, 1); err != nil {
			t.Fatal(err)
		}
		if err := keysA.Save(only2); err != nil {
			t.Fatal(err)
		}
		checkReadable(t, a, all, who)
		if _, err := keysB.Reload(); err != nil || keysB.Ring().Has(1) {
			t.Fatalf("b reloads: %v", err)
		}
		checkReadable(t, b, all, who)
		// Now a server with key 2 alone starts.
		if err := c.UseKeys(ctx, pii.Fixed(only2)); err != nil {
			t.Fatalf("a server with the new key file: %v", err)
		}
		var audits int
		if err := a.DB().QueryRow("SELECT COUNT(*) FROM audit_log WHERE action IN ('pii.reencrypt', 'pii.key.retire')").Scan(&audits); err != nil || audits != 2 {
			t.Fatalf("%d audit lines, %v", audits, err)
		}
	})
}

// TestWrongKeyFileRefused: keys that are not the ones the database's data is sealed with are
// refused at start, before anything is written with them.
func TestWrongKeyFileRefused(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ctx := context.Background()
		dsn := e.DSN(t)
		a := redgridtest.OpenDSN(t, dsn, sqlstore.Options{})
		if n, err := a.KnownKeys(ctx); err != nil || n != 2 {
			t.Fatalf("known keys %d %v", n, err)
		}
		if err := a.UseKeys(ctx, pii.Fixed(pii.Generate())); err == nil || !strings.Contains(err.Error(), "wrong key file") {
			t.Fatalf("another key 1: %v", err)
		}
	})
}

// TestSealExistingRows: the rows of before migration 0010, in plain text, are sealed at the
// first start with keys, going on from where an interrupted start stopped; nothing is sealed
// twice.
func TestSealExistingRows(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ctx := context.Background()
		s := e.Open(t, sqlstore.Options{})
		tr := redgridtest.BuildTree(t, s)
		ids := reportCases(t, s, tr, 1100, someone) // three batches of sealing
		// The database as it was before 0010: plain text, except the 100 cases of the lowest ids,
		// sealed by a start that was interrupted after them.
		sorted := slices.Sorted(slices.Values(ids))
		done := sorted[99]
		for i, id := range ids {
			if r := someone(i); id > done {
				exec(t, s, "UPDATE cases SET reporter_name = ?, reporter_phone = ? WHERE id = ?", r.name, r.phone, id)
			}
		}
		exec(t, s, "DELETE FROM schema_migrations WHERE version = 10")
		for _, tb := range []string{"pii_keys", "pii_pending", "pii_unmaskings"} {
			exec(t, s, "DROP TABLE "+tb)
		}
		if s.Engine() == "postgres" {
			exec(t, s, "DROP FUNCTION pii_unmaskings_append_only()")
		}
		if err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		exec(t, s, "UPDATE pii_pending SET done = ?", done)
		if err := s.UseKeys(ctx, pii.Fixed(redgridtest.Keyring())); err != nil {
			t.Fatal(err)
		}
		if n := keysOf(t, s); n[0] != 0 || n[1] != 1100/4*2*2+1100/4 {
			t.Fatalf("after the first start: %v", n)
		}
		readsBack := func(i int) {
			c, err := s.Case(ctx, ids[i])
			if r := someone(i); err != nil || c.ReporterName != r.name || c.ReporterPhone != r.phone {
				t.Fatalf("case %d: %q %q %v", i, c.ReporterName, c.ReporterPhone, err)
			}
		}
		for i := range ids {
			readsBack(i)
		}
		var pending int
		if err := s.DB().QueryRow("SELECT COUNT(*) FROM pii_pending").Scan(&pending); err != nil || pending != 0 {
			t.Fatalf("pending %d %v", pending, err)
		}
	})
}

// TestUnmaskingLog: every unmasking is a row (who, when, what, why) with its audit line; the log
// cannot be changed.
func TestUnmaskingLog(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		s := e.Open(t, sqlstore.Options{})
		ctx := redgrid.WithActor(context.Background(), redgrid.Actor{UserID: 7, Username: "community1", RemoteAddr: "10.0.0.1", RequestID: "r1"})
		u, err := s.LogUnmasking(ctx, "case/3", []string{"reporter_name", "reporter_phone"}, sqlstore.UnmaskExplicit, "回访核实")
		if err != nil {
			t.Fatal(err)
		}
		s.LogUnmasking(ctx, "case/4", []string{"reporter_phone"}, sqlstore.UnmaskCallBack, "call-back")
		got, err := s.Unmaskings(ctx, sqlstore.UnmaskingFilter{Subject: "case/3"})
		if err != nil || len(got) != 1 || got[0].ID != u.ID || got[0].Actor != "community1" || *got[0].ActorID != 7 || got[0].Reason != "回访核实" ||
			strings.Join(got[0].Fields, ",") != "reporter_name,reporter_phone" || got[0].How != "explicit" || got[0].RequestID != "r1" {
			t.Fatalf("unmaskings: %+v %v", got, err)
		}
		if all, _ := s.Unmaskings(ctx, sqlstore.UnmaskingFilter{ActorID: 7}); len(all) != 2 || all[0].Subject != "case/4" {
			t.Fatalf("by actor: %+v", all)
		}
		var audit string
		if err := s.DB().QueryRow("SELECT detail FROM audit_log WHERE action = 'pii.unmask' AND target = 'case/3'").Scan(&audit); err != nil || strings.Contains(audit, "回访") {
			t.Fatalf("audit line %q %v", audit, err)
		}
		for _, q := range []string{"UPDATE pii_unmaskings SET reason = 'x'", "DELETE FROM pii_unmaskings"} {
			if _, err := s.DB().Exec(q); err == nil {
				t.Errorf("%s: allowed", q)
			}
		}
	})
}
