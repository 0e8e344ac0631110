package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/redgrid/redgrid"
)

// RebuildRollups recomputes every rollup, for a repair after a restore: the one place a rollup is
// derived by a scan. The case rollup comes from the cases (their flags record every once-only
// counter), the department rollup from the cases' events (dispatch, accept, return, feedback);
// both in one transaction, day and month rows alike.
func (s *Store) RebuildRollups(ctx context.Context) error {
	return s.write(ctx, func(t *tx) error {
		if err := t.rebuildCaseRollup(); err != nil {
			return err
		}
		return t.rebuildOrgRollup()
	})
}

// rebuildCaseRollup replaces case_rollup and case_rollup_month by the sums over the cases.
func (t *tx) rebuildCaseRollup() error {
	for _, q := range []string{"DELETE FROM case_rollup", "DELETE FROM case_rollup_month"} {
		if _, err := t.exec(q); err != nil {
			return err
		}
	}
	rows, err := t.query("SELECT path, received_day, state, flags, rating, resolved, matter, route FROM cases")
	if err != nil {
		return err
	}
	acc := newRollupAcc()
	for rows.Next() {
		var path, day, state, rating, matter, route string
		var flags int
		var resolved *bool
		if err := rows.Scan(&path, &day, &state, &flags, &rating, &resolved, &matter, &route); err != nil {
			rows.Close()
			return err
		}
		acc.add(path, day, rcReceived, 1)
		acc.add(path, day, receivedOf(redgrid.Matter(matter)), 1)
		for flag, col := range map[int]string{fRegistered: rcRegistered, fDispatched: rcDispatched, fHandled: rcHandled,
			fReworked: rcReworked, fExtended: rcExtended, fDue: rcDue, fOverdue: rcOverdue, fClosed: rcClosed, fRespondedOnTime: rcResponded,
			fSelfGoverned: rcSelfGoverned, fSelfHandled: rcSelfHandled, fSelfHandledOnTime: rcSelfHandledOnTime, fGuided: rcGuided} {
			if flags&flag != 0 {
				acc.add(path, day, col, 1)
			}
		}
		switch state {
		case "voided":
			acc.add(path, day, rcVoided, 1)
		case "suspended":
			acc.add(path, day, rcSuspended, 1)
		case "closed":
			if closedOnTime(flags, redgrid.Route(route)) {
				acc.add(path, day, rcClosedOnTime, 1)
			}
			acc.add(path, day, rcCallbacks, 1)
			if col, ok := map[string]string{"satisfied": rcSatisfied, "basically_satisfied": rcBasic, "dissatisfied": rcDissatisfied}[rating]; ok {
				acc.add(path, day, col, 1)
			}
			if resolved != nil && *resolved {
				acc.add(path, day, rcResolved, 1)
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if err := acc.flush(t); err != nil {
		return err
	}
	// every case is counted by matter now (migration 0023)
	_, err = t.exec("UPDATE case_matter_split SET from_id = 0")
	return err
}

// rebuildChunk is how many case ids the department rebuild reads at a time.
const rebuildChunk = 2000

// rebuildOrgRollup replaces case_org_rollup and case_org_rollup_month by replaying, case by case,
// the events that move a department's counters, as casework.go moves them:
//
//   - dispatch: every department named (lead and co-handlers) counts dispatched on the event's
//     day (CST), which is also the day its later steps count on;
//   - accept: accepted, accepted_on_time and accept_seconds of the department that accepted;
//   - return: returned of the department that returned the case;
//   - feedback: handled and handled_on_time (again after a rework or a dissatisfied rating).
//
// The department is the event's department_id, else (events of a lead written before it was
// recorded) the lead of the last dispatch. on_time and accept_seconds are taken from the event;
// an event written before they were recorded has them recomputed from the case's deadline rows
// (kept for ever: the acceptance and handling deadlines with their start and due times) and the
// working-time calendar of this server.
func (t *tx) rebuildOrgRollup() error {
	for _, q := range []string{"DELETE FROM case_org_rollup", "DELETE FROM case_org_rollup_month"} {
		if _, err := t.exec(q); err != nil {
			return err
		}
	}
	var lo, hi *int64
	if err := t.queryRow("SELECT MIN(id), MAX(id) FROM cases").Scan(&lo, &hi); err != nil {
		return err
	}
	if lo == nil {
		return nil
	}
	acc := newRollupAcc()
	for from := *lo; from <= *hi; from += rebuildChunk {
		if err := t.replayDepartments(acc, from, from+rebuildChunk); err != nil {
			return err
		}
	}
	return acc.flush(t)
}

// deptEvent is an event that moves department counters, with what its detail says.
type deptEvent struct {
	caseID int64
	path   string
	at     time.Time
	action string
	d      struct {
		Lead          *int64  `json:"lead_department_id"`
		Co            []int64 `json:"co_department_ids"`
		Dept          *int64  `json:"department_id"`
		OnTime        *bool   `json:"on_time"`
		AcceptSeconds *int64  `json:"accept_seconds"`
	}
}

// deadlineRow is a department's acceptance or handling deadline of a case.
type deadlineRow struct {
	stage      string
	org        int64
	started    time.Time
	due        time.Time
	caseID, id int64
}

// replayDepartments adds the department counters of the cases with ids in [from, to) to acc.
func (t *tx) replayDepartments(acc *rollupAcc, from, to int64) error {
	rows, err := t.query(`SELECT e.case_id, c.path, e.at, e.action, e.detail FROM case_events e JOIN cases c ON c.id = e.case_id
		WHERE e.case_id >= ? AND e.case_id < ? AND e.action IN ('dispatch', 'accept', 'return', 'feedback') ORDER BY e.case_id, e.id`, from, to)
	if err != nil {
		return err
	}
	var evs []deptEvent
	older := false // an event without on_time: the deadline rows are needed
	for rows.Next() {
		var e deptEvent
		var at timeCol
		var detail string
		if err := rows.Scan(&e.caseID, &e.path, &at, &e.action, &detail); err != nil {
			rows.Close()
			return err
		}
		e.at = at.t
		if err := json.Unmarshal([]byte(detail), &e.d); err != nil {
			rows.Close()
			return fmt.Errorf("case %d: %s event's detail: %w", e.caseID, e.action, err)
		}
		older = older || (e.action == "accept" || e.action == "feedback") && e.d.OnTime == nil
		evs = append(evs, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	deadlines := map[int64][]deadlineRow{}
	if older {
		if deadlines, err = t.deptDeadlines(from, to); err != nil {
			return err
		}
	}
	for i := 0; i < len(evs); {
		j := i
		for j < len(evs) && evs[j].caseID == evs[i].caseID {
			j++
		}
		t.replayCase(acc, evs[i:j], deadlines[evs[i].caseID])
		i = j
	}
	return nil
}

// deptDeadlines reads the departments' deadline rows of the cases with ids in [from, to), by
// case, oldest first.
func (t *tx) deptDeadlines(from, to int64) (map[int64][]deadlineRow, error) {
	rows, err := t.query(`SELECT id, case_id, stage, org_id, started_at, due_at FROM case_deadlines
		WHERE case_id >= ? AND case_id < ? AND org_id IS NOT NULL AND stage IN (?, ?) ORDER BY case_id, started_at, id`, from, to, StageAccept, StageHandle)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64][]deadlineRow{}
	for rows.Next() {
		var r deadlineRow
		var started, due timeCol
		if err := rows.Scan(&r.id, &r.caseID, &r.stage, &r.org, &started, &due); err != nil {
			return nil, err
		}
		r.started, r.due = started.t, due.t
		out[r.caseID] = append(out[r.caseID], r)
	}
	return out, rows.Err()
}

// replayCase adds the department counters of one case's events (in order) to acc.
func (t *tx) replayCase(acc *rollupAcc, evs []deptEvent, deadlines []deadlineRow) {
	// latest is the deadline of stage for org that was running at at: the last one started by then.
	latest := func(stage string, org int64, at time.Time) *deadlineRow {
		var found *deadlineRow
		for i := range deadlines {
			r := &deadlines[i]
			if r.stage == stage && r.org == org && !r.started.After(at) {
				found = r
			}
		}
		return found
	}
	dispatchDay := map[int64]string{} // department → the day of its last dispatch
	var lead int64
	for _, e := range evs {
		if e.action == "dispatch" {
			if e.d.Lead == nil {
				continue
			}
			day := e.at.In(cst).Format(time.DateOnly)
			for _, org := range append([]int64{*e.d.Lead}, e.d.Co...) {
				dispatchDay[org] = day
				acc.addOrg(org, e.path, day, ocDispatched, 1)
			}
			lead = *e.d.Lead
			continue
		}
		org := lead
		if e.d.Dept != nil {
			org = *e.d.Dept
		}
		day, ok := dispatchDay[org]
		if !ok {
			continue // a step of a department never dispatched: nothing was counted
		}
		switch e.action {
		case "return":
			acc.addOrg(org, e.path, day, ocReturned, 1)
		case "accept":
			onTime, secs := e.d.OnTime, e.d.AcceptSeconds
			if onTime == nil || secs == nil {
				// Before they were recorded: the acceptance deadline started at the dispatch,
				// the handling deadline at the acceptance.
				acceptAt := e.at
				if h := latest(StageHandle, org, e.at); h != nil {
					acceptAt = h.started
				}
				ot, s := true, int64(0)
				if a := latest(StageAccept, org, e.at); a != nil {
					ot = !acceptAt.After(a.due)
					s = int64(t.s.cal.Between(a.started, acceptAt) / time.Second)
				}
				if onTime == nil {
					onTime = &ot
				}
				if secs == nil {
					secs = &s
				}
			}
			acc.addOrg(org, e.path, day, ocAccepted, 1)
			if *onTime {
				acc.addOrg(org, e.path, day, ocAcceptedOnTime, 1)
			}
			acc.addOrg(org, e.path, day, ocAcceptSeconds, *secs)
		case "feedback":
			onTime := e.d.OnTime
			if onTime == nil {
				ot := true
				if h := latest(StageHandle, org, e.at); h != nil {
					ot = !e.at.After(h.due)
				}
				onTime = &ot
			}
			acc.addOrg(org, e.path, day, ocHandled, 1)
			if *onTime {
				acc.addOrg(org, e.path, day, ocHandledOnTime, 1)
			}
		}
	}
}
