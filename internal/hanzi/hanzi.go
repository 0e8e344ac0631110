// Package hanzi derives the search keys of Chinese names: full pinyin and pinyin initials, so that
// "五堰社区" is found by "wuyan", "wysq" or "五堰".
package hanzi

import (
	"strings"
	"unicode"

	"github.com/mozillazg/go-pinyin"
)

// maxVariants bounds the readings kept for names with polyphonic characters (长, 重, 行 …).
const maxVariants = 4

// Keys returns the full pinyin (syllables joined, no tones) and the initials of s, both lower
// case. Letters and digits are kept as they are. Where a character has several readings, the
// initials hold up to maxVariants alternatives separated by spaces, so that a search for the
// reading a person has in mind still matches.
func Keys(s string) (full, initials string) {
	args := pinyin.NewArgs()
	args.Heteronym = true
	var fullB strings.Builder
	variants := []string{""}
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Han, r):
			readings := pinyin.SinglePinyin(r, args)
			if len(readings) == 0 {
				continue
			}
			fullB.WriteString(readings[0])
			var firsts []byte
			for _, rd := range readings {
				if rd == "" {
					continue
				}
				c := rd[0]
				dup := false
				for _, f := range firsts {
					dup = dup || f == c
				}
				if !dup {
					firsts = append(firsts, c)
				}
			}
			variants = extend(variants, firsts)
		case r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			lr := unicode.ToLower(r)
			fullB.WriteRune(lr)
			variants = extend(variants, []byte{byte(lr)})
		}
	}
	return fullB.String(), strings.Join(variants, " ")
}

func extend(variants []string, firsts []byte) []string {
	if len(firsts) == 0 {
		return variants
	}
	out := make([]string, 0, len(variants)*len(firsts))
	for _, f := range firsts {
		for _, v := range variants {
			if len(out) == maxVariants {
				return out
			}
			out = append(out, v+string(f))
		}
	}
	return out
}

// Query normalises a search text: trimmed and lower case.
func Query(q string) string { return strings.ToLower(strings.TrimSpace(q)) }

// IsKeyQuery reports whether q can match pinyin keys (ASCII letters and digits only).
func IsKeyQuery(q string) bool {
	if q == "" {
		return false
	}
	for _, r := range q {
		if r >= 128 || !(unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return false
		}
	}
	return true
}
