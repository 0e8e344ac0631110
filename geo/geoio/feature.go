package geoio

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/redgrid/redgrid/geo"
)

// Feature is one grid boundary read from a file.
type Feature struct {
	Index                  int // 0-based position in the file (record number − 1 for Shapefiles)
	Name, Code, ParentCode string
	Shape                  geo.MultiPolygon  // WGS-84, validated with geo.MultiPolygon.ValidateWith
	Props                  map[string]string // all other attributes, as text; never nil
}

// Options bounds and configures a read.
type Options struct {
	// MaxFeatures bounds the number of features; more is a file-level error. 0 means
	// DefaultMaxFeatures; negative means no bound.
	MaxFeatures int
	// MaxVertices bounds the points of one feature (all rings, closing points included).
	// 0 means geo.DefaultMaxVertices; negative means no bound.
	MaxVertices int
	// CRS is the coordinate system of the coordinates (0 means WGS84; CGCS2000 is the same).
	// GCJ02 and BD09 coordinates are converted to WGS-84 with geo.ToWGS84. A file's own
	// declaration (a GeoJSON crs member, a Shapefile's .prj) can only say WGS 84 or CGCS2000 —
	// there are no codes for the Chinese offsets, and tools label offset data WGS 84 — so it is
	// checked (anything else is an error) but does not override a GCJ02 or BD09 given here.
	CRS geo.CRS
}

// DefaultMaxFeatures is the MaxFeatures used when Options.MaxFeatures is 0.
const DefaultMaxFeatures = 100_000

// MaxRings bounds the rings (outer rings and holes together) of one feature. A grid has a few;
// the bound keeps validation, whose hole checks are quadratic in the number of holes, fast.
const MaxRings = 1000

func (o Options) maxFeatures() int {
	if o.MaxFeatures == 0 {
		return DefaultMaxFeatures
	}
	return o.MaxFeatures
}

func (o Options) maxVertices() int {
	if o.MaxVertices == 0 {
		return geo.DefaultMaxVertices
	}
	return o.MaxVertices
}

// overLimit reports whether n exceeds the bound max (negative: none).
func overLimit(n, max int) bool { return max >= 0 && n > max }

func (o Options) crs() (geo.CRS, error) {
	switch o.CRS {
	case 0:
		return geo.WGS84, nil
	case geo.WGS84, geo.CGCS2000, geo.GCJ02, geo.BD09:
		return o.CRS, nil
	}
	return 0, fmt.Errorf("Options.CRS %v is not a coordinate system geoio knows", o.CRS)
}

// attr says which Feature field an attribute name feeds.
type attr int

const (
	attrNone attr = iota
	attrName
	attrCode
	attrParent
)

// attrKeys lists, per Feature field, the attribute names accepted in GeoJSON properties and
// DBF fields, most preferred first. ASCII names match case-insensitively. DBF field names have
// at most 10 characters, hence PARENT_COD.
var attrKeys = [...]struct {
	a     attr
	names []string
}{
	{attrName, []string{"name", "网格名称", "名称", "mc"}},
	{attrCode, []string{"code", "网格编码", "编码", "bm"}},
	{attrParent, []string{"parent_code", "parent_cod", "上级编码", "社区编码", "pcode", "parent"}},
}

// classifyKey returns the field an attribute name feeds and its rank (lower is preferred).
func classifyKey(k string) (attr, int) {
	k = strings.TrimSpace(k)
	for _, ak := range attrKeys {
		for rank, n := range ak.names {
			if strings.EqualFold(k, n) {
				return ak.a, rank
			}
		}
	}
	return attrNone, 0
}

// attrCandidate is a value offered for Name, Code or ParentCode.
type attrCandidate struct {
	key     string
	rank    int
	text    string
	numeric bool // a JSON number or a DBF N/F field: codes are normalised as numbers
	bad     *FeatureError
}

// attrSet gathers the candidates of one feature and resolves them.
type attrSet struct {
	cands [4][]attrCandidate
}

func (s *attrSet) offer(a attr, c attrCandidate) { s.cands[a] = append(s.cands[a], c) }

// resolve picks the preferred non-empty candidate for each field, moves the others into props
// and reports the problems of the chosen values (bad text, bad numeric codes) through add.
func (s *attrSet) resolve(f *Feature, props map[string]string, add func(*FeatureError)) {
	for _, a := range []attr{attrName, attrCode, attrParent} {
		best := -1
		for i, c := range s.cands[a] {
			if c.bad == nil && strings.TrimSpace(c.text) == "" {
				continue
			}
			if best < 0 || c.rank < s.cands[a][best].rank {
				best = i
			}
		}
		for i, c := range s.cands[a] {
			if i != best {
				props[c.key] = c.text
			}
		}
		if best < 0 {
			// A missing name, code or parent code is not the reader's business: which of them a
			// feature needs depends on what it matches in the store (an existing code needs
			// nothing else; a new grid needs its community's code and a name), which the
			// importer (internal/atlas) checks and reports per feature.
			continue
		}
		c := s.cands[a][best]
		field := "properties." + c.key
		if c.bad != nil {
			c.bad.Field = field
			add(c.bad)
			setAttr(f, a, c.text)
			continue
		}
		v, fe := attrValue(a, c)
		if fe != nil {
			fe.Field = field
			add(fe)
		}
		setAttr(f, a, v)
	}
}

func setAttr(f *Feature, a attr, v string) {
	switch a {
	case attrName:
		f.Name = v
	case attrCode:
		f.Code = v
	case attrParent:
		f.ParentCode = v
	}
}

// attrValue checks and normalises a name or code.
func attrValue(a attr, c attrCandidate) (string, *FeatureError) {
	if err := checkText(c.text); err != nil {
		return c.text, &FeatureError{Rule: RuleText, Err: err}
	}
	v := strings.TrimSpace(c.text)
	if a != attrName && c.numeric {
		n, err := numericCode(v)
		if err != nil {
			return v, &FeatureError{Rule: RuleInteger, Err: err}
		}
		v = n
	}
	return v, nil
}

// checkText rejects control characters (Unicode Cc: C0, DEL, C1) and U+FFFD, which marks text
// already damaged by a wrong encoding.
func checkText(s string) error {
	if !utf8.ValidString(s) {
		return errors.New("not valid UTF-8")
	}
	pos := 0
	for _, r := range s {
		switch {
		case unicode.IsControl(r):
			return fmt.Errorf("control character U+%04X at character %d", r, pos)
		case r == utf8.RuneError:
			return fmt.Errorf("U+FFFD replacement character at character %d: the text was damaged by a wrong encoding", pos)
		}
		pos++
	}
	return nil
}

// maxExactInt is 2^53: every whole number up to it is exact in a float64, so tools that pass
// codes through JavaScript or a DBF Double field keep them intact.
const maxExactInt = 1 << 53

// numericCode turns a code written as a number (a JSON number literal, the text of a DBF numeric
// field) into the digits of the code: 420302001001001, 420302001001001.000 and 4.20302001001001e14
// all give "420302001001001". Negative, fractional and larger-than-2^53 numbers are errors.
func numericCode(lit string) (string, error) {
	if lit == "" {
		return "", nil
	}
	intPart, frac, hasFrac := strings.Cut(lit, ".")
	if allDigits(intPart) && (!hasFrac || allZeros(frac)) {
		digits := strings.TrimLeft(intPart, "0")
		if digits == "" {
			digits = "0"
		}
		if len(digits) > 16 || (len(digits) == 16 && digits > strconv.FormatInt(maxExactInt, 10)) {
			return "", fmt.Errorf("number %s is beyond 2^53 and may have lost digits on the way; write codes as text", lit)
		}
		return digits, nil
	}
	v, err := strconv.ParseFloat(lit, 64)
	if err != nil {
		return "", fmt.Errorf("%q is not a number", lit)
	}
	if v < 0 || v != math.Trunc(v) || v > maxExactInt {
		return "", fmt.Errorf("number %s is not a whole number between 0 and 2^53; write codes as text", lit)
	}
	return strconv.FormatFloat(v, 'f', 0, 64), nil
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func allZeros(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != '0' {
			return false
		}
	}
	return true
}

// rangeError describes a point that is not a longitude/latitude, guessing at the usual cause.
func rangeError(p geo.Point) error {
	msg := fmt.Sprintf("(%v, %v) is not a longitude in [-180, 180] and latitude in [-90, 90]", p.Lng, p.Lat)
	if (math.Abs(p.Lng) > 1000 || math.Abs(p.Lat) > 1000) && !math.IsInf(p.Lng, 0) && !math.IsInf(p.Lat, 0) {
		msg += "; the numbers look like projected coordinates in metres: export in geographic CGCS2000 or WGS 84 (longitude/latitude in degrees)"
	}
	return errors.New(msg)
}

// convertPoints converts points in place from crs to WGS-84, returning the index of the first
// point out of range, or -1.
func convertPoints(pts []geo.Point, crs geo.CRS) (int, error) {
	for i, p := range pts {
		lng, lat, err := geo.ToWGS84(p.Lng, p.Lat, crs)
		if err != nil {
			if errors.Is(err, geo.ErrInvalidCoordinate) {
				return i, rangeError(p)
			}
			return i, err
		}
		pts[i] = geo.Point{Lng: lng, Lat: lat}
	}
	return -1, nil
}

// indexPath formats indices as "[1][2][3]".
func indexPath(prefix string, idx ...int) string {
	var b strings.Builder
	b.WriteString(prefix)
	for _, i := range idx {
		b.WriteByte('[')
		b.WriteString(strconv.Itoa(i))
		b.WriteByte(']')
	}
	return b.String()
}
