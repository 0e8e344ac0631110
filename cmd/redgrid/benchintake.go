package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/api"
	"github.com/redgrid/redgrid/internal/atlas"
	"github.com/redgrid/redgrid/internal/auth"
	"github.com/redgrid/redgrid/internal/demo"
	"github.com/redgrid/redgrid/internal/pii"
	"github.com/redgrid/redgrid/internal/sqlstore"
)

// benchIntake measures case intake end to end: a redgrid server on a fresh database (the demo
// district, default categories) listening on loopback, and a load generator on the same machine
// posting reports from the district's buildings. Each 201 means the case, its event, its deadline
// and its audit line are committed durably (SQLite: the WAL flushed to disk after the commit, as
// synchronous=FULL does; PostgreSQL with synchronous_commit on).
//
// Two phases: a fixed rate (--rate, default 1,000 cases/s, open loop: requests are sent on
// schedule whether or not earlier ones have returned) for latency, then as fast as --concurrency
// clients can go for throughput. The last line is "intake: N cases/s, p50 X ms, p99 Y ms".
func benchIntake(args []string, stdout, stderr io.Writer) error {
	fs, c := flags("bench intake", stderr)
	cases := fs.Int("cases", 50000, "cases to post in the throughput phase")
	conc := fs.Int("concurrency", 64, "concurrent clients in the throughput phase")
	rate := fs.Int("rate", 1000, "cases per second in the latency phase (0: skip it)")
	rateFor := fs.Duration("rate-for", 5*time.Second, "length of the latency phase")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the throughput phase to this file")
	withKeys := fs.Bool("idempotency-keys", false, "send an Idempotency-Key with every report, as the phone report form does")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *cases <= 0 || *conc <= 0 || *rate < 0 {
		return errors.New("--cases and --concurrency must be positive, --rate not negative")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dsn, cleanup, err := benchDSN(c.db)
	if err != nil {
		return err
	}
	defer cleanup()
	log := slog.New(slog.DiscardHandler)
	cal, err := c.calendar()
	if err != nil {
		return err
	}
	s, err := sqlstore.Open(ctx, dsn, sqlstore.Options{Logger: log, Calendar: cal, MaxOpenConns: 32})
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		return err
	}
	// A fresh database of the benchmark's own: keys of its own, kept nowhere.
	if err := s.UseKeys(ctx, pii.Fixed(pii.Generate())); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "preparing the demo district on %s…\n", s.Engine())
	if _, err := demo.Generate(ctx, s, 1, auth.TestParams); err != nil {
		return err
	}
	if _, err := s.EnsureCategories(ctx, redgrid.DefaultCategories()); err != nil {
		return err
	}
	places, err := s.BuildingPlaces(ctx, "/")
	if err != nil {
		return err
	}
	var pts [][2]float64
	for _, p := range places {
		if p.HasPos {
			pts = append(pts, [2]float64{p.Lng, p.Lat})
		}
	}
	if len(pts) == 0 {
		return errors.New("the demo district has no placed buildings")
	}
	base, client, token, stop, err := benchServer(ctx, s, log, *conc)
	if err != nil {
		return err
	}
	defer stop()
	cats := []string{"0101", "0102", "0203", "0301", "0502", "0701", "1001", "1002"}
	var seq atomic.Int64
	post := func() (time.Duration, error) {
		n := seq.Add(1)
		p := pts[mrand.IntN(len(pts))]
		body, _ := json.Marshal(map[string]any{"category": cats[n%int64(len(cats))], "lng": p[0] + (mrand.Float64()-0.5)*1e-5,
			"lat": p[1] + (mrand.Float64()-0.5)*1e-5, "description": fmt.Sprintf("压测案件 %d：楼下暴露垃圾", n), "channel": "phone",
			"reporter_phone": "13800138000", "address": "测试地址"})
		req, _ := http.NewRequest("POST", base+"/api/v1/cases", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		if *withKeys {
			req.Header.Set("Idempotency-Key", fmt.Sprintf("bench-%d", n))
		}
		start := time.Now()
		res, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		d := time.Since(start)
		if res.StatusCode != http.StatusCreated {
			return d, fmt.Errorf("status %d: %s", res.StatusCode, b)
		}
		return d, nil
	}
	// Warm up connections and caches.
	for range 50 {
		if _, err := post(); err != nil {
			return err
		}
	}
	if *rate > 0 {
		n := int(float64(*rate) * rateFor.Seconds())
		fmt.Fprintf(stdout, "latency phase: %d cases at %d cases/s…\n", n, *rate)
		lat := make([]time.Duration, n)
		var wg sync.WaitGroup
		var firstErr atomic.Value
		start := time.Now()
		interval := time.Second / time.Duration(*rate)
		for i := range n {
			if d := time.Until(start.Add(time.Duration(i) * interval)); d > 0 {
				time.Sleep(d)
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				d, err := post()
				if err != nil {
					firstErr.CompareAndSwap(nil, err)
				}
				lat[i] = d
			}()
		}
		wg.Wait()
		if err, _ := firstErr.Load().(error); err != nil {
			return err
		}
		p50, p99 := percentiles(lat)
		fmt.Fprintf(stdout, "intake at %d cases/s: %d cases/s achieved, p50 %.1f ms, p99 %.1f ms\n", *rate, int(float64(n)/time.Since(start).Seconds()), p50, p99)
	}
	fmt.Fprintf(stdout, "throughput phase: %d cases from %d clients…\n", *cases, *conc)
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		pprof.StartCPUProfile(f)
		defer f.Close()
		defer pprof.StopCPUProfile()
	}
	c0, r0 := s.BatchStats()
	lat := make([]time.Duration, *cases)
	var next atomic.Int64
	var wg sync.WaitGroup
	var firstErr atomic.Value
	start := time.Now()
	for range *conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(*cases) {
					return
				}
				d, err := post()
				if err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
				lat[i] = d
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err, _ := firstErr.Load().(error); err != nil {
		return err
	}
	c1, r1 := s.BatchStats()
	var stored int
	if err := s.DB().QueryRow("SELECT COUNT(*) FROM cases").Scan(&stored); err != nil {
		return err
	}
	p50, p99 := percentiles(lat)
	fmt.Fprintf(stdout, "%d cases stored; %d group commits, %.1f cases per commit\n", stored, c1-c0, float64(r1-r0)/math.Max(1, float64(c1-c0)))
	fmt.Fprintf(stdout, "intake: %d cases/s, p50 %.1f ms, p99 %.1f ms\n", int(float64(*cases)/elapsed.Seconds()), p50, p99)
	return nil
}

func percentiles(d []time.Duration) (p50, p99 float64) {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	at := func(q float64) float64 {
		return float64(s[int(q*float64(len(s)-1))].Microseconds()) / 1000
	}
	return at(0.5), at(0.99)
}

// benchServer serves the API over s on a loopback port and logs in as the demo's admin; it
// returns the base URL, a client keeping conns connections, the admin's token and the stop.
func benchServer(ctx context.Context, s *sqlstore.Store, log *slog.Logger, conns int) (base string, client *http.Client, token string, stop func(), err error) {
	at := atlas.New(s, atlas.Options{}, log)
	if err := at.Refresh(ctx); err != nil {
		return "", nil, "", nil, err
	}
	srv := api.New(s, log, api.Config{Atlas: at, Argon: auth.TestParams}, nil, nil, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, "", nil, err
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	base = "http://" + ln.Addr().String()
	client = &http.Client{Transport: &http.Transport{MaxIdleConns: 2 * conns, MaxIdleConnsPerHost: 2 * conns}, Timeout: 30 * time.Second}
	if token, err = benchLogin(client, base, "admin", demo.Password); err != nil {
		hs.Close()
		return "", nil, "", nil, err
	}
	return base, client, token, func() { hs.Close() }, nil
}

func benchLogin(client *http.Client, base, user, password string) (string, error) {
	body, _ := json.Marshal(map[string]string{"username": user, "password": password})
	res, err := client.Post(base+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	var lr struct{ Token string }
	if err := json.NewDecoder(res.Body).Decode(&lr); err != nil || res.StatusCode != 200 {
		return "", fmt.Errorf("login %s: status %d", user, res.StatusCode)
	}
	return lr.Token, nil
}

// benchDSN returns a fresh database: a temporary SQLite file, or a new schema on the PostgreSQL
// of --db (dropped afterwards).
func benchDSN(db string) (string, func(), error) {
	if db == "" {
		dir, err := os.MkdirTemp("", "redgrid-bench-")
		if err != nil {
			return "", nil, err
		}
		return filepath.Join(dir, "redgrid.db"), func() { os.RemoveAll(dir) }, nil
	}
	schema := newBenchSchema()
	dsn, err := createSchema(db, schema)
	if err != nil {
		return "", nil, err
	}
	return dsn, func() {
		if admin, err := sql.Open("pgx", db); err == nil {
			admin.Exec("DROP SCHEMA " + schema + " CASCADE")
			admin.Close()
		}
	}, nil
}

func newBenchSchema() string {
	b := make([]byte, 6)
	rand.Read(b)
	return "bench_" + hex.EncodeToString(b)
}

// keptSchema returns the DSN of the PostgreSQL schema named in the file at path, creating the
// schema and the file the first time.
func keptSchema(db, path string) (string, error) {
	if b, err := os.ReadFile(path); err == nil {
		return schemaDSN(db, strings.TrimSpace(string(b)))
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	schema := newBenchSchema()
	dsn, err := createSchema(db, schema)
	if err != nil {
		return "", err
	}
	return dsn, os.WriteFile(path, []byte(schema+"\n"), 0o640)
}

func createSchema(db, schema string) (string, error) {
	admin, err := sql.Open("pgx", db)
	if err != nil {
		return "", err
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		return "", err
	}
	return schemaDSN(db, schema)
}

// schemaDSN is db with its search_path set to schema.
func schemaDSN(db, schema string) (string, error) {
	u, err := url.Parse(db)
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}
