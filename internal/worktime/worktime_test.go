package worktime

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// The 2025 National Day and Mid-Autumn holiday as the State Council announced it (国办发明电
// 〔2024〕12号): 1–8 October off, Sunday 28 September and Saturday 11 October worked.
const national2025 = `
# 2025 国庆节、中秋节
2025-10-01~2025-10-08 休
2025-09-28 班   # Sunday
2025-10-11 班   # Saturday
`

func calendar(t *testing.T) *Calendar {
	t.Helper()
	ps, err := ParsePeriods("09:00-12:00, 13:30-17:30")
	if err != nil {
		t.Fatal(err)
	}
	off, work, err := ParseHolidays(strings.NewReader(national2025))
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(ps, off, work)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, CST)
	if err != nil {
		panic(err)
	}
	return t
}

func TestAdd(t *testing.T) {
	c := calendar(t)
	if c.DayLength() != 7*time.Hour {
		t.Fatalf("day length %v", c.DayLength())
	}
	for _, tc := range []struct {
		from string
		d    time.Duration
		want string
	}{
		{"2025-09-22 10:00", time.Hour, "2025-09-22 11:00"},          // inside the morning
		{"2025-09-22 11:30", time.Hour, "2025-09-22 14:00"},          // across lunch
		{"2025-09-22 12:30", time.Hour, "2025-09-22 14:30"},          // starting in the lunch break
		{"2025-09-22 07:00", 30 * time.Minute, "2025-09-22 09:30"},   // before the office opens
		{"2025-09-26 17:00", 2 * time.Hour, "2025-09-28 10:30"},      // Friday → the make-up Sunday
		{"2025-09-30 16:30", 2 * time.Hour, "2025-10-09 10:00"},      // over the eight days off
		{"2025-10-10 17:00", time.Hour, "2025-10-11 09:30"},          // Friday → the make-up Saturday
		{"2025-10-11 17:30", time.Hour, "2025-10-13 10:00"},          // then the normal weekend
		{"2025-09-22 10:00", 0, "2025-09-22 10:00"},                  // nothing to add
		{"2025-09-22 12:00", 3 * time.Hour, "2025-09-22 16:30"},      // exactly at a period end
		{"2025-09-22 17:30", 7 * time.Hour, "2025-09-23 17:30"},      // a full day from closing time
		{"2025-09-22 10:00", 20 * 7 * time.Hour, "2025-10-24 10:00"}, // 20 working days: both make-up days count, none of the eight days off
	} {
		got, err := c.Add(at(tc.from), tc.d)
		if err != nil || !got.Equal(at(tc.want)) {
			t.Errorf("%s + %v = %s (%v), want %s", tc.from, tc.d, got.Format("2006-01-02 15:04 Mon"), err, tc.want)
		}
	}
	// A start in another zone is read as the same instant.
	utc := at("2025-09-22 11:30").UTC()
	if got, _ := c.Add(utc, time.Hour); !got.Equal(at("2025-09-22 14:00")) {
		t.Errorf("UTC start: %v", got)
	}
	if got, _ := c.AddDays(at("2025-09-26 10:00"), 1); !got.Equal(at("2025-09-28 10:00")) {
		t.Errorf("one working day from Friday: %v", got)
	}
	if _, err := c.Add(at("2025-09-22 10:00"), -time.Minute); err == nil {
		t.Error("negative duration accepted")
	}
}

func TestBetweenInvertsAdd(t *testing.T) {
	c := calendar(t)
	r := rand.New(rand.NewPCG(1, 2))
	base := at("2025-09-01 00:00")
	for range 2000 {
		start := base.Add(time.Duration(r.IntN(60*24*60)) * time.Minute)
		d := time.Duration(r.IntN(30*7*60)) * time.Minute
		end, err := c.Add(start, d)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.Between(start, end); got != d {
			t.Fatalf("Between(%s, Add(+%v) = %s) = %v", start, d, end, got)
		}
	}
	if c.Between(at("2025-09-22 10:00"), at("2025-09-22 09:00")) != 0 {
		t.Error("a backwards range has working time")
	}
	// Over the whole holiday nothing is counted.
	if got := c.Between(at("2025-10-01 00:00"), at("2025-10-09 00:00")); got != 0 {
		t.Errorf("holiday working time %v", got)
	}
}

func TestWorkingDays(t *testing.T) {
	c := calendar(t)
	for day, want := range map[string]bool{
		"2025-09-26 12:00": true,  // Friday
		"2025-09-27 12:00": false, // Saturday
		"2025-09-28 12:00": true,  // make-up Sunday
		"2025-10-01 12:00": false, // National Day
		"2025-10-08 12:00": false, // last day off
		"2025-10-09 12:00": true,
		"2025-10-11 12:00": true, // make-up Saturday
	} {
		if got := c.IsWorkingDay(at(day)); got != want {
			t.Errorf("%s working: %v, want %v", day, got, want)
		}
	}
}

func TestBadCalendars(t *testing.T) {
	for _, s := range []string{"", "9-12", "09:00-08:00", "09:00-12:00,11:00-13:00", "25:00-26:00"} {
		ps, err := ParsePeriods(s)
		if err == nil {
			_, err = New(ps, nil, nil)
		}
		if err == nil {
			t.Errorf("periods %q accepted", s)
		}
	}
	d := Date{2025, 10, 1}
	if _, err := New([]Period{{540, 720}}, []Date{d}, []Date{d}); err == nil {
		t.Error("a day both off and worked was accepted")
	}
	// Every weekday a holiday for years: no working time, an error instead of an endless search.
	var all []Date
	for x := at("2025-01-01 00:00"); x.Year() < 2036; x = x.AddDate(0, 0, 1) {
		all = append(all, dateOf(x))
	}
	c, err := New([]Period{{540, 720}}, all, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Add(at("2025-01-02 10:00"), time.Hour); err != ErrNoWorkingTime {
		t.Errorf("no working time: %v", err)
	}
	for _, line := range []string{
		"2025-10-01 假", "2025-13-01 休", "2025-10-01~2025-09-01 休", "2025-01-01~2025-03-01 休",
		"2025-10-01~2025-10-03 班", "2025-10-01", "2025-10-01 休 extra",
	} {
		if _, _, err := ParseHolidays(strings.NewReader(line)); err == nil || !strings.Contains(err.Error(), "line 1") {
			t.Errorf("holiday line %q: %v", line, err)
		}
	}
}

// FuzzParseHolidays: a holiday file is configuration from outside; no input may panic, and what
// parses builds a calendar or is refused with an error.
func FuzzParseHolidays(f *testing.F) {
	f.Add(national2025)
	f.Add("2025-01-01 off\n2025-01-04 work\n")
	f.Add("2025-02-28~2025-03-02 休 # leap?\n")
	f.Fuzz(func(t *testing.T, s string) {
		off, work, err := ParseHolidays(strings.NewReader(s))
		if err != nil {
			return
		}
		c, err := New([]Period{{540, 720}}, off, work)
		if err != nil {
			return
		}
		from := at("2025-06-02 10:00")
		end, err := c.Add(from, 3*time.Hour)
		if err == nil && c.Between(from, end) != 3*time.Hour {
			t.Fatalf("Between does not invert Add for %q", s)
		}
	})
}
