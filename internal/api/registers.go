package api

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/registers"
	"github.com/redgrid/redgrid/internal/sheet"
	"github.com/redgrid/redgrid/internal/sqlstore"
)

// Registers of people and dwellings (issue 6): households here; each register also imports from
// and exports to .xlsx through /api/v1/registers/{register}/….

var chinaTime = time.FixedZone("CST", 8*3600)

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

func (s *Server) listHouseholds(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	n, err := s.registerNode(r, p)
	if err != nil {
		return err
	}
	after, err := queryID(r, "after")
	if err != nil {
		return err
	}
	limit, err := queryLimit(r, 200, 1000)
	if err != nil {
		return err
	}
	q := r.URL.Query().Get("q")
	if len([]rune(q)) > 50 || redgrid.HasControl(q) {
		return redgrid.Invalid("q", "max_length", "q must be at most 50 characters of text")
	}
	out, err := s.store.Households(r.Context(), sqlstore.HouseholdQuery{Path: n.Path, Q: q, After: after, Limit: limit})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list[redgrid.Household]{out})
}

// registerNode is the query parameter node: a node whose registers the caller may read.
func (s *Server) registerNode(r *http.Request, p *redgrid.Principal) (redgrid.Node, error) {
	id, err := queryID(r, "node")
	if err != nil {
		return redgrid.Node{}, err
	}
	if id == 0 {
		return redgrid.Node{}, redgrid.Invalid("node", "required", "node is required")
	}
	n, err := s.store.Node(r.Context(), id)
	if redgrid.ErrorKind(err) == redgrid.KindNotFound {
		return n, redgrid.Invalid("node", "exists", "node names no node")
	}
	if err != nil {
		return n, err
	}
	if !p.Can(redgrid.ActReadRegister, n.Path) {
		return n, forbidden("the registers of " + n.Name)
	}
	return n, nil
}

// queryLimit reads the optional query parameter limit (1..top; def when absent).
func queryLimit(r *http.Request, def, top int) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > top {
		return 0, redgrid.Invalid("limit", "range", fmt.Sprintf("limit must be between 1 and %d", top))
	}
	return n, nil
}

func (s *Server) createHousehold(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	var in redgrid.NewHousehold
	ctx, err := s.decodeCreate(r, &in)
	if err != nil {
		return err
	}
	in.Normalize()
	if err := in.Validate(); err != nil {
		return err
	}
	b, err := s.store.Node(ctx, in.BuildingID)
	if redgrid.ErrorKind(err) == redgrid.KindNotFound {
		return redgrid.Invalid("building_id", "exists", "building_id names no node")
	}
	if err != nil {
		return err
	}
	if b.Kind != redgrid.KindBuilding {
		return redgrid.Invalid("building_id", "kind", "building_id must name a building (楼栋)")
	}
	if !p.Can(redgrid.ActWriteRegister, b.Path) {
		return forbidden("recording households of " + b.Name)
	}
	h, replayed, err := s.store.CreateHousehold(ctx, in)
	if err != nil {
		return err
	}
	setETag(w, h.Version)
	return created(w, "/api/v1/households/"+strconv.FormatInt(h.ID, 10), replayed, h)
}

func (s *Server) getHousehold(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	h, err := s.store.Household(r.Context(), id)
	if err != nil {
		return err
	}
	if !p.Can(redgrid.ActReadRegister, h.Path) {
		return forbidden("household " + strconv.FormatInt(id, 10))
	}
	setETag(w, h.Version)
	return writeJSON(w, http.StatusOK, h)
}

func (s *Server) patchHousehold(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	id, version, in, err := readPatch[redgrid.HouseholdPatch](s, r)
	if err != nil {
		return err
	}
	path, err := s.store.HouseholdPath(r.Context(), id)
	if err != nil {
		return err
	}
	if !p.Can(redgrid.ActWriteRegister, path) {
		return forbidden("changing household " + strconv.FormatInt(id, 10))
	}
	h, err := s.store.UpdateHousehold(r.Context(), id, in, version)
	if err != nil {
		return err
	}
	setETag(w, h.Version)
	return writeJSON(w, http.StatusOK, h)
}

func (s *Server) getBuildingChart(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	n, err := s.store.Node(r.Context(), id)
	if err != nil {
		return err
	}
	if !p.Can(redgrid.ActReadRegister, n.Path) {
		return forbidden("the households of " + n.Name)
	}
	c, err := s.store.BuildingChart(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, c)
}

type layoutIn struct {
	Units  int `json:"units"`
	Floors int `json:"floors"`
}

// putBuildingLayout records a building's units and floors (PUT /api/v1/buildings/{id}/layout).
func (s *Server) putBuildingLayout(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in layoutIn
	if err := s.decode(r, &in); err != nil {
		return err
	}
	n, err := s.store.Node(r.Context(), id)
	if err != nil {
		return err
	}
	if !p.Can(redgrid.ActWriteRegister, n.Path) {
		return forbidden("the layout of " + n.Name)
	}
	if err := s.store.SetBuildingLayout(r.Context(), id, in.Units, in.Floors); err != nil {
		return err
	}
	c, err := s.store.BuildingChart(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, c)
}

// registerParam is the path parameter register.
func registerParam(r *http.Request) (*registers.Register, error) {
	name := r.PathValue("register")
	reg, ok := registers.All[name]
	if !ok {
		return nil, redgrid.Errorf(redgrid.KindNotFound, "no register %q (registers: %s)", name, strings.Join(registers.Names(), ", "))
	}
	return reg, nil
}

type registerInfo struct {
	Name    string   `json:"name"`
	Label   string   `json:"label"`
	Sheet   string   `json:"sheet"`
	Headers []string `json:"headers"`
	// Personal: the fields an unmasked export (?unmasked=true&reason=…) shows in full; empty when
	// the register has none to unmask.
	Personal []string `json:"personal"`
}

func (s *Server) listRegisters(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	if !p.CanAny(redgrid.ActReadRegister) {
		return forbidden("the registers")
	}
	out := []registerInfo{}
	for _, name := range registers.Names() {
		reg := registers.All[name]
		info := registerInfo{Name: name, Label: reg.Label, Sheet: reg.Schema.Sheet, Personal: append([]string{}, reg.Personal...)}
		for _, c := range reg.Schema.Columns {
			info.Headers = append(info.Headers, c.Header)
		}
		out = append(out, info)
	}
	return writeJSON(w, http.StatusOK, list[registerInfo]{out})
}

func sendXLSX(w http.ResponseWriter, name string, body []byte) error {
	w.Header().Set("Content-Type", xlsxType)
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name))
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	_, err := w.Write(body)
	return err
}

func (s *Server) getRegisterTemplate(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	reg, err := registerParam(r)
	if err != nil {
		return err
	}
	if !p.CanAny(redgrid.ActWriteRegister) {
		return forbidden("the " + reg.Label + " template")
	}
	var b bytes.Buffer
	if err := reg.Schema.Template(&b); err != nil {
		return err
	}
	return sendXLSX(w, reg.Schema.Sheet+"导入模板.xlsx", b.Bytes())
}

func (s *Server) exportRegister(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	reg, err := registerParam(r)
	if err != nil {
		return err
	}
	n, err := s.registerNode(r, p)
	if err != nil {
		return err
	}
	ctx := r.Context()
	// ?unmasked=true&reason=… shows the personal fields in full: a role that may unmask there,
	// a reason, one entry in the unmasking log (written before the file is sent).
	unmasked, err := queryBool(r.URL.Query(), "unmasked")
	if err != nil {
		return err
	}
	var reason string
	if unmasked {
		if len(reg.Personal) == 0 {
			return redgrid.Invalid("unmasked", "personal", "the "+reg.Name+" register holds no personal fields to unmask")
		}
		if reason, err = checkUnmaskReason(r.URL.Query().Get("reason")); err != nil {
			return err
		}
		if !p.Can(redgrid.ActUnmask, n.Path) {
			return forbidden("an unmasked export of " + n.Name)
		}
	}
	rows, err := reg.Export(ctx, s.store, n.Path, unmasked)
	if err != nil {
		return err
	}
	at := s.now()
	by := p.DisplayName + "（" + p.Username + "）"
	info := registers.ExportInfo(by, at, n.Name, !unmasked)
	info.Reason = reason
	var b bytes.Buffer
	if err := reg.Schema.Export(&b, rows, info); err != nil {
		return err
	}
	if unmasked {
		if _, err := s.store.LogUnmaskings(ctx, "register/"+reg.Name+"/node/"+strconv.FormatInt(n.ID, 10), reg.Personal,
			sqlstore.UnmaskExport, reason, len(rows)); err != nil {
			return err
		}
	}
	if err := s.store.Audit(ctx, "register.export", reg.Name, redgrid.OutcomeOK,
		map[string]any{"node": n.ID, "rows": len(rows), "unmasked": unmasked}); err != nil {
		return err
	}
	name := fmt.Sprintf("%s_%s_%s.xlsx", reg.Schema.Sheet, n.Name, at.In(chinaTime).Format("20060102150405"))
	if unmasked {
		name = strings.TrimSuffix(name, ".xlsx") + "_未脱敏.xlsx"
	}
	return sendXLSX(w, name, b.Bytes())
}

// importRegister takes an .xlsx (the body, or the file part of a multipart form) and imports it
// into the subtree of node. ?good_rows_only=true writes the good rows even when some are bad;
// ?dry_run=true writes nothing. A file with bad rows and no good_rows_only is refused (422) with
// the report in the problem document; nothing is written.
func (s *Server) importRegister(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	reg, err := registerParam(r)
	if err != nil {
		return err
	}
	n, err := s.registerNode(r, p)
	if err != nil {
		return err
	}
	act := reg.WriteAction()
	if !p.Can(act, childPath(n.Path)) {
		return forbidden("importing into " + n.Name)
	}
	q := r.URL.Query()
	goodOnly, err := queryBool(q, "good_rows_only")
	if err != nil {
		return err
	}
	dry, err := queryBool(q, "dry_run")
	if err != nil {
		return err
	}
	body, err := s.readSheetBody(r)
	if err != nil {
		return err
	}
	rep, err := registers.Import(r.Context(), s.store, reg, bytes.NewReader(body), int64(len(body)), registers.Options{
		Within: n.Path, GoodRowsOnly: goodOnly, DryRun: dry,
		Allowed:    func(path string) bool { return p.Can(act, path) },
		TagAllowed: func(path string, t redgrid.CareTag) bool { return len(seenTags(p, path, []redgrid.CareTag{t})) > 0 },
	})
	var fe *sheet.FileError
	if errors.As(err, &fe) {
		return &redgrid.Error{Kind: redgrid.KindInvalid, Message: fe.Message,
			Fields: []redgrid.FieldError{{Field: "file", Rule: fe.Rule, Message: fe.Message}}}
	}
	if err != nil {
		return err
	}
	if !rep.OK() && !goodOnly {
		return &redgrid.Error{Kind: redgrid.KindUnprocessable,
			Message: fmt.Sprintf("%d of %d rows are bad; nothing was written (fix them, or import only the good rows)", rep.Total-rep.Good, rep.Total),
			Fields:  problemFields(rep.Problems), Extra: map[string]any{"report": rep}}
	}
	return writeJSON(w, http.StatusOK, rep)
}

// problemFields names the first bad cells as field errors ("row 5, C (出生日期)").
func problemFields(ps []sheet.Problem) []redgrid.FieldError {
	var out []redgrid.FieldError
	for _, p := range ps {
		if len(out) == 20 {
			break
		}
		field := "row " + strconv.Itoa(p.Row)
		if p.Column != "" {
			field += ", " + p.Column + " (" + p.Header + ")"
		}
		out = append(out, redgrid.FieldError{Field: field, Rule: p.Rule, Message: p.Message})
	}
	return out
}

func queryBool(q url.Values, name string) (bool, error) {
	switch q.Get(name) {
	case "", "false", "0":
		return false, nil
	case "true", "1":
		return true, nil
	}
	return false, redgrid.Invalid(name, "bool", name+" must be true or false")
}

// readSheetBody reads the uploaded .xlsx: the body itself, or the part "file" of a multipart form.
func (s *Server) readSheetBody(r *http.Request) ([]byte, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	limit := int64(sheet.MaxFileSize)
	var src io.Reader
	switch mt {
	case xlsxType, "application/octet-stream":
		src = http.MaxBytesReader(nil, r.Body, limit)
	case "multipart/form-data":
		r.Body = http.MaxBytesReader(nil, r.Body, limit+maxFormValue*maxFormFields)
		mr, err := r.MultipartReader()
		if err != nil {
			return nil, redgrid.Invalid("body", "multipart", "the body is not a readable multipart/form-data body")
		}
		for parts := 0; src == nil; parts++ {
			part, err := mr.NextPart()
			if err == io.EOF {
				return nil, redgrid.Invalid("file", "required", "the form has no file in field file")
			}
			if err != nil {
				return nil, multipartError(err, "file")
			}
			if parts >= maxFormFields {
				return nil, redgrid.Invalid("body", "max_fields", fmt.Sprintf("at most %d form fields", maxFormFields))
			}
			if part.FormName() == "file" {
				src = part
				break
			}
			if _, err := io.Copy(io.Discard, io.LimitReader(part, maxFormValue)); err != nil {
				return nil, multipartError(err, "file")
			}
		}
	default:
		return nil, &redgrid.Error{Kind: kindUnsupportedMedia, Message: "send the .xlsx file as the body (" + xlsxType + ") or as the part file of a multipart form",
			Fields: []redgrid.FieldError{{Field: "Content-Type", Rule: "media_type", Message: "Content-Type must be " + xlsxType + " or multipart/form-data"}}}
	}
	body, err := io.ReadAll(io.LimitReader(src, limit+1))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) || int64(len(body)) > limit {
		return nil, &redgrid.Error{Kind: redgrid.KindTooLarge, Message: fmt.Sprintf("the file is larger than %d MB", limit>>20),
			Fields: []redgrid.FieldError{{Field: "file", Rule: "max_bytes", Message: fmt.Sprintf("at most %d bytes", limit)}}}
	}
	if err != nil {
		return nil, redgrid.Invalid("body", "readable", "the body could not be read")
	}
	if len(body) == 0 {
		return nil, redgrid.Invalid("file", "required", "the body must hold an .xlsx file")
	}
	return body, nil
}
