// Package atlas is the map of a redgrid installation: the grid boundaries held in an in-memory
// point index (geo.Index) that answers "which grid is this point in" in under a microsecond, the
// import of boundaries with its gap and overlap checks, and the coverage figures computed from
// geometry. The store is the source of truth; every server keeps its own index and rebuilds it
// when the store's geo revision moves (after its own imports at once, after another server's
// within Options.Refresh).
package atlas

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/geo"
	"github.com/redgrid/redgrid/internal/sqlstore"
)

// Options configures the atlas. Zero values take the defaults given.
type Options struct {
	// Tolerance is the area in m² below which overlaps and gaps are ignored (default 1).
	Tolerance float64
	// NearestMetres is how far from a point outside every grid Locate looks for the nearest grid
	// to offer (default 500).
	NearestMetres float64
	// WalkMetres is the walking distance of the "15-minute service circle" (default 1000).
	WalkMetres float64
	// HouseholdsMin and HouseholdsMax are the configured range of households per grid
	// (default 300–500).
	HouseholdsMin, HouseholdsMax int
	// Refresh is how often the index checks the store for boundary changes made by other servers
	// (default 2 s).
	Refresh time.Duration
}

func (o Options) withDefaults() Options {
	if o.Tolerance == 0 {
		o.Tolerance = geo.DefaultTolerance
	}
	if o.NearestMetres == 0 {
		o.NearestMetres = 500
	}
	if o.WalkMetres == 0 {
		o.WalkMetres = 1000
	}
	if o.HouseholdsMin == 0 && o.HouseholdsMax == 0 {
		o.HouseholdsMin, o.HouseholdsMax = 300, 500
	}
	if o.Refresh == 0 {
		o.Refresh = 2 * time.Second
	}
	return o
}

// GridRef is what the index knows of a grid without asking the store.
type GridRef struct {
	ID       int64  `json:"id"`
	Code     string `json:"code"`
	Name     string `json:"name"`
	Path     string `json:"-"`
	ParentID int64  `json:"-"`
}

type snapshot struct {
	rev   int64
	index *geo.Index
	grids map[int64]GridRef
}

// Atlas holds the grid index of one server.
type Atlas struct {
	store *sqlstore.Store
	opt   Options
	log   *slog.Logger

	mu   sync.Mutex // serialises rebuilds
	snap atomic.Pointer[snapshot]
}

// New returns an atlas over store. Call Refresh (or Run) before the first Locate.
func New(store *sqlstore.Store, opt Options, log *slog.Logger) *Atlas {
	a := &Atlas{store: store, opt: opt.withDefaults(), log: log}
	a.snap.Store(&snapshot{rev: -1, index: geo.NewIndex(nil), grids: map[int64]GridRef{}})
	return a
}

// Options returns the atlas's options with defaults filled in.
func (a *Atlas) Options() Options { return a.opt }

// Refresh rebuilds the index when the store's geo revision differs from the index's.
func (a *Atlas) Refresh(ctx context.Context) error {
	rev, err := a.store.GeoRevision(ctx)
	if err != nil {
		return err
	}
	if a.snap.Load().rev == rev {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.snap.Load().rev == rev {
		return nil
	}
	start := time.Now()
	bs, err := a.store.Boundaries(ctx, "", redgrid.KindGrid)
	if err != nil {
		return err
	}
	items := make([]geo.Item, len(bs))
	grids := make(map[int64]GridRef, len(bs))
	for i, b := range bs {
		items[i] = geo.Item{ID: b.NodeID, Shape: b.Shape}
		ref := GridRef{ID: b.NodeID, Code: b.Code, Name: b.Name, Path: b.Path}
		if b.ParentID != nil {
			ref.ParentID = *b.ParentID
		}
		grids[b.NodeID] = ref
	}
	a.snap.Store(&snapshot{rev: rev, index: geo.NewIndex(items), grids: grids})
	a.log.Info("grid index built", "revision", rev, "grids", len(items), "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// Run refreshes the index every Options.Refresh until ctx ends.
func (a *Atlas) Run(ctx context.Context) {
	t := time.NewTicker(a.opt.Refresh)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := a.Refresh(ctx); err != nil && ctx.Err() == nil {
				a.log.Warn("grid index refresh failed", "err", err)
			}
		}
	}
}

// Locate returns the grid containing p (WGS-84). A point on an edge shared by two grids belongs
// to the one to its east (north on an east-west edge), always the same one.
func (a *Atlas) Locate(p geo.Point) (GridRef, bool) {
	s := a.snap.Load()
	id, ok := s.index.Locate(p)
	if !ok {
		return GridRef{}, false
	}
	return s.grids[id], true
}

// Nearest returns the grid whose boundary is nearest to p within Options.NearestMetres, and the
// distance in metres.
func (a *Atlas) Nearest(p geo.Point) (GridRef, float64, bool) {
	s := a.snap.Load()
	id, d, ok := s.index.Nearest(p, a.opt.NearestMetres)
	if !ok {
		return GridRef{}, 0, false
	}
	return s.grids[id], d, true
}

// Grids is the number of grids in the index.
func (a *Atlas) Grids() int { return len(a.snap.Load().grids) }
