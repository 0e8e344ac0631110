package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/redgridtest"
)

// TestCaseSettingsFlags: the ladder, the weights of 满意率 and the duplicate search are read from
// flags or REDGRID_* variables; the defaults are grid=0,community=3d,street=5d, 1 and 0.9, 50 m and
// 7 days; a bad value stops the start with an error naming the flag, before the database is
// touched.
func TestCaseSettingsFlags(t *testing.T) {
	read := func(args ...string) (redgrid.Ladder, redgrid.SatisfactionWeights, float64, time.Duration, error) {
		t.Helper()
		fs, c := flags("serve", io.Discard)
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		return c.caseSettings()
	}
	l, w, m, win, err := read()
	if err != nil || l.String() != "grid=0,community=3d,street=5d" || w != redgrid.DefaultSatisfactionWeights || m != 50 || win != 7*24*time.Hour {
		t.Fatalf("defaults: %v %+v %v %v %v", l, w, m, win, err)
	}
	l, w, m, win, err = read("--escalate-after", "community=4h, street=never,grid=2h", "--satisfied-weight", "0.95", "--basic-weight", "0",
		"--duplicate-m", "120", "--duplicate-days", "2")
	if err != nil || l.String() != "grid=2h,community=4h,street=never" || w != (redgrid.SatisfactionWeights{Satisfied: 0.95, Basic: 0}) || m != 120 || win != 48*time.Hour {
		t.Fatalf("set: %v %+v %v %v %v", l, w, m, win, err)
	}
	t.Setenv("REDGRID_ESCALATE_AFTER", "street=1d")
	t.Setenv("REDGRID_BASIC_WEIGHT", "0.8")
	if l, w, _, _, err = read(); err != nil || l.String() != "grid=0,community=3d,street=1d" || w.Basic != 0.8 {
		t.Fatalf("from the environment: %v %+v %v", l, w, err)
	}
	for _, tc := range []struct {
		args []string
		flag string
	}{
		{[]string{"--escalate-after", "city=1d"}, "--escalate-after"},
		{[]string{"--escalate-after", "grid=1x"}, "--escalate-after"},
		{[]string{"--escalate-after", "grid=1d,grid=2d"}, "--escalate-after"},
		{[]string{"--escalate-after", "community"}, "--escalate-after"},
		{[]string{"--satisfied-weight", "0"}, "--satisfied-weight"},
		{[]string{"--satisfied-weight", "1.1"}, "--satisfied-weight"},
		{[]string{"--basic-weight", "-0.1"}, "--basic-weight"},
		{[]string{"--basic-weight", "abc"}, "--basic-weight"},
		{[]string{"--basic-weight", "NaN"}, "--basic-weight"},
		{[]string{"--satisfied-weight", "0.8", "--basic-weight", "0.9"}, "--basic-weight"},
		{[]string{"--duplicate-m", "0"}, "--duplicate-m"},
		{[]string{"--duplicate-m", "1001"}, "--duplicate-m"},
		{[]string{"--duplicate-days", "0"}, "--duplicate-days"},
		{[]string{"--duplicate-days", "1.5"}, "--duplicate-days"},
		{[]string{"--duplicate-days", "366"}, "--duplicate-days"},
	} {
		if _, _, _, _, err := read(tc.args...); err == nil || !strings.Contains(err.Error(), tc.flag) {
			t.Errorf("%v: %v, want an error naming %s", tc.args, err, tc.flag)
		}
	}
	// From the environment, at the start of a command: refused before the database is made.
	t.Setenv("REDGRID_BASIC_WEIGHT", "zero")
	dir := t.TempDir()
	var out, errb bytes.Buffer
	err = run(context.Background(), []string{"migrate", "--data", dir}, strings.NewReader(""), &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "--basic-weight") {
		t.Fatalf("migrate with REDGRID_BASIC_WEIGHT=zero: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "redgrid.db")); err == nil {
		t.Error("the database was created before the settings were checked")
	}
}

// TestLoginPerMinuteFlag: the address limit of logins is the operator's (an office behind one NAT
// address needs more than the default); a value that is not a whole number from 1 to 100000
// stops the start, naming the flag, before anything is opened.
func TestLoginPerMinuteFlag(t *testing.T) {
	fs, c := flags("serve", io.Discard)
	if err := fs.Parse(nil); err != nil || c.loginPerMin != 20 {
		t.Fatalf("default: %d %v", c.loginPerMin, err)
	}
	t.Setenv("REDGRID_LOGIN_PER_MINUTE", "300")
	if fs, c = flags("serve", io.Discard); fs.Parse(nil) != nil || c.loginPerMin != 300 {
		t.Fatalf("from the environment: %d", c.loginPerMin)
	}
	for _, bad := range []string{"0", "-5", "100001", "ten"} {
		dir := t.TempDir()
		args := []string{"serve", "--data", dir, "--addr", "127.0.0.1:0", "--login-per-minute", bad}
		if bad == "ten" {
			t.Setenv("REDGRID_LOGIN_PER_MINUTE", bad)
			args = args[:len(args)-2]
		}
		err := run(context.Background(), args, strings.NewReader(""), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "--login-per-minute") {
			t.Errorf("%q: %v", bad, err)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("%q: the data directory was written to: %v", bad, entries)
		}
	}
}

// TestScopedWebhookOfUnknownNode: a robot scoped to a node code no node has stops the start,
// naming the flag and the robot but not its token.
func TestScopedWebhookOfUnknownNode(t *testing.T) {
	dir := t.TempDir()
	redgridtest.WriteKeyFile(t, dir)
	args := []string{"serve", "--data", dir, "--addr", "127.0.0.1:0", "--webhook", "wecom@420302999999=http://127.0.0.1:9/cgi-bin/webhook/send?key=secret-token-42"}
	err := run(context.Background(), args, strings.NewReader(""), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "--webhook") || !strings.Contains(err.Error(), "420302999999") || strings.Contains(err.Error(), "secret-token-42") {
		t.Fatalf("%v", err)
	}
}
