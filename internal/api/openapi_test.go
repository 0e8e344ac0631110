package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/redgrid/redgrid/internal/auth"
	"github.com/redgrid/redgrid/internal/redgridtest"
	"github.com/redgrid/redgrid/internal/sqlstore"
)

// The OpenAPI document (openapi.json) is written by hand; these tests hold it to the route table
// and to the router, so that a route added, removed or renamed without the document fails here.

var openapiMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// openapiPathItemKeys are the keys of a path item that are not operations.
var openapiPathItemKeys = map[string]bool{"$ref": true, "summary": true, "description": true, "servers": true, "parameters": true}

var openapiTemplateVar = regexp.MustCompile(`\{([^{}]+)\}`)

type openapiOperation struct {
	Path, Method string // Method in upper case
	Op           map[string]any
	Item         map[string]any
}

func (o openapiOperation) String() string { return o.Method + " " + o.Path }

func newOpenAPITestServer(t *testing.T) *Server {
	t.Helper()
	store := redgridtest.Engines()[0].Open(t, sqlstore.Options{})
	return New(store, nil, Config{Argon: auth.TestParams}, nil, nil, nil)
}

func loadOpenAPIDoc(t *testing.T) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(openapiDoc, &doc); err != nil {
		t.Fatalf("openapi.json is not valid JSON: %v", err)
	}
	if doc["openapi"] != "3.1.0" {
		t.Fatalf("openapi.json: openapi = %v, want 3.1.0", doc["openapi"])
	}
	return doc
}

// openapiOperations lists every operation of the document, sorted by path and method. Unknown
// keys in a path item (a misspelt method) fail the test.
func openapiOperations(t *testing.T, doc map[string]any) []openapiOperation {
	t.Helper()
	paths, ok := doc["paths"].(map[string]any)
	if !ok {
		t.Fatal("openapi.json has no paths object")
	}
	var ops []openapiOperation
	for path, v := range paths {
		item, ok := v.(map[string]any)
		if !ok {
			t.Errorf("openapi.json: path %s is not an object", path)
			continue
		}
		for key, ov := range item {
			if openapiPathItemKeys[key] {
				continue
			}
			op, ok := ov.(map[string]any)
			if !ok || !isOpenAPIMethod(key) {
				t.Errorf("openapi.json: path %s has %q, which is not an HTTP method of OpenAPI", path, key)
				continue
			}
			ops = append(ops, openapiOperation{Path: path, Method: strings.ToUpper(key), Op: op, Item: item})
		}
	}
	sort.Slice(ops, func(i, j int) bool {
		if ops[i].Path != ops[j].Path {
			return ops[i].Path < ops[j].Path
		}
		return ops[i].Method < ops[j].Method
	})
	return ops
}

func isOpenAPIMethod(s string) bool {
	for _, m := range openapiMethods {
		if s == m {
			return true
		}
	}
	return false
}

// resolveOpenAPIRef follows a local reference "#/a/b~1c" in doc.
func resolveOpenAPIRef(doc map[string]any, ref string) (any, bool) {
	if !strings.HasPrefix(ref, "#/") {
		return nil, false
	}
	var cur any = doc
	for _, tok := range strings.Split(ref[2:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[tok]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// derefOpenAPI returns v, or what it refers to when it is a {"$ref": …} object.
func derefOpenAPI(doc map[string]any, v any) any {
	for i := 0; i < 10; i++ {
		m, ok := v.(map[string]any)
		if !ok {
			return v
		}
		ref, ok := m["$ref"].(string)
		if !ok {
			return v
		}
		if v, ok = resolveOpenAPIRef(doc, ref); !ok {
			return nil
		}
	}
	return v
}

// openapiRefs calls fn with the JSON location and value of every "$ref" in v.
func openapiRefs(v any, at string, fn func(at, ref string)) {
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			if k == "$ref" {
				if s, ok := c.(string); ok {
					fn(at, s)
					continue
				}
			}
			openapiRefs(c, at+"/"+strings.NewReplacer("~", "~0", "/", "~1").Replace(k), fn)
		}
	case []any:
		for i, c := range x {
			openapiRefs(c, at+"/"+strconv.Itoa(i), fn)
		}
	}
}

// TestOpenAPIRoutesDocumented: every route of the table is in the document with its method.
func TestOpenAPIRoutesDocumented(t *testing.T) {
	s := newOpenAPITestServer(t)
	doc := loadOpenAPIDoc(t)
	paths, _ := doc["paths"].(map[string]any)
	for _, rt := range s.routes() {
		if rt.Method == "" {
			continue // the catch-all "/api/" answers 404/405 problems; it is not an operation
		}
		item, ok := paths[rt.Pattern].(map[string]any)
		if !ok {
			t.Errorf("route %s %s: path %s is missing from openapi.json", rt.Method, rt.Pattern, rt.Pattern)
			continue
		}
		if _, ok := item[strings.ToLower(rt.Method)].(map[string]any); !ok {
			t.Errorf("route %s %s: openapi.json documents path %s but not method %s", rt.Method, rt.Pattern, rt.Pattern, rt.Method)
		}
	}
}

// TestOpenAPIOperationsRouted: every operation of the document reaches exactly its own route,
// not the /api/ catch-all, the UI or another pattern.
func TestOpenAPIOperationsRouted(t *testing.T) {
	s := newOpenAPITestServer(t)
	doc := loadOpenAPIDoc(t)
	ops := openapiOperations(t, doc)
	if len(ops) == 0 {
		t.Fatal("openapi.json documents no operations")
	}
	for _, o := range ops {
		concrete := openapiTemplateVar.ReplaceAllString(o.Path, "1")
		req := httptest.NewRequest(o.Method, concrete, nil)
		_, pattern := s.mux.Handler(req)
		if want := o.Method + " " + o.Path; pattern != want {
			if pattern == "" || pattern == "/api/" || pattern == "/" {
				t.Errorf("openapi.json documents %s, but the router has no such route (%s %s reaches %q)", o, o.Method, concrete, pattern)
			} else {
				t.Errorf("openapi.json documents %s, but %s %s is routed to %q", o, o.Method, concrete, pattern)
			}
		}
	}
}

// TestOpenAPIWellFormed: operation ids are present and unique, every operation has responses
// with valid status codes, path parameters match the template, error responses are problem
// documents, request bodies refuse unknown fields, and every $ref resolves.
func TestOpenAPIWellFormed(t *testing.T) {
	doc := loadOpenAPIDoc(t)
	ops := openapiOperations(t, doc)
	seen := map[string]string{}
	for _, o := range ops {
		id, _ := o.Op["operationId"].(string)
		switch {
		case id == "":
			t.Errorf("%s: no operationId", o)
		case seen[id] != "":
			t.Errorf("%s: operationId %q is also used by %s", o, id, seen[id])
		default:
			seen[id] = o.String()
		}

		responses, _ := o.Op["responses"].(map[string]any)
		if len(responses) == 0 {
			t.Errorf("%s: no responses", o)
		}
		for code, rv := range responses {
			n, err := strconv.Atoi(code)
			if code != "default" && (err != nil || n < 100 || n > 599) {
				t.Errorf("%s: response key %q is not a status code", o, code)
				continue
			}
			r, _ := derefOpenAPI(doc, rv).(map[string]any)
			if r == nil {
				t.Errorf("%s: response %s is not an object or its $ref does not resolve", o, code)
				continue
			}
			if _, ok := r["description"].(string); !ok {
				t.Errorf("%s: response %s has no description", o, code)
			}
			if n >= 400 {
				content, _ := r["content"].(map[string]any)
				_, problem := content["application/problem+json"]
				_, o311JSON := content["application/json"]
				_, o311XML := content["text/xml"]
				switch {
				case strings.HasPrefix(o.Path, "/open311/"):
					// Open311 answers errors in its own format, XML or JSON like the route.
					if problem || !o311JSON && !o311XML {
						t.Errorf("%s: response %s is not an Open311 error document", o, code)
					}
				case !problem:
					t.Errorf("%s: response %s is not application/problem+json", o, code)
				}
			}
		}

		// Path parameters: declared at the path or the operation, exactly the template's.
		declared := map[string]bool{}
		for _, list := range []any{o.Item["parameters"], o.Op["parameters"]} {
			ps, _ := list.([]any)
			for _, pv := range ps {
				p, _ := derefOpenAPI(doc, pv).(map[string]any)
				if p == nil {
					t.Errorf("%s: a parameter is not an object or its $ref does not resolve", o)
					continue
				}
				if p["in"] != "path" {
					continue
				}
				name, _ := p["name"].(string)
				declared[name] = true
				if p["required"] != true {
					t.Errorf("%s: path parameter %q is not required", o, name)
				}
			}
		}
		inTemplate := map[string]bool{}
		for _, m := range openapiTemplateVar.FindAllStringSubmatch(o.Path, -1) {
			inTemplate[m[1]] = true
			if !declared[m[1]] {
				t.Errorf("%s: path parameter {%s} is not declared", o, m[1])
			}
		}
		for name := range declared {
			if !inTemplate[name] {
				t.Errorf("%s: path parameter %q is not in the path", o, name)
			}
		}

		// Request bodies: the server refuses unknown fields, so must the schema.
		if rb, ok := derefOpenAPI(doc, o.Op["requestBody"]).(map[string]any); ok {
			content, _ := rb["content"].(map[string]any)
			if mt, isJSON := content["application/json"].(map[string]any); isJSON || len(content) == 0 {
				schema, _ := derefOpenAPI(doc, mt["schema"]).(map[string]any)
				if schema == nil {
					t.Errorf("%s: request body has no application/json schema", o)
				} else if schema["additionalProperties"] != false {
					t.Errorf("%s: request body schema does not say additionalProperties: false", o)
				}
			} else {
				// Files (GeoJSON, zipped Shapefiles) are described by their media types.
				for name, v := range content {
					mt, _ := v.(map[string]any)
					if schema, _ := derefOpenAPI(doc, mt["schema"]).(map[string]any); schema == nil {
						t.Errorf("%s: request body %s has no schema", o, name)
					}
				}
			}
		}
	}

	openapiRefs(doc, "#", func(at, ref string) {
		if _, ok := resolveOpenAPIRef(doc, ref); !ok {
			t.Errorf("%s: $ref %q does not resolve", at, ref)
		}
	})
}

// TestOpenAPISecurityMatchesAuth: operations marked public (security: []) answer without
// credentials, and every other operation refuses an anonymous call with 401, which it documents.
func TestOpenAPISecurityMatchesAuth(t *testing.T) {
	s := newOpenAPITestServer(t)
	h := s.Handler()
	doc := loadOpenAPIDoc(t)
	for _, o := range openapiOperations(t, doc) {
		sec, hasSec := o.Op["security"].([]any)
		public := hasSec && len(sec) == 0
		req := httptest.NewRequest(o.Method, openapiTemplateVar.ReplaceAllString(o.Path, "1"), nil)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		responses, _ := o.Op["responses"].(map[string]any)
		switch {
		case public && rec.Code == http.StatusUnauthorized:
			t.Errorf("%s: documented as public (security: []) but answers an anonymous call with 401", o)
		case !public && rec.Code != http.StatusUnauthorized:
			t.Errorf("%s: documented as needing authentication but answers an anonymous call with %d", o, rec.Code)
		case !public && responses["401"] == nil:
			t.Errorf("%s: needs authentication but does not document 401", o)
		}
	}
}

// TestOpenAPIServed: GET /api/openapi.json through the whole handler returns the document.
func TestOpenAPIServed(t *testing.T) {
	s := newOpenAPITestServer(t)
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/openapi.json", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /api/openapi.json: status %d, want 200; body %s", rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("GET /api/openapi.json: Content-Type %q, want application/json", ct)
	}
	var doc struct {
		OpenAPI string         `json:"openapi"`
		Info    map[string]any `json:"info"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatalf("GET /api/openapi.json: body is not JSON: %v", err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("GET /api/openapi.json: openapi = %q, want 3.1.0", doc.OpenAPI)
	}
	if doc.Info["title"] != "redgrid API" || doc.Info["version"] != "1" {
		t.Errorf("GET /api/openapi.json: info = %v, want title \"redgrid API\" and version \"1\"", doc.Info)
	}
}
