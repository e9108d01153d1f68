package web

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"

	"github.com/policybot/policybot/store"
)

// rawCSP applies to a raw capture: it is someone else's page, so even if a
// browser ignored the attachment disposition it would run in a sandbox with
// a unique origin, load nothing, and could never act as us.
const rawCSP = "sandbox; default-src 'none'; frame-ancestors 'none'"

// handleSnapshotRaw sends a raw capture exactly as it was fetched, with the
// content type it was served with, as a download.
func (s *Server) handleSnapshotRaw(w http.ResponseWriter, r *http.Request) {
	id, ok := parseID(r.PathValue("id"))
	if !ok {
		s.badRequest(w, r, fmt.Sprintf("%q is not a snapshot number.", r.PathValue("id")))
		return
	}
	snap, raw, err := s.db.Snapshot(r.Context(), id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.notFound(w, r, fmt.Sprintf("There is no snapshot #%d.", id))
		return
	case err != nil:
		s.serverError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Security-Policy", rawCSP)
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": snapshotFilename(snap)}))
	// The stored type is what the platform said; it is kept, but a value
	// that does not parse is not echoed back.
	ct := "application/octet-stream"
	if mt, params, err := mime.ParseMediaType(snap.ContentType); err == nil {
		ct = mime.FormatMediaType(mt, params)
	}
	h.Set("Cache-Control", "public, max-age=31536000, immutable") // a snapshot never changes
	if sum, err := hex.DecodeString(snap.SHA256); err == nil {
		h.Set("Repr-Digest", "sha-256=:"+base64.StdEncoding.EncodeToString(sum)+":") // RFC 9530
	}
	serveConditional(w, r, ct, snap.FetchedAt, raw)
}

// snapshotFilename names a download after what it is and its hash, so saved
// evidence files say where they came from.
func snapshotFilename(s *store.Snapshot) string {
	ext := ".bin"
	if mt, _, err := mime.ParseMediaType(s.ContentType); err == nil {
		switch {
		case mt == "text/html" || mt == "application/xhtml+xml":
			ext = ".html"
		case mt == "application/pdf":
			ext = ".pdf"
		case strings.HasPrefix(mt, "text/"):
			ext = ".txt"
		case mt == "application/json":
			ext = ".json"
		}
	}
	sum := s.SHA256
	if len(sum) > 16 {
		sum = sum[:16]
	}
	return fmt.Sprintf("snapshot-%d-%s-%s%s", s.ID, s.FetchedAt.UTC().Format("20060102T150405Z"), sum, ext)
}
