package redgrid

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Residents (居民). Each lives in a household of a building; the ID number and the phone number
// are personal data of the sensitive kind (PIPL Art. 28): encrypted at rest, found by exact value
// through a keyed hash, masked on screen unless the caller unmasks them with a reason. Special-care
// tags (独居老人, 残疾, 低保, 重点人员 …) are seen only by the roles that serve that person.

// Relation is a resident's relation to the head of the household (与户主关系).
type Relation string

// Relations.
const (
	RelationHead   Relation = "head"   // 户主
	RelationSpouse Relation = "spouse" // 配偶
	RelationChild  Relation = "child"  // 子女
	RelationParent Relation = "parent" // 父母
	RelationOther  Relation = "other"  // 其他
)

var relationLabels = map[Relation]string{RelationHead: "户主", RelationSpouse: "配偶", RelationChild: "子女", RelationParent: "父母", RelationOther: "其他"}

// Relations lists them in the order forms show them.
var Relations = []Relation{RelationHead, RelationSpouse, RelationChild, RelationParent, RelationOther}

// Label is the Chinese name.
func (r Relation) Label() string { return relationLabels[r] }

// Valid reports whether r is known.
func (r Relation) Valid() bool { _, ok := relationLabels[r]; return ok }

// RelationByLabel finds a relation by its Chinese name.
func RelationByLabel(label string) (Relation, bool) {
	for r, l := range relationLabels {
		if l == label {
			return r, true
		}
	}
	return "", false
}

// CareTag is a special-care tag.
type CareTag string

// Care tags and who sees them: the grid's staff serve the elderly living alone and the
// disabled; subsistence allowances (低保) are the civil-affairs work of the community and street;
// key persons (重点人员) are followed by the grid leader and the community's comprehensive
// governance staff, never shown to the grid's part-time workers.
const (
	TagElderlyAlone CareTag = "elderly_alone" // 独居老人
	TagDisabled     CareTag = "disabled"      // 残疾
	TagLowIncome    CareTag = "low_income"    // 低保
	TagKeyPerson    CareTag = "key_person"    // 重点人员
	TagVeteran      CareTag = "veteran"       // 退役军人
	TagLeftBehind   CareTag = "left_behind"   // 留守儿童
)

// CareTags lists the tags in order.
var CareTags = []CareTag{TagElderlyAlone, TagDisabled, TagLowIncome, TagKeyPerson, TagVeteran, TagLeftBehind}

var careTagInfo = map[CareTag]struct {
	label string
	roles []Role
}{
	TagElderlyAlone: {"独居老人", []Role{RoleGridWorker, RoleGridLeader, RoleCommunityStaff, RoleStreetOperator, RoleDistrictAdmin}},
	TagDisabled:     {"残疾", []Role{RoleGridWorker, RoleGridLeader, RoleCommunityStaff, RoleStreetOperator, RoleDistrictAdmin}},
	TagLowIncome:    {"低保", []Role{RoleCommunityStaff, RoleStreetOperator, RoleDistrictAdmin}},
	TagKeyPerson:    {"重点人员", []Role{RoleGridLeader, RoleCommunityStaff, RoleStreetOperator, RoleDistrictAdmin}},
	TagVeteran:      {"退役军人", []Role{RoleGridWorker, RoleGridLeader, RoleCommunityStaff, RoleStreetOperator, RoleDistrictAdmin}},
	TagLeftBehind:   {"留守儿童", []Role{RoleGridWorker, RoleGridLeader, RoleCommunityStaff, RoleStreetOperator, RoleDistrictAdmin}},
}

// Label is the Chinese name.
func (t CareTag) Label() string { return careTagInfo[t].label }

// Valid reports whether t is known.
func (t CareTag) Valid() bool { _, ok := careTagInfo[t]; return ok }

// CareTagByLabel finds a tag by its Chinese name.
func CareTagByLabel(label string) (CareTag, bool) {
	for t, i := range careTagInfo {
		if i.label == label {
			return t, true
		}
	}
	return "", false
}

// SeenBy reports whether a holder of role sees the tag.
func (t CareTag) SeenBy(role Role) bool {
	for _, r := range careTagInfo[t].roles {
		if r == role {
			return true
		}
	}
	return false
}

// Limits of a resident's record.
const (
	MaxResidentName = 30
	MaxResidentNote = 500
)

// Resident is one person of the register. IDNumber and Phone are masked unless Masked is false.
type Resident struct {
	ID           int64     `json:"id"`
	HouseholdID  int64     `json:"household_id"`
	Address      string    `json:"address"` // 3栋2单元301
	Name         string    `json:"name"`
	Initials     string    `json:"initials"`
	Gender       string    `json:"gender"`     // male, female (from the ID number)
	BirthDate    string    `json:"birth_date"` // YYYY-MM-DD (from the ID number)
	IDNumber     string    `json:"id_number"`
	Phone        string    `json:"phone"`
	Masked       bool      `json:"masked"`
	Relation     Relation  `json:"relation"`
	Tags         []CareTag `json:"tags"` // only those the caller's roles see
	Note         string    `json:"note"`
	Version      int       `json:"version"`
	Path         string    `json:"-"`
	BuildingPath string    `json:"-"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	// LeftOn is the day the resident moved out or was removed from the register (YYYY-MM-DD);
	// the personal data is erased once the retention has passed (Retention).
	LeftOn string `json:"left_on,omitempty"`
}

// NewResident is the input to record a resident.
type NewResident struct {
	HouseholdID int64     `json:"household_id"`
	Name        string    `json:"name"`
	IDNumber    string    `json:"id_number"`
	Phone       string    `json:"phone"`
	Relation    Relation  `json:"relation"`
	Tags        []CareTag `json:"tags"`
	Note        string    `json:"note"`
}

// Normalize trims the text and defaults the relation.
func (r *NewResident) Normalize() {
	r.Name = strings.TrimSpace(r.Name)
	r.IDNumber = strings.TrimSpace(r.IDNumber)
	r.Phone = strings.TrimSpace(r.Phone)
	r.Note = strings.TrimSpace(r.Note)
	if r.Relation == "" {
		r.Relation = RelationOther
	}
}

// Validate checks what needs no database and no key (the ID number's rules are checked by the
// caller with pii.ParseID, the phone with pii.NormalizePhone).
func (r *NewResident) Validate() error {
	var v Validator
	v.Check(r.HouseholdID > 0, "household_id", "required", "household_id is required")
	CheckName(&v, "name", r.Name)
	v.Check(utf8.RuneCountInString(r.Name) <= MaxResidentName, "name", "max_length", "name must be at most 30 characters")
	v.Check(r.Relation.Valid(), "relation", "enum", "relation must be one of head, spouse, child, parent, other")
	seen := map[CareTag]bool{}
	for _, t := range r.Tags {
		v.Check(t.Valid(), "tags", "enum", "tags must be among elderly_alone, disabled, low_income, key_person, veteran, left_behind")
		v.Check(!seen[t], "tags", "unique", "a tag is given twice")
		seen[t] = true
	}
	v.Check(utf8.RuneCountInString(r.Note) <= MaxResidentNote, "note", "max_length", "note must be at most 500 characters")
	return v.Err()
}

// ResidentPatch is a partial update; nil fields are left alone. The ID number is not changed by
// a patch (a wrong one is corrected by recording the person again and removing the record).
type ResidentPatch struct {
	HouseholdID *int64     `json:"household_id"`
	Name        *string    `json:"name"`
	Phone       *string    `json:"phone"`
	Relation    *Relation  `json:"relation"`
	Tags        *[]CareTag `json:"tags"`
	Note        *string    `json:"note"`
}

// Validate checks what it can on its own (Apply checks the result).
func (p *ResidentPatch) Validate() error { return nil }

// Apply returns r changed by the patch, as the input of a record.
func (p ResidentPatch) Apply(r Resident, idNumber string) NewResident {
	n := NewResident{HouseholdID: r.HouseholdID, Name: r.Name, IDNumber: idNumber, Phone: r.Phone, Relation: r.Relation, Tags: r.Tags, Note: r.Note}
	if p.HouseholdID != nil {
		n.HouseholdID = *p.HouseholdID
	}
	if p.Name != nil {
		n.Name = *p.Name
	}
	if p.Phone != nil {
		n.Phone = *p.Phone
	}
	if p.Relation != nil {
		n.Relation = *p.Relation
	}
	if p.Tags != nil {
		n.Tags = *p.Tags
	}
	if p.Note != nil {
		n.Note = *p.Note
	}
	n.Normalize()
	return n
}
