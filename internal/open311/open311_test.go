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
	if got := strings.Join(fields, " "); got != "service_code/single lat/range phone/max_length description/text long/range" {
		t.Errorf("fields: %s", got)
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
