package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/redgrid/redgrid"
)

// Joint meetings: the record of a 党建联席会议 and its decisions on the escalated cases of its
// agenda (GET /api/v1/agenda?node= lists what waits for the next one).

func (s *Server) createMeeting(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	var in redgrid.NewMeeting
	ctx, err := s.decodeCreate(r, &in)
	if err != nil {
		return err
	}
	today := s.now().In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly)
	if err := in.Validate(today); err != nil {
		return err
	}
	n, err := s.store.Node(ctx, in.NodeID)
	if redgrid.ErrorKind(err) == redgrid.KindNotFound {
		return redgrid.Invalid("node_id", "exists", "node_id names no node")
	}
	if err != nil {
		return err
	}
	if !p.Can(redgrid.ActRecordMeeting, n.Path) {
		return forbidden("recording a meeting of " + n.Name)
	}
	m, replayed, err := s.store.RecordMeeting(ctx, in)
	if err != nil {
		return err
	}
	return created(w, "/api/v1/meetings/"+strconv.FormatInt(m.ID, 10), replayed, m)
}

// nodeParam is the required query parameter node, a node the caller may read.
func (s *Server) nodeParam(r *http.Request, p *redgrid.Principal) (int64, error) {
	node, err := queryID(r, "node")
	if err != nil {
		return 0, err
	}
	if node == 0 {
		return 0, redgrid.Invalid("node", "required", "node is required")
	}
	_, err = s.readableNode(r, p, node)
	return node, err
}

func (s *Server) listMeetings(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	node, err := s.nodeParam(r, p)
	if err != nil {
		return err
	}
	out, err := s.store.Meetings(r.Context(), node)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list[redgrid.Meeting]{out})
}

func (s *Server) getMeeting(w http.ResponseWriter, r *http.Request, p *redgrid.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	path, err := s.store.MeetingPath(r.Context(), id)
	if err != nil {
		return err
	}
	if !p.Can(redgrid.ActReadTree, path) {
		return forbidden("meeting " + strconv.FormatInt(id, 10))
	}
	m, err := s.store.Meeting(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, m)
}
