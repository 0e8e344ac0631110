package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"

	"github.com/redgrid/redgrid"
)

// Red property (redproperty.go in the domain).

// SetOrgBranch links a property company to its party branch.
func (s *Store) SetOrgBranch(ctx context.Context, orgID, partyOrgID int64) error {
	return s.write(ctx, func(t *tx) error {
		var kind string
		if err := t.queryRow("SELECT kind FROM orgs WHERE id = ?", orgID).Scan(&kind); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return redgrid.Errorf(redgrid.KindNotFound, "no organisation %d", orgID)
			}
			return err
		}
		if redgrid.OrgKind(kind) != redgrid.OrgPropertyCompany {
			return redgrid.Invalid("id", "kind", "a party branch is linked to a property company")
		}
		var pkind string
		err := t.queryRow("SELECT kind FROM party_orgs WHERE id = ?", partyOrgID).Scan(&pkind)
		if errors.Is(err, sql.ErrNoRows) || err == nil && redgrid.PartyKind(pkind) != redgrid.PartyBranch {
			return redgrid.Invalid("party_org_id", "kind", "party_org_id must name a party branch (党支部)")
		}
		if err != nil {
			return err
		}
		if _, err := t.exec("DELETE FROM org_branches WHERE org_id = ?", orgID); err != nil {
			return err
		}
		if _, err := t.exec("INSERT INTO org_branches (org_id, party_org_id) VALUES (?, ?)", orgID, partyOrgID); err != nil {
			return err
		}
		return t.audit("org.branch", "org/"+strconv.FormatInt(orgID, 10), map[string]any{"party_org": partyOrgID})
	})
}

// AddOrgMember adds a member to an owners' committee or a property company.
func (s *Store) AddOrgMember(ctx context.Context, m redgrid.OrgMember) (redgrid.OrgMember, error) {
	if m.Since == "" {
		m.Since = s.today()
	}
	err := s.write(ctx, func(t *tx) error {
		var kind string
		if err := t.queryRow("SELECT kind FROM orgs WHERE id = ?", m.OrgID).Scan(&kind); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return redgrid.Errorf(redgrid.KindNotFound, "no organisation %d", m.OrgID)
			}
			return err
		}
		if k := redgrid.OrgKind(kind); k != redgrid.OrgOwnersCommittee && k != redgrid.OrgPropertyCompany {
			return redgrid.Invalid("id", "kind", "members are recorded for owners' committees and property companies")
		}
		if err := t.queryRow(`INSERT INTO org_members (org_id, name, role, party_member, community_post, since, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			m.OrgID, m.Name, string(m.Role), m.PartyMember, m.CommunityPost, m.Since, s.now().UTC()).Scan(&m.ID); err != nil {
			return err
		}
		return t.audit("org.member", "org/"+strconv.FormatInt(m.OrgID, 10), map[string]any{"member": m.ID, "role": m.Role, "cross_post": m.CommunityPost != ""})
	})
	return m, err
}

// EndOrgMember ends a membership (kept with its end date) and returns the organisation's id.
func (s *Store) EndOrgMember(ctx context.Context, id int64) error {
	return s.write(ctx, func(t *tx) error {
		res, err := t.exec("UPDATE org_members SET ended_on = ? WHERE id = ? AND ended_on IS NULL", s.today(), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return redgrid.Errorf(redgrid.KindNotFound, "no current member %d", id)
		}
		return t.audit("org.member.end", "org_member/"+strconv.FormatInt(id, 10), nil)
	})
}

// OrgMemberOrg is the organisation of a current membership.
func (s *Store) OrgMemberOrg(ctx context.Context, id int64) (int64, error) {
	var org int64
	err := s.queryRow(ctx, "SELECT org_id FROM org_members WHERE id = ? AND ended_on IS NULL", id).Scan(&org)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, redgrid.Errorf(redgrid.KindNotFound, "no current member %d", id)
	}
	return org, err
}

// RedProperty returns the property companies and owners' committees homed in the subtree at
// path, each with its branch, current members, cross-posts and what red property still lacks:
// a company without a party branch (no_branch); an organisation with no member who also holds a
// community post (no_cross_post, 双向进入、交叉任职).
func (s *Store) RedProperty(ctx context.Context, path string) ([]redgrid.RedPropertyOrg, error) {
	var out []redgrid.RedPropertyOrg
	for _, kind := range []redgrid.OrgKind{redgrid.OrgPropertyCompany, redgrid.OrgOwnersCommittee} {
		orgs, err := s.Orgs(ctx, OrgFilter{Kind: kind, Scopes: []string{path}, Limit: 1000})
		if err != nil {
			return nil, err
		}
		for _, o := range orgs {
			if !redgrid.IsWithin(o.HomePath, path) {
				continue
			}
			r := redgrid.RedPropertyOrg{Org: o, Members: []redgrid.OrgMember{}, Shortcoming: []string{}}
			var branch sql.NullInt64
			var branchName sql.NullString
			err := s.queryRow(ctx, "SELECT b.party_org_id, p.name FROM org_branches b JOIN party_orgs p ON p.id = b.party_org_id WHERE b.org_id = ?", o.ID).Scan(&branch, &branchName)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return nil, err
			}
			if branch.Valid {
				r.BranchID, r.BranchName = &branch.Int64, branchName.String
			}
			rows, err := s.query(ctx, "SELECT id, org_id, name, role, party_member, community_post, since FROM org_members WHERE org_id = ? AND ended_on IS NULL ORDER BY role, id", o.ID)
			if err != nil {
				return nil, err
			}
			party := 0
			for rows.Next() {
				var m redgrid.OrgMember
				if err := rows.Scan(&m.ID, &m.OrgID, &m.Name, &m.Role, &m.PartyMember, &m.CommunityPost, &m.Since); err != nil {
					rows.Close()
					return nil, err
				}
				if m.CommunityPost != "" {
					r.CrossPosts++
				}
				if m.PartyMember {
					party++
				}
				r.Members = append(r.Members, m)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return nil, err
			}
			if len(r.Members) > 0 {
				r.PartyShare = float64(party) / float64(len(r.Members))
			}
			if kind == redgrid.OrgPropertyCompany && r.BranchID == nil {
				r.Shortcoming = append(r.Shortcoming, "no_branch")
			}
			if r.CrossPosts == 0 {
				r.Shortcoming = append(r.Shortcoming, "no_cross_post")
			}
			out = append(out, r)
		}
	}
	if out == nil {
		out = []redgrid.RedPropertyOrg{}
	}
	return out, nil
}
