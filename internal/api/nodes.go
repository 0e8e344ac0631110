package api

import (
	"net/http"
	"strconv"

	"github.com/redgrid/redgrid"
)

type nodeDetail struct {
	redgrid.Node
	position
	Ancestors []redgrid.NodeRef  `json:"ancestors"`
	PartyOrgs []redgrid.PartyOrg `json:"party_orgs"`
	Orgs      []redgrid.Org      `json:"orgs"`
	Staff     []staffMember      `json:"staff"`
}

type staffMember struct {
	UserID      int64        `json:"user_id"`
	Username    string       `json:"username"`
	DisplayName string       `json:"display_name"`
	Role        redgrid.Role `json:"role"`
}

type nodeHit struct {
	redgrid.Node
	position
	Ancestors []redgrid.NodeRef `json:"ancestors"`
}

// position is where a node is, when recorded (a building's entrance): WGS-84.
type position struct {
	Lng *float64 `json:"lng,omitempty"`
	Lat *float64 `json:"lat,omitempty"`
}

func positionOf(m map[int64][2]float64, id int64) position {
	p, ok := m[id]
	if !ok {
		return position{}
	}
	return position{&p[0], &p[1]}
}

type nodeTree struct {
	redgrid.Node
	Children []*nodeTree `json:"children"`
}

type list[T any] struct {
	Items []T `json:"items"`
}

// readableNode loads a node the caller may read: 404 when it does not exist, 403 outside scope.
func (s *Server) readableNode(r *http.Request, p *redgrid.Principal, id int64) (redgrid.Node, error) {
	n, err := s.store.Node(r.Context(), id)
	if err != nil {
		return n, err
	}
	if !p.Can(redgrid.ActReadTree, n.Path) {
		return n, forbidden("node " + strconv.FormatInt(id, 10))
	}
	return n, nil
}

func (s *Server) listNodes(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	ctx := r.Context()
	parent, err := queryID(r, "parent")
	if err != nil {
		return err
	}
	within, err := queryID(r, "within")
	if err != nil {
		return err
	}
	q, err := queryText(r, "q", 50)
	if err != nil {
		return err
	}
	kind := redgrid.NodeKind(r.URL.Query().Get("kind"))
	if kind != "" && !kind.Valid() {
		return redgrid.Invalid("kind", "enum", "kind must be one of district, street, community, grid, microgrid, building")
	}
	switch {
	case parent > 0:
		pn, err := s.readableNode(r, p, parent)
		if err != nil {
			return err
		}
		kids, err := s.store.Children(ctx, pn.ID)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, list[redgrid.Node]{kids})
	case q != "":
		scopes := p.ScopePaths(redgrid.ActReadTree)
		if within > 0 {
			wn, err := s.readableNode(r, p, within)
			if err != nil {
				return err
			}
			scopes = []string{wn.Path}
		}
		found, err := s.store.SearchNodes(ctx, q, scopes, kind, 50)
		if err != nil {
			return err
		}
		ids := make([]int64, len(found))
		for i, n := range found {
			ids[i] = n.ID
		}
		pos, err := s.store.NodePositions(ctx, ids)
		if err != nil {
			return err
		}
		hits := make([]nodeHit, len(found))
		for i, n := range found {
			anc, err := s.store.Ancestors(ctx, n.Path)
			if err != nil {
				return err
			}
			hits[i] = nodeHit{n, positionOf(pos, n.ID), anc}
		}
		return writeJSON(w, http.StatusOK, list[nodeHit]{hits})
	default:
		roots, err := s.store.NodesByPath(ctx, p.ScopePaths(redgrid.ActReadTree))
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, list[redgrid.Node]{roots})
	}
}

func (s *Server) getNode(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	n, err := s.readableNode(r, p, id)
	if err != nil {
		return err
	}
	ctx := r.Context()
	d := nodeDetail{Node: n, Staff: []staffMember{}}
	pos, err := s.store.NodePositions(ctx, []int64{n.ID})
	if err != nil {
		return err
	}
	d.position = positionOf(pos, n.ID)
	if d.Ancestors, err = s.store.Ancestors(ctx, n.Path); err != nil {
		return err
	}
	if d.PartyOrgs, err = s.store.PartyOrgsOfNode(ctx, n.ID); err != nil {
		return err
	}
	if d.Orgs, err = s.store.OrgsServing(ctx, n.ID); err != nil {
		return err
	}
	staff, err := s.store.NodeStaff(ctx, n.ID)
	if err != nil {
		return err
	}
	for _, st := range staff {
		d.Staff = append(d.Staff, staffMember{st.UserID, st.Username, st.DisplayName, st.Role})
	}
	setETag(w, n.Version)
	return writeJSON(w, http.StatusOK, d)
}

func (s *Server) getNodeTree(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	depth, err := queryInt(r, "depth", 3, 0, 10)
	if err != nil {
		return err
	}
	n, err := s.readableNode(r, p, id)
	if err != nil {
		return err
	}
	nodes, err := s.store.Subtree(r.Context(), n.Path, depth)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, buildTree(nodes))
}

// buildTree nests nodes given in path order (parents first); the first node is the root.
func buildTree(nodes []redgrid.Node) *nodeTree {
	if len(nodes) == 0 {
		return nil
	}
	byID := make(map[int64]*nodeTree, len(nodes))
	root := &nodeTree{Node: nodes[0], Children: []*nodeTree{}}
	byID[root.ID] = root
	for _, n := range nodes[1:] {
		t := &nodeTree{Node: n, Children: []*nodeTree{}}
		byID[n.ID] = t
		if n.ParentID != nil {
			if parent, ok := byID[*n.ParentID]; ok {
				parent.Children = append(parent.Children, t)
			}
		}
	}
	return root
}

func (s *Server) getNodeHistory(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.readableNode(r, p, id); err != nil {
		return err
	}
	h, err := s.store.History(r.Context(), "node", id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list[redgrid.HistoryEntry]{h})
}

// childPath is a stand-in path for a node about to be created under parentPath: staff may create
// below the node they hold a role at.
func childPath(parentPath string) string { return parentPath + "0/" }

func (s *Server) createNode(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	var in redgrid.NewNode
	ctx, err := s.decodeCreate(r, &in)
	if err != nil {
		return err
	}
	if err := in.Validate(s.store.Scheme()); err != nil {
		return err
	}
	if in.ParentID == nil {
		return redgrid.Errorf(redgrid.KindForbidden, "a new district is set up with 'redgrid district add', not through the API")
	}
	parentPath, err := s.store.NodePath(ctx, *in.ParentID)
	if redgrid.ErrorKind(err) == redgrid.KindNotFound {
		return redgrid.Invalid("parent_id", "exists", "parent node does not exist")
	}
	if err != nil {
		return err
	}
	if !p.Can(redgrid.ActWriteNode, childPath(parentPath)) {
		return forbidden("creating a node here")
	}
	n, replayed, err := s.store.CreateNode(ctx, in)
	if err != nil {
		return err
	}
	setETag(w, n.Version)
	return created(w, "/api/v1/nodes/"+strconv.FormatInt(n.ID, 10), replayed, n)
}

func (s *Server) patchNode(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	id, version, in, err := readPatch[redgrid.NodePatch](s, r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	n, err := s.store.Node(ctx, id)
	if err != nil {
		return err
	}
	if !p.Can(redgrid.ActWriteNode, n.Path) {
		return forbidden("changing node " + strconv.FormatInt(id, 10))
	}
	if in.ParentID != nil {
		pp, err := s.store.NodePath(ctx, *in.ParentID)
		if redgrid.ErrorKind(err) == redgrid.KindNotFound {
			return redgrid.Invalid("parent_id", "exists", "parent node does not exist")
		}
		if err != nil {
			return err
		}
		if !p.Can(redgrid.ActWriteNode, childPath(pp)) {
			return forbidden("moving a node there")
		}
	}
	n, err = s.store.UpdateNode(ctx, id, in, version)
	if err != nil {
		return err
	}
	setETag(w, n.Version)
	return writeJSON(w, http.StatusOK, n)
}
