package api

import (
	_ "embed"
	"net/http"

	"github.com/redgrid/redgrid"
)

//go:embed openapi.json
var openapiDoc []byte

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	if err := s.store.Ready(r.Context()); err != nil {
		s.log.Warn("not ready", "err", err)
		writeProblem(w, Problem{Type: "urn:redgrid:problem:not_ready", Title: http.StatusText(503), Status: 503, Detail: "database unreachable or migrations not current"})
		return nil
	}
	return writeJSON(w, http.StatusOK, map[string]string{"status": "ready", "engine": s.store.Engine()})
}

func (s *Server) openapi(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	_, err := w.Write(openapiDoc)
	return err
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) error {
	return s.unrouted(w, r)
}

// unrouted is the error for a request no route matched: 405 with Allow for a known path with the
// wrong method, else 404.
func (s *Server) unrouted(w http.ResponseWriter, r *http.Request) error {
	for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
		if m == r.Method {
			continue
		}
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pat := s.mux.Handler(probe); pat != "" && pat != "/api/" && pat != "/open311/" && pat != "/" {
			w.Header().Add("Allow", m)
		}
	}
	if w.Header().Get("Allow") != "" {
		return redgrid.Errorf(kindMethodNotAllowed, "method %s is not allowed here", r.Method)
	}
	return redgrid.Errorf(redgrid.KindNotFound, "no such API path")
}
