package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/redgrid/redgrid"
)

// create runs fn, which inserts one resource and returns its id, in one write transaction. When
// ctx carries an Idempotency-Key, the key is recorded in the same transaction, so a retry of an
// acknowledged request finds it and gets the first resource back (replayed = true) instead of a
// second one. A key reused for a different request is KindUnprocessable.
func (s *Store) create(ctx context.Context, resource string, fn func(*tx) (int64, error)) (id int64, replayed bool, err error) {
	idem, hasKey := redgrid.IdempotencyFrom(ctx)
	actor := redgrid.ActorFrom(ctx)
	if hasKey {
		if id, ok, err := s.lookupIdem(ctx, actor.UserID, idem, resource); err != nil || ok {
			return id, ok, err
		}
	}
	err = s.write(ctx, func(t *tx) error {
		var err error
		id, err = fn(t)
		if err != nil || !hasKey {
			return err
		}
		_, err = t.exec("INSERT INTO idempotency_keys (user_id, idem_key, route, request_hash, resource, resource_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
			actor.UserID, idem.Key, idem.Route, idem.RequestHash, resource, id, s.now().UTC())
		return err
	})
	if err != nil && hasKey && isUniqueErr(err) {
		// A concurrent request with the same key committed first: answer as it did.
		if id, ok, lerr := s.lookupIdem(ctx, actor.UserID, idem, resource); lerr == nil && ok {
			return id, true, nil
		}
	}
	return id, false, err
}

func isUniqueErr(err error) bool {
	var re *redgrid.Error
	if errors.As(err, &re) && re.Err != nil {
		return isUnique(re.Err)
	}
	return isUnique(err)
}

func (s *Store) lookupIdem(ctx context.Context, userID int64, idem redgrid.Idempotency, resource string) (int64, bool, error) {
	id, _, ok, err := s.lookupIdemKey(ctx, userID, idem, resource)
	return id, ok, err
}

// lookupIdemKey finds a recorded Idempotency-Key: the resource's numeric id, or its text id
// (resource_key) for resources with text ids such as photos.
func (s *Store) lookupIdemKey(ctx context.Context, userID int64, idem redgrid.Idempotency, resource string) (int64, string, bool, error) {
	var route, hash, res, key string
	var id int64
	err := s.queryRow(ctx, "SELECT route, request_hash, resource, resource_id, resource_key FROM idempotency_keys WHERE user_id = ? AND idem_key = ?", userID, idem.Key).
		Scan(&route, &hash, &res, &id, &key)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", false, nil
	}
	if err != nil {
		return 0, "", false, err
	}
	if route != idem.Route || hash != idem.RequestHash || res != resource {
		return 0, "", false, &redgrid.Error{Kind: redgrid.KindUnprocessable, Message: "Idempotency-Key was already used for a different request"}
	}
	// The first request may be committed but not yet flushed (SQLite, walsync.go): the retry
	// is answered only once what it reports is on disk, as the first one would have been.
	if err := s.durable(); err != nil {
		return 0, "", false, err
	}
	return id, key, true, nil
}
