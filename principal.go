package redgrid

import "context"

// Principal is the authenticated caller with the grants that decide what they may touch.
type Principal struct {
	UserID      int64
	Username    string
	DisplayName string
	Grants      []Grant
}

// Can reports whether the caller may do act on a target at path. Staff may change what lies
// strictly below the node they hold a role at; district admins may change their node too. Reads
// (and seeing personal data, which is reading) cover the whole subtree including the node itself.
func (p *Principal) Can(act Action, path string) bool {
	if p == nil {
		return false
	}
	for _, g := range p.Grants {
		if !g.Role.Allows(act) {
			continue
		}
		for _, scope := range g.Paths {
			if act == ActReadTree || act == ActReadAudit || act == ActRecordMeeting || act == ActReadRegister || act == ActCallBack || act == ActUnmask || g.Role == RoleDistrictAdmin {
				if IsWithin(path, scope) {
					return true
				}
			} else if IsBelow(path, scope) {
				return true
			}
		}
	}
	return false
}

// CanAny reports whether any grant allows act anywhere.
func (p *Principal) CanAny(act Action) bool {
	if p == nil {
		return false
	}
	for _, g := range p.Grants {
		if g.Role.Allows(act) && len(g.Paths) > 0 {
			return true
		}
	}
	return false
}

// ScopePaths returns the distinct subtree roots covered by grants that allow act, with nested
// roots removed.
func (p *Principal) ScopePaths(act Action) []string {
	var out []string
	if p == nil {
		return nil
	}
	for _, g := range p.Grants {
		if !g.Role.Allows(act) {
			continue
		}
		for _, s := range g.Paths {
			out = addRoot(out, s)
		}
	}
	return out
}

func addRoot(roots []string, s string) []string {
	for _, r := range roots {
		if IsWithin(s, r) {
			return roots
		}
	}
	kept := roots[:0]
	for _, r := range roots {
		if !IsWithin(r, s) {
			kept = append(kept, r)
		}
	}
	return append(kept, s)
}

// Actor identifies who acts, for the audit log.
type Actor struct {
	UserID     int64
	Username   string
	RemoteAddr string
	RequestID  string
}

type ctxKey int

const (
	actorKey ctxKey = iota
	idemKey
)

// WithActor returns a context carrying the actor the store records in the audit log.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey, a)
}

// ActorFrom returns the actor in ctx; the zero Actor ("system") when none.
func ActorFrom(ctx context.Context) Actor {
	a, _ := ctx.Value(actorKey).(Actor)
	return a
}

// Idempotency identifies a retried create: the same user sending the same key to the same route
// gets the first result back. RequestHash tells a retry from a different request reusing the key.
type Idempotency struct {
	Key         string
	Route       string
	RequestHash string
}

// WithIdempotency returns a context carrying the idempotency key of the request.
func WithIdempotency(ctx context.Context, i Idempotency) context.Context {
	return context.WithValue(ctx, idemKey, i)
}

// IdempotencyFrom returns the key in ctx, if any.
func IdempotencyFrom(ctx context.Context) (Idempotency, bool) {
	i, ok := ctx.Value(idemKey).(Idempotency)
	return i, ok && i.Key != ""
}
