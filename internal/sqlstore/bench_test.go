package sqlstore_test

import (
	"context"
	"testing"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/auth"
	"github.com/redgrid/redgrid/internal/demo"
	"github.com/redgrid/redgrid/internal/redgridtest"
	"github.com/redgrid/redgrid/internal/sqlstore"
)

// BenchmarkCommunitySubtree reads a whole community (its grids, micro-grids and buildings) of the
// demo district in one index range scan: what the node page and the tree view ask for.
func BenchmarkCommunitySubtree(b *testing.B) {
	for _, e := range redgridtest.Engines() {
		b.Run(e.Name, func(b *testing.B) {
			ctx := context.Background()
			s := e.Open(b, sqlstore.Options{})
			if _, err := demo.Generate(ctx, s, 1, auth.TestParams); err != nil {
				b.Fatal(err)
			}
			roots, err := s.SearchNodes(ctx, "五堰社区", []string{"/"}, redgrid.KindCommunity, 1)
			if err != nil || len(roots) != 1 {
				b.Fatalf("community: %v %v", roots, err)
			}
			path := roots[0].Path
			var n int
			b.ResetTimer()
			for b.Loop() {
				nodes, err := s.Subtree(ctx, path, 10)
				if err != nil {
					b.Fatal(err)
				}
				n = len(nodes)
			}
			b.ReportMetric(float64(n), "nodes/op")
		})
	}
}

// BenchmarkScopeCheckWithLookup is the whole scope check of a request: the target's path from the
// database, then the prefix test against the caller's grants.
func BenchmarkScopeCheckWithLookup(b *testing.B) {
	for _, e := range redgridtest.Engines() {
		b.Run(e.Name, func(b *testing.B) {
			ctx := context.Background()
			s := e.Open(b, sqlstore.Options{})
			tr := redgridtest.BuildTree(b, s)
			u := redgridtest.AddUser(b, s, "community1", "h", redgrid.RoleCommunityStaff, tr.Community1.ID, 0)
			p, err := s.Principal(ctx, u.ID)
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				path, err := s.NodePath(ctx, tr.Building1.ID)
				if err != nil || !p.Can(redgrid.ActReadTree, path) {
					b.Fatal("denied", err)
				}
			}
		})
	}
}
