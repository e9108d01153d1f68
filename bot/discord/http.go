package discord

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/bwmarrin/discordgo"
)

const (
	// maxInteractionBody bounds what is read before the signature is
	// checked; real interactions are a few kilobytes.
	maxInteractionBody = 1 << 20
	// signatureWindow is how old (or how far ahead) a signed timestamp may
	// be: a captured request cannot be replayed after that.
	signatureWindow = 5 * time.Minute
	// respondWithin is how long the endpoint waits for the first answer;
	// commands defer well before it.
	respondWithin = 2900 * time.Millisecond
)

// Routes mounts the HTTP interactions endpoint, POST /discord/interactions,
// on the bot's web server. Discord sends it every interaction when the
// application's Interactions Endpoint URL points at it, and checks before
// accepting the URL that an unsigned request gets 401.
func (a *Adapter) Routes(mux *http.ServeMux) {
	mux.HandleFunc("POST /discord/interactions", a.serveInteraction)
}

type pending struct {
	r    response
	sent chan struct{}
}

func (a *Adapter) serveInteraction(w http.ResponseWriter, r *http.Request) {
	if a.publicKey == nil {
		http.Error(w, "Discord HTTP interactions are off: set DISCORD_PUBLIC_KEY to the application's Public Key.", http.StatusNotFound)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxInteractionBody)
	// The timestamp is part of what is signed; checking its age as well
	// keeps a captured request from being replayed later.
	if !a.fresh(r.Header.Get("X-Signature-Timestamp")) || !discordgo.VerifyInteraction(r, a.publicKey) {
		http.Error(w, "invalid request signature", http.StatusUnauthorized)
		return
	}
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "cannot read the request", http.StatusBadRequest)
		return
	}
	var i discordgo.Interaction
	if err := json.Unmarshal(raw, &i); err != nil {
		http.Error(w, "not an interaction", http.StatusBadRequest)
		return
	}
	// The command may outlive this request (a deferred answer), not the adapter.
	ctx := context.Background()
	if p := a.runCtx.Load(); p != nil {
		ctx = *p
	}
	first := make(chan pending, 1)
	go a.interact(ctx, &i, func(resp response) error {
		p := pending{r: resp, sent: make(chan struct{})}
		first <- p
		select {
		case <-p.sent: // follow-ups must come after Discord has the first answer
			return nil
		case <-time.After(respondWithin + time.Second):
			return errors.New("discord: the interaction request ended before its answer was written")
		}
	})
	select {
	case p := <-first:
		w.Header().Set("Content-Type", "application/json")
		if err := json.NewEncoder(w).Encode(p.r); err != nil {
			a.log.Warn("discord: interaction answer not written", slog.Any("err", err))
		}
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		close(p.sent)
	case <-time.After(respondWithin):
		a.log.Error("discord: interaction not answered in time", slog.String("interaction", i.ID))
		http.Error(w, "no answer in time", http.StatusServiceUnavailable)
	case <-r.Context().Done():
	}
}

// fresh reports whether a signature timestamp (Unix seconds) is recent.
func (a *Adapter) fresh(ts string) bool {
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return false
	}
	d := a.opts.Now().Sub(time.Unix(sec, 0))
	return d <= signatureWindow && d >= -signatureWindow
}
