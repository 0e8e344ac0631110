package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/redgrid/redgrid/geo"
	"github.com/redgrid/redgrid/geo/geoio"
	"github.com/redgrid/redgrid/internal/auth"
	"github.com/redgrid/redgrid/internal/redgridtest"
	"github.com/redgrid/redgrid/internal/sqlstore"
)

func TestFirstAdminFromTheCommandLine(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	var out, errb bytes.Buffer
	call := func(stdin string, args ...string) error {
		out.Reset()
		errb.Reset()
		return run(ctx, append(args, "--data", dir), strings.NewReader(stdin), &out, &errb)
	}
	redgridtest.WriteKeyFile(t, dir) // the test's store below reads the database too
	if err := call("", "migrate"); err != nil {
		t.Fatalf("migrate: %v %s", err, errb.String())
	}
	if err := call("", "district", "add", "--code", "420302", "--name", "茅箭区"); err != nil {
		t.Fatalf("district add: %v", err)
	}
	if err := call("", "district", "add", "--code", "4203", "--name", "坏编码"); err == nil {
		t.Error("a 4-digit district code was accepted")
	}
	if err := call("s3cret-admin-pw\n", "user", "add", "--username", "admin", "--role", "district_admin", "--node-code", "420302"); err != nil {
		t.Fatalf("user add: %v", err)
	}
	if err := call("short\n", "user", "add", "--username", "admin2", "--node-code", "420302"); err == nil {
		t.Error("a short password was accepted")
	}
	if err := call("long-enough-pw\n", "user", "add", "--username", "admin3", "--node-code", "999"); err == nil {
		t.Error("an unknown node code was accepted")
	}
	s := redgridtest.OpenDSN(t, filepath.Join(dir, "redgrid.db"), sqlstore.Options{})
	c, err := s.Credentials(ctx, "admin")
	if err != nil || auth.Verify("s3cret-admin-pw", c.PasswordHash) != nil {
		t.Fatalf("the admin cannot log in with the password given on stdin: %v", err)
	}
	p, _ := s.Principal(ctx, c.UserID)
	if len(p.Grants) != 1 || p.Grants[0].Role != "district_admin" || p.Grants[0].NodeName != "茅箭区" {
		t.Errorf("grants %+v", p.Grants)
	}
	if err := call("", "frobnicate"); err == nil {
		t.Error("an unknown command was accepted")
	}
}

func TestImportExportAndBenchFromTheCommandLine(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	var out, errb bytes.Buffer
	call := func(args ...string) error {
		out.Reset()
		errb.Reset()
		return run(ctx, append(args, "--data", dir), strings.NewReader(""), &out, &errb)
	}
	if err := call("district", "add", "--code", "420302", "--name", "茅箭区"); err != nil {
		t.Fatal(err)
	}
	// A district outline and one street without a node: the district's boundary is imported,
	// the unknown street is reported and nothing is written.
	lat := geo.Lattice{Seed: 2, Lng0: 110.76, Lat0: 32.58, DLng: 0.0043, DLat: 0.0036}
	district, _ := lat.Outline([][2]int{{0, 0}, {1, 0}})
	file := filepath.Join(dir, "district.geojson")
	write := func(feats ...geoio.OutFeature) {
		t.Helper()
		f, err := os.Create(file)
		if err != nil {
			t.Fatal(err)
		}
		if err := geoio.WriteGeoJSON(f, feats); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	write(geoio.OutFeature{Shape: district, Props: map[string]any{"code": "420302", "name": "茅箭区"}},
		geoio.OutFeature{Shape: geo.MultiPolygon{lat.Cell(0, 0)}, Props: map[string]any{"code": "420302009", "parent_code": "420302", "name": "新街道"}})
	report := filepath.Join(dir, "report.json")
	if err := call("import", "grids", file, "--report", report); err == nil || !strings.Contains(out.String(), "parent_kind") {
		t.Fatalf("an import creating a street was accepted: %v\n%s", err, out.String())
	}
	if b, err := os.ReadFile(report); err != nil || !strings.Contains(string(b), `"valid": false`) {
		t.Fatalf("report: %v %s", err, b)
	}
	write(geoio.OutFeature{Shape: district, Props: map[string]any{"code": "420302", "name": "茅箭区"}})
	if err := call("import", "grids", file, "--dry-run"); err != nil || !strings.Contains(out.String(), "dry run: valid") {
		t.Fatalf("dry run: %v\n%s", err, out.String())
	}
	if err := call("import", "grids", file); err != nil || !strings.Contains(out.String(), "written: geo revision 1") {
		t.Fatalf("import: %v\n%s", err, out.String())
	}
	exported := filepath.Join(dir, "out.geojson")
	if err := call("export", "grids", exported, "--kind", "district"); err != nil || !strings.Contains(out.String(), "1 boundaries") {
		t.Fatalf("export: %v\n%s", err, out.String())
	}
	b, _ := os.ReadFile(exported)
	feats, err := geoio.ReadGeoJSON(bytes.NewReader(b), geoio.Options{})
	if err != nil || len(feats) != 1 || feats[0].Code != "420302" {
		t.Fatalf("exported %v %+v", err, feats)
	}
	if err := call("bench", "locate", "--polygons", "300", "--lookups", "20000"); err != nil {
		t.Fatalf("bench: %v %s", err, errb.String())
	}
	last := strings.TrimSpace(out.String())
	last = last[strings.LastIndex(last, "\n")+1:]
	if !regexp.MustCompile(`^locate: \d+ lookups/s, p99 \d+\.\d\d µs, build \d+\.\d\d s, \d+ MB$`).MatchString(last) {
		t.Fatalf("bench output %q", last)
	}
	if err := call("bench", "locate", "--polygons", "0"); err == nil {
		t.Error("zero polygons accepted")
	}
	out.Reset()
	// 300 timed cases (after 50 to warm up, beside the demo's own)
	if err := call("bench", "intake", "--cases", "300", "--rate", "0", "--concurrency", "8"); err != nil {
		t.Fatalf("bench intake: %v %s", err, errb.String())
	}
	if !regexp.MustCompile(`\n\d+ cases stored; .*\nintake: \d+ cases/s, p50 \d+\.\d ms, p99 \d+\.\d ms\n$`).MatchString(out.String()) {
		t.Fatalf("bench intake output %q", out.String())
	}
	out.Reset()
	if err := call("bench", "stats", "--cases", "3000", "--days", "90", "--queries", "50"); err != nil {
		t.Fatalf("bench stats: %v %s", err, errb.String())
	}
	if !regexp.MustCompile(`\nstats: 50 queries over 3000 cases, p50 \d+\.\d ms, p99 \d+\.\d ms\n$`).MatchString(out.String()) {
		t.Fatalf("bench stats output %q", out.String())
	}
}
