package sqlstore

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/hanzi"
)

// Buildings (楼栋) are nodes of the tree (kind building, under a grid or a micro-grid) with their
// declared units and floors (the chart's layout); this is their spreadsheet's side.

// BuildingImport is one row of a building spreadsheet: a new building under its grid or
// micro-grid (ID 0; In.Code "" takes the next free code), or a recorded one (ID) renamed or given
// another layout. Units and Floors 0 leave the layout as it is.
type BuildingImport struct {
	Line          int
	ID            int64
	In            redgrid.NewNode
	Units, Floors int
}

// BuildingRow is a building with its parent's code and its layout, for exports.
type BuildingRow struct {
	Building      redgrid.Node
	ParentCode    string
	Units, Floors int
}

// BuildingsForExport lists the buildings of the subtree at path by code.
func (s *Store) BuildingsForExport(ctx context.Context, path string) ([]BuildingRow, error) {
	rows, err := s.query(ctx, "SELECT "+nodeCols+", p.code, COALESCE(n.units, 0), COALESCE(n.floors, 0) FROM nodes n JOIN nodes p ON p.id = n.parent_id"+
		" WHERE n.kind = 'building' AND n.path >= ? AND n.path < ? ORDER BY n.code", path, rangeEnd(path))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []BuildingRow
	for rows.Next() {
		var b BuildingRow
		n, err := scanNode(extraCols{rows, []any{&b.ParentCode, &b.Units, &b.Floors}})
		if err != nil {
			return nil, err
		}
		b.Building = n
		out = append(out, b)
	}
	return out, rows.Err()
}

// extraCols scans a node followed by more columns.
type extraCols struct {
	sc    scanner
	extra []any
}

func (e extraCols) Scan(dest ...any) error { return e.sc.Scan(append(dest, e.extra...)...) }

// ImportBuildings writes rows in one transaction: new buildings are created under their parents
// (the tree's rules and the code scheme checked as for any node, the code's uniqueness too), and
// recorded ones renamed (kept in the node's history) or given their layout. Any row refused rolls
// everything back and is returned as a *RowError.
func (s *Store) ImportBuildings(ctx context.Context, rows []BuildingImport) (ImportStats, error) {
	return importRows(ctx, s, "buildings", rows, func(r BuildingImport) int { return r.Line }, func(t *tx, r BuildingImport) (rowOutcome, error) {
		if r.ID != 0 {
			return t.updateBuilding(r)
		}
		in := r.In
		in.Kind, in.Name = redgrid.KindBuilding, strings.TrimSpace(in.Name)
		if in.ValidFrom == "" {
			in.ValidFrom = s.today()
		}
		id, err := t.insertNode(in)
		if err != nil || r.Units == 0 && r.Floors == 0 {
			return rowCreated, err
		}
		return rowCreated, t.buildingLayout(id, r.Units, r.Floors)
	})
}

// updateBuilding renames a recorded building and sets its layout.
func (t *tx) updateBuilding(r BuildingImport) (rowOutcome, error) {
	n, err := t.lockNode(r.ID)
	if err != nil {
		return rowUnchanged, err
	}
	if n.Kind != redgrid.KindBuilding {
		return rowUnchanged, redgrid.Invalid("code", "kind", "the code names a "+string(n.Kind)+", not a building")
	}
	var units, floors sql.NullInt64
	if err := t.queryRow("SELECT units, floors FROM nodes WHERE id = ?", r.ID).Scan(&units, &floors); err != nil {
		return rowUnchanged, err
	}
	changed := rowUnchanged
	if name := strings.TrimSpace(r.In.Name); name != n.Name {
		full, ini := hanzi.Keys(name)
		if _, err := t.exec("UPDATE nodes SET name = ?, pinyin = ?, initials = ? WHERE id = ?", name, full, ini, r.ID); err != nil {
			return rowUnchanged, err
		}
		if err := t.history("node", r.ID, "rename", map[string]any{"name": n.Name}, map[string]any{"name": name}); err != nil {
			return rowUnchanged, err
		}
		if err := t.audit("node.update", "node:"+strconv.FormatInt(r.ID, 10), map[string]any{"name": name}); err != nil {
			return rowUnchanged, err
		}
		changed = rowUpdated
	}
	u, f := int(units.Int64), int(floors.Int64)
	if r.Units > 0 {
		u = r.Units
	}
	if r.Floors > 0 {
		f = r.Floors
	}
	if u != int(units.Int64) || f != int(floors.Int64) {
		if err := t.buildingLayout(r.ID, u, f); err != nil {
			return rowUnchanged, err
		}
		changed = rowUpdated
	}
	if changed == rowUpdated {
		_, err = t.exec("UPDATE nodes SET version = version + 1, updated_at = ? WHERE id = ?", t.s.now().UTC(), r.ID)
	}
	return changed, err
}

// buildingLayout records a building's units and floors (0: not declared).
func (t *tx) buildingLayout(id int64, units, floors int) error {
	if _, err := t.exec("UPDATE nodes SET units = ?, floors = ? WHERE id = ?", nullPositive(units), nullPositive(floors), id); err != nil {
		return err
	}
	return t.audit("building.layout", "node/"+strconv.FormatInt(id, 10), map[string]any{"units": units, "floors": floors})
}

func nullPositive(n int) any {
	if n <= 0 {
		return nil
	}
	return n
}
