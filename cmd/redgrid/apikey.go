package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/redgrid/redgrid"
)

const apikeyUsage = "usage: redgrid apikey add NAME [--user USERNAME] | redgrid apikey list | redgrid apikey revoke NAME"

// apikeyCmd manages the API keys of Open311 clients. A key is 32 random bytes in hex, printed
// once by add; only its SHA-256 is stored. Without --user the key acts as a service account
// open311-NAME made for it (no roles, no login), which the audit log names. A key acting as a real
// account (--user) is refused while that account is disabled.
func apikeyCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(apikeyUsage)
	}
	sub, args := args[0], args[1:]
	fs, c := flags("apikey "+sub, stderr)
	user := fs.String("user", "", "add: the account the key acts as (default: a service account open311-NAME)")
	// The name comes first (apikey add NAME --user x); flags may also precede it.
	name, err := parseWithArg(fs, args)
	if err != nil {
		return err
	}
	if sub != "list" && name == "" || sub == "list" && name != "" {
		return errors.New(apikeyUsage)
	}
	s, err := c.open(ctx, c.logger(stderr))
	if err != nil {
		return err
	}
	defer s.Close()
	ctx = redgrid.WithActor(ctx, redgrid.Actor{Username: "cli"})
	switch sub {
	case "add":
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return err
		}
		key := hex.EncodeToString(b)
		h := sha256.Sum256([]byte(key))
		k, err := s.CreateAPIKey(ctx, name, hex.EncodeToString(h[:]), *user)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "API key %s (acts as %s):\n%s\nIt is shown only now; give it to the client as api_key.\n", k.Name, k.Username, key)
		return nil
	case "list":
		keys, err := s.APIKeys(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%-24s %-32s %-20s %-20s %s\n", "NAME", "ACTS AS", "CREATED", "LAST USED", "REVOKED")
		for _, k := range keys {
			user := k.Username
			if k.UserDisabled && !k.ServiceAccount {
				user += " (disabled: key refused)"
			}
			fmt.Fprintf(stdout, "%-24s %-32s %-20s %-20s %s\n", k.Name, user, cliTime(&k.CreatedAt), cliTime(k.LastUsedAt), cliTime(k.RevokedAt))
		}
		return nil
	case "revoke":
		if err := s.RevokeAPIKey(ctx, name); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "API key %s revoked\n", name)
		return nil
	}
	return errors.New(apikeyUsage)
}

func cliTime(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02 15:04")
}

// parseWithArg parses a subcommand's flags around its one argument, which may come first
// (apikey add NAME --user x) or after the flags; "" when there is none.
func parseWithArg(fs *flag.FlagSet, args []string) (string, error) {
	var arg string
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		arg, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return "", err
	}
	if arg == "" && fs.NArg() > 0 {
		arg = fs.Arg(0)
	}
	return arg, nil
}
