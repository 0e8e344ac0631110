package sqlstore

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
)

// period is a stretch [from, to] of day rows (YYYY-MM-DD) or of month rows (YYYY-MM).
type period struct {
	from, to string
	month    bool
}

// splitPeriod cuts the days [from, to] into the whole months inside it, read from the month
// rows, and the days at either end, read from the day rows: at most three stretches, and about
// 30 + 30 + one row per month, whatever the length of the period.
func splitPeriod(from, to string) []period {
	f, err1 := time.Parse(time.DateOnly, from)
	t, err2 := time.Parse(time.DateOnly, to)
	if err1 != nil || err2 != nil || t.Before(f) {
		return []period{{from: from, to: to}}
	}
	first := time.Date(f.Year(), f.Month(), 1, 0, 0, 0, 0, time.UTC) // first whole month
	if f.Day() != 1 {
		first = first.AddDate(0, 1, 0)
	}
	after := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC) // the month after the last whole one
	if t.AddDate(0, 0, 1).Month() != t.Month() {
		after = after.AddDate(0, 1, 0)
	}
	if !first.Before(after) {
		return []period{{from: from, to: to}}
	}
	out := []period{{from: first.Format("2006-01"), to: after.AddDate(0, -1, 0).Format("2006-01"), month: true}}
	if f.Before(first) {
		out = append(out, period{from: from, to: first.AddDate(0, 0, -1).Format(time.DateOnly)})
	}
	if !t.Before(after) {
		out = append(out, period{from: after.Format(time.DateOnly), to: to})
	}
	return out
}

// CaseCounts sums the case rollup of one node over the days [from, to] (YYYY-MM-DD, CST), whole
// months from the month rows: about a hundred rows at most, whatever the number of cases.
func (s *Store) CaseCounts(ctx context.Context, nodeID int64, from, to string) (map[string]int64, error) {
	sums := make([]string, len(rollupCols))
	for i, c := range rollupCols {
		sums[i] = "COALESCE(SUM(" + c + "), 0)"
	}
	out := make(map[string]int64, len(rollupCols))
	for _, c := range rollupCols {
		out[c] = 0
	}
	for _, p := range splitPeriod(from, to) {
		table, key := rollupTable(false, p.month)
		row := s.queryRow(ctx, "SELECT "+strings.Join(sums, ", ")+" FROM "+table+" WHERE node_id = ? AND "+key[1]+" >= ? AND "+key[1]+" <= ?", nodeID, p.from, p.to)
		vals := make([]int64, len(rollupCols))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := row.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("case counts: %w", err)
		}
		for i, c := range rollupCols {
			out[c] += vals[i]
		}
	}
	return out, nil
}

// DeptCounts are one department's counters under a node over a period.
type DeptCounts struct {
	OrgID  int64
	Name   string
	Counts map[string]int64
}

// DepartmentCounts sums the department rollup of one node over the days [from, to], whole months
// from the month rows.
func (s *Store) DepartmentCounts(ctx context.Context, nodeID int64, from, to string) ([]DeptCounts, error) {
	sums := make([]string, len(orgRollupCols))
	for i, c := range orgRollupCols {
		sums[i] = "COALESCE(SUM(r." + c + "), 0)"
	}
	byOrg := map[int64]*DeptCounts{}
	for _, p := range splitPeriod(from, to) {
		table, key := rollupTable(true, p.month)
		rows, err := s.query(ctx, "SELECT r.org_id, o.name, "+strings.Join(sums, ", ")+" FROM "+table+" r JOIN orgs o ON o.id = r.org_id WHERE r.node_id = ? AND r."+
			key[1]+" >= ? AND r."+key[1]+" <= ? GROUP BY r.org_id, o.name", nodeID, p.from, p.to)
		if err != nil {
			return nil, fmt.Errorf("department counts: %w", err)
		}
		for rows.Next() {
			var id int64
			var name string
			vals := make([]int64, len(orgRollupCols))
			ptrs := []any{&id, &name}
			for i := range vals {
				ptrs = append(ptrs, &vals[i])
			}
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				return nil, err
			}
			d := byOrg[id]
			if d == nil {
				d = &DeptCounts{OrgID: id, Name: name, Counts: map[string]int64{}}
				byOrg[id] = d
			}
			for i, c := range orgRollupCols {
				d.Counts[c] += vals[i]
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	out := make([]DeptCounts, 0, len(byOrg))
	for _, d := range byOrg {
		out = append(out, *d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].OrgID < out[j].OrgID })
	return out, nil
}
