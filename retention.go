package redgrid

import "fmt"

// Retention says how long personal data is kept (PIPL Art. 19 and 47, GB/T 35273 6.1: no longer
// than the purpose needs). The personal data of people who left — a resident moved out or removed
// from the register, a volunteer deregistered, a grid post or a committee seat ended — is erased
// LeftDays after they left: the sealed ID number and phone and their keyed hashes blanked, the
// name reduced to its masked form (张*), the row kept so that the counts stay right.
//
// The log of unmaskings is a record of who accessed personal data, not personal data kept for a
// purpose of its own, and it is what a person or an inspector asks for afterwards (PIPL Art. 45,
// 54, 64): it is kept UnmaskingDays, at least three years, the period PIPL Art. 56 sets for the
// records of processing (and longer than the six months the Cybersecurity Law Art. 21 asks of
// logs), and never shorter than the data it speaks of.
type Retention struct {
	LeftDays      int // days the personal data of people who left is kept
	UnmaskingDays int // days an entry of the unmasking log is kept
}

// Retention defaults and bounds.
const (
	DefaultLeftDays      = 365
	DefaultUnmaskingDays = 3 * 365
	MinUnmaskingDays     = 3 * 365
	MaxRetentionDays     = 100 * 365
)

// DefaultRetention is one year for the data of people who left and three years for the log.
var DefaultRetention = Retention{LeftDays: DefaultLeftDays, UnmaskingDays: DefaultUnmaskingDays}

// Validate checks the bounds.
func (r Retention) Validate() error {
	switch {
	case r.LeftDays < 1 || r.LeftDays > MaxRetentionDays:
		return fmt.Errorf("the retention of the personal data of people who left must be 1 to %d days", MaxRetentionDays)
	case r.UnmaskingDays < MinUnmaskingDays || r.UnmaskingDays > MaxRetentionDays:
		return fmt.Errorf("the retention of the unmasking log must be %d to %d days (PIPL Art. 56: at least three years)", MinUnmaskingDays, MaxRetentionDays)
	case r.UnmaskingDays < r.LeftDays:
		return fmt.Errorf("the unmasking log must be kept at least as long as the data it speaks of (%d days)", r.LeftDays)
	}
	return nil
}
