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

const nodeCols = "n.id, n.kind, n.code, n.name, n.parent_id, n.path, n.depth, n.pinyin, n.initials, n.valid_from, n.valid_to, n.version, " +
	"(SELECT COUNT(*) FROM nodes c WHERE c.parent_id = n.id), n.created_at, n.updated_at"

type scanner interface{ Scan(...any) error }

func scanNode(r scanner) (redgrid.Node, error) {
	var n redgrid.Node
	var from, to dateCol
	var created, updated timeCol
	err := r.Scan(&n.ID, &n.Kind, &n.Code, &n.Name, &n.ParentID, &n.Path, &n.Depth, &n.Pinyin, &n.Initials, &from, &to, &n.Version, &n.ChildCount, &created, &updated)
	n.ValidFrom, n.ValidTo, n.CreatedAt, n.UpdatedAt = from.s, to.ptr(), created.t, updated.t
	return n, err
}

func (s *Store) nodes(ctx context.Context, q string, args ...any) ([]redgrid.Node, error) {
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("nodes: %w", err)
	}
	defer rows.Close()
	out := []redgrid.Node{}
	for rows.Next() {
		n, err := scanNode(rows)
		if err != nil {
			return nil, fmt.Errorf("nodes: %w", err)
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// Node returns one node; KindNotFound when there is none.
func (s *Store) Node(ctx context.Context, id int64) (redgrid.Node, error) {
	n, err := scanNode(s.queryRow(ctx, "SELECT "+nodeCols+" FROM nodes n WHERE n.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return n, redgrid.Errorf(redgrid.KindNotFound, "node %d not found", id)
	}
	return n, err
}

// NodePath returns the materialised path of a node, the input of every scope check.
func (s *Store) NodePath(ctx context.Context, id int64) (string, error) {
	var p string
	err := s.queryRow(ctx, "SELECT path FROM nodes WHERE id = ?", id).Scan(&p)
	if errors.Is(err, sql.ErrNoRows) {
		return "", redgrid.Errorf(redgrid.KindNotFound, "node %d not found", id)
	}
	return p, err
}

// Children returns the children of a node ordered by code.
func (s *Store) Children(ctx context.Context, parentID int64) ([]redgrid.Node, error) {
	return s.nodes(ctx, "SELECT "+nodeCols+" FROM nodes n WHERE n.parent_id = ? ORDER BY n.code", parentID)
}

// NodesByPath returns the nodes whose paths are given, ordered by code.
func (s *Store) NodesByPath(ctx context.Context, paths []string) ([]redgrid.Node, error) {
	if len(paths) == 0 {
		return []redgrid.Node{}, nil
	}
	q := "SELECT " + nodeCols + " FROM nodes n WHERE n.path IN (?" + strings.Repeat(", ?", len(paths)-1) + ") ORDER BY n.code"
	args := make([]any, len(paths))
	for i, p := range paths {
		args[i] = p
	}
	return s.nodes(ctx, q, args...)
}

// Ancestors returns the nodes above path, root first.
func (s *Store) Ancestors(ctx context.Context, path string) ([]redgrid.NodeRef, error) {
	ids := redgrid.PathIDs(path)
	if len(ids) <= 1 {
		return []redgrid.NodeRef{}, nil
	}
	ids = ids[:len(ids)-1]
	q := "SELECT id, kind, name, code FROM nodes WHERE id IN (?" + strings.Repeat(", ?", len(ids)-1) + ") ORDER BY depth"
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i], _ = strconv.ParseInt(id, 10, 64)
	}
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("ancestors: %w", err)
	}
	defer rows.Close()
	out := []redgrid.NodeRef{}
	for rows.Next() {
		var r redgrid.NodeRef
		if err := rows.Scan(&r.ID, &r.Kind, &r.Name, &r.Code); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Subtree returns the node at path and every node below it down to maxDepth levels, in path
// order (a parent before its children). It reads one index range.
func (s *Store) Subtree(ctx context.Context, path string, maxDepth int) ([]redgrid.Node, error) {
	depth := strings.Count(path, "/") - 2 + maxDepth
	return s.nodes(ctx, "SELECT "+nodeCols+" FROM nodes n WHERE n.path >= ? AND n.path < ? AND n.depth <= ? ORDER BY n.path", path, rangeEnd(path), depth)
}

// SearchNodes finds up to limit nodes inside any of the scopes (paths) whose name contains q, or
// whose pinyin or initials start with q. kind filters when not empty.
func (s *Store) SearchNodes(ctx context.Context, q string, scopes []string, kind redgrid.NodeKind, limit int) ([]redgrid.Node, error) {
	q = hanzi.Query(q)
	if q == "" || len(scopes) == 0 {
		return []redgrid.Node{}, nil
	}
	where, args := searchWhere("n", q)
	sc, scArgs := scopeWhere("n.path", scopes)
	where += " AND " + sc
	args = append(args, scArgs...)
	if kind != "" {
		where += " AND n.kind = ?"
		args = append(args, string(kind))
	}
	args = append(args, limit)
	return s.nodes(ctx, "SELECT "+nodeCols+" FROM nodes n WHERE "+where+" ORDER BY n.depth, n.code LIMIT ?", args...)
}

// searchWhere matches a name substring, or a prefix of the full pinyin or of any initials variant.
func searchWhere(alias, q string) (string, []any) {
	e := likeEscape(q)
	if hanzi.IsKeyQuery(q) {
		return "(" + alias + ".name LIKE ? ESCAPE '\\' OR " + alias + ".pinyin LIKE ? ESCAPE '\\' OR " + alias + ".initials LIKE ? ESCAPE '\\' OR " + alias + ".initials LIKE ? ESCAPE '\\')",
			[]any{"%" + e + "%", e + "%", e + "%", "% " + e + "%"}
	}
	return "(" + alias + ".name LIKE ? ESCAPE '\\')", []any{"%" + e + "%"}
}

// scopeWhere restricts a path column to the union of subtrees.
func scopeWhere(col string, scopes []string) (string, []any) {
	parts := make([]string, len(scopes))
	args := make([]any, 0, 2*len(scopes))
	for i, p := range scopes {
		parts[i] = "(" + col + " >= ? AND " + col + " < ?)"
		args = append(args, p, rangeEnd(p))
	}
	return "(" + strings.Join(parts, " OR ") + ")", args
}

// lockNode reads a node inside a write transaction, locking it on PostgreSQL.
func (t *tx) lockNode(id int64) (redgrid.Node, error) {
	n, err := scanNode(t.queryRow("SELECT "+nodeCols+" FROM nodes n WHERE n.id = ?"+t.s.dialect.forUpdate(), id))
	if errors.Is(err, sql.ErrNoRows) {
		return n, redgrid.Errorf(redgrid.KindNotFound, "node %d not found", id)
	}
	return n, err
}

// CreateNode adds a node under its parent, checking the tree's rules: the kind may hang under the
// parent's kind, and the code fits the scheme under the parent's code (or is generated as the
// next free sequence). Errors: KindInvalid (rule broken), KindConflict (code taken),
// KindUnprocessable (reused Idempotency-Key). replayed reports a retry answered from its key.
func (s *Store) CreateNode(ctx context.Context, in redgrid.NewNode) (n redgrid.Node, replayed bool, err error) {
	if err := in.Validate(s.scheme); err != nil {
		return n, false, err
	}
	in.Name = strings.TrimSpace(in.Name)
	if in.ValidFrom == "" {
		in.ValidFrom = s.today()
	}
	id, replayed, err := s.create(ctx, "node", func(t *tx) (int64, error) {
		return t.insertNode(in)
	})
	if err != nil {
		return n, false, err
	}
	n, err = s.Node(ctx, id)
	return n, replayed, err
}

func (t *tx) insertNode(in redgrid.NewNode) (int64, error) {
	s := t.s
	parentPath, depth := "/", 0
	code := in.Code
	if in.ParentID != nil {
		parent, err := t.lockNode(*in.ParentID)
		if redgrid.ErrorKind(err) == redgrid.KindNotFound {
			return 0, redgrid.Invalid("parent_id", "exists", "parent node does not exist")
		}
		if err != nil {
			return 0, err
		}
		if !in.Kind.CanHangUnder(parent.Kind) {
			return 0, redgrid.Invalid("parent_id", "parent_kind", fmt.Sprintf("a %s (%s) cannot hang under a %s (%s)", in.Kind, in.Kind.Label(), parent.Kind, parent.Kind.Label()))
		}
		parentPath, depth = parent.Path, parent.Depth+1
		if code == "" {
			var err error
			if code, err = t.nextCode(in.Kind, parent); err != nil {
				return 0, err
			}
		} else if err := s.scheme.CheckChild(in.Kind, parent.Code, code); err != nil {
			return 0, redgrid.Invalid("code", "code_scheme", err.Error())
		}
	} else if code == "" {
		return 0, redgrid.Invalid("code", "required", "a district needs its 6-digit GB/T 2260 code")
	}
	var taken int
	if err := t.queryRow("SELECT COUNT(*) FROM nodes WHERE code = ?", code).Scan(&taken); err != nil {
		return 0, err
	}
	if taken > 0 {
		return 0, &redgrid.Error{Kind: redgrid.KindConflict, Message: "code " + code + " is already used", Fields: []redgrid.FieldError{{Field: "code", Rule: "unique", Message: "code " + code + " is already used"}}}
	}
	full, ini := hanzi.Keys(in.Name)
	now := s.now().UTC()
	var id int64
	// The path needs the id; insert under a unique placeholder path, then set it.
	err := t.queryRow("INSERT INTO nodes (kind, code, name, parent_id, path, depth, pinyin, initials, valid_from, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
		string(in.Kind), code, in.Name, in.ParentID, "#"+code, depth, full, ini, in.ValidFrom, now, now).Scan(&id)
	if err != nil {
		return 0, err
	}
	path := parentPath + strconv.FormatInt(id, 10) + "/"
	if _, err := t.exec("UPDATE nodes SET path = ? WHERE id = ?", path, id); err != nil {
		return 0, err
	}
	detail := map[string]any{"kind": in.Kind, "name": in.Name, "code": code, "parent_id": in.ParentID}
	if err := t.history("node", id, "create", map[string]any{}, detail); err != nil {
		return 0, err
	}
	return id, t.audit("node.create", "node:"+strconv.FormatInt(id, 10), detail)
}

// nextCode returns the first free sequence code of a kind under a parent.
func (t *tx) nextCode(k redgrid.NodeKind, parent redgrid.Node) (string, error) {
	seg := t.s.scheme.SegmentLen(k)
	rows, err := t.query("SELECT code FROM nodes WHERE code LIKE ? AND LENGTH(code) = ?", parent.Code+"%", len(parent.Code)+seg)
	if err != nil {
		return "", err
	}
	used := map[int]bool{}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			rows.Close()
			return "", err
		}
		if n, err := strconv.Atoi(c[len(parent.Code):]); err == nil {
			used[n] = true
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return "", err
	}
	for i := 1; ; i++ {
		if !used[i] {
			code, err := t.s.scheme.ChildCode(k, parent.Code, i)
			if err != nil {
				return "", redgrid.Invalid("code", "code_space", err.Error())
			}
			return code, nil
		}
	}
}

// UpdateNode applies a patch: rename, move (re-prefixing the paths and codes of the whole
// subtree), recode, or change of validity dates. Every change is kept in the node's history.
// ifVersion > 0 makes the update conditional (KindPreconditionFailed when stale). Errors:
// KindNotFound, KindInvalid (a move under the node itself or its descendants, a grid under a
// street …), KindConflict (code taken).
func (s *Store) UpdateNode(ctx context.Context, id int64, p redgrid.NodePatch, ifVersion int) (redgrid.Node, error) {
	if err := p.Validate(); err != nil {
		return redgrid.Node{}, err
	}
	err := s.write(ctx, func(t *tx) error {
		n, err := t.lockNode(id)
		if err != nil {
			return err
		}
		if ifVersion > 0 && n.Version != ifVersion {
			return redgrid.Errorf(redgrid.KindPreconditionFailed, "node %d was changed by someone else (version %d, yours %d): reload it", id, n.Version, ifVersion)
		}
		changed := false
		if p.Name != nil && strings.TrimSpace(*p.Name) != n.Name {
			name := strings.TrimSpace(*p.Name)
			full, ini := hanzi.Keys(name)
			if _, err := t.exec("UPDATE nodes SET name = ?, pinyin = ?, initials = ? WHERE id = ?", name, full, ini, id); err != nil {
				return err
			}
			if err := t.history("node", id, "rename", map[string]any{"name": n.Name}, map[string]any{"name": name}); err != nil {
				return err
			}
			changed = true
		}
		newCode := n.Code
		if p.Code != nil {
			newCode = *p.Code
		}
		if p.ParentID != nil && (n.ParentID == nil || *p.ParentID != *n.ParentID) {
			if err := t.moveNode(n, *p.ParentID, p.Code); err != nil {
				return err
			}
			changed = true
		} else if newCode != n.Code {
			if n.ParentID == nil {
				if err := s.scheme.CheckSegment(n.Kind, newCode); err != nil {
					return redgrid.Invalid("code", "code_scheme", err.Error())
				}
			} else {
				parent, err := t.lockNode(*n.ParentID)
				if err != nil {
					return err
				}
				if err := s.scheme.CheckChild(n.Kind, parent.Code, newCode); err != nil {
					return redgrid.Invalid("code", "code_scheme", err.Error())
				}
			}
			if err := t.recodeSubtree(n, newCode); err != nil {
				return err
			}
			changed = true
		}
		if p.ValidFrom != nil || p.ValidTo != nil {
			from, to := n.ValidFrom, n.ValidTo
			if p.ValidFrom != nil {
				from = *p.ValidFrom
			}
			if p.ValidTo != nil {
				to = p.ValidTo
				if *to == "" {
					to = nil
				}
			}
			if to != nil && *to < from {
				return redgrid.Invalid("valid_to", "after_valid_from", "valid_to must not be before valid_from")
			}
			if from != n.ValidFrom || !sameDate(to, n.ValidTo) {
				if _, err := t.exec("UPDATE nodes SET valid_from = ?, valid_to = ? WHERE id = ?", from, nullDate(to), id); err != nil {
					return err
				}
				if err := t.history("node", id, "validity", map[string]any{"valid_from": n.ValidFrom, "valid_to": n.ValidTo}, map[string]any{"valid_from": from, "valid_to": to}); err != nil {
					return err
				}
				changed = true
			}
		}
		if !changed {
			return nil
		}
		if _, err := t.exec("UPDATE nodes SET version = version + 1, updated_at = ? WHERE id = ?", s.now().UTC(), id); err != nil {
			return err
		}
		return t.audit("node.update", "node:"+strconv.FormatInt(id, 10), p)
	})
	if err != nil {
		return redgrid.Node{}, err
	}
	return s.Node(ctx, id)
}

func sameDate(a, b *string) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

// moveNode hangs n under newParentID. The moved subtree gets new paths and depths, and new codes
// under the new parent (code given, or the next free sequence); old values stay in the history.
func (t *tx) moveNode(n redgrid.Node, newParentID int64, code *string) error {
	if n.ParentID == nil {
		return redgrid.Invalid("parent_id", "district_is_root", "a district cannot be moved")
	}
	parent, err := t.lockNode(newParentID)
	if redgrid.ErrorKind(err) == redgrid.KindNotFound {
		return redgrid.Invalid("parent_id", "exists", "parent node does not exist")
	}
	if err != nil {
		return err
	}
	if redgrid.IsWithin(parent.Path, n.Path) {
		return redgrid.Invalid("parent_id", "no_cycle", "a node cannot be moved under itself or one of its descendants")
	}
	if !n.Kind.CanHangUnder(parent.Kind) {
		return redgrid.Invalid("parent_id", "parent_kind", fmt.Sprintf("a %s (%s) cannot hang under a %s (%s)", n.Kind, n.Kind.Label(), parent.Kind, parent.Kind.Label()))
	}
	var newCode string
	if code != nil {
		if err := t.s.scheme.CheckChild(n.Kind, parent.Code, *code); err != nil {
			return redgrid.Invalid("code", "code_scheme", err.Error())
		}
		newCode = *code
	} else if newCode, err = t.nextCode(n.Kind, parent); err != nil {
		return err
	}
	newPath := parent.Path + strconv.FormatInt(n.ID, 10) + "/"
	dd := parent.Depth + 1 - n.Depth
	if _, err := t.exec("UPDATE nodes SET path = ? || SUBSTR(path, ?), depth = depth + ? WHERE path >= ? AND path < ?",
		newPath, len(n.Path)+1, dd, n.Path, rangeEnd(n.Path)); err != nil {
		return err
	}
	if _, err := t.exec("UPDATE nodes SET parent_id = ? WHERE id = ?", parent.ID, n.ID); err != nil {
		return err
	}
	if err := t.history("node", n.ID, "move", map[string]any{"parent_id": n.ParentID, "path": n.Path}, map[string]any{"parent_id": parent.ID, "path": newPath}); err != nil {
		return err
	}
	n.Path = newPath
	return t.recodeSubtree(n, newCode)
}

// recodeSubtree gives n the code newCode and re-prefixes every code below it.
func (t *tx) recodeSubtree(n redgrid.Node, newCode string) error {
	if newCode == n.Code {
		return nil
	}
	var taken int
	if err := t.queryRow("SELECT COUNT(*) FROM nodes WHERE code = ?", newCode).Scan(&taken); err != nil {
		return err
	}
	if taken > 0 {
		return &redgrid.Error{Kind: redgrid.KindConflict, Message: "code " + newCode + " is already used", Fields: []redgrid.FieldError{{Field: "code", Rule: "unique", Message: "code " + newCode + " is already used"}}}
	}
	// Two steps through a prefix no code has, so the unique index never sees a transient clash.
	if _, err := t.exec("UPDATE nodes SET code = ? || SUBSTR(code, ?) WHERE path >= ? AND path < ?",
		"~"+newCode, len(n.Code)+1, n.Path, rangeEnd(n.Path)); err != nil {
		return err
	}
	if _, err := t.exec("UPDATE nodes SET code = SUBSTR(code, 2) WHERE path >= ? AND path < ? AND code LIKE '~%'", n.Path, rangeEnd(n.Path)); err != nil {
		return err
	}
	return t.history("node", n.ID, "recode", map[string]any{"code": n.Code}, map[string]any{"code": newCode})
}

// NodeCount returns the number of nodes, by kind.
func (s *Store) NodeCount(ctx context.Context) (map[redgrid.NodeKind]int, error) {
	rows, err := s.query(ctx, "SELECT kind, COUNT(*) FROM nodes GROUP BY kind")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[redgrid.NodeKind]int{}
	for rows.Next() {
		var k string
		var c int
		if err := rows.Scan(&k, &c); err != nil {
			return nil, err
		}
		out[redgrid.NodeKind(k)] = c
	}
	return out, rows.Err()
}

// NodeIDByCode finds a node by its code; KindNotFound when none has it.
func (s *Store) NodeIDByCode(ctx context.Context, code string) (int64, error) {
	var id int64
	err := s.queryRow(ctx, "SELECT id FROM nodes WHERE code = ?", code).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, redgrid.Errorf(redgrid.KindNotFound, "no node has code %q", code)
	}
	return id, err
}
