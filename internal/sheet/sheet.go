// Package sheet reads and writes the registers' spreadsheets (.xlsx): a template with Chinese
// headers and an example row, a reader that checks every cell and reports each bad one with its
// sheet, row, column and reason, and an export that carries who exported it and when.
//
// The reader is built for files from outside: the archive's declared and real sizes are bounded
// (a zip bomb is refused before it is inflated), rows are streamed, a sheet with more rows than
// MaxRows is refused (a million empty rows included), merged cells and formulas are refused
// (their values are not what the user sees, or not there at all), and nothing is trusted to be
// text or a number until checked. It knows no register: a Schema lists the columns and a Check
// per column; the register turns the rows into records and reports its own problems (an unknown
// building, a duplicate ID number) through Problem.
package sheet

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// Limits on what Read accepts.
const (
	MaxFileSize   = 32 << 20 // bytes of .xlsx
	maxUnzipped   = 64 << 20 // bytes of all parts inflated
	maxXMLInRAM   = 16 << 20 // a worksheet larger than this is inflated to a temporary file
	MaxRows       = 100_000  // rows of the sheet, empty ones included
	MaxProblems   = 1000     // problems reported before the reader stops
	maxCellLength = 32767    // Excel's own limit on a cell
)

// Kind is what a column holds.
type Kind int

// Column kinds.
const (
	Text Kind = iota
	Int
	Date
	Enum
	Bool // 是 / 否
)

// Column is one column of a register's sheet.
type Column struct {
	Key      string // the field's name in the API (e.g. "id_number")
	Header   string // the Chinese header (e.g. "身份证号")
	Kind     Kind
	Required bool
	Max      int      // Text: at most this many characters (0: maxCellLength)
	Min, Top int64    // Int: the range (both 0: any)
	Values   []string // Enum: the allowed values, as shown
	Example  string   // the template's example row
	Note     string   // the template's note on the header
	// Check, when set, normalises and checks a non-empty value after the kind's own checks; its
	// error's text is the reason shown to the user, and a *Rule error also names the rule.
	Check func(string) (string, error)
	Width float64
}

// Rule is a Check error that names the rule broken (e.g. "checksum").
type Rule struct{ Name, Message string }

func (r *Rule) Error() string { return r.Message }

// Schema is a register's sheet.
type Schema struct {
	Register string // e.g. "residents"
	Sheet    string // the sheet's name, e.g. "居民"
	Columns  []Column
}

// Problem is one bad cell or row, or a bad file (Row 0).
type Problem struct {
	Sheet   string `json:"sheet,omitempty"`
	Row     int    `json:"row,omitempty"`    // as Excel numbers it, from 1
	Column  string `json:"column,omitempty"` // letter, e.g. "C"
	Header  string `json:"header,omitempty"`
	Field   string `json:"field,omitempty"`
	Rule    string `json:"rule"`
	Message string `json:"message"`
}

func (p Problem) String() string {
	if p.Row == 0 {
		return p.Message
	}
	if p.Column == "" {
		return fmt.Sprintf("%s 第%d行：%s", p.Sheet, p.Row, p.Message)
	}
	return fmt.Sprintf("%s 第%d行 %s列（%s）：%s", p.Sheet, p.Row, p.Column, p.Header, p.Message)
}

// FileError is a file that cannot be read as the register's sheet at all.
type FileError struct{ Problem }

func (e *FileError) Error() string { return e.Message }

func fileErr(rule, format string, args ...any) *FileError {
	return &FileError{Problem{Rule: rule, Message: fmt.Sprintf(format, args...)}}
}

// Row is one data row: Values line up with the schema's Columns, normalised ("" when empty).
type Row struct {
	Line   int // the row's number in the sheet
	Values []string
}

// Get returns the value of the column with key.
func (s *Schema) Get(r Row, key string) string {
	for i, c := range s.Columns {
		if c.Key == key {
			return r.Values[i]
		}
	}
	panic("sheet: no column " + key)
}

// Result is what Read found: the good rows and the problems of the bad ones.
type Result struct {
	Sheet    string    `json:"sheet"`
	Rows     []Row     `json:"-"`
	Total    int       `json:"rows"` // data rows read, good and bad
	Problems []Problem `json:"problems"`
	// More is set when more problems were found than MaxProblems.
	More bool `json:"more_problems,omitempty"`
}

// Problem records a problem of a row found by the register (Field may be empty for the whole
// row); the row is no longer among the good ones.
func (r *Result) Problem(s *Schema, line int, field, rule, message string) {
	p := Problem{Sheet: r.Sheet, Row: line, Rule: rule, Message: message}
	for i, c := range s.Columns {
		if c.Key == field {
			p.Column, p.Header, p.Field = colName(i), c.Header, c.Key
		}
	}
	r.add(p)
	kept := r.Rows[:0]
	for _, row := range r.Rows {
		if row.Line != line {
			kept = append(kept, row)
		}
	}
	r.Rows = kept
}

func (r *Result) add(p Problem) {
	if len(r.Problems) >= MaxProblems {
		r.More = true
		return
	}
	r.Problems = append(r.Problems, p)
}

// OK reports whether every row is good.
func (r *Result) OK() bool { return len(r.Problems) == 0 && !r.More }

func colName(i int) string {
	n, _ := excelize.ColumnNumberToName(i + 1)
	return n
}

// headerText is the header as written in the template: required columns carry a star.
func (c Column) headerText() string {
	if c.Required {
		return "*" + c.Header
	}
	return c.Header
}

// Read checks the .xlsx in r (size bytes) against the schema. A file that is not the register's
// sheet is a *FileError; otherwise the rows are in Result, good ones in Rows and each bad cell
// in Problems.
func (s *Schema) Read(r io.ReaderAt, size int64) (*Result, error) {
	if size > MaxFileSize {
		return nil, fileErr("max_size", "文件超过 %d MB", MaxFileSize>>20)
	}
	f, err := excelize.OpenReader(io.NewSectionReader(r, 0, size), excelize.Options{
		UnzipSizeLimit: maxUnzipped, UnzipXMLSizeLimit: maxXMLInRAM, RawCellValue: true,
	})
	if err != nil {
		if strings.Contains(err.Error(), "unzip size") {
			return nil, fileErr("max_unzipped", "文件解压后超过 %d MB，拒绝读取", maxUnzipped>>20)
		}
		if errors.Is(err, excelize.ErrWorkbookFileFormat) || strings.Contains(err.Error(), "zip") {
			return nil, fileErr("format", "不是有效的 .xlsx 文件")
		}
		return nil, fileErr("format", "无法读取该 .xlsx 文件")
	}
	defer f.Close()
	sheet, err := s.pickSheet(f)
	if err != nil {
		return nil, err
	}
	// excelize has checked the archive's sizes; one streaming pass over the sheet's XML finds
	// what must refuse it before any row is read.
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fileErr("format", "不是有效的 .xlsx 文件")
	}
	facts, err := scanSheet(zr, sheet)
	if err != nil {
		return nil, fileErr("format", "无法读取工作表“%s”", sheet)
	}
	if facts.merged != "" {
		return nil, fileErr("merged_cells", "工作表“%s”有合并单元格（%s），请取消合并并在每一行填写", sheet, facts.merged)
	}
	if facts.maxRow > MaxRows {
		return nil, fileErr("max_rows", "工作表“%s”超过 %d 行（空行也计算在内），请删除多余的行或分批导入", sheet, MaxRows)
	}
	rows, err := f.Rows(sheet)
	if err != nil {
		return nil, fileErr("format", "无法读取工作表“%s”", sheet)
	}
	defer rows.Close()
	res := &Result{Sheet: sheet}
	var cols []int // for each schema column, its index in the sheet
	example := s.exampleRow()
	line := 0
	for rows.Next() {
		line++
		if line > MaxRows {
			return nil, fileErr("max_rows", "工作表“%s”超过 %d 行（空行也计算在内），请删除多余的行或分批导入", sheet, MaxRows)
		}
		cells, err := rows.Columns()
		if err != nil {
			return nil, fileErr("format", "无法读取工作表“%s”第 %d 行", sheet, line)
		}
		if cols == nil {
			if isBlank(cells) {
				continue // blank lines above the header
			}
			if cols, err = s.header(sheet, line, cells); err != nil {
				return nil, err
			}
			continue
		}
		if isBlank(cells) || equalTrimmed(cells, cols, example) {
			continue
		}
		res.Total++
		if row, ok := s.readRow(facts.formulas, res, sheet, line, cells, cols); ok {
			res.Rows = append(res.Rows, row)
		}
		if res.More {
			break
		}
	}
	if err := rows.Error(); err != nil {
		return nil, fileErr("format", "无法读取工作表“%s”", sheet)
	}
	if cols == nil {
		return nil, fileErr("header", "工作表“%s”没有表头行；请使用下载的模板", sheet)
	}
	return res, nil
}

// pickSheet is the sheet named as the template names it, or the only sheet.
func (s *Schema) pickSheet(f *excelize.File) (string, error) {
	list := f.GetSheetList()
	for _, n := range list {
		if n == s.Sheet {
			return n, nil
		}
	}
	if len(list) == 1 {
		return list[0], nil
	}
	return "", fileErr("sheet", "找不到工作表“%s”（文件中的工作表：%s）", s.Sheet, strings.Join(list, "、"))
}

// header maps the header row's cells to the schema's columns: every column must be there, by its
// header (the star of a required column optional), and no other.
func (s *Schema) header(sheet string, line int, cells []string) ([]int, error) {
	at := map[string]int{}
	for i, c := range cells {
		h := strings.TrimPrefix(strings.TrimSpace(c), "*")
		if h == "" {
			continue
		}
		if _, dup := at[h]; dup {
			return nil, &FileError{Problem{Sheet: sheet, Row: line, Column: colName(i), Rule: "header",
				Message: fmt.Sprintf("表头“%s”出现两次", h)}}
		}
		at[h] = i
	}
	cols := make([]int, len(s.Columns))
	var missing []string
	for i, c := range s.Columns {
		j, ok := at[c.Header]
		if !ok {
			missing = append(missing, c.Header)
			continue
		}
		cols[i] = j
		delete(at, c.Header)
	}
	if len(missing) > 0 {
		return nil, &FileError{Problem{Sheet: sheet, Row: line, Rule: "header",
			Message: fmt.Sprintf("表头缺少列：%s；请使用下载的模板", strings.Join(missing, "、"))}}
	}
	for h, j := range at {
		return nil, &FileError{Problem{Sheet: sheet, Row: line, Column: colName(j), Rule: "header",
			Message: fmt.Sprintf("未知的列“%s”；请使用下载的模板", h)}}
	}
	return cols, nil
}

func isBlank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

func (s *Schema) exampleRow() []string {
	out := make([]string, len(s.Columns))
	for i, c := range s.Columns {
		out[i] = c.Example
	}
	return out
}

// equalTrimmed reports whether the row is the template's example left in place.
func equalTrimmed(cells []string, cols []int, want []string) bool {
	for i, j := range cols {
		v := ""
		if j < len(cells) {
			v = strings.TrimSpace(cells[j])
		}
		if v != want[i] {
			return false
		}
	}
	return true
}

// readRow checks one data row; bad cells are added to res.
func (s *Schema) readRow(formulas map[string]bool, res *Result, sheet string, line int, cells []string, cols []int) (Row, bool) {
	row := Row{Line: line, Values: make([]string, len(s.Columns))}
	ok := true
	bad := func(i int, rule, msg string) {
		c := s.Columns[i]
		res.add(Problem{Sheet: sheet, Row: line, Column: colName(cols[i]), Header: c.Header, Field: c.Key, Rule: rule, Message: msg})
		ok = false
	}
	for i, c := range s.Columns {
		raw := ""
		if j := cols[i]; j < len(cells) {
			raw = cells[j]
		}
		if axis, _ := excelize.CoordinatesToCellName(cols[i]+1, line); formulas[axis] {
			bad(i, "formula", "单元格含公式，请粘贴为数值后再导入")
			continue
		}
		v, rule, msg := c.parse(raw)
		if rule != "" {
			bad(i, rule, msg)
			continue
		}
		row.Values[i] = v
	}
	return row, ok
}

// parse checks one cell's raw value; rule is "" when it is good.
func (c Column) parse(raw string) (v, rule, msg string) {
	if !utf8.ValidString(raw) || strings.ContainsFunc(raw, func(r rune) bool {
		return unicode.IsControl(r) && r != '\n' && r != '\t'
	}) {
		return "", "text", "含有无法识别的字符"
	}
	v = strings.TrimSpace(raw)
	if v == "" {
		if c.Required {
			return "", "required", "必填"
		}
		return "", "", ""
	}
	switch c.Kind {
	case Text:
		if isScientific(v) {
			return "", "number_as_text", "数字被 Excel 按科学计数法保存，末几位已丢失；请把该列设为“文本”后重新填写"
		}
		limit := c.Max
		if limit == 0 {
			limit = maxCellLength
		}
		if n := utf8.RuneCountInString(v); n > limit {
			return "", "max_length", fmt.Sprintf("最多 %d 个字，实有 %d 个", limit, n)
		}
	case Int:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			f, ferr := strconv.ParseFloat(v, 64)
			if ferr != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
				return "", "integer", "应为整数"
			}
			n = int64(f)
		}
		if (c.Min != 0 || c.Top != 0) && (n < c.Min || n > c.Top) {
			return "", "range", fmt.Sprintf("应在 %d 到 %d 之间", c.Min, c.Top)
		}
		v = strconv.FormatInt(n, 10)
	case Date:
		d, ok := parseDate(v)
		if !ok {
			return "", "date", "不是有效日期（例：2024-03-05）"
		}
		v = d.Format(time.DateOnly)
	case Enum:
		found := false
		for _, e := range c.Values {
			if v == e {
				found = true
			}
		}
		if !found {
			return "", "enum", "应为以下之一：" + strings.Join(c.Values, "、")
		}
	case Bool:
		switch v {
		case "是", "Y", "y", "TRUE", "true", "1":
			v = "是"
		case "否", "N", "n", "FALSE", "false", "0":
			v = "否"
		default:
			return "", "bool", "应为“是”或“否”"
		}
	}
	if c.Check != nil {
		out, err := c.Check(v)
		if err != nil {
			var r *Rule
			if errors.As(err, &r) {
				return "", r.Name, r.Message
			}
			return "", "invalid", err.Error()
		}
		v = out
	}
	return v, "", ""
}

// isScientific reports whether v is a number Excel wrote as 4.20302199001011E+17.
func isScientific(v string) bool {
	i := strings.IndexAny(v, "eE")
	if i <= 0 {
		return false
	}
	_, err := strconv.ParseFloat(v, 64)
	return err == nil && strings.ContainsAny(v[i:], "+0123456789")
}

// parseDate reads a date as Chinese users write it, or Excel's serial number of a date cell.
func parseDate(v string) (time.Time, bool) {
	if serial, err := strconv.ParseFloat(v, 64); err == nil {
		// Serial days since 1899-12-30: 1 (1900-01-01) to 2958465 (9999-12-31); only whole days.
		if serial < 1 || serial > 2958465 || serial != math.Trunc(serial) {
			return time.Time{}, false
		}
		t, err := excelize.ExcelDateToTime(serial, false)
		return t, err == nil
	}
	v = strings.NewReplacer("年", "-", "月", "-", "日", "", "/", "-", ".", "-").Replace(v)
	parts := strings.Split(v, "-")
	if len(parts) != 3 {
		return time.Time{}, false
	}
	var n [3]int
	for i, p := range parts {
		x, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil {
			return time.Time{}, false
		}
		n[i] = x
	}
	if n[0] < 1900 || n[0] > 9999 || n[1] < 1 || n[1] > 12 || n[2] < 1 || n[2] > 31 {
		return time.Time{}, false
	}
	t := time.Date(n[0], time.Month(n[1]), n[2], 0, 0, 0, 0, time.UTC)
	if t.Day() != n[2] { // 2月30日
		return time.Time{}, false
	}
	return t, true
}
