package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"github.com/redgrid/redgrid/internal/hanzi"
	"slices"
	"strconv"
	"strings"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/pii"
)

// The spreadsheets of the party members, volunteers and resident units (internal/registers):
// what their imports write in one transaction, through the same checks as the API's creates, and
// what their exports read (personal data opened; the register masks it).

// MemberImport is one row of a member spreadsheet, its branch and residence resolved. Phone is
// the number in the clear ("" none); KeepPhone keeps a matched member's recorded number (the row
// showed it masked).
type MemberImport struct {
	Line      int
	In        redgrid.NewMember
	KeepPhone bool
}

// ImportMembers writes rows in one transaction: a member is matched by name within the branch
// and updated, or created. Where a member is placed is checked as CreateMember checks it (a
// sinking member's branch in the community where they live). Any row refused rolls everything
// back and is returned as a *RowError.
func (s *Store) ImportMembers(ctx context.Context, rows []MemberImport) (ImportStats, error) {
	ring, err := s.sealer(ctx)
	if err != nil {
		return ImportStats{}, err
	}
	return importRows(ctx, s, "members", rows, func(r MemberImport) int { return r.Line }, func(t *tx, r MemberImport) (rowOutcome, error) {
		return t.importMember(ring, r)
	})
}

// rowOutcome is what an import did with a row.
type rowOutcome int

const (
	rowUnchanged rowOutcome = iota
	rowUpdated
	rowCreated
)

// importRows writes the rows of an import in one transaction, each by one, counting what was
// done; a row refused rolls everything back and is returned as a *RowError. The import is
// audited as register.import of register.
func importRows[T any](ctx context.Context, s *Store, register string, rows []T, line func(T) int, one func(*tx, T) (rowOutcome, error)) (ImportStats, error) {
	var st ImportStats
	err := s.write(ctx, func(t *tx) error {
		st = ImportStats{}
		for _, r := range rows {
			o, err := one(t, r)
			if err != nil {
				return rowErr(line(r), err)
			}
			switch o {
			case rowCreated:
				st.Created++
			case rowUpdated:
				st.Updated++
			default:
				st.Unchanged++
			}
		}
		return t.audit("register.import", register, st)
	})
	return st, err
}

func (t *tx) importMember(ring *pii.Keyring, r MemberImport) (rowOutcome, error) {
	in := r.In
	rpath, err := t.memberPlace(in)
	if err != nil {
		return rowUnchanged, err
	}
	rows, err := t.query(`SELECT id, phone, joined_on, status, workplace, in_service, sinking, residence_id FROM members
		WHERE branch_id = ? AND name = ? AND left_on IS NULL ORDER BY id`, in.BranchID, in.Name)
	if err != nil {
		return rowUnchanged, err
	}
	type member struct {
		id                 int64
		phone, joined      string
		status, workplace  string
		inService, sinking bool
		residence          int64
	}
	var found []member
	for rows.Next() {
		var m member
		if err := rows.Scan(&m.id, &m.phone, &m.joined, &m.status, &m.workplace, &m.inService, &m.sinking, &m.residence); err != nil {
			rows.Close()
			return rowUnchanged, err
		}
		found = append(found, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return rowUnchanged, err
	}
	if len(found) > 1 {
		return rowUnchanged, redgrid.Invalid("name", "ambiguous", "two members of that name are in that branch: change them one by one")
	}
	if len(found) == 0 {
		if r.KeepPhone {
			return rowUnchanged, redgrid.Invalid("phone", "masked", "a masked phone number cannot be recorded")
		}
		var id int64
		full, ini := hanzi.Keys(in.Name)
		err := t.queryRow(`INSERT INTO members (name, pinyin, initials, phone, branch_id, joined_on, status, workplace, in_service, sinking, residence_id, path, user_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, in.Name, full, ini, sealOrEmpty(ring, "members.phone", in.Phone), in.BranchID, in.JoinedOn,
			string(in.Status), in.Workplace, in.InService, in.Sinking, in.ResidenceID, rpath, in.UserID, t.s.now().UTC()).Scan(&id)
		if err != nil {
			return rowUnchanged, err
		}
		return rowCreated, t.audit("member.create", "member/"+strconv.FormatInt(id, 10), map[string]any{"branch": in.BranchID, "sinking": in.Sinking, "import": true})
	}
	m := found[0]
	oldPhone, err := t.s.open("members.phone", m.phone)
	if err != nil {
		return rowUnchanged, err
	}
	phone := in.Phone
	if r.KeepPhone {
		phone = oldPhone
	}
	if oldPhone == phone && m.joined == in.JoinedOn && m.status == string(in.Status) && m.workplace == in.Workplace &&
		m.inService == in.InService && m.sinking == in.Sinking && m.residence == in.ResidenceID {
		return rowUnchanged, nil
	}
	sealed := m.phone
	if phone != oldPhone {
		sealed = sealOrEmpty(ring, "members.phone", phone)
	}
	if _, err := t.exec(`UPDATE members SET phone = ?, joined_on = ?, status = ?, workplace = ?, in_service = ?, sinking = ?, residence_id = ?, path = ?,
		version = version + 1 WHERE id = ?`, sealed, in.JoinedOn, string(in.Status), in.Workplace, in.InService, in.Sinking, in.ResidenceID, rpath, m.id); err != nil {
		return rowUnchanged, err
	}
	return rowUpdated, t.audit("member.update", "member/"+strconv.FormatInt(m.id, 10),
		map[string]any{"branch": in.BranchID, "residence": in.ResidenceID, "sinking": in.Sinking, "in_service": in.InService, "import": true})
}

// MemberRow is a member with the phone in the clear and the residence's code, for exports.
type MemberRow struct {
	Member        redgrid.Member
	ResidenceCode string
}

// MembersForExport lists every member living in the subtree at path (not those who left), in id
// order.
func (s *Store) MembersForExport(ctx context.Context, path string) ([]MemberRow, error) {
	rows, err := s.query(ctx, "SELECT "+memberCols+", r.code"+memberFrom+" WHERE m.path >= ? AND m.path < ? AND m.left_on IS NULL ORDER BY m.id",
		path, rangeEnd(path))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []MemberRow
	for rows.Next() {
		var x MemberRow
		m := &x.Member
		var created timeCol
		if err := rows.Scan(append(memberDest(m, &created), &x.ResidenceCode)...); err != nil {
			return nil, err
		}
		if m.Phone, err = s.open("members.phone", m.Phone); err != nil {
			return nil, errors.New("member " + strconv.FormatInt(m.ID, 10) + ": " + err.Error())
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// Branches lists the party branches leading nodes of the subtree at path.
func (s *Store) Branches(ctx context.Context, path string) ([]redgrid.PartyOrg, error) {
	return s.partyOrgs(ctx, "SELECT "+partyCols+partyFrom+" WHERE p.kind = 'branch' AND n.path >= ? AND n.path < ? ORDER BY p.id", path, rangeEnd(path))
}

// VolunteerImport is one row of a volunteer spreadsheet, its node and team resolved: a new
// volunteer (ID 0) with the ID number in the clear, or the recorded volunteer ID (found by the
// unified number) changed; an ID number given for a recorded volunteer must be theirs.
// KeepPhone keeps the recorded phone (the row showed it masked).
type VolunteerImport struct {
	Line      int
	ID        int64
	In        redgrid.NewVolunteer
	KeepPhone bool
}

// VolunteerNumberByID returns the unified number of the volunteer registered with an ID number
// ("" when none is).
func (s *Store) VolunteerNumberByID(ctx context.Context, idNumber string) (string, error) {
	ring, err := s.sealer(ctx)
	if err != nil {
		return "", err
	}
	var number string
	cond, args := anyIndex(ring, "id_index", "id", idNumber)
	err = s.queryRow(ctx, "SELECT number FROM volunteers WHERE "+cond, args...).Scan(&number)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return number, err
}

// VolunteerByNumber returns the volunteer with a unified number. KindNotFound when there is none.
func (s *Store) VolunteerByNumber(ctx context.Context, number string) (redgrid.Volunteer, error) {
	v, err := s.scanVolunteer(s.queryRow(ctx, "SELECT "+volunteerCols+volunteerFrom+" WHERE v.number = ?", number))
	if errors.Is(err, sql.ErrNoRows) {
		return v, redgrid.Errorf(redgrid.KindNotFound, "no volunteer %s", number)
	}
	return v, err
}

// ImportVolunteers writes rows in one transaction: new volunteers are registered as
// RegisterVolunteer registers them (one registration per ID number, KindConflict otherwise),
// recorded ones get the row's name, phone, colours, team and node. Any row refused rolls
// everything back and is returned as a *RowError.
func (s *Store) ImportVolunteers(ctx context.Context, rows []VolunteerImport) (ImportStats, error) {
	ring, err := s.sealer(ctx)
	if err != nil {
		return ImportStats{}, err
	}
	return importRows(ctx, s, "volunteers", rows, func(r VolunteerImport) int { return r.Line }, func(t *tx, r VolunteerImport) (rowOutcome, error) {
		if r.ID != 0 {
			return t.updateVolunteer(ring, r)
		}
		if r.KeepPhone {
			return rowUnchanged, redgrid.Invalid("phone", "masked", "a masked phone number cannot be recorded")
		}
		_, err := t.insertVolunteer(ring, r.In, r.In.IDNumber, r.In.Phone)
		return rowCreated, err
	})
}

func (t *tx) updateVolunteer(ring *pii.Keyring, r VolunteerImport) (rowOutcome, error) {
	in := r.In
	var name, phone, index, colours string
	var node int64
	var team sql.NullInt64
	if err := t.queryRow("SELECT name, phone, id_index, colours, node_id, team_id FROM volunteers WHERE id = ?"+t.s.dialect.forUpdate(), r.ID).
		Scan(&name, &phone, &index, &colours, &node, &team); err != nil {
		return rowUnchanged, err
	}
	if in.IDNumber != "" && !slices.Contains(ring.IDIndexes(in.IDNumber), index) {
		return rowUnchanged, redgrid.Invalid("id_number", "mismatch", "the ID number is not the one this volunteer registered with")
	}
	oldPhone, err := t.s.open("volunteers.phone", phone)
	if err != nil {
		return rowUnchanged, err
	}
	newPhone := in.Phone
	if r.KeepPhone {
		newPhone = oldPhone
	}
	cols := make([]string, len(in.Colours))
	for i, c := range in.Colours {
		cols[i] = string(c)
	}
	var teamID int64
	if in.TeamID != nil {
		teamID = *in.TeamID
	}
	if name == in.Name && oldPhone == newPhone && colours == strings.Join(cols, ",") && node == in.NodeID && team.Int64 == teamID {
		return rowUnchanged, nil
	}
	var path string
	if err := t.queryRow("SELECT path FROM nodes WHERE id = ?", in.NodeID).Scan(&path); err != nil {
		return rowUnchanged, err
	}
	if in.TeamID != nil {
		var okind string
		err := t.queryRow("SELECT kind FROM orgs WHERE id = ?", *in.TeamID).Scan(&okind)
		if errors.Is(err, sql.ErrNoRows) || err == nil && redgrid.OrgKind(okind) != redgrid.OrgVolunteerTeam {
			return rowUnchanged, redgrid.Invalid("team_id", "kind", "team_id must name a volunteer team (志愿服务队)")
		}
		if err != nil {
			return rowUnchanged, err
		}
	}
	sealed := phone
	if newPhone != oldPhone {
		sealed = sealOrEmpty(ring, "volunteers.phone", newPhone)
	}
	full, ini := hanzi.Keys(in.Name)
	if _, err := t.exec("UPDATE volunteers SET name = ?, pinyin = ?, initials = ?, phone = ?, colours = ?, node_id = ?, path = ?, team_id = ?, version = version + 1 WHERE id = ?",
		in.Name, full, ini, sealed, strings.Join(cols, ","), in.NodeID, path, in.TeamID, r.ID); err != nil {
		return rowUnchanged, err
	}
	return rowUpdated, t.audit("volunteer.update", "volunteer/"+strconv.FormatInt(r.ID, 10), map[string]any{"node": in.NodeID, "colours": in.Colours, "import": true})
}

// VolunteerRow is a volunteer with the phone in the clear and the node's code, for exports (the
// ID number is never exported: the unified number stands for it).
type VolunteerRow struct {
	Volunteer redgrid.Volunteer
	NodeCode  string
}

// VolunteersForExport lists every volunteer of the subtree at path who has not left, by number,
// phones in the clear.
func (s *Store) VolunteersForExport(ctx context.Context, path string) ([]VolunteerRow, error) {
	rows, err := s.query(ctx, "SELECT "+volunteerCols+", n.code"+volunteerFrom+" WHERE v.path >= ? AND v.path < ? AND v.left_on IS NULL ORDER BY v.number", path, rangeEnd(path))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []VolunteerRow
	for rows.Next() {
		var x VolunteerRow
		var err error
		if x.Volunteer, err = s.scanVolunteerPlain(rows, &x.NodeCode); err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// OrgImport is one row of an organisation spreadsheet: a new organisation (Cur nil), or the
// recorded one Cur (as read before the import; a change by someone else since is
// KindPreconditionFailed) given the row's name, credit code, contact and served nodes.
type OrgImport struct {
	Line int
	In   redgrid.NewOrg
	Cur  *redgrid.Org
}

// ImportOrgs writes rows in one transaction, as CreateOrg and UpdateOrg would (history and audit
// included). Any row refused rolls everything back and is returned as a *RowError.
func (s *Store) ImportOrgs(ctx context.Context, register string, rows []OrgImport) (ImportStats, error) {
	return importRows(ctx, s, register, rows, func(r OrgImport) int { return r.Line }, func(t *tx, r OrgImport) (rowOutcome, error) {
		in := r.In
		in.Name = strings.TrimSpace(in.Name)
		if r.Cur == nil {
			if in.ValidFrom == "" {
				in.ValidFrom = s.today()
			}
			_, err := t.insertOrg(in)
			return rowCreated, err
		}
		cur := *r.Cur
		var p redgrid.OrgPatch
		if in.Name != cur.Name {
			p.Name = &in.Name
		}
		if credit := deref(in.CreditCode); credit != deref(cur.CreditCode) {
			p.CreditCode = &credit
		}
		if in.Contact != cur.Contact {
			p.Contact = &in.Contact
		}
		if !sameIDs(in.NodeIDs, cur.NodeIDs) {
			p.NodeIDs = &in.NodeIDs
		}
		if p == (redgrid.OrgPatch{}) {
			return rowUnchanged, nil
		}
		return rowUpdated, t.updateOrg(cur.ID, cur, p, cur.Version)
	})
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func sameIDs(a, b []int64) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// OrgsHomedIn lists the organisations of a kind whose home node lies in the subtree at path, by
// name, with the nodes they serve.
func (s *Store) OrgsHomedIn(ctx context.Context, kind redgrid.OrgKind, path string) ([]redgrid.Org, error) {
	return s.scanOrgs(ctx, "SELECT "+orgCols+orgFrom+" WHERE o.kind = ? AND h.path >= ? AND h.path < ? ORDER BY o.name, o.id", string(kind), path, rangeEnd(path))
}

// Today is the current date in China (YYYY-MM-DD) by the store's clock.
func (s *Store) Today() string { return s.today() }
