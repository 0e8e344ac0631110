package redgrid

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Volunteers (志愿者). Each registered volunteer gets a unified volunteer number (志愿者编号),
// shown wherever an ID number would otherwise be; the ID number itself is sealed and never shown
// in lists. The seven colours of 002 say what a volunteer serves. The service record keeps what
// Art. 19 of the 志愿服务条例 asks: identity, service hours and content, training, awards and
// evaluations.

// Colour is one of the seven colours of volunteer service (七彩志愿).
type Colour string

// The seven colours.
const (
	ColourElderly  Colour = "elderly"  // 关爱老人 (红)
	ColourCulture  Colour = "culture"  // 文化体育 (橙)
	ColourLivehood Colour = "welfare"  // 民生事务 (黄)
	ColourYouth    Colour = "youth"    // 关心下一代 (绿)
	ColourSecurity Colour = "security" // 治安维稳 (青)
	ColourLaw      Colour = "law"      // 政策法规 (蓝)
	ColourWomen    Colour = "women"    // 妇女维权 (紫)
)

// Colours lists them in the order of the rainbow they are named after.
var Colours = []Colour{ColourElderly, ColourCulture, ColourLivehood, ColourYouth, ColourSecurity, ColourLaw, ColourWomen}

var colourLabels = map[Colour]string{ColourElderly: "关爱老人", ColourCulture: "文化体育", ColourLivehood: "民生事务", ColourYouth: "关心下一代",
	ColourSecurity: "治安维稳", ColourLaw: "政策法规", ColourWomen: "妇女维权"}

// Label is the Chinese name.
func (c Colour) Label() string { return colourLabels[c] }

// Valid reports whether c is one of the seven.
func (c Colour) Valid() bool { _, ok := colourLabels[c]; return ok }

// Volunteer is a registered volunteer.
type Volunteer struct {
	ID           int64     `json:"id"`
	Number       string    `json:"number"` // 志愿者编号, e.g. ZY42030200000012
	Name         string    `json:"name"`
	Phone        string    `json:"phone"` // masked
	NodeID       int64     `json:"node_id"`
	NodeName     string    `json:"node_name"`
	TeamID       *int64    `json:"team_id"`
	TeamName     string    `json:"team_name,omitempty"`
	Colours      []Colour  `json:"colours"`
	RegisteredOn string    `json:"registered_on"`
	Hours        float64   `json:"hours"` // service hours recorded
	Version      int       `json:"version"`
	Path         string    `json:"-"`
	CreatedAt    time.Time `json:"created_at"`
	// LeftOn is the day the volunteer deregistered (YYYY-MM-DD).
	LeftOn string `json:"left_on,omitempty"`
	// StationID is the service station or kiosk the volunteer is attached to.
	StationID   *int64 `json:"station_id"`
	StationName string `json:"station_name,omitempty"`
}

// NewVolunteer is the input to register a volunteer.
type NewVolunteer struct {
	NodeID   int64    `json:"node_id"` // the community (or grid) the volunteer serves in
	Name     string   `json:"name"`
	IDNumber string   `json:"id_number"`
	Phone    string   `json:"phone"`
	TeamID   *int64   `json:"team_id"` // a volunteer_team organisation
	Colours  []Colour `json:"colours"`
}

// Validate checks what needs no database.
func (v *NewVolunteer) Validate() error {
	v.Name, v.IDNumber, v.Phone = strings.TrimSpace(v.Name), strings.TrimSpace(v.IDNumber), strings.TrimSpace(v.Phone)
	var c Validator
	c.Check(v.NodeID > 0, "node_id", "required", "node_id is required")
	CheckName(&c, "name", v.Name)
	c.Check(utf8.RuneCountInString(v.Name) <= MaxResidentName, "name", "max_length", "name must be at most 30 characters")
	c.Check(v.IDNumber != "", "id_number", "required", "a volunteer registers with the ID number (it is sealed and never shown; the volunteer number is)")
	c.Check(len(v.Colours) > 0, "colours", "required", "at least one of the seven colours")
	seen := map[Colour]bool{}
	for _, col := range v.Colours {
		c.Check(col.Valid(), "colours", "enum", "colours must be among elderly, culture, welfare, youth, security, law, women")
		c.Check(!seen[col], "colours", "unique", "a colour is given twice")
		seen[col] = true
	}
	return c.Err()
}

// ServiceKind is what a line of the service record is (志愿服务条例 Art. 19).
type ServiceKind string

// Kinds of service record lines.
const (
	ServiceHours      ServiceKind = "service"    // 服务时长与内容
	ServiceTraining   ServiceKind = "training"   // 培训
	ServiceAward      ServiceKind = "award"      // 表彰奖励
	ServiceEvaluation ServiceKind = "evaluation" // 评价
)

// Valid reports whether k is known.
func (k ServiceKind) Valid() bool {
	switch k {
	case ServiceHours, ServiceTraining, ServiceAward, ServiceEvaluation:
		return true
	}
	return false
}

// Limits of a service record line.
const (
	MaxServiceHours   = 24
	MaxServiceContent = 500
)

// ServiceRecord is one line of a volunteer's record.
type ServiceRecord struct {
	ID          int64       `json:"id"`
	VolunteerID int64       `json:"volunteer_id"`
	Kind        ServiceKind `json:"kind"`
	On          string      `json:"on"` // YYYY-MM-DD
	Hours       float64     `json:"hours"`
	Content     string      `json:"content"`
	StationID   *int64      `json:"station_id"` // where the service was given
	StationName string      `json:"station_name,omitempty"`
	RecordedBy  string      `json:"recorded_by"`
	CreatedAt   time.Time   `json:"created_at"`
}

// NewServiceRecord is the input of a record line.
type NewServiceRecord struct {
	Kind      ServiceKind `json:"kind"`
	On        string      `json:"on"`
	Hours     float64     `json:"hours"`
	Content   string      `json:"content"`
	StationID *int64      `json:"station_id"` // the station where the service was given (service lines)
}

// Validate checks the line; today is the current date (YYYY-MM-DD, CST): service is recorded
// after it is given.
func (r *NewServiceRecord) Validate(today string) error {
	r.Content = strings.TrimSpace(r.Content)
	var v Validator
	v.Check(r.Kind.Valid(), "kind", "enum", "kind must be service, training, award or evaluation")
	CheckDate(&v, "on", r.On)
	v.Check(r.On == "" || r.On <= today, "on", "not_future", "a record is of what has happened")
	if r.Kind == ServiceHours {
		v.Check(r.Hours > 0 && r.Hours <= MaxServiceHours, "hours", "range", "hours must be more than 0 and at most 24 a day")
	} else {
		v.Check(r.Hours == 0, "hours", "service_only", "only a service line has hours")
	}
	v.Check(r.StationID == nil || r.Kind == ServiceHours, "station_id", "service_only", "only a service line names the station where it was given")
	v.Check(r.StationID == nil || *r.StationID > 0, "station_id", "positive_integer", "station_id must be a positive integer")
	v.Check(r.Content != "", "content", "required", "content is required")
	v.Check(utf8.RuneCountInString(r.Content) <= MaxServiceContent && !HasControl(r.Content), "content", "max_length", "content must be at most 500 characters of text")
	return v.Err()
}

// Volunteer service stations (志愿服务站) and kiosks (志愿服务岗亭, 服务点; 002: "10个志愿服务岗亭"):
// each at a community or a grid, with an address, opening hours and a contact. Volunteer teams
// and volunteers are attached to stations; a line of a volunteer's service record may name the
// station where the service was given. Communities with no station (at the community or any of
// its grids) are listed as gaps.

// StationKind is a station or a kiosk.
type StationKind string

// Kinds of stations.
const (
	StationStation StationKind = "station" // 志愿服务站
	StationKiosk   StationKind = "kiosk"   // 志愿服务岗亭 / 服务点
)

var stationKindLabels = map[StationKind]string{StationStation: "志愿服务站", StationKiosk: "志愿服务岗亭"}

// Valid reports whether k is known.
func (k StationKind) Valid() bool { _, ok := stationKindLabels[k]; return ok }

// Label is the Chinese name.
func (k StationKind) Label() string { return stationKindLabels[k] }

// Limits of a station's text.
const (
	MaxStationName    = 50
	MaxStationAddress = 100
	MaxStationHours   = 100
	MaxStationContact = 50
	MaxStationTeams   = 100
)

// Station is a volunteer service station or kiosk.
type Station struct {
	ID        int64         `json:"id"`
	NodeID    int64         `json:"node_id"`
	NodeName  string        `json:"node_name"`
	NodeKind  NodeKind      `json:"node_kind"`
	Name      string        `json:"name"`
	Kind      StationKind   `json:"kind"`
	KindLabel string        `json:"kind_label"`
	Address   string        `json:"address"`
	Hours     string        `json:"hours"` // opening hours, as text: 周一至周五 8:30-17:30
	Contact   string        `json:"contact"`
	Teams     []StationTeam `json:"teams"`
	// Volunteers counts the current volunteers attached to the station, directly or through
	// one of its teams (each once).
	Volunteers int       `json:"volunteers"`
	Version    int       `json:"version"`
	Path       string    `json:"-"` // the node's path
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// StationTeam is a volunteer team attached to a station.
type StationTeam struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// NewStation is the input to record a station.
type NewStation struct {
	NodeID  int64       `json:"node_id"`
	Name    string      `json:"name"`
	Kind    StationKind `json:"kind"`
	Address string      `json:"address"`
	Hours   string      `json:"hours"`
	Contact string      `json:"contact"`
}

// Validate checks what needs no database (trimming the text).
func (s *NewStation) Validate() error {
	s.Name, s.Address, s.Hours, s.Contact = strings.TrimSpace(s.Name), strings.TrimSpace(s.Address), strings.TrimSpace(s.Hours), strings.TrimSpace(s.Contact)
	var v Validator
	v.Check(s.NodeID > 0, "node_id", "required", "node_id (the community or grid of the station) is required")
	CheckName(&v, "name", s.Name)
	v.Check(utf8.RuneCountInString(s.Name) <= MaxStationName, "name", "max_length", "name must be at most 50 characters")
	v.Check(s.Kind.Valid(), "kind", "enum", "kind must be station or kiosk")
	for _, f := range []struct {
		field, value string
		max          int
	}{{"address", s.Address, MaxStationAddress}, {"hours", s.Hours, MaxStationHours}, {"contact", s.Contact, MaxStationContact}} {
		v.Check(utf8.RuneCountInString(f.value) <= f.max && !HasControl(f.value), f.field, "max_length",
			f.field+" must be at most "+strconv.Itoa(f.max)+" characters of text")
	}
	return v.Err()
}

// StationPatch is a partial update of a station; nil fields are left alone. The node is not
// changed: a station that moves is closed and recorded anew.
type StationPatch struct {
	Name    *string      `json:"name"`
	Kind    *StationKind `json:"kind"`
	Address *string      `json:"address"`
	Hours   *string      `json:"hours"`
	Contact *string      `json:"contact"`
}

// Validate checks the patch on its own (Apply checks the result).
func (p *StationPatch) Validate() error { return nil }

// Apply returns the station changed by the patch, checked as a new station would be.
func (p StationPatch) Apply(cur Station) (NewStation, error) {
	n := NewStation{NodeID: cur.NodeID, Name: cur.Name, Kind: cur.Kind, Address: cur.Address, Hours: cur.Hours, Contact: cur.Contact}
	for _, f := range []struct {
		dst *string
		src *string
	}{{&n.Name, p.Name}, {&n.Address, p.Address}, {&n.Hours, p.Hours}, {&n.Contact, p.Contact}} {
		if f.src != nil {
			*f.dst = *f.src
		}
	}
	if p.Kind != nil {
		n.Kind = *p.Kind
	}
	return n, n.Validate()
}

// StationTeams is the input setting the teams attached to a station.
type StationTeams struct {
	TeamIDs []int64 `json:"team_ids"`
}

// Validate checks the list: positive ids, each once, at most MaxStationTeams.
func (t *StationTeams) Validate() error {
	var v Validator
	v.Check(t.TeamIDs != nil, "team_ids", "required", "team_ids is required (an empty list detaches every team)")
	v.Check(len(t.TeamIDs) <= MaxStationTeams, "team_ids", "max_items", "at most 100 teams")
	seen := map[int64]bool{}
	for _, id := range t.TeamIDs {
		v.Check(id > 0, "team_ids", "positive_integer", "team ids are positive integers")
		v.Check(!seen[id], "team_ids", "unique", "a team is given twice")
		seen[id] = true
	}
	return v.Err()
}

// VolunteerStation is the input attaching a volunteer to a station (null or absent detaches).
type VolunteerStation struct {
	StationID *int64 `json:"station_id"`
}

// Validate checks the id.
func (v *VolunteerStation) Validate() error {
	var c Validator
	c.Check(v.StationID == nil || *v.StationID > 0, "station_id", "positive_integer", "station_id must be a positive integer")
	return c.Err()
}

// StationGap is a community with no volunteer station or kiosk.
type StationGap struct {
	CommunityID   int64  `json:"community_id"`
	CommunityName string `json:"community_name"`
	CommunityCode string `json:"community_code"`
}
