package open311

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/redgrid/redgrid"
)

func TestTimes(t *testing.T) {
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	if got := FormatTime(at); got != "2026-03-02T17:00:00+08:00" {
		t.Errorf("FormatTime = %s", got)
	}
	for in, want := range map[string]time.Time{
		"2026-03-02T17:00:00+08:00":   at,
		"2026-03-02T09:00:00Z":        at,
		"2026-03-02T17:00+08:00":      at,
		"2026-03-02T17:00:00.5+08:00": at.Add(500 * time.Millisecond),
		"2026-03-03":                  time.Date(2026, 3, 2, 16, 0, 0, 0, time.UTC),
		// An unescaped + in a query string arrives as a space.
		"2026-03-02T17:00:00 08:00": at,
		"2026-03-02T17:00 08:00":    at,
	} {
		if got, ok := ParseTime(in); !ok || !got.Equal(want) {
			t.Errorf("ParseTime(%q) = %v %v, want %v", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "yesterday", "2026-13-01", "2026-03-02T17:00:00", "2026-03-02 17:00:00+08:00", "2026-03-02 17:00:00 08:00", "2026-03-02T17:00:00 0800"} {
		if _, ok := ParseTime(bad); ok {
			t.Errorf("ParseTime(%q) accepted", bad)
		}
	}
}

func TestParseRequestID(t *testing.T) {
	for in, want := range map[string]int64{"20260302000001": 1, "202603021234567": 1234567} {
		if got, ok := ParseRequestID(in); !ok || got != want {
			t.Errorf("ParseRequestID(%q) = %d %v", in, got, ok)
		}
	}
	for _, bad := range []string{"", "1", "2026030200000x", "20260302000000", "-20260302000001", strings.Repeat("9", 30)} {
		if _, ok := ParseRequestID(bad); ok {
			t.Errorf("ParseRequestID(%q) accepted", bad)
		}
	}
}

func TestStatuses(t *testing.T) {
	if Status(redgrid.CaseVoided) != "closed" || Status(redgrid.CaseClosed) != "closed" || Status(redgrid.CaseVerified) != "open" {
		t.Error("open/closed")
	}
	for _, c := range []struct {
		action string
		to     redgrid.CaseState
		want   string
	}{
		{"register", redgrid.CaseRegistered, StatusOpen},
		{"dispatch", redgrid.CaseDispatched, StatusActionScheduled},
		{"accept", redgrid.CaseAccepted, StatusInProgress},
		{"verify_pass", redgrid.CaseVerified, StatusFixed},
		{"rate", redgrid.CaseClosed, StatusClosed},
		{"rate", redgrid.CaseAccepted, StatusInProgress},
		{"suspend", redgrid.CaseSuspended, StatusNoFurtherAction},
		{"merge", redgrid.CaseVoided, StatusDuplicate},
		{"escalate", redgrid.CaseAccepted, StatusInvestigating},
	} {
		if got, _, ok := Step(c.action, c.to, ""); !ok || got != c.want {
			t.Errorf("Step(%s → %s) = %s %v, want %s", c.action, c.to, got, ok, c.want)
		}
	}
	for _, internal := range []string{"report", "overdue", "request_extend", "reject_extend", "merge_in", "comment"} {
		if _, _, ok := Step(internal, redgrid.CaseAccepted, ""); ok {
			t.Errorf("%s is published", internal)
		}
	}
	if _, text, _ := Step("dispatch", redgrid.CaseDispatched, "城管局"); !strings.Contains(text, "城管局") {
		t.Errorf("dispatch text %q", text)
	}
}

func TestParseNewRequest(t *testing.T) {
	in, err := ParseNewRequest(url.Values{"service_code": {"0101"}, "lat": {"32.6"}, "lon": {"110.8"}, "description": {"a\nb"}, "attribute[size]": {"big"}, "title": {"ignored"}})
	if err != nil || *in.Lat != 32.6 || *in.Long != 110.8 || in.Attributes["size"] != "big" {
		t.Fatalf("%+v %v", in, err)
	}
	_, err = ParseNewRequest(url.Values{"service_code": {"0101", "0102"}, "lat": {"91"}, "long": {"Inf"}, "description": {"x\x00"}, "phone": {strings.Repeat("1", 31)}})
	var fields []string
	for _, f := range err.(*redgrid.Error).Fields {
		fields = append(fields, f.Field+"/"+f.Rule)
	}
	if got := strings.Join(fields, " "); got != "service_code/single lat/range long/range" {
		t.Errorf("fields: %s", got)
	}
	// Free text is stored, not refused: control characters become spaces, long text is cut.
	in, err = ParseNewRequest(url.Values{"service_code": {"0101"}, "lat": {"32.6"}, "long": {"110.8"}, "description": {"x\fy" + strings.Repeat("长", 2001)},
		"first_name": {"a\x00b"}, "phone": {strings.Repeat("1", 31)}})
	if err != nil || in.FirstName != "a b" || len([]rune(in.Description)) != redgrid.MaxCaseDescription || !strings.HasPrefix(in.Description, "x y") ||
		strings.Join(in.Adjusted, ",") != "first_name,description" || in.Phone != strings.Repeat("1", 31) {
		t.Errorf("lenient free text: %+v %v", in, err)
	}
}

func TestWriteXMLAndJSON(t *testing.T) {
	rec := httptest.NewRecorder()
	Write(rec, XML, 400, Errors{{Code: 400, Description: "lat: <bad> & \x00"}})
	if got := rec.Body.String(); rec.Code != 400 || rec.Header().Get("Content-Type") != "text/xml; charset=utf-8" ||
		!strings.HasPrefix(got, `<?xml version="1.0" encoding="UTF-8"?>`) || !strings.Contains(got, "<errors><error><code>400</code><description>lat: &lt;bad&gt; &amp; \uFFFD</description></error></errors>") {
		t.Errorf("XML: %d %s", rec.Code, got)
	}
	rec = httptest.NewRecorder()
	Write(rec, JSON, 200, Services(nil))
	if strings.TrimSpace(rec.Body.String()) != "[]" {
		t.Errorf("empty JSON list: %s", rec.Body.String())
	}
}

func TestClean(t *testing.T) {
	for _, c := range []struct {
		in        string
		max       int
		multiline bool
		want      string
		changed   bool
	}{
		{"井盖缺失", 10, true, "井盖缺失", false},
		{" 井盖\n缺失 ", 10, true, "井盖\n缺失", false},
		{"井盖\f缺失\x00", 10, true, "井盖 缺失", true},
		{"a\nb", 10, false, "a b", true},
		{"一二三四五六", 4, false, "一二三…", true},
		{"bad \xff utf-8", 20, false, "bad \uFFFD utf-8", true},
	} {
		if got, changed := Clean(c.in, c.max, c.multiline); got != c.want || changed != c.changed {
			t.Errorf("Clean(%q, %d) = %q %v, want %q %v", c.in, c.max, got, changed, c.want, c.changed)
		}
	}
	in := NewRequest{FirstName: strings.Repeat("名", 30), LastName: strings.Repeat("姓", 30)}
	if name, cut := in.ReporterName(); !cut || len([]rune(name)) != MaxName || !strings.HasSuffix(name, "…") {
		t.Errorf("ReporterName = %q %v", name, cut)
	}
}

// TestLenientFields: the address, the email and attribute values are cut rather than refused;
// a value that is no email address, a parameter given twice or a malformed attribute code is
// still refused.
func TestLenientFields(t *testing.T) {
	base := func() url.Values {
		return url.Values{"service_code": {"0101"}, "lat": {"32.6"}, "long": {"110.8"}, "description": {"井盖缺失"}}
	}
	v := base()
	v.Set("address_string", "五堰街\x0012号"+strings.Repeat("路", 300))
	v.Set("email", " "+strings.Repeat("z", 300)+"@example.org ")
	v.Set("attribute[b]", strings.Repeat("题", 2001))
	v["attribute[a]"] = []string{"x\ty", "z"}
	in, err := ParseNewRequest(v)
	if err != nil {
		t.Fatal(err)
	}
	if r := []rune(in.AddressString); len(r) != redgrid.MaxCaseAddress || !strings.HasPrefix(in.AddressString, "五堰街 12号") || r[len(r)-1] != '…' {
		t.Errorf("address %q", in.AddressString)
	}
	if r := []rune(in.Email); len(r) != MaxEmail || r[len(r)-1] != '…' || r[0] != 'z' {
		t.Errorf("email %q", in.Email)
	}
	if len([]rune(in.Attributes["b"])) != MaxText || in.Attributes["a"] != "x\ty,z" {
		t.Errorf("attributes %q", in.Attributes)
	}
	if got := strings.Join(in.Adjusted, " "); got != "address_string email attribute[b]" {
		t.Errorf("adjusted %s", got)
	}
	// An address within the limit and a plain email are kept as they are.
	v = base()
	v.Set("address_string", " 五堰街12号 ")
	v.Set("email", "zhang@example.org")
	if in, err := ParseNewRequest(v); err != nil || in.AddressString != "五堰街12号" || in.Email != "zhang@example.org" || len(in.Adjusted) != 0 {
		t.Errorf("plain values: %+v %v", in, err)
	}
	for _, bad := range []struct {
		change func(url.Values)
		field  string
	}{
		{func(v url.Values) { v.Set("email", "zhang") }, "email/email"},
		{func(v url.Values) { v.Set("email", "@example.org") }, "email/email"},
		{func(v url.Values) { v.Set("email", "zhang@") }, "email/email"},
		{func(v url.Values) { v.Set("email", "zh ang@example.org") }, "email/email"},
		{func(v url.Values) { v.Set("email", "zhang@exa\x7fmple.org") }, "email/email"},
		{func(v url.Values) { v.Set("email", "zhang@\xffexample.org") }, "email/email"},
		{func(v url.Values) { v["email"] = []string{"a@b.c", "d@e.f"} }, "email/single"},
		{func(v url.Values) { v["address_string"] = []string{"a", "b"} }, "address_string/single"},
		{func(v url.Values) { v.Set("attribute[]", "x") }, "attribute[]/attribute"},
		{func(v url.Values) { v.Set("attribute[x", "x") }, "attribute[x/attribute"},
	} {
		v := base()
		bad.change(v)
		_, err := ParseNewRequest(v)
		var fields []string
		if e, ok := err.(*redgrid.Error); ok {
			for _, f := range e.Fields {
				fields = append(fields, f.Field+"/"+f.Rule)
			}
		}
		if got := strings.Join(fields, " "); got != bad.field {
			t.Errorf("%v: refused %q, want %q", v, got, bad.field)
		}
	}
	// An update's email alike.
	if u, err := ParseNewUpdate(url.Values{"service_request_id": {"20260302000001"}, "description": {"x"}, "email": {strings.Repeat("z", 300) + "@example.org"}}); err != nil ||
		len([]rune(u.Email)) != MaxEmail || strings.Join(u.Adjusted, " ") != "email" {
		t.Errorf("update email: %+v %v", u, err)
	}
	if _, err := ParseNewUpdate(url.Values{"service_request_id": {"20260302000001"}, "description": {"x"}, "email": {"zhang"}}); err == nil {
		t.Error("an update's email that is no address was taken")
	}
}

// TestMediaURLs: a media_url is kept as given when it is a well-formed http(s) URL, else not kept
// (and counted); more than MaxMediaURLs are refused.
func TestMediaURLs(t *testing.T) {
	good := []string{"https://fms.example.org/photo/12.0.jpeg", "http://10.0.0.1:8080/p.jpg?a=1&b=%E4%BA%95", "HTTPS://FMS.example.org/P.JPEG", "https://照片.中国/井盖.jpg"}
	bad := []string{"javascript:alert(1)", "file:///etc/passwd", "ftp://fms.example.org/a.jpg", "//fms.example.org/a.jpg", "/photo/1.jpg", "https://", "http:fms.example.org",
		"https://fms.example.org/a b.jpg", " https://fms.example.org/a.jpg", "https://fms.example.org/\x00.jpg", "https://[::1", "https://fms.example.org/" + strings.Repeat("a", MaxText)}
	for _, u := range good {
		if !WebURL(u) {
			t.Errorf("WebURL(%q) = false", u)
		}
	}
	for _, u := range bad {
		if WebURL(u) {
			t.Errorf("WebURL(%q) = true", u)
		}
	}
	v := url.Values{"service_code": {"0101"}, "lat": {"32.6"}, "long": {"110.8"}, "description": {"x"}, "media_url": append(append([]string{}, good[:2]...), bad[:5]...)}
	in, err := ParseNewRequest(v)
	if err != nil || strings.Join(in.MediaURLs, " ") != strings.Join(good[:2], " ") || in.MediaURLsDropped != 5 {
		t.Errorf("media_url: %q %d %v", in.MediaURLs, in.MediaURLsDropped, err)
	}
	v["media_url"] = make([]string, MaxMediaURLs+1)
	if _, err := ParseNewRequest(v); err == nil || !strings.Contains(err.Error(), "media_url") {
		t.Errorf("%d media_url: %v", MaxMediaURLs+1, err)
	}
	u, err := ParseNewUpdate(url.Values{"service_request_id": {"20260302000001"}, "description": {"x"}, "media_url": {good[1]}})
	if err != nil || u.MediaURL != good[1] || u.MediaURLDropped {
		t.Errorf("update media_url: %+v %v", u, err)
	}
	u, err = ParseNewUpdate(url.Values{"service_request_id": {"20260302000001"}, "description": {"x"}, "media_url": {bad[0]}})
	if err != nil || u.MediaURL != "" || !u.MediaURLDropped {
		t.Errorf("update media_url: %+v %v", u, err)
	}
}

// TestQueryRequestIDs: at most MaxRequestIDs ids in one GET requests, refused beyond with the limit.
func TestQueryRequestIDs(t *testing.T) {
	ids := strings.TrimSuffix(strings.Repeat("20260302000001,", MaxRequestIDs), ",")
	if q, err := ParseQuery(url.Values{"service_request_id": {ids}}); err != nil || len(q.ServiceRequestIDs) != MaxRequestIDs {
		t.Errorf("%d ids: %d %v", MaxRequestIDs, len(q.ServiceRequestIDs), err)
	}
	for _, many := range []string{ids + ",20260302000002", strings.Repeat(",", 100000), ids + ","} {
		_, err := ParseQuery(url.Values{"service_request_id": {many}})
		e, ok := err.(*redgrid.Error)
		if !ok || len(e.Fields) != 1 || e.Fields[0].Field != "service_request_id" || e.Fields[0].Rule != "max_items" ||
			!strings.Contains(e.Fields[0].Message, "at most 100") {
			t.Errorf("%d bytes of ids: %v", len(many), err)
		}
	}
	for _, bad := range []string{"1,,2", "x" + strings.Repeat("1", 40), "1\x002"} {
		if _, err := ParseQuery(url.Values{"service_request_id": {bad}}); err == nil {
			t.Errorf("%q taken", bad)
		}
	}
	if q, err := ParseQuery(url.Values{"service_code": {strings.TrimSuffix(strings.Repeat("0101,", 500), ",")}}); err != nil || len(q.ServiceCodes) != 500 {
		t.Errorf("service_code keeps its own limit: %d %v", len(q.ServiceCodes), err)
	}
}

// 三事分办: a community matter handed to the community is in progress; a guided private matter
// is no council's responsibility but stays open, since the resident's dissatisfaction routes it
// again (REOPEN); a guided case that closes after the call-back is closed.
func TestMatterStatuses(t *testing.T) {
	if Status(redgrid.CaseGuided) != "open" {
		t.Errorf("guided: %s", Status(redgrid.CaseGuided))
	}
	for _, c := range []struct {
		action string
		to     redgrid.CaseState
		want   string
	}{
		{"self_govern", redgrid.CaseAccepted, StatusInProgress},
		{"guide", redgrid.CaseGuided, StatusNotResponsible},
		{"rate", redgrid.CaseRegistered, StatusReopen},
		{"rate", redgrid.CaseClosed, StatusClosed},
	} {
		if got, text, ok := Step(c.action, c.to, ""); !ok || got != c.want || text == "" {
			t.Errorf("Step(%s → %s) = %s %q %v, want %s", c.action, c.to, got, text, ok, c.want)
		}
	}
	if StateNote(redgrid.CaseGuided) == "" {
		t.Error("no note for a guided case")
	}
}
