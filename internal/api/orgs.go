package api

import (
	"net/http"
	"strconv"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/sqlstore"
)

// canReadOrg: the organisation's home or a node it serves lies in the caller's scope, or it serves
// a node above the caller's scope (a district department serving the caller's community).
func canReadOrg(p *redgrid.Principal, o redgrid.Org) bool {
	if p.Can(redgrid.ActReadTree, o.HomePath) {
		return true
	}
	for _, np := range o.NodePaths {
		if p.Can(redgrid.ActReadTree, np) {
			return true
		}
		for _, sc := range p.ScopePaths(redgrid.ActReadTree) {
			if redgrid.IsWithin(sc, np) {
				return true
			}
		}
	}
	return false
}

func (s *Server) listOrgs(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	kind := redgrid.OrgKind(r.URL.Query().Get("kind"))
	if kind != "" && !kind.Valid() {
		return redgrid.Invalid("kind", "enum", "kind must be one of department, resident_unit, property_company, owners_committee, social_org, volunteer_team, service_station")
	}
	return s.orgsOfKind(w, r, p, kind)
}

// listUnits: GET /api/v1/units — the register of co-building units (驻区单位), the organisations
// of kind resident_unit, filtered and scoped as GET /api/v1/orgs is.
func (s *Server) listUnits(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	if r.URL.Query().Has("kind") {
		return redgrid.Invalid("kind", "unsupported", "units are the organisations of kind resident_unit; GET /api/v1/orgs lists the others")
	}
	return s.orgsOfKind(w, r, p, redgrid.OrgResidentUnit)
}

// orgsOfKind answers a list of organisations (of kind, all kinds when empty) serving under ?node=
// or matching ?q=, within the caller's scope.
func (s *Server) orgsOfKind(w http.ResponseWriter, r *http.Request, p *redgrid.Principal, kind redgrid.OrgKind) error {
	node, err := queryID(r, "node")
	if err != nil {
		return err
	}
	q, err := queryText(r, "q", 50)
	if err != nil {
		return err
	}
	if node > 0 {
		if _, err := s.readableNode(r, p, node); err != nil {
			return err
		}
	}
	scopes := p.ScopePaths(redgrid.ActReadTree)
	if scopes == nil {
		scopes = []string{}
	}
	out, err := s.store.Orgs(r.Context(), sqlstore.OrgFilter{Kind: kind, Q: q, NodeID: node, Scopes: scopes})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list[redgrid.Org]{out})
}

// readableOrg is the path parameter id: an organisation the caller may read.
func (s *Server) readableOrg(r *http.Request, p *redgrid.Principal) (redgrid.Org, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return redgrid.Org{}, err
	}
	o, err := s.store.Org(r.Context(), id)
	if err != nil {
		return o, err
	}
	if !canReadOrg(p, o) {
		return o, forbidden("organisation " + strconv.FormatInt(id, 10))
	}
	return o, nil
}

func (s *Server) getOrg(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	o, err := s.readableOrg(r, p)
	if err != nil {
		return err
	}
	setETag(w, o.Version)
	return writeJSON(w, http.StatusOK, o)
}

// checkOrgWrite: the home node and every served node must lie in the writer's scope; the
// organisation counts as a child of its home node.
func (s *Server) checkOrgWrite(r *http.Request, p *redgrid.Principal, homeID int64, nodeIDs []int64) error {
	home, err := s.store.NodePath(r.Context(), homeID)
	if redgrid.ErrorKind(err) == redgrid.KindNotFound {
		return redgrid.Invalid("home_node_id", "exists", "home node does not exist")
	}
	if err != nil {
		return err
	}
	if !p.Can(redgrid.ActWriteOrg, childPath(home)) {
		return forbidden("an organisation homed at node " + strconv.FormatInt(homeID, 10))
	}
	for _, id := range nodeIDs {
		np, err := s.store.NodePath(r.Context(), id)
		if redgrid.ErrorKind(err) == redgrid.KindNotFound {
			return redgrid.Invalid("node_ids", "exists", "node "+strconv.FormatInt(id, 10)+" does not exist")
		}
		if err != nil {
			return err
		}
		if !p.Can(redgrid.ActWriteOrg, childPath(np)) {
			return forbidden("linking node " + strconv.FormatInt(id, 10))
		}
	}
	return nil
}

func (s *Server) createOrg(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	var in redgrid.NewOrg
	ctx, err := s.decodeCreate(r, &in)
	if err != nil {
		return err
	}
	if err := in.Validate(); err != nil {
		return err
	}
	if err := s.checkOrgWrite(r, p, in.HomeNodeID, in.NodeIDs); err != nil {
		return err
	}
	o, replayed, err := s.store.CreateOrg(ctx, in)
	if err != nil {
		return err
	}
	setETag(w, o.Version)
	return created(w, "/api/v1/orgs/"+strconv.FormatInt(o.ID, 10), replayed, o)
}

func (s *Server) patchOrg(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	id, version, in, err := readPatch[redgrid.OrgPatch](s, r)
	if err != nil {
		return err
	}
	o, err := s.store.Org(r.Context(), id)
	if err != nil {
		return err
	}
	var ids []int64
	if in.NodeIDs != nil {
		// Replacing the links changes the old ones too: all must lie in the caller's scope.
		ids = append(append(ids, *in.NodeIDs...), o.NodeIDs...)
	}
	if err := s.checkOrgWrite(r, p, o.HomeNodeID, ids); err != nil {
		return err
	}
	o, err = s.store.UpdateOrg(r.Context(), id, in, version)
	if err != nil {
		return err
	}
	setETag(w, o.Version)
	return writeJSON(w, http.StatusOK, o)
}
