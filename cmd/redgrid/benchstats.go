package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/auth"
	"github.com/redgrid/redgrid/internal/demo"
	"github.com/redgrid/redgrid/internal/pii"
	"github.com/redgrid/redgrid/internal/sqlstore"
)

// benchStats measures the figures endpoint (GET /api/v1/stats/cases) over a district with a long
// history: the demo district with --cases synthetic cases received over --days days
// (sqlstore.LoadSyntheticCases: cases written straight to the table, the case rollup then
// rebuilt from them). The load takes minutes for ten million cases (twenty on PostgreSQL), so
// --keep DIR keeps the database — on SQLite the file in DIR, on PostgreSQL a schema of the --db
// database whose name DIR records — with its keys in DIR, and a later run with the same DIR
// reuses it.
//
// The queries ask for random nodes (the district, streets, communities, grids) over random
// periods (a day, a week, a month, a quarter, a year, the whole history) from --concurrency
// clients over loopback. The last line is "stats: N queries over M cases, p50 X ms, p99 Y ms".
func benchStats(args []string, stdout, stderr io.Writer) error {
	fs, c := flags("bench stats", stderr)
	cases := fs.Int("cases", 10_000_000, "synthetic cases in the district")
	days := fs.Int("days", 1095, "days of history the cases are received over")
	queries := fs.Int("queries", 2000, "figure requests to time")
	conc := fs.Int("concurrency", 4, "concurrent clients")
	keep := fs.String("keep", "", "keep the database (SQLite: its file; PostgreSQL: the name of its schema) and its keys in this directory and reuse it when it holds the cases already")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *cases <= 0 || *days <= 0 || *queries <= 0 || *conc <= 0 {
		return errors.New("--cases, --days, --queries and --concurrency must be positive")
	}
	ctx := context.Background()
	var dsn string
	if *keep != "" {
		if err := os.MkdirAll(*keep, 0o750); err != nil {
			return err
		}
		dsn = filepath.Join(*keep, "redgrid.db")
		if c.db != "" {
			d, err := keptSchema(c.db, filepath.Join(*keep, "pg-schema"))
			if err != nil {
				return err
			}
			dsn = d
		}
	} else {
		d, cleanup, err := benchDSN(c.db)
		if err != nil {
			return err
		}
		defer cleanup()
		dsn = d
	}
	log := slog.New(slog.DiscardHandler)
	s, err := sqlstore.Open(ctx, dsn, sqlstore.Options{Logger: log, MaxOpenConns: 16})
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		return err
	}
	// A database of the benchmark's own: keys of its own, kept with a kept database only.
	keys := pii.Fixed(pii.Generate())
	if *keep != "" {
		path := filepath.Join(*keep, "pii.keys")
		if keys, err = pii.LoadFile(path); errors.Is(err, pii.ErrNoKeyFile) {
			keys, err = pii.CreateFile(path)
		}
		if err != nil {
			return err
		}
	}
	if err := s.UseKeys(ctx, keys); err != nil {
		return err
	}
	var have int
	if err := s.DB().QueryRow("SELECT COUNT(*) FROM nodes").Scan(&have); err != nil {
		return err
	}
	fresh := have == 0
	if fresh {
		fmt.Fprintf(stdout, "preparing the demo district on %s…\n", s.Engine())
		if _, err := demo.Generate(ctx, s, 1, auth.TestParams); err != nil {
			return err
		}
		if _, err := s.EnsureCategories(ctx, redgrid.DefaultCategories()); err != nil {
			return err
		}
	}
	if err := s.DB().QueryRow("SELECT COUNT(*) FROM cases").Scan(&have); err != nil {
		return err
	}
	end := time.Now().In(time.FixedZone("CST", 8*3600)) // received days are CST days
	if have < *cases {
		if !fresh {
			return fmt.Errorf("%s holds %d cases, fewer than --cases %d: use another --keep directory", dsn, have, *cases)
		}
		// the demo's own live cases and the synthetic history make --cases together
		load := *cases - have
		fmt.Fprintf(stdout, "loading %d synthetic cases over %d days…\n", load, *days)
		start := time.Now()
		err := s.LoadSyntheticCases(ctx, sqlstore.SynthCases{Cases: load, Days: *days, End: end, Seed: 1,
			Progress: func(done int) {
				if done%1_000_000 == 0 || done == load {
					fmt.Fprintf(stdout, "  %d cases (%.0f s)\n", done, time.Since(start).Seconds())
				}
			}})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "loaded and rolled up in %.0f s\n", time.Since(start).Seconds())
		have = *cases
	} else {
		var last string
		if err := s.DB().QueryRow("SELECT MAX(received_day) FROM cases").Scan(&last); err != nil {
			return err
		}
		if t, err := time.Parse(time.DateOnly, last); err == nil {
			end = t
		}
		fmt.Fprintf(stdout, "reusing %d cases in %s\n", have, dsn)
	}
	var rollups int
	if err := s.DB().QueryRow("SELECT COUNT(*) FROM case_rollup").Scan(&rollups); err != nil {
		return err
	}
	var nodes []redgrid.Node
	for _, k := range []redgrid.NodeKind{redgrid.KindDistrict, redgrid.KindStreet, redgrid.KindCommunity, redgrid.KindGrid} {
		ns, err := s.NodesOfKind(ctx, "/", k)
		if err != nil {
			return err
		}
		nodes = append(nodes, ns...)
	}
	base, client, token, stop, err := benchServer(ctx, s, log, *conc)
	if err != nil {
		return err
	}
	defer stop()
	periods := []int{1, 7, 30, 91, 365, *days}
	get := func(rng *mrand.Rand) (time.Duration, error) {
		n := nodes[rng.IntN(len(nodes))]
		span := periods[rng.IntN(len(periods))]
		to := end.AddDate(0, 0, -rng.IntN(max(1, *days-span+1)))
		from := to.AddDate(0, 0, 1-span)
		url := fmt.Sprintf("%s/api/v1/stats/cases?node=%d&from=%s&to=%s", base, n.ID, from.Format(time.DateOnly), to.Format(time.DateOnly))
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		start := time.Now()
		res, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		var body struct {
			Counts map[string]int64 `json:"counts"`
		}
		err = json.NewDecoder(res.Body).Decode(&body)
		res.Body.Close()
		d := time.Since(start)
		if res.StatusCode != http.StatusOK || err != nil {
			return d, fmt.Errorf("%s: status %d (%v)", url, res.StatusCode, err)
		}
		return d, nil
	}
	// The whole district over the whole history must count every case.
	var all struct {
		Counts map[string]int64 `json:"counts"`
	}
	req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/v1/stats/cases?node=%d&from=%s&to=%s", base, nodes[0].ID,
		end.AddDate(0, 0, -*days).Format(time.DateOnly), end.Format(time.DateOnly)), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	err = json.NewDecoder(res.Body).Decode(&all)
	res.Body.Close()
	if err != nil || all.Counts["received"] != int64(have) {
		return fmt.Errorf("the district's figures count %d cases received, the database holds %d (%v)", all.Counts["received"], have, err)
	}
	warm := mrand.New(mrand.NewPCG(2, 2))
	for range 50 {
		if _, err := get(warm); err != nil {
			return err
		}
	}
	lat := make([]time.Duration, *queries)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	next := 0
	start := time.Now()
	for w := range *conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := mrand.New(mrand.NewPCG(uint64(w), 3))
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= *queries {
					return
				}
				d, err := get(rng)
				if err != nil {
					mu.Lock()
					firstErr = errors.Join(firstErr, err)
					mu.Unlock()
					return
				}
				lat[i] = d
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	elapsed := time.Since(start)
	p50, p99 := percentiles(lat)
	var worst time.Duration
	for _, d := range lat {
		worst = max(worst, d)
	}
	fmt.Fprintf(stdout, "%d nodes, %d rollup rows; %d queries in %.1f s from %d clients; max %.1f ms\n", len(nodes), rollups, *queries,
		elapsed.Seconds(), *conc, float64(worst.Microseconds())/1000)
	fmt.Fprintf(stdout, "stats: %d queries over %d cases, p50 %.1f ms, p99 %.1f ms\n", *queries, have, p50, p99)
	return nil
}
