package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/open311"
	"github.com/redgrid/redgrid/internal/photo"
	"github.com/redgrid/redgrid/internal/pii"
	"github.com/redgrid/redgrid/internal/sqlstore"
)

// Open311 GeoReport v2 at /open311/v2/ with FixMyStreet's servicerequestupdates (issue 5 item 9).
// The wire format is internal/open311; these handlers are the glue to the case intake (place),
// the photo store, API keys and the audit of refusals, which all live in this package.

// open311Limit bounds a multipart POST requests: up to open311Media photos and the fields.
const (
	open311Media = 3
	open311Limit = open311Media*photo.MaxBytes + 1<<20
)

// o311Changeset is when the Open311 documents last changed shape (discovery's changeset).
const o311Changeset = "2026-03-02T00:00:00+08:00"

// o311Window is the default and largest period of GET requests, as the specification suggests;
// o311UpdatesWindow is the default period of GET servicerequestupdates.
const (
	o311Window        = 90 * 24 * time.Hour
	o311UpdatesWindow = 24 * time.Hour
	o311MaxResults    = 1000
)

// o311Func is an Open311 handler for one response format.
type o311Func func(w http.ResponseWriter, r *http.Request, f open311.Format) error

// o311 adapts an Open311 handler: an error becomes an Open311 error document in the format of
// the route, with the HTTP status as its code; refusals are audited as everywhere else.
func (s *Server) o311(f open311.Format, fn o311Func) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r, f); err != nil {
			s.o311Error(w, r, f, err)
		}
	})
}

// o311File adapts a handler of a {file} route (services/{code}.xml, requests/{id}.json …): the
// extension picks the format; a file without .xml or .json is 404 (as XML).
func (s *Server) o311File(fn func(w http.ResponseWriter, r *http.Request, name string, f open311.Format) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, f, ok := open311.SplitExt(r.PathValue("file"))
		var err error = redgrid.Errorf(redgrid.KindNotFound, "no such document: name it with .xml or .json")
		if ok {
			err = fn(w, r, name, f)
		}
		if err != nil {
			s.o311Error(w, r, f, err)
		}
	})
}

// o311NotFound answers everything else under /open311/: 405 for a known path with another
// method, else 404, in the format the path's extension asks for.
func (s *Server) o311NotFound(w http.ResponseWriter, r *http.Request) {
	_, f, _ := open311.SplitExt(r.URL.Path)
	s.o311Error(w, r, f, s.unrouted(w, r))
}

// o311Fields renames the fields of intake errors to the Open311 parameters they came from.
var o311Fields = map[string]string{"category": "service_code", "lng": "long", "address": "address_string",
	"reporter_phone": "phone", "reporter_name": "first_name", "photos": "media"}

func (s *Server) o311Error(w http.ResponseWriter, r *http.Request, f open311.Format, err error) {
	a := redgrid.ActorFrom(r.Context())
	if errors.Is(err, open311.ErrSent) {
		// The status line and part of a document are out: a second document would only corrupt it.
		s.log.Warn("open311 response not sent in full", "request_id", a.RequestID, "route", r.Pattern, "err", err)
		return
	}
	p := problemFor(err, r.URL.Path, a.RequestID)
	if p.Status == http.StatusInternalServerError {
		s.log.Error("internal error", "request_id", a.RequestID, "route", r.Pattern, "err", err)
		p.Detail = "an internal error occurred; quote the request id " + a.RequestID
	}
	s.auditRefusal(r, redgrid.ErrorKind(err), p)
	var errs open311.Errors
	for _, fe := range p.Errors {
		field := fe.Field
		if base, idx, ok := strings.Cut(field, "["); ok && o311Fields[base] != "" {
			field = o311Fields[base] + "[" + idx
		} else if o311Fields[field] != "" {
			field = o311Fields[field]
		}
		msg := fe.Message
		if !strings.HasPrefix(msg, field+":") && !strings.HasPrefix(msg, fe.Field+":") {
			msg = field + ": " + msg
		}
		errs = append(errs, open311.Error{Code: p.Status, Description: msg})
	}
	if len(errs) == 0 {
		errs = open311.Errors{{Code: p.Status, Description: p.Detail}}
	}
	if err := open311.Write(w, f, p.Status, errs); err != nil {
		s.log.Warn("open311 error document not sent", "request_id", a.RequestID, "route", r.Pattern, "err", err)
	}
}

// o311Query parses the query string strictly (a malformed one is 400, not silently empty) and
// checks its jurisdiction_id.
func (s *Server) o311Query(r *http.Request) (url.Values, error) {
	v, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, redgrid.Invalid("query", "syntax", "query: the query string is malformed")
	}
	if js := v["jurisdiction_id"]; len(js) == 1 {
		if err := s.o311Jurisdiction(r.Context(), js[0]); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// o311Period is the period [start, end] of a query: end defaults to now, start to def before
// end; at most o311Window long.
func (s *Server) o311Period(start, end *time.Time, def time.Duration) (time.Time, time.Time, error) {
	e := s.now()
	if end != nil {
		e = *end
	}
	b := e.Add(-def)
	if start != nil {
		b = *start
	}
	if e.Sub(b) > o311Window {
		return b, e, redgrid.Invalid("start_date", "range", "start_date: the period may be at most 90 days")
	}
	return b, e, nil
}

// o311Jurisdiction accepts an empty jurisdiction_id (redgrid serves one) or the configured one
// (default: the code of a district at the root of the tree).
func (s *Server) o311Jurisdiction(ctx context.Context, j string) error {
	if j == "" {
		return nil
	}
	if s.cfg.Open311Jurisdiction != "" {
		if j == s.cfg.Open311Jurisdiction {
			return nil
		}
	} else {
		codes, err := s.store.DistrictCodes(ctx)
		if err != nil {
			return err
		}
		for _, c := range codes {
			if c == j {
				return nil
			}
		}
	}
	return redgrid.Errorf(redgrid.KindNotFound, "jurisdiction_id: %q is not served here", j)
}

// ---- discovery and services ----

func (s *Server) o311Discovery(w http.ResponseWriter, r *http.Request, f open311.Format) error {
	d := open311.Discovery{Changeset: o311Changeset, Contact: s.cfg.Open311Contact,
		KeyService: "API keys are made by the district's administrator with `redgrid apikey add NAME`.",
		Endpoints: []open311.Endpoint{{Specification: "http://wiki.open311.org/GeoReport_v2", URL: s.publicBase(r) + "/open311/v2",
			Changeset: o311Changeset, Type: "production", Formats: []string{"text/xml", "application/json"}}}}
	return open311.Write(w, f, http.StatusOK, d)
}

// o311Categories returns the active minor categories (the services) and the names of the
// majors (their groups).
func (s *Server) o311Categories(ctx context.Context) ([]redgrid.Category, map[string]string, error) {
	cs, err := s.store.Categories(ctx)
	if err != nil {
		return nil, nil, err
	}
	names := map[string]string{}
	var out []redgrid.Category
	for _, c := range cs {
		names[c.Code] = c.Name
		if c.Active && c.Minor() {
			out = append(out, c)
		}
	}
	return out, names, nil
}

var matterText = map[redgrid.Matter]string{
	redgrid.MatterPublic:    "公事：派至职能部门办理 (a public matter: handled by a department)",
	redgrid.MatterCommunity: "村社事：社区自治办理 (a community matter: handled by the community)",
	redgrid.MatterPrivate:   "私事：引导当事人自行解决 (a private matter: guidance is given)",
}

func (s *Server) o311Services(w http.ResponseWriter, r *http.Request, f open311.Format) error {
	if _, err := s.o311Query(r); err != nil {
		return err
	}
	cs, names, err := s.o311Categories(r.Context())
	if err != nil {
		return err
	}
	out := open311.Services{}
	for _, c := range cs {
		out = append(out, open311.Service{ServiceCode: c.Code, ServiceName: c.Name, Description: names[c.ParentCode] + " / " + c.Name + " — " + matterText[c.Matter],
			Metadata: false, Type: "realtime", Keywords: strings.Join([]string{c.Pinyin, c.Initials}, ","), Group: names[c.ParentCode]})
	}
	return open311.Write(w, f, http.StatusOK, out)
}

// o311Service is a service definition: redgrid's services have no attributes (metadata false),
// so the definition is the code and an empty list.
func (s *Server) o311Service(w http.ResponseWriter, r *http.Request, code string, f open311.Format) error {
	if _, err := s.o311Query(r); err != nil {
		return err
	}
	cat, ok, err := s.store.CategoryByCode(r.Context(), code)
	if err != nil {
		return err
	}
	if !ok || !cat.Active || !cat.Minor() {
		return redgrid.Errorf(redgrid.KindNotFound, "service_code: %q is not a service", code)
	}
	return open311.Write(w, f, http.StatusOK, open311.ServiceDefinition{ServiceCode: code})
}

// ---- POST: keys and forms ----

// o311Post reads and authenticates a POST: the rate of unauthenticated reading per client address
// is bounded before any of the body is read, and so are the multipart bodies read at once.
//
//   - api_key in the query string is checked first, before the body is read; a valid one is not
//     limited (a client with many reports, photos above all, should send it so).
//   - Otherwise the body must be read to find the key. A multipart body (up to ~31 MiB) takes a
//     token of the address's limiter (the one of public uploads) before it is read; a
//     form-encoded body (at most BodyLimit) is read only while the address has a token left.
//   - A failed key takes a token, so an address that guesses keys is soon refused (429), before
//     its bodies are read.
//   - At most Config.Open311Reads multipart requests are read and handled at once (their photos
//     are in memory until the handler returns: the caller defers release); beyond, 503 with
//     Retry-After.
func (s *Server) o311Post(w http.ResponseWriter, r *http.Request) (v url.Values, media [][]byte, k sqlstore.APIKey, ctx context.Context, release func(), err error) {
	release = func() {}
	v, media, k, ctx, err = s.o311Read(w, r, &release)
	return
}

func (s *Server) o311Read(w http.ResponseWriter, r *http.Request, release *func()) (url.Values, [][]byte, sqlstore.APIKey, context.Context, error) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, nil, sqlstore.APIKey{}, nil, redgrid.Invalid("query", "syntax", "query: the query string is malformed")
	}
	lim := s.limiter("open311:" + redgrid.ActorFrom(r.Context()).RemoteAddr)
	limited := func() error {
		w.Header().Set("Retry-After", "60")
		return redgrid.Errorf(redgrid.KindRateLimited, "too many unauthenticated or refused requests from this address; wait a minute")
	}
	var k sqlstore.APIKey
	var ctx context.Context
	if _, ok := q["api_key"]; ok {
		if k, ctx, err = s.o311Key(r, q); err != nil {
			if !lim.Allow() {
				return nil, nil, k, nil, limited()
			}
			return nil, nil, k, nil, err
		}
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	multipart := err == nil && mt == "multipart/form-data"
	if ctx == nil && (multipart && !lim.Allow() || !multipart && lim.Tokens() < 1) {
		return nil, nil, k, nil, limited()
	}
	if multipart {
		select {
		case s.o311Reads <- struct{}{}:
			*release = func() { <-s.o311Reads }
		default:
			w.Header().Set("Retry-After", "5")
			return nil, nil, k, nil, redgrid.Errorf(kindUnavailable, "the server is reading as many uploads as it may; retry in a few seconds")
		}
	}
	v, media, err := s.o311Form(r, q, mt, multipart)
	if err != nil {
		return nil, nil, k, nil, err
	}
	if ctx == nil {
		if k, ctx, err = s.o311Key(r, v); err != nil {
			lim.Allow()
			return nil, nil, k, nil, err
		}
	}
	return v, media, k, ctx, nil
}

// o311Form reads the parameters of a POST: a form-encoded body (with the query string q), or a
// multipart form whose files named media are photos.
func (s *Server) o311Form(r *http.Request, q url.Values, mt string, multipart bool) (url.Values, [][]byte, error) {
	var v url.Values
	var media [][]byte
	var err error
	switch {
	case mt == "application/x-www-form-urlencoded":
		body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, s.cfg.BodyLimit))
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, nil, &redgrid.Error{Kind: redgrid.KindTooLarge, Message: fmt.Sprintf("body: at most %d bytes", s.cfg.BodyLimit)}
		}
		if err != nil {
			return nil, nil, redgrid.Invalid("body", "readable", "body: could not be read")
		}
		if v, err = url.ParseQuery(string(body)); err != nil {
			return nil, nil, redgrid.Invalid("body", "form", "body: not a well-formed application/x-www-form-urlencoded form")
		}
	case multipart:
		if v, media, err = readMultipart(r, open311Limit, "media", open311Media); err != nil {
			return nil, nil, err
		}
	default:
		return nil, nil, &redgrid.Error{Kind: kindUnsupportedMedia, Message: "Content-Type: send application/x-www-form-urlencoded or multipart/form-data"}
	}
	for k, vs := range q {
		v[k] = append(v[k], vs...)
	}
	return v, media, nil
}

// o311Key authenticates the api_key of a POST (403 without a valid one) and returns the context
// acting as the key's account, named open311:NAME in the audit log.
func (s *Server) o311Key(r *http.Request, v url.Values) (sqlstore.APIKey, context.Context, error) {
	keys := v["api_key"]
	if len(keys) != 1 || keys[0] == "" || len(keys[0]) > 200 {
		return sqlstore.APIKey{}, nil, redgrid.Errorf(redgrid.KindForbidden, "api_key: a valid API key is required")
	}
	h := sha256.Sum256([]byte(keys[0]))
	k, err := s.store.APIKeyByHash(r.Context(), hex.EncodeToString(h[:]))
	if err != nil {
		return k, nil, err
	}
	a := redgrid.ActorFrom(r.Context())
	a.UserID, a.Username = k.UserID, "open311:"+k.Name
	if c, ok := r.Context().Value(callerKey).(*caller); ok {
		c.actor = a
	}
	return k, redgrid.WithActor(r.Context(), a), nil
}

// formHash identifies a POST's content for its Idempotency-Key: the parameters in a fixed order
// and the photos, whatever the multipart boundary of this attempt.
func formHash(v url.Values, media [][]byte) []byte {
	var b strings.Builder
	b.WriteString(v.Encode())
	for _, m := range media {
		h := sha256.Sum256(m)
		b.WriteString("&media=" + hex.EncodeToString(h[:]))
	}
	return []byte(b.String())
}

// ---- POST requests ----

func (s *Server) o311PostRequest(w http.ResponseWriter, r *http.Request, f open311.Format) error {
	if err := checkIdempotencyKey(r); err != nil {
		return err
	}
	v, media, k, ctx, release, err := s.o311Post(w, r)
	defer release()
	if err != nil {
		return err
	}
	in, perr := open311.ParseNewRequest(v)
	if err := s.o311Jurisdiction(ctx, in.JurisdictionID); err != nil {
		return err
	}
	if perr != nil {
		return perr
	}
	ctx = withIdempotency(r.WithContext(ctx), formHash(v, media))
	if id, ok, err := s.store.IdempotentResult(ctx, "case"); err != nil {
		return err
	} else if ok {
		c, err := s.store.Case(ctx, id)
		if err != nil {
			return err
		}
		return s.o311Created(w, f, c, true)
	}
	nc, detail := o311NewCase(in)
	var photos []photo.Processed
	for _, m := range media {
		p, err := processPhoto(m, "media")
		if err != nil {
			return err
		}
		photos = append(photos, p)
	}
	ci, err := s.place(ctx, &nc)
	if err != nil {
		return err
	}
	ci.EventDetail = detail
	// Everything is valid: write the photos' files; their rows are recorded with the case, in
	// its transaction, so a failed or retried report leaves none behind, and then neither files.
	rows, undo, err := s.writePhotoFiles(photos, &k.UserID)
	if err != nil {
		return err
	}
	ci.NewPhotos = rows
	for _, row := range rows {
		ci.In.Photos = append(ci.In.Photos, row.ID)
	}
	c, replayed, err := s.store.CreateCase(ctx, ci)
	if err != nil || replayed {
		undo()
	}
	if err != nil {
		return err
	}
	if err := s.store.TouchAPIKey(ctx, k); err != nil {
		s.log.Warn("api key last use not recorded", "request_id", redgrid.ActorFrom(ctx).RequestID, "err", err)
	}
	return s.o311Created(w, f, c, replayed)
}

// o311NewCase makes the report of a POST requests. What a client such as FixMyStreet cannot
// correct is not refused (it would retry for ever) but stored as well as it can be, and the report
// event's detail says so: free text (description, address_string, names, attribute values) with
// control characters or beyond its limit (cut, ending in '…'), a phone in E.164 (+86… written as
// redgrid keeps it), a phone that is still not a mainland number, which is dropped with the name
// (the report becomes anonymous), and media_url values that are no http(s) URL (not kept; the
// others are kept as given and never fetched).
func o311NewCase(in open311.NewRequest) (redgrid.NewCase, map[string]any) {
	detail := map[string]any{}
	adjusted := in.Adjusted
	name, cut := in.ReporterName()
	if cut {
		adjusted = append(adjusted, "first_name+last_name")
	}
	phone := pii.NormalizePhone(in.Phone)
	if phone != "" && !redgrid.ValidPhone(phone) {
		detail["phone_dropped"] = "not a mainland mobile or landline number; the report is taken as anonymous"
		phone, name = "", ""
		detail["anonymous"] = true
	}
	if len(adjusted) > 0 {
		detail["adjusted"] = adjusted
	}
	if len(in.MediaURLs) > 0 {
		detail["media_urls"] = in.MediaURLs
	}
	if in.MediaURLsDropped > 0 {
		detail["media_urls_dropped"] = in.MediaURLsDropped
	}
	nc := redgrid.NewCase{Category: in.ServiceCode, Lat: in.Lat, Lng: in.Long, Address: in.AddressString, Description: in.Description,
		Channel: redgrid.ChannelOpen311, ReporterName: name, ReporterPhone: phone, Anonymous: name == "" && phone == ""}
	return nc, detail
}

func (s *Server) o311Created(w http.ResponseWriter, f open311.Format, c redgrid.Case, replayed bool) error {
	if replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	notice := fmt.Sprintf("已受理，案件编号 %s；立案派遣后由承办部门按时限办理 (received as case %s)", c.Number, c.Number)
	return open311.Write(w, f, http.StatusCreated, open311.CreatedList{{ServiceRequestID: c.Number, ServiceNotice: notice}})
}

// ---- GET requests ----

// o311Case finds the case of a service_request_id (a case number). Private matters (私事)
// concern one household and are not published: reads do not find them (withPrivate false),
// though a client may still comment on one.
func (s *Server) o311Case(ctx context.Context, number string, withPrivate bool) (redgrid.Case, error) {
	notFound := redgrid.Errorf(redgrid.KindNotFound, "service_request_id: no request %q", number)
	id, ok := open311.ParseRequestID(number)
	if !ok {
		return redgrid.Case{}, notFound
	}
	c, err := s.store.Case(ctx, id)
	if redgrid.ErrorKind(err) == redgrid.KindNotFound || err == nil && (c.Number != number || c.Matter == redgrid.MatterPrivate && !withPrivate) {
		return redgrid.Case{}, notFound
	}
	return c, err
}

// o311MediaURL is the first http(s) media_url a client sent with its report (kept in the report
// event's detail), shown when no photo is stored with the case.
func o311MediaURL(c redgrid.Case, report map[string]any) string {
	if len(c.Photos) > 0 {
		return ""
	}
	urls, _ := report["media_urls"].([]any)
	for _, u := range urls {
		if s, ok := u.(string); ok && open311.WebURL(s) { // reports stored before media_url was checked
			return s
		}
	}
	return ""
}

// reportDetail is the detail of a case's report event, from its timeline.
func reportDetail(c redgrid.Case) map[string]any {
	for _, e := range c.Events {
		if e.Action == "report" {
			return e.Detail
		}
	}
	return nil
}

func o311Request(c redgrid.Case, report map[string]any) open311.Request {
	out := open311.Request{ServiceRequestID: c.Number, Status: open311.Status(c.State), StatusNotes: open311.StateNote(c.State),
		ServiceName: c.CategoryName, ServiceCode: c.Category, Description: c.Description, RequestedDatetime: open311.FormatTime(c.CreatedAt),
		UpdatedDatetime: open311.FormatTime(c.UpdatedAt), Address: c.Address, Lat: c.Lat, Long: c.Lng, MediaURL: o311MediaURL(c, report)}
	if c.DueAt != nil && !c.State.Final() {
		out.ExpectedDatetime = open311.FormatTime(*c.DueAt)
	}
	for _, d := range c.Departments {
		if d.Role == redgrid.DeptLead && d.State != "returned" {
			out.AgencyResponsible = d.Name
		}
	}
	return out
}

func (s *Server) o311GetRequests(w http.ResponseWriter, r *http.Request, f open311.Format) error {
	v, err := s.o311Query(r)
	if err != nil {
		return err
	}
	q, err := open311.ParseQuery(v)
	if err != nil {
		return err
	}
	filter := sqlstore.CaseFilter{Scopes: []string{"/"}, Limit: o311MaxResults, Order: "new", Categories: []string{}}
	cs, err := s.store.Categories(r.Context())
	if err != nil {
		return err
	}
	wanted := map[string]bool{}
	for _, c := range q.ServiceCodes {
		wanted[c] = true
	}
	for _, c := range cs {
		if c.Minor() && c.Matter != redgrid.MatterPrivate && (len(wanted) == 0 || wanted[c.Code]) {
			filter.Categories = append(filter.Categories, c.Code)
		}
	}
	numbers := map[string]bool{}
	if q.ServiceRequestIDs != nil {
		filter.IDs = []int64{}
		for _, n := range q.ServiceRequestIDs {
			id, ok := open311.ParseRequestID(n)
			if !ok {
				return redgrid.Invalid("service_request_id", "format", "service_request_id: "+strconv.Quote(n)+" is not a request id (a case number of 14 or more digits)")
			}
			filter.IDs = append(filter.IDs, id)
			numbers[n] = true
		}
	}
	// Without ids, a period: the last 90 days by default, at most 90 days.
	if q.ServiceRequestIDs == nil || q.Start != nil || q.End != nil {
		if filter.From, filter.To, err = s.o311Period(q.Start, q.End, o311Window); err != nil {
			return err
		}
	}
	if len(q.Statuses) == 1 {
		for _, st := range caseStates {
			if open311.Status(st) == q.Statuses[0] {
				filter.States = append(filter.States, st)
			}
		}
	}
	list, err := s.store.Cases(r.Context(), filter)
	if err != nil {
		return err
	}
	ids := make([]int64, len(list))
	for i, c := range list {
		ids[i] = c.ID
	}
	reports, err := s.store.ReportDetails(r.Context(), ids)
	if err != nil {
		return err
	}
	out := open311.Requests{}
	for _, c := range list {
		if len(numbers) > 0 && !numbers[c.Number] {
			continue // an id whose date part does not match
		}
		out = append(out, o311Request(c, reports[c.ID]))
	}
	return open311.Write(w, f, http.StatusOK, out)
}

func (s *Server) o311GetRequest(w http.ResponseWriter, r *http.Request, number string, f open311.Format) error {
	if _, err := s.o311Query(r); err != nil {
		return err
	}
	c, err := s.o311Case(r.Context(), number, false)
	if err != nil {
		return err
	}
	return open311.Write(w, f, http.StatusOK, open311.Requests{o311Request(c, reportDetail(c))})
}

// o311Token: redgrid answers POST requests at once with the id and issues no tokens; a client
// that asks anyway may use the service_request_id as its token.
func (s *Server) o311Token(w http.ResponseWriter, r *http.Request, token string, f open311.Format) error {
	if _, err := s.o311Query(r); err != nil {
		return err
	}
	c, err := s.o311Case(r.Context(), token, false)
	if err != nil {
		return redgrid.Errorf(redgrid.KindNotFound, "token: no request for token %q", token)
	}
	return open311.Write(w, f, http.StatusOK, open311.CreatedList{{ServiceRequestID: c.Number, Token: token}})
}

// ---- FixMyStreet servicerequestupdates ----

// o311Actions are the events published as request updates.
var o311Actions = func() []string {
	var out []string
	for _, a := range redgrid.CaseActions {
		if _, _, ok := open311.Step(string(a), redgrid.CaseClosed, ""); ok {
			out = append(out, string(a))
		}
	}
	sort.Strings(out)
	return out
}()

func (s *Server) o311GetUpdates(w http.ResponseWriter, r *http.Request, f open311.Format) error {
	v, err := s.o311Query(r)
	if err != nil {
		return err
	}
	q, err := open311.ParseUpdatesQuery(v)
	if err != nil {
		return err
	}
	start, end, err := s.o311Period(q.Start, q.End, o311UpdatesWindow)
	if err != nil {
		return err
	}
	ups, err := s.store.CaseUpdates(r.Context(), start, end, o311Actions, o311MaxResults)
	if err != nil {
		return err
	}
	orgs := map[int64]string{}
	out := open311.Updates{}
	for _, u := range ups {
		if u.Matter == redgrid.MatterPrivate {
			continue
		}
		detail := ""
		switch redgrid.CaseAction(u.Action) {
		case redgrid.ActDispatch:
			if id, ok := u.Detail["lead_department_id"].(float64); ok {
				if _, seen := orgs[int64(id)]; !seen {
					if o, err := s.store.Org(r.Context(), int64(id)); err == nil {
						orgs[int64(id)] = o.Name
					} else if redgrid.ErrorKind(err) != redgrid.KindNotFound {
						return err
					}
				}
				detail = orgs[int64(id)]
			}
		case redgrid.ActEscalate:
			if lv, ok := u.Detail["level"].(float64); ok {
				detail = redgrid.Level(lv).Name()
			}
		case redgrid.ActSuspend:
			if e, ok := u.Detail["explanation"].(string); ok && e != "" {
				detail = "：" + e
			}
		}
		status, text, _ := open311.Step(u.Action, u.To, detail)
		out = append(out, open311.Update{UpdateID: strconv.FormatInt(u.ID, 10), ServiceRequestID: u.CaseNumber, Status: status,
			UpdatedDatetime: open311.FormatTime(u.At), Description: text, ExternalStatusCode: u.Action})
	}
	return open311.Write(w, f, http.StatusOK, out)
}

// o311PostUpdate records a citizen's update (FixMyStreet's comment on a report it sent) as a
// "comment" event on the case: it never moves the case through the loop — reopening is the
// resident's rating at the call-back — and on a closed case it is recorded all the same, for the
// staff to read; a comment on a duplicate lands on the case it was merged into. The status the
// client sends is recorded with it. The commenter's email and phone are not stored. A retry with
// the same update_id for the same request (whatever its status and text) or, without update_id,
// the same Idempotency-Key records nothing new and answers with the first update's id.
func (s *Server) o311PostUpdate(w http.ResponseWriter, r *http.Request, f open311.Format) error {
	if err := checkIdempotencyKey(r); err != nil {
		return err
	}
	v, media, k, ctx, release, err := s.o311Post(w, r)
	defer release()
	if err != nil {
		return err
	}
	if len(media) > 0 {
		return redgrid.Invalid("media", "unsupported", "media: an update takes no photos")
	}
	in, perr := open311.ParseNewUpdate(v)
	if err := s.o311Jurisdiction(ctx, in.JurisdictionID); err != nil {
		return err
	}
	if perr != nil {
		return perr
	}
	c, err := s.o311Case(ctx, in.ServiceRequestID, true)
	if err != nil {
		return err
	}
	if in.UpdateID != "" {
		// FixMyStreet resends an update with its status recomputed: a retry is known by the key,
		// the request and the client's update_id alone, whatever else it carries this time.
		id := k.Name + "\x00" + in.ServiceRequestID + "\x00" + in.UpdateID
		hash := sha256.Sum256([]byte(id))
		ctx = redgrid.WithIdempotency(ctx, redgrid.Idempotency{Key: "open311-update:" + hex.EncodeToString(hash[:]),
			Route: "open311 servicerequestupdates", RequestHash: hex.EncodeToString(hash[:])})
	} else if r.Header.Get("Idempotency-Key") != "" {
		ctx = withIdempotency(r.WithContext(ctx), formHash(v, nil))
	}
	detail := map[string]any{"source": "open311", "client": k.Name}
	if in.Status != "" {
		detail["status"] = in.Status
	}
	if in.UpdateID != "" {
		detail["update_id"] = in.UpdateID
	}
	if in.UpdatedAt != nil {
		detail["updated_datetime"] = open311.FormatTime(*in.UpdatedAt)
	}
	if in.MediaURL != "" {
		detail["media_url"] = in.MediaURL
	}
	if in.MediaURLDropped {
		detail["media_url_dropped"] = "not an http(s) URL"
	}
	if len(in.Adjusted) > 0 {
		detail["adjusted"] = in.Adjusted
	}
	id, replayed, err := s.store.CommentOnCase(ctx, c.ID, in.Description, detail)
	if err != nil {
		return err
	}
	if err := s.store.TouchAPIKey(ctx, k); err != nil {
		s.log.Warn("api key last use not recorded", "request_id", redgrid.ActorFrom(ctx).RequestID, "err", err)
	}
	if replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	return open311.Write(w, f, http.StatusCreated, open311.UpdateCreatedList{{UpdateID: strconv.FormatInt(id, 10)}})
}
