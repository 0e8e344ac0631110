package sqlstore

import (
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redgrid/redgrid"
)

// The escalation ladder (002): 网格(小区)党支部 → 社区党建联席会议 → 街道党建联席会议 → 市级党建联席会议.
// Each rung below the city has a clock, a case_deadlines row of stage 'ladder' (no department, no
// reminder), run by the same jobs as the other deadlines and claimed by the same conditional
// update, so each climb happens once across servers. The grid's clock starts when the lead
// department's handling stage is overdue; the community's and the street's when the case lands
// there, by itself or by hand. When a clock runs out and the case is still unresolved (not
// verified, closed or voided) and overdue — the deadline its handler works to now has passed
// (ladderOverdue; a case escalated by hand within its deadlines, or given a new one, waits: the
// overdue of its current stage starts the rung's time again) — the case climbs one rung, lands on
// that rung's next joint meeting agenda and the next rung's clock starts. An approved extension
// ends the running clock (the rung's time starts again when the extended deadline passes). A
// suspension pauses the clock with the case's other deadlines (pauseDeadlines); a hand escalation
// replaces it with the new rung's, paused with the rung's whole time if the case is suspended
// (parkRung), so that the resumption starts the new rung's clock, not the old one's.

// StageLadder is the stage of the ladder's clocks.
const StageLadder = "ladder"

// stageLadderStart marks a case escalated before the ladder had clocks (migration 0025): due when
// the case landed on its rung, it starts that rung's clock from then.
const stageLadderStart = "ladder_start"

// ladderStart turns a ladder_start row into the clock of the case's rung, started when the case
// landed there (a clock already run out fires at the next pass); a suspended case's clock is
// paused at once, with the case's other deadlines.
func (t *tx) ladderStart(d dueRow) (bool, error) {
	c, err := t.lockCase(d.caseID)
	if err != nil {
		return false, err
	}
	ok, err := t.claim("fired_at", d.id)
	if err != nil || !ok {
		return false, err
	}
	now := t.s.now().UTC()
	if _, err := t.exec("UPDATE case_deadlines SET done_at = ? WHERE id = ?", now, d.id); err != nil {
		return false, err
	}
	if c.State.Final() || c.Level < redgrid.LevelCommunity || c.Level >= redgrid.LevelCity {
		return false, nil
	}
	if running, err := t.ladderRunning(c.ID); err != nil || running {
		return false, err
	}
	if err := t.startRung(c.ID, c.Level, d.due); err != nil {
		return false, err
	}
	if c.State == redgrid.CaseSuspended {
		_, err := t.pauseDeadlines(&c, now)
		return false, err
	}
	return false, nil
}

// ladderRunning reports whether a ladder clock of the case is running.
func (t *tx) ladderRunning(caseID int64) (bool, error) {
	var n int
	err := t.queryRow("SELECT COUNT(*) FROM case_deadlines WHERE case_id = ? AND stage = ? AND done_at IS NULL AND fired_at IS NULL", caseID, StageLadder).Scan(&n)
	return n > 0, err
}

// rungWork is the working time the case may stay on level before it climbs by itself; false for
// no clock: at the city (the top), on a rung set to never, or with escalation off.
func (t *tx) rungWork(level redgrid.Level) (time.Duration, bool) {
	if level < redgrid.LevelGrid || level >= redgrid.LevelCity || t.s.cases.NoEscalateOnOverdue {
		return 0, false
	}
	r := t.s.cases.Ladder[level]
	if r.Never {
		return 0, false
	}
	if r.Now {
		return 0, true
	}
	return t.s.workDur(r.Limit), true
}

// startRung ends any ladder clock of the case and starts that of the rung it stands on, from
// start. Nothing starts at the city (the top), for a rung set to never, or with escalation off.
func (t *tx) startRung(caseID int64, level redgrid.Level, start time.Time) error {
	if _, err := t.exec("UPDATE case_deadlines SET done_at = ? WHERE case_id = ? AND stage = ? AND done_at IS NULL", t.s.now().UTC(), caseID, StageLadder); err != nil {
		return err
	}
	w, ok := t.rungWork(level)
	if !ok {
		return nil
	}
	due, err := t.s.cal.Add(start, w)
	if err != nil {
		return err
	}
	// No reminder: reminded_at is set at once.
	_, err = t.exec("INSERT INTO case_deadlines (case_id, stage, org_id, started_at, due_at, remind_at, reminded_at) VALUES (?, ?, NULL, ?, ?, ?, ?)",
		caseID, StageLadder, start.UTC(), due.UTC(), due.UTC(), start.UTC())
	return err
}

// parkRung is startRung for a suspended case escalated by hand: the clock the suspension paused
// (of the rung the case leaves) is dropped, so that the resumption does not start it again, and
// the new rung's clock is recorded paused with the rung's whole time, which the resumption starts.
func (t *tx) parkRung(caseID int64, level redgrid.Level, now time.Time) error {
	if _, err := t.exec("UPDATE case_deadlines SET paused_s = NULL WHERE case_id = ? AND stage = ? AND paused_s IS NOT NULL", caseID, StageLadder); err != nil {
		return err
	}
	w, ok := t.rungWork(level)
	if !ok {
		return nil
	}
	due, err := t.s.cal.Add(now, w)
	if err != nil {
		return err
	}
	_, err = t.exec("INSERT INTO case_deadlines (case_id, stage, org_id, started_at, due_at, remind_at, reminded_at, done_at, paused_s) VALUES (?, ?, NULL, ?, ?, ?, ?, ?, ?)",
		caseID, StageLadder, now.UTC(), due.UTC(), due.UTC(), now.UTC(), now.UTC(), int64(w/time.Second))
	return err
}

// ladderOverdue reports whether the case is overdue for the ladder: whether the deadline its
// handler is working to now — the registration and dispatch (no department), the lead
// department's acceptance or handling, or the community's own handling — has passed without the
// step being taken. Not the case's overdue flag, which stays once set: a deadline given anew (an
// approved extension, a re-dispatch, a reopening) is not overdue until it passes.
func (t *tx) ladderOverdue(c *caseRow) (bool, error) {
	q := "SELECT COUNT(*) FROM case_deadlines WHERE case_id = ? AND stage IN (?, ?, ?) AND fired_at IS NOT NULL AND done_at IS NULL AND (org_id IS NULL"
	args := []any{c.ID, StageRegister, StageAccept, StageHandle}
	if c.leadOrg != nil {
		q += " OR org_id = ?"
		args = append(args, *c.leadOrg)
	}
	var n int
	err := t.queryRow(q+")", args...).Scan(&n)
	return n > 0, err
}

// ladderOnOverdue is what an overdue stage of the handler does to the ladder (at the grid its
// handling stage only; above, any of its stages): with no clock running, the clock of the case's
// rung starts — with the rung's time set to 0 (the grid's by default), the case climbs at once.
func (t *tx) ladderOnOverdue(c *caseRow, now time.Time) error {
	if t.s.cases.NoEscalateOnOverdue || c.Level >= redgrid.LevelCity {
		return nil
	}
	running, err := t.ladderRunning(c.ID)
	if err != nil || running {
		return err
	}
	if t.s.cases.Ladder[c.Level].Now {
		return t.climb(c, now)
	}
	return t.startRung(c.ID, c.Level, now)
}

// climb moves the case one rung up by itself: agenda of the new rung's next joint meeting, event,
// audit line, and the new rung's clock.
func (t *tx) climb(c *caseRow, now time.Time) error {
	from := c.Level
	level := from + 1
	reason := fmt.Sprintf("在%s超时未解决，自动上提", from.Name())
	if err := t.agenda(c, level, reason, now); err != nil {
		return err
	}
	detail := map[string]any{"level": level, "from_level": from, "auto": true}
	if err := t.caseEvent(c.ID, string(redgrid.ActEscalate), c.State, c.State, reason, detail); err != nil {
		return err
	}
	if _, err := t.exec("UPDATE cases SET level = ?, version = version + 1, updated_at = ? WHERE id = ?", int(level), now, c.ID); err != nil {
		return err
	}
	c.Level = level
	if err := t.startRung(c.ID, level, now); err != nil {
		return err
	}
	return t.audit("case.escalate", "case/"+strconv.FormatInt(c.ID, 10), detail)
}

// ladderFire runs out a rung's clock: the case climbs if it is still unresolved; otherwise the
// clock just ends (an overdue handling stage after a reopening starts the rung's clock again).
func (t *tx) ladderFire(d dueRow) (bool, error) {
	c, err := t.lockCase(d.caseID)
	if err != nil {
		return false, err
	}
	ok, err := t.claim("fired_at", d.id)
	if err != nil || !ok {
		return false, err
	}
	now := t.s.now().UTC()
	switch c.State {
	case redgrid.CaseRegistered, redgrid.CaseDispatched, redgrid.CaseAccepted, redgrid.CaseHandled:
	default:
		_, err := t.exec("UPDATE case_deadlines SET done_at = ? WHERE id = ?", now, d.id)
		return false, err
	}
	late, err := t.ladderOverdue(&c)
	if err != nil {
		return false, err
	}
	if !late || c.Level >= redgrid.LevelCity || t.s.cases.NoEscalateOnOverdue {
		// A case within its current deadline (put on a rung by hand in time, extended,
		// re-dispatched, reopened) climbs only once that deadline has passed too: its overdue
		// starts the rung's time again (ladderOnOverdue).
		_, err := t.exec("UPDATE case_deadlines SET done_at = ? WHERE id = ?", now, d.id)
		return false, err
	}
	return true, t.climb(&c, now)
}

// pauseDeadlines ends every running deadline of the case (a suspension), keeping in paused_s the
// working seconds each had left. It returns what the lead's handling stage had left.
func (t *tx) pauseDeadlines(c *caseRow, now time.Time) (int64, error) {
	rows, err := t.query("SELECT id, stage, org_id, due_at FROM case_deadlines WHERE case_id = ? AND done_at IS NULL", c.ID)
	if err != nil {
		return 0, err
	}
	type open struct {
		id    int64
		stage string
		org   *int64
		due   time.Time
	}
	var all []open
	for rows.Next() {
		var o open
		var due timeCol
		if err := rows.Scan(&o.id, &o.stage, &o.org, &due); err != nil {
			rows.Close()
			return 0, err
		}
		o.due = due.t
		all = append(all, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	var lead int64
	for _, o := range all {
		left := int64(0)
		if o.due.After(now) {
			left = int64(t.s.cal.Between(now, o.due) / time.Second)
		}
		if o.stage == StageHandle && handlerRow(c, o.org) {
			lead = left
		}
		if _, err := t.exec("UPDATE case_deadlines SET done_at = ?, paused_s = ? WHERE id = ?", now, left, o.id); err != nil {
			return 0, err
		}
	}
	return lead, nil
}

// resumeDeadlines starts again every deadline a suspension paused, each with the working time it
// had left (a reminder already sent or an overdue already fired is not repeated), and moves the
// departments' due times with them. It returns the handler's new handling deadline (the lead
// department's or the community's), if one was paused.
func (t *tx) resumeDeadlines(c *caseRow, now time.Time) (*time.Time, error) {
	rows, err := t.query("SELECT id, stage, org_id, started_at, due_at, remind_at, reminded_at, fired_at, done_at, paused_s FROM case_deadlines WHERE case_id = ? AND paused_s IS NOT NULL", c.ID)
	if err != nil {
		return nil, err
	}
	type paused struct {
		id                    int64
		stage                 string
		org                   *int64
		due, remind, pausedAt time.Time
		reminded, fired       any // the time, or nil
		left                  int64
	}
	var all []paused
	for rows.Next() {
		var p paused
		var started, due, remind, reminded, fired, done timeCol
		if err := rows.Scan(&p.id, &p.stage, &p.org, &started, &due, &remind, &reminded, &fired, &done, &p.left); err != nil {
			rows.Close()
			return nil, err
		}
		p.due, p.remind, p.pausedAt = due.t, remind.t, done.t
		if !reminded.t.IsZero() {
			p.reminded = reminded.t
		}
		if !fired.t.IsZero() {
			p.fired = fired.t
		}
		all = append(all, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var leadDue *time.Time
	for _, p := range all {
		due, err := t.s.cal.Add(now, time.Duration(p.left)*time.Second)
		if err != nil {
			return nil, err
		}
		toRemind := time.Duration(0)
		if p.remind.After(p.pausedAt) {
			toRemind = t.s.cal.Between(p.pausedAt, p.remind)
		}
		remind, err := t.s.cal.Add(now, toRemind)
		if err != nil {
			return nil, err
		}
		due, remind = due.UTC(), remind.UTC()
		if _, err := t.exec("INSERT INTO case_deadlines (case_id, stage, org_id, started_at, due_at, remind_at, reminded_at, fired_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			c.ID, p.stage, p.org, now, due, remind, p.reminded, p.fired); err != nil {
			return nil, err
		}
		if _, err := t.exec("UPDATE case_deadlines SET paused_s = NULL WHERE id = ?", p.id); err != nil {
			return nil, err
		}
		if p.stage == StageHandle && handlerRow(c, p.org) {
			d := due
			leadDue = &d
		}
		if p.org == nil {
			continue
		}
		col := map[string]string{StageAccept: "accept_due", StageHandle: "handle_due"}[p.stage]
		if col != "" {
			if _, err := t.exec("UPDATE case_orgs SET "+col+" = ? WHERE case_id = ? AND org_id = ?", due, c.ID, *p.org); err != nil {
				return nil, err
			}
		}
	}
	return leadDue, nil
}

// handlerRow reports whether a deadline row of org (nil: none) is the case's handler's: the lead
// department's, or for a case the community took on (交社区自治) the row with no department.
func handlerRow(c *caseRow, org *int64) bool {
	h := handlerOrg(c)
	if org == nil {
		return h == 0
	}
	return *org == h
}

// dispatcherNode is the node at which the acting user dispatches the case at path: the nearest
// node above the case where they hold a role that may dispatch. Nil for an actor without one (a
// command-line tool or a test calling the store directly).
func (t *tx) dispatcherNode(path string) (*int64, error) {
	a := redgrid.ActorFrom(t.ctx)
	if a.UserID == 0 {
		return nil, nil
	}
	var roles []any
	q := `SELECT g.node_id FROM grants g JOIN nodes n ON n.id = g.node_id
		WHERE g.user_id = ? AND substr(?, 1, length(n.path)) = n.path AND g.role IN (`
	args := []any{a.UserID, path}
	for _, r := range []redgrid.Role{redgrid.RoleCommunityStaff, redgrid.RoleStreetOperator, redgrid.RoleDistrictAdmin} {
		if redgrid.RoleMayAct(r, redgrid.ActDispatch) {
			roles = append(roles, string(r))
		}
	}
	for i := range roles {
		if i > 0 {
			q += ", "
		}
		q += "?"
	}
	q += ") ORDER BY length(n.path) DESC LIMIT 1"
	var id int64
	err := t.queryRow(q, append(args, roles...)...).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &id, nil
}
