package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/redgrid/redgrid"
)

// What Open311 (and other outside clients) need beyond the case loop itself.

// IdempotentResult returns the resource recorded for the Idempotency-Key of ctx, if there is one:
// a caller that must do work before the store's create (store uploaded files, say) asks first,
// so a retry does none of it. KindUnprocessable when the key was used for another request.
func (s *Store) IdempotentResult(ctx context.Context, resource string) (int64, bool, error) {
	idem, ok := redgrid.IdempotencyFrom(ctx)
	if !ok {
		return 0, false, nil
	}
	return s.lookupIdem(ctx, redgrid.ActorFrom(ctx).UserID, idem, resource)
}

// DistrictCodes returns the codes of the districts at the roots of the tree.
func (s *Store) DistrictCodes(ctx context.Context) ([]string, error) {
	rows, err := s.query(ctx, "SELECT code FROM nodes WHERE parent_id IS NULL AND kind = ? ORDER BY code", string(redgrid.KindDistrict))
	if err != nil {
		return nil, fmt.Errorf("district codes: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// CommentOnCase adds a comment from outside (a citizen's update through Open311) to a case's
// timeline: an event "comment" that changes no state, with its audit line, in any state (a
// comment on a closed case is kept for the staff to read). A comment on a duplicate merged into
// another case lands on the surviving case (following merged_into), its detail naming the
// duplicate as merged_from. It returns the event's id; with an Idempotency-Key a retry returns the
// first event's id and adds nothing.
func (s *Store) CommentOnCase(ctx context.Context, caseID int64, text string, detail map[string]any) (int64, bool, error) {
	return s.create(ctx, "case_comment", func(t *tx) (int64, error) {
		c, err := t.lockCase(caseID)
		for i := 0; err == nil && c.MergedInto != nil && i < 10; i++ {
			c, err = t.lockCase(*c.MergedInto)
		}
		if err != nil {
			return 0, err
		}
		if c.ID != caseID {
			d := map[string]any{"merged_from": caseID}
			for k, v := range detail {
				d[k] = v
			}
			detail = d
		}
		id, err := t.caseEventID(c.ID, "comment", c.State, c.State, text, detail)
		if err != nil {
			return 0, err
		}
		if _, err := t.exec("UPDATE cases SET version = version + 1, updated_at = ? WHERE id = ?", s.now().UTC(), c.ID); err != nil {
			return 0, err
		}
		return id, t.audit("case.comment", "case/"+strconv.FormatInt(c.ID, 10), detail)
	})
}

// CaseUpdate is one event of a case's timeline with what identifies its case outside.
type CaseUpdate struct {
	redgrid.CaseEvent
	CaseID       int64
	CaseNumber   string
	Category     string
	CategoryName string
	Matter       redgrid.Matter
}

// CaseUpdates returns the events with one of the given actions that happened in [from, to],
// oldest first, at most limit.
func (s *Store) CaseUpdates(ctx context.Context, from, to time.Time, actions []string, limit int) ([]CaseUpdate, error) {
	if len(actions) == 0 {
		return []CaseUpdate{}, nil
	}
	args := []any{from.UTC(), to.UTC()}
	in := "?"
	for i, a := range actions {
		if i > 0 {
			in += ", ?"
		}
		args = append(args, a)
	}
	args = append(args, limit)
	rows, err := s.query(ctx, `SELECT e.id, e.at, e.action, e.from_state, e.to_state, e.detail, c.id, c.created_at, c.category_id, c.matter
		FROM case_events e JOIN cases c ON c.id = e.case_id
		WHERE e.at >= ? AND e.at <= ? AND e.action IN (`+in+`) ORDER BY e.at, e.id LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("case updates: %w", err)
	}
	defer rows.Close()
	out := []CaseUpdate{}
	var cats []int64
	for rows.Next() {
		var u CaseUpdate
		var at, created timeCol
		var detail string
		var cat int64
		var matter string
		if err := rows.Scan(&u.ID, &at, &u.Action, &u.From, &u.To, &detail, &u.CaseID, &created, &cat, &matter); err != nil {
			return nil, fmt.Errorf("case updates: %w", err)
		}
		u.At, u.CaseNumber, u.Matter = at.t, redgrid.CaseNumber(created.t, u.CaseID), redgrid.Matter(matter)
		if detail != "{}" {
			json.Unmarshal([]byte(detail), &u.Detail)
		}
		out = append(out, u)
		cats = append(cats, cat)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	cs, err := s.categoriesOf(ctx, cats)
	for i, c := range cs {
		out[i].Category, out[i].CategoryName = c.Code, c.Name
		if out[i].Matter == "" {
			out[i].Matter = c.Matter
		}
	}
	return out, err
}
