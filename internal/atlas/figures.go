package atlas

import (
	"context"
	"fmt"
	"math"
	"strconv"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/geo"
	"github.com/redgrid/redgrid/internal/sqlstore"
)

// Figure is one coverage figure with the counts it is computed from and its formula.
type Figure struct {
	Key         string  `json:"key"`
	Label       string  `json:"label"`
	Value       float64 `json:"value"` // a share in [0, 1]
	Numerator   float64 `json:"numerator"`
	Denominator float64 `json:"denominator"`
	Formula     string  `json:"formula"`
	FormulaEN   string  `json:"formula_en"`
	// Seed is the figure a seed district reports, for comparison (003), when there is one.
	Seed *float64 `json:"seed,omitempty"`
}

// GridFigures are the per-grid inputs of the figures, for colouring the map.
type GridFigures struct {
	ID          int64   `json:"id"`
	Code        string  `json:"code"`
	Name        string  `json:"name"`
	HasBoundary bool    `json:"has_boundary"`
	PartyBranch bool    `json:"party_branch"`
	Households  int     `json:"households"`
	InRange     bool    `json:"households_in_range"`
	Served      int     `json:"households_served"` // within walking distance of a station
	AreaM2      float64 `json:"area_m2"`
}

// Figures is the answer for one node.
type Figures struct {
	Node          redgrid.NodeRef `json:"node"`
	WalkMetres    float64         `json:"walk_m"`
	HouseholdsMin int             `json:"households_min"`
	HouseholdsMax int             `json:"households_max"`
	// Households declared in the buildings of the node, and those in buildings with a position.
	Households       int           `json:"households"`
	HouseholdsPlaced int           `json:"households_placed"`
	Figures          []Figure      `json:"figures"`
	Grids            []GridFigures `json:"grids"`
}

func share(n, d float64) float64 {
	if d == 0 {
		return 0
	}
	return n / d
}

// Figures computes, live from the store, the coverage figures of the subtree of n: grids with a
// party branch, grids with a boundary, households within walking distance of a service station,
// and grids whose households lie in the configured range.
func (a *Atlas) Figures(ctx context.Context, n redgrid.Node) (Figures, error) {
	out := Figures{Node: redgrid.NodeRef{ID: n.ID, Kind: n.Kind, Name: n.Name, Code: n.Code},
		WalkMetres: a.opt.WalkMetres, HouseholdsMin: a.opt.HouseholdsMin, HouseholdsMax: a.opt.HouseholdsMax, Grids: []GridFigures{}}
	grids, err := a.store.NodesOfKind(ctx, n.Path, redgrid.KindGrid)
	if err != nil {
		return out, err
	}
	branches, err := a.store.NodesWithPartyKind(ctx, n.Path, redgrid.PartyBranch)
	if err != nil {
		return out, err
	}
	bounds, err := a.store.Boundaries(ctx, n.Path, redgrid.KindGrid)
	if err != nil {
		return out, err
	}
	area := map[int64]float64{}
	for _, b := range bounds {
		area[b.NodeID] = b.Area
	}
	buildings, err := a.store.BuildingPlaces(ctx, n.Path)
	if err != nil {
		return out, err
	}
	// Stations anywhere in the district serve the households of the node.
	district := n.Path
	if ids := redgrid.PathIDs(n.Path); len(ids) > 0 {
		district = "/" + ids[0] + "/"
	}
	stations, err := a.store.StationPlaces(ctx, district)
	if err != nil {
		return out, err
	}
	idx := map[int64]int{}
	for i, g := range grids {
		idx[g.ID] = i
		_, hasB := area[g.ID]
		out.Grids = append(out.Grids, GridFigures{ID: g.ID, Code: g.Code, Name: g.Name, HasBoundary: hasB, PartyBranch: branches[g.ID], AreaM2: math.Round(area[g.ID])})
	}
	var households, served, placed float64
	for _, b := range buildings {
		gi := -1
		for _, id := range redgrid.PathIDs(b.Path) {
			v, _ := strconv.ParseInt(id, 10, 64)
			if i, ok := idx[v]; ok {
				gi = i
			}
		}
		households += float64(b.Households)
		if gi >= 0 {
			out.Grids[gi].Households += b.Households
		}
		if !b.HasPos {
			continue
		}
		placed += float64(b.Households)
		if nearStation(geo.Point{Lng: b.Lng, Lat: b.Lat}, stations, a.opt.WalkMetres) {
			served += float64(b.Households)
			if gi >= 0 {
				out.Grids[gi].Served += b.Households
			}
		}
	}
	var withBranch, withBoundary, inRange float64
	for i := range out.Grids {
		g := &out.Grids[i]
		if g.PartyBranch {
			withBranch++
		}
		if g.HasBoundary {
			withBoundary++
		}
		g.InRange = g.Households >= a.opt.HouseholdsMin && g.Households <= a.opt.HouseholdsMax
		if g.InRange {
			inRange++
		}
	}
	nGrids := float64(len(grids))
	seed100, seed93 := 1.0, 0.93
	out.Figures = []Figure{
		{Key: "party_branch", Label: "网格党支部覆盖率", Value: share(withBranch, nGrids), Numerator: withBranch, Denominator: nGrids,
			Formula: "建有党支部的网格数 ÷ 网格总数", FormulaEN: "grids led by a party branch ÷ grids", Seed: &seed100},
		{Key: "service_circle", Label: fmt.Sprintf("%.0f米服务圈覆盖率", a.opt.WalkMetres), Value: share(served, placed), Numerator: served, Denominator: placed,
			Formula:   fmt.Sprintf("距党群服务阵地%.0f米以内的住户数 ÷ 已定位楼栋的住户数", a.opt.WalkMetres),
			FormulaEN: fmt.Sprintf("households in buildings within %.0f m of a service station ÷ households in buildings with a position", a.opt.WalkMetres), Seed: &seed93},
		{Key: "households_in_range", Label: fmt.Sprintf("户数在%d–%d户的网格占比", a.opt.HouseholdsMin, a.opt.HouseholdsMax), Value: share(inRange, nGrids), Numerator: inRange, Denominator: nGrids,
			Formula:   fmt.Sprintf("住户数在%d至%d户之间的网格数 ÷ 网格总数", a.opt.HouseholdsMin, a.opt.HouseholdsMax),
			FormulaEN: fmt.Sprintf("grids with %d to %d households ÷ grids", a.opt.HouseholdsMin, a.opt.HouseholdsMax)},
		{Key: "boundary", Label: "网格边界覆盖率", Value: share(withBoundary, nGrids), Numerator: withBoundary, Denominator: nGrids,
			Formula: "已绘制边界的网格数 ÷ 网格总数", FormulaEN: "grids with a boundary ÷ grids"},
	}
	out.Households, out.HouseholdsPlaced = int(households), int(placed)
	return out, nil
}

// nearStation reports whether a station lies within metres of p (straight-line distance, the
// usual stand-in for walking distance in service-circle planning).
func nearStation(p geo.Point, stations []sqlstore.Place, metres float64) bool {
	dLat := metres / 111000 * 1.01
	for _, s := range stations {
		if math.Abs(s.Lat-p.Lat) > dLat {
			continue
		}
		if geo.Distance(p, geo.Point{Lng: s.Lng, Lat: s.Lat}) <= metres {
			return true
		}
	}
	return false
}
