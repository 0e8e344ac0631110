package sqlstore

import (
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/redgrid/redgrid"
)

type dialect string

const (
	sqlite   dialect = "sqlite"
	postgres dialect = "postgres"
)

// rebind turns the ? placeholders the store writes into $1, $2 … for PostgreSQL. The store's SQL
// never has a ? inside a string literal.
func (d dialect) rebind(q string) string {
	if d != postgres || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// forUpdate locks selected rows on PostgreSQL; SQLite's write transactions are serial already.
func (d dialect) forUpdate() string {
	if d == postgres {
		return " FOR UPDATE"
	}
	return ""
}

// forUpdateOf locks only the rows of the table aliased alias (PostgreSQL refuses FOR UPDATE on
// the nullable side of an outer join).
func (d dialect) forUpdateOf(alias string) string {
	if d == postgres {
		return " FOR UPDATE OF " + alias
	}
	return ""
}

// mapErr turns constraint violations into redgrid kinds; everything else stays internal.
func (d dialect) mapErr(err error) error {
	if err == nil {
		return nil
	}
	var re *redgrid.Error
	if errors.As(err, &re) {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		return &redgrid.Error{Kind: redgrid.KindNotFound, Message: "not found", Err: err}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505":
			return &redgrid.Error{Kind: redgrid.KindConflict, Message: "duplicate value", Err: err}
		case "23503":
			return &redgrid.Error{Kind: redgrid.KindInvalid, Message: "refers to a record that does not exist", Err: err}
		}
	}
	var se *msqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return &redgrid.Error{Kind: redgrid.KindConflict, Message: "duplicate value", Err: err}
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return &redgrid.Error{Kind: redgrid.KindInvalid, Message: "refers to a record that does not exist", Err: err}
		}
	}
	return err
}

// isUnique reports whether err is a unique-constraint violation.
func isUnique(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505"
	}
	var se *msqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// dateCol scans a DATE (PostgreSQL) or TEXT date (SQLite) into YYYY-MM-DD.
type dateCol struct {
	s     string
	valid bool
}

func (d *dateCol) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		d.valid = false
	case time.Time:
		d.s, d.valid = x.Format(time.DateOnly), true
	case string:
		d.s, d.valid = x, true
	case []byte:
		d.s, d.valid = string(x), true
	default:
		return errors.New("unsupported date value")
	}
	if len(d.s) > 10 {
		d.s = d.s[:10]
	}
	return nil
}

func (d dateCol) ptr() *string {
	if !d.valid {
		return nil
	}
	s := d.s
	return &s
}

// timeCol scans a TIMESTAMPTZ (PostgreSQL) or a TIMESTAMP text (SQLite) into a UTC time.
type timeCol struct{ t time.Time }

var timeLayouts = []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano, "2006-01-02 15:04:05.999999999 -0700 MST", "2006-01-02 15:04:05"}

func (c *timeCol) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		c.t = time.Time{}
		return nil
	case time.Time:
		c.t = x.UTC()
		return nil
	case string:
		return c.parse(x)
	case []byte:
		return c.parse(string(x))
	}
	return errors.New("unsupported time value")
}

func (c *timeCol) parse(s string) error {
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			c.t = t.UTC()
			return nil
		}
	}
	return errors.New("unparsable time " + s)
}

// nullDate turns an optional date into a driver value.
func nullDate(s *string) any {
	if s == nil || *s == "" {
		return nil
	}
	return *s
}

// rangeEnd is the exclusive upper bound of the subtree whose path is prefix: every path that
// starts with prefix sorts in [prefix, rangeEnd(prefix)). Paths end with '/', and '0' follows '/'.
func rangeEnd(prefix string) string { return prefix[:len(prefix)-1] + "0" }

// likeEscape escapes LIKE wildcards in user text; queries use ESCAPE '\'.
func likeEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}
