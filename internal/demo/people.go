package demo

import (
	"fmt"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/pii"
)

// partyAndStaff fills the first community's party and staffing registers through the store's checks, so
// that the members' pages, the 报到证, the roster calendar, the 1+3+N staffing, the volunteers and
// co-building show something on the first start: six members of the first grid's branch (four
// of them sinking, three with a confirmed dual registration, one waiting for the community), a
// roster that leaves Thursday and Friday without anyone, the first grid's 1+3 with the leader as
// branch secretary (一肩挑), three volunteers and the community's agreement with its paired unit.
func (g *gen) partyAndStaff(comm, grid redgrid.Node, unit redgrid.Org) error {
	ctx := g.as("community1")
	branches, err := g.s.PartyOrgsOfNode(g.ctx, grid.ID)
	if err != nil {
		return err
	}
	var branch int64
	for _, b := range branches {
		if b.Kind == redgrid.PartyBranch {
			branch = b.ID
		}
	}
	nodes, err := g.s.Subtree(g.ctx, grid.Path, 2)
	if err != nil {
		return err
	}
	var buildings []redgrid.Node
	for _, n := range nodes {
		if n.Kind == redgrid.KindBuilding {
			buildings = append(buildings, n)
		}
	}
	if branch == 0 || len(buildings) == 0 {
		return fmt.Errorf("demo members: %s has no branch or no building", grid.Name)
	}
	members := []struct {
		name, workplace string
		sinking         bool
		reg             string // "", pending, confirmed
		weekdays        []int
	}{
		{"陈志远", "区财政局", true, "confirmed", []int{1, 3}},
		{"刘红梅", "区人力资源和社会保障局", true, "confirmed", []int{2}},
		{"周建华", "十堰市中心医院", true, "confirmed", []int{1}},
		{"吴晓丽", "区教育局", true, "pending", nil},
		{"孙国强", "东风汽车零部件公司", false, "", nil},
		{"马桂兰", "", false, "", nil},
	}
	for i, in := range members {
		m, _, err := g.s.CreateMember(ctx, redgrid.NewMember{Name: in.name, Phone: fmt.Sprintf("1387190%04d", i+1), BranchID: branch,
			JoinedOn: fmt.Sprintf("%d-07-01", 1995+3*i), Status: redgrid.MemberFull, Workplace: in.workplace, InService: in.workplace != "",
			Sinking: in.sinking, ResidenceID: buildings[i%len(buildings)].ID})
		if err != nil {
			return fmt.Errorf("demo member %s: %w", in.name, err)
		}
		if in.reg != "" {
			reg, err := g.s.RequestRegistration(ctx, m.ID)
			if err != nil {
				return fmt.Errorf("demo registration: %w", err)
			}
			if in.reg == "confirmed" {
				if _, err := g.s.ConfirmRegistration(ctx, reg.ID); err != nil {
					return fmt.Errorf("demo registration: %w", err)
				}
			}
		}
		if len(in.weekdays) > 0 {
			if _, err := g.s.SetRoster(ctx, m.ID, in.weekdays, 0); err != nil {
				return fmt.Errorf("demo roster: %w", err)
			}
		}
	}
	staff := []redgrid.NewGridStaff{
		{Post: redgrid.PostLeader, Name: "黄建国", PartyMember: true, BranchSecretary: true},
		{Post: redgrid.PostFullTime, Name: "李娜"},
		{Post: redgrid.PostPartTime, Name: "陈志远", PartyMember: true},
		{Post: redgrid.PostLiaison, Name: "郭秀英"},
		{Post: redgrid.PostVolunteer, Name: "何明"},
	}
	for i, in := range staff {
		in.GridID, in.Phone, in.Since = grid.ID, fmt.Sprintf("1397190%04d", i+1), "2024-01-01"
		if _, _, err := g.s.AddGridStaff(ctx, in); err != nil {
			return fmt.Errorf("demo staff %s: %w", in.Name, err)
		}
	}
	for i, c := range [][]redgrid.Colour{{redgrid.ColourElderly}, {redgrid.ColourCulture, redgrid.ColourYouth}, {redgrid.ColourLaw}} {
		g.people++
		first17 := fmt.Sprintf("420302%04d0101%03d", 1970+5*i, g.people%1000)
		if _, _, err := g.s.RegisterVolunteer(ctx, redgrid.NewVolunteer{NodeID: comm.ID, Name: surnames[i+5] + givens[i+3],
			IDNumber: first17 + string(pii.IDCheckChar(first17)), Phone: fmt.Sprintf("1367190%04d", i+1), Colours: c}); err != nil {
			return fmt.Errorf("demo volunteer: %w", err)
		}
	}
	if _, err := g.s.RecordAgreement(ctx, redgrid.Agreement{OrgID: unit.ID, CommunityID: comm.ID, SignedOn: "2025-01-01", EndsOn: "2027-12-31",
		Content: "义诊进社区每月一次；党员志愿者结对帮扶独居老人；共建“红色驿站”"}); err != nil {
		return fmt.Errorf("demo agreement: %w", err)
	}
	return nil
}
