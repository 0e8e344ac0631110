package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/redgrid/redgrid"
)

// Posts and duties (设岗定责) and 包保: read by whoever reads the registers of the node; given,
// changed and ended by whoever keeps the registers of the node served (ActWriteRegister, as
// canRegisterAt: a community's staff post members at the community itself). Where a member may
// serve is the store's rule (duty.go): 422 member_community.

func (s *Server) today() string { return s.now().In(chinaTime).Format(time.DateOnly) }

type postKindInfo struct {
	Kind     redgrid.PostKind `json:"kind"`
	Label    string           `json:"label"`
	Required bool             `json:"required"` // checked by the gaps when no kinds are asked for
}

// listPostKinds lists the kinds of posts the server knows, with their Chinese names.
func (s *Server) listPostKinds(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	required := map[redgrid.PostKind]bool{}
	for _, k := range redgrid.RequiredPostKinds {
		required[k] = true
	}
	out := make([]postKindInfo, len(redgrid.PostKinds))
	for i, k := range redgrid.PostKinds {
		out[i] = postKindInfo{k, k.Label(), required[k]}
	}
	return writeJSON(w, http.StatusOK, list[postKindInfo]{out})
}

func (s *Server) listMemberPosts(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	m, err := s.readableMember(r, p)
	if err != nil {
		return err
	}
	out, err := s.store.MemberPosts(r.Context(), m.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list[redgrid.MemberPost]{out})
}

// postNode is the node a post is to serve, which the caller must keep the registers of.
func (s *Server) postNode(r *http.Request, p *redgrid.Principal, id int64) (redgrid.Node, error) {
	return s.registerTarget(r, p, id, "posts at ")
}

// registerTarget is the node node_id of a new register entry (a post, a volunteer, a station),
// which the caller must keep the registers of (canRegisterAt); what names the refusal.
func (s *Server) registerTarget(r *http.Request, p *redgrid.Principal, id int64, what string) (redgrid.Node, error) {
	n, err := s.store.Node(r.Context(), id)
	if redgrid.ErrorKind(err) == redgrid.KindNotFound {
		return n, redgrid.Invalid("node_id", "exists", "node_id names no node")
	}
	if err != nil {
		return n, err
	}
	if !canRegisterAt(p, n.Path) {
		return n, forbidden(what + n.Name)
	}
	return n, nil
}

func (s *Server) addMemberPost(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	memberID, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in redgrid.NewMemberPost
	ctx, err := s.decodeCreate(r, &in)
	if err != nil {
		return err
	}
	if err := in.Validate(s.today()); err != nil {
		return err
	}
	if _, err := s.postNode(r, p, in.NodeID); err != nil {
		return err
	}
	post, replayed, err := s.store.AddMemberPost(ctx, memberID, in)
	if err != nil {
		return err
	}
	setETag(w, post.Version)
	return created(w, "/api/v1/posts/"+strconv.FormatInt(post.ID, 10), replayed, post)
}

func (s *Server) getPost(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	post, err := s.store.MemberPost(r.Context(), id)
	if err != nil {
		return err
	}
	if !p.Can(redgrid.ActReadRegister, post.Path) {
		return forbidden("post " + strconv.FormatInt(id, 10))
	}
	setETag(w, post.Version)
	return writeJSON(w, http.StatusOK, post)
}

// writablePost is the post {id}, whose node the caller keeps the registers of.
func (s *Server) writablePost(r *http.Request, p *redgrid.Principal, id int64) error {
	cur, err := s.store.MemberPost(r.Context(), id)
	if err != nil {
		return err
	}
	if !canRegisterAt(p, cur.Path) {
		return forbidden("changing post " + strconv.FormatInt(id, 10))
	}
	return nil
}

func (s *Server) patchPost(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	id, version, in, err := readPatch[redgrid.MemberPostPatch](s, r)
	if err != nil {
		return err
	}
	if err := s.writablePost(r, p, id); err != nil {
		return err
	}
	if in.NodeID != nil {
		if _, err := s.postNode(r, p, *in.NodeID); err != nil {
			return err
		}
	}
	post, err := s.store.UpdateMemberPost(r.Context(), id, in, version)
	if err != nil {
		return err
	}
	setETag(w, post.Version)
	return writeJSON(w, http.StatusOK, post)
}

// endPost ends a post (DELETE): it is kept, with the day it ended, and returned.
func (s *Server) endPost(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	if err := s.writablePost(r, p, id); err != nil {
		return err
	}
	post, err := s.store.EndMemberPost(r.Context(), id, version)
	if err != nil {
		return err
	}
	setETag(w, post.Version)
	return writeJSON(w, http.StatusOK, post)
}

func (s *Server) listPosts(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	n, err := s.registerNode(r, p)
	if err != nil {
		return err
	}
	out, err := s.store.PostsUnder(r.Context(), n.Path)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list[redgrid.MemberPost]{out})
}

// postGaps lists the grids (level=grid, the default) or communities (level=community) of the
// subtree without an active post of each of kinds (a comma-separated list; RequiredPostKinds when
// absent).
func (s *Server) postGaps(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	n, err := s.registerNode(r, p)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	level := redgrid.NodeKind(q.Get("level"))
	switch level {
	case "":
		level = redgrid.KindGrid
	case redgrid.KindGrid, redgrid.KindCommunity:
	default:
		return redgrid.Invalid("level", "enum", "level must be grid or community")
	}
	kinds := redgrid.RequiredPostKinds
	if v := q.Get("kinds"); v != "" {
		kinds = nil
		seen := map[redgrid.PostKind]bool{}
		for _, part := range strings.Split(v, ",") {
			k := redgrid.PostKind(part)
			if !k.Valid() {
				return redgrid.Invalid("kinds", "enum", "kinds must be post kinds separated by commas (GET /api/v1/post-kinds lists them)")
			}
			if !seen[k] {
				seen[k] = true
				kinds = append(kinds, k)
			}
		}
	}
	out, err := s.store.PostGaps(r.Context(), n.Path, kinds, level)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list[redgrid.PostGap]{out})
}

// listBaobao lists the current 包保 of a subtree (node), who answers for one household
// (household: for it or for its building), or what one member answers for and did (member:
// current and ended, for whoever may read the member).
func (s *Server) listBaobao(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	hid, err := queryID(r, "household")
	if err != nil {
		return err
	}
	mid, err := queryID(r, "member")
	if err != nil {
		return err
	}
	if mid != 0 {
		if hid != 0 || r.URL.Query().Has("node") {
			return redgrid.Invalid("member", "one_of", "give one of node, household or member")
		}
		m, err := s.readableMemberID(r, p, mid)
		if err != nil {
			return err
		}
		out, err := s.store.BaobaoOfMember(r.Context(), m.ID)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, list[redgrid.Baobao]{out})
	}
	if hid == 0 {
		n, err := s.registerNode(r, p)
		if err != nil {
			return err
		}
		out, err := s.store.BaobaoUnder(r.Context(), n.Path)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, list[redgrid.Baobao]{out})
	}
	if r.URL.Query().Has("node") {
		return redgrid.Invalid("household", "one_of", "give either node or household")
	}
	path, err := s.store.HouseholdPath(r.Context(), hid)
	if err != nil {
		return err
	}
	if !p.Can(redgrid.ActReadRegister, path) {
		return forbidden("household " + strconv.FormatInt(hid, 10))
	}
	out, err := s.store.BaobaoOfHousehold(r.Context(), hid)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list[redgrid.Baobao]{out})
}

func (s *Server) assignBaobao(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	var in redgrid.NewBaobao
	ctx, err := s.decodeCreate(r, &in)
	if err != nil {
		return err
	}
	if err := in.Validate(s.today()); err != nil {
		return err
	}
	var path string
	if in.HouseholdID != nil {
		path, err = s.store.HouseholdPath(ctx, *in.HouseholdID)
		if redgrid.ErrorKind(err) == redgrid.KindNotFound {
			return redgrid.Invalid("household_id", "exists", "household_id names no household")
		}
	} else {
		var b redgrid.Node
		b, err = s.store.Node(ctx, *in.BuildingID)
		if redgrid.ErrorKind(err) == redgrid.KindNotFound {
			return redgrid.Invalid("building_id", "exists", "building_id names no node")
		}
		if err == nil && b.Kind != redgrid.KindBuilding {
			return redgrid.Invalid("building_id", "kind", "building_id must name a building (楼栋)")
		}
		path = b.Path
	}
	if err != nil {
		return err
	}
	if !p.Can(redgrid.ActWriteRegister, path) {
		return forbidden("包保 there")
	}
	x, replayed, err := s.store.AssignBaobao(ctx, in)
	if err != nil {
		return err
	}
	return created(w, "/api/v1/baobao/"+strconv.FormatInt(x.ID, 10), replayed, x)
}

func (s *Server) endBaobao(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	path, err := s.store.BaobaoPath(r.Context(), id)
	if err != nil {
		return err
	}
	if !p.Can(redgrid.ActWriteRegister, path) {
		return forbidden("ending 包保 " + strconv.FormatInt(id, 10))
	}
	if err := s.store.EndBaobao(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// baobaoGaps lists the buildings and households of a community (or a grid, micro-grid or
// building of one) nobody answers for.
func (s *Server) baobaoGaps(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	n, err := s.registerNode(r, p)
	if err != nil {
		return err
	}
	if n.Kind == redgrid.KindDistrict || n.Kind == redgrid.KindStreet {
		return redgrid.Invalid("node", "kind", "node must be a community or a grid, micro-grid or building of one")
	}
	out, err := s.store.BaobaoGaps(r.Context(), n.Path)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, out)
}
