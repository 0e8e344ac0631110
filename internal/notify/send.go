package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Sender posts messages to hooks.
type Sender struct {
	Client *http.Client     // nil: a client with a 10 s timeout that follows no redirects
	Now    func() time.Time // nil: time.Now (a fake clock in tests)
}

// defaultClient is used when Sender.Client is nil. A robot never redirects; following a redirect
// would carry the message (and the signed query) somewhere unexpected.
var defaultClient = &http.Client{
	Timeout:       10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// Rate-limit codes, for which a later retry can help.
const (
	weComRateLimit    = 45009  // api freq out of limit (20 messages a minute per robot)
	weComBusy         = -1     // 系统繁忙，请稍候再试
	dingTalkRateLimit = 130101 // send too fast (20 messages a minute per robot)
	feishuRateLimit   = 11232  // frequency limited
)

// maxReply is how much of a robot's reply is read; real replies are a few dozen bytes.
const maxReply = 64 << 10

// Send posts m to h once and checks the robot's answer: the HTTP status must be 2xx and the JSON
// reply's error code 0 (WeCom and DingTalk "errcode", Feishu "code" or the older "StatusCode").
// A non-zero code is an error carrying the robot's errmsg/msg. Temporary tells whether a retry
// can help. Errors name the kind of robot and its host, never the URL's token.
func (s *Sender) Send(ctx context.Context, h Hook, m Message) error {
	now := time.Now
	client := defaultClient
	if s != nil && s.Now != nil {
		now = s.Now
	}
	if s != nil && s.Client != nil {
		client = s.Client
	}
	target, body, err := h.Request(m, now())
	if err != nil {
		return err
	}
	sc := newScrubber(h, target)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return &sendError{hook: h, what: "building request: " + sc.scrub(unwrapURL(err).Error())}
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	resp, err := client.Do(req)
	if err != nil {
		inner := unwrapURL(err)
		what := "request failed: " + sc.scrub(inner.Error())
		if isTimeout(err) {
			what = "request timed out: " + sc.scrub(inner.Error())
		}
		return &sendError{hook: h, what: what, temporary: true, err: inner}
	}
	defer resp.Body.Close()
	data, rerr := io.ReadAll(io.LimitReader(resp.Body, maxReply))
	ok2xx := resp.StatusCode >= 200 && resp.StatusCode < 300
	if rerr != nil && ok2xx {
		return &sendError{hook: h, status: resp.StatusCode, what: "reading reply: " + sc.scrub(rerr.Error()), temporary: true, err: rerr}
	}
	code, msg, hasCode := replyCode(h.Kind, data)
	msg = sc.scrub(clip(msg, 200))
	if !ok2xx {
		what := "HTTP " + resp.Status
		if hasCode {
			what += fmt.Sprintf(": %s %d", codeName(h.Kind), code)
		}
		if msg != "" {
			what += ": " + msg
		}
		temp := resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests ||
			(hasCode && rateLimited(h.Kind, code))
		return &sendError{hook: h, status: resp.StatusCode, code: code, what: what, temporary: temp}
	}
	if !hasCode {
		return &sendError{hook: h, status: resp.StatusCode, what: "reply carries no error code: " + sc.scrub(clip(string(data), 200))}
	}
	if code != 0 {
		what := fmt.Sprintf("%s %d", codeName(h.Kind), code)
		if msg != "" {
			what += ": " + msg
		}
		return &sendError{hook: h, status: resp.StatusCode, code: code, what: what, temporary: rateLimited(h.Kind, code)}
	}
	return nil
}

// reply holds the fields of all three robots' replies:
//
//	WeCom, DingTalk: {"errcode":0,"errmsg":"ok"}
//	Feishu:          {"code":0,"msg":"success","data":{}} or, older, {"StatusCode":0,"StatusMessage":"success"}
type reply struct {
	ErrCode       *int   `json:"errcode"`
	ErrMsg        string `json:"errmsg"`
	Code          *int   `json:"code"`
	Msg           string `json:"msg"`
	StatusCode    *int   `json:"StatusCode"`
	StatusMessage string `json:"StatusMessage"`
}

// replyCode picks the error code and message out of a robot's reply.
func replyCode(k Kind, data []byte) (code int, msg string, ok bool) {
	var r reply
	if json.Unmarshal(data, &r) != nil {
		return 0, "", false
	}
	switch k {
	case Feishu:
		if r.Code != nil {
			return *r.Code, r.Msg, true
		}
		if r.StatusCode != nil {
			return *r.StatusCode, r.StatusMessage, true
		}
	default:
		if r.ErrCode != nil {
			return *r.ErrCode, r.ErrMsg, true
		}
	}
	return 0, "", false
}

func codeName(k Kind) string {
	if k == Feishu {
		return "code"
	}
	return "errcode"
}

func rateLimited(k Kind, code int) bool {
	switch k {
	case WeCom:
		return code == weComRateLimit || code == weComBusy
	case DingTalk:
		return code == dingTalkRateLimit
	case Feishu:
		return code == feishuRateLimit
	}
	return false
}

// sendError is what Send returns when a message did not go out.
type sendError struct {
	hook      Hook
	status    int // HTTP status, 0 when no reply came
	code      int // the robot's error code, when it gave one
	what      string
	temporary bool
	err       error // the transport error, if any (never a *url.Error, which holds the URL)
}

func (e *sendError) Error() string {
	return "notify: " + e.hook.String() + ": " + e.what
}

func (e *sendError) Unwrap() error { return e.err }

// Temporary reports whether retrying the send that returned err later can help: true for network
// errors and timeouts, HTTP 5xx and 429, and the robots' rate-limit codes (WeCom 45009 and its
// "system busy" -1, DingTalk 130101, Feishu 11232); false for other 4xx, other codes, bad hooks
// and nil.
func Temporary(err error) bool {
	var e *sendError
	return errors.As(err, &e) && e.temporary
}

// Backoff returns the wait before attempt n (1-based) of a retry: 1 s, 2 s, 4 s … doubling up to
// 5 minutes, less up to 20% jitter so that reminders held up together do not retry together.
// n below 1 counts as 1.
func Backoff(n int) time.Duration {
	const limit = 5 * time.Minute
	d := limit
	if n < 1 {
		n = 1
	}
	if n <= 10 { // 2^9 s is already past the limit
		d = min(time.Second<<(n-1), limit)
	}
	return d - time.Duration(rand.Float64()*0.2*float64(d))
}

// unwrapURL strips a *url.Error, whose message repeats the whole URL, token and all.
func unwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		return ue.Err
	}
	return err
}

func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// scrubber blanks the hook's credentials out of text bound for an error message: the URL, its
// query values (WeCom key, DingTalk access_token and sign), the long segments of its path
// (Feishu's hook id) and the secret.
type scrubber struct{ secrets []string }

func newScrubber(h Hook, target string) scrubber {
	var s []string
	add := func(v string) {
		if len(v) >= 4 {
			s = append(s, v)
		}
	}
	add(h.Secret)
	for _, raw := range []string{target, h.URL} {
		add(raw)
		u, err := url.Parse(raw)
		if err != nil {
			continue
		}
		add(u.RawQuery)
		for _, vs := range u.Query() {
			for _, v := range vs {
				add(v)
				add(url.QueryEscape(v))
			}
		}
		if len(u.EscapedPath()) > 1 {
			add(u.EscapedPath())
			add(u.Path)
		}
		for _, seg := range strings.Split(u.Path, "/") {
			if len(seg) >= 16 {
				add(seg)
			}
		}
	}
	// Longest first, so that a URL is blanked whole rather than piece by piece.
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && len(s[j]) > len(s[j-1]); j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return scrubber{s}
}

func (sc scrubber) scrub(text string) string {
	for _, v := range sc.secrets {
		text = strings.ReplaceAll(text, v, "***")
	}
	return text
}

// clip cuts s to at most n bytes, for robot messages quoted in errors.
func clip(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) <= n {
		return s
	}
	return truncate(s, n)
}
