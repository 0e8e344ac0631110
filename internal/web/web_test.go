package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHandler(t *testing.T) {
	h := Handler()
	get := func(path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec
	}
	// Client-side routes get the page (index.html, or the "not built" page before `make ui`).
	for _, p := range []string{"/", "/nodes/12", "/login", "/verify/0123456789abcdef0123456789abcdef"} {
		rec := get(p)
		if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") || rec.Header().Get("Cache-Control") != "no-cache" {
			t.Errorf("GET %s = %d %q %q", p, rec.Code, rec.Header().Get("Content-Type"), rec.Header().Get("Cache-Control"))
		}
		if !strings.Contains(rec.Body.String(), "redgrid") && !strings.Contains(rec.Body.String(), "红色网格") {
			t.Errorf("GET %s does not look like the redgrid page", p)
		}
	}
	if !Built() {
		if body := get("/").Body.String(); !strings.Contains(body, "make ui") {
			t.Error("the not-built page does not say how to build the UI")
		}
		return
	}
	// Dotfiles (the .keep placeholder) are never served as files.
	if rec := get("/.keep"); strings.Contains(rec.Header().Get("Cache-Control"), "immutable") {
		t.Error(".keep served as an asset")
	}
}
