package photo

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Refs tells which of ids (the photo ids found in one subdirectory) have a row, and the format
// each row names; ids without a row are absent from the map.
type Refs func(ids []string) (map[string]Format, error)

// The sweep refuses to remove anything when the photos without a row are not the few a crash
// leaves behind: more than orphanFloor of them and more than a tenth of the photos with a row, or
// more than orphanCap in all. That is a directory shared with another database (a --data given
// next to the wrong --db), whose photos are not ours to judge.
const (
	orphanFloor = 16
	orphanCap   = 10000
)

// ErrForeignPhotos is returned, with nothing removed, when most photo files have no row.
var ErrForeignPhotos = errors.New("photo files: most photos under the directory have no row in this database; nothing removed (is --data the one of this --db?)")

// RemoveOrphans removes the files under Dir that no row refers to and that were last written
// before before: photos and thumbnails left by a crash between Write and the insert of their row
// (or between the delete of an expired row and the removal of its files), and the temporary files
// of a write cut short. A row refers to <id>.<ext> of its own format and to <id>.thumb.jpg.
//
// Only names Write makes are considered (two-hex-digit subdirectories; <id>.jpg|png|webp,
// <id>.thumb.jpg and .upload-* inside); anything else is left alone, as are the subdirectories.
// The age test is what keeps a request's files safe: a request writes its files and inserts its
// row straight after, so a file written before before (at least the retention, an hour or more,
// ago) belongs to no request still running. refs is asked first and the age read after it, so a
// file written between the two is seen young.
//
// Nothing is removed until every subdirectory has been read: an error of refs or of reading a
// directory, or orphans beyond the few a crash leaves (ErrForeignPhotos), removes nothing. It
// returns the number of files removed and the first error of a removal after trying the others.
func (fs Files) RemoveOrphans(before time.Time, refs Refs) (int, error) {
	shards, err := os.ReadDir(fs.Dir)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil // no photo was ever stored
	}
	if err != nil {
		return 0, fmt.Errorf("photo files: %w", err)
	}
	var sw sweep
	for _, sh := range shards {
		if !sh.IsDir() || !validShard(sh.Name()) {
			continue
		}
		if err := fs.scan(&sw, sh.Name(), before, refs); err != nil {
			return 0, err
		}
		if sw.orphanIDs > orphanCap {
			return 0, ErrForeignPhotos
		}
	}
	if sw.orphanIDs > orphanFloor && sw.orphanIDs*10 > sw.rowIDs {
		return 0, ErrForeignPhotos
	}
	removed := 0
	var first error
	for _, path := range sw.doomed {
		if err := os.Remove(path); err != nil {
			if !errors.Is(err, os.ErrNotExist) && first == nil {
				first = fmt.Errorf("photo files: %w", err)
			}
			continue
		}
		removed++
	}
	return removed, first
}

// sweep collects the files to remove.
type sweep struct {
	doomed    []string
	orphanIDs int // photo ids with an old file and no row
	rowIDs    int // photo ids with a file and a row
}

// storedName is a file name Write makes in a subdirectory.
type storedName struct {
	name   string
	id     string // "" for a temporary file
	format Format // of a photo; "" for a thumbnail or a temporary file
}

// parseStoredName reads a name Write makes in the subdirectory shard; ok is false for any other.
func parseStoredName(shard, name string) (storedName, bool) {
	if strings.HasPrefix(name, ".upload-") {
		return storedName{name: name}, true
	}
	id, rest, found := strings.Cut(name, ".")
	if !found || !ValidID(id) || id[:2] != shard {
		return storedName{}, false
	}
	if rest == "thumb.jpg" {
		return storedName{name: name, id: id}, true
	}
	for _, f := range []Format{formatJPEG, formatPNG, formatWebP} {
		if rest == f.Ext() {
			return storedName{name: name, id: id, format: f}, true
		}
	}
	return storedName{}, false
}

func validShard(s string) bool {
	return len(s) == 2 && ValidID(s+strings.Repeat("0", 30))
}

// scan adds the old unreferenced files of one subdirectory to sw.
func (fs Files) scan(sw *sweep, shard string, before time.Time, refs Refs) error {
	dir := filepath.Join(fs.Dir, shard)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("photo files: %w", err)
	}
	var files []storedName
	var ids []string
	seen := map[string]bool{}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		n, ok := parseStoredName(shard, e.Name())
		if !ok {
			continue
		}
		files = append(files, n)
		if n.id != "" && !seen[n.id] {
			seen[n.id] = true
			ids = append(ids, n.id)
		}
	}
	if len(files) == 0 {
		return nil
	}
	known := map[string]Format{}
	if len(ids) > 0 {
		if known, err = refs(ids); err != nil {
			return fmt.Errorf("photo files: rows of %s: %w", dir, err)
		}
	}
	orphans := map[string]bool{}
	for _, n := range files {
		f, ok := known[n.id]
		if ok && (n.format == "" || n.format == f) {
			continue // the row's photo or its thumbnail
		}
		path := filepath.Join(dir, n.name)
		info, err := os.Lstat(path)
		if err != nil || !info.Mode().IsRegular() || !info.ModTime().Before(before) {
			continue // gone meanwhile, replaced, or young: a request may be about to insert its row
		}
		sw.doomed = append(sw.doomed, path)
		if n.id != "" && !ok {
			orphans[n.id] = true
		}
	}
	sw.orphanIDs += len(orphans)
	sw.rowIDs += len(known)
	return nil
}
