package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/pii"
)

// Retention (redgrid.Retention): people leave the registers — a resident moves out or is removed,
// a volunteer deregisters, a grid post or a committee seat ends — and once the retention period
// has passed, PurgePersonalData erases their personal data and keeps the row for the counts. The
// log of unmaskings is purged after a retention of its own. Every server's job loop and `redgrid
// pii purge` run it; each row is erased by a conditional update (erased_at IS NULL → now) in the
// transaction that audits the count, so with several servers on one database each row is erased
// and counted exactly once.

// leaver is a register whose people leave: table, the column of the day they left, and the
// assignments that erase a row's personal data (name is set to the masked name by the purge).
type leaver struct {
	register, table, left, erase string
	// after runs in the erasing transaction (the search keys of a resident's name).
	after func(t *tx, id int64) error
}

var leavers = []leaver{
	{register: "residents", table: "residents", left: "left_on",
		erase: "initials = '', birth_date = '', id_number = '', id_index = NULL, phone = '', phone_index = NULL, tags = '', note = ''",
		after: func(t *tx, id int64) error {
			_, err := t.exec("DELETE FROM resident_keys WHERE resident_id = ?", id)
			return err
		}},
	// The ID number's hash column is NOT NULL UNIQUE: a marker that is no hash takes its place.
	{register: "volunteers", table: "volunteers", left: "left_on",
		erase: "pinyin = '', initials = '', id_number = '', id_index = 'erased:' || CAST(id AS TEXT), phone = ''"},
	{register: "grid_staff", table: "grid_staff", left: "ended_on", erase: "phone = ''"},
	{register: "org_members", table: "org_members", left: "ended_on"}, // a name and a role only
	{register: "members", table: "members", left: "left_on", erase: "pinyin = '', initials = '', phone = '', left_note = ''"},
}

// Purged counts what a purge erased (or, dry, would erase): people by register, and entries of
// the unmasking log.
type Purged struct {
	Erased      map[string]int `json:"erased"`
	Unmaskings  int            `json:"unmaskings"`
	LeftBefore  string         `json:"left_on_or_before"` // the day: people who left on it or before
	LoggedUntil time.Time      `json:"unmaskings_before"`
}

// Total is the number of people erased.
func (p Purged) Total() int {
	n := 0
	for _, k := range p.Erased {
		n += k
	}
	return n
}

// PurgePersonalData erases the personal data of the people who left ret.LeftDays days ago or
// more, and deletes the entries of the unmasking log older than ret.UnmaskingDays, in batches of
// 500, each batch a transaction with its audit line (counts only). dry counts and changes
// nothing.
func (s *Store) PurgePersonalData(ctx context.Context, ret redgrid.Retention, dry bool) (Purged, error) {
	if err := ret.Validate(); err != nil {
		return Purged{}, redgrid.Errorf(redgrid.KindInvalid, "%v", err)
	}
	now := s.now()
	out := Purged{Erased: map[string]int{},
		LeftBefore:  now.In(cst).AddDate(0, 0, -ret.LeftDays).Format(time.DateOnly),
		LoggedUntil: now.UTC().AddDate(0, 0, -ret.UnmaskingDays)}
	for _, l := range leavers {
		due := " FROM " + l.table + " WHERE " + l.left + " IS NOT NULL AND " + l.left + " <= ? AND erased_at IS NULL"
		if dry {
			var n int
			if err := s.queryRow(ctx, "SELECT COUNT(*)"+due, out.LeftBefore).Scan(&n); err != nil {
				return out, err
			}
			out.Erased[l.register] = n
			continue
		}
		err := s.inBatches(ctx, sealBatch, func(t *tx, after int64) ([]int64, error) {
			rows, err := t.query("SELECT id, name"+due+" AND id > ? ORDER BY id LIMIT ?", out.LeftBefore, after, sealBatch)
			if err != nil {
				return nil, err
			}
			ids, names, err := scanSealedRows(rows, 1)
			if err != nil {
				return nil, err
			}
			erased := 0
			for i, id := range ids {
				// Conditional: a row another server erased meanwhile is neither erased nor counted again.
				set := "name = ?, erased_at = ?"
				if l.erase != "" {
					set += ", " + l.erase
				}
				res, err := t.exec("UPDATE "+l.table+" SET "+set+" WHERE id = ? AND erased_at IS NULL",
					pii.MaskName(names[i][0]), s.now().UTC(), id)
				if err != nil {
					return nil, err
				}
				if n, _ := res.RowsAffected(); n == 0 {
					continue
				}
				if l.after != nil {
					if err := l.after(t, id); err != nil {
						return nil, err
					}
				}
				erased++
			}
			out.Erased[l.register] += erased
			if erased == 0 {
				return ids, nil
			}
			return ids, t.audit("pii.purge", l.register, map[string]any{"erased": erased, "left_on_or_before": out.LeftBefore, "retention_days": ret.LeftDays})
		}, func() {})
		if err != nil {
			return out, err
		}
	}
	if dry {
		err := s.queryRow(ctx, "SELECT COUNT(*) FROM pii_unmaskings WHERE at < ?", out.LoggedUntil).Scan(&out.Unmaskings)
		return out, err
	}
	for {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		var n int64
		err := s.write(ctx, func(t *tx) error {
			// The log is append-only but for this: the gate opens and closes in this transaction.
			if _, err := t.exec("UPDATE pii_purge_gate SET open = TRUE WHERE id = 1"); err != nil {
				return err
			}
			res, err := t.exec("DELETE FROM pii_unmaskings WHERE id IN (SELECT id FROM pii_unmaskings WHERE at < ? ORDER BY id LIMIT ?)", out.LoggedUntil, sealBatch)
			if err != nil {
				return err
			}
			if n, err = res.RowsAffected(); err != nil {
				return err
			}
			if _, err := t.exec("UPDATE pii_purge_gate SET open = FALSE WHERE id = 1"); err != nil {
				return err
			}
			if n == 0 {
				return nil
			}
			return t.audit("pii.purge", "pii_unmaskings", map[string]any{"deleted": n, "before": out.LoggedUntil, "retention_days": ret.UnmaskingDays})
		})
		if err != nil {
			return out, err
		}
		out.Unmaskings += int(n)
		if n < sealBatch {
			return out, nil
		}
	}
}

// leave marks the person id of table as left on the day on (left_on IS NULL → on), with
// ifVersion > 0 as the version the caller saw, in one transaction with its audit line (left_on
// and detail) and with what more has to go (more).
func (s *Store) leave(ctx context.Context, table, what string, id int64, ifVersion int, on, action string, detail map[string]any,
	more func(t *tx) error) error {
	return s.write(ctx, func(t *tx) error {
		var version int
		var left sql.NullString
		err := t.queryRow("SELECT version, left_on FROM "+table+" WHERE id = ?"+s.dialect.forUpdate(), id).Scan(&version, &left)
		if errors.Is(err, sql.ErrNoRows) {
			return redgrid.Errorf(redgrid.KindNotFound, "no %s %d", what, id)
		}
		if err != nil {
			return err
		}
		if left.Valid {
			return redgrid.Errorf(redgrid.KindConflict, "%s %d left the register on %s", what, id, left.String)
		}
		if ifVersion > 0 && version != ifVersion {
			return redgrid.Errorf(redgrid.KindPreconditionFailed, "%s %d was changed by someone else (version %d, yours %d): reload it", what, id, version, ifVersion)
		}
		if _, err := t.exec("UPDATE "+table+" SET left_on = ?, version = version + 1 WHERE id = ?", on, id); err != nil {
			return err
		}
		if more != nil {
			if err := more(t); err != nil {
				return err
			}
		}
		d := map[string]any{"left_on": on}
		for k, v := range detail {
			d[k] = v
		}
		return t.audit(action, what+"/"+strconv.FormatInt(id, 10), d)
	})
}

// LeaveResident records that a resident moved out or was removed from the register: no longer
// listed or found, the record kept (GET shows left_on) until the retention erases its personal
// data. KindConflict when the resident left already.
func (s *Store) LeaveResident(ctx context.Context, id int64, ifVersion int) error {
	return s.leave(ctx, "residents", "resident", id, ifVersion, s.today(), "resident.leave", nil, func(t *tx) error {
		_, err := t.exec("DELETE FROM resident_keys WHERE resident_id = ?", id)
		return err
	})
}

// DeregisterVolunteer records that a volunteer deregistered: no longer listed, the record and
// the service record kept until the retention erases the personal data.
func (s *Store) DeregisterVolunteer(ctx context.Context, id int64, ifVersion int) error {
	return s.leave(ctx, "volunteers", "volunteer", id, ifVersion, s.today(), "volunteer.deregister", nil, nil)
}

// LeaveMember records that a party member left (in is validated): no longer listed nor counted
// in rosters and gaps, the record kept and readable with the day and the reason. In the same
// transaction their current posts and 包保 end on that day, their weekday roster is cleared and
// their dual registration stops being current (its certificate no longer verifies). A day
// before the member joined is KindInvalid (on, after_joined); a member who left already
// KindConflict; ifVersion > 0 not the member's version KindPreconditionFailed. The retention
// purge erases the phone once the retention has passed after the day they left.
func (s *Store) LeaveMember(ctx context.Context, id int64, in redgrid.MemberLeave, ifVersion int) (redgrid.Member, error) {
	err := s.leave(ctx, "members", "member", id, ifVersion, in.On, "member.leave", map[string]any{"reason": in.Reason}, func(t *tx) error {
		var joined string
		if err := t.queryRow("SELECT joined_on FROM members WHERE id = ?", id).Scan(&joined); err != nil {
			return err
		}
		if joined != "" && in.On < joined {
			return redgrid.Invalid("on", "after_joined", "the day a member left cannot be before the day they joined ("+joined+")")
		}
		if _, err := t.exec("UPDATE members SET left_reason = ?, left_note = ? WHERE id = ?", string(in.Reason), in.Note, id); err != nil {
			return err
		}
		if _, err := t.exec("UPDATE member_posts SET ended_on = ?, version = version + 1, updated_at = ? WHERE member_id = ? AND ended_on IS NULL",
			in.On, s.now().UTC(), id); err != nil {
			return err
		}
		if _, err := t.exec("UPDATE baobao SET ended_on = ?, version = version + 1 WHERE member_id = ? AND ended_on IS NULL", in.On, id); err != nil {
			return err
		}
		if _, err := t.exec("DELETE FROM member_roster WHERE member_id = ?", id); err != nil {
			return err
		}
		_, err := t.exec("UPDATE member_registrations SET current = FALSE WHERE member_id = ? AND current", id)
		return err
	})
	if err != nil {
		return redgrid.Member{}, err
	}
	return s.Member(ctx, id)
}
