package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redgrid/redgrid"
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
	redgridtest.WriteKeyFile(t, dir) // the commands open the keys of personal data, as the server does
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

// TestNewRegistersFromTheCommandLine: `redgrid import buildings|members|grid-staff|posts|baobao …`
// take the new registers' sheets (a member placed in another community's branch refused with its
// row and column, nothing written), and `redgrid export members|grid-staff` masks the phone.
func TestNewRegistersFromTheCommandLine(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s := redgridtest.OpenDSN(t, filepath.Join(dir, "redgrid.db"), sqlstore.Options{})
	tr := redgridtest.BuildTree(t, s)
	if _, _, err := s.CreatePartyOrg(ctx, redgrid.NewPartyOrg{Kind: redgrid.PartyBranch, Name: "柳林第一网格党支部", ParentID: &tr.Community2Committee.ID,
		NodeID: tr.Grid3.ID, ValidFrom: "2020-01-01"}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	redgridtest.WriteKeyFile(t, dir)
	var out, errb bytes.Buffer
	call := func(args ...string) error {
		out.Reset()
		errb.Reset()
		return run(ctx, append(args, "--data", dir), strings.NewReader(""), &out, &errb)
	}
	save := func(name, sheetName string, rows ...[]any) string {
		f := excelize.NewFile()
		f.SetSheetName("Sheet1", sheetName)
		for i, r := range rows {
			f.SetSheetRow(sheetName, fmt.Sprintf("A%d", i+1), &r)
		}
		file := filepath.Join(dir, name)
		if err := f.SaveAs(file); err != nil {
			t.Fatal(err)
		}
		return file
	}
	count := func(table string) int {
		s := redgridtest.OpenDSN(t, filepath.Join(dir, "redgrid.db"), sqlstore.Options{})
		defer s.Close()
		var n int
		if err := s.DB().QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	buildings := save("buildings.xlsx", "楼栋", []any{"所属网格编码", "楼栋编码", "楼栋名称", "单元数", "地上层数"},
		[]any{tr.Grid1.Code, "", "2号楼", 2, 6})
	if err := call("import", "buildings", buildings, "--within", tr.Community1.Code); err != nil || !strings.Contains(out.String(), "1 created") {
		t.Fatalf("import buildings: %v\n%s", err, out.String())
	}
	head := []any{"姓名", "联系电话", "所在党支部", "入党日期", "党员状态", "工作单位", "在职党员", "下沉党员", "居住地编码"}
	members := save("members.xlsx", "党员", head,
		[]any{"张三", "13800138000", "五堰第一网格党支部", "2001-07-01", "正式党员", "", "是", "是", tr.Grid1.Code},
		[]any{"李四", "", "柳林第一网格党支部", "2001-07-01", "", "", "是", "是", tr.Grid1.Code})
	err := call("import", "members", members)
	if err == nil || !strings.Contains(out.String(), "党员 第3行 C列（所在党支部）") || !strings.Contains(out.String(), "[same_community]") || count("members") != 0 {
		t.Fatalf("a member in another community's branch: %v\n%s", err, out.String())
	}
	if err := call("import", "members", members, "--good-rows-only"); err != nil || count("members") != 1 {
		t.Fatalf("--good-rows-only: %v\n%s", err, out.String())
	}
	export := filepath.Join(dir, "members-out.xlsx")
	if err := call("export", "members", export, "--by", "王书记"); err != nil || !strings.Contains(out.String(), "1 rows") {
		t.Fatalf("export: %v %s", err, out.String())
	}
	x, err := excelize.OpenFile(export)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	phone, _ := x.GetCellValue("党员", "B2")
	if phone != "138****8000" {
		t.Fatalf("exported phone %q", phone)
	}

	// Grid staff, posts and 包保: a bad row named with nothing written; the good ones written;
	// the staff's phones masked in the export, in full with --unmasked and a reason.
	staff := save("staff.xlsx", "网格力量", []any{"网格编码", "微网格编码", "岗位", "姓名", "联系电话", "党员", "一肩挑", "到岗日期"},
		[]any{tr.Grid1.Code, "", "网格长", "王芳", "13700137000", "是", "是", "2024-01-01"},
		[]any{tr.Grid1.Code, "", "兼职网格员", "赵强", "", "否", "否", ""})
	if err := call("import", "grid-staff", staff); err == nil || !strings.Contains(out.String(), "网格力量 第3行 F列（党员）") || count("grid_staff") != 0 {
		t.Fatalf("a part-time worker who is no party member: %v\n%s", err, out.String())
	}
	if err := call("import", "grid-staff", staff, "--good-rows-only"); err != nil || count("grid_staff") != 1 {
		t.Fatalf("grid staff --good-rows-only: %v\n%s", err, out.String())
	}
	staffOut := filepath.Join(dir, "staff-out.xlsx")
	for _, c := range []struct {
		args  []string
		phone string
	}{{nil, "137****7000"}, {[]string{"--unmasked", "--reason", "核对网格员联系方式"}, "13700137000"}} {
		if err := call(append([]string{"export", "grid-staff", staffOut}, c.args...)...); err != nil {
			t.Fatalf("export grid-staff %v: %v %s", c.args, err, out.String())
		}
		x, err := excelize.OpenFile(staffOut)
		if err != nil {
			t.Fatal(err)
		}
		phone, _ := x.GetCellValue("网格力量", "E2")
		x.Close()
		if phone != c.phone {
			t.Fatalf("export grid-staff %v: phone %q", c.args, phone)
		}
	}
	posts := save("posts.xlsx", "设岗定责", []any{"党员姓名", "所在党支部", "岗位类别", "岗位名称", "服务地编码", "岗位职责", "开始日期", "计划结束日期"},
		[]any{"张三", "五堰第一网格党支部", "平安巡逻岗", "", tr.Grid1.Code, "夜间巡逻", "", ""})
	if err := call("import", "posts", posts); err != nil || !strings.Contains(out.String(), "1 created") || count("member_posts") != 1 {
		t.Fatalf("import posts: %v\n%s", err, out.String())
	}
	baobao := save("baobao.xlsx", "包保", []any{"党员姓名", "所在党支部", "楼栋编码", "单元", "门牌号", "开始日期"},
		[]any{"张三", "五堰第一网格党支部", tr.Building1.Code, "", "", ""})
	if err := call("import", "baobao", baobao); err != nil || !strings.Contains(out.String(), "1 created") || count("baobao") != 1 {
		t.Fatalf("import baobao: %v\n%s", err, out.String())
	}
}
