package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/pii"
)

const keysUsage = "usage: redgrid keys status | add | rotate [--batch 500] | reencrypt [--batch 500] | remove ID" +
	" | add-index | rotate-index [--batch 500] | rehash [--batch 500] | remove-index ID"

// keysCmd manages the keys personal data is encrypted with (internal/pii, docs/ARCHITECTURE.md
// "Personal data"):
//
//	status     the keys of the key file, which is current, how many values each encrypts
//	add        a new key, not yet current: copy the file to every server, then rotate
//	rotate     make the newest key current (adding one first when the current key is the newest)
//	           and re-encrypt every value under it; run reencrypt to go on after an interruption
//	reencrypt  re-encrypt every value not under the current key (batches of --batch, each its
//	           own transaction)
//	remove ID  drop a key that is not current and encrypts nothing any more
//
// and the same for the index key of the keyed hashes that find a person by exact ID number or
// phone (docs/PII.md):
//
//	add-index        a new index key, not yet current: copy the file to every server, then rotate-index
//	rotate-index     make the newest index key current (adding one first when the current one is the
//	                 newest) and recompute every hash with it; searches find people all the while
//	rehash           recompute every hash not made with the current index key (go on after an interruption)
//	remove-index ID  drop an index key that is not current and that no hash is made with any more
func keysCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(keysUsage)
	}
	sub, args := args[0], args[1:]
	fs, c := flags("keys "+sub, stderr)
	batch := fs.Int("batch", 500, "rotate, reencrypt: rows per transaction")
	idArg, err := parseWithArg(fs, args)
	if err != nil {
		return err
	}
	if (sub == "remove" || sub == "remove-index") != (idArg != "") || *batch <= 0 || *batch > 100_000 {
		return errors.New(keysUsage)
	}
	switch sub {
	case "status", "add", "rotate", "reencrypt", "remove", "add-index", "rotate-index", "rehash", "remove-index":
	default:
		return errors.New(keysUsage)
	}
	s, keys, err := c.openWithKeys(ctx, c.logger(stderr))
	if err != nil {
		return err
	}
	defer s.Close()
	ctx = redgrid.WithActor(ctx, redgrid.Actor{Username: "cli"})
	ring := keys.Ring()
	// save records the keys in the database, then writes the file: a key is never in a key file
	// the database does not know.
	save := func(r *pii.Keyring) error {
		if err := s.RegisterKeys(ctx, r); err != nil {
			return err
		}
		return keys.Save(r)
	}
	reencrypt := func() error {
		last := 0
		res, err := s.ReEncrypt(ctx, *batch, func(n int) {
			if n-last >= 10_000 {
				fmt.Fprintf(stdout, "  %d values re-encrypted…\n", n)
				last = n
			}
		})
		if err != nil {
			return fmt.Errorf("re-encryption stopped after %d values (run redgrid keys reencrypt to go on): %w", res.Values, err)
		}
		fmt.Fprintf(stdout, "%d values re-encrypted under key %d", res.Values, res.To)
		if res.Skipped > 0 {
			fmt.Fprintf(stdout, "; %d rows changed meanwhile: run redgrid keys reencrypt again", res.Skipped)
		}
		fmt.Fprintln(stdout)
		return nil
	}
	rehash := func() error {
		last := 0
		res, err := s.Rehash(ctx, *batch, func(n int) {
			if n-last >= 10_000 {
				fmt.Fprintf(stdout, "  %d hashes recomputed…\n", n)
				last = n
			}
		})
		if err != nil {
			return fmt.Errorf("recomputing the hashes stopped after %d (run redgrid keys rehash to go on): %w", res.Hashes, err)
		}
		fmt.Fprintf(stdout, "%d hashes recomputed with index key %d", res.Hashes, res.To)
		if res.Skipped > 0 {
			fmt.Fprintf(stdout, "; %d rows changed meanwhile: run redgrid keys rehash again", res.Skipped)
		}
		fmt.Fprintln(stdout)
		return nil
	}
	switch sub {
	case "status":
		use, err := s.KeyUsage(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "key file %s\n", keys.Path())
		fmt.Fprintf(stdout, "%-8s %-18s %-8s %s\n", "KEY", "FINGERPRINT", "CURRENT", "VALUES")
		for _, id := range ring.IDs() {
			cur := ""
			if id == ring.Current() {
				cur = "current"
			}
			fmt.Fprintf(stdout, "%-8d %-18s %-8s %d\n", id, ring.Fingerprint(id), cur, use.ByKey[id])
		}
		hashes, err := s.IndexUsage(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%-8s %-18s %-8s %s\n", "INDEX", "FINGERPRINT", "CURRENT", "HASHES")
		for _, id := range ring.IndexIDs() {
			cur := ""
			if id == ring.IndexCurrent() {
				cur = "current"
			}
			fmt.Fprintf(stdout, "%-8d %-18s %-8s %d\n", id, ring.IndexFingerprintOf(id), cur, hashes[id])
		}
		for id, n := range hashes {
			if !ring.HasIndex(id) && n > 0 {
				fmt.Fprintf(stdout, "index key %d is not in the key file but made %d hashes: restore it from the backup of the file\n", id, n)
			}
		}
		for id, n := range use.ByKey {
			if !ring.Has(id) && n > 0 {
				fmt.Fprintf(stdout, "key %d is not in the key file but encrypts %d values: restore it from the backup of the file\n", id, n)
			}
		}
		if use.Other > 0 {
			fmt.Fprintf(stdout, "%d values are under no known key\n", use.Other)
		}
		return nil
	case "add":
		next, id, err := ring.WithNewKey()
		if err != nil {
			return err
		}
		if err := save(next); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "key %d added to %s (not current yet): copy the file to every server that shares this database, then run redgrid keys rotate\n", id, keys.Path())
		return nil
	case "rotate":
		next := ring
		id := ring.Newest()
		if id == ring.Current() {
			if next, id, err = ring.WithNewKey(); err != nil {
				return err
			}
		}
		if next, err = next.WithCurrent(id); err != nil {
			return err
		}
		if err := save(next); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "key %d is current in %s\n", id, keys.Path())
		if err := reencrypt(); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "once every server has the new file, run redgrid keys reencrypt once more, then redgrid keys remove for each old key\n")
		return nil
	case "reencrypt":
		return reencrypt()
	case "remove":
		id, err := strconv.ParseUint(idArg, 10, 32)
		if err != nil {
			return errors.New(keysUsage)
		}
		next, err := ring.Without(uint32(id))
		if err != nil {
			return err
		}
		// The database first: it refuses while a value is still encrypted under the key.
		if err := s.RetireKey(ctx, uint32(id)); err != nil {
			return err
		}
		if err := keys.Save(next); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "key %d removed from %s\n", id, keys.Path())
		return nil
	case "add-index":
		next, id, err := ring.WithNewIndexKey()
		if err != nil {
			return err
		}
		if err := save(next); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "index key %d added to %s (not current yet): copy the file to every server that shares this database, then run redgrid keys rotate-index\n", id, keys.Path())
		return nil
	case "rotate-index":
		next := ring
		ids := ring.IndexIDs()
		id := ids[len(ids)-1]
		if id == ring.IndexCurrent() {
			if next, id, err = ring.WithNewIndexKey(); err != nil {
				return err
			}
		}
		if next, err = next.WithCurrentIndex(id); err != nil {
			return err
		}
		if err := save(next); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "index key %d is current in %s\n", id, keys.Path())
		if err := rehash(); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "once every server has the new file, run redgrid keys rehash once more, then redgrid keys remove-index for each old index key\n")
		return nil
	case "rehash":
		return rehash()
	case "remove-index":
		id, err := strconv.ParseUint(idArg, 10, 32)
		if err != nil {
			return errors.New(keysUsage)
		}
		next, err := ring.WithoutIndex(uint32(id))
		if err != nil {
			return err
		}
		// The database first: it refuses while a hash is still made with the index key.
		if err := s.RetireIndexKey(ctx, uint32(id)); err != nil {
			return err
		}
		if err := keys.Save(next); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "index key %d removed from %s\n", id, keys.Path())
		return nil
	}
	return nil
}
