package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/hanzi"
)

// Credentials are what login needs of an account.
type Credentials struct {
	UserID       int64
	PasswordHash string
	Disabled     bool
}

// Credentials returns the login data of username; KindNotFound when there is no such account.
func (s *Store) Credentials(ctx context.Context, username string) (Credentials, error) {
	var c Credentials
	err := s.queryRow(ctx, "SELECT id, password_hash, disabled FROM users WHERE username = ?", username).Scan(&c.UserID, &c.PasswordHash, &c.Disabled)
	if errors.Is(err, sql.ErrNoRows) {
		return c, redgrid.Errorf(redgrid.KindNotFound, "no such user")
	}
	return c, err
}

// User returns an account with its roles; KindNotFound when there is none.
func (s *Store) User(ctx context.Context, id int64) (redgrid.User, error) {
	us, err := s.users(ctx, "SELECT id, username, display_name, disabled, version, created_at FROM users WHERE id = ?", id)
	if err != nil {
		return redgrid.User{}, err
	}
	if len(us) == 0 {
		return redgrid.User{}, redgrid.Errorf(redgrid.KindNotFound, "user %d not found", id)
	}
	return us[0], nil
}

// Users lists accounts matching q (username, display name, pinyin) that hold at least one role
// inside the scopes, or no role at all (so an admin can find an account to grant to).
func (s *Store) Users(ctx context.Context, q string, scopes []string, limit int) ([]redgrid.User, error) {
	if limit <= 0 || limit > 500 {
		limit = 200
	}
	var where []string
	var args []any
	if q = hanzi.Query(q); q != "" {
		w, a := searchWhere("u", q)
		e := likeEscape(q)
		where = append(where, "("+w+" OR u.username LIKE ? ESCAPE '\\' OR u.display_name LIKE ? ESCAPE '\\')")
		args = append(append(args, a...), e+"%", "%"+e+"%")
	}
	nw, na := scopeWhere("n.path", scopes)
	if len(scopes) == 0 {
		nw = "1 = 0"
	}
	where = append(where, "(NOT EXISTS (SELECT 1 FROM grants g WHERE g.user_id = u.id) OR EXISTS (SELECT 1 FROM grants g JOIN nodes n ON n.id = g.node_id WHERE g.user_id = u.id AND "+nw+") OR EXISTS (SELECT 1 FROM grants g JOIN orgs o ON o.id = g.org_id JOIN nodes n ON n.id = o.home_node_id WHERE g.user_id = u.id AND "+nw+"))")
	args = append(args, na...)
	args = append(args, na...)
	args = append(args, limit)
	return s.users(ctx, "SELECT u.id, u.username, u.display_name, u.disabled, u.version, u.created_at FROM users u WHERE "+strings.Join(where, " AND ")+" ORDER BY u.username LIMIT ?", args...)
}

func (s *Store) users(ctx context.Context, q string, args ...any) ([]redgrid.User, error) {
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("users: %w", err)
	}
	defer rows.Close()
	out := []redgrid.User{}
	for rows.Next() {
		var u redgrid.User
		var created timeCol
		if err := rows.Scan(&u.ID, &u.Username, &u.DisplayName, &u.Disabled, &u.Version, &created); err != nil {
			return nil, fmt.Errorf("users: %w", err)
		}
		u.CreatedAt = created.t
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	for i := range out {
		g, err := s.Grants(ctx, out[i].ID)
		if err != nil {
			return nil, err
		}
		out[i].Roles = g
	}
	return out, nil
}

// Grants returns the roles a user holds, each with the subtree paths it covers.
func (s *Store) Grants(ctx context.Context, userID int64) ([]redgrid.Grant, error) {
	rows, err := s.query(ctx, `SELECT g.id, g.user_id, g.role, g.node_id, n.name, n.kind, n.path, g.org_id, o.name
		FROM grants g LEFT JOIN nodes n ON n.id = g.node_id LEFT JOIN orgs o ON o.id = g.org_id
		WHERE g.user_id = ? ORDER BY g.id`, userID)
	if err != nil {
		return nil, fmt.Errorf("grants: %w", err)
	}
	defer rows.Close()
	out := []redgrid.Grant{}
	for rows.Next() {
		var g redgrid.Grant
		var nodeName, nodeKind, nodePath, orgName sql.NullString
		if err := rows.Scan(&g.ID, &g.UserID, &g.Role, &g.NodeID, &nodeName, &nodeKind, &nodePath, &g.OrgID, &orgName); err != nil {
			return nil, fmt.Errorf("grants: %w", err)
		}
		g.NodeName, g.NodeKind, g.OrgName = nodeName.String, redgrid.NodeKind(nodeKind.String), orgName.String
		if nodePath.Valid {
			g.Paths = []string{nodePath.String}
		}
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	for i := range out {
		if out[i].OrgID != nil {
			p, err := s.OrgNodePaths(ctx, *out[i].OrgID)
			if err != nil {
				return nil, err
			}
			out[i].Paths = p
		}
	}
	return out, nil
}

// Principal loads the caller behind a user id: name and grants with their scopes. A disabled
// account is KindUnauthorized.
func (s *Store) Principal(ctx context.Context, userID int64) (*redgrid.Principal, error) {
	if p, ok := authGet(&s.auth, s.auth.principals, userID); ok {
		p.Grants = append([]redgrid.Grant(nil), p.Grants...)
		return &p, nil
	}
	gen := s.auth.generation()
	v, err, _ := s.auth.flight.Do("principal "+strconv.FormatUint(gen, 10)+" "+strconv.FormatInt(userID, 10), func() (any, error) {
		return s.readPrincipal(context.WithoutCancel(ctx), userID, gen)
	})
	if err != nil {
		return nil, err
	}
	p := v.(redgrid.Principal)
	return &redgrid.Principal{UserID: p.UserID, Username: p.Username, DisplayName: p.DisplayName,
		Grants: append([]redgrid.Grant(nil), p.Grants...)}, nil
}

// readPrincipal reads a principal and caches it as of generation gen (taken before the read).
func (s *Store) readPrincipal(ctx context.Context, userID int64, gen uint64) (redgrid.Principal, error) {
	at := time.Now()
	var p redgrid.Principal
	var disabled bool
	err := s.queryRow(ctx, "SELECT id, username, display_name, disabled FROM users WHERE id = ?", userID).Scan(&p.UserID, &p.Username, &p.DisplayName, &disabled)
	if errors.Is(err, sql.ErrNoRows) || disabled {
		return p, redgrid.Errorf(redgrid.KindUnauthorized, "account not available")
	}
	if err != nil {
		return p, err
	}
	if p.Grants, err = s.Grants(ctx, userID); err != nil {
		return p, err
	}
	authPut(&s.auth, &s.auth.principals, userID, p, gen, at)
	return p, nil
}

// CreateUser adds an account with the given password hash and roles. Errors: KindInvalid,
// KindConflict (username taken), KindUnprocessable.
func (s *Store) CreateUser(ctx context.Context, in redgrid.NewUser, passwordHash string) (u redgrid.User, replayed bool, err error) {
	if err := in.Validate(); err != nil {
		return u, false, err
	}
	in.DisplayName = strings.TrimSpace(in.DisplayName)
	id, replayed, err := s.create(ctx, "user", func(t *tx) (int64, error) {
		full, ini := hanzi.Keys(in.DisplayName)
		now := s.now().UTC()
		var id int64
		err := t.queryRow("INSERT INTO users (username, display_name, password_hash, pinyin, initials, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
			in.Username, in.DisplayName, passwordHash, full, ini, now, now).Scan(&id)
		if isUnique(err) {
			return 0, &redgrid.Error{Kind: redgrid.KindConflict, Message: "username is taken", Fields: []redgrid.FieldError{{Field: "username", Rule: "unique", Message: "username is taken"}}}
		}
		if err != nil {
			return 0, err
		}
		for i, g := range in.Roles {
			if _, err := t.insertGrant(id, g, "roles["+strconv.Itoa(i)+"]."); err != nil {
				return 0, err
			}
		}
		return id, t.audit("user.create", "user:"+strconv.FormatInt(id, 10), map[string]any{"username": in.Username, "roles": in.Roles})
	})
	if err != nil {
		return u, false, err
	}
	u, err = s.User(ctx, id)
	return u, replayed, err
}

func (t *tx) insertGrant(userID int64, g redgrid.NewGrant, prefix string) (int64, error) {
	if err := g.Validate(prefix); err != nil {
		return 0, err
	}
	if g.NodeID != nil {
		n, err := t.lockNode(*g.NodeID)
		if redgrid.ErrorKind(err) == redgrid.KindNotFound {
			return 0, redgrid.Invalid(prefix+"node_id", "exists", "node does not exist")
		}
		if err != nil {
			return 0, err
		}
		if !g.Role.HeldAt(n.Kind) {
			return 0, redgrid.Invalid(prefix+"node_id", "role_level", fmt.Sprintf("%s cannot be held at a %s (%s)", g.Role, n.Kind, n.Kind.Label()))
		}
	} else {
		var kind string
		err := t.queryRow("SELECT kind FROM orgs WHERE id = ?", *g.OrgID).Scan(&kind)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, redgrid.Invalid(prefix+"org_id", "exists", "organisation does not exist")
		}
		if err != nil {
			return 0, err
		}
		if redgrid.OrgKind(kind) != redgrid.OrgDepartment {
			return 0, redgrid.Invalid(prefix+"org_id", "department", "department_staff is held in a department")
		}
	}
	var dup int
	if err := t.queryRow("SELECT COUNT(*) FROM grants WHERE user_id = ? AND role = ? AND (node_id = ? OR org_id = ?)", userID, string(g.Role), g.NodeID, g.OrgID).Scan(&dup); err != nil {
		return 0, err
	}
	if dup > 0 {
		return 0, redgrid.Errorf(redgrid.KindConflict, "the user already holds this role there")
	}
	var id int64
	err := t.queryRow("INSERT INTO grants (user_id, role, node_id, org_id, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id", userID, string(g.Role), g.NodeID, g.OrgID, t.s.now().UTC()).Scan(&id)
	return id, err
}

// AddGrant gives a user a role. Errors: KindNotFound (user), KindInvalid, KindConflict.
func (s *Store) AddGrant(ctx context.Context, userID int64, g redgrid.NewGrant) (redgrid.Grant, bool, error) {
	id, replayed, err := s.create(ctx, "grant", func(t *tx) (int64, error) {
		var one int
		if err := t.queryRow("SELECT 1 FROM users WHERE id = ?", userID).Scan(&one); errors.Is(err, sql.ErrNoRows) {
			return 0, redgrid.Errorf(redgrid.KindNotFound, "user %d not found", userID)
		}
		id, err := t.insertGrant(userID, g, "")
		if err != nil {
			return 0, err
		}
		return id, t.audit("user.grant", "user:"+strconv.FormatInt(userID, 10), g)
	})
	if err != nil {
		return redgrid.Grant{}, false, err
	}
	gs, err := s.Grants(ctx, userID)
	if err != nil {
		return redgrid.Grant{}, false, err
	}
	for _, x := range gs {
		if x.ID == id {
			return x, replayed, nil
		}
	}
	return redgrid.Grant{}, false, redgrid.Errorf(redgrid.KindNotFound, "grant %d not found", id)
}

// RemoveGrant takes a role away. Errors: KindNotFound.
func (s *Store) RemoveGrant(ctx context.Context, userID, grantID int64) error {
	return s.write(ctx, func(t *tx) error {
		res, err := t.exec("DELETE FROM grants WHERE id = ? AND user_id = ?", grantID, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return redgrid.Errorf(redgrid.KindNotFound, "grant %d of user %d not found", grantID, userID)
		}
		return t.audit("user.revoke", "user:"+strconv.FormatInt(userID, 10), map[string]any{"grant_id": grantID})
	})
}

// UpdateUser changes display name, password (hash given) or disabled flag. Changing the password
// or disabling the account ends its sessions. ifVersion > 0 makes it conditional.
func (s *Store) UpdateUser(ctx context.Context, id int64, p redgrid.UserPatch, passwordHash string, ifVersion int) (redgrid.User, error) {
	if err := p.Validate(); err != nil {
		return redgrid.User{}, err
	}
	err := s.write(ctx, func(t *tx) error {
		var version int
		err := t.queryRow("SELECT version FROM users WHERE id = ?"+s.dialect.forUpdate(), id).Scan(&version)
		if errors.Is(err, sql.ErrNoRows) {
			return redgrid.Errorf(redgrid.KindNotFound, "user %d not found", id)
		}
		if err != nil {
			return err
		}
		if ifVersion > 0 && version != ifVersion {
			return redgrid.Errorf(redgrid.KindPreconditionFailed, "user %d was changed by someone else: reload it", id)
		}
		detail := map[string]any{}
		if p.DisplayName != nil {
			name := strings.TrimSpace(*p.DisplayName)
			full, ini := hanzi.Keys(name)
			if _, err := t.exec("UPDATE users SET display_name = ?, pinyin = ?, initials = ? WHERE id = ?", name, full, ini, id); err != nil {
				return err
			}
			detail["display_name"] = name
		}
		endSessions := false
		if p.Password != nil {
			if _, err := t.exec("UPDATE users SET password_hash = ? WHERE id = ?", passwordHash, id); err != nil {
				return err
			}
			detail["password"] = "changed"
			endSessions = true
		}
		if p.Disabled != nil {
			if _, err := t.exec("UPDATE users SET disabled = ? WHERE id = ?", *p.Disabled, id); err != nil {
				return err
			}
			detail["disabled"] = *p.Disabled
			endSessions = endSessions || *p.Disabled
		}
		if endSessions {
			if _, err := t.exec("DELETE FROM sessions WHERE user_id = ?", id); err != nil {
				return err
			}
		}
		if len(detail) == 0 {
			return nil
		}
		if _, err := t.exec("UPDATE users SET version = version + 1, updated_at = ? WHERE id = ?", s.now().UTC(), id); err != nil {
			return err
		}
		return t.audit("user.update", "user:"+strconv.FormatInt(id, 10), detail)
	})
	if err != nil {
		return redgrid.User{}, err
	}
	return s.User(ctx, id)
}

// Session is a login: a cookie session or a bearer token (the same thing to the server).
type Session struct {
	UserID    int64
	CSRFToken string
	ExpiresAt time.Time
}

// CreateSession records a login under the SHA-256 of its token (the token itself is never stored).
func (s *Store) CreateSession(ctx context.Context, tokenHash string, sess Session, remoteAddr string) error {
	return s.write(ctx, func(t *tx) error {
		if _, err := t.exec("INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at, remote_addr) VALUES (?, ?, ?, ?, ?, ?)",
			tokenHash, sess.UserID, sess.CSRFToken, s.now().UTC(), sess.ExpiresAt.UTC(), remoteAddr); err != nil {
			return err
		}
		// Expired sessions of this user go at each login, so the table does not grow without bound.
		_, err := t.exec("DELETE FROM sessions WHERE user_id = ? AND expires_at < ?", sess.UserID, s.now().UTC())
		return err
	})
}

// Session returns the live session for a token hash; KindUnauthorized when unknown or expired.
func (s *Store) Session(ctx context.Context, tokenHash string) (Session, error) {
	sess, ok := authGet(&s.auth, s.auth.sessions, tokenHash)
	if !ok {
		gen := s.auth.generation()
		v, err, _ := s.auth.flight.Do("session "+strconv.FormatUint(gen, 10)+" "+tokenHash, func() (any, error) {
			return s.readSession(context.WithoutCancel(ctx), tokenHash, gen)
		})
		if err != nil {
			return Session{}, err
		}
		sess = v.(Session)
	}
	if !s.now().Before(sess.ExpiresAt) {
		return sess, redgrid.Errorf(redgrid.KindUnauthorized, "session expired")
	}
	return sess, nil
}

// readSession reads a session and caches it as of generation gen (taken before the read).
func (s *Store) readSession(ctx context.Context, tokenHash string, gen uint64) (Session, error) {
	at := time.Now()
	var sess Session
	var exp timeCol
	err := s.queryRow(ctx, "SELECT user_id, csrf_token, expires_at FROM sessions WHERE token_hash = ?", tokenHash).Scan(&sess.UserID, &sess.CSRFToken, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return sess, redgrid.Errorf(redgrid.KindUnauthorized, "not logged in")
	}
	if err != nil {
		return sess, err
	}
	sess.ExpiresAt = exp.t
	authPut(&s.auth, &s.auth.sessions, tokenHash, sess, gen, at)
	return sess, nil
}

// DeleteSession ends a login.
func (s *Store) DeleteSession(ctx context.Context, tokenHash string) error {
	_, err := s.exec(ctx, "DELETE FROM sessions WHERE token_hash = ?", tokenHash)
	s.auth.invalidate()
	return err
}

// RecordLoginFailure notes a failed login for rate limiting; the audit line is written too.
func (s *Store) RecordLoginFailure(ctx context.Context, username, remoteAddr string) error {
	return s.write(ctx, func(t *tx) error {
		if _, err := t.exec("INSERT INTO login_failures (username, remote_addr, at) VALUES (?, ?, ?)", username, remoteAddr, s.now().UTC()); err != nil {
			return err
		}
		a := redgrid.ActorFrom(t.ctx)
		a.Username = username
		return s.insertAudit(t.ctx, t, a, "auth.login", "user:"+username, redgrid.OutcomeDenied, map[string]string{"reason": "bad credentials"})
	})
}

// LoginFailures counts failed logins for username since a time. Stored in the database, the count
// holds across several servers.
func (s *Store) LoginFailures(ctx context.Context, username string, since time.Time) (int, error) {
	var n int
	err := s.queryRow(ctx, "SELECT COUNT(*) FROM login_failures WHERE username = ? AND at >= ?", username, since.UTC()).Scan(&n)
	return n, err
}

// ClearLoginFailures forgets the failures of username after a successful login.
func (s *Store) ClearLoginFailures(ctx context.Context, username string) error {
	_, err := s.exec(ctx, "DELETE FROM login_failures WHERE username = ?", username)
	return err
}

// StaffGrant is a role held at a node, with its holder.
type StaffGrant struct {
	UserID      int64
	Username    string
	DisplayName string
	Role        redgrid.Role
}

// NodeStaff returns who holds a role at the node itself (not below it), residents excluded.
func (s *Store) NodeStaff(ctx context.Context, nodeID int64) ([]StaffGrant, error) {
	rows, err := s.query(ctx, "SELECT u.id, u.username, u.display_name, g.role FROM grants g JOIN users u ON u.id = g.user_id WHERE g.node_id = ? AND g.role <> ? AND u.disabled = ? ORDER BY g.role, u.username",
		nodeID, string(redgrid.RoleResident), false)
	if err != nil {
		return nil, fmt.Errorf("node staff: %w", err)
	}
	defer rows.Close()
	var out []StaffGrant
	for rows.Next() {
		var g StaffGrant
		if err := rows.Scan(&g.UserID, &g.Username, &g.DisplayName, &g.Role); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}
