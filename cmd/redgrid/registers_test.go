package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redgrid/redgrid/internal/redgridtest"
	"github.com/redgrid/redgrid/internal/sqlstore"
	"github.com/xuri/excelize/v2"
)

// TestRegisterImportExportFromTheCommandLine: `redgrid import households FILE.xlsx` refuses a
// sheet with a bad row, writing nothing and naming the row, column and reason; with
// --good-rows-only it writes the good rows; `redgrid export households` writes them back with the
// exporter's name.
func TestRegisterImportExportFromTheCommandLine(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s := redgridtest.OpenDSN(t, filepath.Join(dir, "redgrid.db"), sqlstore.Options{})
	redgridtest.WriteKeyFile(t, dir) // the registers' personal data is sealed with the test keys
	tr := redgridtest.BuildTree(t, s)
	s.Close()
	var out, errb bytes.Buffer
	call := func(args ...string) error {
		out.Reset()
		errb.Reset()
		return run(ctx, append(args, "--data", dir), strings.NewReader(""), &out, &errb)
	}
	f := excelize.NewFile()
	f.SetSheetName("Sheet1", "住户")
	for i, r := range [][]any{
		{"楼栋编码", "楼栋名称", "单元", "楼层", "门牌号", "居住状态", "联系党员中心户", "备注"},
		{tr.Building1.Code, "", 1, 1, "101", "自住", "", ""},
		{tr.Building1.Code, "", 1, "一楼", "102", "自住", "", ""},
	} {
		f.SetSheetRow("住户", fmt.Sprintf("A%d", i+1), &r)
	}
	file := filepath.Join(dir, "households.xlsx")
	if err := f.SaveAs(file); err != nil {
		t.Fatal(err)
	}
	count := func() int {
		s := redgridtest.OpenDSN(t, filepath.Join(dir, "redgrid.db"), sqlstore.Options{})
		defer s.Close()
		var n int
		if err := s.DB().QueryRow("SELECT COUNT(*) FROM households").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	err := call("import", "households", file)
	if err == nil || !strings.Contains(out.String(), "住户 第3行 D列（楼层）") || !strings.Contains(out.String(), "[integer]") || count() != 0 {
		t.Fatalf("a bad row: %v\n%s", err, out.String())
	}
	if err := call("import", "households", file, "--good-rows-only"); err != nil || !strings.Contains(out.String(), "1 created") || count() != 1 {
		t.Fatalf("--good-rows-only: %v\n%s", err, out.String())
	}
	if err := call("import", "households", filepath.Join(dir, "redgrid.db")); err == nil || !strings.Contains(err.Error(), "nothing was written") {
		t.Fatalf("a file that is not .xlsx: %v", err)
	}
	export := filepath.Join(dir, "out.xlsx")
	if err := call("export", "households", export, "--within", tr.Community1.Code, "--by", "王主任"); err != nil || !strings.Contains(out.String(), "1 rows") {
		t.Fatalf("export: %v %s", err, out.String())
	}
	x, err := excelize.OpenFile(export)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	by, _ := x.GetCellValue("导出信息", "B2")
	room, _ := x.GetCellValue("住户", "E2")
	if by != "王主任" || room != "101" {
		t.Fatalf("export by %q, room %q", by, room)
	}
	if st, err := os.Stat(export); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("export file mode: %v %v", st.Mode(), err)
	}
}
