package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"

	"github.com/redgrid/redgrid"
)

// Co-building: agreements and the "五个一" linkage (cobuild.go in the domain).

// community checks that id names a community and returns its path.
func (t *tx) community(field string, id int64) (string, error) {
	var kind, path string
	err := t.queryRow("SELECT kind, path FROM nodes WHERE id = ?", id).Scan(&kind, &path)
	if errors.Is(err, sql.ErrNoRows) || err == nil && redgrid.NodeKind(kind) != redgrid.KindCommunity {
		return "", redgrid.Invalid(field, "kind", field+" must name a community")
	}
	return path, err
}

// residentUnit checks that id names a resident unit (驻区单位).
func (t *tx) residentUnit(field string, id int64) error {
	var kind string
	err := t.queryRow("SELECT kind FROM orgs WHERE id = ?", id).Scan(&kind)
	if errors.Is(err, sql.ErrNoRows) || err == nil && redgrid.OrgKind(kind) != redgrid.OrgResidentUnit {
		return redgrid.Invalid(field, "kind", field+" must name a resident unit (驻区单位)")
	}
	return err
}

// RecordAgreement records a co-building agreement.
func (s *Store) RecordAgreement(ctx context.Context, a redgrid.Agreement) (redgrid.Agreement, error) {
	err := s.write(ctx, func(t *tx) error {
		if _, err := t.community("community_id", a.CommunityID); err != nil {
			return err
		}
		if err := t.residentUnit("org_id", a.OrgID); err != nil {
			return err
		}
		if err := t.queryRow(`INSERT INTO cobuild_agreements (org_id, community_id, signed_on, ends_on, content, created_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, a.OrgID, a.CommunityID, a.SignedOn, a.EndsOn, a.Content, s.now().UTC()).Scan(&a.ID); err != nil {
			return err
		}
		return t.audit("cobuild.agreement", "agreement/"+strconv.FormatInt(a.ID, 10), map[string]any{"org": a.OrgID, "community": a.CommunityID})
	})
	if err != nil {
		return a, err
	}
	list, err := s.agreements(ctx, "a.id = ?", a.ID)
	if err != nil || len(list) == 0 {
		return a, err
	}
	return list[0], nil
}

// Agreements lists the agreements of the communities in the subtree at path, the latest first.
func (s *Store) Agreements(ctx context.Context, path string) ([]redgrid.Agreement, error) {
	return s.agreements(ctx, "c.path >= ? AND c.path < ?", path, rangeEnd(path))
}

func (s *Store) agreements(ctx context.Context, where string, args ...any) ([]redgrid.Agreement, error) {
	rows, err := s.query(ctx, `SELECT a.id, a.org_id, o.name, a.community_id, c.name, a.signed_on, a.ends_on, a.content
		FROM cobuild_agreements a JOIN orgs o ON o.id = a.org_id JOIN nodes c ON c.id = a.community_id WHERE `+where+` ORDER BY a.signed_on DESC, a.id DESC`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []redgrid.Agreement{}
	for rows.Next() {
		var a redgrid.Agreement
		if err := rows.Scan(&a.ID, &a.OrgID, &a.OrgName, &a.CommunityID, &a.CommunityName, &a.SignedOn, &a.EndsOn, &a.Content); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// SetLinks replaces a community's "五个一" linkage. A grid cadre's grid must be one of the
// community's grids.
func (s *Store) SetLinks(ctx context.Context, l redgrid.Links) (redgrid.Links, error) {
	err := s.write(ctx, func(t *tx) error {
		path, err := t.community("community_id", l.CommunityID)
		if err != nil {
			return err
		}
		if l.UnitID != nil {
			if err := t.residentUnit("unit_id", *l.UnitID); err != nil {
				return err
			}
		}
		if _, err := t.exec("DELETE FROM community_links WHERE community_id = ?", l.CommunityID); err != nil {
			return err
		}
		put := func(link string, grid int64, name string, org *int64) error {
			if name == "" && org == nil {
				return nil
			}
			_, err := t.exec("INSERT INTO community_links (community_id, link, grid_id, name, org_id) VALUES (?, ?, ?, ?, ?)", l.CommunityID, link, grid, name, org)
			return err
		}
		if err := put("leader", 0, l.Leader, nil); err != nil {
			return err
		}
		if err := put("unit", 0, "", l.UnitID); err != nil {
			return err
		}
		if err := put("street_cadre", 0, l.StreetCadre, nil); err != nil {
			return err
		}
		for g, name := range l.GridCadres {
			gid, err := strconv.ParseInt(g, 10, 64)
			var kind, gpath string
			if err == nil {
				err = t.queryRow("SELECT kind, path FROM nodes WHERE id = ?", gid).Scan(&kind, &gpath)
			}
			if err != nil || redgrid.NodeKind(kind) != redgrid.KindGrid || !redgrid.IsWithin(gpath, path) {
				return redgrid.Invalid("grid_cadres."+g, "grid_of_community", "grid_cadres keys must be grids of the community")
			}
			if err := put("grid_cadre", gid, name, nil); err != nil {
				return err
			}
		}
		return t.audit("cobuild.links", "node/"+strconv.FormatInt(l.CommunityID, 10), l)
	})
	if err != nil {
		return l, err
	}
	return s.Links(ctx, l.CommunityID)
}

// Links returns a community's linkage.
func (s *Store) Links(ctx context.Context, community int64) (redgrid.Links, error) {
	l := redgrid.Links{CommunityID: community, GridCadres: map[string]string{}}
	rows, err := s.query(ctx, `SELECT k.link, k.grid_id, k.name, k.org_id, COALESCE(o.name, '') FROM community_links k LEFT JOIN orgs o ON o.id = k.org_id
		WHERE k.community_id = ?`, community)
	if err != nil {
		return l, err
	}
	defer rows.Close()
	for rows.Next() {
		var link, name, org string
		var grid int64
		var orgID *int64
		if err := rows.Scan(&link, &grid, &name, &orgID, &org); err != nil {
			return l, err
		}
		switch link {
		case "leader":
			l.Leader = name
		case "unit":
			l.UnitID, l.UnitName = orgID, org
		case "street_cadre":
			l.StreetCadre = name
		case "grid_cadre":
			l.GridCadres[strconv.FormatInt(grid, 10)] = name
		}
	}
	return l, rows.Err()
}

// LinkGaps lists the communities of the subtree at path missing any link of "五个一".
func (s *Store) LinkGaps(ctx context.Context, path string) ([]redgrid.LinkGap, error) {
	nodes, err := s.nodes(ctx, "SELECT "+nodeCols+" FROM nodes n WHERE n.path >= ? AND n.path < ? AND n.kind IN ('community', 'grid') ORDER BY n.path",
		path, rangeEnd(path))
	if err != nil {
		return nil, err
	}
	out := []redgrid.LinkGap{}
	var gap *redgrid.LinkGap
	var links redgrid.Links
	flush := func() {
		if gap != nil && (len(gap.Missing) > 0 || len(gap.GridsWithout) > 0) {
			out = append(out, *gap)
		}
	}
	for _, n := range nodes {
		switch n.Kind {
		case redgrid.KindCommunity:
			flush()
			if links, err = s.Links(ctx, n.ID); err != nil {
				return nil, err
			}
			gap = &redgrid.LinkGap{CommunityID: n.ID, CommunityName: n.Name, Missing: []string{}, GridsWithout: []string{}}
			if links.Leader == "" {
				gap.Missing = append(gap.Missing, "leader")
			}
			if links.UnitID == nil {
				gap.Missing = append(gap.Missing, "unit")
			}
			if links.StreetCadre == "" {
				gap.Missing = append(gap.Missing, "street_cadre")
			}
		case redgrid.KindGrid:
			if gap != nil && links.GridCadres[strconv.FormatInt(n.ID, 10)] == "" {
				gap.GridsWithout = append(gap.GridsWithout, n.Name)
			}
		}
	}
	flush()
	return out, nil
}
