package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/geo"
)

// Boundary is the stored outline of a node (a grid, community, street or district).
type Boundary struct {
	NodeID    int64
	Kind      redgrid.NodeKind
	Code      string
	Name      string
	ParentID  *int64
	Path      string
	Shape     geo.MultiPolygon
	Area      float64 // m²
	Vertices  int
	Source    string
	UpdatedAt time.Time
}

// encodeShape stores a MultiPolygon as the coordinates member of a GeoJSON MultiPolygon.
func encodeShape(m geo.MultiPolygon) (string, error) {
	coords := make([][][][2]float64, len(m))
	for i, p := range m {
		rings := make([][][2]float64, 0, 1+len(p.Holes))
		ring := func(r geo.Ring) {
			pts := make([][2]float64, len(r))
			for k, pt := range r {
				pts[k] = [2]float64{pt.Lng, pt.Lat}
			}
			rings = append(rings, pts)
		}
		ring(p.Outer)
		for _, h := range p.Holes {
			ring(h)
		}
		coords[i] = rings
	}
	b, err := json.Marshal(coords)
	return string(b), err
}

func decodeShape(s string) (geo.MultiPolygon, error) {
	var coords [][][][2]float64
	if err := json.Unmarshal([]byte(s), &coords); err != nil {
		return nil, fmt.Errorf("decode boundary: %w", err)
	}
	m := make(geo.MultiPolygon, len(coords))
	for i, rings := range coords {
		for k, r := range rings {
			ring := make(geo.Ring, len(r))
			for j, pt := range r {
				ring[j] = geo.Point{Lng: pt[0], Lat: pt[1]}
			}
			if k == 0 {
				m[i].Outer = ring
			} else {
				m[i].Holes = append(m[i].Holes, ring)
			}
		}
	}
	return m, nil
}

// Boundaries returns the stored outlines of the nodes inside the subtree at path (every node when
// path is empty) whose kind is one of kinds (any kind when none is given), ordered by code.
func (s *Store) Boundaries(ctx context.Context, path string, kinds ...redgrid.NodeKind) ([]Boundary, error) {
	q := "SELECT n.id, n.kind, n.code, n.name, n.parent_id, n.path, b.geometry, b.area_m2, b.vertices, b.source, b.updated_at FROM boundaries b JOIN nodes n ON n.id = b.node_id WHERE 1 = 1"
	var args []any
	if path != "" {
		q += " AND n.path >= ? AND n.path < ?"
		args = append(args, path, rangeEnd(path))
	}
	if len(kinds) > 0 {
		q += " AND n.kind IN (?" + strings.Repeat(", ?", len(kinds)-1) + ")"
		for _, k := range kinds {
			args = append(args, string(k))
		}
	}
	rows, err := s.query(ctx, q+" ORDER BY n.code", args...)
	if err != nil {
		return nil, fmt.Errorf("boundaries: %w", err)
	}
	defer rows.Close()
	var out []Boundary
	for rows.Next() {
		var b Boundary
		var geom string
		var at timeCol
		if err := rows.Scan(&b.NodeID, &b.Kind, &b.Code, &b.Name, &b.ParentID, &b.Path, &geom, &b.Area, &b.Vertices, &b.Source, &at); err != nil {
			return nil, fmt.Errorf("boundaries: %w", err)
		}
		if b.Shape, err = decodeShape(geom); err != nil {
			return nil, err
		}
		b.UpdatedAt = at.t
		out = append(out, b)
	}
	return out, rows.Err()
}

// GeoRevision returns the counter every boundary change increments.
func (s *Store) GeoRevision(ctx context.Context) (int64, error) {
	var rev int64
	err := s.queryRow(ctx, "SELECT revision FROM geo_revision WHERE id = 1").Scan(&rev)
	return rev, err
}

// BoundaryWrite is one outline to save: on an existing node (NodeID), or on a new grid (New).
type BoundaryWrite struct {
	NodeID int64
	New    *redgrid.NewNode
	Shape  geo.MultiPolygon
}

// SaveBoundaries writes a whole import in one transaction: new grids are created, every outline
// is inserted or replaced, each change goes to the node's history, one audit line records the
// import (with summary), and the revision is incremented. It returns the node IDs in the order of
// writes and the new revision. With an Idempotency-Key in ctx a retry returns the first answer's
// revision with replayed set and writes nothing.
func (s *Store) SaveBoundaries(ctx context.Context, source string, writes []BoundaryWrite, summary map[string]any) (ids []int64, rev int64, replayed bool, err error) {
	rev, replayed, err = s.create(ctx, "grid_import", func(t *tx) (int64, error) {
		ids = ids[:0]
		now := s.now().UTC()
		for i, w := range writes {
			id := w.NodeID
			if w.New != nil {
				nn := *w.New
				if nn.ValidFrom == "" {
					nn.ValidFrom = s.today()
				}
				if id, err = t.insertNode(nn); err != nil {
					return 0, fieldPrefix(err, fmt.Sprintf("features[%d].", i))
				}
			}
			geom, err := encodeShape(w.Shape)
			if err != nil {
				return 0, err
			}
			b := w.Shape.BBox()
			area := w.Shape.Area()
			verts := w.Shape.NumVertices()
			var oldArea float64
			var oldVerts int
			err = t.queryRow("SELECT area_m2, vertices FROM boundaries WHERE node_id = ?", id).Scan(&oldArea, &oldVerts)
			existed := err == nil
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return 0, err
			}
			if existed {
				_, err = t.exec("UPDATE boundaries SET geometry = ?, min_lng = ?, min_lat = ?, max_lng = ?, max_lat = ?, area_m2 = ?, vertices = ?, source = ?, updated_at = ? WHERE node_id = ?",
					geom, b.MinLng, b.MinLat, b.MaxLng, b.MaxLat, area, verts, source, now, id)
			} else {
				_, err = t.exec("INSERT INTO boundaries (node_id, geometry, min_lng, min_lat, max_lng, max_lat, area_m2, vertices, source, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
					id, geom, b.MinLng, b.MinLat, b.MaxLng, b.MaxLat, area, verts, source, now)
			}
			if err != nil {
				return 0, err
			}
			old := map[string]any{}
			if existed {
				old = map[string]any{"area_m2": math.Round(oldArea), "vertices": oldVerts}
			}
			if err := t.history("node", id, "boundary", old, map[string]any{"area_m2": math.Round(area), "vertices": verts, "source": source}); err != nil {
				return 0, err
			}
			ids = append(ids, id)
		}
		if _, err := t.exec("UPDATE geo_revision SET revision = revision + 1 WHERE id = 1"); err != nil {
			return 0, err
		}
		var rev int64
		if err := t.queryRow("SELECT revision FROM geo_revision WHERE id = 1").Scan(&rev); err != nil {
			return 0, err
		}
		detail := map[string]any{"source": source, "revision": rev}
		for k, v := range summary {
			detail[k] = v
		}
		return rev, t.audit("grid.import", "boundaries", detail)
	})
	return ids, rev, replayed, err
}

// fieldPrefix puts a prefix before the field names of a validation error.
func fieldPrefix(err error, prefix string) error {
	if e, ok := err.(*redgrid.Error); ok && len(e.Fields) > 0 {
		c := *e
		c.Fields = append([]redgrid.FieldError(nil), e.Fields...)
		for i := range c.Fields {
			c.Fields[i].Field = prefix + c.Fields[i].Field
		}
		return &c
	}
	return err
}

// Place is a position with what is there: a building with its households, or a service station.
type Place struct {
	ID         int64
	Name       string
	Path       string // the node's path; for a station, its home node's path
	HasPos     bool   // Lng and Lat are set
	Lng, Lat   float64
	Households int
}

// NodePlace is a node's position and, for a building, its declared number of households (nil
// leaves them unset).
type NodePlace struct {
	NodeID     int64
	Lng, Lat   *float64
	Households *int
}

// OrgPlace is where an organisation (a service station) is.
type OrgPlace struct {
	OrgID    int64
	Lng, Lat float64
}

func (p NodePlace) check() error {
	if (p.Lng == nil) != (p.Lat == nil) {
		return redgrid.Invalid("lat", "pair", "a position needs both lng and lat")
	}
	if p.Lng != nil {
		if err := geo.CheckCoordinate(*p.Lng, *p.Lat); err != nil {
			return redgrid.Invalid("lng", "range", "longitude must be in [-180, 180] and latitude in [-90, 90]")
		}
	}
	if p.Households != nil && (*p.Households < 0 || *p.Households > 100000) {
		return redgrid.Invalid("households", "range", "households must be between 0 and 100000")
	}
	return nil
}

// SetNodePlace records a node's position and, for a building, its declared number of households.
// It is part of the node's history.
func (s *Store) SetNodePlace(ctx context.Context, id int64, lng, lat *float64, households *int) error {
	return s.SetPlaces(ctx, []NodePlace{{id, lng, lat, households}}, nil)
}

// SetOrgPlace records where an organisation (a service station) is.
func (s *Store) SetOrgPlace(ctx context.Context, id int64, lng, lat float64) error {
	return s.SetPlaces(ctx, nil, []OrgPlace{{id, lng, lat}})
}

// SetPlaces records positions of nodes and organisations in one transaction, each change in the
// entity's history and the audit log.
func (s *Store) SetPlaces(ctx context.Context, nodes []NodePlace, orgs []OrgPlace) error {
	for _, p := range nodes {
		if err := p.check(); err != nil {
			return err
		}
	}
	for _, o := range orgs {
		if err := geo.CheckCoordinate(o.Lng, o.Lat); err != nil {
			return redgrid.Invalid("lng", "range", "longitude must be in [-180, 180] and latitude in [-90, 90]")
		}
	}
	return s.write(ctx, func(t *tx) error {
		now := s.now().UTC()
		for _, p := range nodes {
			if _, err := t.lockNode(p.NodeID); err != nil {
				return err
			}
			if _, err := t.exec("UPDATE nodes SET lng = ?, lat = ?, households = ?, version = version + 1, updated_at = ? WHERE id = ?", p.Lng, p.Lat, p.Households, now, p.NodeID); err != nil {
				return err
			}
			detail := map[string]any{"lng": p.Lng, "lat": p.Lat, "households": p.Households}
			if err := t.history("node", p.NodeID, "place", map[string]any{}, detail); err != nil {
				return err
			}
			if err := t.audit("node.place", "node:"+strconv.FormatInt(p.NodeID, 10), detail); err != nil {
				return err
			}
		}
		for _, o := range orgs {
			res, err := t.exec("UPDATE orgs SET lng = ?, lat = ?, version = version + 1, updated_at = ? WHERE id = ?", o.Lng, o.Lat, now, o.OrgID)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return redgrid.Errorf(redgrid.KindNotFound, "organisation %d not found", o.OrgID)
			}
			detail := map[string]any{"lng": o.Lng, "lat": o.Lat}
			if err := t.history("org", o.OrgID, "place", map[string]any{}, detail); err != nil {
				return err
			}
			if err := t.audit("org.place", "org:"+strconv.FormatInt(o.OrgID, 10), detail); err != nil {
				return err
			}
		}
		return nil
	})
}

// BuildingPlaces returns the buildings inside the subtree at path, with their positions where
// known and their declared households (0 when not declared).
func (s *Store) BuildingPlaces(ctx context.Context, path string) ([]Place, error) {
	return s.places(ctx, "SELECT id, name, path, lng, lat, COALESCE(households, 0) FROM nodes WHERE kind = ? AND path >= ? AND path < ? ORDER BY path",
		string(redgrid.KindBuilding), path, rangeEnd(path))
}

// NodesWithPartyKind returns the IDs of the nodes inside the subtree at path that a party
// organisation of kind leads.
func (s *Store) NodesWithPartyKind(ctx context.Context, path string, kind redgrid.PartyKind) (map[int64]bool, error) {
	rows, err := s.query(ctx, "SELECT DISTINCT n.id FROM party_orgs p JOIN nodes n ON n.id = p.node_id WHERE p.kind = ? AND n.path >= ? AND n.path < ?", string(kind), path, rangeEnd(path))
	if err != nil {
		return nil, fmt.Errorf("nodes with party kind: %w", err)
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}

// StationPlaces returns the service stations with a position whose home node lies within
// radiusPath's subtree (a district: every station that may serve its households).
func (s *Store) StationPlaces(ctx context.Context, path string) ([]Place, error) {
	return s.places(ctx, "SELECT o.id, o.name, n.path, o.lng, o.lat, 0 FROM orgs o JOIN nodes n ON n.id = o.home_node_id WHERE o.kind = ? AND o.lng IS NOT NULL AND n.path >= ? AND n.path < ? ORDER BY o.id",
		string(redgrid.OrgServiceStation), path, rangeEnd(path))
}

func (s *Store) places(ctx context.Context, q string, args ...any) ([]Place, error) {
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("places: %w", err)
	}
	defer rows.Close()
	var out []Place
	for rows.Next() {
		var p Place
		var lng, lat sql.NullFloat64
		if err := rows.Scan(&p.ID, &p.Name, &p.Path, &lng, &lat, &p.Households); err != nil {
			return nil, fmt.Errorf("places: %w", err)
		}
		p.HasPos, p.Lng, p.Lat = lng.Valid && lat.Valid, lng.Float64, lat.Float64
		out = append(out, p)
	}
	return out, rows.Err()
}

// NodesOfKind returns the nodes of one kind inside the subtree at path, ordered by code.
func (s *Store) NodesOfKind(ctx context.Context, path string, kind redgrid.NodeKind) ([]redgrid.Node, error) {
	return s.nodes(ctx, "SELECT "+nodeCols+" FROM nodes n WHERE n.kind = ? AND n.path >= ? AND n.path < ? ORDER BY n.code", string(kind), path, rangeEnd(path))
}

// NodeByCode returns the node with a code; KindNotFound when there is none.
func (s *Store) NodeByCode(ctx context.Context, code string) (redgrid.Node, error) {
	id, err := s.NodeIDByCode(ctx, code)
	if err != nil {
		return redgrid.Node{}, err
	}
	return s.Node(ctx, id)
}

// NodePositions returns the positions recorded for the nodes ids (a building's entrance, PUT
// /nodes/{id}/place) as [lng, lat] in WGS-84; nodes without one are left out.
func (s *Store) NodePositions(ctx context.Context, ids []int64) (map[int64][2]float64, error) {
	out := map[int64][2]float64{}
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	marks := make([]string, len(ids))
	for i, id := range ids {
		args[i], marks[i] = id, "?"
	}
	rows, err := s.query(ctx, "SELECT id, lng, lat FROM nodes WHERE lng IS NOT NULL AND lat IS NOT NULL AND id IN ("+strings.Join(marks, ", ")+")", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var p [2]float64
		if err := rows.Scan(&id, &p[0], &p[1]); err != nil {
			return nil, err
		}
		out[id] = p
	}
	return out, rows.Err()
}
