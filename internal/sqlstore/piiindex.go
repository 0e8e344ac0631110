package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/pii"
)

// The keyed hashes (pii.Keyring.Index) that find a person by an exact ID number or phone, and
// the rotation of the index key they are made with. Every hash column is listed in
// indexedColumns with the sealed column it is the hash of; a hash names its index key (pii:
// no prefix for key 1, "N:" after), so the hashes of one column may be of several index keys
// while they are recomputed (Rehash), and every lookup asks for the value's hash under each
// index key of the keyring (anyIndex), so that it finds the person throughout.

// indexedColumn is a column of keyed hashes: hash is the hash of the sealed column sealed, of
// the kind "id" (pii.NormalizeID) or "phone" (pii.NormalizePhone).
type indexedColumn struct {
	table, hash, sealed, kind string
}

// indexedColumns lists every hash column; the registers add theirs in init.
var indexedColumns []indexedColumn

// indexName is the name of index key id in pii_keys: "index" for key 1 (as before index keys
// rotated), "index:N" after.
func indexName(id uint32) string {
	if id == 1 {
		return "index"
	}
	return "index:" + strconv.FormatUint(uint64(id), 10)
}

// indexOf is the keyed hash of a value of kind under the current index key.
func indexOf(r *pii.Keyring, kind, v string) string {
	if kind == "phone" {
		return r.PhoneIndex(v)
	}
	return r.IDIndex(v)
}

// anyIndex is the SQL condition "col IN (…)" and its arguments: the value's keyed hash under each
// index key of r.
func anyIndex(r *pii.Keyring, col, kind, v string) (string, []any) {
	var hs []string
	if kind == "phone" {
		hs = r.PhoneIndexes(v)
	} else {
		hs = r.IDIndexes(v)
	}
	args := make([]any, len(hs))
	for i, h := range hs {
		args[i] = h
	}
	return col + " IN (" + inList(len(hs)) + ")", args
}

// hashesUnder counts the stored hashes made with index key id, stopping at limit (0: no limit).
func hashesUnder(queryRow func(string, ...any) *sql.Row, id uint32, limit int) (int64, error) {
	var total int64
	for _, c := range indexedColumns {
		q := "SELECT COUNT(*) FROM " + c.table + " WHERE " + c.hash + " LIKE ?"
		if limit > 0 {
			q = "SELECT COUNT(*) FROM (SELECT 1 FROM " + c.table + " WHERE " + c.hash + " LIKE ? LIMIT " + strconv.Itoa(limit) + ") x"
		}
		var n int64
		if err := queryRow(q, pii.IndexPattern(id)).Scan(&n); err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}

// Rehashed counts what Rehash did.
type Rehashed struct {
	To      uint32 // the index key the hashes are made with now
	Hashes  int    // hashes recomputed
	Skipped int    // rows changed by someone else meanwhile (a later run takes them)
}

// Rehash recomputes, from the opened values, every keyed hash not made with the current index
// key, in batches of batch rows (0: 500), each batch in its own transaction: serving goes on
// between them, and an interrupted run loses at most one batch — run it again and it goes on
// (it takes the hashes still under another key). progress, when set, hears the running count
// after each batch. A row changed meanwhile is left for the next run (its writer made its hash
// with the current key anyway).
func (s *Store) Rehash(ctx context.Context, batch int, progress func(hashes int)) (Rehashed, error) {
	if batch <= 0 {
		batch = sealBatch
	}
	r, err := s.sealer(ctx)
	if err != nil {
		return Rehashed{}, err
	}
	out := Rehashed{To: r.IndexCurrent()}
	current := pii.IndexPattern(out.To)
	for _, c := range indexedColumns {
		err := s.inBatches(ctx, batch, func(t *tx, after int64) ([]int64, error) {
			rows, err := t.query("SELECT id, "+c.hash+", "+c.sealed+" FROM "+c.table+" WHERE id > ? AND "+c.hash+" IS NOT NULL AND "+
				c.hash+" NOT LIKE ? AND "+c.sealed+" <> '' ORDER BY id LIMIT ?", after, current, batch)
			if err != nil {
				return nil, err
			}
			ids, vals, err := scanSealedRows(rows, 2)
			if err != nil {
				return nil, err
			}
			for i, id := range ids {
				plain, err := s.open(c.table+"."+c.sealed, vals[i][1])
				if err != nil {
					return nil, fmt.Errorf("%s %d: %w", c.table, id, err)
				}
				res, err := t.exec("UPDATE "+c.table+" SET "+c.hash+" = ? WHERE id = ? AND "+c.hash+" = ? AND "+c.sealed+" = ?",
					indexOf(r, c.kind, plain), id, vals[i][0], vals[i][1])
				if err != nil {
					return nil, err
				}
				if k, _ := res.RowsAffected(); k == 0 {
					out.Skipped++
				} else {
					out.Hashes++
				}
			}
			return ids, nil
		}, func() {
			if progress != nil {
				progress(out.Hashes)
			}
		})
		if err != nil {
			return out, err
		}
	}
	err = s.write(ctx, func(t *tx) error {
		return t.audit("pii.rehash", "pii_keys", map[string]any{"to_index_key": out.To, "hashes": out.Hashes, "skipped": out.Skipped})
	})
	return out, err
}

// IndexUsage counts the stored hashes made with each index key of the keyring and of pii_keys.
func (s *Store) IndexUsage(ctx context.Context) (map[uint32]int64, error) {
	ids := map[uint32]bool{}
	if s.pii.keys != nil {
		for _, id := range s.pii.keys.Ring().IndexIDs() {
			ids[id] = true
		}
	}
	rows, err := s.query(ctx, "SELECT name FROM pii_keys WHERE name LIKE 'index%'")
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return nil, err
		}
		if id, ok := indexKeyID(name); ok {
			ids[id] = true
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	read := func(q string, args ...any) *sql.Row { return s.queryRow(ctx, q, args...) }
	out := map[uint32]int64{}
	for id := range ids {
		if out[id], err = hashesUnder(read, id, 0); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// indexKeyID reads the index key id of a pii_keys name ("index", "index:N").
func indexKeyID(name string) (uint32, bool) {
	if name == "index" {
		return 1, true
	}
	n, err := strconv.ParseUint(strings.TrimPrefix(name, "index:"), 10, 32)
	return uint32(n), err == nil && strings.HasPrefix(name, "index:") && n > 0
}

// RetireIndexKey marks index key id retired in pii_keys: removed from the key file, no hash made
// with it. It refuses while a stored hash is made with it.
func (s *Store) RetireIndexKey(ctx context.Context, id uint32) error {
	return s.write(ctx, func(t *tx) error {
		n, err := hashesUnder(t.queryRow, id, 1)
		if err != nil {
			return err
		}
		if n > 0 {
			return redgrid.Errorf(redgrid.KindConflict, "hashes are still made with index key %d; run redgrid keys rehash first", id)
		}
		if _, err := t.exec("UPDATE pii_keys SET retired_at = ? WHERE name = ? AND retired_at IS NULL", s.now().UTC(), indexName(id)); err != nil {
			return err
		}
		return t.audit("pii.index_key.retire", indexName(id), nil)
	})
}

// indexTaken reports whether a row of table holds the value's hash in col under an index key
// other than the current one (the current one is the unique index's to catch): during a rotation
// of the index key, one person recorded before it is not recorded again.
func (t *tx) indexTaken(r *pii.Keyring, table, col, kind, v string) (bool, error) {
	if len(r.IndexIDs()) < 2 {
		return false, nil
	}
	cond, args := anyIndex(r, col, kind, v)
	var n int
	err := t.queryRow("SELECT COUNT(*) FROM "+table+" WHERE "+cond, args...).Scan(&n)
	return n > 0, err
}
