package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/auth"
	"github.com/redgrid/redgrid/internal/redgridtest"
	"github.com/redgrid/redgrid/internal/registers"
	"github.com/redgrid/redgrid/internal/sqlstore"
)

// FuzzHTTP sends arbitrary bodies and query strings to the write and search routes as a district
// admin, on PostgreSQL when REDGRID_TEST_PG is set (its text type is the stricter one): no input
// may give a 500 or a panic.
func FuzzHTTP(f *testing.F) {
	h, token, _ := fuzzServer(f)
	for _, seed := range []struct{ route, query, body string }{
		{"POST /api/v1/nodes", "", `{"kind":"grid","name":"x","parent_id":3}`},
		{"POST /api/v1/nodes", "", "{\"kind\":\"grid\",\"name\":\"a\\u0000b\",\"parent_id\":3}"},
		{"PATCH /api/v1/nodes/4", "", `{"parent_id":4}`},
		{"POST /api/v1/orgs", "", "{\"kind\":\"social_org\",\"name\":\"x\",\"home_node_id\":1,\"contact\":\"\\u0000\"}"},
		{"POST /api/v1/party-orgs", "", `{"kind":"branch","name":"x","parent_id":1,"node_id":9223372036854775807}`},
		{"GET /api/v1/nodes", "q=%00%FF", ""},
		{"GET /api/v1/party-orgs", "q=%25_%5C", ""},
		{"GET /api/v1/orgs", "q=\x00&kind=department", ""},
		{"GET /api/v1/units", "node=-1&q=%ff&kind=", ""},
		{"POST /api/v1/auth/login", "", "{\"username\":\"\\u0000\",\"password\":\"x\"}"},
		{"POST /api/v1/users", "", `{"username":"ab","display_name":"x","password":"12345678","roles":[{"role":"resident","node_id":99999999999}]}`},
		{"GET /api/v1/locate", "lng=110.76&lat=32.58&crs=gcj02", ""},
		{"GET /api/v1/grids.geojson", "within=1&kind=community&crs=bd09", ""},
		{"GET /api/v1/coverage", "node=1", ""},
		{"PUT /api/v1/nodes/10/place", "", `{"lng":110.7,"lat":32.5,"households":12}`},
		{"GET /api/v1/public/grids/42030200100101", "", ""},
		{"POST /api/v1/grids/import", "dry_run=true", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"42030200100101","name":"\u0000"},"geometry":{"type":"Polygon","coordinates":[[[110,32],[110.01,32],[110.01,32.01],[110,32]]]}}]}`},
		{"POST /api/v1/grids/import", "", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"parent_code":"420302001001","name":"新"},"geometry":{"type":"MultiPolygon","coordinates":[[[[110,32],[110.01,32],[110.01,32.01],[110,32]]]]}}]}`},
		{"POST /api/v1/cases", "", `{"category":"0101","lng":110.77,"lat":32.59,"description":"井盖","channel":"phone","reporter_phone":"13800138000"}`},
		{"POST /api/v1/public/cases", "", `{"category":"0101","lng":1e308,"lat":-0,"description":"\u0000","anonymous":true,"follow_token":"aaaaaaaaaaaaaaaa"}`},
		{"POST /api/v1/cases/1/actions", "", `{"action":"register"}`},
		{"POST /api/v1/cases/1/actions", "", `{"action":"dispatch","lead_department_id":1,"co_department_ids":[1,2]}`},
		{"POST /api/v1/cases/1/actions", "", `{"action":"request_extend","extend":"99999d","reason":"x"}`},
		{"POST /api/v1/cases/1/actions", "", `{"action":"merge","into":1}`},
		{"GET /api/v1/cases", "state=closed,foo&order=due&level=9", ""},
		{"GET /api/v1/cases", "inbox=accept&order=due&after=3&after_due=2026-01-05T09:30:00Z&limit=2", ""},
		{"GET /api/v1/cases", "inbox=done&order=new&before=9&mine=true", ""},
		{"GET /api/v1/stats/cases", "node=1&from=2026-02-30&to=2026-01-01", ""},
		{"PUT /api/v1/case-categories", "", `{"categories":[{"code":"0199","parent_code":"01","name":"x","kind":"event","matter":"public","register_limit":"0h","accept_limit":"1h","handle_limit":"1d"}]}`},
		{"GET /api/v1/public/cases/aaaaaaaaaaaaaaaa", "", ""},
		{"POST /api/v1/meetings", "", `{"node_id":4,"held_on":"2026-02-29","title":"x","attendees":["","\u0000"],"decisions":[{"case_id":1,"decision":"x"},{"case_id":1,"decision":""}]}`},
		{"POST /api/v1/meetings", "", `{"node_id":1,"held_on":"2026-01-05","title":"区联席会议","minutes":"x","decisions":[{"case_id":-1,"decision":"督办"}]}`},
		{"GET /api/v1/meetings", "node=4", ""},
		{"GET /api/v1/notifications", "unread=true&limit=200", ""},
		{"POST /api/v1/notifications/read", "", `{"ids":[1,9223372036854775807,-1],"up_to":9223372036854775807}`},
		{"POST /api/v1/notifications/read", "", `{"up_to":1e3}`},
		{"GET /api/v1/meetings/1", "", ""},
		{"POST /api/v1/photos", "", "--fuzz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\n\r\n\xff\xd8\xff\xe1\x00\x08Exif\x00\x00\xff\xd9\r\n--fuzz--\r\n"},
		{"POST /api/v1/photos", "", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01\x86\xa0\x00\x01\x86\xa0\x08\x00\x00\x00\x00"},
		{"POST /api/v1/public/photos", "", "\xff\xd8\xff\xdb\x00\x02\xff\xd9"},
		{"POST /api/v1/public/photos", "", "--fuzz\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nx\r\n--fuzz"},
		{"GET /api/v1/photos/0123456789abcdef0123456789abcdef/thumb", "", ""},
		{"GET /api/v1/public/cases/aaaaaaaaaaaaaaaa/photos/0123456789abcdef0123456789abcdef", "", ""},
		{"POST /api/v1/households", "", `{"building_id":10,"unit":1,"floor":-5,"room":"\u0000","occupancy":"owner","lead_id":1}`},
		{"PATCH /api/v1/households/1", "", `{"unit":100,"clear_lead":true,"lead_id":1}`},
		{"GET /api/v1/households", "node=1&q=%25_&after=-1&limit=0", ""},
		{"GET /api/v1/buildings/10/chart", "", ""},
		{"PUT /api/v1/buildings/10/layout", "", `{"units":99,"floors":200}`},
		{"POST /api/v1/residents", "", `{"household_id":1,"name":"张三","id_number":"11010519491231002X","phone":"+86 138 0013 8000","tags":["key_person","key_person"]}`},
		{"GET /api/v1/residents", "node=1&q=110105194912310021", ""},
		{"GET /api/v1/residents", "node=1&q=zs%00", ""},
		{"PATCH /api/v1/residents/1", "", `{"household_id":-1,"tags":["vip"]}`},
		{"POST /api/v1/residents/1/unmask", "", `{"reason":"` + strings.Repeat("长", 201) + `"}`},
		{"POST /api/v1/registers/households/import", "node=1&good_rows_only=yes", "PK\x03\x04\x14\x00\x00\x00\x08\x00"},
		{"POST /api/v1/registers/residents/import", "node=1&dry_run=true", "PK\x05\x06\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"},
		{"POST /api/v1/registers/buildings/import", "node=4", "PK\x03\x04\x14\x00\x00\x00\x08\x00"},
		{"POST /api/v1/registers/members/import", "node=4&good_rows_only=true", "PK\x05\x06\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"},
		{"POST /api/v1/registers/volunteers/import", "node=4&dry_run=1", "PK\x03\x04"},
		{"POST /api/v1/registers/units/import", "node=2", ""},
		{"GET /api/v1/registers/volunteers/export", "node=4", ""},
		{"GET /api/v1/registers/units/template", "", ""},
		{"POST /api/v1/registers/grid-staff/import", "node=4&good_rows_only=true", "PK\x03\x04\x14\x00\x00\x00\x08\x00"},
		{"POST /api/v1/registers/posts/import", "node=4&dry_run=true", "PK\x05\x06\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"},
		{"POST /api/v1/registers/baobao/import", "node=4", ""},
		{"GET /api/v1/registers/grid-staff/export", "node=4&unmasked=true&reason=x", ""},
		{"GET /api/v1/registers/posts/export", "node=1", ""},
		{"GET /api/v1/registers/baobao/template", "", ""},
		{"PUT /api/v1/members/1/roster", "", `{"weekdays":[1,2]}`},
		{"GET /api/v1/registers/pets/template", "", ""},
		{"GET /api/v1/registers/households/export", "node=999999", ""},
		{"GET /api/v1/registers/residents/export", "node=1&unmasked=true&reason=%00", ""},
		{"GET /api/v1/registers/households/export", "node=1&unmasked=1&reason=x", ""},
		{"DELETE /api/v1/residents/1", "", ""},
		{"DELETE /api/v1/volunteers/1", "", ""},
		{"POST /api/v1/grid-staff", "", `{"grid_id":4,"post":"leader","name":"王芳","branch_secretary":true}`},
		{"GET /api/v1/grid-staff/gaps", "node=1", ""},
		{"DELETE /api/v1/grid-staff/1", "", ""},
		{"POST /api/v1/volunteers", "", `{"node_id":3,"name":"刘红","id_number":"11010519491231002X","colours":["elderly","elderly"],"team_id":1}`},
		{"POST /api/v1/volunteers/1/records", "", `{"kind":"service","on":"2026-02-30","hours":1e308,"content":"x"}`},
		{"POST /api/v1/volunteer-stations", "", `{"node_id":3,"name":"站","kind":"kiosk","address":"\u0000","hours":"全天","contact":""}`},
		{"POST /api/v1/volunteer-stations", "", `{"node_id":9223372036854775807,"name":"x","kind":"station"}`},
		{"GET /api/v1/volunteer-stations", "node=1", ""},
		{"GET /api/v1/volunteer-stations/gaps", "node=-1", ""},
		{"GET /api/v1/volunteer-stations/1", "", ""},
		{"PATCH /api/v1/volunteer-stations/1", "", `{"kind":"tent","name":null,"hours":"x"}`},
		{"PUT /api/v1/volunteer-stations/1/teams", "", `{"team_ids":[1,1,-1,9223372036854775807]}`},
		{"PUT /api/v1/volunteers/1/station", "", `{"station_id":9223372036854775807}`},
		{"POST /api/v1/volunteers/1/records", "", `{"kind":"service","on":"2026-01-01","hours":2,"content":"x","station_id":1}`},
		{"POST /api/v1/cobuild/agreements", "", `{"org_id":1,"community_id":3,"signed_on":"2026-01-01","ends_on":"2025-01-01","content":"x"}`},
		{"GET /api/v1/cobuild/agreements/due", "node=1&days=-1", ""},
		{"GET /api/v1/cobuild/agreements/due", "node=3&days=366", ""},
		{"POST /api/v1/cobuild/agreements/1/renew", "", `{"signed_on":"2026-01-01","ends_on":"9999-12-31","content":"a\u0000b"}`},
		{"POST /api/v1/cobuild/agreements/1/renew", "", `{"signed_on":"2026-02-29","ends_on":"2025-01-01"}`},
		{"PUT /api/v1/communities/3/links", "", `{"leader":"x","unit_id":1,"grid_cadres":{"abc":"y","-1":"z"}}`},
		{"GET /api/v1/red-property", "node=1", ""},
		{"POST /api/v1/orgs/1/members", "", `{"name":"x","role":"director","community_post":"\u0000"}`},
		{"POST /api/v1/orgs/1/terms", "", `{"elected_on":"2024-02-29","ends_on":"2029-02-28"}`},
		{"POST /api/v1/orgs/2/terms", "", `{"elected_on":"0000-01-01","ends_on":"9999-12-31"}`},
		{"GET /api/v1/orgs/1/terms", "", ""},
		{"GET /api/v1/committee-terms/due", "node=1&days=99999999999999999999", ""},
		{"POST /api/v1/members", "", `{"name":"陈","branch_id":1,"status":"full","residence_id":10,"sinking":true,"in_service":true,"joined_on":"2010-01-01"}`},
		{"POST /api/v1/members/1/registration", "", ""},
		{"POST /api/v1/members/1/leave", "", `{"on":"2026-02-29","reason":"other","note":"\u0000"}`},
		{"POST /api/v1/members/1/leave", "", `{"on":"0001-01-01","reason":"deceased"}`},
		{"POST /api/v1/registrations/1/confirm", "", ""},
		{"PUT /api/v1/members/1/roster", "", `{"weekdays":[0,1,1]}`},
		{"GET /api/v1/roster/gaps", "node=1", ""},
		{"POST /api/v1/members/1/posts", "", `{"kind":"other","name":"\u0000","node_id":10,"duties":"巡楼\n","starts_on":"2026-02-29","ends_on":"2025-01-01"}`},
		{"POST /api/v1/members/1/posts", "", `{"kind":"patrol","node_id":9223372036854775807,"duties":"x","ends_on":null}`},
		{"PATCH /api/v1/posts/1", "", `{"kind":"mediation","node_id":-1,"ends_on":"2026-01-01","clear_ends_on":true}`},
		{"DELETE /api/v1/posts/1", "", ""},
		{"GET /api/v1/posts", "node=1", ""},
		{"GET /api/v1/posts/gaps", "node=1&kinds=patrol,,other&level=building", ""},
		{"GET /api/v1/members/1/posts", "", ""},
		{"POST /api/v1/baobao", "", `{"member_id":1,"building_id":10,"household_id":1,"starts_on":"0000-00-00"}`},
		{"GET /api/v1/baobao", "node=1&household=1", ""},
		{"GET /api/v1/baobao", "member=1&household=1", ""},
		{"GET /api/v1/baobao/gaps", "node=4", ""},
		{"DELETE /api/v1/baobao/1", "", ""},
		{"GET /api/v1/members", "node=1&q=%25&sinking=true&after=0&limit=1000", ""},
		{"GET /api/v1/public/certificates/0123456789abcdef0123456789abcdef", "", ""},
	} {
		f.Add(seed.route, seed.query, seed.body)
	}
	// Real sheets of the spreadsheet registers: their templates, each with its example row.
	for _, name := range []string{"buildings", "members", "volunteers", "units", "grid-staff", "posts", "baobao"} {
		var b bytes.Buffer
		if err := registers.All[name].Schema.Template(&b); err != nil {
			f.Fatal(err)
		}
		f.Add("POST /api/v1/registers/"+name+"/import", "node=1&good_rows_only=true", b.String())
	}
	f.Fuzz(func(t *testing.T, route, query, body string) {
		method, path, ok := strings.Cut(route, " ")
		if !ok || !strings.HasPrefix(path, "/api/") || !strings.Contains(" GET POST PATCH DELETE PUT HEAD ", " "+method+" ") {
			return // not a request a client can send
		}
		u := &url.URL{Path: path, RawQuery: query}
		req := httptest.NewRequest(method, "http://redgrid.test/", strings.NewReader(body))
		req.URL = u
		req.RequestURI = u.RequestURI()
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", fuzzContentType(body))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s?%q with %q = %d: %s", method, path, query, body, rec.Code, rec.Body.String())
		}
		if rec.Code >= 400 && rec.Header().Get("Content-Type") != "application/problem+json" && rec.Code != http.StatusNotFound {
			t.Fatalf("%s %s = %d without a problem document", method, path, rec.Code)
		}
	})
}

// fuzzContentType picks the media type a client would send with body: a multipart form (boundary
// "fuzz"), an image by its magic bytes, else JSON.
func fuzzContentType(body string) string {
	switch {
	case strings.HasPrefix(body, "--fuzz"):
		return "multipart/form-data; boundary=fuzz"
	case strings.HasPrefix(body, "\xff\xd8"):
		return "image/jpeg"
	case strings.HasPrefix(body, "\x89PNG"):
		return "image/png"
	case strings.HasPrefix(body, "RIFF"):
		return "image/webp"
	case strings.HasPrefix(body, "PK"):
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	return "application/json"
}

// fuzzServer is the server the HTTP fuzzers send their requests to, on PostgreSQL when
// REDGRID_TEST_PG is set: the test district, the default categories, one case, a district admin's
// bearer token, and an Open311 key (fuzzO311Key). It returns the handler, the token and the case's
// number.
func fuzzServer(f *testing.F) (http.Handler, string, string) {
	engines := redgridtest.Engines()
	e := engines[len(engines)-1]
	s := e.Open(f, sqlstore.Options{})
	tr := redgridtest.BuildTree(f, s)
	hash, _ := auth.Hash("demo1234", auth.TestParams)
	u := redgridtest.AddUser(f, s, "admin", hash, redgrid.RoleDistrictAdmin, tr.District.ID, 0)
	srv := New(s, nil, Config{Argon: auth.TestParams, PhotoDir: f.TempDir()}, nil, nil, nil)
	token := auth.NewToken()
	if err := s.CreateSession(f.Context(), auth.TokenHash(token), sqlstore.Session{UserID: u.ID, CSRFToken: "x", ExpiresAt: redgridtest.NewClock().Now().AddDate(10, 0, 0)}, ""); err != nil {
		f.Fatal(err)
	}
	// A case to act on (placed by hand: this server has no map, so intake stops at the grid lookup).
	if _, err := s.EnsureCategories(f.Context(), redgrid.DefaultCategories()); err != nil {
		f.Fatal(err)
	}
	cat, _, _ := s.CategoryByCode(f.Context(), "0101")
	lng, lat := 110.77, 32.59
	c, _, err := s.CreateCase(f.Context(), sqlstore.CaseIntake{In: redgrid.NewCase{Category: "0101", Lng: &lng, Lat: &lat, Description: "x", Channel: redgrid.ChannelPhone},
		Category: cat, GridID: tr.Grid1.ID, GridPath: tr.Grid1.Path, GridCode: tr.Grid1.Code, Lng: lng, Lat: lat})
	if err != nil {
		f.Fatal(err)
	}
	h := sha256.Sum256([]byte(fuzzO311Key))
	if _, err := s.CreateAPIKey(f.Context(), "fuzz", hex.EncodeToString(h[:]), ""); err != nil {
		f.Fatal(err)
	}
	return srv.Handler(), token, c.Number
}

const fuzzO311Key = "fuzz-open311-key"
