package sqlstore_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/redgridtest"
	"github.com/redgrid/redgrid/internal/sqlstore"
)

// dutyFixture is the test district with two members: 陈志远 lives in 五堰社区's 1号楼 and is in its
// first grid's branch; 李娜 lives in 柳林社区 (Grid3) but is in 五堰社区's branch, so she serves
// both communities. 柳林社区 has a building of its own.
type dutyFixture struct {
	tr           *redgridtest.Tree
	chen, li     redgrid.Member
	liulinBuild  redgrid.Node
	dongyueGrid  redgrid.Node
	grid2Build   redgrid.Node
	h101, h102   redgrid.Household
	postsWritten func() int
}

func newDutyFixture(t *testing.T, s *sqlstore.Store) *dutyFixture {
	t.Helper()
	ctx := context.Background()
	f := &dutyFixture{tr: redgridtest.BuildTree(t, s)}
	tr := f.tr
	var err error
	member := func(name string, residence int64) redgrid.Member {
		m, _, err := s.CreateMember(ctx, redgrid.NewMember{Name: name, BranchID: tr.Grid1Branch.ID, Status: redgrid.MemberFull, ResidenceID: residence})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	f.chen, f.li = member("陈志远", tr.Building1.ID), member("李娜", tr.Grid3.ID)
	node := func(kind redgrid.NodeKind, name string, parent int64) redgrid.Node {
		n, _, err := s.CreateNode(ctx, redgrid.NewNode{Kind: kind, Name: name, ParentID: &parent, ValidFrom: "2020-01-01"})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	f.liulinBuild = node(redgrid.KindBuilding, "柳林3号楼", tr.Grid3.ID)
	f.dongyueGrid = node(redgrid.KindGrid, "东岳第一网格", tr.Community3.ID)
	f.grid2Build = node(redgrid.KindBuilding, "2号楼", tr.Grid2.ID)
	if f.h101, _, err = s.CreateHousehold(ctx, redgrid.NewHousehold{BuildingID: tr.Building1.ID, Unit: 1, Floor: 1, Room: "101", Occupancy: redgrid.OccupancyOwner}); err != nil {
		t.Fatal(err)
	}
	if f.h102, _, err = s.CreateHousehold(ctx, redgrid.NewHousehold{BuildingID: tr.Building1.ID, Unit: 1, Floor: 1, Room: "102", Occupancy: redgrid.OccupancyOwner}); err != nil {
		t.Fatal(err)
	}
	f.postsWritten = func() int {
		var a, b int
		if err := s.DB().QueryRow("SELECT (SELECT COUNT(*) FROM member_posts), (SELECT COUNT(*) FROM baobao)").Scan(&a, &b); err != nil {
			t.Fatal(err)
		}
		return a + b
	}
	return f
}

func newPost(kind redgrid.PostKind, node int64) redgrid.NewMemberPost {
	p := redgrid.NewMemberPost{Kind: kind, NodeID: node, Duties: "每周两次夜间巡逻，发现隐患及时上报网格员"}
	if err := p.Validate("2026-03-02"); err != nil {
		panic(err)
	}
	return p
}

// concurrently runs fn(0) … fn(n-1) at once and returns their errors.
func concurrently(n int, fn func(i int) error) []error {
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = fn(i)
		}()
	}
	wg.Wait()
	return errs
}

func fieldRule(t *testing.T, err error, kind redgrid.Kind, field, rule string) {
	t.Helper()
	kindOf(t, err, kind)
	var re *redgrid.Error
	if !errors.As(err, &re) || len(re.Fields) == 0 || re.Fields[0].Field != field || re.Fields[0].Rule != rule {
		t.Fatalf("%v: want field %s rule %s", err, field, rule)
	}
}

// TestMemberPostRules: a member holds posts in the community where they live or in their
// branch's, at a community, grid, micro-grid or building; elsewhere is refused naming node_id with
// nothing written; the same current post twice is a conflict; an ended post is history that no
// edit or second end changes, and it no longer fills its grid's gap.
func TestMemberPostRules(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		s, _ := open(t, e)
		f := newDutyFixture(t, s)
		tr, ctx := f.tr, context.Background()

		_, _, err := s.AddMemberPost(ctx, f.chen.ID, newPost(redgrid.PostKindPatrol, tr.Grid3.ID))
		fieldRule(t, err, redgrid.KindUnprocessable, "node_id", "member_community")
		_, _, err = s.AddMemberPost(ctx, f.li.ID, newPost(redgrid.PostKindPatrol, f.dongyueGrid.ID))
		fieldRule(t, err, redgrid.KindUnprocessable, "node_id", "member_community")
		_, _, err = s.AddMemberPost(ctx, f.chen.ID, newPost(redgrid.PostKindPatrol, tr.Street1.ID))
		fieldRule(t, err, redgrid.KindInvalid, "node_id", "kind")
		_, _, err = s.AddMemberPost(ctx, f.chen.ID, newPost(redgrid.PostKindPatrol, 999999))
		fieldRule(t, err, redgrid.KindInvalid, "node_id", "exists")
		_, _, err = s.AddMemberPost(ctx, 999999, newPost(redgrid.PostKindPatrol, tr.Grid1.ID))
		kindOf(t, err, redgrid.KindNotFound)
		if n := f.postsWritten(); n != 0 {
			t.Fatalf("refused posts wrote %d rows", n)
		}

		// 李娜 lives in 柳林社区 and is in 五堰社区's branch: she may serve in both.
		if _, _, err := s.AddMemberPost(ctx, f.li.ID, newPost(redgrid.PostKindMediation, tr.Community2.ID)); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.AddMemberPost(ctx, f.li.ID, newPost(redgrid.PostKindMediation, tr.Grid2.ID)); err != nil {
			t.Fatal(err)
		}
		patrol, _, err := s.AddMemberPost(ctx, f.chen.ID, newPost(redgrid.PostKindPatrol, tr.Building1.ID))
		if err != nil {
			t.Fatal(err)
		}
		if !patrol.Active || patrol.Name != "平安巡逻岗" || patrol.NodeName != "1号楼" || patrol.StartsOn != "2026-03-02" || patrol.Version != 1 {
			t.Fatalf("post: %+v", patrol)
		}
		_, _, err = s.AddMemberPost(ctx, f.chen.ID, newPost(redgrid.PostKindPatrol, tr.Building1.ID))
		fieldRule(t, err, redgrid.KindConflict, "kind", "duplicate")

		gaps := func(path string, level redgrid.NodeKind) map[string][]redgrid.PostKind {
			t.Helper()
			g, err := s.PostGaps(ctx, path, []redgrid.PostKind{redgrid.PostKindPatrol, redgrid.PostKindMediation}, level)
			if err != nil {
				t.Fatal(err)
			}
			out := map[string][]redgrid.PostKind{}
			for _, x := range g {
				out[x.NodeName] = x.Missing
			}
			return out
		}
		// The building's patrol post fills Grid1's patrol; 李娜's grid post fills Grid2's mediation;
		// her community post fills 柳林社区's mediation, not its grid's.
		g := gaps(tr.District.Path, redgrid.KindGrid)
		if len(g["五堰第一网格"]) != 1 || g["五堰第一网格"][0] != redgrid.PostKindMediation ||
			len(g["五堰第二网格"]) != 1 || g["五堰第二网格"][0] != redgrid.PostKindPatrol || len(g["柳林第一网格"]) != 2 {
			t.Fatalf("grid gaps: %v", g)
		}
		if g := gaps(tr.District.Path, redgrid.KindCommunity); len(g["五堰社区"]) != 0 || len(g["柳林社区"]) != 1 || len(g["东岳社区"]) != 2 {
			t.Fatalf("community gaps: %v", g)
		}

		// A planned end before the start, or a date that does not exist, is refused by the patch.
		_, err = s.UpdateMemberPost(ctx, patrol.ID, redgrid.MemberPostPatch{EndsOn: ptr("2026-03-01")}, 1)
		fieldRule(t, err, redgrid.KindInvalid, "ends_on", "after_start")
		_, err = s.UpdateMemberPost(ctx, patrol.ID, redgrid.MemberPostPatch{StartsOn: ptr("2026-02-30")}, 1)
		fieldRule(t, err, redgrid.KindInvalid, "starts_on", "date")
		_, err = s.UpdateMemberPost(ctx, patrol.ID, redgrid.MemberPostPatch{NodeID: &tr.Grid3.ID}, 1)
		fieldRule(t, err, redgrid.KindUnprocessable, "node_id", "member_community")
		p, err := s.UpdateMemberPost(ctx, patrol.ID, redgrid.MemberPostPatch{Duties: ptr("白天巡楼"), EndsOn: ptr("2026-12-31")}, 1)
		if err != nil || p.Version != 2 || p.Duties != "白天巡楼" || p.EndsOn == nil || *p.EndsOn != "2026-12-31" || !p.Active {
			t.Fatalf("update: %+v %v", p, err)
		}

		ended, err := s.EndMemberPost(ctx, patrol.ID, 2)
		if err != nil || ended.EndedOn == nil || *ended.EndedOn != "2026-03-02" || ended.Active || ended.Version != 3 {
			t.Fatalf("end: %+v %v", ended, err)
		}
		_, err = s.EndMemberPost(ctx, patrol.ID, 0)
		kindOf(t, err, redgrid.KindConflict)
		_, err = s.UpdateMemberPost(ctx, patrol.ID, redgrid.MemberPostPatch{Duties: ptr("x")}, 0)
		kindOf(t, err, redgrid.KindConflict)
		if g := gaps(tr.Community1.Path, redgrid.KindGrid); len(g["五堰第一网格"]) != 2 {
			t.Fatalf("an ended post still fills the gap: %v", g)
		}
		// The ended post is the member's history; the same post may be given again.
		if _, _, err := s.AddMemberPost(ctx, f.chen.ID, newPost(redgrid.PostKindPatrol, tr.Building1.ID)); err != nil {
			t.Fatal(err)
		}
		all, err := s.MemberPosts(ctx, f.chen.ID)
		if err != nil || len(all) != 2 || all[0].EndedOn != nil || all[1].ID != patrol.ID || all[1].EndedOn == nil {
			t.Fatalf("history: %+v %v", all, err)
		}
		under, err := s.PostsUnder(ctx, tr.Community1.Path)
		if err != nil || len(under) != 2 {
			t.Fatalf("current posts under 五堰社区: %+v %v", under, err)
		}
	})
}

// TestConcurrentPostEditsOneWins: eight editors holding version 1 change the same post at once;
// one succeeds, the seven others are told it changed.
func TestConcurrentPostEditsOneWins(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		s, _ := open(t, e)
		f := newDutyFixture(t, s)
		ctx := context.Background()
		p, _, err := s.AddMemberPost(ctx, f.chen.ID, newPost(redgrid.PostKindPolicy, f.tr.Grid1.ID))
		if err != nil {
			t.Fatal(err)
		}
		ok, stale := 0, 0
		for _, err := range concurrently(8, func(i int) error {
			_, err := s.UpdateMemberPost(ctx, p.ID, redgrid.MemberPostPatch{Duties: ptr("宣讲政策 " + formatInt(int64(i)))}, 1)
			return err
		}) {
			switch {
			case err == nil:
				ok++
			case redgrid.ErrorKind(err) == redgrid.KindPreconditionFailed:
				stale++
			default:
				t.Fatalf("unexpected error: %v", err)
			}
		}
		if ok != 1 || stale != 7 {
			t.Fatalf("%d won, %d told stale; want 1 and 7", ok, stale)
		}
		if p, _ := s.MemberPost(ctx, p.ID); p.Version != 2 {
			t.Errorf("version = %d", p.Version)
		}
	})
}

// TestBaobaoRules: a member answers for buildings and households of the communities they serve;
// another community's building is refused naming building_id, a second active assignment of the
// same is a conflict (also when eight are asked at once); the gaps show what nobody answers for,
// a household being covered by its building's member.
func TestBaobaoRules(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		s, _ := open(t, e)
		f := newDutyFixture(t, s)
		tr, ctx := f.tr, context.Background()
		assign := func(member int64, building, household *int64) (redgrid.Baobao, error) {
			in := redgrid.NewBaobao{MemberID: member, BuildingID: building, HouseholdID: household}
			if err := in.Validate("2026-03-02"); err != nil {
				return redgrid.Baobao{}, err
			}
			x, _, err := s.AssignBaobao(ctx, in)
			return x, err
		}
		_, err := assign(f.chen.ID, &f.liulinBuild.ID, nil)
		fieldRule(t, err, redgrid.KindUnprocessable, "building_id", "member_community")
		_, err = assign(f.chen.ID, &tr.Grid1.ID, nil)
		fieldRule(t, err, redgrid.KindInvalid, "building_id", "kind")
		_, err = assign(999999, &tr.Building1.ID, nil)
		fieldRule(t, err, redgrid.KindInvalid, "member_id", "exists")
		_, err = assign(f.chen.ID, nil, ptr(int64(999999)))
		fieldRule(t, err, redgrid.KindInvalid, "household_id", "exists")
		_, err = assign(f.chen.ID, &tr.Building1.ID, &f.h101.ID)
		fieldRule(t, err, redgrid.KindInvalid, "building_id", "one_of")
		if n := f.postsWritten(); n != 0 {
			t.Fatalf("refused assignments wrote %d rows", n)
		}

		ok := 0
		for _, err := range concurrently(8, func(int) error {
			_, err := assign(f.chen.ID, &tr.Building1.ID, nil)
			return err
		}) {
			if err == nil {
				ok++
			} else {
				fieldRule(t, err, redgrid.KindConflict, "building_id", "duplicate")
			}
		}
		if ok != 1 {
			t.Fatalf("%d of 8 concurrent assignments of one building succeeded", ok)
		}
		hh, err := assign(f.li.ID, nil, &f.h101.ID) // 李娜 serves 五堰社区 through her branch
		if err != nil || hh.Target != "1号楼1单元101" || hh.BuildingID != tr.Building1.ID {
			t.Fatalf("household: %+v %v", hh, err)
		}
		_, err = assign(f.li.ID, nil, &f.h101.ID)
		fieldRule(t, err, redgrid.KindConflict, "household_id", "duplicate")

		who, err := s.BaobaoOfHousehold(ctx, f.h101.ID)
		if err != nil || len(who) != 2 {
			t.Fatalf("who answers for 101: %+v %v", who, err)
		}
		gaps, err := s.BaobaoGaps(ctx, tr.Community1.Path)
		if err != nil || len(gaps.Buildings) != 1 || gaps.Buildings[0].ID != f.grid2Build.ID || gaps.HouseholdsTotal != 0 || len(gaps.Households) != 0 {
			t.Fatalf("gaps with 1号楼 covered: %+v %v", gaps, err)
		}
		list, err := s.BaobaoUnder(ctx, tr.Community1.Path)
		if err != nil || len(list) != 2 {
			t.Fatalf("assignments: %+v %v", list, err)
		}
		var building redgrid.Baobao
		for _, x := range list {
			if x.HouseholdID == nil {
				building = x
			}
		}
		if err := s.EndBaobao(ctx, building.ID); err != nil {
			t.Fatal(err)
		}
		kindOf(t, s.EndBaobao(ctx, building.ID), redgrid.KindConflict)
		kindOf(t, s.EndBaobao(ctx, 999999), redgrid.KindNotFound)
		gaps, err = s.BaobaoGaps(ctx, tr.Community1.Path)
		if err != nil || len(gaps.Buildings) != 2 || gaps.HouseholdsTotal != 1 || len(gaps.Households) != 1 ||
			gaps.Households[0].ID != f.h102.ID || gaps.Households[0].Address != "1号楼1单元102" {
			t.Fatalf("gaps after the building's member left: %+v %v", gaps, err)
		}
		// Ended, the building may be assigned to the member again.
		if _, err := assign(f.chen.ID, &tr.Building1.ID, nil); err != nil {
			t.Fatal(err)
		}
	})
}
