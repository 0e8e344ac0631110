package photo

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Files keeps stored photos under a directory: <Dir>/ab/<id>.<ext> and <Dir>/ab/<id>.thumb.jpg,
// where ab are the first two hex digits of the id (256 subdirectories, so no directory grows
// past a few thousand entries per million photos).
//
// Each file is written to a temporary file in its final directory, synced and renamed, and the
// directory is synced after the rename, so a file either exists complete or not at all. The
// caller writes the database row after Write returns: a row never points at a missing file,
// while a crash between the two leaves only an orphan file nobody refers to, never served and
// removed later by RemoveOrphans.
type Files struct{ Dir string }

// NewID returns a random 128-bit photo id as 32 lowercase hex digits: unguessable, so an id
// alone grants nothing (reads are checked against the uploader or the case anyway).
func NewID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b)
}

// ValidID reports whether id has the form NewID makes.
func ValidID(id string) bool {
	if len(id) != 32 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// Ext is the file extension of a format ("jpg", "png", "webp").
func (f Format) Ext() string {
	if f == formatJPEG {
		return "jpg"
	}
	return string(f)
}

// ContentType is the media type of a format.
func (f Format) ContentType() string { return "image/" + string(f) }

// ParseFormat returns the format named by s ("jpeg", "png", "webp").
func ParseFormat(s string) (Format, bool) {
	switch Format(s) {
	case formatJPEG, formatPNG, formatWebP:
		return Format(s), true
	}
	return "", false
}

// Path is where the photo (thumb false) or its thumbnail lives. id must be ValidID.
func (fs Files) Path(id string, f Format, thumb bool) string {
	name := id + "." + f.Ext()
	if thumb {
		name = id + ".thumb.jpg"
	}
	return filepath.Join(fs.Dir, id[:2], name)
}

// Write stores a processed photo and its thumbnail under id, durably (see Files).
func (fs Files) Write(id string, p Processed) error {
	if !ValidID(id) {
		return fmt.Errorf("photo files: bad id %q", id)
	}
	dir := filepath.Join(fs.Dir, id[:2])
	if _, err := os.Stat(dir); err != nil {
		// A new subdirectory: its entry in Dir must be on disk too before a row points into it.
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return fmt.Errorf("photo files: %w", err)
		}
		if err := syncDir(fs.Dir); err != nil {
			return err
		}
	}
	if err := writeFile(fs.Path(id, p.Format, false), p.Data); err != nil {
		return err
	}
	if err := writeFile(fs.Path(id, p.Format, true), p.Thumb); err != nil {
		return err
	}
	return syncDir(dir)
}

func writeFile(path string, data []byte) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), ".upload-*")
	if err != nil {
		return fmt.Errorf("photo files: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(data); err != nil {
		return fmt.Errorf("photo files: %w", err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("photo files: %w", err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("photo files: %w", err)
	}
	if err = os.Chmod(f.Name(), 0o640); err != nil {
		return fmt.Errorf("photo files: %w", err)
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("photo files: %w", err)
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("photo files: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("photo files: sync %s: %w", dir, err)
	}
	return nil
}

// Open opens a stored photo or thumbnail for reading.
func (fs Files) Open(id string, f Format, thumb bool) (*os.File, error) {
	if !ValidID(id) {
		return nil, fmt.Errorf("photo files: bad id %q", id)
	}
	return os.Open(fs.Path(id, f, thumb))
}

// Remove deletes a photo's files (those that exist): the files of a photo whose row was never
// committed.
func (fs Files) Remove(id string, f Format) error {
	if !ValidID(id) {
		return fmt.Errorf("photo files: bad id %q", id)
	}
	var first error
	for _, thumb := range []bool{false, true} {
		if err := os.Remove(fs.Path(id, f, thumb)); err != nil && !errors.Is(err, os.ErrNotExist) && first == nil {
			first = fmt.Errorf("photo files: %w", err)
		}
	}
	return first
}
