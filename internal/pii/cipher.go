// Package pii protects personal data (PIPL Art. 28 and 51, GB/T 35273): field encryption with
// AES-256-GCM under a keyring whose keys can rotate, a keyed hash (HMAC-SHA256) to find a record
// by an exact value without storing the value, the Chinese conventions for showing a value
// masked, and the parsers of resident ID numbers and mainland phone numbers.
//
// A sealed value is text, so it fits the TEXT columns of both database engines:
//
//	pii1:<key id>:<base64url, no padding, of nonce (12 bytes) ‖ ciphertext ‖ tag (16 bytes)>
//
// The key id says which key of the keyring opens it; the additional data binds the value to its
// column ("cases.reporter_phone"), so a value copied into another column does not open. The
// empty string stays empty (a field not given is not a secret).
package pii

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// KeySize is the size of every key: AES-256 and the HMAC key.
const KeySize = 32

// Prefix starts every sealed value.
const Prefix = "pii1:"

const (
	nonceSize = 12
	tagSize   = 16
	// MaxKeyID bounds key ids (they are written in decimal in every sealed value).
	MaxKeyID = 1<<31 - 1
)

// Errors of Open. None of them carries the value.
var (
	ErrNotSealed  = errors.New("pii: not a sealed value")
	ErrUnknownKey = errors.New("pii: sealed under a key the keyring does not hold")
	ErrAuth       = errors.New("pii: sealed value does not authenticate (wrong key, column or corrupted)")
)

// Keyring is a set of AES-256 keys, one of them current (new values are sealed under it), and the
// keys of the keyed hash (index keys), one of them current too. It never changes; WithNewKey and
// the like return a new one.
//
// Index keys rotate like the others: a keyed hash names the index key it was made with (see
// Index), every search computes the hash under each index key of the keyring (Indexes), so that
// a value is found whichever key its stored hash was made with while the hashes are recomputed
// under a new index key; the old index key can go once no stored hash is made with it.
type Keyring struct {
	current uint32
	keys    map[uint32][]byte
	aeads   map[uint32]cipher.AEAD
	// indexCurrent is the index key new hashes are made with; indexKeys holds all index keys.
	indexCurrent uint32
	indexKeys    map[uint32][]byte
}

// NewKeyring builds a keyring from its keys (id → 32 bytes), the id of the current one and the
// index key (32 bytes, not one of the others), which gets index key id 1.
func NewKeyring(current uint32, keys map[uint32][]byte, indexKey []byte) (*Keyring, error) {
	return NewKeyringIndexes(current, keys, 1, map[uint32][]byte{1: indexKey})
}

// NewKeyringIndexes builds a keyring with several index keys (id → 32 bytes), indexCurrent being
// the one new hashes are made with. No two keys of the keyring, of either kind, may be equal.
func NewKeyringIndexes(current uint32, keys map[uint32][]byte, indexCurrent uint32, indexKeys map[uint32][]byte) (*Keyring, error) {
	if len(keys) == 0 {
		return nil, errors.New("pii: a keyring needs at least one key")
	}
	if _, ok := keys[current]; !ok {
		return nil, fmt.Errorf("pii: the current key %d is not in the keyring", current)
	}
	if _, ok := indexKeys[indexCurrent]; !ok {
		return nil, fmt.Errorf("pii: the current index key %d is not in the keyring", indexCurrent)
	}
	r := &Keyring{current: current, keys: map[uint32][]byte{}, aeads: map[uint32]cipher.AEAD{},
		indexCurrent: indexCurrent, indexKeys: map[uint32][]byte{}}
	for id, k := range indexKeys {
		if id == 0 || id > MaxKeyID {
			return nil, fmt.Errorf("pii: index key id %d is out of range 1…%d", id, MaxKeyID)
		}
		if len(k) != KeySize {
			return nil, fmt.Errorf("pii: the index key %d must be %d bytes", id, KeySize)
		}
		for id2, k2 := range r.indexKeys {
			if hmac.Equal(k, k2) {
				return nil, fmt.Errorf("pii: index keys %d and %d are equal; each key must be its own", id2, id)
			}
		}
		r.indexKeys[id] = slices.Clone(k)
	}
	for id, k := range keys {
		if id == 0 || id > MaxKeyID {
			return nil, fmt.Errorf("pii: key id %d is out of range 1…%d", id, MaxKeyID)
		}
		if len(k) != KeySize {
			return nil, fmt.Errorf("pii: key %d must be %d bytes", id, KeySize)
		}
		for iid, ik := range r.indexKeys {
			if hmac.Equal(k, ik) {
				return nil, fmt.Errorf("pii: key %d is the index key %d; each key must be its own", id, iid)
			}
		}
		b, err := aes.NewCipher(k)
		if err != nil {
			return nil, err
		}
		a, err := cipher.NewGCMWithRandomNonce(b)
		if err != nil {
			return nil, err
		}
		r.keys[id] = slices.Clone(k)
		r.aeads[id] = a
	}
	return r, nil
}

// Generate makes a keyring of one new random key (id 1) and a new index key.
func Generate() *Keyring {
	r, err := NewKeyring(1, map[uint32][]byte{1: randomKey()}, randomKey())
	if err != nil {
		panic(err) // cannot happen: the sizes are right
	}
	return r
}

func randomKey() []byte {
	k := make([]byte, KeySize)
	rand.Read(k) // never fails (crypto/rand panics rather than return short)
	return k
}

// Current is the id of the key new values are sealed under.
func (r *Keyring) Current() uint32 { return r.current }

// IDs lists the key ids, ascending.
func (r *Keyring) IDs() []uint32 { return slices.Sorted(maps.Keys(r.keys)) }

// Has reports whether the keyring holds key id.
func (r *Keyring) Has(id uint32) bool { _, ok := r.keys[id]; return ok }

// Newest is the highest key id.
func (r *Keyring) Newest() uint32 { ids := r.IDs(); return ids[len(ids)-1] }

// Fingerprint identifies key id without revealing it: the first 8 bytes of an HMAC under the key,
// in hex. The database keeps the fingerprints of the keys its data is sealed under, so that a
// server given the wrong key file refuses to start instead of writing what no other server reads.
func (r *Keyring) Fingerprint(id uint32) string { return fingerprint(r.keys[id]) }

// IndexFingerprint is the fingerprint of the current index key.
func (r *Keyring) IndexFingerprint() string { return fingerprint(r.indexKeys[r.indexCurrent]) }

// IndexFingerprintOf is the fingerprint of index key id ("" when the keyring lacks it).
func (r *Keyring) IndexFingerprintOf(id uint32) string { return fingerprint(r.indexKeys[id]) }

// IndexCurrent is the id of the index key new hashes are made with.
func (r *Keyring) IndexCurrent() uint32 { return r.indexCurrent }

// IndexIDs lists the index key ids, ascending.
func (r *Keyring) IndexIDs() []uint32 { return slices.Sorted(maps.Keys(r.indexKeys)) }

// HasIndex reports whether the keyring holds index key id.
func (r *Keyring) HasIndex(id uint32) bool { _, ok := r.indexKeys[id]; return ok }

func fingerprint(k []byte) string {
	if k == nil {
		return ""
	}
	m := hmac.New(sha256.New, k)
	m.Write([]byte("redgrid pii key fingerprint"))
	return hex.EncodeToString(m.Sum(nil)[:8])
}

// WithNewKey returns the keyring with a new random key (id one above the newest), not current.
func (r *Keyring) WithNewKey() (*Keyring, uint32, error) {
	id := r.Newest() + 1
	if id > MaxKeyID {
		return nil, 0, errors.New("pii: no key id left")
	}
	keys := r.copyKeys()
	keys[id] = randomKey()
	n, err := NewKeyringIndexes(r.current, keys, r.indexCurrent, r.indexKeys)
	return n, id, err
}

// WithCurrent returns the keyring with key id current.
func (r *Keyring) WithCurrent(id uint32) (*Keyring, error) {
	return NewKeyringIndexes(id, r.copyKeys(), r.indexCurrent, r.indexKeys)
}

// WithNewIndexKey returns the keyring with a new random index key (id one above the highest
// index key id), not current.
func (r *Keyring) WithNewIndexKey() (*Keyring, uint32, error) {
	ids := r.IndexIDs()
	id := ids[len(ids)-1] + 1
	if id > MaxKeyID {
		return nil, 0, errors.New("pii: no index key id left")
	}
	idx := maps.Clone(r.indexKeys)
	idx[id] = randomKey()
	n, err := NewKeyringIndexes(r.current, r.keys, r.indexCurrent, idx)
	return n, id, err
}

// WithCurrentIndex returns the keyring with index key id current.
func (r *Keyring) WithCurrentIndex(id uint32) (*Keyring, error) {
	return NewKeyringIndexes(r.current, r.keys, id, r.indexKeys)
}

// WithoutIndex returns the keyring without index key id, which must not be the current one.
func (r *Keyring) WithoutIndex(id uint32) (*Keyring, error) {
	if id == r.indexCurrent {
		return nil, fmt.Errorf("pii: index key %d is the current index key; make another current first", id)
	}
	if !r.HasIndex(id) {
		return nil, fmt.Errorf("pii: no index key %d", id)
	}
	idx := maps.Clone(r.indexKeys)
	delete(idx, id)
	return NewKeyringIndexes(r.current, r.keys, r.indexCurrent, idx)
}

// Without returns the keyring without key id, which must not be the current one.
func (r *Keyring) Without(id uint32) (*Keyring, error) {
	if id == r.current {
		return nil, fmt.Errorf("pii: key %d is the current key; make another current first", id)
	}
	if !r.Has(id) {
		return nil, fmt.Errorf("pii: no key %d", id)
	}
	keys := r.copyKeys()
	delete(keys, id)
	return NewKeyringIndexes(r.current, keys, r.indexCurrent, r.indexKeys)
}

func (r *Keyring) copyKeys() map[uint32][]byte {
	keys := make(map[uint32][]byte, len(r.keys)+1)
	for id, k := range r.keys {
		keys[id] = k
	}
	return keys
}

func aad(id uint32, column string) []byte {
	return []byte(Prefix + strconv.FormatUint(uint64(id), 10) + ":" + column)
}

// Seal encrypts v for column under the current key. The empty string stays empty.
func (r *Keyring) Seal(column, v string) string {
	if v == "" {
		return ""
	}
	id := r.current
	ct := r.aeads[id].Seal(nil, nil, []byte(v), aad(id, column))
	var b strings.Builder
	b.Grow(len(Prefix) + 11 + base64.RawURLEncoding.EncodedLen(len(ct)))
	b.WriteString(Prefix)
	b.WriteString(strconv.FormatUint(uint64(id), 10))
	b.WriteByte(':')
	b.WriteString(base64.RawURLEncoding.EncodeToString(ct))
	return b.String()
}

// KeyOf returns the key id a sealed value names; ok is false when s is not a sealed value.
func KeyOf(s string) (id uint32, ok bool) {
	id, _, err := parse(s)
	return id, err == nil
}

// parse splits a sealed value into its key id and the sealed bytes.
func parse(s string) (uint32, []byte, error) {
	rest, ok := strings.CutPrefix(s, Prefix)
	if !ok {
		return 0, nil, ErrNotSealed
	}
	num, body, ok := strings.Cut(rest, ":")
	if !ok || num == "" || len(num) > 10 || num[0] == '0' {
		return 0, nil, ErrNotSealed
	}
	id, err := strconv.ParseUint(num, 10, 32)
	if err != nil || id == 0 || id > MaxKeyID {
		return 0, nil, ErrNotSealed
	}
	ct, err := base64.RawURLEncoding.Strict().DecodeString(body)
	if err != nil || len(ct) < nonceSize+tagSize {
		return 0, nil, ErrNotSealed
	}
	return uint32(id), ct, nil
}

// Open decrypts a value Seal made for column. The empty string opens to itself.
func (r *Keyring) Open(column, s string) (string, error) {
	if s == "" {
		return "", nil
	}
	id, ct, err := parse(s)
	if err != nil {
		return "", err
	}
	a, ok := r.aeads[id]
	if !ok {
		return "", ErrUnknownKey
	}
	pt, err := a.Open(nil, nil, ct, aad(id, column))
	if err != nil {
		return "", ErrAuth
	}
	return string(pt), nil
}

// Index is the keyed hash of a value already normalised (NormalizePhone, NormalizeID) under the
// current index key: the first 16 bytes of HMAC-SHA256, in hex, preceded by "<index key id>:"
// for index keys other than 1 (the hashes made before index keys could rotate are under key 1
// and have no prefix). kind separates the kinds of value ("phone", "id") so that equal strings of
// two kinds do not match. The same value under the same key always gives the same index, so a
// column of indexes finds a record by exact value; without the key, an index cannot be computed,
// so the few billion phone numbers cannot be tried one by one.
func (r *Keyring) Index(kind, normalised string) string {
	return indexUnder(r.indexCurrent, r.indexKeys[r.indexCurrent], kind, normalised)
}

// Indexes is the keyed hash of a value under every index key of the keyring, the current one
// first: a search for the value looks for any of them, so that it finds the record while its
// stored hash is still one of an older index key (during a rotation of the index key).
func (r *Keyring) Indexes(kind, normalised string) []string {
	out := []string{r.Index(kind, normalised)}
	for _, id := range r.IndexIDs() {
		if id != r.indexCurrent {
			out = append(out, indexUnder(id, r.indexKeys[id], kind, normalised))
		}
	}
	return out
}

func indexUnder(id uint32, key []byte, kind, normalised string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(normalised))
	h := hex.EncodeToString(m.Sum(nil)[:16])
	if id == 1 {
		return h
	}
	return strconv.FormatUint(uint64(id), 10) + ":" + h
}

// IndexKeyOf returns the index key id a stored index names; ok is false when s is no index.
func IndexKeyOf(s string) (id uint32, ok bool) {
	num, h, found := strings.Cut(s, ":")
	if !found {
		num, h = "1", s
	}
	if len(h) != 32 || strings.Trim(h, "0123456789abcdef") != "" || num == "" || num[0] == '0' {
		return 0, false
	}
	n, err := strconv.ParseUint(num, 10, 32)
	if err != nil || n == 0 || n > MaxKeyID {
		return 0, false
	}
	return uint32(n), true
}

// IndexPattern is the SQL LIKE pattern of the indexes made with index key id: "N:%", or for key
// 1, whose hashes have no prefix, exactly 32 characters.
func IndexPattern(id uint32) string {
	if id == 1 {
		return "________________________________"
	}
	return strconv.FormatUint(uint64(id), 10) + ":%"
}

// PhoneIndex is the index of a phone number, normalised first.
func (r *Keyring) PhoneIndex(phone string) string { return r.Index("phone", NormalizePhone(phone)) }

// IDIndex is the index of a resident ID number, normalised first.
func (r *Keyring) IDIndex(id string) string { return r.Index("id", NormalizeID(id)) }

// PhoneIndexes are the indexes of a phone number under every index key (Indexes).
func (r *Keyring) PhoneIndexes(phone string) []string {
	return r.Indexes("phone", NormalizePhone(phone))
}

// IDIndexes are the indexes of a resident ID number under every index key (Indexes).
func (r *Keyring) IDIndexes(id string) []string { return r.Indexes("id", NormalizeID(id)) }
