package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/redgrid/redgrid"
)

// decode reads a JSON request body into dst strictly: JSON media type, at most the body limit,
// valid UTF-8, one object, no unknown fields, every field of the right type. Each failure is a
// problem naming the field and the rule.
func (s *Server) decode(r *http.Request, dst any) error {
	_, err := s.decodeBody(r, dst)
	return err
}

// decodeCreate decodes like decode and, when the request carries an Idempotency-Key, returns a
// context that makes the store record the key with the created resource.
func (s *Server) decodeCreate(r *http.Request, dst any) (context.Context, error) {
	if err := checkIdempotencyKey(r); err != nil {
		return nil, err
	}
	body, err := s.decodeBody(r, dst)
	if err != nil {
		return nil, err
	}
	return withIdempotency(r, body), nil
}

// checkIdempotencyKey refuses a malformed Idempotency-Key header.
func checkIdempotencyKey(r *http.Request) error {
	key := r.Header.Get("Idempotency-Key")
	if key != "" && (len(key) > 255 || strings.ContainsFunc(key, func(c rune) bool { return c < 0x21 || c > 0x7e })) {
		return redgrid.Invalid("Idempotency-Key", "format", "Idempotency-Key must be 1-255 visible ASCII characters")
	}
	return nil
}

// withIdempotency returns the request's context carrying its Idempotency-Key (checked by
// checkIdempotencyKey), with the hash of what makes the request what it is (the body, or the
// uploaded file): a retry must hash the same, a different request reusing the key does not.
func withIdempotency(r *http.Request, request []byte) context.Context {
	ctx := r.Context()
	if key := r.Header.Get("Idempotency-Key"); key != "" {
		h := sha256.Sum256(request)
		ctx = redgrid.WithIdempotency(ctx, redgrid.Idempotency{Key: key, Route: r.Method + " " + r.URL.Path, RequestHash: hex.EncodeToString(h[:])})
	}
	return ctx
}

func (s *Server) decodeBody(r *http.Request, dst any) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return nil, &redgrid.Error{Kind: kindUnsupportedMedia, Message: "the body must be application/json",
				Fields: []redgrid.FieldError{{Field: "Content-Type", Rule: "json", Message: "Content-Type must be application/json"}}}
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, s.cfg.BodyLimit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, &redgrid.Error{Kind: redgrid.KindTooLarge, Message: fmt.Sprintf("the body is larger than %d bytes", s.cfg.BodyLimit),
				Fields: []redgrid.FieldError{{Field: "body", Rule: "max_bytes", Message: fmt.Sprintf("at most %d bytes", s.cfg.BodyLimit)}}}
		}
		return nil, redgrid.Invalid("body", "readable", "the body could not be read")
	}
	return body, decodeBytes(body, dst)
}

func decodeBytes(body []byte, dst any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return redgrid.Invalid("body", "required", "a JSON object body is required")
	}
	if !utf8.Valid(body) {
		return redgrid.Invalid("body", "utf8", "the body is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return redgrid.Invalid("body", "single_value", "the body must hold exactly one JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return redgrid.Invalid("body", "single_value", "the body must hold exactly one JSON object")
	}
	return nil
}

func jsonError(err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return redgrid.Invalid("body", "json_syntax", fmt.Sprintf("malformed JSON at byte %d", se.Offset))
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "body"
		}
		return redgrid.Invalid(field, "type", fmt.Sprintf("%s must be %s, not %s", field, jsonTypeName(te.Type.Kind().String()), te.Value))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return redgrid.Invalid("body", "json_syntax", "the JSON body ends too early")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		field := name
		if field == "" {
			field = "body"
		}
		return redgrid.Invalid(field, "unknown_field", fmt.Sprintf("unknown field %q", name))
	}
	return redgrid.Invalid("body", "json", "the body is not a valid JSON object for this request")
}

func jsonTypeName(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "int", "int64", "int32", "uint8", "uint32", "float64":
		return "a number"
	case "bool":
		return "true or false"
	case "slice":
		return "an array"
	case "struct", "map":
		return "an object"
	case "ptr":
		return "a value of the documented type"
	}
	return "of the documented type"
}
