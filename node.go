package redgrid

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// NodeKind is a level of the administrative tree 区 → 街道(镇) → 社区(村) → 网格 → 微网格 → 楼栋.
type NodeKind string

// The administrative levels, top down.
const (
	KindDistrict  NodeKind = "district"
	KindStreet    NodeKind = "street"
	KindCommunity NodeKind = "community"
	KindGrid      NodeKind = "grid"
	KindMicrogrid NodeKind = "microgrid"
	KindBuilding  NodeKind = "building"
)

// NodeKinds lists the administrative levels top down.
var NodeKinds = []NodeKind{KindDistrict, KindStreet, KindCommunity, KindGrid, KindMicrogrid, KindBuilding}

// nodeParents says under which kinds a kind may hang. A district is a root. A grid always hangs
// under a community, never directly under a street (product.md §1, issue 3).
var nodeParents = map[NodeKind][]NodeKind{
	KindDistrict:  nil,
	KindStreet:    {KindDistrict},
	KindCommunity: {KindStreet},
	KindGrid:      {KindCommunity},
	KindMicrogrid: {KindGrid},
	KindBuilding:  {KindGrid, KindMicrogrid},
}

// Valid reports whether k is a known kind.
func (k NodeKind) Valid() bool { _, ok := nodeParents[k]; return ok }

// Label is the Chinese name of the level.
func (k NodeKind) Label() string {
	return map[NodeKind]string{KindDistrict: "区", KindStreet: "街道", KindCommunity: "社区",
		KindGrid: "网格", KindMicrogrid: "微网格", KindBuilding: "楼栋"}[k]
}

// CanHangUnder reports whether a node of kind k may have a parent of kind parent; parent "" means
// no parent (a root).
func (k NodeKind) CanHangUnder(parent NodeKind) bool { return hangsUnder(nodeParents, k, parent) }

// hangsUnder applies a table of allowed parents; the zero parent means "a root".
func hangsUnder[K comparable](rules map[K][]K, k, parent K) bool {
	allowed, ok := rules[k]
	if !ok {
		return false
	}
	var root K
	if parent == root {
		return len(allowed) == 0
	}
	for _, a := range allowed {
		if a == parent {
			return true
		}
	}
	return false
}

// Node is one node of the administrative tree. Path is the materialised path of ids
// ("/1/5/23/"), which makes "is X in the subtree of Y" a string prefix test and a subtree an index
// range scan on both engines.
type Node struct {
	ID         int64     `json:"id"`
	Kind       NodeKind  `json:"kind"`
	Code       string    `json:"code"`
	Name       string    `json:"name"`
	ParentID   *int64    `json:"parent_id"`
	Path       string    `json:"path"`
	Depth      int       `json:"depth"`
	Pinyin     string    `json:"pinyin"`
	Initials   string    `json:"initials"`
	ValidFrom  string    `json:"valid_from"`
	ValidTo    *string   `json:"valid_to"`
	Version    int       `json:"version"`
	ChildCount int       `json:"child_count"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// NodeRef is the short form of a node used in breadcrumbs and lists.
type NodeRef struct {
	ID   int64    `json:"id"`
	Kind NodeKind `json:"kind"`
	Name string   `json:"name"`
	Code string   `json:"code"`
}

// NewNode is the input to create a node. Code may be empty: the store then takes the next free
// sequence under the parent.
type NewNode struct {
	Kind      NodeKind `json:"kind"`
	Name      string   `json:"name"`
	ParentID  *int64   `json:"parent_id"`
	Code      string   `json:"code"`
	ValidFrom string   `json:"valid_from"`
}

// NodePatch is a partial update of a node; nil fields are left alone. ValidTo set to the empty
// string clears the end date.
type NodePatch struct {
	Name      *string `json:"name"`
	ParentID  *int64  `json:"parent_id"`
	Code      *string `json:"code"`
	ValidFrom *string `json:"valid_from"`
	ValidTo   *string `json:"valid_to"`
}

// Limits on free text.
const (
	MaxNameRunes = 100
)

// CheckName validates a display name: 1..MaxNameRunes runes after trimming, no control characters.
func CheckName(v *Validator, field, name string) {
	t := strings.TrimSpace(name)
	switch {
	case t == "":
		v.Add(field, "required", field+" must not be empty")
	case utf8.RuneCountInString(t) > MaxNameRunes:
		v.Add(field, "max_length", fmt.Sprintf("%s must be at most %d characters", field, MaxNameRunes))
	case strings.ContainsFunc(t, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		v.Add(field, "no_control_chars", field+" must not contain control characters")
	}
}

// HasControl reports whether s holds a control character (NUL included, which PostgreSQL text
// cannot store) or is not valid UTF-8.
func HasControl(s string) bool {
	return !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f })
}

// CheckDate validates a YYYY-MM-DD calendar date.
func CheckDate(v *Validator, field, s string) {
	if _, err := time.Parse(time.DateOnly, s); err != nil {
		v.Add(field, "date", field+" must be a date YYYY-MM-DD")
	}
}

// Validate checks the parts of a new node that need no database.
func (n *NewNode) Validate(scheme CodeScheme) error {
	var v Validator
	if !n.Kind.Valid() {
		v.Add("kind", "enum", "kind must be one of district, street, community, grid, microgrid, building")
	}
	CheckName(&v, "name", n.Name)
	if n.Kind.Valid() && n.Kind != KindDistrict && n.ParentID == nil {
		v.Add("parent_id", "required", "parent_id is required for a "+string(n.Kind))
	}
	if n.Kind == KindDistrict && n.ParentID != nil {
		v.Add("parent_id", "district_is_root", "a district has no parent")
	}
	if n.Code != "" && n.Kind.Valid() {
		if err := scheme.CheckSegment(n.Kind, n.Code); err != nil {
			v.Add("code", "code_scheme", err.Error())
		}
	}
	if n.ValidFrom != "" {
		CheckDate(&v, "valid_from", n.ValidFrom)
	}
	return v.Err()
}

// Validate checks the parts of a patch that need no database.
func (p *NodePatch) Validate() error {
	var v Validator
	if p.Name != nil {
		CheckName(&v, "name", *p.Name)
	}
	if p.ValidFrom != nil {
		CheckDate(&v, "valid_from", *p.ValidFrom)
	}
	if p.ValidTo != nil && *p.ValidTo != "" {
		CheckDate(&v, "valid_to", *p.ValidTo)
	}
	if p.Code != nil && !allDigits(*p.Code) {
		v.Add("code", "digits", "code must be digits")
	}
	return v.Err()
}

// IsWithin reports whether path lies in the subtree rooted at scope (inclusive).
func IsWithin(path, scope string) bool { return scope != "" && strings.HasPrefix(path, scope) }

// IsBelow reports whether path lies strictly below scope.
func IsBelow(path, scope string) bool { return IsWithin(path, scope) && len(path) > len(scope) }

// PathIDs returns the ids on a materialised path, root first.
func PathIDs(path string) []string {
	return strings.FieldsFunc(path, func(r rune) bool { return r == '/' })
}
