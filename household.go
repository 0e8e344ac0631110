package redgrid

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Households (户). Every household lives in a building (楼栋, a node of the tree) at a unit (单元),
// a floor and a room number (门牌); the building's chart is floors × units. A household may be
// looked after by a lead household (党员中心户, a party organisation of kind lead_household in the
// same grid): "一人联十户", so a lead household looks after at most MaxLedHouseholds.

// Occupancy is how a dwelling is used (人房关系).
type Occupancy string

// Occupancies.
const (
	OccupancyOwner  Occupancy = "owner"  // 自住
	OccupancyRented Occupancy = "rented" // 租住
	OccupancyVacant Occupancy = "vacant" // 空置
	OccupancyShop   Occupancy = "shop"   // 商用
)

// Occupancies lists them in the order the UI and the templates show them.
var Occupancies = []Occupancy{OccupancyOwner, OccupancyRented, OccupancyVacant, OccupancyShop}

var occupancyLabels = map[Occupancy]string{OccupancyOwner: "自住", OccupancyRented: "租住", OccupancyVacant: "空置", OccupancyShop: "商用"}

// Label is the Chinese name.
func (o Occupancy) Label() string { return occupancyLabels[o] }

// Valid reports whether o is known.
func (o Occupancy) Valid() bool { _, ok := occupancyLabels[o]; return ok }

// OccupancyByLabel finds an occupancy by its Chinese name.
func OccupancyByLabel(label string) (Occupancy, bool) {
	for o, l := range occupancyLabels {
		if l == label {
			return o, true
		}
	}
	return "", false
}

// Limits of a household's record.
const (
	MaxUnits         = 99  // units of a building
	MinFloor         = -5  // basements
	MaxFloor         = 200 // floors
	MaxRoom          = 16  // characters of a room number
	MaxHouseholdNote = 500
	MaxLedHouseholds = 15 // households one lead household looks after (about ten, 004)
)

// Household is one dwelling of a building.
type Household struct {
	ID           int64     `json:"id"`
	BuildingID   int64     `json:"building_id"`
	BuildingName string    `json:"building_name"`
	BuildingCode string    `json:"building_code"`
	GridName     string    `json:"grid_name"`
	Unit         int       `json:"unit"`
	Floor        int       `json:"floor"`
	Room         string    `json:"room"`
	Occupancy    Occupancy `json:"occupancy"`
	LeadID       *int64    `json:"lead_id"` // the 党员中心户 looking after it
	LeadName     string    `json:"lead_name,omitempty"`
	Note         string    `json:"note"`
	Version      int       `json:"version"`
	Path         string    `json:"-"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// Address is the household's address as written on a Chinese door: 3栋2单元301.
func (h Household) Address() string {
	return h.BuildingName + strconv.Itoa(h.Unit) + "单元" + h.Room
}

// NewHousehold is the input to record a household.
type NewHousehold struct {
	BuildingID int64     `json:"building_id"`
	Unit       int       `json:"unit"`
	Floor      int       `json:"floor"`
	Room       string    `json:"room"`
	Occupancy  Occupancy `json:"occupancy"`
	LeadID     *int64    `json:"lead_id"`
	Note       string    `json:"note"`
}

// Normalize trims the text fields and defaults the occupancy to owner-occupied.
func (h *NewHousehold) Normalize() {
	h.Room = strings.TrimSpace(h.Room)
	h.Note = strings.TrimSpace(h.Note)
	if h.Occupancy == "" {
		h.Occupancy = OccupancyOwner
	}
}

// Validate checks the record on its own (the building and the lead household are checked by the
// store).
func (h *NewHousehold) Validate() error {
	var v Validator
	h.validate(&v)
	return v.Err()
}

func (h *NewHousehold) validate(v *Validator) {
	v.Check(h.BuildingID > 0, "building_id", "required", "building_id is required")
	v.Check(h.Unit >= 1 && h.Unit <= MaxUnits, "unit", "range", "unit must be between 1 and 99")
	v.Check(h.Floor >= MinFloor && h.Floor <= MaxFloor && h.Floor != 0, "floor", "range", "floor must be between -5 and 200, not 0")
	v.Check(h.Room != "", "room", "required", "room is required")
	v.Check(utf8.RuneCountInString(h.Room) <= MaxRoom, "room", "max_length", "room must be at most 16 characters")
	v.Check(!HasControl(h.Room), "room", "no_control_chars", "room must not contain control characters")
	note := strings.NewReplacer("\n", "", "\t", "").Replace(h.Note) // line breaks and tabs are allowed in a note
	v.Check(!HasControl(note), "note", "no_control_chars", "note must not contain control characters")
	v.Check(h.Occupancy.Valid(), "occupancy", "enum", "occupancy must be one of owner, rented, vacant, shop")
	v.Check(utf8.RuneCountInString(h.Note) <= MaxHouseholdNote, "note", "max_length", "note must be at most 500 characters")
	v.Check(h.LeadID == nil || *h.LeadID > 0, "lead_id", "range", "lead_id must name a lead household")
}

// HouseholdPatch is a partial update; nil fields are left alone. ClearLead removes the lead.
type HouseholdPatch struct {
	Unit      *int       `json:"unit"`
	Floor     *int       `json:"floor"`
	Room      *string    `json:"room"`
	Occupancy *Occupancy `json:"occupancy"`
	LeadID    *int64     `json:"lead_id"`
	ClearLead bool       `json:"clear_lead"`
	Note      *string    `json:"note"`
}

// Validate checks the fields given, each on its own (Apply checks the result).
func (p *HouseholdPatch) Validate() error {
	var v Validator
	if p.Unit != nil {
		v.Check(*p.Unit >= 1 && *p.Unit <= MaxUnits, "unit", "range", "unit must be between 1 and 99")
	}
	if p.Floor != nil {
		v.Check(*p.Floor >= MinFloor && *p.Floor <= MaxFloor && *p.Floor != 0, "floor", "range", "floor must be between -5 and 200, not 0")
	}
	if p.Room != nil {
		r := strings.TrimSpace(*p.Room)
		v.Check(r != "", "room", "required", "room must not be empty")
		v.Check(utf8.RuneCountInString(r) <= MaxRoom && !HasControl(r), "room", "max_length", "room must be at most 16 characters of text")
	}
	if p.Occupancy != nil {
		v.Check(p.Occupancy.Valid(), "occupancy", "enum", "occupancy must be one of owner, rented, vacant, shop")
	}
	v.Check(!(p.ClearLead && p.LeadID != nil), "lead_id", "conflict", "lead_id and clear_lead cannot both be given")
	if p.LeadID != nil {
		v.Check(*p.LeadID > 0, "lead_id", "range", "lead_id must name a lead household")
	}
	if p.Note != nil {
		v.Check(utf8.RuneCountInString(*p.Note) <= MaxHouseholdNote, "note", "max_length", "note must be at most 500 characters")
	}
	return v.Err()
}

// Apply returns h changed by the patch, checked.
func (p HouseholdPatch) Apply(h Household) (NewHousehold, error) {
	n := NewHousehold{BuildingID: h.BuildingID, Unit: h.Unit, Floor: h.Floor, Room: h.Room, Occupancy: h.Occupancy, LeadID: h.LeadID, Note: h.Note}
	if p.Unit != nil {
		n.Unit = *p.Unit
	}
	if p.Floor != nil {
		n.Floor = *p.Floor
	}
	if p.Room != nil {
		n.Room = *p.Room
	}
	if p.Occupancy != nil {
		n.Occupancy = *p.Occupancy
	}
	if p.LeadID != nil {
		n.LeadID = p.LeadID
	}
	if p.ClearLead {
		n.LeadID = nil
	}
	if p.Note != nil {
		n.Note = *p.Note
	}
	n.Normalize()
	var v Validator
	v.Check(!(p.ClearLead && p.LeadID != nil), "lead_id", "conflict", "lead_id and clear_lead cannot both be given")
	n.validate(&v)
	return n, v.Err()
}

// BuildingChart is a building's households as floors × units (楼盘表).
type BuildingChart struct {
	Building Node        `json:"building"`
	Units    int         `json:"units"`  // the declared units, or the highest unit recorded
	Floors   int         `json:"floors"` // the declared floors above ground, or the highest recorded
	Lowest   int         `json:"lowest"` // the lowest floor recorded (basements are negative)
	Cells    []ChartCell `json:"cells"`  // top floor first, then unit
}

// ChartCell is one floor of one unit.
type ChartCell struct {
	Floor      int         `json:"floor"`
	Unit       int         `json:"unit"`
	Households []Household `json:"households"`
}
