package sqlstore

import (
	"context"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"strconv"
	"time"

	"github.com/redgrid/redgrid"
)

// SynthCases describes a load of synthetic cases for the figures benchmark (`redgrid bench
// stats`): a district's history, written straight into the tables far faster than intake could.
type SynthCases struct {
	Cases int       // how many
	Days  int       // received over the Days days that end on End (CST)
	End   time.Time // the last day
	Seed  uint64
	// Progress, when set, is told how many cases are written so far.
	Progress func(done int)
}

// synthTable is the columns of a synthetic case.
var synthTable = bulkTable{"cases", `id, state, category_id, node_id, path, lng, lat, address, description, channel, reporter_name,
	reporter_phone, anonymous, stage, received_day, flags, rating, resolved, lead_org_id, closed_at, created_at, updated_at, matter, route`, 24, ""}

// synthChunk is the rows per INSERT statement of the synthetic load (24 columns each, far below
// either engine's limit of bound values).
const synthChunk = 500

// LoadSyntheticCases writes cases spread over the district's grids, categories and days, in a mix
// of states like a district's history (most closed and rated, some in progress, suspended,
// voided, overdue), with the flags the transitions would have set. The case rollup is then
// derived from the cases as RebuildRollups derives it; the department rollup is written from the
// same draws (lead department, acceptance and handling on time or late). Cases carry no events,
// deadlines or audit lines: they are history, not work to do (so RebuildRollups, which counts
// departments from the events, would leave these cases' departments at zero).
func (s *Store) LoadSyntheticCases(ctx context.Context, spec SynthCases) error {
	if spec.Cases <= 0 || spec.Days <= 0 {
		return errors.New("synthetic cases: Cases and Days must be positive")
	}
	grids, err := s.NodesOfKind(ctx, "/", redgrid.KindGrid)
	if err != nil {
		return err
	}
	cats, err := s.Categories(ctx)
	if err != nil {
		return err
	}
	var leaves []redgrid.Category
	for _, c := range cats {
		if c.ParentCode != "" {
			leaves = append(leaves, c)
		}
	}
	depts, err := s.Orgs(ctx, OrgFilter{Kind: redgrid.OrgDepartment})
	if err != nil {
		return err
	}
	if len(grids) == 0 || len(leaves) == 0 || len(depts) == 0 {
		return errors.New("synthetic cases: the district needs grids, categories and departments")
	}
	rng := mrand.New(mrand.NewPCG(spec.Seed, 0x5eed))
	end := time.Date(spec.End.In(cst).Year(), spec.End.In(cst).Month(), spec.End.In(cst).Day(), 0, 0, 0, 0, cst)
	orgAcc := newRollupAcc()
	for done := 0; done < spec.Cases; {
		n := min(100_000, spec.Cases-done) // one transaction per 100,000 cases
		err := s.write(ctx, func(t *tx) error {
			ids, err := t.newCaseIDs(n)
			if err != nil {
				return err
			}
			rows := make([][]any, 0, synthChunk)
			for i := range n {
				rows = append(rows, synthCase(rng, ids[i], end, spec.Days, grids, leaves, depts, orgAcc))
				if len(rows) == synthChunk || i == n-1 {
					if _, err := t.exec(s.insertSQL(synthTable, len(rows)), flatten(rows)...); err != nil {
						return err
					}
					rows = rows[:0]
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("synthetic cases: %w", err)
		}
		done += n
		if spec.Progress != nil {
			spec.Progress(done)
		}
	}
	if err := s.write(ctx, func(t *tx) error { return orgAcc.flush(t) }); err != nil {
		return err
	}
	// The case rollup only: the department rollup of these cases is the one just written, as
	// they carry no events to rebuild it from.
	return s.write(ctx, func(t *tx) error { return t.rebuildCaseRollup() })
}

func flatten(rows [][]any) []any {
	out := make([]any, 0, len(rows)*len(rows[0]))
	for _, r := range rows {
		out = append(out, r...)
	}
	return out
}

// synthCase draws one case and returns its row of the cases table (synthTable's columns); the
// department counters of its lead go to orgAcc.
func synthCase(rng *mrand.Rand, id int64, end time.Time, days int, grids []redgrid.Node, cats []redgrid.Category,
	depts []redgrid.Org, orgAcc *rollupAcc) []any {
	g := grids[rng.IntN(len(grids))]
	cat := cats[rng.IntN(len(cats))]
	received := end.AddDate(0, 0, -rng.IntN(days)).Add(time.Duration(8*3600+rng.IntN(10*3600)) * time.Second)
	day := received.Format(time.DateOnly)
	at := received.UTC()
	var state redgrid.CaseState
	var flags int
	rating, stage := "", ""
	var resolved any
	var closedAt any
	var lead any
	route := string(redgrid.RouteNone)
	p := rng.Float64()
	switch {
	case p < 0.05:
		state = redgrid.CaseVoided
	case p < 0.08:
		state, stage = redgrid.CaseReported, StageRegister
	case p < 0.10:
		state, flags = redgrid.CaseSuspended, fRegistered|fDispatched|fResponded
	case p < 0.22:
		state, stage, flags = redgrid.CaseAccepted, StageHandle, fRegistered|fDispatched|fResponded
	default:
		state, flags = redgrid.CaseClosed, fRegistered|fDispatched|fResponded|fHandled|fClosed|fDue
		switch q := rng.Float64(); {
		case q < 0.82:
			rating = string(redgrid.RatingSatisfied)
		case q < 0.95:
			rating = string(redgrid.RatingBasic)
		default:
			rating = string(redgrid.RatingDissatisfied)
		}
		resolved = rng.Float64() < 0.93
		closedAt = at.Add(time.Duration(2+rng.IntN(200)) * time.Hour)
	}
	onTime := rng.Float64() < 0.9
	if flags&fResponded != 0 {
		if onTime {
			flags |= fRespondedOnTime
		}
		d := depts[rng.IntN(len(depts))]
		lead, route = d.ID, string(redgrid.RouteDepartment)
		orgAcc.addOrg(d.ID, g.Path, day, ocDispatched, 1)
		orgAcc.addOrg(d.ID, g.Path, day, ocAccepted, 1)
		orgAcc.addOrg(d.ID, g.Path, day, ocAcceptSeconds, int64(600+rng.IntN(3000)))
		if onTime {
			orgAcc.addOrg(d.ID, g.Path, day, ocAcceptedOnTime, 1)
		}
		if flags&fHandled != 0 {
			orgAcc.addOrg(d.ID, g.Path, day, ocHandled, 1)
			if rng.Float64() < 0.92 {
				orgAcc.addOrg(d.ID, g.Path, day, ocHandledOnTime, 1)
			} else {
				flags |= fHandleLate | fOverdue
			}
		}
		if rng.Float64() < 0.04 {
			flags |= fReworked
		}
		if rng.Float64() < 0.03 {
			flags |= fExtended
		}
	}
	if state == redgrid.CaseAccepted && rng.Float64() < 0.1 {
		flags |= fOverdue
	}
	return []any{id, state, cat.ID, g.ID, g.Path, 0.0, 0.0, "", "合成案件 " + strconv.FormatInt(id, 10), redgrid.ChannelPatrol, "", "", true,
		stage, day, flags, rating, resolved, lead, closedAt, at, at, string(cat.Matter), route}
}
