package redgrid

import "time"

// OrgKind is a kind of organisation beside the two trees.
type OrgKind string

// Organisation kinds (product.md §1).
const (
	OrgDepartment      OrgKind = "department"       // 职能部门
	OrgResidentUnit    OrgKind = "resident_unit"    // 驻区单位 (共驻共建)
	OrgPropertyCompany OrgKind = "property_company" // 物业公司
	OrgOwnersCommittee OrgKind = "owners_committee" // 业委会
	OrgSocial          OrgKind = "social_org"       // 社会组织
	OrgVolunteerTeam   OrgKind = "volunteer_team"   // 志愿服务队
	OrgServiceStation  OrgKind = "service_station"  // 党群服务中心, 网格党群直通站, 志愿服务岗亭
)

// OrgKinds lists every organisation kind.
var OrgKinds = []OrgKind{OrgDepartment, OrgResidentUnit, OrgPropertyCompany, OrgOwnersCommittee, OrgSocial, OrgVolunteerTeam, OrgServiceStation}

// Valid reports whether k is a known organisation kind.
func (k OrgKind) Valid() bool {
	for _, x := range OrgKinds {
		if x == k {
			return true
		}
	}
	return false
}

// Org is an organisation linked to the administrative nodes it serves. HomeNodeID is the level
// that registered and manages it (the district for departments, a community for an owners'
// committee).
type Org struct {
	ID           int64     `json:"id"`
	Kind         OrgKind   `json:"kind"`
	Name         string    `json:"name"`
	CreditCode   *string   `json:"credit_code"`
	HomeNodeID   int64     `json:"home_node_id"`
	HomeNodeName string    `json:"home_node_name"`
	HomePath     string    `json:"-"`
	NodeIDs      []int64   `json:"node_ids"`
	Nodes        []NodeRef `json:"nodes"`
	NodePaths    []string  `json:"-"`
	Contact      string    `json:"contact"`
	Pinyin       string    `json:"pinyin"`
	Initials     string    `json:"initials"`
	ValidFrom    string    `json:"valid_from"`
	ValidTo      *string   `json:"valid_to"`
	Version      int       `json:"version"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// NewOrg is the input to create an organisation.
type NewOrg struct {
	Kind       OrgKind `json:"kind"`
	Name       string  `json:"name"`
	HomeNodeID int64   `json:"home_node_id"`
	NodeIDs    []int64 `json:"node_ids"`
	CreditCode *string `json:"credit_code"`
	Contact    string  `json:"contact"`
	ValidFrom  string  `json:"valid_from"`
}

// OrgPatch is a partial update; nil fields are left alone. NodeIDs replaces the served nodes.
type OrgPatch struct {
	Name       *string  `json:"name"`
	NodeIDs    *[]int64 `json:"node_ids"`
	CreditCode *string  `json:"credit_code"`
	Contact    *string  `json:"contact"`
	ValidTo    *string  `json:"valid_to"`
}

// MaxOrgNodes bounds the nodes one organisation may serve by explicit link.
const MaxOrgNodes = 1000

// Validate checks what needs no database.
func (o *NewOrg) Validate() error {
	var v Validator
	if !o.Kind.Valid() {
		v.Add("kind", "enum", "kind must be one of department, resident_unit, property_company, owners_committee, social_org, volunteer_team, service_station")
	}
	CheckName(&v, "name", o.Name)
	if o.HomeNodeID <= 0 {
		v.Add("home_node_id", "required", "home_node_id is required")
	}
	checkOrgNodes(&v, o.NodeIDs)
	if o.CreditCode != nil && *o.CreditCode != "" && !ValidCreditCode(*o.CreditCode) {
		v.Add("credit_code", "gb32100", "credit_code must be an 18-character unified social credit code with a valid check character (GB 32100)")
	}
	if len([]rune(o.Contact)) > 200 {
		v.Add("contact", "max_length", "contact must be at most 200 characters")
	} else if HasControl(o.Contact) {
		v.Add("contact", "no_control_chars", "contact must not contain control characters")
	}
	if o.ValidFrom != "" {
		CheckDate(&v, "valid_from", o.ValidFrom)
	}
	return v.Err()
}

// Validate checks what needs no database.
func (p *OrgPatch) Validate() error {
	var v Validator
	if p.Name != nil {
		CheckName(&v, "name", *p.Name)
	}
	if p.NodeIDs != nil {
		checkOrgNodes(&v, *p.NodeIDs)
	}
	if p.CreditCode != nil && *p.CreditCode != "" && !ValidCreditCode(*p.CreditCode) {
		v.Add("credit_code", "gb32100", "credit_code must be an 18-character unified social credit code with a valid check character (GB 32100)")
	}
	if p.Contact != nil && len([]rune(*p.Contact)) > 200 {
		v.Add("contact", "max_length", "contact must be at most 200 characters")
	} else if p.Contact != nil && HasControl(*p.Contact) {
		v.Add("contact", "no_control_chars", "contact must not contain control characters")
	}
	if p.ValidTo != nil && *p.ValidTo != "" {
		CheckDate(&v, "valid_to", *p.ValidTo)
	}
	return v.Err()
}

func checkOrgNodes(v *Validator, ids []int64) {
	if len(ids) > MaxOrgNodes {
		v.Add("node_ids", "max_items", "an organisation serves at most 1000 linked nodes")
	}
	seen := map[int64]bool{}
	for _, id := range ids {
		if id <= 0 || seen[id] {
			v.Add("node_ids", "unique_positive", "node_ids must be distinct node ids")
			return
		}
		seen[id] = true
	}
}

// ValidCreditCode checks a unified social credit code (统一社会信用代码, GB 32100-2015): 18
// characters from 0-9 and A-Z without I, O, S, V, Z, the last a check character.
func ValidCreditCode(s string) bool {
	const alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	weights := [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}
	if len(s) != 18 {
		return false
	}
	sum := 0
	for i := 0; i < 17; i++ {
		idx := indexByte(alphabet, s[i])
		if idx < 0 {
			return false
		}
		sum += idx * weights[i]
	}
	check := (31 - sum%31) % 31
	return s[17] == alphabet[check]
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}
