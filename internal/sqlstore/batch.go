package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// Group commit. A durable commit costs one fsync (SQLite with synchronous=FULL, PostgreSQL with
// synchronous_commit on), which caps one-at-a-time writes near 2,000–2,500 a second on this kind
// of disk. Intake requests therefore share commits: a writer goroutine takes every request that
// is waiting, runs each in a savepoint of one transaction (so one bad request fails alone),
// commits once, and only then answers each request. No request is answered before its commit is
// on disk; a failed commit fails every request of the batch, and nothing of theirs is written.
//
// The batch grows by itself with the load: while one commit waits for the disk, the next requests
// queue, and they all go in the next commit. With no load a request waits for no one.

const maxBatch = 256

type batchReq struct {
	ctx context.Context
	fn  func(*tx, *rollupAcc) error
	// bulk, when set, writes the same as fn in multi-row statements shared with the other
	// requests of the batch (bulk.go); fn is the fallback.
	bulk *bulkRow
	done chan error
}

type batcher struct {
	s    *Store
	ch   chan *batchReq
	once sync.Once
	stop chan struct{}
	wg   sync.WaitGroup
}

func (s *Store) batcher() *batcher {
	s.batchOnce.Do(func() {
		workers := 1 // SQLite has one writer
		if s.dialect == postgres {
			workers = 4 // PostgreSQL commits in parallel and groups WAL flushes itself
		}
		b := &batcher{s: s, ch: make(chan *batchReq, 4*maxBatch), stop: make(chan struct{})}
		for range workers {
			b.wg.Add(1)
			go b.loop()
		}
		s.batch = b
	})
	return s.batch
}

func (b *batcher) close() {
	b.once.Do(func() { close(b.stop) })
	b.wg.Wait()
}

var errStoreClosed = errors.New("store closed")

// writeGrouped runs fn in a savepoint of a shared transaction and returns once that transaction
// has committed (nil) or failed. fn's rollup changes are kept only when fn succeeds.
func (s *Store) writeGrouped(ctx context.Context, fn func(*tx, *rollupAcc) error) error {
	return s.writeGroupedBulk(ctx, fn, nil)
}

// writeGroupedBulk is writeGrouped for a request that may also be written as bulk.
func (s *Store) writeGroupedBulk(ctx context.Context, fn func(*tx, *rollupAcc) error, bulk *bulkRow) error {
	b := s.batcher()
	req := &batchReq{ctx: ctx, fn: fn, bulk: bulk, done: make(chan error, 1)}
	select {
	case b.ch <- req:
	case <-b.stop:
		return errStoreClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once queued, wait for the answer even if the client goes away: the request may be in a
	// commit already, and its outcome must be known before this returns.
	select {
	case err := <-req.done:
		return err
	case <-b.stop:
		return errStoreClosed
	}
}

func (b *batcher) loop() {
	defer b.wg.Done()
	for {
		var first *batchReq
		select {
		case first = <-b.ch:
		case <-b.stop:
			return
		}
		batch := []*batchReq{first}
	drain:
		for len(batch) < maxBatch {
			select {
			case r := <-b.ch:
				batch = append(batch, r)
			default:
				break drain
			}
		}
		b.run(batch)
	}
}

func (b *batcher) run(batch []*batchReq) {
	s := b.s
	errs, err := b.runAll(batch)
	if err != nil {
		err = s.dialect.mapErr(err)
		for _, r := range batch {
			r.done <- err
		}
		return
	}
	s.wstmts.prepareWanted(context.Background())
	s.batches.Add(1)
	s.batched.Add(int64(len(batch)))
	for i, r := range batch {
		r.done <- errs[i]
	}
}

// runAll writes the batch in one transaction and commits it. Requests almost never fail (they
// were validated before they queued), so the fast path writes them all at once: the new cases
// together in multi-row statements (bulk.go), the other requests one after another, with no
// savepoint at all — a savepoint per request would cost a statement each way and, on SQLite, a
// copy of every page the request touches. When anything fails, that transaction is rolled back
// and the batch runs again the careful way, each request through its fn in its own savepoint of
// a new transaction, so that the failing one fails alone. The error returned fails the batch.
func (b *batcher) runAll(batch []*batchReq) ([]error, error) {
	s := b.s
	ctx := context.Background()
	errs := make([]error, len(batch))
	commit := func(sqlTx *sql.Tx, acc *rollupAcc) error {
		if err := acc.flush(&tx{Tx: sqlTx, s: s, ctx: ctx}); err != nil {
			sqlTx.Rollback()
			return err
		}
		return sqlTx.Commit()
	}
	sqlTx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	acc, err := b.runFast(sqlTx, batch)
	if err == nil {
		return errs, commit(sqlTx, acc)
	}
	sqlTx.Rollback()
	if len(batch) == 1 && batch[0].bulk == nil {
		errs[0] = s.dialect.mapErr(err) // it failed alone already
		return errs, nil
	}
	s.batchRetries.Add(1)
	if sqlTx, err = s.wdb.BeginTx(ctx, nil); err != nil {
		return nil, err
	}
	acc = newRollupAcc()
	for i, r := range batch {
		t := &tx{Tx: sqlTx, s: s, ctx: context.WithoutCancel(r.ctx)}
		if _, err := t.exec("SAVEPOINT grouped"); err != nil {
			sqlTx.Rollback()
			return nil, err
		}
		own := newRollupAcc()
		if err := r.fn(t, own); err != nil {
			errs[i] = s.dialect.mapErr(err)
			if _, err := t.exec("ROLLBACK TO SAVEPOINT grouped"); err != nil {
				sqlTx.Rollback()
				return nil, err
			}
		} else {
			acc.merge(own)
		}
		if _, err := t.exec("RELEASE SAVEPOINT grouped"); err != nil {
			sqlTx.Rollback()
			return nil, err
		}
	}
	return errs, commit(sqlTx, acc)
}

// runFast writes the whole batch without a savepoint per request; any error aborts it.
func (b *batcher) runFast(sqlTx *sql.Tx, batch []*batchReq) (*rollupAcc, error) {
	acc := newRollupAcc()
	var bulk []*bulkRow
	for _, r := range batch {
		if r.bulk != nil {
			bulk = append(bulk, r.bulk)
		}
	}
	if len(bulk) > 0 {
		// The audit lines and events of a bulk write name each request's own actor: the
		// values were taken from the request's context when the request was made.
		if err := (&tx{Tx: sqlTx, s: b.s, ctx: context.Background()}).writeBulk(bulk, acc); err != nil {
			return nil, err
		}
	}
	for _, r := range batch {
		if r.bulk != nil {
			continue
		}
		own := newRollupAcc()
		if err := r.fn(&tx{Tx: sqlTx, s: b.s, ctx: context.WithoutCancel(r.ctx)}, own); err != nil {
			return nil, err
		}
		acc.merge(own)
	}
	return acc, nil
}
