package pii

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The key file is text, one key a line:
//
//	# comment
//	index <base64 of 32 bytes>
//	key 1 <base64 of 32 bytes>
//	key 2 <base64 of 32 bytes> current
//
// at least one index line, at least one key line, exactly one key marked current. Ids are decimal
// from 1 to MaxKeyID. Blank lines and lines starting with # are ignored. "index BASE64" is index
// key 1; once the index key has rotated there are several, written with their ids like the keys
// ("index 2 BASE64 current"), exactly one of them marked current (a single index line is current
// without the mark).

// maxKeyFile bounds a key file (a few hundred keys).
const maxKeyFile = 64 << 10

// ParseKeyring reads the text of a key file.
func ParseKeyring(text []byte) (*Keyring, error) {
	if len(text) > maxKeyFile {
		return nil, fmt.Errorf("key file: larger than %d bytes", maxKeyFile)
	}
	keys := map[uint32][]byte{}
	index := map[uint32][]byte{}
	var current, indexCurrent uint32
	currents, indexCurrents := 0, 0
	for n, line := range strings.Split(string(text), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		at := fmt.Sprintf("key file line %d", n+1)
		f := strings.Fields(line)
		switch {
		case f[0] == "index" && len(f) == 2:
			if _, dup := index[1]; dup {
				return nil, fmt.Errorf("%s: index key 1 appears twice", at)
			}
			k, err := decodeKey(f[1])
			if err != nil {
				return nil, fmt.Errorf("%s: %w", at, err)
			}
			index[1] = k
		case f[0] == "index" && (len(f) == 3 || len(f) == 4 && f[3] == "current"):
			id, err := strconv.ParseUint(f[1], 10, 32)
			if err != nil || id == 0 || id > MaxKeyID || f[1][0] == '0' {
				return nil, fmt.Errorf("%s: index key id must be a number from 1 to %d", at, MaxKeyID)
			}
			if _, dup := index[uint32(id)]; dup {
				return nil, fmt.Errorf("%s: index key %d appears twice", at, id)
			}
			k, err := decodeKey(f[2])
			if err != nil {
				return nil, fmt.Errorf("%s: %w", at, err)
			}
			index[uint32(id)] = k
			if len(f) == 4 {
				indexCurrent = uint32(id)
				indexCurrents++
			}
		case f[0] == "key" && (len(f) == 3 || len(f) == 4 && f[3] == "current"):
			id, err := strconv.ParseUint(f[1], 10, 32)
			if err != nil || id == 0 || id > MaxKeyID || f[1][0] == '0' {
				return nil, fmt.Errorf("%s: key id must be a number from 1 to %d", at, MaxKeyID)
			}
			if _, dup := keys[uint32(id)]; dup {
				return nil, fmt.Errorf("%s: key %d appears twice", at, id)
			}
			k, err := decodeKey(f[2])
			if err != nil {
				return nil, fmt.Errorf("%s: %w", at, err)
			}
			keys[uint32(id)] = k
			if len(f) == 4 {
				current = uint32(id)
				currents++
			}
		default:
			return nil, fmt.Errorf("%s: expected \"index [ID] BASE64 [current]\" or \"key ID BASE64 [current]\"", at)
		}
	}
	if len(index) == 1 && indexCurrents == 0 {
		for id := range index {
			indexCurrent, indexCurrents = id, 1
		}
	}
	switch {
	case len(index) == 0:
		return nil, errors.New("key file: no index line")
	case len(keys) == 0:
		return nil, errors.New("key file: no key line")
	case currents != 1:
		return nil, fmt.Errorf("key file: %d keys are marked current; exactly one must be", currents)
	case indexCurrents != 1:
		return nil, fmt.Errorf("key file: %d index keys are marked current; exactly one must be", indexCurrents)
	}
	return NewKeyringIndexes(current, keys, indexCurrent, index)
}

func decodeKey(s string) ([]byte, error) {
	k, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil || len(k) != KeySize {
		return nil, fmt.Errorf("a key must be %d bytes in standard base64", KeySize)
	}
	return k, nil
}

// Marshal writes the keyring as a key file.
func (r *Keyring) Marshal() []byte {
	var b bytes.Buffer
	b.WriteString("# redgrid personal-data keys: AES-256-GCM field keys and the HMAC-SHA256 index key.\n")
	b.WriteString("# Secret. Keep this file mode 0600, back it up apart from the database, and give every\n")
	b.WriteString("# server that shares the database the same file. Change it with `redgrid keys …` only.\n")
	if ids := r.IndexIDs(); len(ids) == 1 && ids[0] == 1 {
		// The form of before index keys could rotate, which older servers read too.
		fmt.Fprintf(&b, "index %s\n", base64.StdEncoding.EncodeToString(r.indexKeys[1]))
	} else {
		for _, id := range ids {
			fmt.Fprintf(&b, "index %d %s", id, base64.StdEncoding.EncodeToString(r.indexKeys[id]))
			if id == r.indexCurrent {
				b.WriteString(" current")
			}
			b.WriteByte('\n')
		}
	}
	for _, id := range r.IDs() {
		fmt.Fprintf(&b, "key %d %s", id, base64.StdEncoding.EncodeToString(r.keys[id]))
		if id == r.current {
			b.WriteString(" current")
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// Keys holds the keyring in force. Read from a file, it follows the file: a change (by `redgrid
// keys` on this host, or a copy from another) is picked up within a second, so a key added or
// made current reaches a running server without a restart.
type Keys struct {
	path string
	ring atomic.Pointer[Keyring]
	// checked is when the file was last looked at (unix nanoseconds).
	checked atomic.Int64
	mu      sync.Mutex
	mod     time.Time
	size    int64
	// file is the file last read: Save replaces the file by a rename, so a new file is seen as
	// new even when its time and size equal the old one's (two saves within the clock's tick).
	file os.FileInfo
}

// Fixed holds a keyring that no file backs (tests, benchmarks).
func Fixed(r *Keyring) *Keys {
	k := &Keys{}
	k.ring.Store(r)
	return k
}

// ErrNoKeyFile is returned by LoadFile when the file does not exist.
var ErrNoKeyFile = errors.New("no key file")

// LoadFile reads the key file at path. It refuses a file that others than its owner may read.
func LoadFile(path string) (*Keys, error) {
	k := &Keys{path: path}
	if _, err := k.reload(); err != nil {
		return nil, err
	}
	return k, nil
}

// CreateFile writes a new keyring (Generate) to path, which must not exist, readable by its owner
// only (0600); its directory is created (0700) when missing.
func CreateFile(path string) (*Keys, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	if _, err := f.Write(Generate().Marshal()); err != nil {
		f.Close()
		os.Remove(path)
		return nil, err
	}
	if err := errors.Join(f.Sync(), f.Close()); err != nil {
		os.Remove(path)
		return nil, err
	}
	return LoadFile(path)
}

// Path is the key file ("" for a fixed keyring).
func (k *Keys) Path() string { return k.path }

// Ring returns the keyring in force, having looked at the file when the last look is more than a
// second old. A file that has become unreadable or invalid leaves the keyring as it was (Reload
// says why).
func (k *Keys) Ring() *Keyring {
	if k.path != "" {
		now := time.Now().UnixNano()
		if last := k.checked.Load(); now-last > int64(time.Second) && k.checked.CompareAndSwap(last, now) {
			k.reload()
		}
	}
	return k.ring.Load()
}

// Reload reads the file now if it changed (a value sealed under a key this server has not seen
// yet comes from a server that already has the new file).
func (k *Keys) Reload() (*Keyring, error) {
	if k.path == "" {
		return k.ring.Load(), nil
	}
	k.checked.Store(time.Now().UnixNano())
	return k.reload()
}

func (k *Keys) reload() (*Keyring, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	st, err := os.Stat(k.path)
	if errors.Is(err, fs.ErrNotExist) {
		return k.ring.Load(), fmt.Errorf("%w at %s", ErrNoKeyFile, k.path)
	}
	if err != nil {
		return k.ring.Load(), err
	}
	if k.ring.Load() != nil && st.ModTime().Equal(k.mod) && st.Size() == k.size && k.file != nil && os.SameFile(st, k.file) {
		return k.ring.Load(), nil
	}
	if st.Mode().Perm()&0o077 != 0 {
		return k.ring.Load(), fmt.Errorf("key file %s: others may read it (mode %04o); run chmod 600 %s", k.path, st.Mode().Perm(), k.path)
	}
	text, err := os.ReadFile(k.path)
	if err != nil {
		return k.ring.Load(), err
	}
	r, err := ParseKeyring(text)
	if err != nil {
		return k.ring.Load(), fmt.Errorf("%s: %w", k.path, err)
	}
	k.ring.Store(r)
	k.mod, k.size, k.file = st.ModTime(), st.Size(), st
	return r, nil
}

// Save makes r the keyring in force and, for a file, replaces the file with it in one step (a
// new file, 0600, renamed over the old one), so that a server reading it never sees half a file.
func (k *Keys) Save(r *Keyring) error {
	if k.path == "" {
		k.ring.Store(r)
		return nil
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	tmp, err := os.CreateTemp(filepath.Dir(k.path), ".pii-keys-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after the rename there is nothing left to remove
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(r.Marshal()); err != nil {
		tmp.Close()
		return err
	}
	if err := errors.Join(tmp.Sync(), tmp.Close()); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), k.path); err != nil {
		return err
	}
	if st, err := os.Stat(k.path); err == nil {
		k.mod, k.size, k.file = st.ModTime(), st.Size(), st
	}
	k.ring.Store(r)
	return nil
}
