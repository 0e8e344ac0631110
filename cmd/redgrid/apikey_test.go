package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
	"testing"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/redgridtest"
	"github.com/redgrid/redgrid/internal/sqlstore"
)

// TestAPIKeysFromTheCommandLine: apikey add prints a key once and stores only its hash, the key
// authenticates until apikey revoke, and list shows both states; on both engines.
func TestAPIKeysFromTheCommandLine(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		dsn := e.DSN(t)
		ctx := context.Background()
		var out, errb bytes.Buffer
		call := func(args ...string) error {
			out.Reset()
			errb.Reset()
			return run(ctx, append(args, "--db", dsn, "--data", t.TempDir()), strings.NewReader(""), &out, &errb)
		}
		if err := call("apikey", "add", "fms"); err != nil {
			t.Fatalf("apikey add: %v %s", err, errb.String())
		}
		key := regexp.MustCompile(`(?m)^[0-9a-f]{64}$`).FindString(out.String())
		if key == "" || !strings.Contains(out.String(), "open311-fms") {
			t.Fatalf("apikey add printed %q", out.String())
		}
		s := redgridtest.OpenDSN(t, dsn, sqlstore.Options{})
		var stored string
		if err := s.DB().QueryRow("SELECT key_hash FROM api_keys WHERE name = 'fms'").Scan(&stored); err != nil {
			t.Fatal(err)
		}
		h := sha256.Sum256([]byte(key))
		if stored != hex.EncodeToString(h[:]) || strings.Contains(stored, key) {
			t.Fatalf("stored %q, not the key's SHA-256", stored)
		}
		k, err := s.APIKeyByHash(ctx, stored)
		if err != nil || k.Username != "open311-fms" {
			t.Fatalf("the key does not authenticate: %v %+v", err, k)
		}
		if c, err := s.Credentials(ctx, "open311-fms"); err != nil || !c.Disabled {
			t.Errorf("the service account can log in: %v %+v", err, c)
		}
		for _, bad := range [][]string{{"apikey", "add", "fms"}, {"apikey", "add", "Bad Name"}, {"apikey", "add", "other", "--user", "nobody"}, {"apikey", "revoke", "nope"}, {"apikey"}, {"apikey", "add"}} {
			if err := call(bad...); err == nil {
				t.Errorf("%v was accepted", bad)
			}
		}
		if err := call("apikey", "list"); err != nil || !strings.Contains(out.String(), "fms") {
			t.Fatalf("apikey list: %v %s", err, out.String())
		}
		if err := call("apikey", "revoke", "fms"); err != nil {
			t.Fatalf("apikey revoke: %v", err)
		}
		if _, err := s.APIKeyByHash(ctx, stored); redgrid.ErrorKind(err) != redgrid.KindForbidden {
			t.Fatalf("a revoked key authenticates: %v", err)
		}
		if err := call("apikey", "list"); err != nil || strings.Count(out.String(), "\n") != 2 || strings.HasSuffix(strings.TrimSpace(out.String()), "-") {
			t.Fatalf("apikey list after revoke: %v %q", err, out.String())
		}
		var n int
		s.DB().QueryRow("SELECT COUNT(*) FROM audit_log WHERE action IN ('apikey.add', 'apikey.revoke') AND actor = 'cli'").Scan(&n)
		if n != 2 {
			t.Errorf("audit lines of apikey add and revoke: %d", n)
		}
	})
}
