package open311

import (
	"fmt"
	"math"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/redgrid/redgrid"
)

// Limits on what a client sends.
const (
	MaxParams      = 200  // parameters of one call
	MaxAttributes  = 50   // attribute[…] parameters
	MaxText        = 2000 // description, an attribute's value, a media_url
	MaxShort       = 200  // ids, keys, addresses
	MaxName        = 50   // a reporter's name (first and last joined)
	MaxEmail       = 254  // an email address (RFC 5321's limit)
	MaxListItems   = 1000 // comma-separated service_code and status lists
	MaxRequestIDs  = 100  // ids in one GET requests?service_request_id=…
	MaxMediaURLs   = 9
	maxValueLength = 8 << 10 // any single value, before its own rule (bytes)
)

// params reads the parameters of one call into typed values, collecting every broken rule as a
// field error (field = the parameter's name). Unknown parameters are ignored, as Open311 clients
// send extensions of their own (FixMyStreet's service_request_id_ext, title, …).
type params struct {
	v        url.Values
	val      redgrid.Validator
	adjusted []string // free-text parameters changed to be stored (see lenient)
}

func newParams(v url.Values) *params {
	p := &params{v: v}
	if len(v) > MaxParams {
		p.val.Add("body", "max_params", fmt.Sprintf("at most %d parameters", MaxParams))
	}
	return p
}

// text returns the single value of name, checked: given once, valid UTF-8 without control
// characters (line breaks and tabs allowed where multiline), at most max characters.
func (p *params) text(name string, max int, multiline bool) string {
	s, ok := p.single(name)
	if !ok {
		return ""
	}
	return p.check(name, s, max, multiline)
}

// single returns the value of name; ok is false when it is absent or (a broken rule) given more
// than once.
func (p *params) single(name string) (string, bool) {
	vs := p.v[name]
	if len(vs) > 1 {
		p.val.Add(name, "single", name+": given more than once")
	}
	if len(vs) != 1 {
		return "", false
	}
	return vs[0], true
}

func (p *params) check(name, s string, max int, multiline bool) string {
	if len(s) > maxValueLength || utf8.RuneCountInString(s) > max {
		p.val.Add(name, "max_length", fmt.Sprintf("%s: at most %d characters", name, max))
		return ""
	}
	if !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool {
		return r < 0x20 && !(multiline && (r == '\n' || r == '\r' || r == '\t')) || r == 0x7f
	}) {
		p.val.Add(name, "text", name+": must be UTF-8 text without control characters")
		return ""
	}
	return s
}

// lenient returns the single value of name as free text from a client that cannot correct what
// it sends (FixMyStreet retries a refused report for ever): invalid UTF-8 is replaced, control
// characters become spaces (line breaks and tabs are kept where multiline), the text is trimmed
// and, beyond max characters, cut to end in '…'. The field's name joins p.adjusted when the value
// was changed other than by trimming.
func (p *params) lenient(name string, max int, multiline bool) string {
	v, ok := p.single(name)
	if !ok {
		return ""
	}
	s, changed := Clean(v, max, multiline)
	if changed {
		p.adjusted = append(p.adjusted, name)
	}
	return s
}

// Clean makes free text storable: invalid UTF-8 replaced, control characters turned into spaces
// (but line breaks and tabs where multiline), trimmed, and cut to at most max characters ending in
// '…'. changed reports a change other than the trimming.
func Clean(s string, max int, multiline bool) (string, bool) {
	out := strings.ToValidUTF8(s, "\uFFFD")
	out = strings.Map(func(r rune) rune {
		if r < 0x20 && !(multiline && (r == '\n' || r == '\r' || r == '\t')) || r == 0x7f {
			return ' '
		}
		return r
	}, out)
	changed := out != s
	out = strings.TrimSpace(out)
	if utf8.RuneCountInString(out) > max {
		out = strings.TrimSpace(string([]rune(out)[:max-1])) + "…"
		changed = true
	}
	return out, changed
}

// email returns the single value of name as an email address, trimmed. A client cannot correct
// an address it holds, and redgrid does not keep it, so one beyond MaxEmail characters is cut to
// end in '…' (name joins p.adjusted); a value that is no address at all — no local part and
// domain around an '@', or with spaces, control characters or invalid UTF-8 — is refused.
func (p *params) email(name string) string {
	v, ok := p.single(name)
	if !ok {
		return ""
	}
	s := strings.TrimSpace(v)
	if s == "" {
		return ""
	}
	at := strings.LastIndexByte(s, '@')
	if at < 1 || at == len(s)-1 || !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
		p.val.Add(name, "email", name+": must be an email address (local-part@domain)")
		return ""
	}
	if utf8.RuneCountInString(s) > MaxEmail {
		s = string([]rune(s)[:MaxEmail-1]) + "…"
		p.adjusted = append(p.adjusted, name)
	}
	return s
}

// WebURL reports whether s is a well-formed absolute http or https URL of at most MaxText
// characters: what a media_url must be to be kept (as given; it is never fetched).
func WebURL(s string) bool {
	if s == "" || utf8.RuneCountInString(s) > MaxText || !utf8.ValidString(s) ||
		strings.ContainsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
		return false
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return false
	}
	scheme := strings.ToLower(u.Scheme)
	return scheme == "http" || scheme == "https"
}

// mediaURLs returns the values of name that are WebURLs, as given, and how many others were
// dropped: a media_url is a link the server never follows, so a client's bad one costs the
// report nothing. More than MaxMediaURLs values are refused.
func (p *params) mediaURLs(name string) (urls []string, dropped int) {
	vs := p.v[name]
	if len(vs) > MaxMediaURLs {
		p.val.Add(name, "max_items", fmt.Sprintf("%s: at most %d", name, MaxMediaURLs))
		return nil, 0
	}
	for _, u := range vs {
		switch {
		case WebURL(u):
			urls = append(urls, u)
		case strings.TrimSpace(u) != "":
			dropped++
		}
	}
	return urls, dropped
}

// missing: name is absent, or given once and blank.
func (p *params) missing(name string) bool {
	vs := p.v[name]
	return len(vs) == 0 || len(vs) == 1 && strings.TrimSpace(vs[0]) == ""
}

func (p *params) required(name string, max int) string {
	if p.missing(name) {
		p.val.Add(name, "required", name+": required")
		return ""
	}
	return p.text(name, max, false)
}

// float returns the number of name within [lo, hi], nil when absent.
func (p *params) float(name string, lo, hi float64) *float64 {
	s := p.text(name, 40, false)
	if s == "" {
		return nil
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < lo || f > hi {
		p.val.Add(name, "range", fmt.Sprintf("%s: must be a number from %v to %v", name, lo, hi))
		return nil
	}
	return &f
}

func (p *params) time(name string) *time.Time {
	s := p.text(name, 40, false)
	if s == "" {
		return nil
	}
	t, ok := ParseTime(s)
	if !ok {
		p.val.Add(name, "datetime", name+": must be a W3C date-time such as 2026-03-02T09:30:00+08:00")
		return nil
	}
	return &t
}

// list returns a comma-separated list of name: at most maxItems items (counted first, so that a
// long list is told the limit it broke), each of 1 to max characters.
func (p *params) list(name string, max, maxItems int) []string {
	s, ok := p.single(name)
	if !ok || s == "" {
		return nil
	}
	if strings.Count(s, ",") >= maxItems {
		p.val.Add(name, "max_items", fmt.Sprintf("%s: at most %d items", name, maxItems))
		return nil
	}
	if s = p.check(name, s, maxItems*(max+1), false); s == "" {
		return nil
	}
	items := strings.Split(s, ",")
	for i, it := range items {
		items[i] = strings.TrimSpace(it)
		if items[i] == "" || len(items[i]) > max {
			p.val.Add(name, "item", fmt.Sprintf("%s: items must be 1 to %d characters, separated by commas", name, max))
			return nil
		}
	}
	return items
}

// NewRequest is POST requests, parsed.
type NewRequest struct {
	APIKey         string
	JurisdictionID string
	ServiceCode    string
	Lat, Long      *float64
	AddressString  string
	AddressID      string
	Email          string
	DeviceID       string
	AccountID      string
	FirstName      string
	LastName       string
	Phone          string
	Description    string
	// MediaURLs are the media_url values that are well-formed http(s) URLs, as given;
	// MediaURLsDropped counts the others (not kept).
	MediaURLs        []string
	MediaURLsDropped int
	Attributes       map[string]string
	// Adjusted names the free-text parameters that were changed to be stored: control characters
	// replaced, or cut to their limit (see Clean; email, see params.email).
	Adjusted []string
}

// ParseNewRequest reads the parameters of POST requests; a *redgrid.Error of KindInvalid names
// each broken rule. The API key is read, not checked.
func ParseNewRequest(v url.Values) (NewRequest, error) {
	p := newParams(v)
	in := NewRequest{
		APIKey:         p.text("api_key", MaxShort, false),
		JurisdictionID: p.text("jurisdiction_id", MaxShort, false),
		ServiceCode:    p.required("service_code", MaxShort),
		Lat:            p.float("lat", -90, 90),
		AddressString:  p.lenient("address_string", redgrid.MaxCaseAddress, false),
		AddressID:      p.text("address_id", MaxShort, false),
		Email:          p.email("email"),
		DeviceID:       p.text("device_id", MaxShort, false),
		AccountID:      p.text("account_id", MaxShort, false),
		FirstName:      p.lenient("first_name", MaxName, false),
		LastName:       p.lenient("last_name", MaxName, false),
		Phone:          p.lenient("phone", MaxShort, false),
		Description:    p.lenient("description", redgrid.MaxCaseDescription, true),
		Attributes:     map[string]string{},
	}
	lon := "long"
	if p.missing("long") && !p.missing("lon") {
		lon = "lon" // some clients write lon
	}
	in.Long = p.float(lon, -180, 180)
	for _, name := range []string{"lat", lon} {
		if p.missing(name) {
			p.val.Add(name, "required", name+": required (redgrid places every request in its grid by lat and long; an address alone cannot be located)")
		}
	}
	if p.missing("description") {
		p.val.Add("description", "required", "description: required")
	}
	in.MediaURLs, in.MediaURLsDropped = p.mediaURLs("media_url")
	var attrs []string
	for k := range v {
		if strings.HasPrefix(k, "attribute[") {
			attrs = append(attrs, k)
		}
	}
	sort.Strings(attrs) // the order of Adjusted and of the errors
	if len(attrs) > MaxAttributes {
		p.val.Add("attribute", "max_items", fmt.Sprintf("at most %d attribute parameters", MaxAttributes))
		attrs = nil
	}
	for _, k := range attrs {
		code, ok := strings.CutSuffix(strings.TrimPrefix(k, "attribute["), "]")
		if !ok || code == "" || len(code) > 64 {
			p.val.Add(k, "attribute", "attribute parameters are written attribute[CODE] with a code of 1 to 64 characters")
			continue
		}
		// Free text like description; a multivaluelist attribute's values joined.
		val, changed := Clean(strings.Join(v[k], ","), MaxText, true)
		if changed {
			p.adjusted = append(p.adjusted, k)
		}
		in.Attributes[code] = val
	}
	in.Adjusted = p.adjusted
	return in, p.val.Err()
}

// ReporterName is first_name and last_name joined, cut to end in '…' beyond MaxName characters;
// cut reports the cutting.
func (in NewRequest) ReporterName() (name string, cut bool) {
	name = strings.TrimSpace(in.FirstName + " " + in.LastName)
	if utf8.RuneCountInString(name) > MaxName {
		return strings.TrimSpace(string([]rune(name)[:MaxName-1])) + "…", true
	}
	return name, false
}

// NewUpdate is POST servicerequestupdates (FixMyStreet), parsed.
type NewUpdate struct {
	APIKey           string
	JurisdictionID   string
	ServiceRequestID string
	// UpdateID is the client's own id of the update; a retry with the same id records nothing new.
	UpdateID    string
	UpdatedAt   *time.Time
	Status      string
	Description string
	// MediaURL is the media_url if it is a well-formed http(s) URL, as given; MediaURLDropped
	// reports another value (not kept).
	MediaURL        string
	MediaURLDropped bool
	Email           string
	FirstName       string
	LastName        string
	Phone           string
	// Adjusted names the free-text parameters changed to be stored (see Clean).
	Adjusted []string
}

// ParseNewUpdate reads the parameters of POST servicerequestupdates.
func ParseNewUpdate(v url.Values) (NewUpdate, error) {
	p := newParams(v)
	in := NewUpdate{
		APIKey:           p.text("api_key", MaxShort, false),
		JurisdictionID:   p.text("jurisdiction_id", MaxShort, false),
		ServiceRequestID: p.required("service_request_id", 40),
		UpdateID:         p.text("update_id", 64, false),
		UpdatedAt:        p.time("updated_datetime"),
		Status:           strings.ToUpper(p.text("status", 40, false)),
		Description:      p.lenient("description", redgrid.MaxCaseDescription, true),
		Email:            p.email("email"),
		FirstName:        p.lenient("first_name", MaxName, false),
		LastName:         p.lenient("last_name", MaxName, false),
		Phone:            p.lenient("phone", MaxShort, false),
	}
	if p.missing("description") {
		p.val.Add("description", "required", "description: required")
	}
	if u, ok := p.single("media_url"); ok {
		if WebURL(u) {
			in.MediaURL = u
		} else {
			in.MediaURLDropped = strings.TrimSpace(u) != ""
		}
	}
	if in.Status != "" && !ClientStatuses[in.Status] {
		p.val.Add("status", "enum", "status: must be OPEN, CLOSED or one of FixMyStreet's extended statuses")
	}
	in.Adjusted = p.adjusted
	return in, p.val.Err()
}

// Query is GET requests, parsed.
type Query struct {
	JurisdictionID    string
	ServiceRequestIDs []string
	ServiceCodes      []string
	Statuses          []string // open, closed
	Start, End        *time.Time
}

// ParseQuery reads the parameters of GET requests.
func ParseQuery(v url.Values) (Query, error) {
	p := newParams(v)
	q := Query{
		JurisdictionID:    p.text("jurisdiction_id", MaxShort, false),
		ServiceRequestIDs: p.list("service_request_id", 40, MaxRequestIDs),
		ServiceCodes:      p.list("service_code", 16, MaxListItems),
		Statuses:          p.list("status", 6, MaxListItems),
		Start:             p.time("start_date"),
		End:               p.time("end_date"),
	}
	for _, s := range q.Statuses {
		if s != "open" && s != "closed" {
			p.val.Add("status", "enum", "status: a comma-separated list of open and closed")
			break
		}
	}
	if q.Start != nil && q.End != nil && q.End.Before(*q.Start) {
		p.val.Add("end_date", "after_start", "end_date: must not be before start_date")
	}
	return q, p.val.Err()
}

// UpdatesQuery is GET servicerequestupdates, parsed.
type UpdatesQuery struct {
	JurisdictionID string
	Start, End     *time.Time
}

// ParseUpdatesQuery reads the parameters of GET servicerequestupdates (api_key, sent by
// FixMyStreet, is ignored: the updates are public).
func ParseUpdatesQuery(v url.Values) (UpdatesQuery, error) {
	p := newParams(v)
	q := UpdatesQuery{JurisdictionID: p.text("jurisdiction_id", MaxShort, false), Start: p.time("start_date"), End: p.time("end_date")}
	if q.Start != nil && q.End != nil && q.End.Before(*q.Start) {
		p.val.Add("end_date", "after_start", "end_date: must not be before start_date")
	}
	return q, p.val.Err()
}

// ParseRequestID reads a service_request_id: a case number, the day the case was received
// (YYYYMMDD, China Standard Time) followed by its id in at least six digits. It returns the id;
// the caller checks that the case's number is exactly s.
func ParseRequestID(s string) (int64, bool) {
	if len(s) < 14 || len(s) > 27 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	id, err := strconv.ParseInt(s[8:], 10, 64)
	return id, err == nil && id > 0
}
