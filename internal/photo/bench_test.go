package photo

import (
	"image"
	"testing"
)

// noise returns a w×h image with pseudo-random pixels, which compresses
// like a photo rather than like flat colour.
func noise(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	x := uint32(2463534242)
	for i := range img.Pix {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		img.Pix[i] = byte(x>>24)&0x3F + byte(i/4%w*255/w)/2
		if i%4 == 3 {
			img.Pix[i] = 255
		}
	}
	return img
}

// BenchmarkProcessJPEG12MP processes a 4000×3000 phone-sized photo.
func BenchmarkProcessJPEG12MP(b *testing.B) {
	data := insertAfterSOI(encodeJPEG(b, noise(4000, 3000)), exifAPP1(1))
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Process(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkProcessJPEG12MPRotated is the same photo with orientation 6,
// which is decoded, rotated and re-encoded.
func BenchmarkProcessJPEG12MPRotated(b *testing.B) {
	data := insertAfterSOI(encodeJPEG(b, noise(4000, 3000)), exifAPP1(6))
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Process(data); err != nil {
			b.Fatal(err)
		}
	}
}
