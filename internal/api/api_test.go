package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/api"
	"github.com/redgrid/redgrid/internal/auth"
	"github.com/redgrid/redgrid/internal/redgridtest"
	"github.com/redgrid/redgrid/internal/sqlstore"
)

const password = "demo1234"

type env struct {
	t      *testing.T
	logs   *logBuffer // what the server and its store log, as JSON lines
	srv    *httptest.Server
	store  *sqlstore.Store
	tree   *redgridtest.Tree
	tokens map[string]string
	users  map[string]redgrid.User
	clock  *redgridtest.Clock
}

func newEnv(t *testing.T, e redgridtest.Engine, cfg api.Config) *env {
	t.Helper()
	return newEnvCases(t, e, cfg, sqlstore.CaseOptions{})
}

// newEnvCases is newEnv with the store's case options.
func newEnvCases(t *testing.T, e redgridtest.Engine, cfg api.Config, cases sqlstore.CaseOptions) *env {
	t.Helper()
	clock := redgridtest.NewClock()
	logs := &logBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := e.Open(t, sqlstore.Options{Now: clock.Now, Logger: log, Cases: cases})
	tr := redgridtest.BuildTree(t, s)
	hash, err := auth.Hash(password, auth.TestParams)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Argon = auth.TestParams
	srv := httptest.NewServer(api.New(s, log, cfg, clock.Now, http.NotFoundHandler(), nil).Handler())
	t.Cleanup(srv.Close)
	ev := &env{t: t, logs: logs, srv: srv, store: s, tree: tr, tokens: map[string]string{}, users: map[string]redgrid.User{}, clock: clock}
	accounts := []struct {
		name string
		role redgrid.Role
		node int64
		org  int64
	}{
		{"admin", redgrid.RoleDistrictAdmin, tr.District.ID, 0},
		{"leader1", redgrid.RoleLeader, tr.District.ID, 0},
		{"street1", redgrid.RoleStreetOperator, tr.Street1.ID, 0},
		{"street2", redgrid.RoleStreetOperator, tr.Street2.ID, 0},
		{"community1", redgrid.RoleCommunityStaff, tr.Community1.ID, 0},
		{"community2", redgrid.RoleCommunityStaff, tr.Community2.ID, 0},
		{"grid1", redgrid.RoleGridWorker, tr.Grid1.ID, 0},
		{"gridleader1", redgrid.RoleGridLeader, tr.Grid1.ID, 0},
		{"dept1", redgrid.RoleDepartmentStaff, 0, tr.Department.ID},
		{"resident1", redgrid.RoleResident, tr.Grid1.ID, 0},
	}
	for _, a := range accounts {
		ev.users[a.name] = redgridtest.AddUser(t, s, a.name, hash, a.role, a.node, a.org)
		ev.tokens[a.name] = ev.login(a.name)
	}
	return ev
}

// logBuffer collects log lines written from several goroutines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (ev *env) login(name string) string {
	ev.t.Helper()
	res, body := ev.do("", "POST", "/api/v1/auth/login", fmt.Sprintf(`{"username":%q,"password":%q}`, name, password), nil)
	if res.StatusCode != 200 {
		ev.t.Fatalf("login %s: %d %s", name, res.StatusCode, body)
	}
	var lr struct{ Token string }
	json.Unmarshal(body, &lr)
	return lr.Token
}

func (ev *env) do(user, method, path, body string, hdr map[string]string) (*http.Response, []byte) {
	ev.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, ev.srv.URL+path, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if user != "" {
		req.Header.Set("Authorization", "Bearer "+ev.tokens[user])
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		ev.t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return res, b
}

// digest summarises every mutable table; a refused request must leave it unchanged.
func (ev *env) digest() string {
	ev.t.Helper()
	var out []string
	for _, q := range []string{
		"SELECT COUNT(*), COALESCE(SUM(version), 0) FROM nodes",
		"SELECT COUNT(*), COALESCE(SUM(version), 0) FROM party_orgs",
		"SELECT COUNT(*), COALESCE(SUM(version), 0) FROM orgs",
		"SELECT COUNT(*), COALESCE(SUM(version), 0) FROM users",
		"SELECT COUNT(*), COALESCE(SUM(id), 0) FROM grants",
		"SELECT COUNT(*), COALESCE(SUM(org_id + node_id), 0) FROM org_nodes",
		"SELECT COUNT(*), 0 FROM tree_history",
		"SELECT COUNT(*), COALESCE(SUM(vertices), 0) FROM boundaries",
		"SELECT revision, 0 FROM geo_revision",
		"SELECT COUNT(*), COALESCE(SUM(version), 0) FROM cases",
		"SELECT COUNT(*), 0 FROM case_events",
		"SELECT COUNT(*), 0 FROM case_deadlines",
		"SELECT COUNT(*), COALESCE(SUM(received + registered + closed + voided + dispatched), 0) FROM case_rollup",
		"SELECT COUNT(*), 0 FROM notifications",
		"SELECT COUNT(*), 0 FROM case_categories",
		"SELECT COUNT(*), COALESCE(SUM(CASE WHEN case_id IS NULL THEN 0 ELSE 1 END), 0) FROM photos",
		"SELECT COUNT(*), COALESCE(SUM(version), 0) FROM households",
		"SELECT COUNT(*), COALESCE(SUM(version), 0) FROM residents",
		"SELECT COUNT(*), 0 FROM resident_keys",
		"SELECT COUNT(*), COALESCE(SUM(version), 0) FROM volunteers",
		"SELECT COUNT(*), 0 FROM pii_unmaskings",
	} {
		var a, b int64
		if err := ev.store.DB().QueryRow(q).Scan(&a, &b); err != nil {
			ev.t.Fatal(err)
		}
		out = append(out, fmt.Sprint(a, "/", b))
	}
	return strings.Join(out, " ")
}

func id(v int64) string { return fmt.Sprint(v) }

// TestScenarios walks every route: a role inside its scope (allowed), outside it (403), no login
// (401), bad input (400 naming the field). A refused request changes nothing.
func TestScenarios(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev := newEnv(t, e, api.Config{})
		tr := ev.tree
		c1, c2 := id(tr.Community1.ID), id(tr.Community2.ID)
		cases := []struct {
			name, user, method, path, body string
			hdr                            map[string]string
			want                           int
			field                          string // the field a 400 must name
		}{
			{"healthz", "", "GET", "/healthz", "", nil, 200, ""},
			{"readyz", "", "GET", "/readyz", "", nil, 200, ""},
			{"metrics", "", "GET", "/metrics", "", nil, 200, ""},
			{"openapi", "", "GET", "/api/openapi.json", "", nil, 200, ""},
			{"login wrong password", "", "POST", "/api/v1/auth/login", `{"username":"street2","password":"wrong-password"}`, nil, 401, ""},
			{"login unknown user", "", "POST", "/api/v1/auth/login", `{"username":"nobody","password":"whatever1"}`, nil, 401, ""},
			{"login malformed", "", "POST", "/api/v1/auth/login", `{"username":1}`, nil, 400, "username"},
			{"login missing password", "", "POST", "/api/v1/auth/login", `{"username":"admin"}`, nil, 400, "password"},
			{"me", "grid1", "GET", "/api/v1/me", "", nil, 200, ""},
			{"me no login", "", "GET", "/api/v1/me", "", nil, 401, ""},
			{"me bad token", "", "GET", "/api/v1/me", "", map[string]string{"Authorization": "Bearer nope"}, 401, ""},
			{"logout no login", "", "POST", "/api/v1/auth/logout", "", nil, 401, ""},

			{"scope roots", "community1", "GET", "/api/v1/nodes", "", nil, 200, ""},
			{"nodes no login", "", "GET", "/api/v1/nodes", "", nil, 401, ""},
			{"children in scope", "community1", "GET", "/api/v1/nodes?parent=" + c1, "", nil, 200, ""},
			{"children out of scope", "community2", "GET", "/api/v1/nodes?parent=" + c1, "", nil, 403, ""},
			{"children bad id", "community1", "GET", "/api/v1/nodes?parent=abc", "", nil, 400, "parent"},
			{"search", "street1", "GET", "/api/v1/nodes?q=wysq", "", nil, 200, ""},
			{"search bad kind", "street1", "GET", "/api/v1/nodes?q=wysq&kind=planet", "", nil, 400, "kind"},
			{"search within out of scope", "community2", "GET", "/api/v1/nodes?q=wy&within=" + c1, "", nil, 403, ""},
			{"node in scope", "community1", "GET", "/api/v1/nodes/" + c1, "", nil, 200, ""},
			{"node of another community", "community1", "GET", "/api/v1/nodes/" + c2, "", nil, 403, ""},
			{"node above scope", "community1", "GET", "/api/v1/nodes/" + id(tr.Street1.ID), "", nil, 403, ""},
			{"node for department (served)", "dept1", "GET", "/api/v1/nodes/" + c2, "", nil, 200, ""},
			{"node for department (not served)", "dept1", "GET", "/api/v1/nodes/" + id(tr.Community3.ID), "", nil, 403, ""},
			{"grid worker outside grid", "grid1", "GET", "/api/v1/nodes/" + id(tr.Grid2.ID), "", nil, 403, ""},
			{"node missing", "admin", "GET", "/api/v1/nodes/999999", "", nil, 404, ""},
			{"node bad id", "admin", "GET", "/api/v1/nodes/x", "", nil, 400, "id"},
			{"node no login", "", "GET", "/api/v1/nodes/" + c1, "", nil, 401, ""},
			{"tree", "community1", "GET", "/api/v1/nodes/" + c1 + "/tree?depth=2", "", nil, 200, ""},
			{"tree out of scope", "community2", "GET", "/api/v1/nodes/" + c1 + "/tree", "", nil, 403, ""},
			{"tree depth too deep", "community1", "GET", "/api/v1/nodes/" + c1 + "/tree?depth=99", "", nil, 400, "depth"},
			{"history", "community1", "GET", "/api/v1/nodes/" + c1 + "/history", "", nil, 200, ""},
			{"history out of scope", "community2", "GET", "/api/v1/nodes/" + c1 + "/history", "", nil, 403, ""},

			{"create grid", "community1", "POST", "/api/v1/nodes", `{"kind":"grid","name":"五堰第三网格","parent_id":` + c1 + `}`, nil, 201, ""},
			{"create grid in another community", "community2", "POST", "/api/v1/nodes", `{"kind":"grid","name":"越界网格","parent_id":` + c1 + `}`, nil, 403, ""},
			{"create grid as grid worker", "grid1", "POST", "/api/v1/nodes", `{"kind":"building","name":"2号楼","parent_id":` + id(tr.Grid1.ID) + `}`, nil, 403, ""},
			{"create building as grid leader", "gridleader1", "POST", "/api/v1/nodes", `{"kind":"building","name":"2号楼","parent_id":` + id(tr.Grid1.ID) + `}`, nil, 201, ""},
			{"create as leader (read-only)", "leader1", "POST", "/api/v1/nodes", `{"kind":"grid","name":"x","parent_id":` + c1 + `}`, nil, 403, ""},
			{"create grid under a street", "street1", "POST", "/api/v1/nodes", `{"kind":"grid","name":"街道网格","parent_id":` + id(tr.Street1.ID) + `}`, nil, 400, "parent_id"},
			{"create unknown field", "community1", "POST", "/api/v1/nodes", `{"kind":"grid","name":"x","parent_id":` + c1 + `,"colour":"red"}`, nil, 400, "colour"},
			{"create wrong type", "community1", "POST", "/api/v1/nodes", `{"kind":"grid","name":"x","parent_id":"` + c1 + `"}`, nil, 400, "parent_id"},
			{"create empty name", "community1", "POST", "/api/v1/nodes", `{"kind":"grid","name":"  ","parent_id":` + c1 + `}`, nil, 400, "name"},
			{"create bad kind", "community1", "POST", "/api/v1/nodes", `{"kind":"village","name":"x","parent_id":` + c1 + `}`, nil, 400, "kind"},
			{"create bad code", "community1", "POST", "/api/v1/nodes", `{"kind":"grid","name":"x","parent_id":` + c1 + `,"code":"12ab"}`, nil, 400, "code"},
			{"create district via API", "admin", "POST", "/api/v1/nodes", `{"kind":"district","name":"张湾区","code":"420303"}`, nil, 403, ""},
			{"create malformed JSON", "community1", "POST", "/api/v1/nodes", `{"kind":`, nil, 400, "body"},
			{"create two objects", "community1", "POST", "/api/v1/nodes", `{} {}`, nil, 400, "body"},
			{"create not JSON", "community1", "POST", "/api/v1/nodes", `kind=grid`, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, 415, "Content-Type"},
			{"create no login", "", "POST", "/api/v1/nodes", `{"kind":"grid","name":"x","parent_id":` + c1 + `}`, nil, 401, ""},
			{"rename grid", "community1", "PATCH", "/api/v1/nodes/" + id(tr.Grid2.ID), `{"name":"五堰二网格"}`, nil, 200, ""},
			{"rename own community (staff)", "community1", "PATCH", "/api/v1/nodes/" + c1, `{"name":"改名"}`, nil, 403, ""},
			{"rename other community's grid", "community2", "PATCH", "/api/v1/nodes/" + id(tr.Grid1.ID), `{"name":"改名"}`, nil, 403, ""},
			{"move into own descendant", "admin", "PATCH", "/api/v1/nodes/" + c1, `{"parent_id":` + id(tr.Grid1.ID) + `}`, nil, 400, "parent_id"},
			{"move grid under street", "admin", "PATCH", "/api/v1/nodes/" + id(tr.Grid1.ID), `{"parent_id":` + id(tr.Street2.ID) + `}`, nil, 400, "parent_id"},
			{"move out of scope", "street1", "PATCH", "/api/v1/nodes/" + c1, `{"parent_id":` + id(tr.Street2.ID) + `}`, nil, 403, ""},
			{"stale If-Match", "community1", "PATCH", "/api/v1/nodes/" + id(tr.Grid1.ID), `{"name":"x"}`, map[string]string{"If-Match": `"7"`}, 412, ""},
			{"bad If-Match", "community1", "PATCH", "/api/v1/nodes/" + id(tr.Grid1.ID), `{"name":"x"}`, map[string]string{"If-Match": `W/"x"`}, 400, "If-Match"},
			{"valid_to before valid_from", "community1", "PATCH", "/api/v1/nodes/" + id(tr.Grid1.ID), `{"valid_to":"2019-01-01"}`, nil, 400, "valid_to"},
			{"impossible date", "community1", "PATCH", "/api/v1/nodes/" + id(tr.Grid1.ID), `{"valid_to":"2026-02-30"}`, nil, 400, "valid_to"},
			{"patch no login", "", "PATCH", "/api/v1/nodes/" + id(tr.Grid1.ID), `{"name":"x"}`, nil, 401, ""},

			{"party roots", "community1", "GET", "/api/v1/party-orgs", "", nil, 200, ""},
			{"party children", "community1", "GET", "/api/v1/party-orgs?parent=" + id(tr.Community1Committee.ID), "", nil, 200, ""},
			{"party children out of scope", "community2", "GET", "/api/v1/party-orgs?parent=" + id(tr.Community1Committee.ID), "", nil, 403, ""},
			{"party of node", "community1", "GET", "/api/v1/party-orgs?node=" + id(tr.Grid1.ID), "", nil, 200, ""},
			{"party search", "admin", "GET", "/api/v1/party-orgs?q=wysq", "", nil, 200, ""},
			{"party no login", "", "GET", "/api/v1/party-orgs", "", nil, 401, ""},
			{"party org", "community1", "GET", "/api/v1/party-orgs/" + id(tr.Community1Committee.ID), "", nil, 200, ""},
			{"party org out of scope", "community2", "GET", "/api/v1/party-orgs/" + id(tr.Community1Committee.ID), "", nil, 403, ""},
			{"party org bad id", "community2", "GET", "/api/v1/party-orgs/0", "", nil, 400, "id"},
			{"party history", "community1", "GET", "/api/v1/party-orgs/" + id(tr.Grid1Branch.ID) + "/history", "", nil, 200, ""},
			{"party history out of scope", "community2", "GET", "/api/v1/party-orgs/" + id(tr.Grid1Branch.ID) + "/history", "", nil, 403, ""},
			{"create branch", "community1", "POST", "/api/v1/party-orgs", `{"kind":"branch","name":"五堰第二网格党支部","parent_id":` + id(tr.Community1Committee.ID) + `,"node_id":` + id(tr.Grid2.ID) + `}`, nil, 201, ""},
			{"create temporary branch", "community1", "POST", "/api/v1/party-orgs", `{"kind":"branch","name":"防汛临时党支部","parent_id":` + id(tr.Community1Committee.ID) + `,"node_id":` + id(tr.Grid2.ID) + `,"temporary":true,"ends_on":"2026-10-31"}`, nil, 201, ""},
			{"temporary without end", "community1", "POST", "/api/v1/party-orgs", `{"kind":"branch","name":"临时","parent_id":` + id(tr.Community1Committee.ID) + `,"node_id":` + id(tr.Grid2.ID) + `,"temporary":true}`, nil, 400, "ends_on"},
			{"create branch out of scope", "community2", "POST", "/api/v1/party-orgs", `{"kind":"branch","name":"越界","parent_id":` + id(tr.Community1Committee.ID) + `,"node_id":` + id(tr.Grid2.ID) + `}`, nil, 403, ""},
			{"create party no login", "", "POST", "/api/v1/party-orgs", `{}`, nil, 401, ""},
			{"rename branch", "community1", "PATCH", "/api/v1/party-orgs/" + id(tr.Grid1Branch.ID), `{"name":"五堰一网格党支部"}`, nil, 200, ""},
			{"rename branch out of scope", "community2", "PATCH", "/api/v1/party-orgs/" + id(tr.Grid1Branch.ID), `{"name":"x"}`, nil, 403, ""},
			{"patch party unknown field", "community1", "PATCH", "/api/v1/party-orgs/" + id(tr.Grid1Branch.ID), `{"secretary":"x"}`, nil, 400, "secretary"},

			{"orgs", "community1", "GET", "/api/v1/orgs", "", nil, 200, ""},
			{"orgs bad kind", "community1", "GET", "/api/v1/orgs?kind=bank", "", nil, 400, "kind"},
			{"orgs no login", "", "GET", "/api/v1/orgs", "", nil, 401, ""},
			{"department serving above", "community1", "GET", "/api/v1/orgs/" + id(tr.Department.ID), "", nil, 200, ""},
			{"department not serving", "street2", "GET", "/api/v1/orgs/" + id(tr.Department.ID), "", nil, 403, ""},
			{"org missing", "admin", "GET", "/api/v1/orgs/424242", "", nil, 404, ""},
			{"create owners' committee", "community1", "POST", "/api/v1/orgs", `{"kind":"owners_committee","name":"五堰小区业委会","home_node_id":` + c1 + `,"node_ids":[` + id(tr.Grid1.ID) + `]}`, nil, 201, ""},
			{"create org out of scope", "community2", "POST", "/api/v1/orgs", `{"kind":"owners_committee","name":"越界","home_node_id":` + c1 + `,"node_ids":[]}`, nil, 403, ""},
			{"create org bad credit code", "community1", "POST", "/api/v1/orgs", `{"kind":"resident_unit","name":"单位","home_node_id":` + c1 + `,"node_ids":[],"credit_code":"123"}`, nil, 400, "credit_code"},
			{"create department as community", "community1", "POST", "/api/v1/orgs", `{"kind":"department","name":"区局","home_node_id":` + id(tr.District.ID) + `,"node_ids":[]}`, nil, 403, ""},
			{"create org no login", "", "POST", "/api/v1/orgs", `{}`, nil, 401, ""},
			{"patch property company", "community1", "PATCH", "/api/v1/orgs/" + id(tr.Property.ID), `{"contact":"0719-8888888"}`, nil, 200, ""},
			{"patch org out of scope", "community2", "PATCH", "/api/v1/orgs/" + id(tr.Property.ID), `{"contact":"x"}`, nil, 403, ""},
			{"patch org duplicate links", "community1", "PATCH", "/api/v1/orgs/" + id(tr.Property.ID), `{"node_ids":[1,1]}`, nil, 400, "node_ids"},

			{"users", "admin", "GET", "/api/v1/users", "", nil, 200, ""},
			{"users as staff", "community1", "GET", "/api/v1/users", "", nil, 403, ""},
			{"users no login", "", "GET", "/api/v1/users", "", nil, 401, ""},
			{"user", "admin", "GET", "/api/v1/users/" + id(ev.users["grid1"].ID), "", nil, 200, ""},
			{"user as staff", "street1", "GET", "/api/v1/users/" + id(ev.users["grid1"].ID), "", nil, 403, ""},
			{"create user", "admin", "POST", "/api/v1/users", `{"username":"grid9","display_name":"王芳","password":"long-enough","roles":[{"role":"grid_worker","node_id":` + id(tr.Grid3.ID) + `}]}`, nil, 201, ""},
			{"create user bad name", "admin", "POST", "/api/v1/users", `{"username":"A B","display_name":"x","password":"long-enough","roles":[]}`, nil, 400, "username"},
			{"create user short password", "admin", "POST", "/api/v1/users", `{"username":"ok1","display_name":"x","password":"short","roles":[]}`, nil, 400, "password"},
			{"create user role at wrong level", "admin", "POST", "/api/v1/users", `{"username":"ok2","display_name":"x","password":"long-enough","roles":[{"role":"community_staff","node_id":` + id(tr.Grid1.ID) + `}]}`, nil, 400, "roles[0].node_id"},
			{"create user as staff", "community1", "POST", "/api/v1/users", `{"username":"ok3","display_name":"x","password":"long-enough","roles":[]}`, nil, 403, ""},
			{"create user no login", "", "POST", "/api/v1/users", `{}`, nil, 401, ""},
			{"patch user", "admin", "PATCH", "/api/v1/users/" + id(ev.users["grid1"].ID), `{"display_name":"李娜"}`, nil, 200, ""},
			{"disable self", "admin", "PATCH", "/api/v1/users/" + id(ev.users["admin"].ID), `{"disabled":true}`, nil, 409, ""},
			{"patch user as staff", "community1", "PATCH", "/api/v1/users/" + id(ev.users["grid1"].ID), `{"display_name":"x"}`, nil, 403, ""},
			{"grant role", "admin", "POST", "/api/v1/users/" + id(ev.users["grid1"].ID) + "/roles", `{"role":"grid_worker","node_id":` + id(tr.Grid2.ID) + `}`, nil, 201, ""},
			{"grant role twice", "admin", "POST", "/api/v1/users/" + id(ev.users["grid1"].ID) + "/roles", `{"role":"grid_worker","node_id":` + id(tr.Grid1.ID) + `}`, nil, 409, ""},
			{"grant role as staff", "community1", "POST", "/api/v1/users/" + id(ev.users["grid1"].ID) + "/roles", `{"role":"grid_worker","node_id":` + id(tr.Grid2.ID) + `}`, nil, 403, ""},
			{"grant department role without org", "admin", "POST", "/api/v1/users/" + id(ev.users["grid1"].ID) + "/roles", `{"role":"department_staff","node_id":` + c1 + `}`, nil, 400, "org_id"},
			{"revoke role", "admin", "DELETE", "/api/v1/users/" + id(ev.users["resident1"].ID) + "/roles/" + id(ev.users["resident1"].Roles[0].ID), "", nil, 204, ""},
			{"revoke missing role", "admin", "DELETE", "/api/v1/users/" + id(ev.users["grid1"].ID) + "/roles/999999", "", nil, 404, ""},
			{"revoke as staff", "community1", "DELETE", "/api/v1/users/" + id(ev.users["grid1"].ID) + "/roles/" + id(ev.users["grid1"].Roles[0].ID), "", nil, 403, ""},

			{"audit", "admin", "GET", "/api/v1/audit?limit=10", "", nil, 200, ""},
			{"audit as leader", "leader1", "GET", "/api/v1/audit", "", nil, 403, ""},
			{"audit no login", "", "GET", "/api/v1/audit", "", nil, 401, ""},
			{"audit bad limit", "admin", "GET", "/api/v1/audit?limit=0", "", nil, 400, "limit"},
			{"unknown API path", "admin", "GET", "/api/v1/nothing", "", nil, 404, ""},
			{"wrong method", "admin", "PUT", "/api/v1/nodes", `{}`, nil, 405, ""},
		}
		for _, tc := range cases {
			before := ev.digest()
			res, body := ev.do(tc.user, tc.method, tc.path, tc.body, tc.hdr)
			if res.StatusCode != tc.want {
				t.Errorf("%s: %s %s as %q = %d, want %d: %s", tc.name, tc.method, tc.path, tc.user, res.StatusCode, tc.want, body)
				continue
			}
			if res.StatusCode >= 400 {
				if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
					t.Errorf("%s: Content-Type %q, want application/problem+json", tc.name, ct)
				}
				var p api.Problem
				if err := json.Unmarshal(body, &p); err != nil || p.Status != tc.want || p.Type == "" || p.Title == "" {
					t.Errorf("%s: not a problem document: %s", tc.name, body)
				}
				if tc.field != "" && (len(p.Errors) == 0 || p.Errors[0].Field != tc.field || p.Errors[0].Rule == "") {
					t.Errorf("%s: problem names %+v, want field %q with a rule", tc.name, p.Errors, tc.field)
				}
				if tc.method != "GET" {
					if after := ev.digest(); after != before {
						t.Errorf("%s: a refused request changed the database: %s -> %s", tc.name, before, after)
					}
				}
			}
		}
	})
}

func TestRefusalsAreAudited(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev := newEnv(t, e, api.Config{})
		ev.do("community2", "GET", "/api/v1/nodes/"+id(ev.tree.Community1.ID), "", nil)
		ev.do("", "POST", "/api/v1/auth/login", `{"username":"admin","password":"bad-password"}`, nil)
		entries, err := ev.store.AuditLog(t.Context(), 50, 0)
		if err != nil {
			t.Fatal(err)
		}
		var denied403, failedLogin bool
		for _, a := range entries {
			if a.Outcome == redgrid.OutcomeDenied && a.Actor == "community2" && strings.Contains(a.Target, "/api/v1/nodes/") {
				denied403 = a.RemoteAddr == "127.0.0.1"
			}
			if a.Outcome == redgrid.OutcomeDenied && a.Action == "auth.login" && a.Actor == "admin" {
				failedLogin = true
			}
		}
		if !denied403 || !failedLogin {
			t.Errorf("audit lacks the refusal (%v) or the failed login (%v)", denied403, failedLogin)
		}
	})
}

func TestCookieSessionNeedsCSRF(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev := newEnv(t, e, api.Config{})
		res, body := ev.do("", "POST", "/api/v1/auth/login", `{"username":"community1","password":"demo1234"}`, nil)
		var lr struct {
			CSRFToken string `json:"csrf_token"`
		}
		json.Unmarshal(body, &lr)
		var cookie string
		for _, c := range res.Cookies() {
			if c.Name == "redgrid_session" {
				cookie = c.Name + "=" + c.Value
				if !c.HttpOnly {
					t.Error("session cookie is not HttpOnly")
				}
			}
		}
		newGrid := `{"kind":"grid","name":"新网格","parent_id":` + id(ev.tree.Community1.ID) + `}`
		res, _ = ev.do("", "GET", "/api/v1/me", "", map[string]string{"Cookie": cookie})
		if res.StatusCode != 200 {
			t.Fatalf("GET with cookie = %d", res.StatusCode)
		}
		res, _ = ev.do("", "POST", "/api/v1/nodes", newGrid, map[string]string{"Cookie": cookie})
		if res.StatusCode != 403 {
			t.Errorf("POST with cookie and no CSRF token = %d, want 403", res.StatusCode)
		}
		res, _ = ev.do("", "POST", "/api/v1/nodes", newGrid, map[string]string{"Cookie": cookie, "X-CSRF-Token": "forged"})
		if res.StatusCode != 403 {
			t.Errorf("POST with a forged CSRF token = %d, want 403", res.StatusCode)
		}
		res, _ = ev.do("", "POST", "/api/v1/nodes", newGrid, map[string]string{"Cookie": cookie, "X-CSRF-Token": lr.CSRFToken})
		if res.StatusCode != 201 {
			t.Errorf("POST with the CSRF token = %d, want 201", res.StatusCode)
		}
		res, _ = ev.do("", "POST", "/api/v1/auth/logout", "", map[string]string{"Cookie": cookie, "X-CSRF-Token": lr.CSRFToken})
		if res.StatusCode != 204 {
			t.Errorf("logout = %d", res.StatusCode)
		}
		res, _ = ev.do("", "GET", "/api/v1/me", "", map[string]string{"Cookie": cookie})
		if res.StatusCode != 401 {
			t.Errorf("GET after logout = %d, want 401", res.StatusCode)
		}
	})
}

func TestLoginRateLimit(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev := newEnv(t, e, api.Config{LoginFailures: 3})
		for i := 0; i < 3; i++ {
			if res, _ := ev.do("", "POST", "/api/v1/auth/login", `{"username":"grid1","password":"guess-guess"}`, nil); res.StatusCode != 401 {
				t.Fatalf("attempt %d = %d", i, res.StatusCode)
			}
		}
		res, _ := ev.do("", "POST", "/api/v1/auth/login", `{"username":"grid1","password":"demo1234"}`, nil)
		if res.StatusCode != 429 || res.Header.Get("Retry-After") == "" {
			t.Errorf("login after 3 failures = %d (Retry-After %q), want 429", res.StatusCode, res.Header.Get("Retry-After"))
		}
		// Another account is not locked by these failures.
		if res, _ := ev.do("", "POST", "/api/v1/auth/login", `{"username":"grid1x","password":"x"}`, nil); res.StatusCode == 429 {
			t.Error("a different username was throttled")
		}
	})
}

func TestBodyLimitAndEncoding(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev := newEnv(t, e, api.Config{BodyLimit: 2048})
		big := `{"kind":"grid","name":"` + strings.Repeat("网", 1000) + `","parent_id":` + id(ev.tree.Community1.ID) + `}`
		before := ev.digest()
		res, body := ev.do("community1", "POST", "/api/v1/nodes", big, nil)
		if res.StatusCode != 413 || !bytes.Contains(body, []byte(`"body"`)) {
			t.Errorf("oversized body = %d %s", res.StatusCode, body)
		}
		res, body = ev.do("community1", "POST", "/api/v1/nodes", "{\"kind\":\"grid\",\"name\":\"\xff\xfe\",\"parent_id\":1}", nil)
		if res.StatusCode != 400 || !bytes.Contains(body, []byte("utf8")) {
			t.Errorf("invalid UTF-8 = %d %s", res.StatusCode, body)
		}
		res, _ = ev.do("community1", "POST", "/api/v1/nodes", `{"kind":"grid","name":"`+strings.Repeat("网", 101)+`","parent_id":`+id(ev.tree.Community1.ID)+`}`, nil)
		if res.StatusCode != 400 {
			t.Errorf("name over 100 characters = %d", res.StatusCode)
		}
		if ev.digest() != before {
			t.Error("rejected bodies changed the database")
		}
	})
}

func TestIdempotencyKeyOverHTTP(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev := newEnv(t, e, api.Config{})
		body := `{"kind":"grid","name":"重试网格","parent_id":` + id(ev.tree.Community1.ID) + `}`
		key := map[string]string{"Idempotency-Key": "7d1c2b9e-retry"}
		r1, b1 := ev.do("community1", "POST", "/api/v1/nodes", body, key)
		r2, b2 := ev.do("community1", "POST", "/api/v1/nodes", body, key)
		if r1.StatusCode != 201 || r2.StatusCode != 201 {
			t.Fatalf("statuses %d %d", r1.StatusCode, r2.StatusCode)
		}
		var n1, n2 redgrid.Node
		json.Unmarshal(b1, &n1)
		json.Unmarshal(b2, &n2)
		if n1.ID != n2.ID || r2.Header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("retry created node %d after %d (replayed %q)", n2.ID, n1.ID, r2.Header.Get("Idempotent-Replayed"))
		}
		kids, _ := ev.store.Children(t.Context(), ev.tree.Community1.ID)
		if len(kids) != 3 {
			t.Errorf("community 1 has %d grids, want 3", len(kids))
		}
		r3, _ := ev.do("community1", "POST", "/api/v1/nodes", `{"kind":"grid","name":"别的","parent_id":`+id(ev.tree.Community1.ID)+`}`, key)
		if r3.StatusCode != 422 {
			t.Errorf("key reused for another body = %d, want 422", r3.StatusCode)
		}
	})
}

func TestConcurrentPatchOneWins(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev := newEnv(t, e, api.Config{})
		path := "/api/v1/nodes/" + id(ev.tree.Grid1.ID)
		res, _ := ev.do("community1", "GET", path, "", nil)
		etag := res.Header.Get("ETag")
		if etag != `"1"` {
			t.Fatalf("ETag = %q", etag)
		}
		results := make(chan int, 2)
		for _, name := range []string{"甲", "乙"} {
			go func() {
				res, _ := ev.do("community1", "PATCH", path, `{"name":"`+name+`"}`, map[string]string{"If-Match": etag})
				results <- res.StatusCode
			}()
		}
		a, b := <-results, <-results
		if !(a == 200 && b == 412 || a == 412 && b == 200) {
			t.Errorf("two PATCHes with one ETag got %d and %d, want one 200 and one 412", a, b)
		}
	})
}

// Replacing an organisation's links touches the old links too: staff cannot drop a link to a
// node outside their scope.
func TestOrgLinksOutsideScope(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev := newEnv(t, e, api.Config{})
		tr := ev.tree
		res, body := ev.do("admin", "POST", "/api/v1/orgs", `{"kind":"resident_unit","name":"跨社区单位","home_node_id":`+id(tr.Community1.ID)+`,"node_ids":[`+id(tr.Grid3.ID)+`]}`, nil)
		if res.StatusCode != 201 {
			t.Fatalf("create: %d %s", res.StatusCode, body)
		}
		var o redgrid.Org
		json.Unmarshal(body, &o)
		before := ev.digest()
		res, _ = ev.do("community1", "PATCH", "/api/v1/orgs/"+id(o.ID), `{"node_ids":[`+id(tr.Grid1.ID)+`]}`, nil)
		if res.StatusCode != 403 || ev.digest() != before {
			t.Errorf("dropping a link outside scope = %d (changed: %v)", res.StatusCode, ev.digest() != before)
		}
	})
}
