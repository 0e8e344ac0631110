package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/redgrid/redgrid/internal/api"
	"github.com/redgrid/redgrid/internal/redgridtest"
)

// TestRegisterListPersonal: GET /registers names the personal fields of each register — those an
// unmasked export shows in full — so the export page offers 导出完整信息 only where there is
// something to unmask; a register without any lists none (an empty list, not null).
func TestRegisterListPersonal(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev := newEnv(t, e, api.Config{})
		res, b := ev.do("community1", "GET", "/api/v1/registers", "", nil)
		var l struct {
			Items []struct {
				Name     string
				Personal []string
			}
		}
		if err := json.Unmarshal(b, &l); err != nil || res.StatusCode != 200 {
			t.Fatalf("registers: %d %s", res.StatusCode, b)
		}
		personal := map[string]string{}
		for _, r := range l.Items {
			personal[r.Name] = strings.Join(r.Personal, ",")
		}
		want := map[string]string{"buildings": "", "households": "", "residents": "id_number,phone", "members": "phone", "volunteers": "phone",
			"units": "", "grid-staff": "phone", "posts": "", "baobao": ""}
		if fmt.Sprint(personal) != fmt.Sprint(want) {
			t.Fatalf("personal fields: %v, want %v", personal, want)
		}
		if !bytes.Contains(b, []byte(`"personal":[]`)) {
			t.Fatalf("a register without personal fields lists none (not null): %s", b)
		}
		// department staff keep no registers: refused as before
		if res, _ := ev.do("dept1", "GET", "/api/v1/registers", "", nil); res.StatusCode != 403 {
			t.Fatalf("department staff: %d", res.StatusCode)
		}
	})
}
