package registers_test

import (
	"context"
	"strings"
	"testing"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/redgridtest"
	"github.com/redgrid/redgrid/internal/registers"
)

// The spreadsheets of grid staffing (1+3+N), members' posts (设岗定责) and 包保, on both engines,
// as the other registers': template, bad rows named with nothing written, good rows only, scope,
// and the export imported again.

// microgrid adds a micro-grid to Grid1 (its code is given by the scheme, the same in every
// fixture).
func (f *fixture) microgrid() redgrid.Node {
	f.t.Helper()
	n, _, err := f.s.CreateNode(context.Background(), redgrid.NewNode{Kind: redgrid.KindMicrogrid, Name: "五堰第一网格一号微网格",
		ParentID: &f.tr.Grid1.ID, ValidFrom: "2020-01-01"})
	if err != nil {
		f.t.Fatal(err)
	}
	return n
}

func TestGridStaffSheet(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		f := newFixture(t, e)
		tr := f.tr
		reg := registers.GridStaff
		checkTemplate(t, f, reg)
		micro := f.microgrid()
		g1, g2 := tr.Grid1.Code, tr.Grid2.Code
		bad := book(t, reg,
			[]any{g1, "", "网格长", "张三", "13800138002", "是", "是", "2024-01-01"},
			[]any{"42030299999999", "", "专职网格员", "甲", "", "否", "否", ""},   // row 3: no such grid
			[]any{tr.Community1.Code, "", "专职网格员", "乙", "", "否", "否", ""}, // row 4: a community
			[]any{tr.Grid3.Code, "", "专职网格员", "丙", "", "否", "否", ""},      // row 5: another community
			[]any{g1, micro.Code, "专职网格员", "丁", "", "否", "否", ""},         // row 6: a micro-grid for a full-time worker
			[]any{g2, micro.Code, "微网格联络员", "戊", "", "否", "否", ""},        // row 7: Grid1's micro-grid
			[]any{g1, "", "兼职网格员", "王五", "", "否", "否", ""},                // row 8: part-time, not a party member
			[]any{g1, "", "专职网格员", "赵六", "1380013", "否", "否", ""},         // row 9: a bad phone
			[]any{g1, "", "网格长", "钱七", "", "是", "否", ""},                  // row 10: a second leader
			[]any{g1, "", "网格长", "张三", "", "是", "是", ""},                  // row 11: row 2 again
			[]any{g1, "", "志愿者", "孙八", "", "是", "是", ""},                  // row 12: 一肩挑 is the leader's
			[]any{g1, "", "组长", "周九", "", "否", "否", ""},                   // row 13: no such post
		)
		f.badRows(reg, bad, tr.Community1.Path,
			"9E:format 13C:enum 3A:exists 4A:kind 5A:scope 6B:liaison_only 7B:of_grid 8F:part_time 10C:one_leader 11D:duplicate 12G:leader_only", 1)
		c1 := registers.Options{Within: tr.Community1.Path}
		good := book(t, reg,
			[]any{g1, "", "网格长", "张三", "13800138001", "是", "是", "2024-01-01"}, // changed phone
			[]any{g1, micro.Code, "微网格联络员", "李四", "", "否", "否", "2024-02-01"},
			[]any{g2, "", "兼职网格员", "王五", "0719-8123456", "是", "否", "2024-02-01"},
		)
		if rep := f.run(reg, good, c1); !rep.Written || rep.Created != 2 || rep.Updated != 1 || len(rep.Problems) > 0 {
			t.Fatalf("good file: %s %+v", problems(rep), rep)
		}
		if rep := f.run(reg, good, c1); rep.Unchanged != 3 {
			t.Fatalf("the same file again: %s %+v", problems(rep), rep)
		}
		gaps, err := f.s.StaffingGaps(context.Background(), tr.Grid1.Path)
		if err != nil || len(gaps) != 1 || !gaps[0].OneShoulder || len(gaps[0].Microgrids) != 0 {
			t.Fatalf("Grid1's staffing after the import: %+v %v", gaps, err)
		}
		// A second leader of a grid that has one: the store refuses the row, nothing is written.
		before := f.digest()
		if rep := f.run(reg, book(t, reg, []any{g2, "", "专职网格员", "吴十", "", "否", "否", ""}, []any{g1, "", "网格长", "郑一", "", "否", "否", ""}), c1); problems(rep) != "3C:one_leader" || rep.Written || f.digest() != before {
			t.Fatalf("a second leader: %s", problems(rep))
		}
		// The masked export imports again: the masked phone keeps the recorded one, sealed.
		rows, file := f.export(reg, false)
		if len(rows) != 3 || rows[0][4] != "138****8001" {
			t.Fatalf("masked export: %q", rows)
		}
		if rep := f.run(reg, file, c1); rep.Unchanged != 3 || len(rep.Problems) > 0 {
			t.Fatalf("the masked export again: %s %+v", problems(rep), rep)
		}
		var sealed string
		if err := f.s.DB().QueryRow("SELECT phone FROM grid_staff WHERE name = '张三'").Scan(&sealed); err != nil || strings.Contains(sealed, "138") {
			t.Fatalf("the phone is not sealed: %q %v", sealed, err)
		}
		// Scope: staffing needs the right to change the grid.
		rep := f.run(reg, good, registers.Options{Within: tr.Community1.Path, Allowed: func(p string) bool { return redgrid.IsWithin(p, tr.Grid1.Path) }})
		if problems(rep) != "4A:forbidden" || rep.Written {
			t.Fatalf("outside the importer's scope: %s", problems(rep))
		}
		roundTrip(t, e, f, reg, func(g *fixture) { g.microgrid() })
	})
}

// members records 陈志远 (Grid1's branch, living in Building1) and 王强 (a branch of 柳林社区,
// living in Grid3) and a household 1单元101 of Building1.
func (f *fixture) members() (liulin redgrid.PartyOrg) {
	f.t.Helper()
	ctx := context.Background()
	liulin = f.branch("柳林第一网格党支部", f.tr.Community2Committee, f.tr.Grid3)
	for _, m := range []redgrid.NewMember{
		{Name: "陈志远", BranchID: f.tr.Grid1Branch.ID, JoinedOn: "2001-07-01", Status: redgrid.MemberFull, ResidenceID: f.tr.Building1.ID},
		{Name: "王强", BranchID: liulin.ID, JoinedOn: "2001-07-01", Status: redgrid.MemberFull, ResidenceID: f.tr.Grid3.ID},
	} {
		if _, _, err := f.s.CreateMember(ctx, m); err != nil {
			f.t.Fatal(err)
		}
	}
	if _, _, err := f.s.CreateHousehold(ctx, redgrid.NewHousehold{BuildingID: f.tr.Building1.ID, Unit: 1, Floor: 1, Room: "101", Occupancy: redgrid.OccupancyOwner}); err != nil {
		f.t.Fatal(err)
	}
	return liulin
}

func TestPostSheet(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		f := newFixture(t, e)
		tr := f.tr
		reg := registers.Posts
		checkTemplate(t, f, reg)
		liulin := f.members()
		branch := tr.Grid1Branch.Name
		g1 := tr.Grid1.Code
		bad := book(t, reg,
			[]any{"陈志远", branch, "平安巡逻岗", "", g1, "夜间巡逻", "2024-03-01", ""},
			[]any{"陈志远", branch, "政策宣传岗", "", g1, "宣讲", "2024-13-01", ""},           // row 3: no such month
			[]any{"陈志远", "不存在的支部", "平安巡逻岗", "", g1, "巡逻", "", ""},                   // row 4: no such branch
			[]any{"无名氏", branch, "平安巡逻岗", "", g1, "巡逻", "", ""},                     // row 5: no such member
			[]any{"陈志远", branch, "其他", "", g1, "巡逻", "", ""},                        // row 6: other without a name
			[]any{"陈志远", branch, "矛盾调解岗", "调解员", g1, "调解", "", ""},                  // row 7: a name for a listed kind
			[]any{"陈志远", branch, "矛盾调解岗", "", tr.District.Code, "调解", "", ""},       // row 8: a district
			[]any{"陈志远", branch, "矛盾调解岗", "", "42030299999999", "调解", "", ""},       // row 9: no such node
			[]any{"陈志远", branch, "文明劝导岗", "", g1, "劝导", "2024-03-01", "2024-02-01"}, // row 10: ends before it starts
			[]any{"陈志远", branch, "平安巡逻岗", "", g1, "白天巡逻", "", ""},                   // row 11: row 2 again
			[]any{"陈志远", branch, "看门岗", "", g1, "看门", "", ""},                       // row 12: no such kind
			[]any{"陈志远", branch, "党员示范岗", "", g1, "", "", ""},                       // row 13: no duties
			[]any{"王强", liulin.Name, "政策宣传岗", "", g1, "宣讲", "", ""},                 // row 14: outside the communities 王强 serves
		)
		f.badRows(reg, bad, tr.District.Path,
			"3G:date 12C:enum 13F:required 4B:exists 5A:exists 6D:required 7D:other_only 8E:kind 9E:exists 10H:after_start 11C:duplicate 14E:member_community", 1)
		// A post outside the communities the member serves, alone: named by row and column, in Chinese.
		before := f.digest()
		if rep := f.run(reg, book(t, reg, []any{"王强", liulin.Name, "政策宣传岗", "", g1, "宣讲", "", ""}), registers.Options{}); problems(rep) != "2E:member_community" || rep.Written || f.digest() != before {
			t.Fatalf("a post outside the member's communities: %s", problems(rep))
		} else if !strings.Contains(rep.Problems[0].Message, "居住社区或所在支部的社区") {
			t.Fatalf("the refusal does not say why: %+v", rep.Problems[0])
		}
		c1 := registers.Options{Within: tr.Community1.Path}
		good := book(t, reg,
			[]any{"陈志远", branch, "平安巡逻岗", "", g1, "夜间巡逻，每周两次", "2024-03-01", "2026-12-31"}, // changed
			[]any{"陈志远", branch, "其他", "楼道长", tr.Building1.Code, "楼道卫生", "2024-04-01", ""},
		)
		if rep := f.run(reg, good, c1); !rep.Written || rep.Created != 1 || rep.Updated != 1 || len(rep.Problems) > 0 {
			t.Fatalf("good file: %s %+v", problems(rep), rep)
		}
		if rep := f.run(reg, good, c1); rep.Unchanged != 2 {
			t.Fatalf("the same file again: %s %+v", problems(rep), rep)
		}
		posts, err := f.s.PostsUnder(context.Background(), tr.Community1.Path)
		if err != nil || len(posts) != 2 || posts[0].Duties != "夜间巡逻，每周两次" || posts[1].Name != "楼道长" {
			t.Fatalf("posts: %+v %v", posts, err)
		}
		// Scope: the registers' right at the node served.
		rep := f.run(reg, good, registers.Options{Within: tr.Community1.Path, Allowed: func(p string) bool { return !redgrid.IsWithin(p, tr.Building1.Path) }})
		if problems(rep) != "3E:forbidden" || rep.Written {
			t.Fatalf("outside the importer's scope: %s", problems(rep))
		}
		roundTrip(t, e, f, reg, func(g *fixture) { g.members() })
	})
}

func TestBaobaoSheet(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		f := newFixture(t, e)
		tr := f.tr
		reg := registers.Baobao
		checkTemplate(t, f, reg)
		liulin := f.members()
		branch := tr.Grid1Branch.Name
		b1 := tr.Building1.Code
		bad := book(t, reg,
			[]any{"陈志远", branch, b1, "", "", "2024-03-01"},
			[]any{"陈志远", branch, b1, 1, "", ""},                   // row 3: a unit without a room
			[]any{"陈志远", branch, b1, 1, "999", ""},                // row 4: no such household
			[]any{"陈志远", branch, tr.Grid1.Code, "", "", ""},       // row 5: a grid
			[]any{"陈志远", branch, "42030299999999999", "", "", ""}, // row 6: no such building
			[]any{"陈志远", branch, b1, "", "", "2024-05-01"},        // row 7: row 2 again
			[]any{"陈志远", branch, b1, 1, "101", "2024-02-30"},      // row 8: no such day
			[]any{"无名氏", branch, b1, "", "", ""},                  // row 9: no such member
			[]any{"王强", liulin.Name, b1, 1, "101", ""},            // row 10: outside the communities 王强 serves
		)
		f.badRows(reg, bad, tr.Community1.Path, "8F:date 3E:together 4E:exists 5C:kind 6C:exists 7A:duplicate 9A:exists 10E:member_community", 1)
		before := f.digest()
		if rep := f.run(reg, book(t, reg, []any{"王强", liulin.Name, b1, "", "", ""}), registers.Options{}); problems(rep) != "2C:member_community" || rep.Written || f.digest() != before {
			t.Fatalf("包保 outside the member's communities: %s", problems(rep))
		}
		c1 := registers.Options{Within: tr.Community1.Path}
		good := book(t, reg,
			[]any{"陈志远", branch, b1, "", "", "2024-04-01"}, // a new start
			[]any{"陈志远", branch, b1, 1, "101", "2024-04-01"},
		)
		if rep := f.run(reg, good, c1); !rep.Written || rep.Created != 1 || rep.Updated != 1 || len(rep.Problems) > 0 {
			t.Fatalf("good file: %s %+v", problems(rep), rep)
		}
		if rep := f.run(reg, good, c1); rep.Unchanged != 2 {
			t.Fatalf("the same file again: %s %+v", problems(rep), rep)
		}
		list, err := f.s.BaobaoUnder(context.Background(), tr.Community1.Path)
		if err != nil || len(list) != 2 || list[0].StartsOn != "2024-04-01" || list[1].Target != "1号楼1单元101" && list[1].HouseholdID == nil {
			t.Fatalf("包保: %+v %v", list, err)
		}
		rep := f.run(reg, good, registers.Options{Within: tr.Community1.Path, Allowed: func(string) bool { return false }})
		if problems(rep) != "2C:forbidden 3C:forbidden" || rep.Written {
			t.Fatalf("outside the importer's scope: %s", problems(rep))
		}
		roundTrip(t, e, f, reg, func(g *fixture) { g.members() })
	})
}
