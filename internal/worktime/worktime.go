// Package worktime counts deadlines in working time, as Chinese government offices keep them:
// working periods within the day (e.g. 09:00–12:00 and 13:30–17:30), Monday to Friday, minus
// statutory holidays, plus the make-up working days (调休) the State Council's yearly notice moves
// onto weekends. "Within 2 working hours" and "within 20 working days" are both answered by Add;
// how much of a limit has been used (for reminders at 80% and the overdue flag) by Between.
//
// A working day is counted as one full day of working time (DayLength), so a case registered at
// 10:00 on a Monday with one working day to go is due at 10:00 on Tuesday; the practice of digital
// city management (GB/T 30428) counts limits this way.
package worktime

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// CST is China Standard Time, the clock every district works by.
var CST = time.FixedZone("CST", 8*3600)

// Period is a working period within a day, in minutes after midnight: [Start, End).
type Period struct{ Start, End int }

// String gives "09:00-12:00".
func (p Period) String() string {
	return fmt.Sprintf("%02d:%02d-%02d:%02d", p.Start/60, p.Start%60, p.End/60, p.End%60)
}

// ParsePeriods reads "09:00-12:00,13:30-17:30".
func ParsePeriods(s string) ([]Period, error) {
	var out []Period
	for _, part := range strings.Split(s, ",") {
		a, b, ok := strings.Cut(strings.TrimSpace(part), "-")
		if !ok {
			return nil, fmt.Errorf("working period %q: want HH:MM-HH:MM", part)
		}
		start, err1 := clock(a)
		end, err2 := clock(b)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("working period %q: want HH:MM-HH:MM", part)
		}
		out = append(out, Period{start, end})
	}
	return out, nil
}

func clock(s string) (int, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, err
	}
	return t.Hour()*60 + t.Minute(), nil
}

// Date is a calendar day.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

func dateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

func (d Date) at(minute int) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, minute, 0, 0, CST)
}

func (d Date) next() Date { return dateOf(d.at(0).AddDate(0, 0, 1)) }

// Calendar is a working calendar. It is immutable and safe for concurrent use.
type Calendar struct {
	periods []Period
	day     time.Duration
	off     map[Date]bool // holidays on what would be working days
	work    map[Date]bool // make-up working days on weekends
}

// maxDays bounds the search for working time: a calendar with no working day in ten years is
// refused rather than searched forever.
const maxDays = 3660

// New builds a calendar from the day's working periods, the holidays and the make-up working days.
// Periods must be non-empty, within the day, and must not overlap.
func New(periods []Period, holidays, makeUp []Date) (*Calendar, error) {
	if len(periods) == 0 {
		return nil, errors.New("worktime: no working period")
	}
	ps := append([]Period(nil), periods...)
	sort.Slice(ps, func(i, j int) bool { return ps[i].Start < ps[j].Start })
	c := &Calendar{periods: ps, off: map[Date]bool{}, work: map[Date]bool{}}
	for i, p := range ps {
		if p.Start < 0 || p.End > 24*60 || p.Start >= p.End {
			return nil, fmt.Errorf("worktime: period %s is not a range within the day", p)
		}
		if i > 0 && p.Start < ps[i-1].End {
			return nil, fmt.Errorf("worktime: periods %s and %s overlap", ps[i-1], p)
		}
		c.day += time.Duration(p.End-p.Start) * time.Minute
	}
	for _, d := range holidays {
		c.off[d] = true
	}
	for _, d := range makeUp {
		if c.off[d] {
			return nil, fmt.Errorf("worktime: %s is both a holiday and a make-up working day", d)
		}
		c.work[d] = true
	}
	return c, nil
}

// DayLength is the working time of one working day.
func (c *Calendar) DayLength() time.Duration { return c.day }

// IsWorkingDay reports whether the day of t (in CST) is a working day.
func (c *Calendar) IsWorkingDay(t time.Time) bool { return c.working(dateOf(t.In(CST))) }

func (c *Calendar) working(d Date) bool {
	if c.work[d] {
		return true
	}
	if c.off[d] {
		return false
	}
	wd := d.at(0).Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// ErrNoWorkingTime is returned when no working time lies within ten years of the start.
var ErrNoWorkingTime = errors.New("worktime: no working time within ten years")

// Add returns the instant when d of working time has passed after t (in CST). A start outside
// working time counts from the next working period. d must not be negative.
func (c *Calendar) Add(t time.Time, d time.Duration) (time.Time, error) {
	if d < 0 {
		return time.Time{}, errors.New("worktime: negative duration")
	}
	t = t.In(CST)
	day := dateOf(t)
	left := d
	for i := 0; i < maxDays; i, day = i+1, day.next() {
		if !c.working(day) {
			continue
		}
		for _, p := range c.periods {
			start, end := day.at(p.Start), day.at(p.End)
			if !end.After(t) {
				continue
			}
			if start.Before(t) {
				start = t
			}
			if span := end.Sub(start); left <= span {
				return start.Add(left), nil
			} else {
				left -= span
			}
		}
	}
	return time.Time{}, ErrNoWorkingTime
}

// AddDays returns the instant n working days (n × DayLength of working time) after t.
func (c *Calendar) AddDays(t time.Time, n int) (time.Time, error) {
	if n < 0 {
		return time.Time{}, errors.New("worktime: negative number of days")
	}
	return c.Add(t, time.Duration(n)*c.day)
}

// Between returns the working time from a to b; 0 when b is not after a.
func (c *Calendar) Between(a, b time.Time) time.Duration {
	a, b = a.In(CST), b.In(CST)
	if !b.After(a) {
		return 0
	}
	var sum time.Duration
	for day := dateOf(a); !day.at(0).After(b); day = day.next() {
		if !c.working(day) {
			continue
		}
		for _, p := range c.periods {
			start, end := day.at(p.Start), day.at(p.End)
			if start.Before(a) {
				start = a
			}
			if end.After(b) {
				end = b
			}
			if end.After(start) {
				sum += end.Sub(start)
			}
		}
	}
	return sum
}

// ParseHolidays reads a holiday file, one entry per line, as the State Council's yearly notice
// lists them:
//
//	# 2025 国庆节、中秋节
//	2025-10-01~2025-10-08 休
//	2025-09-28 班
//	2025-10-11 班
//
// "休" (or "off") marks holidays, a single date or a range "FROM~TO" (at most 31 days); "班" (or
// "work") marks make-up working days. Blank lines and text after '#' are ignored. Errors name the
// line.
func ParseHolidays(r io.Reader) (holidays, makeUp []Date, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), 4096)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		if len(fields) != 2 {
			return nil, nil, fmt.Errorf("holidays line %d: want a date or range and 休 or 班", n)
		}
		from, to, isRange := strings.Cut(fields[0], "~")
		a, err := time.ParseInLocation(time.DateOnly, from, CST)
		if err != nil {
			return nil, nil, fmt.Errorf("holidays line %d: %q is not a date (YYYY-MM-DD)", n, from)
		}
		b := a
		if isRange {
			if b, err = time.ParseInLocation(time.DateOnly, to, CST); err != nil {
				return nil, nil, fmt.Errorf("holidays line %d: %q is not a date (YYYY-MM-DD)", n, to)
			}
			if b.Before(a) || b.Sub(a) > 30*24*time.Hour {
				return nil, nil, fmt.Errorf("holidays line %d: a range runs forward and spans at most 31 days", n)
			}
		}
		var list *[]Date
		switch fields[1] {
		case "休", "off":
			list = &holidays
		case "班", "work":
			if isRange {
				return nil, nil, fmt.Errorf("holidays line %d: make-up working days are listed one by one", n)
			}
			list = &makeUp
		default:
			return nil, nil, fmt.Errorf("holidays line %d: %q: want 休 (off) or 班 (work)", n, fields[1])
		}
		for d := a; !d.After(b); d = d.AddDate(0, 0, 1) {
			*list = append(*list, dateOf(d))
		}
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("holidays line %d: %w", n+1, err)
	}
	return holidays, makeUp, nil
}

// DefaultPeriods are the working periods of a calendar left unconfigured.
const DefaultPeriods = "09:00-12:00,13:30-17:30"

// Default is Monday to Friday, DefaultPeriods, with no holidays entered.
func Default() *Calendar {
	ps, _ := ParsePeriods(DefaultPeriods)
	c, err := New(ps, nil, nil)
	if err != nil {
		panic(err)
	}
	return c
}

// AddLimit adds a limit of minutes of working time or of working days.
func (c *Calendar) AddLimit(t time.Time, minutes, days int) (time.Time, error) {
	if days > 0 {
		return c.AddDays(t, days)
	}
	return c.Add(t, time.Duration(minutes)*time.Minute)
}
