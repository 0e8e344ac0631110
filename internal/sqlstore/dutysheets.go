package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"

	"github.com/redgrid/redgrid"
)

// The spreadsheets of grid staffing (1+3+N), members' posts (设岗定责) and 包保
// (internal/registers): what their imports write in one transaction, through the same checks as
// the API's creates, and what their exports read (phones opened; the register masks them).

// GridStaffImport is one row of a grid staff spreadsheet, its grid and micro-grid resolved. The
// phone is in the clear ("" none); KeepPhone keeps a matched post's recorded number (the row
// showed it masked). Since "" keeps a matched post's date (today for a new one).
type GridStaffImport struct {
	Line      int
	In        redgrid.NewGridStaff
	KeepPhone bool
}

// ImportGridStaff writes rows in one transaction: a current post of the grid (and micro-grid)
// with the row's post and name is updated (phone, party member, 一肩挑, since), or the person is
// put on the post as AddGridStaff would (a grid has one leader: a second is KindConflict). Any
// row refused rolls everything back and is returned as a *RowError.
func (s *Store) ImportGridStaff(ctx context.Context, rows []GridStaffImport) (ImportStats, error) {
	ring, err := s.sealer(ctx)
	if err != nil {
		return ImportStats{}, err
	}
	return importRows(ctx, s, "grid-staff", rows, func(r GridStaffImport) int { return r.Line }, func(t *tx, r GridStaffImport) (rowOutcome, error) {
		in := r.In
		var micro int64
		if in.MicrogridID != nil {
			micro = *in.MicrogridID
		}
		var id int64
		var phone, since string
		var party, secretary bool
		err := t.queryRow(`SELECT id, phone, party_member, branch_secretary, since FROM grid_staff
			WHERE grid_id = ? AND post = ? AND name = ? AND COALESCE(microgrid_id, 0) = ? AND ended_on IS NULL ORDER BY id LIMIT 1`+s.dialect.forUpdate(),
			in.GridID, string(in.Post), in.Name, micro).Scan(&id, &phone, &party, &secretary, &since)
		if errors.Is(err, sql.ErrNoRows) {
			if r.KeepPhone {
				return rowUnchanged, redgrid.Invalid("phone", "masked", "a masked phone number cannot be recorded")
			}
			if in.Since == "" {
				in.Since = s.today()
			}
			_, err := t.insertGridStaff(in, sealOrEmpty(ring, "grid_staff.phone", in.Phone))
			return rowCreated, err
		}
		if err != nil {
			return rowUnchanged, err
		}
		oldPhone, err := s.open("grid_staff.phone", phone)
		if err != nil {
			return rowUnchanged, err
		}
		newPhone := in.Phone
		if r.KeepPhone {
			newPhone = oldPhone
		}
		if in.Since == "" {
			in.Since = since
		}
		if oldPhone == newPhone && party == in.PartyMember && secretary == in.BranchSecretary && since == in.Since {
			return rowUnchanged, nil
		}
		sealed := phone
		if newPhone != oldPhone {
			sealed = sealOrEmpty(ring, "grid_staff.phone", newPhone)
		}
		if _, err := t.exec("UPDATE grid_staff SET phone = ?, party_member = ?, branch_secretary = ?, since = ?, version = version + 1 WHERE id = ?",
			sealed, in.PartyMember, in.BranchSecretary, in.Since, id); err != nil {
			return rowUnchanged, err
		}
		return rowUpdated, t.audit("grid_staff.update", "grid_staff/"+strconv.FormatInt(id, 10),
			map[string]any{"grid": in.GridID, "post": in.Post, "one_shoulder": in.BranchSecretary, "import": true})
	})
}

// GridStaffRow is a current post with the phone in the clear and the codes of its grid and
// micro-grid, for exports.
type GridStaffRow struct {
	Staff                   redgrid.GridStaff
	GridCode, MicrogridCode string
}

// GridStaffForExport lists the current posts of the grids in the subtree at path, by grid, post
// and id, phones in the clear.
func (s *Store) GridStaffForExport(ctx context.Context, path string) ([]GridStaffRow, error) {
	return queryAll(ctx, s, func(sc scanner) (GridStaffRow, error) {
		var x GridStaffRow
		var err error
		x.Staff, err = s.scanStaffPlain(scanMore{sc, []any{&x.GridCode, &x.MicrogridCode}})
		return x, err
	}, "SELECT "+staffCols+", g.code, COALESCE(m.code, '')"+staffFrom+" WHERE s.path >= ? AND s.path < ? AND s.ended_on IS NULL ORDER BY g.code, s.post, s.id",
		path, rangeEnd(path))
}

// MembersNamed lists the ids of the members of a branch with a name who have not left (for the
// spreadsheets, which name a member by name and branch).
func (s *Store) MembersNamed(ctx context.Context, branchID int64, name string) ([]int64, error) {
	return queryAll(ctx, s, func(sc scanner) (int64, error) {
		var id int64
		return id, sc.Scan(&id)
	}, "SELECT id FROM members WHERE branch_id = ? AND name = ? AND left_on IS NULL ORDER BY id", branchID, name)
}

// PostImport is one row of a posts spreadsheet: a post of member MemberID, its node resolved.
type PostImport struct {
	Line     int
	MemberID int64
	In       redgrid.NewMemberPost
}

// ImportPosts writes rows in one transaction: the member's current post of the same kind (and
// name) at the node gets the row's duties and dates, or the post is added as AddMemberPost adds
// it (a node outside the communities the member serves is KindUnprocessable, rule
// member_community). Any row refused rolls everything back and is returned as a *RowError.
func (s *Store) ImportPosts(ctx context.Context, rows []PostImport) (ImportStats, error) {
	return importRows(ctx, s, "posts", rows, func(r PostImport) int { return r.Line }, func(t *tx, r PostImport) (rowOutcome, error) {
		in := r.In
		communities, err := t.memberCommunities(r.MemberID)
		if err != nil {
			return rowUnchanged, err
		}
		if _, err := t.postNode(in.NodeID, communities); err != nil {
			return rowUnchanged, err
		}
		cur, err := s.scanMemberPost(t.queryRow("SELECT "+memberPostCols+memberPostFrom+
			" WHERE p.member_id = ? AND p.node_id = ? AND p.kind = ? AND p.name = ? AND p.ended_on IS NULL"+s.dialect.forUpdateOf("p"),
			r.MemberID, in.NodeID, string(in.Kind), storedPostName(in)))
		if errors.Is(err, sql.ErrNoRows) {
			now := s.now().UTC()
			var id int64
			err = t.queryRow(`INSERT INTO member_posts (member_id, kind, name, node_id, duties, starts_on, ends_on, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, r.MemberID, string(in.Kind), storedPostName(in), in.NodeID, in.Duties, in.StartsOn,
				in.EndsOn, now, now).Scan(&id)
			if err != nil {
				return rowUnchanged, postTaken(err)
			}
			return rowCreated, t.audit("member_post.add", "member_post/"+strconv.FormatInt(id, 10),
				map[string]any{"member": r.MemberID, "kind": in.Kind, "node": in.NodeID, "starts_on": in.StartsOn, "import": true})
		}
		if err != nil {
			return rowUnchanged, err
		}
		if cur.Duties == in.Duties && cur.StartsOn == in.StartsOn && sameDate(cur.EndsOn, in.EndsOn) {
			return rowUnchanged, nil
		}
		if _, err := t.exec("UPDATE member_posts SET duties = ?, starts_on = ?, ends_on = ?, version = version + 1, updated_at = ? WHERE id = ?",
			in.Duties, in.StartsOn, in.EndsOn, s.now().UTC(), cur.ID); err != nil {
			return rowUnchanged, err
		}
		return rowUpdated, t.audit("member_post.update", "member_post/"+strconv.FormatInt(cur.ID, 10),
			map[string]any{"fields": []string{"duties", "starts_on", "ends_on"}, "version": cur.Version + 1, "import": true})
	})
}

// PostRow is a current post with its member's branch and its node's code, for exports.
type PostRow struct {
	Post             redgrid.MemberPost
	Branch, NodeCode string
}

// PostsForExport lists the current posts serving the nodes of the subtree at path, by node, kind
// and id.
func (s *Store) PostsForExport(ctx context.Context, path string) ([]PostRow, error) {
	return queryAll(ctx, s, func(sc scanner) (PostRow, error) {
		var x PostRow
		var err error
		x.Post, err = s.scanMemberPost(scanMore{sc, []any{&x.Branch, &x.NodeCode}})
		return x, err
	}, "SELECT "+memberPostCols+", b.name, n.code"+memberPostFrom+` JOIN party_orgs b ON b.id = m.branch_id
		WHERE n.path >= ? AND n.path < ? AND p.ended_on IS NULL ORDER BY n.path, p.kind, p.id`, path, rangeEnd(path))
}

// scanMore scans the columns of a scanner's row and then more.
type scanMore struct {
	sc   scanner
	more []any
}

func (x scanMore) Scan(dest ...any) error { return x.sc.Scan(append(dest, x.more...)...) }

// BaobaoImport is one row of a 包保 spreadsheet: member MemberID answers for a building or a
// household (in.MemberID is set).
type BaobaoImport struct {
	Line int
	In   redgrid.NewBaobao
}

// ImportBaobao writes rows in one transaction: an assignment the member holds already is kept
// (its start date changed to the row's), any other is made as AssignBaobao makes it (outside
// the communities the member serves: KindUnprocessable). Any row refused rolls everything back
// and is returned as a *RowError.
func (s *Store) ImportBaobao(ctx context.Context, rows []BaobaoImport) (ImportStats, error) {
	return importRows(ctx, s, "baobao", rows, func(r BaobaoImport) int { return r.Line }, func(t *tx, r BaobaoImport) (rowOutcome, error) {
		in := r.In
		communities, err := t.memberCommunities(in.MemberID)
		if err != nil {
			return rowUnchanged, err
		}
		building, path, field, err := t.baobaoTarget(in)
		if err != nil {
			return rowUnchanged, err
		}
		if err := inMemberCommunity(communities, path, field); err != nil {
			return rowUnchanged, err
		}
		q := "SELECT id, starts_on FROM baobao WHERE member_id = ? AND ended_on IS NULL AND building_id = ? AND household_id IS NULL"
		args := []any{in.MemberID, building}
		if in.HouseholdID != nil {
			q = "SELECT id, starts_on FROM baobao WHERE member_id = ? AND ended_on IS NULL AND household_id = ?"
			args = []any{in.MemberID, *in.HouseholdID}
		}
		var id int64
		var starts string
		err = t.queryRow(q+s.dialect.forUpdate(), args...).Scan(&id, &starts)
		if errors.Is(err, sql.ErrNoRows) {
			err = t.queryRow(`INSERT INTO baobao (member_id, building_id, household_id, starts_on, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
				in.MemberID, building, in.HouseholdID, in.StartsOn, s.now().UTC()).Scan(&id)
			if err != nil {
				return rowUnchanged, err
			}
			return rowCreated, t.audit("baobao.assign", "baobao/"+strconv.FormatInt(id, 10),
				map[string]any{"member": in.MemberID, "building": building, "household": in.HouseholdID, "starts_on": in.StartsOn, "import": true})
		}
		if err != nil || starts == in.StartsOn {
			return rowUnchanged, err
		}
		if _, err := t.exec("UPDATE baobao SET starts_on = ?, version = version + 1 WHERE id = ?", in.StartsOn, id); err != nil {
			return rowUnchanged, err
		}
		return rowUpdated, t.audit("baobao.update", "baobao/"+strconv.FormatInt(id, 10), map[string]any{"starts_on": in.StartsOn, "import": true})
	})
}

// BaobaoRow is a current assignment with its member's branch, the building's code and the
// household's unit and room (0 and "" for a whole building), for exports.
type BaobaoRow struct {
	Baobao               redgrid.Baobao
	Branch, BuildingCode string
	Unit                 int
	Room                 string
}

// BaobaoForExport lists the current assignments of the buildings (and their households) in the
// subtree at path, by building, household and id.
func (s *Store) BaobaoForExport(ctx context.Context, path string) ([]BaobaoRow, error) {
	return queryAll(ctx, s, func(sc scanner) (BaobaoRow, error) {
		var x BaobaoRow
		var err error
		x.Baobao, err = scanBaobao(scanMore{sc, []any{&x.Branch, &x.BuildingCode, &x.Unit, &x.Room}})
		return x, err
	}, "SELECT "+baobaoCols+", br.name, b.code, COALESCE(h.unit, 0), COALESCE(h.room, '')"+baobaoFrom+` JOIN party_orgs br ON br.id = m.branch_id
		WHERE b.path >= ? AND b.path < ? AND x.ended_on IS NULL ORDER BY b.path, COALESCE(x.household_id, 0), x.id`, path, rangeEnd(path))
}
