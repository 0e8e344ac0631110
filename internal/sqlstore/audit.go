package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/redgrid/redgrid"
)

// audit appends one line to the audit log inside t, so the line and the change commit together.
func (t *tx) audit(action, target string, detail any) error {
	a := redgrid.ActorFrom(t.ctx)
	return t.s.insertAudit(t.ctx, t, a, action, target, redgrid.OutcomeOK, detail)
}

func (s *Store) insertAudit(ctx context.Context, t *tx, a redgrid.Actor, action, target, outcome string, detail any) error {
	d := ""
	if detail != nil {
		b, err := json.Marshal(detail)
		if err != nil {
			return fmt.Errorf("audit detail: %w", err)
		}
		d = string(b)
	}
	actorID, name := actorCols(a)
	const q = "INSERT INTO audit_log (at, actor_id, actor, action, target, outcome, remote_addr, request_id, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
	args := []any{s.now().UTC(), actorID, name, action, target, outcome, a.RemoteAddr, a.RequestID, d}
	var err error
	if t != nil {
		_, err = t.exec(q, args...)
	} else {
		if _, err = s.wdb.ExecContext(ctx, s.dialect.rebind(q), args...); err == nil {
			err = s.durable()
		}
	}
	return err
}

// Audit appends a line outside any change: a refusal (outcome denied or rejected) or a failed login.
func (s *Store) Audit(ctx context.Context, action, target, outcome string, detail any) error {
	return s.insertAudit(ctx, nil, redgrid.ActorFrom(ctx), action, target, outcome, detail)
}

// AuditLog returns up to limit entries older than beforeID (0: the newest), newest first.
func (s *Store) AuditLog(ctx context.Context, limit int, beforeID int64) ([]redgrid.AuditEntry, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	q := "SELECT id, at, actor_id, actor, action, target, outcome, remote_addr, request_id, detail FROM audit_log"
	args := []any{}
	if beforeID > 0 {
		q += " WHERE id < ?"
		args = append(args, beforeID)
	}
	q += " ORDER BY id DESC LIMIT ?"
	args = append(args, limit)
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	defer rows.Close()
	out := []redgrid.AuditEntry{}
	for rows.Next() {
		var e redgrid.AuditEntry
		var at timeCol
		var actorID *int64
		if err := rows.Scan(&e.ID, &at, &actorID, &e.Actor, &e.Action, &e.Target, &e.Outcome, &e.RemoteAddr, &e.RequestID, &e.Detail); err != nil {
			return nil, fmt.Errorf("audit log: %w", err)
		}
		e.At, e.ActorID = at.t, actorID
		out = append(out, e)
	}
	return out, rows.Err()
}

// history records a change of a tree entity; old and new hold the changed fields only.
func (t *tx) history(entity string, id int64, change string, old, new map[string]any) error {
	a := redgrid.ActorFrom(t.ctx)
	ob, err := json.Marshal(old)
	if err != nil {
		return err
	}
	nb, err := json.Marshal(new)
	if err != nil {
		return err
	}
	actorID, name := actorCols(a)
	_, err = t.exec("INSERT INTO tree_history (entity, entity_id, change, old_value, new_value, actor_id, actor, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		entity, id, change, string(ob), string(nb), actorID, name, t.s.now().UTC())
	return err
}

// History returns the recorded changes of one entity ("node", "party_org", "org"), oldest first.
func (s *Store) History(ctx context.Context, entity string, id int64) ([]redgrid.HistoryEntry, error) {
	rows, err := s.query(ctx, "SELECT at, actor, change, old_value, new_value FROM tree_history WHERE entity = ? AND entity_id = ? ORDER BY id", entity, id)
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	defer rows.Close()
	out := []redgrid.HistoryEntry{}
	for rows.Next() {
		var h redgrid.HistoryEntry
		var at timeCol
		var ob, nb string
		if err := rows.Scan(&at, &h.Actor, &h.Change, &ob, &nb); err != nil {
			return nil, fmt.Errorf("history: %w", err)
		}
		h.At = at.t
		if err := json.Unmarshal([]byte(ob), &h.Old); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(nb), &h.New); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// actorCols gives the actor_id (NULL for the system) and actor name columns of a record.
func actorCols(a redgrid.Actor) (id any, name string) {
	if a.UserID != 0 {
		id = a.UserID
	}
	name = a.Username
	if name == "" {
		name = "system"
	}
	return id, name
}
