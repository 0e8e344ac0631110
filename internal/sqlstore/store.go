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
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver (pure Go)

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/worktime"
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
	// Calendar counts case deadlines in working time (default: worktime.Default()).
	Calendar *worktime.Calendar
	// Cases configures the case loop.
	Cases CaseOptions
	// ReregisterMonths is how often a party member's dual registration falls due again
	// (default 6: every half year).
	ReregisterMonths int
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
	cal     *worktime.Calendar
	cases   CaseOptions
	// reregister: months after which a dual registration falls due again (members.go)
	reregister int

	batchOnce        sync.Once
	batch            *batcher
	batches, batched atomic.Int64  // group commits and the requests they carried
	batchRetries     atomic.Int64  // batches rerun one savepoint per request because one failed
	auth             authCache     // sessions and principals read in the last second (authcache.go)
	shardTurn        atomic.Uint64 // the next rollup shard (rollup.go)

	rstmts, wstmts *stmtCache // SQLite only
	wal            *walSync   // SQLite only: the flush of the WAL after commits (walsync.go)

	pii piiState // the keys of personal data (pii.go)

	catMu   sync.Mutex
	catAt   time.Time
	catByID map[int64]redgrid.Category
	catCode map[string]redgrid.Category
}

// BatchStats returns how many group commits ran and how many requests they carried.
func (s *Store) BatchStats() (commits, requests int64) { return s.batches.Load(), s.batched.Load() }

// BatchRetries is how many group commits had to rerun request by request because one failed.
func (s *Store) BatchRetries() int64 { return s.batchRetries.Load() }

// Open connects to dsn: a postgres:// or postgresql:// URL selects PostgreSQL; anything else is a
// path to an SQLite file (created with its directory when missing). It does not migrate.
func Open(ctx context.Context, dsn string, opt Options) (*Store, error) {
	s := &Store{log: opt.Logger, now: opt.Now, scheme: opt.Scheme, cal: opt.Calendar, cases: opt.Cases.withDefaults(), reregister: opt.ReregisterMonths}
	if s.reregister <= 0 {
		s.reregister = DefaultReregisterMonths
	}
	if s.cal == nil {
		s.cal = worktime.Default()
	}
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
		// A commit is on disk before it is acknowledged ("nothing lost"): the writer runs with
		// synchronous(NORMAL) and every write waits for s.wal's flush of the WAL after its commit,
		// which is synchronous(FULL)'s sync done outside the write lock (walsync.go).
		// busy_timeout first: the pragmas after it may wait for another process's lock.
		q := "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)" +
			"&_pragma=temp_store(MEMORY)&_time_format=sqlite"
		// Page caches: the writer's stays valid across its own commits, and SQLite's default of
		// 2 MB was too small for the indexes intake touches (a quarter of the duplicate
		// search's time went to reading pages back from the kernel): 64 MB. The readers'
		// caches are dropped whenever another connection commits; they map the file instead
		// (256 MB of address space each, pages shared with the kernel's cache).
		rdb, err := sql.Open("sqlite", "file:"+dsn+q+"&_pragma=synchronous(FULL)&_pragma=mmap_size(268435456)")
		if err != nil {
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
		rdb.SetMaxOpenConns(8)
		rdb.SetMaxIdleConns(8) // keep them: a new SQLite connection re-reads the schema and re-prepares every statement
		wdb, err := sql.Open("sqlite", "file:"+dsn+q+"&_pragma=synchronous(NORMAL)&_pragma=cache_size(-65536)&_txlock=immediate")
		if err != nil {
			rdb.Close()
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
		wdb.SetMaxOpenConns(1)
		s.db, s.wdb, s.dialect = rdb, wdb, sqlite
		s.wal = newWALSync(fileSync(dsn + "-wal"))
	}
	s.rstmts, s.wstmts = newStmtCache(s.db, s.dialect), newStmtCache(s.wdb, s.dialect)
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
	s.batchOnce.Do(func() {}) // no batcher starts after Close
	if s.batch != nil {
		s.batch.close()
	}
	if s.wal != nil {
		s.wal.close() // after the batcher: its last commits are flushed and answered
	}
	s.rstmts.close()
	s.wstmts.close()
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
	for i := 1; i < len(out); i++ {
		// Two branches may each add "the next" migration: one of them would be skipped silently.
		if out[i].version == out[i-1].version {
			return nil, fmt.Errorf("migrations %s and %s share number %d", out[i-1].name, out[i].name, out[i].version)
		}
	}
	return out, nil
}

// Migrate applies the embedded migrations not yet recorded, each in one transaction with its row
// in schema_migrations. On PostgreSQL an advisory lock keeps two starting servers from racing.
func (s *Store) Migrate(ctx context.Context) error {
	if err := s.applyMigrations(ctx); err != nil {
		return err
	}
	// Once the writer's connection is free again: what the SQL of a migration cannot do.
	if err := s.fillNameKeys(ctx); err != nil {
		return fmt.Errorf("migrate: search keys: %w", err)
	}
	return s.durable()
}

// applyMigrations applies the embedded migrations not applied yet, each in its own transaction
// on the writer's connection.
func (s *Store) applyMigrations(ctx context.Context) error {
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
	if st := t.s.wstmts.inTx(q); st != nil {
		return t.StmtContext(t.ctx, st).ExecContext(t.ctx, args...)
	}
	return t.ExecContext(t.ctx, t.s.dialect.rebind(q), args...)
}

func (t *tx) query(q string, args ...any) (*sql.Rows, error) {
	if st := t.s.wstmts.inTx(q); st != nil {
		return t.StmtContext(t.ctx, st).QueryContext(t.ctx, args...)
	}
	return t.QueryContext(t.ctx, t.s.dialect.rebind(q), args...)
}

func (t *tx) queryRow(q string, args ...any) *sql.Row {
	if st := t.s.wstmts.inTx(q); st != nil {
		return t.StmtContext(t.ctx, st).QueryRowContext(t.ctx, args...)
	}
	return t.QueryRowContext(t.ctx, t.s.dialect.rebind(q), args...)
}

// stmtCache keeps prepared statements by query text. SQLite parses every statement it is
// given, which cost a third of the CPU of case intake; a statement prepared once is reused on
// every connection it has been prepared on (database/sql tracks that, also inside transactions).
// PostgreSQL needs no cache here: pgx keeps its own per connection. nil on PostgreSQL.
//
// The SQLite writer has a single connection, which a transaction holds: preparing on the pool
// from inside a transaction would wait for itself. So a statement first seen inside a
// transaction runs unprepared and is noted; it is prepared once the transaction is over.
type stmtCache struct {
	mu     sync.Mutex
	db     *sql.DB
	d      dialect
	m      map[string]*sql.Stmt
	wanted map[string]bool
}

const stmtCacheMax = 1000

func newStmtCache(db *sql.DB, d dialect) *stmtCache {
	if d != sqlite {
		return nil
	}
	return &stmtCache{db: db, d: d, m: map[string]*sql.Stmt{}, wanted: map[string]bool{}}
}

// inTx returns the prepared statement for q if there is one; otherwise it notes q for
// prepareWanted and returns nil.
func (c *stmtCache) inTx(q string) *sql.Stmt {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.m[q]; ok {
		return st
	}
	if len(c.m)+len(c.wanted) < stmtCacheMax {
		c.wanted[q] = true
	}
	return nil
}

// prepareWanted prepares the statements noted inside transactions; call it with no transaction
// open on this goroutine.
func (c *stmtCache) prepareWanted(ctx context.Context) {
	if c == nil {
		return
	}
	c.mu.Lock()
	var qs []string
	for q := range c.wanted {
		qs = append(qs, q)
	}
	c.wanted = map[string]bool{}
	c.mu.Unlock()
	for _, q := range qs {
		c.get(ctx, q)
	}
}

// get returns the prepared statement for q, nil when it cannot be prepared or the cache is full
// (the caller then runs q unprepared).
func (c *stmtCache) get(ctx context.Context, q string) *sql.Stmt {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	st, ok := c.m[q]
	full := len(c.m) >= stmtCacheMax
	c.mu.Unlock()
	if ok {
		return st
	}
	if full {
		return nil
	}
	// Prepared without the lock held: preparing may wait for the writer's connection, whose
	// holder may be asking the cache at that moment.
	st, err := c.db.PrepareContext(context.WithoutCancel(ctx), c.d.rebind(q))
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev, ok := c.m[q]; ok {
		st.Close()
		return prev
	}
	c.m[q] = st
	return st
}

func (c *stmtCache) close() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.m {
		st.Close()
	}
	c.m = map[string]*sql.Stmt{}
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
	err = sqlTx.Commit()
	s.auth.invalidate() // also after a failed commit: the outcome may be unknown
	if err != nil {
		return s.dialect.mapErr(err)
	}
	s.wstmts.prepareWanted(ctx)
	return s.durable()
}

// durable returns once everything committed before the call is on disk: at once on PostgreSQL
// (synchronous_commit on), after the WAL's next flush on SQLite (walsync.go).
func (s *Store) durable() error {
	if s.wal == nil {
		return nil
	}
	return s.wal.wait()
}

func (s *Store) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if st := s.rstmts.get(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return s.db.QueryContext(ctx, s.dialect.rebind(q), args...)
}

func (s *Store) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	if st := s.rstmts.get(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return s.db.QueryRowContext(ctx, s.dialect.rebind(q), args...)
}

// exec runs one write statement in a transaction of its own and returns once it is durable.
func (s *Store) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	var res sql.Result
	var err error
	if st := s.wstmts.get(ctx, q); st != nil {
		res, err = st.ExecContext(ctx, args...)
	} else {
		res, err = s.wdb.ExecContext(ctx, s.dialect.rebind(q), args...)
	}
	if err != nil {
		return nil, err
	}
	return res, s.durable()
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
