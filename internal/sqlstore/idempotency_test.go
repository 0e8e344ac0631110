package sqlstore_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/redgrid/redgrid/internal/redgridtest"
	"github.com/redgrid/redgrid/internal/sqlstore"
)

// TestExpireIdempotencyKeys: the keys recorded more than IdempotencyKeep ago go, in as many
// thousand-key transactions as it takes; younger keys stay.
func TestExpireIdempotencyKeys(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		clock := redgridtest.NewClock()
		s := e.Open(t, sqlstore.Options{Now: clock.Now})
		ctx := t.Context()
		now := clock.Now().UTC()
		ph := [2]string{"$1", "$2"}
		if e.Name == "sqlite" {
			ph = [2]string{"?", "?"}
		}
		add := func(key string, at time.Time) {
			t.Helper()
			if _, err := s.DB().ExecContext(ctx, `INSERT INTO idempotency_keys (user_id, idem_key, route, request_hash, resource, resource_id, created_at, response)
				VALUES (1, `+ph[0]+`, 'POST /api/v1/cases/{id}/actions', 'h', 'case_action', 1, `+ph[1]+`, '{"description":"楼上漏水"}')`, key, at); err != nil {
				t.Fatal(err)
			}
		}
		for i := range 2345 {
			add(fmt.Sprintf("old-%d", i), now.Add(-sqlstore.IdempotencyKeep-time.Duration(i+1)*time.Second))
		}
		add("young", now.Add(-sqlstore.IdempotencyKeep+time.Minute))
		add("fresh", now)
		n, err := s.ExpireIdempotencyKeys(ctx, now.Add(-sqlstore.IdempotencyKeep))
		if err != nil || n != 2345 {
			t.Fatalf("expired %d, %v; want 2345", n, err)
		}
		var left []string
		rows, err := s.DB().QueryContext(ctx, "SELECT idem_key FROM idempotency_keys ORDER BY idem_key")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var k string
			rows.Scan(&k)
			left = append(left, k)
		}
		rows.Close()
		if fmt.Sprint(left) != "[fresh young]" {
			t.Fatalf("left %v, want [fresh young]", left)
		}
		if n, err := s.ExpireIdempotencyKeys(ctx, now.Add(-sqlstore.IdempotencyKeep)); err != nil || n != 0 {
			t.Fatalf("again: %d %v", n, err)
		}
	})
}
