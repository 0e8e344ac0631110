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

func TestNormalPhone(t *testing.T) {
	for in, want := range map[string]string{
		"+8613800138000":    "13800138000",
		"008613800138000":   "13800138000",
		"+86 138-0013-8000": "13800138000",
		"138 0013 8000":     "13800138000",
		"+86 719 8123456":   "07198123456",
		"+86 10 6512 3456":  "01065123456",
		"0719-8123456":      "07198123456",
		"+44 20 7946 0000":  "+442079460000",
	} {
		if got := NormalPhone(in); got != want {
			t.Errorf("NormalPhone(%q) = %q, want %q", in, got, want)
		}
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
