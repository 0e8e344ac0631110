package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/pii"
)

// Grid staffing "1+3+N" (staffing.go in the domain).

func init() {
	sealedTables = append(sealedTables, sealedTable{"grid_staff", []string{"phone"}})
}

const staffCols = `s.id, s.grid_id, g.name, s.microgrid_id, COALESCE(m.name, ''), s.post, s.name, s.phone, s.party_member,
	s.branch_secretary, s.user_id, s.since, s.version, s.path, s.created_at`

const staffFrom = ` FROM grid_staff s JOIN nodes g ON g.id = s.grid_id LEFT JOIN nodes m ON m.id = s.microgrid_id`

func (s *Store) scanStaff(sc interface{ Scan(...any) error }) (redgrid.GridStaff, error) {
	st, err := s.scanStaffPlain(sc)
	if err == nil && st.Phone != "" {
		st.Phone = pii.MaskPhone(st.Phone) // the staff's own numbers are shown masked like anyone's
	}
	return st, err
}

// scanStaffPlain reads a post with the phone in the clear (for exports; the register masks it).
func (s *Store) scanStaffPlain(sc scanner) (redgrid.GridStaff, error) {
	var st redgrid.GridStaff
	var created timeCol
	err := sc.Scan(&st.ID, &st.GridID, &st.GridName, &st.MicrogridID, &st.MicrogridName, &st.Post, &st.Name, &st.Phone, &st.PartyMember,
		&st.BranchSecretary, &st.UserID, &st.Since, &st.Version, &st.Path, &created)
	if err != nil {
		return st, err
	}
	st.CreatedAt, st.PostLabel = created.t, st.Post.Label()
	if st.Phone, err = s.open("grid_staff.phone", st.Phone); err != nil {
		return st, errors.New("grid staff " + strconv.FormatInt(st.ID, 10) + ": " + err.Error())
	}
	return st, nil
}

// AddGridStaff puts someone on a post of a grid. The grid must be a grid, the micro-grid one of
// its micro-grids; a grid has one leader (KindConflict when it has one already: end that post
// first). With an Idempotency-Key a retry returns the first record.
func (s *Store) AddGridStaff(ctx context.Context, in redgrid.NewGridStaff) (redgrid.GridStaff, bool, error) {
	phone := ""
	if in.Phone != "" {
		p, err := pii.ParsePhone(in.Phone)
		if err != nil {
			var pe *pii.Error
			if errors.As(err, &pe) {
				return redgrid.GridStaff{}, false, redgrid.Invalid("phone", pe.Rule, pe.Message)
			}
			return redgrid.GridStaff{}, false, err
		}
		ring, err := s.sealer(ctx)
		if err != nil {
			return redgrid.GridStaff{}, false, err
		}
		phone = ring.Seal("grid_staff.phone", p)
	}
	if in.Since == "" {
		in.Since = s.today()
	}
	id, replayed, err := s.create(ctx, "grid_staff", func(t *tx) (int64, error) { return t.insertGridStaff(in, phone) })
	if err != nil {
		return redgrid.GridStaff{}, false, err
	}
	st, err := s.scanStaff(s.queryRow(ctx, "SELECT "+staffCols+staffFrom+" WHERE s.id = ?", id))
	return st, replayed, err
}

// EndGridStaff ends a post (kept as history). KindNotFound when there is no such current post.
func (s *Store) EndGridStaff(ctx context.Context, id int64) error {
	return s.write(ctx, func(t *tx) error {
		res, err := t.exec("UPDATE grid_staff SET ended_on = ?, version = version + 1 WHERE id = ? AND ended_on IS NULL", s.today(), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return redgrid.Errorf(redgrid.KindNotFound, "no current post %d", id)
		}
		return t.audit("grid_staff.end", "grid_staff/"+strconv.FormatInt(id, 10), nil)
	})
}

// GridStaffPath is the path of a post's grid (for the caller's scope check).
func (s *Store) GridStaffPath(ctx context.Context, id int64) (string, error) {
	var path string
	err := s.queryRow(ctx, "SELECT path FROM grid_staff WHERE id = ? AND ended_on IS NULL", id).Scan(&path)
	if errors.Is(err, sql.ErrNoRows) {
		return "", redgrid.Errorf(redgrid.KindNotFound, "no current post %d", id)
	}
	return path, err
}

// GridStaffList lists the current posts of the grids in the subtree at path, by grid and post.
func (s *Store) GridStaffList(ctx context.Context, path string) ([]redgrid.GridStaff, error) {
	rows, err := s.query(ctx, "SELECT "+staffCols+staffFrom+" WHERE s.path >= ? AND s.path < ? AND s.ended_on IS NULL ORDER BY g.code, s.post, s.id",
		path, rangeEnd(path))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []redgrid.GridStaff{}
	for rows.Next() {
		st, err := s.scanStaff(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

// StaffingGaps lists the grids of the subtree at path whose 1+3 is incomplete: a post of
// RequiredPosts nobody holds, or a micro-grid without its liaison.
func (s *Store) StaffingGaps(ctx context.Context, path string) ([]redgrid.StaffingGap, error) {
	nodes, err := s.nodes(ctx, "SELECT "+nodeCols+" FROM nodes n WHERE n.path >= ? AND n.path < ? AND n.kind IN ('grid', 'microgrid') ORDER BY n.path",
		path, rangeEnd(path))
	if err != nil {
		return nil, err
	}
	staff, err := s.GridStaffList(ctx, path)
	if err != nil {
		return nil, err
	}
	held := map[int64]map[redgrid.Post]bool{}
	liaised := map[int64]bool{}
	oneShoulder := map[int64]bool{}
	for _, st := range staff {
		if held[st.GridID] == nil {
			held[st.GridID] = map[redgrid.Post]bool{}
		}
		held[st.GridID][st.Post] = true
		if st.MicrogridID != nil && st.Post == redgrid.PostLiaison {
			liaised[*st.MicrogridID] = true
		}
		if st.Post == redgrid.PostLeader && st.BranchSecretary {
			oneShoulder[st.GridID] = true
		}
	}
	micro := map[int64][]redgrid.Node{}
	var grids []redgrid.Node
	for _, n := range nodes {
		switch n.Kind {
		case redgrid.KindGrid:
			grids = append(grids, n)
		case redgrid.KindMicrogrid:
			if n.ParentID != nil {
				micro[*n.ParentID] = append(micro[*n.ParentID], n)
			}
		}
	}
	out := []redgrid.StaffingGap{}
	for _, g := range grids {
		gap := redgrid.StaffingGap{GridID: g.ID, GridName: g.Name, GridCode: g.Code, Missing: []redgrid.Post{}, Labels: []string{},
			Microgrids: []string{}, OneShoulder: oneShoulder[g.ID]}
		for _, p := range redgrid.RequiredPosts {
			if !held[g.ID][p] {
				gap.Missing = append(gap.Missing, p)
				gap.Labels = append(gap.Labels, p.Label())
			}
		}
		for _, m := range micro[g.ID] {
			if !liaised[m.ID] {
				gap.Microgrids = append(gap.Microgrids, m.Name)
			}
		}
		if len(gap.Missing) > 0 || len(gap.Microgrids) > 0 {
			out = append(out, gap)
		}
	}
	return out, nil
}

// insertGridStaff puts someone on a post (phone sealed already, since given): the grid must be a
// grid, the micro-grid one of its micro-grids, and a grid has one leader (KindConflict).
func (t *tx) insertGridStaff(in redgrid.NewGridStaff, phone string) (int64, error) {
	var kind, path string
	err := t.queryRow("SELECT kind, path FROM nodes WHERE id = ?", in.GridID).Scan(&kind, &path)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, redgrid.Invalid("grid_id", "exists", "grid_id names no node")
	}
	if err != nil {
		return 0, err
	}
	if redgrid.NodeKind(kind) != redgrid.KindGrid {
		return 0, redgrid.Invalid("grid_id", "kind", "grid_id must name a grid")
	}
	if in.MicrogridID != nil {
		var mk string
		var parent sql.NullInt64
		err := t.queryRow("SELECT kind, parent_id FROM nodes WHERE id = ?", *in.MicrogridID).Scan(&mk, &parent)
		if errors.Is(err, sql.ErrNoRows) || err == nil && (redgrid.NodeKind(mk) != redgrid.KindMicrogrid || parent.Int64 != in.GridID) {
			return 0, redgrid.Invalid("microgrid_id", "of_grid", "microgrid_id must name a micro-grid of the grid")
		}
		if err != nil {
			return 0, err
		}
	}
	if in.Post == redgrid.PostLeader {
		var n int
		if err := t.queryRow("SELECT COUNT(*) FROM grid_staff WHERE grid_id = ? AND post = 'leader' AND ended_on IS NULL", in.GridID).Scan(&n); err != nil {
			return 0, err
		}
		if n > 0 {
			return 0, &redgrid.Error{Kind: redgrid.KindConflict, Message: "the grid has a leader already: end that post first",
				Fields: []redgrid.FieldError{{Field: "post", Rule: "one_leader", Message: "a grid has one leader"}}}
		}
	}
	var id int64
	err = t.queryRow(`INSERT INTO grid_staff (grid_id, microgrid_id, path, post, name, phone, party_member, branch_secretary, user_id, since, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, in.GridID, in.MicrogridID, path, string(in.Post), in.Name, phone,
		in.PartyMember, in.BranchSecretary, in.UserID, in.Since, t.s.now().UTC()).Scan(&id)
	if err != nil {
		return 0, err
	}
	return id, t.audit("grid_staff.add", "grid_staff/"+strconv.FormatInt(id, 10),
		map[string]any{"grid": in.GridID, "post": in.Post, "one_shoulder": in.BranchSecretary})
}
