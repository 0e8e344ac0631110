package geoio

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// wktNode is a node of well-known text: KEYWORD[arg, …]. Arguments are nodes, quoted strings,
// numbers and bare words (enumerations such as NORTH).
type wktNode struct {
	keyword string // upper case
	args    []wktArg
}

type wktArg struct {
	node *wktNode
	str  string // a quoted string, a number or a bare word as written
	num  bool
}

const (
	wktMaxDepth = 32
	wktMaxNodes = 10_000
)

type wktParser struct {
	s     string
	i     int
	nodes int
}

// parseWKT parses the WKT of a .prj file: one node and nothing after it but whitespace.
func parseWKT(text string) (*wktNode, error) {
	text = strings.TrimPrefix(text, "\uFEFF")
	p := &wktParser{s: text}
	p.space()
	if p.i == len(p.s) {
		return nil, fmt.Errorf("the .prj file is empty")
	}
	n, err := p.node(0)
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i != len(p.s) {
		return nil, p.errorf("unexpected text after the end of the coordinate system")
	}
	return n, nil
}

func (p *wktParser) errorf(format string, args ...any) error {
	return fmt.Errorf("the .prj file is not valid WKT at character %d: %s", p.i, fmt.Sprintf(format, args...))
}

func (p *wktParser) space() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\r', '\n', 0:
			p.i++
		default:
			return
		}
	}
}

func isWordByte(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

func (p *wktParser) word() string {
	start := p.i
	for p.i < len(p.s) && isWordByte(p.s[p.i]) {
		p.i++
	}
	return p.s[start:p.i]
}

func (p *wktParser) node(depth int) (*wktNode, error) {
	if depth > wktMaxDepth {
		return nil, p.errorf("nested too deep")
	}
	if p.nodes++; p.nodes > wktMaxNodes {
		return nil, p.errorf("too many elements")
	}
	kw := p.word()
	if kw == "" || !(kw[0] >= 'A' && kw[0] <= 'Z' || kw[0] >= 'a' && kw[0] <= 'z') {
		return nil, p.errorf("expected a keyword such as GEOGCS")
	}
	p.space()
	if p.i == len(p.s) || (p.s[p.i] != '[' && p.s[p.i] != '(') {
		return nil, p.errorf("expected [ after %s", kw)
	}
	closer := byte(']')
	if p.s[p.i] == '(' {
		closer = ')'
	}
	p.i++
	n := &wktNode{keyword: strings.ToUpper(kw)}
	for {
		p.space()
		if p.i == len(p.s) {
			return nil, p.errorf("missing %c: the file is truncated", closer)
		}
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			var b strings.Builder
			for {
				j := strings.IndexByte(p.s[p.i:], '"')
				if j < 0 {
					p.i = len(p.s)
					return nil, p.errorf("unterminated string")
				}
				b.WriteString(p.s[p.i : p.i+j])
				p.i += j + 1
				if p.i < len(p.s) && p.s[p.i] == '"' { // "" is a quote (WKT 2)
					b.WriteByte('"')
					p.i++
					continue
				}
				break
			}
			n.args = append(n.args, wktArg{str: b.String()})
		case c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9'):
			start := p.i
			p.i++
			for p.i < len(p.s) && (isWordByte(p.s[p.i]) || p.s[p.i] == '.' || p.s[p.i] == '-' || p.s[p.i] == '+') {
				p.i++
			}
			lit := p.s[start:p.i]
			if _, err := strconv.ParseFloat(lit, 64); err != nil {
				p.i = start
				return nil, p.errorf("invalid number %q", lit)
			}
			n.args = append(n.args, wktArg{str: lit, num: true})
		case isWordByte(c):
			save := p.i
			w := p.word()
			p.space()
			if p.i < len(p.s) && (p.s[p.i] == '[' || p.s[p.i] == '(') {
				p.i = save
				child, err := p.node(depth + 1)
				if err != nil {
					return nil, err
				}
				n.args = append(n.args, wktArg{node: child})
			} else {
				n.args = append(n.args, wktArg{str: w})
			}
		default:
			return nil, p.errorf("unexpected %q", rune(c))
		}
		p.space()
		if p.i == len(p.s) {
			return nil, p.errorf("missing %c: the file is truncated", closer)
		}
		switch p.s[p.i] {
		case ',':
			p.i++
		case closer:
			p.i++
			return n, nil
		default:
			return nil, p.errorf("expected , or %c", closer)
		}
	}
}

// name is the node's first argument if it is a string.
func (n *wktNode) name() string {
	if len(n.args) > 0 && n.args[0].node == nil && !n.args[0].num {
		return n.args[0].str
	}
	return ""
}

// child returns the first child node with one of the keywords.
func (n *wktNode) child(keywords ...string) *wktNode {
	for _, a := range n.args {
		if a.node != nil {
			for _, k := range keywords {
				if a.node.keyword == k {
					return a.node
				}
			}
		}
	}
	return nil
}

// normName upper-cases a datum or system name and makes spaces, dashes and apostrophes
// underscores-or-nothing, so "D_China_2000", "China 2000" and "CHINA_2000" compare equal.
func normName(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	s = strings.NewReplacer(" ", "_", "-", "_", "'", "").Replace(s)
	return strings.TrimPrefix(s, "D_")
}

var (
	acceptedDatums = map[string]bool{
		"WGS_1984": true, "WGS84": true, "WGS_84": true, "WORLD_GEODETIC_SYSTEM_1984": true,
		"CHINA_2000": true, "CGCS2000": true, "CGCS_2000": true, "CHINA_GEODETIC_COORDINATE_SYSTEM_2000": true,
	}
	acceptedGeogcs = map[string]bool{
		"GCS_WGS_1984": true, "WGS_84": true, "WGS84": true,
		"GCS_CHINA_GEODETIC_COORDINATE_SYSTEM_2000": true, "CHINA_GEODETIC_COORDINATE_SYSTEM_2000": true,
		"CGCS2000": true, "GCS_CGCS2000": true,
	}
	// Datums of the older Chinese systems, which differ from CGCS2000 by tens to hundreds of
	// metres and need a seven-parameter transformation redgrid does not do.
	oldChineseDatums = map[string]string{
		"BEIJING_1954": "Beijing 1954", "NEW_BEIJING": "New Beijing", "XIAN_1980": "Xian 1980",
		"XIAN_80": "Xian 1980", "BEIJING54": "Beijing 1954",
	}
)

// checkPrj accepts the WKT of a geographic coordinate system on the WGS 84 or CGCS2000 datum,
// in degrees, and explains anything else.
func checkPrj(text string) error {
	root, err := parseWKT(text)
	if err != nil {
		return err
	}
	switch root.keyword {
	case "PROJCS", "PROJCRS", "PROJECTEDCRS":
		return fmt.Errorf("the .prj says the coordinates are projected (%s, in metres); export the layer in geographic CGCS2000 (EPSG:4490) or WGS 84 (EPSG:4326) coordinates, longitude/latitude in degrees", root.name())
	case "GEOGCS", "GEOGCRS", "GEOGRAPHICCRS", "GEODCRS", "GEODETICCRS":
	default:
		return fmt.Errorf("the .prj describes a %s coordinate system (%s), not longitude/latitude; export in geographic CGCS2000 (EPSG:4490) or WGS 84 (EPSG:4326)", root.keyword, root.name())
	}
	var datum string
	if d := root.child("DATUM", "GEODETICDATUM", "TRF", "ENSEMBLE"); d != nil {
		datum = d.name()
	}
	nd := normName(datum)
	if old, ok := oldChineseDatums[nd]; ok {
		return fmt.Errorf("the .prj says the coordinates are on the %s datum (%s); converting it to CGCS2000 needs a datum transformation redgrid does not do: export in CGCS2000 (EPSG:4490) or WGS 84 (EPSG:4326) longitude/latitude", old, root.name())
	}
	if !acceptedDatums[nd] && !acceptedGeogcs[normName(root.name())] && !epsgGeographic(root) {
		return fmt.Errorf("the .prj names the geographic coordinate system %q on datum %q; only CGCS2000 (EPSG:4490) and WGS 84 (EPSG:4326) are accepted", root.name(), datum)
	}
	if u := root.child("UNIT", "ANGLEUNIT"); u != nil && root.keyword == "GEOGCS" {
		if len(u.args) < 2 || !u.args[1].num {
			return fmt.Errorf("the .prj has a malformed UNIT")
		}
		f, _ := strconv.ParseFloat(u.args[1].str, 64)
		if math.Abs(f-math.Pi/180) > 1e-10 {
			return fmt.Errorf("the .prj gives angles in %q (%s radians), not degrees", u.name(), u.args[1].str)
		}
	}
	if pm := root.child("PRIMEM"); pm != nil && len(pm.args) >= 2 && pm.args[1].num {
		if f, _ := strconv.ParseFloat(pm.args[1].str, 64); f != 0 {
			return fmt.Errorf("the .prj's prime meridian %q is not Greenwich", pm.name())
		}
	}
	return nil
}

// epsgGeographic reports whether the node carries AUTHORITY["EPSG","4326"] or "4490" (or the
// WKT 2 ID[...] equivalent).
func epsgGeographic(n *wktNode) bool {
	a := n.child("AUTHORITY", "ID")
	if a == nil || len(a.args) < 2 || !strings.EqualFold(a.name(), "EPSG") {
		return false
	}
	code := a.args[1].str
	return code == "4326" || code == "4490"
}
