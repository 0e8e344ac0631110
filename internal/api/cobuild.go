package api

import (
	"net/http"
	"strconv"

	"github.com/redgrid/redgrid"
)

// Co-building (共驻共建): agreements recorded by the community (or above), the "五个一" linkage
// set by the street or the district, and the communities missing a link.

func (s *Server) listAgreements(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	n, err := s.treeNode(r, p)
	if err != nil {
		return err
	}
	out, err := s.store.Agreements(r.Context(), n.Path)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list[redgrid.Agreement]{out})
}

// treeNode is the query parameter node, a node the caller may read.
func (s *Server) treeNode(r *http.Request, p *redgrid.Principal) (redgrid.Node, error) {
	id, err := s.nodeParam(r, p)
	if err != nil {
		return redgrid.Node{}, err
	}
	return s.store.Node(r.Context(), id)
}

func (s *Server) recordAgreement(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	var in redgrid.Agreement
	if err := s.decode(r, &in); err != nil {
		return err
	}
	if in.RenewsID != nil || in.RenewedByID != nil {
		return redgrid.Invalid("renews_id", "read_only", "a renewal is recorded with POST /api/v1/cobuild/agreements/{id}/renew")
	}
	in.ID = 0
	if err := in.Validate(); err != nil {
		return err
	}
	c, err := s.store.Node(r.Context(), in.CommunityID)
	if redgrid.ErrorKind(err) == redgrid.KindNotFound {
		return redgrid.Invalid("community_id", "kind", "community_id must name a community")
	}
	if err != nil {
		return err
	}
	if !canWriteAgreements(p, c.Path) {
		return forbidden("the agreements of " + c.Name)
	}
	a, err := s.store.RecordAgreement(r.Context(), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, a)
}

func (s *Server) getLinks(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.readableNode(r, p, id); err != nil {
		return err
	}
	l, err := s.store.Links(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, l)
}

func (s *Server) putLinks(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in redgrid.Links
	if err := s.decode(r, &in); err != nil {
		return err
	}
	in.CommunityID = id
	if err := in.Validate(); err != nil {
		return err
	}
	c, err := s.store.Node(r.Context(), id)
	if err != nil {
		return err
	}
	if !p.Can(redgrid.ActWriteOrg, c.Path) {
		return forbidden("the linkage of " + c.Name)
	}
	l, err := s.store.SetLinks(r.Context(), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, l)
}

func (s *Server) linkGaps(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	n, err := s.treeNode(r, p)
	if err != nil {
		return err
	}
	out, err := s.store.LinkGaps(r.Context(), n.Path)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list[redgrid.LinkGap]{out})
}

// canWriteAgreements: the community's staff (at the community itself) and above record and renew
// its agreements.
func canWriteAgreements(p *redgrid.Principal, communityPath string) bool {
	return p.Can(redgrid.ActWriteOrg, communityPath) || p.Can(redgrid.ActWriteOrg, childPath(communityPath))
}

// dueAgreements lists the agreements of a subtree due for renewal: ending within days (default
// 60, 1 to 366) or ended, and not renewed.
func (s *Server) dueAgreements(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	n, err := s.treeNode(r, p)
	if err != nil {
		return err
	}
	days, err := queryInt(r, "days", redgrid.DefaultRenewalDays, 1, redgrid.MaxRenewalDays)
	if err != nil {
		return err
	}
	out, err := s.store.DueAgreements(r.Context(), n.Path, days)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list[redgrid.DueAgreement]{out})
}

// renewAgreement records the next agreement of the same unit and community, linked to {id}.
func (s *Server) renewAgreement(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in redgrid.AgreementRenewal
	ctx, err := s.decodeCreate(r, &in)
	if err != nil {
		return err
	}
	prev, path, err := s.store.Agreement(ctx, id)
	if err != nil {
		return err
	}
	if !canWriteAgreements(p, path) {
		return forbidden("the agreements of " + prev.CommunityName)
	}
	if err := in.Validate(prev); err != nil {
		return err
	}
	a, replayed, err := s.store.RenewAgreement(ctx, id, in)
	if err != nil {
		return err
	}
	return created(w, "/api/v1/cobuild/agreements/"+strconv.FormatInt(a.ID, 10), replayed, a)
}
