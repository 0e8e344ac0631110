package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"github.com/redgrid/redgrid"
)

// Posts and duties (设岗定责) and 包保 (duty.go in the domain). Subtrees are read through the path of
// the node a post serves or of the building in nodes, never a copy of it, so a moved node takes
// its posts and assignments along.

// memberCommunities are the ids of the communities a member serves: the one they live in and
// the one their branch is in (a branch at the district or a street adds none). An unknown member
// is KindNotFound, one who left KindConflict.
func (t *tx) memberCommunities(memberID int64) (map[int64]bool, error) {
	return memberCommunitiesVia(t.queryRow, memberID)
}

// MemberServesAt refuses (KindUnprocessable, field and rule member_community) a node at path
// outside the communities the member serves: the check AddMemberPost and AssignBaobao make, read
// before a spreadsheet's rows are written so that every such row is named at once. An unknown
// member is KindNotFound, one who left KindConflict.
func (s *Store) MemberServesAt(ctx context.Context, memberID int64, path, field string) error {
	communities, err := memberCommunitiesVia(func(q string, args ...any) *sql.Row { return s.queryRow(ctx, q, args...) }, memberID)
	if err != nil {
		return err
	}
	return inMemberCommunity(communities, path, field)
}

// memberCommunitiesVia is memberCommunities read through queryRow.
func memberCommunitiesVia(queryRow func(string, ...any) *sql.Row, memberID int64) (map[int64]bool, error) {
	var rpath, bpath string
	var left sql.NullString
	err := queryRow(`SELECT r.path, n.path, m.left_on FROM members m JOIN nodes r ON r.id = m.residence_id
		JOIN party_orgs b ON b.id = m.branch_id JOIN nodes n ON n.id = b.node_id WHERE m.id = ?`, memberID).Scan(&rpath, &bpath, &left)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, redgrid.Errorf(redgrid.KindNotFound, "no member %d", memberID)
	}
	if err != nil {
		return nil, err
	}
	if left.Valid {
		return nil, errMemberLeft(memberID, left.String)
	}
	out := map[int64]bool{}
	for _, p := range []string{rpath, bpath} {
		if len(redgrid.PathIDs(p)) >= 3 {
			c, err := communityOf(p)
			if err != nil {
				return nil, err
			}
			out[c] = true
		}
	}
	return out, nil
}

// inMemberCommunity refuses (422, the field and rule member_community) a node at path outside the
// communities the member serves.
func inMemberCommunity(communities map[int64]bool, path, field string) error {
	if len(redgrid.PathIDs(path)) >= 3 {
		if c, err := communityOf(path); err == nil && communities[c] {
			return nil
		}
	}
	msg := field + " lies outside the communities the member serves (where they live, or their branch's)"
	return &redgrid.Error{Kind: redgrid.KindUnprocessable, Message: msg,
		Fields: []redgrid.FieldError{{Field: field, Rule: "member_community", Message: msg}}}
}

// postNode checks the node a post of the member serves and returns its path.
func (t *tx) postNode(nodeID int64, communities map[int64]bool) (string, error) {
	var kind, path string
	err := t.queryRow("SELECT kind, path FROM nodes WHERE id = ?", nodeID).Scan(&kind, &path)
	if errors.Is(err, sql.ErrNoRows) {
		return "", redgrid.Invalid("node_id", "exists", "node_id names no node")
	}
	if err != nil {
		return "", err
	}
	if !redgrid.PostServesKind(redgrid.NodeKind(kind)) {
		return "", redgrid.Invalid("node_id", "kind", "a post serves a community, grid, micro-grid or building")
	}
	return path, inMemberCommunity(communities, path, "node_id")
}

func postTaken(err error) error {
	if isUnique(err) {
		msg := "the member already holds this post at this node"
		return &redgrid.Error{Kind: redgrid.KindConflict, Message: msg, Fields: []redgrid.FieldError{{Field: "kind", Rule: "duplicate", Message: msg}}}
	}
	return err
}

// storedPostName is what the name column keeps: the name of a post of kind other, else nothing
// (the kind names it).
func storedPostName(in redgrid.NewMemberPost) string {
	if in.Kind == redgrid.PostKindOther {
		return in.Name
	}
	return ""
}

const memberPostCols = `p.id, p.member_id, m.name, p.kind, p.name, p.node_id, n.name, n.kind, p.duties, p.starts_on, p.ends_on, p.ended_on,
	p.version, n.path, p.created_at, p.updated_at`

const memberPostFrom = ` FROM member_posts p JOIN members m ON m.id = p.member_id JOIN nodes n ON n.id = p.node_id`

func (s *Store) scanMemberPost(sc scanner) (redgrid.MemberPost, error) {
	var p redgrid.MemberPost
	var created, updated timeCol
	if err := sc.Scan(&p.ID, &p.MemberID, &p.MemberName, &p.Kind, &p.Name, &p.NodeID, &p.NodeName, &p.NodeKind, &p.Duties, &p.StartsOn,
		&p.EndsOn, &p.EndedOn, &p.Version, &p.Path, &created, &updated); err != nil {
		return p, err
	}
	p.CreatedAt, p.UpdatedAt, p.KindLabel = created.t, updated.t, p.Kind.Label()
	if p.Kind != redgrid.PostKindOther {
		p.Name = p.KindLabel
	}
	p.SetActive(s.today())
	return p, nil
}

// queryAll runs a query and scans each row with scan (an empty list, never nil, for no rows).
func queryAll[T any](ctx context.Context, s *Store, scan func(scanner) (T, error), q string, args ...any) ([]T, error) {
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func (s *Store) memberPosts(ctx context.Context, where, order string, args ...any) ([]redgrid.MemberPost, error) {
	return queryAll(ctx, s, s.scanMemberPost, "SELECT "+memberPostCols+memberPostFrom+" WHERE "+where+" ORDER BY "+order+" LIMIT 1000", args...)
}

// AddMemberPost gives a member a post (in is validated). The node must be a community, grid,
// micro-grid or building (KindInvalid) in a community the member serves (KindUnprocessable); the
// same current post twice is KindConflict. An unknown member is KindNotFound. With an
// Idempotency-Key a retry returns the first post.
func (s *Store) AddMemberPost(ctx context.Context, memberID int64, in redgrid.NewMemberPost) (redgrid.MemberPost, bool, error) {
	id, replayed, err := s.create(ctx, "member_post", func(t *tx) (int64, error) {
		communities, err := t.memberCommunities(memberID)
		if err != nil {
			return 0, err
		}
		if _, err := t.postNode(in.NodeID, communities); err != nil {
			return 0, err
		}
		now := s.now().UTC()
		var id int64
		err = t.queryRow(`INSERT INTO member_posts (member_id, kind, name, node_id, duties, starts_on, ends_on, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, memberID, string(in.Kind), storedPostName(in), in.NodeID, in.Duties, in.StartsOn,
			in.EndsOn, now, now).Scan(&id)
		if err != nil {
			return 0, postTaken(err)
		}
		return id, t.audit("member_post.add", "member_post/"+strconv.FormatInt(id, 10),
			map[string]any{"member": memberID, "kind": in.Kind, "node": in.NodeID, "starts_on": in.StartsOn})
	})
	if err != nil {
		return redgrid.MemberPost{}, false, err
	}
	p, err := s.MemberPost(ctx, id)
	return p, replayed, err
}

// MemberPost returns one post. KindNotFound when there is none.
func (s *Store) MemberPost(ctx context.Context, id int64) (redgrid.MemberPost, error) {
	p, err := s.scanMemberPost(s.queryRow(ctx, "SELECT "+memberPostCols+memberPostFrom+" WHERE p.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return p, redgrid.Errorf(redgrid.KindNotFound, "no post %d", id)
	}
	return p, err
}

// MemberPosts lists a member's posts: the current ones first, then those ended, newest first.
func (s *Store) MemberPosts(ctx context.Context, memberID int64) ([]redgrid.MemberPost, error) {
	return s.memberPosts(ctx, "p.member_id = ?", "CASE WHEN p.ended_on IS NULL THEN 0 ELSE 1 END, p.starts_on DESC, p.id DESC", memberID)
}

// PostsUnder lists the current (not ended) posts serving the nodes of the subtree at path.
func (s *Store) PostsUnder(ctx context.Context, path string) ([]redgrid.MemberPost, error) {
	return s.memberPosts(ctx, "n.path >= ? AND n.path < ? AND p.ended_on IS NULL", "n.path, p.kind, p.id", path, rangeEnd(path))
}

// lockCurrentPost reads post id for a change: KindNotFound, KindPreconditionFailed when
// ifVersion > 0 is not its version, KindConflict when it has ended (history is not changed).
func (t *tx) lockCurrentPost(id int64, ifVersion int) (redgrid.MemberPost, error) {
	cur, err := t.s.scanMemberPost(t.queryRow("SELECT "+memberPostCols+memberPostFrom+" WHERE p.id = ?"+t.s.dialect.forUpdateOf("p"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return cur, redgrid.Errorf(redgrid.KindNotFound, "no post %d", id)
	}
	if err != nil {
		return cur, err
	}
	if ifVersion > 0 && cur.Version != ifVersion {
		return cur, redgrid.Errorf(redgrid.KindPreconditionFailed, "post %d was changed by someone else (version %d, yours %d): reload it", id, cur.Version, ifVersion)
	}
	if cur.EndedOn != nil {
		return cur, redgrid.Errorf(redgrid.KindConflict, "post %d ended on %s and is kept as history", id, *cur.EndedOn)
	}
	return cur, nil
}

// UpdateMemberPost changes a current post. ifVersion > 0 makes the change conditional
// (KindPreconditionFailed when someone else changed it first); an ended post is KindConflict; a
// new node is checked as AddMemberPost checks it.
func (s *Store) UpdateMemberPost(ctx context.Context, id int64, patch redgrid.MemberPostPatch, ifVersion int) (redgrid.MemberPost, error) {
	err := s.write(ctx, func(t *tx) error {
		cur, err := t.lockCurrentPost(id, ifVersion)
		if err != nil {
			return err
		}
		in, err := patch.Apply(cur)
		if err != nil {
			return err
		}
		if in.NodeID != cur.NodeID {
			communities, err := t.memberCommunities(cur.MemberID)
			if err != nil {
				return err
			}
			if _, err := t.postNode(in.NodeID, communities); err != nil {
				return err
			}
		}
		var changed []string
		for _, c := range []struct {
			field string
			same  bool
		}{{"kind", in.Kind == cur.Kind}, {"name", storedPostName(in) == storedPostName(redgrid.NewMemberPost{Kind: cur.Kind, Name: cur.Name})},
			{"node_id", in.NodeID == cur.NodeID}, {"duties", in.Duties == cur.Duties}, {"starts_on", in.StartsOn == cur.StartsOn},
			{"ends_on", sameDate(in.EndsOn, cur.EndsOn)}} {
			if !c.same {
				changed = append(changed, c.field)
			}
		}
		if len(changed) == 0 {
			return nil
		}
		if _, err := t.exec(`UPDATE member_posts SET kind = ?, name = ?, node_id = ?, duties = ?, starts_on = ?, ends_on = ?, version = version + 1,
			updated_at = ? WHERE id = ?`, string(in.Kind), storedPostName(in), in.NodeID, in.Duties, in.StartsOn, in.EndsOn, s.now().UTC(), id); err != nil {
			return postTaken(err)
		}
		return t.audit("member_post.update", "member_post/"+strconv.FormatInt(id, 10), map[string]any{"fields": changed, "version": cur.Version + 1})
	})
	if err != nil {
		return redgrid.MemberPost{}, err
	}
	return s.MemberPost(ctx, id)
}

// EndMemberPost ends a current post today; it stays as the member's history. ifVersion as for
// UpdateMemberPost; ending it twice is KindConflict.
func (s *Store) EndMemberPost(ctx context.Context, id int64, ifVersion int) (redgrid.MemberPost, error) {
	err := s.write(ctx, func(t *tx) error {
		cur, err := t.lockCurrentPost(id, ifVersion)
		if err != nil {
			return err
		}
		today := s.today()
		if _, err := t.exec("UPDATE member_posts SET ended_on = ?, version = version + 1, updated_at = ? WHERE id = ?", today, s.now().UTC(), id); err != nil {
			return err
		}
		return t.audit("member_post.end", "member_post/"+strconv.FormatInt(id, 10), map[string]any{"member": cur.MemberID, "ended_on": today})
	})
	if err != nil {
		return redgrid.MemberPost{}, err
	}
	return s.MemberPost(ctx, id)
}

// PostGaps lists the nodes of kind level (grid or community) in the subtree at path lacking an
// active post of some of kinds: one serving the node itself or a node inside it.
func (s *Store) PostGaps(ctx context.Context, path string, kinds []redgrid.PostKind, level redgrid.NodeKind) ([]redgrid.PostGap, error) {
	targets, err := s.nodes(ctx, "SELECT "+nodeCols+" FROM nodes n WHERE n.path >= ? AND n.path < ? AND n.kind = ? ORDER BY n.path",
		path, rangeEnd(path), string(level))
	if err != nil {
		return nil, err
	}
	depth := 3 // ids in a community's path
	if level == redgrid.KindGrid {
		depth = 4
	}
	today := s.today()
	rows, err := s.query(ctx, `SELECT n.path, p.kind FROM member_posts p JOIN nodes n ON n.id = p.node_id
		WHERE n.path >= ? AND n.path < ? AND p.ended_on IS NULL AND p.starts_on <= ? AND (p.ends_on IS NULL OR p.ends_on >= ?)`,
		path, rangeEnd(path), today, today)
	if err != nil {
		return nil, err
	}
	held := map[string]map[redgrid.PostKind]bool{} // by the path of the target the post lies in
	for rows.Next() {
		var p string
		var k redgrid.PostKind
		if err := rows.Scan(&p, &k); err != nil {
			rows.Close()
			return nil, err
		}
		ids := redgrid.PathIDs(p)
		if len(ids) < depth {
			continue // above the level: it fills no gap of it
		}
		key := "/" + strings.Join(ids[:depth], "/") + "/"
		if held[key] == nil {
			held[key] = map[redgrid.PostKind]bool{}
		}
		held[key][k] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := []redgrid.PostGap{}
	for _, n := range targets {
		gap := redgrid.PostGap{NodeID: n.ID, NodeName: n.Name, NodeCode: n.Code, NodeKind: n.Kind, Missing: []redgrid.PostKind{}, Labels: []string{}}
		for _, k := range kinds {
			if !held[n.Path][k] {
				gap.Missing = append(gap.Missing, k)
				gap.Labels = append(gap.Labels, k.Label())
			}
		}
		if len(gap.Missing) > 0 {
			out = append(out, gap)
		}
	}
	return out, nil
}

// 包保.

const baobaoCols = `x.id, x.member_id, m.name, x.building_id, b.name, x.household_id, COALESCE(h.unit, 0), COALESCE(h.room, ''), x.starts_on,
	x.ended_on, x.version, b.path, x.created_at`

const baobaoFrom = ` FROM baobao x JOIN members m ON m.id = x.member_id JOIN nodes b ON b.id = x.building_id
	LEFT JOIN households h ON h.id = x.household_id`

func scanBaobao(sc scanner) (redgrid.Baobao, error) {
	var x redgrid.Baobao
	var unit int
	var room string
	var created timeCol
	if err := sc.Scan(&x.ID, &x.MemberID, &x.MemberName, &x.BuildingID, &x.BuildingName, &x.HouseholdID, &unit, &room, &x.StartsOn,
		&x.EndedOn, &x.Version, &x.Path, &created); err != nil {
		return x, err
	}
	x.CreatedAt, x.Target = created.t, x.BuildingName
	if x.HouseholdID != nil {
		x.Target = redgrid.Household{BuildingName: x.BuildingName, Unit: unit, Room: room}.Address()
	}
	return x, nil
}

func (s *Store) baobaoList(ctx context.Context, where string, args ...any) ([]redgrid.Baobao, error) {
	return queryAll(ctx, s, scanBaobao, "SELECT "+baobaoCols+baobaoFrom+" WHERE "+where+" ORDER BY b.path, COALESCE(x.household_id, 0), x.id LIMIT 1000", args...)
}

// baobaoTarget checks the building or household of in and returns the building's id and path.
func (t *tx) baobaoTarget(in redgrid.NewBaobao) (int64, string, string, error) {
	if in.HouseholdID != nil {
		var building int64
		var path string
		err := t.queryRow("SELECT h.building_id, b.path FROM households h JOIN nodes b ON b.id = h.building_id WHERE h.id = ?", *in.HouseholdID).Scan(&building, &path)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, "", "", redgrid.Invalid("household_id", "exists", "household_id names no household")
		}
		return building, path, "household_id", err
	}
	var kind, path string
	err := t.queryRow("SELECT kind, path FROM nodes WHERE id = ?", *in.BuildingID).Scan(&kind, &path)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", "", redgrid.Invalid("building_id", "exists", "building_id names no node")
	}
	if err == nil && redgrid.NodeKind(kind) != redgrid.KindBuilding {
		return 0, "", "", redgrid.Invalid("building_id", "kind", "building_id must name a building (楼栋)")
	}
	return *in.BuildingID, path, "building_id", err
}

// AssignBaobao makes a member answer for a building or a household (in is validated). An unknown
// member, building or household is KindInvalid naming the field; one outside the communities the
// member serves KindUnprocessable; the member answering for it already KindConflict. With an
// Idempotency-Key a retry returns the first assignment.
func (s *Store) AssignBaobao(ctx context.Context, in redgrid.NewBaobao) (redgrid.Baobao, bool, error) {
	id, replayed, err := s.create(ctx, "baobao", func(t *tx) (int64, error) {
		communities, err := t.memberCommunities(in.MemberID)
		if redgrid.ErrorKind(err) == redgrid.KindNotFound {
			return 0, redgrid.Invalid("member_id", "exists", "member_id names no party member")
		}
		if err != nil {
			return 0, err
		}
		building, path, field, err := t.baobaoTarget(in)
		if err != nil {
			return 0, err
		}
		if err := inMemberCommunity(communities, path, field); err != nil {
			return 0, err
		}
		taken := func() error {
			msg := "the member already answers for it"
			return &redgrid.Error{Kind: redgrid.KindConflict, Message: msg, Fields: []redgrid.FieldError{{Field: field, Rule: "duplicate", Message: msg}}}
		}
		var n int
		q := "SELECT COUNT(*) FROM baobao WHERE member_id = ? AND ended_on IS NULL AND building_id = ? AND household_id IS NULL"
		args := []any{in.MemberID, building}
		if in.HouseholdID != nil {
			q = "SELECT COUNT(*) FROM baobao WHERE member_id = ? AND ended_on IS NULL AND household_id = ?"
			args = []any{in.MemberID, *in.HouseholdID}
		}
		if err := t.queryRow(q, args...).Scan(&n); err != nil {
			return 0, err
		}
		if n > 0 {
			return 0, taken()
		}
		var id int64
		err = t.queryRow(`INSERT INTO baobao (member_id, building_id, household_id, starts_on, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			in.MemberID, building, in.HouseholdID, in.StartsOn, s.now().UTC()).Scan(&id)
		if isUnique(err) {
			return 0, taken() // a concurrent assignment committed first
		}
		if err != nil {
			return 0, err
		}
		return id, t.audit("baobao.assign", "baobao/"+strconv.FormatInt(id, 10),
			map[string]any{"member": in.MemberID, "building": building, "household": in.HouseholdID, "starts_on": in.StartsOn})
	})
	if err != nil {
		return redgrid.Baobao{}, false, err
	}
	list, err := s.baobaoList(ctx, "x.id = ?", id)
	if err != nil || len(list) == 0 {
		return redgrid.Baobao{}, replayed, err
	}
	return list[0], replayed, nil
}

// BaobaoPath is the path of an assignment's building (for the caller's scope check).
func (s *Store) BaobaoPath(ctx context.Context, id int64) (string, error) {
	var path string
	err := s.queryRow(ctx, "SELECT b.path FROM baobao x JOIN nodes b ON b.id = x.building_id WHERE x.id = ?", id).Scan(&path)
	if errors.Is(err, sql.ErrNoRows) {
		return "", redgrid.Errorf(redgrid.KindNotFound, "no 包保 assignment %d", id)
	}
	return path, err
}

// EndBaobao ends an assignment today; it is kept. Ending it twice is KindConflict.
func (s *Store) EndBaobao(ctx context.Context, id int64) error {
	return s.write(ctx, func(t *tx) error {
		var ended *string
		err := t.queryRow("SELECT ended_on FROM baobao WHERE id = ?"+s.dialect.forUpdate(), id).Scan(&ended)
		if errors.Is(err, sql.ErrNoRows) {
			return redgrid.Errorf(redgrid.KindNotFound, "no 包保 assignment %d", id)
		}
		if err != nil {
			return err
		}
		if ended != nil {
			return redgrid.Errorf(redgrid.KindConflict, "包保 assignment %d ended on %s", id, *ended)
		}
		today := s.today()
		if _, err := t.exec("UPDATE baobao SET ended_on = ?, version = version + 1 WHERE id = ?", today, id); err != nil {
			return err
		}
		return t.audit("baobao.end", "baobao/"+strconv.FormatInt(id, 10), map[string]any{"ended_on": today})
	})
}

// BaobaoUnder lists the current assignments of the buildings (and their households) in the
// subtree at path.
func (s *Store) BaobaoUnder(ctx context.Context, path string) ([]redgrid.Baobao, error) {
	return s.baobaoList(ctx, "b.path >= ? AND b.path < ? AND x.ended_on IS NULL", path, rangeEnd(path))
}

// BaobaoOfMember lists what a member answers for (包保) and answered for: the current
// assignments first, then those ended, the latest first.
func (s *Store) BaobaoOfMember(ctx context.Context, memberID int64) ([]redgrid.Baobao, error) {
	return queryAll(ctx, s, scanBaobao, "SELECT "+baobaoCols+baobaoFrom+` WHERE x.member_id = ?
		ORDER BY CASE WHEN x.ended_on IS NULL THEN 0 ELSE 1 END, x.ended_on DESC, b.path, COALESCE(x.household_id, 0), x.id LIMIT 1000`, memberID)
}

// BaobaoOfHousehold lists who answers for a household now: for it, or for its whole building.
func (s *Store) BaobaoOfHousehold(ctx context.Context, householdID int64) ([]redgrid.Baobao, error) {
	return s.baobaoList(ctx, `x.ended_on IS NULL AND (x.household_id = ? OR x.household_id IS NULL AND
		x.building_id = (SELECT building_id FROM households WHERE id = ?))`, householdID, householdID)
}

// BaobaoGaps lists the buildings of the subtree at path nobody answers for as a whole, and its
// households nobody answers for (neither for them nor for their building), counting only
// assignments that have started.
func (s *Store) BaobaoGaps(ctx context.Context, path string) (redgrid.BaobaoGaps, error) {
	today := s.today()
	out := redgrid.BaobaoGaps{Buildings: []redgrid.GapBuilding{}, Households: []redgrid.GapHousehold{}}
	const active = "x.ended_on IS NULL AND x.starts_on <= ?"
	var err error
	out.Buildings, err = queryAll(ctx, s, func(sc scanner) (redgrid.GapBuilding, error) {
		var g redgrid.GapBuilding
		return g, sc.Scan(&g.ID, &g.Name, &g.Code)
	}, `SELECT b.id, b.name, b.code FROM nodes b WHERE b.path >= ? AND b.path < ? AND b.kind = 'building'
		AND NOT EXISTS (SELECT 1 FROM baobao x WHERE x.building_id = b.id AND x.household_id IS NULL AND `+active+`) ORDER BY b.path LIMIT 1000`,
		path, rangeEnd(path), today)
	if err != nil {
		return out, err
	}
	const uncovered = ` FROM households h JOIN nodes b ON b.id = h.building_id WHERE b.path >= ? AND b.path < ?
		AND NOT EXISTS (SELECT 1 FROM baobao x WHERE (x.household_id = h.id OR x.household_id IS NULL AND x.building_id = h.building_id) AND ` + active + `)`
	if err := s.queryRow(ctx, "SELECT COUNT(*)"+uncovered, path, rangeEnd(path), today).Scan(&out.HouseholdsTotal); err != nil {
		return out, err
	}
	out.Households, err = queryAll(ctx, s, func(sc scanner) (redgrid.GapHousehold, error) {
		var h redgrid.Household
		err := sc.Scan(&h.ID, &h.BuildingID, &h.BuildingName, &h.Unit, &h.Room)
		return redgrid.GapHousehold{ID: h.ID, BuildingID: h.BuildingID, Address: h.Address()}, err
	}, "SELECT h.id, h.building_id, b.name, h.unit, h.room"+uncovered+" ORDER BY h.id LIMIT "+strconv.Itoa(redgrid.MaxGapHouseholds), path, rangeEnd(path), today)
	return out, err
}
