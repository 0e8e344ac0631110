package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/pii"
)

// Personal data at rest. Every column that holds personal data is listed in sealedTables; its
// values are sealed by internal/pii (AES-256-GCM, the key id in each value, the column as
// additional data) before they reach an INSERT, and opened when a row is read. The keys come from
// the key file (Store.UseKeys); the database keeps only their fingerprints (pii_keys).

// sealedTable is a table with sealed columns; its primary key is id.
type sealedTable struct {
	name string
	cols []string
}

// sealedTables lists every sealed column. A register that stores personal data adds its table
// here: key rotation and the sealing of old rows then cover it.
var sealedTables = []sealedTable{
	{"cases", []string{"reporter_name", "reporter_phone"}},
}

// sealBatch is how many rows one transaction of sealing or re-sealing handles.
const sealBatch = 500

var errNoKeys = errors.New("personal data: the store has no keys (UseKeys was not called)")

// piiState is what a store knows of its keys.
type piiState struct {
	keys *pii.Keys
	mu   sync.Mutex
	// registered: key ids this process has checked against pii_keys.
	registered map[uint32]bool
}

// UseKeys makes k the keys personal data is sealed with. It checks them against the fingerprints
// this database holds (a key id whose key differs, or a missing key that values are still sealed
// under, is refused), records new ones, and seals the rows written in plain text before
// migration 0010 (pii_pending). Call it after Migrate, before the store serves.
func (s *Store) UseKeys(ctx context.Context, k *pii.Keys) error {
	r := k.Ring()
	if err := s.RegisterKeys(ctx, r); err != nil {
		return err
	}
	s.pii.keys = k
	s.pii.mu.Lock()
	s.pii.registered = map[uint32]bool{}
	for _, id := range r.IDs() {
		s.pii.registered[id] = true
	}
	s.pii.mu.Unlock()
	return s.sealPending(ctx)
}

// KnownKeys is how many keys pii_keys records: 0 for a database that has sealed nothing yet.
func (s *Store) KnownKeys(ctx context.Context) (int, error) {
	var n int
	err := s.queryRow(ctx, "SELECT COUNT(*) FROM pii_keys").Scan(&n)
	return n, err
}

func keyName(id uint32) string { return "key:" + strconv.FormatUint(uint64(id), 10) }

// RegisterKeys checks the keys of r against pii_keys and records those the database has not
// seen. It fails when a key id or the index key has another fingerprint there, or when a key the
// database knows is missing from r while values are still sealed under it; a missing key that
// nothing is sealed under any more is marked retired.
func (s *Store) RegisterKeys(ctx context.Context, r *pii.Keyring) error {
	return s.write(ctx, func(t *tx) error {
		now := s.now().UTC()
		want := map[string]string{}
		for _, id := range r.IndexIDs() {
			want[indexName(id)] = r.IndexFingerprintOf(id)
		}
		for _, id := range r.IDs() {
			want[keyName(id)] = r.Fingerprint(id)
		}
		for name, fp := range want {
			if _, err := t.exec("INSERT INTO pii_keys (name, fingerprint, added_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING", name, fp, now); err != nil {
				return err
			}
		}
		rows, err := t.query("SELECT name, fingerprint, retired_at IS NOT NULL FROM pii_keys ORDER BY name")
		if err != nil {
			return err
		}
		type known struct {
			name, fp string
			retired  bool
		}
		var have []known
		for rows.Next() {
			var k known
			if err := rows.Scan(&k.name, &k.fp, &k.retired); err != nil {
				rows.Close()
				return err
			}
			have = append(have, k)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, k := range have {
			if fp, ok := want[k.name]; ok {
				if fp != k.fp {
					if _, ok := indexKeyID(k.name); ok {
						return fmt.Errorf("personal data: the key file's %s key is not the one this database's indexes were made with (wrong key file?)", k.name)
					}
					return fmt.Errorf("personal data: %s of the key file is not the key of that id this database has used (wrong key file?)", k.name)
				}
				if k.retired { // back in the key file: it may seal again
					if _, err := t.exec("UPDATE pii_keys SET retired_at = NULL WHERE name = ?", k.name); err != nil {
						return err
					}
				}
				continue
			}
			if k.retired {
				continue
			}
			if id, ok := indexKeyID(k.name); ok {
				n, err := hashesUnder(t.queryRow, id, 1)
				if err != nil {
					return err
				}
				if n > 0 {
					return fmt.Errorf("personal data: hashes are made with index key %d, which the key file lacks (restore it from the backup of the key file)", id)
				}
				if _, err := t.exec("UPDATE pii_keys SET retired_at = ? WHERE name = ?", now, k.name); err != nil {
					return err
				}
				continue
			}
			id, err := strconv.ParseUint(strings.TrimPrefix(k.name, "key:"), 10, 32)
			if err != nil {
				return fmt.Errorf("pii_keys: unexpected name %q", k.name)
			}
			n, err := sealedUnder(t.queryRow, uint32(id), 1)
			if err != nil {
				return err
			}
			if n > 0 {
				return fmt.Errorf("personal data: values are sealed under key %d, which the key file lacks (restore it from the backup of the key file)", id)
			}
			if _, err := t.exec("UPDATE pii_keys SET retired_at = ? WHERE name = ?", now, k.name); err != nil {
				return err
			}
		}
		return nil
	})
}

// sealedUnder counts the values sealed under key id, stopping at limit (0: no limit), with
// queryRow of a transaction or of the read pool.
func sealedUnder(queryRow func(string, ...any) *sql.Row, id uint32, limit int) (int64, error) {
	like := pii.Prefix + strconv.FormatUint(uint64(id), 10) + ":%"
	var total int64
	for _, tb := range sealedTables {
		for _, col := range tb.cols {
			q := "SELECT COUNT(*) FROM " + tb.name + " WHERE " + col + " LIKE ?"
			if limit > 0 {
				q = "SELECT COUNT(*) FROM (SELECT 1 FROM " + tb.name + " WHERE " + col + " LIKE ? LIMIT " + strconv.Itoa(limit) + ") x"
			}
			var n int64
			if err := queryRow(q, like).Scan(&n); err != nil {
				return 0, err
			}
			total += n
		}
	}
	return total, nil
}

// sealer returns the keyring to seal with, having checked its current key against pii_keys the
// first time this process seals under it (a key file changed while serving is checked too).
func (s *Store) sealer(ctx context.Context) (*pii.Keyring, error) {
	if s.pii.keys == nil {
		return nil, errNoKeys
	}
	r := s.pii.keys.Ring()
	s.pii.mu.Lock()
	ok := s.pii.registered[r.Current()]
	s.pii.mu.Unlock()
	if !ok {
		if err := s.RegisterKeys(ctx, r); err != nil {
			return nil, err
		}
		s.pii.mu.Lock()
		s.pii.registered[r.Current()] = true
		s.pii.mu.Unlock()
	}
	return r, nil
}

// open opens a value of table.col, reading the key file again when the value names a key this
// process has not seen yet (another server or `redgrid keys` added it a moment ago).
func (s *Store) open(column, v string) (string, error) {
	if v == "" {
		return "", nil
	}
	if s.pii.keys == nil {
		return "", errNoKeys
	}
	r := s.pii.keys.Ring()
	out, err := r.Open(column, v)
	if errors.Is(err, pii.ErrUnknownKey) {
		if r2, rerr := s.pii.keys.Reload(); rerr == nil && r2 != r {
			out, err = r2.Open(column, v)
		}
	}
	if err != nil {
		// The error names the column, never the value.
		return "", fmt.Errorf("%s: %w", column, err)
	}
	return out, nil
}

// sealReporter seals a case's reporter name and phone for their columns.
func (s *Store) sealReporter(ctx context.Context, name, phone string) (string, string, error) {
	if name == "" && phone == "" {
		return "", "", nil
	}
	r, err := s.sealer(ctx)
	if err != nil {
		return "", "", err
	}
	return r.Seal("cases.reporter_name", name), r.Seal("cases.reporter_phone", phone), nil
}

// openReporter opens the reporter of a case read from its row.
func (s *Store) openReporter(c *redgrid.Case) error {
	var err error
	if c.ReporterName, err = s.open("cases.reporter_name", c.ReporterName); err != nil {
		return fmt.Errorf("case %d: %w", c.ID, err)
	}
	if c.ReporterPhone, err = s.open("cases.reporter_phone", c.ReporterPhone); err != nil {
		return fmt.Errorf("case %d: %w", c.ID, err)
	}
	return nil
}

// sealPending seals the rows written in plain text before migration 0010, one batch a
// transaction; an interrupted run goes on from where it stopped (pii_pending.done).
func (s *Store) sealPending(ctx context.Context) error {
	for _, tb := range sealedTables {
		total := 0
		for {
			n, more, err := s.sealPendingBatch(ctx, tb)
			if err != nil {
				return fmt.Errorf("sealing the personal data of %s: %w", tb.name, err)
			}
			total += n
			if !more {
				break
			}
		}
		if total > 0 {
			s.log.Info("personal data sealed", "table", tb.name, "rows", total)
		}
	}
	return nil
}

func (s *Store) sealPendingBatch(ctx context.Context, tb sealedTable) (sealed int, more bool, err error) {
	r, err := s.sealer(ctx)
	if err != nil {
		return 0, false, err
	}
	err = s.write(ctx, func(t *tx) error {
		var upto, done int64
		err := t.queryRow("SELECT upto, done FROM pii_pending WHERE tbl = ?"+s.dialect.forUpdate(), tb.name).Scan(&upto, &done)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		nonEmpty := make([]string, len(tb.cols))
		for i, c := range tb.cols {
			nonEmpty[i] = c + " <> ''"
		}
		rows, err := t.query("SELECT id, "+strings.Join(tb.cols, ", ")+" FROM "+tb.name+" WHERE id > ? AND id <= ? AND ("+
			strings.Join(nonEmpty, " OR ")+") ORDER BY id LIMIT ?", done, upto, sealBatch)
		if err != nil {
			return err
		}
		ids, vals, err := scanSealedRows(rows, len(tb.cols))
		if err != nil {
			return err
		}
		for i, id := range ids {
			args := make([]any, 0, len(tb.cols)+1)
			for j, c := range tb.cols {
				args = append(args, r.Seal(tb.name+"."+c, vals[i][j]))
			}
			if _, err := t.exec("UPDATE "+tb.name+" SET "+setList(tb.cols)+" WHERE id = ?", append(args, id)...); err != nil {
				return err
			}
		}
		sealed = len(ids)
		if len(ids) < sealBatch {
			if _, err := t.exec("DELETE FROM pii_pending WHERE tbl = ?", tb.name); err != nil {
				return err
			}
			return t.audit("pii.seal_existing", tb.name, map[string]any{"up_to_id": upto})
		}
		more = true
		_, err = t.exec("UPDATE pii_pending SET done = ? WHERE tbl = ?", ids[len(ids)-1], tb.name)
		return err
	})
	return sealed, more, err
}

func scanSealedRows(rows *sql.Rows, ncols int) ([]int64, [][]string, error) {
	defer rows.Close()
	var ids []int64
	var vals [][]string
	for rows.Next() {
		var id int64
		v := make([]string, ncols)
		dest := []any{&id}
		for i := range v {
			dest = append(dest, &v[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, nil, err
		}
		ids = append(ids, id)
		vals = append(vals, v)
	}
	return ids, vals, rows.Err()
}

// inBatches runs step once per batch, each in a transaction of its own, each going on after the
// last id the one before took, until a batch takes fewer than batch rows or ctx ends; progress
// runs after each batch that took rows. An interrupted run loses at most the batch under way.
func (s *Store) inBatches(ctx context.Context, batch int, step func(t *tx, after int64) ([]int64, error), progress func()) error {
	after := int64(0)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		var ids []int64
		err := s.write(ctx, func(t *tx) error {
			var err error
			ids, err = step(t, after)
			return err
		})
		if err != nil {
			return err
		}
		if len(ids) > 0 {
			after = ids[len(ids)-1]
			progress()
		}
		if len(ids) < batch {
			return nil
		}
	}
}

// setList is "a = ?, b = ?".
func setList(cols []string) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = c + " = ?"
	}
	return strings.Join(parts, ", ")
}

// ReEncrypted counts what ReEncrypt did.
type ReEncrypted struct {
	To      uint32 // the key the values are sealed under now
	Values  int    // values re-sealed
	Skipped int    // rows changed by someone else meanwhile (a later run takes them)
}

// ReEncrypt re-seals (decrypts and encrypts again) every value not sealed under the current key, in batches of batch rows (0:
// 500), each batch in its own transaction, so that serving goes on between them and an
// interrupted run loses at most one batch: run it again and it continues. progress, when set,
// hears the running count of values after each batch.
func (s *Store) ReEncrypt(ctx context.Context, batch int, progress func(values int)) (ReEncrypted, error) {
	if batch <= 0 {
		batch = sealBatch
	}
	r, err := s.sealer(ctx)
	if err != nil {
		return ReEncrypted{}, err
	}
	out := ReEncrypted{To: r.Current()}
	current := pii.Prefix + strconv.FormatUint(uint64(out.To), 10) + ":"
	for _, tb := range sealedTables {
		var other []string
		var likeArgs []any
		for _, c := range tb.cols {
			other = append(other, "("+c+" <> '' AND "+c+" NOT LIKE ?)")
			likeArgs = append(likeArgs, current+"%")
		}
		where := strings.Join(other, " OR ")
		var cas []string
		for _, c := range tb.cols {
			cas = append(cas, c+" = ?")
		}
		err := s.inBatches(ctx, batch, func(t *tx, after int64) ([]int64, error) {
			rows, err := t.query("SELECT id, "+strings.Join(tb.cols, ", ")+" FROM "+tb.name+" WHERE id > ? AND ("+where+") ORDER BY id LIMIT ?",
				append(append([]any{after}, likeArgs...), batch)...)
			if err != nil {
				return nil, err
			}
			ids, vals, err := scanSealedRows(rows, len(tb.cols))
			if err != nil {
				return nil, err
			}
			for i, id := range ids {
				args := make([]any, 0, 2*len(tb.cols)+1)
				changed := 0
				for j, c := range tb.cols {
					v := vals[i][j]
					if v != "" && !strings.HasPrefix(v, current) {
						plain, err := s.open(tb.name+"."+c, v)
						if err != nil {
							return nil, fmt.Errorf("%s %d: %w", tb.name, id, err)
						}
						v = r.Seal(tb.name+"."+c, plain)
						changed++
					}
					args = append(args, v)
				}
				args = append(args, id)
				for _, v := range vals[i] {
					args = append(args, v)
				}
				res, err := t.exec("UPDATE "+tb.name+" SET "+setList(tb.cols)+" WHERE id = ? AND "+strings.Join(cas, " AND "), args...)
				if err != nil {
					return nil, err
				}
				if k, _ := res.RowsAffected(); k == 0 {
					out.Skipped++
				} else {
					out.Values += changed
				}
			}
			return ids, nil
		}, func() {
			if progress != nil {
				progress(out.Values)
			}
		})
		if err != nil {
			return out, err
		}
	}
	err = s.write(ctx, func(t *tx) error {
		return t.audit("pii.reencrypt", "pii_keys", map[string]any{"to_key": out.To, "values": out.Values, "skipped": out.Skipped})
	})
	return out, err
}

// KeyUse is how many values each key seals, by key id; Other counts the values under no key of
// the keyring or of pii_keys (none, once the store has sealed the rows of before migration 0010).
type KeyUse struct {
	ByKey map[uint32]int64
	Other int64
}

// KeyUsage counts the sealed values under each key of the keyring and of pii_keys (one scan of
// each sealed column per key: an operator's command, not a request).
func (s *Store) KeyUsage(ctx context.Context) (KeyUse, error) {
	use := KeyUse{ByKey: map[uint32]int64{}}
	ids := map[uint32]bool{}
	if s.pii.keys != nil {
		for _, id := range s.pii.keys.Ring().IDs() {
			ids[id] = true
		}
	}
	rows, err := s.query(ctx, "SELECT name FROM pii_keys WHERE name LIKE 'key:%'")
	if err != nil {
		return use, err
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return use, err
		}
		if id, err := strconv.ParseUint(strings.TrimPrefix(name, "key:"), 10, 32); err == nil {
			ids[uint32(id)] = true
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return use, err
	}
	read := func(q string, args ...any) *sql.Row { return s.queryRow(ctx, q, args...) }
	var sum, all int64
	for id := range ids {
		n, err := sealedUnder(read, id, 0)
		if err != nil {
			return use, err
		}
		use.ByKey[id] = n
		sum += n
	}
	for _, tb := range sealedTables {
		for _, c := range tb.cols {
			var n int64
			if err := read("SELECT COUNT(*) FROM " + tb.name + " WHERE " + c + " <> ''").Scan(&n); err != nil {
				return use, err
			}
			all += n
		}
	}
	use.Other = all - sum
	return use, nil
}

// RetireKey marks key id retired in pii_keys: removed from the key file, nothing sealed under it.
// It refuses while a value is sealed under it.
func (s *Store) RetireKey(ctx context.Context, id uint32) error {
	return s.write(ctx, func(t *tx) error {
		n, err := sealedUnder(t.queryRow, id, 1)
		if err != nil {
			return err
		}
		if n > 0 {
			return redgrid.Errorf(redgrid.KindConflict, "values are still sealed under key %d; run redgrid keys reencrypt first", id)
		}
		if _, err := t.exec("UPDATE pii_keys SET retired_at = ? WHERE name = ? AND retired_at IS NULL", s.now().UTC(), keyName(id)); err != nil {
			return err
		}
		return t.audit("pii.key.retire", keyName(id), nil)
	})
}

// ---- unmasking ----

// Unmasking is one showing of personal data in full: who saw which fields of whom, when, why.
type Unmasking struct {
	ID         int64     `json:"id"`
	At         time.Time `json:"at"`
	ActorID    *int64    `json:"actor_id"`
	Actor      string    `json:"actor"`
	Subject    string    `json:"subject"` // "case/12"
	Fields     []string  `json:"fields"`
	How        string    `json:"how"` // explicit, call-back, export
	Reason     string    `json:"reason"`
	Records    int       `json:"records"` // how many people's records (an export: the rows of the file)
	RemoteAddr string    `json:"remote_addr"`
	RequestID  string    `json:"request_id"`
}

// Ways data is unmasked.
const (
	UnmaskExplicit = "explicit"  // asked for, with a reason
	UnmaskCallBack = "call-back" // shown with the case to the staff who call the resident back
	UnmaskExport   = "export"    // a register exported unmasked, with a reason
)

// LogUnmasking records an unmasking by the actor of ctx and its audit line, in one transaction.
// The caller shows the data only once this has returned without error.
func (s *Store) LogUnmasking(ctx context.Context, subject string, fields []string, how, reason string) (Unmasking, error) {
	return s.LogUnmaskings(ctx, subject, fields, how, reason, 1)
}

// LogUnmaskings is LogUnmasking of the records of many people at once (an unmasked export):
// one entry saying how many.
func (s *Store) LogUnmaskings(ctx context.Context, subject string, fields []string, how, reason string, records int) (Unmasking, error) {
	a := redgrid.ActorFrom(ctx)
	actorID, actor := actorCols(a)
	u := Unmasking{At: s.now().UTC(), Actor: actor, Subject: subject, Fields: fields, How: how, Reason: reason, Records: records,
		RemoteAddr: a.RemoteAddr, RequestID: a.RequestID}
	if a.UserID != 0 {
		u.ActorID = &a.UserID
	}
	err := s.write(ctx, func(t *tx) error {
		if err := t.queryRow(`INSERT INTO pii_unmaskings (at, actor_id, actor, subject, fields, how, reason, records, remote_addr, request_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, u.At, actorID, actor, subject, strings.Join(fields, ","), how, reason, records,
			a.RemoteAddr, a.RequestID).Scan(&u.ID); err != nil {
			return err
		}
		// The audit line points at the unmasking; the reason, free text, stays in its row.
		return t.audit("pii.unmask", subject, map[string]any{"fields": fields, "how": how, "records": records, "unmasking": u.ID})
	})
	return u, err
}

// UnmaskingFilter selects unmaskings: of one subject and/or by one user, older than BeforeID.
type UnmaskingFilter struct {
	Subject  string
	ActorID  int64
	BeforeID int64
	Limit    int // 1 to 500 (default 100)
}

// Unmaskings lists unmaskings, newest first.
func (s *Store) Unmaskings(ctx context.Context, f UnmaskingFilter) ([]Unmasking, error) {
	q := "SELECT id, at, actor_id, actor, subject, fields, how, reason, records, remote_addr, request_id FROM pii_unmaskings WHERE 1 = 1"
	var args []any
	if f.Subject != "" {
		q += " AND subject = ?"
		args = append(args, f.Subject)
	}
	if f.ActorID != 0 {
		q += " AND actor_id = ?"
		args = append(args, f.ActorID)
	}
	if f.BeforeID > 0 {
		q += " AND id < ?"
		args = append(args, f.BeforeID)
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	rows, err := s.query(ctx, q+" ORDER BY id DESC LIMIT ?", append(args, f.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("unmaskings: %w", err)
	}
	defer rows.Close()
	out := []Unmasking{}
	for rows.Next() {
		var u Unmasking
		var at timeCol
		var fields string
		if err := rows.Scan(&u.ID, &at, &u.ActorID, &u.Actor, &u.Subject, &fields, &u.How, &u.Reason, &u.Records, &u.RemoteAddr, &u.RequestID); err != nil {
			return nil, fmt.Errorf("unmaskings: %w", err)
		}
		u.At, u.Fields = at.t, strings.Split(fields, ",")
		out = append(out, u)
	}
	return out, rows.Err()
}
