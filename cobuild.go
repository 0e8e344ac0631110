package redgrid

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Co-building (共驻共建, 002). Resident units (驻区单位) sign agreements with communities; and every
// community has its "五个一" linkage: a linked leader (联系领导), a paired unit (结对单位), a
// guiding street cadre (街道指导干部) and, for each of its grids, a responsible community cadre
// (包网社区干部). Communities missing any link are listed.

// Agreement is a co-building agreement between a resident unit and a community.
type Agreement struct {
	ID            int64  `json:"id"`
	OrgID         int64  `json:"org_id"`
	OrgName       string `json:"org_name"`
	CommunityID   int64  `json:"community_id"`
	CommunityName string `json:"community_name"`
	SignedOn      string `json:"signed_on"`
	EndsOn        string `json:"ends_on"`
	Content       string `json:"content"` // the resources and projects agreed (共建项目、资源清单)
	// RenewsID is the agreement this one renews; RenewedByID the agreement that renews this one.
	// Both are set by a renewal (AgreementRenewal), never by the input of an agreement.
	RenewsID    *int64 `json:"renews_id"`
	RenewedByID *int64 `json:"renewed_by_id"`
}

// MaxAgreementContent bounds an agreement's text.
const MaxAgreementContent = 5000

// Validate checks an agreement's own fields.
func (a *Agreement) Validate() error {
	a.Content = strings.TrimSpace(a.Content)
	var v Validator
	v.Check(a.OrgID > 0, "org_id", "required", "org_id is required")
	v.Check(a.CommunityID > 0, "community_id", "required", "community_id is required")
	CheckDate(&v, "signed_on", a.SignedOn)
	CheckDate(&v, "ends_on", a.EndsOn)
	v.Check(a.EndsOn > a.SignedOn, "ends_on", "after_signed", "ends_on must be after signed_on")
	v.Check(a.Content != "", "content", "required", "the content of the agreement is required")
	v.Check(utf8.RuneCountInString(a.Content) <= MaxAgreementContent, "content", "max_length", "content must be at most 5000 characters")
	return v.Err()
}

// Renewal window: an agreement is due for renewal (续签) from RenewalDays before its last day
// until it is renewed; lists ask for a window of 1 to MaxRenewalDays days.
const (
	DefaultRenewalDays = 60
	MaxRenewalDays     = 366
)

// DueAgreement is an agreement due for renewal: ending within the window asked for, or ended,
// and not renewed.
type DueAgreement struct {
	Agreement
	DaysLeft int  `json:"days_left"` // days from today to ends_on; negative once it has ended
	Ended    bool `json:"ended"`     // ends_on is past
}

// DaysUntil is the number of days from today to day (both YYYY-MM-DD): negative when day is
// past, 0 for a malformed date.
func DaysUntil(today, day string) int {
	a, err1 := time.Parse(time.DateOnly, today)
	b, err2 := time.Parse(time.DateOnly, day)
	if err1 != nil || err2 != nil {
		return 0
	}
	return int(b.Sub(a).Hours() / 24)
}

// AgreementRenewal is the input renewing an agreement: the next agreement between the same unit
// and community, linked to the one it renews. An empty content keeps the previous agreement's.
type AgreementRenewal struct {
	SignedOn string `json:"signed_on"`
	EndsOn   string `json:"ends_on"`
	Content  string `json:"content"`
}

// Validate checks the renewal's own fields against the agreement it renews (prev): it must end
// after prev does.
func (r *AgreementRenewal) Validate(prev Agreement) error {
	r.Content = strings.TrimSpace(r.Content)
	if r.Content == "" {
		r.Content = prev.Content
	}
	var v Validator
	CheckDate(&v, "signed_on", r.SignedOn)
	CheckDate(&v, "ends_on", r.EndsOn)
	v.Check(r.EndsOn > r.SignedOn, "ends_on", "after_signed", "ends_on must be after signed_on")
	v.Check(r.EndsOn > prev.EndsOn, "ends_on", "after_previous", "a renewal must end after the agreement it renews ("+prev.EndsOn+")")
	v.Check(utf8.RuneCountInString(r.Content) <= MaxAgreementContent, "content", "max_length", "content must be at most 5000 characters")
	text := strings.NewReplacer("\n", "", "\r", "", "\t", "").Replace(r.Content) // line breaks and tabs are allowed
	v.Check(!HasControl(text), "content", "no_control_chars", "content must not contain control characters")
	return v.Err()
}

// Links is a community's "五个一" linkage.
type Links struct {
	CommunityID int64             `json:"community_id"`
	Leader      string            `json:"leader"`       // 联系领导
	UnitID      *int64            `json:"unit_id"`      // 结对单位 (a resident unit)
	UnitName    string            `json:"unit_name"`    //
	StreetCadre string            `json:"street_cadre"` // 街道指导干部
	GridCadres  map[string]string `json:"grid_cadres"`  // grid id → 包网社区干部
}

// Validate checks the names.
func (l *Links) Validate() error {
	var v Validator
	for _, f := range []struct{ field, value string }{{"leader", l.Leader}, {"street_cadre", l.StreetCadre}} {
		v.Check(utf8.RuneCountInString(f.value) <= MaxStaffName && !HasControl(f.value), f.field, "max_length", f.field+" must be a name of at most 30 characters")
	}
	for g, name := range l.GridCadres {
		v.Check(utf8.RuneCountInString(name) <= MaxStaffName && !HasControl(name), "grid_cadres."+g, "max_length", "a cadre's name is at most 30 characters")
	}
	return v.Err()
}

// LinkGap is a community missing links.
type LinkGap struct {
	CommunityID   int64    `json:"community_id"`
	CommunityName string   `json:"community_name"`
	Missing       []string `json:"missing"` // leader, unit, street_cadre
	GridsWithout  []string `json:"grids_without_cadre"`
}
