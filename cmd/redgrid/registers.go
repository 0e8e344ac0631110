package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/registers"
	"github.com/redgrid/redgrid/internal/sheet"
)

// importRegisterCmd: redgrid import REGISTER FILE.xlsx [--within CODE] [--good-rows-only] [--dry-run].
// Run by the operator of the server, it may write anywhere (the audit log names "cli").
func importRegisterCmd(ctx context.Context, reg *registers.Register, args []string, stdout, stderr io.Writer) error {
	fs, c := flags("import "+reg.Name, stderr)
	within := fs.String("within", "", "code of the node the rows must lie under (default: the whole district)")
	goodOnly := fs.Bool("good-rows-only", false, "write the good rows even when some are bad (default: nothing when any row is bad)")
	dry := fs.Bool("dry-run", false, "check every row; write nothing")
	pos, err := parseWithArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("import %s needs exactly one FILE.xlsx", reg.Name)
	}
	f, err := os.Open(pos[0])
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	s, _, err := c.openWithKeys(ctx, c.logger(stderr))
	if err != nil {
		return err
	}
	defer s.Close()
	path := "/"
	if *within != "" {
		n, err := s.NodeByCode(ctx, *within)
		if err != nil {
			return fmt.Errorf("--within: %w", err)
		}
		path = n.Path
	}
	ctx = redgrid.WithActor(ctx, redgrid.Actor{Username: "cli"})
	rep, err := registers.Import(ctx, s, reg, f, st.Size(), registers.Options{Within: path, GoodRowsOnly: *goodOnly, DryRun: *dry})
	var fe *sheet.FileError
	if errors.As(err, &fe) {
		return fmt.Errorf("%s cannot be imported (%s): %s; nothing was written", pos[0], fe.Rule, fe.Message)
	}
	if err != nil {
		return err
	}
	for _, p := range rep.Problems {
		fmt.Fprintf(stdout, "error: %s [%s]\n", p.String(), p.Rule)
	}
	if rep.More {
		fmt.Fprintln(stdout, "… and more errors")
	}
	fmt.Fprintf(stdout, "%d rows: %d good, %d bad\n", rep.Total, rep.Good, rep.Total-rep.Good)
	switch {
	case rep.Written:
		fmt.Fprintf(stdout, "written: %d created, %d updated, %d unchanged\n", rep.Created, rep.Updated, rep.Unchanged)
	case *dry:
		fmt.Fprintln(stdout, "dry run: nothing written")
	case !rep.OK():
		return errors.New("some rows are bad: nothing was written (fix them, or use --good-rows-only)")
	default:
		fmt.Fprintln(stdout, "nothing to write")
	}
	return nil
}

// exportRegisterCmd: redgrid export REGISTER FILE.xlsx [--within CODE] [--by NAME].
func exportRegisterCmd(ctx context.Context, reg *registers.Register, args []string, stdout, stderr io.Writer) error {
	fs, c := flags("export "+reg.Name, stderr)
	within := fs.String("within", "", "code of the node whose subtree to export (default: everything)")
	by := fs.String("by", "", "the exporter's name, printed on every page (default: the system user)")
	pos, err := parseWithArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || !strings.HasSuffix(strings.ToLower(pos[0]), ".xlsx") {
		return fmt.Errorf("export %s needs exactly one FILE.xlsx", reg.Name)
	}
	s, _, err := c.openWithKeys(ctx, c.logger(stderr))
	if err != nil {
		return err
	}
	defer s.Close()
	path, scope := "/", "全部"
	if *within != "" {
		n, err := s.NodeByCode(ctx, *within)
		if err != nil {
			return fmt.Errorf("--within: %w", err)
		}
		path, scope = n.Path, n.Name
	}
	who := *by
	if who == "" {
		who = "命令行（" + osUser() + "）"
	}
	rows, err := reg.Export(ctx, s, path, false)
	if err != nil {
		return err
	}
	tmp := pos[0] + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	err = reg.Schema.Export(f, rows, registers.ExportInfo(who, time.Now(), scope, true))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, pos[0])
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	ctx = redgrid.WithActor(ctx, redgrid.Actor{Username: "cli"})
	if err := s.Audit(ctx, "register.export", reg.Name, redgrid.OutcomeOK, map[string]any{"within": *within, "rows": len(rows), "by": who}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d rows written to %s\n", len(rows), pos[0])
	return nil
}

func osUser() string {
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return "unknown"
}
