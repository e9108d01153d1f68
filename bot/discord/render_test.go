package discord

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/policybot/policybot/analysis"
	"github.com/policybot/policybot/bot"
)

// TestGoldenCourseraAlert pins the JSON Discord receives for Coursera's
// privacy policy change 005→006: the alert embed with its buttons, then one
// embed per provision for the thread.
func TestGoldenCourseraAlert(t *testing.T) {
	env := courseraEnvelope(t, courseraSummary(t))
	var got []body
	got = append(got, render(env.Parent))
	for _, r := range env.Replies {
		got = append(got, render(r))
	}
	out, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, '\n')
	golden := filepath.Join("testdata", "coursera-005-006.golden.json")
	if *update {
		if err := os.WriteFile(golden, out, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -run Golden -update)", err)
	}
	if !bytes.Equal(out, want) {
		t.Errorf("embed JSON differs from %s (run go test -run Golden -update if the change is intended):\n%s", golden, out)
	}
	for i, b := range got {
		checkLimits(t, b)
		if b.AllowedMentions == nil || b.AllowedMentions.Parse == nil || len(b.AllowedMentions.Parse) != 0 {
			t.Errorf("message %d: allowed_mentions must be an empty parse list, got %+v", i, b.AllowedMentions)
		}
	}
	parent := got[0].Embeds[0]
	if !strings.HasPrefix(parent.Title, "Coursera") || parent.URL != publicURL+"/changes/42" {
		t.Errorf("parent embed title/url = %q %q", parent.Title, parent.URL)
	}
}

// checkLimits fails on anything Discord would refuse the message for.
func checkLimits(t *testing.T, b body) {
	t.Helper()
	if n := length(b.Content); n > maxContent {
		t.Errorf("content is %d characters, over %d", n, maxContent)
	}
	if len(b.Embeds) > 10 {
		t.Errorf("%d embeds, over 10", len(b.Embeds))
	}
	total := 0
	for _, e := range b.Embeds {
		total += embedLength(e)
		if n := length(e.Title); n > maxTitle {
			t.Errorf("embed title is %d characters", n)
		}
		if n := length(e.Description); n > maxDescription {
			t.Errorf("embed description is %d characters", n)
		}
		if len(e.Fields) > maxFields {
			t.Errorf("%d fields", len(e.Fields))
		}
		for _, f := range e.Fields {
			if length(f.Name) > maxFieldName || length(f.Value) > maxFieldValue || f.Name == "" || f.Value == "" {
				t.Errorf("field %q: name %d, value %d characters", f.Name, length(f.Name), length(f.Value))
			}
		}
	}
	if total > maxEmbedsTotal {
		t.Errorf("embeds total %d characters, over %d", total, maxEmbedsTotal)
	}
	for _, c := range b.Components {
		row := c.(discordgo.ActionsRow)
		for _, bc := range row.Components {
			btn := bc.(discordgo.Button)
			if length(btn.Label) > maxButtonLabel || length(btn.CustomID) > maxCustomID {
				t.Errorf("button %q too long", btn.Label)
			}
		}
	}
}

func TestRenderLimits(t *testing.T) {
	sentence := "We may share your personal information with our partners for research. "
	long := strings.Repeat(sentence, 200) // ~14,000 characters
	msgs := []bot.Message{
		{Kind: bot.KindAlert, Title: strings.Repeat("Coursera ", 60), URL: publicURL + "/changes/1", Severity: "critical", Text: long,
			Blocks: []bot.Block{{Kind: bot.BlockQuote, Label: "Before", Text: long}, {Kind: bot.BlockQuote, Label: "After", Text: long}}},
		{Kind: bot.KindReply, Text: long},
		{Kind: bot.KindThreadReply, Title: "1/1 Expanded", Text: "x",
			Blocks: []bot.Block{{Kind: bot.BlockFields, Fields: manyFields(40, long)}}},
	}
	for i, m := range msgs {
		b := render(m)
		checkLimits(t, b)
		if i == 0 {
			d := b.Embeds[0].Description
			if !strings.HasSuffix(d, "[Full record]("+publicURL+"/changes/1)") {
				t.Errorf("a cut description should end with the record link, ends %q", d[len(d)-80:])
			}
			if !strings.Contains(d, "research. …") {
				t.Errorf("the description should be cut after a sentence: %q", d[len(d)-120:])
			}
		}
	}
}

func manyFields(n int, value string) []bot.Field {
	var fs []bot.Field
	for i := 0; i < n; i++ {
		fs = append(fs, bot.Field{Label: strings.Repeat("L", 300), Value: value})
	}
	return fs
}

// TestPolicyTextCannotPingOrFormat puts mentions and Markdown in every
// field a policy quote can reach, and checks what Discord would get.
func TestPolicyTextCannotPingOrFormat(t *testing.T) {
	evil := "@everyone @here <@&123> <@456> <#789> **bold** __u__ ~~s~~ `code` ||spoiler|| [click](https://evil.example/x) \\\n# Heading\n> quote\n- item\n-# small\n1. one"
	sum := &analysis.ChangeSummary{Platform: "Coursera", Document: "Privacy Policy", Headline: "Coursera " + evil,
		Severity: analysis.SeverityCritical, Items: []analysis.Item{{
			Category: "data-sharing", CategoryName: "Data sharing " + evil, Direction: analysis.DirectionExpanded,
			Severity: analysis.SeverityCritical, Section: evil, Before: evil, After: evil, Evidence: []string{evil},
			Regulations: []analysis.RegulationRef{{Cite: evil, URL: "javascript:alert(1)"}},
		}}}
	env := courseraEnvelope(t, sum)
	for _, m := range append([]bot.Message{env.Parent}, env.Replies...) {
		raw, err := json.Marshal(render(m))
		if err != nil {
			t.Fatal(err)
		}
		var text strings.Builder
		collectStrings(t, raw, &text)
		s := text.String()
		for _, bad := range []string{"@everyone", "@here", "<@&123>", "<@456>", "<#789>", "**bold", "__u", "~~s", "`code", "||spoiler",
			"[click](", "javascript:", "\n# Heading", "\n> quote", "\n- item", "\n-# small", "\n1. one"} {
			if unescaped(s, bad) {
				t.Errorf("%q survives unescaped in %s", bad, raw)
			}
		}
		if !strings.Contains(string(raw), `"allowed_mentions":{"parse":[]`) {
			t.Errorf("allowed_mentions is not an empty parse list: %s", raw)
		}
	}
}

// collectStrings gathers every string value in a JSON document.
func collectStrings(t *testing.T, raw []byte, out *strings.Builder) {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			out.WriteString(x)
			out.WriteString("\n")
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
}

// unescaped reports whether s contains bad not preceded by a backslash.
func unescaped(s, bad string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], bad)
		if j < 0 {
			return false
		}
		at := i + j
		if at == 0 || s[at-1] != '\\' {
			return true
		}
		i = at + 1
	}
}
