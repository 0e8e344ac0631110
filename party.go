package redgrid

import "time"

// PartyKind is a level of the party tree 区委 → 街道党工委 → 社区党委 → 网格党支部 → 楼栋党小组 →
// 党员中心户 (product.md §1; 001, 002, 004 "五级组织架构").
type PartyKind string

// Party organisation levels, top down.
const (
	PartyDistrictCommittee  PartyKind = "district_committee"  // 区委
	PartyStreetCommittee    PartyKind = "street_committee"    // 街道党工委(大工委)
	PartyCommunityCommittee PartyKind = "community_committee" // 社区党委(大党委)
	PartyBranch             PartyKind = "branch"              // 网格(小区)党支部, also 临时党支部
	PartyGroup              PartyKind = "group"               // 楼栋党小组
	PartyLeadHousehold      PartyKind = "lead_household"      // 党员中心户
)

// partyParents says under which party kinds a kind may hang, and partyLeads which administrative
// kinds it may lead. A branch may also hang directly under a street committee: property-company
// and temporary branches (001, 002) are set up at street level too.
var (
	partyParents = map[PartyKind][]PartyKind{
		PartyDistrictCommittee:  nil,
		PartyStreetCommittee:    {PartyDistrictCommittee},
		PartyCommunityCommittee: {PartyStreetCommittee},
		PartyBranch:             {PartyCommunityCommittee, PartyStreetCommittee},
		PartyGroup:              {PartyBranch},
		PartyLeadHousehold:      {PartyGroup, PartyBranch},
	}
	partyLeads = map[PartyKind][]NodeKind{
		PartyDistrictCommittee:  {KindDistrict},
		PartyStreetCommittee:    {KindStreet},
		PartyCommunityCommittee: {KindCommunity},
		PartyBranch:             {KindCommunity, KindGrid, KindMicrogrid, KindStreet},
		PartyGroup:              {KindGrid, KindMicrogrid, KindBuilding},
		PartyLeadHousehold:      {KindMicrogrid, KindBuilding, KindGrid},
	}
)

// Valid reports whether k is a known party kind.
func (k PartyKind) Valid() bool { _, ok := partyParents[k]; return ok }

// CanHangUnder reports whether an organisation of kind k may sit under parent ("" = root).
func (k PartyKind) CanHangUnder(parent PartyKind) bool { return hangsUnder(partyParents, k, parent) }

// CanLead reports whether an organisation of kind k may be linked to an administrative node of kind n.
func (k PartyKind) CanLead(n NodeKind) bool {
	for _, a := range partyLeads[k] {
		if a == n {
			return true
		}
	}
	return false
}

// PartyOrg is one organisation of the party tree, linked to the administrative node it leads.
type PartyOrg struct {
	ID         int64     `json:"id"`
	Kind       PartyKind `json:"kind"`
	Name       string    `json:"name"`
	ParentID   *int64    `json:"parent_id"`
	Path       string    `json:"path"`
	Depth      int       `json:"depth"`
	NodeID     int64     `json:"node_id"`
	NodeName   string    `json:"node_name"`
	NodePath   string    `json:"-"`
	Temporary  bool      `json:"temporary"`
	EndsOn     *string   `json:"ends_on"`
	Pinyin     string    `json:"pinyin"`
	Initials   string    `json:"initials"`
	ValidFrom  string    `json:"valid_from"`
	ValidTo    *string   `json:"valid_to"`
	Version    int       `json:"version"`
	ChildCount int       `json:"child_count"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// NewPartyOrg is the input to create a party organisation.
type NewPartyOrg struct {
	Kind      PartyKind `json:"kind"`
	Name      string    `json:"name"`
	ParentID  *int64    `json:"parent_id"`
	NodeID    int64     `json:"node_id"`
	Temporary bool      `json:"temporary"`
	EndsOn    *string   `json:"ends_on"`
	ValidFrom string    `json:"valid_from"`
}

// PartyOrgPatch is a partial update; nil fields are left alone.
type PartyOrgPatch struct {
	Name      *string `json:"name"`
	ParentID  *int64  `json:"parent_id"`
	NodeID    *int64  `json:"node_id"`
	Temporary *bool   `json:"temporary"`
	EndsOn    *string `json:"ends_on"`
	ValidFrom *string `json:"valid_from"`
	ValidTo   *string `json:"valid_to"`
}

// Validate checks what needs no database. A temporary organisation (临时党支部) must say when it
// ends; a permanent one has no end date.
func (p *NewPartyOrg) Validate() error {
	var v Validator
	if !p.Kind.Valid() {
		v.Add("kind", "enum", "kind must be one of district_committee, street_committee, community_committee, branch, group, lead_household")
	}
	CheckName(&v, "name", p.Name)
	if p.Kind.Valid() && p.Kind != PartyDistrictCommittee && p.ParentID == nil {
		v.Add("parent_id", "required", "parent_id is required for a "+string(p.Kind))
	}
	if p.NodeID <= 0 {
		v.Add("node_id", "required", "node_id (the administrative node it leads) is required")
	}
	checkTemporary(&v, p.Temporary, p.EndsOn)
	if p.ValidFrom != "" {
		CheckDate(&v, "valid_from", p.ValidFrom)
	}
	return v.Err()
}

// Validate checks what needs no database.
func (p *PartyOrgPatch) Validate() error {
	var v Validator
	if p.Name != nil {
		CheckName(&v, "name", *p.Name)
	}
	if p.EndsOn != nil && *p.EndsOn != "" {
		CheckDate(&v, "ends_on", *p.EndsOn)
	}
	if p.ValidFrom != nil {
		CheckDate(&v, "valid_from", *p.ValidFrom)
	}
	if p.ValidTo != nil && *p.ValidTo != "" {
		CheckDate(&v, "valid_to", *p.ValidTo)
	}
	return v.Err()
}

// CheckTemporary validates the temporary/ends_on pair of a party organisation after a change.
func CheckTemporary(temporary bool, endsOn *string) error {
	var v Validator
	checkTemporary(&v, temporary, endsOn)
	return v.Err()
}

func checkTemporary(v *Validator, temporary bool, endsOn *string) {
	switch {
	case temporary && (endsOn == nil || *endsOn == ""):
		v.Add("ends_on", "required_if_temporary", "a temporary party organisation needs an end date")
	case !temporary && endsOn != nil && *endsOn != "":
		v.Add("ends_on", "only_if_temporary", "only a temporary party organisation has an end date")
	case endsOn != nil && *endsOn != "":
		CheckDate(v, "ends_on", *endsOn)
	}
}
