package sqlstore

import (
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// gateFlush is the disk for walSync's tests: each flush announces that it started and waits to be
// let through (or failed).
type gateFlush struct {
	started chan int
	release chan error
	n       int
}

func newGateFlush() *gateFlush {
	return &gateFlush{started: make(chan int, 100), release: make(chan error)}
}

func (g *gateFlush) flush() error {
	g.started <- g.n
	g.n++
	return <-g.release
}

func waitAsync(w *walSync) <-chan error {
	ch := make(chan error, 1)
	go func() { ch <- w.wait() }()
	return ch
}

func notYet(t *testing.T, ch <-chan error, what string) {
	t.Helper()
	select {
	case err := <-ch:
		t.Fatalf("%s answered (%v) before the flush that covers it finished", what, err)
	case <-time.After(20 * time.Millisecond):
	}
}

func answered(t *testing.T, ch <-chan error, what string) error {
	t.Helper()
	select {
	case err := <-ch:
		return err
	case <-time.After(10 * time.Second):
		t.Fatalf("%s never answered", what)
		return nil
	}
}

// A commit made while a flush is already running is not covered by that flush (its pages may
// have been written after the flush began): its writer waits for the next one.
func TestWALSyncWaitsForAFlushStartedAfterTheCommit(t *testing.T) {
	g := newGateFlush()
	w := newWALSync(g.flush)
	defer w.close()

	a := waitAsync(w)
	if n := <-g.started; n != 0 {
		t.Fatalf("first flush numbered %d", n)
	}
	b := waitAsync(w) // committed while flush 0 runs
	// b must have asked before flush 0 is let through; give its goroutine the chance.
	time.Sleep(20 * time.Millisecond)
	notYet(t, a, "a")
	g.release <- nil // flush 0 done
	if err := answered(t, a, "a"); err != nil {
		t.Fatal(err)
	}
	notYet(t, b, "b")
	if n := <-g.started; n != 1 {
		t.Fatalf("second flush numbered %d", n)
	}
	g.release <- nil
	if err := answered(t, b, "b"); err != nil {
		t.Fatal(err)
	}
}

// Writers waiting together share flushes: the point of the exercise.
func TestWALSyncSharesFlushes(t *testing.T) {
	var mu sync.Mutex
	calls := 0
	w := newWALSync(func() error {
		mu.Lock()
		calls++
		mu.Unlock()
		time.Sleep(2 * time.Millisecond) // a disk
		return nil
	})
	defer w.close()
	var wg sync.WaitGroup
	const writers = 200
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := w.wait(); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if calls == 0 || calls >= writers {
		t.Fatalf("%d flushes for %d writers waiting together", calls, writers)
	}
	if got := w.flushes(); got != uint64(calls) {
		t.Fatalf("flushes() = %d, made %d", got, calls)
	}
}

// A failed flush fails its waiters and every later write: after it, no flush can be trusted.
func TestWALSyncFailureSticks(t *testing.T) {
	g := newGateFlush()
	w := newWALSync(g.flush)
	defer w.close()
	a := waitAsync(w)
	<-g.started
	b := waitAsync(w)
	time.Sleep(20 * time.Millisecond)
	disk := errors.New("EIO")
	g.release <- disk
	if err := answered(t, a, "a"); !errors.Is(err, disk) {
		t.Fatalf("a: %v, want the flush's error", err)
	}
	if err := answered(t, b, "b"); !errors.Is(err, disk) {
		t.Fatalf("b: %v, want the flush's error", err)
	}
	if err := w.wait(); !errors.Is(err, disk) {
		t.Fatalf("a later write: %v, want the flush's error", err)
	}
	select {
	case n := <-g.started:
		t.Fatalf("flush %d started after a failed one", n)
	default:
	}
}

// close answers what was asked before it, then refuses.
func TestWALSyncCloseServesWhatWasAsked(t *testing.T) {
	g := newGateFlush()
	w := newWALSync(g.flush)
	target, err := w.request()
	if err != nil {
		t.Fatal(err)
	}
	<-g.started
	closed := make(chan struct{})
	go func() { w.close(); close(closed) }()
	time.Sleep(20 * time.Millisecond)
	g.release <- nil
	if err := w.await(target); err != nil {
		t.Fatalf("asked before close: %v", err)
	}
	<-closed
	if err := w.wait(); !errors.Is(err, errWALClosed) {
		t.Fatalf("after close: %v", err)
	}
}

// The writer connection runs with synchronous=NORMAL, so the store must flush after commits
// itself: a write is answered only after a flush.
func TestSQLiteWritesAreFlushed(t *testing.T) {
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "redgrid.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	before := s.wal.flushes()
	if err := s.Audit(t.Context(), "test.flush", "x", "ok", nil); err != nil {
		t.Fatal(err)
	}
	if s.wal.flushes() == before {
		t.Fatal("a write was answered with no flush of the WAL after it")
	}
	var mode int
	conn, err := s.wdb.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.QueryRowContext(t.Context(), "PRAGMA synchronous").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if mode != 1 {
		t.Fatalf("writer synchronous = %d, want 1 (NORMAL, the flush being walSync's)", mode)
	}
}
