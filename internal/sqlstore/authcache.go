package sqlstore

import (
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/redgrid/redgrid"
)

// AuthTTL is how long a session and its principal are served from memory. Every request is
// authenticated, and the three reads it takes (the session, the account, its grants) cost as
// much as the rest of a case intake; within AuthTTL they are read once. A change made through
// this store — any write transaction, a logout — empties the cache at once, so on one server a
// revoked session, a disabled account or a removed role takes effect on the next request. Another
// server sharing the database notices within AuthTTL. When an entry is missing, the requests
// that need it at the same time share one read (flight, keyed with the generation so that no
// request made after a change shares a read begun before it): under load an expired entry
// would otherwise be read again by every request in flight.
const AuthTTL = time.Second

const authCacheMax = 10_000

type authCache struct {
	mu         sync.Mutex
	flight     singleflight.Group
	gen        uint64 // bumped by every local change; entries of an older generation are stale
	sessions   map[string]authEntry[Session]
	principals map[int64]authEntry[redgrid.Principal]
}

type authEntry[T any] struct {
	v   T
	gen uint64
	at  time.Time // monotonic: a test's fake clock must not keep entries alive
}

// invalidate forgets every cached session and principal.
func (c *authCache) invalidate() {
	c.mu.Lock()
	c.gen++
	c.sessions, c.principals = nil, nil
	c.mu.Unlock()
}

func authGet[K comparable, T any](c *authCache, m map[K]authEntry[T], k K) (T, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := m[k]
	if !ok || e.gen != c.gen || time.Since(e.at) >= AuthTTL {
		var zero T
		return zero, false
	}
	return e.v, true
}

// authPut stores v read at generation gen (taken before the read), unless a change came since.
func authPut[K comparable, T any](c *authCache, m *map[K]authEntry[T], k K, v T, gen uint64, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if *m == nil || len(*m) >= authCacheMax {
		*m = map[K]authEntry[T]{}
	}
	(*m)[k] = authEntry[T]{v: v, gen: gen, at: at}
}

func (c *authCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}
