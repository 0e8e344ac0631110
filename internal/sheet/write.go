package sheet

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// Template writes the register's empty sheet: the headers (required ones starred), the example
// row in grey (left in place, Read skips it), a drop-down list on every Enum and Bool column, and
// a second sheet "填写说明" with each column's rule.
func (s *Schema) Template(w io.Writer) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", s.Sheet); err != nil {
		return err
	}
	head, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FDE9E7"}}})
	if err != nil {
		return err
	}
	grey, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Color: "888888", Italic: true},
		NumFmt: 49}) // 49: text, so that ID and phone numbers stay text
	if err != nil {
		return err
	}
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49})
	if err != nil {
		return err
	}
	for i, c := range s.Columns {
		col := colName(i)
		if err := f.SetCellStr(s.Sheet, col+"1", c.headerText()); err != nil {
			return err
		}
		if err := f.SetCellStr(s.Sheet, col+"2", c.Example); err != nil {
			return err
		}
		width := c.Width
		if width == 0 {
			width = max(10, float64(len([]rune(c.Header)))*2.4)
		}
		if err := f.SetColWidth(s.Sheet, col, col, width); err != nil {
			return err
		}
		if c.Kind == Text {
			if err := f.SetColStyle(s.Sheet, col, text); err != nil {
				return err
			}
		}
		var list []string
		switch c.Kind {
		case Enum:
			list = c.Values
		case Bool:
			list = []string{"是", "否"}
		}
		if len(list) > 0 && len(strings.Join(list, ",")) < 255 {
			dv := excelize.NewDataValidation(!c.Required)
			dv.Sqref = fmt.Sprintf("%s2:%s%d", col, col, MaxRows)
			if err := dv.SetDropList(list); err != nil {
				return err
			}
			if err := f.AddDataValidation(s.Sheet, dv); err != nil {
				return err
			}
		}
	}
	last := colName(len(s.Columns) - 1)
	if err := f.SetCellStyle(s.Sheet, "A1", last+"1", head); err != nil {
		return err
	}
	if err := f.SetCellStyle(s.Sheet, "A2", last+"2", grey); err != nil {
		return err
	}
	if err := f.SetPanes(s.Sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	if _, err := f.NewSheet("填写说明"); err != nil {
		return err
	}
	rows := [][]any{{"列", "表头", "必填", "规则", "示例"}}
	for i, c := range s.Columns {
		req := ""
		if c.Required {
			req = "是"
		}
		rows = append(rows, []any{colName(i), c.Header, req, c.rule(), c.Example})
	}
	rows = append(rows, []any{}, []any{"第 2 行灰色的示例行保持原样时不会被导入；表头请勿修改。"})
	for i, r := range rows {
		if err := f.SetSheetRow("填写说明", fmt.Sprintf("A%d", i+1), &r); err != nil {
			return err
		}
	}
	if err := f.SetColWidth("填写说明", "D", "D", 60); err != nil {
		return err
	}
	_, err = f.WriteTo(w)
	return err
}

// rule describes what a column accepts, for the template's notes.
func (c Column) rule() string {
	var parts []string
	switch c.Kind {
	case Text:
		if c.Max > 0 {
			parts = append(parts, fmt.Sprintf("文本，最多 %d 个字", c.Max))
		} else {
			parts = append(parts, "文本")
		}
	case Int:
		if c.Min != 0 || c.Top != 0 {
			parts = append(parts, fmt.Sprintf("整数，%d 到 %d", c.Min, c.Top))
		} else {
			parts = append(parts, "整数")
		}
	case Date:
		parts = append(parts, "日期，如 2024-03-05")
	case Enum:
		parts = append(parts, "以下之一："+strings.Join(c.Values, "、"))
	case Bool:
		parts = append(parts, "是 / 否")
	}
	if c.Note != "" {
		parts = append(parts, c.Note)
	}
	return strings.Join(parts, "；")
}

// ExportInfo is who exported what and when; it is printed on every page of the export and kept
// on a sheet of its own and in the file's properties.
type ExportInfo struct {
	By     string    // the exporter's name and account
	At     time.Time // when
	Scope  string    // the node or filter exported
	Masked bool      // personal fields masked
	Reason string    // why personal fields are shown in full (an unmasked export)
}

// Export writes rows (each lined up with the schema's columns) as the register's sheet, in the
// template's layout so that it can be imported again.
func (s *Schema) Export(w io.Writer, rows [][]string, info ExportInfo) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", s.Sheet); err != nil {
		return err
	}
	at := info.At.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02 15:04")
	stamp := fmt.Sprintf("导出人：%s　导出时间：%s", info.By, at)
	if !info.Masked {
		stamp += "　未脱敏：含完整个人信息"
	}
	if err := f.SetDocProps(&excelize.DocProperties{Creator: info.By, LastModifiedBy: info.By,
		Created: info.At.UTC().Format(time.RFC3339), Modified: info.At.UTC().Format(time.RFC3339),
		Title: s.Sheet + "导出", Description: stamp}); err != nil {
		return err
	}
	footer := "&L" + escapeHF(stamp) + "&R第 &P 页，共 &N 页"
	if err := f.SetHeaderFooter(s.Sheet, &excelize.HeaderFooterOptions{OddFooter: footer, EvenFooter: footer}); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(s.Sheet)
	if err != nil {
		return err
	}
	header := make([]any, len(s.Columns))
	for i, c := range s.Columns {
		header[i] = c.headerText()
		width := c.Width
		if width == 0 {
			width = max(10, float64(len([]rune(c.Header)))*2.4)
		}
		if err := sw.SetColWidth(i+1, i+1, width); err != nil {
			return err
		}
	}
	if err := sw.SetRow("A1", header); err != nil {
		return err
	}
	vals := make([]any, len(s.Columns))
	for n, r := range rows {
		for i := range vals {
			vals[i] = excelize.Cell{Value: r[i]} // text, always: an ID number is never a number
		}
		if err := sw.SetRow(fmt.Sprintf("A%d", n+2), vals); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	if _, err := f.NewSheet("导出信息"); err != nil {
		return err
	}
	masked := "是"
	if !info.Masked {
		masked = "否（含完整个人信息，请妥善保管）"
	}
	meta := [][]any{{"登记簿", s.Sheet}, {"导出人", info.By}, {"导出时间", at}, {"范围", info.Scope},
		{"条数", len(rows)}, {"个人信息已脱敏", masked}}
	if info.Reason != "" {
		meta = append(meta, []any{"事由", info.Reason})
	}
	for i, r := range meta {
		if err := f.SetSheetRow("导出信息", fmt.Sprintf("A%d", i+1), &r); err != nil {
			return err
		}
	}
	_, err = f.WriteTo(w)
	return err
}

// escapeHF escapes & in header and footer text.
func escapeHF(s string) string { return strings.ReplaceAll(s, "&", "&&") }
