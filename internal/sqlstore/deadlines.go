package sqlstore

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redgrid/redgrid"
)

// Deadline jobs. Every running deadline is a row of case_deadlines; a job claims a row by a
// conditional update (fired_at IS NULL → now) inside the transaction that carries its effects,
// after locking the case. Two servers on one PostgreSQL may both see a row due, but only one
// update matches: the other finds the row fired and does nothing. So each reminder and each
// overdue fires exactly once, and its effects (flag, counters, notification, escalation) commit
// with the mark or not at all.

type dueRow struct {
	id, caseID int64
	stage      string
	org        *int64
	due        time.Time
}

// JobResult counts what one pass of the deadline jobs did: reminders, overdue stages and climbs
// of the escalation ladder whose rung's time ran out (a climb at once on an overdue handling
// stage counts as that overdue).
type JobResult struct{ Reminded, Overdue, Escalated int }

// RunDeadlines fires the reminders and deadlines that have come, at most limit of each.
func (s *Store) RunDeadlines(ctx context.Context, limit int) (JobResult, error) {
	var res JobResult
	now := s.now().UTC()
	for _, kind := range []string{"remind", "overdue"} {
		q := "SELECT id, case_id, stage, org_id, due_at FROM case_deadlines WHERE reminded_at IS NULL AND done_at IS NULL AND remind_at <= ? ORDER BY remind_at LIMIT ?"
		if kind == "overdue" {
			q = "SELECT id, case_id, stage, org_id, due_at FROM case_deadlines WHERE fired_at IS NULL AND done_at IS NULL AND due_at <= ? ORDER BY due_at LIMIT ?"
		}
		rows, err := s.query(ctx, q, now, limit)
		if err != nil {
			return res, fmt.Errorf("deadlines: %w", err)
		}
		var due []dueRow
		for rows.Next() {
			var d dueRow
			var at timeCol
			if err := rows.Scan(&d.id, &d.caseID, &d.stage, &d.org, &at); err != nil {
				rows.Close()
				return res, err
			}
			d.due = at.t
			due = append(due, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return res, err
		}
		for _, d := range due {
			var fired bool
			err := s.write(ctx, func(t *tx) error {
				acc := newRollupAcc()
				var err error
				if kind == "remind" {
					fired, err = t.remind(d)
				} else if d.stage == StageLadder {
					fired, err = t.ladderFire(d)
				} else if d.stage == stageLadderStart {
					fired, err = t.ladderStart(d)
				} else {
					fired, err = t.overdue(acc, d)
				}
				if err != nil || !fired {
					return err
				}
				return acc.flush(t)
			})
			if err != nil {
				return res, err
			}
			if fired && kind == "remind" {
				res.Reminded++
			} else if fired && d.stage == StageLadder {
				res.Escalated++
			} else if fired {
				res.Overdue++
			}
		}
	}
	return res, nil
}

var stageName = map[string]string{StageRegister: "立案派遣", StageAccept: "签收", StageHandle: "处置"}

func (t *tx) claim(col string, id int64) (bool, error) {
	r, err := t.exec("UPDATE case_deadlines SET "+col+" = ? WHERE id = ? AND "+col+" IS NULL AND done_at IS NULL", t.s.now().UTC(), id)
	if err != nil {
		return false, err
	}
	n, err := r.RowsAffected()
	return n == 1, err
}

func (t *tx) remind(d dueRow) (bool, error) {
	c, err := t.lockCase(d.caseID) // case first, as every action does, so the two never deadlock
	if err != nil {
		return false, err
	}
	ok, err := t.claim("reminded_at", d.id)
	if err != nil || !ok {
		return false, err
	}
	text := fmt.Sprintf("案件 %s（%s，%s）%s时限将到：%s", c.Number, c.CategoryName, c.GridName, stageName[d.stage], fmtCST(d.due))
	path := c.Path
	if d.org == nil {
		path = communityPath(c.Path)
	}
	return true, t.notify(path, d.org, c.ID, "remind", text)
}

func (t *tx) overdue(acc *rollupAcc, d dueRow) (bool, error) {
	c, err := t.lockCase(d.caseID)
	if err != nil {
		return false, err
	}
	ok, err := t.claim("fired_at", d.id)
	if err != nil || !ok {
		return false, err
	}
	lead := d.org == nil || c.leadOrg != nil && *d.org == *c.leadOrg
	flags := c.flags
	if lead {
		if flags&fOverdue == 0 {
			flags |= fOverdue
			acc.add(c.Path, c.day, rcOverdue, 1)
		}
		if d.stage == StageHandle {
			flags |= fHandleLate
			if flags&fDue == 0 {
				flags |= fDue
				acc.add(c.Path, c.day, rcDue, 1)
			}
		}
	}
	text := fmt.Sprintf("案件 %s（%s，%s）%s已超时（时限 %s）", c.Number, c.CategoryName, c.GridName, stageName[d.stage], fmtCST(d.due))
	path := c.Path
	if d.org == nil {
		path = communityPath(c.Path)
	}
	if err := t.notify(path, d.org, c.ID, "overdue", text); err != nil {
		return false, err
	}
	detail := map[string]any{"stage": d.stage, "due_at": d.due}
	if d.org != nil {
		detail["department_id"] = *d.org
	}
	if err := t.caseEvent(c.ID, "overdue", c.State, c.State, "", detail); err != nil {
		return false, err
	}
	if _, err := t.exec("UPDATE cases SET overdue = ?, flags = ?, version = version + 1, updated_at = ? WHERE id = ?",
		lead || c.Overdue, flags, t.s.now().UTC(), c.ID); err != nil {
		return false, err
	}
	if err := t.audit("case.overdue", "case/"+strconv.FormatInt(c.ID, 10), detail); err != nil {
		return false, err
	}
	// An overdue handling stage sets the ladder going (002, ladder.go): at the grid, with its
	// time 0 (the default), the case climbs to the community's joint meeting at once. Above the
	// grid any overdue stage of the handler starts the rung's time again if its clock has ended
	// (the case was within its deadlines when it ran out).
	if lead && (d.stage == StageHandle || c.Level > redgrid.LevelGrid) {
		return true, t.ladderOnOverdue(&c, t.s.now().UTC())
	}
	return true, nil
}

// communityPath cuts a grid's path to its community (district/street/community).
func communityPath(path string) string {
	ids := redgrid.PathIDs(path)
	if len(ids) > 3 {
		ids = ids[:3]
	}
	out := "/"
	for _, id := range ids {
		out += id + "/"
	}
	return out
}

// OutboxMessage is a webhook message waiting to go out.
type OutboxMessage struct {
	ID                int64
	Title, Text, Link string
	// Path is the path of the message's case (its grid), "" for messages queued before paths
	// were kept: what a robot scoped to a node is matched against.
	Path     string
	Attempts int
}

// ClaimOutbox takes up to limit messages whose time has come and leases them for lease, so that
// another server does not send them at the same time. A message whose lease runs out (its sender
// died) is taken again: delivery is at least once.
func (s *Store) ClaimOutbox(ctx context.Context, limit int, lease time.Duration) ([]OutboxMessage, error) {
	now := s.now().UTC()
	rows, err := s.query(ctx, "SELECT id, title, text, link, path, attempts, next_at FROM webhook_outbox WHERE sent_at IS NULL AND next_at <= ? ORDER BY next_at LIMIT ?", now, limit)
	if err != nil {
		return nil, err
	}
	type cand struct {
		m    OutboxMessage
		next any
	}
	var cs []cand
	for rows.Next() {
		var c cand
		if err := rows.Scan(&c.m.ID, &c.m.Title, &c.m.Text, &c.m.Link, &c.m.Path, &c.m.Attempts, &c.next); err != nil {
			rows.Close()
			return nil, err
		}
		cs = append(cs, c)
	}
	rows.Close()
	var out []OutboxMessage
	for _, c := range cs {
		r, err := s.exec(ctx, "UPDATE webhook_outbox SET next_at = ?, attempts = attempts + 1 WHERE id = ? AND sent_at IS NULL AND attempts = ?", now.Add(lease), c.m.ID, c.m.Attempts)
		if err != nil {
			return nil, err
		}
		if n, _ := r.RowsAffected(); n == 1 {
			c.m.Attempts++
			out = append(out, c.m)
		}
	}
	return out, nil
}

// OutboxSent marks a message done: delivered to (or given up on by) every hook. attempts is the
// lease ClaimOutbox gave; a sender whose lease ran out and was taken over changes nothing.
func (s *Store) OutboxSent(ctx context.Context, id int64, attempts int, why string) error {
	_, err := s.exec(ctx, "UPDATE webhook_outbox SET sent_at = ?, failed = ? WHERE id = ? AND attempts = ? AND sent_at IS NULL", s.now().UTC(), why, id, attempts)
	return err
}

// OutboxRetry releases the lease of a message with a hook still to deliver to: it is taken again
// at next (the earliest next attempt of its pending hooks).
func (s *Store) OutboxRetry(ctx context.Context, id int64, attempts int, next time.Time, why string) error {
	_, err := s.exec(ctx, "UPDATE webhook_outbox SET next_at = ?, failed = ? WHERE id = ? AND attempts = ? AND sent_at IS NULL", next.UTC(), why, id, attempts)
	return err
}

// HookDelivery is where one message stands with one hook.
type HookDelivery struct {
	Attempts int       // failed attempts so far
	NextAt   time.Time // when the next attempt may be made
	Sent     bool      // the robot took it
	GivenUp  bool      // the robot refused it for good, or the attempts ran out
}

// Done tells whether nothing more is to be done for the hook.
func (d HookDelivery) Done() bool { return d.Sent || d.GivenUp }

// OutboxDeliveries returns the delivery state of message id per hook (HookID); a hook never
// tried is absent.
func (s *Store) OutboxDeliveries(ctx context.Context, id int64) (map[string]HookDelivery, error) {
	rows, err := s.query(ctx, "SELECT hook, attempts, next_at, sent_at IS NOT NULL, given_up FROM webhook_deliveries WHERE message_id = ?", id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]HookDelivery{}
	for rows.Next() {
		var hook string
		var d HookDelivery
		var next timeCol
		if err := rows.Scan(&hook, &d.Attempts, &next, &d.Sent, &d.GivenUp); err != nil {
			return nil, err
		}
		d.NextAt = next.t
		out[hook] = d
	}
	return out, rows.Err()
}

// OutboxHookSent records message id delivered to hook.
func (s *Store) OutboxHookSent(ctx context.Context, id int64, hook string) error {
	now := s.now().UTC()
	_, err := s.exec(ctx, "INSERT INTO webhook_deliveries (message_id, hook, next_at, sent_at) VALUES (?, ?, ?, ?) ON CONFLICT (message_id, hook) DO UPDATE SET sent_at = excluded.sent_at, failed = ''",
		id, hook, now, now)
	return err
}

// OutboxHookFailed records a failed attempt to deliver message id to hook: attempts is the count
// of failed attempts now, next when to try again, or zero to give up (why says what failed).
func (s *Store) OutboxHookFailed(ctx context.Context, id int64, hook string, attempts int, next time.Time, why string) error {
	givenUp := next.IsZero()
	if givenUp {
		next = s.now()
	}
	_, err := s.exec(ctx, "INSERT INTO webhook_deliveries (message_id, hook, attempts, next_at, given_up, failed) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (message_id, hook) DO UPDATE SET attempts = excluded.attempts, next_at = excluded.next_at, given_up = excluded.given_up, failed = excluded.failed",
		id, hook, attempts, next.UTC(), givenUp, why)
	return err
}

// Now is the store's clock (a fake one in tests).
func (s *Store) Now() time.Time { return s.now() }
