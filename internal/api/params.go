package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/redgrid/redgrid"
)

// pathID parses the {name} path segment as a positive id.
func pathID(r *http.Request, name string) (int64, error) {
	v, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || v <= 0 {
		return 0, redgrid.Invalid(name, "positive_integer", name+" must be a positive integer")
	}
	return v, nil
}

// queryID parses an optional positive id query parameter (0 when absent).
func queryID(r *http.Request, name string) (int64, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return 0, nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v <= 0 {
		return 0, redgrid.Invalid(name, "positive_integer", name+" must be a positive integer")
	}
	return v, nil
}

// queryInt parses an optional integer in [lo, hi], def when absent.
func queryInt(r *http.Request, name string, def, lo, hi int) (int, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, nil
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < lo || v > hi {
		return 0, redgrid.Invalid(name, "range", name+" must be an integer from "+strconv.Itoa(lo)+" to "+strconv.Itoa(hi))
	}
	return v, nil
}

// queryText returns a query parameter of at most max runes.
func queryText(r *http.Request, name string, max int) (string, error) {
	s := r.URL.Query().Get(name)
	if len([]rune(s)) > max {
		return "", redgrid.Invalid(name, "max_length", name+" must be at most "+strconv.Itoa(max)+" characters")
	}
	if redgrid.HasControl(s) {
		return "", redgrid.Invalid(name, "no_control_chars", name+" must be valid UTF-8 text without control characters")
	}
	return s, nil
}

// ifMatch parses If-Match: "<version>" (0 when absent). A weak or list form is refused.
func ifMatch(r *http.Request) (int, error) {
	h := strings.TrimSpace(r.Header.Get("If-Match"))
	if h == "" {
		return 0, nil
	}
	v, err := strconv.Atoi(strings.Trim(h, `"`))
	if err != nil || v <= 0 {
		return 0, redgrid.Invalid("If-Match", "etag", `If-Match must be the ETag of the record, e.g. "3"`)
	}
	return v, nil
}

func setETag(w http.ResponseWriter, version int) {
	w.Header().Set("ETag", `"`+strconv.Itoa(version)+`"`)
}

// created writes 201 with a Location. A retry answered from its Idempotency-Key gets the same
// status and the first resource, marked Idempotent-Replayed: nothing new was made.
func created(w http.ResponseWriter, location string, replayed bool, v any) error {
	w.Header().Set("Location", location)
	if replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	return writeJSON(w, http.StatusCreated, v)
}

// readPatch reads the common parts of a PATCH: the {id}, an optional If-Match version and a body
// that decodes and validates as T.
func readPatch[T any, PT interface {
	*T
	Validate() error
}](s *Server, r *http.Request) (id int64, version int, in T, err error) {
	if id, err = pathID(r, "id"); err != nil {
		return
	}
	if version, err = ifMatch(r); err != nil {
		return
	}
	if err = s.decode(r, &in); err != nil {
		return
	}
	err = PT(&in).Validate()
	return
}
