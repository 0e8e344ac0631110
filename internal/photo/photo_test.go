package photo

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/image/webp"
)

func wantRule(t *testing.T, err error, rule string) {
	t.Helper()
	var pe *Error
	if !errors.As(err, &pe) {
		t.Fatalf("error = %v (%T), want *Error with rule %q", err, err, rule)
	}
	if pe.Rule != rule {
		t.Fatalf("rule = %q (%v), want %q", pe.Rule, pe, rule)
	}
}

func mustProcess(t *testing.T, data []byte) Processed {
	t.Helper()
	p, err := Process(data)
	if err != nil {
		t.Fatalf("Process: %v", err)
	}
	sum := sha256.Sum256(p.Data)
	if p.SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("SHA256 = %s, want hash of Data", p.SHA256)
	}
	return p
}

// jpegMarkersBeforeScan lists the markers of a JPEG up to the first SOS.
func jpegMarkersBeforeScan(t *testing.T, j []byte) []byte {
	t.Helper()
	var ms []byte
	for i := 2; ; {
		if i+4 > len(j) || j[i] != 0xFF {
			t.Fatalf("malformed JPEG at %d", i)
		}
		m := j[i+1]
		ms = append(ms, m)
		if m == 0xDA {
			return ms
		}
		i += 2 + (int(j[i+2])<<8 | int(j[i+3]))
	}
}

func samePixels(t *testing.T, a, b image.Image) {
	t.Helper()
	if a.Bounds() != b.Bounds() {
		t.Fatalf("bounds %v vs %v", a.Bounds(), b.Bounds())
	}
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			r1, g1, b1, a1 := a.At(x, y).RGBA()
			r2, g2, b2, a2 := b.At(x, y).RGBA()
			if r1 != r2 || g1 != g2 || b1 != b2 || a1 != a2 {
				t.Fatalf("pixel (%d,%d) differs: %v vs %v", x, y, a.At(x, y), b.At(x, y))
			}
		}
	}
}

func TestJPEGStripsExifAndGPS(t *testing.T) {
	base := encodeJPEG(t, quadrants(64, 32))
	// JFIF with a 2×1 RGB thumbnail, EXIF with a GPS IFD, XMP, IPTC, an
	// ICC profile, a comment, and a "motion photo" after EOI.
	jfif := append([]byte("JFIF\x00\x01\x02\x01\x00\x48\x00\x48\x02\x01"), 1, 2, 3, 4, 5, 6)
	xmp := append([]byte("http://ns.adobe.com/xap/1.0/\x00"), `<x:xmpmeta><exif:GPSLatitude>39,54N</exif:GPSLatitude></x:xmpmeta>`...)
	in := insertAfterSOI(base,
		jpegSegment(0xE0, jfif),
		exifAPP1(1),
		jpegSegment(0xE1, xmp),
		jpegSegment(0xED, []byte("Photoshop 3.0\x008BIM\x04\x04 city=Beijing")),
		jpegSegment(0xE2, []byte("ICC_PROFILE\x00\x01\x01 profile")),
		jpegSegment(0xFE, []byte("taken by worker 42")),
	)
	in = append(in, "ftypmp42 secret video"...)
	if !bytes.Contains(in, []byte("Exif")) || exifOrientation(tiffExif(1)) != 1 {
		t.Fatal("test input is not what it should be")
	}

	p := mustProcess(t, in)
	if p.Format != "jpeg" || p.Width != 64 || p.Height != 32 {
		t.Fatalf("got %s %dx%d", p.Format, p.Width, p.Height)
	}
	// Exactly the encoder's bytes plus a thumbnail-free JFIF header: the
	// entropy-coded data was copied, not re-encoded.
	want := insertAfterSOI(base, jpegSegment(0xE0, []byte("JFIF\x00\x01\x02\x01\x00\x48\x00\x48\x00\x00")))
	if !bytes.Equal(p.Data, want) {
		t.Errorf("output is not the original segments (len %d, want %d)", len(p.Data), len(want))
	}
	for _, m := range jpegMarkersBeforeScan(t, p.Data) {
		if m >= 0xE1 && m <= 0xEF || m == 0xFE {
			t.Errorf("marker %#02x survived", m)
		}
	}
	for _, s := range []string{"Exif", "ACME", "http://ns.adobe.com", "Photoshop", "ICC_PROFILE", "worker 42", "ftyp"} {
		if bytes.Contains(p.Data, []byte(s)) {
			t.Errorf("output contains %q", s)
		}
	}
	a, err := jpeg.Decode(bytes.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	b, err := jpeg.Decode(bytes.NewReader(p.Data))
	if err != nil {
		t.Fatal(err)
	}
	samePixels(t, a, b)
}

func TestJPEGFillBytesAndRestartMarkers(t *testing.T) {
	// Restart intervals put RST markers inside the scan; Go's encoder does
	// not write them, so build one with DRI by re-encoding is impossible.
	// Instead check the scan walker on a hand-made segment stream: fill
	// bytes before markers, junk between segments, FF 00 and RST in data.
	base := encodeJPEG(t, quadrants(32, 32))
	sos := bytes.Index(base, []byte{0xFF, 0xDA})
	if sos < 0 {
		t.Fatal("no SOS")
	}
	// Add fill bytes before SOS and junk before DQT.
	in := append([]byte{}, base[:2]...)
	in = append(in, exifAPP1(0)...)
	in = append(in, "junk"...)
	in = append(in, 0xFF, 0xFF, 0xFF)
	in = append(in, base[2:sos]...)
	in = append(in, 0xFF, 0xFF)
	in = append(in, base[sos:]...)
	p := mustProcess(t, in)
	if !bytes.Equal(p.Data, base) {
		t.Errorf("output differs from the encoder's bytes")
	}

	// The scan walker: data with FF 00 and RST markers ends at FF D9 only.
	j := []byte{0xFF, 0xD8}
	j = append(j, jpegSegment(0xDA, []byte{1, 1, 0, 0, 63, 0})...)
	scan := []byte{1, 2, 0xFF, 0x00, 3, 0xFF, 0xD0, 4, 0xFF, 0xD7, 5}
	j = append(j, scan...)
	j = append(j, 0xFF, 0xFF, 0xD9, 'x')
	out, o, err := stripJPEG(j)
	if err != nil {
		t.Fatal(err)
	}
	want := append([]byte{0xFF, 0xD8}, jpegSegment(0xDA, []byte{1, 1, 0, 0, 63, 0})...)
	want = append(append(want, scan...), 0xFF, 0xD9)
	if !bytes.Equal(out, want) || o != 1 {
		t.Errorf("stripJPEG = % x, %d\nwant        % x", out, o, want)
	}
	// Scan data without an end marker is truncated.
	if _, _, err := stripJPEG(j[:len(j)-4]); err == nil {
		t.Error("scan without a following marker accepted")
	}
}

func TestJPEGOrientation(t *testing.T) {
	const w, h = 64, 32
	stored := encodeJPEG(t, quadrants(w, h)) // R G / B Y
	var (
		R = color.RGBA{255, 0, 0, 255}
		G = color.RGBA{0, 255, 0, 255}
		B = color.RGBA{0, 0, 255, 255}
		Y = color.RGBA{255, 255, 0, 255}
	)
	// What the four quadrants of the upright photo show (TL, TR, BL, BR).
	want := map[int][4]color.RGBA{
		1: {R, G, B, Y},
		2: {G, R, Y, B}, // mirrored
		3: {Y, B, G, R}, // 180°
		4: {B, Y, R, G}, // flipped
		5: {R, B, G, Y}, // transposed
		6: {B, R, Y, G}, // 90° clockwise
		7: {Y, G, B, R}, // transverse
		8: {G, Y, R, B}, // 90° counter-clockwise
	}
	for o := 1; o <= 8; o++ {
		p := mustProcess(t, insertAfterSOI(stored, exifAPP1(o)))
		ww, wh := w, h
		if o >= 5 {
			ww, wh = h, w
		}
		if p.Width != ww || p.Height != wh {
			t.Errorf("orientation %d: %dx%d, want %dx%d", o, p.Width, p.Height, ww, wh)
			continue
		}
		if bytes.Contains(p.Data, []byte("Exif")) {
			t.Errorf("orientation %d: EXIF survived", o)
		}
		img, err := jpeg.Decode(bytes.NewReader(p.Data))
		if err != nil {
			t.Fatal(err)
		}
		if img.Bounds().Dx() != ww || img.Bounds().Dy() != wh {
			t.Errorf("orientation %d: decoded %v", o, img.Bounds())
		}
		pts := []image.Point{{ww / 4, wh / 4}, {3 * ww / 4, wh / 4}, {ww / 4, 3 * wh / 4}, {3 * ww / 4, 3 * wh / 4}}
		for k, pt := range pts {
			if !near(img.At(pt.X, pt.Y), want[o][k], 40) {
				t.Errorf("orientation %d: quadrant %d is %v, want %v", o, k, img.At(pt.X, pt.Y), want[o][k])
			}
		}
		if o == 1 && !bytes.Equal(p.Data, stored) {
			t.Error("orientation 1: re-encoded instead of stripped")
		}
		if o != 1 && bytes.Equal(p.Data, stored) {
			t.Errorf("orientation %d: not re-encoded", o)
		}
	}
}

func near(c color.Color, want color.RGBA, tol int) bool {
	r, g, b, _ := c.RGBA()
	d := func(a uint32, b uint8) bool {
		x := int(a>>8) - int(b)
		return x >= -tol && x <= tol
	}
	return d(r, want.R) && d(g, want.G) && d(b, want.B)
}

func TestExifOrientationParser(t *testing.T) {
	if got := exifOrientation(tiffExif(6)); got != 6 {
		t.Errorf("little-endian: %d, want 6", got)
	}
	if got := exifOrientation(tiffExif(0)); got != 1 {
		t.Errorf("no tag: %d, want 1", got)
	}
	// Big-endian, one entry.
	mm := []byte{'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 8, 0, 0, 0, 0, 0, 0}
	if got := exifOrientation(mm); got != 8 {
		t.Errorf("big-endian: %d, want 8", got)
	}
	mm[19] = 9 // out of range
	if got := exifOrientation(mm); got != 1 {
		t.Errorf("value 9: %d, want 1", got)
	}
	for _, bad := range [][]byte{nil, []byte("II*\x00\xff\xff\xff\xff"), mm[:12]} {
		if got := exifOrientation(bad); got != 1 {
			t.Errorf("%q: %d, want 1", bad, got)
		}
	}
}

func TestPNGStripsTextAndExif(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 40, 30))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	base := encodePNG(t, img)
	gama := pngChunk("gAMA", []byte{0, 0, 0xB1, 0x8F})
	in := insertAfterIHDR(base,
		gama,
		pngChunk("tEXt", []byte("Comment\x00GPS 39.9N 116.4E")),
		pngChunk("eXIf", tiffExif(6)),
		pngChunk("tIME", []byte{0x07, 0xE9, 1, 2, 3, 4, 5}),
		pngChunk("zTXt", []byte("Author\x00\x00x\x9c")),
		pngChunk("iTXt", []byte("XML:com.adobe.xmp\x00\x00\x00\x00\x00<x:xmpmeta/>")),
		pngChunk("prVt", []byte("private")),
	)
	in = append(in, "trailing data after IEND"...)

	p := mustProcess(t, in)
	if p.Format != "png" || p.Width != 40 || p.Height != 30 {
		t.Fatalf("got %s %dx%d", p.Format, p.Width, p.Height)
	}
	if want := insertAfterIHDR(base, gama); !bytes.Equal(p.Data, want) {
		t.Errorf("output is not IHDR+gAMA+original chunks")
	}
	types := strings.Join(pngChunkTypes(t, p.Data), " ")
	if !strings.HasPrefix(types, "IHDR gAMA IDAT") || !strings.HasSuffix(types, "IDAT IEND") {
		t.Errorf("chunks = %s", types)
	}
	for _, s := range []string{"tEXt", "eXIf", "tIME", "zTXt", "iTXt", "prVt", "GPS", "ACME", "trailing"} {
		if bytes.Contains(p.Data, []byte(s)) {
			t.Errorf("output contains %q", s)
		}
	}
	a, _ := png.Decode(bytes.NewReader(in))
	b, err := png.Decode(bytes.NewReader(p.Data))
	if err != nil {
		t.Fatal(err)
	}
	samePixels(t, a, b)
}

func TestPNGRejects(t *testing.T) {
	base := encodePNG(t, quadrants(8, 8))
	badCRC := insertAfterIHDR(base, pngChunk("tEXt", []byte("a\x00b")))
	badCRC[8+25+12] ^= 1 // a byte of the tEXt data
	critical := insertAfterIHDR(base, pngChunk("ABCD", nil))
	for name, in := range map[string][]byte{
		"bad CRC":          badCRC,
		"unknown critical": critical,
		"no IEND":          base[:len(base)-12],
		"half":             base[:len(base)/2],
	} {
		_, err := Process(in)
		t.Run(name, func(t *testing.T) { wantRule(t, err, "corrupt") })
	}
}

func TestWebPStripsExifAndXMP(t *testing.T) {
	const w, h = 640, 480
	pix := vp8lSolid(w, h, color.NRGBA{10, 200, 30, 255})
	exif := append([]byte("Exif\x00\x00"), tiffExif(1)...)
	exif = append(exif, 0) // odd length: the chunk is padded
	in := webpFile(
		riffChunkBytes("VP8X", vp8xPayload(vp8xEXIF|vp8xXMP, w, h)),
		riffChunkBytes("VP8L", pix),
		riffChunkBytes("EXIF", exif),
		riffChunkBytes("XMP ", []byte("<x:xmpmeta>GPS</x:xmpmeta>")),
		riffChunkBytes("ZZZZ", []byte("unknown")),
	)
	if _, err := webp.Decode(bytes.NewReader(in)); err != nil {
		t.Fatalf("test input does not decode: %v", err)
	}

	p := mustProcess(t, in)
	if p.Format != "webp" || p.Width != w || p.Height != h {
		t.Fatalf("got %s %dx%d", p.Format, p.Width, p.Height)
	}
	want := webpFile(
		riffChunkBytes("VP8X", vp8xPayload(0, w, h)),
		riffChunkBytes("VP8L", pix),
	)
	if !bytes.Equal(p.Data, want) {
		t.Errorf("output = %q\nwant     %q", p.Data, want)
	}
	if p.Data[20]&(vp8xEXIF|vp8xXMP) != 0 {
		t.Errorf("VP8X flags %#x still announce metadata", p.Data[20])
	}
	if got := binary.LittleEndian.Uint32(p.Data[4:]); int(got) != len(p.Data)-8 {
		t.Errorf("RIFF size %d, file %d bytes", got, len(p.Data))
	}
	for _, s := range []string{"EXIF", "Exif", "XMP ", "xmpmeta", "ZZZZ"} {
		if bytes.Contains(p.Data, []byte(s)) {
			t.Errorf("output contains %q", s)
		}
	}
	img, err := webp.Decode(bytes.NewReader(p.Data))
	if err != nil {
		t.Fatal(err)
	}
	if !near(img.At(w/2, h/2), color.RGBA{10, 200, 30, 255}, 0) {
		t.Errorf("pixel = %v", img.At(w/2, h/2))
	}
	if p.ThumbWidth != 320 || p.ThumbHeight != 240 {
		t.Errorf("thumbnail %dx%d", p.ThumbWidth, p.ThumbHeight)
	}
}

func TestWebPSimple(t *testing.T) {
	p := mustProcess(t, webp1x1)
	if !bytes.Equal(p.Data, webp1x1) || p.Width != 1 || p.Height != 1 {
		t.Errorf("1x1 WebP changed: %q %dx%d", p.Data, p.Width, p.Height)
	}
	// Anything after the image chunk of a simple file, or after the RIFF
	// size, is dropped.
	in := webpFile(riffChunkBytes("VP8L", webp1x1[20:33]), riffChunkBytes("EXIF", []byte("Exif\x00\x00")))
	in = append(in, "tail"...)
	p = mustProcess(t, in)
	if !bytes.Equal(p.Data, webp1x1) {
		t.Errorf("got %q, want %q", p.Data, webp1x1)
	}
	// Animated files cannot be decoded.
	anim := webpFile(riffChunkBytes("VP8X", vp8xPayload(vp8xAnimation, 1, 1)), riffChunkBytes("VP8L", webp1x1[20:33]))
	_, err := Process(anim)
	wantRule(t, err, "corrupt")
}

func TestWebPLossyAndAlpha(t *testing.T) {
	p := mustProcess(t, webpLossy1x1)
	if !bytes.Equal(p.Data, webpLossy1x1) {
		t.Errorf("lossy 1x1 changed: %q", p.Data)
	}
	// VP8X + ALPH + VP8 with EXIF and XMP between and after the chunks.
	chunks := webpAlpha1x1[12:]
	alph, vp8 := chunks[18:38], chunks[38:]
	in := webpFile(
		riffChunkBytes("VP8X", vp8xPayload(0x10|vp8xEXIF|vp8xXMP, 1, 1)),
		riffChunkBytes("XMP ", []byte("<x/>")),
		alph, vp8,
		riffChunkBytes("EXIF", append([]byte("Exif\x00\x00"), tiffExif(3)...)),
	)
	p = mustProcess(t, in)
	if !bytes.Equal(p.Data, webpAlpha1x1) {
		t.Errorf("got  %q\nwant %q", p.Data, webpAlpha1x1)
	}
	img, err := webp.Decode(bytes.NewReader(p.Data))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, a := img.At(0, 0).RGBA(); a != 0 {
		t.Errorf("alpha lost: %v", img.At(0, 0))
	}
	th, _ := jpeg.Decode(bytes.NewReader(p.Thumb))
	if !near(th.At(0, 0), color.RGBA{255, 255, 255, 255}, 3) {
		t.Errorf("transparent pixel in thumbnail is %v, want white", th.At(0, 0))
	}
}

func TestJPEGTooManyScans(t *testing.T) {
	scans := func(n int) []byte {
		j := []byte{0xFF, 0xD8}
		for i := 0; i < n; i++ {
			j = append(j, jpegSegment(0xDA, []byte{1, 1, 0, 0, 63, 0})...)
			j = append(j, 0)
		}
		return append(j, 0xFF, 0xD9)
	}
	if _, _, err := stripJPEG(scans(maxScans + 1)); err == nil || !strings.Contains(err.Error(), "scans") {
		t.Errorf("%d scans: err = %v", maxScans+1, err)
	}
	if _, _, err := stripJPEG(scans(maxScans)); err != nil {
		t.Errorf("%d scans: %v", maxScans, err)
	}
}

func TestDimensions(t *testing.T) {
	// A 20000×20000 RGBA PNG header (1.6 GB of pixels) with a token IDAT.
	ihdr := binary.BigEndian.AppendUint32(nil, 20000)
	ihdr = binary.BigEndian.AppendUint32(ihdr, 20000)
	ihdr = append(ihdr, 8, 6, 0, 0, 0)
	bomb := []byte(pngSignature)
	bomb = append(bomb, pngChunk("IHDR", ihdr)...)
	bomb = append(bomb, pngChunk("IDAT", []byte{0x78, 0x9c, 0x03, 0, 0, 0, 0, 1})...)
	bomb = append(bomb, pngChunk("IEND", nil)...)

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := Process(bomb)
	runtime.ReadMemStats(&after)
	wantRule(t, err, "dimensions")
	if d := after.TotalAlloc - before.TotalAlloc; d > 1<<20 {
		t.Errorf("allocated %d bytes while refusing the bomb", d)
	}

	zero := append([]byte{}, bomb...)
	copy(zero[16:], []byte{0, 0, 0, 0}) // width 0 (CRC now wrong too)
	_, err = Process(zero)
	wantRule(t, err, "dimensions")

	// JPEG: patch the SOF of a real file to 10000×10000.
	j := encodeJPEG(t, quadrants(16, 16))
	sof := bytes.Index(j, []byte{0xFF, 0xC0})
	big := append([]byte{}, j...)
	copy(big[sof+5:], []byte{0x27, 0x10, 0x27, 0x10})
	_, err = Process(big)
	wantRule(t, err, "dimensions")
	zeroJ := append([]byte{}, j...)
	copy(zeroJ[sof+5:], []byte{0, 0})
	_, err = Process(zeroJ)
	wantRule(t, err, "dimensions")

	// WebP: a 16384×16384 lossless image in a few bytes, bare and behind a
	// VP8X header that claims 1×1.
	huge := vp8lSolid(16384, 16384, color.NRGBA{A: 255})
	_, err = Process(webpFile(riffChunkBytes("VP8L", huge)))
	wantRule(t, err, "dimensions")
	_, err = Process(webpFile(riffChunkBytes("VP8X", vp8xPayload(0, 1, 1)), riffChunkBytes("VP8L", huge)))
	wantRule(t, err, "dimensions")
	_, err = Process(webpFile(riffChunkBytes("VP8X", vp8xPayload(0, 16384, 16384)), riffChunkBytes("VP8L", huge)))
	wantRule(t, err, "dimensions")

	// Lossy: a 1×1 VP8 frame patched to 16383×16383.
	lossy := append([]byte{}, webpLossy1x1...)
	copy(lossy[26:], []byte{0xFF, 0x3F, 0xFF, 0x3F})
	_, err = Process(lossy)
	wantRule(t, err, "dimensions")

	// Just under the limit is fine as far as the header goes.
	ok := vp8lSolid(10000, 5000, color.NRGBA{A: 255})
	if _, err := checkHeader(formatWebP, webpFile(riffChunkBytes("VP8L", ok))); err != nil {
		t.Errorf("10000x5000: %v", err)
	}
}

func TestFormat(t *testing.T) {
	gif := []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;")
	for name, in := range map[string][]byte{
		"text named .jpg": []byte("this is not a photo.jpg\n"),
		"empty":           nil,
		"gif":             gif,
		"html":            []byte("<html><body>hi</body></html>"),
		"riff avi":        []byte("RIFF\x04\x00\x00\x00AVI "),
		"half magic":      {0xFF, 0xD8},
	} {
		_, err := Process(in)
		t.Run(name, func(t *testing.T) { wantRule(t, err, "format") })
	}
}

func TestCorrupt(t *testing.T) {
	j := encodeJPEG(t, quadrants(64, 64))
	w := webpFile(riffChunkBytes("VP8L", vp8lSolid(50, 50, color.NRGBA{A: 255})))
	for name, in := range map[string][]byte{
		"truncated jpeg":       j[:len(j)/2],
		"jpeg without EOI":     j[:len(j)-2],
		"jpeg header only":     j[:20],
		"jpeg magic only":      {0xFF, 0xD8, 0xFF},
		"truncated png":        encodePNG(t, quadrants(64, 64))[:60],
		"truncated webp":       w[:len(w)-3],
		"webp header only":     []byte("RIFF\x04\x00\x00\x00WEBP"),
		"jpeg garbage scan":    append(append([]byte{}, j[:bytes.Index(j, []byte{0xFF, 0xDA})+14]...), 0xFF, 0xD9),
		"png signature only":   []byte(pngSignature),
		"webp wrong first fcc": webpFile(riffChunkBytes("EXIF", []byte("x"))),
	} {
		_, err := Process(in)
		t.Run(name, func(t *testing.T) { wantRule(t, err, "corrupt") })
	}
}

func TestTooLarge(t *testing.T) {
	big := make([]byte, MaxBytes+1)
	copy(big, []byte{0xFF, 0xD8, 0xFF})
	_, err := Process(big)
	wantRule(t, err, "too_large")
	// At the limit the size is fine; this one fails later.
	_, err = Process(big[:MaxBytes])
	wantRule(t, err, "corrupt")
}

func TestThumbnail(t *testing.T) {
	cases := []struct {
		name   string
		data   []byte
		tw, th int
	}{
		{"landscape jpeg", encodeJPEG(t, quadrants(1000, 500)), 320, 160},
		{"portrait png", encodePNG(t, quadrants(500, 1000)), 160, 320},
		{"small, not enlarged", encodePNG(t, quadrants(100, 50)), 100, 50},
		{"exactly ThumbSize", encodeJPEG(t, quadrants(320, 200)), 320, 200},
		{"thin", encodePNG(t, quadrants(3000, 2)), 320, 1},
		{"large jpeg", encodeJPEG(t, quadrants(4000, 3000)), 320, 240},
		{"rotated", insertAfterSOI(encodeJPEG(t, quadrants(1000, 500)), exifAPP1(8)), 160, 320},
		{"webp", webpFile(riffChunkBytes("VP8L", vp8lSolid(1000, 10, color.NRGBA{A: 255}))), 320, 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := mustProcess(t, c.data)
			if p.ThumbWidth != c.tw || p.ThumbHeight != c.th {
				t.Errorf("thumbnail %dx%d, want %dx%d", p.ThumbWidth, p.ThumbHeight, c.tw, c.th)
			}
			img, err := jpeg.Decode(bytes.NewReader(p.Thumb))
			if err != nil {
				t.Fatalf("thumbnail is not a JPEG: %v", err)
			}
			if img.Bounds().Dx() != c.tw || img.Bounds().Dy() != c.th {
				t.Errorf("thumbnail decodes as %v", img.Bounds())
			}
		})
	}

	// The quadrant colours survive scaling, and transparency becomes white.
	p := mustProcess(t, encodeJPEG(t, quadrants(2000, 1000)))
	img, _ := jpeg.Decode(bytes.NewReader(p.Thumb))
	if !near(img.At(80, 40), color.RGBA{255, 0, 0, 255}, 40) || !near(img.At(240, 120), color.RGBA{255, 255, 0, 255}, 40) {
		t.Errorf("thumbnail colours %v %v", img.At(80, 40), img.At(240, 120))
	}
	clear := image.NewNRGBA(image.Rect(0, 0, 600, 600))
	p = mustProcess(t, encodePNG(t, clear))
	img, _ = jpeg.Decode(bytes.NewReader(p.Thumb))
	if !near(img.At(160, 160), color.RGBA{255, 255, 255, 255}, 3) {
		t.Errorf("transparent pixel became %v, want white", img.At(160, 160))
	}
}

func TestErrorString(t *testing.T) {
	e := &Error{Rule: "format", Message: "not an image"}
	if got := e.Error(); !strings.Contains(got, "format") || !strings.Contains(got, "not an image") {
		t.Errorf("Error() = %q", got)
	}
}
