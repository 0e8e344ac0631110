package photo

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
)

const pngSignature = "\x89PNG\r\n\x1a\n"

// pngKeep lists the chunks that survive: the critical ones and those that
// change how the pixels look. Everything else — eXIf, tEXt, zTXt, iTXt,
// tIME, bKGD, hIST, sPLT, private chunks, APNG frames — is dropped.
var pngKeep = map[string]bool{
	"IHDR": true, "PLTE": true, "IDAT": true, "IEND": true,
	"tRNS": true, "gAMA": true, "cHRM": true, "sRGB": true,
	"iCCP": true, "sBIT": true, "pHYs": true,
}

// stripPNG copies the allowed chunks verbatim, verifying every CRC, and
// drops everything after IEND.
func stripPNG(b []byte) ([]byte, error) {
	if len(b) < 8 || string(b[:8]) != pngSignature {
		return nil, errors.New("missing PNG signature")
	}
	out := make([]byte, 0, len(b))
	out = append(out, pngSignature...)
	i := 8
	for first := true; ; first = false {
		if len(b)-i < 12 {
			return nil, fmt.Errorf("%w: no IEND chunk", errTruncated)
		}
		n := binary.BigEndian.Uint32(b[i:])
		if n > 1<<31-1 {
			return nil, fmt.Errorf("chunk length %d too large", n)
		}
		if uint64(len(b)-i-12) < uint64(n) {
			return nil, fmt.Errorf("%w: chunk data", errTruncated)
		}
		end := i + 12 + int(n)
		typ := string(b[i+4 : i+8])
		for _, c := range []byte(typ) {
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
				return nil, fmt.Errorf("bad chunk type %q", typ)
			}
		}
		if crc32.ChecksumIEEE(b[i+4:end-4]) != binary.BigEndian.Uint32(b[end-4:]) {
			return nil, fmt.Errorf("chunk %q: CRC mismatch", typ)
		}
		if first != (typ == "IHDR") {
			return nil, fmt.Errorf("chunk %q where IHDR must be first", typ)
		}
		switch {
		case pngKeep[typ]:
			out = append(out, b[i:end]...)
		case typ[0] >= 'A' && typ[0] <= 'Z':
			// An unknown critical chunk: the PNG specification says a
			// decoder must not display the image.
			return nil, fmt.Errorf("unknown critical chunk %q", typ)
		}
		i = end
		if typ == "IEND" {
			return out, nil
		}
	}
}
