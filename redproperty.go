package redgrid

import (
	"strings"
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
