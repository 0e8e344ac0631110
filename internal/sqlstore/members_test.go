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
