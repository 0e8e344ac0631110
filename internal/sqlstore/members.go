package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"github.com/redgrid/redgrid/internal/hanzi"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/pii"
)

// Party members, dual registration (双报到) and the sinking members' roster (member.go in the
// domain).

func init() {
	sealedTables = append(sealedTables, sealedTable{"members", []string{"phone"}})
}

// DefaultReregisterMonths is how often a dual registration falls due again unless configured
// (Options.ReregisterMonths): every half year.
const DefaultReregisterMonths = 6

const memberCols = `m.id, m.name, m.phone, m.branch_id, b.name, m.joined_on, m.status, m.workplace, m.in_service, m.sinking,
	m.residence_id, r.name, m.user_id, m.version, m.path, m.created_at, COALESCE(m.left_on, ''), COALESCE(m.left_reason, ''), m.left_note`

const memberFrom = ` FROM members m JOIN party_orgs b ON b.id = m.branch_id JOIN nodes r ON r.id = m.residence_id`

// memberDest are the scan destinations of memberCols.
func memberDest(m *redgrid.Member, created *timeCol) []any {
	return []any{&m.ID, &m.Name, &m.Phone, &m.BranchID, &m.BranchName, &m.JoinedOn, &m.Status, &m.Workplace, &m.InService, &m.Sinking,
		&m.ResidenceID, &m.ResidenceName, &m.UserID, &m.Version, &m.ResidencePath, created, &m.LeftOn, &m.LeftReason, &m.LeftNote}
}

func (s *Store) scanMember(sc interface{ Scan(...any) error }) (redgrid.Member, error) {
	var m redgrid.Member
	var created timeCol
	if err := sc.Scan(memberDest(&m, &created)...); err != nil {
		return m, err
	}
	m.CreatedAt = created.t
	phone, err := s.open("members.phone", m.Phone)
	if err != nil {
		return m, errors.New("member " + strconv.FormatInt(m.ID, 10) + ": " + err.Error())
	}
	if phone != "" {
		phone = pii.MaskPhone(phone)
	}
	m.Phone = phone
	return m, nil
}

// CreateMember records a party member. The branch must be a branch; a sinking member's branch
// must lead a node of the community where the member lives (001: placed in the branch of their
// compound), else branch_id, rule same_community.
func (s *Store) CreateMember(ctx context.Context, in redgrid.NewMember) (redgrid.Member, bool, error) {
	phone := ""
	if in.Phone != "" {
		p, err := pii.ParsePhone(in.Phone)
		if err != nil {
			return redgrid.Member{}, false, redgrid.Invalid("phone", "format", "not a mainland mobile or landline number")
		}
		ring, err := s.sealer(ctx)
		if err != nil {
			return redgrid.Member{}, false, err
		}
		phone = ring.Seal("members.phone", p)
	}
	id, replayed, err := s.create(ctx, "member", func(t *tx) (int64, error) {
		rpath, err := t.memberPlace(in)
		if err != nil {
			return 0, err
		}
		var id int64
		full, ini := hanzi.Keys(in.Name)
		err = t.queryRow(`INSERT INTO members (name, pinyin, initials, phone, branch_id, joined_on, status, workplace, in_service, sinking, residence_id, path, user_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, in.Name, full, ini, phone, in.BranchID, in.JoinedOn, string(in.Status), in.Workplace,
			in.InService, in.Sinking, in.ResidenceID, rpath, in.UserID, s.now().UTC()).Scan(&id)
		if err != nil {
			return 0, err
		}
		return id, t.audit("member.create", "member/"+strconv.FormatInt(id, 10), map[string]any{"branch": in.BranchID, "sinking": in.Sinking})
	})
	if err != nil {
		return redgrid.Member{}, false, err
	}
	m, err := s.Member(ctx, id)
	return m, replayed, err
}

// memberPlace checks where a member is placed: the residence is a grid, micro-grid or building,
// the branch a branch, and a sinking member's branch leads a node of the community where they
// live. It returns the residence's path.
func (t *tx) memberPlace(in redgrid.NewMember) (string, error) {
	var rkind, rpath string
	err := t.queryRow("SELECT kind, path FROM nodes WHERE id = ?", in.ResidenceID).Scan(&rkind, &rpath)
	if errors.Is(err, sql.ErrNoRows) {
		return "", redgrid.Invalid("residence_id", "exists", "residence_id names no node")
	}
	if err != nil {
		return "", err
	}
	if len(redgrid.PathIDs(rpath)) < 4 {
		return "", redgrid.Invalid("residence_id", "kind", "residence_id must be a grid, micro-grid or building")
	}
	var bkind, bpath string
	err = t.queryRow("SELECT p.kind, n.path FROM party_orgs p JOIN nodes n ON n.id = p.node_id WHERE p.id = ?", in.BranchID).Scan(&bkind, &bpath)
	if errors.Is(err, sql.ErrNoRows) || err == nil && redgrid.PartyKind(bkind) != redgrid.PartyBranch {
		return "", redgrid.Invalid("branch_id", "kind", "branch_id must name a party branch (党支部)")
	}
	if err != nil {
		return "", err
	}
	if in.Sinking {
		c, _ := communityOf(rpath)
		bc, err := communityOf(bpath)
		if err != nil || bc != c {
			return "", redgrid.Invalid("branch_id", "same_community", "a sinking member is placed in a branch of the community where they live")
		}
	}
	return rpath, nil
}

// Member returns one member with the current registration. KindNotFound when there is none.
func (s *Store) Member(ctx context.Context, id int64) (redgrid.Member, error) {
	m, err := s.scanMember(s.queryRow(ctx, "SELECT "+memberCols+memberFrom+" WHERE m.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return m, redgrid.Errorf(redgrid.KindNotFound, "no member %d", id)
	}
	if err != nil {
		return m, err
	}
	regs, err := s.registrations(ctx, "g.member_id = ? AND g.current", id)
	if err != nil {
		return m, err
	}
	if len(regs) > 0 {
		m.Registration = &regs[0]
	}
	m.Weekdays, err = s.rosterDays(ctx, id)
	return m, err
}

// rosterDays are the weekdays a member is on the roster, Monday first.
func (s *Store) rosterDays(ctx context.Context, id int64) ([]int, error) {
	return scanDays(s.query(ctx, rosterDaysQuery, id))
}

const rosterDaysQuery = "SELECT weekday FROM member_roster WHERE member_id = ? ORDER BY weekday"

// scanDays reads the weekdays of rosterDaysQuery.
func scanDays(rows *sql.Rows, err error) ([]int, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []int{}
	for rows.Next() {
		var d int
		if err := rows.Scan(&d); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// MemberQuery selects members who have not left: those living in the subtree at Path whose name
// or workplace contains Q, or whose name's pinyin or pinyin initials begin with it (sinking
// members only with Sinking), in id order after After, at most Limit.
type MemberQuery struct {
	Path    string
	Q       string
	Sinking bool
	After   int64
	Limit   int
}

// Members lists members with their current registration and roster weekdays.
func (s *Store) Members(ctx context.Context, q MemberQuery) ([]redgrid.Member, error) {
	if q.Limit <= 0 || q.Limit > 1000 {
		q.Limit = 200
	}
	if q.Path == "" {
		q.Path = "/"
	}
	where := []string{"m.path >= ? AND m.path < ?", "m.id > ?", "m.left_on IS NULL"}
	args := []any{q.Path, rangeEnd(q.Path), q.After}
	if t := hanzi.Query(q.Q); t != "" {
		cond, cargs := searchWhere("m", t)
		where = append(where, "("+cond+" OR m.workplace LIKE ? ESCAPE '\\')")
		args = append(append(args, cargs...), "%"+likeEscape(t)+"%")
	}
	if q.Sinking {
		where = append(where, "m.sinking")
	}
	rows, err := s.query(ctx, "SELECT "+memberCols+memberFrom+" WHERE "+strings.Join(where, " AND ")+" ORDER BY m.id LIMIT "+strconv.Itoa(q.Limit), args...)
	if err != nil {
		return nil, err
	}
	out := []redgrid.Member{}
	for rows.Next() {
		m, err := s.scanMember(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		m.Weekdays = []int{}
		out = append(out, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, err
	}
	// The page's registrations and roster days, by member: ids first..last of the page.
	byID := make(map[int64]*redgrid.Member, len(out))
	for i := range out {
		byID[out[i].ID] = &out[i]
	}
	first, last := out[0].ID, out[len(out)-1].ID
	regs, err := s.registrations(ctx, "g.current AND g.member_id >= ? AND g.member_id <= ?", first, last)
	if err != nil {
		return nil, err
	}
	for i := range regs {
		if m := byID[regs[i].MemberID]; m != nil {
			m.Registration = &regs[i]
		}
	}
	days, err := s.query(ctx, "SELECT member_id, weekday FROM member_roster WHERE member_id >= ? AND member_id <= ? ORDER BY member_id, weekday", first, last)
	if err != nil {
		return nil, err
	}
	defer days.Close()
	for days.Next() {
		var id int64
		var d int
		if err := days.Scan(&id, &d); err != nil {
			return nil, err
		}
		if m := byID[id]; m != nil {
			m.Weekdays = append(m.Weekdays, d)
		}
	}
	return out, days.Err()
}

const registrationCols = `g.id, g.member_id, m.name, g.community_id, c.name, g.state, g.requested_at, COALESCE(g.confirmed_on, ''),
	COALESCE(g.due_on, ''), COALESCE(g.certificate, ''), COALESCE(g.verify_token, '')`

const registrationFrom = ` FROM member_registrations g JOIN members m ON m.id = g.member_id JOIN nodes c ON c.id = g.community_id`

func (s *Store) registrations(ctx context.Context, where string, args ...any) ([]redgrid.Registration, error) {
	rows, err := s.query(ctx, "SELECT "+registrationCols+registrationFrom+" WHERE "+where+" ORDER BY g.due_on, g.id LIMIT 1000", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	today := s.today()
	out := []redgrid.Registration{}
	for rows.Next() {
		var r redgrid.Registration
		var at timeCol
		if err := rows.Scan(&r.ID, &r.MemberID, &r.MemberName, &r.CommunityID, &r.CommunityName, &r.State, &at, &r.ConfirmedOn, &r.DueOn,
			&r.Certificate, &r.VerifyToken); err != nil {
			return nil, err
		}
		r.RequestedAt = at.t
		r.Overdue = r.State == redgrid.RegistrationConfirmed && r.DueOn != "" && r.DueOn < today
		out = append(out, r)
	}
	return out, rows.Err()
}

// RequestRegistration records an in-service member's request to register with the community
// where they live (the community of their residence); it replaces an earlier one.
func (s *Store) RequestRegistration(ctx context.Context, memberID int64) (redgrid.Registration, error) {
	var id int64
	err := s.write(ctx, func(t *tx) error {
		var path string
		var inService bool
		var left sql.NullString
		err := t.queryRow("SELECT path, in_service, left_on FROM members WHERE id = ?", memberID).Scan(&path, &inService, &left)
		if errors.Is(err, sql.ErrNoRows) {
			return redgrid.Errorf(redgrid.KindNotFound, "no member %d", memberID)
		}
		if err != nil {
			return err
		}
		if left.Valid {
			return errMemberLeft(memberID, left.String)
		}
		if !inService {
			return redgrid.Errorf(redgrid.KindConflict, "dual registration is for in-service members (在职党员)")
		}
		community, err := communityOf(path)
		if err != nil {
			return err
		}
		if _, err := t.exec("UPDATE member_registrations SET current = FALSE WHERE member_id = ? AND current", memberID); err != nil {
			return err
		}
		if err := t.queryRow("INSERT INTO member_registrations (member_id, community_id, state, requested_at) VALUES (?, ?, ?, ?) RETURNING id",
			memberID, community, string(redgrid.RegistrationPending), s.now().UTC()).Scan(&id); err != nil {
			return err
		}
		return t.audit("member.register", "member/"+strconv.FormatInt(memberID, 10), map[string]any{"community": community})
	})
	if err != nil {
		return redgrid.Registration{}, err
	}
	regs, err := s.registrations(ctx, "g.id = ?", id)
	if err != nil || len(regs) == 0 {
		return redgrid.Registration{}, err
	}
	return regs[0], nil
}

// RegistrationCommunity is the path of the community a registration is with.
func (s *Store) RegistrationCommunity(ctx context.Context, id int64) (string, error) {
	var path string
	err := s.queryRow(ctx, "SELECT c.path FROM member_registrations g JOIN nodes c ON c.id = g.community_id WHERE g.id = ? AND g.current", id).Scan(&path)
	if errors.Is(err, sql.ErrNoRows) {
		return "", redgrid.Errorf(redgrid.KindNotFound, "no current registration %d", id)
	}
	return path, err
}

// ConfirmRegistration confirms a pending registration: it issues the report certificate (报到证,
// BD + the community's code + the registration's id) with a random verification token, due again
// in the configured number of months (Options.ReregisterMonths). A registration not pending is KindConflict.
func (s *Store) ConfirmRegistration(ctx context.Context, id int64) (redgrid.Registration, error) {
	token := randomHex(16)
	now := s.now().In(cst)
	today := now.Format(time.DateOnly)
	due := now.AddDate(0, s.reregister, 0).Format(time.DateOnly)
	err := s.write(ctx, func(t *tx) error {
		var state, code string
		err := t.queryRow("SELECT g.state, c.code FROM member_registrations g JOIN nodes c ON c.id = g.community_id WHERE g.id = ? AND g.current"+s.dialect.forUpdateOf("g"), id).Scan(&state, &code)
		if errors.Is(err, sql.ErrNoRows) {
			return redgrid.Errorf(redgrid.KindNotFound, "no current registration %d", id)
		}
		if err != nil {
			return err
		}
		if redgrid.RegistrationState(state) != redgrid.RegistrationPending {
			return redgrid.Errorf(redgrid.KindConflict, "registration %d is %s, not pending", id, state)
		}
		if _, err := t.exec("UPDATE member_registrations SET state = ?, confirmed_on = ?, due_on = ?, certificate = ?, verify_token = ? WHERE id = ?",
			string(redgrid.RegistrationConfirmed), today, due, fmt.Sprintf("BD%s%06d", code, id), token, id); err != nil {
			return err
		}
		return t.audit("member.confirm", "registration/"+strconv.FormatInt(id, 10), map[string]any{"due_on": due})
	})
	if err != nil {
		return redgrid.Registration{}, err
	}
	regs, err := s.registrations(ctx, "g.id = ?", id)
	if err != nil || len(regs) == 0 {
		return redgrid.Registration{}, err
	}
	return regs[0], nil
}

// VerifyCertificate is what the certificate's QR code shows. KindNotFound for an unknown token.
func (s *Store) VerifyCertificate(ctx context.Context, token string) (redgrid.Certificate, error) {
	regs, err := s.registrations(ctx, "g.verify_token = ?", token)
	if err != nil {
		return redgrid.Certificate{}, err
	}
	if len(regs) == 0 {
		return redgrid.Certificate{}, redgrid.Errorf(redgrid.KindNotFound, "no such certificate")
	}
	r := regs[0]
	var current bool
	if err := s.queryRow(ctx, "SELECT current FROM member_registrations WHERE id = ?", r.ID).Scan(&current); err != nil {
		return redgrid.Certificate{}, err
	}
	return redgrid.Certificate{Number: r.Certificate, MemberName: pii.MaskName(r.MemberName), Community: r.CommunityName,
		ConfirmedOn: r.ConfirmedOn, DueOn: r.DueOn, Valid: current && !r.Overdue}, nil
}

// OverdueRegistrations lists the confirmed registrations with communities in the subtree at path
// whose re-registration is past due.
func (s *Store) OverdueRegistrations(ctx context.Context, path string) ([]redgrid.Registration, error) {
	return s.registrations(ctx, "g.current AND g.state = 'confirmed' AND g.due_on < ? AND c.path >= ? AND c.path < ?", s.today(), path, rangeEnd(path))
}

// SetRoster sets the weekdays (1 Monday … 5 Friday … 7 Sunday) a sinking member serves in the
// community where they live, and returns the member's version. The roster is part of the member:
// a change moves the version (the same days again change nothing); ifVersion > 0 makes it
// conditional (KindPreconditionFailed when someone else changed the member first).
func (s *Store) SetRoster(ctx context.Context, memberID int64, weekdays []int, ifVersion int) (int, error) {
	var version int
	err := s.write(ctx, func(t *tx) error {
		var path string
		var sinking bool
		var left sql.NullString
		err := t.queryRow("SELECT path, sinking, left_on, version FROM members WHERE id = ?"+s.dialect.forUpdate(), memberID).Scan(&path, &sinking, &left, &version)
		if errors.Is(err, sql.ErrNoRows) {
			return redgrid.Errorf(redgrid.KindNotFound, "no member %d", memberID)
		}
		if err != nil {
			return err
		}
		if left.Valid {
			return errMemberLeft(memberID, left.String)
		}
		if ifVersion > 0 && version != ifVersion {
			return redgrid.Errorf(redgrid.KindPreconditionFailed, "member %d was changed by someone else (version %d, yours %d): reload it", memberID, version, ifVersion)
		}
		if !sinking {
			return redgrid.Invalid("weekdays", "sinking", "the roster is of sinking members (下沉党员)")
		}
		community, err := communityOf(path)
		if err != nil {
			return err
		}
		old, err := scanDays(t.query(rosterDaysQuery, memberID))
		if err != nil {
			return err
		}
		days := slices.Clone(weekdays)
		slices.Sort(days)
		if slices.Equal(old, days) {
			return nil // the same days: nothing changes, the version stays
		}
		if _, err := t.exec("DELETE FROM member_roster WHERE member_id = ?", memberID); err != nil {
			return err
		}
		for _, d := range weekdays {
			if _, err := t.exec("INSERT INTO member_roster (member_id, community_id, weekday) VALUES (?, ?, ?)", memberID, community, d); err != nil {
				return err
			}
		}
		if _, err := t.exec("UPDATE members SET version = version + 1 WHERE id = ?", memberID); err != nil {
			return err
		}
		version++
		return t.audit("member.roster", "member/"+strconv.FormatInt(memberID, 10), map[string]any{"weekdays": weekdays, "version": version})
	})
	return version, err
}

// RosterGaps lists, for the working days of the next week from today (the calendar's, make-up
// working days included), the communities of the subtree at path with no sinking member on the
// roster for that weekday.
func (s *Store) RosterGaps(ctx context.Context, path string) ([]redgrid.RosterGap, error) {
	communities, err := s.nodes(ctx, "SELECT "+nodeCols+" FROM nodes n WHERE n.path >= ? AND n.path < ? AND n.kind = 'community' ORDER BY n.path", path, rangeEnd(path))
	if err != nil {
		return nil, err
	}
	covered := map[[2]int64]bool{}
	rows, err := s.query(ctx, "SELECT community_id, weekday FROM member_roster")
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var c, d int64
		if err := rows.Scan(&c, &d); err != nil {
			rows.Close()
			return nil, err
		}
		covered[[2]int64{c, d}] = true
	}
	rows.Close()
	out := []redgrid.RosterGap{}
	day := s.now().In(cst)
	for i := 0; i < 7; i++ {
		d := day.AddDate(0, 0, i)
		if !s.cal.IsWorkingDay(d) {
			continue
		}
		wd := int(d.Weekday())
		if wd == 0 {
			wd = 7
		}
		for _, c := range communities {
			if !covered[[2]int64{c.ID, int64(wd)}] {
				out = append(out, redgrid.RosterGap{CommunityID: c.ID, CommunityName: c.Name, Date: d.Format(time.DateOnly), Weekday: wd})
			}
		}
	}
	return out, nil
}

// errMemberLeft refuses a change to a member who left (KindConflict): their record is history.
func errMemberLeft(id int64, on string) error {
	return redgrid.Errorf(redgrid.KindConflict, "member %d left on %s: the record is kept as it was", id, on)
}

// MemberPath is the path of a member's residence (for the caller's scope check).
func (s *Store) MemberPath(ctx context.Context, id int64) (string, error) {
	var path string
	err := s.queryRow(ctx, "SELECT path FROM members WHERE id = ?", id).Scan(&path)
	if errors.Is(err, sql.ErrNoRows) {
		return "", redgrid.Errorf(redgrid.KindNotFound, "no member %d", id)
	}
	return path, err
}

// nameKeyed are the tables whose names are searched by pinyin and initials beside nodes (whose
// keys were always written).
var nameKeyed = []string{"members", "volunteers"}

// fillNameKeys writes the pinyin and initials of the names recorded before they were kept
// (migration 0020), in batches; a table with none missing costs one query.
func (s *Store) fillNameKeys(ctx context.Context) error {
	for _, table := range nameKeyed {
		err := s.inBatches(ctx, sealBatch, func(t *tx, after int64) ([]int64, error) {
			// an erased name is no longer a person's: it keeps no keys
			rows, err := t.query("SELECT id, name FROM "+table+" WHERE pinyin = '' AND initials = '' AND name <> '' AND erased_at IS NULL"+
				" AND id > ? ORDER BY id LIMIT ?", after, sealBatch)
			if err != nil {
				return nil, err
			}
			ids, names, err := scanSealedRows(rows, 1)
			if err != nil {
				return nil, err
			}
			for i, id := range ids {
				full, ini := hanzi.Keys(names[i][0])
				if _, err := t.exec("UPDATE "+table+" SET pinyin = ?, initials = ? WHERE id = ?", full, ini, id); err != nil {
					return nil, err
				}
			}
			return ids, nil
		}, func() {})
		if err != nil {
			return err
		}
	}
	return nil
}
