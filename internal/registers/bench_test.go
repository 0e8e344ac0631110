package registers_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/redgridtest"
	"github.com/redgrid/redgrid/internal/registers"
	"github.com/redgrid/redgrid/internal/sqlstore"
	"github.com/xuri/excelize/v2"
)

// householdSheet writes n household rows over the buildings given (4 units × 25 floors × 4 rooms
// each, 400 rows per building) as a 住户 sheet.
func householdSheet(t testing.TB, buildings []redgrid.Node, n int) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetName("Sheet1", "住户")
	sw, err := f.NewStreamWriter("住户")
	if err != nil {
		t.Fatal(err)
	}
	sw.SetRow("A1", []any{"*楼栋编码", "楼栋名称", "*单元", "*楼层", "*门牌号", "居住状态", "联系党员中心户", "备注"})
	for i := range n {
		b := buildings[i/400]
		k := i % 400
		unit, floor, room := k/100+1, (k%100)/4+1, k%4+1
		sw.SetRow(fmt.Sprintf("A%d", i+2), []any{b.Code, b.Name, unit, floor, fmt.Sprintf("%d%02d", floor, room),
			[]string{"自住", "租住", "空置"}[i%3], "", ""})
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	f.WriteTo(&buf)
	return buf.Bytes()
}

// BenchmarkImportHouseholds10000 imports a 10,000-row household sheet (read, every cell checked,
// buildings resolved, written in one transaction) into an empty register: issue 6 asks for at
// most 10 s. go test -run '^$' -bench ImportHouseholds -benchtime 3x ./internal/registers/
func BenchmarkImportHouseholds10000(b *testing.B) {
	for _, e := range redgridtest.Engines() {
		b.Run(e.Name, func(b *testing.B) {
			ctx := context.Background()
			var buildings []redgrid.Node
			s := e.Open(b, sqlstore.Options{})
			tr := redgridtest.BuildTree(b, s)
			for i := range 25 {
				n, _, err := s.CreateNode(ctx, redgrid.NewNode{Kind: redgrid.KindBuilding, Name: fmt.Sprintf("%d栋", i+2), ParentID: &tr.Grid1.ID, ValidFrom: "2020-01-01"})
				if err != nil {
					b.Fatal(err)
				}
				buildings = append(buildings, n)
			}
			file := householdSheet(b, buildings, 10000)
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				if _, err := s.DB().Exec("DELETE FROM households"); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				rep, err := registers.Import(ctx, s, registers.Households, bytes.NewReader(file), int64(len(file)), registers.Options{Within: tr.District.Path})
				if err != nil || !rep.Written || rep.Created != 10000 {
					b.Fatalf("import: %v %+v", err, rep)
				}
			}
		})
	}
}
