package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"mime"
	"net/http"
	"path"
	"time"
)

// handleStatic serves the embedded stylesheet and icon. A request that
// names the current version (?v=, as the pages link it) may be cached for a
// year; any other for an hour.
func (s *Server) handleStatic(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	b, err := staticFS.ReadFile("static/" + name)
	if err != nil || name == "" || name[0] == '.' {
		http.NotFound(w, r)
		return
	}
	sum := sha256.Sum256(b)
	h := w.Header()
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = "application/octet-stream"
	}
	h.Set("Content-Type", ct)
	h.Set("ETag", `"`+hex.EncodeToString(sum[:12])+`"`)
	if v := r.URL.Query().Get("v"); v != "" && v == hex.EncodeToString(sum[:6]) {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "public, max-age=3600")
	}
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(b))
}

// handleFavicon answers browsers that ask for /favicon.ico whatever the page
// says, so that they find an icon instead of logging a 404.
func (s *Server) handleFavicon(w http.ResponseWriter, r *http.Request) {
	r2 := r.Clone(r.Context())
	r2.SetPathValue("file", "favicon.svg")
	s.handleStatic(w, r2)
}
