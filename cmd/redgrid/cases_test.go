package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redgrid/redgrid/internal/photo"
	"github.com/redgrid/redgrid/internal/redgridtest"
	"github.com/redgrid/redgrid/internal/sqlstore"
)

// TestSweepOrphanPhotos: the job loop's sweep removes, under the photo directory of a real store,
// the files no photo row refers to once they are older than the retention — a photo written by a
// request that crashed before its insert, a stray file of a row's id in another format, the files
// of a row expired by a server that crashed before removing them, a temporary file of a write cut
// short — and keeps the rows' files, every young file (a request about to insert its row) and
// whatever is not named like a photo file. When the rows cannot be read it removes nothing.
func TestSweepOrphanPhotos(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ctx := context.Background()
		s := e.Open(t, sqlstore.Options{})
		files := photo.Files{Dir: filepath.Join(t.TempDir(), "photos")}
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		old := time.Now().Add(-25 * time.Hour)
		age := func(paths ...string) {
			t.Helper()
			for _, p := range paths {
				if err := os.Chtimes(p, old, old); err != nil {
					t.Fatal(err)
				}
			}
		}
		png, _ := photo.ParseFormat("png")
		jpeg, _ := photo.ParseFormat("jpeg")
		write := func(id string, f photo.Format, row, aged bool) {
			t.Helper()
			p := photo.Processed{Format: f, Data: []byte("image " + id), Thumb: []byte("thumb " + id)}
			if err := files.Write(id, p); err != nil {
				t.Fatal(err)
			}
			if aged {
				age(files.Path(id, f, false), files.Path(id, f, true))
			}
			if row {
				if _, _, err := s.CreatePhoto(ctx, sqlstore.Photo{ID: id, Format: string(f), Width: 1, Height: 1, Bytes: 1, SHA256: "x", Uploader: "public"},
					func() error { return nil }); err != nil {
					t.Fatal(err)
				}
			}
		}
		id := func(shard, c string) string { return shard + strings.Repeat(c, 30) }
		kept, crashed, young, stray, expired := id("ab", "1"), id("ab", "2"), id("ab", "3"), id("cd", "4"), id("cd", "5")
		// A server expired the row of "expired" and crashed before removing its files.
		write(expired, png, true, true)
		if gone, err := s.ExpirePhotos(ctx, time.Now().Add(time.Minute), 100); err != nil || len(gone) != 1 {
			t.Fatalf("expired %+v (%v)", gone, err)
		}
		write(kept, png, true, true)      // a row's photo, old: kept
		write(crashed, jpeg, false, true) // no row, old: an orphan
		write(young, jpeg, false, false)  // no row yet, written just now: kept
		write(stray, jpeg, true, true)    // a row's photo, kept ...
		strayPNG := filepath.Join(files.Dir, "cd", stray+".png")
		tmpOld, tmpYoung := filepath.Join(files.Dir, "ab", ".upload-111"), filepath.Join(files.Dir, "ab", ".upload-222")
		other, otherRoot := filepath.Join(files.Dir, "ab", "README.txt"), filepath.Join(files.Dir, "notes.txt")
		// ... but not a file of its id in another format.
		for _, p := range []string{strayPNG, tmpOld, tmpYoung, other, otherRoot} {
			if err := os.WriteFile(p, []byte("x"), 0o640); err != nil {
				t.Fatal(err)
			}
		}
		age(strayPNG, tmpOld, other, otherRoot)

		exists := func(p string) bool { _, err := os.Stat(p); return err == nil }
		want := map[string]bool{
			files.Path(kept, png, false): true, files.Path(kept, png, true): true,
			files.Path(crashed, jpeg, false): false, files.Path(crashed, jpeg, true): false,
			files.Path(young, jpeg, false): true, files.Path(young, jpeg, true): true,
			files.Path(stray, jpeg, false): true, files.Path(stray, jpeg, true): true, strayPNG: false,
			files.Path(expired, png, false): false, files.Path(expired, png, true): false,
			tmpOld: false, tmpYoung: true, other: true, otherRoot: true,
		}

		// The rows cannot be read: nothing is removed.
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		sweepOrphanPhotos(cancelled, s, files, time.Now().Add(-24*time.Hour), log)
		for p := range want {
			if !exists(p) {
				t.Errorf("%s removed while the rows could not be read", p)
			}
		}

		sweepOrphanPhotos(ctx, s, files, time.Now().Add(-24*time.Hour), log)
		for p, w := range want {
			if exists(p) != w {
				t.Errorf("%s: exists %v, want %v", strings.TrimPrefix(p, files.Dir), !w, w)
			}
		}
		for _, p := range []string{kept, stray} {
			if _, err := s.Photo(ctx, p); err != nil {
				t.Errorf("row %s: %v", p, err)
			}
		}
		// Once the young files are old and still have no row, they go too.
		age(files.Path(young, jpeg, false), files.Path(young, jpeg, true), tmpYoung)
		sweepOrphanPhotos(ctx, s, files, time.Now().Add(-24*time.Hour), log)
		for _, p := range []string{files.Path(young, jpeg, false), files.Path(young, jpeg, true), tmpYoung} {
			if exists(p) {
				t.Errorf("%s kept once old", p)
			}
		}
		if !exists(files.Path(kept, png, false)) || !exists(other) {
			t.Error("a second sweep removed what it must keep")
		}
	})
}
