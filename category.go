package redgrid

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
	"unicode/utf8"
)

// Limit is a time limit counted in working time: minutes or hours of working time ("30m", "2h")
// or working days ("20d"), as digital city management states its limits (GB/T 30428).
type Limit struct {
	Minutes int // working minutes, when Days is 0
	Days    int // working days
}

var limitRe = regexp.MustCompile(`^([1-9][0-9]{0,4})([mhd])$`)

// ParseLimit reads "30m", "2h" or "20d". Limits run from one minute to 365 working days.
func ParseLimit(s string) (Limit, error) {
	m := limitRe.FindStringSubmatch(s)
	if m == nil {
		return Limit{}, fmt.Errorf("%q is not a limit like 30m, 2h or 20d", s)
	}
	n, _ := strconv.Atoi(m[1])
	var l Limit
	switch m[2] {
	case "m":
		l.Minutes = n
	case "h":
		l.Minutes = n * 60
	case "d":
		l.Days = n
	}
	if l.Minutes > 365*24*60 || l.Days > 365 {
		return Limit{}, fmt.Errorf("%q is longer than a year", s)
	}
	return l, nil
}

// String gives the limit back in the form ParseLimit reads.
func (l Limit) String() string {
	switch {
	case l.Days > 0:
		return strconv.Itoa(l.Days) + "d"
	case l.Minutes%60 == 0 && l.Minutes > 0:
		return strconv.Itoa(l.Minutes/60) + "h"
	default:
		return strconv.Itoa(l.Minutes) + "m"
	}
}

// Duration is the limit's working time for limits in minutes or hours (Days is 0).
func (l Limit) Duration() time.Duration { return time.Duration(l.Minutes) * time.Minute }

// Valid reports whether the limit is positive.
func (l Limit) Valid() bool { return l.Minutes > 0 || l.Days > 0 }

// Matter is "三事分办" (001): public matters (公事) go to departments, community matters (众事) to
// community self-governance, private matters (私事) get guidance.
type Matter string

// The three kinds of matter.
const (
	MatterPublic    Matter = "public"
	MatterCommunity Matter = "community"
	MatterPrivate   Matter = "private"
)

// Valid reports whether m is known.
func (m Matter) Valid() bool { return m == MatterPublic || m == MatterCommunity || m == MatterPrivate }

// CategoryKind splits the category tree as GB/T 30428.2 does: events (事件) and components (部件:
// public facilities with an owner).
type CategoryKind string

// Category kinds.
const (
	CategoryEvent     CategoryKind = "event"
	CategoryComponent CategoryKind = "component"
)

// Category is one node of the case category tree: a major category (大类, two-digit code) or a
// minor one (小类, the major code and two more digits). Cases take minor categories; each carries
// the limits of its three stages and the matter it is.
type Category struct {
	ID            int64        `json:"id"`
	Code          string       `json:"code"`
	Name          string       `json:"name"`
	ParentCode    string       `json:"parent_code,omitempty"`
	Kind          CategoryKind `json:"kind"`
	Matter        Matter       `json:"matter"`
	RegisterLimit string       `json:"register_limit"` // 立案派遣
	AcceptLimit   string       `json:"accept_limit"`   // 签收 (报到)
	HandleLimit   string       `json:"handle_limit"`   // 处置
	// DepartmentID is the department usually dispatched to (a suggestion for the operator).
	DepartmentID *int64 `json:"department_id"`
	Pinyin       string `json:"pinyin"`
	Initials     string `json:"initials"`
	Active       bool   `json:"active"`
	Version      int    `json:"version"`
}

// Minor reports whether the category is a minor category (the kind cases take).
func (c Category) Minor() bool { return len(c.Code) == 4 }

// Limits returns the parsed limits of the three stages.
func (c Category) Limits() (register, accept, handle Limit, err error) {
	if register, err = ParseLimit(c.RegisterLimit); err != nil {
		return
	}
	if accept, err = ParseLimit(c.AcceptLimit); err != nil {
		return
	}
	handle, err = ParseLimit(c.HandleLimit)
	return
}

var categoryCodeRe = regexp.MustCompile(`^[0-9]{2}([0-9]{2})?$`)

// Validate checks a category's fields; prefix names the field path ("" or "categories[3].").
func (c *Category) Validate(prefix string) error {
	var v Validator
	v.Check(categoryCodeRe.MatchString(c.Code), prefix+"code", "format", "code must be 2 digits (major) or 4 digits (minor)")
	if len(c.Code) == 4 {
		v.Check(c.ParentCode == c.Code[:2], prefix+"parent_code", "parent", "a minor category's parent is the major category of its first two digits")
	} else {
		v.Check(c.ParentCode == "", prefix+"parent_code", "parent", "a major category has no parent")
	}
	n := utf8.RuneCountInString(c.Name)
	v.Check(n >= 1 && n <= 50, prefix+"name", "length", "name must be 1 to 50 characters")
	v.Check(c.Kind == CategoryEvent || c.Kind == CategoryComponent, prefix+"kind", "enum", "kind must be event or component")
	v.Check(c.Matter.Valid(), prefix+"matter", "enum", "matter must be public, community or private")
	for _, l := range []struct{ field, val string }{{"register_limit", c.RegisterLimit}, {"accept_limit", c.AcceptLimit}, {"handle_limit", c.HandleLimit}} {
		if _, err := ParseLimit(l.val); err != nil {
			v.Add(prefix+l.field, "limit", err.Error())
		}
	}
	return v.Err()
}

// DefaultCategories is the category tree a new installation starts with: the common event and
// component categories of digital city management (GB/T 30428.2) and the seeds' kinds (safety
// hazards of "网格+安全", property, employment and hardship, disputes). The limits follow the
// practice the issue names: register and dispatch within 1 working hour, accept within 1 hour,
// handle within 2 working hours (urgent hazards) to 20 working days. All of it can be changed.
func DefaultCategories() []Category {
	major := func(code, name string, kind CategoryKind) Category {
		return Category{Code: code, Name: name, Kind: kind, Matter: MatterPublic, RegisterLimit: "1h", AcceptLimit: "1h", HandleLimit: "5d", Active: true}
	}
	minor := func(code, name string, kind CategoryKind, matter Matter, handle string) Category {
		return Category{Code: code, ParentCode: code[:2], Name: name, Kind: kind, Matter: matter, RegisterLimit: "1h", AcceptLimit: "1h", HandleLimit: handle, Active: true}
	}
	E, C := CategoryEvent, CategoryComponent
	P, M, V := MatterPublic, MatterCommunity, MatterPrivate
	return []Category{
		major("01", "市容环境", E),
		minor("0101", "暴露垃圾", E, P, "2h"),
		minor("0102", "积存垃圾渣土", E, P, "1d"),
		minor("0103", "道路不洁", E, P, "4h"),
		minor("0104", "乱堆物堆料", E, P, "1d"),
		minor("0105", "违规张贴小广告", E, P, "1d"),
		major("02", "街面秩序", E),
		minor("0201", "无照经营游商", E, P, "4h"),
		minor("0202", "店外经营", E, P, "4h"),
		minor("0203", "机动车乱停放", E, P, "4h"),
		minor("0204", "施工扰民", E, P, "1d"),
		major("03", "安全隐患", E),
		minor("0301", "消防通道堵塞", E, P, "2h"),
		minor("0302", "电动车楼道充电", E, M, "1d"),
		minor("0303", "燃气泄漏", E, P, "1h"),
		minor("0304", "危房隐患", E, P, "20d"),
		minor("0305", "高空坠物隐患", E, M, "1d"),
		major("04", "突发事件", E),
		minor("0401", "路面塌陷", E, P, "2h"),
		minor("0402", "供水管道破裂", E, P, "2h"),
		major("05", "物业管理", E),
		minor("0501", "物业服务纠纷", E, M, "10d"),
		minor("0502", "电梯故障", E, M, "1d"),
		minor("0503", "小区绿化损毁", E, M, "5d"),
		major("06", "民生服务", E),
		minor("0601", "就业求助", E, P, "10d"),
		minor("0602", "困难救助", E, P, "10d"),
		minor("0603", "养老服务", E, P, "5d"),
		minor("0604", "政策咨询", E, V, "2d"),
		major("07", "矛盾纠纷", E),
		minor("0701", "邻里纠纷", E, M, "5d"),
		minor("0702", "家庭纠纷", E, V, "5d"),
		major("10", "公用设施", C),
		minor("1001", "井盖破损丢失", C, P, "2h"),
		minor("1002", "路灯损坏", C, P, "5d"),
		minor("1003", "消火栓损坏", C, P, "1d"),
		major("11", "交通设施", C),
		minor("1101", "交通护栏损坏", C, P, "5d"),
		minor("1102", "公交站亭损坏", C, P, "5d"),
		major("12", "园林绿化", C),
		minor("1201", "行道树倒伏", C, P, "4h"),
	}
}
