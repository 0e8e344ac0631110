package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/photo"
	"github.com/redgrid/redgrid/internal/sqlstore"
)

// Case photos (issue 5 item 7): uploaded first, then named by id in a case's intake, feedback
// or verification. Stored cleaned (metadata stripped by internal/photo) under Config.PhotoDir.

// photoOut is an uploaded photo as the uploader sees it.
type photoOut struct {
	ID       string `json:"id"`
	Format   string `json:"format"`
	Width    int    `json:"width"`
	Height   int    `json:"height"`
	Bytes    int    `json:"bytes"`
	URL      string `json:"url"`
	ThumbURL string `json:"thumb_url"`
}

func photoView(p sqlstore.Photo) photoOut {
	u := "/api/v1/photos/" + p.ID
	return photoOut{ID: p.ID, Format: p.Format, Width: p.Width, Height: p.Height, Bytes: p.Bytes, URL: u, ThumbURL: u + "/thumb"}
}

// photoCacheAge: a photo's bytes never change under its id, but access to it can (a photo joins
// a case), so private caches keep it for a day at most.
const photoCacheAge = 24 * time.Hour

// uploadLimit bounds a whole upload request: the photo and the multipart framing around it.
const uploadLimit = photo.MaxBytes + 64<<10

func tooLargePhoto(field string) error {
	msg := fmt.Sprintf("a photo must be at most %d bytes (10 MiB)", photo.MaxBytes)
	return &redgrid.Error{Kind: redgrid.KindTooLarge, Message: msg, Fields: []redgrid.FieldError{{Field: field, Rule: "max_bytes", Message: msg}}}
}

// readUpload returns the file of an upload: the part named "file" of a multipart/form-data body,
// or a raw body sent as image/jpeg, image/png or image/webp.
func readUpload(r *http.Request) ([]byte, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case err == nil && mt == "multipart/form-data":
		_, files, err := readMultipart(r, uploadLimit, "file", 1)
		if err != nil {
			return nil, err
		}
		if len(files) == 0 {
			return nil, redgrid.Invalid("file", "required", "the form has no file in field file")
		}
		return files[0], nil
	case err == nil && (mt == "image/jpeg" || mt == "image/png" || mt == "image/webp"):
		b, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, photo.MaxBytes))
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, tooLargePhoto("file")
		}
		if err != nil {
			return nil, redgrid.Invalid("file", "readable", "the upload could not be read")
		}
		if len(b) == 0 {
			return nil, redgrid.Invalid("file", "required", "the body holds no file")
		}
		return b, nil
	}
	return nil, &redgrid.Error{Kind: kindUnsupportedMedia, Message: "send the photo as multipart/form-data (field file) or as image/jpeg, image/png or image/webp",
		Fields: []redgrid.FieldError{{Field: "Content-Type", Rule: "image_upload", Message: "Content-Type must be multipart/form-data, image/jpeg, image/png or image/webp"}}}
}

// maxFormValue bounds a text field of a multipart form.
const maxFormValue = 64 << 10

// readMultipart reads a multipart/form-data body of at most limit bytes: the parts named
// fileField (each at most photo.MaxBytes, at most maxFiles of them) and the text fields (at most
// maxFormValue bytes each).
func readMultipart(r *http.Request, limit int64, fileField string, maxFiles int) (url.Values, [][]byte, error) {
	r.Body = http.MaxBytesReader(nil, r.Body, limit)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, nil, redgrid.Invalid("body", "multipart", "the body is not a readable multipart/form-data body")
	}
	values := url.Values{}
	var files [][]byte
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return values, files, nil
		}
		if err != nil {
			return nil, nil, multipartError(err, fileField)
		}
		name := part.FormName()
		max := int64(maxFormValue)
		if name == fileField {
			if len(files) == maxFiles {
				return nil, nil, redgrid.Invalid(fileField, "max_items", fmt.Sprintf("%s: at most %d file(s) per call", fileField, maxFiles))
			}
			max = photo.MaxBytes
		}
		b, err := io.ReadAll(io.LimitReader(part, max+1))
		if err != nil {
			return nil, nil, multipartError(err, fileField)
		}
		switch {
		case name == fileField && len(b) > photo.MaxBytes:
			return nil, nil, tooLargePhoto(fileField)
		case name == fileField:
			files = append(files, b)
		case len(b) > maxFormValue:
			return nil, nil, &redgrid.Error{Kind: redgrid.KindTooLarge, Message: name + ": a form field is at most 64 KiB",
				Fields: []redgrid.FieldError{{Field: name, Rule: "max_bytes", Message: name + ": at most 64 KiB"}}}
		case len(values) >= maxFormFields && values[name] == nil:
			return nil, nil, redgrid.Invalid("body", "max_fields", fmt.Sprintf("at most %d form fields", maxFormFields))
		default:
			values.Add(name, string(b))
		}
	}
}

// maxFormFields bounds the distinct text fields of a multipart form.
const maxFormFields = 200

func multipartError(err error, fileField string) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return tooLargePhoto(fileField)
	}
	return redgrid.Invalid("body", "multipart", "the multipart/form-data body is malformed")
}

// processPhoto cleans an upload; a refusal names the field and the rule.
func processPhoto(data []byte, field string) (photo.Processed, error) {
	p, err := photo.Process(data)
	var pe *photo.Error
	if errors.As(err, &pe) {
		switch pe.Rule {
		case "too_large":
			return p, tooLargePhoto(field)
		case "format":
			return p, redgrid.Invalid(field, "image_format", field+": the file is not a JPEG, PNG or WebP image")
		case "dimensions":
			return p, redgrid.Invalid(field, "dimensions", fmt.Sprintf("%s: the image must have between 1 and %d pixels", field, photo.MaxPixels))
		default:
			return p, redgrid.Invalid(field, pe.Rule, field+": the image cannot be read: "+pe.Message)
		}
	}
	return p, err
}

// newPhotoRow is the row of a cleaned photo under a new id.
func newPhotoRow(pr photo.Processed, uploaderID *int64) sqlstore.Photo {
	row := sqlstore.Photo{ID: photo.NewID(), Format: string(pr.Format), Width: pr.Width, Height: pr.Height, Bytes: len(pr.Data),
		SHA256: pr.SHA256, Uploader: "public", UploaderID: uploaderID}
	if uploaderID != nil {
		row.Uploader = "user:" + strconv.FormatInt(*uploaderID, 10)
	}
	return row
}

// savePhoto writes a cleaned photo's files and records it (with the Idempotency-Key of ctx, if
// any).
func (s *Server) savePhoto(ctx context.Context, pr photo.Processed, uploaderID *int64) (sqlstore.Photo, bool, error) {
	if s.cfg.PhotoDir == "" {
		return sqlstore.Photo{}, false, redgrid.Errorf(kindUnavailable, "photo storage is not configured on this server")
	}
	row := newPhotoRow(pr, uploaderID)
	files := photo.Files{Dir: s.cfg.PhotoDir}
	return s.store.CreatePhoto(ctx, row, func() error { return files.Write(row.ID, pr) })
}

// writePhotoFiles writes the files of cleaned photos whose rows the caller records in a
// transaction of its own (see sqlstore.CaseIntake.NewPhotos); the undo removes them again, for
// when that transaction fails or is not needed (a retry).
func (s *Server) writePhotoFiles(ps []photo.Processed, uploaderID *int64) (rows []sqlstore.Photo, undo func(), err error) {
	files := photo.Files{Dir: s.cfg.PhotoDir}
	undo = func() {
		for _, row := range rows {
			f, _ := photo.ParseFormat(row.Format)
			if err := files.Remove(row.ID, f); err != nil {
				s.log.Warn("photo files not removed", "photo", row.ID, "err", err)
			}
		}
	}
	if len(ps) > 0 && s.cfg.PhotoDir == "" {
		return nil, undo, redgrid.Errorf(kindUnavailable, "photo storage is not configured on this server")
	}
	for _, pr := range ps {
		row := newPhotoRow(pr, uploaderID)
		rows = append(rows, row)
		if err := files.Write(row.ID, pr); err != nil {
			undo()
			return nil, func() {}, err
		}
	}
	return rows, undo, nil
}

// storePhoto cleans an upload and saves it under the request's Idempotency-Key.
func (s *Server) storePhoto(r *http.Request, data []byte, uploaderID *int64) (sqlstore.Photo, bool, error) {
	if s.cfg.PhotoDir == "" {
		return sqlstore.Photo{}, false, redgrid.Errorf(kindUnavailable, "photo storage is not configured on this server")
	}
	pr, err := processPhoto(data, "file")
	if err != nil {
		return sqlstore.Photo{}, false, err
	}
	return s.savePhoto(withIdempotency(r, data), pr, uploaderID)
}

// uploadPhoto: POST /api/v1/photos (a logged-in user).
func (s *Server) uploadPhoto(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	if err := checkIdempotencyKey(r); err != nil {
		return err
	}
	data, err := readUpload(r)
	if err != nil {
		return err
	}
	ph, replayed, err := s.storePhoto(r, data, &p.UserID)
	if err != nil {
		return err
	}
	return created(w, "/api/v1/photos/"+ph.ID, replayed, photoView(ph))
}

// publicUploadPhoto: POST /api/v1/public/photos (a resident on a grid's QR page, no login). The
// photo is readable only once the resident's report names it, through their follow link.
func (s *Server) publicUploadPhoto(w http.ResponseWriter, r *http.Request) error {
	if !s.limiter("photo:" + redgrid.ActorFrom(r.Context()).RemoteAddr).Allow() {
		w.Header().Set("Retry-After", "60")
		return redgrid.Errorf(redgrid.KindRateLimited, "too many uploads from this address; wait a minute")
	}
	if err := checkIdempotencyKey(r); err != nil {
		return err
	}
	data, err := readUpload(r)
	if err != nil {
		return err
	}
	a := redgrid.ActorFrom(r.Context())
	a.Username = "resident"
	r = r.WithContext(redgrid.WithActor(r.Context(), a))
	ph, replayed, err := s.storePhoto(r, data, nil)
	if err != nil {
		return err
	}
	return created(w, "/api/v1/photos/"+ph.ID, replayed, photoView(ph))
}

// noPhoto is the answer for a photo that does not exist and for one the caller may not see
// alike, so that an id tells nothing about whether it exists.
func noPhoto() error { return redgrid.Errorf(redgrid.KindNotFound, "no such photo") }

func (s *Server) photoRow(r *http.Request) (sqlstore.Photo, error) {
	id := r.PathValue("id")
	if !photo.ValidID(id) {
		return sqlstore.Photo{}, noPhoto()
	}
	ph, err := s.store.Photo(r.Context(), id)
	if redgrid.ErrorKind(err) == redgrid.KindNotFound {
		return ph, noPhoto()
	}
	return ph, err
}

// getPhoto serves a photo (or its thumbnail) to its uploader while it is on no case, and then to
// whoever may read its case.
func (s *Server) getPhoto(thumb bool) authedFunc {
	return func(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
		ph, err := s.photoRow(r)
		if err != nil {
			return err
		}
		if ph.CaseID == nil {
			if ph.UploaderID == nil || *ph.UploaderID != p.UserID {
				return noPhoto()
			}
		} else {
			c, err := s.store.Case(r.Context(), *ph.CaseID)
			if err != nil {
				return err
			}
			if !caseReadable(p, &c) {
				return noPhoto()
			}
		}
		return s.servePhoto(w, r, ph, thumb)
	}
}

// publicCasePhoto serves a photo of the report of the case a resident follows (GET
// /api/v1/public/cases/{token}/photos/{id}[/thumb]): only the photos of the report itself (the
// case's photos, which the public view lists), not those the staff attach to feedback or
// verification, which are internal records.
func (s *Server) publicCasePhoto(thumb bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		c, _, err := s.followedCase(r)
		if err != nil {
			return err
		}
		ph, err := s.photoRow(r)
		if err != nil {
			return err
		}
		if ph.CaseID == nil || *ph.CaseID != c.ID || !slices.Contains(c.Photos, ph.ID) {
			return noPhoto()
		}
		return s.servePhoto(w, r, ph, thumb)
	}
}

func (s *Server) servePhoto(w http.ResponseWriter, r *http.Request, ph sqlstore.Photo, thumb bool) error {
	f, ok := photo.ParseFormat(ph.Format)
	if !ok || s.cfg.PhotoDir == "" {
		return fmt.Errorf("photo %s: format %q or no photo directory", ph.ID, ph.Format)
	}
	file, err := photo.Files{Dir: s.cfg.PhotoDir}.Open(ph.ID, f, thumb)
	if err != nil {
		return fmt.Errorf("photo %s: %w", ph.ID, err)
	}
	defer file.Close()
	ct, etag := f.ContentType(), `"`+ph.SHA256+`"`
	if thumb {
		ct, etag = "image/jpeg", `"`+ph.SHA256+`-thumb"`
	}
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("ETag", etag)
	h.Set("Cache-Control", "private, max-age="+strconv.Itoa(int(photoCacheAge.Seconds())))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Disposition", "inline")
	// ServeContent answers If-None-Match with 304 and Range requests from the file.
	http.ServeContent(w, r, "", time.Time{}, file)
	return nil
}
