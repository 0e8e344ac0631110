package redgrid

import (
	"regexp"
	"time"
	"unicode/utf8"
)

// Role is what a user may do; it is always held at a node (valid for that node's subtree) or, for
// department staff, in a department (valid for the nodes the department serves).
type Role string

// The roles of product.md "Who uses it".
const (
	RoleResident        Role = "resident"
	RoleGridWorker      Role = "grid_worker"
	RoleGridLeader      Role = "grid_leader"
	RoleCommunityStaff  Role = "community_staff"
	RoleStreetOperator  Role = "street_operator"
	RoleDepartmentStaff Role = "department_staff"
	RoleDistrictAdmin   Role = "district_admin"
	RoleLeader          Role = "leader"
)

// Roles lists every role.
var Roles = []Role{RoleResident, RoleGridWorker, RoleGridLeader, RoleCommunityStaff, RoleStreetOperator, RoleDepartmentStaff, RoleDistrictAdmin, RoleLeader}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if x == r {
			return true
		}
	}
	return false
}

// roleHome is the node kind a role is held at; a grant elsewhere is refused so that a "community
// staff" role cannot be handed out at a district.
var roleHome = map[Role][]NodeKind{
	RoleResident:       {KindGrid, KindMicrogrid, KindBuilding},
	RoleGridWorker:     {KindGrid, KindMicrogrid},
	RoleGridLeader:     {KindGrid},
	RoleCommunityStaff: {KindCommunity},
	RoleStreetOperator: {KindStreet},
	RoleDistrictAdmin:  {KindDistrict},
	RoleLeader:         {KindDistrict, KindStreet, KindCommunity},
}

// HeldAt reports whether the role may be held at a node of kind k. Department staff are held in a
// department, never at a node.
func (r Role) HeldAt(k NodeKind) bool {
	for _, x := range roleHome[r] {
		if x == k {
			return true
		}
	}
	return false
}

// Action is something a caller may try on a target inside the trees.
type Action string

// Actions checked against roles and scope.
const (
	ActReadTree    Action = "tree.read"
	ActWriteNode   Action = "node.write"
	ActWriteParty  Action = "party.write"
	ActWriteOrg    Action = "org.write"
	ActManageUsers Action = "users.manage"
	ActReadAudit   Action = "audit.read"
	// ActRecordMeeting records a joint meeting held at the node (its own level's meeting, so
	// the scope includes the node itself).
	ActRecordMeeting Action = "meeting.record"
	// ActReadRegister reads the registers of people and dwellings (households, residents …).
	ActReadRegister Action = "register.read"
	// ActWriteRegister records and imports them (the grid workers keep them: "knows every
	// household in the grid").
	ActWriteRegister Action = "register.write"
	// ActCallBack sees a case's reporter in full with the case, every view logged: the staff who
	// call the resident back (回访) and enter the rating (see caseRoles, ActRate).
	ActCallBack Action = "case.callback"
	// ActUnmask shows masked personal data in full once, asked for with a reason and logged
	// (PIPL Art. 51; GB/T 35273 §7.4): roles that may need to reach the person.
	ActUnmask Action = "pii.unmask"
)

// rolePerms: which actions a role allows. The leader role is read-only by design ("一屏观全域").
// Personal data (docs/ARCHITECTURE.md, "Personal data"): the call-back staff see a reporter with
// the case; grid workers and leaders (who verify on site), the call-back staff and district
// admins (complaints) may unmask with a reason; departments and leaders handle and watch cases,
// not people, and never see a reporter in full.
var rolePerms = map[Role][]Action{
	RoleResident:   {ActReadTree},
	RoleGridWorker: {ActReadTree, ActUnmask, ActReadRegister, ActWriteRegister},
	RoleGridLeader: {ActReadTree, ActWriteNode, ActUnmask, ActReadRegister, ActWriteRegister},
	RoleCommunityStaff: {ActReadTree, ActWriteNode, ActWriteParty, ActWriteOrg, ActRecordMeeting, ActCallBack, ActUnmask,
		ActReadRegister, ActWriteRegister},
	RoleStreetOperator: {ActReadTree, ActWriteNode, ActWriteParty, ActWriteOrg, ActRecordMeeting, ActCallBack, ActUnmask,
		ActReadRegister, ActWriteRegister},
	RoleDepartmentStaff: {ActReadTree},
	RoleDistrictAdmin: {ActReadTree, ActWriteNode, ActWriteParty, ActWriteOrg, ActManageUsers, ActReadAudit, ActRecordMeeting, ActUnmask,
		ActReadRegister, ActWriteRegister},
	RoleLeader: {ActReadTree, ActReadRegister},
}

// Allows reports whether the role permits the action somewhere.
func (r Role) Allows(a Action) bool {
	for _, x := range rolePerms[r] {
		if x == a {
			return true
		}
	}
	return false
}

// Grant is one role held by one user at one node or in one department.
type Grant struct {
	ID       int64    `json:"id"`
	UserID   int64    `json:"-"`
	Role     Role     `json:"role"`
	NodeID   *int64   `json:"node_id"`
	NodeName string   `json:"node_name,omitempty"`
	NodeKind NodeKind `json:"node_kind,omitempty"`
	OrgID    *int64   `json:"org_id"`
	OrgName  string   `json:"org_name,omitempty"`
	// Paths are the subtrees the grant covers: the node's path, or the paths of the nodes the
	// department serves.
	Paths []string `json:"-"`
}

// NewGrant is the input to grant a role.
type NewGrant struct {
	Role   Role   `json:"role"`
	NodeID *int64 `json:"node_id"`
	OrgID  *int64 `json:"org_id"`
}

// Validate checks the shape: department staff name a department, every other role a node.
func (g *NewGrant) Validate(prefix string) error {
	var v Validator
	g.check(&v, prefix)
	return v.Err()
}

func (g *NewGrant) check(v *Validator, prefix string) {
	if !g.Role.Valid() {
		v.Add(prefix+"role", "enum", "role must be one of resident, grid_worker, grid_leader, community_staff, street_operator, department_staff, district_admin, leader")
		return
	}
	if g.Role == RoleDepartmentStaff {
		v.Check(g.OrgID != nil && *g.OrgID > 0, prefix+"org_id", "required", "department_staff is held in a department: org_id is required")
		v.Check(g.NodeID == nil, prefix+"node_id", "forbidden_with_org", "department_staff takes org_id, not node_id")
	} else {
		v.Check(g.NodeID != nil && *g.NodeID > 0, prefix+"node_id", "required", string(g.Role)+" is held at a node: node_id is required")
		v.Check(g.OrgID == nil, prefix+"org_id", "only_department_staff", "only department_staff is held in a department")
	}
}

// User is an account.
type User struct {
	ID          int64     `json:"id"`
	Username    string    `json:"username"`
	DisplayName string    `json:"display_name"`
	Disabled    bool      `json:"disabled"`
	Roles       []Grant   `json:"roles"`
	Version     int       `json:"version"`
	CreatedAt   time.Time `json:"created_at"`
}

// NewUser is the input to create an account.
type NewUser struct {
	Username    string     `json:"username"`
	DisplayName string     `json:"display_name"`
	Password    string     `json:"password"`
	Roles       []NewGrant `json:"roles"`
}

// UserPatch is a partial update of an account.
type UserPatch struct {
	DisplayName *string `json:"display_name"`
	Password    *string `json:"password"`
	Disabled    *bool   `json:"disabled"`
}

var usernameRe = regexp.MustCompile(`^[a-z][a-z0-9_.-]{1,31}$`)

// Password rules: long enough to resist guessing, short enough to bound hashing work.
const (
	MinPasswordLen = 8
	MaxPasswordLen = 128
)

// CheckPassword validates a new password.
func CheckPassword(v *Validator, field, pw string) {
	n := utf8.RuneCountInString(pw)
	v.Check(n >= MinPasswordLen, field, "min_length", "password must be at least 8 characters")
	v.Check(len(pw) <= MaxPasswordLen, field, "max_length", "password must be at most 128 bytes")
}

// Validate checks what needs no database.
func (u *NewUser) Validate() error {
	var v Validator
	v.Check(usernameRe.MatchString(u.Username), "username", "pattern", "username must be 2-32 characters: a lowercase letter, then lowercase letters, digits, '_', '.' or '-'")
	CheckName(&v, "display_name", u.DisplayName)
	CheckPassword(&v, "password", u.Password)
	v.Check(len(u.Roles) <= 20, "roles", "max_items", "at most 20 roles")
	for i, g := range u.Roles {
		g.check(&v, "roles["+itoa(i)+"].")
	}
	return v.Err()
}

// Validate checks what needs no database.
func (p *UserPatch) Validate() error {
	var v Validator
	if p.DisplayName != nil {
		CheckName(&v, "display_name", *p.DisplayName)
	}
	if p.Password != nil {
		CheckPassword(&v, "password", *p.Password)
	}
	return v.Err()
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b [20]byte
	n := len(b)
	for i > 0 {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
	}
	return string(b[n:])
}
