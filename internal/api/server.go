// Package api is redgrid's JSON API under /api/v1/: one route table (routes.go), handlers that
// return errors, and one adapter that turns error kinds into RFC 9457 problem documents.
package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"golang.org/x/time/rate"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/atlas"
	"github.com/redgrid/redgrid/internal/auth"
	"github.com/redgrid/redgrid/internal/sqlstore"
)

// Config holds the API's settings.
type Config struct {
	BodyLimit     int64         // bytes; default 1 MiB
	SessionTTL    time.Duration // default 12 h
	SecureCookies bool          // set the Secure flag (behind HTTPS)
	// Login throttling: more than LoginFailures failed attempts for one username within
	// LoginWindow are refused with 429; each client address may try LoginPerMinute times a minute.
	LoginFailures  int
	LoginWindow    time.Duration
	LoginPerMinute int
	Argon          auth.Params
	// TrustProxy takes the client address from X-Forwarded-For (only behind a trusted proxy).
	TrustProxy bool
	// ImportLimit bounds the body of a boundary import (GeoJSON or zipped Shapefile); default
	// 64 MiB.
	ImportLimit int64
	// PublicURL is the address residents reach the UI at, for the links in grid QR codes
	// (default: the scheme and host of the request).
	PublicURL string
	// Atlas is the grid map; nil makes one with default options, built at once.
	Atlas *atlas.Atlas
	// TileURL is an optional map tile template for the UI (e.g. Tianditu with its key, or OSM);
	// empty draws the grids on a blank background, which needs no tile server.
	TileURL         string
	TileAttribution string
	// DuplicateMetres and DuplicateWindow: open cases of the same category in the same grid within
	// this distance and time are suggested as duplicates (default 50 m, 7 days).
	DuplicateMetres float64
	DuplicateWindow time.Duration
	// Satisfaction are the weights of 满意 and 基本满意 in 满意率 (nil: 1 and 0.9); they must pass
	// their Validate (the command line refuses to start otherwise).
	Satisfaction *redgrid.SatisfactionWeights
	// PhotoDir is where case photos are stored (<data>/photos); empty refuses uploads with 503.
	PhotoDir string
	// Open311Jurisdiction is the jurisdiction_id Open311 clients may send (default: the code of
	// any district at the root of the tree); Open311Contact is discovery's contact line.
	Open311Jurisdiction string
	Open311Contact      string
	// Open311Reads bounds the multipart Open311 bodies (up to ~31 MiB each, held in memory) read
	// at once; beyond, 503 with Retry-After (default 4).
	Open311Reads int
}

func (c *Config) defaults() {
	if c.BodyLimit <= 0 {
		c.BodyLimit = 1 << 20
	}
	if c.SessionTTL <= 0 {
		c.SessionTTL = 12 * time.Hour
	}
	if c.LoginFailures <= 0 {
		c.LoginFailures = 5
	}
	if c.LoginWindow <= 0 {
		c.LoginWindow = 15 * time.Minute
	}
	if c.LoginPerMinute <= 0 {
		c.LoginPerMinute = 20
	}
	if c.ImportLimit <= 0 {
		c.ImportLimit = 64 << 20
	}
	if c.DuplicateMetres <= 0 {
		c.DuplicateMetres = 50
	}
	if c.DuplicateWindow <= 0 {
		c.DuplicateWindow = 7 * 24 * time.Hour
	}
	if c.Satisfaction == nil {
		w := redgrid.DefaultSatisfactionWeights
		c.Satisfaction = &w
	}
	if c.Open311Reads <= 0 {
		c.Open311Reads = 4
	}
	if c.Argon.Memory == 0 {
		c.Argon = auth.DefaultParams
	}
}

// Server serves the JSON API. It holds no state that must survive it: sessions, login failures
// and idempotency keys live in the database, so several servers may share one PostgreSQL. The
// per-address login limiter is per process by design (a cheap first line; the per-username limit
// in the database is the one that holds across servers).
type Server struct {
	store    *sqlstore.Store
	atlas    *atlas.Atlas
	log      *slog.Logger
	cfg      Config
	now      func() time.Time
	ui       http.Handler
	mux      *http.ServeMux
	metrics  *metrics
	registry *prometheus.Registry
	limMu    sync.Mutex
	limits   map[string]*rate.Limiter
	// o311Reads holds a token for each multipart Open311 body being read (Config.Open311Reads).
	o311Reads chan struct{}
	dummy     string // a hash to verify against when the user does not exist, so timing tells nothing
}

// New builds the server. ui serves everything outside /api (the embedded web UI); nil for none.
// reg receives the HTTP metrics and is served at /metrics (nil: a fresh registry with the Go and
// process collectors).
func New(store *sqlstore.Store, log *slog.Logger, cfg Config, now func() time.Time, ui http.Handler, reg *prometheus.Registry) *Server {
	cfg.defaults()
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{store: store, log: log, cfg: cfg, now: now, ui: ui, limits: map[string]*rate.Limiter{}, atlas: cfg.Atlas,
		o311Reads: make(chan struct{}, cfg.Open311Reads)}
	if s.atlas == nil {
		s.atlas = atlas.New(store, atlas.Options{}, log)
		if err := s.atlas.Refresh(context.Background()); err != nil {
			log.Warn("grid index not built; it is retried on the next import", "err", err)
		}
	}
	s.dummy, _ = auth.Hash("redgrid-dummy-password", cfg.Argon)
	if reg == nil {
		reg = prometheus.NewRegistry()
		reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	s.metrics = newMetrics(reg)
	s.registry = reg
	s.mux = http.NewServeMux()
	for _, rt := range s.routes() {
		pat := rt.Pattern
		if rt.Method != "" {
			pat = rt.Method + " " + pat
		}
		s.mux.Handle(pat, rt.handler)
	}
	if ui != nil {
		s.mux.Handle("/", s.uiOnly(ui))
	}
	return s
}

// Handler is the whole HTTP surface with its middleware.
func (s *Server) Handler() http.Handler { return s.middleware(s.mux) }

type ctxKey int

const (
	principalKey ctxKey = iota
	sessionKey
	callerKey
)

// caller is filled in by authed once the caller is known, so that the adapter outside it can
// name them in the audit line of a refusal.
type caller struct{ actor redgrid.Actor }

var requestIDRe = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// middleware: request id, actor in context, panic recovery (a 500 problem, never a crash), one
// log line per request, metrics, security headers. Log lines carry the route pattern, never the
// query string or body, so no personal data reaches the logs.
func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rid := r.Header.Get("X-Request-ID")
		if !requestIDRe.MatchString(rid) {
			b := make([]byte, 8)
			rand.Read(b)
			rid = hex.EncodeToString(b)
		}
		w.Header().Set("X-Request-ID", rid)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("X-Frame-Options", "DENY")
		w.Header().Set("Referrer-Policy", "same-origin")
		a := redgrid.Actor{RemoteAddr: s.clientAddr(r), RequestID: rid}
		ctx := redgrid.WithActor(r.Context(), a)
		ctx = context.WithValue(ctx, callerKey, &caller{actor: a})
		r = r.WithContext(ctx)
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic", "request_id", rid, "route", r.Pattern, "panic", v, "stack", string(debug.Stack()))
				if sw.status == 0 {
					writeProblem(sw, problemFor(errors.New("panic"), r.URL.Path, rid))
				}
			}
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			d := time.Since(start)
			s.metrics.observe(route, r.Method, sw.status, d)
			s.log.Info("request", "request_id", rid, "method", r.Method, "route", route, "status", sw.status, "ms", float64(d.Microseconds())/1000)
		}()
		next.ServeHTTP(sw, r)
	})
}

func (s *Server) clientAddr(r *http.Request) string {
	if s.cfg.TrustProxy {
		if xf := r.Header.Get("X-Forwarded-For"); xf != "" {
			return strings.TrimSpace(strings.Split(xf, ",")[0])
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// handlerFunc is a handler that returns its error instead of writing it.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// authedFunc is a handler that needs a logged-in caller.
type authedFunc func(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error

// handle adapts a handlerFunc: an error becomes a problem document and, for refusals, an audit
// line. Internal errors are logged once with the request id.
func (s *Server) handle(fn handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := fn(w, r)
		if err == nil {
			return
		}
		a := redgrid.ActorFrom(r.Context())
		p := problemFor(err, r.URL.Path, a.RequestID)
		kind := redgrid.ErrorKind(err)
		if p.Status == http.StatusInternalServerError {
			s.log.Error("internal error", "request_id", a.RequestID, "route", r.Pattern, "err", err)
		}
		s.auditRefusal(r, kind, p)
		writeProblem(w, p)
	})
}

// auditRefusal records refusals: every 401/403/429, and on changing requests every rejection of
// input or state. Reads that fail validation are not changes and are not logged.
func (s *Server) auditRefusal(r *http.Request, kind redgrid.Kind, p Problem) {
	outcome := ""
	switch kind {
	case redgrid.KindUnauthorized, redgrid.KindForbidden, redgrid.KindRateLimited:
		outcome = redgrid.OutcomeDenied
	case redgrid.KindInvalid, redgrid.KindConflict, redgrid.KindPreconditionFailed, redgrid.KindUnprocessable, redgrid.KindTooLarge, kindUnsupportedMedia:
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			outcome = redgrid.OutcomeRejected
		}
	}
	if outcome == "" || r.Pattern == "POST /api/v1/auth/login" && kind == redgrid.KindUnauthorized {
		return // failed logins are audited by the login handler with the username
	}
	detail := map[string]any{"status": p.Status, "detail": p.Detail}
	if len(p.Errors) > 0 {
		detail["errors"] = p.Errors
	}
	ctx := context.WithoutCancel(r.Context())
	if c, ok := ctx.Value(callerKey).(*caller); ok {
		ctx = redgrid.WithActor(ctx, c.actor)
	}
	if err := s.store.Audit(ctx, r.Method+" "+routeOf(r), r.URL.Path, outcome, detail); err != nil {
		s.log.Error("audit write failed", "request_id", redgrid.ActorFrom(ctx).RequestID, "err", err)
	}
}

func routeOf(r *http.Request) string {
	if r.Pattern == "" {
		return r.URL.Path
	}
	_, pat, _ := strings.Cut(r.Pattern, " ")
	return pat
}

func principalFrom(ctx context.Context) *redgrid.Principal {
	p, _ := ctx.Value(principalKey).(*redgrid.Principal)
	return p
}

// uiOnly lets GET and HEAD through to the UI; anything else outside /api is 405.
func (s *Server) uiOnly(ui http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			writeProblem(w, problemFor(redgrid.Errorf(kindMethodNotAllowed, "method %s is not allowed here", r.Method), r.URL.Path, redgrid.ActorFrom(r.Context()).RequestID))
			return
		}
		ui.ServeHTTP(w, r)
	})
}
