// Package redgrid holds the domain of the redgrid grid-governance system: the administrative and
// party trees, organisations, accounts and roles, the rules that decide what is valid and who may
// do what, and the error kinds every layer speaks. It imports no I/O package.
package redgrid

import (
	"errors"
	"fmt"
	"strings"
)

// Kind classifies an error so that transports can map it to a status without string matching.
type Kind string

// Error kinds. The API maps them to HTTP statuses (see internal/api/errors.go).
const (
	KindInvalid            Kind = "invalid"             // 400: the input breaks a rule
	KindUnauthorized       Kind = "unauthorized"        // 401: no or bad credentials
	KindForbidden          Kind = "forbidden"           // 403: outside the caller's role or scope
	KindNotFound           Kind = "not_found"           // 404
	KindConflict           Kind = "conflict"            // 409: duplicate or state conflict
	KindPreconditionFailed Kind = "precondition_failed" // 412: stale version
	KindUnprocessable      Kind = "unprocessable"       // 422: well-formed but unusable (a reused Idempotency-Key)
	KindTooLarge           Kind = "too_large"           // 413
	KindRateLimited        Kind = "rate_limited"        // 429
	KindInternal           Kind = "internal"            // 500: never carries details to clients
)

// FieldError names one offending field and the rule it breaks.
type FieldError struct {
	Field   string `json:"field"`
	Rule    string `json:"rule"`
	Message string `json:"message"`
}

// Error is the one error type that crosses package boundaries with a kind attached.
type Error struct {
	Kind    Kind
	Message string
	Fields  []FieldError
	Err     error // wrapped cause, never shown to clients
	// Extra holds extension members of the problem document a client sees, such as an import's
	// full report or the nearest grid to a point outside every grid.
	Extra map[string]any
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(string(e.Kind))
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	for _, f := range e.Fields {
		fmt.Fprintf(&b, " [%s: %s]", f.Field, f.Rule)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error of the given kind.
func Errorf(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns a KindInvalid error naming one field and rule.
func Invalid(field, rule, message string) *Error {
	return &Error{Kind: KindInvalid, Message: message, Fields: []FieldError{{Field: field, Rule: rule, Message: message}}}
}

// ErrorKind returns the kind of err, KindInternal for errors without one.
func ErrorKind(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// Validator collects field errors so a request reports all of them at once.
type Validator struct{ fields []FieldError }

// Add records a broken rule.
func (v *Validator) Add(field, rule, message string) {
	v.fields = append(v.fields, FieldError{Field: field, Rule: rule, Message: message})
}

// Check records a broken rule when ok is false.
func (v *Validator) Check(ok bool, field, rule, message string) {
	if !ok {
		v.Add(field, rule, message)
	}
}

// Err returns a KindInvalid *Error with every recorded field, or nil.
func (v *Validator) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	msg := v.fields[0].Message
	if len(v.fields) > 1 {
		msg = fmt.Sprintf("%s (and %d more)", msg, len(v.fields)-1)
	}
	return &Error{Kind: KindInvalid, Message: msg, Fields: v.fields}
}
