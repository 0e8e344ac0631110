package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/notify"
	"github.com/redgrid/redgrid/internal/photo"
	"github.com/redgrid/redgrid/internal/sqlstore"
	"github.com/redgrid/redgrid/internal/worktime"
)

// hookList is the repeatable --webhook flag.
type hookList []notify.Hook

func (h *hookList) String() string {
	var out []string
	for _, x := range *h {
		out = append(out, x.String())
	}
	return strings.Join(out, ", ")
}

func (h *hookList) Set(v string) error {
	x, err := notify.ParseHook(v)
	if err != nil {
		return err
	}
	*h = append(*h, x)
	return nil
}

func caseFlags(fs *flag.FlagSet, c *config) {
	fs.StringVar(&c.workHours, "work-hours", env("REDGRID_WORK_HOURS", worktime.DefaultPeriods), "working periods of a working day, for deadlines")
	fs.StringVar(&c.holidays, "holidays", env("REDGRID_HOLIDAYS", ""), "holiday file: lines 'YYYY-MM-DD~YYYY-MM-DD 休' and 'YYYY-MM-DD 班' (make-up working days) from the State Council's notice")
	ra, _ := strconv.ParseFloat(env("REDGRID_REMIND_AT", "0.8"), 64)
	fs.Float64Var(&c.remindAt, "remind-at", ra, "share of a stage's working time after which a reminder goes out")
	for _, spec := range strings.Fields(env("REDGRID_WEBHOOKS", "")) {
		if err := c.hooks.Set(spec); err != nil {
			fmt.Fprintln(os.Stderr, "REDGRID_WEBHOOKS:", err)
		}
	}
	fs.Var(&c.hooks, "webhook", "group robot for dispatches, reminders, overdue alerts and escalations, KIND[@CODE]=URL[#SECRET] with KIND wecom, dingtalk or feishu and CODE the node (street, community, grid) whose cases alone it hears of (repeatable)")
	je, _ := time.ParseDuration(env("REDGRID_JOBS_EVERY", "15s"))
	fs.DurationVar(&c.jobsEvery, "jobs-every", je, "how often deadline reminders, overdue flags and webhooks are processed")
	pr, _ := time.ParseDuration(env("REDGRID_PHOTO_RETENTION", "24h"))
	fs.DurationVar(&c.photoRetention, "photo-retention", pr, "photos never put on a case are removed after this long")
	rm, _ := strconv.Atoi(env("REDGRID_REREGISTER_MONTHS", "6"))
	fs.IntVar(&c.reregisterMonths, "reregister-months", rm, "months after which a party member's dual registration (双报到) falls due again")
	fs.BoolVar(&c.noEscalate, "no-escalate", env("REDGRID_NO_ESCALATE", "") == "true", "keep overdue cases at their level instead of climbing the escalation ladder")
	fs.StringVar(&c.escalateAfter, "escalate-after", env("REDGRID_ESCALATE_AFTER", redgrid.DefaultEscalateAfter),
		"time an unresolved case may stay on each rung before it climbs by itself: grid=…,community=…,street=… each 0 (at once), a working time like 4h or 3d, or never; the grid's runs from the handling stage's overdue; only overdue, unresolved cases climb")
	fs.StringVar(&c.satisfiedWeight, "satisfied-weight", env("REDGRID_SATISFIED_WEIGHT", "1"), "weight of 满意 in 满意率, above 0 and at most 1")
	fs.StringVar(&c.basicWeight, "basic-weight", env("REDGRID_BASIC_WEIGHT", "0.9"), "weight of 基本满意 in 满意率, from 0 up to the weight of 满意")
	fs.StringVar(&c.duplicateM, "duplicate-m", env("REDGRID_DUPLICATE_M", "50"), "open cases of the same category in the same grid within this many metres are suggested as duplicates (1 to 1000)")
	fs.StringVar(&c.duplicateDays, "duplicate-days", env("REDGRID_DUPLICATE_DAYS", "7"), "... and received within this many days (1 to 365)")
}

// caseSettings reads the settings of the case loop that are not the calendar's: the ladder, the
// weights of 满意率 and the duplicate search. A bad value is an error naming the flag.
func (c *config) caseSettings() (ladder redgrid.Ladder, w redgrid.SatisfactionWeights, metres float64, window time.Duration, err error) {
	if ladder, err = redgrid.ParseEscalateAfter(c.escalateAfter); err != nil {
		return ladder, w, 0, 0, fmt.Errorf("--escalate-after: %w", err)
	}
	num := func(flag, v string) (float64, error) {
		x, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || x != x {
			return 0, fmt.Errorf("--%s: %q is not a number", flag, v)
		}
		return x, nil
	}
	if w.Satisfied, err = num("satisfied-weight", c.satisfiedWeight); err != nil {
		return
	}
	if w.Basic, err = num("basic-weight", c.basicWeight); err != nil {
		return
	}
	if err = w.Validate(); err != nil {
		return ladder, w, 0, 0, fmt.Errorf("--satisfied-weight/--basic-weight: %w", err)
	}
	if metres, err = num("duplicate-m", c.duplicateM); err != nil {
		return
	}
	if !(metres >= 1 && metres <= 1000) {
		return ladder, w, 0, 0, fmt.Errorf("--duplicate-m must be from 1 to 1000 metres, not %v", metres)
	}
	days, err := strconv.Atoi(strings.TrimSpace(c.duplicateDays))
	if err != nil || days < 1 || days > 365 {
		return ladder, w, 0, 0, fmt.Errorf("--duplicate-days must be a whole number of days from 1 to 365, not %q", c.duplicateDays)
	}
	return ladder, w, metres, time.Duration(days) * 24 * time.Hour, nil
}

// calendar builds the working-time calendar from --work-hours and --holidays.
func (c *config) calendar() (*worktime.Calendar, error) {
	ps, err := worktime.ParsePeriods(c.workHours)
	if err != nil {
		return nil, fmt.Errorf("--work-hours: %w", err)
	}
	var hol, makeUp []worktime.Date
	if c.holidays != "" {
		f, err := os.Open(c.holidays)
		if err != nil {
			return nil, fmt.Errorf("--holidays: %w", err)
		}
		defer f.Close()
		if hol, makeUp, err = worktime.ParseHolidays(f); err != nil {
			return nil, fmt.Errorf("--holidays %s: %w", c.holidays, err)
		}
	}
	cal, err := worktime.New(ps, hol, makeUp)
	if err != nil {
		return nil, fmt.Errorf("--work-hours: %w", err)
	}
	if !(c.remindAt > 0 && c.remindAt < 1) {
		return nil, errors.New("--remind-at must be between 0 and 1")
	}
	if c.jobsEvery <= 0 {
		return nil, errors.New("--jobs-every must be positive")
	}
	if c.reregisterMonths < 1 || c.reregisterMonths > 24 {
		return nil, errors.New("--reregister-months must be between 1 and 24")
	}
	if c.photoRetention < time.Hour {
		return nil, errors.New("--photo-retention must be at least 1h: a resident may take that long to finish a report")
	}
	return cal, nil
}

// runJobs fires deadline reminders and overdue flags, notes co-building agreements entering their
// renewal window and delivers webhook messages until ctx ends. Every server runs it; the store
// makes each deadline fire, and each agreement be noted, once across servers.
func runJobs(ctx context.Context, s *sqlstore.Store, c *config, log *slog.Logger) {
	hooks, every := c.hooks, c.jobsEvery
	t := time.NewTicker(every)
	defer t.Stop()
	sender := &notify.Sender{Now: s.Now}
	files := photo.Files{Dir: c.photoDir()}
	var swept, purged time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		r, err := s.RunDeadlines(ctx, 500)
		if r.Reminded+r.Overdue+r.Escalated > 0 { // what was done before a failure too: each line counts what committed
			log.Info("deadline jobs", "reminded", r.Reminded, "overdue", r.Overdue, "escalated", r.Escalated)
		}
		if err != nil && ctx.Err() == nil {
			log.Warn("deadline jobs failed", "err", err)
		}
		if n, err := s.RunAgreementRenewals(ctx, redgrid.DefaultRenewalDays, 500); err != nil && ctx.Err() == nil {
			log.Warn("agreement renewal reminders failed", "err", err)
		} else if n > 0 {
			log.Info("agreement renewal reminders", "noted", n)
		}
		if len(hooks) > 0 {
			deliver(ctx, s, sender, hooks, log)
		}
		expirePhotos(ctx, s, files, time.Now().Add(-c.photoRetention), log)
		if time.Since(purged) >= purgeEvery {
			purged = time.Now()
			purge(ctx, s, c.retention, log)
		}
		if time.Since(swept) >= orphanSweepEvery {
			swept = time.Now()
			sweepOrphanPhotos(ctx, s, files, swept.Add(-c.photoRetention), log)
		}
	}
}

// orphanSweepEvery is how often the job loop looks through the photo directory for files no row
// refers to: a walk of every file, so much less often than the loop's other jobs.
const orphanSweepEvery = time.Hour

// sweepOrphanPhotos removes the photo files last written before before that no photo row refers
// to (a crash between writing a photo's files and inserting its row, or between expiring the row
// and removing the files) and temporary files of writes cut short. A request's fresh files are
// younger than before (at least the retention ago), so they are never touched.
func sweepOrphanPhotos(ctx context.Context, s *sqlstore.Store, files photo.Files, before time.Time, log *slog.Logger) {
	n, err := files.RemoveOrphans(before, func(ids []string) (map[string]photo.Format, error) {
		rows, err := s.PhotoFormats(ctx, ids)
		if err != nil {
			return nil, err
		}
		out := make(map[string]photo.Format, len(rows))
		for id, format := range rows {
			out[id] = photo.Format(format)
		}
		return out, nil
	})
	if err != nil && ctx.Err() == nil {
		log.Warn("orphan photo files", "err", err)
	}
	if n > 0 {
		log.Info("orphan photo files removed", "count", n)
	}
}

// expirePhotos removes the photos uploaded before before and never put on a case: their rows,
// then their files (a file left by a crash in between is never served: no row points at it).
func expirePhotos(ctx context.Context, s *sqlstore.Store, files photo.Files, before time.Time, log *slog.Logger) {
	gone, err := s.ExpirePhotos(ctx, before, 500)
	if err != nil {
		if ctx.Err() == nil {
			log.Warn("photo expiry failed", "err", err)
		}
		return
	}
	for _, p := range gone {
		f, _ := photo.ParseFormat(p.Format)
		if err := files.Remove(p.ID, f); err != nil {
			log.Warn("expired photo's files not removed", "photo", p.ID, "err", err)
		}
	}
	if len(gone) > 0 {
		log.Info("unattached photos removed", "count", len(gone))
	}
}

// maxHookAttempts is how many times a message is tried on one hook before it is given up.
const maxHookAttempts = 10

// deliver sends the queued webhook messages, each to every hook once. Delivery is recorded per
// hook: a hook that took a message is not sent it again when another hook fails; a hook whose
// failure a retry can help is tried again on its own, with backoff, up to maxHookAttempts times;
// a hook that refuses for good, or runs out of attempts, is given up on and a warning logged
// (the message's id, the robot's kind and host and the error — never the message's text or the
// URL's token). A message is done when every hook has it or was given up on. A crash between a
// send and its record resends to that hook only: at least once per hook, once when nothing fails.
func deliver(ctx context.Context, s *sqlstore.Store, sender *notify.Sender, hooks []notify.Hook, log *slog.Logger) {
	scopes, err := hookScopes(ctx, s, hooks)
	if err != nil {
		if ctx.Err() == nil {
			log.Warn("webhook outbox", "err", err)
		}
		return // nothing is sent (or marked sent) without knowing which robots a message is for
	}
	msgs, err := s.ClaimOutbox(ctx, 50, 2*time.Minute)
	if err != nil {
		log.Warn("webhook outbox", "err", err)
		return
	}
	for _, m := range msgs {
		if err := deliverOne(ctx, s, sender, hooks, scopes, m, log); err != nil && ctx.Err() == nil {
			log.Warn("webhook outbox", "id", m.ID, "err", err)
		}
	}
}

// hookScopes maps the scope of each scoped robot (a node code) to that node's path, read at every
// pass since a node's code or place in the tree may change. A code no node has any more maps to
// "" (its robot is sent nothing, and serve warns of it); another failure is returned.
func hookScopes(ctx context.Context, s *sqlstore.Store, hooks []notify.Hook) (map[string]string, error) {
	out := map[string]string{}
	for _, h := range hooks {
		if h.Scope == "" {
			continue
		}
		if _, done := out[h.Scope]; done {
			continue
		}
		id, err := s.NodeIDByCode(ctx, h.Scope)
		if err != nil && redgrid.ErrorKind(err) == redgrid.KindNotFound {
			out[h.Scope] = ""
			continue
		}
		if err != nil {
			return nil, err
		}
		n, err := s.Node(ctx, id)
		if err != nil {
			return nil, err
		}
		out[h.Scope] = n.Path
	}
	return out, nil
}

// forMessage says whether robot h is sent message m: a robot of the whole district every
// message, a scoped one the messages of cases within its node.
func forMessage(h notify.Hook, scopes map[string]string, m sqlstore.OutboxMessage) bool {
	if h.Scope == "" {
		return true
	}
	p := scopes[h.Scope]
	return p != "" && m.Path != "" && strings.HasPrefix(m.Path, p)
}

func deliverOne(ctx context.Context, s *sqlstore.Store, sender *notify.Sender, hooks []notify.Hook, scopes map[string]string, m sqlstore.OutboxMessage, log *slog.Logger) error {
	state, err := s.OutboxDeliveries(ctx, m.ID)
	if err != nil {
		return err
	}
	now := s.Now()
	var next time.Time // the earliest next attempt of a hook still pending
	pending := func(at time.Time) {
		if next.IsZero() || at.Before(next) {
			next = at
		}
	}
	var lastErr string
	givenUp, meant := 0, 0
	for _, h := range hooks {
		if !forMessage(h, scopes, m) {
			continue
		}
		meant++
		id := h.ID()
		d := state[id]
		if d.Done() {
			if d.GivenUp {
				givenUp++
			}
			continue
		}
		if d.Attempts > 0 && d.NextAt.After(now) { // backing off: not this hook's turn yet
			pending(d.NextAt)
			continue
		}
		err := sender.Send(ctx, h, notify.Message{Title: m.Title, Text: m.Text, Link: m.Link})
		if err == nil {
			if err := s.OutboxHookSent(ctx, m.ID, id); err != nil {
				return err
			}
			continue
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		attempts := d.Attempts + 1
		lastErr = err.Error()
		if notify.Temporary(err) && attempts < maxHookAttempts {
			at := now.Add(notify.Backoff(attempts))
			pending(at)
			if err := s.OutboxHookFailed(ctx, m.ID, id, attempts, at, lastErr); err != nil {
				return err
			}
			continue
		}
		givenUp++
		log.Warn("webhook message given up", "id", m.ID, "hook", h.String(), "attempts", attempts, "err", err)
		if err := s.OutboxHookFailed(ctx, m.ID, id, attempts, time.Time{}, lastErr); err != nil {
			return err
		}
	}
	if next.IsZero() {
		why := ""
		if givenUp > 0 {
			why = fmt.Sprintf("given up on %d of %d hooks", givenUp, meant)
		}
		return s.OutboxSent(ctx, m.ID, m.Attempts, why)
	}
	return s.OutboxRetry(ctx, m.ID, m.Attempts, next, lastErr)
}

// photoDir is where photos are kept: under the data directory.
func (c *config) photoDir() string { return filepath.Join(c.data, "photos") }
