package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/redgrid/redgrid"
)

// RecordMeeting stores a joint meeting held at a node (a community, a street or the district)
// and takes the agenda items it decided off the node's pending list: each decided case gets a
// "joint_meeting" event carrying the decision, and the audit line names the meeting. A decision on
// a case not pending on that node's agenda is refused (decisions[i].case_id, rule on_agenda) and
// nothing is written. With an Idempotency-Key a retry returns the first record.
func (s *Store) RecordMeeting(ctx context.Context, in redgrid.NewMeeting) (redgrid.Meeting, bool, error) {
	id, replayed, err := s.create(ctx, "meeting", func(t *tx) (int64, error) {
		var kind, name string
		err := t.queryRow("SELECT kind, name FROM nodes WHERE id = ?", in.NodeID).Scan(&kind, &name)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, redgrid.Invalid("node_id", "exists", "node_id names no node")
		}
		if err != nil {
			return 0, err
		}
		level, ok := redgrid.MeetingLevel(redgrid.NodeKind(kind))
		if !ok {
			return 0, redgrid.Invalid("node_id", "meeting_level", "joint meetings are held by communities, streets and the district")
		}
		att, err := json.Marshal(nonNil(in.Attendees))
		if err != nil {
			return 0, err
		}
		now := s.now().UTC()
		actor := redgrid.ActorFrom(t.ctx)
		_, by := actorCols(actor)
		var id int64
		if err := t.queryRow(`INSERT INTO joint_meetings (node_id, level, held_on, title, attendees, minutes, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, in.NodeID, int(level), in.HeldOn, in.Title, string(att), in.Minutes, by, now).Scan(&id); err != nil {
			return 0, err
		}
		for i, d := range in.Decisions {
			var state string
			err := t.queryRow("SELECT state FROM cases WHERE id = ?"+s.dialect.forUpdate(), d.CaseID).Scan(&state)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return 0, err
			}
			res, err := t.exec("UPDATE agenda_items SET meeting_id = ?, meeting_on = ?, decision = ? WHERE case_id = ? AND node_id = ? AND meeting_on IS NULL",
				id, in.HeldOn, d.Decision, d.CaseID, in.NodeID)
			if err != nil {
				return 0, err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return 0, redgrid.Invalid("decisions["+strconv.Itoa(i)+"].case_id", "on_agenda",
					"case "+strconv.FormatInt(d.CaseID, 10)+" is not waiting on the agenda of "+name)
			}
			if err := t.caseEvent(d.CaseID, "joint_meeting", redgrid.CaseState(state), redgrid.CaseState(state), d.Decision,
				map[string]any{"meeting_id": id, "held_on": in.HeldOn, "meeting": level.Name()}); err != nil {
				return 0, err
			}
		}
		return id, t.audit("meeting.record", "meeting/"+strconv.FormatInt(id, 10),
			map[string]any{"node": in.NodeID, "held_on": in.HeldOn, "decisions": len(in.Decisions)})
	})
	if err != nil {
		return redgrid.Meeting{}, false, err
	}
	m, err := s.Meeting(ctx, id)
	return m, replayed, err
}

// Meeting returns a recorded meeting with its decided items. KindNotFound when there is none.
func (s *Store) Meeting(ctx context.Context, id int64) (redgrid.Meeting, error) {
	ms, err := s.meetings(ctx, "m.id = ?", id)
	if err != nil {
		return redgrid.Meeting{}, err
	}
	if len(ms) == 0 {
		return redgrid.Meeting{}, redgrid.Errorf(redgrid.KindNotFound, "no meeting %d", id)
	}
	return ms[0], nil
}

// Meetings lists the meetings held at a node, the latest first.
func (s *Store) Meetings(ctx context.Context, nodeID int64) ([]redgrid.Meeting, error) {
	return s.meetings(ctx, "m.node_id = ?", nodeID)
}

// MeetingPath is the path of the node a meeting was held at (for the caller's scope check).
func (s *Store) MeetingPath(ctx context.Context, id int64) (string, error) {
	var path string
	err := s.queryRow(ctx, "SELECT n.path FROM joint_meetings m JOIN nodes n ON n.id = m.node_id WHERE m.id = ?", id).Scan(&path)
	if errors.Is(err, sql.ErrNoRows) {
		return "", redgrid.Errorf(redgrid.KindNotFound, "no meeting %d", id)
	}
	return path, err
}

func (s *Store) meetings(ctx context.Context, where string, arg int64) ([]redgrid.Meeting, error) {
	rows, err := s.query(ctx, `SELECT m.id, m.node_id, n.name, m.level, m.held_on, m.title, m.attendees, m.minutes, m.created_by, m.created_at
		FROM joint_meetings m JOIN nodes n ON n.id = m.node_id WHERE `+where+` ORDER BY m.held_on DESC, m.id DESC LIMIT 500`, arg)
	if err != nil {
		return nil, err
	}
	out := []redgrid.Meeting{}
	for rows.Next() {
		var m redgrid.Meeting
		var att string
		var created timeCol
		if err := rows.Scan(&m.ID, &m.NodeID, &m.NodeName, &m.Level, &m.HeldOn, &m.Title, &att, &m.Minutes, &m.CreatedBy, &created); err != nil {
			rows.Close()
			return nil, err
		}
		m.CreatedAt, m.LevelName = created.t, m.Level.Name()
		if err := json.Unmarshal([]byte(att), &m.Attendees); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		items, err := s.query(ctx, `SELECT a.case_id, c.created_at, a.reason, a.decision FROM agenda_items a JOIN cases c ON c.id = a.case_id
			WHERE a.meeting_id = ? ORDER BY a.case_id`, out[i].ID)
		if err != nil {
			return nil, err
		}
		out[i].Items = []redgrid.MeetingItem{}
		for items.Next() {
			var it redgrid.MeetingItem
			var created timeCol
			if err := items.Scan(&it.CaseID, &created, &it.Reason, &it.Decision); err != nil {
				items.Close()
				return nil, err
			}
			it.Number = redgrid.CaseNumber(created.t, it.CaseID)
			out[i].Items = append(out[i].Items, it)
		}
		items.Close()
		if err := items.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
