package geoio

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// dbfField is a field descriptor of a dBASE table.
type dbfField struct {
	rawName []byte
	name    string // decoded
	typ     byte
	off     int // within the record, after the deletion flag
	len     int
}

// dbfTable is a parsed dBASE III table (the .dbf of a Shapefile). Records are sliced from the
// file's bytes on demand.
type dbfTable struct {
	fields  []dbfField
	nrec    int
	recLen  int
	records []byte // nrec*recLen bytes
	ldid    byte   // language driver id
}

// parseDBF checks the header and field descriptors and that the records the header declares are
// all present. maxRecords (negative: no bound) is checked before anything is allocated.
func parseDBF(b []byte, maxRecords int) (*dbfTable, *FeatureError) {
	bad := func(format string, args ...any) (*dbfTable, *FeatureError) {
		return nil, fileErr(".dbf", RuleDbf, format, args...)
	}
	if len(b) < 32 {
		return bad("the .dbf is %d bytes long, shorter than its 32-byte header: the file is truncated", len(b))
	}
	nrec := int64(binary.LittleEndian.Uint32(b[4:]))
	hdrLen := int(binary.LittleEndian.Uint16(b[8:]))
	recLen := int(binary.LittleEndian.Uint16(b[10:]))
	if overLimit(int(min(nrec, 1<<40)), maxRecords) {
		return nil, fileErr(".dbf", RuleTooManyFeatures, "the .dbf declares %d records, more than the %d features allowed", nrec, maxRecords)
	}
	if hdrLen < 33 {
		return bad("the .dbf header length %d is too small", hdrLen)
	}
	if hdrLen > len(b) {
		return bad("the .dbf header is %d bytes but the file has only %d: the file is truncated", hdrLen, len(b))
	}
	t := &dbfTable{nrec: int(nrec), recLen: recLen, ldid: b[29]}
	off, pos := 32, 1
	for off+32 <= hdrLen && b[off] != 0x0D {
		d := b[off : off+32]
		name := d[:11]
		if i := bytes.IndexByte(name, 0); i >= 0 {
			name = name[:i]
		}
		f := dbfField{rawName: bytes.TrimSpace(name), typ: d[11], off: pos, len: int(d[16])}
		if f.typ != 'N' && f.typ != 'F' {
			f.len += int(d[17]) << 8 // character fields longer than 255 (Clipper, FoxPro, GDAL)
		}
		t.fields = append(t.fields, f)
		pos += f.len
		off += 32
	}
	if off >= hdrLen || b[off] != 0x0D {
		// The terminator is missing: shapelib and GDAL accept that, so do we, but the
		// descriptors must have filled the header exactly.
		if off != hdrLen && off != hdrLen-1 {
			return bad("the .dbf field descriptors do not end with 0x0D within the %d-byte header", hdrLen)
		}
	}
	if pos > recLen {
		return bad("the .dbf fields need %d bytes per record but the header says records have %d", pos, recLen)
	}
	if recLen == 0 && nrec > 0 {
		return bad("the .dbf declares a record length of 0")
	}
	need := nrec * int64(recLen)
	if have := int64(len(b) - hdrLen); need > have {
		return bad("the .dbf declares %d records of %d bytes (%d bytes) but holds only %d bytes of records: the file is truncated", nrec, recLen, need, have)
	}
	t.records = b[hdrLen : int64(hdrLen)+need]
	return t, nil
}

func (t *dbfTable) record(i int) []byte { return t.records[i*t.recLen : (i+1)*t.recLen] }

func (t *dbfTable) deleted(i int) bool { return t.record(i)[0] == '*' }

func (t *dbfTable) value(i int, f *dbfField) []byte {
	return t.record(i)[f.off : f.off+f.len]
}

// textDecoder turns the bytes of a DBF character field into UTF-8.
type textDecoder struct {
	name string // for messages: "UTF-8" or "GB18030"
	gb   bool
}

// decode trims the padding (spaces and NULs) and decodes. A multi-byte character cut by the
// field width is dropped. Invalid bytes become U+FFFD, which checkText rejects in names and
// codes.
func (d textDecoder) decode(b []byte) string {
	b = bytes.Trim(b, " \x00")
	if len(b) == 0 {
		return ""
	}
	if !d.gb {
		b = trimIncompleteUTF8(b)
		if utf8.Valid(b) {
			return string(b)
		}
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(b)
	if err != nil {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	// A lone lead byte at the end is a character cut by the field width.
	if n := len(out); n >= 3 && string(out[n-3:]) == "\uFFFD" && b[len(b)-1] >= 0x81 && gbLoneLead(b) {
		out = out[:n-3]
	}
	return string(out)
}

// gbLoneLead reports whether the last byte of b starts a GBK/GB18030 character left incomplete.
func gbLoneLead(b []byte) bool {
	i := 0
	for i < len(b) {
		c := b[i]
		switch {
		case c < 0x80:
			i++
		case c == 0x80 || c == 0xFF:
			i++
		case i+1 >= len(b):
			return true
		case b[i+1] >= 0x30 && b[i+1] <= 0x39: // four-byte sequence
			if i+3 >= len(b) {
				return true
			}
			i += 4
		default:
			i += 2
		}
	}
	return false
}

// trimIncompleteUTF8 drops a multi-byte sequence cut off at the end of b.
func trimIncompleteUTF8(b []byte) []byte {
	for k := 1; k <= 3 && k <= len(b); k++ {
		c := b[len(b)-k]
		if c < 0x80 {
			return b
		}
		if c >= 0xC0 { // a lead byte: is its sequence complete?
			need := 2
			switch {
			case c >= 0xF0:
				need = 4
			case c >= 0xE0:
				need = 3
			}
			if need > k {
				return b[:len(b)-k]
			}
			return b
		}
	}
	return b
}

// chooseDecoder decides the text encoding of the DBF: the .cpg file if there is one, else the
// language driver byte, else UTF-8 if every character field and field name is valid UTF-8
// (allowing characters cut by the field width), else GB18030 (a superset of GBK and GB2312).
func chooseDecoder(cpg []byte, haveCPG bool, t *dbfTable) (textDecoder, *FeatureError) {
	utf, gb := textDecoder{name: "UTF-8"}, textDecoder{name: "GB18030", gb: true}
	if haveCPG {
		name := strings.ToUpper(strings.TrimSpace(strings.Trim(strings.TrimPrefix(string(cpg), "\uFEFF"), "\x00")))
		switch name {
		case "UTF-8", "UTF8", "65001", "UTF_8":
			if where := firstInvalidUTF8(t); where != "" {
				return textDecoder{}, fileErr(".cpg", RuleEncoding, "the .cpg says UTF-8 but %s is not valid UTF-8 (GBK text?): correct or delete the .cpg", where)
			}
			return utf, nil
		case "GBK", "GB2312", "GB18030", "936", "CP936", "MS936", "WINDOWS-936", "ANSI 936", "54936", "EUC-CN", "CP54936":
			return gb, nil
		case "", "ASCII", "US-ASCII", "20127", "SYSTEM", "OEM", "ANSI":
			// no information: decide as without a .cpg
		default:
			return textDecoder{}, fileErr(".cpg", RuleEncoding, "the .cpg names the code page %q; only UTF-8 and GBK/GB18030 are supported", displayText(name))
		}
	}
	switch t.ldid {
	case 0x4D, 0x7A: // code page 936
		return gb, nil
	}
	if firstInvalidUTF8(t) != "" {
		return gb, nil
	}
	return utf, nil
}

// firstInvalidUTF8 names the first field name or character value that is not valid UTF-8
// (allowing a character cut by the field width), or returns "".
func firstInvalidUTF8(t *dbfTable) string {
	for k, f := range t.fields {
		if !validUTF8Field(f.rawName) {
			return fmt.Sprintf("the name of field %d", k+1)
		}
	}
	for i := 0; i < t.nrec; i++ {
		for k := range t.fields {
			f := &t.fields[k]
			if f.typ == 'C' && !validUTF8Field(t.value(i, f)) {
				return fmt.Sprintf("field %d of record %d", k+1, i)
			}
		}
	}
	return ""
}

func validUTF8Field(b []byte) bool {
	return utf8.Valid(trimIncompleteUTF8(bytes.TrimRight(b, " \x00")))
}

// text returns the value of field f in record i as trimmed text. Character fields are decoded;
// numbers, dates (YYYYMMDD) and logicals are ASCII and kept as written. ok is false for field
// types that are not text (memo, binary), which are left out.
func (t *dbfTable) text(i int, f *dbfField, d textDecoder) (string, bool) {
	v := t.value(i, f)
	switch f.typ {
	case 'C':
		return d.decode(v), true
	case 'N', 'F', 'D', 'L':
		return strings.TrimSpace(strings.ToValidUTF8(string(bytes.Trim(v, " \x00")), "\uFFFD")), true
	}
	return "", false
}

// describeField is how a DBF field is named in messages.
func dbfFieldName(f *dbfField) string {
	if f.name != "" {
		return f.name
	}
	return fmt.Sprintf("#%d", f.off)
}
