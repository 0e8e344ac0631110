package pii_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redgrid/redgrid/internal/pii"
)

var today = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

func TestSealOpen(t *testing.T) {
	r := pii.Generate()
	for _, v := range []string{"13800138000", "欧阳娜娜", "x", strings.Repeat("长", 500)} {
		s := r.Seal("cases.reporter_phone", v)
		if !strings.HasPrefix(s, "pii1:1:") || len(v) > 3 && strings.Contains(s, v) {
			t.Fatalf("sealed %q as %q", v, s)
		}
		if s2 := r.Seal("cases.reporter_phone", v); s2 == s {
			t.Fatal("two seals of one value are equal: the nonce is not fresh")
		}
		got, err := r.Open("cases.reporter_phone", s)
		if err != nil || got != v {
			t.Fatalf("open: %q %v, want %q", got, err, v)
		}
		// Bound to its column: a phone copied into the name column does not open.
		if _, err := r.Open("cases.reporter_name", s); !errors.Is(err, pii.ErrAuth) {
			t.Fatalf("opened under another column: %v", err)
		}
		if id, ok := pii.KeyOf(s); !ok || id != 1 {
			t.Fatalf("KeyOf %q = %d %v", s, id, ok)
		}
	}
	if s := r.Seal("c", ""); s != "" {
		t.Fatalf("the empty string sealed as %q", s)
	}
	if v, err := r.Open("c", ""); v != "" || err != nil {
		t.Fatalf("the empty string opened as %q %v", v, err)
	}
	s := r.Seal("c", "13800138000")
	flipped := []byte(s)
	flipped[len(flipped)-3] ^= 1
	if flipped[len(flipped)-3] == '_' || flipped[len(flipped)-3] == '-' {
		flipped[len(flipped)-3] = 'A'
	}
	for _, bad := range []string{string(flipped), "13800138000", "pii1:1:", "pii1:01:" + s[7:], "pii1:0:" + s[7:], "pii1:x:" + s[7:], s + "=", "pii1:99999999999:" + s[7:]} {
		if _, err := r.Open("c", bad); err == nil {
			t.Errorf("opened %q", bad)
		}
	}
	if _, err := r.Open("c", "pii1:7:"+s[7:]); !errors.Is(err, pii.ErrUnknownKey) {
		t.Errorf("unknown key: %v", err)
	}
	if _, err := pii.Generate().Open("c", s); !errors.Is(err, pii.ErrAuth) {
		t.Errorf("another keyring's key 1: %v", err)
	}
}

// TestKeyringRotation: a new key becomes current, old values still open and the old key can go
// once nothing is sealed under it.
func TestKeyringRotation(t *testing.T) {
	r1 := pii.Generate()
	old := r1.Seal("c", "张三")
	r2, id, err := r1.WithNewKey()
	if err != nil || id != 2 || r2.Current() != 1 {
		t.Fatalf("WithNewKey: %v %d current %d", err, id, r2.Current())
	}
	r3, err := r2.WithCurrent(2)
	if err != nil {
		t.Fatal(err)
	}
	fresh := r3.Seal("c", "张三")
	if k, _ := pii.KeyOf(fresh); k != 2 {
		t.Fatalf("sealed under %d", k)
	}
	if v, err := r3.Open("c", old); v != "张三" || err != nil {
		t.Fatalf("old value after rotation: %q %v", v, err)
	}
	if _, err := r3.Without(2); err == nil {
		t.Fatal("the current key was removed")
	}
	r4, err := r3.Without(1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r4.Open("c", old); !errors.Is(err, pii.ErrUnknownKey) {
		t.Fatalf("old key removed, old value: %v", err)
	}
	if v, _ := r4.Open("c", fresh); v != "张三" {
		t.Fatal("new value lost")
	}
	if r3.Fingerprint(1) == r3.Fingerprint(2) || r4.Fingerprint(2) != r3.Fingerprint(2) || len(r4.Fingerprint(2)) != 16 {
		t.Fatal("fingerprints")
	}
	if r4.IndexFingerprint() != r1.IndexFingerprint() || r4.PhoneIndex("13800138000") != r1.PhoneIndex("13800138000") {
		t.Fatal("the index key changed with the field keys")
	}
}

func TestIndex(t *testing.T) {
	r := pii.Generate()
	a := r.PhoneIndex("13800138000")
	for _, same := range []string{"+86 138-0013-8000", "008613800138000", "138 0013 8000", "１３８００１３８０００"} {
		if r.PhoneIndex(same) != a {
			t.Errorf("%q indexes apart from 13800138000", same)
		}
	}
	if r.PhoneIndex("13800138001") == a || r.Index("id", "13800138000") == a || pii.Generate().PhoneIndex("13800138000") == a {
		t.Error("distinct values, kinds or keys share an index")
	}
	if r.IDIndex("11010519491231002x") != r.IDIndex("11010519491231002X") || len(a) != 32 {
		t.Error("ID index not normalised")
	}
}

// TestIndexKeyRotation: a new index key becomes current; the hashes made with the old one are
// still among a value's Indexes (so searches find them while they are recomputed), each hash
// names its index key, the key file keeps both, and the old index key can go.
func TestIndexKeyRotation(t *testing.T) {
	r1 := pii.Generate()
	old := r1.IDIndex("11010519491231002X")
	if id, ok := pii.IndexKeyOf(old); !ok || id != 1 || len(old) != 32 {
		t.Fatalf("index under key 1: %q %d %v", old, id, ok)
	}
	r2, id, err := r1.WithNewIndexKey()
	if err != nil || id != 2 || r2.IndexCurrent() != 1 || r2.IDIndex("11010519491231002X") != old {
		t.Fatalf("WithNewIndexKey: %v %d current %d", err, id, r2.IndexCurrent())
	}
	r3, err := r2.WithCurrentIndex(2)
	if err != nil {
		t.Fatal(err)
	}
	fresh := r3.IDIndex("11010519491231002x")
	if k, ok := pii.IndexKeyOf(fresh); !ok || k != 2 || !strings.HasPrefix(fresh, "2:") || fresh[2:] == old {
		t.Fatalf("index under key 2: %q", fresh)
	}
	if all := r3.IDIndexes("11010519491231002X"); len(all) != 2 || all[0] != fresh || all[1] != old {
		t.Fatalf("Indexes during the rotation: %q", all)
	}
	if r3.PhoneIndexes("13800138000")[1] != r1.PhoneIndex("+86 138 0013 8000") {
		t.Fatal("phone indexes")
	}
	if r3.Fingerprint(1) != r1.Fingerprint(1) || r3.IndexFingerprint() == r1.IndexFingerprint() || r3.IndexFingerprintOf(1) != r1.IndexFingerprint() {
		t.Fatal("fingerprints")
	}
	back, err := pii.ParseKeyring(r3.Marshal())
	if err != nil || back.IndexCurrent() != 2 || len(back.IndexIDs()) != 2 || back.IDIndex("11010519491231002X") != fresh {
		t.Fatalf("key file round trip: %v\n%s", err, r3.Marshal())
	}
	if _, err := r3.WithoutIndex(2); err == nil {
		t.Fatal("the current index key was removed")
	}
	r4, err := r3.WithoutIndex(1)
	if err != nil || r4.HasIndex(1) || len(r4.IDIndexes("11010519491231002X")) != 1 {
		t.Fatalf("WithoutIndex: %v", err)
	}
	if bytes.Contains(r4.Marshal(), []byte("index 1 ")) || !bytes.Contains(r4.Marshal(), []byte("index 2 ")) {
		t.Fatalf("key file after removal:\n%s", r4.Marshal())
	}
	for _, bad := range []string{"", "abc", "0:" + old, "01:" + old, "2:" + old[:31], "x:" + old, strings.ToUpper(old)} {
		if _, ok := pii.IndexKeyOf(bad); ok {
			t.Errorf("IndexKeyOf(%q) accepted", bad)
		}
	}
}

func TestKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "pii.keys")
	k, err := pii.CreateFile(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v %v", st.Mode(), err)
	}
	if _, err := pii.CreateFile(path); err == nil {
		t.Fatal("an existing key file was overwritten")
	}
	sealed := k.Ring().Seal("c", "v")
	k2, err := pii.LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := k2.Ring().Open("c", sealed); v != "v" || err != nil {
		t.Fatalf("reloaded keyring: %q %v", v, err)
	}
	// Another process adds a key and makes it current; this one follows on Reload.
	r2, id, _ := k2.Ring().WithNewKey()
	r2, _ = r2.WithCurrent(id)
	if err := k2.Save(r2); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Fatalf("saved with mode %v", st.Mode())
	}
	if r, err := k.Reload(); err != nil || r.Current() != 2 || k.Ring().Current() != 2 {
		t.Fatalf("reload: %v", err)
	}
	os.Chmod(path, 0o644)
	if _, err := pii.LoadFile(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("a world-readable key file was accepted: %v", err)
	}
	if _, err := pii.LoadFile(filepath.Join(t.TempDir(), "none")); !errors.Is(err, pii.ErrNoKeyFile) {
		t.Fatalf("missing file: %v", err)
	}
}

func TestParseKeyring(t *testing.T) {
	r := pii.Generate()
	text := r.Marshal()
	back, err := pii.ParseKeyring(text)
	if err != nil || back.Fingerprint(1) != r.Fingerprint(1) || back.IndexFingerprint() != r.IndexFingerprint() {
		t.Fatalf("round trip: %v", err)
	}
	key := "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
	idx := "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8="
	key2 := "QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8="
	for name, bad := range map[string]string{
		"no index":          "key 1 " + key + " current\n",
		"no key":            "index " + idx + "\n",
		"no current":        "index " + idx + "\nkey 1 " + key + "\n",
		"two current":       "index " + idx + "\nkey 1 " + key + " current\nkey 2 " + idx + " current\n",
		"short key":         "index " + idx + "\nkey 1 AAEC current\n",
		"id 0":              "index " + idx + "\nkey 0 " + key + " current\n",
		"leading zero":      "index " + idx + "\nkey 01 " + key + " current\n",
		"same id":           "index " + idx + "\nkey 1 " + key + " current\nkey 1 " + key + "\n",
		"index reused":      "index " + key + "\nkey 1 " + key + " current\n",
		"unknown line":      "index " + idx + "\nkey 1 " + key + " current\nfoo\n",
		"two index keys":    "index " + idx + "\nindex " + idx + "\nkey 1 " + key + " current\n",
		"index 1 twice":     "index " + idx + "\nindex 1 " + key2 + "\nkey 1 " + key + " current\n",
		"index no current":  "index 1 " + idx + "\nindex 2 " + key2 + "\nkey 1 " + key + " current\n",
		"index two current": "index 1 " + idx + " current\nindex 2 " + key2 + " current\nkey 1 " + key + " current\n",
		"index id 0":        "index 0 " + idx + "\nkey 1 " + key + " current\n",
		"indexes equal":     "index 1 " + idx + "\nindex 2 " + idx + " current\nkey 1 " + key + " current\n",
	} {
		if _, err := pii.ParseKeyring([]byte(bad)); err == nil {
			t.Errorf("%s: accepted", name)
		} else if strings.Contains(err.Error(), key) {
			t.Errorf("%s: the error shows the key: %v", name, err)
		}
	}
	if _, err := pii.ParseKeyring([]byte("# c\n\n  index " + idx + "  \nkey 3 " + key + " current\n")); err != nil {
		t.Errorf("comments and spaces: %v", err)
	}
	if r, err := pii.ParseKeyring([]byte("index 1 " + idx + "\nindex 2 " + key2 + " current\nkey 3 " + key + " current\n")); err != nil || r.IndexCurrent() != 2 {
		t.Errorf("two index keys: %v", err)
	}
	if _, err := pii.ParseKeyring(bytes.Repeat([]byte("#"), 70000)); err == nil {
		t.Error("a huge file was read")
	}
}

func TestParseID(t *testing.T) {
	for _, ok := range []string{"420302199001011237", "11010519491231002X", "11010519491231002x", " 110105 19491231 002X ", "１１０１０５１９４９１２３１００２Ｘ", "420302200002290018"} {
		id, err := pii.ParseID(ok, today)
		if err != nil {
			t.Errorf("%q: %v", ok, err)
			continue
		}
		if len(id.Number) != 18 || strings.ContainsAny(id.Number, " x") {
			t.Errorf("%q normalised to %q", ok, id.Number)
		}
	}
	id, _ := pii.ParseID("11010519491231002X", today)
	if id.Region != "110105" || !id.Birth.Equal(time.Date(1949, 12, 31, 0, 0, 0, 0, time.UTC)) || id.Male {
		t.Errorf("taken apart: %+v", id)
	}
	for in, rule := range map[string]string{
		"42030219900101123":   "length",
		"4203021990010112377": "length",
		"42030219900101123A":  "format",
		"4203021990010l1237":  "format",
		"990302199001011234":  "region",
		"420302199902290018":  "birth_date", // 1999 is no leap year
		"440524188001010014":  "birth_date", // the standard's own example: before 1900
		"420302203001011236":  "birth_date", // in the future
		"420302199013011234":  "birth_date",
		"420302199001011238":  "checksum",
		"11010519491231002Y":  "format",
		"":                    "length",
	} {
		_, err := pii.ParseID(in, today)
		var pe *pii.Error
		if !errors.As(err, &pe) || pe.Rule != rule {
			t.Errorf("%q: %v, want rule %s", in, err, rule)
		} else if in != "" && strings.Contains(pe.Message, in) {
			t.Errorf("%q: the message repeats the value", in)
		}
	}
}

func TestParsePhone(t *testing.T) {
	for in, want := range map[string]string{
		"13800138000":       "13800138000",
		"+86 138-0013-8000": "13800138000",
		"8613800138000":     "13800138000",
		"(0719) 8123456":    "07198123456",
		"010-62345678":      "01062345678",
		"+86 719 8123456":   "07198123456",
		"0086 10 62345678":  "01062345678",
		"１９９ ０７１９ ００００":     "19907190000",
	} {
		got, err := pii.ParsePhone(in)
		if err != nil || got != want {
			t.Errorf("ParsePhone(%q) = %q %v, want %q", in, got, err, want)
		}
	}
	// What FixMyStreet sends (E.164) and what people type; what is no number comes out unchanged
	// but for the separators.
	for in, want := range map[string]string{
		"+8613800138000":   "13800138000",
		"+86 10 6512 3456": "01065123456",
		"0719-8123456":     "07198123456",
		"+44 20 7946 0000": "+442079460000",
		"138.0013.8000":    "13800138000",
	} {
		if got := pii.NormalizePhone(in); got != want {
			t.Errorf("NormalizePhone(%q) = %q, want %q", in, got, want)
		}
	}
	for _, bad := range []string{"12345", "12800138000", "1380013800", "138001380000", "+44 20 7946 0000", "0012345678", "0719123", "abc", ""} {
		if got, err := pii.ParsePhone(bad); err == nil {
			t.Errorf("ParsePhone(%q) = %q", bad, got)
		}
	}
	if _, err := pii.ParseMobile("010-62345678"); err == nil {
		t.Error("a landline passed as a mobile number")
	}
	if got, err := pii.ParseMobile("+86 139 0719 5678"); got != "13907195678" || err != nil {
		t.Errorf("mobile: %q %v", got, err)
	}
}

func TestMask(t *testing.T) {
	for in, want := range map[string]string{
		"420302199001011237": "420302********1237",
		"11010519491231002x": "110105********002X",
		"1234567890":         "**********",
		"":                   "",
	} {
		if got := pii.MaskID(in); got != want {
			t.Errorf("MaskID(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"13812341234": "138****1234", "07198123456": "071****3456", "1234567": "*******", "": ""} {
		if got := pii.MaskPhone(in); got != want {
			t.Errorf("MaskPhone(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"张三": "张*", "李小明": "李**", "欧阳娜娜": "欧阳**", "欧阳": "欧*", "司马光": "司马*", "王": "*",
		"买买提·艾力": "买*****", "John Smith": "J*********", " 张三 ": "张*", "": "",
	} {
		if got := pii.MaskName(in); got != want {
			t.Errorf("MaskName(%q) = %q, want %q", in, got, want)
		}
	}
}

// BenchmarkSeal is the cost intake adds per personal field.
func BenchmarkSeal(b *testing.B) {
	r := pii.Generate()
	b.ReportAllocs()
	for b.Loop() {
		r.Seal("cases.reporter_phone", "13800138000")
	}
}

func BenchmarkOpen(b *testing.B) {
	r := pii.Generate()
	s := r.Seal("cases.reporter_phone", "13800138000")
	b.ReportAllocs()
	for b.Loop() {
		r.Open("cases.reporter_phone", s)
	}
}
