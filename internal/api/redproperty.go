package api

import (
	"net/http"
	"strconv"

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
	if in.TermID != nil || in.EndedOn != nil {
		return redgrid.Invalid("term_id", "read_only", "a seat's term and end are kept by the server (POST /api/v1/orgs/{id}/terms, DELETE /api/v1/org-members/{id})")
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

// listTerms lists an owners' committee's terms with the seats of each (the history of its
// re-elections), for whoever may read the committee.
func (s *Server) listTerms(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	o, err := s.readableOrg(r, p)
	if err != nil {
		return err
	}
	out, err := s.store.Terms(r.Context(), o.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list[redgrid.CommitteeTerm]{out})
}

// startTerm records an owners' committee's first term or a re-election (换届), by whoever may
// change the committee. If-Match: the current term's version.
func (s *Server) startTerm(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	var in redgrid.NewTerm
	ctx, err := s.decodeCreate(r, &in)
	if err != nil {
		return err
	}
	if err := in.Validate(s.today()); err != nil {
		return err
	}
	o, err := s.writableOrg(r, p)
	if err != nil {
		return err
	}
	t, replayed, err := s.store.StartTerm(ctx, o.ID, in, version)
	if err != nil {
		return err
	}
	setETag(w, t.Version)
	return created(w, "/api/v1/orgs/"+strconv.FormatInt(o.ID, 10)+"/terms", replayed, t)
}

// dueTerms lists the owners' committees of a subtree whose term ends within days (default 90,
// 1 to 366) or has ended without a re-election (换届提醒).
func (s *Server) dueTerms(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	n, err := s.treeNode(r, p)
	if err != nil {
		return err
	}
	days, err := queryInt(r, "days", redgrid.DefaultTermNoticeDays, 1, redgrid.MaxTermNoticeDays)
	if err != nil {
		return err
	}
	out, err := s.store.DueTerms(r.Context(), n.Path, days)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list[redgrid.TermDue]{out})
}
