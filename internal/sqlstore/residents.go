package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/hanzi"
	"github.com/redgrid/redgrid/internal/pii"
)

// Residents: the people of the households (resident.go in the domain). The ID number and the
// phone are sealed (pii.go); their keyed hashes find a resident by exact value and keep an ID
// number from being recorded twice. The name's search keys are rows of resident_keys.

func init() {
	sealedTables = append(sealedTables, sealedTable{"residents", []string{"id_number", "phone"}})
	indexedColumns = append(indexedColumns, indexedColumn{"residents", "id_index", "id_number", "id"},
		indexedColumn{"residents", "phone_index", "phone", "phone"})
}

// CheckedResident is a resident's input checked against the rules that need the calendar: the ID
// number parsed (birth date and gender from it), the phone normalised.
type CheckedResident struct {
	in                redgrid.NewResident
	id                pii.ID
	hasID             bool
	phone             string
	gender, birthDate string
}

// CheckResident checks the ID number (GB 11643: length, format, region, birth date, checksum) and
// the phone (a mainland mobile or landline number) of in; errors name the field and the rule.
func (s *Store) CheckResident(in redgrid.NewResident) (CheckedResident, error) {
	c := CheckedResident{in: in}
	if in.IDNumber != "" {
		id, err := pii.ParseID(in.IDNumber, s.now().In(cst))
		if err != nil {
			var pe *pii.Error
			if errors.As(err, &pe) {
				return c, redgrid.Invalid("id_number", pe.Rule, pe.Message)
			}
			return c, err
		}
		c.id, c.hasID = id, true
		c.gender, c.birthDate = "female", id.Birth.Format(time.DateOnly)
		if id.Male {
			c.gender = "male"
		}
	}
	if in.Phone != "" {
		p, err := pii.ParsePhone(in.Phone)
		if err != nil {
			var pe *pii.Error
			if errors.As(err, &pe) {
				return c, redgrid.Invalid("phone", pe.Rule, pe.Message)
			}
			return c, err
		}
		c.phone = p
	}
	return c, nil
}

const residentCols = `r.id, r.household_id, b.name, h.unit, h.room, r.name, r.initials, r.gender, r.birth_date, r.id_number, r.phone,
	r.relation, r.tags, r.note, r.version, r.path, r.created_at, r.updated_at, COALESCE(r.left_on, '')`

const residentFrom = ` FROM residents r JOIN households h ON h.id = r.household_id JOIN nodes b ON b.id = h.building_id`

// scanResident reads a row, its ID number and phone still sealed.
func scanResident(sc interface{ Scan(...any) error }) (redgrid.Resident, error) {
	var r redgrid.Resident
	var building, room, tags string
	var unit int
	var created, updated timeCol
	err := sc.Scan(&r.ID, &r.HouseholdID, &building, &unit, &room, &r.Name, &r.Initials, &r.Gender, &r.BirthDate, &r.IDNumber, &r.Phone,
		&r.Relation, &tags, &r.Note, &r.Version, &r.Path, &created, &updated, &r.LeftOn)
	r.Address = redgrid.Household{BuildingName: building, Unit: unit, Room: room}.Address()
	r.Tags = []redgrid.CareTag{}
	for _, t := range strings.Split(strings.Trim(tags, ","), ",") {
		if t != "" {
			r.Tags = append(r.Tags, redgrid.CareTag(t))
		}
	}
	r.CreatedAt, r.UpdatedAt = created.t, updated.t
	return r, err
}

// openResident opens the sealed fields of r (in full: the caller masks them).
func (s *Store) openResident(r *redgrid.Resident) error {
	var err error
	if r.IDNumber, err = s.open("residents.id_number", r.IDNumber); err != nil {
		return errors.New("resident " + strconv.FormatInt(r.ID, 10) + ": " + err.Error())
	}
	if r.Phone, err = s.open("residents.phone", r.Phone); err != nil {
		return errors.New("resident " + strconv.FormatInt(r.ID, 10) + ": " + err.Error())
	}
	return nil
}

// Resident returns one resident with the ID number and phone in full (the API masks them).
func (s *Store) Resident(ctx context.Context, id int64) (redgrid.Resident, error) {
	r, err := scanResident(s.queryRow(ctx, "SELECT "+residentCols+residentFrom+" WHERE r.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, redgrid.Errorf(redgrid.KindNotFound, "no resident %d", id)
	}
	if err != nil {
		return r, err
	}
	return r, s.openResident(&r)
}

// CreateResident records a resident in a household. An ID number already recorded is
// KindConflict (id_number, unique). With an Idempotency-Key a retry returns the first record.
func (s *Store) CreateResident(ctx context.Context, c CheckedResident) (redgrid.Resident, bool, error) {
	ring, err := s.sealer(ctx)
	if err != nil {
		return redgrid.Resident{}, false, err
	}
	id, replayed, err := s.create(ctx, "resident", func(t *tx) (int64, error) {
		return t.insertResident(ring, c)
	})
	if err != nil {
		return redgrid.Resident{}, false, err
	}
	r, err := s.Resident(ctx, id)
	return r, replayed, err
}

func (t *tx) insertResident(ring *pii.Keyring, c CheckedResident) (int64, error) {
	in := c.in
	var path string
	err := t.queryRow("SELECT path FROM households WHERE id = ?", in.HouseholdID).Scan(&path)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, redgrid.Invalid("household_id", "exists", "household_id names no household")
	}
	if err != nil {
		return 0, err
	}
	community, err := communityOf(path)
	if err != nil {
		return 0, err
	}
	var idNumber, idIndex, phone, phoneIndex any = "", nil, "", nil
	if c.hasID {
		if taken, err := t.indexTaken(ring, "residents", "id_index", "id", c.id.Number); err != nil || taken {
			return 0, cmp.Or(err, errIDRecorded())
		}
		idNumber, idIndex = ring.Seal("residents.id_number", c.id.Number), ring.IDIndex(c.id.Number)
	}
	if c.phone != "" {
		phone, phoneIndex = ring.Seal("residents.phone", c.phone), ring.PhoneIndex(c.phone)
	}
	_, initials := hanzi.Keys(in.Name)
	now := t.s.now().UTC()
	var id int64
	err = t.queryRow(`INSERT INTO residents (household_id, path, community_id, name, initials, gender, birth_date, id_number, id_index,
		phone, phone_index, relation, tags, note, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		in.HouseholdID, path, community, in.Name, strings.Fields(initials + " ")[0], c.gender, c.birthDate, idNumber, idIndex,
		phone, phoneIndex, string(in.Relation), tagList(in.Tags), in.Note, now, now).Scan(&id)
	if err != nil {
		if isUnique(err) {
			return 0, errIDRecorded()
		}
		return 0, err
	}
	if err := t.residentKeys(id, in.Name, community, path); err != nil {
		return 0, err
	}
	// The audit line names the resident, never the ID number or phone.
	return id, t.audit("resident.create", "resident/"+strconv.FormatInt(id, 10),
		map[string]any{"household": in.HouseholdID, "relation": in.Relation, "tags": in.Tags})
}

func errIDRecorded() error {
	return &redgrid.Error{Kind: redgrid.KindConflict, Message: "that ID number is already recorded",
		Fields: []redgrid.FieldError{{Field: "id_number", Rule: "unique", Message: "that ID number is already recorded"}}}
}

// residentKeys writes the search keys of a name: the name, its full pinyin, each initials variant.
func (t *tx) residentKeys(id int64, name string, community int64, path string) error {
	if _, err := t.exec("DELETE FROM resident_keys WHERE resident_id = ?", id); err != nil {
		return err
	}
	full, initials := hanzi.Keys(name)
	keys := map[string]bool{name: true}
	if full != "" {
		keys[full] = true
	}
	for _, k := range strings.Fields(initials) {
		keys[k] = true
	}
	for k := range keys {
		if _, err := t.exec("INSERT INTO resident_keys (resident_id, key, community_id, path) VALUES (?, ?, ?, ?)", id, k, community, path); err != nil {
			return err
		}
	}
	return nil
}

func tagList(tags []redgrid.CareTag) string {
	if len(tags) == 0 {
		return ""
	}
	out := make([]string, len(tags))
	for i, t := range tags {
		out[i] = string(t)
	}
	return "," + strings.Join(out, ",") + ","
}

// communityOf is the id of the community a path below a community lies in (its third id).
func communityOf(path string) (int64, error) {
	ids := redgrid.PathIDs(path)
	if len(ids) < 3 {
		return 0, redgrid.Invalid("household_id", "kind", "the household is not in a community")
	}
	return strconv.ParseInt(ids[2], 10, 64)
}

// ResidentQuery selects residents of the subtree at Path (whose community is Community when the
// subtree is a community or lies in one): matching Q — a prefix of the name, of its full pinyin
// or of its initials, or an exact ID number or phone — at most Limit.
type ResidentQuery struct {
	Path      string
	Community int64
	Q         string
	Limit     int
}

// Residents lists residents, their ID numbers and phones in full (the API masks them). Without Q
// they come in id order; with Q, in the order of the matching key.
func (s *Store) Residents(ctx context.Context, q ResidentQuery) ([]redgrid.Resident, error) {
	if q.Limit <= 0 || q.Limit > 200 {
		q.Limit = 50
	}
	if q.Path == "" {
		q.Path = "/"
	}
	text := strings.TrimSpace(q.Q)
	var with, where string
	var args []any
	from := residentFrom
	switch {
	case text == "":
		where, args = "r.path >= ? AND r.path < ? AND r.left_on IS NULL ORDER BY r.id", []any{q.Path, rangeEnd(q.Path)}
	case looksLikeNumber(text):
		ring, err := s.sealer(ctx)
		if err != nil {
			return nil, err
		}
		byID, idArgs := anyIndex(ring, "r.id_index", "id", text)
		byPhone, phoneArgs := anyIndex(ring, "r.phone_index", "phone", text)
		where = "(" + byID + " OR " + byPhone + ") AND r.path >= ? AND r.path < ? AND r.left_on IS NULL ORDER BY r.id"
		args = append(append(idArgs, phoneArgs...), q.Path, rangeEnd(q.Path))
	default:
		key := text
		if hanzi.IsKeyQuery(text) {
			key = hanzi.Query(text)
		}
		// The matching residents by key, from the community's index when there is one.
		sub := "SELECT k.resident_id FROM resident_keys k WHERE k.key >= ? AND k.key < ? AND k.path >= ? AND k.path < ?"
		args = []any{key, key + "\U0010FFFF", q.Path, rangeEnd(q.Path)}
		if q.Community > 0 {
			sub = "SELECT k.resident_id FROM resident_keys k WHERE k.community_id = ? AND k.key >= ? AND k.key < ?"
			args = append([]any{q.Community}, args[:2]...)
			if !strings.HasSuffix(q.Path, "/"+strconv.FormatInt(q.Community, 10)+"/") {
				// a part of the community (a grid, a building): its subtree too
				sub += " AND k.path >= ? AND k.path < ?"
				args = append(args, q.Path, rangeEnd(q.Path))
			}
		}
		// The first matches in key order are taken first, on their own (MATERIALIZED), and only
		// they are read and sorted by name.
		with = "WITH m AS MATERIALIZED (" + sub + " ORDER BY k.key LIMIT " + strconv.Itoa(q.Limit*4) + ") "
		from += " JOIN m ON m.resident_id = r.id"
		where = "TRUE ORDER BY r.name, r.id"
	}
	rows, err := s.query(ctx, with+"SELECT "+residentCols+from+" WHERE "+where+" LIMIT "+strconv.Itoa(q.Limit), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []redgrid.Resident{}
	for rows.Next() {
		r, err := scanResident(rows)
		if err != nil {
			return nil, err
		}
		if err := s.openResident(&r); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// looksLikeNumber reports whether q is an ID number or phone typed in full (digits, X, spaces,
// hyphens, +): searched by its keyed hash, never by prefix.
func looksLikeNumber(q string) bool {
	n := 0
	for _, r := range q {
		switch {
		case r >= '0' && r <= '9':
			n++
		case r == 'x' || r == 'X' || r == ' ' || r == '-' || r == '+':
		default:
			return false
		}
	}
	return n >= 7
}

// ResidentPath is the path of a resident's building (for the caller's scope check).
func (s *Store) ResidentPath(ctx context.Context, id int64) (string, error) {
	var path string
	err := s.queryRow(ctx, "SELECT path FROM residents WHERE id = ?", id).Scan(&path)
	if errors.Is(err, sql.ErrNoRows) {
		return "", redgrid.Errorf(redgrid.KindNotFound, "no resident %d", id)
	}
	return path, err
}

// ResidentImport is one row of a resident spreadsheet, its household resolved.
type ResidentImport struct {
	Line int
	In   CheckedResident
}

// ImportResidents writes rows in one transaction: a resident is matched by the ID number (or,
// without one, by name in the household) and updated — moved to the household given, phone,
// relation, tags and note — or created. Any row refused rolls everything back and is returned
// as a *RowError.
func (s *Store) ImportResidents(ctx context.Context, rows []ResidentImport) (ImportStats, error) {
	ring, err := s.sealer(ctx)
	if err != nil {
		return ImportStats{}, err
	}
	var st ImportStats
	err = s.write(ctx, func(t *tx) error {
		st = ImportStats{}
		for _, r := range rows {
			c := r.In
			var id int64
			var err error
			if c.hasID {
				cond, args := anyIndex(ring, "id_index", "id", c.id.Number)
				err = t.queryRow("SELECT id FROM residents WHERE "+cond, args...).Scan(&id)
			} else {
				err = t.queryRow("SELECT id FROM residents WHERE household_id = ? AND name = ? AND id_index IS NULL", c.in.HouseholdID, c.in.Name).Scan(&id)
			}
			if errors.Is(err, sql.ErrNoRows) {
				if _, err := t.insertResident(ring, c); err != nil {
					return rowErr(r.Line, err)
				}
				st.Created++
				continue
			}
			if err != nil {
				return err
			}
			changed, err := t.updateResident(ring, id, c)
			if err != nil {
				return rowErr(r.Line, err)
			}
			if changed {
				st.Updated++
			} else {
				st.Unchanged++
			}
		}
		return t.audit("register.import", "residents", st)
	})
	return st, err
}

// updateResident sets a recorded resident's household, name, phone, relation, tags and note;
// it reports whether anything changed.
func (t *tx) updateResident(ring *pii.Keyring, id int64, c CheckedResident) (bool, error) {
	var household int64
	var name, phone, relation, tags, note string
	if err := t.queryRow("SELECT household_id, name, phone, relation, tags, note FROM residents WHERE id = ?", id).
		Scan(&household, &name, &phone, &relation, &tags, &note); err != nil {
		return false, err
	}
	oldPhone, err := t.s.open("residents.phone", phone)
	if err != nil {
		return false, err
	}
	in := c.in
	if household == in.HouseholdID && name == in.Name && oldPhone == c.phone && relation == string(in.Relation) &&
		tags == tagList(in.Tags) && note == in.Note {
		return false, nil
	}
	var path string
	if err := t.queryRow("SELECT path FROM households WHERE id = ?", in.HouseholdID).Scan(&path); err != nil {
		return false, err
	}
	community, err := communityOf(path)
	if err != nil {
		return false, err
	}
	var sealed, index any = "", nil
	if c.phone != "" {
		sealed, index = ring.Seal("residents.phone", c.phone), ring.PhoneIndex(c.phone)
	}
	_, initials := hanzi.Keys(in.Name)
	if _, err := t.exec(`UPDATE residents SET household_id = ?, path = ?, community_id = ?, name = ?, initials = ?, phone = ?, phone_index = ?,
		relation = ?, tags = ?, note = ?, left_on = NULL, version = version + 1, updated_at = ? WHERE id = ?`,
		in.HouseholdID, path, community, in.Name, strings.Fields(initials + " ")[0], sealed, index, string(in.Relation), tagList(in.Tags), in.Note,
		t.s.now().UTC(), id); err != nil {
		return false, err
	}
	if err := t.residentKeys(id, in.Name, community, path); err != nil {
		return false, err
	}
	return true, t.audit("resident.update", "resident/"+strconv.FormatInt(id, 10),
		map[string]any{"household": in.HouseholdID, "relation": in.Relation, "tags": in.Tags})
}

// HouseholdByRoom finds the household at a room of a unit of a building. KindNotFound when none.
func (s *Store) HouseholdByRoom(ctx context.Context, buildingID int64, unit int, room string) (int64, string, error) {
	var id int64
	var path string
	err := s.queryRow(ctx, "SELECT id, path FROM households WHERE building_id = ? AND unit = ? AND room = ?", buildingID, unit, room).Scan(&id, &path)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", redgrid.Errorf(redgrid.KindNotFound, "no such household")
	}
	return id, path, err
}

// ResidentRow is a resident with the household's place, for exports.
type ResidentRow struct {
	Resident     redgrid.Resident
	BuildingCode string
	Unit         int
	Room         string
}

// ResidentsForExport lists every resident of the subtree at path, in id order, opened.
func (s *Store) ResidentsForExport(ctx context.Context, path string) ([]ResidentRow, error) {
	rows, err := s.query(ctx, "SELECT "+residentCols+", b.code"+residentFrom+" WHERE r.path >= ? AND r.path < ? AND r.left_on IS NULL ORDER BY r.id", path, rangeEnd(path))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ResidentRow
	for rows.Next() {
		var x ResidentRow
		var building, room, tags string
		var unit int
		var created, updated timeCol
		r := &x.Resident
		if err := rows.Scan(&r.ID, &r.HouseholdID, &building, &unit, &room, &r.Name, &r.Initials, &r.Gender, &r.BirthDate, &r.IDNumber, &r.Phone,
			&r.Relation, &tags, &r.Note, &r.Version, &r.Path, &created, &updated, &r.LeftOn, &x.BuildingCode); err != nil {
			return nil, err
		}
		for _, t := range strings.Split(strings.Trim(tags, ","), ",") {
			if t != "" {
				r.Tags = append(r.Tags, redgrid.CareTag(t))
			}
		}
		x.Unit, x.Room = unit, room
		if err := s.openResident(r); err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// UpdateResident changes a resident (c is the whole record after the change, checked). ifVersion
// > 0 makes the change conditional (KindPreconditionFailed when someone else changed it first).
func (s *Store) UpdateResident(ctx context.Context, id int64, c CheckedResident, ifVersion int) (redgrid.Resident, error) {
	ring, err := s.sealer(ctx)
	if err != nil {
		return redgrid.Resident{}, err
	}
	err = s.write(ctx, func(t *tx) error {
		var version int
		var left sql.NullString
		err := t.queryRow("SELECT version, left_on FROM residents WHERE id = ?"+s.dialect.forUpdate(), id).Scan(&version, &left)
		if errors.Is(err, sql.ErrNoRows) {
			return redgrid.Errorf(redgrid.KindNotFound, "no resident %d", id)
		}
		if err != nil {
			return err
		}
		if left.Valid {
			return redgrid.Errorf(redgrid.KindConflict, "resident %d left the register on %s (an import of the person records them again)", id, left.String)
		}
		if ifVersion > 0 && version != ifVersion {
			return redgrid.Errorf(redgrid.KindPreconditionFailed, "resident %d was changed by someone else (version %d, yours %d): reload it", id, version, ifVersion)
		}
		var n int
		if err := t.queryRow("SELECT COUNT(*) FROM households WHERE id = ?", c.in.HouseholdID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return redgrid.Invalid("household_id", "exists", "household_id names no household")
		}
		_, err = t.updateResident(ring, id, c)
		return err
	})
	if err != nil {
		return redgrid.Resident{}, err
	}
	return s.Resident(ctx, id)
}
