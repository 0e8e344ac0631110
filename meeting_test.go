package redgrid

import (
	"strings"
	"testing"
)

func TestNewMeetingValidate(t *testing.T) {
	ok := func() NewMeeting {
		return NewMeeting{NodeID: 3, HeldOn: "2026-11-20", Title: " 五堰社区党建联席会议 ", Attendees: []string{" 李芳 "},
			Decisions: []MeetingDecision{{CaseID: 7, Decision: " 交物业办理 "}}}
	}
	m := ok()
	if err := m.Validate("2026-11-23"); err != nil {
		t.Fatal(err)
	}
	if m.Title != "五堰社区党建联席会议" || m.Attendees[0] != "李芳" || m.Decisions[0].Decision != "交物业办理" {
		t.Errorf("not trimmed: %+v", m)
	}
	for _, c := range []struct {
		edit        func(*NewMeeting)
		field, rule string
	}{
		{func(m *NewMeeting) { m.HeldOn = "2026-11-24" }, "held_on", "not_future"},
		{func(m *NewMeeting) { m.HeldOn = "2026-13-01" }, "held_on", "date"},
		{func(m *NewMeeting) { m.Title = strings.Repeat("会", 101) }, "title", "length"},
		{func(m *NewMeeting) { m.Attendees = append(m.Attendees, " ") }, "attendees[1]", "length"},
		{func(m *NewMeeting) { m.Decisions = append(m.Decisions, MeetingDecision{CaseID: 7, Decision: "x"}) }, "decisions[1].case_id", "unique"},
		{func(m *NewMeeting) { m.Decisions[0].Decision = "" }, "decisions[0].decision", "length"},
		{func(m *NewMeeting) { m.NodeID = 0 }, "node_id", "required"},
	} {
		m := ok()
		c.edit(&m)
		err := m.Validate("2026-11-23")
		e, _ := err.(*Error)
		if e == nil || len(e.Fields) != 1 || e.Fields[0].Field != c.field || e.Fields[0].Rule != c.rule {
			t.Errorf("want %s/%s, got %v", c.field, c.rule, err)
		}
	}
	for k, want := range map[NodeKind]Level{KindCommunity: LevelCommunity, KindStreet: LevelStreet, KindDistrict: LevelCity} {
		if l, ok := MeetingLevel(k); !ok || l != want {
			t.Errorf("%s holds %v", k, l)
		}
	}
	if _, ok := MeetingLevel(KindGrid); ok {
		t.Error("a grid holds joint meetings")
	}
}
