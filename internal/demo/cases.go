package demo

import (
	"context"
	"fmt"
	"strings"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/sqlstore"
)

// demoReports are the reports the demo district's cases start from: a category and what the
// reporter said.
var demoReports = []struct{ cat, text string }{
	{"0101", "小区东门垃圾桶满溢，周边散落生活垃圾"},
	{"0203", "消防车道上长期停放一辆白色轿车"},
	{"0301", "3单元楼道堆放纸箱杂物，堵塞疏散通道"},
	{"0302", "有住户从5楼拉线给电动车充电"},
	{"0401", "人行道一处地砖塌陷约半米，夜间危险"},
	{"0402", "路口消防栓旁供水管道漏水，路面积水"},
	{"0501", "物业长期不修单元门禁，居民多次反映无果"},
	{"0502", "2栋电梯停运两天，楼上有行动不便的老人"},
	{"0601", "辖区居民失业半年，希望介绍工作"},
	{"0603", "独居老人希望申请助餐服务"},
	{"0701", "楼上装修噪音扰民，邻里发生争执"},
	{"1001", "小区门口井盖松动，车辆经过响声大"},
	{"1002", "巷子里三盏路灯不亮，晚上出行不便"},
	{"0104", "空地上堆放建筑材料，占用公共区域"},
	{"0204", "工地夜间施工到11点以后"},
}

// cases puts the district's live work on the board: reports from every channel taken through
// the real case loop by the demo's own accounts to every stage (registered, dispatched,
// accepted, handled, verified, closed and rated, suspended with the explanation, voided,
// waiting for an extension), so the dispatch board, the department inbox and the figures show
// something on the first start.
func (g *gen) cases(community redgrid.Node, gridNodes []redgrid.Node, depts []redgrid.Org) error {
	if _, err := g.s.EnsureCategories(g.ctx, redgrid.DefaultCategories()); err != nil {
		return err
	}
	// The cases are in the first community: the demo accounts community1, street1 and grid1
	// serve it, so every step is taken by someone whose work it is.
	all, err := g.s.BuildingPlaces(g.ctx, community.Path)
	if err != nil {
		return err
	}
	type place struct {
		sqlstore.Place
		grid redgrid.Node
	}
	var places []place
	for _, pl := range all {
		for _, gr := range gridNodes {
			if pl.HasPos && strings.HasPrefix(pl.Path, gr.Path) {
				places = append(places, place{pl, gr})
				break
			}
		}
	}
	if len(places) == 0 {
		return fmt.Errorf("demo cases: no placed building in %s", community.Name)
	}
	channels := []redgrid.Channel{redgrid.ChannelPatrol, redgrid.ChannelQR, redgrid.ChannelPhone, redgrid.ChannelVisit}
	const n = 60
	for i := range n {
		pl := places[g.rnd.IntN(len(places))]
		r := demoReports[i%len(demoReports)]
		cat, ok, err := g.s.CategoryByCode(g.ctx, r.cat)
		if err != nil || !ok {
			return fmt.Errorf("demo category %s: %v", r.cat, err)
		}
		lng, lat := pl.Lng, pl.Lat
		in := redgrid.NewCase{Category: r.cat, Lng: &lng, Lat: &lat, Address: community.Name + pl.grid.Name + pl.Name, Description: r.text,
			Channel: channels[i%len(channels)], ReporterName: surnames[i%len(surnames)] + "先生", ReporterPhone: fmt.Sprintf("1390719%04d", 1000+i)}
		reporter := g.as("community1") // a phone call or a visit entered by the community
		switch in.Channel {
		case redgrid.ChannelPatrol:
			in.ReporterName, in.ReporterPhone = "", ""
			reporter = g.as("grid1")
		case redgrid.ChannelQR: // a resident from the QR code, some anonymous
			reporter = g.ctx
			if i%3 == 0 {
				in.Anonymous, in.ReporterName, in.ReporterPhone = true, "", ""
			}
		}
		c, _, err := g.s.CreateCase(reporter, sqlstore.CaseIntake{In: in, Category: cat, GridID: pl.grid.ID, GridPath: pl.grid.Path,
			GridCode: pl.grid.Code, GridName: pl.grid.Name, Lng: lng, Lat: lat})
		if err != nil {
			return fmt.Errorf("demo case: %w", err)
		}
		if err := g.advance(c, i%10, depts[i%3], fmt.Sprintf("dept%d", i%3+1)); err != nil {
			return fmt.Errorf("demo case %s: %w", c.Number, err)
		}
	}
	g.sum.Cases = n
	return nil
}

// advance takes a new case through the loop to the stage numbered by step, each action by the
// account whose work it is; dept is the lead department and deptUser its account.
func (g *gen) advance(c redgrid.Case, step int, dept redgrid.Org, deptUser string) error {
	yes := true
	lead := dept.ID
	type act struct {
		user string
		in   redgrid.CaseActionIn
	}
	chain := []act{
		{"street1", redgrid.CaseActionIn{Action: redgrid.ActRegister}},
		{"street1", redgrid.CaseActionIn{Action: redgrid.ActDispatch, Lead: &lead}},
		{deptUser, redgrid.CaseActionIn{Action: redgrid.ActAccept}},
		{deptUser, redgrid.CaseActionIn{Action: redgrid.ActFeedback, Reason: "已到现场处置完毕"}},
		{"community1", redgrid.CaseActionIn{Action: redgrid.ActVerifyPass, Reason: "现场核查，问题已解决"}},
		{"street1", redgrid.CaseActionIn{Action: redgrid.ActRate, Rating: redgrid.RatingSatisfied, Resolved: &yes}},
	}
	if c.Matter == redgrid.MatterCommunity {
		// 众事商量办: the community takes the case on itself (no department), then the same loop.
		chain = []act{
			chain[0],
			{"street1", redgrid.CaseActionIn{Action: redgrid.ActSelfGovern, Reason: "小区居民协商解决"}},
			{"community1", redgrid.CaseActionIn{Action: redgrid.ActFeedback, Reason: "已召集居民议事，达成处理意见并落实"}},
			chain[4], chain[5],
		}
		deptUser, lead = "community1", 0
	}
	var acts []act
	switch step {
	case 7: // 挂账
		acts = append(chain[:len(chain)-3:len(chain)-3], act{deptUser, redgrid.CaseActionIn{Action: redgrid.ActSuspend, Reason: "涉及规划调整，需等待区级统一改造",
			Explanation: "因客观条件暂时无法办理，已向居民做好解释，列入明年改造计划"}})
	case 8: // 作废
		acts = []act{{"street1", redgrid.CaseActionIn{Action: redgrid.ActVoid, Reason: "重复上报"}}}
	case 9: // 申请延期
		acts = append(chain[:len(chain)-3:len(chain)-3], act{deptUser, redgrid.CaseActionIn{Action: redgrid.ActRequestExtend, Extend: "3d", Reason: "需协调产权单位共同处理"}})
	default: // 0 reported … 6 closed and rated
		acts = chain[:min(step, len(chain))]
	}
	for _, a := range acts {
		authorize := func(*redgrid.Case, redgrid.CaseAction) (int64, error) {
			if a.user == deptUser {
				return lead, nil // 0 for the community's own steps
			}
			return 0, nil
		}
		if _, _, err := g.s.ActOnCase(g.as(a.user), c.ID, a.in, authorize); err != nil {
			return fmt.Errorf("%s: %w", a.in.Action, err)
		}
	}
	return nil
}

// as is the context of a demo account acting.
func (g *gen) as(username string) context.Context {
	return redgrid.WithActor(g.ctx, redgrid.Actor{UserID: g.users[username], Username: username})
}
