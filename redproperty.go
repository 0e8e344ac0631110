package redgrid

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Red property (红色物业, 002/003): a property company has its own party branch (or is linked to
// one) and serves compounds; an owners' committee (业委会) has its members; "双向进入、交叉任职":
// members of the community's committees sit on the owners' committee or in the company, and the
// other way round — each such cross-post is recorded on the member.

// MemberRole is a role in an owners' committee or a property company.
type MemberRole string

// Roles.
const (
	RoleDirector MemberRole = "director" // 主任 / 经理
	RoleDeputy   MemberRole = "deputy"   // 副主任 / 副经理
	RoleMember   MemberRole = "member"   // 委员 / 员工
)

var memberRoleLabels = map[MemberRole]string{RoleDirector: "主任", RoleDeputy: "副主任", RoleMember: "委员"}

// Valid reports whether r is known.
func (r MemberRole) Valid() bool { _, ok := memberRoleLabels[r]; return ok }

// Label is the Chinese name.
func (r MemberRole) Label() string { return memberRoleLabels[r] }

// OrgMember is a person on an owners' committee or in a property company.
type OrgMember struct {
	ID            int64      `json:"id"`
	OrgID         int64      `json:"org_id"`
	Name          string     `json:"name"`
	Role          MemberRole `json:"role"`
	PartyMember   bool       `json:"party_member"`
	CommunityPost string     `json:"community_post"` // the post also held in the community (交叉任职), e.g. 社区居委会委员
	Since         string     `json:"since"`
	// TermID is the owners' committee's term the seat belongs to (set by the server); EndedOn the
	// day the seat ended (a re-election ends the old term's seats).
	TermID  *int64  `json:"term_id,omitempty"`
	EndedOn *string `json:"ended_on,omitempty"`
}

// Validate checks a new member.
func (m *OrgMember) Validate() error {
	m.Name, m.CommunityPost = strings.TrimSpace(m.Name), strings.TrimSpace(m.CommunityPost)
	var v Validator
	CheckName(&v, "name", m.Name)
	v.Check(utf8.RuneCountInString(m.Name) <= MaxStaffName, "name", "max_length", "name must be at most 30 characters")
	v.Check(m.Role.Valid(), "role", "enum", "role must be director, deputy or member")
	v.Check(utf8.RuneCountInString(m.CommunityPost) <= 50 && !HasControl(m.CommunityPost), "community_post", "max_length", "community_post must be at most 50 characters")
	if m.Since != "" {
		CheckDate(&v, "since", m.Since)
	}
	return v.Err()
}

// RedPropertyOrg is a property company or an owners' committee with what red property asks of it.
type RedPropertyOrg struct {
	Org         Org         `json:"org"`
	BranchID    *int64      `json:"branch_id"` // the party branch (property companies)
	BranchName  string      `json:"branch_name,omitempty"`
	Members     []OrgMember `json:"members"`
	CrossPosts  int         `json:"cross_posts"`
	PartyShare  float64     `json:"party_share"` // party members among the members
	Shortcoming []string    `json:"shortcomings"`
}

// Owners' committees' terms (业主委员会任期). A committee is elected for a term of at most
// MaxTermYears years (《业主大会和业主委员会指导规则》: 每届任期不超过五年); the seats of its members
// belong to the term they were taken in. A re-election (换届) starts a new term: the old term
// closes on the day of the election and its seats end, kept as the old term's history. Terms
// ending within a window, or ended without a re-election, are listed (换届提醒).
const (
	MaxTermYears          = 5
	DefaultTermNoticeDays = 90
	MaxTermNoticeDays     = 366
)

// CommitteeTerm is a term of an owners' committee with the seats taken in it.
type CommitteeTerm struct {
	ID        int64       `json:"id"`
	OrgID     int64       `json:"org_id"`
	OrgName   string      `json:"org_name"`
	ElectedOn string      `json:"elected_on"`
	EndsOn    string      `json:"ends_on"`           // the last day of the term
	EndedOn   *string     `json:"ended_on"`          // the day a re-election closed it
	Members   []OrgMember `json:"members,omitempty"` // the seats of the term (current and ended)
	Version   int         `json:"version"`
	CreatedAt time.Time   `json:"created_at"`
}

// NewTerm is the input starting a term (the first, or a re-election).
type NewTerm struct {
	ElectedOn string `json:"elected_on"`
	EndsOn    string `json:"ends_on"`
}

// Validate checks the dates; today is the current date (YYYY-MM-DD, China time): an election is
// recorded after it took place.
func (t *NewTerm) Validate(today string) error {
	t.ElectedOn, t.EndsOn = strings.TrimSpace(t.ElectedOn), strings.TrimSpace(t.EndsOn)
	var v Validator
	CheckDate(&v, "elected_on", t.ElectedOn)
	v.Check(t.ElectedOn <= today, "elected_on", "not_future", "elected_on cannot be in the future")
	CheckDate(&v, "ends_on", t.EndsOn)
	v.Check(t.EndsOn > t.ElectedOn, "ends_on", "after_elected", "ends_on must be after elected_on")
	if e, err := time.Parse(time.DateOnly, t.ElectedOn); err == nil {
		max := e.AddDate(MaxTermYears, 0, 0).Format(time.DateOnly)
		v.Check(t.EndsOn <= max, "ends_on", "max_term", "a term lasts at most five years (until "+max+")")
	}
	return v.Err()
}

// TermDue is an owners' committee whose current term ends within the window asked for, or has
// ended without a re-election.
type TermDue struct {
	CommitteeTerm
	DaysLeft int  `json:"days_left"` // days from today to ends_on; negative once ended
	Ended    bool `json:"ended"`
}
