package photo

// Builders for test images: JPEG segments, EXIF/TIFF blocks, PNG chunks and
// WebP files written by hand.

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"
)

// quadrants returns a w×h image whose four quadrants are red (top left),
// green (top right), blue (bottom left) and yellow (bottom right).
func quadrants(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var c color.RGBA
			switch {
			case x < w/2 && y < h/2:
				c = color.RGBA{255, 0, 0, 255}
			case y < h/2:
				c = color.RGBA{0, 255, 0, 255}
			case x < w/2:
				c = color.RGBA{0, 0, 255, 255}
			default:
				c = color.RGBA{255, 255, 0, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

func encodeJPEG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// jpegSegment returns marker m with payload p as a JPEG segment.
func jpegSegment(m byte, p []byte) []byte {
	n := len(p) + 2
	return append([]byte{0xFF, m, byte(n >> 8), byte(n)}, p...)
}

// insertAfterSOI puts segments right after the SOI marker of a JPEG.
func insertAfterSOI(j []byte, segs ...[]byte) []byte {
	out := append([]byte{}, j[:2]...)
	for _, s := range segs {
		out = append(out, s...)
	}
	return append(out, j[2:]...)
}

// tiffExif builds a little-endian TIFF structure with IFD0 holding the
// Orientation (if o > 0), a Make string and a pointer to a GPS IFD with
// latitude N 39°54'27" and longitude E 116°23'50".
func tiffExif(o int) []byte {
	le := binary.LittleEndian
	var b []byte
	b = append(b, 'I', 'I', 42, 0, 8, 0, 0, 0)
	type entry struct {
		tag, typ uint16
		count    uint32
		value    []byte // 4 bytes: the value or an offset
	}
	u16 := func(v uint16) []byte { return le.AppendUint16(nil, v) }
	u32 := func(v uint32) []byte { return le.AppendUint32(nil, v) }
	ifd := func(es []entry) []byte {
		var out []byte
		out = append(out, u16(uint16(len(es)))...)
		for _, e := range es {
			out = append(out, u16(e.tag)...)
			out = append(out, u16(e.typ)...)
			out = append(out, u32(e.count)...)
			v := append(append([]byte{}, e.value...), 0, 0, 0, 0)
			out = append(out, v[:4]...)
		}
		return append(out, 0, 0, 0, 0) // no next IFD
	}
	var ifd0 []entry
	if o > 0 {
		ifd0 = append(ifd0, entry{0x0112, 3, 1, u16(uint16(o))})
	}
	// Make "ACME" (5 bytes with NUL, stored at an offset) and GPS pointer.
	n0 := len(ifd0) + 2
	ifd0Size := 2 + 12*n0 + 4
	makeOff := 8 + ifd0Size
	gpsOff := makeOff + 6
	ifd0 = append(ifd0,
		entry{0x010F, 2, 5, u32(uint32(makeOff))},
		entry{0x8825, 4, 1, u32(uint32(gpsOff))})
	b = append(b, ifd(ifd0)...)
	b = append(b, "ACME\x00\x00"...)
	// GPS IFD: LatitudeRef, Latitude, LongitudeRef, Longitude.
	gpsSize := 2 + 12*4 + 4
	latOff := gpsOff + gpsSize
	lonOff := latOff + 24
	b = append(b, ifd([]entry{
		{0x0001, 2, 2, []byte("N\x00")},
		{0x0002, 5, 3, u32(uint32(latOff))},
		{0x0003, 2, 2, []byte("E\x00")},
		{0x0004, 5, 3, u32(uint32(lonOff))},
	})...)
	for _, v := range []uint32{39, 1, 54, 1, 27, 1, 116, 1, 23, 1, 50, 1} {
		b = append(b, u32(v)...)
	}
	return b
}

// exifAPP1 is an APP1 EXIF segment with orientation o (0: no tag).
func exifAPP1(o int) []byte {
	return jpegSegment(0xE1, append([]byte("Exif\x00\x00"), tiffExif(o)...))
}

func pngChunk(typ string, data []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	b = append(b, typ...)
	b = append(b, data...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[4:]))
}

// insertAfterIHDR puts chunks right after the IHDR chunk of a PNG.
func insertAfterIHDR(p []byte, chunks ...[]byte) []byte {
	const ihdrEnd = 8 + 12 + 13
	out := append([]byte{}, p[:ihdrEnd]...)
	for _, c := range chunks {
		out = append(out, c...)
	}
	return append(out, p[ihdrEnd:]...)
}

// pngChunkTypes lists the chunk types of a well-formed PNG.
func pngChunkTypes(t testing.TB, p []byte) []string {
	t.Helper()
	var types []string
	for i := 8; i+12 <= len(p); {
		n := int(binary.BigEndian.Uint32(p[i:]))
		types = append(types, string(p[i+4:i+8]))
		i += 12 + n
	}
	return types
}

// bitWriter writes the LSB-first bit stream of VP8L.
type bitWriter struct {
	buf   []byte
	nbits uint
}

func (w *bitWriter) write(v uint32, n uint) {
	for i := uint(0); i < n; i++ {
		if w.nbits%8 == 0 {
			w.buf = append(w.buf, 0)
		}
		if v>>i&1 == 1 {
			w.buf[len(w.buf)-1] |= 1 << (w.nbits % 8)
		}
		w.nbits++
	}
}

// vp8lSolid returns a VP8L bitstream for a w×h image of one colour: every
// prefix code is a "simple" code with one symbol, so each pixel costs zero
// bits and the stream is a dozen bytes whatever the size.
func vp8lSolid(w, h int, c color.NRGBA) []byte {
	var bw bitWriter
	bw.write(0x2F, 8)
	bw.write(uint32(w-1), 14)
	bw.write(uint32(h-1), 14)
	bw.write(0, 1) // alpha hint
	bw.write(0, 3) // version
	bw.write(0, 1) // no transform
	bw.write(0, 1) // no colour cache
	bw.write(0, 1) // no meta prefix codes
	simple := func(sym uint32) {
		bw.write(1, 1) // simple code
		bw.write(0, 1) // one symbol
		bw.write(1, 1) // 8-bit symbol
		bw.write(sym, 8)
	}
	simple(uint32(c.G))
	simple(uint32(c.R))
	simple(uint32(c.B))
	simple(uint32(c.A))
	simple(0) // distance
	return bw.buf
}

func riffChunkBytes(id string, payload []byte) []byte {
	b := append([]byte(id), binary.LittleEndian.AppendUint32(nil, uint32(len(payload)))...)
	b = append(b, payload...)
	if len(payload)%2 == 1 {
		b = append(b, 0)
	}
	return b
}

func webpFile(chunks ...[]byte) []byte {
	var body []byte
	for _, c := range chunks {
		body = append(body, c...)
	}
	b := []byte("RIFF")
	b = binary.LittleEndian.AppendUint32(b, uint32(4+len(body)))
	b = append(b, "WEBP"...)
	return append(b, body...)
}

func vp8xPayload(flags byte, w, h int) []byte {
	p := []byte{flags, 0, 0, 0}
	p = append(p, byte(w-1), byte((w-1)>>8), byte((w-1)>>16))
	return append(p, byte(h-1), byte((h-1)>>8), byte((h-1)>>16))
}

// webp1x1 is the well-known 26-byte lossless 1×1 WebP used by feature
// detection scripts (base64 UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==).
var webp1x1 = []byte("RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00")

// webpLossy1x1 and webpAlpha1x1 are the well-known lossy (VP8) and
// lossy-with-alpha (VP8X + ALPH + VP8) 1×1 WebP files used by feature
// detection scripts.
var (
	webpLossy1x1 = []byte("RIFF\"\x00\x00\x00WEBPVP8 \x16\x00\x00\x000\x01\x00\x9d\x01*\x01\x00\x01\x00\x0e\xc0\xfe%\xa4\x00\x03p\x00\x00\x00\x00")
	webpAlpha1x1 = []byte("RIFFJ\x00\x00\x00WEBPVP8X\n\x00\x00\x00\x10\x00\x00\x00\x00\x00\x00\x00\x00\x00ALPH\f\x00\x00\x00\x11\a\x10\x11\xfd\x0fDD\xff\x03\x00\x00VP8 \x18\x00\x00\x00\x14\x01\x00\x9d\x01*\x01\x00\x01\x00\x00\x00\xfe\x00\x00\r\xc0\x00\xfe\xe6\xb5\x00\x00\x00")
)
