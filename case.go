package redgrid

import "fmt"

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
)

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

// caseFrom lists the states each action may start from.
var caseFrom = map[CaseAction][]CaseState{
	ActRegister:      {CaseReported},
	ActVoid:          {CaseReported, CaseRegistered},
	ActDispatch:      {CaseRegistered},
	ActAccept:        {CaseDispatched},
	ActReturn:        {CaseDispatched},
	ActFeedback:      {CaseAccepted},
	ActVerifyPass:    {CaseHandled},
	ActVerifyFail:    {CaseHandled},
	ActRate:          {CaseVerified},
	ActSuspend:       {CaseDispatched, CaseAccepted},
	ActResume:        {CaseSuspended},
	ActRequestExtend: {CaseAccepted},
	ActApproveExtend: {CaseAccepted},
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
	next := s
	switch a {
	case ActRegister:
		next.State = CaseRegistered
	case ActVoid:
		next.State = CaseVoided
	case ActDispatch:
		next.State = CaseDispatched
	case ActAccept:
		next.State = CaseAccepted
	case ActReturn:
		next.State = CaseRegistered
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
				// Dissatisfaction reopens a case once: back to the department that handled it.
				next.State = CaseAccepted
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
	}
	return next, nil
}

// Final reports whether no action can change the case any more.
func (s CaseState) Final() bool { return s == CaseClosed || s == CaseVoided }
