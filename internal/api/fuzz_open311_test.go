package api

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzOpen311Form sends arbitrary form-encoded and multipart bodies (and query strings) to the
// Open311 routes through the real handler, with a valid API key in most seeds: no input may give a
// 500 or a panic, and every refusal is an Open311 error document in the route's format.
func FuzzOpen311Form(f *testing.F) {
	h, _, number := fuzzServer(f)
	key := "api_key=" + fuzzO311Key
	mp := func(fields ...string) string {
		var b strings.Builder
		for i := 0; i+1 < len(fields); i += 2 {
			b.WriteString("--fuzz\r\nContent-Disposition: form-data; name=\"" + fields[i] + "\"")
			if fields[i] == "media" {
				b.WriteString("; filename=\"a.jpg\"\r\nContent-Type: image/jpeg")
			}
			b.WriteString("\r\n\r\n" + fields[i+1] + "\r\n")
		}
		return b.String() + "--fuzz--\r\n"
	}
	for _, seed := range []struct {
		path      string
		multipart bool
		body      string
	}{
		{"/open311/v2/requests.xml", false, key + "&service_code=0101&lat=32.59&long=110.77&description=%E4%BA%95%E7%9B%96&first_name=a&last_name=b&phone=13800138000&email=a%40b.c"},
		{"/open311/v2/requests.json", false, key + "&service_code=0101&lat=NaN&long=1e999&description=x&attribute[x]=1&attribute[]=2"},
		{"/open311/v2/requests.json", false, key + "&service_code=0101&service_code=0102&lat=%00&lon=-180&description=%ff%fe"},
		{"/open311/v2/requests.xml?jurisdiction_id=420302", false, key + "&jurisdiction_id=x&service_code=9999&lat=32&long=110&description=x"},
		{"/open311/v2/requests.json", true, mp("api_key", fuzzO311Key, "service_code", "0101", "lat", "32.59", "long", "110.77", "description", "x", "media", "\xff\xd8\xff\xe1\x00\x08Exif\x00\x00\xff\xd9")},
		{"/open311/v2/requests.xml", true, mp("api_key", fuzzO311Key, "media", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01\x86\xa0\x00\x01\x86\xa0\x08\x00\x00\x00\x00", "media", "RIFF", "media", "x", "media", "y")},
		{"/open311/v2/requests.json", true, "--fuzz\r\nContent-Disposition: form-data; name=\"api_key\"\r\n\r\n" + fuzzO311Key},
		{"/open311/v2/servicerequestupdates.xml", false, key + "&service_request_id=" + number + "&update_id=1&status=OPEN&description=still+broken&updated_datetime=2026-03-02T09%3A00%3A00%2B08%3A00"},
		{"/open311/v2/servicerequestupdates.json", false, key + "&service_request_id=" + number + "0&status=reopen&description=&updated_datetime=2026-13-45"},
		{"/open311/v2/servicerequestupdates.json", true, mp("api_key", fuzzO311Key, "service_request_id", number, "description", "x", "media", "x")},
		{"/open311/v2/requests.json?service_request_id=" + number + ",1,abc&status=open,closed&start_date=2026-03-01&end_date=2026-03-02", false, ""},
		// Cut rather than refused: a long address, email and attribute value; media_url values
		// kept only when http(s); an email that is no address refused.
		{"/open311/v2/requests.json", false, key + "&service_code=0101&lat=32.59&long=110.77&description=x&address_string=" + strings.Repeat("%E8%B7%AF", 201) +
			"&email=" + strings.Repeat("z", 300) + "%40example.org&attribute[t]=" + strings.Repeat("%E9%A2%98", 2001) + "&attribute[u]=a%00b&attribute[u]=c" +
			"&media_url=https%3A%2F%2Ffms.example.org%2Fp.jpg&media_url=javascript%3Aalert(1)&media_url=%2F%2Fx&media_url=http%3A%2F%2F%5B%3A%3A1"},
		{"/open311/v2/requests.xml", false, key + "&service_code=0101&lat=32.59&long=110.77&description=x&email=a%20b%40c&address_string=a&address_string=b"},
		{"/open311/v2/servicerequestupdates.json", false, key + "&service_request_id=" + number + "&description=x&email=%40&media_url=file%3A%2F%2F%2Fetc%2Fpasswd"},
		{"/open311/v2/requests.json?service_request_id=" + strings.Repeat(number+",", 100) + number, false, ""},
		{"/open311/v2/requests.xml?service_request_id=" + strings.Repeat(",", 200), false, ""},
		{"/open311/v2/servicerequestupdates.xml?start_date=2026-03-01T00:00Z&end_date=2026-03-02T00:00:00.5%2B08:00", false, ""},
		{"/open311/v2/services/0101.xml?jurisdiction_id=%zz", false, ""},
		{"/open311/v2/tokens/" + number + ".json", false, ""},
		{"/open311/v2/requests/" + number + ".xml", false, ""},
	} {
		f.Add(seed.path, seed.multipart, seed.body)
	}
	f.Fuzz(func(t *testing.T, path string, multipart bool, body string) {
		if !strings.HasPrefix(path, "/open311/") {
			return
		}
		p, q, _ := strings.Cut(path, "?")
		u := &url.URL{Path: p, RawQuery: q}
		method := "POST"
		if body == "" {
			method = "GET"
		}
		req := httptest.NewRequest(method, "http://redgrid.test/", strings.NewReader(body))
		req.URL, req.RequestURI = u, u.RequestURI()
		if multipart {
			req.Header.Set("Content-Type", "multipart/form-data; boundary=fuzz")
		} else {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s with %q = %d: %s", method, u, body, rec.Code, rec.Body.String())
		}
		if rec.Code < 400 {
			return
		}
		out := rec.Body.Bytes()
		switch ct := rec.Header().Get("Content-Type"); ct {
		case "application/json; charset=utf-8":
			var errs []struct {
				Code        int    `json:"code"`
				Description string `json:"description"`
			}
			if err := json.Unmarshal(out, &errs); err != nil || len(errs) == 0 || errs[0].Code != rec.Code {
				t.Fatalf("%s %s = %d: not an Open311 JSON error: %s", method, u, rec.Code, out)
			}
		case "text/xml; charset=utf-8":
			var doc struct {
				XMLName xml.Name `xml:"errors"`
				Errors  []struct {
					Code int `xml:"code"`
				} `xml:"error"`
			}
			if err := xml.NewDecoder(bytes.NewReader(out)).Decode(&doc); err != nil || len(doc.Errors) == 0 || doc.Errors[0].Code != rec.Code {
				t.Fatalf("%s %s = %d: not an Open311 XML error (%v): %s", method, u, rec.Code, err, out)
			}
		default:
			t.Fatalf("%s %s = %d with Content-Type %q", method, u, rec.Code, ct)
		}
	})
}
