package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

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
	a, _, err = s.Agreement(ctx, a.ID)
	return a, err
}

// Agreements lists the agreements of the communities in the subtree at path, the latest first.
func (s *Store) Agreements(ctx context.Context, path string) ([]redgrid.Agreement, error) {
	return s.agreements(ctx, "c.path >= ? AND c.path < ?", path, rangeEnd(path))
}

const agreementSelect = `SELECT a.id, a.org_id, o.name, a.community_id, c.name, a.signed_on, a.ends_on, a.content, a.renews_id, r.id
	FROM cobuild_agreements a JOIN orgs o ON o.id = a.org_id JOIN nodes c ON c.id = a.community_id
	LEFT JOIN cobuild_agreements r ON r.renews_id = a.id WHERE `

func scanAgreement(sc scanner) (redgrid.Agreement, error) {
	var a redgrid.Agreement
	err := sc.Scan(&a.ID, &a.OrgID, &a.OrgName, &a.CommunityID, &a.CommunityName, &a.SignedOn, &a.EndsOn, &a.Content, &a.RenewsID, &a.RenewedByID)
	return a, err
}

func (s *Store) agreements(ctx context.Context, where string, args ...any) ([]redgrid.Agreement, error) {
	return queryAll(ctx, s, scanAgreement, agreementSelect+where+" ORDER BY a.signed_on DESC, a.id DESC", args...)
}

// Agreement returns one agreement with the path of its community. KindNotFound when there is none.
func (s *Store) Agreement(ctx context.Context, id int64) (redgrid.Agreement, string, error) {
	list, err := s.agreements(ctx, "a.id = ?", id)
	if err != nil {
		return redgrid.Agreement{}, "", err
	}
	if len(list) == 0 {
		return redgrid.Agreement{}, "", redgrid.Errorf(redgrid.KindNotFound, "no agreement %d", id)
	}
	var path string
	err = s.queryRow(ctx, "SELECT path FROM nodes WHERE id = ?", list[0].CommunityID).Scan(&path)
	return list[0], path, err
}

// DueAgreements lists the agreements of the communities in the subtree at path due for renewal:
// not renewed, and ending within days from today or ended already; the soonest first.
func (s *Store) DueAgreements(ctx context.Context, path string, days int) ([]redgrid.DueAgreement, error) {
	today := s.now().In(cst)
	list, err := queryAll(ctx, s, scanAgreement, agreementSelect+`c.path >= ? AND c.path < ? AND a.ends_on <= ? AND r.id IS NULL
		ORDER BY a.ends_on, a.id LIMIT 1000`, path, rangeEnd(path), today.AddDate(0, 0, days).Format(time.DateOnly))
	if err != nil {
		return nil, err
	}
	out := make([]redgrid.DueAgreement, len(list))
	for i, a := range list {
		left := redgrid.DaysUntil(today.Format(time.DateOnly), a.EndsOn)
		out[i] = redgrid.DueAgreement{Agreement: a, DaysLeft: left, Ended: left < 0}
	}
	return out, nil
}

func errRenewed(id int64) error {
	msg := fmt.Sprintf("agreement %d has been renewed already: renew the latest agreement", id)
	return &redgrid.Error{Kind: redgrid.KindConflict, Message: msg, Fields: []redgrid.FieldError{{Field: "id", Rule: "renewed", Message: msg}}}
}

// RenewAgreement records the next agreement of the same unit and community, linked to agreement
// id (in is validated against it). An agreement renewed already is KindConflict (id, renewed);
// one that changed meanwhile so that in no longer fits is refused as Validate refuses it. With
// an Idempotency-Key a retry returns the first renewal.
func (s *Store) RenewAgreement(ctx context.Context, id int64, in redgrid.AgreementRenewal) (redgrid.Agreement, bool, error) {
	nid, replayed, err := s.create(ctx, "agreement", func(t *tx) (int64, error) {
		var org, community int64
		var endsOn string
		err := t.queryRow("SELECT org_id, community_id, ends_on FROM cobuild_agreements WHERE id = ?"+s.dialect.forUpdate(), id).Scan(&org, &community, &endsOn)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, redgrid.Errorf(redgrid.KindNotFound, "no agreement %d", id)
		}
		if err != nil {
			return 0, err
		}
		var n int
		if err := t.queryRow("SELECT COUNT(*) FROM cobuild_agreements WHERE renews_id = ?", id).Scan(&n); err != nil {
			return 0, err
		}
		if n > 0 {
			return 0, errRenewed(id)
		}
		if in.EndsOn <= endsOn {
			return 0, redgrid.Invalid("ends_on", "after_previous", "a renewal must end after the agreement it renews ("+endsOn+")")
		}
		var nid int64
		err = t.queryRow(`INSERT INTO cobuild_agreements (org_id, community_id, signed_on, ends_on, content, renews_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, org, community, in.SignedOn, in.EndsOn, in.Content, id, s.now().UTC()).Scan(&nid)
		if isUnique(err) {
			return 0, errRenewed(id) // a concurrent renewal committed first
		}
		if err != nil {
			return 0, err
		}
		return nid, t.audit("cobuild.renew", "agreement/"+strconv.FormatInt(nid, 10), map[string]any{"renews": id, "ends_on": in.EndsOn})
	})
	if err != nil {
		return redgrid.Agreement{}, false, err
	}
	a, _, err := s.Agreement(ctx, nid)
	return a, replayed, err
}

// RunAgreementRenewals notes, once, each agreement that has entered its renewal window (days
// before its last day, and not renewed): one in-app notification for its community, at most
// limit per call. An agreement that ended more than days ago is no longer noted (a database of
// old agreements does not flood the communities on its first run). Each agreement is claimed by
// a conditional update (renewal_noticed_at IS NULL → now) in the transaction that writes its
// notification, so with several servers on one database each is noted exactly once. It returns
// how many were noted.
func (s *Store) RunAgreementRenewals(ctx context.Context, days, limit int) (int, error) {
	today := s.now().In(cst)
	ids, err := queryAll(ctx, s, func(sc scanner) (int64, error) {
		var id int64
		return id, sc.Scan(&id)
	}, `SELECT a.id FROM cobuild_agreements a WHERE a.renewal_noticed_at IS NULL AND a.ends_on <= ? AND a.ends_on >= ?
		AND NOT EXISTS (SELECT 1 FROM cobuild_agreements r WHERE r.renews_id = a.id) ORDER BY a.ends_on, a.id LIMIT ?`,
		today.AddDate(0, 0, days).Format(time.DateOnly), today.AddDate(0, 0, -days).Format(time.DateOnly), limit)
	if err != nil {
		return 0, fmt.Errorf("agreement renewals: %w", err)
	}
	noted := 0
	for _, id := range ids {
		var claimed bool
		err := s.write(ctx, func(t *tx) error {
			res, err := t.exec("UPDATE cobuild_agreements SET renewal_noticed_at = ? WHERE id = ? AND renewal_noticed_at IS NULL", s.now().UTC(), id)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n != 1 {
				return err
			}
			claimed = true
			var org, community, endsOn string
			var communityID int64
			if err := t.queryRow(`SELECT o.name, c.name, c.id, a.ends_on FROM cobuild_agreements a JOIN orgs o ON o.id = a.org_id
				JOIN nodes c ON c.id = a.community_id WHERE a.id = ?`, id).Scan(&org, &community, &communityID, &endsOn); err != nil {
				return err
			}
			when := "将于 " + endsOn + " 到期"
			if endsOn < today.Format(time.DateOnly) {
				when = "已于 " + endsOn + " 到期"
			}
			text := fmt.Sprintf("共驻共建协议%s：%s 与 %s，请商议续签", when, org, community)
			if _, err := t.exec("INSERT INTO notifications (node_id, kind, text, created_at) VALUES (?, ?, ?, ?)",
				communityID, "agreement_renewal", text, s.now().UTC()); err != nil {
				return err
			}
			return t.audit("cobuild.renewal_due", "agreement/"+strconv.FormatInt(id, 10), map[string]any{"ends_on": endsOn})
		})
		if err != nil {
			return noted, err
		}
		if claimed {
			noted++
		}
	}
	return noted, nil
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
