package redgrid

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Joint meetings (党建联席会议). A case that climbs the escalation ladder is put on the agenda of
// the next joint meeting of the level it reached (002): the community's, the street's, and above
// the district the city's (the district's root node holds that list). A meeting's record says
// when it was held, who attended, the minutes, and what it decided on each agenda item it took;
// items it did not take stay on the agenda of the next one.

// MeetingLevel is the rung of the ladder whose meetings a node holds: communities hold
// 社区党建联席会议, streets 街道党建联席会议, the district the list for 市级党建联席会议.
func MeetingLevel(k NodeKind) (Level, bool) {
	switch k {
	case KindCommunity:
		return LevelCommunity, true
	case KindStreet:
		return LevelStreet, true
	case KindDistrict:
		return LevelCity, true
	}
	return 0, false
}

// Limits of a meeting's record.
const (
	MaxMeetingTitle     = 100
	MaxMeetingMinutes   = 20000
	MaxMeetingAttendees = 200
	MaxAttendeeName     = 50
	MaxMeetingDecision  = 2000
	MaxMeetingDecisions = 500
)

// NewMeeting is the record of a joint meeting held at a node.
type NewMeeting struct {
	NodeID    int64             `json:"node_id"`
	HeldOn    string            `json:"held_on"` // YYYY-MM-DD (CST)
	Title     string            `json:"title"`
	Attendees []string          `json:"attendees"` // names and the units they represent
	Minutes   string            `json:"minutes"`
	Decisions []MeetingDecision `json:"decisions"`
}

// MeetingDecision is what a meeting decided on one case of its agenda (交办、督办、协调意见).
type MeetingDecision struct {
	CaseID   int64  `json:"case_id"`
	Decision string `json:"decision"`
}

// Validate checks the record; today is the current date (YYYY-MM-DD, CST): a meeting is
// recorded after it was held.
func (m *NewMeeting) Validate(today string) error {
	var v Validator
	v.Check(m.NodeID > 0, "node_id", "required", "node_id is required")
	d, err := time.Parse(time.DateOnly, m.HeldOn)
	v.Check(err == nil, "held_on", "date", "held_on must be a date YYYY-MM-DD")
	if err == nil {
		v.Check(m.HeldOn <= today, "held_on", "not_future", "a meeting is recorded once it has been held")
		v.Check(d.Year() >= 2000, "held_on", "range", "held_on is before 2000")
	}
	m.Title = strings.TrimSpace(m.Title)
	v.Check(m.Title != "", "title", "required", "title is required")
	v.Check(utf8.RuneCountInString(m.Title) <= MaxMeetingTitle, "title", "length", "title is at most 100 characters")
	v.Check(utf8.RuneCountInString(m.Minutes) <= MaxMeetingMinutes, "minutes", "length", "minutes are at most 20000 characters")
	v.Check(len(m.Attendees) <= MaxMeetingAttendees, "attendees", "length", "at most 200 attendees")
	for i, a := range m.Attendees {
		a = strings.TrimSpace(a)
		m.Attendees[i] = a
		v.Check(a != "" && utf8.RuneCountInString(a) <= MaxAttendeeName, "attendees["+strconv.Itoa(i)+"]", "length", "an attendee is 1 to 50 characters")
	}
	v.Check(len(m.Decisions) <= MaxMeetingDecisions, "decisions", "length", "at most 500 decisions")
	seen := map[int64]bool{}
	for i, d := range m.Decisions {
		f := "decisions[" + strconv.Itoa(i) + "]"
		v.Check(d.CaseID > 0, f+".case_id", "required", "case_id is required")
		v.Check(!seen[d.CaseID], f+".case_id", "unique", "a case is decided once per meeting")
		seen[d.CaseID] = true
		m.Decisions[i].Decision = strings.TrimSpace(d.Decision)
		n := utf8.RuneCountInString(m.Decisions[i].Decision)
		v.Check(n > 0 && n <= MaxMeetingDecision, f+".decision", "length", "a decision is 1 to 2000 characters")
	}
	return v.Err()
}

// Meeting is a recorded joint meeting with the agenda items it decided.
type Meeting struct {
	ID        int64         `json:"id"`
	NodeID    int64         `json:"node_id"`
	NodeName  string        `json:"node_name"`
	Level     Level         `json:"level"`
	LevelName string        `json:"level_name"`
	HeldOn    string        `json:"held_on"`
	Title     string        `json:"title"`
	Attendees []string      `json:"attendees"`
	Minutes   string        `json:"minutes"`
	Items     []MeetingItem `json:"items"`
	CreatedBy string        `json:"created_by"`
	CreatedAt time.Time     `json:"created_at"`
}

// MeetingItem is one case a meeting decided on.
type MeetingItem struct {
	CaseID   int64  `json:"case_id"`
	Number   string `json:"number"`
	Reason   string `json:"reason"` // why the case climbed
	Decision string `json:"decision"`
}
