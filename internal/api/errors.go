package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/redgrid/redgrid"
)

// Problem is an RFC 9457 problem document. Errors names each offending field and rule.
type Problem struct {
	Type      string               `json:"type"`
	Title     string               `json:"title"`
	Status    int                  `json:"status"`
	Detail    string               `json:"detail,omitempty"`
	Instance  string               `json:"instance,omitempty"`
	RequestID string               `json:"request_id,omitempty"`
	Errors    []redgrid.FieldError `json:"errors,omitempty"`
	// Extra holds extension members (RFC 9457 §3.2), written beside the standard ones.
	Extra map[string]any `json:"-"`
}

// MarshalJSON writes the standard members and then the extension members; an extension never
// replaces a standard member.
func (p Problem) MarshalJSON() ([]byte, error) {
	type plain Problem
	b, err := json.Marshal(plain(p))
	if err != nil || len(p.Extra) == 0 {
		return b, err
	}
	m := map[string]any{}
	for k, v := range p.Extra {
		m[k] = v
	}
	var std map[string]json.RawMessage
	if err := json.Unmarshal(b, &std); err != nil {
		return nil, err
	}
	for k, v := range std {
		m[k] = v
	}
	return json.Marshal(m)
}

var kindStatus = map[redgrid.Kind]int{
	redgrid.KindInvalid:            http.StatusBadRequest,
	redgrid.KindUnauthorized:       http.StatusUnauthorized,
	redgrid.KindForbidden:          http.StatusForbidden,
	redgrid.KindNotFound:           http.StatusNotFound,
	redgrid.KindConflict:           http.StatusConflict,
	redgrid.KindPreconditionFailed: http.StatusPreconditionFailed,
	redgrid.KindTooLarge:           http.StatusRequestEntityTooLarge,
	redgrid.KindUnprocessable:      http.StatusUnprocessableEntity,
	redgrid.KindRateLimited:        http.StatusTooManyRequests,
}

// Extra kinds only the transport knows.
const (
	kindUnsupportedMedia redgrid.Kind = "unsupported_media_type"
	kindMethodNotAllowed redgrid.Kind = "method_not_allowed"
	// kindUnavailable: a part of the server is not configured (photo storage without a directory).
	kindUnavailable redgrid.Kind = "unavailable"
)

func statusOf(k redgrid.Kind) int {
	switch k {
	case kindUnsupportedMedia:
		return http.StatusUnsupportedMediaType
	case kindMethodNotAllowed:
		return http.StatusMethodNotAllowed
	case kindUnavailable:
		return http.StatusServiceUnavailable
	}
	if s, ok := kindStatus[k]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// problemFor turns an error into the document a client sees. Internal errors say nothing about
// their cause; the cause is logged once with the request id.
func problemFor(err error, instance, requestID string) Problem {
	var re *redgrid.Error
	kind := redgrid.KindInternal
	p := Problem{Instance: instance, RequestID: requestID}
	if errors.As(err, &re) {
		kind = re.Kind
		p.Detail = re.Message
		p.Errors = re.Fields
		p.Extra = re.Extra
	}
	p.Status = statusOf(kind)
	p.Type = "urn:redgrid:problem:" + string(kind)
	p.Title = http.StatusText(p.Status)
	if kind == redgrid.KindInternal {
		p.Detail = "an internal error occurred; quote the request id when reporting it"
		p.Errors = nil
		p.Extra = nil
	}
	return p
}

func writeProblem(w http.ResponseWriter, p Problem) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	if p.Status == http.StatusTooManyRequests && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", strconv.Itoa(60))
	}
	w.WriteHeader(p.Status)
	json.NewEncoder(w).Encode(p)
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v)
}

// forbidden is the error for a call outside the caller's role or scope.
func forbidden(what string) error {
	return redgrid.Errorf(redgrid.KindForbidden, "%s is outside your role or scope", what)
}
