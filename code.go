package redgrid

import (
	"fmt"
	"strings"
)

// CodeScheme is the layout of node codes: the 6-digit GB/T 2260 district code, then 3 digits of
// street, 3 of community, then the grid sequence (2 digits for the 14-digit GB/T 30428.1 style,
// 3 for the 15-digit DB11/T 2157 style), then 2 for a micro-grid and 3 for a building. A child's
// code is its parent's code followed by its own segment.
type CodeScheme struct {
	GridDigits int // 2 (14-digit grid codes) or 3 (15-digit)
}

// DefaultCodeScheme is the 14-digit layout.
var DefaultCodeScheme = CodeScheme{GridDigits: 2}

// SegmentLen is the number of digits a node of kind k adds to its parent's code (for a district,
// the whole code).
func (s CodeScheme) SegmentLen(k NodeKind) int {
	switch k {
	case KindDistrict:
		return 6
	case KindStreet, KindCommunity, KindBuilding:
		return 3
	case KindGrid:
		if s.GridDigits == 3 {
			return 3
		}
		return 2
	case KindMicrogrid:
		return 2
	}
	return 0
}

// Valid reports whether the scheme is one of the supported layouts.
func (s CodeScheme) Valid() bool { return s.GridDigits == 2 || s.GridDigits == 3 }

// CheckSegment validates the shape of a code for a kind without knowing the parent.
func (s CodeScheme) CheckSegment(k NodeKind, code string) error {
	if !allDigits(code) {
		return fmt.Errorf("code must be digits")
	}
	if k == KindDistrict && len(code) != 6 {
		return fmt.Errorf("a district code has 6 digits (GB/T 2260)")
	}
	return nil
}

// CheckChild validates a child's full code against its parent's code.
func (s CodeScheme) CheckChild(k NodeKind, parentCode, code string) error {
	seg := s.SegmentLen(k)
	if !allDigits(code) {
		return fmt.Errorf("code must be digits")
	}
	if !strings.HasPrefix(code, parentCode) || len(code) != len(parentCode)+seg {
		return fmt.Errorf("a %s code is its parent's code %s followed by %d digits", k, parentCode, seg)
	}
	if strings.Trim(code[len(parentCode):], "0") == "" {
		return fmt.Errorf("the %s's own segment must not be all zeros", k)
	}
	return nil
}

// ChildCode formats sequence number seq as the code of a child of kind k under parentCode. It
// fails when seq does not fit the segment.
func (s CodeScheme) ChildCode(k NodeKind, parentCode string, seq int) (string, error) {
	seg := s.SegmentLen(k)
	code := fmt.Sprintf("%s%0*d", parentCode, seg, seq)
	if seq < 1 || len(code) != len(parentCode)+seg {
		return "", fmt.Errorf("no free %d-digit %s code left under %s", seg, k, parentCode)
	}
	return code, nil
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
