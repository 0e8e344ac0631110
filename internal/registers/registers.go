// Package registers imports and exports the registers of people and dwellings as spreadsheets
// (issue 6): each register has a sheet.Schema (its template's columns), turns good rows into
// records, resolves what they name (a building by its code, a lead household by its name in the
// grid), reports every bad row with its sheet, row, column and reason, and writes all rows in one
// transaction — or none, unless the user chose to import only the good rows. The HTTP API and the
// command line call the same functions.
package registers

import (
	"context"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/sheet"
	"github.com/redgrid/redgrid/internal/sqlstore"
)

// Register is one register that can be imported and exported.
type Register struct {
	Name   string // in URLs and on the command line: households, residents …
	Label  string // 户籍 …
	Schema *sheet.Schema
	// Import checks the read rows against the database and writes the good ones (unless the
	// options say not to); problems are added to res.
	Import func(ctx context.Context, s *sqlstore.Store, res *sheet.Result, opt Options) (sqlstore.ImportStats, error)
	// Export returns the rows of the subtree at path, lined up with the schema's columns.
	Export func(ctx context.Context, s *sqlstore.Store, path string, unmasked bool) ([][]string, error)
	// Personal lists the fields an unmasked export shows in full (logged as an unmasking); a
	// register without any is never exported unmasked.
	Personal []string
	// Write is the action an importer needs where the rows land (Options.Allowed is asked about
	// it): ActWriteRegister unless set — buildings are nodes (ActWriteNode), members are the
	// party's (ActWriteParty), units are organisations (ActWriteOrg).
	Write redgrid.Action
}

// WriteAction is the action importing the register needs.
func (r *Register) WriteAction() redgrid.Action {
	if r.Write == "" {
		return redgrid.ActWriteRegister
	}
	return r.Write
}

// All lists the registers by name.
var All = map[string]*Register{}

func register(r *Register) *Register { All[r.Name] = r; return r }

// Names lists the registers' names in order.
func Names() []string {
	out := make([]string, 0, len(All))
	for n := range All {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Options says how to import.
type Options struct {
	// Within is the path of the node the import is for: every row must lie in its subtree.
	Within string
	// Allowed reports whether the importer may write at a path (the caller's role and scope).
	Allowed func(path string) bool
	// GoodRowsOnly writes the good rows even when some are bad (by default nothing is written
	// when any row is bad).
	GoodRowsOnly bool
	// DryRun checks everything and writes nothing.
	DryRun bool
	// TagAllowed reports whether the importer's roles serve people with a care tag at a path
	// (nil: all, as on the command line).
	TagAllowed func(path string, t redgrid.CareTag) bool
}

// Report is the outcome of an import.
type Report struct {
	Register string `json:"register"`
	*sheet.Result
	Good    int  `json:"good_rows"`
	Written bool `json:"written"`
	sqlstore.ImportStats
}

// Import reads the .xlsx in r (size bytes) as register reg and writes it as opt says. A file that
// is not the register's sheet at all is a *sheet.FileError.
func Import(ctx context.Context, s *sqlstore.Store, reg *Register, r io.ReaderAt, size int64, opt Options) (*Report, error) {
	res, err := reg.Schema.Read(r, size)
	if err != nil {
		return nil, err
	}
	rep := &Report{Register: reg.Name, Result: res}
	if opt.Allowed == nil {
		opt.Allowed = func(string) bool { return true }
	}
	st, err := reg.Import(ctx, s, res, opt)
	if err != nil {
		return nil, err
	}
	rep.Good = len(res.Rows)
	rep.ImportStats = st
	rep.Written = !opt.DryRun && (res.OK() || opt.GoodRowsOnly) && rep.Good > 0
	if !rep.Written {
		rep.ImportStats = sqlstore.ImportStats{}
	}
	return rep, nil
}

// write runs the register's write for the good rows when the options allow, retrying without a
// row the database refused (only with GoodRowsOnly; otherwise the refusal is reported and nothing
// is written).
func write[T any](res *sheet.Result, schema *sheet.Schema, opt Options, rows []T, line func(T) int,
	do func([]T) (sqlstore.ImportStats, error)) (sqlstore.ImportStats, error) {
	for attempt := 0; ; attempt++ {
		if opt.DryRun || len(rows) == 0 || (!res.OK() && !opt.GoodRowsOnly) {
			return sqlstore.ImportStats{}, nil
		}
		st, err := do(rows)
		re, ok := err.(*sqlstore.RowError)
		if !ok {
			return st, err
		}
		rule, msg := "refused", re.Err.Message
		if len(re.Err.Fields) > 0 && re.Err.Fields[0].Rule != "" {
			rule = re.Err.Fields[0].Rule
		}
		if zh, ok := storeRuleText[rule]; ok {
			msg = zh
		}
		res.Problem(schema, re.Line, schemaField(schema, re.Field), rule, msg)
		kept := rows[:0]
		for _, r := range rows {
			if line(r) != re.Line {
				kept = append(kept, r)
			}
		}
		rows = kept
		if attempt >= 20 {
			return sqlstore.ImportStats{}, fmt.Errorf("import: the database refused %d rows in turn", attempt+1)
		}
	}
}

// storeRuleText says in Chinese what the store's refusal of a row means, for the rules a sheet
// cannot check before the write (the store's rule is reported; "refused" when it names none).
var storeRuleText = map[string]string{
	"member_community": "不在该党员服务的社区内（党员只在居住社区或所在支部的社区设岗、包保）",
	"one_leader":       "该网格已有网格长：一个网格只有一名网格长，请先结束原网格长的岗位",
}

// schemaField maps a store field name to the schema's column key where they differ (storeFields).
func schemaField(schema *sheet.Schema, field string) string {
	if key, ok := storeFields[schema.Register][field]; ok {
		field = key
	}
	for _, c := range schema.Columns {
		if c.Key == field {
			return field
		}
	}
	return ""
}

// storeFields maps, per register, the store's field names to the columns that name the same
// thing by code or name (the store refuses branch_id; the sheet's column is the branch's name).
var storeFields = map[string]map[string]string{
	"buildings":  {"parent_id": "grid_code", "code": "code"},
	"members":    {"branch_id": "branch", "residence_id": "residence_code"},
	"volunteers": {"node_id": "node_code", "team_id": "team"},
	"units":      {"home_node_id": "home_code", "node_ids": "served_codes"},
	"grid-staff": {"grid_id": "grid_code", "microgrid_id": "microgrid_code"},
	"posts":      {"node_id": "node_code", "name": "post_name", "member_id": "member"},
	"baobao":     {"building_id": "building_code", "household_id": "room", "member_id": "member"},
}

// below is a path strictly below path: where a new child of the node at path will lie (writes
// are allowed strictly below the node a role is held at, as the API's childPath).
func below(path string) string { return path + "0/" }

// ExportInfo builds the stamp of an export.
func ExportInfo(by string, at time.Time, scope string, masked bool) sheet.ExportInfo {
	return sheet.ExportInfo{By: by, At: at, Scope: scope, Masked: masked}
}

// nodeCache looks nodes up by code once per import.
type nodeCache struct {
	s *sqlstore.Store
	m map[string]*redgrid.Node
}

func (c *nodeCache) byCode(ctx context.Context, code string) (*redgrid.Node, error) {
	if n, ok := c.m[code]; ok {
		return n, nil
	}
	n, err := c.s.NodeByCode(ctx, code)
	if redgrid.ErrorKind(err) == redgrid.KindNotFound {
		c.m[code] = nil
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	c.m[code] = &n
	return &n, nil
}

// codedNode resolves the node a row names by its code in column col: it must exist, be of a kind
// ok accepts (want names the kinds), lie within opt.Within and be writable by the importer at
// at(its path). Otherwise a problem is reported and nil returned.
func codedNode(ctx context.Context, nodes *nodeCache, res *sheet.Result, schema *sheet.Schema, row sheet.Row, col string, opt Options,
	ok func(redgrid.NodeKind) bool, want string, at func(string) string) (*redgrid.Node, error) {
	code := schema.Get(row, col)
	n, err := nodes.byCode(ctx, code)
	switch {
	case err != nil:
		return nil, err
	case n == nil:
		res.Problem(schema, row.Line, col, "exists", "没有编码为 "+code+" 的"+want)
	case !ok(n.Kind):
		res.Problem(schema, row.Line, col, "kind", code+" 是"+n.Kind.Label()+"，应为"+want)
	case !redgrid.IsWithin(n.Path, opt.Within):
		res.Problem(schema, row.Line, col, "scope", n.Name+"不在本次导入的范围内")
	case !opt.Allowed(at(n.Path)):
		res.Problem(schema, row.Line, col, "forbidden", "无权在"+n.Name+"导入"+schema.Sheet)
	default:
		return n, nil
	}
	return nil, nil
}

func kindIs(k redgrid.NodeKind) func(redgrid.NodeKind) bool {
	return func(x redgrid.NodeKind) bool { return x == k }
}

func same(path string) string { return path }

// problemOf is the first field an error names, the rule and the message.
func problemOf(err error) (field, rule, msg string) {
	if re, ok := err.(*redgrid.Error); ok && len(re.Fields) > 0 {
		return re.Fields[0].Field, re.Fields[0].Rule, re.Fields[0].Message
	}
	return "", "invalid", err.Error()
}
