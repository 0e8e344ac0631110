// Package photo validates and cleans case photos uploaded by residents and
// grid workers (JPEG, PNG or WebP, at most MaxBytes) and makes a thumbnail
// for each.
//
// Metadata is removed at the container level: the file is parsed into its
// segments (JPEG markers, PNG chunks, RIFF chunks) and rebuilt from an
// allow-list of the segments that the pixels need, so every metadata block —
// EXIF including GPS and maker notes, XMP, IPTC, comments, PNG text chunks,
// embedded thumbnails, data appended after the end of the image — is gone,
// while the compressed image data is copied byte for byte. The
// stored photo therefore has exactly the quality of the upload: no
// generation loss from decoding and re-encoding, and no chance that a block
// the decoder ignores (and so a re-encoder would not notice) survives.
// Colour information is kept where the format carries it in its own chunks
// (PNG gAMA, cHRM, sRGB, iCCP, sBIT; WebP ICCP; the JPEG Adobe colour
// transform). JPEG ICC profiles live in APP2 and are dropped with the other
// APPn segments, so a wide-gamut JPEG is shown as sRGB.
//
// The one exception is a JPEG whose EXIF Orientation is not 1. Once EXIF is
// removed a viewer would show such a photo on its side or mirrored, so the
// pixels are decoded, turned upright and re-encoded as a fresh JPEG
// (quality 90) that carries no metadata at all.
//
// Before any pixels are decoded the dimensions are read from the header and
// images above MaxPixels are refused, so a small file cannot make the server
// allocate gigabytes (a decompression bomb). Every parser here works on a
// byte slice with explicit bounds checks and is fuzzed (FuzzProcess).
package photo

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"

	"golang.org/x/image/draw"
	"golang.org/x/image/webp"
)

// Limits.
const (
	// MaxBytes is the largest upload accepted: 10 MiB.
	MaxBytes = 10 << 20
	// MaxPixels refuses decompression bombs: width*height above this is
	// rejected before any pixel is decoded.
	MaxPixels = 50_000_000
	// ThumbSize is the longest side of a thumbnail, in pixels.
	ThumbSize = 320
)

// maxPixels is MaxPixels; the fuzz test lowers it so that each execution
// stays fast. Production code never changes it.
var maxPixels int64 = MaxPixels

// Format is "jpeg", "png" or "webp".
type Format string

const (
	formatJPEG Format = "jpeg"
	formatPNG  Format = "png"
	formatWebP Format = "webp"
)

// Processed is a cleaned photo and its thumbnail.
type Processed struct {
	Format Format
	// Data is the stored image: all metadata removed (EXIF incl. GPS, XMP,
	// IPTC, comments, text chunks); pixels unchanged where possible.
	Data []byte
	// Width and Height are of Data as displayed.
	Width, Height int
	// Thumb is a JPEG thumbnail whose longest side is ThumbSize (or the
	// photo's own size when it is smaller).
	Thumb                   []byte
	ThumbWidth, ThumbHeight int
	// SHA256 is the lowercase hex SHA-256 of Data.
	SHA256 string
}

// Error is the error returned by Process. Rule is one of "too_large",
// "format", "corrupt" or "dimensions".
type Error struct{ Rule, Message string }

func (e *Error) Error() string { return "photo: " + e.Rule + ": " + e.Message }

const (
	ruleTooLarge   = "too_large"
	ruleFormat     = "format"
	ruleCorrupt    = "corrupt"
	ruleDimensions = "dimensions"
)

func fail(rule, format string, args ...any) error {
	return &Error{Rule: rule, Message: fmt.Sprintf(format, args...)}
}

// Process validates and cleans one upload. Errors are *Error with a Rule:
// "too_large" (more than MaxBytes), "format" (not JPEG/PNG/WebP by magic
// bytes, whatever the filename or content type claims), "corrupt" (cannot be
// parsed or decoded) or "dimensions" (more than MaxPixels pixels, or zero
// width or height).
func Process(data []byte) (Processed, error) {
	if len(data) > MaxBytes {
		return Processed{}, fail(ruleTooLarge, "%d bytes, the limit is %d", len(data), MaxBytes)
	}
	f := detect(data)
	if f == "" {
		return Processed{}, fail(ruleFormat, "not a JPEG, PNG or WebP image")
	}
	// Bomb guard: look at the header only, before anything is decoded.
	if _, err := checkHeader(f, data); err != nil {
		return Processed{}, err
	}

	var out []byte
	var err error
	switch f {
	case formatJPEG:
		var orientation int
		out, orientation, err = stripJPEG(data)
		if err == nil && orientation != 1 {
			out, err = uprightJPEG(out, orientation)
		}
	case formatPNG:
		out, err = stripPNG(data)
	case formatWebP:
		out, err = stripWebP(data)
	}
	if err != nil {
		var pe *Error
		if errors.As(err, &pe) {
			return Processed{}, pe
		}
		return Processed{}, fail(ruleCorrupt, "%v", err)
	}

	// What is stored must decode. Check its header again: it is what a
	// later reader will trust.
	cfg, err := checkHeader(f, out)
	if err != nil {
		return Processed{}, err
	}
	img, err := decode(f, out)
	if err != nil {
		return Processed{}, fail(ruleCorrupt, "%v", err)
	}
	if b := img.Bounds(); b.Dx() != cfg.Width || b.Dy() != cfg.Height {
		return Processed{}, fail(ruleCorrupt, "decoded size %dx%d differs from header %dx%d",
			b.Dx(), b.Dy(), cfg.Width, cfg.Height)
	}
	thumb, tw, th, err := thumbnail(img)
	if err != nil {
		return Processed{}, fail(ruleCorrupt, "thumbnail: %v", err)
	}
	sum := sha256.Sum256(out)
	return Processed{
		Format:      f,
		Data:        out,
		Width:       cfg.Width,
		Height:      cfg.Height,
		Thumb:       thumb,
		ThumbWidth:  tw,
		ThumbHeight: th,
		SHA256:      hex.EncodeToString(sum[:]),
	}, nil
}

// detect returns the format named by the magic bytes, or "".
func detect(b []byte) Format {
	switch {
	case len(b) >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF:
		return formatJPEG
	case len(b) >= 8 && string(b[:8]) == pngSignature:
		return formatPNG
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return formatWebP
	}
	return ""
}

// checkHeader reads the dimensions without decoding pixels and enforces
// the pixel limit.
//
// The size fields are first read by this package's own parsers, so that a
// zero or huge size is reported as "dimensions" even where the standard
// decoder refuses the header outright, and so that a WebP image chunk that
// states a larger size than its VP8X canvas is caught too.
func checkHeader(f Format, b []byte) (image.Config, error) {
	var sizes [][2]int
	switch f {
	case formatJPEG:
		if w, h, ok := jpegSOFSize(b); ok {
			sizes = append(sizes, [2]int{w, h})
		}
	case formatPNG:
		if len(b) >= 24 && string(b[12:16]) == "IHDR" {
			w := binary.BigEndian.Uint32(b[16:])
			h := binary.BigEndian.Uint32(b[20:])
			sizes = append(sizes, [2]int{int(min(w, 1<<31-1)), int(min(h, 1<<31-1))})
		}
	case formatWebP:
		if w, h, ok := webpCanvasSize(b); ok {
			sizes = append(sizes, [2]int{w, h})
		}
		if w, h, err := webpFrameSize(b); err == nil {
			sizes = append(sizes, [2]int{w, h})
		}
	}
	for _, s := range sizes {
		if err := checkSize(s[0], s[1]); err != nil {
			return image.Config{}, err
		}
	}

	var cfg image.Config
	var err error
	r := bytes.NewReader(b)
	switch f {
	case formatJPEG:
		cfg, err = jpeg.DecodeConfig(r)
	case formatPNG:
		cfg, err = png.DecodeConfig(r)
	case formatWebP:
		cfg, err = webp.DecodeConfig(r)
		if err == nil {
			// The decoder allocates for the image chunk's size: it must be
			// readable.
			_, _, err = webpFrameSize(b)
		}
	default:
		return cfg, fail(ruleFormat, "unknown format %q", f)
	}
	if err != nil {
		return cfg, fail(ruleCorrupt, "header: %v", err)
	}
	return cfg, checkSize(cfg.Width, cfg.Height)
}

func checkSize(w, h int) error {
	if w <= 0 || h <= 0 {
		return fail(ruleDimensions, "zero-sized image %dx%d", w, h)
	}
	if int64(w)*int64(h) > maxPixels {
		return fail(ruleDimensions, "%dx%d is more than %d pixels", w, h, maxPixels)
	}
	return nil
}

func decode(f Format, b []byte) (image.Image, error) {
	r := bytes.NewReader(b)
	switch f {
	case formatJPEG:
		return jpeg.Decode(r)
	case formatPNG:
		return png.Decode(r)
	case formatWebP:
		return webp.Decode(r)
	}
	return nil, fmt.Errorf("unknown format %q", f)
}

// thumbnail scales img so that its longest side is ThumbSize (never
// enlarging), flattens transparency onto white and encodes a JPEG.
func thumbnail(img image.Image) ([]byte, int, int, error) {
	sb := img.Bounds()
	w, h := sb.Dx(), sb.Dy()
	tw, th := thumbSize(w, h)
	dst := image.NewRGBA(image.Rect(0, 0, tw, th))
	draw.Draw(dst, dst.Bounds(), image.White, image.Point{}, draw.Src)
	if tw == w && th == h {
		draw.Draw(dst, dst.Bounds(), img, sb.Min, draw.Over)
	} else {
		src := img
		// CatmullRom looks at every source pixel under its kernel, which
		// for a 50-megapixel photo is slow; halve with a box filter first
		// while the result stays at least twice the thumbnail size.
		if w >= 4*tw && h >= 4*th {
			src = boxShrink(img, tw, th)
		}
		draw.CatmullRom.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Over, nil)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, dst, &jpeg.Options{Quality: 80}); err != nil {
		return nil, 0, 0, err
	}
	return buf.Bytes(), tw, th, nil
}

// thumbSize preserves the aspect ratio with the longest side ThumbSize,
// and does not enlarge.
func thumbSize(w, h int) (int, int) {
	if w <= ThumbSize && h <= ThumbSize {
		return w, h
	}
	if w >= h {
		return ThumbSize, max(1, int((int64(h)*ThumbSize+int64(w)/2)/int64(w)))
	}
	return max(1, int((int64(w)*ThumbSize+int64(h)/2)/int64(h))), ThumbSize
}

// boxShrink averages n×n blocks of premultiplied RGBA, with n the largest
// integer that keeps the result at least 2*tw × 2*th.
func boxShrink(img image.Image, tw, th int) *image.RGBA {
	sb := img.Bounds()
	n := min(sb.Dx()/(2*tw), sb.Dy()/(2*th))
	if n < 2 {
		n = 1
	}
	dw, dh := sb.Dx()/n, sb.Dy()/n
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	// Work one source row band at a time through an RGBA copy, so that any
	// source type is handled by the standard fast conversions.
	band := image.NewRGBA(image.Rect(0, 0, dw*n, n))
	sums := make([]uint32, dw*4)
	area := uint32(n * n)
	for dy := 0; dy < dh; dy++ {
		draw.Draw(band, band.Bounds(), img, image.Pt(sb.Min.X, sb.Min.Y+dy*n), draw.Src)
		clear(sums)
		for y := 0; y < n; y++ {
			row := band.Pix[y*band.Stride : y*band.Stride+dw*n*4]
			for x := 0; x < dw*n; x++ {
				s := sums[(x/n)*4 : (x/n)*4+4]
				p := row[x*4 : x*4+4]
				s[0] += uint32(p[0])
				s[1] += uint32(p[1])
				s[2] += uint32(p[2])
				s[3] += uint32(p[3])
			}
		}
		out := dst.Pix[dy*dst.Stride : dy*dst.Stride+dw*4]
		for i, s := range sums {
			out[i] = uint8((s + area/2) / area)
		}
	}
	return dst
}
