package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redgrid/redgrid"
)

// Authorize decides whether the caller may take an action on a case, given the case as it is
// inside the transaction. It returns the department the caller acts for (department staff) or 0,
// or a KindForbidden error; it runs before the state check, so 403 comes before 409.
type Authorize func(c *redgrid.Case, a redgrid.CaseAction) (orgID int64, err error)

// ActOnCase applies one action to a case in one transaction: the state change, its event, its
// deadlines, its rollups and its audit line, or nothing. It returns the case as the action left
// it. With an Idempotency-Key that answer is recorded with the key (without the reporter's name
// and phone, which stay sealed in the case), and a retry gets the same answer back (replayed) —
// the case as the first request left it, not as later actions made it — without acting again.
func (s *Store) ActOnCase(ctx context.Context, id int64, in redgrid.CaseActionIn, authorize Authorize) (redgrid.Case, bool, error) {
	var first redgrid.Case
	_, answer, replayed, err := s.createAnswered(ctx, "case_action", func(t *tx) (int64, string, error) {
		acc := newRollupAcc()
		if err := s.act(t, acc, id, in, authorize); err != nil {
			return 0, "", err
		}
		if err := acc.flush(t); err != nil {
			return 0, "", err
		}
		var err error
		if first, err = s.readCase(t.ctx, t, id); err != nil {
			return 0, "", err
		}
		if _, ok := redgrid.IdempotencyFrom(ctx); !ok {
			return id, "", nil
		}
		kept := first
		kept.ReporterName, kept.ReporterPhone = "", ""
		b, err := json.Marshal(kept)
		return id, string(b), err
	})
	if err != nil || !replayed {
		return first, false, err
	}
	now, err := s.Case(ctx, id)
	if err != nil || answer == "" { // a key recorded before answers were kept: the case as it is
		return now, true, err
	}
	var c redgrid.Case
	if err := json.Unmarshal([]byte(answer), &c); err != nil {
		return redgrid.Case{}, false, fmt.Errorf("case %d: recorded answer: %w", id, err)
	}
	// What the answer does not keep: where the case is (for the caller's scope) and its reporter,
	// as the case holds them now (erased, if retention has erased them since).
	c.Path, c.ReporterID, c.ReporterName, c.ReporterPhone = now.Path, now.ReporterID, now.ReporterName, now.ReporterPhone
	return c, true, nil
}

func (t *tx) lockCase(id int64) (caseRow, error) {
	c, err := scanCase(t.queryRow("SELECT "+caseCols+" FROM cases c JOIN nodes n ON n.id = c.node_id WHERE c.id = ?"+t.s.dialect.forUpdate(), id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, redgrid.Errorf(redgrid.KindNotFound, "case %d not found", id)
	}
	if err != nil {
		return c, err
	}
	if err := t.s.fillCategory(t.ctx, &c); err != nil {
		return c, err
	}
	c.Departments, err = t.s.caseDepartments(t.ctx, t, id)
	return c, err
}

func deptOf(c *redgrid.Case, org int64) *redgrid.CaseDepartment {
	for i := range c.Departments {
		if c.Departments[i].OrgID == org {
			return &c.Departments[i]
		}
	}
	return nil
}

func (s *Store) act(t *tx, acc *rollupAcc, id int64, in redgrid.CaseActionIn, authorize Authorize) error {
	c, err := t.lockCase(id)
	if err != nil {
		return err
	}
	org, err := authorize(&c.Case, in.Action)
	if err != nil {
		return err
	}
	if in.Version != 0 && in.Version != c.Version {
		return redgrid.Errorf(redgrid.KindConflict, "case %d changed since version %d (it is at version %d now): reload it and try again", id, in.Version, c.Version)
	}
	cat, err := s.categoryByID(t.ctx, c.categoryID)
	if err != nil {
		return err
	}
	regL, accL, handL, err := cat.Limits()
	if err != nil {
		return err
	}
	now := s.now().UTC()
	today := now.In(cst).Format(time.DateOnly)
	// A co-handling department's own steps touch its own row only.
	if d := deptOf(&c.Case, org); d != nil && d.Role == redgrid.DeptCo {
		return t.coStep(acc, &c, d, in, handL, now)
	}
	var lead *redgrid.CaseDepartment
	if c.leadOrg != nil {
		lead = deptOf(&c.Case, *c.leadOrg)
	}
	community := c.Route == redgrid.RouteCommunity
	switch in.Action {
	case redgrid.ActAccept, redgrid.ActReturn, redgrid.ActFeedback, redgrid.ActRequestExtend:
		// On a case the community handles itself, the role check (RoleMayActOn) has let only
		// its staff feed back or ask for an extension.
		if !community && (lead == nil || lead.OrgID != org) {
			return redgrid.Errorf(redgrid.KindForbidden, "only a department dispatched to case %d may %s it", id, in.Action)
		}
	}
	// 三事分办: the matter the case is registered or routed as; a routing action must fit it.
	status := c.Status()
	matter := c.Matter
	if in.Matter != "" {
		matter = in.Matter
		status.Matter = in.Matter
	}
	next, err := status.Apply(in.Action, in.Rating)
	if err != nil {
		return err
	}
	from := c.State
	detail := map[string]any{}
	if matter != c.Matter {
		if matter != cat.Matter && strings.TrimSpace(in.Reason) == "" {
			return redgrid.Invalid("reason", "matter_change", fmt.Sprintf("a reason is required to take a %s matter as a %s one (the category %s is a %s matter)",
				c.Matter, matter, cat.Name, cat.Matter))
		}
		var splitFrom int64
		if err := t.queryRow("SELECT from_id FROM case_matter_split").Scan(&splitFrom); err != nil {
			return err
		}
		if id >= splitFrom { // counted by matter when received (migration 0023)
			acc.add(c.Path, c.day, receivedOf(c.Matter), -1)
			acc.add(c.Path, c.day, receivedOf(matter), 1)
		}
		detail["matter"], detail["matter_from"] = matter, c.Matter
	}
	route := next.Route
	guidance := c.Guidance
	stage, due := c.Stage, c.DueAt
	paused := c.pausedS
	flags := c.flags
	once := func(flag int, col string) {
		if flags&flag == 0 {
			flags |= flag
			acc.add(c.Path, c.day, col, 1)
		}
	}
	var merged *int64 = c.MergedInto
	extendReq := c.ExtendRequest
	rating, resolved, closedAt := c.Rating, c.Resolved, c.ClosedAt
	switch in.Action {
	case redgrid.ActRegister:
		once(fRegistered, rcRegistered)
	case redgrid.ActVoid, redgrid.ActMerge:
		if in.Action == redgrid.ActMerge {
			if err := t.mergeInto(&c, in.Into); err != nil {
				return err
			}
			merged = &in.Into
			detail["into"] = in.Into
		}
		if err := t.closeDeadlines(id, "", 0); err != nil {
			return err
		}
		if err := t.closeDeadlines(id, StageLadder, 0); err != nil {
			return err
		}
		acc.add(c.Path, c.day, rcVoided, 1)
		stage, due = "", nil
	case redgrid.ActDispatch:
		leadDue, err := t.dispatch(acc, &c, *in.Lead, in.Co, accL, now, today)
		if err != nil {
			return err
		}
		if err := t.closeDeadlines(id, StageRegister, 0); err != nil {
			return err
		}
		if c.DispatchNodeID, err = t.dispatcherNode(c.Path); err != nil {
			return err
		}
		once(fRegistered, rcRegistered)
		once(fDispatched, rcDispatched)
		stage, due = StageAccept, &leadDue
		detail["lead_department_id"], detail["co_department_ids"] = *in.Lead, in.Co
	case redgrid.ActSelfGovern:
		comm, err := t.communityOf(&c)
		if err != nil {
			return err
		}
		if err := t.closeDeadlines(id, StageRegister, 0); err != nil {
			return err
		}
		d, err := t.addDeadline(id, StageHandle, 0, now, handL)
		if err != nil {
			return err
		}
		once(fRegistered, rcRegistered)
		once(fSelfGoverned, rcSelfGoverned)
		// 众事商量办: the case goes on the list of the community's next meeting (居民议事会 or
		// 联席会议, both recorded as meetings of the community) for the residents to deliberate.
		reason := "交社区自治，居民协商"
		if r := strings.TrimSpace(in.Reason); r != "" {
			reason += "：" + r
		}
		if err := t.agendaAt(&c, redgrid.LevelCommunity, comm, reason, now); err != nil {
			return err
		}
		if err := t.notify(communityPath(c.Path), nil, id, "self_govern", fmt.Sprintf("案件 %s（%s，%s）交社区自治办理，请于 %s 前反馈，已列入社区下次议事议题",
			c.Number, c.CategoryName, c.GridName, fmtCST(d))); err != nil {
			return err
		}
		stage, due = StageHandle, &d
		detail["community_id"], detail["due_at"] = comm, d
		// No department was dispatched: the levels above the community decide its extensions
		// (RoleMayActOn), whoever dispatched the case before a return.
		c.DispatchNodeID = nil
	case redgrid.ActGuide:
		if err := t.closeDeadlines(id, StageRegister, 0); err != nil {
			return err
		}
		once(fRegistered, rcRegistered)
		once(fGuided, rcGuided)
		c.DispatchNodeID = nil
		guidance = strings.TrimSpace(in.Guidance)
		detail["guidance"] = guidance
		stage, due = StageRate, nil
	case redgrid.ActAccept:
		onTime, err := t.deptAccept(acc, &c, lead, handL, now, detail)
		if err != nil {
			return err
		}
		if flags&fResponded == 0 {
			flags |= fResponded
			if onTime {
				flags |= fRespondedOnTime
				acc.add(c.Path, c.day, rcResponded, 1)
			}
		}
		stage = StageHandle
		hd := *lead.HandleDue
		due = &hd
	case redgrid.ActReturn:
		for i := range c.Departments {
			d := &c.Departments[i]
			if d.State == "returned" {
				continue
			}
			if _, err := t.exec("UPDATE case_orgs SET state = 'returned' WHERE case_id = ? AND org_id = ?", id, d.OrgID); err != nil {
				return err
			}
		}
		acc.addOrg(lead.OrgID, c.Path, lead.DispatchedAt.In(cst).Format(time.DateOnly), ocReturned, 1)
		detail["department_id"] = lead.OrgID
		if err := t.closeDeadlines(id, "", 0); err != nil {
			return err
		}
		d, err := t.addDeadline(id, StageRegister, 0, now, regL)
		if err != nil {
			return err
		}
		stage, due = StageRegister, &d
		c.leadOrg = nil
	case redgrid.ActFeedback:
		if community {
			// The community's own feedback, against its handling deadline.
			onTime := due == nil || !now.After(*due)
			if err := t.closeDeadlines(id, StageHandle, 0); err != nil {
				return err
			}
			if flags&fSelfHandled == 0 {
				once(fSelfHandled, rcSelfHandled)
				if onTime {
					once(fSelfHandledOnTime, rcSelfHandledOnTime)
				}
			}
			if !onTime {
				flags |= fHandleLate
			}
			detail["community"], detail["on_time"] = true, onTime
		} else if err := t.deptFeedback(acc, &c, lead, now, detail); err != nil {
			return err
		}
		flags |= c.flags & fHandleLate
		if len(in.Photos) > 0 {
			if err := t.attachPhotos(id, in.Photos, "photos"); err != nil {
				return err
			}
			detail["photos"] = in.Photos
		}
		once(fHandled, rcHandled)
		stage, due = StageVerify, nil
	case redgrid.ActVerifyPass:
		stage, due = StageRate, nil
		if len(in.Photos) > 0 {
			if err := t.attachPhotos(id, in.Photos, "photos"); err != nil {
				return err
			}
			detail["photos"] = in.Photos
		}
	case redgrid.ActVerifyFail:
		once(fReworked, rcReworked)
		d, err := t.reopenHandler(&c, lead, handL, now)
		if err != nil {
			return err
		}
		stage, due = StageHandle, &d
	case redgrid.ActRate:
		rating, resolved = in.Rating, in.Resolved
		detail["rating"] = in.Rating
		if in.Resolved != nil {
			detail["resolved"] = *in.Resolved
		}
		if next.State == redgrid.CaseClosed {
			closedAt = &now
			once(fClosed, rcClosed)
			if closedOnTime(flags, c.Route) {
				acc.add(c.Path, c.day, rcClosedOnTime, 1)
			}
			once(fDue, rcDue)
			acc.add(c.Path, c.day, rcCallbacks, 1)
			switch in.Rating {
			case redgrid.RatingSatisfied:
				acc.add(c.Path, c.day, rcSatisfied, 1)
			case redgrid.RatingBasic:
				acc.add(c.Path, c.day, rcBasic, 1)
			case redgrid.RatingDissatisfied:
				acc.add(c.Path, c.day, rcDissatisfied, 1)
			}
			if in.Resolved != nil && *in.Resolved {
				acc.add(c.Path, c.day, rcResolved, 1)
			}
			if err := t.closeDeadlines(id, StageLadder, 0); err != nil {
				return err
			}
			stage, due = "", nil
		} else if from == redgrid.CaseGuided {
			// Dissatisfied with the guidance: reopened once, back to registration to be routed
			// again, with the register-and-dispatch deadline running anew.
			d, err := t.addDeadline(id, StageRegister, 0, now, regL)
			if err != nil {
				return err
			}
			guidance = ""
			stage, due = StageRegister, &d
		} else {
			// Dissatisfied: reopened once, back to whoever handled it.
			d, err := t.reopenHandler(&c, lead, handL, now)
			if err != nil {
				return err
			}
			stage, due = StageHandle, &d
		}
	case redgrid.ActSuspend:
		// Every running clock pauses: the lead's, the co-handlers' and the ladder's.
		left, err := t.pauseDeadlines(&c, now)
		if err != nil {
			return err
		}
		paused = &left
		acc.add(c.Path, c.day, rcSuspended, 1)
		once(fDue, rcDue)
		detail["explanation"] = in.Explanation
		stage, due = "", nil
	case redgrid.ActResume:
		d, err := t.resumeDeadlines(&c, now)
		if err != nil {
			return err
		}
		if d == nil { // suspended before the co-handlers' and ladder's clocks were paused too
			left := time.Duration(0)
			if paused != nil {
				left = time.Duration(*paused) * time.Second
			}
			hd, err := t.addDeadlineDur(id, StageHandle, handlerOrg(&c), now, left)
			if err != nil {
				return err
			}
			if err := t.setHandleDue(&c, hd); err != nil {
				return err
			}
			d = &hd
		}
		acc.add(c.Path, c.day, rcSuspended, -1)
		paused = nil
		stage, due = StageHandle, d
	case redgrid.ActRequestExtend:
		extendReq = in.Extend
		detail["extend"] = in.Extend
	case redgrid.ActApproveExtend:
		ext, err := redgrid.ParseLimit(extendReq)
		if err != nil {
			return err
		}
		// From the handling deadline, or from now if that has passed: the extended deadline
		// is in the future, the same in the deadline row, the department's row and the case.
		base := now
		if due != nil && due.After(now) {
			base = *due
		}
		end, err := s.cal.Add(base, s.workDur(ext))
		if err != nil {
			return err
		}
		if err := t.closeDeadlines(id, StageHandle, handlerOrg(&c)); err != nil {
			return err
		}
		d, err := t.addDeadlineDur(id, StageHandle, handlerOrg(&c), now, s.cal.Between(now, end))
		if err != nil {
			return err
		}
		if err := t.setHandleDue(&c, d); err != nil {
			return err
		}
		// The dispatching level gave the handler more time: the rung's time starts again when
		// the extended deadline passes (ladderOnOverdue), not when the old clock runs out.
		if err := t.closeDeadlines(id, StageLadder, 0); err != nil {
			return err
		}
		once(fExtended, rcExtended)
		detail["extend"], detail["due_at"] = extendReq, d
		extendReq = ""
		due = &d
	case redgrid.ActRejectExtend:
		detail["extend"] = extendReq
		extendReq = ""
	case redgrid.ActEscalate:
		if err := t.agenda(&c, next.Level, in.Reason, now); err != nil {
			return err
		}
		start := t.startRung
		if c.State == redgrid.CaseSuspended {
			start = t.parkRung // the resumption starts the new rung's clock
		}
		if err := start(id, next.Level, now); err != nil {
			return err
		}
		detail["level"] = next.Level
	}
	_, err = t.exec(`UPDATE cases SET state = ?, lead_org_id = ?, level = ?, stage = ?, due_at = ?, paused_s = ?, reopened = ?, reworks = ?,
		returns = ?, extensions = ?, extend_request = ?, rating = ?, resolved = ?, merged_into = ?, flags = ?, closed_at = ?,
		dispatch_node_id = ?, matter = ?, route = ?, guidance = ?, version = version + 1, updated_at = ? WHERE id = ?`,
		next.State, c.leadOrg, int(next.Level), stage, due, paused, next.Reopened, next.Reworks, next.Returns, next.Extensions,
		extendReq, string(rating), resolved, merged, flags, closedAt, c.DispatchNodeID, string(matter), string(route), guidance, now, id)
	if err != nil {
		return err
	}
	if len(detail) == 0 {
		detail = nil
	}
	if err := t.caseEvent(id, string(in.Action), from, next.State, in.Reason, detail); err != nil {
		return err
	}
	return t.audit("case."+string(in.Action), "case/"+strconv.FormatInt(id, 10), map[string]any{"from": from, "to": next.State})
}

// coStep is a co-handling department's acceptance, return or feedback, on its own row.
func (t *tx) coStep(acc *rollupAcc, c *caseRow, d *redgrid.CaseDepartment, in redgrid.CaseActionIn, handL redgrid.Limit, now time.Time) error {
	detail := map[string]any{"department_id": d.OrgID, "role": redgrid.DeptCo}
	switch in.Action {
	case redgrid.ActAccept:
		if d.State != "dispatched" {
			return redgrid.Errorf(redgrid.KindConflict, "%s has already %s this case", d.Name, d.State)
		}
		if _, err := t.deptAccept(acc, c, d, handL, now, detail); err != nil {
			return err
		}
	case redgrid.ActReturn:
		if d.State != "dispatched" {
			return redgrid.Errorf(redgrid.KindConflict, "%s can return the case only before accepting it", d.Name)
		}
		if _, err := t.exec("UPDATE case_orgs SET state = 'returned' WHERE case_id = ? AND org_id = ?", c.ID, d.OrgID); err != nil {
			return err
		}
		if err := t.closeDeadlines(c.ID, "", d.OrgID); err != nil {
			return err
		}
		acc.addOrg(d.OrgID, c.Path, d.DispatchedAt.In(cst).Format(time.DateOnly), ocReturned, 1)
	case redgrid.ActFeedback:
		if d.State != "accepted" {
			return redgrid.Errorf(redgrid.KindConflict, "%s can feed back only after accepting the case", d.Name)
		}
		if err := t.deptFeedback(acc, c, d, now, detail); err != nil {
			return err
		}
		if len(in.Photos) > 0 {
			if err := t.attachPhotos(c.ID, in.Photos, "photos"); err != nil {
				return err
			}
			detail["photos"] = in.Photos
		}
	default:
		return redgrid.Errorf(redgrid.KindForbidden, "a co-handling department may accept, return or feed back, not %s", in.Action)
	}
	if _, err := t.exec("UPDATE cases SET version = version + 1, updated_at = ? WHERE id = ?", now, c.ID); err != nil {
		return err
	}
	if err := t.caseEvent(c.ID, string(in.Action), c.State, c.State, in.Reason, detail); err != nil {
		return err
	}
	return t.audit("case."+string(in.Action), "case/"+strconv.FormatInt(c.ID, 10), detail)
}

// dispatch assigns the lead and co-handling departments; each must be a department serving the
// case's grid. It returns the lead's acceptance deadline.
func (t *tx) dispatch(acc *rollupAcc, c *caseRow, lead int64, co []int64, accL redgrid.Limit, now time.Time, today string) (time.Time, error) {
	var leadDue time.Time
	all := append([]int64{lead}, co...)
	for i, org := range all {
		field := "lead_department_id"
		if i > 0 {
			field = fmt.Sprintf("co_department_ids[%d]", i-1)
		}
		var kind string
		var serves int
		err := t.queryRow(`SELECT o.kind, (SELECT COUNT(*) FROM org_nodes l JOIN nodes n ON n.id = l.node_id
			WHERE l.org_id = o.id AND substr(?, 1, length(n.path)) = n.path) FROM orgs o WHERE o.id = ?`, c.Path, org).Scan(&kind, &serves)
		if errors.Is(err, sql.ErrNoRows) {
			return leadDue, redgrid.Invalid(field, "exists", fmt.Sprintf("organisation %d does not exist", org))
		}
		if err != nil {
			return leadDue, err
		}
		if kind != string(redgrid.OrgDepartment) {
			return leadDue, redgrid.Invalid(field, "department", fmt.Sprintf("organisation %d is not a department", org))
		}
		if serves == 0 {
			return leadDue, redgrid.Invalid(field, "serves", fmt.Sprintf("department %d does not serve grid %s", org, c.GridCode))
		}
		role := redgrid.DeptLead
		if i > 0 {
			role = redgrid.DeptCo
		}
		due, err := t.addDeadline(c.ID, StageAccept, org, now, accL)
		if err != nil {
			return leadDue, err
		}
		if i == 0 {
			leadDue = due
		}
		res, err := t.exec(`UPDATE case_orgs SET role = ?, state = 'dispatched', dispatched_at = ?, accept_due = ?, accepted_at = NULL, handle_due = NULL,
			handled_at = NULL WHERE case_id = ? AND org_id = ?`, role, now, due, c.ID, org)
		if err != nil {
			return leadDue, err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if _, err := t.exec("INSERT INTO case_orgs (case_id, org_id, role, state, dispatched_at, accept_due) VALUES (?, ?, ?, 'dispatched', ?, ?)",
				c.ID, org, role, now, due); err != nil {
				return leadDue, err
			}
		}
		acc.addOrg(org, c.Path, today, ocDispatched, 1)
		if err := t.notify(c.Path, &org, c.ID, "dispatch", fmt.Sprintf("新派单：案件 %s（%s，%s），请于 %s 前签收", c.Number, c.CategoryName, c.GridName, fmtCST(due))); err != nil {
			return leadDue, err
		}
	}
	c.leadOrg = &lead
	return leadDue, nil
}

// deptAccept records a department's acceptance and starts its handling deadline; it reports
// whether the acceptance was within the limit. The event's detail gets the department and what
// its counters took (on_time, accept_seconds), so that RebuildRollups can count them again
// whatever the limits and working hours are by then.
func (t *tx) deptAccept(acc *rollupAcc, c *caseRow, d *redgrid.CaseDepartment, handL redgrid.Limit, now time.Time, detail map[string]any) (bool, error) {
	if d.State != "dispatched" {
		return false, redgrid.Errorf(redgrid.KindConflict, "%s has already %s this case", d.Name, d.State)
	}
	onTime := d.AcceptDue == nil || !now.After(*d.AcceptDue)
	if err := t.closeDeadlines(c.ID, StageAccept, d.OrgID); err != nil {
		return false, err
	}
	hd, err := t.addDeadline(c.ID, StageHandle, d.OrgID, now, handL)
	if err != nil {
		return false, err
	}
	if _, err := t.exec("UPDATE case_orgs SET state = 'accepted', accepted_at = ?, handle_due = ? WHERE case_id = ? AND org_id = ?", now, hd, c.ID, d.OrgID); err != nil {
		return false, err
	}
	day := d.DispatchedAt.In(cst).Format(time.DateOnly)
	acc.addOrg(d.OrgID, c.Path, day, ocAccepted, 1)
	if onTime {
		acc.addOrg(d.OrgID, c.Path, day, ocAcceptedOnTime, 1)
	}
	secs := int64(t.s.cal.Between(d.DispatchedAt, now) / time.Second)
	acc.addOrg(d.OrgID, c.Path, day, ocAcceptSeconds, secs)
	detail["department_id"], detail["on_time"], detail["accept_seconds"] = d.OrgID, onTime, secs
	d.State, d.AcceptedAt, d.HandleDue = "accepted", &now, &hd
	return onTime, nil
}

// deptFeedback records a department's feedback against its handling deadline; the event's detail
// gets the department and whether it was on time (see deptAccept).
func (t *tx) deptFeedback(acc *rollupAcc, c *caseRow, d *redgrid.CaseDepartment, now time.Time, detail map[string]any) error {
	if d.State != "accepted" {
		return redgrid.Errorf(redgrid.KindConflict, "%s has not accepted this case", d.Name)
	}
	onTime := d.HandleDue == nil || !now.After(*d.HandleDue)
	if err := t.closeDeadlines(c.ID, StageHandle, d.OrgID); err != nil {
		return err
	}
	if _, err := t.exec("UPDATE case_orgs SET state = 'handled', handled_at = ? WHERE case_id = ? AND org_id = ?", now, c.ID, d.OrgID); err != nil {
		return err
	}
	day := d.DispatchedAt.In(cst).Format(time.DateOnly)
	acc.addOrg(d.OrgID, c.Path, day, ocHandled, 1)
	if onTime {
		acc.addOrg(d.OrgID, c.Path, day, ocHandledOnTime, 1)
	}
	detail["department_id"], detail["on_time"] = d.OrgID, onTime
	if !onTime && d.Role == redgrid.DeptLead {
		c.flags |= fHandleLate
	}
	return nil
}

// handlerOrg is the department whose handling deadline runs on the case: its lead department, or
// 0 for a case its community handles itself.
func handlerOrg(c *caseRow) int64 {
	if c.Route == redgrid.RouteCommunity || c.leadOrg == nil {
		return 0
	}
	return *c.leadOrg
}

// setHandleDue records a new handling deadline on the lead department's row (a community's
// deadline is the case's own).
func (t *tx) setHandleDue(c *caseRow, d time.Time) error {
	if org := handlerOrg(c); org != 0 {
		_, err := t.exec("UPDATE case_orgs SET handle_due = ? WHERE case_id = ? AND org_id = ?", d, c.ID, org)
		return err
	}
	return nil
}

// communityOf is the community whose own self-governance takes a case (交社区自治): the
// community its grid lies in; KindConflict when the case's node lies in none.
func (t *tx) communityOf(c *caseRow) (int64, error) {
	ids := pathInts(c.Path)
	if len(ids) >= 3 {
		var kind string
		err := t.queryRow("SELECT kind FROM nodes WHERE id = ?", ids[2]).Scan(&kind)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return 0, err
		}
		if kind == string(redgrid.KindCommunity) {
			return ids[2], nil
		}
	}
	return 0, redgrid.Errorf(redgrid.KindConflict, "case %d lies in no community: a community matter is handled by the community of its grid", c.ID)
}

// reopenHandler sends the case back to whoever handled it (rework or dissatisfaction) with a new
// handling deadline: the lead department, or the community handling it itself.
func (t *tx) reopenHandler(c *caseRow, lead *redgrid.CaseDepartment, handL redgrid.Limit, now time.Time) (time.Time, error) {
	if c.Route == redgrid.RouteCommunity {
		if err := t.closeDeadlines(c.ID, StageHandle, 0); err != nil {
			return time.Time{}, err
		}
		return t.addDeadline(c.ID, StageHandle, 0, now, handL)
	}
	if lead == nil {
		return time.Time{}, redgrid.Errorf(redgrid.KindConflict, "case %d has no lead department", c.ID)
	}
	if err := t.closeDeadlines(c.ID, StageHandle, lead.OrgID); err != nil {
		return time.Time{}, err
	}
	d, err := t.addDeadline(c.ID, StageHandle, lead.OrgID, now, handL)
	if err != nil {
		return d, err
	}
	_, err = t.exec("UPDATE case_orgs SET state = 'accepted', handled_at = NULL, handle_due = ? WHERE case_id = ? AND org_id = ?", d, c.ID, lead.OrgID)
	return d, err
}

// mergeInto checks the surviving case of a merge and records the merge on its timeline.
func (t *tx) mergeInto(c *caseRow, into int64) error {
	if into == c.ID {
		return redgrid.Invalid("into", "other", "a case cannot be merged into itself")
	}
	var state, path string
	var merged *int64
	err := t.queryRow("SELECT state, path, merged_into FROM cases WHERE id = ?", into).Scan(&state, &path, &merged)
	if errors.Is(err, sql.ErrNoRows) {
		return redgrid.Invalid("into", "exists", fmt.Sprintf("case %d does not exist", into))
	}
	if err != nil {
		return err
	}
	if redgrid.CaseState(state).Final() || merged != nil {
		return redgrid.Errorf(redgrid.KindConflict, "case %d is %s and cannot take a duplicate", into, state)
	}
	ids := redgrid.PathIDs(c.Path)
	if len(ids) >= 3 && !redgrid.IsWithin(path, "/"+ids[0]+"/"+ids[1]+"/"+ids[2]+"/") {
		return redgrid.Invalid("into", "same_community", "a duplicate is merged into a case of the same community")
	}
	return t.caseEvent(into, "merge_in", redgrid.CaseState(state), redgrid.CaseState(state), "", map[string]any{"case_id": c.ID, "number": c.Number})
}

// agenda puts the case on the list of the next joint meeting of the level it climbed to.
func (t *tx) agenda(c *caseRow, level redgrid.Level, reason string, now time.Time) error {
	ids := pathInts(c.Path)
	// District, street, community, grid: level 1 meets at the community, 2 at the street, 3 above
	// the district (its root node holds the list).
	idx := map[redgrid.Level]int{redgrid.LevelCommunity: 2, redgrid.LevelStreet: 1, redgrid.LevelCity: 0}[level]
	if idx >= len(ids) {
		idx = 0
	}
	node := ids[idx]
	if err := t.agendaAt(c, level, node, reason, now); err != nil {
		return err
	}
	path := "/"
	for _, id := range ids[:idx+1] {
		path += strconv.FormatInt(id, 10) + "/"
	}
	return t.notify(path, nil, c.ID, "escalate", fmt.Sprintf("案件 %s（%s，%s）上提至%s，已列入下次会议议题", c.Number, c.CategoryName, c.GridName, level.Name()))
}

// agendaAt puts the case on the list of the next meeting held at node for level: once while an
// entry waits there (its reason gains the new one), again once a meeting has taken the last.
func (t *tx) agendaAt(c *caseRow, level redgrid.Level, node int64, reason string, now time.Time) error {
	_, err := t.exec(`INSERT INTO agenda_items (case_id, level, node_id, reason, added_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (case_id, level) WHERE meeting_on IS NULL DO UPDATE SET reason = agenda_items.reason || '；' || excluded.reason
		WHERE agenda_items.reason <> excluded.reason`,
		c.ID, int(level), node, reason, now)
	return err
}

func (t *tx) closeDeadlines(caseID int64, stage string, org int64) error {
	q := "UPDATE case_deadlines SET done_at = ? WHERE case_id = ? AND done_at IS NULL"
	args := []any{t.s.now().UTC(), caseID}
	if stage != "" {
		q += " AND stage = ?"
		args = append(args, stage)
	} else {
		q += " AND stage <> 'ladder'" // the ladder's clock runs on through a return (ladder.go)
	}
	if org != 0 {
		q += " AND org_id = ?"
		args = append(args, org)
	}
	_, err := t.exec(q, args...)
	return err
}

func (t *tx) addDeadline(caseID int64, stage string, org int64, start time.Time, l redgrid.Limit) (time.Time, error) {
	return t.addDeadlineDur(caseID, stage, org, start, t.s.workDur(l))
}

func (t *tx) addDeadlineDur(caseID int64, stage string, org int64, start time.Time, w time.Duration) (time.Time, error) {
	due, remind, err := t.s.deadlineDur(start, w)
	if err != nil {
		return due, err
	}
	var orgArg any
	if org != 0 {
		orgArg = org
	}
	_, err = t.exec("INSERT INTO case_deadlines (case_id, stage, org_id, started_at, due_at, remind_at) VALUES (?, ?, ?, ?, ?, ?)",
		caseID, stage, orgArg, start, due, remind)
	return due, err
}

// closedOnTime says whether a closed case counts as closed on time (按期结案): its handling stage
// never ran late. A guided private matter (引导办理) had no handling stage: its only deadline was
// registration and routing, so it is on time when no stage ran late.
func closedOnTime(flags int, route redgrid.Route) bool {
	if route == redgrid.RouteGuide {
		return flags&fOverdue == 0
	}
	return flags&fHandleLate == 0
}

func fmtCST(t time.Time) string { return t.In(cst).Format("2006-01-02 15:04") }

// notify records an in-app notification for the node at path (and the department org, when
// given) and queues the same text for the configured webhooks.
func (t *tx) notify(path string, org *int64, caseID int64, kind, text string) error {
	ids := pathInts(path)
	var node any
	if len(ids) > 0 && org == nil {
		node = ids[len(ids)-1]
	}
	now := t.s.now().UTC()
	if _, err := t.exec("INSERT INTO notifications (node_id, org_id, case_id, kind, text, created_at) VALUES (?, ?, ?, ?, ?, ?)",
		node, org, caseID, kind, text, now); err != nil {
		return err
	}
	link := ""
	if t.s.cases.PublicURL != "" {
		link = t.s.cases.PublicURL + "/cases/" + strconv.FormatInt(caseID, 10)
	}
	title := map[string]string{"dispatch": "新派单", "self_govern": "交社区自治", "remind": "时限提醒", "overdue": "超时告警", "escalate": "案件上提"}[kind]
	if title == "" || !t.s.cases.Webhooks {
		return nil
	}
	// The message carries its case's place, for the robots scoped to a part of the district.
	_, err := t.exec("INSERT INTO webhook_outbox (title, text, link, next_at, created_at, path) VALUES (?, ?, ?, ?, ?, COALESCE((SELECT path FROM cases WHERE id = ?), ''))",
		title, text, link, now, now, caseID)
	return err
}
