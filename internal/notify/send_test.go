package notify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// robot is a fake group robot: it records what it was sent and answers with status and reply.
type robot struct {
	*httptest.Server
	mu     sync.Mutex
	got    []received
	status int
	reply  string
	block  chan struct{} // when set, hold each request until closed or the client gives up
}

type received struct {
	method, contentType string
	url                 *url.URL
	body                []byte
}

func newRobot(t *testing.T, status int, reply string) *robot {
	r := &robot{status: status, reply: reply}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.Close)
	return r
}

func (r *robot) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.got = append(r.got, received{req.Method, req.Header.Get("Content-Type"), req.URL, body})
	status, reply, block := r.status, r.reply, r.block
	r.mu.Unlock()
	if block != nil {
		select {
		case <-block:
		case <-req.Context().Done():
			return
		}
	}
	if status == http.StatusFound {
		http.Redirect(w, req, "/elsewhere", http.StatusFound)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, reply)
}

func (r *robot) last(t *testing.T) received {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.got) == 0 {
		t.Fatal("the robot received nothing")
	}
	return r.got[len(r.got)-1]
}

// The hook URLs on a fake robot, shaped as the real ones.
func weComHook(r *robot) Hook {
	return Hook{Kind: WeCom, URL: r.URL + "/cgi-bin/webhook/send?key=" + weComKey}
}
func dingTalkHook(r *robot) Hook {
	return Hook{Kind: DingTalk, URL: r.URL + "/robot/send?access_token=" + dingTalkToken, Secret: dingTalkSec}
}
func feishuHook(r *robot) Hook {
	return Hook{Kind: Feishu, URL: r.URL + "/open-apis/bot/v2/hook/" + feishuHookID, Secret: feishuSec}
}

func fixed() time.Time { return clock }

// checkErr checks that err is an error, Temporary as want, naming the kind and host, quoting
// the robot's message, and giving away no token.
func checkErr(t *testing.T, err error, h Hook, temporary bool, mentions ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: no error", h.Kind)
	}
	if Temporary(err) != temporary {
		t.Errorf("Temporary(%q) = %v, want %v", err, !temporary, temporary)
	}
	u, _ := url.Parse(h.URL)
	for _, s := range append([]string{string(h.Kind), u.Host}, mentions...) {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not mention %q", err, s)
		}
	}
	noToken(t, err)
}

func TestSendOK(t *testing.T) {
	for _, c := range []struct {
		name  string
		hook  func(*robot) Hook
		reply string
	}{
		{"wecom", weComHook, `{"errcode":0,"errmsg":"ok"}`},
		{"dingtalk", dingTalkHook, `{"errcode":0,"errmsg":"ok"}`},
		{"feishu", feishuHook, `{"code":0,"data":{},"msg":"success"}`},
		{"feishu old reply", feishuHook, `{"Extra":null,"StatusCode":0,"StatusMessage":"success"}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := newRobot(t, 200, c.reply)
			h := c.hook(r)
			s := &Sender{Now: fixed}
			if err := s.Send(context.Background(), h, msg); err != nil {
				t.Fatal(err)
			}
			got := r.last(t)
			if got.method != http.MethodPost || !strings.HasPrefix(got.contentType, "application/json") {
				t.Errorf("sent %s with Content-Type %q", got.method, got.contentType)
			}
			want, body, _ := h.Request(msg, clock)
			wu, _ := url.Parse(want)
			if got.url.Path != wu.Path || got.url.RawQuery != wu.RawQuery {
				t.Errorf("posted to %s, want %s", got.url, wu.RequestURI())
			}
			if string(got.body) != string(body) {
				t.Errorf("body %s, want %s", got.body, body)
			}
		})
	}
}

// TestSendSigned checks, on the robot's side, that the DingTalk signature in the query and the
// Feishu signature in the body are those of the Sender's clock, as the robots would verify them.
func TestSendSigned(t *testing.T) {
	r := newRobot(t, 200, `{"errcode":0,"errmsg":"ok"}`)
	s := &Sender{Now: fixed}
	if err := s.Send(context.Background(), dingTalkHook(r), msg); err != nil {
		t.Fatal(err)
	}
	q := r.last(t).url.Query()
	ts, err := strconv.ParseInt(q.Get("timestamp"), 10, 64)
	if err != nil || ts != clock.UnixMilli() {
		t.Fatalf("timestamp %q, want %d", q.Get("timestamp"), clock.UnixMilli())
	}
	mac := hmac.New(sha256.New, []byte(dingTalkSec))
	mac.Write([]byte(q.Get("timestamp") + "\n" + dingTalkSec))
	if want := base64.StdEncoding.EncodeToString(mac.Sum(nil)); q.Get("sign") != want || q.Get("access_token") != dingTalkToken {
		t.Errorf("robot got sign %q token %q, want %q %q", q.Get("sign"), q.Get("access_token"), want, dingTalkToken)
	}

	r.mu.Lock()
	r.reply = `{"code":0,"msg":"success","data":{}}`
	r.mu.Unlock()
	if err := s.Send(context.Background(), feishuHook(r), msg); err != nil {
		t.Fatal(err)
	}
	var fb struct{ Timestamp, Sign string }
	if err := json.Unmarshal(r.last(t).body, &fb); err != nil {
		t.Fatal(err)
	}
	mac = hmac.New(sha256.New, []byte(fb.Timestamp+"\n"+feishuSec))
	if fb.Timestamp != strconv.FormatInt(clock.Unix(), 10) || fb.Sign != base64.StdEncoding.EncodeToString(mac.Sum(nil)) {
		t.Errorf("robot got timestamp %q sign %q", fb.Timestamp, fb.Sign)
	}
}

// TestSendRobotCodes: the robots answer HTTP 200 with a non-zero code when they refuse a
// message; only the rate-limit codes are worth a retry.
func TestSendRobotCodes(t *testing.T) {
	for _, c := range []struct {
		name      string
		hook      func(*robot) Hook
		reply     string
		temporary bool
		mentions  []string
	}{
		{"wecom rate limit", weComHook, `{"errcode":45009,"errmsg":"api freq out of limit"}`, true,
			[]string{"errcode 45009", "api freq out of limit"}},
		{"wecom system busy", weComHook, `{"errcode":-1,"errmsg":"system busy"}`, true,
			[]string{"errcode -1", "system busy"}},
		{"wecom bad key", weComHook, `{"errcode":93000,"errmsg":"invalid webhook url, hint: [1760000000_1_abc], from ip: 1.2.3.4, more info at https://open.work.weixin.qq.com/devtool/query?e=93000"}`, false,
			[]string{"errcode 93000", "invalid webhook url"}},
		{"wecom too long", weComHook, `{"errcode":40058,"errmsg":"markdown.content exceed max length 4096"}`, false,
			[]string{"errcode 40058", "exceed max length"}},
		{"dingtalk rate limit", dingTalkHook, `{"errcode":130101,"errmsg":"send too fast, exceed 20 times per minute"}`, true,
			[]string{"errcode 130101", "send too fast"}},
		{"dingtalk bad sign", dingTalkHook, `{"errcode":310000,"errmsg":"sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]"}`, false,
			[]string{"errcode 310000", "sign not match"}},
		{"dingtalk bad token", dingTalkHook, `{"errcode":300001,"errmsg":"token is not exist"}`, false,
			[]string{"errcode 300001", "token is not exist"}},
		{"feishu rate limit", feishuHook, `{"code":11232,"data":{},"msg":"frequency limited psm[lark.oapi.app_platform_runtime]appID[1234]"}`, true,
			[]string{"code 11232", "frequency limited"}},
		{"feishu bad sign", feishuHook, `{"code":19021,"data":{},"msg":"sign match fail or timestamp is not within one hour from current time"}`, false,
			[]string{"code 19021", "sign match fail"}},
		{"feishu old reply", feishuHook, `{"StatusCode":9499,"StatusMessage":"Bad Request"}`, false,
			[]string{"code 9499", "Bad Request"}},
		// A robot that echoes the token back (none is known to, but a proxy might) is scrubbed.
		{"echoed token", weComHook, `{"errcode":93000,"errmsg":"invalid webhook url key=` + weComKey + `"}`, false,
			[]string{"errcode 93000", "invalid webhook url"}},
		{"echoed feishu hook", feishuHook, `{"code":19001,"msg":"param invalid: incoming webhook access token invalid: ` + feishuHookID + `"}`, false,
			[]string{"code 19001", "incoming webhook access token invalid"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := newRobot(t, 200, c.reply)
			h := c.hook(r)
			err := (&Sender{Now: fixed}).Send(context.Background(), h, msg)
			checkErr(t, err, h, c.temporary, c.mentions...)
		})
	}
}

func TestSendHTTPStatus(t *testing.T) {
	for _, c := range []struct {
		name      string
		status    int
		reply     string
		temporary bool
		mentions  []string
	}{
		{"500", 500, `internal error`, true, []string{"500"}},
		{"502", 502, `<html>bad gateway</html>`, true, []string{"502"}},
		{"503 with code", 503, `{"errcode":-1,"errmsg":"system busy"}`, true, []string{"503", "system busy"}},
		{"429", 429, ``, true, []string{"429"}},
		{"400", 400, `{"errcode":40008,"errmsg":"invalid message type"}`, false, []string{"400", "invalid message type"}},
		{"404", 404, `404 page not found`, false, []string{"404"}},
		{"400 feishu rate limit", 400, `{"code":11232,"msg":"frequency limited"}`, true, []string{"400", "frequency limited"}},
		{"redirect not followed", http.StatusFound, ``, false, []string{"302"}},
		{"200 not JSON", 200, `<html>portal login</html>`, false, []string{"no error code"}},
		{"200 no code", 200, `{"ok":true}`, false, []string{"no error code"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := newRobot(t, c.status, c.reply)
			h := weComHook(r)
			if strings.Contains(c.name, "feishu") {
				h = feishuHook(r)
			}
			err := (&Sender{Now: fixed}).Send(context.Background(), h, msg)
			checkErr(t, err, h, c.temporary, c.mentions...)
		})
	}
}

func TestSendTimeout(t *testing.T) {
	r := newRobot(t, 200, `{"errcode":0,"errmsg":"ok"}`)
	block := make(chan struct{})
	defer close(block)
	r.mu.Lock()
	r.block = block
	r.mu.Unlock()

	// The client's own timeout.
	h := dingTalkHook(r)
	s := &Sender{Client: &http.Client{Timeout: 50 * time.Millisecond}, Now: fixed}
	err := s.Send(context.Background(), h, msg)
	checkErr(t, err, h, true, "timed out")

	// The caller's deadline.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	h = weComHook(r)
	err = (&Sender{Now: fixed}).Send(ctx, h, msg)
	checkErr(t, err, h, true, "timed out")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("%v is not context.DeadlineExceeded", err)
	}
}

func TestSendUnreachable(t *testing.T) {
	r := newRobot(t, 200, `{"errcode":0,"errmsg":"ok"}`)
	h := feishuHook(r)
	r.Close() // nothing listens there any more
	err := (&Sender{Now: fixed}).Send(context.Background(), h, msg)
	checkErr(t, err, h, true, "request failed")
}

func TestSendBadHook(t *testing.T) {
	h := Hook{Kind: "slack", URL: "https://hooks.slack.com/services/" + feishuHookID}
	err := (&Sender{}).Send(context.Background(), h, msg)
	if err == nil || Temporary(err) {
		t.Errorf("unknown kind: %v (temporary %v)", err, Temporary(err))
	}
	noToken(t, err)
}

func TestTemporaryOther(t *testing.T) {
	for _, err := range []error{nil, errors.New("x"), context.DeadlineExceeded} {
		if Temporary(err) {
			t.Errorf("Temporary(%v) = true for an error not from Send", err)
		}
	}
}

func TestBackoff(t *testing.T) {
	for _, c := range []struct {
		n    int
		base time.Duration
	}{
		{-3, time.Second}, {0, time.Second}, {1, time.Second}, {2, 2 * time.Second}, {3, 4 * time.Second},
		{4, 8 * time.Second}, {9, 256 * time.Second}, {10, 5 * time.Minute}, {11, 5 * time.Minute},
		{64, 5 * time.Minute}, {1000, 5 * time.Minute}, {math.MaxInt, 5 * time.Minute},
	} {
		lo, hi := c.base-c.base/5, c.base
		seen := map[time.Duration]bool{}
		for range 200 {
			d := Backoff(c.n)
			if d < lo || d > hi {
				t.Fatalf("Backoff(%d) = %v, want within [%v, %v]", c.n, d, lo, hi)
			}
			seen[d] = true
		}
		if len(seen) < 2 {
			t.Errorf("Backoff(%d) has no jitter: always %v", c.n, seen)
		}
	}
}
