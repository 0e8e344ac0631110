package redgrid

import (
	"fmt"
	"testing"
)

func TestPrincipalCan(t *testing.T) {
	staff := &Principal{Grants: []Grant{{Role: RoleCommunityStaff, Paths: []string{"/1/2/3/"}}}}
	admin := &Principal{Grants: []Grant{{Role: RoleDistrictAdmin, Paths: []string{"/1/"}}}}
	leader := &Principal{Grants: []Grant{{Role: RoleLeader, Paths: []string{"/1/"}}}}
	tests := []struct {
		p    *Principal
		act  Action
		path string
		want bool
	}{
		{staff, ActReadTree, "/1/2/3/", true},
		{staff, ActReadTree, "/1/2/3/17/", true},
		{staff, ActReadTree, "/1/2/30/", false}, // a sibling whose id starts with the same digit
		{staff, ActReadTree, "/1/2/", false},
		{staff, ActWriteNode, "/1/2/3/17/", true},
		{staff, ActWriteNode, "/1/2/3/", false}, // staff change what is below their node, not the node
		{staff, ActManageUsers, "/1/2/3/17/", false},
		{admin, ActWriteNode, "/1/", true},
		{admin, ActManageUsers, "/1/2/", true},
		{leader, ActReadTree, "/1/2/3/", true},
		{leader, ActWriteNode, "/1/2/3/4/", false},
		{nil, ActReadTree, "/1/", false},
	}
	for _, tc := range tests {
		if got := tc.p.Can(tc.act, tc.path); got != tc.want {
			t.Errorf("Can(%s, %s) for %+v = %v, want %v", tc.act, tc.path, tc.p, got, tc.want)
		}
	}
}

func TestScopePathsDropsNested(t *testing.T) {
	p := &Principal{Grants: []Grant{
		{Role: RoleGridWorker, Paths: []string{"/1/2/3/4/"}},
		{Role: RoleCommunityStaff, Paths: []string{"/1/2/3/"}},
		{Role: RoleGridWorker, Paths: []string{"/1/2/9/10/"}},
	}}
	got := fmt.Sprint(p.ScopePaths(ActReadTree))
	if got != "[/1/2/3/ /1/2/9/10/]" {
		t.Errorf("ScopePaths = %s", got)
	}
}

// BenchmarkScopeCheck measures the per-request subtree check of a caller holding several roles
// against a building deep in the tree.
func BenchmarkScopeCheck(b *testing.B) {
	p := &Principal{Grants: []Grant{
		{Role: RoleGridWorker, Paths: []string{"/1/4/120/1300/"}},
		{Role: RoleDepartmentStaff, Paths: []string{"/1/2/", "/1/3/", "/1/4/"}},
		{Role: RoleCommunityStaff, Paths: []string{"/1/5/260/"}},
	}}
	target := "/1/5/260/2711/2719/"
	b.ReportAllocs()
	for b.Loop() {
		if !p.Can(ActReadTree, target) {
			b.Fatal("denied")
		}
	}
}

func TestCreditCode(t *testing.T) {
	if !ValidCreditCode("91350100M000100Y43") {
		t.Error("a published valid credit code was rejected")
	}
	if ValidCreditCode("91350100M000100Y44") || ValidCreditCode("91350100M000100Y4") || ValidCreditCode("91350100M0001O0Y43") {
		t.Error("an invalid credit code was accepted")
	}
}

func TestCodeScheme(t *testing.T) {
	for _, gd := range []int{2, 3} {
		s := CodeScheme{GridDigits: gd}
		code, err := s.ChildCode(KindGrid, "420302001001", 7)
		if err != nil || len(code) != 12+gd {
			t.Errorf("grid code with %d digits = %q %v", gd, code, err)
		}
		if err := s.CheckChild(KindGrid, "420302001001", code); err != nil {
			t.Errorf("CheckChild(%s): %v", code, err)
		}
	}
	s := DefaultCodeScheme
	if _, err := s.ChildCode(KindGrid, "420302001001", 100); err == nil {
		t.Error("sequence 100 fits no 2-digit segment")
	}
	if s.CheckChild(KindGrid, "420302001001", "42030200100100") == nil {
		t.Error("an all-zero segment was accepted")
	}
	if s.CheckChild(KindCommunity, "420302001", "420302002001") == nil {
		t.Error("a code under another parent was accepted")
	}
}
