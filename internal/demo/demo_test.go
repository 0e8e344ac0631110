package demo_test

import (
	"context"
	"github.com/redgrid/redgrid/internal/hanzi"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/geo"
	"github.com/redgrid/redgrid/internal/atlas"
	"github.com/redgrid/redgrid/internal/auth"
	"github.com/redgrid/redgrid/internal/demo"
	"github.com/redgrid/redgrid/internal/redgridtest"
	"github.com/redgrid/redgrid/internal/sqlstore"
)

func TestDemoDistrict(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ctx := context.Background()
		s := e.Open(t, sqlstore.Options{})
		sum, err := demo.Generate(ctx, s, 1, auth.TestParams)
		if err != nil {
			t.Fatal(err)
		}
		n := sum.Nodes
		if n[redgrid.KindDistrict] != 1 || n[redgrid.KindStreet] != 4 || n[redgrid.KindCommunity] != 30 {
			t.Errorf("shape %+v", n)
		}
		if g := n[redgrid.KindGrid]; g < 200 || g > 300 {
			t.Errorf("%d grids, want about 250", g)
		}
		if n[redgrid.KindBuilding] < 3*n[redgrid.KindGrid] {
			t.Errorf("%d buildings for %d grids", n[redgrid.KindBuilding], n[redgrid.KindGrid])
		}
		if sum.PartyOrgs < 1+4+30+n[redgrid.KindGrid] {
			t.Errorf("%d party organisations", sum.PartyOrgs)
		}
		// Every grid has its branch (003: 网格党支部 100%).
		var missing int
		if err := s.DB().QueryRow("SELECT COUNT(*) FROM nodes n WHERE n.kind = 'grid' AND NOT EXISTS (SELECT 1 FROM party_orgs p WHERE p.node_id = n.id AND p.kind = 'branch')").Scan(&missing); err != nil || missing != 0 {
			t.Errorf("%d grids without a branch (%v)", missing, err)
		}
		depts, _ := s.Orgs(ctx, sqlstore.OrgFilter{Kind: redgrid.OrgDepartment})
		if len(depts) != 12 {
			t.Errorf("%d departments", len(depts))
		}
		// community1 and community2 are staff of different communities; every login works.
		byName := map[string]demo.Login{}
		for _, l := range sum.Logins {
			byName[l.Username] = l
			c, err := s.Credentials(ctx, l.Username)
			if err != nil || auth.Verify(demo.Password, c.PasswordHash) != nil {
				t.Errorf("login %s does not take the demo password", l.Username)
			}
		}
		for _, want := range []string{"admin", "leader1", "street1", "community1", "community2", "grid1", "dept1", "resident1"} {
			if _, ok := byName[want]; !ok {
				t.Errorf("no demo login %s", want)
			}
		}
		if byName["community1"].Where == byName["community2"].Where || byName["community1"].Role != redgrid.RoleCommunityStaff {
			t.Errorf("community1 %+v, community2 %+v", byName["community1"], byName["community2"])
		}
		// The board has work at every stage of the loop, each case with its events, in the
		// community the demo's staff accounts serve; the figures count them.
		byState := map[string]int{}
		rows, err := s.DB().Query("SELECT state, COUNT(*) FROM cases GROUP BY state")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var st string
			var k int
			rows.Scan(&st, &k)
			byState[st] = k
		}
		rows.Close()
		for _, st := range []redgrid.CaseState{redgrid.CaseReported, redgrid.CaseRegistered, redgrid.CaseDispatched, redgrid.CaseAccepted,
			redgrid.CaseHandled, redgrid.CaseVerified, redgrid.CaseClosed, redgrid.CaseSuspended, redgrid.CaseVoided} {
			if byState[string(st)] == 0 {
				t.Errorf("no demo case %s: %v", st, byState)
			}
		}
		if sum.Cases != 60 {
			t.Errorf("%d demo cases", sum.Cases)
		}
		var bare int
		s.DB().QueryRow("SELECT COUNT(*) FROM cases c WHERE NOT EXISTS (SELECT 1 FROM case_events e WHERE e.case_id = c.id)").Scan(&bare)
		if bare != 0 {
			t.Errorf("%d demo cases without events", bare)
		}
		comms, _ := s.NodesOfKind(ctx, "/", redgrid.KindCommunity)
		var comm redgrid.Node
		for _, c := range comms {
			if c.Name == byName["community1"].Where {
				comm = c
			}
		}
		today := time.Now().In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly)
		counts, err := s.CaseCounts(ctx, comm.ID, today[:8]+"01", today)
		if err != nil || counts["received"] != 60 || counts["closed"] != int64(byState["closed"]) {
			t.Errorf("figures of %s: %v (%v)", comm.Name, counts, err)
		}
		// The first grid's registers: 3 buildings of 2 units × 6 floors × 2 rooms, their people
		// sealed, findable by pinyin initials within the community.
		var households, residents, plain int
		s.DB().QueryRow("SELECT COUNT(*) FROM households").Scan(&households)
		s.DB().QueryRow("SELECT COUNT(*) FROM residents").Scan(&residents)
		s.DB().QueryRow("SELECT COUNT(*) FROM residents WHERE id_number NOT LIKE 'pii1:%' OR phone NOT LIKE 'pii1:%'").Scan(&plain)
		if households != 72 || residents == 0 || residents != sum.Residents || plain != 0 {
			t.Errorf("demo registers: %d households, %d residents (summary %d), %d in the clear", households, residents, sum.Residents, plain)
		}
		var name string
		s.DB().QueryRow("SELECT name FROM residents ORDER BY id LIMIT 1").Scan(&name)
		_, initials := hanzi.Keys(name)
		found, err := s.Residents(ctx, sqlstore.ResidentQuery{Path: comm.Path, Q: strings.Fields(initials)[0], Limit: 200})
		if err != nil || len(found) == 0 {
			t.Errorf("search %q (%s): %d found, %v", strings.Fields(initials)[0], name, len(found), err)
		}
		// The first community's members: registrations to show and confirm, a roster with gaps,
		// the first grid's 1+3 complete.
		members, err := s.Members(ctx, sqlstore.MemberQuery{Path: comm.Path})
		regs := map[redgrid.RegistrationState]int{}
		for _, m := range members {
			if m.Registration != nil {
				regs[m.Registration.State]++
			}
		}
		if err != nil || len(members) != 6 || regs[redgrid.RegistrationConfirmed] != 3 || regs[redgrid.RegistrationPending] != 1 {
			t.Errorf("demo members: %d, registrations %v (%v)", len(members), regs, err)
		}
		gaps, err := s.StaffingGaps(ctx, comm.Path)
		for _, g := range gaps {
			if g.GridName == comm.Name[:len(comm.Name)-len("社区")]+"第一网格" {
				t.Errorf("the first grid's staffing is incomplete: %+v", g)
			}
		}
		if err != nil || len(gaps) == 0 {
			t.Errorf("staffing gaps: %d (%v)", len(gaps), err)
		}
		if _, err := demo.Generate(ctx, s, 1, auth.TestParams); err == nil {
			t.Error("a second demo fill of a filled database must be refused")
		}
	})
}

func TestDemoIsDeterministic(t *testing.T) {
	e := redgridtest.Engines()[0]
	var sums []string
	for range 2 {
		s := e.Open(t, sqlstore.Options{})
		if _, err := demo.Generate(context.Background(), s, 42, auth.TestParams); err != nil {
			t.Fatal(err)
		}
		var digest string
		if err := s.DB().QueryRow("SELECT group_concat(code || name, ',') FROM (SELECT code, name FROM nodes ORDER BY code)").Scan(&digest); err != nil {
			t.Fatal(err)
		}
		sums = append(sums, digest)
	}
	if sums[0] != sums[1] {
		t.Error("the same seed gave two different districts")
	}
}

// The demo map passes the import's own checks: every level tiles its parent without gap or
// overlap, every grid has a boundary, and every building lies in its own grid.
func TestDemoMap(t *testing.T) {
	ctx := context.Background()
	s := redgridtest.Engines()[0].Open(t, sqlstore.Options{})
	if _, err := demo.Generate(ctx, s, 7, auth.TestParams); err != nil {
		t.Fatal(err)
	}
	all, err := s.Boundaries(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	byParent := map[int64][]geo.Item{}
	shape := map[int64]geo.MultiPolygon{}
	grids := 0
	for _, b := range all {
		shape[b.NodeID] = b.Shape
		if b.ParentID != nil {
			byParent[*b.ParentID] = append(byParent[*b.ParentID], geo.Item{ID: b.NodeID, Shape: b.Shape})
		}
		if b.Kind == redgrid.KindGrid {
			grids++
		}
	}
	counts, _ := s.NodeCount(ctx)
	if grids != counts[redgrid.KindGrid] || len(all) != 1+4+30+grids {
		t.Fatalf("%d boundaries, %d of grids; the district has %v", len(all), grids, counts)
	}
	for parent, kids := range byParent {
		cov := geo.CheckCoverage(shape[parent], kids, geo.CoverageOptions{Tolerance: -1})
		if len(cov.Problems) != 0 {
			t.Fatalf("children of node %d: %+v", parent, cov.Problems[0])
		}
	}
	a := atlas.New(s, atlas.Options{}, slog.New(slog.DiscardHandler))
	if err := a.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	dist, _ := s.NodeByCode(ctx, "420302")
	blds, err := s.BuildingPlaces(ctx, dist.Path)
	if err != nil || len(blds) != counts[redgrid.KindBuilding] {
		t.Fatalf("%d placed buildings of %d: %v", len(blds), counts[redgrid.KindBuilding], err)
	}
	for _, b := range blds {
		g, ok := a.Locate(geo.Point{Lng: b.Lng, Lat: b.Lat})
		if !ok || !strings.HasPrefix(b.Path, g.Path) {
			t.Fatalf("building %s at %v located in %+v", b.Path, b, g)
		}
	}
	fig, err := a.Figures(ctx, dist)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fig.Figures {
		if f.Denominator == 0 || f.Value <= 0 || f.Value > 1 {
			t.Errorf("figure %s = %v (%v/%v)", f.Key, f.Value, f.Numerator, f.Denominator)
		}
	}
}
