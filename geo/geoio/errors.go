package geoio

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/redgrid/redgrid/geo"
)

// Rules name what was wrong, for FeatureError.Rule. The UI maps them to texts; the English
// message in Err is for logs and developers.
const (
	// File-level rules (FeatureError.Index == -1).
	RuleRead            = "read"              // the io.Reader failed
	RuleJSON            = "json"              // not well-formed JSON; the message gives line, column and byte offset
	RuleUTF8            = "utf8"              // the JSON text is not valid UTF-8 (perhaps saved as GBK)
	RuleGeoJSON         = "geojson"           // well-formed JSON that is not a GeoJSON FeatureCollection or Feature (also feature-level: a bad member of a feature)
	RuleCRS             = "crs"               // a coordinate system other than geographic WGS 84 / CGCS2000, or an unusable Options.CRS
	RuleTooManyFeatures = "too_many_features" // more than Options.MaxFeatures features
	RuleZip             = "zip"               // not a readable zip archive, or an entry that cannot be decompressed
	RuleTooLarge        = "too_large"         // the archive decompresses to more than the limits allow
	RuleFiles           = "files"             // no .shp, more than one .shp, or no .dbf beside it
	RulePrj             = "prj"               // no .prj beside the .shp
	RuleShp             = "shp"               // malformed .shp (also feature-level: a malformed record)
	RuleDbf             = "dbf"               // malformed .dbf
	RuleEncoding        = "encoding"          // a .cpg naming an unsupported code page (also feature-level: name or code not valid in the file's encoding)
	RuleShapeType       = "shape_type"        // the Shapefile holds points or lines, not polygons
	RuleCount           = "count"             // the .shp and the .dbf hold different numbers of records

	// Feature-level rules.
	RulePolygon          = "polygon"           // the geometry is not a Polygon or MultiPolygon
	RuleCoordinates      = "coordinates"       // the coordinates member is malformed (nesting, element types)
	RulePosition         = "position"          // a position with fewer than 2 or more than 3 numbers, or a non-number in it
	RuleEmpty            = "empty"             // no geometry: null, an empty array, a Null shape
	RuleRange            = "range"             // a longitude outside [-180, 180] or latitude outside [-90, 90]
	RuleClosed           = "closed"            // a ring whose last point differs from its first
	RuleTooFewPoints     = "too_few_points"    // a ring with fewer than 4 points or 3 distinct ones
	RuleSelfIntersection = "self_intersection" // rings that cross or touch themselves or each other
	RuleHoleOutside      = "hole_outside"      // a hole outside its outer ring; in a Shapefile, a hole inside no outer ring
	RuleTooManyVertices  = "too_many_vertices" // more than Options.MaxVertices points in one feature
	RuleTooManyRings     = "too_many_rings"    // more than MaxRings rings (outer rings and holes) in one feature
	RuleRequired         = "required"          // a member GeoJSON requires is missing (geometry, coordinates)
	RuleText             = "text"              // a control character or U+FFFD in a name or code
	RuleInteger          = "integer"           // a numeric code that is not a whole number below 2^53
	RuleType             = "type"              // a name or code that is a boolean, object or array
	RuleDuplicate        = "duplicate"         // a JSON member given twice in one object
)

// MaxErrors bounds the feature errors an *Errors keeps; the others are only counted (Omitted).
const MaxErrors = 100

// FeatureError is one problem with the input. Index is the 0-based position of the feature in
// the file (the record number minus one for Shapefiles), or -1 for a problem with the file as a
// whole. Name and Code are the feature's, as far as they could be read, to help the user find it.
// Field says where: "geometry", "geometry.coordinates[0][3]" (GeoJSON, indices as in the file),
// "geometry.parts[2][17]" (Shapefile part and point within the part, as ArcGIS numbers them),
// "properties.code"; for file-level errors ".prj", "crs", "features" and the like, or empty.
// Rule is one of the Rule constants. Err is the cause: for geometry problems found by validation
// it wraps the *geo.ValidationError (use errors.As), for the others it is a plain error whose
// text explains the problem in English.
type FeatureError struct {
	Index      int
	Name, Code string
	Field      string
	Rule       string
	Err        error
}

// Error reads like "feature 3 (code 420302001001001, 一网格): geometry.coordinates[0][4]: ring not
// closed: last point differs from the first".
func (e *FeatureError) Error() string {
	var b strings.Builder
	if e.Index < 0 {
		b.WriteString("file")
	} else {
		fmt.Fprintf(&b, "feature %d", e.Index)
		name, code := displayText(e.Name), displayText(e.Code)
		switch {
		case code != "" && name != "":
			fmt.Fprintf(&b, " (code %s, %s)", code, name)
		case code != "":
			fmt.Fprintf(&b, " (code %s)", code)
		case name != "":
			fmt.Fprintf(&b, " (%s)", name)
		}
	}
	if e.Field != "" {
		b.WriteString(": ")
		b.WriteString(e.Field)
	}
	b.WriteString(": ")
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	} else {
		b.WriteString(e.Rule)
	}
	return b.String()
}

func (e *FeatureError) Unwrap() error { return e.Err }

// displayText makes a name or code safe to put in a log line: quoted when it holds control
// characters or invalid UTF-8, and cut at 64 characters.
func displayText(s string) string {
	if s == "" {
		return ""
	}
	if utf8.RuneCountInString(s) > 64 {
		r := []rune(s)
		s = string(r[:64]) + "…"
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return strconv.Quote(s)
		}
	}
	return s
}

// Errors is the error the readers return when the input cannot be imported: the file-level
// problem, if any, and every feature problem found, in file order, up to MaxErrors. A reader
// that returns an *Errors returns no features.
type Errors struct {
	File     *FeatureError   // the file-level problem (Index -1), or nil
	Features []*FeatureError // problems of single features, at most MaxErrors
	Omitted  int             // further feature problems, counted but not kept
}

func (e *Errors) Error() string {
	var b strings.Builder
	n := len(e.Features) + e.Omitted
	switch {
	case e.File != nil && n > 0:
		fmt.Fprintf(&b, "geoio: %s; and %d feature error(s): ", e.File.Error(), n)
	case e.File != nil:
		b.WriteString("geoio: ")
		b.WriteString(e.File.Error())
		return b.String()
	default:
		fmt.Fprintf(&b, "geoio: %d feature error(s): ", n)
	}
	for i, fe := range e.Features {
		if i == 5 {
			fmt.Fprintf(&b, "; … (%d more)", n-5)
			return b.String()
		}
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(fe.Error())
	}
	if e.Omitted > 0 {
		fmt.Fprintf(&b, "; … (%d more)", e.Omitted)
	}
	return b.String()
}

// Unwrap returns the file-level error first, then the feature errors, so that errors.As and
// errors.Is see all of them.
func (e *Errors) Unwrap() []error {
	out := make([]error, 0, len(e.Features)+1)
	if e.File != nil {
		out = append(out, e.File)
	}
	for _, fe := range e.Features {
		out = append(out, fe)
	}
	return out
}

// All returns the file-level error, if any, followed by the feature errors.
func (e *Errors) All() []*FeatureError {
	out := make([]*FeatureError, 0, len(e.Features)+1)
	if e.File != nil {
		out = append(out, e.File)
	}
	return append(out, e.Features...)
}

// collector gathers the errors of one read.
type collector struct {
	errs Errors
}

func (c *collector) add(fe *FeatureError) {
	if len(c.errs.Features) < MaxErrors {
		c.errs.Features = append(c.errs.Features, fe)
	} else {
		c.errs.Omitted++
	}
}

// file records the file-level error; the first one wins.
func (c *collector) file(field, rule string, err error) {
	if c.errs.File == nil {
		c.errs.File = &FeatureError{Index: -1, Field: field, Rule: rule, Err: err}
	}
}

func (c *collector) failed() bool {
	return c.errs.File != nil || len(c.errs.Features) > 0 || c.errs.Omitted > 0
}

func (c *collector) result() error {
	if !c.failed() {
		return nil
	}
	e := c.errs
	return &e
}

// geomError wraps a *geo.ValidationError with a message that leaves out what FeatureError.Field
// already says (polygon, ring and vertex numbers).
type geomError struct {
	msg string
	ve  *geo.ValidationError
}

func (e *geomError) Error() string { return e.msg }
func (e *geomError) Unwrap() error { return e.ve }

// validationRule maps a geo validation kind to a Rule.
func validationRule(kind error) string {
	switch {
	case errors.Is(kind, geo.ErrTooManyVertices):
		return RuleTooManyVertices
	case errors.Is(kind, geo.ErrEmpty):
		return RuleEmpty
	case errors.Is(kind, geo.ErrBadCoordinate):
		return RuleRange
	case errors.Is(kind, geo.ErrNotClosed):
		return RuleClosed
	case errors.Is(kind, geo.ErrTooFewPoints):
		return RuleTooFewPoints
	case errors.Is(kind, geo.ErrSelfIntersection):
		return RuleSelfIntersection
	case errors.Is(kind, geo.ErrHoleOutside):
		return RuleHoleOutside
	}
	return RulePolygon
}

// ringLocator turns a polygon and ring index of a validated MultiPolygon, and a vertex (or -1),
// into a field path.
type ringLocator func(polygon, ring, vertex int) string

// validationFeatureError converts the error of geo.MultiPolygon.ValidateWith.
func validationFeatureError(idx int, err error, loc ringLocator) *FeatureError {
	var ve *geo.ValidationError
	if !errors.As(err, &ve) {
		return &FeatureError{Index: idx, Field: "geometry", Rule: RulePolygon, Err: err}
	}
	field := "geometry"
	if ve.Ring >= 0 {
		field = loc(ve.Polygon, ve.Ring, ve.Vertex)
	}
	var b strings.Builder
	b.WriteString(ve.Kind.Error())
	if ve.OtherRing >= 0 {
		fmt.Fprintf(&b, ": segment %d-%d meets %s near (%.7f, %.7f)", ve.Vertex, ve.Vertex+1,
			otherSegment(ve, loc), ve.At.Lng, ve.At.Lat)
	}
	if ve.Detail != "" {
		b.WriteString(": ")
		b.WriteString(ve.Detail)
	}
	return &FeatureError{Index: idx, Field: field, Rule: validationRule(ve.Kind), Err: &geomError{msg: b.String(), ve: ve}}
}

func otherSegment(ve *geo.ValidationError, loc ringLocator) string {
	if ve.OtherRing == ve.Ring {
		return fmt.Sprintf("segment %d-%d of the same ring", ve.OtherVertex, ve.OtherVertex+1)
	}
	return fmt.Sprintf("segment %d-%d of %s", ve.OtherVertex, ve.OtherVertex+1, loc(ve.Polygon, ve.OtherRing, -1))
}
