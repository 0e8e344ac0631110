package geo

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"time"
)

// ErrBenchOptions is wrapped by BenchLocate's errors for options out of range.
var ErrBenchOptions = errors.New("invalid benchmark options")

// Limits of BenchOptions.
const (
	BenchMaxPolygons = 10_000_000
	BenchMaxLookups  = 100_000_000
)

// BenchOptions configures BenchLocate.
type BenchOptions struct {
	Polygons int    // synthetic grids to index (SyntheticGrids), 1..BenchMaxPolygons
	Lookups  int    // points to locate, 1..BenchMaxLookups
	Seed     uint64 // seeds the grids and the query points; the same seed gives the same work
	CRS      CRS    // the system the query points arrive in; 0 means GCJ02 (a phone on Amap)
}

// Result is what BenchLocate measured.
//
// The lookups run twice over fresh random points, each time on one goroutine locked to its OS
// thread: a throughput pass timed as a whole (PerSecond), and a latency pass that reads the clock
// around every single lookup (P50, P99, Max). The latencies include the cost of reading the clock
// once (TimerOverhead is that cost, measured the same way around nothing); nothing is subtracted.
// Every lookup converts its point from CRS to WGS-84 (ToWGS84) and then calls Index.Locate.
type Result struct {
	Polygons int
	Lookups  int // in each pass
	CRS      CRS
	Vertices int // points of all grids, closing points included
	Hits     int // lookups of the throughput pass that found a grid

	PerSecond      float64       // Lookups / Elapsed
	PerSecondTimed float64       // Lookups / ElapsedTimed
	Elapsed        time.Duration // the throughput pass's lookups (point generation excluded)
	ElapsedTimed   time.Duration // the latency pass's lookups, clock reads included
	P50, P99, Max  time.Duration // per lookup, latency pass
	TimerOverhead  time.Duration // median of time.Since(time.Now()) with nothing between

	Generate   time.Duration // SyntheticGrids
	Build      time.Duration // NewIndex
	MemBytes   uint64        // growth of the live heap (HeapAlloc after a GC) across NewIndex
	IndexBytes int           // Index.MemoryBytes
}

// String summarises r on one line: "locate: N lookups/s, p99 X µs, build Y s, Z MB" with N the
// throughput rounded to an integer, X and Y to two decimals and Z = MemBytes in megabytes (10⁶
// bytes), rounded.
func (r Result) String() string {
	return fmt.Sprintf("locate: %d lookups/s, p99 %.2f µs, build %.2f s, %d MB",
		int64(math.Round(r.PerSecond)), float64(r.P99)/float64(time.Microsecond), r.Build.Seconds(),
		int64(math.Round(float64(r.MemBytes)/1e6)))
}

// benchChunk is the number of query points generated (untimed) at a time.
const benchChunk = 1 << 16

// BenchLocate measures the point index on a synthetic province: it builds SyntheticGrids(o.Polygons,
// o.Seed), measuring the build time and memory, then locates o.Lookups random points of the
// region's bounding box given in o.CRS (see Result for how). It takes a few seconds for 100,000
// polygons and 2,000,000 lookups and is meant to be run alone on an otherwise quiet machine.
func BenchLocate(o BenchOptions) (Result, error) {
	if o.Polygons < 1 || o.Polygons > BenchMaxPolygons {
		return Result{}, fmt.Errorf("geo: bench: polygons %d, want 1..%d: %w", o.Polygons, BenchMaxPolygons, ErrBenchOptions)
	}
	if o.Lookups < 1 || o.Lookups > BenchMaxLookups {
		return Result{}, fmt.Errorf("geo: bench: lookups %d, want 1..%d: %w", o.Lookups, BenchMaxLookups, ErrBenchOptions)
	}
	if o.CRS == 0 {
		o.CRS = GCJ02
	}
	switch o.CRS {
	case WGS84, CGCS2000, GCJ02, BD09:
	default:
		return Result{}, fmt.Errorf("geo: bench: %v: %w", o.CRS, ErrUnknownCRS)
	}
	r := Result{Polygons: o.Polygons, Lookups: o.Lookups, CRS: o.CRS}

	t := time.Now()
	items := SyntheticGrids(o.Polygons, o.Seed)
	r.Generate = time.Since(t)
	for _, it := range items {
		r.Vertices += it.Shape.NumVertices()
	}

	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	t = time.Now()
	ix := NewIndex(items)
	r.Build = time.Since(t)
	runtime.GC()
	runtime.ReadMemStats(&m1)
	runtime.KeepAlive(items) // live across both readings, so only the index is counted
	if m1.HeapAlloc > m0.HeapAlloc {
		r.MemBytes = m1.HeapAlloc - m0.HeapAlloc
	}
	r.IndexBytes = ix.MemoryBytes()
	items = nil
	runtime.GC()

	runtime.LockOSThread()
	defer runtime.UnlockOSThread()

	q := make([]Point, benchChunk)
	var sink int64

	// Throughput pass.
	gen := newBenchQueries(ix.box, o.CRS, o.Seed, 1)
	var elapsed time.Duration
	for done := 0; done < o.Lookups; {
		n := min(benchChunk, o.Lookups-done)
		gen.fill(q[:n])
		t := time.Now()
		for _, p := range q[:n] {
			x, y, _ := ToWGS84(p.Lng, p.Lat, o.CRS)
			id, ok := ix.Locate(Point{x, y})
			if ok {
				r.Hits++
				sink ^= id
			}
		}
		elapsed += time.Since(t)
		done += n
	}
	r.Elapsed = elapsed
	r.PerSecond = float64(o.Lookups) / elapsed.Seconds()

	// The cost of reading the clock around nothing.
	var h latencyHist
	for range 100_000 {
		t := time.Now()
		h.add(time.Since(t))
	}
	r.TimerOverhead = h.quantile(0.5)

	// Latency pass, on fresh points.
	h = latencyHist{}
	gen = newBenchQueries(ix.box, o.CRS, o.Seed, 2)
	elapsed = 0
	for done := 0; done < o.Lookups; {
		n := min(benchChunk, o.Lookups-done)
		gen.fill(q[:n])
		t0 := time.Now()
		for _, p := range q[:n] {
			t := time.Now()
			x, y, _ := ToWGS84(p.Lng, p.Lat, o.CRS)
			id, _ := ix.Locate(Point{x, y})
			h.add(time.Since(t))
			sink ^= id
		}
		elapsed += time.Since(t0)
		done += n
	}
	r.ElapsedTimed = elapsed
	r.PerSecondTimed = float64(o.Lookups) / elapsed.Seconds()
	r.P50, r.P99, r.Max = h.quantile(0.5), h.quantile(0.99), h.max
	benchSink = sink
	runtime.KeepAlive(ix)
	return r, nil
}

// benchSink keeps the lookups' results observable so that they cannot be optimised away.
var benchSink int64

// benchQueries generates uniformly random points of a box (WGS-84), converted to a CRS.
type benchQueries struct {
	rng *rand.Rand
	box BBox
	crs CRS
}

func newBenchQueries(box BBox, crs CRS, seed, stream uint64) *benchQueries {
	return &benchQueries{rng: rand.New(rand.NewPCG(seed, stream)), box: box, crs: crs}
}

// fill replaces q with the next len(q) points, in g.crs. The WGS-84 points drawn depend only on
// the seed and stream, not on the CRS.
func (g *benchQueries) fill(q []Point) {
	w, h := g.box.MaxLng-g.box.MinLng, g.box.MaxLat-g.box.MinLat
	for i := range q {
		lng, lat := g.box.MinLng+w*g.rng.Float64(), g.box.MinLat+h*g.rng.Float64()
		if x, y, err := FromWGS84(lng, lat, g.crs); err == nil {
			lng, lat = x, y
		}
		q[i] = Point{lng, lat}
	}
}

// latencyHist counts durations in 1 ns buckets up to histFine and keeps the rare longer ones
// exactly, so quantiles are exact without storing every sample.
type latencyHist struct {
	fine [histFine]uint32
	slow []time.Duration
	n    int
	max  time.Duration
}

const histFine = 1 << 16 // 65.5 µs

func (h *latencyHist) add(d time.Duration) {
	if d < 0 {
		d = 0
	}
	if d < histFine {
		h.fine[d]++
	} else {
		h.slow = append(h.slow, d)
	}
	h.n++
	h.max = max(h.max, d)
}

// quantile returns the smallest duration d such that at least q·n samples are ≤ d (nearest rank).
func (h *latencyHist) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := max(1, int(math.Ceil(q*float64(h.n))))
	seen := 0
	for d, c := range h.fine {
		seen += int(c)
		if seen >= rank {
			return time.Duration(d)
		}
	}
	slow := slices.Clone(h.slow)
	slices.Sort(slow)
	return slow[rank-seen-1]
}
