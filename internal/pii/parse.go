package pii

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Error is a value that breaks a rule; Rule is the name a problem document gives it ("format",
// "checksum" …). Its message never repeats the value.
type Error struct {
	Rule    string
	Message string
}

func (e *Error) Error() string { return e.Message }

func fail(rule, msg string) error { return &Error{Rule: rule, Message: msg} }

// halfWidth turns full-width digits, letters and the ideographic space (what a Chinese input
// method types in full-width mode) into their ASCII forms.
func halfWidth(r rune) rune {
	switch {
	case r >= '０' && r <= '９', r >= 'Ａ' && r <= 'Ｚ', r >= 'ａ' && r <= 'ｚ', r == '＋', r == '－', r == '（', r == '）':
		return r - 0xFEE0
	case r == '\u3000':
		return ' '
	}
	return r
}

// NormalizePhone is a phone number as digits only: full-width forms made ASCII; spaces, hyphens,
// dots and brackets removed; a leading +86, 0086 or 86 (before an 11-digit mobile number) removed,
// and a landline's trunk 0 put back when the country code had dropped it (+86 719 8123456 →
// 07198123456). What is not a phone number comes out changed only by those rules.
func NormalizePhone(s string) string {
	s = strings.Map(func(r rune) rune {
		switch r = halfWidth(r); r {
		case ' ', '-', '.', '(', ')', '\u00a0', '\t':
			return -1
		}
		return r
	}, s)
	for _, cc := range []string{"+86", "0086", "86"} {
		rest, ok := strings.CutPrefix(s, cc)
		if !ok {
			continue
		}
		switch {
		case isMobile(rest), cc != "86" && isLandline(rest):
			return rest
		case cc != "86" && isLandline("0"+rest):
			return "0" + rest
		}
	}
	return s
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// isMobile: 11 digits, 1 then 3–9 (the mainland mobile ranges, 13x–19x).
func isMobile(s string) bool { return len(s) == 11 && digits(s) && s[0] == '1' && s[1] >= '3' }

// isLandline: the trunk 0, an area code of 2 or 3 more digits (010, 0719) and a local number of
// 7 or 8 digits not starting with 0 or 1, 10 to 12 digits in all.
func isLandline(s string) bool {
	if len(s) < 10 || len(s) > 12 || !digits(s) || s[0] != '0' || s[1] == '0' {
		return false
	}
	for _, area := range []int{3, 4} { // with the 0
		local := s[area:]
		if (len(local) == 7 || len(local) == 8) && local[0] >= '2' {
			return true
		}
	}
	return false
}

// ParseMobile returns a mainland mobile number normalised (13800138000), or an Error with rule
// "format".
func ParseMobile(s string) (string, error) {
	n := NormalizePhone(s)
	if !isMobile(n) {
		return "", fail("format", "must be a mainland mobile number: 11 digits starting 13 to 19")
	}
	return n, nil
}

// ParsePhone returns a mainland mobile or landline number normalised (13800138000, 07198123456),
// or an Error with rule "format".
func ParsePhone(s string) (string, error) {
	n := NormalizePhone(s)
	if !isMobile(n) && !isLandline(n) {
		return "", fail("format", "must be a mainland mobile number (11 digits) or a landline with its area code")
	}
	return n, nil
}

// NormalizeID is a resident ID number as written on the card: full-width forms made ASCII,
// spaces and hyphens removed, the check character x upper-case.
func NormalizeID(s string) string {
	return strings.Map(func(r rune) rune {
		switch r = halfWidth(r); r {
		case ' ', '-', '\u00a0', '\t':
			return -1
		case 'x':
			return 'X'
		}
		return r
	}, s)
}

// ID is a resident identity number (公民身份号码, GB 11643-1999) taken apart.
type ID struct {
	Number string    // 18 characters, normalised
	Region string    // the 6-digit address code (GB/T 2260) where it was issued
	Birth  time.Time // date of birth (UTC midnight)
	Male   bool      // the sequence code is odd for men
}

// provinces are the first two digits of a GB/T 2260 address code: the 31 mainland provinces,
// 71 (Taiwan), and 81, 82, 83, which start the numbers of the residence permits of residents of
// Hong Kong, Macao and Taiwan (GB 11643 numbers too).
var provinces = map[string]bool{
	"11": true, "12": true, "13": true, "14": true, "15": true,
	"21": true, "22": true, "23": true,
	"31": true, "32": true, "33": true, "34": true, "35": true, "36": true, "37": true,
	"41": true, "42": true, "43": true, "44": true, "45": true, "46": true,
	"50": true, "51": true, "52": true, "53": true, "54": true,
	"61": true, "62": true, "63": true, "64": true, "65": true,
	"71": true, "81": true, "82": true, "83": true,
}

var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const idCheck = "10X98765432"

// IDCheckChar is the check character (GB 11643 §7, ISO 7064 MOD 11-2) of the first 17 digits.
func IDCheckChar(first17 string) byte {
	sum := 0
	for i := range 17 {
		sum += int(first17[i]-'0') * idWeights[i]
	}
	return idCheck[sum%11]
}

// ParseID checks an 18-character resident ID number: 17 digits and a check digit or X, a
// province the address code belongs to, a real date of birth from 1900 to today, and the check
// character. It returns the number normalised, or an Error whose rule is "length", "format",
// "region", "birth_date" or "checksum".
func ParseID(s string, today time.Time) (ID, error) {
	n := NormalizeID(s)
	if utf8.RuneCountInString(n) != 18 {
		return ID{}, fail("length", "an ID number has 18 characters")
	}
	if !digits(n[:17]) || !(n[17] >= '0' && n[17] <= '9' || n[17] == 'X') {
		return ID{}, fail("format", "an ID number is 17 digits and a check digit or X")
	}
	if !provinces[n[:2]] {
		return ID{}, fail("region", "the first six digits are not the address code of a province")
	}
	birth, err := time.Parse("20060102", n[6:14])
	y, m, d := today.Date()
	if err != nil || birth.Year() < 1900 || birth.After(time.Date(y, m, d, 0, 0, 0, 0, time.UTC)) {
		return ID{}, fail("birth_date", "digits 7 to 14 must be a real date of birth from 1900 to today")
	}
	if IDCheckChar(n) != n[17] {
		return ID{}, fail("checksum", "the check character does not match the other 17 (GB 11643)")
	}
	return ID{Number: n, Region: n[:6], Birth: birth, Male: (n[16]-'0')%2 == 1}, nil
}
