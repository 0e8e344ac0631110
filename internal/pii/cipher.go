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
// key of the keyed hash. It never changes; WithNewKey and the like return a new one.
type Keyring struct {
	current uint32
	keys    map[uint32][]byte
	aeads   map[uint32]cipher.AEAD
	index   []byte
}

// NewKeyring builds a keyring from its keys (id → 32 bytes), the id of the current one and the
// index key (32 bytes, not one of the others).
func NewKeyring(current uint32, keys map[uint32][]byte, indexKey []byte) (*Keyring, error) {
	if len(keys) == 0 {
		return nil, errors.New("pii: a keyring needs at least one key")
	}
	if _, ok := keys[current]; !ok {
		return nil, fmt.Errorf("pii: the current key %d is not in the keyring", current)
	}
	if len(indexKey) != KeySize {
		return nil, fmt.Errorf("pii: the index key must be %d bytes", KeySize)
	}
	r := &Keyring{current: current, keys: map[uint32][]byte{}, aeads: map[uint32]cipher.AEAD{}, index: slices.Clone(indexKey)}
	for id, k := range keys {
		if id == 0 || id > MaxKeyID {
			return nil, fmt.Errorf("pii: key id %d is out of range 1…%d", id, MaxKeyID)
		}
		if len(k) != KeySize {
			return nil, fmt.Errorf("pii: key %d must be %d bytes", id, KeySize)
		}
		if hmac.Equal(k, indexKey) {
			return nil, fmt.Errorf("pii: key %d is the index key; each key must be its own", id)
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
func (r *Keyring) IDs() []uint32 {
	ids := make([]uint32, 0, len(r.keys))
	for id := range r.keys {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// Has reports whether the keyring holds key id.
func (r *Keyring) Has(id uint32) bool { _, ok := r.keys[id]; return ok }

// Newest is the highest key id.
func (r *Keyring) Newest() uint32 { ids := r.IDs(); return ids[len(ids)-1] }

// Fingerprint identifies key id without revealing it: the first 8 bytes of an HMAC under the key,
// in hex. The database keeps the fingerprints of the keys its data is sealed under, so that a
// server given the wrong key file refuses to start instead of writing what no other server reads.
func (r *Keyring) Fingerprint(id uint32) string { return fingerprint(r.keys[id]) }

// IndexFingerprint is the fingerprint of the index key.
func (r *Keyring) IndexFingerprint() string { return fingerprint(r.index) }

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
	n, err := NewKeyring(r.current, keys, r.index)
	return n, id, err
}

// WithCurrent returns the keyring with key id current.
func (r *Keyring) WithCurrent(id uint32) (*Keyring, error) {
	return NewKeyring(id, r.copyKeys(), r.index)
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
	return NewKeyring(r.current, keys, r.index)
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

// Index is the keyed hash of a value already normalised (NormalizePhone, NormalizeID): the
// first 16 bytes of HMAC-SHA256 under the index key, in hex. kind separates the kinds of value
// ("phone", "id") so that equal strings of two kinds do not match. The same value always gives the
// same index, so a column of indexes finds a record by exact value; without the key, an index
// cannot be computed, so the few billion phone numbers cannot be tried one by one.
func (r *Keyring) Index(kind, normalised string) string {
	m := hmac.New(sha256.New, r.index)
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(normalised))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// PhoneIndex is the index of a phone number, normalised first.
func (r *Keyring) PhoneIndex(phone string) string { return r.Index("phone", NormalizePhone(phone)) }

// IDIndex is the index of a resident ID number, normalised first.
func (r *Keyring) IDIndex(id string) string { return r.Index("id", NormalizeID(id)) }
