package api

import (
	"net/http"
	"strconv"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/auth"
)

// grantPath is where a grant lives for scope checks: its node, or its department's home node.
func (s *Server) grantPath(r *http.Request, g redgrid.NewGrant, field string) (string, error) {
	if g.NodeID != nil {
		p, err := s.store.NodePath(r.Context(), *g.NodeID)
		if redgrid.ErrorKind(err) == redgrid.KindNotFound {
			return "", redgrid.Invalid(field+"node_id", "exists", "node does not exist")
		}
		return p, err
	}
	if g.OrgID != nil {
		o, err := s.store.Org(r.Context(), *g.OrgID)
		if redgrid.ErrorKind(err) == redgrid.KindNotFound {
			return "", redgrid.Invalid(field+"org_id", "exists", "organisation does not exist")
		}
		return o.HomePath, err
	}
	return "", redgrid.Invalid(field+"node_id", "required", "node_id or org_id is required")
}

// managedUser loads a user whose every role lies inside the admin's scope.
func (s *Server) managedUser(r *http.Request, p *redgrid.Principal, id int64) (redgrid.User, error) {
	if !p.CanAny(redgrid.ActManageUsers) {
		return redgrid.User{}, forbidden("user management")
	}
	u, err := s.store.User(r.Context(), id)
	if err != nil {
		return u, err
	}
	for _, g := range u.Roles {
		path, err := s.grantPath(r, redgrid.NewGrant{NodeID: g.NodeID, OrgID: g.OrgID}, "")
		if err != nil {
			return u, err
		}
		if !p.Can(redgrid.ActManageUsers, path) {
			return u, forbidden("user " + strconv.FormatInt(id, 10))
		}
	}
	return u, nil
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	if !p.CanAny(redgrid.ActManageUsers) {
		return forbidden("user management")
	}
	q, err := queryText(r, "q", 50)
	if err != nil {
		return err
	}
	us, err := s.store.Users(r.Context(), q, p.ScopePaths(redgrid.ActManageUsers), 200)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list[redgrid.User]{us})
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	u, err := s.managedUser(r, p, id)
	if err != nil {
		return err
	}
	setETag(w, u.Version)
	return writeJSON(w, http.StatusOK, u)
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	if !p.CanAny(redgrid.ActManageUsers) {
		return forbidden("user management")
	}
	var in redgrid.NewUser
	ctx, err := s.decodeCreate(r, &in)
	if err != nil {
		return err
	}
	if err := in.Validate(); err != nil {
		return err
	}
	for i, g := range in.Roles {
		path, err := s.grantPath(r, g, "roles["+strconv.Itoa(i)+"].")
		if err != nil {
			return err
		}
		if !p.Can(redgrid.ActManageUsers, path) {
			return forbidden("granting a role there")
		}
	}
	hash, err := auth.Hash(in.Password, s.cfg.Argon)
	if err != nil {
		return err
	}
	u, replayed, err := s.store.CreateUser(ctx, in, hash)
	if err != nil {
		return err
	}
	setETag(w, u.Version)
	return created(w, "/api/v1/users/"+strconv.FormatInt(u.ID, 10), replayed, u)
}

func (s *Server) patchUser(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	id, version, in, err := readPatch[redgrid.UserPatch](s, r)
	if err != nil {
		return err
	}
	if _, err := s.managedUser(r, p, id); err != nil {
		return err
	}
	if id == p.UserID && in.Disabled != nil && *in.Disabled {
		return &redgrid.Error{Kind: redgrid.KindConflict, Message: "you cannot disable your own account", Fields: []redgrid.FieldError{{Field: "disabled", Rule: "not_self", Message: "you cannot disable your own account"}}}
	}
	hash := ""
	if in.Password != nil {
		if hash, err = auth.Hash(*in.Password, s.cfg.Argon); err != nil {
			return err
		}
	}
	u, err := s.store.UpdateUser(r.Context(), id, in, hash, version)
	if err != nil {
		return err
	}
	setETag(w, u.Version)
	return writeJSON(w, http.StatusOK, u)
}

func (s *Server) addRole(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in redgrid.NewGrant
	ctx, err := s.decodeCreate(r, &in)
	if err != nil {
		return err
	}
	if err := in.Validate(""); err != nil {
		return err
	}
	if _, err := s.managedUser(r, p, id); err != nil {
		return err
	}
	path, err := s.grantPath(r, in, "")
	if err != nil {
		return err
	}
	if !p.Can(redgrid.ActManageUsers, path) {
		return forbidden("granting a role there")
	}
	g, replayed, err := s.store.AddGrant(ctx, id, in)
	if err != nil {
		return err
	}
	return created(w, "/api/v1/users/"+strconv.FormatInt(id, 10), replayed, g)
}

func (s *Server) removeRole(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	gid, err := pathID(r, "grant_id")
	if err != nil {
		return err
	}
	if _, err := s.managedUser(r, p, id); err != nil {
		return err
	}
	if err := s.store.RemoveGrant(r.Context(), id, gid); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) getAudit(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	if !p.CanAny(redgrid.ActReadAudit) {
		return forbidden("the audit log")
	}
	limit, err := queryInt(r, "limit", 100, 1, 500)
	if err != nil {
		return err
	}
	before, err := queryID(r, "before_id")
	if err != nil {
		return err
	}
	es, err := s.store.AuditLog(r.Context(), limit, before)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list[redgrid.AuditEntry]{es})
}
