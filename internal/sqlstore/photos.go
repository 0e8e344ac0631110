package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redgrid/redgrid"
)

// Photo is the row of an uploaded photo; the files live under the data directory (photo.Files).
type Photo struct {
	ID     string
	Format string
	Width  int
	Height int
	Bytes  int
	SHA256 string
	// Uploader names who uploaded it ("user:<id>" or "public"); UploaderID is the user, nil for a
	// resident's upload from the public page.
	Uploader   string
	UploaderID *int64
	CaseID     *int64
	CreatedAt  time.Time
}

// CreatePhoto records an uploaded photo with its audit line. writeFiles stores the photo's files
// and runs first, so the row never points at a missing file. With an Idempotency-Key in ctx a
// retry gets the first photo back (replayed) and neither writes files nor records anything; a
// key reused for another request is KindUnprocessable.
func (s *Store) CreatePhoto(ctx context.Context, p Photo, writeFiles func() error) (Photo, bool, error) {
	idem, hasKey := redgrid.IdempotencyFrom(ctx)
	actor := redgrid.ActorFrom(ctx)
	lookup := func() (Photo, bool, error) {
		_, key, _, ok, err := s.lookupIdemKey(ctx, actor.UserID, idem, "photo")
		if err != nil || !ok {
			return Photo{}, false, err
		}
		ph, err := s.Photo(ctx, key)
		return ph, err == nil, err
	}
	if hasKey {
		if ph, ok, err := lookup(); err != nil || ok {
			return ph, ok, err
		}
	}
	if err := writeFiles(); err != nil {
		return Photo{}, false, err
	}
	p.CreatedAt = s.now().UTC()
	err := s.write(ctx, func(t *tx) error {
		if err := t.insertPhoto(p); err != nil {
			return err
		}
		if hasKey {
			_, err := t.exec("INSERT INTO idempotency_keys (user_id, idem_key, route, request_hash, resource, resource_id, resource_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
				actor.UserID, idem.Key, idem.Route, idem.RequestHash, "photo", 0, p.ID, p.CreatedAt)
			return err
		}
		return nil
	})
	if err != nil && hasKey && isUniqueErr(err) {
		// A concurrent request with the same key committed first: answer as it did.
		if ph, ok, lerr := lookup(); lerr == nil && ok {
			return ph, true, nil
		}
	}
	return p, false, err
}

// insertPhoto records a photo whose files are written, on no case yet, with its audit line.
func (t *tx) insertPhoto(p Photo) error {
	if _, err := t.exec("INSERT INTO photos (id, format, width, height, bytes, sha256, uploader, uploader_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
		p.ID, p.Format, p.Width, p.Height, p.Bytes, p.SHA256, p.Uploader, p.UploaderID, p.CreatedAt); err != nil {
		return err
	}
	return t.audit("photo.upload", "photo/"+p.ID, map[string]any{"format": p.Format, "bytes": p.Bytes, "width": p.Width, "height": p.Height})
}

// Photo returns one photo's row; KindNotFound when there is none.
func (s *Store) Photo(ctx context.Context, id string) (Photo, error) {
	var p Photo
	var created timeCol
	err := s.queryRow(ctx, "SELECT id, format, width, height, bytes, sha256, uploader, uploader_id, case_id, created_at FROM photos WHERE id = ?", id).
		Scan(&p.ID, &p.Format, &p.Width, &p.Height, &p.Bytes, &p.SHA256, &p.Uploader, &p.UploaderID, &p.CaseID, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return Photo{}, redgrid.Errorf(redgrid.KindNotFound, "no photo %s", id)
	}
	if err != nil {
		return Photo{}, fmt.Errorf("photo: %w", err)
	}
	p.CreatedAt = created.t
	return p, nil
}

// ExpirePhotos forgets at most limit photos that were uploaded before before and never put on a
// case (a report abandoned after its photos went up, or uploads meant to fill the disk), with the
// idempotency keys that named them and one audit line; it returns their rows so that the caller
// removes their files. A photo being attached at the same moment is either attached (and kept)
// or gone (and the attach is refused as for an unknown photo): both statements test case_id IS NULL.
func (s *Store) ExpirePhotos(ctx context.Context, before time.Time, limit int) ([]Photo, error) {
	var out []Photo
	err := s.write(ctx, func(t *tx) error {
		rows, err := t.query("SELECT id, format FROM photos WHERE case_id IS NULL AND created_at < ? ORDER BY created_at LIMIT ?", before.UTC(), limit)
		if err != nil {
			return err
		}
		var cands []Photo
		for rows.Next() {
			var p Photo
			if err := rows.Scan(&p.ID, &p.Format); err != nil {
				rows.Close()
				return err
			}
			cands = append(cands, p)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		out = out[:0]
		for _, p := range cands {
			res, err := t.exec("DELETE FROM photos WHERE id = ? AND case_id IS NULL", p.ID)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				continue
			}
			if _, err := t.exec("DELETE FROM idempotency_keys WHERE resource = 'photo' AND resource_key = ?", p.ID); err != nil {
				return err
			}
			out = append(out, p)
		}
		if len(out) == 0 {
			return nil
		}
		return t.audit("photo.expire", "photos", map[string]any{"count": len(out), "uploaded_before": before.UTC()})
	})
	return out, err
}

// PhotoFormats returns, of ids, those that have a photo row, each with its format: what the
// sweep of orphan photo files (photo.Files.RemoveOrphans) must keep. Equality tests only, so no
// collation can hide a row.
func (s *Store) PhotoFormats(ctx context.Context, ids []string) (map[string]string, error) {
	out := make(map[string]string, len(ids))
	const chunk = 256
	for len(ids) > 0 {
		part := ids[:min(chunk, len(ids))]
		ids = ids[len(part):]
		// Padded to a power of two (a repeated id changes nothing), so that a few statements
		// serve every length in the prepared-statement cache.
		n := 1
		for n < len(part) {
			n *= 2
		}
		args := make([]any, n)
		for i := range args {
			args[i] = part[min(i, len(part)-1)]
		}
		rows, err := s.query(ctx, "SELECT id, format FROM photos WHERE id IN (?"+strings.Repeat(", ?", n-1)+")", args...)
		if err != nil {
			return nil, fmt.Errorf("photo formats: %w", err)
		}
		for rows.Next() {
			var id, format string
			if err := rows.Scan(&id, &format); err != nil {
				rows.Close()
				return nil, fmt.Errorf("photo formats: %w", err)
			}
			out[id] = format
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("photo formats: %w", err)
		}
	}
	return out, nil
}
