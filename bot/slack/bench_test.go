package slack

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/policybot/policybot/bot"
)

// The rendering benchmarks run over the real coursera 005→006 alert (a parent
// and its thread replies). The baseline is the bot's own plain-text
// rendering of the same messages plus encoding them as the outbox stores
// them: Block Kit is measured against what any adapter must do anyway.

func benchEnvelope(b *testing.B) []bot.Message {
	env := courseraEnvelope(courseraSummary(b))
	return append([]bot.Message{env.Parent}, env.Replies...)
}

func BenchmarkRenderBlockKit(b *testing.B) {
	msgs := benchEnvelope(b)
	b.ReportAllocs()
	for b.Loop() {
		for _, m := range msgs {
			blocks := Render(m)
			_ = FallbackText(m)
			if _, err := json.Marshal(blocks); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkRenderBaselinePlainText(b *testing.B) {
	msgs := benchEnvelope(b)
	b.ReportAllocs()
	for b.Loop() {
		for _, m := range msgs {
			_ = bot.RenderText(m)
			if _, err := json.Marshal(m); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// signedRequests are n distinct signed slash commands (each signature is
// accepted once, so each iteration needs its own).
func signedRequests(n int) (bodies [][]byte, sigs []string, ts string) {
	ts = strconv.FormatInt(time.Now().Unix(), 10)
	for i := 0; i < n; i++ {
		body := []byte(fmt.Sprintf("team_id=T1&channel_id=C1&user_id=U1&command=%%2Ftrack&text=coursera+%d&response_url=https%%3A%%2F%%2Fhooks.slack.com%%2Fx", i))
		bodies = append(bodies, body)
		sigs = append(sigs, sign(secret, ts, body))
	}
	return bodies, sigs, ts
}

// BenchmarkVerifyRequest is the adapter's whole check of one request: the
// capped body read, the signature, the timestamp and the replay set.
func BenchmarkVerifyRequest(b *testing.B) {
	a, err := New(Options{BotToken: "xoxb-x", SigningSecret: secret})
	if err != nil {
		b.Fatal(err)
	}
	a.handler.Store(&handlerRef{})
	h := a.verified(func(w http.ResponseWriter, r *http.Request, body []byte) { w.WriteHeader(http.StatusOK) })
	bodies, sigs, ts := signedRequests(b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := httptest.NewRequest(http.MethodPost, "/slack/commands", bytes.NewReader(bodies[i]))
		r.Header.Set("X-Slack-Request-Timestamp", ts)
		r.Header.Set("X-Slack-Signature", sigs[i])
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d", w.Code)
		}
	}
}

// BenchmarkVerifyBaselineHMAC is the least any verification does: read the
// body and compare its HMAC.
func BenchmarkVerifyBaselineHMAC(b *testing.B) {
	bodies, sigs, ts := signedRequests(b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := httptest.NewRequest(http.MethodPost, "/slack/commands", bytes.NewReader(bodies[i]))
		body, _ := io.ReadAll(r.Body)
		mac := hmac.New(sha256.New, []byte(secret))
		fmt.Fprintf(mac, "v0:%s:", ts)
		mac.Write(body)
		want, _ := hex.DecodeString(sigs[i][3:])
		if !hmac.Equal(mac.Sum(nil), want) {
			b.Fatal("bad signature")
		}
	}
}
