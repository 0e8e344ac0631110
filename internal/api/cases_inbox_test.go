package api_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/redgrid/redgrid/internal/redgridtest"
)

// TestCaseInboxPages: a department's inbox (部门待办) in its three tabs — to accept, handling,
// done — holds exactly the cases on that department in each (not those of other departments),
// to accept and handling ordered by the department's own deadline, the most urgent first; the
// pages of order=due (after, after_due = the department's deadline) or order=new (before) put
// together are the whole tab in the same order, across equal deadlines, and a case dispatched
// between two pages — sooner due than the cursor or later — shows neither twice nor makes another
// go missing. A caller of no department has an empty inbox; bad tabs are refused.
func TestCaseInboxPages(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev, dept2 := caseEnv(t, e)
		dept1 := ev.tree.Department.ID
		lng, lat := inCell(0, 0)
		act := func(user string, id int64, body string) {
			t.Helper()
			if st, _, b := ev.act(user, id, body); st != 200 {
				t.Fatalf("%d %s: %d %s", id, body, st, b)
			}
		}
		dispatch := func(desc string, lead, co int64) int64 {
			t.Helper()
			st, c, b := ev.report("community1", reportBody(lng, lat, "0101", desc), nil)
			if st != 201 {
				t.Fatalf("report: %d %s", st, b)
			}
			act("community1", c.ID, `{"action":"register"}`)
			body := fmt.Sprintf(`{"action":"dispatch","lead_department_id":%d}`, lead)
			if co != 0 {
				body = fmt.Sprintf(`{"action":"dispatch","lead_department_id":%d,"co_department_ids":[%d]}`, lead, co)
			}
			act("community1", c.ID, body)
			return c.ID
		}
		var lead []int64
		for i := range 9 {
			lead = append(lead, dispatch(fmt.Sprintf("垃圾 %d", i), dept1, 0))
			if i%3 == 1 {
				ev.clock.Advance(11*time.Minute + 500*time.Millisecond) // some deadlines equal, some not
			}
		}
		co := dispatch("协办的案件", dept2.ID, dept1)
		other := dispatch("别的部门的案件", dept2.ID, 0)
		// handling: three accepted at different times; done: one fed back, one returned
		for _, id := range []int64{lead[5], lead[1], lead[7]} {
			act("dept1", id, `{"action":"accept"}`)
			ev.clock.Advance(13 * time.Minute)
		}
		act("dept1", lead[7], `{"action":"feedback","reason":"已清运"}`)
		act("dept1", lead[3], `{"action":"return","reason":"不属于本部门"}`)

		list := func(user, q string) []caseDoc {
			t.Helper()
			res, b := ev.do(user, "GET", "/api/v1/cases?"+q, "", nil)
			var lst struct{ Items []caseDoc }
			if err := json.Unmarshal(b, &lst); err != nil || res.StatusCode != 200 {
				t.Fatalf("%s: %d %s", q, res.StatusCode, b)
			}
			return lst.Items
		}
		ids := func(cs []caseDoc) []int64 {
			out := make([]int64, len(cs))
			for i, c := range cs {
				out[i] = c.ID
			}
			return out
		}
		// the department's running deadline on a case, as the list gives it
		deptDue := func(c caseDoc) *time.Time {
			for _, d := range c.Departments {
				if d.OrgID == dept1 {
					switch d.State {
					case "dispatched":
						return d.AcceptDue
					case "accepted":
						return d.HandleDue
					}
				}
			}
			return nil
		}
		sorted := func(want []int64) []int64 { return slices.Sorted(slices.Values(want)) }
		tabs := []struct {
			tab, order string
			want       []int64
		}{
			{"accept", "due", []int64{lead[0], lead[2], lead[4], lead[6], lead[8], co}},
			{"handle", "due", []int64{lead[5], lead[1]}},
			{"done", "new", []int64{lead[7], lead[3]}},
		}
		for _, tc := range tabs {
			all := list("dept1", fmt.Sprintf("inbox=%s&order=%s&limit=100", tc.tab, tc.order))
			if got := sorted(ids(all)); fmt.Sprint(got) != fmt.Sprint(sorted(tc.want)) {
				t.Fatalf("%s: %v, want %v", tc.tab, got, sorted(tc.want))
			}
			if slices.Contains(ids(all), other) {
				t.Fatalf("%s holds a case of another department", tc.tab)
			}
			for i := 1; i < len(all) && tc.order == "due"; i++ {
				a, b := deptDue(all[i-1]), deptDue(all[i])
				if a == nil || b == nil || a.After(*b) || (a.Equal(*b) && all[i-1].ID > all[i].ID) {
					t.Fatalf("%s not by the department's deadline, then id: %v", tc.tab, ids(all))
				}
			}
			for _, size := range []int{1, 2, 4} {
				if got := pageInbox(t, list, tc.tab, tc.order, size, deptDue, nil); fmt.Sprint(got) != fmt.Sprint(ids(all)) {
					t.Errorf("%s in pages of %d: %v, want %v", tc.tab, size, got, ids(all))
				}
			}
		}

		// dispatched between pages: one due later than everything, one due before the cursor
		// (dispatched an hour "earlier": a shorter deadline); the pages skip nothing and repeat
		// nothing, whatever the new cases' places
		before := ids(list("dept1", "inbox=accept&order=due&limit=100"))
		var added []int64
		got := pageInbox(t, list, "accept", "due", 2, deptDue, func(page int) {
			if page == 1 {
				added = append(added, dispatch("新派的案件", dept1, 0))
				ev.clock.Advance(-2 * time.Hour)
				added = append(added, dispatch("更急的案件", dept1, 0))
				ev.clock.Advance(2 * time.Hour)
			}
		})
		seen := map[int64]int{}
		for _, id := range got {
			seen[id]++
		}
		for _, id := range before {
			if seen[id] != 1 {
				t.Errorf("case %d shown %d times across the pages: %v", id, seen[id], got)
			}
		}
		for _, id := range added {
			if seen[id] > 1 {
				t.Errorf("new case %d shown twice: %v", id, got)
			}
		}
		if after := ids(list("dept1", "inbox=accept&order=due&limit=100")); after[0] != added[1] || !slices.Contains(after, added[0]) {
			t.Errorf("a reload from the top shows both new cases, the sooner due first: %v (new %v)", after, added)
		}

		// not a department: nothing; a bad tab or the caller's own reports: refused
		if l := list("community1", "inbox=accept&order=due"); len(l) != 0 {
			t.Errorf("community staff's inbox: %v", ids(l))
		}
		for _, q := range []string{"inbox=all", "inbox=accept&mine=true", "inbox=accept&order=new&after=1"} {
			res, b := ev.do("dept1", "GET", "/api/v1/cases?"+q, "", nil)
			if res.StatusCode != 400 {
				t.Errorf("%s: %d %s", q, res.StatusCode, b)
			}
		}
	})
}

// pageInbox reads one inbox tab page by page (size cases each) to the end, as the UI does,
// calling between(n) after the n-th page, and returns the case ids in the order read.
func pageInbox(t *testing.T, list func(user, q string) []caseDoc, tab, order string, size int,
	deptDue func(caseDoc) *time.Time, between func(int)) []int64 {
	t.Helper()
	var got []int64
	q := fmt.Sprintf("inbox=%s&order=%s&limit=%d", tab, order, size)
	for n := 1; n <= 100; n++ {
		page := list("dept1", q)
		for _, c := range page {
			got = append(got, c.ID)
		}
		if len(page) < size {
			return got
		}
		if between != nil {
			between(n)
		}
		last := page[len(page)-1]
		if order == "new" {
			q = fmt.Sprintf("inbox=%s&order=new&limit=%d&before=%d", tab, size, last.ID)
			continue
		}
		q = fmt.Sprintf("inbox=%s&order=due&limit=%d&after=%d", tab, size, last.ID)
		if d := deptDue(last); d != nil {
			q += "&after_due=" + url.QueryEscape(d.Format(time.RFC3339Nano))
		}
	}
	t.Fatalf("%s: no end of pages", tab)
	return nil
}
