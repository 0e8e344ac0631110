package sqlstore

import (
	"context"
	"fmt"
	"strings"
)

// CaseCounts sums the case rollup of one node over the days [from, to] (YYYY-MM-DD, CST): at most
// one row per day, whatever the number of cases.
func (s *Store) CaseCounts(ctx context.Context, nodeID int64, from, to string) (map[string]int64, error) {
	sums := make([]string, len(rollupCols))
	for i, c := range rollupCols {
		sums[i] = "COALESCE(SUM(" + c + "), 0)"
	}
	row := s.queryRow(ctx, "SELECT "+strings.Join(sums, ", ")+" FROM case_rollup WHERE node_id = ? AND day >= ? AND day <= ?", nodeID, from, to)
	vals := make([]int64, len(rollupCols))
	ptrs := make([]any, len(vals))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := row.Scan(ptrs...); err != nil {
		return nil, fmt.Errorf("case counts: %w", err)
	}
	out := make(map[string]int64, len(vals))
	for i, c := range rollupCols {
		out[c] = vals[i]
	}
	return out, nil
}

// DeptCounts are one department's counters under a node over a period.
type DeptCounts struct {
	OrgID  int64
	Name   string
	Counts map[string]int64
}

// DepartmentCounts sums the department rollup of one node over the days [from, to].
func (s *Store) DepartmentCounts(ctx context.Context, nodeID int64, from, to string) ([]DeptCounts, error) {
	sums := make([]string, len(orgRollupCols))
	for i, c := range orgRollupCols {
		sums[i] = "COALESCE(SUM(r." + c + "), 0)"
	}
	rows, err := s.query(ctx, "SELECT r.org_id, o.name, "+strings.Join(sums, ", ")+
		" FROM case_org_rollup r JOIN orgs o ON o.id = r.org_id WHERE r.node_id = ? AND r.day >= ? AND r.day <= ? GROUP BY r.org_id, o.name ORDER BY r.org_id", nodeID, from, to)
	if err != nil {
		return nil, fmt.Errorf("department counts: %w", err)
	}
	defer rows.Close()
	out := []DeptCounts{}
	for rows.Next() {
		var d DeptCounts
		vals := make([]int64, len(orgRollupCols))
		ptrs := []any{&d.OrgID, &d.Name}
		for i := range vals {
			ptrs = append(ptrs, &vals[i])
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		d.Counts = map[string]int64{}
		for i, c := range orgRollupCols {
			d.Counts[c] = vals[i]
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// RebuildRollups recomputes the case rollup from the cases (their flags record every once-only
// counter), for a repair after a restore or a bulk load: the one place a rollup is derived by a
// scan. The department rollup is kept by the transitions only.
func (s *Store) RebuildRollups(ctx context.Context) error {
	return s.write(ctx, func(t *tx) error {
		if _, err := t.exec("DELETE FROM case_rollup"); err != nil {
			return err
		}
		rows, err := t.query("SELECT path, received_day, state, flags, rating, resolved FROM cases")
		if err != nil {
			return err
		}
		acc := newRollupAcc()
		for rows.Next() {
			var path, day, state, rating string
			var flags int
			var resolved *bool
			if err := rows.Scan(&path, &day, &state, &flags, &rating, &resolved); err != nil {
				rows.Close()
				return err
			}
			acc.add(path, day, rcReceived, 1)
			for flag, col := range map[int]string{fRegistered: rcRegistered, fDispatched: rcDispatched, fHandled: rcHandled,
				fReworked: rcReworked, fExtended: rcExtended, fDue: rcDue, fOverdue: rcOverdue, fClosed: rcClosed, fRespondedOnTime: rcResponded} {
				if flags&flag != 0 {
					acc.add(path, day, col, 1)
				}
			}
			switch state {
			case "voided":
				acc.add(path, day, rcVoided, 1)
			case "suspended":
				acc.add(path, day, rcSuspended, 1)
			case "closed":
				if flags&fHandleLate == 0 {
					acc.add(path, day, rcClosedOnTime, 1)
				}
				acc.add(path, day, rcCallbacks, 1)
				acc.add(path, day, map[string]string{"satisfied": rcSatisfied, "basically_satisfied": rcBasic, "dissatisfied": rcDissatisfied}[rating], 1)
				if resolved != nil && *resolved {
					acc.add(path, day, rcResolved, 1)
				}
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		return acc.flush(t)
	})
}
