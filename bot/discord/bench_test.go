package discord

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/policybot/policybot/analysis"
	"github.com/policybot/policybot/bot"
)

// Benchmarks over real text: Coursera's privacy policy (version 006, 41 KB)
// and the alert for its change 005→006. Each has a baseline in the same run:
//   - Escape against a bare strings.Replacer of the inline markup characters
//     (what a first escaper would be, without line starts or mentions);
//   - render against bot.RenderText, the plain-text rendering of the same messages;
//   - Post against a plain net/http POST of the same JSON to the same stand-in.

func corpusText(b *testing.B) string {
	raw, err := os.ReadFile(filepath.Join("testdata", "coursera", "006-2026-05-12.md"))
	if err != nil {
		b.Skip(err)
	}
	return string(raw)
}

func BenchmarkEscape(b *testing.B) {
	text := corpusText(b)
	naive := strings.NewReplacer(`\`, `\\`, "*", `\*`, "_", `\_`, "~", `\~`, "`", "\\`", "|", `\|`,
		"[", `\[`, "]", `\]`, "(", `\(`, ")", `\)`)
	b.Run("baseline=replacer", func(b *testing.B) {
		b.SetBytes(int64(len(text)))
		for b.Loop() {
			_ = naive.Replace(text)
		}
	})
	b.Run("escape", func(b *testing.B) {
		b.SetBytes(int64(len(text)))
		for b.Loop() {
			_ = Escape(text)
		}
	})
}

func benchEnvelope(b *testing.B) []bot.Message {
	env := courseraEnvelope(b, courseraSummaryB(b))
	return append([]bot.Message{env.Parent}, env.Replies...)
}

// courseraSummaryB reads the summary fixture without the -update path.
func courseraSummaryB(b *testing.B) *analysis.ChangeSummary {
	raw, err := os.ReadFile(filepath.Join("testdata", "coursera-005-006.summary.json"))
	if err != nil {
		b.Skip(err)
	}
	var s analysis.ChangeSummary
	if err := json.Unmarshal(raw, &s); err != nil {
		b.Fatal(err)
	}
	return &s
}

func BenchmarkRender(b *testing.B) {
	msgs := benchEnvelope(b)
	b.Run("baseline=RenderText", func(b *testing.B) {
		for b.Loop() {
			for _, m := range msgs {
				_ = bot.RenderText(m)
			}
		}
	})
	b.Run("render+json", func(b *testing.B) {
		for b.Loop() {
			for _, m := range msgs {
				if _, err := json.Marshal(render(m)); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

func BenchmarkPost(b *testing.B) {
	si := newStandIn(b)
	si.addChannel("C1", typeText)
	a, err := New(Options{Token: "x", AppID: "app1", APIURL: si.URL()})
	if err != nil {
		b.Fatal(err)
	}
	msg := benchEnvelope(b)[0]
	raw, _ := json.Marshal(render(msg))
	ctx := context.Background()
	b.Run("baseline=http.Post", func(b *testing.B) {
		for b.Loop() {
			resp, err := http.Post(si.URL()+"/api/v9/channels/C1/messages", "application/json", bytes.NewReader(raw))
			if err != nil {
				b.Fatal(err)
			}
			resp.Body.Close()
		}
	})
	b.Run("adapter.Post", func(b *testing.B) {
		for b.Loop() {
			if _, err := a.Post(ctx, bot.Target{Channel: "C1"}, msg); err != nil {
				b.Fatal(err)
			}
		}
	})
}
