package photo

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/jpeg"

	"golang.org/x/image/draw"
)

// maxScans bounds the number of SOS segments. Every progressive scan walks
// the whole image, so a small file with thousands of empty scans would keep
// the decoder busy for minutes. Real encoders write about ten.
const maxScans = 500

var errTruncated = errors.New("truncated")

// stripJPEG rebuilds a JPEG from the segments the decoder needs:
//
//   - kept verbatim: SOF0–SOF15, DHT, DAC, DQT, DNL, DRI, DHP, EXP, SOS and
//     the entropy-coded data after each SOS (including RST markers);
//   - APP0 "JFIF": kept, rewritten without its optional thumbnail;
//   - APP14 "Adobe": kept (its transform flag decides YCbCr vs RGB/CMYK),
//     trimmed to its 12 defined bytes;
//   - dropped: all other APPn (EXIF, XMP, ICC, IPTC, MPF, …), COM, JPGn,
//     TEM, stray RST markers, bytes between segments and everything after
//     EOI.
//
// It also returns the EXIF orientation (1 when absent or invalid).
func stripJPEG(b []byte) ([]byte, int, error) {
	if len(b) < 2 || b[0] != 0xFF || b[1] != 0xD8 {
		return nil, 0, errors.New("missing SOI marker")
	}
	out := make([]byte, 0, len(b))
	out = append(out, 0xFF, 0xD8)
	orientation := 1
	seenExif, seenJFIF := false, false
	scans := 0
	i := 2
	for {
		// Find the next marker. Bytes that are not a marker here are
		// extraneous; decoders skip them and so do we (without copying).
		for i < len(b) && b[i] != 0xFF {
			i++
		}
		// Any number of 0xFF fill bytes may precede a marker.
		for i < len(b) && b[i] == 0xFF {
			i++
		}
		if i >= len(b) {
			return nil, 0, fmt.Errorf("%w: no EOI marker", errTruncated)
		}
		m := b[i]
		i++
		switch {
		case m == 0x00:
			// A stuffed 0xFF outside a scan: extraneous data.
			continue
		case m == 0xD9: // EOI
			return append(out, 0xFF, 0xD9), orientation, nil
		case m >= 0xD0 && m <= 0xD7, m == 0x01:
			// RSTn outside a scan, TEM: stand-alone, no meaning here.
			continue
		case m == 0xD8:
			return nil, 0, errors.New("second SOI marker")
		}

		if len(b)-i < 2 {
			return nil, 0, fmt.Errorf("%w: segment length", errTruncated)
		}
		n := int(b[i])<<8 | int(b[i+1])
		if n < 2 {
			return nil, 0, fmt.Errorf("segment %#02x: bad length %d", m, n)
		}
		if len(b)-i < n {
			return nil, 0, fmt.Errorf("%w: segment %#02x", errTruncated, m)
		}
		seg := b[i+2 : i+n]
		i += n

		switch {
		case m == 0xE0: // APP0
			if !seenJFIF && bytes.HasPrefix(seg, []byte("JFIF\x00")) {
				seenJFIF = true
				out = appendJFIF(out, seg)
			}
		case m == 0xE1: // APP1: EXIF or XMP
			if !seenExif && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
				seenExif = true
				orientation = exifOrientation(seg[6:])
			}
		case m == 0xEE: // APP14
			if len(seg) >= 12 && bytes.HasPrefix(seg, []byte("Adobe")) {
				out = appendSegment(out, m, seg[:12])
			}
		case m >= 0xE2 && m <= 0xEF, m == 0xFE, m >= 0xF0 && m <= 0xFD:
			// APP2–APP15, COM, JPGn: dropped.
		case m == 0xDA: // SOS
			scans++
			if scans > maxScans {
				return nil, 0, fmt.Errorf("more than %d scans", maxScans)
			}
			out = appendSegment(out, m, seg)
			// The entropy-coded data runs until a marker that is neither a
			// stuffed byte (FF 00) nor a restart marker (FF D0–D7).
			start := i
			for {
				k := bytes.IndexByte(b[i:], 0xFF)
				if k < 0 || i+k+1 >= len(b) {
					return nil, 0, fmt.Errorf("%w: scan data", errTruncated)
				}
				i += k
				if next := b[i+1]; next == 0x00 || (next >= 0xD0 && next <= 0xD7) {
					i += 2
					continue
				}
				break
			}
			out = append(out, b[start:i]...)
		case m >= 0xC0 && m <= 0xCF, m >= 0xDB && m <= 0xDF:
			// SOFn, DHT, JPG, DAC, DQT, DNL, DRI, DHP, EXP.
			out = appendSegment(out, m, seg)
		default:
			return nil, 0, fmt.Errorf("reserved marker %#02x", m)
		}
	}
}

func appendSegment(out []byte, marker byte, payload []byte) []byte {
	n := len(payload) + 2 // payload comes from a segment, so n <= 0xFFFF
	out = append(out, 0xFF, marker, byte(n>>8), byte(n))
	return append(out, payload...)
}

// appendJFIF writes a JFIF APP0 segment with the version and density of
// seg but no thumbnail.
func appendJFIF(out []byte, seg []byte) []byte {
	// "JFIF\0", version 1.01, units 0, density 1x1, thumbnail 0x0.
	p := []byte{'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0}
	if len(seg) >= 12 {
		copy(p[5:12], seg[5:12])
	}
	return appendSegment(out, 0xE0, p)
}

// exifOrientation returns the Orientation tag (0x0112) of IFD0 of a TIFF
// structure, or 1 if there is none or it is not 1–8.
func exifOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 1
	}
	if bo.Uint16(t[2:]) != 42 {
		return 1
	}
	off := uint64(bo.Uint32(t[4:]))
	if off+2 > uint64(len(t)) {
		return 1
	}
	count := int(bo.Uint16(t[off:]))
	p := int(off) + 2
	for k := 0; k < count && p+12 <= len(t); k, p = k+1, p+12 {
		if bo.Uint16(t[p:]) != 0x0112 {
			continue
		}
		var v uint32
		switch typ, cnt := bo.Uint16(t[p+2:]), bo.Uint32(t[p+4:]); {
		case typ == 3 && cnt == 1: // SHORT
			v = uint32(bo.Uint16(t[p+8:]))
		case typ == 4 && cnt == 1: // LONG, seen from some writers
			v = bo.Uint32(t[p+8:])
		default:
			return 1
		}
		if v >= 1 && v <= 8 {
			return int(v)
		}
		return 1
	}
	return 1
}

// uprightJPEG decodes b, applies the EXIF orientation o (2–8) and encodes a
// new JPEG at quality 90, which carries no metadata.
func uprightJPEG(b []byte, o int) ([]byte, error) {
	// The stripped data has the same SOF as the checked input, but check
	// again: this is the decode that allocates.
	if _, err := checkHeader(formatJPEG, b); err != nil {
		return nil, err
	}
	img, err := jpeg.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, orient(img, o), &jpeg.Options{Quality: 90}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// orient returns src transformed so that it displays as EXIF orientation o
// says it should (o in 1–8; 1 returns a copy).
func orient(src image.Image, o int) image.Image {
	sb := src.Bounds()
	w, h := sb.Dx(), sb.Dy()
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	var (
		spix, dpix       []byte
		sstride, dstride int
		bpp              int
		dst              image.Image
	)
	if g, ok := src.(*image.Gray); ok {
		d := image.NewGray(image.Rect(0, 0, dw, dh))
		spix, sstride = g.Pix[g.PixOffset(sb.Min.X, sb.Min.Y):], g.Stride
		dpix, dstride, bpp, dst = d.Pix, d.Stride, 1, d
	} else {
		s := image.NewRGBA(image.Rect(0, 0, w, h))
		draw.Draw(s, s.Bounds(), src, sb.Min, draw.Src)
		d := image.NewRGBA(image.Rect(0, 0, dw, dh))
		spix, sstride = s.Pix, s.Stride
		dpix, dstride, bpp, dst = d.Pix, d.Stride, 4, d
	}
	for y := 0; y < dh; y++ {
		row := dpix[y*dstride : y*dstride+dw*bpp]
		for x := 0; x < dw; x++ {
			var sx, sy int
			switch o {
			case 2: // mirror horizontally
				sx, sy = w-1-x, y
			case 3: // rotate 180
				sx, sy = w-1-x, h-1-y
			case 4: // mirror vertically
				sx, sy = x, h-1-y
			case 5: // transpose
				sx, sy = y, x
			case 6: // rotate 90 clockwise
				sx, sy = y, h-1-x
			case 7: // transverse
				sx, sy = w-1-y, h-1-x
			case 8: // rotate 90 counter-clockwise
				sx, sy = w-1-y, x
			default:
				sx, sy = x, y
			}
			so := sy*sstride + sx*bpp
			copy(row[x*bpp:x*bpp+bpp], spix[so:so+bpp])
		}
	}
	return dst
}

// jpegSOFSize returns the size in the first SOFn segment, walking the
// segments before it without interpreting them.
func jpegSOFSize(b []byte) (w, h int, ok bool) {
	i := 2
	for i < len(b) {
		for i < len(b) && b[i] != 0xFF {
			i++
		}
		for i < len(b) && b[i] == 0xFF {
			i++
		}
		if i >= len(b) {
			return 0, 0, false
		}
		m := b[i]
		i++
		switch {
		case m == 0x00, m == 0x01, m >= 0xD0 && m <= 0xD8:
			continue
		case m == 0xD9, m == 0xDA: // EOI, SOS: no SOF before the data
			return 0, 0, false
		}
		if len(b)-i < 2 {
			return 0, 0, false
		}
		n := int(b[i])<<8 | int(b[i+1])
		if n < 2 || len(b)-i < n {
			return 0, 0, false
		}
		if m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC {
			// Precision (1 byte), height (2), width (2).
			if n < 7 {
				return 0, 0, false
			}
			h = int(b[i+3])<<8 | int(b[i+4])
			w = int(b[i+5])<<8 | int(b[i+6])
			return w, h, true
		}
		i += n
	}
	return 0, 0, false
}
