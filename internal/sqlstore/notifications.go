package sqlstore

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/redgrid/redgrid"
)

// In-app notifications (issue 5 item 3): deadline reminders, overdue alerts, new dispatches,
// escalations and renewal notices, each for a node (its staff and those above it) or a
// department. A user reads what reaches the nodes and departments they hold roles at; whether
// they have read a notice is theirs alone (notification_seen: everything up to an id,
// notification_reads: single notices above it).

// Notification is an in-app notice for the people of a node or a department.
type Notification struct {
	ID        int64     `json:"id"`
	NodeID    *int64    `json:"node_id"`
	OrgID     *int64    `json:"org_id"`
	CaseID    *int64    `json:"case_id"`
	Kind      string    `json:"kind"`
	Text      string    `json:"text"`
	CreatedAt time.Time `json:"created_at"`
	Read      bool      `json:"read"`
}

// NotificationAudience is whose notices are meant: the notices of nodes within Scopes (a notice
// for a community reaches its street's and district's staff too) and of the departments OrgIDs,
// read or not as UserID has marked them.
type NotificationAudience struct {
	UserID int64
	Scopes []string
	OrgIDs []int64
}

// MaxUnreadCount is where the unread count stops counting (the bell shows 99+).
const MaxUnreadCount = 100

// where is the condition on notifications x that selects the audience's notices; false when
// the audience has no node and no department.
func (a NotificationAudience) where() (string, []any, bool) {
	var parts []string
	var args []any
	if len(a.Scopes) > 0 {
		w, sa := scopeWhere("n.path", a.Scopes)
		parts = append(parts, "x.node_id IN (SELECT n.id FROM nodes n WHERE "+w+")")
		args = append(args, sa...)
	}
	for _, o := range a.OrgIDs {
		parts = append(parts, "x.org_id = ?")
		args = append(args, o)
	}
	if len(parts) == 0 {
		return "", nil, false
	}
	return "(" + strings.Join(parts, " OR ") + ")", args, true
}

// readUpTo is the id up to which the user has read everything (0: none).
func (s *Store) readUpTo(ctx context.Context, user int64) (int64, error) {
	var upTo int64
	err := s.queryRow(ctx, "SELECT COALESCE(MAX(read_up_to), 0) FROM notification_seen WHERE user_id = ?", user).Scan(&upTo)
	return upTo, err
}

const unreadCond = " AND x.id > ? AND NOT EXISTS (SELECT 1 FROM notification_reads r WHERE r.user_id = ? AND r.notification_id = x.id)"

// Notifications returns the audience's newest notices (at most limit), each saying whether the
// user has read it; with unreadOnly, only the unread ones.
func (s *Store) Notifications(ctx context.Context, a NotificationAudience, limit int, unreadOnly bool) ([]Notification, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	out := []Notification{}
	w, args, ok := a.where()
	if !ok {
		return out, nil
	}
	upTo, err := s.readUpTo(ctx, a.UserID)
	if err != nil {
		return nil, err
	}
	q := `SELECT x.id, x.node_id, x.org_id, x.case_id, x.kind, x.text, x.created_at,
		CASE WHEN x.id <= ? OR EXISTS (SELECT 1 FROM notification_reads r WHERE r.user_id = ? AND r.notification_id = x.id) THEN 1 ELSE 0 END
		FROM notifications x WHERE ` + w
	args = append([]any{upTo, a.UserID}, args...)
	if unreadOnly {
		q += unreadCond
		args = append(args, upTo, a.UserID)
	}
	q += " ORDER BY x.id DESC LIMIT ?"
	args = append(args, limit)
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var n Notification
		var at timeCol
		var read int
		if err := rows.Scan(&n.ID, &n.NodeID, &n.OrgID, &n.CaseID, &n.Kind, &n.Text, &at, &read); err != nil {
			return nil, err
		}
		n.CreatedAt, n.Read = at.t, read == 1
		out = append(out, n)
	}
	return out, rows.Err()
}

// UnreadNotifications counts the audience's notices the user has not read, up to
// MaxUnreadCount.
func (s *Store) UnreadNotifications(ctx context.Context, a NotificationAudience) (int, error) {
	w, args, ok := a.where()
	if !ok {
		return 0, nil
	}
	upTo, err := s.readUpTo(ctx, a.UserID)
	if err != nil {
		return 0, err
	}
	args = append(args, upTo, a.UserID, MaxUnreadCount)
	var n int
	err = s.queryRow(ctx, "SELECT COUNT(*) FROM (SELECT x.id FROM notifications x WHERE "+w+unreadCond+" LIMIT ?) u", args...).Scan(&n)
	return n, err
}

// MarkNotificationsRead marks the notices ids read for the user, and with upTo > 0 every notice
// up to that id (全部已读: the newest the user was shown). Every id named, upTo included, must be
// one of the audience's notices (ids[i] or up_to, rule exists: nothing is written). Marking a
// notice read twice changes nothing. It returns how many notices the call newly marked (those
// below upTo count as one) and writes one audit line when something changed.
func (s *Store) MarkNotificationsRead(ctx context.Context, a NotificationAudience, ids []int64, upTo int64) (int, error) {
	w, args, ok := a.where()
	check := func(t *tx, id int64, field string) error {
		var one int
		if ok {
			err := t.queryRow("SELECT COUNT(*) FROM notifications x WHERE x.id = ? AND "+w, append([]any{id}, args...)...).Scan(&one)
			if err != nil {
				return err
			}
		}
		if one == 0 {
			return redgrid.Invalid(field, "exists", "notification "+strconv.FormatInt(id, 10)+" is not one of yours")
		}
		return nil
	}
	marked := 0
	err := s.write(ctx, func(t *tx) error {
		for i, id := range ids {
			if err := check(t, id, "ids["+strconv.Itoa(i)+"]"); err != nil {
				return err
			}
		}
		if upTo > 0 {
			if err := check(t, upTo, "up_to"); err != nil {
				return err
			}
		}
		var cur int64
		if err := t.queryRow("SELECT COALESCE(MAX(read_up_to), 0) FROM notification_seen WHERE user_id = ?", a.UserID).Scan(&cur); err != nil {
			return err
		}
		now := t.s.now().UTC()
		if upTo > cur {
			// The mark only moves forward: two overlapping "all read" of one user (two tabs) on
			// PostgreSQL may both have read the old mark; the smaller must not win.
			if _, err := t.exec(`INSERT INTO notification_seen (user_id, read_up_to, updated_at) VALUES (?, ?, ?)
				ON CONFLICT (user_id) DO UPDATE SET read_up_to = excluded.read_up_to, updated_at = excluded.updated_at
				WHERE notification_seen.read_up_to < excluded.read_up_to`, a.UserID, upTo, now); err != nil {
				return err
			}
			if _, err := t.exec("DELETE FROM notification_reads WHERE user_id = ? AND notification_id <= ?", a.UserID, upTo); err != nil {
				return err
			}
			cur = upTo
			marked++
		}
		for _, id := range ids {
			if id <= cur {
				continue
			}
			res, err := t.exec("INSERT INTO notification_reads (user_id, notification_id, read_at) VALUES (?, ?, ?) ON CONFLICT (user_id, notification_id) DO NOTHING", a.UserID, id, now)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n > 0 {
				marked++
			}
		}
		if marked == 0 {
			return nil
		}
		return t.audit("notifications.read", "user/"+strconv.FormatInt(a.UserID, 10), map[string]any{"ids": len(ids), "up_to": upTo})
	})
	return marked, err
}
