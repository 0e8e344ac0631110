package api

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/auth"
	"github.com/redgrid/redgrid/internal/redgridtest"
	"github.com/redgrid/redgrid/internal/sqlstore"
)

func TestZZDump(t *testing.T) {
	store := redgridtest.Engines()[0].Open(t, sqlstore.Options{})
	tr := redgridtest.BuildTree(t, store)
	hash, _ := auth.Hash("demo1234", auth.TestParams)
	redgridtest.AddUser(t, store, "admin", hash, redgrid.RoleDistrictAdmin, tr.District.ID, 0)
	redgridtest.AddUser(t, store, "dept1", hash, redgrid.RoleDepartmentStaff, 0, tr.Department.ID)
	s := New(store, nil, Config{Argon: auth.TestParams}, nil, nil, nil)
	h := s.Handler()
	do := func(method, path, body, tok string) (int, string) {
		var req = httptest.NewRequest(method, path, strings.NewReader(body))
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		req.Header.Set("If-Match", "")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code, rec.Body.String()
	}
	out := map[string]any{}
	rec := func(name string, code int, body string) {
		var v any
		json.Unmarshal([]byte(body), &v)
		out[name] = map[string]any{"code": code, "body": v}
	}
	c, b := do("POST", "/api/v1/auth/login", `{"username":"admin","password":"demo1234"}`, "")
	rec("LoginResponse", c, b)
	var lr struct{ Token string }
	json.Unmarshal([]byte(b), &lr)
	tok := lr.Token
	id := func(v int64) string { return strconv.FormatInt(v, 10) }
	for name, p := range map[string]string{
		"Me":             "/api/v1/me",
		"NodeList":       "/api/v1/nodes",
		"NodeList2":      "/api/v1/nodes?parent=" + id(tr.District.ID),
		"NodeHitList":    "/api/v1/nodes?q=wy",
		"NodeDetail":     "/api/v1/nodes/" + id(tr.Community1.ID),
		"NodeDetail2":    "/api/v1/nodes/" + id(tr.Grid1.ID),
		"NodeTree":       "/api/v1/nodes/" + id(tr.District.ID) + "/tree?depth=10",
		"PartyOrgList":   "/api/v1/party-orgs",
		"PartyOrgList2":  "/api/v1/party-orgs?node=" + id(tr.Grid1.ID),
		"PartyOrgDetail": "/api/v1/party-orgs/" + id(tr.Grid1Branch.ID),
		"OrgList":        "/api/v1/orgs",
		"Org":            "/api/v1/orgs/" + id(tr.Property.ID),
		"UserList":       "/api/v1/users",
		"Problem":        "/api/v1/nodes/abc",
		"Problem404":     "/api/v1/nodes/99999",
	} {
		c, b := do("GET", p, "", tok)
		rec(name, c, b)
	}
	c, b = do("PATCH", "/api/v1/nodes/"+id(tr.Grid1.ID), `{"name":"新名","valid_to":"2030-01-01"}`, tok)
	rec("Node", c, b)
	c, b = do("POST", "/api/v1/nodes", `{"kind":"microgrid","name":"微1","parent_id":`+id(tr.Grid1.ID)+`}`, tok)
	rec("Node2", c, b)
	c, b = do("POST", "/api/v1/party-orgs", `{"kind":"branch","name":"临时","parent_id":`+id(tr.Community1Committee.ID)+`,"node_id":`+id(tr.Grid2.ID)+`,"temporary":true,"ends_on":"2027-01-01"}`, tok)
	rec("PartyOrg", c, b)
	c, b = do("POST", "/api/v1/users", `{"username":"newbie","display_name":"N","password":"longenough","roles":[{"role":"department_staff","org_id":`+id(tr.Department.ID)+`}]}`, tok)
	rec("User", c, b)
	c, b = do("POST", "/api/v1/users/2/roles", `{"role":"leader","node_id":`+id(tr.Street1.ID)+`}`, tok)
	rec("Grant", c, b)
	c, b = do("GET", "/api/v1/nodes/"+id(tr.Grid1.ID)+"/history", "", tok)
	rec("HistoryList", c, b)
	c, b = do("GET", "/api/v1/party-orgs/"+id(tr.Grid1Branch.ID)+"/history", "", tok)
	rec("HistoryList2", c, b)
	c, b = do("GET", "/api/v1/nodes/"+id(tr.Grid1.ID), "", "bogus")
	rec("Problem401", c, b)
	c, b = do("GET", "/api/v1/audit?limit=500", "", tok)
	rec("AuditList", c, b)
	c, b = do("GET", "/healthz", "", "")
	rec("Health", c, b)
	c, b = do("GET", "/readyz", "", "")
	rec("Ready", c, b)
	j, _ := json.MarshalIndent(out, "", " ")
	os.WriteFile("/tmp/openapi_dump.json", j, 0o644)
}
