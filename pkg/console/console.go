// Package console serves the admin console: a single-page app whose files
// are embedded in the binary, so a deployment needs no bucket. Any path
// under /console that is not a file gets index.html and the app routes it.
package console

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"
)

//go:embed assets
var assets embed.FS

// Prefix is the path the console is served under.
const Prefix = "/console"

// CSP allows nothing but this origin's own files and API calls: no inline
// script or style, no framing, no third-party hosts.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
	"font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

type file struct {
	body        []byte
	gz          func() []byte // compressed on first use; nil when it does not pay
	contentType string
	etag        string
}

// Handler serves the console. Every file is read and hashed once; each is
// compressed when first asked for, so a cold start does not gzip them all.
func Handler() http.Handler {
	files := map[string]*file{}
	err := fs.WalkDir(assets, "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := assets.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		f := &file{body: b, contentType: contentType(p), etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
		if len(b) > 1024 && compressible(f.contentType) {
			f.gz = sync.OnceValue(func() []byte { return compress(b) })
		}
		files[strings.TrimPrefix(p, "assets/")] = f
		return nil
	})
	if err != nil || files["index.html"] == nil {
		panic("console: embedded assets unreadable or without index.html") // a build defect, not a runtime condition
	}
	return &server{files: files}
}

type server struct{ files map[string]*file }

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", CSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer") // accept and reset links carry their token in the query
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	f := s.lookup(r.URL.Path)
	if f == nil {
		h.Set("Cache-Control", "no-store")
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	// No fingerprinted names: browsers revalidate each file with its ETag,
	// so a deployment is picked up on the next load.
	h.Set("Cache-Control", "no-cache")
	h.Set("ETag", f.etag)
	h.Set("Content-Type", f.contentType)
	h.Add("Vary", "Accept-Encoding")
	if etagMatch(r.Header.Get("If-None-Match"), f.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := f.body
	if f.gz != nil && acceptsGzip(r.Header.Get("Accept-Encoding")) {
		if gz := f.gz(); gz != nil {
			body = gz
			h.Set("Content-Encoding", "gzip")
		}
	}
	if r.Method == http.MethodHead {
		w.WriteHeader(http.StatusOK)
		return
	}
	_, _ = w.Write(body)
}

// lookup maps a request path to a file: an embedded file by its name, the
// app's page for any other path without an extension, nil otherwise.
func (s *server) lookup(p string) *file {
	if p != Prefix && !strings.HasPrefix(p, Prefix+"/") {
		return nil
	}
	name := strings.TrimPrefix(path.Clean("/"+strings.TrimPrefix(p, Prefix)), "/")
	if name == "" {
		return s.files["index.html"]
	}
	if f, ok := s.files[name]; ok {
		return f
	}
	if strings.Contains(path.Base(name), ".") {
		return nil // a missing asset is a 404, not the page
	}
	return s.files["index.html"]
}

// compress gzips b, or returns nil when that saves less than a tenth.
func compress(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = zw.Write(b)
	_ = zw.Close()
	if buf.Len() >= len(b)*9/10 {
		return nil
	}
	return buf.Bytes()
}

func contentType(p string) string {
	switch path.Ext(p) {
	case ".js", ".mjs":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".html":
		return "text/html; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".json", ".webmanifest":
		return "application/json"
	}
	if t := mime.TypeByExtension(path.Ext(p)); t != "" {
		return t
	}
	return "application/octet-stream"
}

func compressible(ct string) bool {
	return strings.HasPrefix(ct, "text/") || strings.Contains(ct, "json") || strings.Contains(ct, "svg")
}

func acceptsGzip(ae string) bool {
	for _, part := range strings.Split(ae, ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") && strings.ReplaceAll(strings.TrimSpace(q), " ", "") != "q=0" {
			return true
		}
	}
	return false
}

func etagMatch(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == etag || t == "W/"+etag || t == "*" {
			return true
		}
	}
	return false
}
