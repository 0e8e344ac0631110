package sheet

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

func testSchema() *Schema {
	return &Schema{Register: "people", Sheet: "居民", Columns: []Column{
		{Key: "name", Header: "姓名", Kind: Text, Required: true, Max: 10, Example: "张三"},
		{Key: "id_number", Header: "身份证号", Kind: Text, Example: "420302199001011234", Check: func(v string) (string, error) {
			if len(v) != 18 {
				return "", &Rule{Name: "id_number", Message: "应为18位"}
			}
			return strings.ToUpper(v), nil
		}},
		{Key: "born", Header: "出生日期", Kind: Date, Example: "1990-01-01"},
		{Key: "floor", Header: "楼层", Kind: Int, Min: -5, Top: 200, Example: "3"},
		{Key: "gender", Header: "性别", Kind: Enum, Values: []string{"男", "女"}, Example: "男"},
		{Key: "alone", Header: "独居", Kind: Bool, Example: "否"},
	}}
}

// book builds an .xlsx with one sheet named name holding rows.
func book(t testing.TB, name string, rows ...[]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", name); err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		if err := f.SetSheetRow(name, fmt.Sprintf("A%d", i+1), &r); err != nil {
			t.Fatal(err)
		}
	}
	var b bytes.Buffer
	if _, err := f.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// residents builds a 居民 sheet with its header, then lets edit change it.
func residents(t testing.TB, edit func(*excelize.File)) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetName("Sheet1", "居民")
	f.SetSheetRow("居民", "A1", &header)
	edit(f)
	var b bytes.Buffer
	if _, err := f.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

var header = []any{"*姓名", "身份证号", "出生日期", "楼层", "性别", "独居"}

func read(t testing.TB, s *Schema, b []byte) (*Result, error) {
	t.Helper()
	return s.Read(bytes.NewReader(b), int64(len(b)))
}

func TestReadGoodAndBadRows(t *testing.T) {
	s := testSchema()
	b := book(t, "居民", header,
		[]any{"张三", "420302199001011234", "1990-01-01", "3", "男", "否"}, // the example: skipped
		[]any{"李四", "42030219900101123x", "1990年2月3日", 5, "女", "是"},
		[]any{},
		[]any{"王五", "", "1991/2/30", "x", "未知", "也许"},
		[]any{"", "4.20302199001011E+17", "", "300", "", ""},
		[]any{"赵六", nil, 33000.0, "-2", "男", "1"},
	)
	r, err := read(t, s, b)
	if err != nil {
		t.Fatal(err)
	}
	if r.Total != 4 {
		t.Fatalf("total %d, want 4 data rows (example and blank skipped)", r.Total)
	}
	if len(r.Rows) != 2 || r.Rows[0].Line != 3 || r.Rows[1].Line != 7 {
		t.Fatalf("good rows %+v", r.Rows)
	}
	if got := s.Get(r.Rows[0], "id_number"); got != "42030219900101123X" {
		t.Errorf("Check did not normalise: %q", got)
	}
	if got := s.Get(r.Rows[0], "born"); got != "1990-02-03" {
		t.Errorf("Chinese date read as %q", got)
	}
	if got := s.Get(r.Rows[1], "born"); got != "1990-05-07" { // Excel serial 33000
		t.Errorf("serial date read as %q", got)
	}
	if got := s.Get(r.Rows[1], "alone"); got != "是" {
		t.Errorf("bool read as %q", got)
	}
	want := []string{
		"5 C date", "5 D integer", "5 E enum", "5 F bool",
		"6 A required", "6 B number_as_text", "6 D range",
	}
	var got []string
	for _, p := range r.Problems {
		got = append(got, fmt.Sprintf("%d %s %s", p.Row, p.Column, p.Rule))
		if p.Sheet != "居民" || p.Header == "" || p.Message == "" {
			t.Errorf("problem without its place or reason: %+v", p)
		}
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("problems\n got %v\nwant %v", got, want)
	}
	if r.OK() {
		t.Fatal("OK with problems")
	}
}

func TestRegisterProblemDropsTheRow(t *testing.T) {
	s := testSchema()
	r, err := read(t, s, book(t, "居民", header, []any{"甲"}, []any{"乙"}))
	if err != nil {
		t.Fatal(err)
	}
	r.Problem(s, 2, "name", "duplicate", "重复")
	if len(r.Rows) != 1 || r.Rows[0].Line != 3 {
		t.Fatalf("rows after a register's problem: %+v", r.Rows)
	}
	if p := r.Problems[0]; p.Column != "A" || p.Header != "姓名" || p.Rule != "duplicate" {
		t.Fatalf("problem %+v", p)
	}
}

func fileRule(t *testing.T, err error) string {
	t.Helper()
	var fe *FileError
	if !errors.As(err, &fe) {
		t.Fatalf("want a FileError, got %v", err)
	}
	if fe.Message == "" {
		t.Fatal("file error without a message")
	}
	return fe.Rule
}

func TestReadRefusesWhatIsNotTheSheet(t *testing.T) {
	s := testSchema()
	twoSheets := func() []byte {
		f := excelize.NewFile()
		f.NewSheet("其他")
		var b bytes.Buffer
		f.WriteTo(&b)
		return b.Bytes()
	}()
	merged := residents(t, func(f *excelize.File) {
		f.SetSheetRow("居民", "A2", &[]any{"张", "", "", "", "", ""})
		f.MergeCell("居民", "A2", "A4")
	})
	formula := residents(t, func(f *excelize.File) {
		f.SetSheetRow("居民", "A2", &[]any{"张", "", "", "", "", ""})
		f.SetCellFormula("居民", "D2", "=1+2")
	})
	farRow := residents(t, func(f *excelize.File) {
		f.SetSheetRow("居民", fmt.Sprintf("A%d", MaxRows+5), &[]any{"张"})
	})
	for _, tc := range []struct {
		name string
		b    []byte
		rule string
	}{
		{"not a zip", []byte("姓名,身份证号\n张三,1\n"), "format"},
		{"empty", nil, "format"},
		{"no sheet of that name", twoSheets, "sheet"},
		{"missing column", book(t, "居民", []any{"姓名", "身份证号"}), "header"},
		{"unknown column", book(t, "居民", append(append([]any{}, header...), "备注")), "header"},
		{"twice the same column", book(t, "居民", append(append([]any{}, header...), "姓名")), "header"},
		{"no header", book(t, "居民"), "header"},
		{"merged cells", merged, "merged_cells"},
		{"a million empty rows", farRow, "max_rows"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := read(t, s, tc.b)
			if got := fileRule(t, err); got != tc.rule {
				t.Fatalf("rule %q, want %q (%v)", got, tc.rule, err)
			}
		})
	}
	t.Run("formula", func(t *testing.T) {
		r, err := read(t, s, formula)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Problems) != 1 || r.Problems[0].Rule != "formula" || r.Problems[0].Column != "D" || len(r.Rows) != 0 {
			t.Fatalf("formula: %+v", r.Problems)
		}
	})
}

// A zip bomb: a part that inflates far beyond the limit is refused before it is inflated.
func TestReadRefusesAZipBomb(t *testing.T) {
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	for _, name := range []string{"[Content_Types].xml", "xl/workbook.xml"} {
		w, _ := z.Create(name)
		w.Write([]byte("<x/>"))
	}
	w, err := z.Create("xl/worksheets/sheet1.xml")
	if err != nil {
		t.Fatal(err)
	}
	zeros := make([]byte, 1<<20)
	for range 200 { // 200 MiB of zeros: ~200 KiB compressed
		w.Write(zeros)
	}
	z.Close()
	if b.Len() > MaxFileSize {
		t.Fatalf("the bomb itself is %d bytes", b.Len())
	}
	_, err = read(t, testSchema(), b.Bytes())
	if got := fileRule(t, err); got != "max_unzipped" && got != "format" {
		t.Fatalf("rule %q", got)
	}
}

func TestTemplateRoundTrip(t *testing.T) {
	s := testSchema()
	var b bytes.Buffer
	if err := s.Template(&b); err != nil {
		t.Fatal(err)
	}
	// The template as downloaded imports nothing (its example row is skipped) and no problem.
	r, err := read(t, s, b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if r.Total != 0 || !r.OK() {
		t.Fatalf("empty template: total %d, problems %v", r.Total, r.Problems)
	}
	// Filled in, it imports.
	f, err := excelize.OpenReader(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	f.SetSheetRow("居民", "A3", &[]any{"钱七", "110101199003071234", "1990-03-07", "12", "女", "是"})
	var filled bytes.Buffer
	f.WriteTo(&filled)
	f.Close()
	r, err = read(t, s, filled.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK() || len(r.Rows) != 1 || s.Get(r.Rows[0], "name") != "钱七" {
		t.Fatalf("filled template: %+v %v", r.Rows, r.Problems)
	}
}

func TestExportCarriesExporterAndReimports(t *testing.T) {
	s := testSchema()
	rows := [][]string{{"孙八", "420302199001011234", "1990-01-02", "7", "男", "否"}, {"周九", "", "", "", "", ""}}
	at := time.Date(2026, 11, 23, 2, 30, 0, 0, time.UTC)
	var b bytes.Buffer
	if err := s.Export(&b, rows, ExportInfo{By: "王街道（street1）", At: at, Scope: "茅箭区", Masked: false}); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	hf, err := f.GetHeaderFooter("居民")
	if err != nil || hf == nil {
		t.Fatalf("no footer: %v", err)
	}
	if !strings.Contains(hf.OddFooter, "王街道（street1）") || !strings.Contains(hf.OddFooter, "2026-11-23 10:30") {
		t.Fatalf("footer %q lacks the exporter or the time (China time)", hf.OddFooter)
	}
	by, _ := f.GetCellValue("导出信息", "B2")
	if by != "王街道（street1）" {
		t.Fatalf("info sheet names %q", by)
	}
	// An ID number is exported as text, never as a number that loses digits.
	if typ, _ := f.GetCellType("居民", "B2"); typ == excelize.CellTypeNumber {
		t.Fatal("ID number exported as a number")
	}
	r, err := read(t, s, b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK() || len(r.Rows) != 2 || s.Get(r.Rows[0], "id_number") != "420302199001011234" {
		t.Fatalf("re-import of an export: %+v %v", r.Rows, r.Problems)
	}
}

// FuzzRead: whatever the bytes, Read answers with rows and problems or a FileError, never a
// panic or another kind of error.
func FuzzRead(f *testing.F) {
	s := testSchema()
	f.Add(book(f, "居民", header, []any{"李四", "42030219900101123x", "1990年2月3日", 5, "女", "是"}))
	f.Add(book(f, "居民", header, []any{"", "4.2E+17", "2/30", "x", "?", "?"}))
	var tpl bytes.Buffer
	s.Template(&tpl)
	f.Add(tpl.Bytes())
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := s.Read(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			var fe *FileError
			if !errors.As(err, &fe) || fe.Rule == "" || fe.Message == "" {
				t.Fatalf("error that is not a FileError with a rule: %v", err)
			}
			return
		}
		for _, row := range r.Rows {
			if len(row.Values) != len(s.Columns) {
				t.Fatalf("row %d has %d values", row.Line, len(row.Values))
			}
		}
	})
}
