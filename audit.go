package redgrid

import "time"

// Audit outcomes.
const (
	OutcomeOK       = "ok"       // the change was made
	OutcomeDenied   = "denied"   // refused for role, scope or credentials
	OutcomeRejected = "rejected" // refused for bad input or a conflict
)

// AuditEntry is one line of the append-only audit log: who, what, when, from where.
type AuditEntry struct {
	ID         int64     `json:"id"`
	At         time.Time `json:"at"`
	ActorID    *int64    `json:"actor_id"`
	Actor      string    `json:"actor"`
	Action     string    `json:"action"`
	Target     string    `json:"target"`
	Outcome    string    `json:"outcome"`
	RemoteAddr string    `json:"remote_addr"`
	RequestID  string    `json:"request_id"`
	Detail     string    `json:"detail"`
}

// HistoryEntry is one recorded change of a tree entity (rename, move, recode, validity).
type HistoryEntry struct {
	At     time.Time      `json:"at"`
	Actor  string         `json:"actor"`
	Change string         `json:"change"`
	Old    map[string]any `json:"old"`
	New    map[string]any `json:"new"`
}
