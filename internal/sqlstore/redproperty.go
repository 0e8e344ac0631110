package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

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
		// A committee's seat belongs to its current term (none before the first is recorded).
		m.TermID = nil
		var term int64
		err := t.queryRow("SELECT id FROM committee_terms WHERE org_id = ? AND ended_on IS NULL", m.OrgID).Scan(&term)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if err == nil {
			m.TermID = &term
		}
		if err := t.queryRow(`INSERT INTO org_members (org_id, name, role, party_member, community_post, since, term_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			m.OrgID, m.Name, string(m.Role), m.PartyMember, m.CommunityPost, m.Since, m.TermID, s.now().UTC()).Scan(&m.ID); err != nil {
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
			r.Members, err = s.orgMembers(ctx, "org_id = ? AND ended_on IS NULL", o.ID)
			if err != nil {
				return nil, err
			}
			party := 0
			for _, m := range r.Members {
				if m.CommunityPost != "" {
					r.CrossPosts++
				}
				if m.PartyMember {
					party++
				}
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

// orgMembers lists the seats matching where, by role and id.
func (s *Store) orgMembers(ctx context.Context, where string, args ...any) ([]redgrid.OrgMember, error) {
	return queryAll(ctx, s, func(sc scanner) (redgrid.OrgMember, error) {
		var m redgrid.OrgMember
		return m, sc.Scan(&m.ID, &m.OrgID, &m.Name, &m.Role, &m.PartyMember, &m.CommunityPost, &m.Since, &m.TermID, &m.EndedOn)
	}, "SELECT id, org_id, name, role, party_member, community_post, since, term_id, ended_on FROM org_members WHERE "+where+" ORDER BY role, id", args...)
}

const termSelect = `SELECT t.id, t.org_id, o.name, t.elected_on, t.ends_on, t.ended_on, t.version, t.created_at
	FROM committee_terms t JOIN orgs o ON o.id = t.org_id`

func scanTerm(sc scanner) (redgrid.CommitteeTerm, error) {
	var t redgrid.CommitteeTerm
	var created timeCol
	err := sc.Scan(&t.ID, &t.OrgID, &t.OrgName, &t.ElectedOn, &t.EndsOn, &t.EndedOn, &t.Version, &created)
	t.CreatedAt = created.t
	return t, err
}

// Terms lists an owners' committee's terms, the latest first, each with the seats taken in it
// (the old terms' seats ended: their history).
func (s *Store) Terms(ctx context.Context, orgID int64) ([]redgrid.CommitteeTerm, error) {
	terms, err := queryAll(ctx, s, scanTerm, termSelect+" WHERE t.org_id = ? ORDER BY t.elected_on DESC, t.id DESC LIMIT 100", orgID)
	if err != nil {
		return nil, err
	}
	for i := range terms {
		if terms[i].Members, err = s.orgMembers(ctx, "term_id = ?", terms[i].ID); err != nil {
			return nil, err
		}
	}
	return terms, nil
}

// StartTerm records a term of owners' committee orgID (in is validated): the first one, which
// takes the current seats, or a re-election (换届), which closes the current term on the day of
// the election and ends its seats (kept as its history). ifVersion > 0 must be the current
// term's version (KindPreconditionFailed otherwise, or when there is none); a re-election
// elected before the current term was is KindInvalid (elected_on, after_previous). With an
// Idempotency-Key a retry returns the first term.
func (s *Store) StartTerm(ctx context.Context, orgID int64, in redgrid.NewTerm, ifVersion int) (redgrid.CommitteeTerm, bool, error) {
	id, replayed, err := s.create(ctx, "committee_term", func(t *tx) (int64, error) {
		var kind string
		if err := t.queryRow("SELECT kind FROM orgs WHERE id = ?"+s.dialect.forUpdate(), orgID).Scan(&kind); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return 0, redgrid.Errorf(redgrid.KindNotFound, "no organisation %d", orgID)
			}
			return 0, err
		}
		if redgrid.OrgKind(kind) != redgrid.OrgOwnersCommittee {
			return 0, redgrid.Invalid("id", "kind", "terms are those of owners' committees (业主委员会)")
		}
		cur, err := scanTerm(t.queryRow(termSelect+" WHERE t.org_id = ? AND t.ended_on IS NULL", orgID))
		hasCurrent := err == nil
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return 0, err
		}
		if ifVersion > 0 && (!hasCurrent || cur.Version != ifVersion) {
			return 0, redgrid.Errorf(redgrid.KindPreconditionFailed, "the committee's current term was changed by someone else (version %d, yours %d): reload it", cur.Version, ifVersion)
		}
		ended := int64(0)
		if hasCurrent {
			if in.ElectedOn < cur.ElectedOn {
				return 0, redgrid.Invalid("elected_on", "after_previous", "a re-election cannot be before the current term was elected ("+cur.ElectedOn+")")
			}
			if _, err := t.exec("UPDATE committee_terms SET ended_on = ?, version = version + 1 WHERE id = ?", in.ElectedOn, cur.ID); err != nil {
				return 0, err
			}
			res, err := t.exec("UPDATE org_members SET ended_on = ? WHERE org_id = ? AND ended_on IS NULL", in.ElectedOn, orgID)
			if err != nil {
				return 0, err
			}
			ended, _ = res.RowsAffected()
		}
		var id int64
		err = t.queryRow("INSERT INTO committee_terms (org_id, elected_on, ends_on, created_at) VALUES (?, ?, ?, ?) RETURNING id",
			orgID, in.ElectedOn, in.EndsOn, s.now().UTC()).Scan(&id)
		if isUnique(err) {
			return 0, redgrid.Errorf(redgrid.KindConflict, "another term of the committee was recorded at the same time: reload it")
		}
		if err != nil {
			return 0, err
		}
		if !hasCurrent {
			// The first term takes the seats already recorded.
			if _, err := t.exec("UPDATE org_members SET term_id = ? WHERE org_id = ? AND ended_on IS NULL AND term_id IS NULL", id, orgID); err != nil {
				return 0, err
			}
		}
		return id, t.audit("committee.term", "org/"+strconv.FormatInt(orgID, 10),
			map[string]any{"term": id, "elected_on": in.ElectedOn, "ends_on": in.EndsOn, "reelection": hasCurrent, "seats_ended": ended})
	})
	if err != nil {
		return redgrid.CommitteeTerm{}, false, err
	}
	t, err := scanTerm(s.queryRow(ctx, termSelect+" WHERE t.id = ?", id))
	if err != nil {
		return t, replayed, err
	}
	t.Members, err = s.orgMembers(ctx, "term_id = ?", id)
	return t, replayed, err
}

// DueTerms lists the owners' committees homed in the subtree at path whose current term ends
// within days from today or has ended without a re-election (换届提醒), the soonest first.
func (s *Store) DueTerms(ctx context.Context, path string, days int) ([]redgrid.TermDue, error) {
	today := s.now().In(cst)
	terms, err := queryAll(ctx, s, scanTerm, termSelect+` JOIN nodes h ON h.id = o.home_node_id
		WHERE t.ended_on IS NULL AND t.ends_on <= ? AND h.path >= ? AND h.path < ? ORDER BY t.ends_on, t.id LIMIT 1000`,
		today.AddDate(0, 0, days).Format(time.DateOnly), path, rangeEnd(path))
	if err != nil {
		return nil, err
	}
	out := make([]redgrid.TermDue, len(terms))
	for i, t := range terms {
		left := redgrid.DaysUntil(today.Format(time.DateOnly), t.EndsOn)
		out[i] = redgrid.TermDue{CommitteeTerm: t, DaysLeft: left, Ended: left < 0}
	}
	return out, nil
}
