package slack

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/slack-go/slack"
)

// replayWindow is how long an accepted signature is remembered: Slack's
// timestamps are good for five minutes either side of now, so a signature
// can be replayed for up to ten.
const replayWindow = 10 * time.Minute

// Routes mounts HTTP mode's endpoints: slash commands, interactivity (button
// clicks) and the Events API. Every request must carry a valid Slack
// signature over its raw body; anything else is answered 401.
func (a *Adapter) Routes(mux *http.ServeMux) {
	mux.Handle("POST /slack/commands", a.verified(a.serveCommand))
	mux.Handle("POST /slack/interactivity", a.verified(a.serveInteraction))
	mux.Handle("POST /slack/events", a.verified(a.serveEvent))
}

// verified checks the signature headers and timestamp, reads the body once
// (capped), checks the signing secret's HMAC over it and that the signature
// was not seen before, then hands the raw body on.
func (a *Adapter) verified(next func(w http.ResponseWriter, r *http.Request, body []byte)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// NewSecretsVerifier checks the headers and that the timestamp is
		// within five minutes, before anything reads the body; Ensure then
		// compares the HMAC in constant time.
		sv, err := slack.NewSecretsVerifier(r.Header, a.opts.SigningSecret)
		if err != nil {
			a.refuse(w, r, http.StatusUnauthorized, verifyReason(err))
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, a.opts.MaxBody))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				a.refuse(w, r, http.StatusRequestEntityTooLarge, "body over the size limit")
				return
			}
			a.refuse(w, r, http.StatusBadRequest, "body could not be read")
			return
		}
		if _, err := sv.Write(body); err != nil {
			a.refuse(w, r, http.StatusUnauthorized, "signature could not be computed")
			return
		}
		if err := sv.Ensure(); err != nil {
			a.refuse(w, r, http.StatusUnauthorized, "bad signature")
			return
		}
		// Before the replay check: a request turned away while starting has
		// not been handled, so Slack's retry of it must not count as a replay.
		if a.handler.Load() == nil {
			http.Error(w, "policybot is starting; try again in a moment", http.StatusServiceUnavailable)
			return
		}
		// Hex decodes either case, so the same signature can be written two
		// ways: remember it in one.
		if a.replays.Seen(strings.ToLower(strings.TrimSpace(r.Header.Get("X-Slack-Signature"))), a.opts.Now()) {
			a.refuse(w, r, http.StatusUnauthorized, "replayed signature")
			return
		}
		next(w, r, body)
	})
}

func verifyReason(err error) string {
	switch {
	case errors.Is(err, slack.ErrMissingHeaders):
		return "missing signature headers"
	case errors.Is(err, slack.ErrExpiredTimestamp):
		return "timestamp outside five minutes"
	case errors.Is(err, slack.ErrInvalidConfiguration):
		return "no signing secret configured"
	}
	return "malformed signature headers"
}

// refuse answers a request that is not Slack's, logging why but never its
// body: it may be anything, from anyone.
func (a *Adapter) refuse(w http.ResponseWriter, r *http.Request, status int, why string) {
	a.log.Warn("slack: refused request", slog.String("path", r.URL.Path), slog.String("remote", r.RemoteAddr),
		slog.Int("status", status), slog.String("why", why), slog.Int64("bytes", r.ContentLength))
	http.Error(w, http.StatusText(status), status)
}

// form parses a verified body that must be application/x-www-form-urlencoded.
func form(r *http.Request, body []byte) (url.Values, bool) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return nil, false
	}
	v, err := url.ParseQuery(string(body))
	return v, err == nil
}

// serveCommand acknowledges a slash command at once (Slack gives three
// seconds) and answers through its response_url.
func (a *Adapter) serveCommand(w http.ResponseWriter, r *http.Request, body []byte) {
	v, ok := form(r, body)
	if !ok {
		a.refuse(w, r, http.StatusUnauthorized, "not a form body")
		return
	}
	cmd := slack.SlashCommand{
		TeamID: v.Get("team_id"), TeamDomain: v.Get("team_domain"),
		ChannelID: v.Get("channel_id"), ChannelName: v.Get("channel_name"),
		UserID: v.Get("user_id"), UserName: v.Get("user_name"),
		Command: v.Get("command"), Text: v.Get("text"), ResponseURL: v.Get("response_url"),
		EnterpriseID: v.Get("enterprise_id"),
	}
	if cmd.Command == "" || cmd.TeamID == "" || cmd.ChannelID == "" || cmd.UserID == "" || cmd.ResponseURL == "" {
		http.Error(w, "not a slash command", http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusOK)
	a.goCommand(cmd)
}

// serveInteraction acknowledges a button click at once and runs its command.
func (a *Adapter) serveInteraction(w http.ResponseWriter, r *http.Request, body []byte) {
	v, ok := form(r, body)
	if !ok {
		a.refuse(w, r, http.StatusUnauthorized, "not a form body")
		return
	}
	var cb slack.InteractionCallback
	if err := json.Unmarshal([]byte(v.Get("payload")), &cb); err != nil {
		http.Error(w, "payload is not an interaction", http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusOK)
	a.goInteraction(cb)
}

// serveEvent answers the Events API: the URL check when the app is set up,
// and events (mentions), each handled once however often Slack retries it.
func (a *Adapter) serveEvent(w http.ResponseWriter, r *http.Request, body []byte) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/json" {
		a.refuse(w, r, http.StatusUnauthorized, "not a JSON body")
		return
	}
	var env eventEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		http.Error(w, "not an Events API payload", http.StatusBadRequest)
		return
	}
	switch env.Type {
	case "url_verification":
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"challenge": env.Challenge})
		return
	case "event_callback":
		w.WriteHeader(http.StatusOK)
		a.goEvent(env)
		return
	}
	w.WriteHeader(http.StatusOK)
}
