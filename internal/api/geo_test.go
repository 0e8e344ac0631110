package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/redgrid/redgrid/geo"
	"github.com/redgrid/redgrid/geo/geoio"
	"github.com/redgrid/redgrid/internal/api"
	"github.com/redgrid/redgrid/internal/redgridtest"
)

// The test tree on a lattice: Community1 = cells (0,0) Grid1 and (1,0) Grid2; Community2 = cell
// (2,0) Grid3.
var testLattice = geo.Lattice{Seed: 4, Lng0: 110.76, Lat0: 32.58, DLng: 0.0043, DLat: 0.0036}

func geojson(t *testing.T, feats ...geoio.OutFeature) string {
	t.Helper()
	var b bytes.Buffer
	if err := geoio.WriteGeoJSON(&b, feats); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func feature(shape geo.MultiPolygon, code, parent string) geoio.OutFeature {
	props := map[string]any{"code": code}
	if parent != "" {
		props["parent_code"] = parent
	}
	return geoio.OutFeature{Shape: shape, Props: props}
}

func (ev *env) mapFile(t *testing.T) string {
	l := testLattice
	c1, _ := l.Outline([][2]int{{0, 0}, {1, 0}})
	c2, _ := l.Outline([][2]int{{2, 0}})
	tr := ev.tree
	return geojson(t,
		feature(c1, tr.Community1.Code, ""),
		feature(c2, tr.Community2.Code, ""),
		feature(geo.MultiPolygon{l.Cell(0, 0)}, tr.Grid1.Code, tr.Community1.Code),
		feature(geo.MultiPolygon{l.Cell(1, 0)}, tr.Grid2.Code, tr.Community1.Code),
		feature(geo.MultiPolygon{l.Cell(2, 0)}, tr.Grid3.Code, tr.Community2.Code),
	)
}

func (ev *env) count(q string) int {
	ev.t.Helper()
	var n int
	if err := ev.store.DB().QueryRow(q).Scan(&n); err != nil {
		ev.t.Fatal(err)
	}
	return n
}

type problemDoc struct {
	Type   string
	Status int
	Detail string
	Errors []struct{ Field, Rule, Message string }
	Report *struct {
		Valid    bool
		Problems []struct {
			Kind  string
			Codes []string
		}
	}
	Nearest *struct {
		Code      string
		DistanceM float64 `json:"distance_m"`
	}
}

func parseProblem(t *testing.T, b []byte) problemDoc {
	t.Helper()
	var p problemDoc
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatalf("problem document: %v: %s", err, b)
	}
	return p
}

func TestGridMapAPI(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev := newEnv(t, e, api.Config{})
		tr := ev.tree
		file := ev.mapFile(t)

		// Only roles that edit the tree import, and only inside their scope; refusals change nothing.
		before := ev.digest()
		for _, u := range []string{"grid1", "resident1", "leader1", "dept1", "community2"} {
			res, body := ev.do(u, "POST", "/api/v1/grids/import", file, nil)
			if res.StatusCode != 403 {
				t.Fatalf("%s import: %d %s", u, res.StatusCode, body)
			}
		}
		if ev.digest() != before || ev.count("SELECT COUNT(*) FROM boundaries") != 0 {
			t.Fatal("a refused import changed something")
		}
		// Dry run, then the import.
		res, body := ev.do("admin", "POST", "/api/v1/grids/import?dry_run=true", file, map[string]string{"Content-Type": "application/geo+json"})
		if res.StatusCode != 200 || !strings.Contains(string(body), `"valid":true`) || ev.count("SELECT COUNT(*) FROM boundaries") != 0 {
			t.Fatalf("dry run: %d %s", res.StatusCode, body)
		}
		hdr := map[string]string{"Idempotency-Key": "import-1"}
		res, body = ev.do("admin", "POST", "/api/v1/grids/import?source=test.geojson", file, hdr)
		if res.StatusCode != 200 || !strings.Contains(string(body), `"written":true`) {
			t.Fatalf("import: %d %s", res.StatusCode, body)
		}
		if n := ev.count("SELECT COUNT(*) FROM boundaries"); n != 5 {
			t.Fatalf("%d boundaries stored", n)
		}
		if n := ev.count("SELECT COUNT(*) FROM audit_log WHERE action = 'grid.import'"); n != 1 {
			t.Fatalf("%d audit lines for the import", n)
		}
		// A retry with the same key is answered, not applied again.
		res, body = ev.do("admin", "POST", "/api/v1/grids/import?source=test.geojson", file, hdr)
		if res.StatusCode != 200 || res.Header.Get("Idempotent-Replayed") != "true" || ev.count("SELECT COUNT(*) FROM audit_log WHERE action = 'grid.import'") != 1 {
			t.Fatalf("replay: %d %v %s", res.StatusCode, res.Header, body)
		}

		// Locate, in WGS-84 and in GCJ-02.
		p := testLattice.Inside(0, 0, 0.1, 0.1)
		res, body = ev.do("resident1", "GET", fmt.Sprintf("/api/v1/locate?lng=%.8f&lat=%.8f", p.Lng, p.Lat), "", nil)
		var loc struct {
			Grid        struct{ ID int64 }
			Ancestors   []struct{ Code string }
			Staff       []struct{ Username string }
			PartyBranch *struct{ Name string } `json:"party_branch"`
		}
		json.Unmarshal(body, &loc)
		if res.StatusCode != 200 || loc.Grid.ID != tr.Grid1.ID || len(loc.Ancestors) != 3 || loc.PartyBranch == nil || len(loc.Staff) == 0 {
			t.Fatalf("locate: %d %s", res.StatusCode, body)
		}
		gx, gy := geo.WGS84ToGCJ02(p.Lng, p.Lat)
		res, body = ev.do("resident1", "GET", fmt.Sprintf("/api/v1/locate?lng=%.8f&lat=%.8f&crs=gcj02", gx, gy), "", nil)
		json.Unmarshal(body, &loc)
		if res.StatusCode != 200 || loc.Grid.ID != tr.Grid1.ID {
			t.Fatalf("locate gcj02: %d %s", res.StatusCode, body)
		}
		// Outside every grid, just south of Grid1: 404 offering it.
		out := testLattice.Inside(0, -1, 0, 0.3)
		res, body = ev.do("resident1", "GET", fmt.Sprintf("/api/v1/locate?lng=%.8f&lat=%.8f", out.Lng, out.Lat), "", nil)
		pd := parseProblem(t, body)
		if res.StatusCode != 404 || pd.Nearest == nil || pd.Nearest.Code != tr.Grid1.Code || pd.Nearest.DistanceM <= 0 {
			t.Fatalf("outside: %d %s", res.StatusCode, body)
		}
		for q, field := range map[string]string{
			"lat=32.6":                    "lng",
			"lng=110.7&lat=91":            "lat",
			"lng=181&lat=32":              "lng",
			"lng=NaN&lat=32":              "lng",
			"lng=1e400&lat=32":            "lng",
			"lng=110.7&lat=abc":           "lat",
			"lng=110.7&lat=32.6&crs=mars": "crs",
			"lng=110.7&lat=32.6&crs=" + url.QueryEscape("\x00"): "crs",
		} {
			res, body := ev.do("resident1", "GET", "/api/v1/locate?"+q, "", nil)
			if pd := parseProblem(t, body); res.StatusCode != 400 || len(pd.Errors) == 0 || pd.Errors[0].Field != field {
				t.Errorf("locate?%s: %d %s, want 400 naming %s", q, res.StatusCode, body, field)
			}
		}

		// Export follows the caller's scope.
		res, body = ev.do("community1", "GET", "/api/v1/grids.geojson", "", nil)
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/geo+json" {
			t.Fatalf("export: %d %s", res.StatusCode, body)
		}
		feats, err := geoio.ReadGeoJSON(bytes.NewReader(body), geoio.Options{})
		if err != nil || len(feats) != 2 || feats[0].Code != tr.Grid1.Code || feats[1].Code != tr.Grid2.Code || feats[0].ParentCode != tr.Community1.Code {
			t.Fatalf("community1 export: %v %+v", err, feats)
		}
		if res, _ := ev.do("community1", "GET", "/api/v1/grids.geojson?within="+id(tr.Community2.ID), "", nil); res.StatusCode != 403 {
			t.Fatalf("export outside scope: %d", res.StatusCode)
		}
		res, body = ev.do("admin", "GET", "/api/v1/grids.geojson?kind=community", "", nil)
		if feats, err := geoio.ReadGeoJSON(bytes.NewReader(body), geoio.Options{}); err != nil || len(feats) != 2 {
			t.Fatalf("community export: %v %d", err, len(feats))
		}

		// An export re-imports exactly: communities and grids as exported pass the checks.
		var round []geoio.OutFeature
		for _, kind := range []string{"community", "grid"} {
			_, body := ev.do("admin", "GET", "/api/v1/grids.geojson?kind="+kind, "", nil)
			feats, err := geoio.ReadGeoJSON(bytes.NewReader(body), geoio.Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range feats {
				round = append(round, geoio.OutFeature{Shape: f.Shape, Props: map[string]any{"code": f.Code, "name": f.Name, "parent_code": f.ParentCode}})
			}
		}
		res, body = ev.do("admin", "POST", "/api/v1/grids/import?dry_run=true", geojson(t, round...), nil)
		if res.StatusCode != 200 || !strings.Contains(string(body), `"valid":true`) {
			t.Fatalf("re-import of the export: %d %s", res.StatusCode, body)
		}

		// Coverage figures.
		res, body = ev.do("community1", "GET", "/api/v1/coverage?node="+id(tr.Community1.ID), "", nil)
		if res.StatusCode != 200 || !strings.Contains(string(body), `"key":"party_branch"`) || !strings.Contains(string(body), `"numerator":1,"denominator":2`) {
			t.Fatalf("coverage: %d %s", res.StatusCode, body)
		}
		if res, _ := ev.do("community1", "GET", "/api/v1/coverage?node="+id(tr.Community2.ID), "", nil); res.StatusCode != 403 {
			t.Fatalf("coverage outside scope: %d", res.StatusCode)
		}

		// QR codes.
		res, body = ev.do("community1", "GET", "/api/v1/nodes/"+id(tr.Grid1.ID)+"/qr.svg", "", nil)
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/svg+xml" || !bytes.HasPrefix(body, []byte("<svg")) {
			t.Fatalf("qr: %d %s", res.StatusCode, body)
		}
		if res, _ := ev.do("community1", "GET", "/api/v1/nodes/"+id(tr.Community1.ID)+"/qr.svg", "", nil); res.StatusCode != 400 {
			t.Fatalf("qr of a community: %d", res.StatusCode)
		}
		res, body = ev.do("community1", "GET", "/api/v1/nodes/"+id(tr.Community1.ID)+"/qr-sheet", "", nil)
		if res.StatusCode != 200 || !strings.Contains(string(body), tr.Grid2.Name) || strings.Count(string(body), "<svg") != 2 || !strings.Contains(string(body), "/r/"+tr.Grid1.Code) {
			t.Fatalf("qr sheet: %d %s", res.StatusCode, body)
		}
		// The page a QR code opens, without a login.
		res, body = ev.do("", "GET", "/api/v1/public/grids/"+tr.Grid1.Code, "", nil)
		if res.StatusCode != 200 || !strings.Contains(string(body), tr.Grid1.Name) || strings.Contains(string(body), "username") {
			t.Fatalf("public grid: %d %s", res.StatusCode, body)
		}
		var pg struct {
			Boundary struct {
				Type        string
				Coordinates [][][][2]float64
			}
		}
		if err := json.Unmarshal(body, &pg); err != nil || pg.Boundary.Type != "MultiPolygon" || len(pg.Boundary.Coordinates) == 0 || len(pg.Boundary.Coordinates[0][0]) < 4 {
			t.Fatalf("public grid boundary: %s", body)
		}
		if res, _ := ev.do("", "GET", "/api/v1/public/grids/"+tr.Community1.Code, "", nil); res.StatusCode != 404 {
			t.Fatalf("public grid of a community code: %d", res.StatusCode)
		}
		if res, _ := ev.do("", "GET", "/api/v1/public/grids/abc", "", nil); res.StatusCode != 400 {
			t.Fatalf("public grid with a bad code: %d", res.StatusCode)
		}

		// Positions.
		res, body = ev.do("community1", "PUT", "/api/v1/nodes/"+id(tr.Building1.ID)+"/place", `{"lng":110.761,"lat":32.581,"households":320}`, nil)
		if res.StatusCode != 204 {
			t.Fatalf("place: %d %s", res.StatusCode, body)
		}
		for body, field := range map[string]string{
			`{"lng":110.761}`:                          "lat",
			`{"lng":190,"lat":32}`:                     "lng",
			`{"lng":110.7,"lat":32.5,"crs":"utm"}`:     "crs",
			`{"lng":110.7,"lat":32.5,"households":-1}`: "households",
			`{"lng":"east","lat":32.5}`:                "lng",
		} {
			res, b := ev.do("community1", "PUT", "/api/v1/nodes/"+id(tr.Building1.ID)+"/place", body, nil)
			if pd := parseProblem(t, b); res.StatusCode != 400 || len(pd.Errors) == 0 || pd.Errors[0].Field != field {
				t.Errorf("place %s: %d %s, want 400 naming %s", body, res.StatusCode, b, field)
			}
		}
		if res, _ := ev.do("community2", "PUT", "/api/v1/nodes/"+id(tr.Building1.ID)+"/place", `{"lng":110.761,"lat":32.581}`, nil); res.StatusCode != 403 {
			t.Fatalf("place outside scope: %d", res.StatusCode)
		}
		if res, _ := ev.do("community1", "PUT", "/api/v1/nodes/"+id(tr.Grid1.ID)+"/place", `{"households":3}`, nil); res.StatusCode != 400 {
			t.Fatalf("households on a grid: %d", res.StatusCode)
		}
		// The position is read back on the node and in a building search (the staff's intake form
		// places a case at a building chosen by name); a node without one has none.
		var placed struct {
			ID       int64
			Lng, Lat *float64
		}
		res, body = ev.do("community1", "GET", "/api/v1/nodes/"+id(tr.Building1.ID), "", nil)
		if json.Unmarshal(body, &placed); res.StatusCode != 200 || placed.Lng == nil || *placed.Lng != 110.761 || placed.Lat == nil || *placed.Lat != 32.581 {
			t.Fatalf("building's position: %d %s", res.StatusCode, body)
		}
		res, body = ev.do("community1", "GET", "/api/v1/nodes/"+id(tr.Grid1.ID), "", nil)
		if res.StatusCode != 200 || strings.Contains(string(body), `"lng"`) {
			t.Fatalf("a grid without a position: %d %s", res.StatusCode, body)
		}
		var hits struct {
			Items []struct {
				ID       int64
				Lng, Lat *float64
			}
		}
		res, body = ev.do("community1", "GET", "/api/v1/nodes?kind=building&q="+url.QueryEscape(tr.Building1.Name), "", nil)
		if json.Unmarshal(body, &hits); res.StatusCode != 200 || len(hits.Items) != 1 || hits.Items[0].ID != tr.Building1.ID || hits.Items[0].Lng == nil || *hits.Items[0].Lat != 32.581 {
			t.Fatalf("building search with its position: %d %s", res.StatusCode, body)
		}
	})
}

func TestGridImportRejections(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev := newEnv(t, e, api.Config{})
		tr := ev.tree
		l := testLattice
		c1, _ := l.Outline([][2]int{{0, 0}, {1, 0}})
		before := ev.digest()
		// A gap: Grid2 missing. 422 with the report; nothing written.
		gap := geojson(t, feature(c1, tr.Community1.Code, ""), feature(geo.MultiPolygon{l.Cell(0, 0)}, tr.Grid1.Code, ""))
		res, body := ev.do("admin", "POST", "/api/v1/grids/import", gap, nil)
		pd := parseProblem(t, body)
		if res.StatusCode != 422 || pd.Report == nil || pd.Report.Valid || len(pd.Report.Problems) != 1 || pd.Report.Problems[0].Kind != "gap" || len(pd.Errors) == 0 {
			t.Fatalf("gap: %d %s", res.StatusCode, body)
		}
		// Geometry the reader refuses: a bow tie, an unclosed ring, a line.
		bow := `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"` + tr.Grid1.Code + `"},"geometry":{"type":"Polygon","coordinates":[[[110,32],[110.01,32.01],[110.01,32],[110,32.01],[110,32]]]}}]}`
		open := strings.Replace(bow, `[110,32.01],[110,32]]`, `[110,32.01]]`, 1)
		line := `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"1"},"geometry":{"type":"LineString","coordinates":[[110,32],[110.01,32.01]]}}]}`
		for name, c := range map[string]struct{ body, rule string }{
			"bow tie":   {bow, "self_intersection"},
			"unclosed":  {open, "closed"},
			"line":      {line, "polygon"},
			"malformed": {`{"type":"FeatureCollection","features":[`, "json"},
			"not json":  {"PK\x03\x04", "geojson"},
		} {
			res, body := ev.do("admin", "POST", "/api/v1/grids/import", c.body, nil)
			pd := parseProblem(t, body)
			if res.StatusCode != 400 || len(pd.Errors) == 0 || pd.Errors[0].Rule != c.rule {
				t.Errorf("%s: %d %s, want 400 with rule %s", name, res.StatusCode, body, c.rule)
			}
		}
		// A zip that is no Shapefile, and an unsupported media type.
		res, body = ev.do("admin", "POST", "/api/v1/grids/import", "PK\x05\x06"+strings.Repeat("\x00", 18), map[string]string{"Content-Type": "application/zip"})
		if res.StatusCode != 400 {
			t.Errorf("empty zip: %d %s", res.StatusCode, body)
		}
		if res, _ := ev.do("admin", "POST", "/api/v1/grids/import", "x", map[string]string{"Content-Type": "text/plain"}); res.StatusCode != 415 {
			t.Errorf("text/plain: %d", res.StatusCode)
		}
		if res, _ := ev.do("admin", "POST", "/api/v1/grids/import?dry_run=maybe", gap, nil); res.StatusCode != 400 {
			t.Errorf("dry_run=maybe: %d", res.StatusCode)
		}
		if ev.digest() != before || ev.count("SELECT COUNT(*) FROM boundaries") != 0 || ev.count("SELECT revision FROM geo_revision") != 0 {
			t.Fatal("a rejected import changed something")
		}
	})
}
