package photo

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestRemoveOrphansWithoutDirectory: a server that never stored a photo has nothing to sweep.
func TestRemoveOrphansWithoutDirectory(t *testing.T) {
	fs := Files{Dir: filepath.Join(t.TempDir(), "photos")}
	n, err := fs.RemoveOrphans(time.Now(), func([]string) (map[string]Format, error) {
		return nil, errors.New("not asked")
	})
	if n != 0 || err != nil {
		t.Errorf("%d removed, %v", n, err)
	}
}

// TestRemoveOrphansRefusesAForeignDirectory: when the photos without a row are more than a crash
// leaves (the directory of another database), nothing at all is removed; a few are removed.
func TestRemoveOrphansRefusesAForeignDirectory(t *testing.T) {
	fs := Files{Dir: filepath.Join(t.TempDir(), "photos")}
	old := time.Now().Add(-48 * time.Hour)
	var ids []string
	for i := 0; i < 40; i++ {
		id := fmt.Sprintf("%02x%030x", i%3, i)
		ids = append(ids, id)
		if err := fs.Write(id, Processed{Format: formatJPEG, Data: []byte("x"), Thumb: []byte("t")}); err != nil {
			t.Fatal(err)
		}
		for _, thumb := range []bool{false, true} {
			if err := os.Chtimes(fs.Path(id, formatJPEG, thumb), old, old); err != nil {
				t.Fatal(err)
			}
		}
	}
	rows := func(withRow int) Refs {
		return func(asked []string) (map[string]Format, error) {
			out := map[string]Format{}
			for _, id := range asked {
				for _, r := range ids[:withRow] {
					if id == r {
						out[id] = formatJPEG
					}
				}
			}
			return out, nil
		}
	}
	count := func() int {
		n := 0
		for _, id := range ids {
			if _, err := os.Stat(fs.Path(id, formatJPEG, false)); err == nil {
				n++
			}
		}
		return n
	}
	// 20 photos with a row, 20 without: not a crash's leftovers.
	if n, err := fs.RemoveOrphans(time.Now().Add(-24*time.Hour), rows(20)); n != 0 || !errors.Is(err, ErrForeignPhotos) {
		t.Errorf("removed %d (%v), want none and ErrForeignPhotos", n, err)
	}
	if c := count(); c != 40 {
		t.Errorf("%d photos left, want 40", c)
	}
	// 36 with a row, 4 without: those 4 go, with their thumbnails.
	if n, err := fs.RemoveOrphans(time.Now().Add(-24*time.Hour), rows(36)); n != 8 || err != nil {
		t.Errorf("removed %d files (%v), want 8", n, err)
	}
	if c := count(); c != 36 {
		t.Errorf("%d photos left, want 36", c)
	}
	// A failing lookup removes nothing.
	if n, err := fs.RemoveOrphans(time.Now(), func([]string) (map[string]Format, error) { return nil, errors.New("db down") }); n != 0 || err == nil {
		t.Errorf("removed %d (%v) while the rows could not be read", n, err)
	}
	if c := count(); c != 36 {
		t.Errorf("%d photos left, want 36", c)
	}
}
