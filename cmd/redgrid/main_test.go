package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

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
