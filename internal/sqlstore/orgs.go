package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/hanzi"
)

const orgCols = "o.id, o.kind, o.name, o.credit_code, o.home_node_id, h.name, h.path, o.contact, o.pinyin, o.initials, o.valid_from, o.valid_to, o.version, o.created_at, o.updated_at"
const orgFrom = " FROM orgs o JOIN nodes h ON h.id = o.home_node_id"

// OrgFilter selects organisations: Kind and Q narrow; Scopes (paths) keep those whose home node or
// any served node lies inside a scope, or which serve a node above a scope (a district department
// serving the caller's community).
type OrgFilter struct {
	Kind   redgrid.OrgKind
	Q      string
	NodeID int64 // serving this node (directly or through an ancestor)
	Scopes []string
	Limit  int
}

func (s *Store) scanOrgs(ctx context.Context, q string, args ...any) ([]redgrid.Org, error) {
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("orgs: %w", err)
	}
	defer rows.Close()
	out := []redgrid.Org{}
	byID := map[int64]int{}
	for rows.Next() {
		var o redgrid.Org
		var from, to dateCol
		var created, updated timeCol
		if err := rows.Scan(&o.ID, &o.Kind, &o.Name, &o.CreditCode, &o.HomeNodeID, &o.HomeNodeName, &o.HomePath, &o.Contact, &o.Pinyin, &o.Initials, &from, &to, &o.Version, &created, &updated); err != nil {
			return nil, fmt.Errorf("orgs: %w", err)
		}
		o.ValidFrom, o.ValidTo, o.CreatedAt, o.UpdatedAt = from.s, to.ptr(), created.t, updated.t
		o.NodeIDs, o.Nodes, o.NodePaths = []int64{}, []redgrid.NodeRef{}, []string{}
		byID[o.ID] = len(out)
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	if len(out) == 0 {
		return out, nil
	}
	ids := make([]any, 0, len(out))
	for _, o := range out {
		ids = append(ids, o.ID)
	}
	nrows, err := s.query(ctx, "SELECT l.org_id, n.id, n.kind, n.name, n.code, n.path FROM org_nodes l JOIN nodes n ON n.id = l.node_id WHERE l.org_id IN (?"+strings.Repeat(", ?", len(ids)-1)+") ORDER BY n.code", ids...)
	if err != nil {
		return nil, fmt.Errorf("org nodes: %w", err)
	}
	defer nrows.Close()
	for nrows.Next() {
		var orgID int64
		var r redgrid.NodeRef
		var path string
		if err := nrows.Scan(&orgID, &r.ID, &r.Kind, &r.Name, &r.Code, &path); err != nil {
			return nil, err
		}
		o := &out[byID[orgID]]
		o.NodeIDs = append(o.NodeIDs, r.ID)
		o.Nodes = append(o.Nodes, r)
		o.NodePaths = append(o.NodePaths, path)
	}
	return out, nrows.Err()
}

// Org returns one organisation with the nodes it serves; KindNotFound when there is none.
func (s *Store) Org(ctx context.Context, id int64) (redgrid.Org, error) {
	os, err := s.scanOrgs(ctx, "SELECT "+orgCols+orgFrom+" WHERE o.id = ?", id)
	if err != nil {
		return redgrid.Org{}, err
	}
	if len(os) == 0 {
		return redgrid.Org{}, redgrid.Errorf(redgrid.KindNotFound, "organisation %d not found", id)
	}
	return os[0], nil
}

// Orgs lists organisations by filter, ordered by kind and name.
func (s *Store) Orgs(ctx context.Context, f OrgFilter) ([]redgrid.Org, error) {
	var where []string
	var args []any
	if f.Kind != "" {
		where = append(where, "o.kind = ?")
		args = append(args, string(f.Kind))
	}
	if q := hanzi.Query(f.Q); q != "" {
		w, a := searchWhere("o", q)
		where = append(where, w)
		args = append(args, a...)
	}
	if f.NodeID > 0 {
		path, err := s.NodePath(ctx, f.NodeID)
		if err != nil {
			return nil, err
		}
		ids := redgrid.PathIDs(path)
		ph := "?" + strings.Repeat(", ?", len(ids)-1)
		where = append(where, "EXISTS (SELECT 1 FROM org_nodes l WHERE l.org_id = o.id AND l.node_id IN ("+ph+"))")
		for _, id := range ids {
			v, _ := strconv.ParseInt(id, 10, 64)
			args = append(args, v)
		}
	}
	if f.Scopes != nil {
		if len(f.Scopes) == 0 {
			return []redgrid.Org{}, nil
		}
		hw, ha := scopeWhere("h.path", f.Scopes)
		nw, na := scopeWhere("sn.path", f.Scopes)
		// Served nodes above a scope: the scope path starts with the served node's path.
		var above []string
		for range f.Scopes {
			above = append(above, "? LIKE sn.path || '%'")
		}
		cond := "(" + hw + " OR EXISTS (SELECT 1 FROM org_nodes l JOIN nodes sn ON sn.id = l.node_id WHERE l.org_id = o.id AND (" + nw + " OR " + strings.Join(above, " OR ") + ")))"
		where = append(where, cond)
		args = append(args, ha...)
		args = append(args, na...)
		for _, sc := range f.Scopes {
			args = append(args, sc)
		}
	}
	q := "SELECT " + orgCols + orgFrom
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 200
	}
	q += " ORDER BY o.kind, o.name LIMIT ?"
	args = append(args, limit)
	return s.scanOrgs(ctx, q, args...)
}

func (t *tx) orgNodes(orgID int64, ids []int64) error {
	if _, err := t.exec("DELETE FROM org_nodes WHERE org_id = ?", orgID); err != nil {
		return err
	}
	for _, nid := range ids {
		if _, err := t.exec("INSERT INTO org_nodes (org_id, node_id) VALUES (?, ?)", orgID, nid); err != nil {
			if redgrid.ErrorKind(t.s.dialect.mapErr(err)) == redgrid.KindInvalid {
				return redgrid.Invalid("node_ids", "exists", fmt.Sprintf("node %d does not exist", nid))
			}
			return err
		}
	}
	return nil
}

// CreateOrg registers an organisation and links the nodes it serves. Errors: KindInvalid (unknown
// home or served node), KindConflict (credit code taken), KindUnprocessable.
func (s *Store) CreateOrg(ctx context.Context, in redgrid.NewOrg) (o redgrid.Org, replayed bool, err error) {
	if err := in.Validate(); err != nil {
		return o, false, err
	}
	in.Name = strings.TrimSpace(in.Name)
	if in.ValidFrom == "" {
		in.ValidFrom = s.today()
	}
	id, replayed, err := s.create(ctx, "org", func(t *tx) (int64, error) {
		return t.insertOrg(in)
	})
	if err != nil {
		return o, false, err
	}
	o, err = s.Org(ctx, id)
	return o, replayed, err
}

// UpdateOrg applies a patch. ifVersion > 0 makes it conditional. Errors: KindNotFound,
// KindInvalid, KindConflict, KindPreconditionFailed.
func (s *Store) UpdateOrg(ctx context.Context, id int64, p redgrid.OrgPatch, ifVersion int) (redgrid.Org, error) {
	if err := p.Validate(); err != nil {
		return redgrid.Org{}, err
	}
	cur, err := s.Org(ctx, id)
	if err != nil {
		return redgrid.Org{}, err
	}
	err = s.write(ctx, func(t *tx) error {
		return t.updateOrg(id, cur, p, ifVersion)
	})
	if err != nil {
		return redgrid.Org{}, err
	}
	return s.Org(ctx, id)
}

// insertOrg registers a checked organisation (name trimmed, valid_from set) and links the nodes
// it serves.
func (t *tx) insertOrg(in redgrid.NewOrg) (int64, error) {
	if _, err := t.lockNode(in.HomeNodeID); err != nil {
		if redgrid.ErrorKind(err) == redgrid.KindNotFound {
			return 0, redgrid.Invalid("home_node_id", "exists", "home node does not exist")
		}
		return 0, err
	}
	full, ini := hanzi.Keys(in.Name)
	now := t.s.now().UTC()
	var credit any
	if in.CreditCode != nil && *in.CreditCode != "" {
		credit = *in.CreditCode
	}
	var id int64
	if err := t.queryRow("INSERT INTO orgs (kind, name, credit_code, home_node_id, contact, pinyin, initials, valid_from, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
		string(in.Kind), in.Name, credit, in.HomeNodeID, in.Contact, full, ini, in.ValidFrom, now, now).Scan(&id); err != nil {
		if isUnique(err) {
			return 0, &redgrid.Error{Kind: redgrid.KindConflict, Message: "credit_code is already registered", Fields: []redgrid.FieldError{{Field: "credit_code", Rule: "unique", Message: "credit_code is already registered"}}}
		}
		return 0, err
	}
	if err := t.orgNodes(id, in.NodeIDs); err != nil {
		return 0, err
	}
	detail := map[string]any{"kind": in.Kind, "name": in.Name, "home_node_id": in.HomeNodeID, "node_ids": in.NodeIDs}
	if err := t.history("org", id, "create", map[string]any{}, detail); err != nil {
		return 0, err
	}
	return id, t.audit("org.create", "org:"+strconv.FormatInt(id, 10), detail)
}

// updateOrg applies a checked patch to the organisation cur (as read before the transaction);
// ifVersion > 0 makes it conditional.
func (t *tx) updateOrg(id int64, cur redgrid.Org, p redgrid.OrgPatch, ifVersion int) error {
	var version int
	err := t.queryRow("SELECT version FROM orgs WHERE id = ?"+t.s.dialect.forUpdate(), id).Scan(&version)
	if errors.Is(err, sql.ErrNoRows) {
		return redgrid.Errorf(redgrid.KindNotFound, "organisation %d not found", id)
	}
	if err != nil {
		return err
	}
	if ifVersion > 0 && version != ifVersion {
		return redgrid.Errorf(redgrid.KindPreconditionFailed, "organisation %d was changed by someone else: reload it", id)
	}
	old, nu := map[string]any{}, map[string]any{}
	if p.Name != nil && strings.TrimSpace(*p.Name) != cur.Name {
		name := strings.TrimSpace(*p.Name)
		full, ini := hanzi.Keys(name)
		if _, err := t.exec("UPDATE orgs SET name = ?, pinyin = ?, initials = ? WHERE id = ?", name, full, ini, id); err != nil {
			return err
		}
		if err := t.history("org", id, "rename", map[string]any{"name": cur.Name}, map[string]any{"name": name}); err != nil {
			return err
		}
		old["name"], nu["name"] = cur.Name, name
	}
	if p.CreditCode != nil {
		var credit any
		if *p.CreditCode != "" {
			credit = *p.CreditCode
		}
		if _, err := t.exec("UPDATE orgs SET credit_code = ? WHERE id = ?", credit, id); err != nil {
			if isUnique(err) {
				return &redgrid.Error{Kind: redgrid.KindConflict, Message: "credit_code is already registered", Fields: []redgrid.FieldError{{Field: "credit_code", Rule: "unique", Message: "credit_code is already registered"}}}
			}
			return err
		}
		nu["credit_code"] = credit
	}
	if p.Contact != nil {
		if _, err := t.exec("UPDATE orgs SET contact = ? WHERE id = ?", *p.Contact, id); err != nil {
			return err
		}
		nu["contact"] = *p.Contact
	}
	if p.NodeIDs != nil {
		if err := t.orgNodes(id, *p.NodeIDs); err != nil {
			return err
		}
		if err := t.history("org", id, "links", map[string]any{"node_ids": cur.NodeIDs}, map[string]any{"node_ids": *p.NodeIDs}); err != nil {
			return err
		}
		old["node_ids"], nu["node_ids"] = cur.NodeIDs, *p.NodeIDs
	}
	if p.ValidTo != nil {
		to := p.ValidTo
		if *to == "" {
			to = nil
		}
		if to != nil && *to < cur.ValidFrom {
			return redgrid.Invalid("valid_to", "after_valid_from", "valid_to must not be before valid_from")
		}
		if _, err := t.exec("UPDATE orgs SET valid_to = ? WHERE id = ?", nullDate(to), id); err != nil {
			return err
		}
		if err := t.history("org", id, "validity", map[string]any{"valid_to": cur.ValidTo}, map[string]any{"valid_to": to}); err != nil {
			return err
		}
		nu["valid_to"] = to
	}
	if len(nu) == 0 {
		return nil
	}
	if _, err := t.exec("UPDATE orgs SET version = version + 1, updated_at = ? WHERE id = ?", t.s.now().UTC(), id); err != nil {
		return err
	}
	return t.audit("org.update", "org:"+strconv.FormatInt(id, 10), map[string]any{"old": old, "new": nu})
}

// OrgNodePaths returns the paths of the nodes an organisation serves (a department's scope).
func (s *Store) OrgNodePaths(ctx context.Context, orgID int64) ([]string, error) {
	rows, err := s.query(ctx, "SELECT n.path FROM org_nodes l JOIN nodes n ON n.id = l.node_id WHERE l.org_id = ?", orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// OrgsServing returns the organisations that serve a node directly or through an ancestor.
func (s *Store) OrgsServing(ctx context.Context, nodeID int64) ([]redgrid.Org, error) {
	return s.Orgs(ctx, OrgFilter{NodeID: nodeID})
}
