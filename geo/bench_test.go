package geo

import (
	"errors"
	"regexp"
	"sync"
	"testing"
	"time"
)

// The benchmark province: 100,000 synthetic grids (12–48 vertices each) and their index, built
// once for all benchmarks that need them.
const benchPolygons = 100_000

var benchFixture struct {
	once  sync.Once
	items []Item
	ix    *Index
	wgs   []Point // random points of the region's box, WGS-84
	gcj   []Point // the same points in GCJ-02
}

const benchPoints = 1 << 16

func benchSetup(b *testing.B) {
	b.Helper()
	f := &benchFixture
	f.once.Do(func() {
		f.items = SyntheticGrids(benchPolygons, 1)
		f.ix = NewIndex(f.items)
		f.wgs = make([]Point, benchPoints)
		f.gcj = make([]Point, benchPoints)
		newBenchQueries(f.ix.box, WGS84, 1, 3).fill(f.wgs)
		newBenchQueries(f.ix.box, GCJ02, 1, 3).fill(f.gcj)
	})
}

// fxPlainResult prints as its fields (Result has a String method).
type fxPlainResult Result

var sinkID int64
var sinkF float64

// BenchmarkLocate: Index.Locate of a WGS-84 point among 100,000 grids.
func BenchmarkLocate(b *testing.B) {
	benchSetup(b)
	ix, pts := benchFixture.ix, benchFixture.wgs
	var s int64
	for i := 0; b.Loop(); i++ {
		id, _ := ix.Locate(pts[i&(benchPoints-1)])
		s ^= id
	}
	sinkID = s
}

// BenchmarkLocateGCJ02: the realistic request, a GCJ-02 point from a phone: ToWGS84, then Locate.
func BenchmarkLocateGCJ02(b *testing.B) {
	benchSetup(b)
	ix, pts := benchFixture.ix, benchFixture.gcj
	var s int64
	for i := 0; b.Loop(); i++ {
		p := pts[i&(benchPoints-1)]
		x, y, _ := ToWGS84(p.Lng, p.Lat, GCJ02)
		id, _ := ix.Locate(Point{x, y})
		s ^= id
	}
	sinkID = s
}

// BenchmarkGCJ02ToWGS84: the iterative inverse on its own.
func BenchmarkGCJ02ToWGS84(b *testing.B) {
	benchSetup(b)
	pts := benchFixture.gcj
	var s float64
	for i := 0; b.Loop(); i++ {
		p := pts[i&(benchPoints-1)]
		x, y := GCJ02ToWGS84(p.Lng, p.Lat)
		s += x + y
	}
	sinkF = s
}

// BenchmarkNewIndex: building the index of 100,000 grids; reports the index's size (MB =
// Index.MemoryBytes / 10⁶).
func BenchmarkNewIndex(b *testing.B) {
	benchSetup(b)
	items := benchFixture.items
	var ix *Index
	for b.Loop() {
		ix = NewIndex(items)
	}
	b.ReportMetric(float64(ix.MemoryBytes())/1e6, "MB")
}

// BenchmarkValidate50: validating the 50 grid polygons of one community-sized block; one op is
// the whole community.
func BenchmarkValidate50(b *testing.B) {
	items := SyntheticGrids(50, 1)
	for b.Loop() {
		for _, it := range items {
			if err := it.Shape.Validate(); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkLocateDriver runs BenchLocate as `redgrid bench locate` does with its defaults
// (100,000 polygons, 2,000,000 GCJ-02 lookups) and reports its figures. One run takes several
// seconds, so b.Loop runs it once under the default -benchtime.
func BenchmarkLocateDriver(b *testing.B) {
	var r Result
	for b.Loop() {
		var err error
		r, err = BenchLocate(BenchOptions{Polygons: benchPolygons, Lookups: 2_000_000, Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.Log(r.String())
	b.Logf("%+v", fxPlainResult(r))
	b.ReportMetric(r.PerSecond, "lookups/s")
	b.ReportMetric(float64(r.P50)/1e3, "p50-µs")
	b.ReportMetric(float64(r.P99)/1e3, "p99-µs")
	b.ReportMetric(r.Build.Seconds(), "build-s")
	b.ReportMetric(float64(r.MemBytes)/1e6, "MB")
}

func TestBenchLocate(t *testing.T) {
	const polygons, lookups = 500, 10_000
	for _, c := range []CRS{0, WGS84, BD09} {
		r, err := BenchLocate(BenchOptions{Polygons: polygons, Lookups: lookups, Seed: 3, CRS: c})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%v: %s\n%+v", c, r, fxPlainResult(r))
		want := c
		if c == 0 {
			want = GCJ02
		}
		if r.Polygons != polygons || r.Lookups != lookups || r.CRS != want {
			t.Errorf("Result echoes %d polygons, %d lookups, %v; want %d, %d, %v", r.Polygons, r.Lookups, r.CRS, polygons, lookups, want)
		}
		// The hits are exactly those of the same WGS-84 points located directly (a point within
		// a millimetre of the region's outline could flip after the CRS round trip; allow a few).
		items := SyntheticGrids(polygons, 3)
		verts := 0
		for _, it := range items {
			verts += it.Shape.NumVertices()
		}
		if r.Vertices != verts {
			t.Errorf("Vertices = %d, want %d", r.Vertices, verts)
		}
		ix := NewIndex(items)
		q := make([]Point, lookups)
		newBenchQueries(ix.box, WGS84, 3, 1).fill(q)
		hits := 0
		for _, p := range q {
			if _, ok := ix.Locate(p); ok {
				hits++
			}
		}
		if d := r.Hits - hits; d < -3 || d > 3 {
			t.Errorf("Hits = %d, locating the same points directly gives %d", r.Hits, hits)
		}
		// The region's box is mostly covered by the grids (jittered edges, a partial last row).
		if r.Hits < lookups*85/100 || r.Hits > lookups {
			t.Errorf("Hits = %d of %d", r.Hits, lookups)
		}
		if r.PerSecond != float64(lookups)/r.Elapsed.Seconds() || r.PerSecondTimed != float64(lookups)/r.ElapsedTimed.Seconds() {
			t.Errorf("throughput %v / %v does not match %d lookups in %v / %v", r.PerSecond, r.PerSecondTimed, lookups, r.Elapsed, r.ElapsedTimed)
		}
		// Not a timing assertion but bookkeeping: the per-lookup intervals are disjoint parts of
		// the timed pass and at least half of them are ≥ p50, so n/2 × p50 ≤ the pass's time.
		if time.Duration(lookups/2)*r.P50 > r.ElapsedTimed {
			t.Errorf("p50 %v × %d/2 lookups exceeds the timed pass %v", r.P50, lookups, r.ElapsedTimed)
		}
		if !(0 < r.P50 && r.P50 <= r.P99 && r.P99 <= r.Max) {
			t.Errorf("latencies p50 %v, p99 %v, max %v not ordered", r.P50, r.P99, r.Max)
		}
		if r.TimerOverhead < 0 || r.TimerOverhead > r.Max {
			t.Errorf("timer overhead %v (max latency %v)", r.TimerOverhead, r.Max)
		}
		if r.Build <= 0 || r.Generate <= 0 {
			t.Errorf("build %v, generate %v", r.Build, r.Generate)
		}
		if r.IndexBytes != ix.MemoryBytes() {
			t.Errorf("IndexBytes = %d, the same index measures %d", r.IndexBytes, ix.MemoryBytes())
		}
		// The live heap grows by at least the index's arrays.
		if r.MemBytes < uint64(r.IndexBytes)*9/10 || r.MemBytes > uint64(r.IndexBytes)*3 {
			t.Errorf("MemBytes = %d, IndexBytes = %d", r.MemBytes, r.IndexBytes)
		}
		if s := r.String(); !fxResultLine.MatchString(s) {
			t.Errorf("String() = %q does not match %v", s, fxResultLine)
		}
	}
}

var fxResultLine = regexp.MustCompile(`^locate: [0-9]+ lookups/s, p99 [0-9]+\.[0-9]{2} µs, build [0-9]+\.[0-9]{2} s, [0-9]+ MB$`)

func TestBenchResultString(t *testing.T) {
	tests := []struct {
		r    Result
		want string
	}{
		{Result{PerSecond: 1234567.6, P99: 3456 * time.Nanosecond, Build: 1234 * time.Millisecond, MemBytes: 212_400_000},
			"locate: 1234568 lookups/s, p99 3.46 µs, build 1.23 s, 212 MB"},
		{Result{PerSecond: 12_000_000, P99: 15 * time.Microsecond, Build: 20 * time.Second, MemBytes: 1_600_000},
			"locate: 12000000 lookups/s, p99 15.00 µs, build 20.00 s, 2 MB"},
		{Result{}, "locate: 0 lookups/s, p99 0.00 µs, build 0.00 s, 0 MB"},
	}
	for _, tt := range tests {
		if got := tt.r.String(); got != tt.want || !fxResultLine.MatchString(got) {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

func TestBenchLocateOptions(t *testing.T) {
	tests := []struct {
		name string
		o    BenchOptions
		want error
	}{
		{"no polygons", BenchOptions{Polygons: 0, Lookups: 1}, ErrBenchOptions},
		{"negative polygons", BenchOptions{Polygons: -1, Lookups: 1}, ErrBenchOptions},
		{"too many polygons", BenchOptions{Polygons: BenchMaxPolygons + 1, Lookups: 1}, ErrBenchOptions},
		{"no lookups", BenchOptions{Polygons: 1, Lookups: 0}, ErrBenchOptions},
		{"too many lookups", BenchOptions{Polygons: 1, Lookups: BenchMaxLookups + 1}, ErrBenchOptions},
		{"unknown crs", BenchOptions{Polygons: 1, Lookups: 1, CRS: CRS(42)}, ErrUnknownCRS},
	}
	for _, tt := range tests {
		r, err := BenchLocate(tt.o)
		if !errors.Is(err, tt.want) || r != (Result{}) {
			t.Errorf("%s: BenchLocate(%+v) = %+v, %v; want %v", tt.name, tt.o, r, err, tt.want)
		}
	}
	// The smallest valid run works.
	r, err := BenchLocate(BenchOptions{Polygons: 1, Lookups: 1, CRS: CGCS2000})
	if err != nil || r.Polygons != 1 || r.Lookups != 1 || r.Hits > 1 {
		t.Errorf("BenchLocate(1, 1) = %+v, %v", r, err)
	}
}

func TestLatencyHist(t *testing.T) {
	var h latencyHist
	if h.quantile(0.5) != 0 {
		t.Error("empty histogram quantile")
	}
	// 1..100 ns, plus two slow samples beyond the fine buckets.
	for d := time.Duration(1); d <= 98; d++ {
		h.add(d)
	}
	h.add(time.Millisecond)
	h.add(100 * time.Microsecond)
	tests := []struct {
		q    float64
		want time.Duration
	}{
		{0, 1}, {0.01, 1}, {0.5, 50}, {0.98, 98}, {0.99, 100 * time.Microsecond}, {1, time.Millisecond},
	}
	for _, tt := range tests {
		if got := h.quantile(tt.q); got != tt.want {
			t.Errorf("quantile(%v) = %v, want %v", tt.q, got, tt.want)
		}
	}
	if h.max != time.Millisecond || h.n != 100 {
		t.Errorf("max %v, n %d", h.max, h.n)
	}
	h.add(-5) // a clock step backwards counts as zero
	if h.quantile(0) != 0 {
		t.Errorf("negative duration: quantile(0) = %v", h.quantile(0))
	}
}

// The query generator draws the same WGS-84 points whatever the CRS, and converts them.
func TestBenchQueries(t *testing.T) {
	box := BBox{118.5, 28, 119, 28.5}
	w := make([]Point, 1000)
	g := make([]Point, 1000)
	newBenchQueries(box, WGS84, 9, 1).fill(w)
	newBenchQueries(box, GCJ02, 9, 1).fill(g)
	for i := range w {
		if !box.Contains(w[i]) {
			t.Fatalf("point %v outside %v", w[i], box)
		}
		x, y, err := ToWGS84(g[i].Lng, g[i].Lat, GCJ02)
		if err != nil || Distance(Point{x, y}, w[i]) > 1e-3 {
			t.Fatalf("GCJ-02 query %v does not convert back to %v", g[i], w[i])
		}
	}
}
