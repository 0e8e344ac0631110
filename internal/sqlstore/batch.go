package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// Group commit. A durable commit costs one fsync (SQLite's WAL flush, PostgreSQL with
// synchronous_commit on), which caps one-at-a-time writes near 2,000–2,500 a second on this kind
// of disk. Intake requests therefore share commits: a writer goroutine takes every request that
// is waiting, writes them in one transaction (runAll), commits once, and only then answers each
// request — on SQLite once the WAL flush after the commit has finished (walsync.go), while the
// writer already writes the next batch. No request is answered before its commit is on disk; a
// failed commit fails every request of the batch, and nothing of theirs is written.
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
		// One writer on both engines. SQLite has only one. On PostgreSQL, parallel writers
		// would commit in parallel, but each of their inserts takes a key-share lock on the same
		// few rows its foreign keys name (the grid, the category): held by several transactions
		// at once, such a lock becomes a multixact, and four writers used a third more of
		// PostgreSQL's CPU per case than one, for lower throughput. One writer also makes each
		// new case's duplicate search see every case received before it.
		b := &batcher{s: s, ch: make(chan *batchReq, 4*maxBatch), stop: make(chan struct{})}
		b.wg.Add(1)
		go b.loop()
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
	var flushed <-chan struct{} = closedChan // closed once the flush after the previous commit has finished
	for {
		var first *batchReq
		select {
		case first = <-b.ch:
		case <-b.stop:
			return
		}
		flushed = b.run(b.drain([]*batchReq{first}, maxBatch), flushed)
	}
}

var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// run writes batch in one transaction and commits it. On SQLite the transaction stays open, taking
// in the requests that arrive, until the flush of the previous commit has finished (prev): the
// next flush cannot start before, so committing earlier would answer no one sooner, and every
// request taken in shares the commit's pages and its flush. run returns the channel that is
// closed once this commit's flush has finished and its requests have been answered.
func (b *batcher) run(batch []*batchReq, prev <-chan struct{}) <-chan struct{} {
	s := b.s
	w := &batchWrite{b: b, acc: newRollupAcc()}
	w.add(batch)
wait:
	for len(w.batch) < maxBatch {
		select {
		case <-prev:
			break wait
		case r := <-b.ch:
			w.add(b.drain([]*batchReq{r}, maxBatch-len(w.batch)))
		}
	}
	batch = w.batch
	errs, err := w.finish()
	if err != nil {
		err = s.dialect.mapErr(err)
		for _, r := range batch {
			r.done <- err
		}
		return prev
	}
	s.wstmts.prepareWanted(context.Background())
	s.batches.Add(1)
	s.batched.Add(int64(len(batch)))
	if s.wal == nil { // PostgreSQL: the commit was durable when it returned
		for i, r := range batch {
			r.done <- errs[i]
		}
		return closedChan
	}
	// SQLite: the requests are answered once the WAL's flush after this commit has finished,
	// while the writer goes on with the next batch. The flush is asked for here, by the writer,
	// so that Close (which waits for the writer, then for the flushes asked for) answers them.
	target, err := s.wal.request()
	done := make(chan struct{})
	go func() {
		if err == nil {
			err = s.wal.await(target)
		}
		for i, r := range batch {
			if errs[i] == nil {
				errs[i] = err
			}
			r.done <- errs[i]
		}
		close(done)
	}()
	return done
}

// drain adds the requests waiting, up to n in all.
func (b *batcher) drain(batch []*batchReq, n int) []*batchReq {
	for len(batch) < n {
		select {
		case r := <-b.ch:
			batch = append(batch, r)
		default:
			return batch
		}
	}
	return batch
}

// batchWrite is the transaction of one group commit. Requests almost never fail (they were
// validated before they queued), so the fast path writes them as they come, with no savepoint
// at all — a savepoint per request would cost a statement each way and, on SQLite, a copy of
// every page the request touches — the new cases together in multi-row statements (bulk.go),
// the other requests one after another. When anything fails, that transaction is rolled back
// and finish runs the batch again the careful way, each request through its fn in its own
// savepoint of a new transaction, so that the failing one fails alone.
type batchWrite struct {
	b     *batcher
	tx    *sql.Tx
	acc   *rollupAcc
	batch []*batchReq
	err   error // the fast path failed (its transaction is rolled back)
}

// add writes reqs in the fast path (or only records them once it has failed).
func (w *batchWrite) add(reqs []*batchReq) {
	w.batch = append(w.batch, reqs...)
	if w.err != nil {
		return
	}
	if w.tx == nil {
		if w.tx, w.err = w.b.s.wdb.BeginTx(context.Background(), nil); w.err != nil {
			w.tx = nil
			return
		}
	}
	if w.err = w.b.runFast(w.tx, w.acc, reqs); w.err != nil {
		w.tx.Rollback()
	}
}

// finish commits the batch and returns each request's outcome; the error returned fails them all.
func (w *batchWrite) finish() ([]error, error) {
	s := w.b.s
	ctx := context.Background()
	errs := make([]error, len(w.batch))
	commit := func(sqlTx *sql.Tx, acc *rollupAcc) error {
		if err := acc.flush(&tx{Tx: sqlTx, s: s, ctx: ctx}); err != nil {
			sqlTx.Rollback()
			return err
		}
		return sqlTx.Commit()
	}
	if w.err == nil {
		return errs, commit(w.tx, w.acc)
	}
	if w.tx != nil && len(w.batch) == 1 && w.batch[0].bulk == nil {
		errs[0] = s.dialect.mapErr(w.err) // it failed alone already
		return errs, nil
	}
	s.batchRetries.Add(1)
	sqlTx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	acc := newRollupAcc()
	for i, r := range w.batch {
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
func (b *batcher) runFast(sqlTx *sql.Tx, acc *rollupAcc, batch []*batchReq) error {
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
			return err
		}
	}
	for _, r := range batch {
		if r.bulk != nil {
			continue
		}
		own := newRollupAcc()
		if err := r.fn(&tx{Tx: sqlTx, s: b.s, ctx: context.WithoutCancel(r.ctx)}, own); err != nil {
			return err
		}
		acc.merge(own)
	}
	return nil
}
