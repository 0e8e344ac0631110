package demo

import (
	"fmt"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/pii"
)

// registers fills the first grid's buildings with households and residents through the store's
// own checks (ID numbers with their GB 11643 check character, sealed with the phones), so that
// the registers page, the building's chart and the resident search show something on the first
// start: a layout of 2 units × 6 floors, 2 rooms a floor, one to three residents a household,
// a few care tags.
func (g *gen) registers(grid redgrid.Node) error {
	ctx := g.as("community1")
	nodes, err := g.s.Subtree(g.ctx, grid.Path, 2)
	if err != nil {
		return err
	}
	buildings := 0
	for _, b := range nodes {
		if b.Kind != redgrid.KindBuilding || buildings == 3 {
			continue
		}
		buildings++
		if err := g.s.SetBuildingLayout(ctx, b.ID, 2, 6); err != nil {
			return fmt.Errorf("demo layout %s: %w", b.Name, err)
		}
		for unit := 1; unit <= 2; unit++ {
			for floor := 1; floor <= 6; floor++ {
				for room := 1; room <= 2; room++ {
					occ := redgrid.OccupancyOwner
					switch g.rnd.IntN(10) {
					case 0:
						occ = redgrid.OccupancyVacant
					case 1, 2:
						occ = redgrid.OccupancyRented
					}
					h, _, err := g.s.CreateHousehold(ctx, redgrid.NewHousehold{BuildingID: b.ID, Unit: unit, Floor: floor,
						Room: fmt.Sprintf("%d%02d", floor, room), Occupancy: occ})
					if err != nil {
						return fmt.Errorf("demo household: %w", err)
					}
					if occ == redgrid.OccupancyVacant {
						continue
					}
					for i := range 1 + g.rnd.IntN(3) {
						if err := g.resident(h.ID, i); err != nil {
							return err
						}
					}
				}
			}
		}
	}
	return nil
}

// resident records one person of a household: the head first.
func (g *gen) resident(household int64, i int) error {
	g.people++
	year := 1940 + g.rnd.IntN(65)
	first17 := fmt.Sprintf("420302%04d%02d%02d%03d", year, 1+g.rnd.IntN(12), 1+g.rnd.IntN(28), g.people%1000)
	in := redgrid.NewResident{HouseholdID: household, Name: surnames[g.rnd.IntN(len(surnames))] + givens[g.rnd.IntN(len(givens))],
		IDNumber: first17 + string(pii.IDCheckChar(first17)), Phone: fmt.Sprintf("139%08d", 7190000+g.people), Relation: redgrid.RelationOther}
	if i == 0 {
		in.Relation = redgrid.RelationHead
	}
	if year < 1950 && g.rnd.IntN(3) == 0 {
		in.Tags = []redgrid.CareTag{redgrid.TagElderlyAlone}
	}
	c, err := g.s.CheckResident(in)
	if err != nil {
		return fmt.Errorf("demo resident: %w", err)
	}
	if _, _, err := g.s.CreateResident(g.as("community1"), c); err != nil {
		return fmt.Errorf("demo resident: %w", err)
	}
	g.sum.Residents++
	return nil
}
