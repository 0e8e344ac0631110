package sqlstore_test

import (
	"testing"
	"time"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/redgridtest"
	"github.com/redgrid/redgrid/internal/sqlstore"
)

// TestReregistrationPeriodIsConfigured: a district that asks its in-service members to register
// again every three months gets certificates due three months after confirmation.
func TestReregistrationPeriodIsConfigured(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		clock := redgridtest.NewClock()
		s := e.Open(t, sqlstore.Options{Now: clock.Now, ReregisterMonths: 3})
		tr := redgridtest.BuildTree(t, s)
		m, _, err := s.CreateMember(t.Context(), redgrid.NewMember{Name: "陈志远", BranchID: tr.Grid1Branch.ID, Status: redgrid.MemberFull,
			InService: true, ResidenceID: tr.Building1.ID})
		if err != nil {
			t.Fatal(err)
		}
		reg, err := s.RequestRegistration(t.Context(), m.ID)
		if err != nil {
			t.Fatal(err)
		}
		reg, err = s.ConfirmRegistration(t.Context(), reg.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := clock.Now().In(time.FixedZone("CST", 8*3600)).AddDate(0, 3, 0).Format(time.DateOnly)
		if reg.DueOn != want {
			t.Fatalf("due on %s, want %s (three months)", reg.DueOn, want)
		}
	})
}

// TestNameKeysOfEarlierRows: members recorded before their names' pinyin was kept are found by
// pinyin initials once a server has started (Migrate fills the missing keys).
func TestNameKeysOfEarlierRows(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		s := e.Open(t, sqlstore.Options{})
		tr := redgridtest.BuildTree(t, s)
		for _, name := range []string{"陈志远", "王秀英"} {
			if _, _, err := s.CreateMember(t.Context(), redgrid.NewMember{Name: name, BranchID: tr.Grid1Branch.ID, Status: redgrid.MemberFull,
				ResidenceID: tr.Building1.ID}); err != nil {
				t.Fatal(err)
			}
		}
		found := func(q string) int {
			t.Helper()
			ms, err := s.Members(t.Context(), sqlstore.MemberQuery{Q: q})
			if err != nil {
				t.Fatal(err)
			}
			return len(ms)
		}
		if found("czy") != 1 || found("wangxiu") != 1 {
			t.Fatal("new members are not found by their pinyin")
		}
		if _, err := s.DB().Exec("UPDATE members SET pinyin = '', initials = ''"); err != nil {
			t.Fatal(err)
		}
		if found("czy") != 0 {
			t.Fatal("found without keys")
		}
		if err := s.Migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
		if found("czy") != 1 || found("wxy") != 1 || found("陈") != 1 {
			t.Fatal("the keys of earlier members were not filled")
		}
	})
}
