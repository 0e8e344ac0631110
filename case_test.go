package redgrid

import (
	"errors"
	"testing"
)

func run(t *testing.T, steps ...any) CaseStatus {
	t.Helper()
	s := CaseStatus{State: CaseReported}
	for i := 0; i < len(steps); i++ {
		a := steps[i].(CaseAction)
		var r Rating
		if a == ActRate {
			i++
			r = steps[i].(Rating)
		}
		next, err := s.Apply(a, r)
		if err != nil {
			t.Fatalf("step %d %s from %s: %v", i, a, s.State, err)
		}
		s = next
	}
	return s
}

func TestCaseLoop(t *testing.T) {
	// The straight path.
	s := run(t, ActRegister, ActDispatch, ActAccept, ActFeedback, ActVerifyPass, ActRate, RatingSatisfied)
	if s.State != CaseClosed || s.Rating != RatingSatisfied || !s.State.Final() {
		t.Fatalf("%+v", s)
	}
	// A return, a failed verification, an extension and a suspension are counted and the case
	// still closes.
	s = run(t, ActRegister, ActDispatch, ActReturn, ActDispatch, ActAccept, ActRequestExtend, ActApproveExtend,
		ActSuspend, ActResume, ActFeedback, ActVerifyFail, ActFeedback, ActVerifyPass, ActRate, RatingBasic)
	if s.State != CaseClosed || s.Returns != 1 || s.Reworks != 1 || s.Extensions != 1 || s.ExtendRequested {
		t.Fatalf("%+v", s)
	}
	// Dissatisfaction reopens once; the second dissatisfaction closes.
	s = run(t, ActRegister, ActDispatch, ActAccept, ActFeedback, ActVerifyPass, ActRate, RatingDissatisfied)
	if s.State != CaseAccepted || s.Reopened != 1 {
		t.Fatalf("after the first dissatisfaction %+v", s)
	}
	s2, err := s.Apply(ActFeedback, "")
	if err == nil {
		s2, err = s2.Apply(ActVerifyPass, "")
	}
	if err == nil {
		s2, err = s2.Apply(ActRate, RatingDissatisfied)
	}
	if err != nil || s2.State != CaseClosed || s2.Rating != RatingDissatisfied {
		t.Fatalf("second dissatisfaction: %v %+v", err, s2)
	}
	// Void is final.
	if s := run(t, ActVoid); s.State != CaseVoided || !s.State.Final() {
		t.Fatalf("%+v", s)
	}
}

func TestCaseWrongState(t *testing.T) {
	for _, tc := range []struct {
		state CaseState
		a     CaseAction
	}{
		{CaseReported, ActDispatch},      // must be registered first
		{CaseRegistered, ActAccept},      // not dispatched yet
		{CaseAccepted, ActVerifyPass},    // no feedback yet
		{CaseHandled, ActRate},           // not verified yet
		{CaseClosed, ActRegister},        // final
		{CaseVoided, ActDispatch},        // final
		{CaseAccepted, ActApproveExtend}, // nothing requested
		{CaseSuspended, ActFeedback},     // resume first
		{CaseDispatched, ActVoid},        // a dispatched case is returned, not voided
	} {
		s := CaseStatus{State: tc.state}
		got, err := s.Apply(tc.a, "")
		if ErrorKind(err) != KindConflict || got != s {
			t.Errorf("%s from %s: %v, status %+v", tc.a, tc.state, err, got)
		}
	}
	// Feedback waits for an extension decision; a second request is refused.
	s := CaseStatus{State: CaseAccepted, ExtendRequested: true}
	if _, err := s.Apply(ActFeedback, ""); ErrorKind(err) != KindConflict {
		t.Errorf("feedback during a pending extension: %v", err)
	}
	if _, err := s.Apply(ActRequestExtend, ""); ErrorKind(err) != KindConflict {
		t.Errorf("second extension request: %v", err)
	}
	if _, err := (CaseStatus{State: CaseVerified}).Apply(ActRate, "great"); ErrorKind(err) != KindInvalid {
		t.Errorf("unknown rating: %v", err)
	}
	if _, err := (CaseStatus{State: CaseVerified}).Apply("teleport", ""); ErrorKind(err) != KindInvalid {
		t.Errorf("unknown action: %v", err)
	}
}

func TestCaseRoles(t *testing.T) {
	for _, tc := range []struct {
		r    Role
		a    CaseAction
		want bool
	}{
		{RoleStreetOperator, ActDispatch, true},
		{RoleDepartmentStaff, ActDispatch, false},
		{RoleDepartmentStaff, ActAccept, true},
		{RoleStreetOperator, ActAccept, false},
		{RoleGridWorker, ActVerifyPass, true},
		{RoleDepartmentStaff, ActVerifyPass, false}, // a department does not verify its own work
		{RoleResident, ActRate, true},
		{RoleDepartmentStaff, ActRate, false},
		{RoleLeader, ActRegister, false}, // read-only
		{RoleDepartmentStaff, ActApproveExtend, false},
	} {
		if got := RoleMayAct(tc.r, tc.a); got != tc.want {
			t.Errorf("%s may %s: %v, want %v", tc.r, tc.a, got, tc.want)
		}
	}
	// Every action has someone who may take it and a state it starts from.
	for a := range caseFrom {
		if len(caseRoles[a]) == 0 {
			t.Errorf("nobody may %s", a)
		}
	}
	for a := range caseRoles {
		if len(caseFrom[a]) == 0 {
			t.Errorf("%s starts from no state", a)
		}
	}
}

// 三事分办 (001): a community matter handed to the community and a private matter guided, each
// through its own loop; a routing action must fit the case's matter.
func TestCaseMatterRoutes(t *testing.T) {
	run3 := func(m Matter, steps ...any) (CaseStatus, error) {
		s := CaseStatus{State: CaseReported, Matter: m}
		for i := 0; i < len(steps); i++ {
			a := steps[i].(CaseAction)
			var r Rating
			if a == ActRate {
				i++
				r = steps[i].(Rating)
			}
			next, err := s.Apply(a, r)
			if err != nil {
				return s, err
			}
			s = next
		}
		return s, nil
	}
	// 众事: the community accepts by taking it, may suspend, ask for time, feeds back; grid
	// verification and the call-back as usual; dissatisfaction goes back to the community once.
	s, err := run3(MatterCommunity, ActRegister, ActSelfGovern, ActRequestExtend, ActApproveExtend, ActSuspend, ActResume,
		ActFeedback, ActVerifyFail, ActFeedback, ActVerifyPass, ActRate, RatingDissatisfied)
	if err != nil || s.State != CaseAccepted || s.Route != RouteCommunity || s.Reopened != 1 || s.Reworks != 1 || s.Extensions != 1 {
		t.Fatalf("community loop: %v %+v", err, s)
	}
	if s, err = run3(MatterCommunity, ActRegister, ActSelfGovern, ActFeedback, ActVerifyPass, ActRate, RatingSatisfied); err != nil || s.State != CaseClosed {
		t.Fatalf("community loop closes: %v %+v", err, s)
	}
	// 私事: guided, then rated; dissatisfaction sends it back to registration once, to be routed
	// again (here as a public matter), and a second dissatisfaction closes it.
	s, err = run3(MatterPrivate, ActRegister, ActGuide)
	if err != nil || s.State != CaseGuided || s.Route != RouteGuide {
		t.Fatalf("guided: %v %+v", err, s)
	}
	if g, err := s.Apply(ActRate, RatingBasic); err != nil || g.State != CaseClosed {
		t.Fatalf("guided and basically satisfied: %v %+v", err, g)
	}
	s, err = s.Apply(ActRate, RatingDissatisfied)
	if err != nil || s.State != CaseRegistered || s.Route != RouteNone || s.Reopened != 1 {
		t.Fatalf("guided and dissatisfied: %v %+v", err, s)
	}
	s.Matter = MatterPrivate
	if s2, err := s.Apply(ActGuide, ""); err != nil || s2.State != CaseGuided {
		t.Fatalf("guided again: %v %+v", err, s2)
	} else if s3, err := s2.Apply(ActRate, RatingDissatisfied); err != nil || s3.State != CaseClosed {
		t.Fatalf("the second dissatisfaction closes: %v %+v", err, s3)
	}
	// A route that does not fit the matter, or a state that allows no routing: 409.
	for _, tc := range []struct {
		m     Matter
		state CaseState
		a     CaseAction
	}{
		{MatterPublic, CaseRegistered, ActSelfGovern}, {MatterPublic, CaseRegistered, ActGuide},
		{MatterCommunity, CaseRegistered, ActDispatch}, {MatterCommunity, CaseRegistered, ActGuide},
		{MatterPrivate, CaseRegistered, ActDispatch}, {MatterPrivate, CaseRegistered, ActSelfGovern},
		{MatterCommunity, CaseReported, ActSelfGovern}, {MatterPrivate, CaseAccepted, ActGuide},
		{MatterPrivate, CaseGuided, ActFeedback}, {MatterPrivate, CaseGuided, ActVerifyPass},
	} {
		s := CaseStatus{State: tc.state, Matter: tc.m}
		if next, err := s.Apply(tc.a, ""); ErrorKind(err) != KindConflict || next != s {
			t.Errorf("%s on a %s %s case: %v %+v", tc.a, tc.state, tc.m, err, next)
		}
	}
}

func TestCaseMatterRoles(t *testing.T) {
	dept := CaseStatus{State: CaseAccepted, Matter: MatterPublic, Route: RouteDepartment}
	comm := CaseStatus{State: CaseAccepted, Matter: MatterCommunity, Route: RouteCommunity}
	for _, tc := range []struct {
		r    Role
		a    CaseAction
		s    CaseStatus
		want bool
	}{
		{RoleCommunityStaff, ActFeedback, comm, true}, {RoleCommunityStaff, ActRequestExtend, comm, true},
		{RoleCommunityStaff, ActSuspend, comm, true}, {RoleCommunityStaff, ActResume, comm, true},
		{RoleDepartmentStaff, ActFeedback, comm, false}, {RoleDepartmentStaff, ActSuspend, comm, false},
		{RoleDepartmentStaff, ActAccept, comm, false}, {RoleDepartmentStaff, ActReturn, comm, false},
		{RoleCommunityStaff, ActApproveExtend, comm, false}, {RoleStreetOperator, ActApproveExtend, comm, true},
		{RoleGridWorker, ActVerifyPass, comm, true}, {RoleResident, ActRate, comm, true},
		{RoleCommunityStaff, ActFeedback, dept, false}, {RoleDepartmentStaff, ActFeedback, dept, true},
		{RoleCommunityStaff, ActApproveExtend, dept, true},
		{RoleCommunityStaff, ActSelfGovern, CaseStatus{}, true}, {RoleStreetOperator, ActGuide, CaseStatus{}, true},
		{RoleGridWorker, ActGuide, CaseStatus{}, false}, {RoleDepartmentStaff, ActSelfGovern, CaseStatus{}, false},
		{RoleResident, ActGuide, CaseStatus{}, false},
	} {
		if got := RoleMayActOn(tc.r, tc.a, tc.s); got != tc.want {
			t.Errorf("%s %s on a %s case: %v, want %v", tc.r, tc.a, tc.s.Route, got, tc.want)
		}
	}
}

func TestCaseActionMatterInput(t *testing.T) {
	long := make([]rune, MaxCaseGuidance+1)
	for i := range long {
		long[i] = '字'
	}
	for _, tc := range []struct {
		in          CaseActionIn
		field, rule string
	}{
		{CaseActionIn{Action: ActGuide}, "guidance", "required"},
		{CaseActionIn{Action: ActGuide, Guidance: "   "}, "guidance", "required"},
		{CaseActionIn{Action: ActGuide, Guidance: "去调解"}, "guidance", "length"},
		{CaseActionIn{Action: ActGuide, Guidance: string(long)}, "guidance", "length"},
		{CaseActionIn{Action: ActDispatch, Lead: new(int64), Guidance: "可到司法所申请调解"}, "guidance", "guide_only"},
		{CaseActionIn{Action: ActRegister, Matter: "household"}, "matter", "enum"},
		{CaseActionIn{Action: ActAccept, Matter: MatterPublic}, "matter", "route_only"},
		{CaseActionIn{Action: ActSelfGovern, Matter: MatterPrivate}, "matter", "route"},
	} {
		err := tc.in.Validate()
		var e *Error
		if !errors.As(err, &e) || e.Kind != KindInvalid || !hasField(e, tc.field, tc.rule) {
			t.Errorf("%+v: %v, want %s %s", tc.in, err, tc.field, tc.rule)
		}
	}
	ok := CaseActionIn{Action: ActGuide, Guidance: "可向社区人民调解委员会申请调解，或到街道司法所咨询法律援助", Matter: MatterPrivate}
	if err := ok.Validate(); err != nil {
		t.Errorf("guidance: %v", err)
	}
	if err := (&CaseActionIn{Action: ActRegister, Matter: MatterCommunity, Reason: "小区内部事务"}).Validate(); err != nil {
		t.Errorf("register as a community matter: %v", err)
	}
}

func hasField(e *Error, field, rule string) bool {
	for _, f := range e.Fields {
		if f.Field == field && f.Rule == rule {
			return true
		}
	}
	return false
}
