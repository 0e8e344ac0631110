package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/geo"
	"github.com/redgrid/redgrid/geo/geoio"
	"github.com/redgrid/redgrid/internal/atlas"
	"github.com/redgrid/redgrid/internal/registers"
)

// parseWithArgs parses flags that may come before or after the positional arguments
// ("import grids FILE --dry-run" as well as "import grids --dry-run FILE").
func parseWithArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// importCmd: redgrid import grids FILE [--dry-run] [--crs …] [--report FILE].
func importCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		if reg, ok := registers.All[args[0]]; ok {
			return importRegisterCmd(ctx, reg, args[1:], stdout, stderr)
		}
	}
	if len(args) == 0 || args[0] != "grids" {
		return errors.New("usage: redgrid import grids FILE.geojson|FILE.zip [--dry-run] [--crs wgs84|gcj02|bd09] [--report FILE.json]\n" +
			"       redgrid import REGISTER FILE.xlsx [--within CODE] [--good-rows-only] [--dry-run]   (REGISTER: " + strings.Join(registers.Names(), ", ") + ")")
	}
	fs, c := flags("import grids", stderr)
	dry := fs.Bool("dry-run", false, "check and report; write nothing")
	crsName := fs.String("crs", "wgs84", "coordinate system of a GeoJSON file that does not name one: wgs84, gcj02, bd09, cgcs2000")
	reportPath := fs.String("report", "", "also write the full report as JSON to this file")
	pos, err := parseWithArgs(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("import grids needs exactly one FILE (before or after the flags)")
	}
	file := pos[0]
	crs, err := geo.ParseCRS(*crsName)
	if err != nil {
		return fmt.Errorf("--crs: %w", err)
	}
	ao, err := c.atlasOptions()
	if err != nil {
		return err
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	opt := geoio.Options{CRS: crs}
	var feats []geoio.Feature
	if strings.EqualFold(filepath.Ext(file), ".zip") {
		feats, err = geoio.ReadShapefileZip(data, opt)
	} else {
		feats, err = geoio.ReadGeoJSON(bytes.NewReader(data), opt)
	}
	if err != nil {
		var fe *geoio.Errors
		if errors.As(err, &fe) {
			for _, e := range fe.All() {
				fmt.Fprintln(stdout, "error:", e.Error())
			}
			if fe.Omitted > 0 {
				fmt.Fprintf(stdout, "… and %d more errors\n", fe.Omitted)
			}
			return fmt.Errorf("%s cannot be imported: nothing was written", file)
		}
		return err
	}
	s, err := c.open(ctx, c.logger(stderr))
	if err != nil {
		return err
	}
	defer s.Close()
	ctx = redgrid.WithActor(ctx, redgrid.Actor{Username: "cli"})
	at := atlas.New(s, ao, c.logger(io.Discard))
	in := atlas.Import{DryRun: *dry, Source: filepath.Base(file)}
	for _, f := range feats {
		in.Features = append(in.Features, atlas.Feature{Index: f.Index, Name: f.Name, Code: f.Code, ParentCode: f.ParentCode, Shape: f.Shape})
	}
	rep, ierr := at.Import(ctx, in)
	printReport(stdout, rep)
	if *reportPath != "" {
		b, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(*reportPath, b, 0o644); err != nil {
			return err
		}
	}
	if ierr != nil {
		return ierr
	}
	if *dry && !rep.Valid {
		return errors.New("dry run: the import would be refused")
	}
	return nil
}

func printReport(w io.Writer, rep atlas.Report) {
	created, updated := 0, 0
	for _, p := range rep.Plan {
		if p.Action == "create" {
			created++
		} else {
			updated++
		}
	}
	fmt.Fprintf(w, "%d features: %d new grids, %d boundaries replaced or added\n", rep.Features, created, updated)
	for _, e := range rep.Errors {
		fmt.Fprintf(w, "error: feature %d (%s %s): %s [%s]: %s\n", e.Index, e.Code, e.Name, e.Field, e.Rule, e.Message)
	}
	for _, c := range rep.Checked {
		fmt.Fprintf(w, "checked %s %s %s: %d children, %.0f m² of %.0f m²", c.Parent.Kind.Label(), c.Parent.Code, c.Parent.Name, c.Children, c.ChildrenAreaM2, c.ParentAreaM2)
		if c.Note != "" {
			fmt.Fprintf(w, " (%s)", c.Note)
		}
		fmt.Fprintln(w)
	}
	for _, p := range rep.Problems {
		fmt.Fprintf(w, "%s in %s %s: %.1f m², grids %s, near %.6f,%.6f\n", p.Kind, p.Parent.Kind.Label(), p.Parent.Code, p.AreaM2, strings.Join(p.Codes, " "), p.At[0], p.At[1])
	}
	switch {
	case rep.Written:
		fmt.Fprintf(w, "written: geo revision %d\n", rep.Revision)
	case rep.DryRun && rep.Valid:
		fmt.Fprintln(w, "dry run: valid, nothing written")
	case rep.DryRun:
		fmt.Fprintln(w, "dry run: invalid, nothing written")
	}
}

// exportCmd: redgrid export grids FILE [--within CODE] [--kind …].
func exportCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		if reg, ok := registers.All[args[0]]; ok {
			return exportRegisterCmd(ctx, reg, args[1:], stdout, stderr)
		}
	}
	if len(args) == 0 || args[0] != "grids" {
		return errors.New("usage: redgrid export grids FILE.geojson [--within CODE] [--kind grid|community|street|district]\n" +
			"       redgrid export REGISTER FILE.xlsx [--within CODE] [--by NAME]   (REGISTER: " + strings.Join(registers.Names(), ", ") + ")")
	}
	fs, c := flags("export grids", stderr)
	within := fs.String("within", "", "code of the node whose subtree to export (default: everything)")
	kind := fs.String("kind", "grid", "level to export: grid, community, street or district")
	pos, err := parseWithArgs(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("export grids needs exactly one FILE")
	}
	s, err := c.open(ctx, c.logger(stderr))
	if err != nil {
		return err
	}
	defer s.Close()
	path := ""
	if *within != "" {
		n, err := s.NodeByCode(ctx, *within)
		if err != nil {
			return fmt.Errorf("--within: %w", err)
		}
		path = n.Path
	}
	bs, err := s.Boundaries(ctx, path, redgrid.NodeKind(*kind))
	if err != nil {
		return err
	}
	codes := map[int64]string{}
	var out []geoio.OutFeature
	for _, b := range bs {
		pc := ""
		if b.ParentID != nil {
			if _, ok := codes[*b.ParentID]; !ok {
				if pn, err := s.Node(ctx, *b.ParentID); err == nil {
					codes[*b.ParentID] = pn.Code
				}
			}
			pc = codes[*b.ParentID]
		}
		out = append(out, geoio.OutFeature{Shape: b.Shape, Props: map[string]any{"code": b.Code, "name": b.Name, "parent_code": pc, "kind": b.Kind}})
	}
	f, err := os.Create(pos[0])
	if err != nil {
		return err
	}
	if err := geoio.WriteGeoJSON(f, out); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d boundaries written to %s\n", len(out), pos[0])
	return nil
}

// benchCmd: redgrid bench locate [--polygons N] [--lookups N] [--crs …].
func benchCmd(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "intake" {
		return benchIntake(args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "stats" {
		return benchStats(args[1:], stdout, stderr)
	}
	if len(args) == 0 || args[0] != "locate" {
		return errors.New("usage: redgrid bench locate [--polygons 100000] [--lookups 2000000] [--crs gcj02] [--seed 1] | redgrid bench intake [--db DSN] [--cases 50000] | redgrid bench stats [--db DSN] [--cases 10000000] [--keep DIR]")
	}
	fs, _ := flags("bench locate", stderr)
	polygons := fs.Int("polygons", 100000, "synthetic grid polygons (10–50 vertices each)")
	lookups := fs.Int("lookups", 2000000, "points to look up")
	crsName := fs.String("crs", "gcj02", "coordinate system of the query points (converted before each lookup)")
	seed := fs.Uint64("seed", 1, "seed of the synthetic province")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	crs, err := geo.ParseCRS(*crsName)
	if err != nil {
		return fmt.Errorf("--crs: %w", err)
	}
	fmt.Fprintf(stdout, "building a synthetic province of %d grids and looking up %d %s points on one core…\n", *polygons, *lookups, crs)
	res, err := geo.BenchLocate(geo.BenchOptions{Polygons: *polygons, Lookups: *lookups, Seed: *seed, CRS: crs})
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, res.String())
	return nil
}
