package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// testClockEnv names a file holding the current time (RFC 3339) for the servers a test starts:
// deadlines run on working time and a holiday calendar, so a test of the deadline jobs across
// processes must say what time it is. The file is read at every reading of the clock, so a test
// moves the clock by rewriting it. Only a test binary (testing.Testing) honours it: redgrid
// itself refuses to start when it is set, so a production clock cannot be moved by accident.
const testClockEnv = "REDGRID_TEST_CLOCK"

// serverClock returns the clock of the store and the API: time.Now, or the test clock.
func serverClock() (func() time.Time, error) {
	path := os.Getenv(testClockEnv)
	if path == "" {
		return time.Now, nil
	}
	if !testing.Testing() {
		return nil, errors.New(testClockEnv + " is read by test binaries only; unset it to run redgrid")
	}
	fc := &fileClock{path: path}
	if _, err := fc.read(); err != nil {
		return nil, err
	}
	return fc.now, nil
}

type fileClock struct {
	path string
	mu   sync.Mutex
	last time.Time
}

func (c *fileClock) read() (time.Time, error) {
	b, err := os.ReadFile(c.path)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s: %w", testClockEnv, err)
	}
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(string(b)))
	if err != nil {
		return time.Time{}, fmt.Errorf("%s: %w", testClockEnv, err)
	}
	c.mu.Lock()
	c.last = t
	c.mu.Unlock()
	return t, nil
}

// now is the time in the file; while the file is being rewritten (empty or half written), the
// time last read.
func (c *fileClock) now() time.Time {
	if t, err := c.read(); err == nil {
		return t
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last
}
