package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/redgrid/redgrid"
)

// create runs fn, which inserts one resource and returns its id, in one write transaction. When
// ctx carries an Idempotency-Key, the key is recorded in the same transaction, so a retry of an
// acknowledged request finds it and gets the first resource back (replayed = true) instead of a
// second one. A key reused for a different request is KindUnprocessable.
func (s *Store) create(ctx context.Context, resource string, fn func(*tx) (int64, error)) (id int64, replayed bool, err error) {
	id, _, replayed, err = s.createAnswered(ctx, resource, func(t *tx) (int64, string, error) {
		id, err := fn(t)
		return id, "", err
	})
	return id, replayed, err
}

// createAnswered is create for a request whose answer is not the resource as it is later (a case
// action answers with the case as the action left it): fn also returns the answer, which is
// recorded with the key and given back to a retry (response; "" for keys recorded before).
func (s *Store) createAnswered(ctx context.Context, resource string, fn func(*tx) (int64, string, error)) (id int64, response string, replayed bool, err error) {
	idem, hasKey := redgrid.IdempotencyFrom(ctx)
	actor := redgrid.ActorFrom(ctx)
	if hasKey {
		if id, _, response, ok, err := s.lookupIdemKey(ctx, actor.UserID, idem, resource); err != nil || ok {
			return id, response, ok, err
		}
	}
	err = s.write(ctx, func(t *tx) error {
		var err error
		id, response, err = fn(t)
		if err != nil || !hasKey {
			return err
		}
		_, err = t.exec("INSERT INTO idempotency_keys (user_id, idem_key, route, request_hash, resource, resource_id, created_at, response) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			actor.UserID, idem.Key, idem.Route, idem.RequestHash, resource, id, s.now().UTC(), response)
		return err
	})
	if err != nil && hasKey && isUniqueErr(err) {
		// A concurrent request with the same key committed first: answer as it did.
		if id, _, response, ok, lerr := s.lookupIdemKey(ctx, actor.UserID, idem, resource); lerr == nil && ok {
			return id, response, true, nil
		}
	}
	return id, response, false, err
}

func isUniqueErr(err error) bool {
	var re *redgrid.Error
	if errors.As(err, &re) && re.Err != nil {
		return isUnique(re.Err)
	}
	return isUnique(err)
}

func (s *Store) lookupIdem(ctx context.Context, userID int64, idem redgrid.Idempotency, resource string) (int64, bool, error) {
	id, _, _, ok, err := s.lookupIdemKey(ctx, userID, idem, resource)
	return id, ok, err
}

// lookupIdemKey finds a recorded Idempotency-Key: the resource's numeric id, or its text id
// (resource_key) for resources with text ids such as photos, and the recorded answer if any.
func (s *Store) lookupIdemKey(ctx context.Context, userID int64, idem redgrid.Idempotency, resource string) (int64, string, string, bool, error) {
	var route, hash, res, key, response string
	var id int64
	err := s.queryRow(ctx, "SELECT route, request_hash, resource, resource_id, resource_key, response FROM idempotency_keys WHERE user_id = ? AND idem_key = ?", userID, idem.Key).
		Scan(&route, &hash, &res, &id, &key, &response)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", "", false, nil
	}
	if err != nil {
		return 0, "", "", false, err
	}
	if route != idem.Route || hash != idem.RequestHash || res != resource {
		return 0, "", "", false, &redgrid.Error{Kind: redgrid.KindUnprocessable, Message: "Idempotency-Key was already used for a different request"}
	}
	// The first request may be committed but not yet flushed (SQLite, walsync.go): the retry
	// is answered only once what it reports is on disk, as the first one would have been.
	if err := s.durable(); err != nil {
		return 0, "", "", false, err
	}
	return id, key, response, true, nil
}

// IdempotencyKeep is how long an Idempotency-Key is kept: a client retries within minutes, and the
// answer kept with a case action's key (the case as the action left it) is a copy of the case's
// text that must not outlive that purpose.
const IdempotencyKeep = 7 * 24 * time.Hour

// ExpireIdempotencyKeys deletes the keys recorded before before, a thousand at a time so that no
// one transaction holds the writer long; it returns how many it deleted. A retry with an expired
// key is taken as a new request.
func (s *Store) ExpireIdempotencyKeys(ctx context.Context, before time.Time) (int64, error) {
	var total int64
	for {
		var n int64
		err := s.write(ctx, func(t *tx) error {
			r, err := t.exec(`DELETE FROM idempotency_keys WHERE (user_id, idem_key) IN
				(SELECT user_id, idem_key FROM idempotency_keys WHERE created_at < ? LIMIT 1000)`, before.UTC())
			if err != nil {
				return err
			}
			n, err = r.RowsAffected()
			return err
		})
		total += n
		if err != nil || n < 1000 {
			return total, err
		}
	}
}
