package api

import (
	"net/http"

	"github.com/redgrid/redgrid"
)

// Red property (红色物业): a property company's party branch, the members of owners' committees
// and property companies with their cross-posts, and the view of a subtree with what is lacking.

func (s *Server) redProperty(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	n, err := s.treeNode(r, p)
	if err != nil {
		return err
	}
	out, err := s.store.RedProperty(r.Context(), n.Path)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list[redgrid.RedPropertyOrg]{out})
}

// writableOrg is the path parameter id: an organisation the caller may change.
func (s *Server) writableOrg(r *http.Request, p *redgrid.Principal) (redgrid.Org, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return redgrid.Org{}, err
	}
	o, err := s.store.Org(r.Context(), id)
	if err != nil {
		return o, err
	}
	return o, s.checkOrgWrite(r, p, o.HomeNodeID, nil)
}

type branchIn struct {
	PartyOrgID int64 `json:"party_org_id"`
}

func (s *Server) putOrgBranch(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	var in branchIn
	if err := s.decode(r, &in); err != nil {
		return err
	}
	if in.PartyOrgID <= 0 {
		return redgrid.Invalid("party_org_id", "required", "party_org_id is required")
	}
	o, err := s.writableOrg(r, p)
	if err != nil {
		return err
	}
	if err := s.store.SetOrgBranch(r.Context(), o.ID, in.PartyOrgID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) addOrgMember(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	var in redgrid.OrgMember
	if err := s.decode(r, &in); err != nil {
		return err
	}
	if err := in.Validate(); err != nil {
		return err
	}
	o, err := s.writableOrg(r, p)
	if err != nil {
		return err
	}
	in.ID, in.OrgID = 0, o.ID
	m, err := s.store.AddOrgMember(r.Context(), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, m)
}

func (s *Server) endOrgMember(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	orgID, err := s.store.OrgMemberOrg(r.Context(), id)
	if err != nil {
		return err
	}
	o, err := s.store.Org(r.Context(), orgID)
	if err != nil {
		return err
	}
	if err := s.checkOrgWrite(r, p, o.HomeNodeID, nil); err != nil {
		return err
	}
	if err := s.store.EndOrgMember(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
