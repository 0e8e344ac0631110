package redgrid

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Posts and duties (设岗定责, 001: "对市、区组织派遣报到的党员进行了设岗定责") and 包保 (002: the "五个一"
// 包保体系; 004: a village cadre answers for lead households, each for about ten households).
//
// A party member holds posts: a post has a kind from PostKinds (其他 with a free name), the node it
// serves (a community, grid, micro-grid or building), the duties, a start date and an optional
// planned end date. Ending a post keeps it, with the day it was ended, as the member's history.
// A member also answers (包保) for buildings or households. Both are a member's service, and a
// member serves where they belong: in the community they live in — the community a sinking
// member is placed in and an in-service member registers with (双报到) — or in the community of
// their branch (a branch sits at a grid or building of its community). Anywhere else is refused
// with the field named and rule member_community.

// PostKind is the kind of a member's post.
type PostKind string

// The common grassroots posts. A district that needs another kind adds it here (PostKinds,
// postKindLabels) or records it as PostKindOther with a name.
const (
	PostKindPolicy     PostKind = "policy"     // 政策宣传岗
	PostKindSanitation PostKind = "sanitation" // 环境卫生监督岗
	PostKindMutualAid  PostKind = "mutual_aid" // 邻里互助岗
	PostKindMediation  PostKind = "mediation"  // 矛盾调解岗
	PostKindPatrol     PostKind = "patrol"     // 平安巡逻岗
	PostKindCivility   PostKind = "civility"   // 文明劝导岗
	PostKindModel      PostKind = "model"      // 党员示范岗
	PostKindOther      PostKind = "other"      // 其他: the post is named by the community
)

// PostKinds lists the kinds in the order the UI shows them.
var PostKinds = []PostKind{PostKindPolicy, PostKindSanitation, PostKindMutualAid, PostKindMediation, PostKindPatrol, PostKindCivility,
	PostKindModel, PostKindOther}

// RequiredPostKinds are the posts every grid is expected to have filled when the gaps are asked
// for without kinds: information, mediation and safety, the three that grid governance asks of
// party members first.
var RequiredPostKinds = []PostKind{PostKindPolicy, PostKindMediation, PostKindPatrol}

var postKindLabels = map[PostKind]string{PostKindPolicy: "政策宣传岗", PostKindSanitation: "环境卫生监督岗", PostKindMutualAid: "邻里互助岗",
	PostKindMediation: "矛盾调解岗", PostKindPatrol: "平安巡逻岗", PostKindCivility: "文明劝导岗", PostKindModel: "党员示范岗", PostKindOther: "其他"}

// Label is the Chinese name.
func (k PostKind) Label() string { return postKindLabels[k] }

// Valid reports whether k is known.
func (k PostKind) Valid() bool { _, ok := postKindLabels[k]; return ok }

// postKindNames is the list of kinds for error messages.
func postKindNames() string {
	s := make([]string, len(PostKinds))
	for i, k := range PostKinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

// Limits of a post.
const (
	MaxPostName = 30  // characters of an other post's name
	MaxDuties   = 500 // characters of the duties
)

// PostServesKind reports whether a post may serve a node of kind k.
func PostServesKind(k NodeKind) bool {
	return k == KindCommunity || k == KindGrid || k == KindMicrogrid || k == KindBuilding
}

// MemberPost is a post a member holds (or held).
type MemberPost struct {
	ID         int64    `json:"id"`
	MemberID   int64    `json:"member_id"`
	MemberName string   `json:"member_name"`
	Kind       PostKind `json:"kind"`
	KindLabel  string   `json:"kind_label"`
	Name       string   `json:"name"` // the kind's label, or the name of a post of kind other
	NodeID     int64    `json:"node_id"`
	NodeName   string   `json:"node_name"`
	NodeKind   NodeKind `json:"node_kind"`
	Duties     string   `json:"duties"`
	StartsOn   string   `json:"starts_on"`
	EndsOn     *string  `json:"ends_on"`  // the planned last day, if any
	EndedOn    *string  `json:"ended_on"` // the day the post was ended: history from then on
	// Active: not ended, started, and not past its planned last day (today, China time).
	Active    bool      `json:"active"`
	Version   int       `json:"version"`
	Path      string    `json:"-"` // the node's path
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// SetActive computes Active for the day today (YYYY-MM-DD).
func (p *MemberPost) SetActive(today string) {
	p.Active = p.EndedOn == nil && p.StartsOn <= today && (p.EndsOn == nil || *p.EndsOn >= today)
}

// NewMemberPost is the input to give a member a post.
type NewMemberPost struct {
	Kind     PostKind `json:"kind"`
	Name     string   `json:"name"`
	NodeID   int64    `json:"node_id"`
	Duties   string   `json:"duties"`
	StartsOn string   `json:"starts_on"` // YYYY-MM-DD; today when empty
	EndsOn   *string  `json:"ends_on"`
}

// Validate checks what needs no database (trimming the text); today (YYYY-MM-DD, China time) is
// the start when none is given.
func (p *NewMemberPost) Validate(today string) error {
	p.Name, p.Duties, p.StartsOn = strings.TrimSpace(p.Name), strings.TrimSpace(p.Duties), strings.TrimSpace(p.StartsOn)
	if p.StartsOn == "" {
		p.StartsOn = today
	}
	var v Validator
	v.Check(p.Kind.Valid(), "kind", "enum", "kind must be one of "+postKindNames())
	if p.Kind == PostKindOther {
		CheckName(&v, "name", p.Name)
		v.Check(utf8.RuneCountInString(p.Name) <= MaxPostName, "name", "max_length", "name must be at most 30 characters")
	} else {
		v.Check(p.Name == "", "name", "other_only", "only a post of kind other is named; the others are named by their kind")
	}
	v.Check(p.NodeID > 0, "node_id", "required", "node_id (the community, grid, micro-grid or building the post serves) is required")
	v.Check(p.Duties != "", "duties", "required", "duties must not be empty")
	v.Check(utf8.RuneCountInString(p.Duties) <= MaxDuties, "duties", "max_length", "duties must be at most 500 characters")
	lines := strings.NewReplacer("\n", "", "\t", "").Replace(p.Duties) // line breaks and tabs are allowed in duties
	v.Check(!HasControl(lines), "duties", "no_control_chars", "duties must not contain control characters")
	CheckDate(&v, "starts_on", p.StartsOn)
	if p.EndsOn != nil {
		CheckDate(&v, "ends_on", *p.EndsOn)
		v.Check(*p.EndsOn >= p.StartsOn, "ends_on", "after_start", "ends_on cannot be before starts_on")
	}
	return v.Err()
}

// MemberPostPatch is a partial update of a post; nil fields are left alone. ClearEndsOn removes
// the planned end.
type MemberPostPatch struct {
	Kind        *PostKind `json:"kind"`
	Name        *string   `json:"name"`
	NodeID      *int64    `json:"node_id"`
	Duties      *string   `json:"duties"`
	StartsOn    *string   `json:"starts_on"`
	EndsOn      *string   `json:"ends_on"`
	ClearEndsOn bool      `json:"clear_ends_on"`
}

// Validate checks the patch on its own (Apply checks the result).
func (p *MemberPostPatch) Validate() error {
	var v Validator
	v.Check(!(p.ClearEndsOn && p.EndsOn != nil), "ends_on", "conflict", "ends_on and clear_ends_on cannot both be given")
	v.Check(p.StartsOn == nil || strings.TrimSpace(*p.StartsOn) != "", "starts_on", "required", "starts_on must not be empty")
	return v.Err()
}

// Apply returns the post changed by the patch, checked as a new post would be.
func (p MemberPostPatch) Apply(cur MemberPost) (NewMemberPost, error) {
	n := NewMemberPost{Kind: cur.Kind, NodeID: cur.NodeID, Duties: cur.Duties, StartsOn: cur.StartsOn, EndsOn: cur.EndsOn}
	if cur.Kind == PostKindOther {
		n.Name = cur.Name
	}
	if p.Kind != nil {
		n.Kind = *p.Kind
		if n.Kind != PostKindOther && p.Name == nil {
			n.Name = "" // named by the new kind
		}
	}
	if p.Name != nil {
		n.Name = *p.Name
	}
	if p.NodeID != nil {
		n.NodeID = *p.NodeID
	}
	if p.Duties != nil {
		n.Duties = *p.Duties
	}
	if p.StartsOn != nil {
		n.StartsOn = *p.StartsOn
	}
	if p.EndsOn != nil {
		n.EndsOn = p.EndsOn
	}
	if p.ClearEndsOn {
		n.EndsOn = nil
	}
	if err := p.Validate(); err != nil {
		return n, err
	}
	return n, n.Validate(cur.StartsOn) // the patch cannot empty starts_on: the argument is never used
}

// PostGap is a grid or community without an active post of some required kinds.
type PostGap struct {
	NodeID   int64      `json:"node_id"`
	NodeName string     `json:"node_name"`
	NodeCode string     `json:"node_code"`
	NodeKind NodeKind   `json:"node_kind"`
	Missing  []PostKind `json:"missing"`
	Labels   []string   `json:"missing_labels"`
}

// Baobao is a member answering (包保) for a building or for one household of it.
type Baobao struct {
	ID           int64  `json:"id"`
	MemberID     int64  `json:"member_id"`
	MemberName   string `json:"member_name"`
	BuildingID   int64  `json:"building_id"` // the building, or the household's building
	BuildingName string `json:"building_name"`
	HouseholdID  *int64 `json:"household_id"` // null: the whole building
	// Target is what the member answers for, as written on a door: 1号楼, or 1号楼2单元301.
	Target    string    `json:"target"`
	StartsOn  string    `json:"starts_on"`
	EndedOn   *string   `json:"ended_on"`
	Version   int       `json:"version"`
	Path      string    `json:"-"` // the building's path
	CreatedAt time.Time `json:"created_at"`
}

// NewBaobao is the input to make a member answer for a building or a household.
type NewBaobao struct {
	MemberID    int64  `json:"member_id"`
	BuildingID  *int64 `json:"building_id"`
	HouseholdID *int64 `json:"household_id"`
	StartsOn    string `json:"starts_on"` // YYYY-MM-DD; today when empty
}

// Validate checks what needs no database; today (YYYY-MM-DD, China time) is the start when none
// is given.
func (b *NewBaobao) Validate(today string) error {
	b.StartsOn = strings.TrimSpace(b.StartsOn)
	if b.StartsOn == "" {
		b.StartsOn = today
	}
	var v Validator
	v.Check(b.MemberID > 0, "member_id", "required", "member_id is required")
	v.Check((b.BuildingID == nil) != (b.HouseholdID == nil), "building_id", "one_of", "give either building_id or household_id")
	v.Check(b.BuildingID == nil || *b.BuildingID > 0, "building_id", "positive_integer", "building_id must be a positive integer")
	v.Check(b.HouseholdID == nil || *b.HouseholdID > 0, "household_id", "positive_integer", "household_id must be a positive integer")
	CheckDate(&v, "starts_on", b.StartsOn)
	return v.Err()
}

// BaobaoGaps are the buildings and households of a community (or a part of one) that nobody
// answers for: a building without anyone for the whole building, and a household without anyone
// for it or for its building.
type BaobaoGaps struct {
	Buildings       []GapBuilding  `json:"buildings"`
	Households      []GapHousehold `json:"households"` // at most MaxGapHouseholds, in id order
	HouseholdsTotal int            `json:"households_total"`
}

// MaxGapHouseholds bounds the households listed as gaps.
const MaxGapHouseholds = 1000

// GapBuilding is a building nobody answers for.
type GapBuilding struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Code string `json:"code"`
}

// GapHousehold is a household nobody answers for.
type GapHousehold struct {
	ID         int64  `json:"id"`
	BuildingID int64  `json:"building_id"`
	Address    string `json:"address"`
}
