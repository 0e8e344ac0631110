package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/notify"
	"github.com/redgrid/redgrid/internal/redgridtest"
	"github.com/redgrid/redgrid/internal/sqlstore"
)

// robot is a group robot of WeCom, DingTalk or Feishu standing in for the outside world: an HTTP
// server that checks each request is in its kind's JSON format (and signed, when it has a
// secret), answers as the real robot does, and keeps the messages it took.
type robot struct {
	t      testing.TB
	kind   notify.Kind
	secret string
	srv    *httptest.Server
	// failFirst: the first failFirst requests of each message are answered 500 (a retry helps);
	// down: every request is answered 503; refuse: every request gets the robot's "keyword not in
	// content" code (a retry does not help).
	failFirst    int
	down, refuse bool

	mu       sync.Mutex
	tries    map[string]int // requests per message (its first text line after the title)
	got      []string       // messages taken, in order: "Title\nText"
	bad      []string       // what was wrong with malformed requests
	requests int
}

func newRobot(t testing.TB, kind notify.Kind, secret string) *robot {
	r := &robot{t: t, kind: kind, secret: secret, tries: map[string]int{}}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

// hook is the --webhook spec of the robot.
func (r *robot) spec() string {
	path := map[notify.Kind]string{
		notify.WeCom:    "/cgi-bin/webhook/send?key=wecom-token-0123456789",
		notify.DingTalk: "/robot/send?access_token=dingtalk-token-0123456789",
		notify.Feishu:   "/open-apis/bot/v2/hook/feishu-hook-0123456789abcdef",
	}[r.kind]
	s := string(r.kind) + "=" + r.srv.URL + path
	if r.secret != "" {
		s += "#" + r.secret
	}
	return s
}

func (r *robot) hook() notify.Hook {
	h, err := notify.ParseHook(r.spec())
	if err != nil {
		r.t.Fatal(err)
	}
	return h
}

func (r *robot) serve(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests++
	ok := func() {
		if r.kind == notify.Feishu {
			io.WriteString(w, `{"code":0,"msg":"success","data":{}}`)
		} else {
			io.WriteString(w, `{"errcode":0,"errmsg":"ok"}`)
		}
	}
	msg, err := r.parse(req)
	if err != nil {
		r.bad = append(r.bad, err.Error())
		w.WriteHeader(400)
		io.WriteString(w, `{"errcode":40035,"errmsg":"invalid parameter","code":9499,"msg":"bad request"}`)
		return
	}
	r.tries[msg]++
	switch {
	case r.down:
		w.WriteHeader(503)
		return
	case r.refuse:
		if r.kind == notify.Feishu {
			io.WriteString(w, `{"code":19024,"msg":"Key Words Not Found"}`)
		} else {
			io.WriteString(w, `{"errcode":310000,"errmsg":"keywords not in content"}`)
		}
		return
	case r.tries[msg] <= r.failFirst:
		w.WriteHeader(500)
		return
	}
	r.got = append(r.got, msg)
	ok()
}

// parse checks the request against the robot's format and returns "Title\nText".
func (r *robot) parse(req *http.Request) (string, error) {
	if req.Method != "POST" || !strings.HasPrefix(req.Header.Get("Content-Type"), "application/json") {
		return "", fmt.Errorf("%s %s", req.Method, req.Header.Get("Content-Type"))
	}
	body, _ := io.ReadAll(req.Body)
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	link := "\n[查看](https://grid.example/cases/"
	switch r.kind {
	case notify.WeCom:
		if req.URL.Query().Get("key") != "wecom-token-0123456789" {
			return "", fmt.Errorf("wecom key %q", req.URL.Query().Get("key"))
		}
		var b struct {
			MsgType  string `json:"msgtype"`
			Markdown struct {
				Content string `json:"content"`
			} `json:"markdown"`
		}
		if err := dec.Decode(&b); err != nil || b.MsgType != "markdown" || !strings.HasPrefix(b.Markdown.Content, "**") {
			return "", fmt.Errorf("wecom body %s: %v", body, err)
		}
		title, text, _ := strings.Cut(strings.TrimPrefix(b.Markdown.Content, "**"), "**\n")
		text, _, found := strings.Cut(text, link)
		if !found {
			return "", fmt.Errorf("wecom body without the case's link: %s", body)
		}
		return title + "\n" + text, nil
	case notify.DingTalk:
		q := req.URL.Query()
		if q.Get("access_token") != "dingtalk-token-0123456789" {
			return "", fmt.Errorf("dingtalk token %q", q.Get("access_token"))
		}
		if r.secret != "" {
			mac := hmac.New(sha256.New, []byte(r.secret))
			mac.Write([]byte(q.Get("timestamp") + "\n" + r.secret))
			if want := base64.StdEncoding.EncodeToString(mac.Sum(nil)); q.Get("sign") != want {
				return "", fmt.Errorf("dingtalk sign %q, want %q", q.Get("sign"), want)
			}
		}
		var b struct {
			MsgType  string `json:"msgtype"`
			Markdown struct {
				Title string `json:"title"`
				Text  string `json:"text"`
			} `json:"markdown"`
		}
		if err := dec.Decode(&b); err != nil || b.MsgType != "markdown" || !strings.HasPrefix(b.Markdown.Text, "### "+b.Markdown.Title+"\n") {
			return "", fmt.Errorf("dingtalk body %s: %v", body, err)
		}
		text, _, found := strings.Cut(strings.TrimPrefix(b.Markdown.Text, "### "+b.Markdown.Title+"\n"), link)
		if !found {
			return "", fmt.Errorf("dingtalk body without the case's link: %s", body)
		}
		return b.Markdown.Title + "\n" + text, nil
	default:
		if !strings.HasSuffix(req.URL.Path, "/feishu-hook-0123456789abcdef") {
			return "", fmt.Errorf("feishu path %q", req.URL.Path)
		}
		var b struct {
			Timestamp string `json:"timestamp"`
			Sign      string `json:"sign"`
			MsgType   string `json:"msg_type"`
			Content   struct {
				Text string `json:"text"`
			} `json:"content"`
		}
		if err := dec.Decode(&b); err != nil || b.MsgType != "text" {
			return "", fmt.Errorf("feishu body %s: %v", body, err)
		}
		if r.secret != "" {
			mac := hmac.New(sha256.New, []byte(b.Timestamp+"\n"+r.secret))
			if want := base64.StdEncoding.EncodeToString(mac.Sum(nil)); b.Sign != want {
				return "", fmt.Errorf("feishu sign %q, want %q", b.Sign, want)
			}
		}
		text, _, found := strings.Cut(b.Content.Text, "\nhttps://grid.example/cases/")
		if !found {
			return "", fmt.Errorf("feishu body without the case's link: %s", body)
		}
		return text, nil
	}
}

// received returns how many times each message was taken, and the malformed requests.
func (r *robot) received() (map[string]int, []string, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]int{}
	for _, m := range r.got {
		out[m]++
	}
	return out, append([]string(nil), r.bad...), r.requests
}

// TestWebhooksEndToEnd follows a case's reminder and overdue alert from the deadline job through
// the outbox to five robots over real HTTP: a WeCom, a signed DingTalk and a signed Feishu robot
// each take each message once, in their own format — the Feishu robot after failing twice, its
// retries going to it alone; a robot that refuses the message for good is tried once and given
// up, one that stays down is tried maxHookAttempts times and given up; each give-up is logged
// without the message's text or the robot's token, and the outbox is left with nothing to send.
func TestWebhooksEndToEnd(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ctx := context.Background()
		clock := redgridtest.NewClock()
		s := e.Open(t, sqlstore.Options{Now: clock.Now, Cases: sqlstore.CaseOptions{Webhooks: true, PublicURL: "https://grid.example"}})
		tr := redgridtest.BuildTree(t, s)
		if _, err := s.EnsureCategories(ctx, redgrid.DefaultCategories()); err != nil {
			t.Fatal(err)
		}
		cat, _, _ := s.CategoryByCode(ctx, "0101")
		lng, lat := 110.77, 32.59
		in := redgrid.NewCase{Category: "0101", Lng: &lng, Lat: &lat, Description: "垃圾桶满溢", Channel: redgrid.ChannelPhone, ReporterName: "王小明", ReporterPhone: "13912345678"}
		c, _, err := s.CreateCase(ctx, sqlstore.CaseIntake{In: in, Category: cat, GridID: tr.Grid1.ID, GridPath: tr.Grid1.Path, GridCode: tr.Grid1.Code, Lng: lng, Lat: lat})
		if err != nil {
			t.Fatal(err)
		}
		clock.Advance(72 * time.Hour)
		if r, err := s.RunDeadlines(ctx, 100); err != nil || r.Reminded != 1 || r.Overdue != 1 {
			t.Fatalf("deadline jobs: %+v %v", r, err)
		}
		wecom := newRobot(t, notify.WeCom, "")
		ding := newRobot(t, notify.DingTalk, "SECdingtalk-secret")
		feishu := newRobot(t, notify.Feishu, "feishu-secret")
		feishu.failFirst = 2
		refusing := newRobot(t, notify.DingTalk, "")
		refusing.refuse = true
		down := newRobot(t, notify.WeCom, "")
		down.down = true
		robots := []*robot{wecom, ding, feishu, refusing, down}
		var hooks []notify.Hook
		for _, r := range robots {
			hooks = append(hooks, r.hook())
		}
		var logs bytes.Buffer
		log := slog.New(slog.NewTextHandler(&logs, nil))
		sender := &notify.Sender{Now: clock.Now}
		pending := func() int {
			var n int
			if err := s.DB().QueryRow("SELECT COUNT(*) FROM webhook_outbox WHERE sent_at IS NULL").Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := pending(); n != 2 {
			t.Fatalf("%d messages queued, want the reminder and the overdue alert", n)
		}
		rounds := 0
		for ; pending() > 0; rounds++ {
			if rounds > 3*maxHookAttempts {
				t.Fatalf("outbox not empty after %d rounds", rounds)
			}
			deliver(ctx, s, sender, hooks, log)
			clock.Advance(10 * time.Minute) // past the longest backoff (5 min) and the lease (2 min)
		}
		due := c.DueAt.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02 15:04")
		want := map[string]int{
			fmt.Sprintf("时限提醒\n案件 %s（%s，%s）立案派遣时限将到：%s", c.Number, c.CategoryName, tr.Grid1.Name, due):    1,
			fmt.Sprintf("超时告警\n案件 %s（%s，%s）立案派遣已超时（时限 %s）", c.Number, c.CategoryName, tr.Grid1.Name, due): 1,
		}
		for _, r := range robots[:3] {
			got, bad, _ := r.received()
			if len(bad) > 0 {
				t.Errorf("%s robot got malformed requests: %v", r.kind, bad)
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s robot took %v, want each message once: %v", r.kind, got, want)
			}
		}
		if _, _, n := wecom.received(); n != 2 {
			t.Errorf("the WeCom robot was sent %d requests, want 2: the Feishu robot's retries went to it too", n)
		}
		if _, _, n := feishu.received(); n != 6 {
			t.Errorf("the Feishu robot was sent %d requests, want 3 per message", n)
		}
		if _, _, n := refusing.received(); n != 2 {
			t.Errorf("the refusing robot was sent %d requests, want 1 per message", n)
		}
		if _, _, n := down.received(); n != 2*maxHookAttempts {
			t.Errorf("the robot that is down was sent %d requests, want %d per message", n, maxHookAttempts)
		}
		var givenUp int
		s.DB().QueryRow("SELECT COUNT(*) FROM webhook_deliveries WHERE given_up").Scan(&givenUp)
		if givenUp != 4 {
			t.Errorf("%d deliveries given up, want 2 robots × 2 messages", givenUp)
		}
		out := logs.String()
		if n := strings.Count(out, "webhook message given up"); n != 4 {
			t.Errorf("%d give-ups logged, want 4:\n%s", n, out)
		}
		for _, secret := range []string{c.Number, "王小明", "13912345678", "垃圾桶", "token-0123456789", "SECdingtalk-secret"} {
			if strings.Contains(out, secret) {
				t.Errorf("the log holds %q:\n%s", secret, out)
			}
		}
		if !strings.Contains(out, "hook=\"wecom robot at "+strings.TrimPrefix(down.srv.URL, "http://")+"\"") {
			t.Errorf("the give-up does not name the robot:\n%s", out)
		}
		// A message is done when every hook is: nothing more goes out, whatever the clock.
		clock.Advance(24 * time.Hour)
		deliver(ctx, s, sender, hooks, log)
		if _, _, n := wecom.received(); n != 2 {
			t.Errorf("the WeCom robot was sent %d requests after the outbox emptied", n)
		}
		t.Logf("delivered in %d rounds", rounds)
	})
}

// TestScopedWebhooks: a robot scoped to a node (--webhook KIND@CODE=URL) is sent the messages of
// that node's cases only, a robot of the whole district every message; a message none of the
// scoped robots is meant for is done once the others have it.
func TestScopedWebhooks(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ctx := context.Background()
		clock := redgridtest.NewClock()
		s := e.Open(t, sqlstore.Options{Now: clock.Now, Cases: sqlstore.CaseOptions{Webhooks: true, PublicURL: "https://grid.example"}})
		tr := redgridtest.BuildTree(t, s)
		if _, err := s.EnsureCategories(ctx, redgrid.DefaultCategories()); err != nil {
			t.Fatal(err)
		}
		cat, _, _ := s.CategoryByCode(ctx, "0101")
		report := func(g redgrid.Node, what string) redgrid.Case {
			t.Helper()
			lng, lat := 110.77, 32.59
			in := redgrid.NewCase{Category: "0101", Lng: &lng, Lat: &lat, Description: what, Channel: redgrid.ChannelPhone, ReporterPhone: "13912345678"}
			c, _, err := s.CreateCase(ctx, sqlstore.CaseIntake{In: in, Category: cat, GridID: g.ID, GridPath: g.Path, GridCode: g.Code, Lng: lng, Lat: lat})
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		inOne := report(tr.Grid2, "五堰的垃圾桶满溢") // Community1
		inTwo := report(tr.Grid3, "柳林的垃圾桶满溢") // Community2
		clock.Advance(72 * time.Hour)
		if r, err := s.RunDeadlines(ctx, 100); err != nil || r.Overdue != 2 {
			t.Fatalf("deadline jobs: %+v %v", r, err)
		}
		all := newRobot(t, notify.WeCom, "")
		one := newRobot(t, notify.DingTalk, "")
		street := newRobot(t, notify.Feishu, "")
		scoped := func(r *robot, n redgrid.Node) notify.Hook {
			h, err := notify.ParseHook(strings.Replace(r.spec(), "=", "@"+n.Code+"=", 1))
			if err != nil {
				t.Fatal(err)
			}
			return h
		}
		hooks := []notify.Hook{all.hook(), scoped(one, tr.Community1), scoped(street, tr.Street1)}
		log := slog.New(slog.DiscardHandler)
		sender := &notify.Sender{Now: clock.Now}
		for range 3 {
			deliver(ctx, s, sender, hooks, log)
			clock.Advance(10 * time.Minute)
		}
		var unsent int
		if err := s.DB().QueryRow("SELECT COUNT(*) FROM webhook_outbox WHERE sent_at IS NULL").Scan(&unsent); err != nil || unsent != 0 {
			t.Fatalf("%d messages unsent (%v)", unsent, err)
		}
		mentions := func(r *robot, c redgrid.Case) int {
			got, _, _ := r.received()
			n := 0
			for m, k := range got {
				if strings.Contains(m, c.Number) {
					n += k
				}
			}
			return n
		}
		for _, tc := range []struct {
			name      string
			r         *robot
			one, two  int
			wantTotal int
		}{
			{"the district's robot", all, 2, 2, 4},
			{"五堰社区's robot", one, 2, 0, 2},
			{"武当路街道's robot", street, 2, 2, 4},
		} {
			_, bad, n := tc.r.received()
			if len(bad) > 0 || mentions(tc.r, inOne) != tc.one || mentions(tc.r, inTwo) != tc.two || n != tc.wantTotal {
				t.Errorf("%s: %d and %d messages of the two cases, %d requests, malformed %v; want %d, %d, %d",
					tc.name, mentions(tc.r, inOne), mentions(tc.r, inTwo), n, bad, tc.one, tc.two, tc.wantTotal)
			}
		}
	})
}
