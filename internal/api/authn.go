package api

import (
	"context"
	"crypto/subtle"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/auth"
	"github.com/redgrid/redgrid/internal/sqlstore"
)

// Cookie names. The session cookie is HttpOnly; the CSRF cookie is readable by the UI's script,
// which echoes it in X-CSRF-Token (checked against the value stored with the session).
const (
	sessionCookie = "redgrid_session"
	csrfCookie    = "redgrid_csrf"
	csrfHeader    = "X-CSRF-Token"
)

// authed resolves the caller (bearer token, else session cookie with CSRF check on unsafe
// methods), loads their grants and calls fn. No caller: 401.
func (s *Server) authed(fn authedFunc) http.Handler {
	return s.handle(func(w http.ResponseWriter, r *http.Request) error {
		p, sessHash, err := s.authenticate(r)
		if err != nil {
			return err
		}
		a := redgrid.ActorFrom(r.Context())
		a.UserID, a.Username = p.UserID, p.Username
		if c, ok := r.Context().Value(callerKey).(*caller); ok {
			c.actor = a
		}
		ctx := redgrid.WithActor(r.Context(), a)
		ctx = context.WithValue(ctx, principalKey, p)
		ctx = context.WithValue(ctx, sessionKey, sessHash)
		return fn(w, r.WithContext(ctx), p)
	})
}

func (s *Server) authenticate(r *http.Request) (*redgrid.Principal, string, error) {
	ctx := r.Context()
	var token string
	fromCookie := false
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, tok, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
			return nil, "", redgrid.Errorf(redgrid.KindUnauthorized, "Authorization must be 'Bearer <token>'")
		}
		token = strings.TrimSpace(tok)
	} else if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		token, fromCookie = c.Value, true
	} else {
		return nil, "", redgrid.Errorf(redgrid.KindUnauthorized, "log in first")
	}
	if len(token) > 200 {
		return nil, "", redgrid.Errorf(redgrid.KindUnauthorized, "not logged in")
	}
	hash := auth.TokenHash(token)
	sess, err := s.store.Session(ctx, hash)
	if err != nil {
		return nil, "", err
	}
	if fromCookie && r.Method != http.MethodGet && r.Method != http.MethodHead {
		got := r.Header.Get(csrfHeader)
		if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(sess.CSRFToken)) != 1 {
			return nil, "", redgrid.Errorf(redgrid.KindForbidden, "missing or wrong %s header", csrfHeader)
		}
	}
	p, err := s.store.Principal(ctx, sess.UserID)
	if err != nil {
		return nil, "", err
	}
	return p, hash, nil
}

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type loginResponse struct {
	Token     string    `json:"token"`
	CSRFToken string    `json:"csrf_token"`
	ExpiresAt time.Time `json:"expires_at"`
	User      meResp    `json:"user"`
}

type meResp struct {
	ID          int64           `json:"id"`
	Username    string          `json:"username"`
	DisplayName string          `json:"display_name"`
	Roles       []redgrid.Grant `json:"roles"`
}

func (s *Server) limiter(addr string) *rate.Limiter {
	s.limMu.Lock()
	defer s.limMu.Unlock()
	if len(s.limits) > 10000 {
		s.limits = map[string]*rate.Limiter{} // bounded memory; the database limit still holds
	}
	l, ok := s.limits[addr]
	if !ok {
		l = rate.NewLimiter(rate.Limit(float64(s.cfg.LoginPerMinute)/60), s.cfg.LoginPerMinute)
		s.limits[addr] = l
	}
	return l
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := redgrid.ActorFrom(ctx)
	if !s.limiter(a.RemoteAddr).Allow() {
		w.Header().Set("Retry-After", "60")
		return redgrid.Errorf(redgrid.KindRateLimited, "too many login attempts from this address; wait a minute")
	}
	var req loginRequest
	if err := s.decode(r, &req); err != nil {
		return err
	}
	var v redgrid.Validator
	v.Check(req.Username != "" && len(req.Username) <= 64, "username", "required", "username is required (at most 64 characters)")
	v.Check(!redgrid.HasControl(req.Username), "username", "no_control_chars", "username must not contain control characters")
	v.Check(req.Password != "" && len(req.Password) <= redgrid.MaxPasswordLen, "password", "required", "password is required (at most 128 bytes)")
	if err := v.Err(); err != nil {
		return err
	}
	fails, err := s.store.LoginFailures(ctx, req.Username, s.now().Add(-s.cfg.LoginWindow))
	if err != nil {
		return err
	}
	if fails >= s.cfg.LoginFailures {
		w.Header().Set("Retry-After", strconv.Itoa(int(s.cfg.LoginWindow.Seconds())))
		return redgrid.Errorf(redgrid.KindRateLimited, "too many failed logins for this account; try again in %d minutes", int(s.cfg.LoginWindow.Minutes()))
	}
	cred, err := s.store.Credentials(ctx, req.Username)
	if err != nil && redgrid.ErrorKind(err) != redgrid.KindNotFound {
		return err
	}
	ok := false
	if err == nil {
		ok = auth.Verify(req.Password, cred.PasswordHash) == nil && !cred.Disabled
	} else {
		auth.Verify(req.Password, s.dummy) // same work whether or not the user exists
	}
	if !ok {
		if err := s.store.RecordLoginFailure(ctx, req.Username, a.RemoteAddr); err != nil {
			return err
		}
		return redgrid.Errorf(redgrid.KindUnauthorized, "wrong username or password")
	}
	if err := s.store.ClearLoginFailures(ctx, req.Username); err != nil {
		return err
	}
	token, csrf := auth.NewToken(), auth.NewToken()
	exp := s.now().Add(s.cfg.SessionTTL)
	if err := s.store.CreateSession(ctx, auth.TokenHash(token), sqlstore.Session{UserID: cred.UserID, CSRFToken: csrf, ExpiresAt: exp}, a.RemoteAddr); err != nil {
		return err
	}
	a.UserID, a.Username = cred.UserID, req.Username
	actx := redgrid.WithActor(ctx, a)
	if err := s.store.Audit(actx, "auth.login", "user:"+strconv.FormatInt(cred.UserID, 10), redgrid.OutcomeOK, nil); err != nil {
		return err
	}
	p, err := s.store.Principal(ctx, cred.UserID)
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode, Expires: exp})
	http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: csrf, Path: "/", Secure: s.cfg.SecureCookies, SameSite: http.SameSiteStrictMode, Expires: exp})
	return writeJSON(w, http.StatusOK, loginResponse{Token: token, CSRFToken: csrf, ExpiresAt: exp.UTC(), User: me(p)})
}

func me(p *redgrid.Principal) meResp {
	return meResp{ID: p.UserID, Username: p.Username, DisplayName: p.DisplayName, Roles: p.Grants}
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	hash, _ := r.Context().Value(sessionKey).(string)
	if err := s.store.DeleteSession(r.Context(), hash); err != nil {
		return err
	}
	if err := s.store.Audit(r.Context(), "auth.logout", "user:"+strconv.FormatInt(p.UserID, 10), redgrid.OutcomeOK, nil); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true})
	http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: "", Path: "/", MaxAge: -1})
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) getMe(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	return writeJSON(w, http.StatusOK, me(p))
}
