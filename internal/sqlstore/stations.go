package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"

	"github.com/redgrid/redgrid"
)

// Volunteer service stations and kiosks (volunteer.go in the domain). Subtrees are read through
// the path of the station's node in nodes, so a moved grid takes its stations along.

const stationCols = `s.id, s.node_id, n.name, n.kind, s.name, s.kind, s.address, s.hours, s.contact,
	(SELECT COUNT(*) FROM volunteers v WHERE v.left_on IS NULL AND (v.station_id = s.id
		OR v.team_id IN (SELECT x.team_id FROM volunteer_station_teams x WHERE x.station_id = s.id))),
	s.version, n.path, s.created_at, s.updated_at`

const stationFrom = ` FROM volunteer_stations s JOIN nodes n ON n.id = s.node_id`

func scanStation(sc scanner) (redgrid.Station, error) {
	var st redgrid.Station
	var created, updated timeCol
	err := sc.Scan(&st.ID, &st.NodeID, &st.NodeName, &st.NodeKind, &st.Name, &st.Kind, &st.Address, &st.Hours, &st.Contact, &st.Volunteers,
		&st.Version, &st.Path, &created, &updated)
	st.CreatedAt, st.UpdatedAt, st.KindLabel, st.Teams = created.t, updated.t, st.Kind.Label(), []redgrid.StationTeam{}
	return st, err
}

// stations lists the stations matching where, each with its teams.
func (s *Store) stations(ctx context.Context, where string, args ...any) ([]redgrid.Station, error) {
	out, err := queryAll(ctx, s, scanStation, "SELECT "+stationCols+stationFrom+" WHERE "+where+" ORDER BY n.path, s.id LIMIT 1000", args...)
	if err != nil || len(out) == 0 {
		return out, err
	}
	at := map[int64]int{}
	for i, st := range out {
		at[st.ID] = i
	}
	type link struct {
		station int64
		team    redgrid.StationTeam
	}
	links, err := queryAll(ctx, s, func(sc scanner) (link, error) {
		var l link
		return l, sc.Scan(&l.station, &l.team.ID, &l.team.Name)
	}, `SELECT x.station_id, o.id, o.name FROM volunteer_station_teams x JOIN orgs o ON o.id = x.team_id
		WHERE x.station_id IN (SELECT s.id`+stationFrom+` WHERE `+where+`) ORDER BY x.station_id, o.id`, args...)
	if err != nil {
		return nil, err
	}
	for _, l := range links {
		if i, ok := at[l.station]; ok {
			out[i].Teams = append(out[i].Teams, l.team)
		}
	}
	return out, nil
}

// Station returns one station. KindNotFound when there is none.
func (s *Store) Station(ctx context.Context, id int64) (redgrid.Station, error) {
	list, err := s.stations(ctx, "s.id = ?", id)
	if err != nil {
		return redgrid.Station{}, err
	}
	if len(list) == 0 {
		return redgrid.Station{}, redgrid.Errorf(redgrid.KindNotFound, "no volunteer station %d", id)
	}
	return list[0], nil
}

// Stations lists the stations at the nodes of the subtree at path, with their teams and their
// volunteer counts.
func (s *Store) Stations(ctx context.Context, path string) ([]redgrid.Station, error) {
	return s.stations(ctx, "n.path >= ? AND n.path < ?", path, rangeEnd(path))
}

// stationNode checks the node of a station: a community or a grid (KindInvalid node_id).
func (t *tx) stationNode(id int64) error {
	var kind string
	err := t.queryRow("SELECT kind FROM nodes WHERE id = ?", id).Scan(&kind)
	if errors.Is(err, sql.ErrNoRows) {
		return redgrid.Invalid("node_id", "exists", "node_id names no node")
	}
	if err == nil && redgrid.NodeKind(kind) != redgrid.KindCommunity && redgrid.NodeKind(kind) != redgrid.KindGrid {
		return redgrid.Invalid("node_id", "kind", "a station is at a community or a grid")
	}
	return err
}

// CreateStation records a station (in is validated). With an Idempotency-Key a retry returns
// the first station.
func (s *Store) CreateStation(ctx context.Context, in redgrid.NewStation) (redgrid.Station, bool, error) {
	id, replayed, err := s.create(ctx, "volunteer_station", func(t *tx) (int64, error) {
		if err := t.stationNode(in.NodeID); err != nil {
			return 0, err
		}
		now := s.now().UTC()
		var id int64
		if err := t.queryRow(`INSERT INTO volunteer_stations (node_id, name, kind, address, hours, contact, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, in.NodeID, in.Name, string(in.Kind), in.Address, in.Hours, in.Contact, now, now).Scan(&id); err != nil {
			return 0, err
		}
		return id, t.audit("station.create", "station/"+strconv.FormatInt(id, 10), map[string]any{"node": in.NodeID, "kind": in.Kind})
	})
	if err != nil {
		return redgrid.Station{}, false, err
	}
	st, err := s.Station(ctx, id)
	return st, replayed, err
}

// lockStation reads station id for a change: KindNotFound, or KindPreconditionFailed when
// ifVersion > 0 is not its version.
func (t *tx) lockStation(id int64, ifVersion int) (redgrid.Station, error) {
	st, err := scanStation(t.queryRow("SELECT "+stationCols+stationFrom+" WHERE s.id = ?"+t.s.dialect.forUpdateOf("s"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return st, redgrid.Errorf(redgrid.KindNotFound, "no volunteer station %d", id)
	}
	if err != nil {
		return st, err
	}
	if ifVersion > 0 && st.Version != ifVersion {
		return st, redgrid.Errorf(redgrid.KindPreconditionFailed, "station %d was changed by someone else (version %d, yours %d): reload it", id, st.Version, ifVersion)
	}
	return st, nil
}

// UpdateStation changes a station's name, kind, address, hours or contact. ifVersion > 0 makes
// the change conditional (KindPreconditionFailed when someone else changed it first).
func (s *Store) UpdateStation(ctx context.Context, id int64, patch redgrid.StationPatch, ifVersion int) (redgrid.Station, error) {
	err := s.write(ctx, func(t *tx) error {
		cur, err := t.lockStation(id, ifVersion)
		if err != nil {
			return err
		}
		in, err := patch.Apply(cur)
		if err != nil {
			return err
		}
		var changed []string
		for _, c := range []struct {
			field string
			same  bool
		}{{"name", in.Name == cur.Name}, {"kind", in.Kind == cur.Kind}, {"address", in.Address == cur.Address}, {"hours", in.Hours == cur.Hours},
			{"contact", in.Contact == cur.Contact}} {
			if !c.same {
				changed = append(changed, c.field)
			}
		}
		if len(changed) == 0 {
			return nil
		}
		if _, err := t.exec("UPDATE volunteer_stations SET name = ?, kind = ?, address = ?, hours = ?, contact = ?, version = version + 1, updated_at = ? WHERE id = ?",
			in.Name, string(in.Kind), in.Address, in.Hours, in.Contact, s.now().UTC(), id); err != nil {
			return err
		}
		return t.audit("station.update", "station/"+strconv.FormatInt(id, 10), map[string]any{"fields": changed, "version": cur.Version + 1})
	})
	if err != nil {
		return redgrid.Station{}, err
	}
	return s.Station(ctx, id)
}

// SetStationTeams replaces the volunteer teams attached to a station (in is validated): each
// must be a volunteer team (KindInvalid team_ids, kind). ifVersion as for UpdateStation.
func (s *Store) SetStationTeams(ctx context.Context, id int64, in redgrid.StationTeams, ifVersion int) (redgrid.Station, error) {
	err := s.write(ctx, func(t *tx) error {
		cur, err := t.lockStation(id, ifVersion)
		if err != nil {
			return err
		}
		for _, team := range in.TeamIDs {
			var kind string
			err := t.queryRow("SELECT kind FROM orgs WHERE id = ?", team).Scan(&kind)
			if errors.Is(err, sql.ErrNoRows) || err == nil && redgrid.OrgKind(kind) != redgrid.OrgVolunteerTeam {
				return redgrid.Invalid("team_ids", "kind", "team_ids must name volunteer teams (志愿服务队); "+strconv.FormatInt(team, 10)+" does not")
			}
			if err != nil {
				return err
			}
		}
		if _, err := t.exec("DELETE FROM volunteer_station_teams WHERE station_id = ?", id); err != nil {
			return err
		}
		for _, team := range in.TeamIDs {
			if _, err := t.exec("INSERT INTO volunteer_station_teams (station_id, team_id) VALUES (?, ?)", id, team); err != nil {
				return err
			}
		}
		if _, err := t.exec("UPDATE volunteer_stations SET version = version + 1, updated_at = ? WHERE id = ?", s.now().UTC(), id); err != nil {
			return err
		}
		return t.audit("station.teams", "station/"+strconv.FormatInt(id, 10), map[string]any{"teams": in.TeamIDs, "version": cur.Version + 1})
	})
	if err != nil {
		return redgrid.Station{}, err
	}
	return s.Station(ctx, id)
}

// stationServes reports whether a volunteer at volunteerPath may be attached to, or record
// service at, a station at stationPath: the station lies in the volunteer's community (or, for
// a volunteer registered above the communities, in the volunteer's node).
func stationServes(volunteerPath, stationPath string) bool {
	home := volunteerPath
	if len(redgrid.PathIDs(volunteerPath)) > 3 {
		home = communityPath(volunteerPath)
	}
	return redgrid.IsWithin(stationPath, home)
}

// SetVolunteerStation attaches a volunteer to a station in their community, or detaches them
// (nil). A station elsewhere is KindInvalid (station_id, same_community), an unknown one
// KindInvalid (station_id, exists); a volunteer who deregistered KindConflict; ifVersion > 0
// not the volunteer's version KindPreconditionFailed.
func (s *Store) SetVolunteerStation(ctx context.Context, volunteerID int64, stationID *int64, ifVersion int) (redgrid.Volunteer, error) {
	err := s.write(ctx, func(t *tx) error {
		var path string
		var version int
		var left sql.NullString
		err := t.queryRow("SELECT path, version, left_on FROM volunteers WHERE id = ?"+s.dialect.forUpdate(), volunteerID).Scan(&path, &version, &left)
		if errors.Is(err, sql.ErrNoRows) {
			return redgrid.Errorf(redgrid.KindNotFound, "no volunteer %d", volunteerID)
		}
		if err != nil {
			return err
		}
		if left.Valid {
			return redgrid.Errorf(redgrid.KindConflict, "volunteer %d deregistered on %s", volunteerID, left.String)
		}
		if ifVersion > 0 && version != ifVersion {
			return redgrid.Errorf(redgrid.KindPreconditionFailed, "volunteer %d was changed by someone else (version %d, yours %d): reload it", volunteerID, version, ifVersion)
		}
		if stationID != nil {
			spath, err := t.stationPath(*stationID)
			if err != nil {
				return err
			}
			if !stationServes(path, spath) {
				return redgrid.Invalid("station_id", "same_community", "a volunteer is attached to a station of their own community")
			}
		}
		if _, err := t.exec("UPDATE volunteers SET station_id = ?, version = version + 1 WHERE id = ?", stationID, volunteerID); err != nil {
			return err
		}
		return t.audit("volunteer.station", "volunteer/"+strconv.FormatInt(volunteerID, 10), map[string]any{"station": stationID, "version": version + 1})
	})
	if err != nil {
		return redgrid.Volunteer{}, err
	}
	return s.Volunteer(ctx, volunteerID)
}

// stationPath is the path of a station's node; an unknown station is KindInvalid (station_id,
// exists).
func (t *tx) stationPath(id int64) (string, error) {
	var path string
	err := t.queryRow("SELECT n.path"+stationFrom+" WHERE s.id = ?", id).Scan(&path)
	if errors.Is(err, sql.ErrNoRows) {
		return "", redgrid.Invalid("station_id", "exists", "station_id names no volunteer station")
	}
	return path, err
}

// StationPath is the path of a station's node (for the caller's scope check).
func (s *Store) StationPath(ctx context.Context, id int64) (string, error) {
	var path string
	err := s.queryRow(ctx, "SELECT n.path"+stationFrom+" WHERE s.id = ?", id).Scan(&path)
	if errors.Is(err, sql.ErrNoRows) {
		return "", redgrid.Errorf(redgrid.KindNotFound, "no volunteer station %d", id)
	}
	return path, err
}

// StationGaps lists the communities of the subtree at path with no station, neither at the
// community nor at any of its grids.
func (s *Store) StationGaps(ctx context.Context, path string) ([]redgrid.StationGap, error) {
	communities, err := s.nodes(ctx, "SELECT "+nodeCols+" FROM nodes n WHERE n.path >= ? AND n.path < ? AND n.kind = 'community' ORDER BY n.path",
		path, rangeEnd(path))
	if err != nil {
		return nil, err
	}
	paths, err := queryAll(ctx, s, func(sc scanner) (string, error) {
		var p string
		return p, sc.Scan(&p)
	}, "SELECT n.path"+stationFrom+" WHERE n.path >= ? AND n.path < ?", path, rangeEnd(path))
	if err != nil {
		return nil, err
	}
	served := map[string]bool{}
	for _, p := range paths {
		served[communityPath(p)] = true
	}
	out := []redgrid.StationGap{}
	for _, c := range communities {
		if !served[c.Path] {
			out = append(out, redgrid.StationGap{CommunityID: c.ID, CommunityName: c.Name, CommunityCode: c.Code})
		}
	}
	return out, nil
}
