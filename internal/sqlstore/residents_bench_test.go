package sqlstore_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redgrid/redgrid/internal/hanzi"
	"github.com/redgrid/redgrid/internal/redgridtest"
	"github.com/redgrid/redgrid/internal/sqlstore"
)

const (
	benchSurnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
	benchGiven    = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国建华玉兰志强文斌海燕小红玉梅丹萍鹏飞辉红梅宇浩然子涵梓萱一诺欣怡俊杰佳怡晨阳思远雨桐"
)

// BenchmarkResidentSearch searches REDGRID_BENCH_RESIDENTS residents (default 100,000; issue 6
// asks for 1,000,000) spread over 30 communities, by pinyin-initial prefix, full-pinyin prefix
// and surname, within one community and across the district:
// REDGRID_BENCH_RESIDENTS=1000000 go test -run '^$' -bench ResidentSearch -benchtime 200x ./internal/sqlstore/
func BenchmarkResidentSearch(b *testing.B) {
	n := 100_000
	if v := os.Getenv("REDGRID_BENCH_RESIDENTS"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	for _, e := range redgridtest.Engines() {
		b.Run(e.Name, func(b *testing.B) {
			ctx := context.Background()
			s := e.Open(b, sqlstore.Options{})
			tr := redgridtest.BuildTree(b, s)
			start := time.Now()
			loadResidents(b, s, e.Name == "postgres", tr.Building1.ID, n)
			b.Logf("%d residents loaded in %v", n, time.Since(start).Round(time.Second))
			community := int64(1005)
			for _, q := range []struct {
				name string
				rq   sqlstore.ResidentQuery
			}{
				{"community_initials_zw", sqlstore.ResidentQuery{Path: "/1/2/1005/", Community: community, Q: "zw", Limit: 50}},
				{"community_initials_w", sqlstore.ResidentQuery{Path: "/1/2/1005/", Community: community, Q: "w", Limit: 50}},
				{"community_pinyin_zhang", sqlstore.ResidentQuery{Path: "/1/2/1005/", Community: community, Q: "zhang", Limit: 50}},
				{"community_surname", sqlstore.ResidentQuery{Path: "/1/2/1005/", Community: community, Q: "王", Limit: 50}},
				{"district_initials_lxy", sqlstore.ResidentQuery{Path: "/1/", Q: "lxy", Limit: 50}},
				{"district_pinyin_wang", sqlstore.ResidentQuery{Path: "/1/", Q: "wang", Limit: 50}},
				{"district_name_zhang_wei", sqlstore.ResidentQuery{Path: "/1/", Q: "张伟", Limit: 50}},
			} {
				b.Run(q.name, func(b *testing.B) {
					var got int
					for b.Loop() {
						rs, err := s.Residents(ctx, q.rq)
						if err != nil {
							b.Fatal(err)
						}
						got = len(rs)
					}
					b.ReportMetric(float64(got), "found/op")
				})
			}
		})
	}
}

// loadResidents writes n residents (and their search keys) in 1,000 households of building,
// spread over 30 communities of 10 grids each by their paths.
func loadResidents(b *testing.B, s *sqlstore.Store, pg bool, building int64, n int) {
	b.Helper()
	db := s.DB()
	ph := func(i int) string {
		if pg {
			return "$" + strconv.Itoa(i)
		}
		return "?"
	}
	exec := func(q string, rows [][]any) {
		if len(rows) == 0 {
			return
		}
		var sb strings.Builder
		sb.WriteString(q)
		args := make([]any, 0, len(rows)*len(rows[0]))
		k := 0
		for i, r := range rows {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString("(")
			for j := range r {
				if j > 0 {
					sb.WriteString(", ")
				}
				k++
				sb.WriteString(ph(k))
			}
			sb.WriteString(")")
			args = append(args, r...)
		}
		if _, err := db.Exec(sb.String(), args...); err != nil {
			b.Fatal(err)
		}
	}
	now := time.Now().UTC()
	var hs [][]any
	for i := range 1000 {
		hs = append(hs, []any{int64(i + 1), building, "/1/2/3/4/", 1, 1, strconv.Itoa(i + 1), "owner", now, now})
	}
	over := ""
	if pg {
		over = " OVERRIDING SYSTEM VALUE"
	}
	exec("INSERT INTO households (id, building_id, path, unit, floor, room, occupancy, created_at, updated_at)"+over+" VALUES ", hs)
	sur, given := []rune(benchSurnames), []rune(benchGiven)
	rnd := rand.New(rand.NewPCG(1, 2))
	var rs, ks [][]any
	flush := func() {
		exec("INSERT INTO residents (id, household_id, path, community_id, name, initials, relation, created_at, updated_at)"+over+" VALUES ", rs)
		exec("INSERT INTO resident_keys (resident_id, key, community_id, path) VALUES ", ks)
		rs, ks = rs[:0], ks[:0]
	}
	for i := range n {
		name := string(sur[rnd.IntN(len(sur))]) + string(given[rnd.IntN(len(given))])
		if rnd.IntN(2) == 0 {
			name += string(given[rnd.IntN(len(given))])
		}
		c := 1000 + rnd.IntN(30)
		path := fmt.Sprintf("/1/2/%d/%d/%d/", c, c*10+rnd.IntN(10), 900000+rnd.IntN(3000))
		id := int64(i + 1)
		full, initials := hanzi.Keys(name)
		rs = append(rs, []any{id, int64(i%1000 + 1), path, int64(c), name, strings.Fields(initials)[0], "other", now, now})
		keys := map[string]bool{name: true, full: true}
		for _, k := range strings.Fields(initials) {
			keys[k] = true
		}
		for k := range keys {
			ks = append(ks, []any{id, k, int64(c), path})
		}
		if len(rs) == 500 {
			flush()
		}
	}
	flush()
	if pg {
		if _, err := db.Exec("ANALYZE residents; ANALYZE resident_keys"); err != nil {
			b.Fatal(err)
		}
	} else if _, err := db.Exec("ANALYZE"); err != nil {
		b.Fatal(err)
	}
}
