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

const partyCols = "p.id, p.kind, p.name, p.parent_id, p.path, p.depth, p.node_id, n.name, n.path, p.temporary, p.ends_on, p.pinyin, p.initials, " +
	"p.valid_from, p.valid_to, p.version, (SELECT COUNT(*) FROM party_orgs c WHERE c.parent_id = p.id), p.created_at, p.updated_at"

const partyFrom = " FROM party_orgs p JOIN nodes n ON n.id = p.node_id"

func scanParty(r scanner) (redgrid.PartyOrg, error) {
	var p redgrid.PartyOrg
	var ends, from, to dateCol
	var created, updated timeCol
	err := r.Scan(&p.ID, &p.Kind, &p.Name, &p.ParentID, &p.Path, &p.Depth, &p.NodeID, &p.NodeName, &p.NodePath, &p.Temporary, &ends, &p.Pinyin, &p.Initials,
		&from, &to, &p.Version, &p.ChildCount, &created, &updated)
	p.EndsOn, p.ValidFrom, p.ValidTo, p.CreatedAt, p.UpdatedAt = ends.ptr(), from.s, to.ptr(), created.t, updated.t
	return p, err
}

func (s *Store) partyOrgs(ctx context.Context, q string, args ...any) ([]redgrid.PartyOrg, error) {
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("party orgs: %w", err)
	}
	defer rows.Close()
	out := []redgrid.PartyOrg{}
	for rows.Next() {
		p, err := scanParty(rows)
		if err != nil {
			return nil, fmt.Errorf("party orgs: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// PartyOrg returns one party organisation; KindNotFound when there is none.
func (s *Store) PartyOrg(ctx context.Context, id int64) (redgrid.PartyOrg, error) {
	p, err := scanParty(s.queryRow(ctx, "SELECT "+partyCols+partyFrom+" WHERE p.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return p, redgrid.Errorf(redgrid.KindNotFound, "party organisation %d not found", id)
	}
	return p, err
}

// PartyChildren returns the organisations directly under a party organisation.
func (s *Store) PartyChildren(ctx context.Context, parentID int64) ([]redgrid.PartyOrg, error) {
	return s.partyOrgs(ctx, "SELECT "+partyCols+partyFrom+" WHERE p.parent_id = ? ORDER BY n.code, p.id", parentID)
}

// PartyOrgsOfNode returns the party organisations that lead an administrative node.
func (s *Store) PartyOrgsOfNode(ctx context.Context, nodeID int64) ([]redgrid.PartyOrg, error) {
	return s.partyOrgs(ctx, "SELECT "+partyCols+partyFrom+" WHERE p.node_id = ? ORDER BY p.depth, p.id", nodeID)
}

// PartyRoots returns, for each administrative scope, the highest party organisations linked to a
// node inside it: what a caller sees at the top of the party tree.
func (s *Store) PartyRoots(ctx context.Context, scopes []string) ([]redgrid.PartyOrg, error) {
	if len(scopes) == 0 {
		return []redgrid.PartyOrg{}, nil
	}
	sc, args := scopeWhere("n.path", scopes)
	all, err := s.partyOrgs(ctx, "SELECT "+partyCols+partyFrom+" WHERE "+sc+" AND (p.parent_id IS NULL OR NOT EXISTS (SELECT 1 FROM party_orgs pp JOIN nodes pn ON pn.id = pp.node_id WHERE pp.id = p.parent_id AND "+strings.ReplaceAll(sc, "n.path", "pn.path")+")) ORDER BY p.depth, n.code, p.id", append(args, args...)...)
	return all, err
}

// SearchPartyOrgs finds party organisations linked to nodes inside the scopes by name, pinyin or initials.
func (s *Store) SearchPartyOrgs(ctx context.Context, q string, scopes []string, limit int) ([]redgrid.PartyOrg, error) {
	q = hanzi.Query(q)
	if q == "" || len(scopes) == 0 {
		return []redgrid.PartyOrg{}, nil
	}
	where, args := searchWhere("p", q)
	sc, scArgs := scopeWhere("n.path", scopes)
	args = append(append(args, scArgs...), limit)
	return s.partyOrgs(ctx, "SELECT "+partyCols+partyFrom+" WHERE "+where+" AND "+sc+" ORDER BY p.depth, p.id LIMIT ?", args...)
}

// PartyAncestors returns the party organisations above path, root first.
func (s *Store) PartyAncestors(ctx context.Context, path string) ([]redgrid.PartyOrg, error) {
	ids := redgrid.PathIDs(path)
	if len(ids) <= 1 {
		return []redgrid.PartyOrg{}, nil
	}
	ids = ids[:len(ids)-1]
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i], _ = strconv.ParseInt(id, 10, 64)
	}
	return s.partyOrgs(ctx, "SELECT "+partyCols+partyFrom+" WHERE p.id IN (?"+strings.Repeat(", ?", len(ids)-1)+") ORDER BY p.depth", args...)
}

func (t *tx) lockParty(id int64) (redgrid.PartyOrg, error) {
	p, err := scanParty(t.queryRow("SELECT "+partyCols+partyFrom+" WHERE p.id = ?"+strings.Replace(t.s.dialect.forUpdate(), "UPDATE", "UPDATE OF p", 1), id))
	if errors.Is(err, sql.ErrNoRows) {
		return p, redgrid.Errorf(redgrid.KindNotFound, "party organisation %d not found", id)
	}
	return p, err
}

// checkPartyPlace validates a party organisation's parent and led node: the kind may hang under
// the parent's kind and lead the node's kind, and the led node lies inside the parent's led node
// (a community's party committee leads a node of that community).
func (t *tx) checkPartyPlace(kind redgrid.PartyKind, parentID *int64, nodeID int64) (parent *redgrid.PartyOrg, node redgrid.Node, err error) {
	node, err = t.lockNode(nodeID)
	if redgrid.ErrorKind(err) == redgrid.KindNotFound {
		return nil, node, redgrid.Invalid("node_id", "exists", "the administrative node does not exist")
	}
	if err != nil {
		return nil, node, err
	}
	if !kind.CanLead(node.Kind) {
		return nil, node, redgrid.Invalid("node_id", "led_node_kind", fmt.Sprintf("a %s cannot lead a %s (%s)", kind, node.Kind, node.Kind.Label()))
	}
	if parentID == nil {
		if !kind.CanHangUnder("") {
			return nil, node, redgrid.Invalid("parent_id", "required", "parent_id is required for a "+string(kind))
		}
		return nil, node, nil
	}
	p, err := t.lockParty(*parentID)
	if redgrid.ErrorKind(err) == redgrid.KindNotFound {
		return nil, node, redgrid.Invalid("parent_id", "exists", "the parent party organisation does not exist")
	}
	if err != nil {
		return nil, node, err
	}
	if !kind.CanHangUnder(p.Kind) {
		return nil, node, redgrid.Invalid("parent_id", "parent_kind", fmt.Sprintf("a %s cannot hang under a %s", kind, p.Kind))
	}
	if !redgrid.IsWithin(node.Path, p.NodePath) {
		return nil, node, redgrid.Invalid("node_id", "within_parent", "the led node must lie inside the node led by the parent organisation")
	}
	return &p, node, nil
}

// CreatePartyOrg adds a party organisation. Errors: KindInvalid (rules), KindUnprocessable
// (reused Idempotency-Key).
func (s *Store) CreatePartyOrg(ctx context.Context, in redgrid.NewPartyOrg) (p redgrid.PartyOrg, replayed bool, err error) {
	if err := in.Validate(); err != nil {
		return p, false, err
	}
	in.Name = strings.TrimSpace(in.Name)
	if in.ValidFrom == "" {
		in.ValidFrom = s.today()
	}
	id, replayed, err := s.create(ctx, "party_org", func(t *tx) (int64, error) {
		parent, _, err := t.checkPartyPlace(in.Kind, in.ParentID, in.NodeID)
		if err != nil {
			return 0, err
		}
		parentPath, depth := "/", 0
		if parent != nil {
			parentPath, depth = parent.Path, parent.Depth+1
		}
		full, ini := hanzi.Keys(in.Name)
		now := s.now().UTC()
		var id int64
		err = t.queryRow("INSERT INTO party_orgs (kind, name, parent_id, path, depth, node_id, temporary, ends_on, pinyin, initials, valid_from, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
			string(in.Kind), in.Name, in.ParentID, "#"+randomHex(8), depth, in.NodeID, in.Temporary, nullDate(in.EndsOn), full, ini, in.ValidFrom, now, now).Scan(&id)
		if err != nil {
			return 0, err
		}
		if _, err := t.exec("UPDATE party_orgs SET path = ? WHERE id = ?", parentPath+strconv.FormatInt(id, 10)+"/", id); err != nil {
			return 0, err
		}
		detail := map[string]any{"kind": in.Kind, "name": in.Name, "parent_id": in.ParentID, "node_id": in.NodeID, "temporary": in.Temporary, "ends_on": in.EndsOn}
		if err := t.history("party_org", id, "create", map[string]any{}, detail); err != nil {
			return 0, err
		}
		return id, t.audit("party_org.create", "party_org:"+strconv.FormatInt(id, 10), detail)
	})
	if err != nil {
		return p, false, err
	}
	p, err = s.PartyOrg(ctx, id)
	return p, replayed, err
}

// UpdatePartyOrg applies a patch (rename, move, relink, temporary/ends_on, validity), keeping the
// history. ifVersion > 0 makes it conditional. Errors: KindNotFound, KindInvalid,
// KindPreconditionFailed.
func (s *Store) UpdatePartyOrg(ctx context.Context, id int64, in redgrid.PartyOrgPatch, ifVersion int) (redgrid.PartyOrg, error) {
	if err := in.Validate(); err != nil {
		return redgrid.PartyOrg{}, err
	}
	err := s.write(ctx, func(t *tx) error {
		p, err := t.lockParty(id)
		if err != nil {
			return err
		}
		if ifVersion > 0 && p.Version != ifVersion {
			return redgrid.Errorf(redgrid.KindPreconditionFailed, "party organisation %d was changed by someone else: reload it", id)
		}
		old, nu := map[string]any{}, map[string]any{}
		if in.Name != nil && strings.TrimSpace(*in.Name) != p.Name {
			name := strings.TrimSpace(*in.Name)
			full, ini := hanzi.Keys(name)
			if _, err := t.exec("UPDATE party_orgs SET name = ?, pinyin = ?, initials = ? WHERE id = ?", name, full, ini, id); err != nil {
				return err
			}
			if err := t.history("party_org", id, "rename", map[string]any{"name": p.Name}, map[string]any{"name": name}); err != nil {
				return err
			}
			old["name"], nu["name"] = p.Name, name
		}
		parentID, nodeID := p.ParentID, p.NodeID
		moved := in.ParentID != nil && (p.ParentID == nil || *in.ParentID != *p.ParentID)
		if moved {
			parentID = in.ParentID
		}
		if in.NodeID != nil {
			nodeID = *in.NodeID
		}
		if moved || nodeID != p.NodeID {
			if p.ParentID == nil && moved {
				return redgrid.Invalid("parent_id", "root", "the top party organisation cannot be moved")
			}
			parent, _, err := t.checkPartyPlace(p.Kind, parentID, nodeID)
			if err != nil {
				return err
			}
			if moved {
				if redgrid.IsWithin(parent.Path, p.Path) {
					return redgrid.Invalid("parent_id", "no_cycle", "a party organisation cannot be moved under itself or its descendants")
				}
				newPath := parent.Path + strconv.FormatInt(id, 10) + "/"
				if _, err := t.exec("UPDATE party_orgs SET path = ? || SUBSTR(path, ?), depth = depth + ? WHERE path >= ? AND path < ?",
					newPath, len(p.Path)+1, parent.Depth+1-p.Depth, p.Path, rangeEnd(p.Path)); err != nil {
					return err
				}
			}
			if _, err := t.exec("UPDATE party_orgs SET parent_id = ?, node_id = ? WHERE id = ?", parentID, nodeID, id); err != nil {
				return err
			}
			if err := t.history("party_org", id, "move", map[string]any{"parent_id": p.ParentID, "node_id": p.NodeID}, map[string]any{"parent_id": parentID, "node_id": nodeID}); err != nil {
				return err
			}
			old["parent_id"], nu["parent_id"] = p.ParentID, parentID
		}
		temporary, endsOn := p.Temporary, p.EndsOn
		if in.Temporary != nil {
			temporary = *in.Temporary
		}
		if in.EndsOn != nil {
			endsOn = in.EndsOn
			if *endsOn == "" {
				endsOn = nil
			}
		}
		if temporary != p.Temporary || !sameDate(endsOn, p.EndsOn) {
			if err := redgrid.CheckTemporary(temporary, endsOn); err != nil {
				return err
			}
			if _, err := t.exec("UPDATE party_orgs SET temporary = ?, ends_on = ? WHERE id = ?", temporary, nullDate(endsOn), id); err != nil {
				return err
			}
			if err := t.history("party_org", id, "validity", map[string]any{"temporary": p.Temporary, "ends_on": p.EndsOn}, map[string]any{"temporary": temporary, "ends_on": endsOn}); err != nil {
				return err
			}
			old["temporary"], nu["temporary"] = p.Temporary, temporary
		}
		from, to := p.ValidFrom, p.ValidTo
		if in.ValidFrom != nil {
			from = *in.ValidFrom
		}
		if in.ValidTo != nil {
			to = in.ValidTo
			if *to == "" {
				to = nil
			}
		}
		if from != p.ValidFrom || !sameDate(to, p.ValidTo) {
			if to != nil && *to < from {
				return redgrid.Invalid("valid_to", "after_valid_from", "valid_to must not be before valid_from")
			}
			if _, err := t.exec("UPDATE party_orgs SET valid_from = ?, valid_to = ? WHERE id = ?", from, nullDate(to), id); err != nil {
				return err
			}
			if err := t.history("party_org", id, "validity", map[string]any{"valid_from": p.ValidFrom, "valid_to": p.ValidTo}, map[string]any{"valid_from": from, "valid_to": to}); err != nil {
				return err
			}
			old["valid_to"], nu["valid_to"] = p.ValidTo, to
		}
		if len(nu) == 0 {
			return nil
		}
		if _, err := t.exec("UPDATE party_orgs SET version = version + 1, updated_at = ? WHERE id = ?", s.now().UTC(), id); err != nil {
			return err
		}
		return t.audit("party_org.update", "party_org:"+strconv.FormatInt(id, 10), map[string]any{"old": old, "new": nu})
	})
	if err != nil {
		return redgrid.PartyOrg{}, err
	}
	return s.PartyOrg(ctx, id)
}
