package sqlstore

import (
	"errors"
	"fmt"
	"os"
	"sync"

	"golang.org/x/sys/unix"
)

// Durable commits on SQLite without holding the writer during the disk flush.
//
// SQLite's synchronous=FULL in WAL mode is synchronous=NORMAL plus one sync of the WAL file after
// every commit, done while the commit still holds the database's write lock: the single writer
// waits for the disk after every transaction and does nothing meanwhile. Here the writer
// connection runs with synchronous=NORMAL (SQLite still syncs around checkpoints and when the
// WAL restarts), and the sync after the commit is done by walSync, outside the write lock: the
// writer goes on with the next transaction while the disk flushes the last one, and one flush
// covers every commit made before it started. No caller is answered before a flush that started
// after its commit returned has finished, so what is acknowledged is on disk exactly as with
// FULL; what is committed but not yet flushed is visible to readers for that short while, as
// with any group commit, and is never acknowledged to anyone before it is durable.
//
// A failed flush leaves the state of the file's pages in the kernel unknown (a later flush may
// report success without having written them), so the error sticks: every later write fails
// until the server is restarted and SQLite recovers from the file as it is on disk.
type walSync struct {
	flush func() error // flush the WAL to disk

	mu      sync.Mutex
	wake    *sync.Cond    // the syncer: a flush is wanted
	done    *sync.Cond    // waiters: a flush finished
	next    uint64        // number of the next flush to start
	want    uint64        // highest flush number a waiter needs
	flushed uint64        // flushes finished are those numbered below this
	err     error         // sticky: the first failed flush
	closed  bool          // no new waiters
	exited  chan struct{} // the flusher has returned
	count   uint64        // flushes made (for tests and stats)
}

var errWALClosed = errors.New("store closed")

// newWALSync starts the flusher; flush flushes the file.
func newWALSync(flush func() error) *walSync {
	w := &walSync{flush: flush, exited: make(chan struct{})}
	w.wake = sync.NewCond(&w.mu)
	w.done = sync.NewCond(&w.mu)
	go w.loop()
	return w
}

// fileSync flushes path's data to disk (fdatasync), opening it afresh so that a WAL file that was
// replaced is never mistaken for the one written.
func fileSync(path string) func() error {
	return func() error {
		f, err := os.Open(path)
		if errors.Is(err, os.ErrNotExist) {
			return nil // no WAL: SQLite removes it only after checkpointing it into a synced database
		}
		if err != nil {
			return fmt.Errorf("open %s to flush it: %w", path, err)
		}
		defer f.Close()
		for {
			err = unix.Fdatasync(int(f.Fd()))
			if err != unix.EINTR {
				break
			}
		}
		if err != nil {
			return fmt.Errorf("flush %s: %w", path, err)
		}
		return nil
	}
}

// wait returns once a flush that started after the call has finished: everything committed
// before the call is then on disk.
func (w *walSync) wait() error {
	target, err := w.request()
	if err != nil {
		return err
	}
	return w.await(target)
}

// request asks for a flush that starts after the call and returns its number for await.
func (w *walSync) request() (uint64, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return 0, w.err
	}
	if w.closed {
		return 0, errWALClosed
	}
	target := w.next // flushes numbered ≥ next have not started yet
	if target >= w.want {
		w.want = target + 1
		w.wake.Signal()
	}
	return target, nil
}

// await returns once flush target has finished (nil) or a flush has failed.
func (w *walSync) await(target uint64) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	// The flusher serves every flush requested before close, so this ends.
	for w.flushed <= target && w.err == nil {
		w.done.Wait()
	}
	if w.flushed > target {
		return nil
	}
	return w.err
}

func (w *walSync) loop() {
	defer close(w.exited)
	w.mu.Lock()
	defer w.mu.Unlock()
	for {
		for w.want <= w.next && !w.closed {
			w.wake.Wait()
		}
		if w.want <= w.next { // closed and nothing wanted
			return
		}
		n := w.next
		w.next++
		w.mu.Unlock()
		err := w.flush()
		w.mu.Lock()
		w.count++
		if err != nil && w.err == nil {
			w.err = err
		}
		if err == nil {
			w.flushed = n + 1
		}
		w.done.Broadcast()
		if w.err != nil {
			return // no flush after a failed one can be trusted; waiters get the error
		}
	}
}

// close makes the flushes waiters still want, then stops the flusher.
func (w *walSync) close() {
	w.mu.Lock()
	w.closed = true
	w.wake.Broadcast()
	w.done.Broadcast()
	w.mu.Unlock()
	<-w.exited
}

// flushes reports how many flushes were made.
func (w *walSync) flushes() uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.count
}
