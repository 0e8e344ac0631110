package api_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io/fs"
	"mime/multipart"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redgrid/redgrid/internal/api"
	"github.com/redgrid/redgrid/internal/redgridtest"
)

// cameraMake is the camera maker written into the test photo's EXIF; it must not survive.
const cameraMake = "REDGRID-CAM"

// gpsJPEG is a 64×48 JPEG carrying an EXIF block (APP1) with a camera maker and a GPS IFD
// (N 39°54'27", E 116°23'50"), as a phone writes it.
func gpsJPEG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for y := 0; y < 48; y++ {
		for x := 0; x < 64; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 5), 90, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	// TIFF header, IFD0 {Make → offset, GPS IFD pointer}, the Make string, the GPS IFD
	// {LatitudeRef, Latitude → offset, LongitudeRef, Longitude → offset}, then the rationals.
	tiff := []byte{'I', 'I', 42, 0, 8, 0, 0, 0}
	entry := func(b []byte, tag, typ uint16, count, value uint32) []byte {
		b = le.AppendUint16(b, tag)
		b = le.AppendUint16(b, typ)
		b = le.AppendUint32(b, count)
		return le.AppendUint32(b, value)
	}
	makeOff := uint32(8 + 2 + 2*12 + 4)
	gpsOff := makeOff + uint32(len(cameraMake)+1)
	tiff = le.AppendUint16(tiff, 2)
	tiff = entry(tiff, 0x010F, 2, uint32(len(cameraMake)+1), makeOff)
	tiff = entry(tiff, 0x8825, 4, 1, gpsOff)
	tiff = le.AppendUint32(tiff, 0)
	tiff = append(tiff, cameraMake+"\x00"...)
	latOff := gpsOff + 2 + 4*12 + 4
	tiff = le.AppendUint16(tiff, 4)
	tiff = entry(tiff, 0x0001, 2, 2, uint32('N'))
	tiff = entry(tiff, 0x0002, 5, 3, latOff)
	tiff = entry(tiff, 0x0003, 2, 2, uint32('E'))
	tiff = entry(tiff, 0x0004, 5, 3, latOff+24)
	tiff = le.AppendUint32(tiff, 0)
	for _, v := range []uint32{39, 1, 54, 1, 27, 1, 116, 1, 23, 1, 50, 1} {
		tiff = le.AppendUint32(tiff, v)
	}
	payload := append([]byte("Exif\x00\x00"), tiff...)
	seg := []byte{0xFF, 0xE1, byte((len(payload) + 2) >> 8), byte(len(payload) + 2)}
	j := buf.Bytes()
	out := append(append(append([]byte{}, j[:2]...), seg...), payload...)
	return append(out, j[2:]...)
}

// bombPNG is a PNG whose header claims 100,000 × 100,000 pixels.
func bombPNG(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	png.Encode(&buf, image.NewGray(image.Rect(0, 0, 1, 1)))
	b := buf.Bytes()
	binary.BigEndian.PutUint32(b[16:], 100000)
	binary.BigEndian.PutUint32(b[20:], 100000)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	return b
}

// multipartFile is a multipart/form-data body with file in field.
func multipartFile(t *testing.T, field string, file []byte) (string, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("note", "巡查照片")
	fw, err := mw.CreateFormFile(field, "IMG_0001.jpg")
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(file)
	mw.Close()
	return buf.String(), mw.FormDataContentType()
}

type photoDoc struct {
	ID       string
	Format   string
	Width    int
	Height   int
	Bytes    int
	URL      string
	ThumbURL string `json:"thumb_url"`
}

func (ev *env) upload(user, path string, body, contentType string, hdr map[string]string) (int, photoDoc, []byte) {
	ev.t.Helper()
	h := map[string]string{"Content-Type": contentType}
	for k, v := range hdr {
		h[k] = v
	}
	res, b := ev.do(user, "POST", path, body, h)
	var p photoDoc
	json.Unmarshal(b, &p)
	return res.StatusCode, p, b
}

func countFiles(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	return n
}

func wantProblem(t *testing.T, b []byte, status int, field, rule string) {
	t.Helper()
	p := parseProblem(t, b)
	if p.Status != status || len(p.Errors) == 0 || p.Errors[0].Field != field || p.Errors[0].Rule != rule {
		t.Fatalf("want %d %s/%s, got %s", status, field, rule, b)
	}
}

// TestPhotos: a grid worker uploads a phone photo with GPS in its EXIF; what is stored and served
// has no metadata, the thumbnail is a JPEG; only the uploader reads it until it is on a case,
// then whoever may read the case; bad uploads are refused naming file and rule, storing nothing.
func TestPhotos(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		dir := t.TempDir()
		ev, _ := caseEnvWith(t, e, api.Config{PhotoDir: dir})
		orig := gpsJPEG(t)
		if !bytes.Contains(orig, []byte(cameraMake)) || !bytes.Contains(orig, []byte("Exif\x00\x00")) {
			t.Fatal("the test photo carries no EXIF")
		}
		body, ct := multipartFile(t, "file", orig)
		st, ph, b := ev.upload("grid1", "/api/v1/photos", body, ct, nil)
		if st != 201 || len(ph.ID) != 32 || ph.Format != "jpeg" || ph.Width != 64 || ph.Height != 48 || ph.URL != "/api/v1/photos/"+ph.ID || ph.ThumbURL != ph.URL+"/thumb" {
			t.Fatalf("upload: %d %s", st, b)
		}

		res, got := ev.do("grid1", "GET", ph.URL, "", nil)
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/jpeg" || res.Header.Get("X-Content-Type-Options") != "nosniff" ||
			!strings.HasPrefix(res.Header.Get("Cache-Control"), "private, max-age=") || len(res.Header.Get("ETag")) != 66 {
			t.Fatalf("fetch: %d %v", res.StatusCode, res.Header)
		}
		for _, leak := range []string{"Exif\x00\x00", cameraMake} {
			if bytes.Contains(got, []byte(leak)) {
				t.Errorf("the served photo still holds %q", leak)
			}
		}
		if len(got) != ph.Bytes {
			t.Errorf("served %d bytes, upload said %d", len(got), ph.Bytes)
		}
		if img, err := jpeg.Decode(bytes.NewReader(got)); err != nil || img.Bounds().Dx() != 64 {
			t.Fatalf("served photo does not decode as the 64×48 JPEG: %v", err)
		}
		res, _ = ev.do("grid1", "GET", ph.URL, "", map[string]string{"If-None-Match": res.Header.Get("ETag")})
		if res.StatusCode != 304 {
			t.Errorf("If-None-Match: %d, want 304", res.StatusCode)
		}
		res, th := ev.do("grid1", "GET", ph.ThumbURL, "", nil)
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/jpeg" {
			t.Fatalf("thumb: %d %v", res.StatusCode, res.Header)
		}
		if _, err := jpeg.Decode(bytes.NewReader(th)); err != nil {
			t.Fatalf("thumb is not a JPEG: %v", err)
		}
		// Unattached: nobody but the uploader, not even the district admin; as if it did not exist.
		for _, u := range []string{"admin", "community1", "community2"} {
			if res, _ := ev.do(u, "GET", ph.URL, "", nil); res.StatusCode != 404 {
				t.Errorf("%s reads an unattached photo of grid1: %d", u, res.StatusCode)
			}
		}
		if res, _ := ev.do("", "GET", ph.URL, "", nil); res.StatusCode != 401 {
			t.Errorf("anonymous read: %d", res.StatusCode)
		}
		if res, _ := ev.do("grid1", "GET", "/api/v1/photos/0123456789abcdef0123456789abcdef", "", nil); res.StatusCode != 404 {
			t.Errorf("unknown photo: %d", res.StatusCode)
		}

		// On a case: whoever may read the case, nobody else.
		lng, lat := inCell(0, 0)
		st, c, b := ev.report("grid1", fmt.Sprintf(`{"category":"0101","lng":%v,"lat":%v,"description":"井盖缺失","channel":"patrol","photos":[%q]}`, lng, lat, ph.ID), nil)
		if st != 201 {
			t.Fatalf("report with photo: %d %s", st, b)
		}
		res, b = ev.do("community1", "GET", fmt.Sprintf("/api/v1/cases/%d", c.ID), "", nil)
		if !bytes.Contains(b, []byte(ph.ID)) {
			t.Fatalf("case does not list its photo: %s", b)
		}
		for u, want := range map[string]int{"grid1": 200, "community1": 200, "admin": 200, "community2": 404, "street2": 404, "dept1": 200} {
			if res, _ := ev.do(u, "GET", ph.ThumbURL, "", nil); res.StatusCode != want {
				t.Errorf("%s reads the photo of case %d: %d, want %d", u, c.ID, res.StatusCode, want)
			}
		}
		// A photo is on one case only.
		before := ev.digest()
		st, _, b = ev.report("grid1", fmt.Sprintf(`{"category":"0101","lng":%v,"lat":%v,"description":"again","channel":"patrol","photos":[%q]}`, lng, lat, ph.ID), nil)
		if st != 400 || ev.digest() != before {
			t.Fatalf("a photo on two cases: %d %s", st, b)
		}
		wantProblem(t, b, 400, "photos[0]", "exists")

		// A raw PNG body, and a retry with the same Idempotency-Key gets the same photo.
		var pb bytes.Buffer
		png.Encode(&pb, image.NewGray(image.Rect(0, 0, 10, 20)))
		key := map[string]string{"Idempotency-Key": "upload-1"}
		st, p1, b := ev.upload("grid1", "/api/v1/photos", pb.String(), "image/png", key)
		if st != 201 || p1.Format != "png" || p1.Width != 10 || p1.Height != 20 {
			t.Fatalf("raw png: %d %s", st, b)
		}
		before, files := ev.digest(), countFiles(t, dir)
		res, b = ev.do("grid1", "POST", "/api/v1/photos", pb.String(), map[string]string{"Content-Type": "image/png", "Idempotency-Key": "upload-1"})
		var p2 photoDoc
		json.Unmarshal(b, &p2)
		if res.StatusCode != 201 || p2.ID != p1.ID || res.Header.Get("Idempotent-Replayed") != "true" || ev.digest() != before || countFiles(t, dir) != files {
			t.Fatalf("retried upload: %d %s (first %s)", res.StatusCode, b, p1.ID)
		}
		st, _, _ = ev.upload("grid1", "/api/v1/photos", string(orig), "image/jpeg", key)
		if st != 422 {
			t.Fatalf("Idempotency-Key reused for another photo: %d", st)
		}

		// Bad input: refused naming file and rule; no row, no file.
		notImage, nct := multipartFile(t, "file", []byte("just some text, not a picture"))
		noFile, fct := multipartFile(t, "photo", orig)
		bigForm, bct := multipartFile(t, "file", make([]byte, 10<<20+1))
		for _, bad := range []struct {
			name, body, ct string
			status         int
			field, rule    string
		}{
			{"not an image", notImage, nct, 400, "file", "image_format"},
			{"no file field", noFile, fct, 400, "file", "required"},
			{"pixel bomb", string(bombPNG(t)), "image/png", 400, "file", "dimensions"},
			{"too big", string(append(orig, make([]byte, 10<<20)...)), "image/jpeg", 413, "file", "max_bytes"},
			{"too big in a form", bigForm, bct, 413, "file", "max_bytes"},
			{"empty", "", "image/jpeg", 400, "file", "required"},
			{"text", "hello", "text/plain", 415, "Content-Type", "image_upload"},
			{"broken form", "--x\r\nbroken", "multipart/form-data; boundary=x", 400, "body", "multipart"},
			{"truncated jpeg", string(orig[:len(orig)/2]), "image/jpeg", 400, "file", "corrupt"},
		} {
			before, files := ev.digest(), countFiles(t, dir)
			st, _, b := ev.upload("grid1", "/api/v1/photos", bad.body, bad.ct, nil)
			if st != bad.status {
				t.Fatalf("%s: %d %s", bad.name, st, b)
			}
			wantProblem(t, b, bad.status, bad.field, bad.rule)
			if ev.digest() != before || countFiles(t, dir) != files {
				t.Fatalf("%s: a refused upload stored something", bad.name)
			}
		}
	})
}

// TestPublicPhotos: a resident uploads from the QR page without login; the photo is readable by
// nobody until their report names it, then through their follow link (and by staff of the case).
func TestPublicPhotos(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev, _ := caseEnvWith(t, e, api.Config{PhotoDir: t.TempDir()})
		body, ct := multipartFile(t, "file", gpsJPEG(t))
		st, ph, b := ev.upload("", "/api/v1/public/photos", body, ct, nil)
		if st != 201 || len(ph.ID) != 32 {
			t.Fatalf("public upload: %d %s", st, b)
		}
		st, other, _ := ev.upload("", "/api/v1/public/photos", body, ct, nil)
		if st != 201 {
			t.Fatalf("second public upload: %d", st)
		}
		for _, u := range []string{"admin", "grid1"} {
			if res, _ := ev.do(u, "GET", ph.URL, "", nil); res.StatusCode != 404 {
				t.Errorf("%s reads an unattached public upload: %d", u, res.StatusCode)
			}
		}
		lng, lat := inCell(0, 0)
		token := "resident-token-0001"
		res, b := ev.do("", "POST", "/api/v1/public/cases", fmt.Sprintf(`{"category":"0101","lng":%v,"lat":%v,"description":"路灯不亮","anonymous":true,"follow_token":%q,"photos":[%q]}`, lng, lat, token, ph.ID), nil)
		if res.StatusCode != 201 {
			t.Fatalf("public report: %d %s", res.StatusCode, b)
		}
		for _, suffix := range []string{"", "/thumb"} {
			res, got := ev.do("", "GET", "/api/v1/public/cases/"+token+"/photos/"+ph.ID+suffix, "", nil)
			if res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/jpeg" || bytes.Contains(got, []byte(cameraMake)) {
				t.Fatalf("resident fetches their photo%s: %d %v", suffix, res.StatusCode, res.Header)
			}
		}
		for _, path := range []string{
			"/api/v1/public/cases/" + token + "/photos/" + other.ID,                      // not on this case
			"/api/v1/public/cases/not-the-token-0000/photos/" + ph.ID,                    // another link
			"/api/v1/public/cases/" + token + "/photos/..%2f..%2fetc%2fpasswd",           // not an id
			"/api/v1/public/cases/" + token + "/photos/0123456789abcdef0123456789abcdef", // unknown
		} {
			if res, _ := ev.do("", "GET", path, "", nil); res.StatusCode != 404 {
				t.Errorf("GET %s: %d, want 404", path, res.StatusCode)
			}
		}
		if res, _ := ev.do("community1", "GET", ph.URL, "", nil); res.StatusCode != 200 {
			t.Errorf("community staff read the photo of a case in their community: %d", res.StatusCode)
		}
	})
}

// TestPhotosNotConfigured: a server without a photo directory refuses uploads with 503.
func TestPhotosNotConfigured(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev := newEnv(t, e, api.Config{})
		st, _, b := ev.upload("grid1", "/api/v1/photos", string(gpsJPEG(t)), "image/jpeg", nil)
		if st != 503 {
			t.Fatalf("upload without a photo directory: %d %s", st, b)
		}
	})
}

// TestPhotosOfOthers: a photo is put on a case only by whoever uploaded it (a resident's upload
// from the public page only by a public report); the follow link serves the photos of the report,
// not those staff attach to their feedback.
func TestPhotosOfOthers(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ev, _ := caseEnvWith(t, e, api.Config{PhotoDir: t.TempDir()})
		body, ct := multipartFile(t, "file", gpsJPEG(t))
		upload := func(user, path string) string {
			t.Helper()
			st, ph, b := ev.upload(user, path, body, ct, nil)
			if st != 201 {
				t.Fatalf("upload by %q: %d %s", user, st, b)
			}
			return ph.ID
		}
		workers, residents := upload("grid1", "/api/v1/photos"), upload("", "/api/v1/public/photos")
		lng, lat := inCell(0, 0)
		token := "resident-token-0002"
		for _, c := range []struct {
			user, path, photo string
		}{
			{"community1", "/api/v1/cases", workers},   // another user's upload
			{"community1", "/api/v1/cases", residents}, // a resident's upload, by staff
			{"", "/api/v1/public/cases", workers},      // a worker's upload, by a resident
		} {
			channel := "phone"
			if c.user == "" {
				channel = "qr"
			}
			before := ev.digest()
			res, b := ev.do(c.user, "POST", c.path, fmt.Sprintf(`{"category":"0101","lng":%v,"lat":%v,"description":"井盖缺失","channel":%q,"anonymous":true,"photos":[%q]}`,
				lng, lat, channel, c.photo), nil)
			if res.StatusCode != 400 || ev.digest() != before {
				t.Fatalf("%q puts photo %s on a case through %s: %d %s", c.user, c.photo, c.path, res.StatusCode, b)
			}
			wantProblem(t, b, 400, "photos[0]", "exists")
		}
		res, b := ev.do("", "POST", "/api/v1/public/cases", fmt.Sprintf(`{"category":"0101","lng":%v,"lat":%v,"description":"井盖缺失","anonymous":true,"follow_token":%q,"photos":[%q]}`,
			lng, lat, token, residents), nil)
		var c caseDoc
		if json.Unmarshal(b, &c); res.StatusCode != 201 {
			t.Fatalf("public report with the resident's photo: %d %s", res.StatusCode, b)
		}
		ev.store.DB().QueryRow("SELECT id FROM cases").Scan(&c.ID)

		// The department feeds back with a photo of its own.
		feedback := upload("dept1", "/api/v1/photos")
		for _, step := range []struct{ user, body string }{
			{"community1", `{"action":"register"}`},
			{"community1", fmt.Sprintf(`{"action":"dispatch","lead_department_id":%d}`, ev.tree.Department.ID)},
			{"dept1", `{"action":"accept"}`},
			{"dept1", fmt.Sprintf(`{"action":"feedback","reason":"已修复","photos":[%q]}`, feedback)},
		} {
			ev.clock.Advance(time.Minute)
			if st, _, b := ev.act(step.user, c.ID, step.body); st != 200 {
				t.Fatalf("%s: %d %s", step.body, st, b)
			}
		}
		if res, _ := ev.do("", "GET", "/api/v1/public/cases/"+token+"/photos/"+residents, "", nil); res.StatusCode != 200 {
			t.Errorf("the resident's own photo through the follow link: %d", res.StatusCode)
		}
		for _, suffix := range []string{"", "/thumb"} {
			if res, _ := ev.do("", "GET", "/api/v1/public/cases/"+token+"/photos/"+feedback+suffix, "", nil); res.StatusCode != 404 {
				t.Errorf("the department's feedback photo%s through the follow link: %d, want 404", suffix, res.StatusCode)
			}
		}
		if res, _ := ev.do("community1", "GET", "/api/v1/photos/"+feedback, "", nil); res.StatusCode != 200 {
			t.Errorf("staff of the case read the feedback photo: %d", res.StatusCode)
		}
	})
}
