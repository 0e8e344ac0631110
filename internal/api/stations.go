package api

import (
	"context"
	"net/http"
	"strconv"

	"github.com/redgrid/redgrid"
)

// Volunteer service stations and kiosks: read by whoever reads the registers of the node;
// recorded, changed and given their teams by whoever keeps the registers there (canRegisterAt,
// as volunteers are); a volunteer is attached to a station of their community by whoever keeps
// the volunteer's register.

// registerList answers GET ?node=ID with what fn gives for the node's subtree (the caller must
// read the registers there).
func registerList[T any](s *Server, fn func(ctx context.Context, path string) ([]T, error)) authedFunc {
	return func(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
		n, err := s.registerNode(r, p)
		if err != nil {
			return err
		}
		out, err := fn(r.Context(), n.Path)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, list[T]{out})
	}
}

func (s *Server) createStation(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	var in redgrid.NewStation
	ctx, err := s.decodeCreate(r, &in)
	if err != nil {
		return err
	}
	if err := in.Validate(); err != nil {
		return err
	}
	if _, err := s.registerTarget(r, p, in.NodeID, "volunteer stations of "); err != nil {
		return err
	}
	st, replayed, err := s.store.CreateStation(ctx, in)
	if err != nil {
		return err
	}
	setETag(w, st.Version)
	return created(w, "/api/v1/volunteer-stations/"+strconv.FormatInt(st.ID, 10), replayed, st)
}

func (s *Server) getStation(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	st, err := s.store.Station(r.Context(), id)
	if err != nil {
		return err
	}
	if !p.Can(redgrid.ActReadRegister, st.Path) {
		return forbidden("volunteer station " + strconv.FormatInt(id, 10))
	}
	setETag(w, st.Version)
	return writeJSON(w, http.StatusOK, st)
}

// writableStation checks that the caller keeps the registers where station id is.
func (s *Server) writableStation(r *http.Request, p *redgrid.Principal, id int64) error {
	path, err := s.store.StationPath(r.Context(), id)
	if err != nil {
		return err
	}
	if !canRegisterAt(p, path) {
		return forbidden("changing volunteer station " + strconv.FormatInt(id, 10))
	}
	return nil
}

func (s *Server) patchStation(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	id, version, in, err := readPatch[redgrid.StationPatch](s, r)
	if err != nil {
		return err
	}
	if err := s.writableStation(r, p, id); err != nil {
		return err
	}
	st, err := s.store.UpdateStation(r.Context(), id, in, version)
	if err != nil {
		return err
	}
	setETag(w, st.Version)
	return writeJSON(w, http.StatusOK, st)
}

// putStationTeams replaces the teams attached to a station (If-Match: the station's version).
func (s *Server) putStationTeams(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	id, version, in, err := readPatch[redgrid.StationTeams](s, r)
	if err != nil {
		return err
	}
	if err := s.writableStation(r, p, id); err != nil {
		return err
	}
	st, err := s.store.SetStationTeams(r.Context(), id, in, version)
	if err != nil {
		return err
	}
	setETag(w, st.Version)
	return writeJSON(w, http.StatusOK, st)
}

// readableStationRef checks a station named in a request body: one the caller cannot read is
// refused as unknown (400 station_id exists), so that ids outside the caller's scope say nothing.
func (s *Server) readableStationRef(r *http.Request, p *redgrid.Principal, id *int64) error {
	if id == nil {
		return nil
	}
	path, err := s.store.StationPath(r.Context(), *id)
	if redgrid.ErrorKind(err) == redgrid.KindNotFound || err == nil && !p.Can(redgrid.ActReadRegister, path) {
		return redgrid.Invalid("station_id", "exists", "station_id names no volunteer station you can see")
	}
	return err
}

// putVolunteerStation attaches a volunteer to a station of their community, or detaches them
// (station_id null or absent). If-Match: the volunteer's version.
func (s *Server) putVolunteerStation(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	id, version, in, err := readPatch[redgrid.VolunteerStation](s, r)
	if err != nil {
		return err
	}
	path, err := s.store.VolunteerPath(r.Context(), id)
	if err != nil {
		return err
	}
	if !canRegisterAt(p, path) {
		return forbidden("the station of volunteer " + strconv.FormatInt(id, 10))
	}
	if err := s.readableStationRef(r, p, in.StationID); err != nil {
		return err
	}
	v, err := s.store.SetVolunteerStation(r.Context(), id, in.StationID, version)
	if err != nil {
		return err
	}
	setETag(w, v.Version)
	return writeJSON(w, http.StatusOK, v)
}
