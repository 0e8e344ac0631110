package api

import (
	"net/http"
	"strconv"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/sqlstore"
)

// Volunteers: registered at a community or a grid by those who keep its registers; shown by
// their unified volunteer number, never by ID number.

// canRegisterAt reports whether the caller keeps the registers of the node at path itself (a
// community's staff register the community's volunteers) or of what lies below it.
func canRegisterAt(p *redgrid.Principal, path string) bool {
	return p.Can(redgrid.ActWriteRegister, path) || p.Can(redgrid.ActWriteRegister, childPath(path))
}

func (s *Server) listVolunteers(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	n, err := s.registerNode(r, p)
	if err != nil {
		return err
	}
	colour := redgrid.Colour(r.URL.Query().Get("colour"))
	if colour != "" && !colour.Valid() {
		return redgrid.Invalid("colour", "enum", "colour must be one of elderly, culture, welfare, youth, security, law, women")
	}
	limit, err := queryLimit(r, 200, 1000)
	if err != nil {
		return err
	}
	q, err := queryText(r, "q", 50)
	if err != nil {
		return err
	}
	out, err := s.store.Volunteers(r.Context(), sqlstore.VolunteerQuery{Path: n.Path, Colour: colour, Q: q, Limit: limit})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list[redgrid.Volunteer]{out})
}

func (s *Server) registerVolunteer(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	var in redgrid.NewVolunteer
	ctx, err := s.decodeCreate(r, &in)
	if err != nil {
		return err
	}
	if err := in.Validate(); err != nil {
		return err
	}
	if _, err := s.registerTarget(r, p, in.NodeID, "registering volunteers of "); err != nil {
		return err
	}
	v, replayed, err := s.store.RegisterVolunteer(ctx, in)
	if err != nil {
		return err
	}
	return created(w, "/api/v1/volunteers/"+strconv.FormatInt(v.ID, 10), replayed, v)
}

type volunteerOut struct {
	redgrid.Volunteer
	Records []redgrid.ServiceRecord `json:"records"`
}

func (s *Server) getVolunteer(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	path, err := s.store.VolunteerPath(r.Context(), id)
	if err != nil {
		return err
	}
	if !p.Can(redgrid.ActReadRegister, path) {
		return forbidden("volunteer " + strconv.FormatInt(id, 10))
	}
	v, err := s.store.Volunteer(r.Context(), id)
	if err != nil {
		return err
	}
	recs, err := s.store.ServiceRecords(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, volunteerOut{Volunteer: v, Records: recs})
}

func (s *Server) addServiceRecord(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in redgrid.NewServiceRecord
	if err := s.decode(r, &in); err != nil {
		return err
	}
	if err := in.Validate(s.now().In(chinaTime).Format("2006-01-02")); err != nil {
		return err
	}
	path, err := s.store.VolunteerPath(r.Context(), id)
	if err != nil {
		return err
	}
	if !canRegisterAt(p, path) {
		return forbidden("the record of volunteer " + strconv.FormatInt(id, 10))
	}
	if err := s.readableStationRef(r, p, in.StationID); err != nil {
		return err
	}
	rec, err := s.store.AddServiceRecord(r.Context(), id, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, rec)
}

// deregisterVolunteer: DELETE /api/v1/volunteers/{id} — the volunteer deregisters. The record and
// the service record stay, no longer listed; the personal data is erased once the retention has
// passed. If-Match makes it conditional.
func (s *Server) deregisterVolunteer(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	path, err := s.store.VolunteerPath(r.Context(), id)
	if err != nil {
		return err
	}
	if !canRegisterAt(p, path) {
		return forbidden("deregistering volunteer " + strconv.FormatInt(id, 10))
	}
	if err := s.store.DeregisterVolunteer(r.Context(), id, version); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
