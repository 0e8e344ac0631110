package api

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/geo"
	"github.com/redgrid/redgrid/internal/pii"
	"github.com/redgrid/redgrid/internal/sqlstore"
)

// ---- categories ----

func (s *Server) listCategories(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	cs, err := s.store.Categories(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list[redgrid.Category]{cs})
}

// publicCategories are the active categories a resident may choose from, without login.
func (s *Server) publicCategories(w http.ResponseWriter, r *http.Request) error {
	cs, err := s.store.Categories(r.Context())
	if err != nil {
		return err
	}
	out := []redgrid.Category{}
	for _, c := range cs {
		if c.Active {
			c.DepartmentID = nil
			out = append(out, c)
		}
	}
	return writeJSON(w, http.StatusOK, list[redgrid.Category]{out})
}

type categoriesIn struct {
	Categories []redgrid.Category `json:"categories"`
}

// putCategories creates or replaces categories by code (district admins).
func (s *Server) putCategories(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	if !p.CanAny(redgrid.ActManageUsers) {
		return forbidden("the category tree")
	}
	var in categoriesIn
	if err := s.decode(r, &in); err != nil {
		return err
	}
	if len(in.Categories) == 0 || len(in.Categories) > 1000 {
		return redgrid.Invalid("categories", "length", "categories must hold 1 to 1000 categories")
	}
	if err := s.store.SaveCategories(r.Context(), in.Categories); err != nil {
		return err
	}
	return s.listCategories(w, r, p)
}

// ---- intake ----

// intakeRoles may report cases at all; grid-level roles may report anywhere in their community
// (a grid worker on patrol crosses the grid's edge), the others within their scope.
func intakeScope(p *redgrid.Principal, path string) bool {
	for _, g := range p.Grants {
		switch g.Role {
		case redgrid.RoleGridWorker, redgrid.RoleGridLeader:
			for _, sc := range g.Paths {
				if redgrid.IsWithin(path, communityOf(sc)) {
					return true
				}
			}
		case redgrid.RoleCommunityStaff, redgrid.RoleStreetOperator, redgrid.RoleDistrictAdmin:
			for _, sc := range g.Paths {
				if redgrid.IsWithin(path, sc) {
					return true
				}
			}
		}
	}
	return false
}

// communityOf cuts a path below the community level (district/street/community).
func communityOf(path string) string {
	ids := redgrid.PathIDs(path)
	if len(ids) > 3 {
		ids = ids[:3]
	}
	return "/" + strings.Join(ids, "/") + "/"
}

// place validates a report, places it in its grid and classifies it.
func (s *Server) place(ctx context.Context, in *redgrid.NewCase) (sqlstore.CaseIntake, error) {
	// One number is stored one way: +86 138-0013-8000 is 13800138000.
	in.ReporterPhone = pii.NormalizePhone(in.ReporterPhone)
	if err := in.Validate(); err != nil {
		return sqlstore.CaseIntake{}, err
	}
	if in.Anonymous {
		// An anonymous report keeps no name or phone: nothing is kept that the purpose does not
		// need (PIPL Art. 6), and what is not kept cannot leak.
		in.ReporterName, in.ReporterPhone = "", ""
	}
	crs := geo.WGS84
	if in.CRS != "" {
		c, err := geo.ParseCRS(in.CRS)
		if err != nil {
			return sqlstore.CaseIntake{}, redgrid.Invalid("crs", "enum", "crs must be one of wgs84, gcj02, bd09, cgcs2000")
		}
		crs = c
	}
	lng, lat, err := geo.ToWGS84(*in.Lng, *in.Lat, crs)
	if err != nil {
		return sqlstore.CaseIntake{}, redgrid.Invalid("lng", "range", "the point is not a valid coordinate")
	}
	cat, ok, err := s.store.CategoryByCode(ctx, in.Category)
	if err != nil {
		return sqlstore.CaseIntake{}, err
	}
	if !ok || !cat.Active || !cat.Minor() {
		return sqlstore.CaseIntake{}, redgrid.Invalid("category", "exists", fmt.Sprintf("%q is not an active minor category", in.Category))
	}
	pt := geo.Point{Lng: lng, Lat: lat}
	g, ok := s.atlas.Locate(pt)
	if !ok {
		e := redgrid.Invalid("lng", "in_grid", fmt.Sprintf("the point (%.6f, %.6f) lies in no grid of this district", lng, lat))
		e.Fields = append(e.Fields, redgrid.FieldError{Field: "lat", Rule: "in_grid", Message: e.Message})
		if near, d, ok := s.atlas.Nearest(pt); ok {
			e.Extra = map[string]any{"nearest": map[string]any{"id": near.ID, "code": near.Code, "name": near.Name, "distance_m": math.Round(d*10) / 10}}
		}
		return sqlstore.CaseIntake{}, e
	}
	return sqlstore.CaseIntake{In: *in, Category: cat, GridID: g.ID, GridPath: g.Path, GridCode: g.Code, GridName: g.Name, Lng: lng, Lat: lat}, nil
}

type intakeOut struct {
	redgrid.Case
	// Duplicates are open cases of the same category in the same grid, nearby and recent: staff
	// may merge the new case into one of them.
	Duplicates []duplicate `json:"duplicates"`
}

// createCase takes a report from a grid worker on patrol or from staff on behalf of a resident
// (phone, door-knocking visit).
func (s *Server) createCase(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	var in redgrid.NewCase
	ctx, err := s.decodeCreate(r, &in)
	if err != nil {
		return err
	}
	if in.Channel == "" {
		in.Channel = redgrid.ChannelPatrol
	}
	if in.Channel == redgrid.ChannelQR || in.Channel == redgrid.ChannelOpen311 {
		return redgrid.Invalid("channel", "enum", "channel must be patrol, phone or visit here (residents report through the public page)")
	}
	ci, err := s.place(ctx, &in)
	if err != nil {
		return err
	}
	if !intakeScope(p, ci.GridPath) {
		return forbidden("reporting a case in grid " + ci.GridCode)
	}
	if in.Channel == redgrid.ChannelPatrol {
		ci.ReporterID = &p.UserID
		if in.ReporterName == "" && !in.Anonymous {
			ci.In.ReporterName = p.DisplayName
		}
	}
	var near []redgrid.Case
	ci.Near, ci.NearFound = sqlstore.NearQuery{Metres: s.cfg.DuplicateMetres, Since: s.now().Add(-s.cfg.DuplicateWindow)}, &near
	c, replayed, err := s.store.CreateCase(ctx, ci)
	if err != nil {
		return err
	}
	out := intakeOut{Case: c, Duplicates: []duplicate{}}
	if !replayed && near != nil { // read with the write: the open cases received before this one
		out.Duplicates = s.nearOnly(c, near)
	}
	return created(w, "/api/v1/cases/"+strconv.FormatInt(c.ID, 10), replayed, out)
}

type publicCaseIn struct {
	redgrid.NewCase
	// FollowToken is chosen by the resident's page (16–64 letters, digits, - or _), so that a
	// retried report gets the same link; the server makes one when it is missing.
	FollowToken string `json:"follow_token"`
}

func followHash(token string) string {
	h := sha256.Sum256([]byte("redgrid-follow:" + token))
	return hex.EncodeToString(h[:])
}

func validFollowToken(t string) bool {
	if len(t) < 16 || len(t) > 64 {
		return false
	}
	for _, c := range t {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// publicCreateCase takes a resident's report from the page a grid's QR code opens, without
// login. Anonymous reports are allowed; otherwise a phone number for the call-back is required.
func (s *Server) publicCreateCase(w http.ResponseWriter, r *http.Request) error {
	if !s.limiter("report:" + redgrid.ActorFrom(r.Context()).RemoteAddr).Allow() {
		w.Header().Set("Retry-After", "60")
		return redgrid.Errorf(redgrid.KindRateLimited, "too many reports from this address; wait a minute")
	}
	var in publicCaseIn
	ctx, err := s.decodeCreate(r, &in)
	if err != nil {
		return err
	}
	if in.Channel != "" && in.Channel != redgrid.ChannelQR {
		return redgrid.Invalid("channel", "enum", "channel must be qr on the public page")
	}
	in.Channel = redgrid.ChannelQR
	if !in.Anonymous && in.ReporterPhone == "" {
		return redgrid.Invalid("reporter_phone", "required", "a phone number for the call-back is required unless the report is anonymous")
	}
	if in.FollowToken == "" {
		b := make([]byte, 18)
		rand.Read(b)
		in.FollowToken = hex.EncodeToString(b)
	} else if !validFollowToken(in.FollowToken) {
		return redgrid.Invalid("follow_token", "format", "follow_token must be 16 to 64 letters, digits, - or _")
	}
	ci, err := s.place(ctx, &in.NewCase)
	if err != nil {
		return err
	}
	ci.FollowHash = followHash(in.FollowToken)
	c, replayed, err := s.store.CreateCase(ctx, ci)
	if err != nil {
		return err
	}
	return created(w, "/api/v1/public/cases/"+in.FollowToken, replayed, publicView(c, in.FollowToken))
}

// publicCase is what a resident sees of their case: no staff names, no other reporter's data.
type publicCase struct {
	Number       string            `json:"number"`
	State        redgrid.CaseState `json:"state"`
	Category     string            `json:"category"`
	CategoryName string            `json:"category_name"`
	GridName     string            `json:"grid_name"`
	Address      string            `json:"address"`
	Description  string            `json:"description"`
	Rating       redgrid.Rating    `json:"rating,omitempty"`
	Rateable     bool              `json:"rateable"`
	CreatedAt    time.Time         `json:"created_at"`
	ClosedAt     *time.Time        `json:"closed_at"`
	Timeline     []publicCaseStep  `json:"timeline"`
	FollowToken  string            `json:"follow_token,omitempty"`
	Departments  []string          `json:"departments"`
	Photos       []string          `json:"photos"`
	Level        string            `json:"level"`
	Explanation  string            `json:"explanation,omitempty"`
	// Matter (三事分办) and, for a private matter the staff guided (引导办理), what the resident
	// can do and where to go.
	Matter   redgrid.Matter `json:"matter"`
	Guidance string         `json:"guidance,omitempty"`
}

type publicCaseStep struct {
	At     time.Time `json:"at"`
	Action string    `json:"action"`
	To     string    `json:"to"`
}

func publicView(c redgrid.Case, token string) publicCase {
	out := publicCase{Number: c.Number, State: c.State, Category: c.Category, CategoryName: c.CategoryName, GridName: c.GridName,
		Address: c.Address, Description: c.Description, Rating: c.Rating, Rateable: c.State == redgrid.CaseVerified || c.State == redgrid.CaseGuided,
		CreatedAt: c.CreatedAt, ClosedAt: c.ClosedAt, Timeline: []publicCaseStep{}, FollowToken: token, Departments: []string{},
		Photos: c.Photos, Level: c.LevelName, Matter: c.Matter}
	if c.Route == redgrid.RouteGuide {
		out.Guidance = c.Guidance
	}
	for _, d := range c.Departments {
		if d.State != "returned" {
			out.Departments = append(out.Departments, d.Name)
		}
	}
	if len(c.Events) == 0 {
		out.Timeline = append(out.Timeline, publicCaseStep{At: c.CreatedAt, Action: "report", To: string(c.State)})
	}
	for _, e := range c.Events {
		out.Timeline = append(out.Timeline, publicCaseStep{At: e.At, Action: e.Action, To: string(e.To)})
		if e.Action == string(redgrid.ActSuspend) {
			if s, ok := e.Detail["explanation"].(string); ok {
				out.Explanation = s
			}
		}
	}
	return out
}

func (s *Server) followedCase(r *http.Request) (redgrid.Case, string, error) {
	token := r.PathValue("token")
	if !validFollowToken(token) {
		return redgrid.Case{}, "", redgrid.Errorf(redgrid.KindNotFound, "no case for this link")
	}
	c, err := s.store.CaseByFollowHash(r.Context(), followHash(token))
	return c, token, err
}

func (s *Server) publicGetCase(w http.ResponseWriter, r *http.Request) error {
	c, token, err := s.followedCase(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, publicView(c, token))
}

type publicRateIn struct {
	Rating   redgrid.Rating `json:"rating"`
	Resolved *bool          `json:"resolved"`
	Comment  string         `json:"comment"`
}

// publicRateCase is the resident's own rating through their follow link.
func (s *Server) publicRateCase(w http.ResponseWriter, r *http.Request) error {
	var in publicRateIn
	ctx, err := s.decodeCreate(r, &in)
	if err != nil {
		return err
	}
	c, token, err := s.followedCase(r)
	if err != nil {
		return err
	}
	act := redgrid.CaseActionIn{Action: redgrid.ActRate, Rating: in.Rating, Resolved: in.Resolved, Reason: in.Comment}
	if err := act.Validate(); err != nil {
		return err
	}
	a := redgrid.ActorFrom(ctx)
	a.Username = "resident"
	ctx = redgrid.WithActor(ctx, a)
	// The follow link is the resident's authority over this one case.
	out, _, err := s.store.ActOnCase(ctx, c.ID, act, func(*redgrid.Case, redgrid.CaseAction) (int64, error) { return 0, nil })
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, publicView(out, token))
}

// ---- reading ----

// caseReadable: the case's grid lies in the caller's read scope, a department of the caller is on
// it, or the caller reported it.
func caseReadable(p *redgrid.Principal, c *redgrid.Case) bool {
	if p.Can(redgrid.ActReadTree, c.Path) || c.ReporterID != nil && *c.ReporterID == p.UserID {
		return true
	}
	for _, g := range p.Grants {
		if g.OrgID != nil {
			for _, d := range c.Departments {
				if d.OrgID == *g.OrgID {
					return true
				}
			}
		}
	}
	return false
}

// reporterView decides what the caller sees of a case's reporter (docs/ARCHITECTURE.md,
// "Personal data"): nothing of an anonymous report; their own report as they gave it; in full,
// each view logged as a call-back unmasking, to the staff who call residents back (ActCallBack:
// community staff and street operators over the case's grid); masked to everyone else, who may
// ask for the full value with a reason (unmaskReporter). A view that cannot be logged is masked.
func (s *Server) reporterView(ctx context.Context, p *redgrid.Principal, c *redgrid.Case) {
	switch {
	case c.Anonymous:
		maskCase(c)
		c.ReporterName, c.ReporterPhone = "", ""
	case c.ReporterPhone == "" && c.ReporterName == "":
		maskCase(c)
	case c.ReporterID != nil && *c.ReporterID == p.UserID:
	case p.Can(redgrid.ActCallBack, c.Path):
		if _, err := s.store.LogUnmasking(ctx, caseSubject(c.ID), reporterFields(c), sqlstore.UnmaskCallBack, "回访 call-back"); err != nil {
			s.log.Error("unmasking log write failed; reporter kept masked", "request_id", redgrid.ActorFrom(ctx).RequestID, "err", err)
			maskCase(c)
		}
	default:
		maskCase(c)
	}
}

func caseSubject(id int64) string { return "case/" + strconv.FormatInt(id, 10) }

// reporterFields names the reporter fields a case holds.
func reporterFields(c *redgrid.Case) []string {
	var f []string
	if c.ReporterName != "" {
		f = append(f, "reporter_name")
	}
	if c.ReporterPhone != "" {
		f = append(f, "reporter_phone")
	}
	return f
}

// maskCase masks the reporter the Chinese way: 张*, 欧阳**, 138****5678.
func maskCase(c *redgrid.Case) {
	c.ReporterName, c.ReporterPhone = pii.MaskName(c.ReporterName), pii.MaskPhone(c.ReporterPhone)
	c.Masked = true
}

type unmaskIn struct {
	Reason string `json:"reason"`
}

// MaxUnmaskReason bounds the reason given to see personal data in full.
const MaxUnmaskReason = 200

type reporterOut struct {
	CaseID        int64              `json:"case_id"`
	ReporterName  string             `json:"reporter_name"`
	ReporterPhone string             `json:"reporter_phone"`
	Unmasking     sqlstore.Unmasking `json:"unmasking"`
}

// unmaskReporter: POST /api/v1/cases/{id}/reporter:unmask {"reason"} — the reporter's name and
// phone in full, for a role that may need to reach them (ActUnmask) over the case's grid. The
// unmasking (who, when, which fields, why) and its audit line are written before the answer.
// unmaskReason reads the body {"reason"} of an unmasking: required, at most MaxUnmaskReason.
func (s *Server) unmaskReason(r *http.Request) (string, error) {
	var in unmaskIn
	if err := s.decode(r, &in); err != nil {
		return "", err
	}
	return checkUnmaskReason(in.Reason)
}

// checkUnmaskReason trims and checks the reason of an unmasking: required, at most
// MaxUnmaskReason characters of text.
func checkUnmaskReason(reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	var v redgrid.Validator
	v.Check(reason != "", "reason", "required", "a reason is required to see personal data in full; it is logged")
	v.Check(utf8.RuneCountInString(reason) <= MaxUnmaskReason, "reason", "max_length", "reason must be at most 200 characters")
	v.Check(!redgrid.HasControl(reason), "reason", "text", "reason must be text without control characters")
	return reason, v.Err()
}

func (s *Server) unmaskReporter(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	reason, err := s.unmaskReason(r)
	if err != nil {
		return err
	}
	c, err := s.readableCase(r, p)
	if err != nil {
		return err
	}
	if !p.Can(redgrid.ActUnmask, c.Path) {
		return forbidden("unmasking the reporter of case " + strconv.FormatInt(c.ID, 10))
	}
	if c.Anonymous {
		return redgrid.Errorf(redgrid.KindConflict, "case %d was reported anonymously: there is no reporter to unmask", c.ID)
	}
	fields := reporterFields(&c)
	if len(fields) == 0 {
		return redgrid.Errorf(redgrid.KindConflict, "case %d holds no reporter's name or phone", c.ID)
	}
	u, err := s.store.LogUnmasking(r.Context(), caseSubject(c.ID), fields, sqlstore.UnmaskExplicit, reason)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, reporterOut{CaseID: c.ID, ReporterName: c.ReporterName, ReporterPhone: c.ReporterPhone, Unmasking: u})
}

// listUnmaskings: GET /api/v1/unmaskings?case=&user=&before_id=&limit= — the log of unmaskings,
// newest first, for those who read the audit log.
func (s *Server) listUnmaskings(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	if !p.CanAny(redgrid.ActReadAudit) {
		return forbidden("the unmasking log")
	}
	var f sqlstore.UnmaskingFilter
	caseID, err := queryID(r, "case")
	if err != nil {
		return err
	}
	if caseID > 0 {
		f.Subject = caseSubject(caseID)
	}
	if f.ActorID, err = queryID(r, "user"); err != nil {
		return err
	}
	if f.BeforeID, err = queryID(r, "before_id"); err != nil {
		return err
	}
	if f.Limit, err = queryInt(r, "limit", 100, 1, 500); err != nil {
		return err
	}
	out, err := s.store.Unmaskings(r.Context(), f)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list[sqlstore.Unmasking]{out})
}

// readableCase loads the case of the {id} path segment: 404 when there is none, 403 when the
// caller may not read it.
func (s *Server) readableCase(r *http.Request, p *redgrid.Principal) (redgrid.Case, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return redgrid.Case{}, err
	}
	c, err := s.store.Case(r.Context(), id)
	if err != nil {
		return c, err
	}
	if !caseReadable(p, &c) {
		return c, forbidden("case " + strconv.FormatInt(id, 10))
	}
	return c, nil
}

func (s *Server) getCase(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	c, err := s.readableCase(r, p)
	if err != nil {
		return err
	}
	s.reporterView(r.Context(), p, &c)
	setETag(w, c.Version)
	return writeJSON(w, http.StatusOK, c)
}

var caseStates = map[string]redgrid.CaseState{}

func init() {
	for _, st := range []redgrid.CaseState{redgrid.CaseReported, redgrid.CaseRegistered, redgrid.CaseVoided, redgrid.CaseDispatched,
		redgrid.CaseAccepted, redgrid.CaseSuspended, redgrid.CaseHandled, redgrid.CaseVerified, redgrid.CaseClosed, redgrid.CaseGuided} {
		caseStates[string(st)] = st
	}
}

var caseStages = map[string]bool{sqlstore.StageRegister: true, sqlstore.StageAccept: true, sqlstore.StageHandle: true, sqlstore.StageVerify: true, sqlstore.StageRate: true}

var categoryFilterRe = regexp.MustCompile(`^[0-9]{2}([0-9]{2})?$`)

// listCases: ?state=a,b&stage=a,b&category=&node=&q=&overdue=true&level=&order=due|new&mine=true&before=&limit=
// &after=&after_due=&inbox=accept|handle|done
func (s *Server) listCases(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	q := r.URL.Query()
	var f sqlstore.CaseFilter
	if st := q.Get("state"); st != "" {
		for _, x := range strings.Split(st, ",") {
			cs, ok := caseStates[x]
			if !ok {
				return redgrid.Invalid("state", "enum", "state must be a comma-separated list of reported, registered, voided, dispatched, accepted, suspended, handled, verified, closed")
			}
			f.States = append(f.States, cs)
		}
	}
	if st := q.Get("stage"); st != "" {
		for _, x := range strings.Split(st, ",") {
			if !caseStages[x] {
				return redgrid.Invalid("stage", "enum", "stage must be a comma-separated list of register, accept, handle, verify, rate")
			}
			f.Stages = append(f.Stages, x)
		}
	}
	if f.Category = q.Get("category"); f.Category != "" && !categoryFilterRe.MatchString(f.Category) {
		return redgrid.Invalid("category", "format", "category must be a 2-digit major or 4-digit minor category code")
	}
	node, err := queryID(r, "node")
	if err != nil {
		return err
	}
	if node > 0 {
		n, err := s.readableNode(r, p, node)
		if err != nil {
			return err
		}
		f.Path = n.Path
	}
	if f.Q, err = queryText(r, "q", 50); err != nil {
		return err
	}
	switch q.Get("overdue") {
	case "", "false":
	case "true":
		f.Overdue = true
	default:
		return redgrid.Invalid("overdue", "boolean", "overdue must be true or false")
	}
	if lv := q.Get("level"); lv != "" {
		n, err := queryInt(r, "level", 0, 0, 3)
		if err != nil {
			return err
		}
		l := redgrid.Level(n)
		f.Level = &l
	}
	switch f.Order = q.Get("order"); f.Order {
	case "", "new", "due":
	default:
		return redgrid.Invalid("order", "enum", "order must be due or new")
	}
	if f.Limit, err = queryInt(r, "limit", 100, 1, 500); err != nil {
		return err
	}
	if f.BeforeID, err = queryID(r, "before"); err != nil {
		return err
	}
	if f.AfterID, f.AfterDue, err = dueCursor(r, f.Order); err != nil {
		return err
	}
	// inbox: a tab of the caller's department's inbox; ordered by due, by the department's own
	// deadline. A caller of no department has an empty inbox.
	switch f.Inbox = q.Get("inbox"); f.Inbox {
	case "", sqlstore.InboxAccept, sqlstore.InboxHandle, sqlstore.InboxDone:
	default:
		return redgrid.Invalid("inbox", "enum", "inbox must be accept, handle or done")
	}
	mine := q.Get("mine") == "true"
	if mine {
		f.ReporterID = p.UserID
	} else {
		f.Scopes = p.ScopePaths(redgrid.ActReadTree)
		for _, g := range p.Grants {
			if g.OrgID != nil && g.Role == redgrid.RoleDepartmentStaff {
				f.OrgIDs = append(f.OrgIDs, *g.OrgID)
			}
		}
		// A department's staff read the cases dispatched to it, not every case of the nodes it serves.
		if len(f.OrgIDs) > 0 {
			f.Scopes = nodeScopes(p)
		}
		if len(f.Scopes) == 0 && len(f.OrgIDs) == 0 {
			f.ReporterID = p.UserID
		}
	}
	if f.Inbox != "" && mine {
		return redgrid.Invalid("inbox", "conflict", "inbox lists the cases on the caller's department, not those the caller reported")
	}
	out, err := s.store.Cases(r.Context(), f)
	if err != nil {
		return err
	}
	for i := range out {
		maskCase(&out[i])
		if out[i].Anonymous {
			out[i].ReporterName, out[i].ReporterPhone = "", ""
		}
	}
	return writeJSON(w, http.StatusOK, list[redgrid.Case]{out})
}

// dueCursor reads the page cursor of order=due: `after`, the id of the last case of the page
// before, and `after_due`, its due_at as that page gave it (absent when it had none). The case's
// own due time may have moved since; the cursor is where the page ended.
func dueCursor(r *http.Request, order string) (int64, *time.Time, error) {
	after, err := queryID(r, "after")
	if err != nil {
		return 0, nil, err
	}
	s := r.URL.Query().Get("after_due")
	if after == 0 {
		if s != "" {
			return 0, nil, redgrid.Invalid("after", "required", "after_due needs after, the id of the last case of the page before")
		}
		return 0, nil, nil
	}
	if order != "due" {
		return 0, nil, redgrid.Invalid("order", "enum", "after pages the list in order=due (order=new pages with before)")
	}
	if s == "" {
		return after, nil, nil
	}
	due, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return 0, nil, redgrid.Invalid("after_due", "format", "after_due must be an RFC 3339 time: the due_at of the case named by after")
	}
	return after, &due, nil
}

// nodeScopes are the read scopes of the caller's node grants only.
func nodeScopes(p *redgrid.Principal) []string {
	var out []string
	for _, g := range p.Grants {
		if g.NodeID != nil && g.Role.Allows(redgrid.ActReadTree) {
			out = append(out, g.Paths...)
		}
	}
	return out
}

// ---- actions ----

// authorizeCase checks the caller's role for the action and its scope over the case: a node role
// covers the cases of its subtree, department staff the cases their department is on, and a
// resident rates only the case they reported.
func authorizeCase(p *redgrid.Principal) sqlstore.Authorize {
	return func(c *redgrid.Case, a redgrid.CaseAction) (int64, error) {
		roleOK, extension := false, false
		for _, g := range p.Grants {
			if !redgrid.RoleMayActOn(g.Role, a, c.Status()) {
				continue
			}
			roleOK = true
			switch {
			case g.Role == redgrid.RoleDepartmentStaff && g.OrgID != nil:
				for _, d := range c.Departments {
					if d.OrgID == *g.OrgID && d.State != "returned" {
						return d.OrgID, nil
					}
				}
			case g.Role == redgrid.RoleResident:
				if c.ReporterID != nil && *c.ReporterID == p.UserID {
					return 0, nil
				}
			case (a == redgrid.ActApproveExtend || a == redgrid.ActRejectExtend) && c.DispatchNodeID != nil:
				// An extension is decided by the dispatching level (issue 5): the staff of the
				// node that dispatched the case, not those above or beside it.
				if g.NodeID != nil && *g.NodeID == *c.DispatchNodeID {
					return 0, nil
				}
				for _, sc := range g.Paths {
					extension = extension || redgrid.IsWithin(c.Path, sc)
				}
			default:
				for _, sc := range g.Paths {
					if redgrid.IsWithin(c.Path, sc) {
						return 0, nil
					}
				}
			}
		}
		if !roleOK {
			return 0, redgrid.Errorf(redgrid.KindForbidden, "your role may not %s a case", a)
		}
		if extension {
			return 0, redgrid.Errorf(redgrid.KindForbidden, "only the level that dispatched case %d decides on its extension", c.ID)
		}
		return 0, forbidden("case " + strconv.FormatInt(c.ID, 10))
	}
}

func (s *Server) actOnCase(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in redgrid.CaseActionIn
	ctx, err := s.decodeCreate(r, &in)
	if err != nil {
		return err
	}
	if err := in.Validate(); err != nil {
		return err
	}
	c, replayed, err := s.store.ActOnCase(ctx, id, in, authorizeCase(p))
	if err != nil {
		return err
	}
	s.reporterView(r.Context(), p, &c)
	if replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	setETag(w, c.Version)
	return writeJSON(w, http.StatusOK, c)
}

// ---- duplicates ----

type duplicate struct {
	ID        int64             `json:"id"`
	Number    string            `json:"number"`
	State     redgrid.CaseState `json:"state"`
	DistanceM float64           `json:"distance_m"`
	CreatedAt time.Time         `json:"created_at"`
	Summary   string            `json:"summary"`
}

func (s *Server) duplicates(ctx context.Context, c redgrid.Case) ([]duplicate, error) {
	cands, err := s.store.OpenCasesNear(ctx, c.GridID, c.Category, c.Lng, c.Lat, s.cfg.DuplicateMetres, s.now().Add(-s.cfg.DuplicateWindow), c.ID)
	if err != nil {
		return nil, err
	}
	return s.nearOnly(c, cands), nil
}

// nearOnly keeps the candidates within the duplicate radius of c by the exact distance.
func (s *Server) nearOnly(c redgrid.Case, cands []redgrid.Case) []duplicate {
	out := []duplicate{}
	for _, o := range cands {
		d := geo.Distance(geo.Point{Lng: c.Lng, Lat: c.Lat}, geo.Point{Lng: o.Lng, Lat: o.Lat})
		if d > s.cfg.DuplicateMetres {
			continue
		}
		sum := []rune(o.Description)
		if len(sum) > 40 {
			sum = append(sum[:40], '…')
		}
		out = append(out, duplicate{ID: o.ID, Number: o.Number, State: o.State, DistanceM: math.Round(d*10) / 10, CreatedAt: o.CreatedAt, Summary: string(sum)})
	}
	return out
}

func (s *Server) caseDuplicates(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	c, err := s.readableCase(r, p)
	if err != nil {
		return err
	}
	out, err := s.duplicates(r.Context(), c)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list[duplicate]{out})
}

// ---- figures ----

type deptFigures struct {
	OrgID   int64                `json:"org_id"`
	Name    string               `json:"name"`
	Counts  map[string]int64     `json:"counts"`
	Figures []redgrid.CaseFigure `json:"figures"`
}

type caseStats struct {
	Node        redgrid.NodeRef      `json:"node"`
	From        string               `json:"from"`
	To          string               `json:"to"`
	Counts      map[string]int64     `json:"counts"`
	Figures     []redgrid.CaseFigure `json:"figures"`
	Departments []deptFigures        `json:"departments"`
	// Matters: the cases received split by matter (三事分办: public 公事, community 众事,
	// private 私事), with their figures; the counts are also in Counts (received_public …).
	Matters       map[redgrid.Matter]int64 `json:"matters"`
	MatterFigures []redgrid.CaseFigure     `json:"matter_figures"`
}

// caseStats: GET /api/v1/stats/cases?node=&from=&to= — figures of the cases received in the
// period under the node, from the rollups.
func (s *Server) caseStats(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	node, err := queryID(r, "node")
	if err != nil {
		return err
	}
	if node == 0 {
		return redgrid.Invalid("node", "required", "node is required")
	}
	today := s.now().In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly)
	from, to := r.URL.Query().Get("from"), r.URL.Query().Get("to")
	if to == "" {
		to = today
	}
	if from == "" {
		from = to[:8] + "01"
	}
	var v redgrid.Validator
	ft, err1 := time.Parse(time.DateOnly, from)
	tt, err2 := time.Parse(time.DateOnly, to)
	v.Check(err1 == nil, "from", "date", "from must be a date YYYY-MM-DD")
	v.Check(err2 == nil, "to", "date", "to must be a date YYYY-MM-DD")
	if err1 == nil && err2 == nil {
		v.Check(!tt.Before(ft), "to", "after_from", "to must not be before from")
		v.Check(tt.Sub(ft) <= 3660*24*time.Hour, "to", "range", "the period must be at most ten years")
	}
	if err := v.Err(); err != nil {
		return err
	}
	n, err := s.readableNode(r, p, node)
	if err != nil {
		return err
	}
	counts, err := s.store.CaseCounts(r.Context(), node, from, to)
	if err != nil {
		return err
	}
	counts["in_progress"] = redgrid.InProgress(counts)
	out := caseStats{Node: redgrid.NodeRef{ID: n.ID, Kind: n.Kind, Name: n.Name, Code: n.Code}, From: from, To: to, Counts: counts,
		Figures: redgrid.CaseRates(counts, *s.cfg.Satisfaction), Departments: []deptFigures{},
		Matters: map[redgrid.Matter]int64{redgrid.MatterPublic: counts["received_public"], redgrid.MatterCommunity: counts["received_community"],
			redgrid.MatterPrivate: counts["received_private"]},
		MatterFigures: redgrid.MatterRates(counts)}
	depts, err := s.store.DepartmentCounts(r.Context(), node, from, to)
	if err != nil {
		return err
	}
	for _, d := range depts {
		out.Departments = append(out.Departments, deptFigures{OrgID: d.OrgID, Name: d.Name, Counts: d.Counts, Figures: redgrid.DepartmentRates(d.Counts)})
	}
	return writeJSON(w, http.StatusOK, out)
}

// ---- notifications and agenda ----

// audience is whose notifications the caller reads: those of the nodes of their node roles
// (and below) and of their departments.
func audience(p *redgrid.Principal) sqlstore.NotificationAudience {
	a := sqlstore.NotificationAudience{UserID: p.UserID, Scopes: nodeScopes(p)}
	for _, g := range p.Grants {
		if g.OrgID != nil {
			a.OrgIDs = append(a.OrgIDs, *g.OrgID)
		}
	}
	return a
}

type notificationList struct {
	Items []sqlstore.Notification `json:"items"`
	// Unread counts the caller's unread notices, up to sqlstore.MaxUnreadCount.
	Unread int `json:"unread"`
}

func (s *Server) listNotifications(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	limit, err := queryInt(r, "limit", 50, 1, 200)
	if err != nil {
		return err
	}
	unreadOnly, err := queryBool(r.URL.Query(), "unread")
	if err != nil {
		return err
	}
	a := audience(p)
	out := notificationList{}
	if out.Items, err = s.store.Notifications(r.Context(), a, limit, unreadOnly); err != nil {
		return err
	}
	if out.Unread, err = s.store.UnreadNotifications(r.Context(), a); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, out)
}

// notificationsRead is the body of POST /notifications/read.
type notificationsRead struct {
	IDs  []int64 `json:"ids"`
	UpTo int64   `json:"up_to"`
}

// markNotificationsRead marks notices read for the caller: ids one by one, up_to everything up
// to that id (全部已读). It answers with the unread count left.
func (s *Server) markNotificationsRead(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	var in notificationsRead
	if err := s.decode(r, &in); err != nil {
		return err
	}
	var v redgrid.Validator
	v.Check(len(in.IDs) > 0 || in.UpTo != 0, "ids", "required", "ids or up_to is required")
	v.Check(len(in.IDs) <= 200, "ids", "max_items", "at most 200 ids")
	for i, id := range in.IDs {
		v.Check(id > 0, "ids["+strconv.Itoa(i)+"]", "positive_integer", "a notification id is a positive integer")
	}
	v.Check(in.UpTo >= 0, "up_to", "positive_integer", "up_to is a positive integer")
	if err := v.Err(); err != nil {
		return err
	}
	a := audience(p)
	marked, err := s.store.MarkNotificationsRead(r.Context(), a, in.IDs, in.UpTo)
	if err != nil {
		return err
	}
	unread, err := s.store.UnreadNotifications(r.Context(), a)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]int{"marked": marked, "unread": unread})
}

func (s *Server) listAgenda(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	node, err := s.nodeParam(r, p)
	if err != nil {
		return err
	}
	out, err := s.store.Agenda(r.Context(), node)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list[sqlstore.AgendaItem]{out})
}
