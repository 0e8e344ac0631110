package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io"
	"math"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/geo"
	"github.com/redgrid/redgrid/geo/geoio"
	"github.com/redgrid/redgrid/internal/atlas"
	"github.com/redgrid/redgrid/internal/sqlstore"
)

// queryFloat parses a required finite number.
func queryFloat(r *http.Request, name string) (float64, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return 0, redgrid.Invalid(name, "required", name+" is required")
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, redgrid.Invalid(name, "number", name+" must be a finite decimal number")
	}
	return v, nil
}

// queryCRS parses the crs parameter (default wgs84).
func queryCRS(r *http.Request) (geo.CRS, error) {
	s := r.URL.Query().Get("crs")
	if s == "" {
		return geo.WGS84, nil
	}
	c, err := geo.ParseCRS(s)
	if err != nil {
		return 0, redgrid.Invalid("crs", "enum", "crs must be one of wgs84, gcj02, bd09, cgcs2000")
	}
	return c, nil
}

// queryPoint reads lng, lat and crs and returns the WGS-84 point.
func queryPoint(r *http.Request) (geo.Point, error) {
	lng, err := queryFloat(r, "lng")
	if err != nil {
		return geo.Point{}, err
	}
	lat, err := queryFloat(r, "lat")
	if err != nil {
		return geo.Point{}, err
	}
	crs, err := queryCRS(r)
	if err != nil {
		return geo.Point{}, err
	}
	x, y, err := geo.ToWGS84(lng, lat, crs)
	if err != nil {
		if !(lng >= -180 && lng <= 180) {
			return geo.Point{}, redgrid.Invalid("lng", "range", "lng must be from -180 to 180")
		}
		return geo.Point{}, redgrid.Invalid("lat", "range", "lat must be from -90 to 90")
	}
	return geo.Point{Lng: x, Lat: y}, nil
}

type located struct {
	Grid        redgrid.NodeRef   `json:"grid"`
	Ancestors   []redgrid.NodeRef `json:"ancestors"`
	Staff       []staffMember     `json:"staff"`
	PartyBranch *redgrid.PartyOrg `json:"party_branch"`
	Point       [2]float64        `json:"point"` // WGS-84 lng, lat
}

// locate answers which grid a point is in, with the grid's ancestors, staff and party branch.
func (s *Server) locate(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	pt, err := queryPoint(r)
	if err != nil {
		return err
	}
	g, ok := s.atlas.Locate(pt)
	if !ok {
		e := redgrid.Errorf(redgrid.KindNotFound, "the point (%.6f, %.6f) lies in no grid", pt.Lng, pt.Lat)
		e.Extra = map[string]any{"point": [2]float64{pt.Lng, pt.Lat}}
		if near, d, ok := s.atlas.Nearest(pt); ok {
			e.Extra["nearest"] = map[string]any{"id": near.ID, "code": near.Code, "name": near.Name, "distance_m": math.Round(d*10) / 10}
			e.Message += fmt.Sprintf("; the nearest grid is %s (%s), %.0f m away", near.Name, near.Code, d)
		}
		return e
	}
	ctx := r.Context()
	n, err := s.store.Node(ctx, g.ID)
	if err != nil {
		return err
	}
	out := located{Grid: redgrid.NodeRef{ID: n.ID, Kind: n.Kind, Name: n.Name, Code: n.Code}, Staff: []staffMember{}, Point: [2]float64{pt.Lng, pt.Lat}}
	c, err := s.gridCard(ctx, n)
	if err != nil {
		return err
	}
	out.Ancestors, out.PartyBranch = c.ancestors, c.branch
	for _, st := range c.staff {
		out.Staff = append(out.Staff, staffMember{st.UserID, st.Username, st.DisplayName, st.Role})
	}
	return writeJSON(w, http.StatusOK, out)
}

// importGrids imports boundaries from GeoJSON (application/geo+json or application/json) or a
// zipped Shapefile (application/zip), all or nothing; ?dry_run=true only reports.
func (s *Server) importGrids(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	if !p.CanAny(redgrid.ActWriteNode) {
		return forbidden("importing boundaries")
	}
	q := r.URL.Query()
	dry := false
	switch q.Get("dry_run") {
	case "", "false", "0":
	case "true", "1":
		dry = true
	default:
		return redgrid.Invalid("dry_run", "boolean", "dry_run must be true or false")
	}
	crs, err := queryCRS(r)
	if err != nil {
		return err
	}
	source, err := queryText(r, "source", 200)
	if err != nil {
		return err
	}
	key := r.Header.Get("Idempotency-Key")
	if key != "" && (len(key) > 255 || strings.ContainsFunc(key, func(c rune) bool { return c < 0x21 || c > 0x7e })) {
		return redgrid.Invalid("Idempotency-Key", "format", "Idempotency-Key must be 1-255 visible ASCII characters")
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var zipped bool
	switch mt {
	case "application/geo+json", "application/json", "":
	case "application/zip", "application/x-zip-compressed":
		zipped = true
	default:
		return &redgrid.Error{Kind: kindUnsupportedMedia, Message: "send GeoJSON (application/geo+json) or a zipped Shapefile (application/zip)",
			Fields: []redgrid.FieldError{{Field: "Content-Type", Rule: "media_type", Message: "Content-Type must be application/geo+json or application/zip"}}}
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, s.cfg.ImportLimit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &redgrid.Error{Kind: redgrid.KindTooLarge, Message: fmt.Sprintf("the file is larger than %d bytes", s.cfg.ImportLimit),
				Fields: []redgrid.FieldError{{Field: "body", Rule: "max_bytes", Message: fmt.Sprintf("at most %d bytes", s.cfg.ImportLimit)}}}
		}
		return redgrid.Invalid("body", "readable", "the body could not be read")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return redgrid.Invalid("body", "required", "the body must hold a GeoJSON FeatureCollection or a zipped Shapefile")
	}
	opt := geoio.Options{CRS: crs}
	var feats []geoio.Feature
	if zipped {
		feats, err = geoio.ReadShapefileZip(body, opt)
	} else {
		feats, err = geoio.ReadGeoJSON(bytes.NewReader(body), opt)
	}
	if err != nil {
		return readError(err)
	}
	in := atlas.Import{DryRun: dry, Source: source, Allow: func(path string) bool { return p.Can(redgrid.ActWriteNode, path) }}
	if in.Source == "" {
		in.Source = "api"
	}
	for _, f := range feats {
		in.Features = append(in.Features, atlas.Feature{Index: f.Index, Name: f.Name, Code: f.Code, ParentCode: f.ParentCode, Shape: f.Shape})
	}
	ctx := r.Context()
	if key != "" && !dry {
		h := sha256.Sum256(append([]byte(q.Encode()+"\n"), body...))
		ctx = redgrid.WithIdempotency(ctx, redgrid.Idempotency{Key: key, Route: r.Method + " " + r.URL.Path, RequestHash: hex.EncodeToString(h[:])})
	}
	rep, err := s.atlas.Import(ctx, in)
	if err != nil {
		if redgrid.ErrorKind(err) == redgrid.KindUnprocessable && !rep.Valid {
			var re *redgrid.Error
			if errors.As(err, &re) {
				c := *re
				c.Extra = map[string]any{"report": rep}
				c.Fields = reportFields(rep)
				return &c
			}
		}
		return err
	}
	if rep.Replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	return writeJSON(w, http.StatusOK, rep)
}

// reportFields names the first problems of a report as field errors, so that a client that reads
// only the standard members still learns which feature and why.
func reportFields(rep atlas.Report) []redgrid.FieldError {
	var out []redgrid.FieldError
	for _, e := range rep.Errors {
		if len(out) == 20 {
			break
		}
		out = append(out, redgrid.FieldError{Field: fmt.Sprintf("features[%d].%s", e.Index, e.Field), Rule: e.Rule, Message: e.Message})
	}
	for _, pr := range rep.Problems {
		if len(out) == 20 {
			break
		}
		out = append(out, redgrid.FieldError{Field: "features", Rule: string(pr.Kind),
			Message: fmt.Sprintf("%s in %s %s: %.1f m² involving %s near (%.6f, %.6f)", pr.Kind, pr.Parent.Kind.Label(), pr.Parent.Code, pr.AreaM2, strings.Join(pr.Codes, ", "), pr.At[0], pr.At[1])})
	}
	return out
}

// readError turns a reader's error into a 400 problem naming each feature, field and rule.
func readError(err error) error {
	var fe *geoio.Errors
	if errors.As(err, &fe) {
		out := &redgrid.Error{Kind: redgrid.KindInvalid, Message: fe.Error()}
		if fe.Omitted > 0 {
			out.Extra = map[string]any{"omitted_errors": fe.Omitted}
		}
		for _, e := range fe.All() {
			field := fileField(e)
			out.Fields = append(out.Fields, redgrid.FieldError{Field: field, Rule: e.Rule, Message: e.Error()})
		}
		return out
	}
	var one *geoio.FeatureError
	if errors.As(err, &one) {
		return redgrid.Invalid(fileField(one), one.Rule, one.Error())
	}
	return redgrid.Invalid("body", "format", err.Error())
}

// fileField names where a reader's error is: features[i].FIELD for a feature, body or
// body.FIELD (e.g. body..prj) for the file.
func fileField(e *geoio.FeatureError) string {
	switch {
	case e.Index >= 0 && e.Field != "":
		return fmt.Sprintf("features[%d].%s", e.Index, e.Field)
	case e.Index >= 0:
		return fmt.Sprintf("features[%d]", e.Index)
	case e.Field != "":
		return "body." + e.Field
	}
	return "body"
}

// exportGrids streams the boundaries of a subtree as a GeoJSON FeatureCollection.
func (s *Server) exportGrids(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	within, err := queryID(r, "within")
	if err != nil {
		return err
	}
	kind := redgrid.KindGrid
	if k := r.URL.Query().Get("kind"); k != "" {
		kind = redgrid.NodeKind(k)
		if kind != redgrid.KindDistrict && kind != redgrid.KindStreet && kind != redgrid.KindCommunity && kind != redgrid.KindGrid && kind != redgrid.KindMicrogrid {
			return redgrid.Invalid("kind", "enum", "kind must be one of district, street, community, grid, microgrid")
		}
	}
	crs, err := queryCRS(r)
	if err != nil {
		return err
	}
	var paths []string
	if within > 0 {
		n, err := s.readableNode(r, p, within)
		if err != nil {
			return err
		}
		paths = []string{n.Path}
	} else {
		paths = p.ScopePaths(redgrid.ActReadTree)
	}
	ctx := r.Context()
	parentCode := map[int64]string{}
	var feats []geoio.OutFeature
	for _, path := range paths {
		bs, err := s.store.Boundaries(ctx, path, kind)
		if err != nil {
			return err
		}
		for _, b := range bs {
			pc := ""
			if b.ParentID != nil {
				if c, ok := parentCode[*b.ParentID]; ok {
					pc = c
				} else if pn, err := s.store.Node(ctx, *b.ParentID); err == nil {
					pc, parentCode[*b.ParentID] = pn.Code, pn.Code
				}
			}
			shape := b.Shape
			if crs != geo.WGS84 && crs != geo.CGCS2000 {
				shape = convertShape(shape, crs)
			}
			feats = append(feats, geoio.OutFeature{Shape: shape, Props: map[string]any{
				"id": b.NodeID, "kind": b.Kind, "code": b.Code, "name": b.Name, "parent_code": pc, "area_m2": math.Round(b.Area)}})
		}
	}
	w.Header().Set("Content-Type", "application/geo+json")
	w.Header().Set("Cache-Control", "no-store")
	if r.URL.Query().Get("download") == "true" {
		w.Header().Set("Content-Disposition", `attachment; filename="grids.geojson"`)
	}
	return geoio.WriteGeoJSON(w, feats)
}

// convertShape converts a WGS-84 shape to crs for drawing on Amap or Baidu tiles.
func convertShape(m geo.MultiPolygon, crs geo.CRS) geo.MultiPolygon {
	conv := func(r geo.Ring) geo.Ring {
		out := make(geo.Ring, len(r))
		for i, p := range r {
			x, y, err := geo.FromWGS84(p.Lng, p.Lat, crs)
			if err != nil {
				x, y = p.Lng, p.Lat
			}
			out[i] = geo.Point{Lng: x, Lat: y}
		}
		return out
	}
	out := make(geo.MultiPolygon, len(m))
	for i, p := range m {
		out[i].Outer = conv(p.Outer)
		for _, h := range p.Holes {
			out[i].Holes = append(out[i].Holes, conv(h))
		}
	}
	return out
}

// coverage serves the coverage figures of a node, each with its formula and counts.
func (s *Server) coverage(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	id, err := queryID(r, "node")
	if err != nil {
		return err
	}
	if id == 0 {
		return redgrid.Invalid("node", "required", "node is required")
	}
	n, err := s.readableNode(r, p, id)
	if err != nil {
		return err
	}
	f, err := s.atlas.Figures(r.Context(), n)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, f)
}

type placeIn struct {
	Lng        *float64 `json:"lng"`
	Lat        *float64 `json:"lat"`
	CRS        string   `json:"crs"`
	Households *int     `json:"households"`
}

func (in *placeIn) point() (*float64, *float64, error) {
	if in.Lng == nil && in.Lat == nil {
		return nil, nil, nil
	}
	if in.Lng == nil || in.Lat == nil {
		return nil, nil, redgrid.Invalid("lat", "pair", "a position needs both lng and lat")
	}
	crs := geo.WGS84
	if in.CRS != "" {
		c, err := geo.ParseCRS(in.CRS)
		if err != nil {
			return nil, nil, redgrid.Invalid("crs", "enum", "crs must be one of wgs84, gcj02, bd09, cgcs2000")
		}
		crs = c
	}
	x, y, err := geo.ToWGS84(*in.Lng, *in.Lat, crs)
	if err != nil {
		if !(*in.Lng >= -180 && *in.Lng <= 180) {
			return nil, nil, redgrid.Invalid("lng", "range", "lng must be from -180 to 180")
		}
		return nil, nil, redgrid.Invalid("lat", "range", "lat must be from -90 to 90")
	}
	return &x, &y, nil
}

// putNodePlace sets a node's position (a building's entrance) and a building's households.
func (s *Server) putNodePlace(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in placeIn
	if err := s.decode(r, &in); err != nil {
		return err
	}
	lng, lat, err := in.point()
	if err != nil {
		return err
	}
	n, err := s.store.Node(r.Context(), id)
	if err != nil {
		return err
	}
	if !p.Can(redgrid.ActWriteNode, n.Path) {
		return forbidden("node " + strconv.FormatInt(id, 10))
	}
	if in.Households != nil && n.Kind != redgrid.KindBuilding {
		return redgrid.Invalid("households", "kind", "only a building has a number of households")
	}
	if err := s.store.SetNodePlace(r.Context(), id, lng, lat, in.Households); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// putOrgPlace sets where an organisation, such as a service station, is.
func (s *Server) putOrgPlace(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in placeIn
	if err := s.decode(r, &in); err != nil {
		return err
	}
	if in.Households != nil {
		return redgrid.Invalid("households", "kind", "only a building has a number of households")
	}
	lng, lat, err := in.point()
	if err != nil {
		return err
	}
	if lng == nil {
		return redgrid.Invalid("lng", "required", "lng and lat are required")
	}
	o, err := s.store.Org(r.Context(), id)
	if err != nil {
		return err
	}
	if err := s.checkOrgWrite(r, p, o.HomeNodeID, nil); err != nil {
		return err
	}
	if err := s.store.SetOrgPlace(r.Context(), id, *lng, *lat); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// reportURL is the resident's report page placed in a grid: what a grid's QR code holds.
func (s *Server) reportURL(r *http.Request, code string) string {
	return s.publicBase(r) + "/r/" + url.PathEscape(code)
}

// publicBase is the address clients reach this server at, without a trailing slash: the
// configured public URL, or the scheme and host of the request.
func (s *Server) publicBase(r *http.Request) string {
	base := s.cfg.PublicURL
	if base == "" {
		scheme := "http"
		if r.TLS != nil || s.cfg.SecureCookies {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	return strings.TrimRight(base, "/")
}

// qrSVG renders a QR code as SVG: crisp at any print size.
func qrSVG(content string) (template.HTML, error) {
	q, err := qrcode.New(content, qrcode.Medium)
	if err != nil {
		return "", err
	}
	bm := q.Bitmap() // includes the quiet zone
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" shape-rendering="crispEdges"><rect width="100%%" height="100%%" fill="#fff"/><path fill="#000" d="`, len(bm), len(bm))
	for y, row := range bm {
		for x, on := range row {
			if on {
				fmt.Fprintf(&b, "M%d %dh1v1h-1z", x, y)
			}
		}
	}
	b.WriteString(`"/></svg>`)
	return template.HTML(b.String()), nil
}

// gridQR serves one grid's QR code as SVG.
func (s *Server) gridQR(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	n, err := s.readableNode(r, p, id)
	if err != nil {
		return err
	}
	if n.Kind != redgrid.KindGrid {
		return redgrid.Invalid("id", "kind", "QR codes are made for grids")
	}
	svg, err := qrSVG(s.reportURL(r, n.Code))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Content-Disposition", `inline; filename="`+n.Code+`.svg"`)
	_, err = io.WriteString(w, string(svg))
	return err
}

var sheetTmpl = template.Must(template.New("sheet").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{.Title}} · 民情二维码</title>
<style>
body{font-family:"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;margin:0}
h1{font-size:18px;margin:12mm 12mm 4mm}
.sheet{display:grid;grid-template-columns:repeat(3,1fr);gap:6mm;padding:0 12mm 12mm}
.card{border:1px solid #c00;border-radius:3mm;padding:4mm;text-align:center;break-inside:avoid}
.card svg{width:42mm;height:42mm}
.name{font-size:15px;font-weight:bold;color:#c00}
.code,.url{font-size:10px;color:#555;word-break:break-all}
.hint{font-size:12px;margin-top:2mm}
@media print{h1{margin-top:0}}
</style></head><body>
<h1>{{.Title}} · 民情二维码（共{{len .Cards}}个网格）</h1>
<div class="sheet">{{range .Cards}}<div class="card">{{.SVG}}<div class="name">{{.Name}}</div><div class="code">网格编码 {{.Code}}</div><div class="hint">扫码反映诉求，直达网格员</div><div class="url">{{.URL}}</div></div>{{end}}</div>
</body></html>`))

// qrSheet serves a printable page with the QR codes of every grid under a node (a community).
func (s *Server) qrSheet(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	n, err := s.readableNode(r, p, id)
	if err != nil {
		return err
	}
	grids, err := s.store.NodesOfKind(r.Context(), n.Path, redgrid.KindGrid)
	if err != nil {
		return err
	}
	if len(grids) > 1000 {
		return redgrid.Invalid("id", "max_grids", fmt.Sprintf("%s has %d grids; print a sheet per community (at most 1000)", n.Name, len(grids)))
	}
	type qrCard struct {
		Name, Code, URL string
		SVG             template.HTML
	}
	data := struct {
		Title string
		Cards []qrCard
	}{Title: n.Name}
	for _, g := range grids {
		u := s.reportURL(r, g.Code)
		svg, err := qrSVG(u)
		if err != nil {
			return err
		}
		data.Cards = append(data.Cards, qrCard{g.Name, g.Code, u, svg})
	}
	var buf bytes.Buffer
	if err := sheetTmpl.Execute(&buf, data); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, err = w.Write(buf.Bytes())
	return err
}

type publicGrid struct {
	Code      string            `json:"code"`
	Name      string            `json:"name"`
	Ancestors []redgrid.NodeRef `json:"ancestors"`
	Staff     []publicStaff     `json:"staff"`
	Branch    string            `json:"party_branch,omitempty"`
	// Boundary is the grid's outline (a GeoJSON MultiPolygon, WGS-84), so the resident's report
	// form can show where the grid is and take a tap on the map where the phone gives no position.
	Boundary *publicBoundary `json:"boundary,omitempty"`
}

type publicBoundary struct {
	Type        string           `json:"type"`
	Coordinates [][][][2]float64 `json:"coordinates"`
}

type publicStaff struct {
	DisplayName string       `json:"display_name"`
	Role        redgrid.Role `json:"role"`
}

// publicGrid answers the page a resident opens from a grid's QR code, without a login: the grid,
// where it is, who serves it (display names and roles only) and its party branch.
func (s *Server) publicGrid(w http.ResponseWriter, r *http.Request) error {
	code := r.PathValue("code")
	if len(code) > 20 || !allDigits(code) {
		return redgrid.Invalid("code", "digits", "a grid code is 14 or 15 digits")
	}
	ctx := r.Context()
	n, err := s.store.NodeByCode(ctx, code)
	if err != nil {
		return err
	}
	if n.Kind != redgrid.KindGrid {
		return redgrid.Errorf(redgrid.KindNotFound, "no grid has code %s", code)
	}
	out := publicGrid{Code: n.Code, Name: n.Name, Staff: []publicStaff{}}
	c, err := s.gridCard(ctx, n)
	if err != nil {
		return err
	}
	out.Ancestors = c.ancestors
	for _, st := range c.staff {
		out.Staff = append(out.Staff, publicStaff{st.DisplayName, st.Role})
	}
	if c.branch != nil {
		out.Branch = c.branch.Name
	}
	bs, err := s.store.Boundaries(ctx, n.Path, redgrid.KindGrid)
	if err != nil {
		return err
	}
	for _, b := range bs {
		if b.NodeID != n.ID {
			continue
		}
		pb := &publicBoundary{Type: "MultiPolygon"}
		for _, poly := range b.Shape {
			rings := [][][2]float64{ringCoords(poly.Outer)}
			for _, h := range poly.Holes {
				rings = append(rings, ringCoords(h))
			}
			pb.Coordinates = append(pb.Coordinates, rings)
		}
		out.Boundary = pb
	}
	return writeJSON(w, http.StatusOK, out)
}

func ringCoords(r geo.Ring) [][2]float64 {
	out := make([][2]float64, len(r))
	for i, p := range r {
		out[i] = [2]float64{p.Lng, p.Lat}
	}
	return out
}

// card is what a grid shows of itself: where it is, who serves it, which party branch leads it.
type card struct {
	ancestors []redgrid.NodeRef
	staff     []sqlstore.StaffGrant
	branch    *redgrid.PartyOrg
}

func (s *Server) gridCard(ctx context.Context, n redgrid.Node) (card, error) {
	var c card
	var err error
	if c.ancestors, err = s.store.Ancestors(ctx, n.Path); err != nil {
		return c, err
	}
	if c.staff, err = s.store.NodeStaff(ctx, n.ID); err != nil {
		return c, err
	}
	parties, err := s.store.PartyOrgsOfNode(ctx, n.ID)
	if err != nil {
		return c, err
	}
	for i := range parties {
		if parties[i].Kind == redgrid.PartyBranch {
			c.branch = &parties[i]
			break
		}
	}
	return c, nil
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// uiConfig tells the UI what the server is configured with; it holds nothing secret beyond what
// the UI must send to a tile server anyway.
func (s *Server) uiConfig(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, map[string]any{
		"tile_url": s.cfg.TileURL, "tile_attribution": s.cfg.TileAttribution,
		"walk_m": s.atlas.Options().WalkMetres, "households_min": s.atlas.Options().HouseholdsMin, "households_max": s.atlas.Options().HouseholdsMax,
	})
}
