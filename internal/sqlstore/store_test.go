package sqlstore_test

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/redgridtest"
	"github.com/redgrid/redgrid/internal/sqlstore"
)

func open(t *testing.T, e redgridtest.Engine) (*sqlstore.Store, *redgridtest.Clock) {
	c := redgridtest.NewClock()
	return e.Open(t, sqlstore.Options{Now: c.Now}), c
}

func kindOf(t *testing.T, err error, want redgrid.Kind) {
	t.Helper()
	if got := redgrid.ErrorKind(err); got != want {
		t.Fatalf("error kind = %s (%v), want %s", got, err, want)
	}
}

func ptr[T any](v T) *T { return &v }

func TestMigrateIsIdempotentAndReady(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		dsn := e.DSN(t)
		s := redgridtest.OpenDSN(t, dsn, sqlstore.Options{})
		if err := s.Migrate(context.Background()); err != nil {
			t.Fatalf("second migrate: %v", err)
		}
		if err := s.Ready(context.Background()); err != nil {
			t.Fatalf("ready: %v", err)
		}
		var n int
		if err := s.DB().QueryRow("SELECT COUNT(*) FROM schema_migrations").Scan(&n); err != nil || n == 0 {
			t.Fatalf("schema_migrations rows = %d, %v", n, err)
		}
	})
}

func TestReadyBeforeMigrate(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		s, err := sqlstore.Open(context.Background(), e.DSN(t), sqlstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if err := s.Ready(context.Background()); err == nil {
			t.Fatal("Ready on an unmigrated database must fail")
		}
	})
}

func TestTreeRulesAndCodes(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		s, _ := open(t, e)
		tr := redgridtest.BuildTree(t, s)
		ctx := context.Background()

		if tr.Street1.Code != "420302001" || tr.Street2.Code != "420302002" {
			t.Errorf("street codes %s, %s", tr.Street1.Code, tr.Street2.Code)
		}
		if tr.Community1.Code != "420302001001" || tr.Grid2.Code != "42030200100102" {
			t.Errorf("community/grid codes %s, %s", tr.Community1.Code, tr.Grid2.Code)
		}
		if len(tr.Grid1.Code) != 14 {
			t.Errorf("grid code %q is not 14 digits", tr.Grid1.Code)
		}
		if tr.Grid1.Path != tr.Community1.Path+itoa(tr.Grid1.ID)+"/" || tr.Grid1.Depth != 3 {
			t.Errorf("grid path %q depth %d", tr.Grid1.Path, tr.Grid1.Depth)
		}

		_, _, err := s.CreateNode(ctx, redgrid.NewNode{Kind: redgrid.KindGrid, Name: "街道下的网格", ParentID: &tr.Street1.ID})
		kindOf(t, err, redgrid.KindInvalid)
		if fe := err.(*redgrid.Error).Fields; len(fe) != 1 || fe[0].Field != "parent_id" || fe[0].Rule != "parent_kind" {
			t.Errorf("fields = %+v", fe)
		}
		_, _, err = s.CreateNode(ctx, redgrid.NewNode{Kind: redgrid.KindGrid, Name: "编码不对", ParentID: &tr.Community1.ID, Code: "42030200200101"})
		kindOf(t, err, redgrid.KindInvalid)
		_, _, err = s.CreateNode(ctx, redgrid.NewNode{Kind: redgrid.KindGrid, Name: "重复编码", ParentID: &tr.Community1.ID, Code: tr.Grid1.Code})
		kindOf(t, err, redgrid.KindConflict)
		_, _, err = s.CreateNode(ctx, redgrid.NewNode{Kind: redgrid.KindGrid, Name: "无父", ParentID: ptr(int64(99999))})
		kindOf(t, err, redgrid.KindInvalid)

		kids, err := s.Children(ctx, tr.Community1.ID)
		if err != nil || len(kids) != 2 || kids[0].ID != tr.Grid1.ID || kids[0].ChildCount != 1 {
			t.Fatalf("children = %+v, %v", kids, err)
		}
		counts, _ := s.NodeCount(ctx)
		if counts[redgrid.KindGrid] != 3 {
			t.Errorf("grid count %d", counts[redgrid.KindGrid])
		}
	})
}

func itoa(i int64) string { return formatInt(i) }

func formatInt(i int64) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for i > 0 {
		b = append([]byte{byte('0' + i%10)}, b...)
		i /= 10
	}
	return string(b)
}

func TestMoveKeepsHistoryAndRecodes(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		s, clock := open(t, e)
		tr := redgridtest.BuildTree(t, s)
		ctx := redgrid.WithActor(context.Background(), redgrid.Actor{UserID: 0, Username: "tester"})

		// A node under itself or its own descendant is refused and nothing changes.
		_, err := s.UpdateNode(ctx, tr.Community1.ID, redgrid.NodePatch{ParentID: &tr.Grid1.ID}, 0)
		kindOf(t, err, redgrid.KindInvalid)
		_, err = s.UpdateNode(ctx, tr.Street1.ID, redgrid.NodePatch{ParentID: &tr.Street1.ID}, 0)
		kindOf(t, err, redgrid.KindInvalid)
		// A grid cannot be moved under a street.
		_, err = s.UpdateNode(ctx, tr.Grid1.ID, redgrid.NodePatch{ParentID: &tr.Street2.ID}, 0)
		kindOf(t, err, redgrid.KindInvalid)
		if n, _ := s.Node(ctx, tr.Grid1.ID); n.Path != tr.Grid1.Path || n.Version != 1 {
			t.Fatalf("a refused move changed the node: %+v", n)
		}

		clock.Advance(3600e9)
		// Move community 1 (with grids and a building) to street 2.
		moved, err := s.UpdateNode(ctx, tr.Community1.ID, redgrid.NodePatch{ParentID: &tr.Street2.ID, Name: ptr("五堰新社区")}, 1)
		if err != nil {
			t.Fatalf("move: %v", err)
		}
		if moved.Code != "420302002002" || moved.Name != "五堰新社区" || moved.Version != 2 {
			t.Errorf("moved = %s %s v%d", moved.Code, moved.Name, moved.Version)
		}
		b, _ := s.Node(ctx, tr.Building1.ID)
		if !strings.HasPrefix(b.Path, tr.Street2.Path) || !strings.HasPrefix(b.Code, "420302002002") || b.Depth != 4 {
			t.Errorf("building after move: path %s code %s depth %d", b.Path, b.Code, b.Depth)
		}
		sub, err := s.Subtree(ctx, tr.Street2.Path, 10)
		if err != nil || len(sub) != 1+2+2+1 { // street2, community3, moved community, 2 grids, building
			t.Errorf("street2 subtree has %d nodes (%v)", len(sub), err)
		}
		h, err := s.History(ctx, "node", tr.Community1.ID)
		if err != nil {
			t.Fatal(err)
		}
		var changes []string
		for _, x := range h {
			changes = append(changes, x.Change)
		}
		if got := strings.Join(changes, ","); got != "create,rename,move,recode" {
			t.Errorf("history = %s", got)
		}
		if h[1].Old["name"] != "五堰社区" || h[1].Actor != "tester" {
			t.Errorf("rename history = %+v", h[1])
		}

		// A stale version is refused.
		_, err = s.UpdateNode(ctx, tr.Community1.ID, redgrid.NodePatch{Name: ptr("x")}, 1)
		kindOf(t, err, redgrid.KindPreconditionFailed)
	})
}

func TestConcurrentUpdatesOneWins(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		s, _ := open(t, e)
		tr := redgridtest.BuildTree(t, s)
		ctx := context.Background()
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = s.UpdateNode(ctx, tr.Grid1.ID, redgrid.NodePatch{Name: ptr("并发改名" + formatInt(int64(i)))}, 1)
			}()
		}
		wg.Wait()
		ok, stale := 0, 0
		for _, err := range errs {
			switch redgrid.ErrorKind(err) {
			case redgrid.KindPreconditionFailed:
				stale++
			default:
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				ok++
			}
		}
		if ok != 1 || stale != 7 {
			t.Fatalf("%d won, %d told stale; want 1 and 7", ok, stale)
		}
		if n, _ := s.Node(ctx, tr.Grid1.ID); n.Version != 2 {
			t.Errorf("version = %d", n.Version)
		}
	})
}

func TestSearchByNameAndPinyin(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		s, _ := open(t, e)
		tr := redgridtest.BuildTree(t, s)
		ctx := context.Background()
		all := []string{tr.District.Path}
		for _, q := range []string{"wysq", "WYSQ", "wuyanshequ", "五堰社区", "wuyan"} {
			got, err := s.SearchNodes(ctx, q, all, "", 50)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, n := range got {
				found = found || n.ID == tr.Community1.ID
			}
			if !found {
				t.Errorf("search %q did not find 五堰社区 (%d results)", q, len(got))
			}
		}
		// Scope limits results: street 2 does not contain 五堰社区.
		got, _ := s.SearchNodes(ctx, "wysq", []string{tr.Street2.Path}, "", 50)
		if len(got) != 0 {
			t.Errorf("search in street 2 found %d", len(got))
		}
		// LIKE wildcards in the query are literal.
		got, _ = s.SearchNodes(ctx, "%", all, "", 50)
		if len(got) != 0 {
			t.Errorf("search %% found %d", len(got))
		}
		got, _ = s.SearchNodes(ctx, "网格", all, redgrid.KindGrid, 50)
		if len(got) != 3 {
			t.Errorf("kind filter: %d grids", len(got))
		}
	})
}

func TestPartyTree(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		s, _ := open(t, e)
		tr := redgridtest.BuildTree(t, s)
		ctx := context.Background()
		// A branch must lead a node inside its parent's node.
		_, _, err := s.CreatePartyOrg(ctx, redgrid.NewPartyOrg{Kind: redgrid.PartyBranch, Name: "错位支部", ParentID: &tr.Community1Committee.ID, NodeID: tr.Grid3.ID})
		kindOf(t, err, redgrid.KindInvalid)
		// A group cannot sit directly under a community committee.
		_, _, err = s.CreatePartyOrg(ctx, redgrid.NewPartyOrg{Kind: redgrid.PartyGroup, Name: "党小组", ParentID: &tr.Community1Committee.ID, NodeID: tr.Grid1.ID})
		kindOf(t, err, redgrid.KindInvalid)
		// A temporary branch needs an end date.
		_, _, err = s.CreatePartyOrg(ctx, redgrid.NewPartyOrg{Kind: redgrid.PartyBranch, Name: "临时党支部", ParentID: &tr.Community1Committee.ID, NodeID: tr.Grid2.ID, Temporary: true})
		kindOf(t, err, redgrid.KindInvalid)
		tmp, _, err := s.CreatePartyOrg(ctx, redgrid.NewPartyOrg{Kind: redgrid.PartyBranch, Name: "防汛临时党支部", ParentID: &tr.Community1Committee.ID, NodeID: tr.Grid2.ID, Temporary: true, EndsOn: ptr("2026-09-30")})
		if err != nil {
			t.Fatal(err)
		}
		if !tmp.Temporary || tmp.EndsOn == nil || *tmp.EndsOn != "2026-09-30" || tmp.NodeName != "五堰第二网格" {
			t.Errorf("temporary branch = %+v", tmp)
		}
		kids, _ := s.PartyChildren(ctx, tr.Community1Committee.ID)
		if len(kids) != 2 {
			t.Errorf("community committee has %d children", len(kids))
		}
		roots, _ := s.PartyRoots(ctx, []string{tr.Community1.Path})
		if len(roots) != 1 || roots[0].ID != tr.Community1Committee.ID {
			t.Errorf("party roots of community 1 = %+v", roots)
		}
		linked, _ := s.PartyOrgsOfNode(ctx, tr.Grid1.ID)
		if len(linked) != 1 || linked[0].ID != tr.Grid1Branch.ID {
			t.Errorf("grid 1 party orgs = %+v", linked)
		}
		// Move the grid-1 branch under community 2's committee: its node must follow.
		_, err = s.UpdatePartyOrg(ctx, tr.Grid1Branch.ID, redgrid.PartyOrgPatch{ParentID: &tr.Community2Committee.ID}, 0)
		kindOf(t, err, redgrid.KindInvalid)
		moved, err := s.UpdatePartyOrg(ctx, tr.Grid1Branch.ID, redgrid.PartyOrgPatch{ParentID: &tr.Community2Committee.ID, NodeID: &tr.Grid3.ID}, 0)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(moved.Path, tr.Community2Committee.Path) || moved.NodeID != tr.Grid3.ID {
			t.Errorf("moved branch = %+v", moved)
		}
		found, _ := s.SearchPartyOrgs(ctx, "wyd", []string{tr.District.Path}, 10)
		if len(found) != 1 {
			t.Errorf("search wyd found %d", len(found))
		}
	})
}

func TestOrgs(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		s, _ := open(t, e)
		tr := redgridtest.BuildTree(t, s)
		ctx := context.Background()
		// The department serves street 1, so community 1's staff see it; street 2's do not.
		got, err := s.Orgs(ctx, sqlstore.OrgFilter{Scopes: []string{tr.Community1.Path}})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 {
			t.Errorf("orgs visible in community 1: %d", len(got))
		}
		got, _ = s.Orgs(ctx, sqlstore.OrgFilter{Scopes: []string{tr.Community3.Path}})
		if len(got) != 0 {
			t.Errorf("orgs visible in community 3: %d", len(got))
		}
		got, _ = s.Orgs(ctx, sqlstore.OrgFilter{NodeID: tr.Building1.ID})
		if len(got) != 2 {
			t.Errorf("orgs serving building 1 (through ancestors): %d", len(got))
		}
		_, _, err = s.CreateOrg(ctx, redgrid.NewOrg{Kind: redgrid.OrgResidentUnit, Name: "单位", HomeNodeID: tr.Community1.ID, NodeIDs: []int64{424242}})
		kindOf(t, err, redgrid.KindInvalid)
		_, _, err = s.CreateOrg(ctx, redgrid.NewOrg{Kind: redgrid.OrgResidentUnit, Name: "单位", HomeNodeID: tr.Community1.ID, CreditCode: ptr("91420300MA49ABCD1X")})
		kindOf(t, err, redgrid.KindInvalid)
		o, err := s.UpdateOrg(ctx, tr.Property.ID, redgrid.OrgPatch{NodeIDs: &[]int64{tr.Grid1.ID, tr.Grid2.ID}}, tr.Property.Version)
		if err != nil || len(o.NodeIDs) != 2 || o.Version != 2 {
			t.Fatalf("update org: %+v %v", o, err)
		}
	})
}

func TestUsersGrantsSessions(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		s, clock := open(t, e)
		tr := redgridtest.BuildTree(t, s)
		ctx := context.Background()
		u := redgridtest.AddUser(t, s, "community1", "hash", redgrid.RoleCommunityStaff, tr.Community1.ID, 0)
		d := redgridtest.AddUser(t, s, "dept1", "hash", redgrid.RoleDepartmentStaff, 0, tr.Department.ID)
		p, err := s.Principal(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !p.Can(redgrid.ActReadTree, tr.Grid1.Path) || p.Can(redgrid.ActReadTree, tr.Grid3.Path) {
			t.Error("community staff scope wrong")
		}
		dp, _ := s.Principal(ctx, d.ID)
		if !dp.Can(redgrid.ActReadTree, tr.Grid3.Path) || dp.Can(redgrid.ActReadTree, tr.Community3.Path) {
			t.Error("department scope must be the nodes it serves")
		}
		// A role at the wrong level is refused.
		_, _, err = s.AddGrant(ctx, u.ID, redgrid.NewGrant{Role: redgrid.RoleCommunityStaff, NodeID: &tr.Street1.ID})
		kindOf(t, err, redgrid.KindInvalid)
		_, _, err = s.AddGrant(ctx, u.ID, redgrid.NewGrant{Role: redgrid.RoleCommunityStaff, NodeID: &tr.Community1.ID})
		kindOf(t, err, redgrid.KindConflict)
		_, _, err = s.CreateUser(ctx, redgrid.NewUser{Username: "community1", DisplayName: "x", Password: "longenough"}, "h")
		kindOf(t, err, redgrid.KindConflict)

		exp := clock.Now().Add(3600e9)
		if err := s.CreateSession(ctx, "tokhash", sqlstore.Session{UserID: u.ID, CSRFToken: "c", ExpiresAt: exp}, "127.0.0.1"); err != nil {
			t.Fatal(err)
		}
		if sess, err := s.Session(ctx, "tokhash"); err != nil || sess.UserID != u.ID {
			t.Fatalf("session: %+v %v", sess, err)
		}
		clock.Advance(2 * 3600e9)
		_, err = s.Session(ctx, "tokhash")
		kindOf(t, err, redgrid.KindUnauthorized)

		// Disabling ends sessions and the principal.
		if err := s.CreateSession(ctx, "tok2", sqlstore.Session{UserID: u.ID, CSRFToken: "c", ExpiresAt: clock.Now().Add(3600e9)}, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UpdateUser(ctx, u.ID, redgrid.UserPatch{Disabled: ptr(true)}, "", 0); err != nil {
			t.Fatal(err)
		}
		_, err = s.Session(ctx, "tok2")
		kindOf(t, err, redgrid.KindUnauthorized)
		_, err = s.Principal(ctx, u.ID)
		kindOf(t, err, redgrid.KindUnauthorized)

		if err := s.RecordLoginFailure(ctx, "x", "1.2.3.4"); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.LoginFailures(ctx, "x", clock.Now().Add(-60e9)); n != 1 {
			t.Errorf("login failures = %d", n)
		}
	})
}

func TestAuditLogIsAppendOnly(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		s, _ := open(t, e)
		redgridtest.BuildTree(t, s)
		ctx := context.Background()
		entries, err := s.AuditLog(ctx, 500, 0)
		if err != nil {
			t.Fatal(err)
		}
		creates := 0
		for _, a := range entries {
			if a.Action == "node.create" && a.Outcome == redgrid.OutcomeOK {
				creates++
			}
		}
		if creates != 10 {
			t.Errorf("node.create audit lines = %d, want 10", creates)
		}
		if _, err := s.DB().Exec("UPDATE audit_log SET actor = 'mallory'"); err == nil {
			t.Error("audit_log accepted an UPDATE")
		}
		if _, err := s.DB().Exec("DELETE FROM audit_log"); err == nil {
			t.Error("audit_log accepted a DELETE")
		}
	})
}

func TestIdempotentCreate(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		s, _ := open(t, e)
		tr := redgridtest.BuildTree(t, s)
		ctx := redgrid.WithActor(context.Background(), redgrid.Actor{UserID: 7, Username: "u7"})
		in := redgrid.NewNode{Kind: redgrid.KindGrid, Name: "新网格", ParentID: &tr.Community2.ID}
		ictx := redgrid.WithIdempotency(ctx, redgrid.Idempotency{Key: "k1", Route: "POST /api/v1/nodes", RequestHash: "h1"})

		// Concurrent retries of one request create exactly one node.
		var wg sync.WaitGroup
		ids := make([]int64, 6)
		errs := make([]error, 6)
		for i := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n, _, err := s.CreateNode(ictx, in)
				ids[i], errs[i] = n.ID, err
			}()
		}
		wg.Wait()
		for i := range ids {
			if errs[i] != nil {
				t.Fatalf("retry %d: %v", i, errs[i])
			}
			if ids[i] != ids[0] {
				t.Fatalf("retries created different nodes: %v", ids)
			}
		}
		kids, _ := s.Children(ctx, tr.Community2.ID)
		if len(kids) != 2 {
			t.Fatalf("community 2 has %d grids, want 2", len(kids))
		}
		_, replayed, err := s.CreateNode(ictx, in)
		if err != nil || !replayed {
			t.Fatalf("replay: %v %v", replayed, err)
		}
		// The same key with a different request is refused.
		other := redgrid.WithIdempotency(ctx, redgrid.Idempotency{Key: "k1", Route: "POST /api/v1/nodes", RequestHash: "h2"})
		_, _, err = s.CreateNode(other, in)
		kindOf(t, err, redgrid.KindUnprocessable)
	})
}

// Several servers may start against one database at once: migrations are applied once.
func TestConcurrentMigrate(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		dsn := e.DSN(t)
		var wg sync.WaitGroup
		errs := make([]error, 3)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s, err := sqlstore.Open(context.Background(), dsn, sqlstore.Options{})
				if err != nil {
					errs[i] = err
					return
				}
				defer s.Close()
				errs[i] = s.Migrate(context.Background())
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatalf("concurrent migrate: %v", err)
			}
		}
		s := redgridtest.OpenDSN(t, dsn, sqlstore.Options{})
		var n int
		s.DB().QueryRow("SELECT COUNT(*) FROM schema_migrations").Scan(&n)
		files, err := os.ReadDir("migrations/" + s.Engine())
		if err != nil {
			t.Fatal(err)
		}
		if n != len(files) {
			t.Errorf("schema_migrations has %d rows, want one per migration (%d)", n, len(files))
		}
	})
}

// TestAuthChangesTakeEffect: sessions and principals are cached for a second. On the server that
// made the change, a removed role and a logout take effect on the next request; another server
// on the same database sees them within the second.
func TestAuthChangesTakeEffect(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ctx := context.Background()
		dsn := e.DSN(t)
		a := redgridtest.OpenDSN(t, dsn, sqlstore.Options{})
		b := redgridtest.OpenDSN(t, dsn, sqlstore.Options{})
		tr := redgridtest.BuildTree(t, a)
		u := redgridtest.AddUser(t, a, "wang", "x", redgrid.RoleGridWorker, tr.Grid1.ID, 0)
		if err := a.CreateSession(ctx, "h1", sqlstore.Session{UserID: u.ID, CSRFToken: "c", ExpiresAt: time.Now().Add(time.Hour)}, "127.0.0.1"); err != nil {
			t.Fatal(err)
		}
		for _, s := range []*sqlstore.Store{a, b} { // fill both caches
			if _, err := s.Session(ctx, "h1"); err != nil {
				t.Fatal(err)
			}
			if p, err := s.Principal(ctx, u.ID); err != nil || len(p.Grants) != 1 {
				t.Fatalf("principal: %+v %v", p, err)
			}
		}
		if err := a.RemoveGrant(ctx, u.ID, u.Roles[0].ID); err != nil {
			t.Fatal(err)
		}
		if err := a.DeleteSession(ctx, "h1"); err != nil {
			t.Fatal(err)
		}
		if p, err := a.Principal(ctx, u.ID); err != nil || len(p.Grants) != 0 {
			t.Fatalf("the server that removed the role still sees %+v (%v)", p, err)
		}
		if _, err := a.Session(ctx, "h1"); err == nil {
			t.Fatal("the server that ended the session still accepts it")
		}
		time.Sleep(sqlstore.AuthTTL + 50*time.Millisecond)
		if p, err := b.Principal(ctx, u.ID); err != nil || len(p.Grants) != 0 {
			t.Fatalf("another server still sees %+v (%v) after %v", p, err, sqlstore.AuthTTL)
		}
		if _, err := b.Session(ctx, "h1"); err == nil {
			t.Fatalf("another server still accepts the ended session after %v", sqlstore.AuthTTL)
		}
	})
}
