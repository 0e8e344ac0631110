package api

import (
	"net/http"
	"strconv"

	"github.com/redgrid/redgrid"
)

type partyDetail struct {
	redgrid.PartyOrg
	Ancestors []redgrid.PartyOrg `json:"ancestors"`
}

// readableParty loads a party organisation the caller may read: its scope is the node it leads.
func (s *Server) readableParty(r *http.Request, p *redgrid.Principal, id int64) (redgrid.PartyOrg, error) {
	po, err := s.store.PartyOrg(r.Context(), id)
	if err != nil {
		return po, err
	}
	if !p.Can(redgrid.ActReadTree, po.NodePath) {
		return po, forbidden("party organisation " + strconv.FormatInt(id, 10))
	}
	return po, nil
}

func readableOnly(p *redgrid.Principal, in []redgrid.PartyOrg) []redgrid.PartyOrg {
	out := in[:0]
	for _, po := range in {
		if p.Can(redgrid.ActReadTree, po.NodePath) {
			out = append(out, po)
		}
	}
	return out
}

func (s *Server) listPartyOrgs(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	ctx := r.Context()
	parent, err := queryID(r, "parent")
	if err != nil {
		return err
	}
	node, err := queryID(r, "node")
	if err != nil {
		return err
	}
	q, err := queryText(r, "q", 50)
	if err != nil {
		return err
	}
	var out []redgrid.PartyOrg
	switch {
	case parent > 0:
		if _, err := s.readableParty(r, p, parent); err != nil {
			return err
		}
		out, err = s.store.PartyChildren(ctx, parent)
	case node > 0:
		if _, err := s.readableNode(r, p, node); err != nil {
			return err
		}
		out, err = s.store.PartyOrgsOfNode(ctx, node)
	case q != "":
		out, err = s.store.SearchPartyOrgs(ctx, q, p.ScopePaths(redgrid.ActReadTree), 50)
	default:
		out, err = s.store.PartyRoots(ctx, p.ScopePaths(redgrid.ActReadTree))
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list[redgrid.PartyOrg]{readableOnly(p, out)})
}

func (s *Server) getPartyOrg(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	po, err := s.readableParty(r, p, id)
	if err != nil {
		return err
	}
	anc, err := s.store.PartyAncestors(r.Context(), po.Path)
	if err != nil {
		return err
	}
	setETag(w, po.Version)
	return writeJSON(w, http.StatusOK, partyDetail{po, anc})
}

func (s *Server) getPartyHistory(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.readableParty(r, p, id); err != nil {
		return err
	}
	h, err := s.store.History(r.Context(), "party_org", id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list[redgrid.HistoryEntry]{h})
}

// canWriteParty: a party organisation is written by whoever may write below the node it leads.
func (s *Server) canWriteParty(r *http.Request, p *redgrid.Principal, nodeID int64) error {
	path, err := s.store.NodePath(r.Context(), nodeID)
	if redgrid.ErrorKind(err) == redgrid.KindNotFound {
		return redgrid.Invalid("node_id", "exists", "the administrative node does not exist")
	}
	if err != nil {
		return err
	}
	if !p.Can(redgrid.ActWriteParty, path) {
		return forbidden("a party organisation leading node " + strconv.FormatInt(nodeID, 10))
	}
	return nil
}

func (s *Server) createPartyOrg(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	var in redgrid.NewPartyOrg
	ctx, err := s.decodeCreate(r, &in)
	if err != nil {
		return err
	}
	if err := in.Validate(); err != nil {
		return err
	}
	if err := s.canWriteParty(r, p, in.NodeID); err != nil {
		return err
	}
	if in.ParentID != nil {
		if _, err := s.readableParty(r, p, *in.ParentID); redgrid.ErrorKind(err) == redgrid.KindNotFound {
			return redgrid.Invalid("parent_id", "exists", "the parent party organisation does not exist")
		} else if err != nil {
			return err
		}
	}
	po, replayed, err := s.store.CreatePartyOrg(ctx, in)
	if err != nil {
		return err
	}
	setETag(w, po.Version)
	return created(w, "/api/v1/party-orgs/"+strconv.FormatInt(po.ID, 10), replayed, po)
}

func (s *Server) patchPartyOrg(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	id, version, in, err := readPatch[redgrid.PartyOrgPatch](s, r)
	if err != nil {
		return err
	}
	po, err := s.store.PartyOrg(r.Context(), id)
	if err != nil {
		return err
	}
	if err := s.canWriteParty(r, p, po.NodeID); err != nil {
		return err
	}
	if in.NodeID != nil {
		if err := s.canWriteParty(r, p, *in.NodeID); err != nil {
			return err
		}
	}
	if in.ParentID != nil {
		if _, err := s.readableParty(r, p, *in.ParentID); redgrid.ErrorKind(err) == redgrid.KindNotFound {
			return redgrid.Invalid("parent_id", "exists", "the parent party organisation does not exist")
		} else if err != nil {
			return err
		}
	}
	po, err = s.store.UpdatePartyOrg(r.Context(), id, in, version)
	if err != nil {
		return err
	}
	setETag(w, po.Version)
	return writeJSON(w, http.StatusOK, po)
}
