package sqlstore

import (
	"sort"
	"strings"

	"github.com/redgrid/redgrid"
)

// Rollup counters. Each moves once per case, when the transition that decides it happens
// (suspended moves both ways: it counts the cases suspended now).
const (
	rcReceived     = "received"
	rcRegistered   = "registered"
	rcVoided       = "voided"
	rcDispatched   = "dispatched"
	rcResponded    = "responded"
	rcHandled      = "handled"
	rcReworked     = "reworked"
	rcExtended     = "extended"
	rcClosed       = "closed"
	rcClosedOnTime = "closed_on_time"
	rcDue          = "due"
	rcSuspended    = "suspended"
	rcOverdue      = "overdue"
	rcCallbacks    = "callbacks"
	rcSatisfied    = "satisfied"
	rcBasic        = "basic"
	rcDissatisfied = "dissatisfied"
	rcResolved     = "resolved"
	// 三事分办: received by matter (moved when the dispatching level changes a case's matter),
	// handed to community self-governance, fed back by the community (on time), guided.
	rcReceivedPublic    = "received_public"
	rcReceivedCommunity = "received_community"
	rcReceivedPrivate   = "received_private"
	rcSelfGoverned      = "self_governed"
	rcSelfHandled       = "self_handled"
	rcSelfHandledOnTime = "self_handled_on_time"
	rcGuided            = "guided"
)

// receivedOf is the received counter of a matter.
func receivedOf(m redgrid.Matter) string {
	switch m {
	case redgrid.MatterCommunity:
		return rcReceivedCommunity
	case redgrid.MatterPrivate:
		return rcReceivedPrivate
	}
	return rcReceivedPublic
}

// rollupCols lists the case_rollup counters in table order.
var rollupCols = []string{rcReceived, rcRegistered, rcVoided, rcDispatched, rcResponded, rcHandled, rcReworked,
	rcExtended, rcClosed, rcClosedOnTime, rcDue, rcSuspended, rcOverdue, rcCallbacks, rcSatisfied, rcBasic,
	rcDissatisfied, rcResolved, rcReceivedPublic, rcReceivedCommunity, rcReceivedPrivate, rcSelfGoverned, rcSelfHandled,
	rcSelfHandledOnTime, rcGuided}

// Department counters (case_org_rollup).
const (
	ocDispatched     = "dispatched"
	ocAccepted       = "accepted"
	ocAcceptedOnTime = "accepted_on_time"
	ocAcceptSeconds  = "accept_seconds"
	ocReturned       = "returned"
	ocHandled        = "handled"
	ocHandledOnTime  = "handled_on_time"
)

var orgRollupCols = []string{ocDispatched, ocAccepted, ocAcceptedOnTime, ocAcceptSeconds, ocReturned, ocHandled, ocHandledOnTime}

type rollKey struct {
	node int64
	org  int64 // 0: case_rollup
	day  string
}

// rollupAcc gathers counter changes in memory and writes one upsert per (node, day) when the
// transaction ends, so a batch of a hundred cases in one grid costs a handful of upserts.
type rollupAcc struct{ m map[rollKey]map[string]int64 }

func newRollupAcc() *rollupAcc { return &rollupAcc{m: map[rollKey]map[string]int64{}} }

// add moves col by n for the case's grid and every ancestor (path) on day.
func (a *rollupAcc) add(path, day, col string, n int64) { a.addOrg(0, path, day, col, n) }

// addOrg moves a department counter (org > 0) for every node on path.
func (a *rollupAcc) addOrg(org int64, path, day, col string, n int64) {
	if n == 0 {
		return
	}
	for _, id := range pathInts(path) {
		a.addKey(rollKey{node: id, org: org, day: day}, col, n)
	}
}

func (a *rollupAcc) merge(b *rollupAcc) {
	for k, cs := range b.m {
		c := a.m[k]
		if c == nil {
			a.m[k] = cs
			continue
		}
		for col, n := range cs {
			c[col] += n
		}
	}
}

// flush writes the gathered changes to the day rows and the month rows: per table, one multi-row
// upsert (in chunks) over the union of the columns moved, rows in key order so that concurrent
// transactions on PostgreSQL lock rows in the same order and cannot deadlock (a column a row did
// not move is added 0).
func (a *rollupAcc) flush(t *tx) error {
	keys := make([]rollKey, 0, len(a.m))
	for k, cs := range a.m {
		for _, n := range cs {
			if n != 0 {
				keys = append(keys, k)
				break
			}
		}
	}
	sortKeys(keys)
	// The month rows take the same changes summed by month.
	months := newRollupAcc()
	for _, k := range keys {
		mk := rollKey{node: k.node, org: k.org, day: k.day[:7]}
		for c, n := range a.m[k] {
			months.addKey(mk, c, n)
		}
	}
	mkeys := make([]rollKey, 0, len(months.m))
	for k := range months.m {
		mkeys = append(mkeys, k)
	}
	sortKeys(mkeys)
	for _, set := range []struct {
		acc   *rollupAcc
		keys  []rollKey
		month bool
	}{{a, keys, false}, {months, mkeys, true}} {
		keys := set.keys
		for len(keys) > 0 {
			// keys with org 0 (case_rollup) sort first; then the department rows
			n := sort.Search(len(keys), func(i int) bool { return keys[i].org != 0 })
			if n == 0 {
				n = len(keys)
			}
			if err := set.acc.upsert(t, keys[:n], keys[0].org != 0, set.month); err != nil {
				return err
			}
			keys = keys[n:]
		}
	}
	a.m = map[rollKey]map[string]int64{}
	return nil
}

// sortKeys puts keys in the order rows are locked in: table (org 0 first), node, day.
func sortKeys(keys []rollKey) {
	sort.Slice(keys, func(i, j int) bool {
		x, y := keys[i], keys[j]
		if x.org != y.org {
			return x.org < y.org
		}
		if x.node != y.node {
			return x.node < y.node
		}
		return x.day < y.day
	})
}

func (a *rollupAcc) addKey(k rollKey, col string, n int64) {
	c := a.m[k]
	if c == nil {
		c = map[string]int64{}
		a.m[k] = c
	}
	c[col] += n
}

// rollupTable names the table of day (or month) rows, for departments (org) or not, and the
// columns of its key.
func rollupTable(org, month bool) (table string, key []string) {
	period := "day"
	if month {
		period = "month"
	}
	if org {
		table, key = "case_org_rollup", []string{"node_id", period, "org_id"}
	} else {
		table, key = "case_rollup", []string{"node_id", period}
	}
	if month {
		table += "_month"
	}
	return table, key
}

// upsert adds the counters of keys (all of one table) to their rows.
func (a *rollupAcc) upsert(t *tx, keys []rollKey, org, month bool) error {
	seen := map[string]bool{}
	var cols []string
	for _, k := range keys {
		for c, n := range a.m[k] {
			if n != 0 && !seen[c] {
				seen[c] = true
				cols = append(cols, c)
			}
		}
	}
	sort.Strings(cols)
	table, names := rollupTable(org, month)
	names = append(names, "shard")
	conflict := strings.Join(names, ", ")
	shard := t.s.rollupShard()
	sets := make([]string, len(cols))
	for i, c := range cols {
		sets[i] = c + " = " + table + "." + c + " + excluded." + c
	}
	names = append(names, cols...)
	row := "(?" + strings.Repeat(", ?", len(names)-1) + ")"
	for len(keys) > 0 {
		size := chunk(len(keys))
		args := make([]any, 0, size*len(names))
		for _, k := range keys[:size] {
			args = append(args, k.node, k.day)
			if org {
				args = append(args, k.org)
			}
			args = append(args, shard)
			for _, c := range cols {
				args = append(args, a.m[k][c])
			}
		}
		q := "INSERT INTO " + table + " (" + strings.Join(names, ", ") + ") VALUES " + row + strings.Repeat(", "+row, size-1) +
			" ON CONFLICT (" + conflict + ") DO UPDATE SET " + strings.Join(sets, ", ")
		if _, err := t.exec(q, args...); err != nil {
			return err
		}
		keys = keys[size:]
	}
	return nil
}

// rollupShards is how many rows a counter of one node and period is spread over on PostgreSQL.
// Every case moves the district's row; in one row, concurrent transactions would each wait
// for the one before to commit and flush. With the rows in shards a transaction takes the next
// shard in turn, and the figures sum the shards.
const rollupShards = 8

// rollupShard is the shard a transaction's counters go to: always 0 on SQLite (one writer).
func (s *Store) rollupShard() int64 {
	if s.dialect != postgres {
		return 0
	}
	return int64(s.shardTurn.Add(1) % rollupShards)
}

func pathInts(path string) []int64 {
	ids := redgrid.PathIDs(path)
	out := make([]int64, 0, len(ids))
	for _, s := range ids {
		var n int64
		for _, c := range s {
			n = n*10 + int64(c-'0')
		}
		out = append(out, n)
	}
	return out
}
