package sqlstore

import (
	"context"
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
	ctx  context.Context
	fn   func(*tx, *rollupAcc) error
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
	b := s.batcher()
	req := &batchReq{ctx: ctx, fn: fn, done: make(chan error, 1)}
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
	ctx := context.Background()
	errs := make([]error, len(batch))
	fail := func(err error) {
		for _, r := range batch {
			r.done <- err
		}
	}
	sqlTx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		fail(s.dialect.mapErr(err))
		return
	}
	acc := newRollupAcc()
	for i, r := range batch {
		t := &tx{Tx: sqlTx, s: s, ctx: context.WithoutCancel(r.ctx)}
		if _, err := t.exec("SAVEPOINT grouped"); err != nil {
			sqlTx.Rollback()
			fail(s.dialect.mapErr(err))
			return
		}
		own := newRollupAcc()
		if err := r.fn(t, own); err != nil {
			errs[i] = s.dialect.mapErr(err)
			if _, err := t.exec("ROLLBACK TO SAVEPOINT grouped"); err != nil {
				sqlTx.Rollback()
				fail(s.dialect.mapErr(err))
				return
			}
		} else {
			acc.merge(own)
		}
		if _, err := t.exec("RELEASE SAVEPOINT grouped"); err != nil {
			sqlTx.Rollback()
			fail(s.dialect.mapErr(err))
			return
		}
	}
	if err := acc.flush(&tx{Tx: sqlTx, s: s, ctx: ctx}); err != nil {
		sqlTx.Rollback()
		fail(s.dialect.mapErr(err))
		return
	}
	if err := sqlTx.Commit(); err != nil {
		fail(s.dialect.mapErr(err))
		return
	}
	s.wstmts.prepareWanted(ctx)
	s.batches.Add(1)
	s.batched.Add(int64(len(batch)))
	for i, r := range batch {
		r.done <- errs[i]
	}
}
