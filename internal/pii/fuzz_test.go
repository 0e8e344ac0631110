package pii_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/redgrid/redgrid/internal/pii"
)

// The parsers take what people type and what spreadsheets hold: they must never panic, and what
// they accept must be in the one normal form.

func FuzzParseID(f *testing.F) {
	for _, s := range []string{"420302199001011237", "11010519491231002x", "１１０１０５１９４９１２３１００２Ｘ", "4203021990010112", "", "420302 19900229 0018", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := pii.ParseID(s, today)
		m := pii.MaskID(s)
		if err != nil {
			if _, ok := err.(*pii.Error); !ok {
				t.Fatalf("%q: error %T", s, err)
			}
			return
		}
		if len(id.Number) != 18 || pii.IDCheckChar(id.Number) != id.Number[17] || pii.NormalizeID(id.Number) != id.Number {
			t.Fatalf("%q accepted as %q", s, id.Number)
		}
		if again, err := pii.ParseID(id.Number, today); err != nil || again != id {
			t.Fatalf("%q: the normal form does not parse to itself", s)
		}
		if m != id.Number[:6]+"********"+id.Number[14:] {
			t.Fatalf("%q masked as %q", s, m)
		}
	})
}

func FuzzParsePhone(f *testing.F) {
	for _, s := range []string{"13800138000", "+86 138-0013-8000", "(0719) 8123456", "0086 10 62345678", "8613800138000", "+86", "", "１３８"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := pii.ParsePhone(s)
		if m := pii.MaskPhone(s); utf8.ValidString(s) && utf8.RuneCountInString(m) != utf8.RuneCountInString(s) {
			t.Fatalf("%q masked as %q", s, m)
		}
		if err != nil {
			return
		}
		if again, err := pii.ParsePhone(n); err != nil || again != n || strings.Trim(n, "0123456789") != "" {
			t.Fatalf("%q accepted as %q, which parses as %q %v", s, n, again, err)
		}
		if mob, err := pii.ParseMobile(s); err == nil && (mob != n || len(mob) != 11) {
			t.Fatalf("%q: mobile %q, phone %q", s, mob, n)
		}
		if strings.Count(pii.MaskPhone(n), "*") != len(n)-7 {
			t.Fatalf("%q masked as %q", n, pii.MaskPhone(n))
		}
	})
}

func FuzzMaskName(f *testing.F) {
	for _, s := range []string{"张三", "欧阳娜娜", "买买提·艾力", "John", "", " ", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m := pii.MaskName(s)
		r := []rune(strings.TrimSpace(s))
		if len(r) >= 2 && strings.Count(m, "*") < len(r)-2 {
			t.Fatalf("%q masked as %q: too much shown", s, m)
		}
	})
}

func FuzzParseKeyring(f *testing.F) {
	f.Add(pii.Generate().Marshal())
	r2, _, _ := pii.Generate().WithNewKey()
	f.Add(r2.Marshal())
	r3, id, _ := r2.WithNewIndexKey()
	r3, _ = r3.WithCurrentIndex(id)
	f.Add(r3.Marshal())
	f.Add([]byte("index x\nkey 1 y current\n"))
	f.Fuzz(func(t *testing.T, text []byte) {
		r, err := pii.ParseKeyring(text)
		if err != nil {
			return
		}
		back, err := pii.ParseKeyring(r.Marshal())
		if err != nil || back.Current() != r.Current() || len(back.IDs()) != len(r.IDs()) || back.IndexFingerprint() != r.IndexFingerprint() ||
			len(back.IndexIDs()) != len(r.IndexIDs()) {
			t.Fatalf("round trip: %v", err)
		}
		for _, id := range r.IDs() {
			if back.Fingerprint(id) != r.Fingerprint(id) {
				t.Fatalf("key %d changed", id)
			}
		}
	})
}

// FuzzOpen: any text handed to Open is refused or opened, never a panic; any value sealed opens.
func FuzzOpen(f *testing.F) {
	r := pii.Generate()
	f.Add(r.Seal("c", "13800138000"), "张三")
	f.Add("pii1:1:", "")
	f.Add("pii1:4294967296:AAAA", "x")
	f.Fuzz(func(t *testing.T, sealed, plain string) {
		r.Open("c", sealed)
		pii.KeyOf(sealed)
		if got, err := r.Open("c", r.Seal("c", plain)); err != nil || got != plain {
			t.Fatalf("%q: %q %v", plain, got, err)
		}
	})
}
