package api

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
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

func tooLargePhoto() error {
	msg := fmt.Sprintf("a photo must be at most %d bytes (10 MiB)", photo.MaxBytes)
	return &redgrid.Error{Kind: redgrid.KindTooLarge, Message: msg, Fields: []redgrid.FieldError{{Field: "file", Rule: "max_bytes", Message: msg}}}
}

// readUpload returns the file of an upload: the part named "file" of a multipart/form-data body,
// or a raw body sent as image/jpeg, image/png or image/webp.
func readUpload(r *http.Request) ([]byte, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case err == nil && mt == "multipart/form-data":
		return readMultipartFile(r, "file", uploadLimit)
	case err == nil && (mt == "image/jpeg" || mt == "image/png" || mt == "image/webp"):
		b, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, photo.MaxBytes))
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, tooLargePhoto()
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

// readMultipartFile reads the one part named field of a multipart/form-data body (at most
// photo.MaxBytes; the whole body at most limit). Other parts are skipped.
func readMultipartFile(r *http.Request, field string, limit int64) ([]byte, error) {
	r.Body = http.MaxBytesReader(nil, r.Body, limit)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, redgrid.Invalid("body", "multipart", "the body is not a readable multipart/form-data body")
	}
	var file []byte
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, multipartError(err)
		}
		if part.FormName() != field {
			if _, err := io.Copy(io.Discard, part); err != nil {
				return nil, multipartError(err)
			}
			continue
		}
		if file != nil {
			return nil, redgrid.Invalid(field, "single", "send one file per upload")
		}
		b, err := io.ReadAll(io.LimitReader(part, photo.MaxBytes+1))
		if err != nil {
			return nil, multipartError(err)
		}
		if len(b) > photo.MaxBytes {
			return nil, tooLargePhoto()
		}
		file = b
	}
	if len(file) == 0 {
		return nil, redgrid.Invalid(field, "required", "the form has no file in field "+field)
	}
	return file, nil
}

func multipartError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return tooLargePhoto()
	}
	return redgrid.Invalid("body", "multipart", "the multipart/form-data body is malformed")
}

// processPhoto cleans an upload; a refusal names the field "file" and the rule.
func processPhoto(data []byte) (photo.Processed, error) {
	p, err := photo.Process(data)
	var pe *photo.Error
	if errors.As(err, &pe) {
		switch pe.Rule {
		case "too_large":
			return p, tooLargePhoto()
		case "format":
			return p, redgrid.Invalid("file", "image_format", "the file is not a JPEG, PNG or WebP image")
		case "dimensions":
			return p, redgrid.Invalid("file", "dimensions", fmt.Sprintf("the image must have between 1 and %d pixels", photo.MaxPixels))
		default:
			return p, redgrid.Invalid("file", pe.Rule, "the image cannot be read: "+pe.Message)
		}
	}
	return p, err
}

// storePhoto cleans an upload, writes its files and records it (with the Idempotency-Key of ctx).
func (s *Server) storePhoto(r *http.Request, data []byte, uploaderID *int64) (sqlstore.Photo, bool, error) {
	if s.cfg.PhotoDir == "" {
		return sqlstore.Photo{}, false, redgrid.Errorf(kindUnavailable, "photo storage is not configured on this server")
	}
	pr, err := processPhoto(data)
	if err != nil {
		return sqlstore.Photo{}, false, err
	}
	row := sqlstore.Photo{ID: photo.NewID(), Format: string(pr.Format), Width: pr.Width, Height: pr.Height, Bytes: len(pr.Data),
		SHA256: pr.SHA256, Uploader: "public", UploaderID: uploaderID}
	if uploaderID != nil {
		row.Uploader = "user:" + strconv.FormatInt(*uploaderID, 10)
	}
	files := photo.Files{Dir: s.cfg.PhotoDir}
	return s.store.CreatePhoto(withIdempotency(r, data), row, func() error { return files.Write(row.ID, pr) })
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

// publicCasePhoto serves a photo of the case a resident follows (GET
// /api/v1/public/cases/{token}/photos/{id}[/thumb]).
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
		if ph.CaseID == nil || *ph.CaseID != c.ID {
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
