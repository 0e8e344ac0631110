package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redgrid/redgrid/internal/api"
	"github.com/redgrid/redgrid/internal/redgridtest"
)

const o311Key = "0f3c9a1e5d7b2468ace013579bdf2468ace013579bdf2468ace013579bdf2468"

// o311Env is the case environment with photo storage and an Open311 key "fms".
func o311Env(t *testing.T, e redgridtest.Engine) *env {
	t.Helper()
	ev, _ := caseEnvWith(t, e, api.Config{PhotoDir: t.TempDir()})
	h := sha256.Sum256([]byte(o311Key))
	if _, err := ev.store.CreateAPIKey(context.Background(), "fms", hex.EncodeToString(h[:]), ""); err != nil {
		t.Fatal(err)
	}
	return ev
}

// o311 sends a form (or a body of the given type) to an Open311 path.
func (ev *env) o311(method, path string, form url.Values, hdr map[string]string) (int, []byte) {
	ev.t.Helper()
	h := map[string]string{}
	body := ""
	if form != nil {
		body = form.Encode()
		h["Content-Type"] = "application/x-www-form-urlencoded"
	}
	for k, v := range hdr {
		h[k] = v
	}
	res, b := ev.do("", method, path, body, h)
	return res.StatusCode, b
}

// fmsReport is what FixMyStreet's Open311 client sends for a report.
func fmsReport(lng, lat float64, code string) url.Values {
	return url.Values{"api_key": {o311Key}, "jurisdiction_id": {"420302"}, "service_code": {code}, "lat": {fmt.Sprint(lat)},
		"long": {fmt.Sprint(lng)}, "email": {"zhang@example.org"}, "first_name": {"三"}, "last_name": {"张"}, "phone": {"13800138000"},
		"description": {"井盖缺失\n\nhttps://fms.example.org/report/12\n\nSubmitted via FixMyStreet"}, "address_string": {"五堰街12号"},
		"attribute[fms_extra_title]": {"井盖缺失"}, "service_request_id_ext": {"12"}}
}

type xmlRequests struct {
	XMLName  xml.Name `xml:"service_requests"`
	Requests []struct {
		ServiceRequestID  string  `xml:"service_request_id"`
		Status            string  `xml:"status"`
		ServiceCode       string  `xml:"service_code"`
		Description       string  `xml:"description"`
		RequestedDatetime string  `xml:"requested_datetime"`
		Lat               float64 `xml:"lat"`
		Long              float64 `xml:"long"`
		AgencyResponsible string  `xml:"agency_responsible"`
	} `xml:"request"`
}

type xmlUpdates struct {
	XMLName xml.Name `xml:"service_request_updates"`
	Updates []struct {
		UpdateID         string `xml:"update_id"`
		ServiceRequestID string `xml:"service_request_id"`
		Status           string `xml:"status"`
		UpdatedDatetime  string `xml:"updated_datetime"`
		Description      string `xml:"description"`
	} `xml:"request_update"`
}

type o311Errors []struct {
	Code        int
	Description string
}

func wantO311Error(t *testing.T, status int, b []byte, wantStatus int, wantText string) {
	t.Helper()
	var errs o311Errors
	if bytes.HasPrefix(b, []byte("<?xml")) {
		var doc struct {
			Errors []struct {
				Code        int    `xml:"code"`
				Description string `xml:"description"`
			} `xml:"error"`
		}
		if err := xml.Unmarshal(b, &doc); err != nil {
			t.Fatalf("not an Open311 XML error: %s", b)
		}
		for _, e := range doc.Errors {
			errs = append(errs, struct {
				Code        int
				Description string
			}{e.Code, e.Description})
		}
	} else if err := json.Unmarshal(b, &errs); err != nil {
		t.Fatalf("not an Open311 JSON error: %s", b)
	}
	if status != wantStatus || len(errs) == 0 || errs[0].Code != wantStatus || !strings.Contains(string(b), wantText) {
		t.Fatalf("want %d naming %q, got %d %s", wantStatus, wantText, status, b)
	}
}

// TestOpen311AsFixMyStreet walks what FixMyStreet's Open311 client does: discovery, the service
// list and a definition, a report with its API key, the request read back, a staff action on the
// case through the JSON API, and the update that action publishes; then a citizen's update.
func TestOpen311AsFixMyStreet(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev := o311Env(t, e)
		st, b := ev.o311("GET", "/open311/v2/discovery.json", nil, nil)
		var disc struct {
			Endpoints []struct {
				URL     string
				Formats []string
			}
		}
		json.Unmarshal(b, &disc)
		if st != 200 || len(disc.Endpoints) != 1 || !strings.HasSuffix(disc.Endpoints[0].URL, "/open311/v2") {
			t.Fatalf("discovery: %d %s", st, b)
		}
		st, b = ev.o311("GET", "/open311/v2/discovery.xml", nil, nil)
		if st != 200 || !bytes.Contains(b, []byte("<discovery>")) || !bytes.Contains(b, []byte("<format>text/xml</format>")) {
			t.Fatalf("discovery.xml: %d %s", st, b)
		}

		st, b = ev.o311("GET", "/open311/v2/services.xml?jurisdiction_id=420302", nil, nil)
		var services struct {
			Services []struct {
				ServiceCode string `xml:"service_code"`
				ServiceName string `xml:"service_name"`
				Metadata    string `xml:"metadata"`
				Type        string `xml:"type"`
				Group       string `xml:"group"`
			} `xml:"service"`
		}
		if err := xml.Unmarshal(b, &services); st != 200 || err != nil || len(services.Services) < 10 {
			t.Fatalf("services.xml: %d %v %s", st, err, b)
		}
		s0 := services.Services[0]
		if s0.ServiceCode != "0101" || s0.Metadata != "false" || s0.Type != "realtime" || s0.Group == "" || s0.ServiceName == "" {
			t.Fatalf("first service: %+v", s0)
		}
		st, b = ev.o311("GET", "/open311/v2/services.json", nil, nil)
		var jsvc []map[string]any
		if json.Unmarshal(b, &jsvc); st != 200 || len(jsvc) != len(services.Services) || jsvc[0]["metadata"] != false {
			t.Fatalf("services.json: %d %s", st, b)
		}
		st, b = ev.o311("GET", "/open311/v2/services/0101.xml", nil, nil)
		if st != 200 || !bytes.Contains(b, []byte("<service_definition><service_code>0101</service_code><attributes></attributes></service_definition>")) {
			t.Fatalf("service definition: %d %s", st, b)
		}
		st, b = ev.o311("GET", "/open311/v2/services/0101.json", nil, nil)
		if st != 200 || !bytes.Contains(b, []byte(`"attributes":[]`)) {
			t.Fatalf("service definition json: %d %s", st, b)
		}

		// The report.
		lng, lat := inCell(0, 0)
		st, b = ev.o311("POST", "/open311/v2/requests.xml", fmsReport(lng, lat, "0101"), nil)
		var created struct {
			Request []struct {
				ServiceRequestID string `xml:"service_request_id"`
				ServiceNotice    string `xml:"service_notice"`
			} `xml:"request"`
		}
		if err := xml.Unmarshal(b, &created); st != 201 || err != nil || len(created.Request) != 1 || len(created.Request[0].ServiceRequestID) != 14 {
			t.Fatalf("POST requests.xml: %d %v %s", st, err, b)
		}
		number := created.Request[0].ServiceRequestID
		var caseID int64
		var channel, reporter string
		if err := ev.store.DB().QueryRow("SELECT id, channel, reporter_name FROM cases").Scan(&caseID, &channel, &reporter); err != nil || channel != "open311" {
			t.Fatalf("the case: %v %s", err, channel)
		}
		if name, err := redgridtest.Keyring().Open("cases.reporter_name", reporter); err != nil || name != "三 张" {
			t.Fatalf("the reporter: %q %v", name, err)
		}

		// Read back, in both formats, without personal data.
		for _, path := range []string{"/open311/v2/requests/" + number + ".json", "/open311/v2/requests.json?service_request_id=" + number, "/open311/v2/requests.json"} {
			st, b = ev.o311("GET", path, nil, nil)
			var reqs []map[string]any
			json.Unmarshal(b, &reqs)
			if st != 200 || len(reqs) != 1 || reqs[0]["service_request_id"] != number || reqs[0]["status"] != "open" || reqs[0]["service_code"] != "0101" {
				t.Fatalf("GET %s: %d %s", path, st, b)
			}
			for _, personal := range []string{"13800138000", "138****8000", "zhang@example.org", "张"} {
				if bytes.Contains(b, []byte(personal)) {
					t.Errorf("GET %s shows %q", path, personal)
				}
			}
		}
		st, b = ev.o311("GET", "/open311/v2/requests.xml?status=closed", nil, nil)
		var rx xmlRequests
		if xml.Unmarshal(b, &rx); st != 200 || len(rx.Requests) != 0 {
			t.Fatalf("closed requests: %d %s", st, b)
		}
		st, b = ev.o311("GET", "/open311/v2/tokens/"+number+".xml", nil, nil)
		if st != 200 || !bytes.Contains(b, []byte("<service_request_id>"+number+"</service_request_id>")) {
			t.Fatalf("token: %d %s", st, b)
		}

		// Staff act on the case through the JSON API; the updates show it.
		ev.clock.Advance(time.Minute)
		ev.act("community1", caseID, `{"action":"register"}`)
		ev.clock.Advance(time.Minute)
		if st, _, b := ev.act("community1", caseID, fmt.Sprintf(`{"action":"dispatch","lead_department_id":%d}`, ev.tree.Department.ID)); st != 200 {
			t.Fatalf("dispatch: %d %s", st, b)
		}
		ev.clock.Advance(time.Minute)
		ev.act("dept1", caseID, `{"action":"accept"}`)
		from := url.QueryEscape(ev.clock.Now().Add(-time.Hour).Format(time.RFC3339))
		to := url.QueryEscape(ev.clock.Now().Format(time.RFC3339))
		st, b = ev.o311("GET", "/open311/v2/servicerequestupdates.xml?api_key=x&start_date="+from+"&end_date="+to, nil, nil)
		var ux xmlUpdates
		if err := xml.Unmarshal(b, &ux); st != 200 || err != nil || len(ux.Updates) != 3 {
			t.Fatalf("updates: %d %v %s", st, err, b)
		}
		for i, want := range []string{"OPEN", "ACTION_SCHEDULED", "IN_PROGRESS"} {
			u := ux.Updates[i]
			if u.Status != want || u.ServiceRequestID != number || u.UpdateID == "" || !strings.HasSuffix(u.UpdatedDatetime, "+08:00") {
				t.Errorf("update %d: %+v, want %s", i, u, want)
			}
		}
		if !strings.Contains(ux.Updates[1].Description, "城管局") {
			t.Errorf("dispatch update does not name the department: %q", ux.Updates[1].Description)
		}
		st, b = ev.o311("GET", "/open311/v2/requests/"+number+".xml", nil, nil)
		if xml.Unmarshal(b, &rx); st != 200 || len(rx.Requests) != 1 || rx.Requests[0].AgencyResponsible != "城管局" {
			t.Fatalf("request after dispatch: %d %s", st, b)
		}

		// A citizen's update: a comment on the case; its retry (same update_id) adds nothing.
		upd := url.Values{"api_key": {o311Key}, "service_request_id": {number}, "update_id": {"77"}, "status": {"OPEN"},
			"description": {"井盖还没有修好"}, "updated_datetime": {"2026-03-02T17:10:00+08:00"}, "email": {"zhang@example.org"}, "first_name": {"三"}, "last_name": {"张"}}
		st, b = ev.o311("POST", "/open311/v2/servicerequestupdates.json", upd, nil)
		var uc []struct {
			UpdateID string `json:"update_id"`
		}
		if json.Unmarshal(b, &uc); st != 201 || len(uc) != 1 || uc[0].UpdateID == "" {
			t.Fatalf("POST update: %d %s", st, b)
		}
		before := ev.digest()
		st, b2 := ev.o311("POST", "/open311/v2/servicerequestupdates.json", upd, nil)
		if st != 201 || !bytes.Equal(b, b2) || ev.digest() != before {
			t.Fatalf("retried update: %d %s (first %s)", st, b2, b)
		}
		res, cb := ev.do("community1", "GET", fmt.Sprintf("/api/v1/cases/%d", caseID), "", nil)
		if res.StatusCode != 200 || !bytes.Contains(cb, []byte(`"action":"comment"`)) || !bytes.Contains(cb, []byte("井盖还没有修好")) || bytes.Contains(cb, []byte("zhang@example.org")) {
			t.Fatalf("the comment on the case: %s", cb)
		}
		st, b = ev.o311("GET", "/open311/v2/servicerequestupdates.json?start_date="+from+"&end_date="+to, nil, nil)
		if st != 200 || bytes.Contains(b, []byte("井盖还没有修好")) {
			t.Fatalf("the client's own comment is published back: %s", b)
		}
		var n int
		ev.store.DB().QueryRow("SELECT COUNT(*) FROM audit_log WHERE action = 'case.comment' AND actor = 'open311:fms'").Scan(&n)
		if n != 1 {
			t.Errorf("audit lines of the comment: %d", n)
		}
	})
}

// TestOpen311Refusals: bad keys, bad input and unknown things are Open311 errors (XML or JSON, the
// HTTP status as code, naming the parameter) and write nothing.
func TestOpen311Refusals(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev := o311Env(t, e)
		lng, lat := inCell(0, 0)
		with := func(change func(v url.Values)) url.Values {
			v := fmsReport(lng, lat, "0101")
			change(v)
			return v
		}
		for _, c := range []struct {
			name   string
			path   string
			form   url.Values
			status int
			text   string
		}{
			{"no key", "/open311/v2/requests.xml", with(func(v url.Values) { v.Del("api_key") }), 403, "api_key"},
			{"wrong key", "/open311/v2/requests.json", with(func(v url.Values) { v.Set("api_key", "nope") }), 403, "api_key"},
			{"wrong jurisdiction", "/open311/v2/requests.json", with(func(v url.Values) { v.Set("jurisdiction_id", "110101") }), 404, "jurisdiction_id"},
			{"lat out of range", "/open311/v2/requests.json", with(func(v url.Values) { v.Set("lat", "200") }), 400, "lat: must be a number from -90 to 90"},
			{"lat not a number", "/open311/v2/requests.xml", with(func(v url.Values) { v.Set("lat", "NaN") }), 400, "lat:"},
			{"no coordinates", "/open311/v2/requests.json", with(func(v url.Values) { v.Del("lat"); v.Del("long") }), 400, "long: required"},
			{"outside every grid", "/open311/v2/requests.json", with(func(v url.Values) { v.Set("lat", "30"); v.Set("long", "100") }), 400, "long: the point"},
			{"unknown service", "/open311/v2/requests.xml", with(func(v url.Values) { v.Set("service_code", "9999") }), 400, "service_code:"},
			{"no description", "/open311/v2/requests.json", with(func(v url.Values) { v.Del("description") }), 400, "description: required"},
			{"address given twice", "/open311/v2/requests.json", with(func(v url.Values) { v.Add("address_string", "五堰街14号") }), 400, "address_string: given more than once"},
			{"no email address", "/open311/v2/requests.xml", with(func(v url.Values) { v.Set("email", "zhang at example.org") }), 400, "email: must be an email address"},
			{"email without a domain", "/open311/v2/requests.json", with(func(v url.Values) { v.Set("email", "zhang@") }), 400, "email:"},
			{"email with a control character", "/open311/v2/requests.json", with(func(v url.Values) { v.Set("email", "zh\x00ang@example.org") }), 400, "email:"},
			{"a bad attribute code", "/open311/v2/requests.json", with(func(v url.Values) { v.Set("attribute[]", "x") }), 400, "attribute[]: attribute parameters"},
			{"too many media_url", "/open311/v2/requests.json", with(func(v url.Values) { v["media_url"] = make([]string, 10) }), 400, "media_url: at most 9"},
			{"given twice", "/open311/v2/requests.json", with(func(v url.Values) { v.Add("service_code", "0102") }), 400, "service_code: given more than once"},
			{"update of an unknown request", "/open311/v2/servicerequestupdates.xml", url.Values{"api_key": {o311Key}, "service_request_id": {"20260302999999"}, "description": {"x"}}, 404, "service_request_id"},
			{"update without a key", "/open311/v2/servicerequestupdates.xml", url.Values{"service_request_id": {"20260302000001"}, "description": {"x"}}, 403, "api_key"},
			{"update with a bad status", "/open311/v2/servicerequestupdates.json", url.Values{"api_key": {o311Key}, "service_request_id": {"20260302000001"}, "description": {"x"}, "status": {"MAYBE"}}, 400, "status:"},
			{"update with no email address", "/open311/v2/servicerequestupdates.json", url.Values{"api_key": {o311Key}, "service_request_id": {"20260302000001"}, "description": {"x"}, "email": {"@example.org"}}, 400, "email: must be an email address"},
		} {
			before := ev.digest()
			st, b := ev.o311("POST", c.path, c.form, nil)
			wantO311Error(t, st, b, c.status, c.text)
			if strings.HasSuffix(c.path, ".xml") != bytes.HasPrefix(b, []byte("<?xml")) {
				t.Errorf("%s: the error is not in the format of %s: %s", c.name, c.path, b)
			}
			if ev.digest() != before {
				t.Fatalf("%s: a refused request changed the database", c.name)
			}
		}
		// A revoked key is refused.
		if err := ev.store.RevokeAPIKey(context.Background(), "fms"); err != nil {
			t.Fatal(err)
		}
		st, b := ev.o311("POST", "/open311/v2/requests.xml", fmsReport(lng, lat, "0101"), nil)
		wantO311Error(t, st, b, 403, "api_key")
		var denied int
		ev.store.DB().QueryRow("SELECT COUNT(*) FROM audit_log WHERE outcome = 'denied' AND target = '/open311/v2/requests.xml'").Scan(&denied)
		if denied < 2 {
			t.Errorf("refused keys are not audited: %d lines", denied)
		}

		for _, c := range []struct {
			method, path string
			status       int
			text         string
		}{
			{"GET", "/open311/v2/requests.json?start_date=yesterday", 400, "start_date:"},
			{"GET", "/open311/v2/requests.json?start_date=2026-01-01&end_date=2025-01-01", 400, "end_date:"},
			{"GET", "/open311/v2/requests.json?start_date=2025-01-01&end_date=2026-01-01", 400, "start_date: the period"},
			{"GET", "/open311/v2/requests.json?status=pending", 400, "status:"},
			{"GET", "/open311/v2/requests.json?service_request_id=abc", 400, "service_request_id:"},
			{"GET", "/open311/v2/requests.xml?service_request_id=" + strings.Repeat("20260302000001,", 100) + "20260302000002", 400, "service_request_id: at most 100 items"},
			{"GET", "/open311/v2/requests.json?service_request_id=" + strings.Repeat(",", 5000), 400, "service_request_id: at most 100 items"},
			{"GET", "/open311/v2/requests.json?q=%zz", 400, "query:"},
			{"GET", "/open311/v2/requests/20260302000001.json", 404, "service_request_id"},
			{"GET", "/open311/v2/requests/1.xml", 404, "service_request_id"},
			{"GET", "/open311/v2/services/9999.json", 404, "service_code"},
			{"GET", "/open311/v2/services/0101.html", 404, "no such document"},
			{"GET", "/open311/v2/services.json?jurisdiction_id=110101", 404, "jurisdiction_id"},
			{"GET", "/open311/v2/servicerequestupdates.json?start_date=2025-01-01", 400, "start_date: the period"},
			{"GET", "/open311/v2/nothing.json", 404, "no such"},
			{"POST", "/open311/v2/services.xml", 405, "not allowed"},
		} {
			st, b := ev.o311(c.method, c.path, nil, nil)
			wantO311Error(t, st, b, c.status, c.text)
		}
		// 100 ids are answered (none of them is a request here).
		st, b = ev.o311("GET", "/open311/v2/requests.json?service_request_id="+strings.TrimSuffix(strings.Repeat("20260302000001,", 100), ","), nil, nil)
		if st != 200 || strings.TrimSpace(string(b)) != "[]" {
			t.Errorf("100 ids: %d %s", st, b)
		}
		st, b = ev.o311("POST", "/open311/v2/requests.json", nil, map[string]string{"Content-Type": "application/json"})
		wantO311Error(t, st, b, 415, "Content-Type")
	})
}

// TestOpen311MediaAndRetries: a multipart report with a photo stores it cleaned on the case; a
// non-image is refused with nothing stored; a retried POST with the same Idempotency-Key creates
// nothing new; private matters are not published.
func TestOpen311MediaAndRetries(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev := o311Env(t, e)
		lng, lat := inCell(0, 0)
		form := func(media []byte) (string, string) {
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			for k, vs := range fmsReport(lng, lat, "0101") {
				for _, v := range vs {
					mw.WriteField(k, v)
				}
			}
			fw, _ := mw.CreateFormFile("media", "photo.jpg")
			fw.Write(media)
			mw.Close()
			return buf.String(), mw.FormDataContentType()
		}
		body, ct := form([]byte("GIF89a not a photo"))
		before := ev.digest()
		res, b := ev.do("", "POST", "/open311/v2/requests.json", body, map[string]string{"Content-Type": ct})
		wantO311Error(t, res.StatusCode, b, 400, "media:")
		if ev.digest() != before {
			t.Fatal("a refused media upload changed the database")
		}

		body, ct = form(gpsJPEG(t))
		hdr := map[string]string{"Content-Type": ct, "Idempotency-Key": "fms-report-12"}
		res, b = ev.do("", "POST", "/open311/v2/requests.json", body, hdr)
		var created []struct {
			ServiceRequestID string `json:"service_request_id"`
		}
		if json.Unmarshal(b, &created); res.StatusCode != 201 || len(created) != 1 {
			t.Fatalf("multipart report: %d %s", res.StatusCode, b)
		}
		var photos, onCase int
		ev.store.DB().QueryRow("SELECT COUNT(*), COUNT(case_id) FROM photos").Scan(&photos, &onCase)
		if photos != 1 || onCase != 1 {
			t.Fatalf("photos %d, on a case %d", photos, onCase)
		}
		// The retry, with a new multipart boundary, gets the same request and stores nothing.
		body, ct = form(gpsJPEG(t))
		hdr["Content-Type"] = ct
		before = ev.digest()
		res, b2 := ev.do("", "POST", "/open311/v2/requests.json", body, hdr)
		if res.StatusCode != 201 || !bytes.Equal(b, b2) || res.Header.Get("Idempotent-Replayed") != "true" || ev.digest() != before {
			t.Fatalf("retried report: %d %s (first %s)", res.StatusCode, b2, b)
		}

		// A private matter (政策咨询) is taken but never published.
		st, b := ev.o311("POST", "/open311/v2/requests.json", fmsReport(lng, lat, "0604"), nil)
		if st != 201 {
			t.Fatalf("private matter: %d %s", st, b)
		}
		json.Unmarshal(b, &created)
		st, _ = ev.o311("GET", "/open311/v2/requests/"+created[0].ServiceRequestID+".json", nil, nil)
		st2, list := ev.o311("GET", "/open311/v2/requests.json", nil, nil)
		if st != 404 || st2 != 200 || bytes.Contains(list, []byte(created[0].ServiceRequestID)) {
			t.Fatalf("a private matter is published: %d %d %s", st, st2, list)
		}
	})
}

// failingWriter accepts the status line and fails every write of the body, as a connection the
// client has closed does.
type failingWriter struct {
	h       http.Header
	headers int
}

func (w *failingWriter) Header() http.Header       { return w.h }
func (w *failingWriter) WriteHeader(int)           { w.headers++ }
func (w *failingWriter) Write([]byte) (int, error) { return 0, errors.New("connection reset by peer") }

// TestOpen311WriteFailure: when sending a document fails after the status line, no second
// (error) document is written after it.
func TestOpen311WriteFailure(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev := o311Env(t, e)
		for _, path := range []string{"/open311/v2/services.json", "/open311/v2/services.xml", "/open311/v2/services/0101.xml"} {
			w := &failingWriter{h: http.Header{}}
			ev.srv.Config.Handler.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
			if w.headers != 1 {
				t.Errorf("GET %s: %d status lines written", path, w.headers)
			}
		}
	})
}

// TestOpen311TakesWhatFixMyStreetSends: what a client cannot correct is stored as well as it can be
// instead of refused (FixMyStreet retries a refused report for ever), and the report event says
// what was changed: E.164 phones, long text cut with '…', control characters as spaces, and a
// phone that is no mainland number dropped (the report becomes anonymous).
func TestOpen311TakesWhatFixMyStreetSends(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev := o311Env(t, e)
		lng, lat := inCell(0, 0)
		post := func(change func(v url.Values)) (name, phone, desc string, anonymous bool, detail map[string]any) {
			t.Helper()
			v := fmsReport(lng, lat, "0101")
			change(v)
			st, b := ev.o311("POST", "/open311/v2/requests.json", v, nil)
			var created []struct {
				ServiceRequestID string `json:"service_request_id"`
			}
			if json.Unmarshal(b, &created); st != 201 || len(created) != 1 {
				t.Fatalf("POST: %d %s", st, b)
			}
			var raw string
			if err := ev.store.DB().QueryRow(`SELECT c.reporter_name, c.reporter_phone, c.description, c.anonymous, e.detail FROM cases c
				JOIN case_events e ON e.case_id = c.id AND e.action = 'report' ORDER BY c.id DESC LIMIT 1`).Scan(&name, &phone, &desc, &anonymous, &raw); err != nil {
				t.Fatal(err)
			}
			json.Unmarshal([]byte(raw), &detail)
			// Encrypted at rest; opened here with the test keys.
			var err error
			if name, err = redgridtest.Keyring().Open("cases.reporter_name", name); err != nil {
				t.Fatal(err)
			}
			if phone, err = redgridtest.Keyring().Open("cases.reporter_phone", phone); err != nil {
				t.Fatal(err)
			}
			return
		}
		name, phone, _, anon, detail := post(func(v url.Values) { v.Set("phone", "+86 138-0013-8000") })
		if name != "三 张" || phone != "13800138000" || anon || detail["phone_dropped"] != nil || detail["adjusted"] != nil {
			t.Errorf("E.164 phone: %q %q %v %v", name, phone, anon, detail)
		}
		_, phone, _, _, _ = post(func(v url.Values) { v.Set("phone", "008607198123456") })
		if phone != "07198123456" {
			t.Errorf("landline with 0086: %q", phone)
		}
		name, phone, _, anon, detail = post(func(v url.Values) { v.Set("phone", "+44 20 7946 0000") })
		if name != "" || phone != "" || !anon || detail["phone_dropped"] == nil || detail["anonymous"] != true || detail["channel"] != "open311" {
			t.Errorf("foreign phone: %q %q %v %v", name, phone, anon, detail)
		}
		name, _, desc, _, detail := post(func(v url.Values) {
			v.Set("description", "井盖\f缺失"+strings.Repeat("长", 2100))
			v.Set("first_name", strings.Repeat("名", 48))
			v.Set("last_name", "张\x00三")
		})
		if len([]rune(desc)) != 2000 || !strings.HasPrefix(desc, "井盖 缺失") || !strings.HasSuffix(desc, "长…") ||
			len([]rune(name)) > 50 || !strings.HasSuffix(name, "…") || fmt.Sprint(detail["adjusted"]) != "[last_name description first_name+last_name]" {
			t.Errorf("long text: %d %q %q %v", len([]rune(desc)), desc[:20], name, detail)
		}
		// The address, the email (not kept) and attribute values are cut too, control characters
		// in them become spaces; media_url values that are no http(s) URL are not kept.
		_, _, _, _, detail = post(func(v url.Values) {
			v.Set("address_string", "五堰街	12号"+strings.Repeat("路", 300))
			v.Set("email", strings.Repeat("z", 300)+"@example.org")
			v.Set("attribute[fms_extra_title]", strings.Repeat("题", 2500))
			v.Set("attribute[notes]", "a\x00b")
			v["media_url"] = []string{"https://fms.example.org/photo/13.0.jpeg", "javascript:alert(1)", "file:///etc/passwd", "https://fms.example.org/a b.jpeg", "//fms.example.org/x.jpeg", ""}
		})
		var address string
		ev.store.DB().QueryRow("SELECT address FROM cases ORDER BY id DESC LIMIT 1").Scan(&address)
		if len([]rune(address)) != 200 || !strings.HasPrefix(address, "五堰街 12号路") || !strings.HasSuffix(address, "路…") ||
			fmt.Sprint(detail["adjusted"]) != "[address_string email attribute[fms_extra_title] attribute[notes]]" ||
			fmt.Sprint(detail["media_urls"]) != "[https://fms.example.org/photo/13.0.jpeg]" || detail["media_urls_dropped"] != float64(4) {
			t.Errorf("long address, email and attribute: %q %v", address, detail)
		}
		raw, _ := json.Marshal(detail)
		if bytes.Contains(raw, []byte("zzz")) || bytes.Contains(raw, []byte("javascript")) || bytes.Contains(raw, []byte("passwd")) {
			t.Errorf("the report event keeps what it must not: %s", raw)
		}

		// A citizen's update: long text is cut, a form feed is a space.
		var number string
		var id int64
		var created time.Time
		ev.store.DB().QueryRow("SELECT id, created_at FROM cases ORDER BY id LIMIT 1").Scan(&id, &created)
		number = created.In(time.FixedZone("CST", 8*3600)).Format("20060102") + fmt.Sprintf("%06d", id)
		st, b := ev.o311("POST", "/open311/v2/servicerequestupdates.json", url.Values{"api_key": {o311Key}, "service_request_id": {number},
			"update_id": {"5"}, "description": {"还\f没修" + strings.Repeat("好", 2100)}, "email": {strings.Repeat("z", 300) + "@example.org"},
			"media_url": {"ftp://fms.example.org/photo/14.jpeg"}}, nil)
		var reason string
		var comment string
		ev.store.DB().QueryRow("SELECT reason, detail FROM case_events WHERE action = 'comment'").Scan(&reason, &comment)
		if st != 201 || len([]rune(reason)) != 2000 || !strings.HasPrefix(reason, "还 没修") || !strings.Contains(comment, `"media_url_dropped"`) ||
			strings.Contains(comment, "ftp:") || !strings.Contains(comment, `"adjusted":["description","email"]`) {
			t.Errorf("long update: %d %s %d %s", st, b, len([]rune(reason)), comment)
		}
		// A well-formed media_url of an update is kept as given.
		st, b = ev.o311("POST", "/open311/v2/servicerequestupdates.json", url.Values{"api_key": {o311Key}, "service_request_id": {number},
			"update_id": {"6"}, "description": {"附照片"}, "media_url": {"https://fms.example.org/photo/14.0.jpeg?x=1&y=%E4%BA%95"}}, nil)
		ev.store.DB().QueryRow("SELECT detail FROM case_events WHERE action = 'comment' ORDER BY id DESC LIMIT 1").Scan(&comment)
		var ud map[string]any
		json.Unmarshal([]byte(comment), &ud)
		if st != 201 || ud["media_url"] != "https://fms.example.org/photo/14.0.jpeg?x=1&y=%E4%BA%95" || ud["media_url_dropped"] != nil {
			t.Errorf("update with a photo link: %d %s %s", st, b, comment)
		}
	})
}

// TestOpen311KeyOfDisabledAccount: a key acting as a real account (--user) stops working when the
// account is disabled, and works again when it is enabled; a key's own service account is
// disabled for login by design and its key works.
func TestOpen311KeyOfDisabledAccount(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev := o311Env(t, e)
		const key = "1f3c9a1e5d7b2468ace013579bdf2468ace013579bdf2468ace013579bdf2468"
		h := sha256.Sum256([]byte(key))
		if _, err := ev.store.CreateAPIKey(context.Background(), "hotline", hex.EncodeToString(h[:]), "community1"); err != nil {
			t.Fatal(err)
		}
		lng, lat := inCell(0, 0)
		report := fmsReport(lng, lat, "0101")
		report.Set("api_key", key)
		setDisabled := func(disabled bool) {
			t.Helper()
			res, b := ev.do("admin", "PATCH", fmt.Sprintf("/api/v1/users/%d", ev.users["community1"].ID), fmt.Sprintf(`{"disabled":%v}`, disabled), nil)
			if res.StatusCode != 200 {
				t.Fatalf("PATCH user: %d %s", res.StatusCode, b)
			}
		}
		if st, b := ev.o311("POST", "/open311/v2/requests.json", report, nil); st != 201 {
			t.Fatalf("key of an enabled account: %d %s", st, b)
		}
		setDisabled(true)
		before := ev.digest()
		st, b := ev.o311("POST", "/open311/v2/requests.json", report, nil)
		wantO311Error(t, st, b, 403, "api_key")
		if ev.digest() != before {
			t.Fatal("a refused key changed the database")
		}
		// The service account's key (open311-fms, disabled by design) still works.
		if st, b := ev.o311("POST", "/open311/v2/requests.json", fmsReport(lng, lat, "0101"), nil); st != 201 {
			t.Fatalf("key of its own service account: %d %s", st, b)
		}
		setDisabled(false)
		if st, b := ev.o311("POST", "/open311/v2/requests.json", report, nil); st != 201 {
			t.Fatalf("key of a re-enabled account: %d %s", st, b)
		}
		keys, err := ev.store.APIKeys(context.Background())
		if err != nil || len(keys) != 2 || keys[0].Name != "fms" || !keys[0].ServiceAccount || keys[1].ServiceAccount {
			t.Fatalf("keys: %+v %v", keys, err)
		}
	})
}

// o311Report posts FixMyStreet's report and returns the request id and the case id.
func (ev *env) o311Report(v url.Values) (string, int64) {
	ev.t.Helper()
	st, b := ev.o311("POST", "/open311/v2/requests.json", v, nil)
	var created []struct {
		ServiceRequestID string `json:"service_request_id"`
	}
	if json.Unmarshal(b, &created); st != 201 || len(created) != 1 {
		ev.t.Fatalf("POST requests: %d %s", st, b)
	}
	id, _ := strconv.ParseInt(created[0].ServiceRequestID[8:], 10, 64)
	return created[0].ServiceRequestID, id
}

// TestOpen311UpdateRetries: FixMyStreet resends an update with its status recomputed; the retry is
// known by the request and update_id alone and answered with the first update's id, which is the
// comment event's id; the same update_id on another request is another update. A comment on a
// duplicate merged into another case lands on the surviving case.
func TestOpen311UpdateRetries(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev := o311Env(t, e)
		lng, lat := inCell(0, 0)
		number, caseID := ev.o311Report(fmsReport(lng, lat, "0101"))
		other, otherID := ev.o311Report(fmsReport(lng, lat, "0101"))
		update := func(number, status, text string) (int, string, http.Header) {
			t.Helper()
			res, b := ev.do("", "POST", "/open311/v2/servicerequestupdates.json", url.Values{"api_key": {o311Key}, "service_request_id": {number},
				"update_id": {"77"}, "status": {status}, "description": {text}}.Encode(), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
			var uc []struct {
				UpdateID string `json:"update_id"`
			}
			json.Unmarshal(b, &uc)
			if len(uc) != 1 {
				return res.StatusCode, string(b), res.Header
			}
			return res.StatusCode, uc[0].UpdateID, res.Header
		}
		st, first, _ := update(number, "OPEN", "井盖还没有修好")
		var eventID int64
		ev.store.DB().QueryRow(fmt.Sprintf("SELECT id FROM case_events WHERE action = 'comment' AND case_id = %d", caseID)).Scan(&eventID)
		if st != 201 || first != strconv.FormatInt(eventID, 10) {
			t.Fatalf("update: %d %s, the comment event is %d", st, first, eventID)
		}
		before := ev.digest()
		st, again, hdr := update(number, "INVESTIGATING", "井盖还没有修好！")
		if st != 201 || again != first || hdr.Get("Idempotent-Replayed") != "true" || ev.digest() != before {
			t.Fatalf("resent update: %d %s (first %s)", st, again, first)
		}
		st, onOther, _ := update(other, "OPEN", "井盖还没有修好")
		if st != 201 || onOther == first {
			t.Fatalf("the same update_id on another request: %d %s", st, onOther)
		}

		// The second case is merged into the first; a comment on it lands on the first.
		ev.act("community1", caseID, `{"action":"register"}`)
		if st, _, b := ev.act("community1", otherID, fmt.Sprintf(`{"action":"merge","into":%d}`, caseID)); st != 200 {
			t.Fatalf("merge: %d %s", st, b)
		}
		res, b := ev.do("", "POST", "/open311/v2/servicerequestupdates.json", url.Values{"api_key": {o311Key}, "service_request_id": {other},
			"update_id": {"78"}, "description": {"还是没有修"}}.Encode(), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
		var on int64
		var detail string
		ev.store.DB().QueryRow("SELECT case_id, detail FROM case_events WHERE action = 'comment' AND reason = '还是没有修'").Scan(&on, &detail)
		if res.StatusCode != 201 || on != caseID || !strings.Contains(detail, fmt.Sprintf(`"merged_from":%d`, otherID)) {
			t.Fatalf("comment on a merged case: %d %s, on case %d (want %d) %s", res.StatusCode, b, on, caseID, detail)
		}
	})
}

// o311Multipart is FixMyStreet's report as multipart/form-data with photos as media.
func o311Multipart(v url.Values, media ...[]byte) (string, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range v {
		for _, s := range vs {
			mw.WriteField(k, s)
		}
	}
	for _, m := range media {
		fw, _ := mw.CreateFormFile("media", "photo.jpg")
		fw.Write(m)
	}
	mw.Close()
	return buf.String(), mw.FormDataContentType()
}

// TestOpen311ConcurrentRetriesWithMedia: six copies of one report with a photo, sent at once with
// one Idempotency-Key, make one case and one photo (row and files); the others are answered as
// retries and leave nothing behind.
func TestOpen311ConcurrentRetriesWithMedia(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		dir := t.TempDir()
		ev, _ := caseEnvWith(t, e, api.Config{PhotoDir: dir, Open311Reads: 8})
		h := sha256.Sum256([]byte(o311Key))
		if _, err := ev.store.CreateAPIKey(context.Background(), "fms", hex.EncodeToString(h[:]), ""); err != nil {
			t.Fatal(err)
		}
		lng, lat := inCell(0, 0)
		jpg := gpsJPEG(t)
		const n = 6
		type answer struct {
			status int
			body   string
		}
		answers := make(chan answer, n)
		start := make(chan struct{})
		for i := 0; i < n; i++ {
			body, ct := o311Multipart(fmsReport(lng, lat, "0101"), jpg)
			req, _ := http.NewRequest("POST", ev.srv.URL+"/open311/v2/requests.json", strings.NewReader(body))
			req.Header.Set("Content-Type", ct)
			req.Header.Set("Idempotency-Key", "fms-report-99")
			go func() {
				<-start
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					answers <- answer{0, err.Error()}
					return
				}
				b, _ := io.ReadAll(res.Body)
				res.Body.Close()
				answers <- answer{res.StatusCode, string(b)}
			}()
		}
		close(start)
		var first string
		for i := 0; i < n; i++ {
			a := <-answers
			if a.status != 201 || first != "" && a.body != first {
				t.Errorf("answer %d: %d %s (first %s)", i, a.status, a.body, first)
			}
			first = a.body
		}
		var cases, photos, onCase int
		ev.store.DB().QueryRow("SELECT COUNT(*) FROM cases").Scan(&cases)
		ev.store.DB().QueryRow("SELECT COUNT(*), COUNT(case_id) FROM photos").Scan(&photos, &onCase)
		if cases != 1 || photos != 1 || onCase != 1 || countFiles(t, dir) != 2 {
			t.Fatalf("cases %d, photos %d (%d on a case), files %d; want 1, 1, 2", cases, photos, onCase, countFiles(t, dir))
		}
	})
}

// TestOpen311ListAndMediaURL: the list of requests names the department in charge as the single
// request does, and a report's media_url (an http(s) link; FixMyStreet sends its photos so) is
// kept on the report event as given and shown as media_url while no photo is stored with the
// case; another media_url is not kept.
func TestOpen311ListAndMediaURL(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev := o311Env(t, e)
		lng, lat := inCell(0, 0)
		linked := fmsReport(lng, lat, "0101")
		linked["media_url"] = []string{"https://fms.example.org/photo/12.0.jpeg", "https://fms.example.org/photo/12.1.jpeg"}
		number, caseID := ev.o311Report(linked)
		bad := fmsReport(lng, lat, "0101")
		bad.Set("media_url", "javascript:alert(1)")
		badNumber, badID := ev.o311Report(bad)
		body, ct := o311Multipart(linked, gpsJPEG(t))
		res, b := ev.do("", "POST", "/open311/v2/requests.json", body, map[string]string{"Content-Type": ct})
		if res.StatusCode != 201 {
			t.Fatalf("multipart report: %d %s", res.StatusCode, b)
		}
		var withPhoto []struct {
			ServiceRequestID string `json:"service_request_id"`
		}
		json.Unmarshal(b, &withPhoto)

		var detail string
		ev.store.DB().QueryRow(fmt.Sprintf("SELECT detail FROM case_events WHERE action = 'report' AND case_id = %d", caseID)).Scan(&detail)
		if !strings.Contains(detail, `"media_urls":["https://fms.example.org/photo/12.0.jpeg","https://fms.example.org/photo/12.1.jpeg"]`) {
			t.Errorf("report event detail: %s", detail)
		}
		// A media_url that is no http(s) URL is not kept; the report is.
		ev.store.DB().QueryRow(fmt.Sprintf("SELECT detail FROM case_events WHERE action = 'report' AND case_id = %d", badID)).Scan(&detail)
		if strings.Contains(detail, "javascript") || !strings.Contains(detail, `"media_urls_dropped":1`) {
			t.Errorf("report event detail of a bad media_url: %s", detail)
		}
		ev.clock.Advance(time.Minute)
		ev.act("community1", caseID, `{"action":"register"}`)
		if st, _, b := ev.act("community1", caseID, fmt.Sprintf(`{"action":"dispatch","lead_department_id":%d}`, ev.tree.Department.ID)); st != 200 {
			t.Fatalf("dispatch: %d %s", st, b)
		}
		for _, path := range []string{"/open311/v2/requests.json", "/open311/v2/requests/" + number + ".json", "/open311/v2/requests/" + badNumber + ".json",
			"/open311/v2/requests/" + withPhoto[0].ServiceRequestID + ".json"} {
			st, b := ev.o311("GET", path, nil, nil)
			var reqs []map[string]any
			if json.Unmarshal(b, &reqs); st != 200 || len(reqs) == 0 {
				t.Fatalf("GET %s: %d %s", path, st, b)
			}
			for _, r := range reqs {
				wantURL, wantAgency := "", ""
				if r["service_request_id"] == number {
					wantURL, wantAgency = "https://fms.example.org/photo/12.0.jpeg", "城管局"
				}
				if url, _ := r["media_url"].(string); url != wantURL {
					t.Errorf("GET %s: %v has media_url %q, want %q", path, r["service_request_id"], url, wantURL)
				}
				if agency, _ := r["agency_responsible"].(string); agency != wantAgency {
					t.Errorf("GET %s: %v has agency_responsible %q, want %q", path, r["service_request_id"], agency, wantAgency)
				}
			}
		}
		st, b := ev.o311("GET", "/open311/v2/requests.xml?service_request_id="+number, nil, nil)
		if st != 200 || !bytes.Contains(b, []byte("<agency_responsible>城管局</agency_responsible>")) || !bytes.Contains(b, []byte("<media_url>https://fms.example.org/photo/12.0.jpeg</media_url>")) {
			t.Errorf("requests.xml: %d %s", st, b)
		}
	})
}

// readFlag is a request body that records whether it was read.
type readFlag struct {
	io.Reader
	read bool
}

func (r *readFlag) Read(p []byte) (int, error) { r.read = true; return r.Reader.Read(p) }

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// TestOpen311Admission: a POST's body is read only when the client's address may: an api_key in
// the query string is checked before the body is read; without it, a multipart body takes a token
// of the address's limiter and every refused key another, and an address without tokens is
// refused (429) before its body is read, while a valid key in the query string is never limited.
// At most Open311Reads multipart bodies are read at once (503 beyond), and the size limits hold.
func TestOpen311Admission(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev, _ := caseEnvWith(t, e, api.Config{PhotoDir: t.TempDir(), Open311Reads: 1, BodyLimit: 4 << 10})
		h := sha256.Sum256([]byte(o311Key))
		if _, err := ev.store.CreateAPIKey(context.Background(), "fms", hex.EncodeToString(h[:]), ""); err != nil {
			t.Fatal(err)
		}
		handler := ev.srv.Config.Handler
		serve := func(path, ct string, body io.Reader) *httptest.ResponseRecorder {
			req := httptest.NewRequest("POST", path, body)
			req.Header.Set("Content-Type", ct)
			rec := httptest.NewRecorder()
			handler.ServeHTTP(rec, req)
			return rec
		}
		lng, lat := inCell(0, 0)
		report := fmsReport(lng, lat, "0101")
		noKey := fmsReport(lng, lat, "0101")
		noKey.Del("api_key")
		form := "application/x-www-form-urlencoded"
		mpBody, mpType := o311Multipart(report)
		mpNoKey, _ := o311Multipart(noKey)
		mpNoKey = strings.ReplaceAll(mpNoKey, strings.SplitN(mpNoKey, "\r\n", 2)[0], strings.SplitN(mpBody, "\r\n", 2)[0]) // one boundary

		// A wrong key in the query string: refused before the body is read.
		body := &readFlag{Reader: strings.NewReader(mpBody)}
		rec := serve("/open311/v2/requests.json?api_key=wrong", mpType, body)
		wantO311Error(t, rec.Code, rec.Body.Bytes(), 403, "api_key")
		if body.read {
			t.Error("the body was read before the api_key of the query string was checked")
		}
		// The size limits hold: a form beyond BodyLimit, a media part beyond 10 MiB.
		rec = serve("/open311/v2/requests.json?api_key="+o311Key, form, strings.NewReader(noKey.Encode()+"&x="+strings.Repeat("x", 4<<10)))
		wantO311Error(t, rec.Code, rec.Body.Bytes(), 413, "body")
		head, _, _ := strings.Cut(mpBody, "--"+strings.TrimPrefix(mpType, "multipart/form-data; boundary=")+"--")
		big := io.MultiReader(strings.NewReader(head+"--"+strings.TrimPrefix(mpType, "multipart/form-data; boundary=")+"\r\nContent-Disposition: form-data; name=\"media\"; filename=\"a.jpg\"\r\n\r\n"),
			io.LimitReader(zeros{}, 11<<20))
		rec = serve("/open311/v2/requests.json?api_key="+o311Key, mpType, big)
		wantO311Error(t, rec.Code, rec.Body.Bytes(), 413, "media")

		// One multipart body at a time: while one is being read, another is refused with 503.
		pr, pw := io.Pipe()
		done := make(chan *httptest.ResponseRecorder)
		go func() { done <- serve("/open311/v2/requests.json?api_key="+o311Key, mpType, pr) }()
		if _, err := pw.Write([]byte(mpNoKey[:100])); err != nil { // returns once the handler has read it
			t.Fatal(err)
		}
		rec = serve("/open311/v2/requests.json?api_key="+o311Key, mpType, strings.NewReader(mpNoKey))
		wantO311Error(t, rec.Code, rec.Body.Bytes(), 503, "retry")
		if rec.Header().Get("Retry-After") == "" {
			t.Error("503 without Retry-After")
		}
		pw.Write([]byte(mpNoKey[100:]))
		pw.Close()
		if rec := <-done; rec.Code != 201 {
			t.Fatalf("the multipart report being read: %d %s", rec.Code, rec.Body.String())
		}

		// The address's limiter (LoginPerMinute, 20 a minute): a multipart body without a key in
		// the query string takes a token, and so does each refused key, until none is left.
		rec = serve("/open311/v2/requests.json", mpType, strings.NewReader(mpBody))
		if rec.Code != 201 {
			t.Fatalf("multipart report with the key in the body: %d %s", rec.Code, rec.Body.String())
		}
		refused := 0
		for ; refused <= 20; refused++ {
			rec := serve("/open311/v2/requests.json", form, strings.NewReader(noKey.Encode()))
			if rec.Code == 429 {
				break
			}
			wantO311Error(t, rec.Code, rec.Body.Bytes(), 403, "api_key")
		}
		if refused != 18 { // 20, less the wrong query key and the multipart body above
			t.Fatalf("%d requests refused with 403 before 429, want 18", refused)
		}
		for _, c := range []struct {
			path, ct, body string
		}{
			{"/open311/v2/requests.json", form, report.Encode()}, // the key in the body cannot be checked before reading
			{"/open311/v2/requests.json", mpType, mpBody},
			{"/open311/v2/requests.json?api_key=wrong", form, noKey.Encode()},
			{"/open311/v2/servicerequestupdates.json", form, "api_key=" + o311Key + "&service_request_id=20260302000001&description=x"},
		} {
			body := &readFlag{Reader: strings.NewReader(c.body)}
			rec := serve(c.path, c.ct, body)
			wantO311Error(t, rec.Code, rec.Body.Bytes(), 429, "too many")
			if body.read || rec.Header().Get("Retry-After") == "" {
				t.Errorf("%s: read %v, Retry-After %q", c.path, body.read, rec.Header().Get("Retry-After"))
			}
		}
		if rec := serve("/open311/v2/requests.json?api_key="+o311Key, form, strings.NewReader(noKey.Encode())); rec.Code != 201 {
			t.Fatalf("a valid key in the query string is not limited: %d %s", rec.Code, rec.Body.String())
		}
	})
}
