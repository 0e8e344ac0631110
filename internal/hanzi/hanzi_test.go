package hanzi

import (
	"strings"
	"testing"
)

func TestKeys(t *testing.T) {
	tests := []struct {
		in, full, initials string
	}{
		{"五堰社区", "wuyanshequ", "wysq"},
		{"茅箭区", "maojianqu", "mjq"},
		{"A区3号楼", "aqu3haolou", "aq3hl"},
	}
	for _, tc := range tests {
		full, ini := Keys(tc.in)
		if full != tc.full {
			t.Errorf("Keys(%q) full = %q, want %q", tc.in, full, tc.full)
		}
		if !strings.Contains(" "+ini+" ", " "+tc.initials+" ") {
			t.Errorf("Keys(%q) initials = %q, want a variant %q", tc.in, ini, tc.initials)
		}
	}
}

func TestKeysPolyphone(t *testing.T) {
	// 长 reads chang or zhang; a person may type either initial.
	_, ini := Keys("长安")
	for _, want := range []string{"ca", "za"} {
		if !strings.Contains(" "+ini+" ", " "+want+" ") {
			t.Errorf("Keys(长安) initials %q lack %q", ini, want)
		}
	}
	_, ini = Keys(strings.Repeat("长", 10))
	if n := len(strings.Fields(ini)); n > maxVariants {
		t.Errorf("got %d variants, want at most %d", n, maxVariants)
	}
}
