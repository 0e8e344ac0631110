package sqlstore

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Multi-row writes for group commit. A new case is five rows in five tables (the case, its first
// event, its first deadline, its audit line and, with an Idempotency-Key, the key). Written one
// statement per row, the single SQLite writer spends most of its time entering and leaving the
// engine for each statement; written as one INSERT per table for the whole batch, each row costs
// only its own b-tree insert. A request that can be written this way carries a bulkRow beside
// its fn; when the multi-row write fails for any reason the batch is run again request by
// request through fn (see runAll), so a bulkRow never decides an outcome on its own.

// bulkTable is a table that new cases write a row to, with the columns written.
type bulkTable struct {
	name, cols string
	n          int // number of columns
	// pgTypes are the columns' PostgreSQL types, for the unnest of text arrays (insertPG).
	pgTypes string
}

// The tables of a new case, in the order they are written (the later ones refer to cases).
var bulkTables = [...]bulkTable{
	{"cases", `id, state, category_id, node_id, path, lng, lat, address, description, channel, reporter_id,
		reporter_name, reporter_phone, anonymous, follow_hash, stage, due_at, photos, received_day, created_at, updated_at, matter`, 22,
		"bigint text bigint bigint text float8 float8 text text text bigint text text boolean text text timestamptz text text timestamptz timestamptz text"},
	{"case_events", "case_id, at, actor_id, actor, action, from_state, to_state, reason, detail", 9,
		"bigint timestamptz bigint text text text text text text"},
	{"case_deadlines", "case_id, stage, started_at, due_at, remind_at", 5, "bigint text timestamptz timestamptz timestamptz"},
	{"audit_log", "at, actor_id, actor, action, target, outcome, remote_addr, request_id, detail", 9,
		"timestamptz bigint text text text text text text text"},
	{"idempotency_keys", "user_id, idem_key, route, request_hash, resource, resource_id, created_at", 7,
		"bigint text text text text bigint timestamptz"},
}

// bulkRow is one new case ready for a multi-row write.
type bulkRow struct {
	// id receives the case's id once it is assigned.
	id *int64
	// values returns, for the case id given, the values of its row in each of bulkTables
	// (nil: no row in that table).
	values func(id int64) [len(bulkTables)][]any
	// rollup moves the case's counters.
	rollup func(*rollupAcc)
	// near, when set, is the duplicate search of CaseIntake.Near, run once every row of the
	// batch is written, with the other searches of the batch (nearAll).
	near *nearSearch
}

// chunk is how many of n rows the next multi-row statement writes: the largest power of two up
// to 64 that is at most n. Rows are written in a few statements (at most one per bit of n), and
// only seven distinct statements exist per table to be prepared and cached.
func chunk(n int) int {
	size := 64
	for size > n {
		size /= 2
	}
	return size
}

// writeBulk writes rows in multi-row statements inside t and moves their counters in acc.
func (t *tx) writeBulk(rows []*bulkRow, acc *rollupAcc) error {
	ids, err := t.newCaseIDs(len(rows))
	if err != nil {
		return err
	}
	var tables [len(bulkTables)][][]any
	for i, r := range rows {
		vals := r.values(ids[i])
		for k, v := range vals {
			if v != nil {
				tables[k] = append(tables[k], v)
			}
		}
	}
	for k, vals := range tables {
		if err := t.insertRows(bulkTables[k], vals); err != nil {
			return err
		}
	}
	var searches []*nearSearch
	var searchIDs []int64
	for i, r := range rows {
		*r.id = ids[i]
		r.rollup(acc)
		if r.near != nil {
			searches, searchIDs = append(searches, r.near), append(searchIDs, ids[i])
		}
	}
	if len(searches) > 0 {
		return t.nearAll(searches, searchIDs)
	}
	return nil
}

// newCaseIDs reserves n case ids. SQLite: the writer holds the database's write lock (BEGIN
// IMMEDIATE), so the ids after the largest are free. PostgreSQL: from the identity sequence,
// which other servers draw from too.
func (t *tx) newCaseIDs(n int) ([]int64, error) {
	ids := make([]int64, 0, n)
	if t.s.dialect == postgres {
		rows, err := t.query("SELECT nextval(pg_get_serial_sequence('cases', 'id')) FROM generate_series(1, ?)", n)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return nil, err
			}
			ids = append(ids, id)
		}
		return ids, rows.Err()
	}
	var last int64
	if err := t.queryRow("SELECT COALESCE(MAX(id), 0) FROM cases").Scan(&last); err != nil {
		return nil, err
	}
	for i := range n {
		ids = append(ids, last+1+int64(i))
	}
	return ids, nil
}

// insertRows writes rows to table: on SQLite in multi-row INSERTs of chunk sizes, on PostgreSQL
// in one INSERT … SELECT FROM unnest of one text array per column, whatever the number of rows
// (one round trip and one cached plan per table and batch).
func (t *tx) insertRows(table bulkTable, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	if t.s.dialect == postgres {
		cols := make([]any, table.n)
		for c := range cols {
			col := make([]*string, len(rows))
			for i, r := range rows {
				col[i] = asText(r[c])
			}
			cols[c] = col
		}
		_, err := t.exec(t.s.insertPG(table), cols...)
		return err
	}
	for len(rows) > 0 {
		size := chunk(len(rows))
		args := make([]any, 0, size*table.n)
		for _, r := range rows[:size] {
			args = append(args, r...)
		}
		if _, err := t.exec(t.s.insertSQL(table, size), args...); err != nil {
			return err
		}
		rows = rows[size:]
	}
	return nil
}

// insertSQL is the INSERT of size rows into table.
func (s *Store) insertSQL(table bulkTable, size int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO ")
	b.WriteString(table.name)
	b.WriteString(" (")
	b.WriteString(table.cols)
	b.WriteString(")")
	if s.dialect == postgres && table.name == "cases" {
		b.WriteString(" OVERRIDING SYSTEM VALUE") // cases.id is GENERATED ALWAYS; the id was drawn from its sequence
	}
	b.WriteString(" VALUES ")
	row := "(" + strings.Repeat("?, ", table.n-1) + "?)"
	for i := range size {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	return b.String()
}

// insertPG is the INSERT of table's rows from one text array per column.
func (s *Store) insertPG(table bulkTable) string {
	types := strings.Fields(table.pgTypes)
	var sel, arr []string
	for i, ty := range types {
		n := strconv.Itoa(i + 1)
		arr = append(arr, "?::text[]")
		sel = append(sel, "u"+n+"::"+ty)
	}
	names := make([]string, len(types))
	for i := range names {
		names[i] = "u" + strconv.Itoa(i+1)
	}
	over := ""
	if table.name == "cases" {
		over = " OVERRIDING SYSTEM VALUE" // cases.id is GENERATED ALWAYS; the id was drawn from its sequence
	}
	return "INSERT INTO " + table.name + " (" + table.cols + ")" + over + " SELECT " + strings.Join(sel, ", ") +
		" FROM unnest(" + strings.Join(arr, ", ") + ") AS u(" + strings.Join(names, ", ") + ")"
}

// asText is v as PostgreSQL reads it from text (nil: NULL).
func asText(v any) *string {
	var s string
	switch x := v.(type) {
	case nil:
		return nil
	case *int64:
		if x == nil {
			return nil
		}
		s = strconv.FormatInt(*x, 10)
	case int64:
		s = strconv.FormatInt(x, 10)
	case int:
		s = strconv.Itoa(x)
	case float64:
		s = strconv.FormatFloat(x, 'g', -1, 64)
	case bool:
		s = strconv.FormatBool(x)
	case time.Time:
		s = x.UTC().Format(time.RFC3339Nano)
	case *time.Time:
		if x == nil {
			return nil
		}
		s = x.UTC().Format(time.RFC3339Nano)
	case string:
		s = x
	default:
		rv := reflect.ValueOf(v)
		if rv.Kind() != reflect.String {
			panic(fmt.Sprintf("sqlstore: asText of %T", v)) // a programming error: a new column type
		}
		s = rv.String()
	}
	return &s
}
