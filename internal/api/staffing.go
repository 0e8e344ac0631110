package api

import (
	"net/http"
	"strconv"

	"github.com/redgrid/redgrid"
)

// Grid staffing "1+3+N": read by whoever reads the registers; posts are filled and ended by the
// community, the street and the district (ActWriteNode strictly above the grid), not by the grid's
// own staff.

func (s *Server) listGridStaff(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	n, err := s.registerNode(r, p)
	if err != nil {
		return err
	}
	out, err := s.store.GridStaffList(r.Context(), n.Path)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list[redgrid.GridStaff]{out})
}

func (s *Server) staffingGaps(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	n, err := s.registerNode(r, p)
	if err != nil {
		return err
	}
	out, err := s.store.StaffingGaps(r.Context(), n.Path)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list[redgrid.StaffingGap]{out})
}

func (s *Server) addGridStaff(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	var in redgrid.NewGridStaff
	ctx, err := s.decodeCreate(r, &in)
	if err != nil {
		return err
	}
	if err := in.Validate(); err != nil {
		return err
	}
	g, err := s.store.Node(ctx, in.GridID)
	if redgrid.ErrorKind(err) == redgrid.KindNotFound {
		return redgrid.Invalid("grid_id", "exists", "grid_id names no node")
	}
	if err != nil {
		return err
	}
	if g.Kind != redgrid.KindGrid {
		return redgrid.Invalid("grid_id", "kind", "grid_id must name a grid")
	}
	if !p.Can(redgrid.ActWriteNode, g.Path) {
		return forbidden("staffing " + g.Name)
	}
	st, replayed, err := s.store.AddGridStaff(ctx, in)
	if err != nil {
		return err
	}
	return created(w, "/api/v1/grid-staff/"+strconv.FormatInt(st.ID, 10), replayed, st)
}

func (s *Server) endGridStaff(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	path, err := s.store.GridStaffPath(r.Context(), id)
	if err != nil {
		return err
	}
	if !p.Can(redgrid.ActWriteNode, path) {
		return forbidden("ending post " + strconv.FormatInt(id, 10))
	}
	if err := s.store.EndGridStaff(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
