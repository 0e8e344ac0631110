package api

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/sqlstore"
)

// Party members: recorded by the community (ActWriteParty over where they live); dual
// registration requested by the member (or staff for them), confirmed by the community, and
// verified by anyone through the certificate's QR code; the sinking members' roster.

func (s *Server) listMembers(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	n, err := s.registerNode(r, p)
	if err != nil {
		return err
	}
	after, err := queryID(r, "after")
	if err != nil {
		return err
	}
	limit, err := queryLimit(r, 200, 1000)
	if err != nil {
		return err
	}
	q, err := queryText(r, "q", 50)
	if err != nil {
		return err
	}
	var sinking bool
	switch v := r.URL.Query().Get("sinking"); v {
	case "", "false":
	case "true":
		sinking = true
	default:
		return redgrid.Invalid("sinking", "boolean", "sinking must be true or false")
	}
	out, err := s.store.Members(r.Context(), sqlstore.MemberQuery{Path: n.Path, Q: q, Sinking: sinking, After: after, Limit: limit})
	if err != nil {
		return err
	}
	for i := range out {
		if g := out[i].Registration; g != nil {
			g.VerifyToken = "" // on the member's own page, with its link
		}
	}
	return writeJSON(w, http.StatusOK, list[redgrid.Member]{out})
}

func (s *Server) createMember(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	var in redgrid.NewMember
	ctx, err := s.decodeCreate(r, &in)
	if err != nil {
		return err
	}
	if err := in.Validate(s.now().In(chinaTime).Format(time.DateOnly)); err != nil {
		return err
	}
	res, err := s.store.Node(ctx, in.ResidenceID)
	if redgrid.ErrorKind(err) == redgrid.KindNotFound {
		return redgrid.Invalid("residence_id", "exists", "residence_id names no node")
	}
	if err != nil {
		return err
	}
	if !p.Can(redgrid.ActWriteParty, res.Path) {
		return forbidden("recording party members living in " + res.Name)
	}
	m, replayed, err := s.store.CreateMember(ctx, in)
	if err != nil {
		return err
	}
	return created(w, "/api/v1/members/"+strconv.FormatInt(m.ID, 10), replayed, m)
}

// readableMember is the path parameter id: a member the caller may read.
func (s *Server) readableMember(r *http.Request, p *redgrid.Principal) (redgrid.Member, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return redgrid.Member{}, err
	}
	return s.readableMemberID(r, p, id)
}

// readableMemberID is the member id, whom the caller may read: the member themself, or whoever
// reads the registers where they live.
func (s *Server) readableMemberID(r *http.Request, p *redgrid.Principal, id int64) (redgrid.Member, error) {
	m, err := s.store.Member(r.Context(), id)
	if err != nil {
		return m, err
	}
	self := m.UserID != nil && *m.UserID == p.UserID
	if !self && !p.Can(redgrid.ActReadRegister, m.ResidencePath) {
		return m, forbidden("member " + strconv.FormatInt(id, 10))
	}
	return m, nil
}

func (s *Server) getMember(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	m, err := s.readableMember(r, p)
	if err != nil {
		return err
	}
	if g := m.Registration; g != nil && g.VerifyToken != "" {
		g.VerifyURL = s.certificateURL(r, g.VerifyToken)
	}
	setETag(w, m.Version)
	return writeJSON(w, http.StatusOK, m)
}

// leaveMember: POST /api/v1/members/{id}/leave — the member left (转出, 出国出境, 去世, 停止党籍,
// 其他) on a day, recorded by whoever keeps the party registers where they live. If-Match makes
// it conditional (412); leaving twice is 409. The member stays readable, with the day and the
// reason.
func (s *Server) leaveMember(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	var in redgrid.MemberLeave
	if err := s.decode(r, &in); err != nil {
		return err
	}
	if err := in.Validate(s.today()); err != nil {
		return err
	}
	m, err := s.readableMember(r, p)
	if err != nil {
		return err
	}
	if !p.Can(redgrid.ActWriteParty, m.ResidencePath) {
		return forbidden("recording that member " + strconv.FormatInt(m.ID, 10) + " left")
	}
	m, err = s.store.LeaveMember(r.Context(), m.ID, in, version)
	if err != nil {
		return err
	}
	setETag(w, m.Version)
	return writeJSON(w, http.StatusOK, m)
}

// certificateURL is the public page a report certificate's QR code opens (the UI's /verify/,
// which reads GET /api/v1/public/certificates/{token}).
func (s *Server) certificateURL(r *http.Request, token string) string {
	return s.publicBase(r) + "/verify/" + url.PathEscape(token)
}

// requestRegistration: the member themselves (a member linked to the caller's account) or the
// staff who keep the party registers there.
func (s *Server) requestRegistration(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	m, err := s.readableMember(r, p)
	if err != nil {
		return err
	}
	self := m.UserID != nil && *m.UserID == p.UserID
	if !self && !p.Can(redgrid.ActWriteParty, m.ResidencePath) {
		return forbidden("registering member " + strconv.FormatInt(m.ID, 10))
	}
	reg, err := s.store.RequestRegistration(r.Context(), m.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, reg)
}

func (s *Server) confirmRegistration(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	path, err := s.store.RegistrationCommunity(r.Context(), id)
	if err != nil {
		return err
	}
	if !p.Can(redgrid.ActWriteParty, childPath(path)) {
		return forbidden("confirming registrations with that community")
	}
	reg, err := s.store.ConfirmRegistration(r.Context(), id)
	if err != nil {
		return err
	}
	reg.VerifyToken = "" // the link is in the certificate's QR code
	return writeJSON(w, http.StatusOK, reg)
}

// certificateQR serves the report certificate's QR code (SVG): the public verification page.
func (s *Server) certificateQR(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	m, err := s.readableMember(r, p)
	if err != nil {
		return err
	}
	if m.Registration == nil || m.Registration.VerifyToken == "" {
		return redgrid.Errorf(redgrid.KindConflict, "member %d has no confirmed registration", m.ID)
	}
	svg, err := qrSVG(s.certificateURL(r, m.Registration.VerifyToken))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Content-Disposition", `inline; filename="`+m.Registration.Certificate+`.svg"`)
	_, err = io.WriteString(w, string(svg))
	return err
}

// publicCertificate is what scanning a certificate shows: valid or not, masked name, community.
func (s *Server) publicCertificate(w http.ResponseWriter, r *http.Request) error {
	token := r.PathValue("token")
	if len(token) != 32 {
		return redgrid.Errorf(redgrid.KindNotFound, "no such certificate")
	}
	c, err := s.store.VerifyCertificate(r.Context(), token)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, c)
}

func (s *Server) overdueRegistrations(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	n, err := s.registerNode(r, p)
	if err != nil {
		return err
	}
	out, err := s.store.OverdueRegistrations(r.Context(), n.Path)
	if err != nil {
		return err
	}
	for i := range out {
		out[i].VerifyToken = ""
	}
	return writeJSON(w, http.StatusOK, list[redgrid.Registration]{out})
}

type rosterIn struct {
	Weekdays []int `json:"weekdays"`
}

// putRoster: PUT /api/v1/members/{id}/roster — a sinking member's weekdays. If-Match (the
// member's ETag) makes it conditional (412 when someone else changed the member first); without
// it the days are set as before (the UI sends none and reloads the member after). The answer
// carries the member's new ETag.
func (s *Server) putRoster(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	var in rosterIn
	if err := s.decode(r, &in); err != nil {
		return err
	}
	var v redgrid.Validator
	seen := map[int]bool{}
	for _, d := range in.Weekdays {
		v.Check(d >= 1 && d <= 7, "weekdays", "range", "weekdays are 1 (Monday) to 7 (Sunday)")
		v.Check(!seen[d], "weekdays", "unique", "a weekday is given twice")
		seen[d] = true
	}
	if err := v.Err(); err != nil {
		return err
	}
	m, err := s.readableMember(r, p)
	if err != nil {
		return err
	}
	if !p.Can(redgrid.ActWriteParty, m.ResidencePath) {
		return forbidden("the roster of member " + strconv.FormatInt(m.ID, 10))
	}
	version, err = s.store.SetRoster(r.Context(), m.ID, in.Weekdays, version)
	if err != nil {
		return err
	}
	setETag(w, version)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) rosterGaps(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	n, err := s.registerNode(r, p)
	if err != nil {
		return err
	}
	out, err := s.store.RosterGaps(r.Context(), n.Path)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list[redgrid.RosterGap]{out})
}
