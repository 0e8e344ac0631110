package demo

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/geo"
	"github.com/redgrid/redgrid/internal/sqlstore"
)

// The demo district's map: a jittered lattice of cells about 400 m square south-west of 茅箭区's
// centre. Each street is a band of columns ten cells high; its communities take consecutive runs
// of cells along the band in serpentine order, so every community is one piece without pinches;
// a community's grids are its cells, coded west to east in rows from north to south. Outlines of
// communities, streets and the district are the unions of their cells, so the grids tile them
// exactly and the import check finds no gap or overlap.
var demoLattice = geo.Lattice{Lng0: 110.76, Lat0: 32.58, DLng: 0.0043, DLat: 0.0036}

const bandRows = 10

type mapPlan struct {
	district redgrid.Node
	streets  []*mapStreet
}

type mapStreet struct {
	node        redgrid.Node
	communities []*mapCommunity
}

type mapCommunity struct {
	node    redgrid.Node
	grids   []*mapGrid
	station redgrid.Org
}

type mapGrid struct {
	node      redgrid.Node
	cell      [2]int
	buildings []redgrid.Node
	station   redgrid.Org
}

func (g *gen) drawMap(m *mapPlan) error {
	lat := demoLattice
	lat.Seed = g.rnd.Uint64()
	rnd := rand.New(rand.NewPCG(lat.Seed, 0x6d6170))
	var writes []sqlstore.BoundaryWrite
	var all [][2]int
	col0 := 0
	for _, st := range m.streets {
		n := 0
		for _, c := range st.communities {
			n += len(c.grids)
		}
		width := (n + bandRows - 1) / bandRows
		// Serpentine order through the band: row 0 west to east, row 1 east to west, …, from the
		// north row down.
		var order [][2]int
		for r := 0; r < bandRows; r++ {
			for k := 0; k < width; k++ {
				col := k
				if r%2 == 1 {
					col = width - 1 - k
				}
				order = append(order, [2]int{col0 + col, bandRows - 1 - r})
			}
		}
		var streetCells [][2]int
		next := 0
		for _, c := range st.communities {
			cells := slices.Clone(order[next : next+len(c.grids)])
			next += len(c.grids)
			streetCells = append(streetCells, cells...)
			// Reading order: north to south, west to east; grids were created (and coded) in that order.
			slices.SortFunc(cells, func(a, b [2]int) int {
				if a[1] != b[1] {
					return b[1] - a[1]
				}
				return a[0] - b[0]
			})
			outline, ok := lat.Outline(cells)
			if !ok {
				return fmt.Errorf("community %s has a pinched outline", c.node.Name)
			}
			writes = append(writes, sqlstore.BoundaryWrite{NodeID: c.node.ID, Shape: outline})
			for i, mg := range c.grids {
				mg.cell = cells[i]
				writes = append(writes, sqlstore.BoundaryWrite{NodeID: mg.node.ID, Shape: geo.MultiPolygon{lat.Cell(cells[i][0], cells[i][1])}})
			}
		}
		outline, ok := lat.Outline(streetCells)
		if !ok {
			return fmt.Errorf("street %s has a pinched outline", st.node.Name)
		}
		writes = append(writes, sqlstore.BoundaryWrite{NodeID: st.node.ID, Shape: outline})
		all = append(all, streetCells...)
		col0 += width
	}
	outline, ok := lat.Outline(all)
	if !ok {
		return fmt.Errorf("district outline is pinched")
	}
	writes = append(writes, sqlstore.BoundaryWrite{NodeID: m.district.ID, Shape: outline})
	if _, _, _, err := g.s.SaveBoundaries(g.ctx, "demo", writes, map[string]any{"features": len(writes)}); err != nil {
		return err
	}
	// Buildings inside their grid cells, with 40–130 households each; stations near the middle
	// of their community's or grid's cell.
	offsets := [][2]float64{{-0.15, 0.15}, {0.1, 0.12}, {-0.12, -0.1}, {0.14, -0.14}, {0, 0.02}, {0.15, 0}}
	var nodes []sqlstore.NodePlace
	var orgs []sqlstore.OrgPlace
	for _, st := range m.streets {
		for _, c := range st.communities {
			for _, mg := range c.grids {
				for b, bld := range mg.buildings {
					o := offsets[b%len(offsets)]
					p := lat.Inside(mg.cell[0], mg.cell[1], o[0], o[1])
					hh := 40 + rnd.IntN(91)
					nodes = append(nodes, sqlstore.NodePlace{NodeID: bld.ID, Lng: &p.Lng, Lat: &p.Lat, Households: &hh})
				}
				if mg.station.ID != 0 {
					p := lat.Inside(mg.cell[0], mg.cell[1], 0.05, -0.05)
					orgs = append(orgs, sqlstore.OrgPlace{OrgID: mg.station.ID, Lng: p.Lng, Lat: p.Lat})
				}
			}
			mid := c.grids[0].cell // the north-west grid: a centre at the edge leaves some households outside the circle
			p := lat.Inside(mid[0], mid[1], -0.05, 0.05)
			orgs = append(orgs, sqlstore.OrgPlace{OrgID: c.station.ID, Lng: p.Lng, Lat: p.Lat})
		}
	}
	return g.s.SetPlaces(g.ctx, nodes, orgs)
}
