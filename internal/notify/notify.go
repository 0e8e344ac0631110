// Package notify sends reminders to the group robots of the three office messengers used in
// Chinese government work: WeCom (企业微信), DingTalk (钉钉) and Feishu (飞书). A Hook is one
// configured robot webhook, given on the command line as "KIND=URL" or "KIND=URL#SECRET";
// Hook.Request builds the URL and JSON body that robot expects, signed when a secret is set
// (DingTalk 加签 in the query string, Feishu 签名校验 in the body); Sender.Send posts it once and
// checks the robot's reply, which reports failures as a non-zero code inside an HTTP 200.
//
// Retrying is the caller's business (an outbox that keeps undelivered reminders): Temporary says
// whether an error is worth retrying (network trouble, 5xx, 429, the robots' rate limits) and
// Backoff how long to wait before the next attempt.
//
// A webhook URL is a credential: whoever has it can post to the group. Nothing here logs, and no
// error carries the URL's token (WeCom's key=, DingTalk's access_token=, Feishu's hook path) or a
// secret; errors name the kind of robot and the host only.
package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Kind of group robot.
type Kind string

// The robots supported.
const (
	WeCom    Kind = "wecom"    // 企业微信群机器人: https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…
	DingTalk Kind = "dingtalk" // 钉钉自定义机器人: https://oapi.dingtalk.com/robot/send?access_token=…
	Feishu   Kind = "feishu"   // 飞书自定义机器人: https://open.feishu.cn/open-apis/bot/v2/hook/…
)

func (k Kind) valid() bool { return k == WeCom || k == DingTalk || k == Feishu }

// Hook is one configured webhook.
type Hook struct {
	Kind Kind
	URL  string
	// Secret is DingTalk's 加签 secret (HMAC-SHA256 keyed with the secret over
	// timestamp+"\n"+secret, base64, URL-escaped, added to the URL as &timestamp=&sign=) or
	// Feishu's signature secret (HMAC-SHA256 keyed with timestamp+"\n"+secret over an empty
	// message, base64, sent as the "timestamp" and "sign" fields of the body). Empty: unsigned.
	// WeCom robots have no secret.
	Secret string
	// Scope is the code of the node (a street, a community, a grid) whose cases the robot's group
	// is told about; empty: every case of the district.
	Scope string
}

// String names the hook without its token: "dingtalk robot at oapi.dingtalk.com".
func (h Hook) String() string {
	if h.Scope != "" {
		return fmt.Sprintf("%s robot of %s at %s", h.Kind, h.Scope, hostOf(h.URL))
	}
	return fmt.Sprintf("%s robot at %s", h.Kind, hostOf(h.URL))
}

// ID names the hook in the database's delivery records: a hash of its kind and URL, so a robot
// keeps its records across restarts while its URL (which holds its token) is never stored. The
// secret is left out: re-signing with a new secret is the same robot.
func (h Hook) ID() string {
	sum := sha256.Sum256([]byte(string(h.Kind) + "\x00" + h.URL))
	return hex.EncodeToString(sum[:16])
}

// hostOf is the host (and port) of raw, or "?" when it has none.
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "?"
	}
	return u.Host
}

// ParseHook parses a command-line spec "KIND=URL" or "KIND=URL#SECRET", KIND being wecom,
// dingtalk or feishu, optionally scoped to the cases of one node as "KIND@CODE=URL…" (a street's
// or a community's group hears of its own cases only). The URL must be http or https with a host.
// Errors name the rule broken and never repeat the URL or the secret.
func ParseHook(spec string) (Hook, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return Hook{}, errors.New(`notify: empty hook spec (want KIND=URL or KIND=URL#SECRET)`)
	}
	kind, rest, ok := strings.Cut(spec, "=")
	if !ok {
		return Hook{}, errors.New(`notify: hook spec has no "=" (want KIND=URL or KIND=URL#SECRET)`)
	}
	kind, scope, scoped := strings.Cut(kind, "@")
	scope = strings.TrimSpace(scope)
	if scoped && !validScope(scope) {
		return Hook{}, errors.New(`notify: hook scope after "@" must be a node code of digits and letters, at most 32 (want KIND@CODE=URL)`)
	}
	k := Kind(strings.ToLower(strings.TrimSpace(kind)))
	if !k.valid() {
		if len(kind) > 20 || strings.ContainsAny(kind, ":/?#") { // likely a URL with the kind left out
			return Hook{}, errors.New(`notify: hook spec does not start with a kind (want wecom=URL, dingtalk=URL or feishu=URL)`)
		}
		return Hook{}, fmt.Errorf("notify: unknown hook kind %q (want wecom, dingtalk or feishu)", kind)
	}
	raw, secret, hasSecret := strings.Cut(strings.TrimSpace(rest), "#")
	if hasSecret && secret == "" {
		return Hook{}, fmt.Errorf(`notify: %s hook: empty secret after "#" (leave out "#" for an unsigned hook)`, k)
	}
	if hasSecret && k == WeCom {
		return Hook{}, fmt.Errorf(`notify: %s hook: WeCom robots take no secret (leave out "#…")`, k)
	}
	if raw == "" {
		return Hook{}, fmt.Errorf("notify: %s hook: empty URL", k)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return Hook{}, fmt.Errorf("notify: %s hook: URL does not parse", k) // url's error repeats the URL
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return Hook{}, fmt.Errorf("notify: %s hook: URL scheme must be http or https, not %q", k, u.Scheme)
	}
	if u.Host == "" || u.Hostname() == "" {
		return Hook{}, fmt.Errorf("notify: %s hook: URL has no host", k)
	}
	if u.User != nil {
		return Hook{}, fmt.Errorf("notify: %s hook at %s: URL must not carry a user name or password", k, u.Host)
	}
	return Hook{Kind: k, URL: raw, Secret: secret, Scope: scope}, nil
}

func validScope(code string) bool {
	if code == "" || len(code) > 32 {
		return false
	}
	for _, r := range code {
		if !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z') {
			return false
		}
	}
	return true
}

// Message is what is sent: a title line and body text (Chinese), and an optional link.
type Message struct{ Title, Text, Link string }

// weComMax is the most bytes a WeCom markdown message may hold; the robot refuses longer ones
// (errcode 40058), which no retry would mend.
const weComMax = 4096

// Body returns the JSON body the robot expects for m at time now (now is used for signatures):
//
//	WeCom:    {"msgtype":"markdown","markdown":{"content":"**Title**\nText\n[查看](Link)"}}
//	DingTalk: {"msgtype":"markdown","markdown":{"title":Title,"text":"### Title\nText\n[查看](Link)"}}
//	Feishu:   {"msg_type":"text","content":{"text":"Title\nText\nLink"}} plus "timestamp","sign" when Secret is set
//
// and the URL to post to (DingTalk's signature goes in the query). Without a link the last line
// is left out. WeCom content is cut to the robot's 4096 bytes.
func (h Hook) Request(m Message, now time.Time) (string, []byte, error) {
	if !h.Kind.valid() {
		return "", nil, fmt.Errorf("notify: unknown hook kind %q (want wecom, dingtalk or feishu)", string(h.Kind))
	}
	u, err := url.Parse(h.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", nil, fmt.Errorf("notify: %s hook: URL is not http(s) with a host", h.Kind)
	}
	var body any
	target := h.URL
	switch h.Kind {
	case WeCom:
		content := "**" + m.Title + "**\n" + m.Text
		if m.Link != "" {
			content += "\n[查看](" + markdownLink(m.Link) + ")"
		}
		body = weComBody{MsgType: "markdown", Markdown: weComMarkdown{Content: truncate(content, weComMax)}}
	case DingTalk:
		text := "### " + m.Title + "\n" + m.Text
		if m.Link != "" {
			text += "\n[查看](" + markdownLink(m.Link) + ")"
		}
		body = dingTalkBody{MsgType: "markdown", Markdown: dingTalkMarkdown{Title: m.Title, Text: text}}
		if h.Secret != "" {
			ts := strconv.FormatInt(now.UnixMilli(), 10)
			q := "timestamp=" + ts + "&sign=" + url.QueryEscape(dingTalkSign(ts, h.Secret))
			if u.RawQuery != "" {
				u.RawQuery += "&" + q
			} else {
				u.RawQuery = q
			}
			target = u.String()
		}
	case Feishu:
		text := m.Title + "\n" + m.Text
		if m.Link != "" {
			text += "\n" + m.Link
		}
		b := feishuBody{MsgType: "text", Content: feishuText{Text: text}}
		if h.Secret != "" {
			b.Timestamp = strconv.FormatInt(now.Unix(), 10)
			b.Sign = feishuSign(b.Timestamp, h.Secret)
		}
		body = b
	}
	data, err := json.Marshal(body)
	if err != nil {
		return "", nil, fmt.Errorf("notify: %s: encoding body: %v", h, err)
	}
	return target, data, nil
}

type weComBody struct {
	MsgType  string        `json:"msgtype"`
	Markdown weComMarkdown `json:"markdown"`
}

type weComMarkdown struct {
	Content string `json:"content"`
}

type dingTalkBody struct {
	MsgType  string           `json:"msgtype"`
	Markdown dingTalkMarkdown `json:"markdown"`
}

type dingTalkMarkdown struct {
	Title string `json:"title"`
	Text  string `json:"text"`
}

type feishuBody struct {
	Timestamp string     `json:"timestamp,omitempty"`
	Sign      string     `json:"sign,omitempty"`
	MsgType   string     `json:"msg_type"`
	Content   feishuText `json:"content"`
}

type feishuText struct {
	Text string `json:"text"`
}

// dingTalkSign is DingTalk's 加签 signature for timestamp ts (milliseconds, decimal): HMAC-SHA256
// keyed with the secret over ts+"\n"+secret, base64 (standard, padded). The caller URL-escapes
// it into &sign=.
func dingTalkSign(ts, secret string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "\n" + secret))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// feishuSign is Feishu's signature for timestamp ts (seconds, decimal): HMAC-SHA256 keyed with
// ts+"\n"+secret over an empty message, base64 (standard, padded).
func feishuSign(ts, secret string) string {
	mac := hmac.New(sha256.New, []byte(ts+"\n"+secret))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// markdownLink keeps a link from ending the markdown "(…)" early or breaking on a space.
func markdownLink(link string) string {
	return strings.NewReplacer(" ", "%20", "(", "%28", ")", "%29").Replace(link)
}

// truncate cuts s to at most n bytes on a character boundary, marking the cut with "…".
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const more = "…"
	i := n - len(more)
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + more
}
