package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/redgridtest"
	"github.com/redgrid/redgrid/internal/sqlstore"
	"github.com/xuri/excelize/v2"
)

// TestPersonalDataFromTheCommandLine: `redgrid export residents --unmasked` needs a reason, writes
// the ID numbers in full, stamps the file and logs one unmasking; `redgrid pii purge --dry-run`
// counts the people who left past the retention and changes nothing, `redgrid pii purge` erases
// them; a log retention under three years is refused.
func TestPersonalDataFromTheCommandLine(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	db := filepath.Join(dir, "redgrid.db")
	s := redgridtest.OpenDSN(t, db, sqlstore.Options{})
	redgridtest.WriteKeyFile(t, dir)
	tr := redgridtest.BuildTree(t, s)
	h, _, err := s.CreateHousehold(ctx, redgrid.NewHousehold{BuildingID: tr.Building1.ID, Unit: 1, Floor: 1, Room: "101", Occupancy: redgrid.OccupancyOwner})
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, p := range [][2]string{{"张三", "11010519491231002X"}, {"李四", ""}} {
		c, err := s.CheckResident(redgrid.NewResident{HouseholdID: h.ID, Name: p[0], IDNumber: p[1], Phone: "13800138000", Relation: redgrid.RelationHead})
		if err != nil {
			t.Fatal(err)
		}
		r, _, err := s.CreateResident(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	var out, errb bytes.Buffer
	call := func(args ...string) error {
		out.Reset()
		errb.Reset()
		return run(ctx, append(args, "--data", dir), strings.NewReader(""), &out, &errb)
	}
	unmaskings := func() int {
		var n int
		if err := s.DB().QueryRow("SELECT COUNT(*) FROM pii_unmaskings WHERE how = 'export' AND records = 2").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	file := filepath.Join(dir, "residents.xlsx")
	for _, bad := range [][]string{
		{"export", "residents", file, "--unmasked"},
		{"export", "residents", file, "--unmasked", "--reason", "  "},
		{"export", "residents", file, "--reason", "why"},
		{"export", "households", file, "--unmasked", "--reason", "why"},
	} {
		if err := call(bad...); err == nil {
			t.Errorf("%v was accepted", bad)
		}
	}
	if unmaskings() != 0 {
		t.Fatal("a refused export was logged")
	}
	if err := call("export", "residents", file, "--unmasked", "--reason", "民政低保复核", "--by", "王主任"); err != nil || !strings.Contains(out.String(), "unmasked (logged)") {
		t.Fatalf("unmasked export: %v %s %s", err, out.String(), errb.String())
	}
	x, err := excelize.OpenFile(file)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := x.GetCellValue("居民", "E2")
	masked, _ := x.GetCellValue("导出信息", "B6")
	reason, _ := x.GetCellValue("导出信息", "B7")
	x.Close()
	if id != "11010519491231002X" || !strings.HasPrefix(masked, "否") || reason != "民政低保复核" || unmaskings() != 1 {
		t.Fatalf("the unmasked file: %q %q %q, %d unmaskings", id, masked, reason, unmaskings())
	}
	if err := call("export", "residents", file); err != nil {
		t.Fatal(err)
	}
	if x, _ := excelize.OpenFile(file); x != nil {
		id, _ := x.GetCellValue("居民", "E2")
		x.Close()
		if id != "110105********002X" {
			t.Fatalf("a masked export: %q", id)
		}
	}

	// 张三 moved out long ago.
	if err := s.LeaveResident(ctx, ids[0], 0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().Exec("UPDATE residents SET left_on = '2020-01-01' WHERE id = ?", ids[0]); err != nil {
		t.Fatal(err)
	}
	if err := call("pii", "purge", "--dry-run"); err != nil || !strings.Contains(out.String(), "1 would be erased") || !strings.Contains(out.String(), "residents    1") {
		t.Fatalf("dry run: %v %s", err, out.String())
	}
	if r, _ := s.Resident(ctx, ids[0]); r.IDNumber == "" {
		t.Fatal("a dry run erased")
	}
	if err := call("pii", "purge", "--pii-retention-days", "30"); err != nil || !strings.Contains(out.String(), ": 1 erased") {
		t.Fatalf("purge: %v %s %s", err, out.String(), errb.String())
	}
	if r, _ := s.Resident(ctx, ids[0]); r.IDNumber != "" || r.Phone != "" || r.Name != "张*" {
		t.Fatalf("after the purge: %+v", r)
	}
	if r, _ := s.Resident(ctx, ids[1]); r.Phone != "13800138000" {
		t.Fatal("a resident who stays was erased")
	}
	for _, bad := range [][]string{{"pii"}, {"pii", "frob"}, {"pii", "purge", "extra"}, {"pii", "purge", "--unmasking-retention-days", "100"},
		{"pii", "purge", "--pii-retention-days", "0"}} {
		if err := call(bad...); err == nil {
			t.Errorf("%v was accepted", bad)
		}
	}
}
