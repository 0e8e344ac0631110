package redgrid

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Party members (党员). A member belongs to a branch (党支部). An in-service member (在职党员) also
// registers with the community where they live ("双报到", 001/003): they ask, the community
// confirms, and a report certificate (报到证) is issued whose QR code verifies it; the
// registration falls due again every half year. A sinking member (下沉党员) is placed in the
// branch of the compound where they live, which must lie in the community they live in. A weekday
// roster keeps at least one sinking cadre in every community each working day.

// MemberStatus is a member's standing.
type MemberStatus string

// Statuses.
const (
	MemberFull         MemberStatus = "full"         // 正式党员
	MemberProbationary MemberStatus = "probationary" // 预备党员
)

// Valid reports whether s is known.
func (s MemberStatus) Valid() bool { return s == MemberFull || s == MemberProbationary }

// MemberStatuses lists the statuses in the order the templates show them.
var MemberStatuses = []MemberStatus{MemberFull, MemberProbationary}

// Label is the Chinese name.
func (s MemberStatus) Label() string {
	return map[MemberStatus]string{MemberFull: "正式党员", MemberProbationary: "预备党员"}[s]
}

// Member is a party member.
type Member struct {
	ID            int64         `json:"id"`
	Name          string        `json:"name"`
	Phone         string        `json:"phone"` // masked
	BranchID      int64         `json:"branch_id"`
	BranchName    string        `json:"branch_name"`
	JoinedOn      string        `json:"joined_on"`
	Status        MemberStatus  `json:"status"`
	Workplace     string        `json:"workplace"` // the organisation the member works in
	InService     bool          `json:"in_service"`
	Sinking       bool          `json:"sinking"`
	ResidenceID   int64         `json:"residence_id"` // the grid or building where the member lives
	ResidenceName string        `json:"residence_name"`
	UserID        *int64        `json:"user_id"`
	Version       int           `json:"version"`
	ResidencePath string        `json:"-"`
	CreatedAt     time.Time     `json:"created_at"`
	Registration  *Registration `json:"registration,omitempty"`
	Weekdays      []int         `json:"weekdays"` // on the roster: 1 Monday … 7 Sunday
	// LeftOn, LeftReason and LeftNote say when and why the member left (MemberLeave); empty
	// while they are a member here.
	LeftOn     string      `json:"left_on,omitempty"`
	LeftReason LeaveReason `json:"left_reason,omitempty"`
	LeftNote   string      `json:"left_note,omitempty"`
}

// NewMember is the input to record a member.
type NewMember struct {
	Name        string       `json:"name"`
	Phone       string       `json:"phone"`
	BranchID    int64        `json:"branch_id"`
	JoinedOn    string       `json:"joined_on"`
	Status      MemberStatus `json:"status"`
	Workplace   string       `json:"workplace"`
	InService   bool         `json:"in_service"`
	Sinking     bool         `json:"sinking"`
	ResidenceID int64        `json:"residence_id"`
	UserID      *int64       `json:"user_id"`
}

// Validate checks what needs no database; today is the current date (CST).
func (m *NewMember) Validate(today string) error {
	m.Name, m.Workplace, m.Phone = strings.TrimSpace(m.Name), strings.TrimSpace(m.Workplace), strings.TrimSpace(m.Phone)
	var v Validator
	CheckName(&v, "name", m.Name)
	v.Check(utf8.RuneCountInString(m.Name) <= MaxStaffName, "name", "max_length", "name must be at most 30 characters")
	v.Check(m.BranchID > 0, "branch_id", "required", "branch_id is required")
	v.Check(m.ResidenceID > 0, "residence_id", "required", "residence_id (the grid or building where the member lives) is required")
	CheckDate(&v, "joined_on", m.JoinedOn)
	v.Check(m.JoinedOn == "" || m.JoinedOn <= today, "joined_on", "not_future", "joined_on cannot be in the future")
	v.Check(m.Status.Valid(), "status", "enum", "status must be full or probationary")
	v.Check(utf8.RuneCountInString(m.Workplace) <= 100 && !HasControl(m.Workplace), "workplace", "max_length", "workplace must be at most 100 characters")
	v.Check(!m.Sinking || m.InService, "sinking", "in_service", "a sinking member is an in-service member")
	return v.Err()
}

// LeaveReason is why a member left the register of their branch.
type LeaveReason string

// Reasons a member leaves.
const (
	LeaveTransferred LeaveReason = "transferred" // 转出 (组织关系转出)
	LeaveAbroad      LeaveReason = "abroad"      // 出国出境
	LeaveDeceased    LeaveReason = "deceased"    // 去世
	LeaveSuspended   LeaveReason = "suspended"   // 停止党籍
	LeaveOther       LeaveReason = "other"       // 其他 (with a note)
)

// LeaveReasons lists the reasons in the order the UI shows them.
var LeaveReasons = []LeaveReason{LeaveTransferred, LeaveAbroad, LeaveDeceased, LeaveSuspended, LeaveOther}

var leaveReasonLabels = map[LeaveReason]string{LeaveTransferred: "转出", LeaveAbroad: "出国出境", LeaveDeceased: "去世", LeaveSuspended: "停止党籍", LeaveOther: "其他"}

// Valid reports whether r is known.
func (r LeaveReason) Valid() bool { _, ok := leaveReasonLabels[r]; return ok }

// Label is the Chinese name.
func (r LeaveReason) Label() string { return leaveReasonLabels[r] }

// MaxLeaveNote bounds the note on a member leaving.
const MaxLeaveNote = 200

// MemberLeave is the input recording that a member left: the day (today when empty; not in the
// future), the reason, and a note (required when the reason is other). A member who left is no
// longer listed, counted in rosters and gaps, nor given posts or 包保; their record stays
// readable, their current posts and 包保 end that day, and the retention purge erases their
// phone once the retention has passed after the day they left.
type MemberLeave struct {
	On     string      `json:"on"`
	Reason LeaveReason `json:"reason"`
	Note   string      `json:"note"`
}

// Validate checks the input; today is the current date (YYYY-MM-DD, China time).
func (l *MemberLeave) Validate(today string) error {
	l.On, l.Note = strings.TrimSpace(l.On), strings.TrimSpace(l.Note)
	if l.On == "" {
		l.On = today
	}
	var v Validator
	CheckDate(&v, "on", l.On)
	v.Check(l.On <= today, "on", "not_future", "the day a member left cannot be in the future")
	v.Check(l.Reason.Valid(), "reason", "enum", "reason must be transferred, abroad, deceased, suspended or other")
	v.Check(l.Reason != LeaveOther || l.Note != "", "note", "required", "a note is required when the reason is other")
	v.Check(utf8.RuneCountInString(l.Note) <= MaxLeaveNote && !HasControl(l.Note), "note", "max_length", "note must be at most 200 characters of text")
	return v.Err()
}

// RegistrationState is where a dual registration stands.
type RegistrationState string

// States.
const (
	RegistrationPending   RegistrationState = "pending"
	RegistrationConfirmed RegistrationState = "confirmed"
)

// Registration is a member's dual registration with the community where they live.
type Registration struct {
	ID            int64             `json:"id"`
	MemberID      int64             `json:"member_id"`
	MemberName    string            `json:"member_name"`
	CommunityID   int64             `json:"community_id"`
	CommunityName string            `json:"community_name"`
	State         RegistrationState `json:"state"`
	RequestedAt   time.Time         `json:"requested_at"`
	ConfirmedOn   string            `json:"confirmed_on,omitempty"`
	DueOn         string            `json:"due_on,omitempty"` // re-registration falls due
	Certificate   string            `json:"certificate,omitempty"`
	VerifyToken   string            `json:"verify_token,omitempty"`
	VerifyURL     string            `json:"verify_url,omitempty"` // what the certificate's QR code opens
	Overdue       bool              `json:"overdue"`
}

// Certificate is what the QR code of a report certificate shows to anyone who scans it.
type Certificate struct {
	Number      string `json:"number"`
	MemberName  string `json:"member_name"` // masked
	Community   string `json:"community"`
	ConfirmedOn string `json:"confirmed_on"`
	DueOn       string `json:"due_on"`
	Valid       bool   `json:"valid"` // confirmed and not yet due
}

// RosterGap is a community with no sinking cadre on a working day.
type RosterGap struct {
	CommunityID   int64  `json:"community_id"`
	CommunityName string `json:"community_name"`
	Date          string `json:"date"`
	Weekday       int    `json:"weekday"` // 1 Monday … 7 Sunday
}
