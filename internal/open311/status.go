package open311

import "github.com/redgrid/redgrid"

// Status is a case's Open311 status: closed once nothing more will be done (closed, voided —
// which includes a duplicate merged into another case), open before — a guided private matter
// (guided) too, since the resident's dissatisfaction at the call-back routes it again.
func Status(s redgrid.CaseState) string {
	if s.Final() {
		return "closed"
	}
	return "open"
}

// FixMyStreet's extended statuses (servicerequestupdates).
const (
	StatusOpen            = "OPEN"
	StatusInvestigating   = "INVESTIGATING"
	StatusActionScheduled = "ACTION_SCHEDULED"
	StatusInProgress      = "IN_PROGRESS"
	StatusFixed           = "FIXED"
	StatusClosed          = "CLOSED"
	StatusNoFurtherAction = "NO_FURTHER_ACTION"
	StatusNotResponsible  = "NOT_COUNCILS_RESPONSIBILITY"
	StatusDuplicate       = "DUPLICATE"
	StatusInternalRefer   = "INTERNAL_REFERRAL"
	StatusReopen          = "REOPEN"
)

// ClientStatuses are the statuses a client may send with its own update (they are recorded,
// never applied: see the package api documentation of POST servicerequestupdates).
var ClientStatuses = map[string]bool{StatusOpen: true, StatusInvestigating: true, StatusActionScheduled: true, StatusInProgress: true,
	StatusFixed: true, StatusClosed: true, StatusNoFurtherAction: true, StatusNotResponsible: true, StatusDuplicate: true,
	StatusInternalRefer: true, StatusReopen: true}

// step is how one event of a case's timeline shows as a request update.
type step struct {
	status string
	text   string // public text; %s takes the detail (a department, a level) where there is one
}

// steps maps redgrid's case events onto FixMyStreet's extended statuses. Events missing here are
// internal (the report itself, reminders and overdue flags, an extension being asked for or
// refused, a duplicate joining this case, citizens' own comments) and are not published.
var steps = map[string]step{
	string(redgrid.ActRegister):      {StatusOpen, "已立案 (registered)"},
	string(redgrid.ActDispatch):      {StatusActionScheduled, "已派遣至%s (dispatched)"},
	string(redgrid.ActAccept):        {StatusInProgress, "承办部门已签收，正在办理 (accepted by the department)"},
	string(redgrid.ActReturn):        {StatusInvestigating, "承办部门退回，重新派遣中 (returned for re-dispatch)"},
	string(redgrid.ActFeedback):      {StatusInProgress, "承办部门已处置，待现场核查 (handled, awaiting on-site verification)"},
	string(redgrid.ActVerifyPass):    {StatusFixed, "现场核查通过 (verified fixed on site)"},
	string(redgrid.ActVerifyFail):    {StatusInProgress, "现场核查未通过，返工处理 (verification failed, back to the department)"},
	string(redgrid.ActSuspend):       {StatusNoFurtherAction, "因客观条件暂时无法办理%s (suspended)"},
	string(redgrid.ActResume):        {StatusInProgress, "恢复办理 (resumed)"},
	string(redgrid.ActApproveExtend): {StatusInProgress, "处置时限已延长 (deadline extended)"},
	string(redgrid.ActEscalate):      {StatusInvestigating, "已提交%s研究解决 (escalated)"},
	string(redgrid.ActVoid):          {StatusNoFurtherAction, "不予立案 (not taken up)"},
	string(redgrid.ActMerge):         {StatusDuplicate, "重复上报，已并入另一案件办理 (duplicate)"},
	// 三事分办 (001): a community matter handled by the community itself and put before the
	// residents; a private matter answered with guidance — no council department will act on it.
	string(redgrid.ActSelfGovern): {StatusInProgress, "已交社区自治办理，列入居民议事 (handed to the community's self-governance)"},
	string(redgrid.ActGuide):      {StatusNotResponsible, "属个人事务，已告知办理途径 (a private matter: guidance given)"},
}

// Step returns the extended status and public text of a case event (action, the state it led
// to, and the detail that fills the text), or ok false for an event that is not published.
func Step(action string, to redgrid.CaseState, detail string) (status, text string, ok bool) {
	if action == string(redgrid.ActRate) {
		if to == redgrid.CaseClosed {
			return StatusClosed, "已回访，结案 (closed after the call-back)", true
		}
		if to == redgrid.CaseRegistered { // a guided case the resident was not satisfied with
			return StatusReopen, "居民对引导不满意，重新分办 (reopened to be routed again)", true
		}
		return StatusInProgress, "居民不满意，重新办理 (reopened after the call-back)", true
	}
	st, ok := steps[action]
	if !ok {
		return "", "", false
	}
	text = st.text
	for i := 0; i+1 < len(text); i++ {
		if text[i] == '%' && text[i+1] == 's' {
			text = text[:i] + detail + text[i+2:]
			break
		}
	}
	return st.status, text, true
}

// StateNote is a short public note on where a case stands (status_notes).
func StateNote(s redgrid.CaseState) string {
	switch s {
	case redgrid.CaseReported:
		return "已上报，待立案 (reported)"
	case redgrid.CaseRegistered:
		return "已立案，待派遣 (registered)"
	case redgrid.CaseDispatched:
		return "已派遣，待承办部门签收 (dispatched)"
	case redgrid.CaseAccepted:
		return "办理中 (in progress)"
	case redgrid.CaseSuspended:
		return "因客观条件暂时无法办理 (suspended)"
	case redgrid.CaseHandled:
		return "已处置，待现场核查 (handled)"
	case redgrid.CaseVerified:
		return "已核查，待回访 (verified)"
	case redgrid.CaseGuided:
		return "已告知办理途径，待回访 (guided)"
	case redgrid.CaseClosed:
		return "已结案 (closed)"
	case redgrid.CaseVoided:
		return "已作废 (voided)"
	}
	return ""
}
