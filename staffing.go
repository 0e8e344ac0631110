package redgrid

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Grid staffing "1+3+N" (003): every grid has one grid leader (网格长), three kinds of workers —
// a full-time grid worker (专职网格员), a party member working part-time (兼职网格员) and, in each
// micro-grid, a liaison (微网格联络员) — and N volunteers. "一肩挑": the grid leader is also the
// secretary of the grid's party branch; it is recorded on the leader's post. A grid that lacks
// any of the 1+3 is incomplete.

// Post is a post of a grid's staff.
type Post string

// Posts.
const (
	PostLeader    Post = "leader"    // 网格长
	PostFullTime  Post = "full_time" // 专职网格员
	PostPartTime  Post = "part_time" // 兼职网格员（党员）
	PostLiaison   Post = "liaison"   // 微网格联络员
	PostVolunteer Post = "volunteer" // 志愿者
)

// Posts lists them in order.
var Posts = []Post{PostLeader, PostFullTime, PostPartTime, PostLiaison, PostVolunteer}

// RequiredPosts are the "1+3" every grid must fill (a liaison in every micro-grid, or one for
// the grid when it has none).
var RequiredPosts = []Post{PostLeader, PostFullTime, PostPartTime, PostLiaison}

var postLabels = map[Post]string{PostLeader: "网格长", PostFullTime: "专职网格员", PostPartTime: "兼职网格员", PostLiaison: "微网格联络员", PostVolunteer: "志愿者"}

// Label is the Chinese name.
func (p Post) Label() string { return postLabels[p] }

// Valid reports whether p is known.
func (p Post) Valid() bool { _, ok := postLabels[p]; return ok }

// MaxStaffName bounds a staff member's name.
const MaxStaffName = 30

// GridStaff is one person on a post of a grid.
type GridStaff struct {
	ID              int64     `json:"id"`
	GridID          int64     `json:"grid_id"`
	GridName        string    `json:"grid_name"`
	MicrogridID     *int64    `json:"microgrid_id"`
	MicrogridName   string    `json:"microgrid_name,omitempty"`
	Post            Post      `json:"post"`
	PostLabel       string    `json:"post_label"`
	Name            string    `json:"name"`
	Phone           string    `json:"phone"` // masked
	PartyMember     bool      `json:"party_member"`
	BranchSecretary bool      `json:"branch_secretary"` // 一肩挑 (leaders only)
	UserID          *int64    `json:"user_id"`
	Since           string    `json:"since"`
	Version         int       `json:"version"`
	Path            string    `json:"-"`
	CreatedAt       time.Time `json:"created_at"`
}

// NewGridStaff is the input to put someone on a post.
type NewGridStaff struct {
	GridID          int64  `json:"grid_id"`
	MicrogridID     *int64 `json:"microgrid_id"`
	Post            Post   `json:"post"`
	Name            string `json:"name"`
	Phone           string `json:"phone"`
	PartyMember     bool   `json:"party_member"`
	BranchSecretary bool   `json:"branch_secretary"`
	UserID          *int64 `json:"user_id"`
	Since           string `json:"since"` // YYYY-MM-DD
}

// Validate checks what needs no database.
func (s *NewGridStaff) Validate() error {
	s.Name, s.Phone, s.Since = strings.TrimSpace(s.Name), strings.TrimSpace(s.Phone), strings.TrimSpace(s.Since)
	var v Validator
	v.Check(s.GridID > 0, "grid_id", "required", "grid_id is required")
	v.Check(s.Post.Valid(), "post", "enum", "post must be one of leader, full_time, part_time, liaison, volunteer")
	CheckName(&v, "name", s.Name)
	v.Check(utf8.RuneCountInString(s.Name) <= MaxStaffName, "name", "max_length", "name must be at most 30 characters")
	v.Check(s.Post == PostLiaison || s.MicrogridID == nil, "microgrid_id", "liaison_only", "only a liaison is posted to a micro-grid")
	v.Check(!s.BranchSecretary || s.Post == PostLeader, "branch_secretary", "leader_only", "一肩挑 is the grid leader's")
	v.Check(!s.BranchSecretary || s.PartyMember, "branch_secretary", "party_member", "a branch secretary is a party member")
	v.Check(s.Post != PostPartTime || s.PartyMember, "party_member", "part_time", "the part-time grid worker of 1+3+N is a party member")
	if s.Since != "" {
		CheckDate(&v, "since", s.Since)
	}
	return v.Err()
}

// StaffingGap is a grid whose 1+3 is incomplete.
type StaffingGap struct {
	GridID   int64    `json:"grid_id"`
	GridName string   `json:"grid_name"`
	GridCode string   `json:"grid_code"`
	Missing  []Post   `json:"missing"`
	Labels   []string `json:"missing_labels"`
	// Microgrids lists the micro-grids without a liaison.
	Microgrids []string `json:"microgrids_without_liaison"`
	// OneShoulder is set when the leader is also the branch secretary (一肩挑).
	OneShoulder bool `json:"one_shoulder"`
}
