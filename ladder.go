package redgrid

import (
	"fmt"
	"strings"
)

// Rung is how long a case may stay unresolved on one rung of the escalation ladder before it
// climbs to the next by itself: working time (a Limit), at once (zero Limit, Now) or never.
type Rung struct {
	Now   bool  // climb at the next pass of the deadline jobs
	Never bool  // stay on this rung unless someone escalates by hand
	Limit Limit // working time otherwise
}

// String gives the rung back in the form ParseEscalateAfter reads.
func (r Rung) String() string {
	switch {
	case r.Never:
		return "never"
	case r.Now:
		return "0"
	}
	return r.Limit.String()
}

// Ladder is the time allowed at each rung below the top: grid, community and street (the city's
// joint meeting is the last rung). At the grid the time runs from the moment the lead
// department's handling stage is overdue; at the community and the street from the moment the
// case lands there (by itself or by hand).
type Ladder [LevelCity]Rung

// DefaultEscalateAfter is the default ladder: an overdue case climbs from the grid at once, then
// after 3 working days at the community's and 5 at the street's joint meeting.
const DefaultEscalateAfter = "grid=0,community=3d,street=5d"

var levelKeys = map[string]Level{"grid": LevelGrid, "community": LevelCommunity, "street": LevelStreet}

// String gives the ladder back in the form ParseEscalateAfter reads.
func (l Ladder) String() string {
	return "grid=" + l[LevelGrid].String() + ",community=" + l[LevelCommunity].String() + ",street=" + l[LevelStreet].String()
}

// ParseEscalateAfter reads "grid=0,community=3d,street=5d": for each rung below the city, "0"
// (climb at once), a working time like 4h or 3d, or "never". Rungs not named keep the default.
func ParseEscalateAfter(s string) (Ladder, error) {
	var l Ladder
	l[LevelGrid] = Rung{Now: true}
	l[LevelCommunity] = Rung{Limit: Limit{Days: 3}}
	l[LevelStreet] = Rung{Limit: Limit{Days: 5}}
	seen := map[string]bool{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		lv, known := levelKeys[k]
		if !ok || !known {
			return l, fmt.Errorf("%q: each part is RUNG=TIME with RUNG grid, community or street (the city is the top)", part)
		}
		if seen[k] {
			return l, fmt.Errorf("%q: %s is named twice", part, k)
		}
		seen[k] = true
		switch v {
		case "0":
			l[lv] = Rung{Now: true}
		case "never":
			l[lv] = Rung{Never: true}
		default:
			lim, err := ParseLimit(v)
			if err != nil {
				return l, fmt.Errorf("%s: %q is not 0, never or a working time like 4h or 3d", k, v)
			}
			l[lv] = Rung{Limit: lim}
		}
	}
	return l, nil
}
