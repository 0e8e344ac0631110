package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"github.com/redgrid/redgrid"
)

// Households: the dwellings of buildings (household.go in the domain).

const householdCols = `h.id, h.building_id, b.name, b.code, COALESCE(g.name, ''), h.unit, h.floor, h.room, h.occupancy,
	h.lead_id, COALESCE(p.name, ''), h.note, h.version, h.path, h.created_at, h.updated_at`

const householdFrom = ` FROM households h JOIN nodes b ON b.id = h.building_id
	LEFT JOIN nodes g ON g.id = (CASE WHEN b.kind = 'building' THEN b.parent_id END)
	LEFT JOIN party_orgs p ON p.id = h.lead_id`

func scanHousehold(sc interface{ Scan(...any) error }) (redgrid.Household, error) {
	var h redgrid.Household
	var lead sql.NullInt64
	var created, updated timeCol
	err := sc.Scan(&h.ID, &h.BuildingID, &h.BuildingName, &h.BuildingCode, &h.GridName, &h.Unit, &h.Floor, &h.Room, &h.Occupancy,
		&lead, &h.LeadName, &h.Note, &h.Version, &h.Path, &created, &updated)
	if lead.Valid {
		h.LeadID = &lead.Int64
	}
	h.CreatedAt, h.UpdatedAt = created.t, updated.t
	return h, err
}

// Household returns one household. KindNotFound when there is none.
func (s *Store) Household(ctx context.Context, id int64) (redgrid.Household, error) {
	h, err := scanHousehold(s.queryRow(ctx, "SELECT "+householdCols+householdFrom+" WHERE h.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return h, redgrid.Errorf(redgrid.KindNotFound, "no household %d", id)
	}
	return h, err
}

// HouseholdQuery selects households: those of the subtree at Path, optionally matching Q (room,
// building name or code), after the id After, at most Limit.
type HouseholdQuery struct {
	Path  string
	Q     string
	After int64
	Limit int
}

// Households lists households in id order.
func (s *Store) Households(ctx context.Context, q HouseholdQuery) ([]redgrid.Household, error) {
	if q.Limit <= 0 || q.Limit > 1000 {
		q.Limit = 200
	}
	if q.Path == "" {
		q.Path = "/"
	}
	where := []string{"h.path >= ? AND h.path < ?", "h.id > ?"}
	args := []any{q.Path, rangeEnd(q.Path), q.After}
	if t := strings.TrimSpace(q.Q); t != "" {
		where = append(where, "(h.room = ? OR b.name LIKE ? ESCAPE '\\' OR b.code LIKE ? ESCAPE '\\')")
		args = append(args, t, "%"+likeEscape(t)+"%", likeEscape(t)+"%")
	}
	rows, err := s.query(ctx, "SELECT "+householdCols+householdFrom+" WHERE "+strings.Join(where, " AND ")+
		" ORDER BY h.id LIMIT "+strconv.Itoa(q.Limit), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []redgrid.Household{}
	for rows.Next() {
		h, err := scanHousehold(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// HouseholdPath is the path of a household's building (for the caller's scope check).
func (s *Store) HouseholdPath(ctx context.Context, id int64) (string, error) {
	var path string
	err := s.queryRow(ctx, "SELECT path FROM households WHERE id = ?", id).Scan(&path)
	if errors.Is(err, sql.ErrNoRows) {
		return "", redgrid.Errorf(redgrid.KindNotFound, "no household %d", id)
	}
	return path, err
}

// CreateHousehold records a household. The building must be a building; the lead household, when
// given, a lead_household party organisation in the same grid with room for one more. A room
// already recorded in that unit of the building is KindConflict. With an Idempotency-Key a retry
// returns the first record.
func (s *Store) CreateHousehold(ctx context.Context, in redgrid.NewHousehold) (redgrid.Household, bool, error) {
	id, replayed, err := s.create(ctx, "household", func(t *tx) (int64, error) {
		return t.insertHousehold(in)
	})
	if err != nil {
		return redgrid.Household{}, false, err
	}
	h, err := s.Household(ctx, id)
	return h, replayed, err
}

func (t *tx) insertHousehold(in redgrid.NewHousehold) (int64, error) {
	path, err := t.householdRefs(in, 0)
	if err != nil {
		return 0, err
	}
	now := t.s.now().UTC()
	var id int64
	err = t.queryRow(`INSERT INTO households (building_id, path, unit, floor, room, occupancy, lead_id, note, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, in.BuildingID, path, in.Unit, in.Floor, in.Room, string(in.Occupancy),
		in.LeadID, in.Note, now, now).Scan(&id)
	if err != nil {
		return 0, roomTaken(err)
	}
	return id, t.audit("household.create", "household/"+strconv.FormatInt(id, 10),
		map[string]any{"building": in.BuildingID, "unit": in.Unit, "floor": in.Floor, "room": in.Room})
}

func roomTaken(err error) error {
	if isUnique(err) {
		return &redgrid.Error{Kind: redgrid.KindConflict, Message: "that room of that unit is already recorded",
			Fields: []redgrid.FieldError{{Field: "room", Rule: "unique", Message: "that room of that unit of the building is already recorded"}}}
	}
	return err
}

// householdRefs checks the building and the lead household of in and returns the building's
// path; self is the household being changed (0 for a new one), not counted against the lead's
// limit.
func (t *tx) householdRefs(in redgrid.NewHousehold, self int64) (string, error) {
	var kind, path string
	var parent sql.NullInt64
	err := t.queryRow("SELECT kind, path, parent_id FROM nodes WHERE id = ?", in.BuildingID).Scan(&kind, &path, &parent)
	if errors.Is(err, sql.ErrNoRows) {
		return "", redgrid.Invalid("building_id", "exists", "building_id names no node")
	}
	if err != nil {
		return "", err
	}
	if redgrid.NodeKind(kind) != redgrid.KindBuilding {
		return "", redgrid.Invalid("building_id", "kind", "building_id must name a building (楼栋)")
	}
	if in.LeadID == nil {
		return path, nil
	}
	var pkind, lpath string
	err = t.queryRow("SELECT p.kind, n.path FROM party_orgs p JOIN nodes n ON n.id = p.node_id WHERE p.id = ?", *in.LeadID).Scan(&pkind, &lpath)
	if errors.Is(err, sql.ErrNoRows) {
		return "", redgrid.Invalid("lead_id", "exists", "lead_id names no party organisation")
	}
	if err != nil {
		return "", err
	}
	if redgrid.PartyKind(pkind) != redgrid.PartyLeadHousehold {
		return "", redgrid.Invalid("lead_id", "kind", "lead_id must name a lead household (党员中心户)")
	}
	if gridOf(lpath) != gridOf(path) {
		return "", redgrid.Invalid("lead_id", "same_grid", "the lead household must be in the household's grid")
	}
	var n int
	if err := t.queryRow("SELECT COUNT(*) FROM households WHERE lead_id = ? AND id <> ?", *in.LeadID, self).Scan(&n); err != nil {
		return "", err
	}
	if n >= redgrid.MaxLedHouseholds {
		return "", redgrid.Invalid("lead_id", "lead_full", "a lead household looks after at most "+strconv.Itoa(redgrid.MaxLedHouseholds)+" households (一户联十户)")
	}
	return path, nil
}

// gridOf is the path of the grid a path lies in: district/street/community/grid are the first
// four levels of every path below a grid.
func gridOf(path string) string {
	ids := redgrid.PathIDs(path)
	if len(ids) < 4 {
		return path
	}
	return "/" + strings.Join(ids[:4], "/") + "/"
}

// UpdateHousehold changes a household. ifVersion > 0 makes the change conditional
// (KindPreconditionFailed when someone else changed it first).
func (s *Store) UpdateHousehold(ctx context.Context, id int64, p redgrid.HouseholdPatch, ifVersion int) (redgrid.Household, error) {
	err := s.write(ctx, func(t *tx) error {
		h, err := scanHousehold(t.queryRow("SELECT "+householdCols+householdFrom+" WHERE h.id = ?"+s.dialect.forUpdateOf("h"), id))
		if errors.Is(err, sql.ErrNoRows) {
			return redgrid.Errorf(redgrid.KindNotFound, "no household %d", id)
		}
		if err != nil {
			return err
		}
		if ifVersion > 0 && h.Version != ifVersion {
			return redgrid.Errorf(redgrid.KindPreconditionFailed, "household %d was changed by someone else (version %d, yours %d): reload it", id, h.Version, ifVersion)
		}
		in, err := p.Apply(h)
		if err != nil {
			return err
		}
		if _, err := t.householdRefs(in, id); err != nil {
			return err
		}
		if _, err := t.exec(`UPDATE households SET unit = ?, floor = ?, room = ?, occupancy = ?, lead_id = ?, note = ?, version = version + 1, updated_at = ?
			WHERE id = ?`, in.Unit, in.Floor, in.Room, string(in.Occupancy), in.LeadID, in.Note, s.now().UTC(), id); err != nil {
			return roomTaken(err)
		}
		return t.audit("household.update", "household/"+strconv.FormatInt(id, 10), p)
	})
	if err != nil {
		return redgrid.Household{}, err
	}
	return s.Household(ctx, id)
}

// BuildingChart returns a building's households as floors × units.
func (s *Store) BuildingChart(ctx context.Context, buildingID int64) (redgrid.BuildingChart, error) {
	b, err := s.Node(ctx, buildingID)
	if err != nil {
		return redgrid.BuildingChart{}, err
	}
	if b.Kind != redgrid.KindBuilding {
		return redgrid.BuildingChart{}, redgrid.Invalid("id", "kind", "the chart is a building's (楼栋)")
	}
	var units, floors sql.NullInt64
	if err := s.queryRow(ctx, "SELECT units, floors FROM nodes WHERE id = ?", buildingID).Scan(&units, &floors); err != nil {
		return redgrid.BuildingChart{}, err
	}
	hs, err := s.Households(ctx, HouseholdQuery{Path: b.Path, Limit: 1000})
	if err != nil {
		return redgrid.BuildingChart{}, err
	}
	c := redgrid.BuildingChart{Building: b, Units: int(units.Int64), Floors: int(floors.Int64), Lowest: 1, Cells: []redgrid.ChartCell{}}
	type key struct{ floor, unit int }
	at := map[key][]redgrid.Household{}
	for _, h := range hs {
		c.Units, c.Floors, c.Lowest = max(c.Units, h.Unit), max(c.Floors, h.Floor), min(c.Lowest, h.Floor)
		at[key{h.Floor, h.Unit}] = append(at[key{h.Floor, h.Unit}], h)
	}
	for f := c.Floors; f >= c.Lowest; f-- {
		if f == 0 {
			continue
		}
		for u := 1; u <= c.Units; u++ {
			cell := at[key{f, u}]
			if cell == nil {
				cell = []redgrid.Household{}
			}
			c.Cells = append(c.Cells, redgrid.ChartCell{Floor: f, Unit: u, Households: cell})
		}
	}
	return c, nil
}

// HouseholdImport is one row of a household spreadsheet, its building and lead resolved.
type HouseholdImport struct {
	Line int
	In   redgrid.NewHousehold
}

// RowError is a row that could not be written; the import's transaction is rolled back.
type RowError struct {
	Line  int
	Field string
	Err   *redgrid.Error
}

func (e *RowError) Error() string { return "row " + strconv.Itoa(e.Line) + ": " + e.Err.Error() }

// ImportStats counts what an import wrote.
type ImportStats struct {
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
}

// ImportHouseholds writes rows in one transaction: a room not yet recorded in its building and
// unit is created, a recorded one updated (floor, occupancy, lead, note). Any row refused rolls
// everything back and is returned as a *RowError: nothing is half-written.
func (s *Store) ImportHouseholds(ctx context.Context, rows []HouseholdImport) (ImportStats, error) {
	var st ImportStats
	err := s.write(ctx, func(t *tx) error {
		st = ImportStats{}
		for _, r := range rows {
			var id int64
			var h redgrid.Household
			err := t.queryRow("SELECT id, floor, occupancy, lead_id, note FROM households WHERE building_id = ? AND unit = ? AND room = ?",
				r.In.BuildingID, r.In.Unit, r.In.Room).Scan(&id, &h.Floor, &h.Occupancy, &h.LeadID, &h.Note)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				if _, err := t.insertHousehold(r.In); err != nil {
					return rowErr(r.Line, err)
				}
				st.Created++
				continue
			case err != nil:
				return err
			}
			if h.Floor == r.In.Floor && h.Occupancy == r.In.Occupancy && h.Note == r.In.Note && equalID(h.LeadID, r.In.LeadID) {
				st.Unchanged++
				continue
			}
			if _, err := t.householdRefs(r.In, id); err != nil {
				return rowErr(r.Line, err)
			}
			if _, err := t.exec(`UPDATE households SET floor = ?, occupancy = ?, lead_id = ?, note = ?, version = version + 1, updated_at = ? WHERE id = ?`,
				r.In.Floor, string(r.In.Occupancy), r.In.LeadID, r.In.Note, s.now().UTC(), id); err != nil {
				return err
			}
			if err := t.audit("household.update", "household/"+strconv.FormatInt(id, 10),
				map[string]any{"import_row": r.Line, "floor": r.In.Floor, "occupancy": r.In.Occupancy, "lead_id": r.In.LeadID}); err != nil {
				return err
			}
			st.Updated++
		}
		return t.audit("register.import", "households", st)
	})
	return st, err
}

func rowErr(line int, err error) error {
	var re *redgrid.Error
	if errors.As(err, &re) && (re.Kind == redgrid.KindInvalid || re.Kind == redgrid.KindConflict || re.Kind == redgrid.KindUnprocessable) {
		field := ""
		if len(re.Fields) > 0 {
			field = re.Fields[0].Field
		}
		return &RowError{Line: line, Field: field, Err: re}
	}
	return err
}

func equalID(a, b *int64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// LeadHouseholds maps the names of the lead households (党员中心户) led within the grid at
// gridPath to their ids (a name held by two maps to 0: ambiguous), with the households each
// already looks after.
func (s *Store) LeadHouseholds(ctx context.Context, gridPath string) (ids map[string]int64, led map[int64]int, err error) {
	rows, err := s.query(ctx, `SELECT p.id, p.name, (SELECT COUNT(*) FROM households h WHERE h.lead_id = p.id)
		FROM party_orgs p JOIN nodes n ON n.id = p.node_id WHERE p.kind = ? AND n.path >= ? AND n.path < ?`,
		string(redgrid.PartyLeadHousehold), gridPath, rangeEnd(gridPath))
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	ids, led = map[string]int64{}, map[int64]int{}
	for rows.Next() {
		var id int64
		var name string
		var n int
		if err := rows.Scan(&id, &name, &n); err != nil {
			return nil, nil, err
		}
		if _, dup := ids[name]; dup {
			ids[name] = 0
		} else {
			ids[name] = id
		}
		led[id] = n
	}
	return ids, led, rows.Err()
}

// SetBuildingLayout records a building's declared units and floors above ground (its chart
// shows them even before every household is recorded).
func (s *Store) SetBuildingLayout(ctx context.Context, buildingID int64, units, floors int) error {
	var v redgrid.Validator
	v.Check(units >= 1 && units <= redgrid.MaxUnits, "units", "range", "units must be between 1 and 99")
	v.Check(floors >= 1 && floors <= redgrid.MaxFloor, "floors", "range", "floors must be between 1 and 200")
	if err := v.Err(); err != nil {
		return err
	}
	return s.write(ctx, func(t *tx) error {
		res, err := t.exec("UPDATE nodes SET units = ?, floors = ?, version = version + 1, updated_at = ? WHERE id = ? AND kind = 'building'",
			units, floors, s.now().UTC(), buildingID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return redgrid.Invalid("id", "kind", "the layout is a building's (楼栋)")
		}
		return t.audit("building.layout", "node/"+strconv.FormatInt(buildingID, 10), map[string]any{"units": units, "floors": floors})
	})
}
