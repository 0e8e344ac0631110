package geoio

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/redgrid/redgrid/geo"
)

// ReadGeoJSON reads grid boundaries from GeoJSON text (RFC 7946): a FeatureCollection, or a
// single Feature, whose geometries are Polygons or MultiPolygons. See the package comment for
// the properties read and the coordinate system policy.
//
// The text is read as a stream: memory grows with the features kept, never with the raw text, and
// a feature's coordinates stop being stored once it exceeds MaxVertices. Malformed JSON stops the
// read at once with its line and byte offset; problems with single features are gathered and
// returned together. On any problem the result is (nil, *Errors).
func ReadGeoJSON(r io.Reader, o Options) ([]Feature, error) {
	p := &gjParser{s: newJSONScanner(r), maxV: o.maxVertices(), maxF: o.maxFeatures()}
	crs, err := o.crs()
	if err != nil {
		p.c.file("crs", RuleCRS, err)
		return nil, p.c.result()
	}
	if err := p.document(); err != nil {
		var fe *FeatureError
		var je *jsonError
		switch {
		case errors.As(err, &fe):
			p.c.errs.File = fe
		case errors.As(err, &je):
			p.c.file("", je.rule, je)
		default:
			p.c.file("", RuleRead, err)
		}
		return nil, p.c.result()
	}
	out := make([]Feature, 0, len(p.feats))
	for _, f := range p.feats {
		if feat, ok := p.finish(f, crs); ok {
			out = append(out, feat)
		}
	}
	if err := p.c.result(); err != nil {
		return nil, err
	}
	return out, nil
}

type gjParser struct {
	s          *jsonScanner
	maxV, maxF int
	c          collector
	feats      []*gjFeature
}

// gjFeature is a feature as read. finish turns it into a Feature once the whole text has proved
// well-formed.
type gjFeature struct {
	index     int
	notObject bool
	hasType   bool
	typ       string
	geom      gjGeometry
	props     map[string]string
	attrs     attrSet
	errs      []*FeatureError
}

func (f *gjFeature) add(field, rule string, format string, args ...any) {
	f.errs = append(f.errs, &FeatureError{Index: f.index, Field: field, Rule: rule, Err: fmt.Errorf(format, args...)})
}

type gjGeometry struct {
	present   bool // the feature has a geometry member
	null      bool
	bad       bool // not an object, or a type that is not a string: already reported
	hasType   bool
	typ       string
	hasCoords bool
	c         coords
}

func fileErr(field, rule, format string, args ...any) *FeatureError {
	return &FeatureError{Index: -1, Field: field, Rule: rule, Err: fmt.Errorf(format, args...)}
}

var geometryTypes = map[string]bool{"Point": true, "MultiPoint": true, "LineString": true,
	"MultiLineString": true, "Polygon": true, "MultiPolygon": true, "GeometryCollection": true}

func (p *gjParser) document() error {
	s := p.s
	c, err := s.start()
	if err != nil {
		return err
	}
	if c != '{' {
		if c == 'P' && s.n-s.pos >= 4 && string(s.buf[s.pos:s.pos+4]) == "PK\x03\x04" {
			return fileErr("", RuleGeoJSON, "the file is a zip archive, not GeoJSON: send it as a zipped Shapefile")
		}
		if c != '[' && c != '"' && c != '-' && !isDigit(c) && c != 't' && c != 'f' && c != 'n' {
			return fileErr("", RuleGeoJSON, "the file is not JSON: it starts with %s where GeoJSON starts with {", describe(c))
		}
		return fileErr("", RuleGeoJSON, "the top-level JSON value is %s; GeoJSON needs an object with \"type\": \"FeatureCollection\"", describe(c))
	}
	root := &gjFeature{index: 0}
	var typ string
	var haveType, haveFeatures bool
	seen := map[string]bool{}
	err = s.object(func(key string) error {
		switch key {
		case "type", "features", "geometry", "properties", "crs":
			if seen[key] {
				return fileErr(key, RuleDuplicate, "member %q appears twice in the top-level object", key)
			}
			seen[key] = true
		}
		switch key {
		case "type":
			v, ok, err := p.stringValue()
			if err != nil {
				return err
			}
			if !ok {
				return fileErr("type", RuleGeoJSON, "the top-level type member is not a string")
			}
			typ, haveType = v, true
		case "features":
			haveFeatures = true
			return p.features()
		case "geometry":
			return p.geometry(root)
		case "properties":
			return p.properties(root)
		case "crs":
			return p.crsMember()
		default:
			return s.skip()
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := s.end(); err != nil {
		return err
	}
	switch {
	case typ == "FeatureCollection":
		if !haveFeatures {
			return fileErr("features", RuleGeoJSON, "the FeatureCollection has no features member")
		}
	case typ == "Feature":
		root.hasType, root.typ = true, typ
		p.feats = []*gjFeature{root}
	case !haveType:
		return fileErr("type", RuleGeoJSON, "the top-level object has no type member: it is not GeoJSON")
	case geometryTypes[typ]:
		return fileErr("type", RuleGeoJSON, "the file is a bare %s geometry; it must be a FeatureCollection of Features with name and code properties", typ)
	default:
		return fileErr("type", RuleGeoJSON, "the top-level type is %q; it must be \"FeatureCollection\" or \"Feature\"", typ)
	}
	return nil
}

// stringValue reads a string value; any other value is skipped and ok is false.
func (p *gjParser) stringValue() (v string, ok bool, err error) {
	c, err := p.s.peek()
	if err != nil {
		return "", false, err
	}
	if c != '"' {
		return "", false, p.s.skip()
	}
	v, err = p.s.readString()
	return v, err == nil, err
}

func (p *gjParser) features() error {
	s := p.s
	c, err := s.peek()
	if err != nil {
		return err
	}
	if c != '[' {
		return fileErr("features", RuleGeoJSON, "features is %s, not an array", describe(c))
	}
	p.feats = p.feats[:0]
	return s.array(func(i int) error {
		if overLimit(i+1, p.maxF) {
			return fileErr("features", RuleTooManyFeatures, "more than %d features", p.maxF)
		}
		f := &gjFeature{index: i}
		p.feats = append(p.feats, f)
		c, err := s.peek()
		if err != nil {
			return err
		}
		if c != '{' {
			f.notObject = true
			f.add("", RuleGeoJSON, "the element is %s, not a Feature object", describe(c))
			return s.skip()
		}
		return p.feature(f)
	})
}

func (p *gjParser) feature(f *gjFeature) error {
	s := p.s
	var seenType, seenGeom, seenProps bool
	dup := func(seen *bool, key string) bool {
		if *seen {
			f.add(key, RuleDuplicate, "member %q appears twice", key)
			return true
		}
		*seen = true
		return false
	}
	err := s.object(func(key string) error {
		switch key {
		case "type":
			if dup(&seenType, key) {
				return s.skip()
			}
			v, ok, err := p.stringValue()
			if err != nil {
				return err
			}
			f.hasType, f.typ = true, v
			if !ok {
				f.add("type", RuleGeoJSON, "type is not a string")
				f.typ = "Feature" // reported; do not report again
			}
		case "geometry":
			if dup(&seenGeom, key) {
				return s.skip()
			}
			return p.geometry(f)
		case "properties":
			if dup(&seenProps, key) {
				return s.skip()
			}
			return p.properties(f)
		default:
			return s.skip()
		}
		return nil
	})
	if err != nil {
		return err
	}
	switch {
	case !f.hasType:
		f.add("type", RuleGeoJSON, "no type member; a feature needs \"type\": \"Feature\"")
	case f.typ != "Feature":
		f.add("type", RuleGeoJSON, "type is %q; an element of features must be a \"Feature\"", f.typ)
	}
	return nil
}

func (p *gjParser) geometry(f *gjFeature) error {
	s := p.s
	g := &f.geom
	g.present = true
	c, err := s.peek()
	if err != nil {
		return err
	}
	if c == 'n' {
		g.null = true
		return s.readLiteral("null")
	}
	if c != '{' {
		g.bad = true
		f.add("geometry", RuleGeoJSON, "geometry is %s, not an object or null", describe(c))
		return s.skip()
	}
	var seenType, seenCoords bool
	return s.object(func(key string) error {
		switch key {
		case "type":
			if seenType {
				f.add("geometry.type", RuleDuplicate, "member \"type\" appears twice")
				g.bad = true
				return s.skip()
			}
			seenType = true
			v, ok, err := p.stringValue()
			if err != nil {
				return err
			}
			if !ok {
				f.add("geometry.type", RuleGeoJSON, "the geometry type is not a string")
				g.bad = true
			}
			g.hasType, g.typ = true, v
		case "coordinates":
			if seenCoords {
				f.add("geometry.coordinates", RuleDuplicate, "member \"coordinates\" appears twice")
				g.bad = true
				return s.skip()
			}
			seenCoords = true
			g.hasCoords = true
			if g.hasType && g.typ != "Polygon" && g.typ != "MultiPolygon" {
				return s.skip()
			}
			w := coordWalker{s: s, c: &g.c, limit: p.maxV}
			return w.walk(1)
		default:
			return s.skip()
		}
		return nil
	})
}

type propKind int

const (
	propString propKind = iota
	propNumber
	propBool
	propNull
	propComposite
)

func (p *gjParser) properties(f *gjFeature) error {
	s := p.s
	c, err := s.peek()
	if err != nil {
		return err
	}
	if c == 'n' {
		return s.readLiteral("null")
	}
	if c != '{' {
		f.add("properties", RuleGeoJSON, "properties is %s, not an object or null", describe(c))
		return s.skip()
	}
	f.props = make(map[string]string)
	seen := map[string]struct{}{}
	return s.object(func(key string) error {
		if _, dup := seen[key]; dup {
			f.add("properties."+key, RuleDuplicate, "property %q appears twice", key)
			return s.skip()
		}
		seen[key] = struct{}{}
		text, kind, err := p.propValue()
		if err != nil {
			return err
		}
		a, rank := classifyKey(key)
		if a == attrNone {
			f.props[key] = text
			return nil
		}
		if kind == propNull {
			return nil // as if absent
		}
		cand := attrCandidate{key: key, rank: rank, text: text, numeric: kind == propNumber}
		if kind == propBool || kind == propComposite {
			what := "a boolean"
			if kind == propComposite {
				what = "an object or array"
			}
			cand.bad = &FeatureError{Index: f.index, Rule: RuleType, Err: fmt.Errorf("the value is %s; it must be a string", what)}
		}
		f.attrs.offer(a, cand)
		return nil
	})
}

// propValue reads a property value as text: strings as they are, numbers as written, booleans
// as true/false, null as "", objects and arrays as compact JSON.
func (p *gjParser) propValue() (string, propKind, error) {
	s := p.s
	c, err := s.peek()
	if err != nil {
		return "", 0, err
	}
	switch {
	case c == '"':
		v, err := s.readString()
		return v, propString, err
	case c == '-' || isDigit(c):
		lit, err := s.readNumber()
		return string(lit), propNumber, err
	case c == 't':
		return "true", propBool, s.readLiteral("true")
	case c == 'f':
		return "false", propBool, s.readLiteral("false")
	case c == 'n':
		return "", propNull, s.readLiteral("null")
	}
	var buf []byte
	err = s.value(&buf, 2)
	return string(buf), propComposite, err
}

// crsMember reads the crs member of GeoJSON 2008 (removed in RFC 7946 but still written by
// many tools) and accepts only names of geographic WGS 84 and CGCS2000.
func (p *gjParser) crsMember() error {
	s := p.s
	c, err := s.peek()
	if err != nil {
		return err
	}
	if c == 'n' {
		return s.readLiteral("null") // "no CRS": treated as absent
	}
	if c != '{' {
		return fileErr("crs", RuleCRS, "the crs member is %s, not an object", describe(c))
	}
	var typ, name, code string
	err = s.object(func(key string) error {
		switch key {
		case "type":
			v, _, err := p.stringValue()
			typ = v
			return err
		case "properties":
			c, err := s.peek()
			if err != nil {
				return err
			}
			if c != '{' {
				return s.skip()
			}
			return s.object(func(k string) error {
				switch k {
				case "name", "href":
					v, _, err := p.stringValue()
					name = v
					return err
				case "code":
					v, _, err := p.propValue()
					code = v
					return err
				}
				return s.skip()
			})
		}
		return s.skip()
	})
	if err != nil {
		return err
	}
	switch strings.ToLower(typ) {
	case "name":
	case "epsg":
		name = "EPSG:" + code
	case "link":
		return fileErr("crs", RuleCRS, "the crs member links to %q, which cannot be checked; remove it and give longitude/latitude in WGS 84 or CGCS2000", name)
	default:
		return fileErr("crs", RuleCRS, "the crs member has type %q; only named coordinate systems are understood", typ)
	}
	if !geographicCRSName(name) {
		return fileErr("crs", RuleCRS, "the file's coordinate system is %q; only geographic WGS 84 (EPSG:4326, CRS84) and CGCS2000 (EPSG:4490) longitude/latitude are accepted: convert projected coordinates (such as a CGCS2000 Gauss-Kruger zone) to longitude/latitude before uploading", name)
	}
	return nil
}

// geographicCRSName accepts the names of EPSG:4326, OGC CRS84 and EPSG:4490 in their usual
// spellings: "EPSG:4326", "urn:ogc:def:crs:EPSG::4326", "urn:ogc:def:crs:OGC:1.3:CRS84",
// "http://www.opengis.net/def/crs/EPSG/0/4490" and the like.
func geographicCRSName(name string) bool {
	n := strings.ToLower(strings.TrimSpace(name))
	var auth, code string
	switch {
	case strings.HasPrefix(n, "urn:ogc:def:crs:"):
		parts := strings.Split(n[len("urn:ogc:def:crs:"):], ":")
		switch len(parts) {
		case 2:
			auth, code = parts[0], parts[1]
		case 3:
			auth, code = parts[0], parts[2]
		}
	case strings.HasPrefix(n, "http://www.opengis.net/def/crs/"), strings.HasPrefix(n, "https://www.opengis.net/def/crs/"):
		_, rest, _ := strings.Cut(n, "/def/crs/")
		parts := strings.Split(rest, "/")
		if len(parts) == 3 {
			auth, code = parts[0], parts[2]
		}
	case n == "crs84":
		auth, code = "ogc", "crs84"
	default:
		auth, code, _ = strings.Cut(n, ":")
	}
	switch auth + ":" + code {
	case "epsg:4326", "epsg:4490", "ogc:crs84":
		return true
	}
	return false
}

// coords holds the coordinates of one geometry as read: positions in one slice and the ends of
// rings and polygons, so that a feature costs one allocation however many rings it has.
type coords struct {
	depth    int // nesting level of the positions: 3 for a Polygon, 4 for a MultiPolygon
	pts      []geo.Point
	ringEnds []int // end of each ring in pts
	polyEnds []int // end of each polygon in ringEnds (depth 4)
	count    int   // positions seen, also beyond the limit
	over     bool  // count exceeded the limit: pts were dropped
	issue    *FeatureError
}

// coordWalker reads a coordinates array of unknown depth (the geometry type may come after it).
type coordWalker struct {
	s     *jsonScanner
	c     *coords
	limit int
	path  [5]int // path[l]: index of the current element within the array at level l
}

// field names the array at level (1 is the coordinates array itself), or an element of it.
func (w *coordWalker) field(level int, elem ...int) string {
	idx := append(append([]int(nil), w.path[1:level]...), elem...)
	return indexPath("geometry.coordinates", idx...)
}

func (w *coordWalker) fail(field, rule, format string, args ...any) {
	if w.c.issue == nil {
		w.c.issue = &FeatureError{Field: field, Rule: rule, Err: fmt.Errorf(format, args...)}
		w.c.pts, w.c.ringEnds, w.c.polyEnds = nil, nil, nil
	}
}

// walk reads the array at level; the scanner is at its first byte.
func (w *coordWalker) walk(level int) error {
	s := w.s
	c, err := s.peek()
	if err != nil {
		return err
	}
	if c != '[' {
		if level == 1 {
			w.fail(w.field(level), RuleCoordinates, "coordinates is %s, not an array", describe(c))
		} else {
			w.fail(w.field(level), RuleCoordinates, "found %s where an array was expected", describe(c))
		}
		return s.skip()
	}
	if level > 4 {
		w.fail(w.field(level), RuleCoordinates, "arrays nested deeper than a MultiPolygon's")
		return s.skip()
	}
	s.pos++
	c, err = s.peek()
	if err != nil {
		return err
	}
	if c == ']' {
		s.pos++
		if level == 1 {
			w.fail("geometry.coordinates", RuleEmpty, "empty geometry: coordinates is []")
		} else {
			w.fail(w.field(level), RuleEmpty, "empty array")
		}
		return nil
	}
	if c == '-' || isDigit(c) {
		return w.position(level)
	}
	if c != '[' {
		// Most likely a position with a string or null for a number.
		w.fail(w.field(level), RulePosition, "position element 0 is %s, not a number", describe(c))
	}
	for i := 0; ; i++ {
		w.path[level] = i
		if w.c.issue != nil {
			if err := s.skip(); err != nil {
				return err
			}
		} else if err := w.walk(level + 1); err != nil {
			return err
		}
		c, err := s.peek()
		if err != nil {
			return err
		}
		if c == ',' {
			s.pos++
			continue
		}
		if c == ']' {
			s.pos++
			break
		}
		return s.invalidChar(c, "after array element")
	}
	if w.c.issue == nil && !w.c.over {
		switch d := w.c.depth; {
		case d == 3 && level == 2, d == 4 && level == 3:
			w.c.ringEnds = append(w.c.ringEnds, len(w.c.pts))
		case d == 4 && level == 2:
			w.c.polyEnds = append(w.c.polyEnds, len(w.c.ringEnds))
		}
	}
	return nil
}

// position reads the numbers of a position; the scanner is just after its '['.
func (w *coordWalker) position(level int) error {
	s := w.s
	if w.c.depth == 0 {
		w.c.depth = level
	} else if level != w.c.depth {
		w.fail(w.field(level), RuleCoordinates, "a position nested %d deep where the others are nested %d deep", level, w.c.depth)
	}
	var v [3]float64
	n := 0
	for {
		c, err := s.peek()
		if err != nil {
			return err
		}
		if c == '-' || isDigit(c) {
			lit, err := s.readNumber()
			if err != nil {
				return err
			}
			if n < 3 {
				// The grammar is checked, so the only error is a range one, which gives ±Inf
				// (caught as out of range later) or 0 for underflow.
				v[n], _ = strconv.ParseFloat(string(lit), 64)
			}
		} else {
			w.fail(w.field(level), RulePosition, "position element %d is %s, not a number", n, describe(c))
			if err := s.skip(); err != nil {
				return err
			}
		}
		n++
		c, err = s.peek()
		if err != nil {
			return err
		}
		if c == ',' {
			s.pos++
			continue
		}
		if c == ']' {
			s.pos++
			break
		}
		return s.invalidChar(c, "after array element")
	}
	if n < 2 || n > 3 {
		w.fail(w.field(level), RulePosition, "a position has %d numbers; it needs 2 (longitude, latitude) or 3 (and altitude)", n)
	}
	w.c.count++
	if overLimit(w.c.count, w.limit) && !w.c.over {
		w.c.over = true
		w.c.pts, w.c.ringEnds, w.c.polyEnds = nil, nil, nil
	}
	if w.c.issue == nil && !w.c.over {
		w.c.pts = append(w.c.pts, geo.Point{Lng: v[0], Lat: v[1]})
	}
	return nil
}

// finish turns a feature as read into a Feature, or reports its problems.
func (p *gjParser) finish(f *gjFeature, crs geo.CRS) (Feature, bool) {
	feat := Feature{Index: f.index, Props: f.props}
	if feat.Props == nil {
		feat.Props = map[string]string{}
	}
	errs := f.errs
	add := func(fe *FeatureError) {
		fe.Index = f.index
		errs = append(errs, fe)
	}
	if !f.notObject {
		f.attrs.resolve(&feat, feat.Props, add)
		p.finishGeometry(f, &feat, crs, add)
	}
	for _, fe := range errs {
		fe.Name, fe.Code = feat.Name, feat.Code
		p.c.add(fe)
	}
	return feat, len(errs) == 0
}

func (p *gjParser) finishGeometry(f *gjFeature, feat *Feature, crs geo.CRS, add func(*FeatureError)) {
	g := &f.geom
	newErr := func(field, rule, format string, args ...any) {
		add(&FeatureError{Field: field, Rule: rule, Err: fmt.Errorf(format, args...)})
	}
	switch {
	case !g.present:
		newErr("geometry", RuleRequired, "no geometry member")
		return
	case g.null:
		newErr("geometry", RuleEmpty, "empty geometry: geometry is null")
		return
	case g.bad:
		return
	case !g.hasType:
		newErr("geometry.type", RuleGeoJSON, "the geometry has no type member")
		return
	case g.typ != "Polygon" && g.typ != "MultiPolygon":
		newErr("geometry.type", RulePolygon, "the geometry is a %s; a grid must be a Polygon or MultiPolygon", g.typ)
		return
	case !g.hasCoords:
		newErr("geometry.coordinates", RuleRequired, "the %s has no coordinates member", g.typ)
		return
	case g.c.issue != nil:
		add(g.c.issue)
		return
	case g.c.over:
		newErr("geometry", RuleTooManyVertices, "%d points, at most %d", g.c.count, p.maxV)
		return
	}
	multi := g.typ == "MultiPolygon"
	want := 3
	if multi {
		want = 4
	}
	if g.c.depth != want {
		if multi {
			newErr("geometry.coordinates", RuleCoordinates, "MultiPolygon coordinates must be an array of polygons, each an array of rings of [longitude, latitude] positions (positions nested 4 deep), found positions nested %d deep", g.c.depth)
		} else {
			newErr("geometry.coordinates", RuleCoordinates, "Polygon coordinates must be an array of rings of [longitude, latitude] positions (positions nested 3 deep), found positions nested %d deep", g.c.depth)
		}
		return
	}
	if len(g.c.ringEnds) > MaxRings {
		newErr("geometry", RuleTooManyRings, "%d rings, at most %d", len(g.c.ringEnds), MaxRings)
		return
	}
	shape, loc := g.c.build(multi)
	for pi, poly := range shape {
		rings := append([]geo.Ring{poly.Outer}, poly.Holes...)
		for ri, r := range rings {
			if i, err := convertPoints(r, crs); err != nil {
				add(&FeatureError{Field: loc(pi, ri, i), Rule: RuleRange, Err: err})
				return
			}
		}
	}
	if err := shape.ValidateWith(geo.ValidateOptions{MaxVertices: p.maxV}); err != nil {
		add(validationFeatureError(f.index, err, loc))
		return
	}
	feat.Shape = shape
}

// build makes the MultiPolygon; the coordinates are complete and of the right depth.
func (c *coords) build(multi bool) (geo.MultiPolygon, ringLocator) {
	rings := make([]geo.Ring, len(c.ringEnds))
	start := 0
	for i, e := range c.ringEnds {
		rings[i] = geo.Ring(c.pts[start:e:e])
		start = e
	}
	polygon := func(rs []geo.Ring) geo.Polygon {
		p := geo.Polygon{Outer: rs[0]}
		if len(rs) > 1 {
			p.Holes = rs[1:]
		}
		return p
	}
	if !multi {
		return geo.MultiPolygon{polygon(rings)}, func(_, ring, vertex int) string {
			if vertex < 0 {
				return indexPath("geometry.coordinates", ring)
			}
			return indexPath("geometry.coordinates", ring, vertex)
		}
	}
	shape := make(geo.MultiPolygon, len(c.polyEnds))
	start = 0
	for i, e := range c.polyEnds {
		shape[i] = polygon(rings[start:e:e])
		start = e
	}
	return shape, func(poly, ring, vertex int) string {
		if vertex < 0 {
			return indexPath("geometry.coordinates", poly, ring)
		}
		return indexPath("geometry.coordinates", poly, ring, vertex)
	}
}
