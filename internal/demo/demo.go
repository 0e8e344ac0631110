// Package demo fills a store with a synthetic district shaped like the seeds: one district
// (茅箭区, 420302), 4 streets, 30 communities, about 250 grids with buildings, the matching party
// tree, departments, co-building units, property companies, owners' committees and service
// stations, and one demo login per role. The same seed gives the same district.
package demo

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/auth"
	"github.com/redgrid/redgrid/internal/sqlstore"
)

// Password is the password of every demo login.
const Password = "demo1234"

// Login is one demo account.
type Login struct {
	Username string
	Role     redgrid.Role
	Where    string
}

// Summary tells what was generated.
type Summary struct {
	Nodes     map[redgrid.NodeKind]int
	PartyOrgs int
	Orgs      int
	Cases     int
	Residents int
	Logins    []Login
}

var streets = []string{"武当路街道", "二堰街道", "五堰街道", "白浪街道"}

var communities = []string{
	"五堰社区", "柳林社区", "东岳社区", "上海路社区", "北京路社区", "人民路社区", "朝阳社区", "沿河社区",
	"大岭社区", "花园社区", "青年社区", "和平社区", "紫荆社区", "春晓社区", "阳光社区", "桃源社区",
	"滨江社区", "星光社区", "幸福社区", "向阳社区", "龙门社区", "双坪社区", "三堰社区", "车城社区",
	"茅坪社区", "东风社区", "文化社区", "铁路社区", "红卫社区", "白浪社区",
}

var departments = []string{"区城市管理执法局", "区住房和城乡建设局", "区市场监督管理局", "公安茅箭分局", "区民政局", "区卫生健康局",
	"区应急管理局", "区人力资源和社会保障局", "区生态环境分局", "区水利和湖泊局", "区教育局", "区文化和旅游局"}

var units = []string{"十堰市中心医院", "国网十堰供电公司", "十堰市第一中学", "东风汽车零部件公司", "十堰农商银行", "湖北汽车工业学院", "十堰市自来水公司", "中国移动十堰分公司"}

var chineseNumbers = []string{"一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"}

// Generate creates the district in an empty store. The store must be migrated.
func Generate(ctx context.Context, s *sqlstore.Store, seed uint64, argon auth.Params) (*Summary, error) {
	counts, err := s.NodeCount(ctx)
	if err != nil {
		return nil, err
	}
	if len(counts) > 0 {
		return nil, fmt.Errorf("the database already holds %d districts: demo data goes into an empty database", counts[redgrid.KindDistrict])
	}
	g := &gen{ctx: ctx, s: s, rnd: rand.New(rand.NewPCG(seed, seed^0x5eed)), sum: &Summary{}, users: map[string]int64{}}
	ctx = redgrid.WithActor(ctx, redgrid.Actor{Username: "demo"})
	g.ctx = ctx
	if err := g.run(argon); err != nil {
		return nil, err
	}
	g.sum.Nodes, err = s.NodeCount(ctx)
	return g.sum, err
}

type gen struct {
	ctx    context.Context
	s      *sqlstore.Store
	rnd    *rand.Rand
	sum    *Summary
	err    error
	users  map[string]int64 // demo accounts by username
	people int              // residents made so far (their ID numbers' sequence)
}

func (g *gen) node(kind redgrid.NodeKind, name string, parent *redgrid.Node, code string) redgrid.Node {
	if g.err != nil {
		return redgrid.Node{}
	}
	in := redgrid.NewNode{Kind: kind, Name: name, Code: code, ValidFrom: "2021-01-01"}
	if parent != nil {
		in.ParentID = &parent.ID
	}
	n, _, err := g.s.CreateNode(g.ctx, in)
	if err != nil {
		g.err = fmt.Errorf("demo %s %s: %w", kind, name, err)
	}
	return n
}

func (g *gen) party(kind redgrid.PartyKind, name string, parent *redgrid.PartyOrg, n redgrid.Node, endsOn string) redgrid.PartyOrg {
	if g.err != nil {
		return redgrid.PartyOrg{}
	}
	in := redgrid.NewPartyOrg{Kind: kind, Name: name, NodeID: n.ID, ValidFrom: "2021-01-01"}
	if parent != nil {
		in.ParentID = &parent.ID
	}
	if endsOn != "" {
		in.Temporary, in.EndsOn = true, &endsOn
	}
	p, _, err := g.s.CreatePartyOrg(g.ctx, in)
	if err != nil {
		g.err = fmt.Errorf("demo party org %s: %w", name, err)
	}
	g.sum.PartyOrgs++
	return p
}

func (g *gen) org(kind redgrid.OrgKind, name string, home redgrid.Node, serves ...redgrid.Node) redgrid.Org {
	if g.err != nil {
		return redgrid.Org{}
	}
	ids := make([]int64, len(serves))
	for i, n := range serves {
		ids[i] = n.ID
	}
	o, _, err := g.s.CreateOrg(g.ctx, redgrid.NewOrg{Kind: kind, Name: name, HomeNodeID: home.ID, NodeIDs: ids, ValidFrom: "2021-01-01"})
	if err != nil {
		g.err = fmt.Errorf("demo org %s: %w", name, err)
	}
	g.sum.Orgs++
	return o
}

func short(community string) string {
	r := []rune(community)
	return string(r[:len(r)-2])
}

func (g *gen) run(argon auth.Params) error {
	district := g.node(redgrid.KindDistrict, "茅箭区", nil, "420302")
	committee := g.party(redgrid.PartyDistrictCommittee, "中共十堰市茅箭区委员会", nil, district, "")
	var streetNodes, communityNodes, gridNodes []redgrid.Node
	m := &mapPlan{district: district}
	perStreet := []int{7, 8, 7, 8}
	ci := 0
	for si, sname := range streets {
		street := g.node(redgrid.KindStreet, sname, &district, "")
		streetNodes = append(streetNodes, street)
		ms := &mapStreet{node: street}
		m.streets = append(m.streets, ms)
		sc := g.party(redgrid.PartyStreetCommittee, "中共"+sname+"工作委员会", &committee, street, "")
		for k := 0; k < perStreet[si]; k++ {
			cname := communities[ci]
			ci++
			comm := g.node(redgrid.KindCommunity, cname, &street, "")
			communityNodes = append(communityNodes, comm)
			mc := &mapCommunity{node: comm}
			ms.communities = append(ms.communities, mc)
			cc := g.party(redgrid.PartyCommunityCommittee, cname+"党委", &sc, comm, "")
			grids := 6 + g.rnd.IntN(6) // 6..11, about 250 in all
			for gi := 0; gi < grids; gi++ {
				gname := short(cname) + "第" + chineseNumbers[gi] + "网格"
				grid := g.node(redgrid.KindGrid, gname, &comm, "")
				gridNodes = append(gridNodes, grid)
				mg := &mapGrid{node: grid}
				mc.grids = append(mc.grids, mg)
				branch := g.party(redgrid.PartyBranch, gname+"党支部", &cc, grid, "")
				parent := grid
				if gi%5 == 4 {
					parent = g.node(redgrid.KindMicrogrid, gname+"一号微网格", &grid, "")
				}
				buildings := 3 + g.rnd.IntN(4)
				for b := 1; b <= buildings; b++ {
					bld := g.node(redgrid.KindBuilding, fmt.Sprintf("%d栋", b+gi*10), &parent, "")
					mg.buildings = append(mg.buildings, bld)
					if b == 1 {
						grp := g.party(redgrid.PartyGroup, fmt.Sprintf("%s%d栋党小组", short(cname), b+gi*10), &branch, bld, "")
						g.party(redgrid.PartyLeadHousehold, fmt.Sprintf("%s%d栋党员中心户", short(cname), b+gi*10), &grp, bld, "")
					}
				}
			}
			mc.station = g.org(redgrid.OrgServiceStation, cname+"党群服务中心", comm, comm)
			for gi, mg := range mc.grids {
				if gi == 7 && k%3 == 1 { // a few grids far from their centre have a 直通站 of their own
					mg.station = g.org(redgrid.OrgServiceStation, mg.node.Name+"党群直通站", mg.node, mg.node)
				}
			}
			if k%2 == 0 {
				g.org(redgrid.OrgPropertyCompany, short(cname)+"物业服务有限公司", comm, gridNodes[len(gridNodes)-1])
				g.org(redgrid.OrgOwnersCommittee, short(cname)+"小区业主委员会", comm, gridNodes[len(gridNodes)-1])
			}
			if k%3 == 0 {
				g.org(redgrid.OrgVolunteerTeam, short(cname)+"七色志愿服务队", comm, comm)
			}
		}
	}
	if g.err == nil {
		// A temporary branch set up for flood season (001, 002: 临时党支部).
		c := communityNodes[3]
		parents, err := g.s.PartyOrgsOfNode(g.ctx, c.ID)
		if err != nil {
			return err
		}
		g.party(redgrid.PartyBranch, short(c.Name)+"防汛临时党支部", &parents[0], c, "2026-10-31")
	}
	if g.err == nil {
		if err := g.drawMap(m); err != nil {
			return fmt.Errorf("demo map: %w", err)
		}
	}
	var depts []redgrid.Org
	for _, d := range departments {
		depts = append(depts, g.org(redgrid.OrgDepartment, d, district, district))
	}
	var unit0 redgrid.Org
	for i, u := range units {
		o := g.org(redgrid.OrgResidentUnit, u, communityNodes[i*3], communityNodes[i*3], communityNodes[i*3+1])
		if i == 0 {
			unit0 = o
		}
	}
	if g.err != nil {
		return g.err
	}
	type acct struct {
		name string
		role redgrid.Role
		node redgrid.Node
		org  *redgrid.Org
	}
	accts := []acct{{"admin", redgrid.RoleDistrictAdmin, district, nil}, {"leader1", redgrid.RoleLeader, district, nil}}
	for i, st := range streetNodes {
		accts = append(accts, acct{fmt.Sprintf("street%d", i+1), redgrid.RoleStreetOperator, st, nil})
	}
	for i := 0; i < 4; i++ {
		accts = append(accts, acct{fmt.Sprintf("community%d", i+1), redgrid.RoleCommunityStaff, communityNodes[i], nil})
	}
	for i := 0; i < 4; i++ {
		accts = append(accts, acct{fmt.Sprintf("grid%d", i+1), redgrid.RoleGridWorker, gridNodes[i], nil})
	}
	accts = append(accts, acct{"gridleader1", redgrid.RoleGridLeader, gridNodes[0], nil})
	for i := 0; i < 3; i++ {
		accts = append(accts, acct{fmt.Sprintf("dept%d", i+1), redgrid.RoleDepartmentStaff, redgrid.Node{}, &depts[i]})
	}
	accts = append(accts, acct{"resident1", redgrid.RoleResident, gridNodes[0], nil}, acct{"resident2", redgrid.RoleResident, gridNodes[len(gridNodes)-1], nil})
	hash, err := auth.Hash(Password, argon)
	if err != nil {
		return err
	}
	for _, a := range accts {
		gr := redgrid.NewGrant{Role: a.role}
		where := a.node.Name
		if a.org != nil {
			gr.OrgID = &a.org.ID
			where = a.org.Name
		} else {
			gr.NodeID = &a.node.ID
		}
		// One hash for all demo accounts: they share a published password anyway, and argon2id at
		// production cost takes a tenth of a second each.
		u, _, err := g.s.CreateUser(g.ctx, redgrid.NewUser{Username: a.name, DisplayName: displayName(a.name), Password: Password, Roles: []redgrid.NewGrant{gr}}, hash)
		if err != nil {
			return fmt.Errorf("demo user %s: %w", a.name, err)
		}
		g.users[a.name] = u.ID
		g.sum.Logins = append(g.sum.Logins, Login{a.name, a.role, where})
	}
	if err := g.cases(communityNodes[0], gridNodes, depts); err != nil {
		return err
	}
	if err := g.registers(gridNodes[0]); err != nil {
		return err
	}
	return g.partyAndStaff(communityNodes[0], gridNodes[0], unit0)
}

var surnames = []string{"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马", "罗"}
var givens = []string{"建国", "秀英", "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "霞"}

func displayName(username string) string {
	h := 0
	for _, c := range username {
		h = h*31 + int(c)
	}
	if h < 0 {
		h = -h
	}
	return surnames[h%len(surnames)] + givens[(h/7)%len(givens)]
}
