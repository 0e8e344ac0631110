// Package redgridtest is the test kit: real databases only. Engines(t) yields SQLite always and
// PostgreSQL when REDGRID_TEST_PG holds a DSN; each test gets a fresh database (a temp file, or a
// schema of its own on PostgreSQL) with migrations applied.
package redgridtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/redgrid/redgrid/internal/pii"
	"github.com/redgrid/redgrid/internal/sqlstore"
)

// Clock is a settable fake clock for deadline-free tests.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock starts a clock at a fixed instant.
func NewClock() *Clock {
	return &Clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// Engine names an engine and opens fresh stores on it.
type Engine struct {
	Name string
	dsn  func(t testing.TB) string
}

// Engines returns SQLite and, when REDGRID_TEST_PG is set, PostgreSQL.
func Engines() []Engine {
	es := []Engine{{Name: "sqlite", dsn: func(t testing.TB) string { return filepath.Join(t.TempDir(), "redgrid.db") }}}
	if PGDSN() != "" {
		es = append(es, Engine{Name: "postgres", dsn: pgSchemaDSN})
	}
	return es
}

// PGDSN is the PostgreSQL DSN of the environment ("" when unset).
func PGDSN() string { return os.Getenv("REDGRID_TEST_PG") }

// DSN returns a DSN of a fresh, empty database on the engine.
func (e Engine) DSN(t testing.TB) string { return e.dsn(t) }

// Open opens and migrates a fresh store on the engine, closed when the test ends.
func (e Engine) Open(t testing.TB, opt sqlstore.Options) *sqlstore.Store {
	t.Helper()
	return OpenDSN(t, e.DSN(t), opt)
}

// OpenDSN opens and migrates a store on dsn, closed when the test ends. Its personal data is
// sealed with the keys of Keyring.
func OpenDSN(t testing.TB, dsn string, opt sqlstore.Options) *sqlstore.Store {
	t.Helper()
	ctx := context.Background()
	s, err := sqlstore.Open(ctx, dsn, opt)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	if err := s.UseKeys(ctx, pii.Fixed(Keyring())); err != nil {
		t.Fatalf("keys: %v", err)
	}
	return s
}

// Keyring is the keyring of test stores: always the same, so that two stores of one database
// (two servers) share it.
func Keyring() *pii.Keyring {
	key := func(s string) []byte { h := sha256.Sum256([]byte(s)); return h[:] }
	r, err := pii.NewKeyring(1, map[uint32][]byte{1: key("redgrid test key 1")}, key("redgrid test index key"))
	if err != nil {
		panic(err)
	}
	return r
}

// WriteKeyFile writes Keyring as the key file of the data directory dir, for a server started on
// a database a test store has filled.
func WriteKeyFile(t testing.TB, dir string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "pii.keys"), Keyring().Marshal(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// ForEach runs fn as a subtest on every engine.
func ForEach(t *testing.T, fn func(t *testing.T, e Engine)) {
	t.Helper()
	for _, e := range Engines() {
		t.Run(e.Name, func(t *testing.T) { fn(t, e) })
	}
}

// pgSchemaDSN creates a schema of the test's own and returns a DSN whose search_path points at it;
// the schema is dropped when the test ends.
func pgSchemaDSN(t testing.TB) string {
	t.Helper()
	base := PGDSN()
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		admin.Close()
		t.Fatalf("postgres at REDGRID_TEST_PG is not usable: %v", err)
	}
	t.Cleanup(func() {
		admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("REDGRID_TEST_PG: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
