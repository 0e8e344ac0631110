package api

import (
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/pii"
	"github.com/redgrid/redgrid/internal/sqlstore"
)

// Residents (issue 6): the people of the households. Their ID numbers and phones are shown
// masked (420302********1237, 138****5678); POST /api/v1/residents/{id}/unmask with a reason
// shows them in full to a role that may need to reach the person, and logs it first. Special-care
// tags are shown only to the roles that serve them (redgrid.CareTag.SeenBy).

// viewResident masks r's personal fields and keeps the tags the caller's roles over r see.
func viewResident(p *redgrid.Principal, r *redgrid.Resident) {
	if r.IDNumber != "" {
		r.IDNumber = pii.MaskID(r.IDNumber)
	}
	if r.Phone != "" {
		r.Phone = pii.MaskPhone(r.Phone)
	}
	r.Masked = true
	r.Tags = seenTags(p, r.Path, r.Tags)
}

// seenTags keeps the tags seen by a role the caller holds over path.
func seenTags(p *redgrid.Principal, path string, tags []redgrid.CareTag) []redgrid.CareTag {
	out := []redgrid.CareTag{}
	for _, t := range tags {
		for _, g := range p.Grants {
			if !t.SeenBy(g.Role) {
				continue
			}
			within := false
			for _, scope := range g.Paths {
				within = within || redgrid.IsWithin(path, scope)
			}
			if within {
				out = append(out, t)
				break
			}
		}
	}
	return out
}

func (s *Server) listResidents(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	n, err := s.registerNode(r, p)
	if err != nil {
		return err
	}
	limit, err := queryLimit(r, 50, 200)
	if err != nil {
		return err
	}
	q := r.URL.Query().Get("q")
	if utf8.RuneCountInString(q) > 30 || redgrid.HasControl(q) {
		return redgrid.Invalid("q", "max_length", "q must be at most 30 characters of text")
	}
	rq := sqlstore.ResidentQuery{Path: n.Path, Q: q, Limit: limit}
	if ids := redgrid.PathIDs(n.Path); len(ids) >= 3 {
		rq.Community, _ = strconv.ParseInt(ids[2], 10, 64)
	}
	out, err := s.store.Residents(r.Context(), rq)
	if err != nil {
		return err
	}
	for i := range out {
		viewResident(p, &out[i])
	}
	return writeJSON(w, http.StatusOK, list[redgrid.Resident]{out})
}

func (s *Server) createResident(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	var in redgrid.NewResident
	ctx, err := s.decodeCreate(r, &in)
	if err != nil {
		return err
	}
	in.Normalize()
	if err := in.Validate(); err != nil {
		return err
	}
	c, err := s.store.CheckResident(in)
	if err != nil {
		return err
	}
	path, err := s.store.HouseholdPath(ctx, in.HouseholdID)
	if redgrid.ErrorKind(err) == redgrid.KindNotFound {
		return redgrid.Invalid("household_id", "exists", "household_id names no household")
	}
	if err != nil {
		return err
	}
	if !p.Can(redgrid.ActWriteRegister, path) {
		return forbidden("recording residents there")
	}
	for _, t := range in.Tags {
		if len(seenTags(p, path, []redgrid.CareTag{t})) == 0 {
			return redgrid.Invalid("tags", "tag_role", "your role does not serve people tagged "+t.Label())
		}
	}
	res, replayed, err := s.store.CreateResident(ctx, c)
	if err != nil {
		return err
	}
	viewResident(p, &res)
	setETag(w, res.Version)
	return created(w, "/api/v1/residents/"+strconv.FormatInt(res.ID, 10), replayed, res)
}

// readableResident is the path parameter id: a resident the caller may read.
func (s *Server) readableResident(r *http.Request, p *redgrid.Principal) (redgrid.Resident, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return redgrid.Resident{}, err
	}
	path, err := s.store.ResidentPath(r.Context(), id)
	if err != nil {
		return redgrid.Resident{}, err
	}
	if !p.Can(redgrid.ActReadRegister, path) {
		return redgrid.Resident{}, forbidden("resident " + strconv.FormatInt(id, 10))
	}
	return s.store.Resident(r.Context(), id)
}

func (s *Server) getResident(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	res, err := s.readableResident(r, p)
	if err != nil {
		return err
	}
	viewResident(p, &res)
	setETag(w, res.Version)
	return writeJSON(w, http.StatusOK, res)
}

type residentUnmasked struct {
	ResidentID int64              `json:"resident_id"`
	IDNumber   string             `json:"id_number"`
	Phone      string             `json:"phone"`
	Unmasking  sqlstore.Unmasking `json:"unmasking"`
}

// unmaskResident shows a resident's ID number and phone in full, once the unmasking (who, when,
// which fields, why) is logged.
func (s *Server) unmaskResident(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	reason, err := s.unmaskReason(r)
	if err != nil {
		return err
	}
	res, err := s.readableResident(r, p)
	if err != nil {
		return err
	}
	if !p.Can(redgrid.ActUnmask, res.Path) {
		return forbidden("unmasking resident " + strconv.FormatInt(res.ID, 10))
	}
	var fields []string
	if res.IDNumber != "" {
		fields = append(fields, "id_number")
	}
	if res.Phone != "" {
		fields = append(fields, "phone")
	}
	if len(fields) == 0 {
		return redgrid.Errorf(redgrid.KindConflict, "resident %d has no ID number or phone recorded", res.ID)
	}
	u, err := s.store.LogUnmasking(r.Context(), "resident/"+strconv.FormatInt(res.ID, 10), fields, sqlstore.UnmaskExplicit, reason)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, residentUnmasked{ResidentID: res.ID, IDNumber: res.IDNumber, Phone: res.Phone, Unmasking: u})
}

func (s *Server) patchResident(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	id, version, in, err := readPatch[redgrid.ResidentPatch](s, r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	path, err := s.store.ResidentPath(ctx, id)
	if err != nil {
		return err
	}
	if !p.Can(redgrid.ActWriteRegister, path) {
		return forbidden("changing resident " + strconv.FormatInt(id, 10))
	}
	cur, err := s.store.Resident(ctx, id)
	if err != nil {
		return err
	}
	// Tags the caller does not see stay as they are; the caller sets only those it serves.
	if in.Tags != nil {
		kept := []redgrid.CareTag{}
		for _, t := range cur.Tags {
			if len(seenTags(p, path, []redgrid.CareTag{t})) == 0 {
				kept = append(kept, t)
			}
		}
		for _, t := range *in.Tags {
			if t.Valid() && len(seenTags(p, path, []redgrid.CareTag{t})) == 0 {
				return redgrid.Invalid("tags", "tag_role", "your role does not serve people tagged "+t.Label())
			}
		}
		all := append(kept, *in.Tags...)
		in.Tags = &all
	}
	next := in.Apply(cur, cur.IDNumber)
	if err := next.Validate(); err != nil {
		return err
	}
	if next.HouseholdID != cur.HouseholdID {
		to, err := s.store.HouseholdPath(ctx, next.HouseholdID)
		if redgrid.ErrorKind(err) == redgrid.KindNotFound {
			return redgrid.Invalid("household_id", "exists", "household_id names no household")
		}
		if err != nil {
			return err
		}
		if !p.Can(redgrid.ActWriteRegister, to) {
			return forbidden("moving a resident there")
		}
	}
	c, err := s.store.CheckResident(next)
	if err != nil {
		return err
	}
	res, err := s.store.UpdateResident(ctx, id, c, version)
	if err != nil {
		return err
	}
	viewResident(p, &res)
	setETag(w, res.Version)
	return writeJSON(w, http.StatusOK, res)
}

// leaveResident: DELETE /api/v1/residents/{id} — the resident moved out or is removed from the
// register. The record stays (GET shows left_on) and is no longer listed or found; its personal
// data is erased once the retention has passed (redgrid.Retention). If-Match makes it
// conditional.
func (s *Server) leaveResident(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	path, err := s.store.ResidentPath(r.Context(), id)
	if err != nil {
		return err
	}
	if !p.Can(redgrid.ActWriteRegister, path) {
		return forbidden("removing resident " + strconv.FormatInt(id, 10))
	}
	if err := s.store.LeaveResident(r.Context(), id, version); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
