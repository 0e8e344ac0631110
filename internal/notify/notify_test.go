package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The fixed clock of these tests: 2025-10-09 09:30:00 CST.
var clock = time.Date(2025, 10, 9, 9, 30, 0, 0, time.FixedZone("CST", 8*3600))

// Tokens in the shape the robots hand out; none may show up in an error.
const (
	weComKey      = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
	dingTalkToken = "d3f1c0ffee0123456789abcdef0123456789abcdef0123456789abcdef012345"
	dingTalkSec   = "SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd"
	feishuHookID  = "2b8a7c1e-5d3f-4e6a-9b0c-1d2e3f4a5b6c"
	feishuSec     = "qL1xYzAbCdEfGhIjKlMn"
)

var msg = Message{
	Title: "案件即将超时",
	Text:  "案件 2025-0012 占道经营（幸福街道）已用处置时限的 80%，请于 10月9日 17:30 前办结。",
	Link:  "https://grid.example.gov.cn/cases/2025-0012",
}

// decode parses a body into a generic map, so fields are checked by name, not by key order.
func decode(t *testing.T, body []byte) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, body)
	}
	return v
}

// keys checks that obj has exactly the fields want.
func keys(t *testing.T, what string, obj any, want ...string) map[string]any {
	t.Helper()
	m, ok := obj.(map[string]any)
	if !ok {
		t.Fatalf("%s is %T, want an object", what, obj)
	}
	if len(m) != len(want) {
		t.Errorf("%s has fields %v, want exactly %v", what, m, want)
	}
	for _, k := range want {
		if _, ok := m[k]; !ok {
			t.Errorf("%s lacks field %q: %v", what, k, m)
		}
	}
	return m
}

func TestWeComBody(t *testing.T) {
	h := Hook{Kind: WeCom, URL: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=" + weComKey}
	u, body, err := h.Request(msg, clock)
	if err != nil {
		t.Fatal(err)
	}
	if u != h.URL {
		t.Errorf("URL %q, want the hook's URL unchanged", u)
	}
	v := keys(t, "body", decode(t, body), "msgtype", "markdown")
	if v["msgtype"] != "markdown" {
		t.Errorf("msgtype %v", v["msgtype"])
	}
	md := keys(t, "markdown", v["markdown"], "content")
	want := "**案件即将超时**\n" + msg.Text + "\n[查看](https://grid.example.gov.cn/cases/2025-0012)"
	if md["content"] != want {
		t.Errorf("content\n%q\nwant\n%q", md["content"], want)
	}

	// No link, no last line.
	_, body, _ = h.Request(Message{Title: "T", Text: "正文"}, clock)
	if c := decode(t, body)["markdown"].(map[string]any)["content"]; c != "**T**\n正文" {
		t.Errorf("content without link %q", c)
	}

	// Too long for the robot: cut on a character boundary within 4096 bytes.
	_, body, _ = h.Request(Message{Title: "T", Text: strings.Repeat("网格", 2000)}, clock)
	c := decode(t, body)["markdown"].(map[string]any)["content"].(string)
	if len(c) > 4096 || !strings.HasSuffix(c, "…") || !strings.HasPrefix(c, "**T**\n网格") {
		t.Errorf("long content: %d bytes, ends %q", len(c), c[len(c)-9:])
	}
}

func TestDingTalkBody(t *testing.T) {
	h := Hook{Kind: DingTalk, URL: "https://oapi.dingtalk.com/robot/send?access_token=" + dingTalkToken}
	u, body, err := h.Request(msg, clock)
	if err != nil {
		t.Fatal(err)
	}
	if u != h.URL {
		t.Errorf("unsigned URL %q, want the hook's URL unchanged", u)
	}
	v := keys(t, "body", decode(t, body), "msgtype", "markdown")
	if v["msgtype"] != "markdown" {
		t.Errorf("msgtype %v", v["msgtype"])
	}
	md := keys(t, "markdown", v["markdown"], "title", "text")
	if md["title"] != msg.Title {
		t.Errorf("title %q", md["title"])
	}
	want := "### 案件即将超时\n" + msg.Text + "\n[查看](https://grid.example.gov.cn/cases/2025-0012)"
	if md["text"] != want {
		t.Errorf("text\n%q\nwant\n%q", md["text"], want)
	}
}

// TestDingTalkSign recomputes the signature as DingTalk's docs describe it: timestamp in
// milliseconds, stringToSign = timestamp + "\n" + secret, HmacSHA256 keyed with the secret,
// Base64, then urlEncode; both go into the webhook URL as &timestamp=…&sign=….
func TestDingTalkSign(t *testing.T) {
	h := Hook{Kind: DingTalk, URL: "https://oapi.dingtalk.com/robot/send?access_token=" + dingTalkToken, Secret: dingTalkSec}
	for _, now := range []time.Time{clock, clock.Add(1234 * time.Millisecond), clock.Add(7 * time.Hour)} {
		raw, body, err := h.Request(msg, now)
		if err != nil {
			t.Fatal(err)
		}
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		if u.Scheme != "https" || u.Host != "oapi.dingtalk.com" || u.Path != "/robot/send" {
			t.Errorf("signed URL %q moved", raw)
		}
		q := u.Query()
		if q.Get("access_token") != dingTalkToken {
			t.Errorf("access_token lost: %q", raw)
		}
		ts := strconv.FormatInt(now.UnixMilli(), 10)
		if q.Get("timestamp") != ts {
			t.Errorf("timestamp %q, want %s (milliseconds)", q.Get("timestamp"), ts)
		}
		mac := hmac.New(sha256.New, []byte(dingTalkSec))
		mac.Write([]byte(ts + "\n" + dingTalkSec))
		sign := base64.StdEncoding.EncodeToString(mac.Sum(nil))
		if q.Get("sign") != sign {
			t.Errorf("sign %q, want %q", q.Get("sign"), sign)
		}
		// Base64's + / = must reach DingTalk escaped.
		if !strings.Contains(u.RawQuery, "sign="+url.QueryEscape(sign)) {
			t.Errorf("sign not URL-escaped in %q", u.RawQuery)
		}
		// The signature is in the query only; the body is as unsigned.
		keys(t, "body", decode(t, body), "msgtype", "markdown")
	}
}

func TestFeishuBody(t *testing.T) {
	h := Hook{Kind: Feishu, URL: "https://open.feishu.cn/open-apis/bot/v2/hook/" + feishuHookID}
	u, body, err := h.Request(msg, clock)
	if err != nil {
		t.Fatal(err)
	}
	if u != h.URL {
		t.Errorf("URL %q", u)
	}
	v := keys(t, "body", decode(t, body), "msg_type", "content")
	if v["msg_type"] != "text" {
		t.Errorf("msg_type %v", v["msg_type"])
	}
	c := keys(t, "content", v["content"], "text")
	want := "案件即将超时\n" + msg.Text + "\nhttps://grid.example.gov.cn/cases/2025-0012"
	if c["text"] != want {
		t.Errorf("text\n%q\nwant\n%q", c["text"], want)
	}
}

// TestFeishuSign recomputes the signature as Feishu's docs describe it: timestamp in seconds,
// stringToSign = timestamp + "\n" + secret used as the HmacSHA256 key over empty data, Base64;
// "timestamp" (a string) and "sign" go into the body beside msg_type and content.
func TestFeishuSign(t *testing.T) {
	h := Hook{Kind: Feishu, URL: "https://open.feishu.cn/open-apis/bot/v2/hook/" + feishuHookID, Secret: feishuSec}
	u, body, err := h.Request(msg, clock)
	if err != nil {
		t.Fatal(err)
	}
	if u != h.URL {
		t.Errorf("URL %q, want unchanged (Feishu signs in the body)", u)
	}
	v := keys(t, "body", decode(t, body), "timestamp", "sign", "msg_type", "content")
	ts := strconv.FormatInt(clock.Unix(), 10)
	if v["timestamp"] != ts {
		t.Errorf("timestamp %#v, want the string %q (seconds)", v["timestamp"], ts)
	}
	mac := hmac.New(sha256.New, []byte(ts+"\n"+feishuSec))
	sign := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	if v["sign"] != sign {
		t.Errorf("sign %q, want %q", v["sign"], sign)
	}
	if v["msg_type"] != "text" {
		t.Errorf("msg_type %v", v["msg_type"])
	}
}

func TestRequestBadHook(t *testing.T) {
	for _, h := range []Hook{
		{Kind: "slack", URL: "https://hooks.slack.com/x"},
		{Kind: WeCom, URL: "ftp://qyapi.weixin.qq.com/x?key=" + weComKey},
		{Kind: DingTalk, URL: "https:///robot/send?access_token=" + dingTalkToken},
	} {
		if _, _, err := h.Request(msg, clock); err == nil {
			t.Errorf("%+v: no error", h)
		} else {
			noToken(t, err)
		}
	}
}

func TestParseHook(t *testing.T) {
	good := []struct {
		spec string
		want Hook
	}{
		{"wecom=https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=" + weComKey,
			Hook{WeCom, "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=" + weComKey, "", ""}},
		{"wecom@420302001003=https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=" + weComKey,
			Hook{WeCom, "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=" + weComKey, "", "420302001003"}},
		{"dingtalk=https://oapi.dingtalk.com/robot/send?access_token=" + dingTalkToken + "#" + dingTalkSec,
			Hook{DingTalk, "https://oapi.dingtalk.com/robot/send?access_token=" + dingTalkToken, dingTalkSec, ""}},
		{" Feishu=https://open.feishu.cn/open-apis/bot/v2/hook/" + feishuHookID + "#" + feishuSec + " ",
			Hook{Feishu, "https://open.feishu.cn/open-apis/bot/v2/hook/" + feishuHookID, feishuSec, ""}},
		{"feishu=http://10.0.0.5:8080/open-apis/bot/v2/hook/" + feishuHookID,
			Hook{Feishu, "http://10.0.0.5:8080/open-apis/bot/v2/hook/" + feishuHookID, "", ""}},
	}
	for _, g := range good {
		h, err := ParseHook(g.spec)
		if err != nil {
			t.Errorf("ParseHook(%q): %v", g.spec, err)
		} else if h != g.want {
			t.Errorf("ParseHook(%q) = %+v, want %+v", g.spec, h, g.want)
		}
	}

	bad := []struct{ spec, rule string }{
		{"", "empty hook spec"},
		{"   ", "empty hook spec"},
		{"slack=https://hooks.slack.com/services/" + feishuHookID, `unknown hook kind "slack"`},
		{"https://oapi.dingtalk.com/robot/send?access_token=" + dingTalkToken, "does not start with a kind"},
		{"wecom", `no "="`},
		{"wecom@=https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=" + weComKey, "node code"},
		{"wecom@4203/02=https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=" + weComKey, "node code"},
		{"slack@420302=https://hooks.slack.com/services/" + feishuHookID, `unknown hook kind "slack"`},
		{"wecom=", "empty URL"},
		{"dingtalk=ftp://oapi.dingtalk.com/robot/send?access_token=" + dingTalkToken, `scheme must be http or https, not "ftp"`},
		{"dingtalk=oapi.dingtalk.com/robot/send?access_token=" + dingTalkToken, "scheme must be http or https"},
		{"feishu=https:///open-apis/bot/v2/hook/" + feishuHookID, "no host"},
		{"feishu=https://:443/open-apis/bot/v2/hook/" + feishuHookID, "no host"},
		{"feishu=https://open.feishu.cn/open-apis/bot/v2/hook/" + feishuHookID + "#", "empty secret"},
		{"wecom=https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=" + weComKey + "#" + dingTalkSec, "take no secret"},
		{"wecom=https://u:" + weComKey + "@qyapi.weixin.qq.com/send", "user name or password"},
		{"wecom=https://qyapi.weixin.qq.com/%zz?key=" + weComKey, "does not parse"},
	}
	for _, b := range bad {
		_, err := ParseHook(b.spec)
		if err == nil {
			t.Errorf("ParseHook(%q): no error", b.spec)
			continue
		}
		if !strings.Contains(err.Error(), b.rule) {
			t.Errorf("ParseHook(%q): %q does not name the rule %q", b.spec, err, b.rule)
		}
		noToken(t, err)
	}
}

// noToken fails if err's message carries any of the test tokens or secrets.
func noToken(t *testing.T, err error) {
	t.Helper()
	for _, s := range []string{weComKey, dingTalkToken, dingTalkSec, feishuHookID, feishuSec, "access_token", "key="} {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error %q gives away %q", err, s)
		}
	}
}

// TestHookID: a robot's id is the same for the same kind and URL whatever its secret, differs
// for another URL or kind, and does not hold the URL's token.
func TestHookID(t *testing.T) {
	a, _ := ParseHook("dingtalk=https://oapi.dingtalk.com/robot/send?access_token=tok-0123456789#SEC1")
	b, _ := ParseHook("dingtalk=https://oapi.dingtalk.com/robot/send?access_token=tok-0123456789#SEC2")
	c, _ := ParseHook("dingtalk=https://oapi.dingtalk.com/robot/send?access_token=tok-9876543210")
	d, _ := ParseHook("wecom=https://oapi.dingtalk.com/robot/send?access_token=tok-0123456789")
	if a.ID() != b.ID() || a.ID() == c.ID() || a.ID() == d.ID() || len(a.ID()) != 32 || strings.Contains(a.ID(), "tok-") {
		t.Fatalf("ids %s %s %s %s", a.ID(), b.ID(), c.ID(), d.ID())
	}
}
