package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/pii"
	"github.com/redgrid/redgrid/internal/redgridtest"
	"github.com/redgrid/redgrid/internal/sqlstore"
)

// TestKeysFromTheCommandLine: the first start writes the key file (0600); keys rotate makes a
// new key current and re-encrypts everything; the old key is removed; a data directory without
// the key file cannot start on the database; keys add stages a key that rotate then uses.
func TestKeysFromTheCommandLine(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ctx := context.Background()
		dsn := e.DSN(t)
		dir := t.TempDir()
		var out, errb bytes.Buffer
		call := func(dataDir string, args ...string) error {
			out.Reset()
			errb.Reset()
			return run(ctx, append(args, "--data", dataDir, "--db", dsn), strings.NewReader(""), &out, &errb)
		}
		if err := call(dir, "migrate"); err != nil {
			t.Fatalf("migrate: %v %s", err, errb.String())
		}
		path := filepath.Join(dir, "pii.keys")
		mode := func() os.FileMode {
			st, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			return st.Mode().Perm()
		}
		if m := mode(); m != 0o600 || !strings.Contains(errb.String(), "key file created") {
			t.Fatalf("key file mode %v; log %s", m, errb.String())
		}

		// Cases reported by a server with that key file.
		open := func() *sqlstore.Store {
			s, err := sqlstore.Open(ctx, dsn, sqlstore.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			keys, err := pii.LoadFile(path)
			if err == nil {
				err = s.UseKeys(ctx, keys)
			}
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		s := open()
		tr := redgridtest.BuildTree(t, s)
		s.EnsureCategories(ctx, redgrid.DefaultCategories())
		cat, _, _ := s.CategoryByCode(ctx, "0101")
		var ids []int64
		for i := range 7 {
			lng, lat := 110.77, 32.59
			in := redgrid.NewCase{Category: "0101", Lng: &lng, Lat: &lat, Description: "井盖", Channel: redgrid.ChannelPhone,
				ReporterName: fmt.Sprintf("王%d", i), ReporterPhone: fmt.Sprintf("1380013800%d", i)}
			c, _, err := s.CreateCase(ctx, sqlstore.CaseIntake{In: in, Category: cat, GridID: tr.Grid1.ID, GridPath: tr.Grid1.Path, Lng: lng, Lat: lat})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, c.ID)
		}
		s.Close()

		if err := call(dir, "keys", "status"); err != nil || !strings.Contains(out.String(), "current  14") {
			t.Fatalf("status: %v\n%s", err, out.String())
		}
		if err := call(dir, "keys", "rotate", "--batch", "3"); err != nil || !strings.Contains(out.String(), "key 2 is current") ||
			!strings.Contains(out.String(), "14 values re-encrypted under key 2") {
			t.Fatalf("rotate: %v\n%s%s", err, out.String(), errb.String())
		}
		if m := mode(); m != 0o600 {
			t.Fatalf("rotated key file mode %v", m)
		}
		if err := call(dir, "keys", "remove", "2"); err == nil {
			t.Fatal("the current key was removed")
		}
		if err := call(dir, "keys", "remove", "1"); err != nil {
			t.Fatalf("remove: %v %s", err, errb.String())
		}
		if text, _ := os.ReadFile(path); strings.Contains(string(text), "key 1 ") || !strings.Contains(string(text), "key 2 ") {
			t.Fatalf("key file after remove:\n%s", text)
		}
		s = open()
		for i, id := range ids {
			c, err := s.Case(ctx, id)
			if err != nil || c.ReporterPhone != fmt.Sprintf("1380013800%d", i) {
				t.Fatalf("case %d after rotation: %q %v", id, c.ReporterPhone, err)
			}
		}
		s.Close()

		// Another data directory, without the key file: refused, and no key file made there.
		other := t.TempDir()
		if err := call(other, "serve", "--addr", "127.0.0.1:0"); err == nil || !strings.Contains(err.Error(), "keys that are not here") {
			t.Fatalf("a server without the key file: %v", err)
		}
		if _, err := os.Stat(filepath.Join(other, "pii.keys")); !os.IsNotExist(err) {
			t.Fatalf("a key file was made for a database that has keys: %v", err)
		}
		// A key file of its own: refused too.
		if err := call(other, "migrate", "--keys", filepath.Join(other, "mine.keys")); err == nil {
			t.Fatal("a server with another key file started")
		}
		os.WriteFile(filepath.Join(other, "mine.keys"), pii.Generate().Marshal(), 0o600)
		if err := call(other, "migrate", "--keys", filepath.Join(other, "mine.keys")); err == nil || !strings.Contains(err.Error(), "wrong key file") {
			t.Fatalf("a server with another key file: %v", err)
		}

		// keys add stages key 3; rotate makes it current instead of making a fourth.
		if err := call(dir, "keys", "add"); err != nil || !strings.Contains(out.String(), "key 3 added") {
			t.Fatalf("add: %v %s", err, out.String())
		}
		if err := call(dir, "keys", "rotate"); err != nil || !strings.Contains(out.String(), "key 3 is current") || !strings.Contains(out.String(), "14 values") {
			t.Fatalf("rotate to the staged key: %v %s", err, out.String())
		}
		// The index key: a resident found by ID number and phone before and after rotate-index.
		s = open()
		h, _, err := s.CreateHousehold(ctx, redgrid.NewHousehold{BuildingID: tr.Building1.ID, Unit: 1, Floor: 1, Room: "101", Occupancy: redgrid.OccupancyOwner})
		if err != nil {
			t.Fatal(err)
		}
		c, err := s.CheckResident(redgrid.NewResident{HouseholdID: h.ID, Name: "张三", IDNumber: "11010519491231002X", Phone: "13800138000", Relation: redgrid.RelationHead})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.CreateResident(ctx, c); err != nil {
			t.Fatal(err)
		}
		s.Close()
		found := func() {
			t.Helper()
			s := open()
			defer s.Close()
			for _, q := range []string{"11010519491231002X", "138 0013 8000"} {
				if got, err := s.Residents(ctx, sqlstore.ResidentQuery{Q: q}); err != nil || len(got) != 1 {
					t.Fatalf("search by %s: %d %v", q, len(got), err)
				}
			}
		}
		found()
		if err := call(dir, "keys", "status"); err != nil || !strings.Contains(out.String(), "INDEX") || !strings.Contains(out.String(), "current  2\n") {
			t.Fatalf("status: %v\n%s", err, out.String())
		}
		if err := call(dir, "keys", "rotate-index", "--batch", "1"); err != nil || !strings.Contains(out.String(), "index key 2 is current") ||
			!strings.Contains(out.String(), "2 hashes recomputed with index key 2") {
			t.Fatalf("rotate-index: %v\n%s%s", err, out.String(), errb.String())
		}
		found()
		if err := call(dir, "keys", "remove-index", "2"); err == nil {
			t.Fatal("the current index key was removed")
		}
		if err := call(dir, "keys", "remove-index", "1"); err != nil {
			t.Fatalf("remove-index: %v %s", err, errb.String())
		}
		if text, _ := os.ReadFile(path); strings.Contains(string(text), "index 1 ") || !strings.Contains(string(text), "index 2 ") {
			t.Fatalf("key file after remove-index:\n%s", text)
		}
		found()
		if err := call(dir, "keys", "add-index"); err != nil || !strings.Contains(out.String(), "index key 3 added") {
			t.Fatalf("add-index: %v %s", err, out.String())
		}
		if err := call(dir, "keys", "rotate-index"); err != nil || !strings.Contains(out.String(), "index key 3 is current") {
			t.Fatalf("rotate-index to the staged key: %v %s", err, out.String())
		}
		if err := call(dir, "keys", "rehash"); err != nil || !strings.Contains(out.String(), "0 hashes recomputed with index key 3") {
			t.Fatalf("rehash when done: %v %s", err, out.String())
		}
		found()
		for _, bad := range [][]string{{"keys"}, {"keys", "frob"}, {"keys", "remove"}, {"keys", "remove", "x"}, {"keys", "rotate", "--batch", "0"},
			{"keys", "remove-index"}, {"keys", "remove-index", "9"}, {"keys", "rehash", "--batch", "0"}} {
			if err := call(dir, bad...); err == nil {
				t.Errorf("%v was accepted", bad)
			}
		}
	})
}
