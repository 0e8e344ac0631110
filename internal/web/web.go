// Package web serves the embedded web UI (built by `make ui` into internal/web/dist). Before the
// UI is built, the Go build still works and serves a page that says how to build it.
package web

import (
	"embed"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

//go:embed all:dist
var dist embed.FS

// Built reports whether the UI was built into the binary.
func Built() bool {
	_, err := fs.Stat(dist, "dist/index.html")
	return err == nil
}

const notBuilt = `<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>红色网格 redgrid</title>
<body style="font-family:sans-serif;max-width:40em;margin:4em auto">
<h1>红色网格 redgrid</h1>
<p>界面尚未构建。请运行 <code>make ui</code>（或 <code>make demo</code>）后重新编译。</p>
<p>The web UI is not built into this binary. Run <code>make ui</code> (or <code>make demo</code>) and rebuild.
The API is available under <code>/api/v1/</code>; see <code>/api/openapi.json</code>.</p></body></html>`

// Handler serves files from the built UI; any other path gets index.html so the client-side
// router can take it. Hashed assets are cached for a year, index.html never.
func Handler() http.Handler {
	sub, _ := fs.Sub(dist, "dist")
	files := http.FileServerFS(sub)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !Built() {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Cache-Control", "no-cache")
			w.WriteHeader(http.StatusOK)
			w.Write([]byte(notBuilt))
			return
		}
		p := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
		if p != "" && p != "index.html" && !strings.HasPrefix(path.Base(p), ".") {
			if st, err := fs.Stat(sub, p); err == nil && !st.IsDir() {
				if strings.HasPrefix(p, "assets/") {
					w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
				}
				files.ServeHTTP(w, r)
				return
			}
		}
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		b, _ := fs.ReadFile(sub, "index.html")
		w.Write(b)
	})
}
