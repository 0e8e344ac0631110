package redgrid

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// CaseState is where a case (案件/诉求) stands in the loop of "网格吹哨、部门报到" (product.md §2,
// issue 5): reported → registered → dispatched → accepted → handled → verified → closed, with
// void, return, rework, suspension and one reopening on dissatisfaction.
type CaseState string

// The states of a case.
const (
	CaseReported   CaseState = "reported"   // 上报: awaiting registration
	CaseRegistered CaseState = "registered" // 立案: awaiting dispatch (again, after a return)
	CaseVoided     CaseState = "voided"     // 作废: not a case (duplicate, not actionable); final
	CaseDispatched CaseState = "dispatched" // 派遣: awaiting the lead department's acceptance (报到)
	CaseAccepted   CaseState = "accepted"   // 签收: the department is handling it
	CaseSuspended  CaseState = "suspended"  // 挂账: objective conditions prevent handling; explained to the resident
	CaseHandled    CaseState = "handled"    // 处置反馈: awaiting on-site verification by the grid worker
	CaseVerified   CaseState = "verified"   // 核查通过: awaiting the call-back and rating
	CaseGuided     CaseState = "guided"     // 引导办理: a private matter; the resident was given guidance, awaiting the call-back
	CaseClosed     CaseState = "closed"     // 结案: final
)

// CaseAction is something done to a case; each is an event in its timeline.
type CaseAction string

// The actions of the loop.
const (
	ActRegister      CaseAction = "register"       // 立案
	ActVoid          CaseAction = "void"           // 作废
	ActDispatch      CaseAction = "dispatch"       // 派单 to a lead department (and co-handlers)
	ActAccept        CaseAction = "accept"         // 报到/签收 by the lead department
	ActReturn        CaseAction = "return"         // 退单: wrongly routed, back for re-dispatch
	ActFeedback      CaseAction = "feedback"       // 处置反馈 with photos
	ActVerifyPass    CaseAction = "verify_pass"    // 核查通过
	ActVerifyFail    CaseAction = "verify_fail"    // 核查不通过: 返工
	ActRate          CaseAction = "rate"           // 回访评价
	ActSuspend       CaseAction = "suspend"        // 挂账
	ActResume        CaseAction = "resume"         // 恢复办理
	ActRequestExtend CaseAction = "request_extend" // 申请延期 (the handler)
	ActApproveExtend CaseAction = "approve_extend" // 批准延期 (the dispatching level)
	ActRejectExtend  CaseAction = "reject_extend"  // 驳回延期
	ActEscalate      CaseAction = "escalate"       // 上提一级 (by hand; overdue cases climb by themselves)
	ActMerge         CaseAction = "merge"          // 合并: a duplicate joins the surviving case and ends
	ActSelfGovern    CaseAction = "self_govern"    // 交社区自治: a community matter handled by the case's community (居民协商)
	ActGuide         CaseAction = "guide"          // 引导办理: a private matter; the resident is told what they can do and where to go
)

// CaseActions lists the actions a caller may send.
var CaseActions = []CaseAction{ActRegister, ActVoid, ActDispatch, ActAccept, ActReturn, ActFeedback,
	ActVerifyPass, ActVerifyFail, ActRate, ActSuspend, ActResume, ActRequestExtend, ActApproveExtend,
	ActRejectExtend, ActEscalate, ActMerge, ActSelfGovern, ActGuide}

// Route is who took a registered case on (三事分办, 001): a department (派单, 公事), the case's
// community itself (交社区自治, 众事) or the resident with guidance (引导办理, 私事); "" before routing.
type Route string

// The routes.
const (
	RouteNone       Route = ""
	RouteDepartment Route = "department"
	RouteCommunity  Route = "community"
	RouteGuide      Route = "guide"
)

// RouteMatter is the matter a routing action routes: dispatch a public matter, self_govern a
// community matter, guide a private one; "" for the other actions.
func RouteMatter(a CaseAction) Matter {
	switch a {
	case ActDispatch:
		return MatterPublic
	case ActSelfGovern:
		return MatterCommunity
	case ActGuide:
		return MatterPrivate
	}
	return ""
}

// Rating is the resident's verdict at the call-back.
type Rating string

// Ratings (满意 / 基本满意 / 不满意).
const (
	RatingSatisfied    Rating = "satisfied"
	RatingBasic        Rating = "basically_satisfied"
	RatingDissatisfied Rating = "dissatisfied"
)

// CaseStatus is the state of a case with the counts the loop's rules and figures need.
type CaseStatus struct {
	State    CaseState
	Reopened int // reopenings after dissatisfaction (at most one)
	Reworks  int // failed verifications (返工)
	Returns  int // returns by departments (退单)
	// ExtendRequested: an extension awaits approval.
	ExtendRequested bool
	Extensions      int
	Rating          Rating
	Level           Level
	// Matter is the case's matter (三事分办); a routing action must fit it (RouteMatter).
	Matter Matter
	// Route is who handles the case once routed.
	Route Route
}

// caseRoles says who may take each action: the dispatching level (community staff, street
// operators, district admins), the handling department, the grid's own workers for verification.
// Whether the role is held at the case's node or in its assigned department is the caller's
// scope check, as for every other action.
var caseRoles = map[CaseAction][]Role{
	ActRegister:      {RoleCommunityStaff, RoleStreetOperator, RoleDistrictAdmin},
	ActVoid:          {RoleCommunityStaff, RoleStreetOperator, RoleDistrictAdmin},
	ActDispatch:      {RoleCommunityStaff, RoleStreetOperator, RoleDistrictAdmin},
	ActApproveExtend: {RoleCommunityStaff, RoleStreetOperator, RoleDistrictAdmin},
	ActRejectExtend:  {RoleCommunityStaff, RoleStreetOperator, RoleDistrictAdmin},
	ActEscalate:      {RoleGridLeader, RoleCommunityStaff, RoleStreetOperator, RoleDistrictAdmin},
	ActMerge:         {RoleCommunityStaff, RoleStreetOperator, RoleDistrictAdmin},
	ActSelfGovern:    {RoleCommunityStaff, RoleStreetOperator, RoleDistrictAdmin},
	ActGuide:         {RoleCommunityStaff, RoleStreetOperator, RoleDistrictAdmin},
	ActResume:        {RoleCommunityStaff, RoleStreetOperator, RoleDistrictAdmin, RoleDepartmentStaff},
	ActAccept:        {RoleDepartmentStaff},
	ActReturn:        {RoleDepartmentStaff},
	ActFeedback:      {RoleDepartmentStaff},
	ActRequestExtend: {RoleDepartmentStaff},
	ActSuspend:       {RoleDepartmentStaff, RoleStreetOperator, RoleDistrictAdmin},
	ActVerifyPass:    {RoleGridWorker, RoleGridLeader, RoleCommunityStaff},
	ActVerifyFail:    {RoleGridWorker, RoleGridLeader, RoleCommunityStaff},
	// The resident rates their own case; staff enter the rating of a telephone call-back.
	ActRate: {RoleResident, RoleCommunityStaff, RoleStreetOperator},
}

// RoleMayAct reports whether a role may take an action on a case at all.
func RoleMayAct(r Role, a CaseAction) bool {
	for _, x := range caseRoles[a] {
		if x == r {
			return true
		}
	}
	return false
}

// RoleMayActOn reports whether a role may take an action on a case as it stands: RoleMayAct,
// except that on a case the community handles itself (RouteCommunity) the handler's steps
// (feedback, request_extend, suspend, resume) are the community staff's and not a department's,
// and its extension is decided by the level above the community (street operator, district
// admin), not by the community that asked for it. Department steps (accept, return) have no
// place there.
func RoleMayActOn(r Role, a CaseAction, s CaseStatus) bool {
	if s.Route != RouteCommunity {
		return RoleMayAct(r, a)
	}
	switch a {
	case ActFeedback, ActRequestExtend:
		return r == RoleCommunityStaff
	case ActSuspend, ActResume:
		return r == RoleCommunityStaff || r == RoleStreetOperator || r == RoleDistrictAdmin
	case ActApproveExtend, ActRejectExtend:
		return r == RoleStreetOperator || r == RoleDistrictAdmin
	case ActAccept, ActReturn:
		return false
	}
	return RoleMayAct(r, a)
}

// caseFrom lists the states each action may start from.
var caseFrom = map[CaseAction][]CaseState{
	ActRegister:      {CaseReported},
	ActVoid:          {CaseReported, CaseRegistered},
	ActDispatch:      {CaseRegistered},
	ActSelfGovern:    {CaseRegistered},
	ActGuide:         {CaseRegistered},
	ActAccept:        {CaseDispatched},
	ActReturn:        {CaseDispatched},
	ActFeedback:      {CaseAccepted},
	ActVerifyPass:    {CaseHandled},
	ActVerifyFail:    {CaseHandled},
	ActRate:          {CaseVerified, CaseGuided},
	ActSuspend:       {CaseAccepted},
	ActResume:        {CaseSuspended},
	ActRequestExtend: {CaseAccepted},
	ActApproveExtend: {CaseAccepted},
	ActRejectExtend:  {CaseAccepted},
	ActEscalate:      {CaseRegistered, CaseDispatched, CaseAccepted, CaseSuspended, CaseHandled},
	ActMerge:         {CaseReported, CaseRegistered},
}

// Apply returns the status after action a (with rating r for ActRate), or a KindConflict error
// saying why the case's state does not allow it; the status is unchanged then. Role and scope are
// checked before, by the caller (403 comes before 409).
func (s CaseStatus) Apply(a CaseAction, r Rating) (CaseStatus, error) {
	from, known := caseFrom[a]
	if !known {
		return s, Invalid("action", "enum", fmt.Sprintf("unknown action %q", a))
	}
	allowed := false
	for _, st := range from {
		if st == s.State {
			allowed = true
		}
	}
	if !allowed {
		return s, Errorf(KindConflict, "a %s case cannot be given %q", s.State, a)
	}
	if m := RouteMatter(a); m != "" && s.Matter != "" && s.Matter != m {
		return s, Errorf(KindConflict, "the case is a %s matter: %s routes a %s matter (change the case's matter to route it so)", s.Matter, a, m)
	}
	next := s
	switch a {
	case ActRegister:
		next.State = CaseRegistered
	case ActVoid, ActMerge:
		next.State = CaseVoided
	case ActDispatch:
		next.State = CaseDispatched
		next.Route = RouteDepartment
	case ActSelfGovern:
		// The community takes the case on itself: its acceptance is the handing over.
		next.State = CaseAccepted
		next.Route = RouteCommunity
	case ActGuide:
		next.State = CaseGuided
		next.Route = RouteGuide
	case ActAccept:
		next.State = CaseAccepted
	case ActReturn:
		next.State = CaseRegistered
		next.Route = RouteNone
		next.Returns++
	case ActFeedback:
		if s.ExtendRequested {
			return s, Errorf(KindConflict, "an extension request awaits a decision; feed back after it")
		}
		next.State = CaseHandled
	case ActVerifyPass:
		next.State = CaseVerified
	case ActVerifyFail:
		next.State = CaseAccepted
		next.Reworks++
	case ActRate:
		switch r {
		case RatingSatisfied, RatingBasic:
			next.State = CaseClosed
		case RatingDissatisfied:
			if s.Reopened == 0 {
				// Dissatisfaction reopens a case once: back to whoever handled it (the lead
				// department, or the community), or, for a guided private matter, back to
				// registration to be routed again (the guidance did not help).
				next.State = CaseAccepted
				if s.State == CaseGuided {
					next.State = CaseRegistered
					next.Route = RouteNone
				}
				next.Reopened++
			} else {
				next.State = CaseClosed
			}
		default:
			return s, Invalid("rating", "enum", "rating must be satisfied, basically_satisfied or dissatisfied")
		}
		next.Rating = r
	case ActSuspend:
		next.State = CaseSuspended
	case ActResume:
		next.State = CaseAccepted
	case ActRequestExtend:
		if s.ExtendRequested {
			return s, Errorf(KindConflict, "an extension has already been requested")
		}
		next.ExtendRequested = true
	case ActApproveExtend:
		if !s.ExtendRequested {
			return s, Errorf(KindConflict, "no extension has been requested")
		}
		next.ExtendRequested = false
		next.Extensions++
	case ActRejectExtend:
		if !s.ExtendRequested {
			return s, Errorf(KindConflict, "no extension has been requested")
		}
		next.ExtendRequested = false
	case ActEscalate:
		if s.Level >= LevelCity {
			return s, Errorf(KindConflict, "the case is already at the top of the escalation ladder")
		}
		next.Level++
	}
	return next, nil
}

// Final reports whether no action can change the case any more.
func (s CaseState) Final() bool { return s == CaseClosed || s == CaseVoided }

// Level is a rung of the escalation ladder of 002: 网格(小区)党支部 → 社区党建联席会议 →
// 街道党建联席会议 → 市级党建联席会议. A case starts at the grid and climbs when it is overdue at
// its level or by hand; each climb puts it on the agenda of that level's next joint meeting.
type Level int

// The rungs.
const (
	LevelGrid      Level = 0
	LevelCommunity Level = 1
	LevelStreet    Level = 2
	LevelCity      Level = 3
)

// Name is the rung's Chinese name.
func (l Level) Name() string {
	switch l {
	case LevelGrid:
		return "网格(小区)党支部"
	case LevelCommunity:
		return "社区党建联席会议"
	case LevelStreet:
		return "街道党建联席会议"
	case LevelCity:
		return "市级党建联席会议"
	}
	return ""
}

// Channel is how a case came in.
type Channel string

// Intake channels.
const (
	ChannelPatrol  Channel = "patrol"  // 网格员巡查上报
	ChannelQR      Channel = "qr"      // 居民扫码上报
	ChannelPhone   Channel = "phone"   // 电话受理 (staff on behalf of a resident)
	ChannelVisit   Channel = "visit"   // 敲门走访 (002's 敲门行动, staff on behalf)
	ChannelOpen311 Channel = "open311" // an Open311 GeoReport v2 client
)

// Valid reports whether c is known.
func (c Channel) Valid() bool {
	switch c {
	case ChannelPatrol, ChannelQR, ChannelPhone, ChannelVisit, ChannelOpen311:
		return true
	}
	return false
}

// Text limits of a case.
const (
	MaxCaseDescription = 2000
	MaxCaseAddress     = 200
	MaxCaseReason      = 500
	MaxCasePhotos      = 9
	// Guidance for a private matter (引导办理): what the resident can do and where to go.
	MinCaseGuidance = 5
	MaxCaseGuidance = 1000
)

// NewCase is a report as it arrives from any channel. The position is required: every case is
// placed in its grid by the grid lookup.
type NewCase struct {
	Category      string   `json:"category"`
	Lng           *float64 `json:"lng"`
	Lat           *float64 `json:"lat"`
	CRS           string   `json:"crs"` // wgs84 (default), gcj02, bd09, cgcs2000
	Address       string   `json:"address"`
	Description   string   `json:"description"`
	Channel       Channel  `json:"channel"`
	ReporterName  string   `json:"reporter_name"`
	ReporterPhone string   `json:"reporter_phone"`
	Anonymous     bool     `json:"anonymous"`
	Photos        []string `json:"photos"` // ids of uploaded photos
}

var (
	mobileRe   = regexp.MustCompile(`^1[3-9][0-9]{9}$`)
	landlineRe = regexp.MustCompile(`^0[1-9][0-9]{1,2}-?[2-9][0-9]{6,7}$`)
	photoIDRe  = regexp.MustCompile(`^[0-9a-f]{32}$`)
)

// ValidPhone reports whether s is a mainland mobile number (11 digits from 13–19) or a landline
// with its area code (010-12345678, 0719-8123456).
func ValidPhone(s string) bool { return mobileRe.MatchString(s) || landlineRe.MatchString(s) }

// Validate checks the shape of a report; where it is and what category it is are checked against
// the map and the category tree by the caller.
func (c *NewCase) Validate() error {
	var v Validator
	v.Check(categoryCodeRe.MatchString(c.Category) && len(c.Category) == 4, "category", "format", "category must be the 4-digit code of a minor category")
	if c.Lng == nil {
		v.Add("lng", "required", "lng is required: every case is placed in its grid")
	} else if !(*c.Lng >= -180 && *c.Lng <= 180) {
		v.Add("lng", "range", "lng must be from -180 to 180")
	}
	if c.Lat == nil {
		v.Add("lat", "required", "lat is required: every case is placed in its grid")
	} else if !(*c.Lat >= -90 && *c.Lat <= 90) {
		v.Add("lat", "range", "lat must be from -90 to 90")
	}
	n := utf8.RuneCountInString(strings.TrimSpace(c.Description))
	v.Check(n >= 1, "description", "required", "description is required")
	v.Check(n <= MaxCaseDescription, "description", "max_length", "description must be at most 2000 characters")
	v.Check(utf8.RuneCountInString(c.Address) <= MaxCaseAddress, "address", "max_length", "address must be at most 200 characters")
	v.Check(c.Channel.Valid(), "channel", "enum", "channel must be one of patrol, qr, phone, visit, open311")
	v.Check(utf8.RuneCountInString(c.ReporterName) <= 50, "reporter_name", "max_length", "reporter_name must be at most 50 characters")
	if c.ReporterPhone != "" {
		v.Check(ValidPhone(c.ReporterPhone), "reporter_phone", "format", "reporter_phone must be a mainland mobile number (11 digits) or a landline with area code")
	}
	v.Check(len(c.Photos) <= MaxCasePhotos, "photos", "max_items", fmt.Sprintf("at most %d photos", MaxCasePhotos))
	for i, p := range c.Photos {
		v.Check(photoIDRe.MatchString(p), fmt.Sprintf("photos[%d]", i), "format", "a photo id is the id an upload returned")
	}
	return v.Err()
}

// Case is one case (案件) with where it stands.
type Case struct {
	ID           int64        `json:"id"`
	Number       string       `json:"number"` // 案件编号: the day received and the id
	State        CaseState    `json:"state"`
	Category     string       `json:"category"`
	CategoryName string       `json:"category_name"`
	Kind         CategoryKind `json:"kind"`
	// Matter is the case's matter (三事分办): its category's at intake, changed by the dispatching
	// level when it registers or routes the case (with a reason when it differs from the
	// category's, CategoryMatter).
	Matter         Matter `json:"matter"`
	CategoryMatter Matter `json:"category_matter"`
	// Route is who took the case on; Guidance the text a guided (私事) case's resident was given.
	Route       Route   `json:"route"`
	Guidance    string  `json:"guidance,omitempty"`
	GridID      int64   `json:"grid_id"`
	GridCode    string  `json:"grid_code"`
	GridName    string  `json:"grid_name"`
	Path        string  `json:"-"`
	Lng         float64 `json:"lng"`
	Lat         float64 `json:"lat"`
	Address     string  `json:"address"`
	Description string  `json:"description"`
	Channel     Channel `json:"channel"`
	ReporterID  *int64  `json:"-"`
	// ReporterName and ReporterPhone are masked unless the caller's role needs them (the
	// dispatching level for the call-back); Masked says which.
	ReporterName  string           `json:"reporter_name"`
	ReporterPhone string           `json:"reporter_phone"`
	Masked        bool             `json:"masked"`
	Anonymous     bool             `json:"anonymous"`
	Departments   []CaseDepartment `json:"departments"`
	Level         Level            `json:"level"`
	LevelName     string           `json:"level_name"`
	Stage         string           `json:"stage"` // the stage whose deadline runs: register, accept, handle; "" when none
	DueAt         *time.Time       `json:"due_at"`
	Overdue       bool             `json:"overdue"`
	Reopened      int              `json:"reopened"`
	Reworks       int              `json:"reworks"`
	Returns       int              `json:"returns"`
	Extensions    int              `json:"extensions"`
	ExtendRequest string           `json:"extend_request,omitempty"` // the working time asked for
	Rating        Rating           `json:"rating,omitempty"`
	Resolved      *bool            `json:"resolved"`
	MergedInto    *int64           `json:"merged_into"`
	Photos        []string         `json:"photos"`
	Version       int              `json:"version"`
	CreatedAt     time.Time        `json:"created_at"`
	UpdatedAt     time.Time        `json:"updated_at"`
	ClosedAt      *time.Time       `json:"closed_at"`
	Events        []CaseEvent      `json:"events,omitempty"`

	// DispatchNodeID is the node whose staff dispatched the case: the level that decides on an
	// extension. Nil before the first dispatch.
	DispatchNodeID *int64 `json:"dispatch_node_id"`
}

// Status is the part of the case the state machine works on.
func (c *Case) Status() CaseStatus {
	return CaseStatus{State: c.State, Reopened: c.Reopened, Reworks: c.Reworks, Returns: c.Returns,
		ExtendRequested: c.ExtendRequest != "", Extensions: c.Extensions, Rating: c.Rating, Level: c.Level,
		Matter: c.Matter, Route: c.Route}
}

// CaseNumber formats a case's number: the day it was received (CST) and its id.
func CaseNumber(created time.Time, id int64) string {
	return created.In(cstZone).Format("20060102") + fmt.Sprintf("%06d", id)
}

var cstZone = time.FixedZone("CST", 8*3600)

// CaseDepartment is a department on a case: the lead (牵头) or a co-handler (协办), with its own
// times, so each department's acceptance and handling are measured separately.
type CaseDepartment struct {
	OrgID        int64      `json:"org_id"`
	Name         string     `json:"name"`
	Role         string     `json:"role"`  // lead, co
	State        string     `json:"state"` // dispatched, accepted, handled, returned
	DispatchedAt time.Time  `json:"dispatched_at"`
	AcceptDue    *time.Time `json:"accept_due"`
	AcceptedAt   *time.Time `json:"accepted_at"`
	HandleDue    *time.Time `json:"handle_due"`
	HandledAt    *time.Time `json:"handled_at"`
}

// Department roles and states on a case.
const (
	DeptLead = "lead"
	DeptCo   = "co"
)

// CaseEvent is one step of a case's timeline.
type CaseEvent struct {
	ID      int64          `json:"id"`
	At      time.Time      `json:"at"`
	Actor   string         `json:"actor"`
	ActorID *int64         `json:"actor_id"`
	Action  string         `json:"action"`
	From    CaseState      `json:"from"`
	To      CaseState      `json:"to"`
	Reason  string         `json:"reason"`
	Detail  map[string]any `json:"detail,omitempty"`
}

// CaseActionIn is one action sent to a case.
type CaseActionIn struct {
	Action CaseAction `json:"action"`
	// Version, when given, must be the case's current version: a caller acting on a stale page
	// is told (409) instead of acting on a case that changed under them.
	Version int    `json:"version"`
	Reason  string `json:"reason"`
	// Dispatch: the lead department and co-handling departments.
	Lead *int64  `json:"lead_department_id"`
	Co   []int64 `json:"co_department_ids"`
	// Rate: the resident's verdict and whether the problem is solved.
	Rating   Rating `json:"rating"`
	Resolved *bool  `json:"resolved"`
	// Suspend: the objective conditions (Reason) and the explanation given to the resident.
	Explanation string `json:"explanation"`
	// Request an extension: extra working time ("5d", "4h").
	Extend string `json:"extend"`
	// Merge: the case this one duplicates.
	Into int64 `json:"into"`
	// Feedback and verification: photos.
	Photos []string `json:"photos"`
	// Matter (三事分办), on register and the routing actions: the case's matter from now on. A
	// routing action routes its own matter (RouteMatter); a reason is required when the matter
	// set differs from the category's.
	Matter Matter `json:"matter"`
	// Guide: what the resident can do and where to go (mediation, legal aid, the property
	// company …), shown to the resident.
	Guidance string `json:"guidance"`
}

// Validate checks the fields the action needs.
func (in *CaseActionIn) Validate() error {
	var v Validator
	known := false
	for _, a := range CaseActions {
		known = known || a == in.Action
	}
	v.Check(known, "action", "enum", "action must be one of register, void, dispatch, accept, return, feedback, verify_pass, verify_fail, rate, suspend, resume, request_extend, approve_extend, reject_extend, escalate, merge, self_govern, guide")
	v.Check(in.Version >= 0, "version", "min", "version must not be negative")
	reason := utf8.RuneCountInString(strings.TrimSpace(in.Reason))
	v.Check(reason <= MaxCaseReason, "reason", "max_length", "reason must be at most 500 characters")
	v.Check(utf8.RuneCountInString(in.Explanation) <= MaxCaseReason, "explanation", "max_length", "explanation must be at most 500 characters")
	switch in.Action {
	case ActVoid, ActReturn, ActVerifyFail, ActRequestExtend, ActRejectExtend, ActEscalate:
		v.Check(reason > 0, "reason", "required", "a reason is required for "+string(in.Action))
	case ActSuspend:
		v.Check(reason > 0, "reason", "required", "the objective conditions are required to suspend a case")
		v.Check(strings.TrimSpace(in.Explanation) != "", "explanation", "required", "the explanation given to the resident is required to suspend a case")
	case ActDispatch:
		v.Check(in.Lead != nil && *in.Lead > 0, "lead_department_id", "required", "a lead department is required")
		v.Check(len(in.Co) <= 10, "co_department_ids", "max_items", "at most 10 co-handling departments")
		seen := map[int64]bool{}
		if in.Lead != nil {
			seen[*in.Lead] = true
		}
		for i, id := range in.Co {
			v.Check(id > 0 && !seen[id], fmt.Sprintf("co_department_ids[%d]", i), "unique", "a co-handling department must be another department, named once")
			seen[id] = true
		}
	case ActRate:
		v.Check(in.Rating == RatingSatisfied || in.Rating == RatingBasic || in.Rating == RatingDissatisfied, "rating", "enum", "rating must be satisfied, basically_satisfied or dissatisfied")
	case ActMerge:
		v.Check(in.Into > 0, "into", "required", "the surviving case is required")
	case ActGuide:
		g := utf8.RuneCountInString(strings.TrimSpace(in.Guidance))
		if g == 0 {
			v.Add("guidance", "required", "guidance is required: what the resident can do and where to go")
		} else {
			v.Check(g >= MinCaseGuidance && g <= MaxCaseGuidance, "guidance", "length", fmt.Sprintf("guidance must be %d to %d characters", MinCaseGuidance, MaxCaseGuidance))
		}
	}
	if in.Action != ActGuide {
		v.Check(in.Guidance == "", "guidance", "guide_only", "guidance is given only with the action guide")
	}
	if in.Matter != "" {
		switch {
		case !in.Matter.Valid():
			v.Add("matter", "enum", "matter must be public, community or private")
		case in.Action != ActRegister && RouteMatter(in.Action) == "":
			v.Add("matter", "route_only", "the matter is set only with register, dispatch, self_govern or guide")
		case RouteMatter(in.Action) != "" && in.Matter != RouteMatter(in.Action):
			v.Add("matter", "route", fmt.Sprintf("%s routes a %s matter", in.Action, RouteMatter(in.Action)))
		}
	}
	if in.Action == ActRequestExtend {
		if _, err := ParseLimit(in.Extend); err != nil {
			v.Add("extend", "limit", "extend must be extra working time like 4h or 5d")
		}
	}
	v.Check(len(in.Photos) <= MaxCasePhotos, "photos", "max_items", fmt.Sprintf("at most %d photos", MaxCasePhotos))
	for i, p := range in.Photos {
		v.Check(photoIDRe.MatchString(p), fmt.Sprintf("photos[%d]", i), "format", "a photo id is the id an upload returned")
	}
	return v.Err()
}
