package photo

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"testing"
)

// FuzzProcess checks that no input panics, that every error is an *Error
// with a known rule, and that every accepted photo is consistent: the
// stored data decodes at the reported size, the thumbnail is a JPEG of the
// reported size, the hash matches, and processing the output again changes
// nothing (so nothing the strippers drop is left behind).
func FuzzProcess(f *testing.F) {
	// Keep each execution small: the parsers and checks are the same, only
	// the limit is lower, so the fuzzer is not slowed down by allocating
	// 200 MB images for headers that claim 7000×7000.
	old := maxPixels
	maxPixels = 1 << 20
	f.Cleanup(func() { maxPixels = old })

	small := quadrants(24, 16)
	j := encodeJPEG(f, small)
	f.Add(j)
	f.Add(insertAfterSOI(j, exifAPP1(1), jpegSegment(0xFE, []byte("comment"))))
	f.Add(insertAfterSOI(j, exifAPP1(6)))
	f.Add(insertAfterSOI(j, jpegSegment(0xE0, []byte("JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")),
		jpegSegment(0xEE, []byte("Adobe\x00\x64\x00\x00\x00\x00\x01"))))
	gray := image.NewGray(image.Rect(0, 0, 9, 7))
	for i := range gray.Pix {
		gray.Pix[i] = byte(i * 5)
	}
	f.Add(insertAfterSOI(encodeJPEG(f, gray), exifAPP1(5)))

	p := encodePNG(f, small)
	f.Add(p)
	f.Add(insertAfterIHDR(p, pngChunk("tEXt", []byte("k\x00v")), pngChunk("eXIf", tiffExif(3)),
		pngChunk("gAMA", []byte{0, 0, 0xB1, 0x8F})))
	pal := image.NewPaletted(image.Rect(0, 0, 5, 5), color.Palette{color.Transparent, color.White, color.Black})
	pal.Pix[3] = 2
	f.Add(encodePNG(f, pal))

	f.Add(webp1x1)
	f.Add(webpLossy1x1)
	f.Add(webpAlpha1x1)
	f.Add(webpFile(riffChunkBytes("VP8L", vp8lSolid(40, 30, color.NRGBA{1, 2, 3, 128}))))
	f.Add(webpFile(
		riffChunkBytes("VP8X", vp8xPayload(vp8xEXIF|vp8xXMP, 3, 2)),
		riffChunkBytes("VP8L", vp8lSolid(3, 2, color.NRGBA{200, 100, 50, 255})),
		riffChunkBytes("EXIF", append([]byte("Exif\x00\x00"), tiffExif(6)...)),
		riffChunkBytes("XMP ", []byte("<x/>")),
	))
	f.Add([]byte("not an image"))

	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Process(data)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is %T, not *Error", err, err)
			}
			switch pe.Rule {
			case "too_large", "format", "corrupt", "dimensions":
			default:
				t.Fatalf("unknown rule %q", pe.Rule)
			}
			return
		}
		if detect(p.Data) != p.Format {
			t.Fatalf("Format %q, data detects as %q", p.Format, detect(p.Data))
		}
		sum := sha256.Sum256(p.Data)
		if p.SHA256 != hex.EncodeToString(sum[:]) {
			t.Fatal("SHA256 does not match Data")
		}
		img, err := decode(p.Format, p.Data)
		if err != nil {
			t.Fatalf("stored data does not decode: %v", err)
		}
		if b := img.Bounds(); b.Dx() != p.Width || b.Dy() != p.Height {
			t.Fatalf("decoded %v, reported %dx%d", b, p.Width, p.Height)
		}
		if int64(p.Width)*int64(p.Height) > maxPixels {
			t.Fatalf("%dx%d accepted", p.Width, p.Height)
		}
		th, err := jpeg.Decode(bytes.NewReader(p.Thumb))
		if err != nil {
			t.Fatalf("thumbnail does not decode: %v", err)
		}
		if b := th.Bounds(); b.Dx() != p.ThumbWidth || b.Dy() != p.ThumbHeight ||
			max(p.ThumbWidth, p.ThumbHeight) > ThumbSize || p.ThumbWidth < 1 || p.ThumbHeight < 1 {
			t.Fatalf("thumbnail %v, reported %dx%d", b, p.ThumbWidth, p.ThumbHeight)
		}
		again, err := Process(p.Data)
		if err != nil {
			t.Fatalf("output rejected on second pass: %v", err)
		}
		if !bytes.Equal(again.Data, p.Data) {
			t.Fatalf("second pass changed the data:\n% x\n% x", p.Data, again.Data)
		}
	})
}
