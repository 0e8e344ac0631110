package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strconv"
	"time"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/sqlstore"
)

// The retention of personal data (redgrid.Retention, docs/PII.md): flags, the purge in the job
// loop and `redgrid pii purge`.

func retentionFlags(fs *flag.FlagSet, c *config) {
	ld, _ := strconv.Atoi(env("REDGRID_PII_RETENTION_DAYS", strconv.Itoa(redgrid.DefaultLeftDays)))
	fs.IntVar(&c.retention.LeftDays, "pii-retention-days", ld, "days the personal data of people who left (moved out, deregistered, post ended) is kept before it is erased")
	ud, _ := strconv.Atoi(env("REDGRID_UNMASKING_RETENTION_DAYS", strconv.Itoa(redgrid.DefaultUnmaskingDays)))
	fs.IntVar(&c.retention.UnmaskingDays, "unmasking-retention-days", ud, "days an entry of the unmasking log is kept (at least 1095: PIPL Art. 56)")
}

// purgeEvery is how often the job loop purges: retention is counted in days.
const purgeEvery = time.Hour

// purge runs the retention purge for the job loop, logging counts only.
func purge(ctx context.Context, s *sqlstore.Store, ret redgrid.Retention, log *slog.Logger) {
	if n, err := s.ExpireIdempotencyKeys(ctx, s.Now().Add(-sqlstore.IdempotencyKeep)); err != nil {
		if ctx.Err() == nil {
			log.Warn("idempotency key expiry failed", "err", err)
		}
	} else if n > 0 {
		log.Info("idempotency keys expired", "keys", n)
	}
	p, err := s.PurgePersonalData(ctx, ret, false)
	if err != nil {
		if ctx.Err() == nil {
			log.Warn("personal-data purge failed", "err", err)
		}
		return
	}
	if p.Total()+p.Unmaskings > 0 {
		log.Info("personal data purged", "people", p.Total(), "unmaskings", p.Unmaskings)
	}
}

const piiUsage = "usage: redgrid pii purge [--dry-run] [--pii-retention-days N] [--unmasking-retention-days N]"

// piiCmd: redgrid pii purge [--dry-run] — the purge the servers run every hour, now; --dry-run
// counts what it would erase.
func piiCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "purge" {
		return errors.New(piiUsage)
	}
	fs, c := flags("pii purge", stderr)
	dry := fs.Bool("dry-run", false, "count what would be erased; change nothing")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return errors.New(piiUsage)
	}
	if err := c.retention.Validate(); err != nil {
		return err
	}
	s, _, err := c.openWithKeys(ctx, c.logger(stderr))
	if err != nil {
		return err
	}
	defer s.Close()
	ctx = redgrid.WithActor(ctx, redgrid.Actor{Username: "cli"})
	p, err := s.PurgePersonalData(ctx, c.retention, *dry)
	if err != nil {
		return err
	}
	verb := "erased"
	if *dry {
		verb = "would be erased (dry run: nothing changed)"
	}
	fmt.Fprintf(stdout, "people who left on %s or before (retention %d days): %d %s\n", p.LeftBefore, c.retention.LeftDays, p.Total(), verb)
	regs := make([]string, 0, len(p.Erased))
	for r := range p.Erased {
		regs = append(regs, r)
	}
	sort.Strings(regs)
	for _, r := range regs {
		fmt.Fprintf(stdout, "  %-12s %d\n", r, p.Erased[r])
	}
	verb = "deleted"
	if *dry {
		verb = "would be deleted"
	}
	fmt.Fprintf(stdout, "unmasking log entries before %s (retention %d days): %d %s\n", p.LoggedUntil.In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly),
		c.retention.UnmaskingDays, p.Unmaskings, verb)
	return nil
}
