package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"github.com/redgrid/redgrid/internal/hanzi"
	"strconv"
	"strings"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/pii"
)

// Volunteers and their service records (volunteer.go in the domain).

func init() {
	sealedTables = append(sealedTables, sealedTable{"volunteers", []string{"id_number", "phone"}})
	indexedColumns = append(indexedColumns, indexedColumn{"volunteers", "id_index", "id_number", "id"})
}

const volunteerCols = `v.id, v.number, v.name, v.phone, v.node_id, n.name, v.team_id, COALESCE(o.name, ''), v.colours, v.registered_on,
	(SELECT COALESCE(SUM(r.hours), 0) FROM volunteer_records r WHERE r.volunteer_id = v.id AND r.kind = 'service'), v.version, v.path, v.created_at,
	COALESCE(v.left_on, ''), v.station_id, COALESCE(st.name, '')`

const volunteerFrom = ` FROM volunteers v JOIN nodes n ON n.id = v.node_id LEFT JOIN orgs o ON o.id = v.team_id
	LEFT JOIN volunteer_stations st ON st.id = v.station_id`

// volunteerScan scans the columns of volunteerCols, then more, into v (the phone still sealed).
func volunteerScan(sc scanner, v *redgrid.Volunteer, more ...any) error {
	var colours string
	var created timeCol
	if err := sc.Scan(append([]any{&v.ID, &v.Number, &v.Name, &v.Phone, &v.NodeID, &v.NodeName, &v.TeamID, &v.TeamName, &colours, &v.RegisteredOn,
		&v.Hours, &v.Version, &v.Path, &created, &v.LeftOn, &v.StationID, &v.StationName}, more...)...); err != nil {
		return err
	}
	v.CreatedAt = created.t
	v.Colours = []redgrid.Colour{}
	for _, c := range strings.Split(colours, ",") {
		if c != "" {
			v.Colours = append(v.Colours, redgrid.Colour(c))
		}
	}
	return nil
}

// scanVolunteer reads a volunteer with the phone masked.
func (s *Store) scanVolunteer(sc scanner) (redgrid.Volunteer, error) {
	v, err := s.scanVolunteerPlain(sc)
	if err == nil && v.Phone != "" {
		v.Phone = pii.MaskPhone(v.Phone)
	}
	return v, err
}

// scanVolunteerPlain is scanVolunteer with the phone in the clear (for an export, which masks
// it unless asked not to); columns after volunteerCols go to extra.
func (s *Store) scanVolunteerPlain(sc scanner, extra ...any) (redgrid.Volunteer, error) {
	var v redgrid.Volunteer
	if err := volunteerScan(sc, &v, extra...); err != nil {
		return v, err
	}
	phone, err := s.open("volunteers.phone", v.Phone)
	if err != nil {
		return v, errors.New("volunteer " + strconv.FormatInt(v.ID, 10) + ": " + err.Error())
	}
	v.Phone = phone
	return v, nil
}

// RegisterVolunteer registers a volunteer and gives the unified number ZY + the district's code +
// an 8-digit sequence. One registration per person: an ID number already registered is
// KindConflict (id_number, unique). With an Idempotency-Key a retry returns the first record.
func (s *Store) RegisterVolunteer(ctx context.Context, in redgrid.NewVolunteer) (redgrid.Volunteer, bool, error) {
	id, err := pii.ParseID(in.IDNumber, s.now().In(cst))
	if err != nil {
		var pe *pii.Error
		if errors.As(err, &pe) {
			return redgrid.Volunteer{}, false, redgrid.Invalid("id_number", pe.Rule, pe.Message)
		}
		return redgrid.Volunteer{}, false, err
	}
	phone := ""
	if in.Phone != "" {
		if phone, err = pii.ParsePhone(in.Phone); err != nil {
			return redgrid.Volunteer{}, false, redgrid.Invalid("phone", "format", "not a mainland mobile or landline number")
		}
	}
	ring, err := s.sealer(ctx)
	if err != nil {
		return redgrid.Volunteer{}, false, err
	}
	vid, replayed, err := s.create(ctx, "volunteer", func(t *tx) (int64, error) {
		return t.insertVolunteer(ring, in, id.Number, phone)
	})
	if err != nil {
		return redgrid.Volunteer{}, false, err
	}
	v, err := s.Volunteer(ctx, vid)
	return v, replayed, err
}

func errVolunteerRegistered() error {
	return &redgrid.Error{Kind: redgrid.KindConflict, Message: "that person is registered already",
		Fields: []redgrid.FieldError{{Field: "id_number", Rule: "unique", Message: "that ID number is registered already"}}}
}

// insertVolunteer registers a volunteer whose ID number (idNumber, checked) and phone
// (normalised, or "") are given in the clear: both are sealed, the ID number's keyed hash keeps
// one registration per person under every index key (KindConflict id_number unique), and the unified number is ZY + the
// district's code + the id in 8 digits.
func (t *tx) insertVolunteer(ring *pii.Keyring, in redgrid.NewVolunteer, idNumber, phone string) (int64, error) {
	if taken, err := t.indexTaken(ring, "volunteers", "id_index", "id", idNumber); err != nil || taken {
		return 0, cmp.Or(err, errVolunteerRegistered())
	}
	idIndex := ring.IDIndex(idNumber)
	var path, kind string
	err := t.queryRow("SELECT path, kind FROM nodes WHERE id = ?", in.NodeID).Scan(&path, &kind)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, redgrid.Invalid("node_id", "exists", "node_id names no node")
	}
	if err != nil {
		return 0, err
	}
	if in.TeamID != nil {
		var okind string
		err := t.queryRow("SELECT kind FROM orgs WHERE id = ?", *in.TeamID).Scan(&okind)
		if errors.Is(err, sql.ErrNoRows) || err == nil && redgrid.OrgKind(okind) != redgrid.OrgVolunteerTeam {
			return 0, redgrid.Invalid("team_id", "kind", "team_id must name a volunteer team (志愿服务队)")
		}
		if err != nil {
			return 0, err
		}
	}
	var district string
	if err := t.queryRow("SELECT code FROM nodes WHERE id = ?", redgrid.PathIDs(path)[0]).Scan(&district); err != nil {
		return 0, err
	}
	cols := make([]string, len(in.Colours))
	for i, c := range in.Colours {
		cols[i] = string(c)
	}
	var vid int64
	full, ini := hanzi.Keys(in.Name)
	err = t.queryRow(`INSERT INTO volunteers (number, node_id, path, name, pinyin, initials, id_number, id_index, phone, team_id, colours, registered_on, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, "new:"+idIndex, in.NodeID, path, in.Name, full, ini, ring.Seal("volunteers.id_number", idNumber),
		idIndex, sealOrEmpty(ring, "volunteers.phone", phone), in.TeamID, strings.Join(cols, ","), t.s.today(), t.s.now().UTC()).Scan(&vid)
	if err != nil {
		if isUnique(err) {
			return 0, errVolunteerRegistered()
		}
		return 0, err
	}
	if _, err := t.exec("UPDATE volunteers SET number = ? WHERE id = ?", fmt.Sprintf("ZY%s%08d", district, vid), vid); err != nil {
		return 0, err
	}
	return vid, t.audit("volunteer.register", "volunteer/"+strconv.FormatInt(vid, 10), map[string]any{"node": in.NodeID, "colours": in.Colours})
}

func sealOrEmpty(r *pii.Keyring, column, v string) string {
	if v == "" {
		return ""
	}
	return r.Seal(column, v)
}

// Volunteer returns one volunteer. KindNotFound when there is none.
func (s *Store) Volunteer(ctx context.Context, id int64) (redgrid.Volunteer, error) {
	v, err := s.scanVolunteer(s.queryRow(ctx, "SELECT "+volunteerCols+volunteerFrom+" WHERE v.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return v, redgrid.Errorf(redgrid.KindNotFound, "no volunteer %d", id)
	}
	return v, err
}

// VolunteerQuery selects volunteers: those registered in the subtree at Path (all when empty),
// of one colour when Colour is set, whose name or unified number contains Q or whose name's
// pinyin or pinyin initials begin with it; at most Limit (200 unless 1–1000).
type VolunteerQuery struct {
	Path   string
	Colour redgrid.Colour
	Q      string
	Limit  int
}

// Volunteers lists the volunteers who have not left, by number.
func (s *Store) Volunteers(ctx context.Context, vq VolunteerQuery) ([]redgrid.Volunteer, error) {
	if vq.Limit <= 0 || vq.Limit > 1000 {
		vq.Limit = 200
	}
	if vq.Path == "" {
		vq.Path = "/"
	}
	q := "SELECT " + volunteerCols + volunteerFrom + " WHERE v.path >= ? AND v.path < ? AND v.left_on IS NULL"
	args := []any{vq.Path, rangeEnd(vq.Path)}
	if vq.Colour != "" {
		q += " AND (',' || v.colours || ',') LIKE ?"
		args = append(args, "%,"+string(vq.Colour)+",%")
	}
	if t := hanzi.Query(vq.Q); t != "" {
		cond, cargs := searchWhere("v", t)
		q += " AND (" + cond + " OR LOWER(v.number) LIKE ? ESCAPE '\\')"
		args = append(append(args, cargs...), "%"+likeEscape(t)+"%")
	}
	rows, err := s.query(ctx, q+" ORDER BY v.number LIMIT "+strconv.Itoa(vq.Limit), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []redgrid.Volunteer{}
	for rows.Next() {
		v, err := s.scanVolunteer(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// AddServiceRecord adds a line to a volunteer's record, naming who recorded it.
func (s *Store) AddServiceRecord(ctx context.Context, volunteerID int64, in redgrid.NewServiceRecord) (redgrid.ServiceRecord, error) {
	actor := redgrid.ActorFrom(ctx)
	_, by := actorCols(actor)
	var rid int64
	var station string
	err := s.write(ctx, func(t *tx) error {
		if in.StationID != nil {
			if _, err := t.stationPath(*in.StationID); err != nil {
				return err
			}
			if err := t.queryRow("SELECT name FROM volunteer_stations WHERE id = ?", *in.StationID).Scan(&station); err != nil {
				return err
			}
		}
		err := t.queryRow(`INSERT INTO volunteer_records (volunteer_id, kind, done_on, hours, content, station_id, recorded_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, volunteerID, string(in.Kind), in.On, in.Hours, in.Content, in.StationID, by, s.now().UTC()).Scan(&rid)
		if err != nil {
			return err
		}
		return t.audit("volunteer.record", "volunteer/"+strconv.FormatInt(volunteerID, 10),
			map[string]any{"kind": in.Kind, "on": in.On, "hours": in.Hours, "station": in.StationID})
	})
	if err != nil {
		return redgrid.ServiceRecord{}, err
	}
	return redgrid.ServiceRecord{ID: rid, VolunteerID: volunteerID, Kind: in.Kind, On: in.On, Hours: in.Hours, Content: in.Content,
		StationID: in.StationID, StationName: station, RecordedBy: by, CreatedAt: s.now().UTC()}, nil
}

// ServiceRecords returns a volunteer's record, the latest first.
func (s *Store) ServiceRecords(ctx context.Context, volunteerID int64) ([]redgrid.ServiceRecord, error) {
	rows, err := s.query(ctx, `SELECT r.id, r.volunteer_id, r.kind, r.done_on, r.hours, r.content, r.station_id, COALESCE(st.name, ''), r.recorded_by, r.created_at
		FROM volunteer_records r LEFT JOIN volunteer_stations st ON st.id = r.station_id
		WHERE r.volunteer_id = ? ORDER BY r.done_on DESC, r.id DESC LIMIT 1000`, volunteerID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []redgrid.ServiceRecord{}
	for rows.Next() {
		var r redgrid.ServiceRecord
		var created timeCol
		if err := rows.Scan(&r.ID, &r.VolunteerID, &r.Kind, &r.On, &r.Hours, &r.Content, &r.StationID, &r.StationName, &r.RecordedBy, &created); err != nil {
			return nil, err
		}
		r.CreatedAt = created.t
		out = append(out, r)
	}
	return out, rows.Err()
}

// VolunteerPath is the path of a volunteer's node (for the caller's scope check).
func (s *Store) VolunteerPath(ctx context.Context, id int64) (string, error) {
	var path string
	err := s.queryRow(ctx, "SELECT path FROM volunteers WHERE id = ?", id).Scan(&path)
	if errors.Is(err, sql.ErrNoRows) {
		return "", redgrid.Errorf(redgrid.KindNotFound, "no volunteer %d", id)
	}
	return path, err
}
