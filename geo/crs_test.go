package geo

import (
	"errors"
	"math"
	"testing"
)

func TestParseCRS(t *testing.T) {
	tests := []struct {
		in   string
		want CRS
	}{
		{"wgs84", WGS84},
		{"WGS84", WGS84},
		{"wgs-84", WGS84},
		{"EPSG:4326", WGS84},
		{"  wgs84\t", WGS84},
		{"gcj02", GCJ02},
		{"GCJ-02", GCJ02},
		{"bd09", BD09},
		{"bd-09", BD09},
		{"BD09LL", BD09},
		{"cgcs2000", CGCS2000},
		{"epsg:4490", CGCS2000},
	}
	for _, tt := range tests {
		got, err := ParseCRS(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseCRS(%q) = %v, %v; want %v, nil", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", " ", "wgs", "gcj", "gcj2", "bd09mc", "epsg:3857", "epsg:4326x", "mars", "wgs 84"} {
		got, err := ParseCRS(bad)
		if !errors.Is(err, ErrUnknownCRS) || got != 0 {
			t.Errorf("ParseCRS(%q) = %v, %v; want 0 and ErrUnknownCRS", bad, got, err)
		}
	}
	// String gives back a name ParseCRS accepts, for every CRS.
	for _, c := range []CRS{WGS84, GCJ02, BD09, CGCS2000} {
		if got, err := ParseCRS(c.String()); err != nil || got != c {
			t.Errorf("ParseCRS(%v.String()) = %v, %v", c, got, err)
		}
	}
	if s := CRS(0).String(); s != "CRS(0)" {
		t.Errorf("CRS(0).String() = %q", s)
	}
}

func TestCheckCoordinate(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	tests := []struct {
		lng, lat float64
		ok       bool
	}{
		{116.4, 39.9, true},
		{0, 0, true},
		{180, 90, true},
		{-180, -90, true},
		{math.Copysign(0, -1), math.Copysign(0, -1), true},
		{nan, 0, false},
		{0, nan, false},
		{inf, 0, false},
		{-inf, 0, false},
		{0, inf, false},
		{0, -inf, false},
		{180.0000001, 0, false},
		{-180.0000001, 0, false},
		{0, 90.0000001, false},
		{0, -90.0000001, false},
		{39.9, 116.4, false}, // lat/lng swapped: a common client mistake
		{1e308, 0, false},
	}
	for _, tt := range tests {
		err := CheckCoordinate(tt.lng, tt.lat)
		if tt.ok && err != nil {
			t.Errorf("CheckCoordinate(%v, %v) = %v, want nil", tt.lng, tt.lat, err)
		}
		if !tt.ok && !errors.Is(err, ErrInvalidCoordinate) {
			t.Errorf("CheckCoordinate(%v, %v) = %v, want ErrInvalidCoordinate", tt.lng, tt.lat, err)
		}
	}
}

// fxGCJReference holds WGS-84 → GCJ-02 pairs published with open implementations of the algorithm
// (values only; lng/lat order here):
//   - googollee/eviltransform, go/transform_test.go (the same three points are in its C, PHP and
//     C# tests): Shanghai WGS (121.5272106, 31.1774276) → GCJ (121.531541859215, 31.17530398364597);
//     Shenzhen (113.912316, 22.543847) → (113.9171764808363, 22.540796131694766);
//     Beijing (116.377817, 39.911954) → (116.38404722455657, 39.91334545536069).
//   - wandergis/coordtransform, test/app.js: wgs84togcj02(116.404, 39.915) =
//     [116.41024449916938, 39.91640428150164].
var fxGCJReference = []struct {
	name     string
	wgs, gcj Point
}{
	{"shanghai (eviltransform)", Point{121.5272106, 31.1774276}, Point{121.531541859215, 31.17530398364597}},
	{"shenzhen (eviltransform)", Point{113.912316, 22.543847}, Point{113.9171764808363, 22.540796131694766}},
	{"beijing (eviltransform)", Point{116.377817, 39.911954}, Point{116.38404722455657, 39.91334545536069}},
	{"beijing (coordtransform)", Point{116.404, 39.915}, Point{116.41024449916938, 39.91640428150164}},
}

// fxRefTol is the agreement required with published values, in degrees: 1e-9° is about 0.1 mm.
// The published values are printed to ~1e-14°; our sines differ from theirs by ~1e-16°.
const fxRefTol = 1e-9

func TestWGS84ToGCJ02Reference(t *testing.T) {
	for _, tt := range fxGCJReference {
		lng, lat := WGS84ToGCJ02(tt.wgs.Lng, tt.wgs.Lat)
		if math.Abs(lng-tt.gcj.Lng) > fxRefTol || math.Abs(lat-tt.gcj.Lat) > fxRefTol {
			t.Errorf("%s: WGS84ToGCJ02(%v) = (%.14f, %.14f), want (%.14f, %.14f)",
				tt.name, tt.wgs, lng, lat, tt.gcj.Lng, tt.gcj.Lat)
		}
		// FromWGS84 is the same conversion behind the checked API.
		flng, flat, err := FromWGS84(tt.wgs.Lng, tt.wgs.Lat, GCJ02)
		if err != nil || flng != lng || flat != lat {
			t.Errorf("%s: FromWGS84 = (%v, %v, %v), want (%v, %v)", tt.name, flng, flat, err, lng, lat)
		}
		// And the inverse lands on the published WGS-84 point to well under a millimetre.
		wlng, wlat := GCJ02ToWGS84(tt.gcj.Lng, tt.gcj.Lat)
		if d := Distance(Point{wlng, wlat}, tt.wgs); d > 1e-3 {
			t.Errorf("%s: GCJ02ToWGS84(published GCJ) is %.6f m from the published WGS point", tt.name, d)
		}
	}
}

// Baidu reference values from wandergis/coordtransform, test/app.js:
//
//	gcj02tobd09(116.404, 39.915) = [116.41036949371029, 39.92133699351021]
//	bd09togcj02(116.404, 39.915) = [116.39762729119315, 39.90865673957631]  (one-step inverse)
//	gcj02towgs84(116.404, 39.915) = [116.39775550083061, 39.91359571849836] (one-step inverse)
func TestBD09Reference(t *testing.T) {
	lng, lat := GCJ02ToBD09(116.404, 39.915)
	if math.Abs(lng-116.41036949371029) > fxRefTol || math.Abs(lat-39.92133699351021) > fxRefTol {
		t.Errorf("GCJ02ToBD09(116.404, 39.915) = (%.14f, %.14f)", lng, lat)
	}

	// The published inverses are the one-step approximations. Ours must be close to them (the
	// same conversion) but map forward onto the input far better.
	oneStep := []struct {
		name     string
		fwd      func(lng, lat float64) (float64, float64)
		inv      func(lng, lat float64) (float64, float64)
		in, them Point
	}{
		{"BD09ToGCJ02", GCJ02ToBD09, BD09ToGCJ02, Point{116.404, 39.915}, Point{116.39762729119315, 39.90865673957631}},
		{"GCJ02ToWGS84", WGS84ToGCJ02, GCJ02ToWGS84, Point{116.404, 39.915}, Point{116.39775550083061, 39.91359571849836}},
	}
	for _, tt := range oneStep {
		glng, glat := tt.inv(tt.in.Lng, tt.in.Lat)
		ours := Point{glng, glat}
		if d := Distance(ours, tt.them); d > 3 {
			t.Errorf("%s(%v) = %v, %.3f m from the published one-step value %v", tt.name, tt.in, ours, d, tt.them)
		}
		flng, flat := tt.fwd(ours.Lng, ours.Lat)
		oursErr := Distance(Point{flng, flat}, tt.in)
		flng, flat = tt.fwd(tt.them.Lng, tt.them.Lat)
		themErr := Distance(Point{flng, flat}, tt.in)
		t.Logf("%s: forward(ours) misses the input by %.2e m, forward(one-step) by %.2e m", tt.name, oursErr, themErr)
		if oursErr > 1e-3 {
			t.Errorf("%s: forward of our inverse is %.6f m from the input, want < 1 mm", tt.name, oursErr)
		}
		if !(oursErr*100 < themErr) {
			t.Errorf("%s: our inverse (%.2e m) is not clearly better than the one-step (%.2e m)", tt.name, oursErr, themErr)
		}
	}
}

// chinaLattice calls f for a lattice of points covering the GCJ-02 rectangle (OutOfChina) with a
// margin of 0.05° (the offset is below 0.01°, so the converted points stay inside it). The
// lattice is offset from round degrees because the offset's sines all vanish at half-degree
// steps from 105°E, 35°N, which would hide the largest errors.
func fxChinaLattice(step float64, f func(p Point)) {
	for lat := 0.8293 + 0.05 + 0.0317; lat < 55.8271-0.05; lat += step {
		for lng := 72.004 + 0.05 + 0.0713; lng < 137.8347-0.05; lng += step {
			f(Point{lng, lat})
		}
	}
}

// fxRoundTripStep is the lattice spacing of the round-trip tests: 0.25°, about 58,000 points.
const fxRoundTripStep = 0.25

func TestGCJ02RoundTrip(t *testing.T) {
	var maxWGS, maxGCJ float64
	var worst Point
	n := 0
	fxChinaLattice(fxRoundTripStep, func(p Point) {
		n++
		// WGS → GCJ → WGS: what storing a converted phone fix and converting back for display does.
		glng, glat := WGS84ToGCJ02(p.Lng, p.Lat)
		wlng, wlat := GCJ02ToWGS84(glng, glat)
		if d := Distance(p, Point{wlng, wlat}); d > maxWGS || math.IsNaN(d) {
			maxWGS, worst = d, p
		}
		// GCJ → WGS → GCJ: a GCJ-02 input point maps back onto itself (ToWGS84's promise).
		wlng, wlat = GCJ02ToWGS84(p.Lng, p.Lat)
		glng, glat = WGS84ToGCJ02(wlng, wlat)
		if d := Distance(p, Point{glng, glat}); d > maxGCJ || math.IsNaN(d) {
			maxGCJ = d
		}
	})
	t.Logf("%d points every %v°: max WGS→GCJ→WGS error %.3e m (at %v), max GCJ→WGS→GCJ error %.3e m",
		n, fxRoundTripStep, maxWGS, worst, maxGCJ)
	if !(maxWGS < 1e-3) || !(maxGCJ < 1e-3) {
		t.Errorf("round-trip error %.6f m / %.6f m, want < 1 mm", maxWGS, maxGCJ)
	}
}

func TestBD09RoundTrip(t *testing.T) {
	var maxWGS, maxBD, maxGB float64
	n := 0
	fxChinaLattice(fxRoundTripStep, func(p Point) {
		n++
		blng, blat := WGS84ToBD09(p.Lng, p.Lat)
		wlng, wlat := BD09ToWGS84(blng, blat)
		if d := Distance(p, Point{wlng, wlat}); d > maxWGS || math.IsNaN(d) {
			maxWGS = d
		}
		wlng, wlat = BD09ToWGS84(p.Lng, p.Lat)
		blng, blat = WGS84ToBD09(wlng, wlat)
		if d := Distance(p, Point{blng, blat}); d > maxBD || math.IsNaN(d) {
			maxBD = d
		}
		// The Baidu step on its own.
		glng, glat := BD09ToGCJ02(GCJ02ToBD09(p.Lng, p.Lat))
		if d := Distance(p, Point{glng, glat}); d > maxGB || math.IsNaN(d) {
			maxGB = d
		}
	})
	t.Logf("%d points: max WGS→BD→WGS %.3e m, BD→WGS→BD %.3e m, GCJ→BD→GCJ %.3e m", n, maxWGS, maxBD, maxGB)
	if !(maxWGS < 1e-3) || !(maxBD < 1e-3) || !(maxGB < 1e-3) {
		t.Errorf("round-trip errors %.6f, %.6f, %.6f m; want < 1 mm", maxWGS, maxBD, maxGB)
	}
}

// TestOneStepInverseIsWorse documents why GCJ02ToWGS84 iterates: the widely copied inverse
// (subtract the offset evaluated at the GCJ-02 point) is off by metres, enough to put a phone
// that stands a few metres inside a grid into its neighbour.
func TestOneStepInverseIsWorse(t *testing.T) {
	var maxNaive, maxIter float64
	fxChinaLattice(fxRoundTripStep, func(p Point) {
		glng, glat := WGS84ToGCJ02(p.Lng, p.Lat)
		dLng, dLat := gcjDelta(glng, glat)
		if d := Distance(p, Point{glng - dLng, glat - dLat}); d > maxNaive {
			maxNaive = d
		}
		wlng, wlat := GCJ02ToWGS84(glng, glat)
		if d := Distance(p, Point{wlng, wlat}); d > maxIter {
			maxIter = d
		}
	})
	t.Logf("max error: one-step inverse %.3f m, iterated %.3e m", maxNaive, maxIter)
	if maxNaive < 0.5 {
		t.Errorf("one-step inverse error %.3f m: expected metres (the reason for iterating)", maxNaive)
	}
	if !(maxIter*1e3 < maxNaive) {
		t.Errorf("iterated inverse (%.3e m) not three orders better than one-step (%.3f m)", maxIter, maxNaive)
	}
}

func TestOutOfChina(t *testing.T) {
	tests := []struct {
		name string
		p    Point
		out  bool
	}{
		{"beijing", Point{116.39, 39.9}, false},
		{"urumqi", Point{87.6, 43.8}, false},
		{"sanya", Point{109.5, 18.25}, false},
		{"harbin", Point{126.6, 45.75}, false},
		{"london", Point{-0.1276, 51.5072}, true},
		{"new york", Point{-74.006, 40.7128}, true},
		{"sydney", Point{151.21, -33.87}, true},
		{"tokyo", Point{139.69, 35.69}, true}, // east of 137.8347
		{"west of the box", Point{72.0039, 35}, true},
		{"east of the box", Point{137.8348, 35}, true},
		{"south of the box", Point{105, 0.8292}, true},
		{"north of the box", Point{105, 55.8272}, true},
		{"south-west corner", Point{72.004, 0.8293}, false},
		{"north-east corner", Point{137.8347, 55.8271}, false},
	}
	for _, tt := range tests {
		if got := OutOfChina(tt.p.Lng, tt.p.Lat); got != tt.out {
			t.Errorf("%s: OutOfChina(%v) = %v, want %v", tt.name, tt.p, got, tt.out)
		}
		glng, glat := WGS84ToGCJ02(tt.p.Lng, tt.p.Lat)
		wlng, wlat := GCJ02ToWGS84(tt.p.Lng, tt.p.Lat)
		unchanged := glng == tt.p.Lng && glat == tt.p.Lat && wlng == tt.p.Lng && wlat == tt.p.Lat
		if tt.out != unchanged {
			t.Errorf("%s: GCJ-02 changes %v to (%v, %v) / (%v, %v); want unchanged = %v",
				tt.name, tt.p, glng, glat, wlng, wlat, tt.out)
		}
		if tt.out {
			// Through the checked API too.
			for _, c := range []CRS{GCJ02} {
				if x, y, err := ToWGS84(tt.p.Lng, tt.p.Lat, c); err != nil || x != tt.p.Lng || y != tt.p.Lat {
					t.Errorf("%s: ToWGS84(%v, %v) = (%v, %v, %v)", tt.name, tt.p, c, x, y, err)
				}
			}
		} else {
			// Inside, the offset is a few hundred metres (under 1 km everywhere).
			if d := Distance(tt.p, Point{glng, glat}); d < 1 || d > 1000 {
				t.Errorf("%s: GCJ-02 offset %.1f m", tt.name, d)
			}
		}
	}
	// BD-09's own offset applies everywhere, as Baidu's formula does, and still round-trips.
	london := Point{-0.1276, 51.5072}
	blng, blat := WGS84ToBD09(london.Lng, london.Lat)
	if d := Distance(london, Point{blng, blat}); d < 100 {
		t.Errorf("BD-09 offset in London %.1f m, want the ~0.0065°/0.006° shift", d)
	}
	wlng, wlat := BD09ToWGS84(blng, blat)
	if d := Distance(london, Point{wlng, wlat}); d > 1e-3 {
		t.Errorf("BD-09 round trip in London off by %.6f m", d)
	}
}

func TestToFromWGS84(t *testing.T) {
	p := Point{120.15507, 30.27408} // Hangzhou
	for _, c := range []CRS{WGS84, CGCS2000, GCJ02, BD09} {
		x, y, err := FromWGS84(p.Lng, p.Lat, c)
		if err != nil {
			t.Fatalf("FromWGS84(%v, %v): %v", p, c, err)
		}
		moved := Distance(p, Point{x, y})
		switch c {
		case WGS84, CGCS2000:
			if x != p.Lng || y != p.Lat {
				t.Errorf("FromWGS84(%v, %v) = (%v, %v), want unchanged", p, c, x, y)
			}
		default:
			if moved < 100 || moved > 2000 {
				t.Errorf("FromWGS84(%v, %v) moved the point %.1f m", p, c, moved)
			}
		}
		bx, by, err := ToWGS84(x, y, c)
		if err != nil {
			t.Fatalf("ToWGS84(%v, %v, %v): %v", x, y, c, err)
		}
		if d := Distance(p, Point{bx, by}); d > 1e-3 {
			t.Errorf("%v: ToWGS84(FromWGS84(p)) is %.6f m from p", c, d)
		}
	}
	// Agreement with the unchecked functions.
	x, y, _ := ToWGS84(p.Lng, p.Lat, BD09)
	if bx, by := BD09ToWGS84(p.Lng, p.Lat); x != bx || y != by {
		t.Errorf("ToWGS84(BD09) = (%v, %v), BD09ToWGS84 = (%v, %v)", x, y, bx, by)
	}

	errTests := []struct {
		name     string
		lng, lat float64
		crs      CRS
		want     error
	}{
		{"nan lng", math.NaN(), 30, GCJ02, ErrInvalidCoordinate},
		{"nan lat", 120, math.NaN(), WGS84, ErrInvalidCoordinate},
		{"inf", math.Inf(1), 30, BD09, ErrInvalidCoordinate},
		{"lat out of range", 120, 91, CGCS2000, ErrInvalidCoordinate},
		{"lng out of range", -181, 30, GCJ02, ErrInvalidCoordinate},
		{"zero crs", 120, 30, 0, ErrUnknownCRS},
		{"unknown crs", 120, 30, CRS(99), ErrUnknownCRS},
		// The coordinate is checked before the CRS.
		{"bad point and crs", math.NaN(), 30, 0, ErrInvalidCoordinate},
	}
	for _, tt := range errTests {
		for name, f := range map[string]func(float64, float64, CRS) (float64, float64, error){
			"ToWGS84": ToWGS84, "FromWGS84": FromWGS84,
		} {
			x, y, err := f(tt.lng, tt.lat, tt.crs)
			if !errors.Is(err, tt.want) {
				t.Errorf("%s: %s(%v, %v, %v) error = %v, want %v", tt.name, name, tt.lng, tt.lat, tt.crs, err, tt.want)
			}
			if x != 0 || y != 0 {
				t.Errorf("%s: %s returned (%v, %v) with its error, want zeros", tt.name, name, x, y)
			}
		}
	}
}

// The unchecked conversions propagate NaN rather than inventing a position.
func TestConversionNaN(t *testing.T) {
	nan := math.NaN()
	for name, f := range map[string]func(float64, float64) (float64, float64){
		"WGS84ToGCJ02": WGS84ToGCJ02, "GCJ02ToWGS84": GCJ02ToWGS84, "GCJ02ToBD09": GCJ02ToBD09,
		"BD09ToGCJ02": BD09ToGCJ02, "BD09ToWGS84": BD09ToWGS84, "WGS84ToBD09": WGS84ToBD09,
	} {
		x, y := f(nan, 30)
		if !math.IsNaN(x) && !math.IsNaN(y) {
			t.Errorf("%s(NaN, 30) = (%v, %v), want NaN", name, x, y)
		}
	}
}
