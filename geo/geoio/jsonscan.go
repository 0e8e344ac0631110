package geoio

import (
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// Limits of the JSON scanner. They bound memory per token, not the size of the input.
const (
	jsonMaxDepth  = 256     // nesting of arrays and objects
	jsonMaxString = 1 << 20 // bytes of one decoded string
	jsonMaxNumber = 1 << 10 // characters of one number literal
)

// jsonError is a problem with the JSON text itself: where it is and what is wrong.
type jsonError struct {
	rule      string // RuleJSON, RuleUTF8 or RuleRead
	offset    int64  // 0-based byte offset
	line, col int    // 1-based; col counts bytes
	msg       string
	err       error // the reader's error, for RuleRead
}

func (e *jsonError) Error() string {
	if e.rule == RuleRead {
		return fmt.Sprintf("reading the input at byte %d: %v", e.offset, e.err)
	}
	return fmt.Sprintf("line %d, column %d (byte offset %d): %s", e.line, e.col, e.offset, e.msg)
}

func (e *jsonError) Unwrap() error { return e.err }

// jsonScanner is a pull parser over a stream of JSON text (RFC 8259). It validates as it goes:
// grammar, UTF-8 in strings, nesting depth, token sizes. Memory is its 64 KiB buffer plus the
// current token. It keeps the line and byte offset for error messages.
type jsonScanner struct {
	r         io.Reader
	buf       []byte
	pos, n    int   // buf[pos:n] is unread
	base      int64 // input offset of buf[0]
	line      int
	lineStart int64 // input offset of the current line's first byte
	eof       bool
	rerr      error
	tmp       []byte // the current string or number
}

func newJSONScanner(r io.Reader) *jsonScanner {
	return &jsonScanner{r: r, buf: make([]byte, 64<<10), line: 1}
}

func (s *jsonScanner) offset() int64 { return s.base + int64(s.pos) }

// fill makes buf[pos] readable; false at the end of the input or after a read error.
func (s *jsonScanner) fill() bool {
	if s.pos < s.n {
		return true
	}
	if s.eof || s.rerr != nil {
		return false
	}
	s.base += int64(s.n)
	s.pos, s.n = 0, 0
	for tries := 0; tries < 100; tries++ {
		m, err := s.r.Read(s.buf)
		if m < 0 || m > len(s.buf) {
			s.rerr = errors.New("reader returned an invalid count")
			return false
		}
		s.n = m
		if err == io.EOF {
			s.eof = true
		} else if err != nil {
			s.rerr = err
		}
		if m > 0 {
			return true
		}
		if err != nil {
			return false
		}
	}
	s.rerr = io.ErrNoProgress
	return false
}

func (s *jsonScanner) errAt(off int64, rule, format string, args ...any) error {
	return &jsonError{rule: rule, offset: off, line: s.line, col: int(off-s.lineStart) + 1, msg: fmt.Sprintf(format, args...)}
}

func (s *jsonScanner) errorf(format string, args ...any) error {
	return s.errAt(s.offset(), RuleJSON, format, args...)
}

// endError is the error for input that stops in the middle of a value.
func (s *jsonScanner) endError() error {
	if s.rerr != nil {
		return &jsonError{rule: RuleRead, offset: s.offset(), err: s.rerr}
	}
	return s.errorf("unexpected end of input: the file is truncated or a bracket is missing")
}

func (s *jsonScanner) skipWS() {
	for s.fill() {
		switch s.buf[s.pos] {
		case ' ', '\t', '\r':
			s.pos++
		case '\n':
			s.pos++
			s.line++
			s.lineStart = s.offset()
		default:
			return
		}
	}
}

// peek skips whitespace and returns the next byte without consuming it.
func (s *jsonScanner) peek() (byte, error) {
	s.skipWS()
	if !s.fill() {
		return 0, s.endError()
	}
	return s.buf[s.pos], nil
}

func (s *jsonScanner) nextByte() (byte, error) {
	if !s.fill() {
		return 0, s.endError()
	}
	c := s.buf[s.pos]
	s.pos++
	return c, nil
}

// describe names a byte found where something else was expected.
func describe(c byte) string {
	switch {
	case c == '{':
		return "an object"
	case c == '[':
		return "an array"
	case c == '"':
		return "a string"
	case c == '-' || (c >= '0' && c <= '9'):
		return "a number"
	case c == 't' || c == 'f':
		return "a boolean"
	case c == 'n':
		return "null"
	case c >= 0x20 && c < 0x7f:
		return fmt.Sprintf("%q", rune(c))
	}
	return fmt.Sprintf("byte 0x%02X", c)
}

func (s *jsonScanner) invalidChar(c byte, context string) error {
	if c >= 0x20 && c < 0x7f {
		return s.errorf("invalid character %q %s", rune(c), context)
	}
	if c >= 0x80 {
		return s.errAt(s.offset(), RuleJSON, "invalid byte 0x%02X %s (text outside strings must be ASCII)", c, context)
	}
	return s.errorf("invalid byte 0x%02X %s", c, context)
}

// start skips a UTF-8 byte order mark and whitespace and returns the first byte of the document.
func (s *jsonScanner) start() (byte, error) {
	if s.fill() && (s.buf[s.pos] == 0xFF || s.buf[s.pos] == 0xFE) {
		return 0, s.errAt(0, RuleUTF8, "the file starts with byte 0x%02X, a UTF-16 byte order mark: save it as UTF-8", s.buf[s.pos])
	}
	if s.fill() && s.buf[s.pos] == 0xEF {
		for _, want := range []byte{0xEF, 0xBB, 0xBF} {
			c, err := s.nextByte()
			if err != nil {
				return 0, err
			}
			if c != want {
				return 0, s.errAt(s.offset()-1, RuleUTF8, "the file starts with byte 0xEF but not with a UTF-8 byte order mark")
			}
		}
	}
	s.skipWS()
	if !s.fill() {
		if s.rerr != nil {
			return 0, s.endError()
		}
		return 0, s.errorf("the input is empty")
	}
	return s.buf[s.pos], nil
}

// end checks that nothing but whitespace follows the top-level value.
func (s *jsonScanner) end() error {
	s.skipWS()
	if s.fill() {
		return s.invalidChar(s.buf[s.pos], "after the end of the top-level value")
	}
	if s.rerr != nil {
		return s.endError()
	}
	return nil
}

func (s *jsonScanner) expect(want byte, context string) error {
	c, err := s.peek()
	if err != nil {
		return err
	}
	if c != want {
		return s.invalidChar(c, context)
	}
	s.pos++
	return nil
}

// readString reads a string; the scanner is at its opening quote.
func (s *jsonScanner) readString() (string, error) {
	s.pos++ // the quote
	s.tmp = s.tmp[:0]
	hi := rune(-1) // a high surrogate waiting for its low half
	flush := func() {
		if hi >= 0 {
			s.tmp = utf8.AppendRune(s.tmp, utf8.RuneError)
			hi = -1
		}
	}
	for {
		if !s.fill() {
			return "", s.endError()
		}
		start := s.pos
		for s.pos < s.n {
			c := s.buf[s.pos]
			if c == '"' || c == '\\' || c < 0x20 || c >= 0x80 {
				break
			}
			s.pos++
		}
		if s.pos > start {
			flush()
			s.tmp = append(s.tmp, s.buf[start:s.pos]...)
		}
		if len(s.tmp) > jsonMaxString {
			return "", s.errorf("string longer than %d bytes", jsonMaxString)
		}
		if s.pos == s.n {
			continue
		}
		c := s.buf[s.pos]
		switch {
		case c == '"':
			flush()
			s.pos++
			return string(s.tmp), nil
		case c == '\\':
			s.pos++
			e, err := s.nextByte()
			if err != nil {
				return "", err
			}
			if e == 'u' {
				r, err := s.hex4()
				if err != nil {
					return "", err
				}
				switch {
				case r >= 0xD800 && r < 0xDC00:
					flush()
					hi = r
				case r >= 0xDC00 && r < 0xE000:
					if hi >= 0 {
						s.tmp = utf8.AppendRune(s.tmp, (hi-0xD800)<<10+(r-0xDC00)+0x10000)
						hi = -1
					} else {
						s.tmp = utf8.AppendRune(s.tmp, utf8.RuneError)
					}
				default:
					flush()
					s.tmp = utf8.AppendRune(s.tmp, r)
				}
				continue
			}
			flush()
			switch e {
			case '"', '\\', '/':
				s.tmp = append(s.tmp, e)
			case 'b':
				s.tmp = append(s.tmp, '\b')
			case 'f':
				s.tmp = append(s.tmp, '\f')
			case 'n':
				s.tmp = append(s.tmp, '\n')
			case 'r':
				s.tmp = append(s.tmp, '\r')
			case 't':
				s.tmp = append(s.tmp, '\t')
			default:
				s.pos--
				return "", s.invalidChar(e, "in string escape code")
			}
		case c < 0x20:
			return "", s.errorf("control character 0x%02X in a string: it must be escaped", c)
		default:
			flush()
			if err := s.utf8Seq(); err != nil {
				return "", err
			}
		}
	}
}

func (s *jsonScanner) hex4() (rune, error) {
	var r rune
	for i := 0; i < 4; i++ {
		c, err := s.nextByte()
		if err != nil {
			return 0, err
		}
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			s.pos--
			return 0, s.invalidChar(c, `in \u escape`)
		}
		r = r<<4 | rune(d)
	}
	return r, nil
}

// utf8Seq copies one multi-byte UTF-8 sequence into tmp; the scanner is at its first byte.
func (s *jsonScanner) utf8Seq() error {
	off := s.offset()
	b0 := s.buf[s.pos]
	n := 0
	switch {
	case b0 >= 0xC2 && b0 <= 0xDF:
		n = 2
	case b0 >= 0xE0 && b0 <= 0xEF:
		n = 3
	case b0 >= 0xF0 && b0 <= 0xF4:
		n = 4
	}
	bad := func() error {
		return s.errAt(off, RuleUTF8, "invalid UTF-8 (byte 0x%02X) in a string: GeoJSON must be UTF-8; was the file saved as GBK?", b0)
	}
	if n == 0 {
		return bad()
	}
	var seq [4]byte
	seq[0] = b0
	s.pos++
	for i := 1; i < n; i++ {
		if !s.fill() {
			return s.endError()
		}
		c := s.buf[s.pos]
		if c&0xC0 != 0x80 {
			return bad()
		}
		seq[i] = c
		s.pos++
	}
	if r, size := utf8.DecodeRune(seq[:n]); r == utf8.RuneError && size <= 1 {
		return bad()
	}
	s.tmp = append(s.tmp, seq[:n]...)
	return nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// readNumber reads a number literal, checking the grammar; the result is valid until the next
// read. The scanner is at its first byte ('-' or a digit).
func (s *jsonScanner) readNumber() ([]byte, error) {
	s.tmp = s.tmp[:0]
	take := func() { s.tmp = append(s.tmp, s.buf[s.pos]); s.pos++ }
	digits := func(what string) error {
		if !s.fill() {
			return s.endError()
		}
		if !isDigit(s.buf[s.pos]) {
			return s.invalidChar(s.buf[s.pos], "in number: expected a digit "+what)
		}
		for s.fill() && isDigit(s.buf[s.pos]) {
			take()
			if len(s.tmp) > jsonMaxNumber {
				return s.errorf("number longer than %d characters", jsonMaxNumber)
			}
		}
		return nil
	}
	if s.buf[s.pos] == '-' {
		take()
	}
	if !s.fill() {
		return nil, s.endError()
	}
	if s.buf[s.pos] == '0' {
		take()
	} else if err := digits("after '-'"); err != nil {
		return nil, err
	}
	if s.fill() && s.buf[s.pos] == '.' {
		take()
		if err := digits("after the decimal point"); err != nil {
			return nil, err
		}
	}
	if s.fill() && (s.buf[s.pos] == 'e' || s.buf[s.pos] == 'E') {
		take()
		if s.fill() && (s.buf[s.pos] == '+' || s.buf[s.pos] == '-') {
			take()
		}
		if err := digits("in the exponent"); err != nil {
			return nil, err
		}
	}
	return s.tmp, nil
}

func (s *jsonScanner) readLiteral(word string) error {
	off := s.offset()
	for i := 0; i < len(word); i++ {
		c, err := s.nextByte()
		if err != nil {
			return err
		}
		if c != word[i] {
			return s.errAt(off, RuleJSON, "invalid literal: expected %s", word)
		}
	}
	return nil
}

// skip reads and discards one value.
func (s *jsonScanner) skip() error { return s.value(nil, 0) }

// value reads one value of any kind, appending its compact text to *dst if dst is not nil.
func (s *jsonScanner) value(dst *[]byte, depth int) error {
	app := func(b ...byte) {
		if dst != nil {
			*dst = append(*dst, b...)
		}
	}
	c, err := s.peek()
	if err != nil {
		return err
	}
	switch {
	case c == '{' || c == '[':
		if depth >= jsonMaxDepth {
			return s.errorf("arrays and objects nested deeper than %d", jsonMaxDepth)
		}
		s.pos++
		app(c)
		closer := byte('}')
		if c == '[' {
			closer = ']'
		}
		for first := true; ; first = false {
			c, err := s.peek()
			if err != nil {
				return err
			}
			if first && c == closer {
				s.pos++
				app(closer)
				return nil
			}
			if closer == '}' {
				if c != '"' {
					return s.invalidChar(c, "looking for the beginning of an object member name")
				}
				k, err := s.readString()
				if err != nil {
					return err
				}
				if dst != nil {
					*dst = appendJSONString(*dst, k)
				}
				if err := s.expect(':', "after object member name"); err != nil {
					return err
				}
				app(':')
			}
			if err := s.value(dst, depth+1); err != nil {
				return err
			}
			c, err = s.peek()
			if err != nil {
				return err
			}
			switch c {
			case ',':
				s.pos++
				app(',')
			case closer:
				s.pos++
				app(closer)
				return nil
			default:
				if closer == '}' {
					return s.invalidChar(c, "after object member value")
				}
				return s.invalidChar(c, "after array element")
			}
		}
	case c == '"':
		str, err := s.readString()
		if err != nil {
			return err
		}
		if dst != nil {
			*dst = appendJSONString(*dst, str)
		}
	case c == '-' || isDigit(c):
		lit, err := s.readNumber()
		if err != nil {
			return err
		}
		app(lit...)
	case c == 't':
		if err := s.readLiteral("true"); err != nil {
			return err
		}
		app([]byte("true")...)
	case c == 'f':
		if err := s.readLiteral("false"); err != nil {
			return err
		}
		app([]byte("false")...)
	case c == 'n':
		if err := s.readLiteral("null"); err != nil {
			return err
		}
		app([]byte("null")...)
	default:
		return s.invalidChar(c, "looking for the beginning of a value")
	}
	return nil
}

// object reads an object, calling member with each member name; member must read the value.
func (s *jsonScanner) object(member func(key string) error) error {
	if err := s.expect('{', "looking for an object"); err != nil {
		return err
	}
	for first := true; ; first = false {
		c, err := s.peek()
		if err != nil {
			return err
		}
		if first && c == '}' {
			s.pos++
			return nil
		}
		if c != '"' {
			return s.invalidChar(c, "looking for the beginning of an object member name")
		}
		k, err := s.readString()
		if err != nil {
			return err
		}
		if err := s.expect(':', "after object member name"); err != nil {
			return err
		}
		if _, err := s.peek(); err != nil {
			return err
		}
		if err := member(k); err != nil {
			return err
		}
		c, err = s.peek()
		if err != nil {
			return err
		}
		switch c {
		case ',':
			s.pos++
		case '}':
			s.pos++
			return nil
		default:
			return s.invalidChar(c, "after object member value")
		}
	}
}

// array reads an array, calling elem for each element; elem must read the element.
func (s *jsonScanner) array(elem func(i int) error) error {
	if err := s.expect('[', "looking for an array"); err != nil {
		return err
	}
	for i := 0; ; i++ {
		c, err := s.peek()
		if err != nil {
			return err
		}
		if i == 0 && c == ']' {
			s.pos++
			return nil
		}
		if err := elem(i); err != nil {
			return err
		}
		c, err = s.peek()
		if err != nil {
			return err
		}
		switch c {
		case ',':
			s.pos++
		case ']':
			s.pos++
			return nil
		default:
			return s.invalidChar(c, "after array element")
		}
	}
}

// appendJSONString appends s as a JSON string literal. s is valid UTF-8.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\r':
			dst = append(dst, '\\', 'r')
		case c == '\t':
			dst = append(dst, '\\', 't')
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}
