package api

import (
	"errors"
	"testing"

	"github.com/redgrid/redgrid"
)

// FuzzDecode feeds arbitrary bodies to the strict JSON decoder and the validation of every input
// type: the outcome is a value or a KindInvalid error naming a field, never a panic.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		`{"kind":"grid","name":"五堰第一网格","parent_id":3}`,
		`{"kind":"branch","name":"x","parent_id":1,"node_id":2,"temporary":true,"ends_on":"2026-02-30"}`,
		`{"username":"a","password":"b","roles":[{"role":"grid_worker","node_id":-1}]}`,
		`{"node_ids":[1,1],"credit_code":"91350100M000100Y43"}`,
		`{"name":"\u0000"}`, `[]`, `{} {}`, `{"a":`, "\xff", `{"parent_id":1e400}`, `null`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		targets := []func() error{
			func() error {
				var v redgrid.NewNode
				return then(decodeBytes(body, &v), func() error { return v.Validate(redgrid.DefaultCodeScheme) })
			},
			func() error { var v redgrid.NodePatch; return then(decodeBytes(body, &v), v.Validate) },
			func() error { var v redgrid.NewPartyOrg; return then(decodeBytes(body, &v), v.Validate) },
			func() error { var v redgrid.PartyOrgPatch; return then(decodeBytes(body, &v), v.Validate) },
			func() error { var v redgrid.NewOrg; return then(decodeBytes(body, &v), v.Validate) },
			func() error { var v redgrid.OrgPatch; return then(decodeBytes(body, &v), v.Validate) },
			func() error { var v redgrid.NewUser; return then(decodeBytes(body, &v), v.Validate) },
			func() error { var v redgrid.UserPatch; return then(decodeBytes(body, &v), v.Validate) },
			func() error { var v loginRequest; return decodeBytes(body, &v) },
		}
		for _, fn := range targets {
			err := fn()
			if err == nil {
				continue
			}
			var re *redgrid.Error
			if !errors.As(err, &re) || re.Kind != redgrid.KindInvalid || len(re.Fields) == 0 || re.Fields[0].Field == "" || re.Fields[0].Rule == "" {
				t.Fatalf("body %q: error %v is not an invalid-input error naming a field and rule", body, err)
			}
		}
	})
}

func then(err error, next func() error) error {
	if err != nil {
		return err
	}
	return next()
}
