// Package sqlstore is redgrid's one store for both database engines: SQLite (embedded, the
// default) and PostgreSQL (production, several servers). It speaks plain SQL in the subset both
// engines share; dialect.go holds the few differences and maps driver errors to redgrid kinds.
package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver (pure Go)

	"github.com/redgrid/redgrid"
)

//go:embed migrations
var migrationsFS embed.FS

// Options configure a Store.
type Options struct {
	Logger *slog.Logger
	Now    func() time.Time
	Scheme redgrid.CodeScheme
	// MaxOpenConns bounds the PostgreSQL pool (default 16).
	MaxOpenConns int
}

// Store is the database. It holds no state that is not in the database, so several processes may
// share one PostgreSQL.
type Store struct {
	db      *sql.DB // reads (and, on PostgreSQL, writes)
	wdb     *sql.DB // writes: on SQLite a single connection, so writers queue in Go, not in busy loops
	dialect dialect
	log     *slog.Logger
	now     func() time.Time
	scheme  redgrid.CodeScheme
}

// Open connects to dsn: a postgres:// or postgresql:// URL selects PostgreSQL; anything else is a
// path to an SQLite file (created with its directory when missing). It does not migrate.
func Open(ctx context.Context, dsn string, opt Options) (*Store, error) {
	s := &Store{log: opt.Logger, now: opt.Now, scheme: opt.Scheme}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if !s.scheme.Valid() {
		s.scheme = redgrid.DefaultCodeScheme
	}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		n := opt.MaxOpenConns
		if n <= 0 {
			n = 16
		}
		db.SetMaxOpenConns(n)
		db.SetMaxIdleConns(n)
		db.SetConnMaxIdleTime(5 * time.Minute)
		s.db, s.wdb, s.dialect = db, db, postgres
	} else {
		if dir := filepath.Dir(dsn); dir != "" {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return nil, fmt.Errorf("create data directory: %w", err)
			}
		}
		// synchronous(FULL): a commit is on disk before it is acknowledged ("nothing lost").
		// busy_timeout first: the pragmas after it may wait for another process's lock.
		q := "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)" +
			"&_pragma=synchronous(FULL)&_time_format=sqlite"
		rdb, err := sql.Open("sqlite", "file:"+dsn+q)
		if err != nil {
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
		rdb.SetMaxOpenConns(8)
		wdb, err := sql.Open("sqlite", "file:"+dsn+q+"&_txlock=immediate")
		if err != nil {
			rdb.Close()
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
		wdb.SetMaxOpenConns(1)
		s.db, s.wdb, s.dialect = rdb, wdb, sqlite
	}
	if err := s.ping(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("connect: %w", err)
	}
	return s, nil
}

// ping opens the first connection of each pool. On SQLite, switching a new database to WAL while another
// process is migrating it can fail at once with SQLITE_BUSY (the journal-mode change does not
// wait on busy_timeout), so that error is retried for up to ten seconds.
func (s *Store) ping(ctx context.Context) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := s.db.PingContext(ctx)
		if err == nil && s.wdb != s.db {
			err = s.wdb.PingContext(ctx)
		}
		if err == nil || s.dialect != sqlite || !strings.Contains(err.Error(), "SQLITE_BUSY") || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Close releases the connections.
func (s *Store) Close() error {
	err := s.db.Close()
	if s.wdb != s.db {
		err = errors.Join(err, s.wdb.Close())
	}
	return err
}

// Engine names the database engine: "sqlite" or "postgres".
func (s *Store) Engine() string { return string(s.dialect) }

// Scheme returns the node code layout in force.
func (s *Store) Scheme() redgrid.CodeScheme { return s.scheme }

// DB exposes the read pool for tests and tools that need raw SQL.
func (s *Store) DB() *sql.DB { return s.db }

type migration struct {
	version int
	name    string
	sql     string
}

func (s *Store) migrations() ([]migration, error) {
	dir := "migrations/" + string(s.dialect)
	entries, err := fs.ReadDir(migrationsFS, dir)
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		v, err := strconv.Atoi(strings.SplitN(name, "_", 2)[0])
		if err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number", name)
		}
		b, err := fs.ReadFile(migrationsFS, dir+"/"+name)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: name, sql: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// Migrate applies the embedded migrations not yet recorded, each in one transaction with its row
// in schema_migrations. On PostgreSQL an advisory lock keeps two starting servers from racing.
func (s *Store) Migrate(ctx context.Context) error {
	ms, err := s.migrations()
	if err != nil {
		return fmt.Errorf("read migrations: %w", err)
	}
	conn, err := s.wdb.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer conn.Close()
	if s.dialect == postgres {
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(7342001)"); err != nil {
			return fmt.Errorf("migrate lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(7342001)")
	}
	ts := "TIMESTAMP"
	if s.dialect == postgres {
		ts = "TIMESTAMPTZ"
	}
	if _, err := conn.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at "+ts+" NOT NULL)"); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, m := range ms {
		// The check runs inside the migration's own transaction: on SQLite that is BEGIN IMMEDIATE,
		// which holds the write lock, so a second server starting at the same moment waits and
		// then sees the row (on PostgreSQL the advisory lock above does the same).
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		var n int
		if err := tx.QueryRowContext(ctx, s.dialect.rebind("SELECT COUNT(*) FROM schema_migrations WHERE version = ?"), m.version).Scan(&n); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		if n > 0 {
			tx.Rollback()
			continue
		}
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		if _, err := tx.ExecContext(ctx, s.dialect.rebind("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)"), m.version, m.name, s.now().UTC()); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		s.log.Info("migration applied", "name", m.name, "engine", s.Engine())
	}
	return nil
}

// Ready reports whether the database answers and every embedded migration is applied.
func (s *Store) Ready(ctx context.Context) error {
	ms, err := s.migrations()
	if err != nil {
		return err
	}
	var n int
	if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM schema_migrations").Scan(&n); err != nil {
		return fmt.Errorf("database not ready: %w", err)
	}
	if n < len(ms) {
		return fmt.Errorf("database not ready: %d of %d migrations applied", n, len(ms))
	}
	return nil
}

// tx wraps a transaction and rebinds placeholders for the engine.
type tx struct {
	*sql.Tx
	s   *Store
	ctx context.Context
}

func (t *tx) exec(q string, args ...any) (sql.Result, error) {
	return t.ExecContext(t.ctx, t.s.dialect.rebind(q), args...)
}

func (t *tx) query(q string, args ...any) (*sql.Rows, error) {
	return t.QueryContext(t.ctx, t.s.dialect.rebind(q), args...)
}

func (t *tx) queryRow(q string, args ...any) *sql.Row {
	return t.QueryRowContext(t.ctx, t.s.dialect.rebind(q), args...)
}

// write runs fn in one write transaction: all of it commits or none of it.
func (s *Store) write(ctx context.Context, fn func(*tx) error) error {
	sqlTx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return s.dialect.mapErr(err)
	}
	t := &tx{Tx: sqlTx, s: s, ctx: ctx}
	if err := fn(t); err != nil {
		sqlTx.Rollback()
		return s.dialect.mapErr(err)
	}
	if err := sqlTx.Commit(); err != nil {
		return s.dialect.mapErr(err)
	}
	return nil
}

func (s *Store) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return s.db.QueryContext(ctx, s.dialect.rebind(q), args...)
}

func (s *Store) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return s.db.QueryRowContext(ctx, s.dialect.rebind(q), args...)
}

func (s *Store) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return s.wdb.ExecContext(ctx, s.dialect.rebind(q), args...)
}

// today is the current date in China Standard Time, the calendar the districts work by.
func (s *Store) today() string { return s.now().In(cst).Format(time.DateOnly) }

var cst = time.FixedZone("CST", 8*3600)

// randomHex returns n random bytes as hex.
func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b)
}
