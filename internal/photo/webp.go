package photo

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// VP8X flag bits.
const (
	vp8xAnimation = 1 << 1
	vp8xXMP       = 1 << 2
	vp8xEXIF      = 1 << 3
)

type riffChunk struct {
	id      string
	payload []byte
}

// webpChunks splits a RIFF WEBP file into its top-level chunks. Bytes after
// the RIFF size are ignored; a missing pad byte after the last chunk is
// tolerated.
func webpChunks(b []byte) ([]riffChunk, error) {
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WEBP" {
		return nil, errors.New("missing RIFF WEBP header")
	}
	size := uint64(binary.LittleEndian.Uint32(b[4:]))
	if size < 4 {
		return nil, fmt.Errorf("RIFF size %d too small", size)
	}
	if size+8 > uint64(len(b)) {
		return nil, fmt.Errorf("%w: RIFF size %d, file %d bytes", errTruncated, size, len(b))
	}
	body := b[12 : 8+size]
	var chunks []riffChunk
	for i := 0; i < len(body); {
		if len(body)-i < 8 {
			return nil, fmt.Errorf("%w: chunk header", errTruncated)
		}
		n := uint64(binary.LittleEndian.Uint32(body[i+4:]))
		if n > uint64(len(body)-i-8) {
			return nil, fmt.Errorf("%w: chunk %q", errTruncated, body[i:i+4])
		}
		end := i + 8 + int(n)
		chunks = append(chunks, riffChunk{id: string(body[i : i+4]), payload: body[i+8 : end]})
		i = min(end+int(n&1), len(body))
	}
	return chunks, nil
}

// stripWebP rebuilds a WebP file. A simple file (VP8 or VP8L first) keeps
// only its image chunk. An extended file (VP8X first) keeps VP8X, ICCP,
// ALPH, VP8 and VP8L, drops EXIF, XMP and unknown chunks, and has the EXIF
// and XMP flags cleared. Animated files are refused: the decoder cannot
// read them.
func stripWebP(b []byte) ([]byte, error) {
	chunks, err := webpChunks(b)
	if err != nil {
		return nil, err
	}
	if len(chunks) == 0 {
		return nil, errors.New("no chunks")
	}
	out := make([]byte, 0, len(b))
	out = append(out, "RIFF\x00\x00\x00\x00WEBP"...)
	switch chunks[0].id {
	case "VP8 ", "VP8L":
		out = appendRIFFChunk(out, chunks[0].id, chunks[0].payload)
	case "VP8X":
		x := chunks[0].payload
		if len(x) != 10 {
			return nil, fmt.Errorf("VP8X chunk of %d bytes", len(x))
		}
		if x[0]&vp8xAnimation != 0 {
			return nil, errors.New("animated WebP is not supported")
		}
		hdr := make([]byte, 10)
		copy(hdr, x)
		hdr[0] &^= vp8xEXIF | vp8xXMP
		out = appendRIFFChunk(out, "VP8X", hdr)
		for _, c := range chunks[1:] {
			switch c.id {
			case "ICCP", "ALPH", "VP8 ", "VP8L":
				out = appendRIFFChunk(out, c.id, c.payload)
			case "VP8X":
				return nil, errors.New("second VP8X chunk")
			}
		}
	default:
		return nil, fmt.Errorf("first chunk is %q, not VP8, VP8L or VP8X", chunks[0].id)
	}
	if uint64(len(out)-8) > 1<<32-1 {
		return nil, errors.New("too large")
	}
	binary.LittleEndian.PutUint32(out[4:], uint32(len(out)-8))
	return out, nil
}

func appendRIFFChunk(out []byte, id string, payload []byte) []byte {
	out = append(out, id...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(payload)))
	out = append(out, payload...)
	if len(payload)&1 == 1 {
		out = append(out, 0)
	}
	return out
}

// webpFrameSize returns the size stated by the first VP8 or VP8L chunk,
// which is what the decoder allocates for.
func webpFrameSize(b []byte) (int, int, error) {
	chunks, err := webpChunks(b)
	if err != nil {
		return 0, 0, err
	}
	for _, c := range chunks {
		p := c.payload
		switch c.id {
		case "VP8 ":
			// Frame tag (3 bytes), start code 9D 01 2A, 14-bit width and
			// height each followed by a 2-bit scale.
			if len(p) < 10 || p[3] != 0x9D || p[4] != 0x01 || p[5] != 0x2A {
				return 0, 0, errors.New("bad VP8 frame header")
			}
			w := int(binary.LittleEndian.Uint16(p[6:]) & 0x3FFF)
			h := int(binary.LittleEndian.Uint16(p[8:]) & 0x3FFF)
			return w, h, nil
		case "VP8L":
			// Signature 0x2F, then 14 bits width-1 and 14 bits height-1.
			if len(p) < 5 || p[0] != 0x2F {
				return 0, 0, errors.New("bad VP8L header")
			}
			v := binary.LittleEndian.Uint32(p[1:])
			return int(v&0x3FFF) + 1, int(v>>14&0x3FFF) + 1, nil
		}
	}
	return 0, 0, errors.New("no VP8 or VP8L chunk")
}

// webpCanvasSize returns the canvas size of a VP8X header.
func webpCanvasSize(b []byte) (int, int, bool) {
	chunks, err := webpChunks(b)
	if err != nil || len(chunks) == 0 || chunks[0].id != "VP8X" || len(chunks[0].payload) < 10 {
		return 0, 0, false
	}
	p := chunks[0].payload
	w := int(p[4]) | int(p[5])<<8 | int(p[6])<<16
	h := int(p[7]) | int(p[8])<<8 | int(p[9])<<16
	return w + 1, h + 1, true
}
