package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/api"
	"github.com/redgrid/redgrid/internal/redgridtest"
)

// TestAgreementRenewal: the agreements due for renewal are listed with the days left (window
// bounded); the job's notification reaches the community's staff; a renewal links the next
// agreement to the previous one, once (a retry with its Idempotency-Key gets the same one back,
// another renewal 409); bad input and other communities change nothing.
func TestAgreementRenewal(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev := newEnv(t, e, api.Config{})
		tr := ev.tree
		unit, _, err := ev.store.CreateOrg(context.Background(), redgrid.NewOrg{Kind: redgrid.OrgResidentUnit, Name: "东风汽车公司第二中学", HomeNodeID: tr.Community1.ID, NodeIDs: []int64{tr.Community1.ID}})
		if err != nil {
			t.Fatal(err)
		}
		var ag struct{ ID int64 }
		for _, ends := range []string{"2026-04-15", "2027-12-31"} {
			res, b := ev.do("community1", "POST", "/api/v1/cobuild/agreements",
				fmt.Sprintf(`{"org_id":%d,"community_id":%d,"signed_on":"2024-04-16","ends_on":%q,"content":"开放操场"}`, unit.ID, tr.Community1.ID, ends), nil)
			if res.StatusCode != 201 {
				t.Fatalf("agreement: %d %s", res.StatusCode, b)
			}
			if ag.ID == 0 {
				json.Unmarshal(b, &ag)
			}
		}
		due := func(user, query string) (int, []map[string]any) {
			res, b := ev.do(user, "GET", "/api/v1/cobuild/agreements/due?"+query, "", nil)
			var l struct{ Items []map[string]any }
			json.Unmarshal(b, &l)
			return res.StatusCode, l.Items
		}
		c1 := fmt.Sprint(tr.Community1.ID)
		if code, items := due("community1", "node="+c1); code != 200 || len(items) != 1 || items[0]["days_left"] != 44.0 || items[0]["ended"] != false {
			t.Fatalf("due: %d %v", code, items)
		}
		if code, items := due("street1", "node="+fmt.Sprint(tr.Street1.ID)+"&days=366"); code != 200 || len(items) != 1 {
			t.Fatalf("due within 366 days: %d %v", code, items)
		}
		for _, q := range []string{"node=" + c1 + "&days=0", "node=" + c1 + "&days=367", "node=" + c1 + "&days=x"} {
			if res, b := ev.do("community1", "GET", "/api/v1/cobuild/agreements/due?"+q, "", nil); res.StatusCode != 400 || !strings.Contains(string(b), `"field":"days"`) {
				t.Errorf("due %s: %d %s", q, res.StatusCode, b)
			}
		}
		if code, _ := due("community2", "node="+c1); code != 403 {
			t.Fatalf("another community's due agreements: %d", code)
		}
		if _, err := ev.store.RunAgreementRenewals(context.Background(), redgrid.DefaultRenewalDays, 100); err != nil {
			t.Fatal(err)
		}
		if res, b := ev.do("community1", "GET", "/api/v1/notifications", "", nil); res.StatusCode != 200 || !strings.Contains(string(b), "共驻共建协议将于 2026-04-15 到期") {
			t.Fatalf("notification: %d %s", res.StatusCode, b)
		}
		if res, b := ev.do("community2", "GET", "/api/v1/notifications", "", nil); res.StatusCode != 200 || strings.Contains(string(b), "共驻共建") {
			t.Fatalf("another community notified: %d %s", res.StatusCode, b)
		}

		renew := fmt.Sprintf("/api/v1/cobuild/agreements/%d/renew", ag.ID)
		var rows int
		ev.store.DB().QueryRow("SELECT COUNT(*) FROM cobuild_agreements").Scan(&rows)
		for _, bad := range []struct {
			user, path, body, field, rule string
			status                        int
		}{
			{"community1", renew, `{"signed_on":"2026-04-01","ends_on":"2026-04-10"}`, "ends_on", "after_previous", 400},
			{"community1", renew, `{"signed_on":"2028-04-01","ends_on":"2027-04-10"}`, "ends_on", "after_signed", 400},
			{"community1", renew, `{"signed_on":"2026-04-01","ends_on":"2028-02-30"}`, "ends_on", "date", 400},
			{"community1", renew, `{"signed_on":"2026-04-01","ends_on":"2028-04-15","org_id":3}`, "org_id", "unknown_field", 400},
			{"community2", renew, `{"signed_on":"2026-04-01","ends_on":"2028-04-15"}`, "", "", 403},
			{"grid1", renew, `{"signed_on":"2026-04-01","ends_on":"2028-04-15"}`, "", "", 403},
			{"community1", "/api/v1/cobuild/agreements/999999/renew", `{"signed_on":"2026-04-01","ends_on":"2028-04-15"}`, "", "", 404},
			{"community1", "/api/v1/cobuild/agreements", fmt.Sprintf(`{"org_id":%d,"community_id":%d,"signed_on":"2026-01-01","ends_on":"2027-01-01","content":"x","renews_id":%d}`,
				unit.ID, tr.Community1.ID, ag.ID), "renews_id", "read_only", 400},
		} {
			res, b := ev.do(bad.user, "POST", bad.path, bad.body, nil)
			if res.StatusCode != bad.status || bad.field != "" && !strings.Contains(string(b), `"field":"`+bad.field+`","rule":"`+bad.rule+`"`) {
				t.Errorf("%s %s %s: %d %s", bad.user, bad.path, bad.body, res.StatusCode, b)
			}
		}
		var after int
		ev.store.DB().QueryRow("SELECT COUNT(*) FROM cobuild_agreements").Scan(&after)
		if after != rows {
			t.Fatal("a refused renewal wrote an agreement")
		}

		key := map[string]string{"Idempotency-Key": "renew-1"}
		res, b := ev.do("community1", "POST", renew, `{"signed_on":"2026-04-01","ends_on":"2028-04-15"}`, key)
		var next struct {
			ID       int64
			RenewsID *int64 `json:"renews_id"`
			Content  string
		}
		if res.StatusCode != 201 || json.Unmarshal(b, &next) != nil || next.RenewsID == nil || *next.RenewsID != ag.ID || next.Content != "开放操场" {
			t.Fatalf("renew: %d %s", res.StatusCode, b)
		}
		if res, b := ev.do("community1", "POST", renew, `{"signed_on":"2026-04-01","ends_on":"2028-04-15"}`, key); res.StatusCode != 201 ||
			res.Header.Get("Idempotent-Replayed") != "true" || !strings.Contains(string(b), fmt.Sprintf(`"id":%d`, next.ID)) {
			t.Fatalf("retry: %d %s", res.StatusCode, b)
		}
		if res, b := ev.do("community1", "POST", renew, `{"signed_on":"2026-04-02","ends_on":"2029-04-15"}`, nil); res.StatusCode != 409 || !strings.Contains(string(b), `"rule":"renewed"`) {
			t.Fatalf("renewed twice: %d %s", res.StatusCode, b)
		}
		if code, items := due("community1", "node="+c1); code != 200 || len(items) != 0 {
			t.Fatalf("due after the renewal: %d %v", code, items)
		}
		if res, b := ev.do("community1", "GET", "/api/v1/cobuild/agreements?node="+c1, "", nil); res.StatusCode != 200 ||
			!strings.Contains(string(b), fmt.Sprintf(`"renewed_by_id":%d`, next.ID)) {
			t.Fatalf("agreements: %d %s", res.StatusCode, b)
		}
		var audited int
		ev.store.DB().QueryRow("SELECT COUNT(*) FROM audit_log WHERE action = 'cobuild.renew'").Scan(&audited)
		if audited != 1 {
			t.Fatalf("%d audit lines of renewals", audited)
		}
	})
}
