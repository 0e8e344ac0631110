package redgrid

import "testing"

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
