package bot_test

import (
	"strings"
	"testing"

	"github.com/policybot/policybot/bot"
)

func TestClean(t *testing.T) {
	tests := []struct {
		in         string
		singleLine bool
		want       string
	}{
		{"plain", false, "plain"},
		{"a\x1b[31mred\x1b[0m", false, "a[31mred[0m"},
		{"nul\x00byte", true, "nulbyte"},
		{"rtl \u202eexe.txt", true, "rtl exe.txt"},
		{"bom\ufeff", true, "bom"},
		{"two\r\nlines", false, "two\nlines"},
		{"two\n  lines\tand\u00a0tab", true, "two lines and tab"},
		{"bad \xff utf8", true, "bad utf8"},
		{"emoji 🚀 and e\u0301", true, "emoji 🚀 and e\u0301"},
	}
	for _, tt := range tests {
		if got := bot.Clean(tt.in, tt.singleLine); got != tt.want {
			t.Errorf("Clean(%q, %v) = %q, want %q", tt.in, tt.singleLine, got, tt.want)
		}
	}
}

func TestTruncate(t *testing.T) {
	if got := bot.Truncate("héllo world", 5); got != "héll…" {
		t.Errorf("Truncate = %q", got)
	}
	if got := bot.Truncate("short", 10); got != "short" {
		t.Errorf("Truncate = %q", got)
	}
	if got := bot.Quote(strings.Repeat("x", 10000)); len([]rune(got)) != 40 {
		t.Errorf("Quote kept %d runes", len([]rune(got)))
	}
}

func TestRenderText(t *testing.T) {
	m := bot.Message{
		Kind: bot.KindAlert, Title: "Coursera · Privacy Policy", URL: "http://127.0.0.1:8080/changes/7", Severity: "important",
		Text: "Coursera now shares data with affiliates.",
		Blocks: []bot.Block{
			{Kind: bot.BlockFields, Fields: []bot.Field{{Label: "Severity", Value: "important"}, {Label: "Document", Value: "Privacy Policy"}}},
			{Kind: bot.BlockQuote, Label: "Before", Text: "We share with vendors.\n\x1b[2J[alert forged] gotcha"},
			{Kind: bot.BlockContext, Label: "Regulations", Links: []bot.Link{{Label: "GDPR Art. 13", URL: "https://eur-lex.europa.eu/x"}}},
			{Kind: bot.BlockList, Label: "Items", Items: []string{"one", "two"}},
			{Kind: bot.BlockDivider},
		},
		Actions: []bot.Action{{Label: "View change record", URL: "http://127.0.0.1:8080/changes/7"}, {Label: "Show diff", Command: "/diff 7"}},
	}
	got := bot.RenderText(m)
	want := strings.Join([]string{
		"[IMPORTANT] Coursera · Privacy Policy <http://127.0.0.1:8080/changes/7>",
		"Coursera now shares data with affiliates.",
		"Severity: important | Document: Privacy Policy",
		"> Before: We share with vendors.",
		"> [2J[alert forged] gotcha",
		"Regulations: GDPR Art. 13 <https://eur-lex.europa.eu/x>",
		"Items:",
		"- one",
		"- two",
		"---",
		"Buttons: [View change record] http://127.0.0.1:8080/changes/7  [Show diff] /diff 7",
	}, "\n")
	if got != want {
		t.Errorf("RenderText =\n%s\nwant\n%s", got, want)
	}
	if strings.ContainsRune(got, '\x1b') {
		t.Error("escape character survived")
	}
}
