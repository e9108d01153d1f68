package slack

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/slack-go/slack"

	"github.com/policybot/policybot/analysis"
	"github.com/policybot/policybot/bot"
	"github.com/policybot/policybot/monitor/diff"
	"github.com/policybot/policybot/store"
)

var (
	update        = flag.Bool("update", false, "rewrite the golden Block Kit files from the stored summary")
	updateSummary = flag.Bool("update-summary", false, "re-run the analysis on the corpus pair and store its summary")
)

const publicURL = "https://policybot.example.org"

// courseraSummary is the analysis of Coursera's privacy policy from
// 7 May to 12 May 2026: stored, so that the golden file changes only when
// this adapter's rendering does, or re-computed with -update-summary.
func courseraSummary(t testing.TB) analysis.ChangeSummary {
	t.Helper()
	path := filepath.Join("testdata", "coursera-005-006.summary.json")
	if *updateSummary {
		s := liveCourseraSummary(t)
		b, err := json.MarshalIndent(s, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return s
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (write it with -update-summary)", err)
	}
	var s analysis.ChangeSummary
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// liveCourseraSummary runs the real differ and analysis on the two versions.
func liveCourseraSummary(t testing.TB) analysis.ChangeSummary {
	t.Helper()
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join("testdata", "coursera", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	d := diff.Compare(read("005-2026-05-07.md"), read("006-2026-05-12.md"))
	return analysis.Summarize("Coursera", "Privacy Policy", d)
}

// courseraEnvelope builds the alert the way the bot package does.
func courseraEnvelope(s analysis.ChangeSummary) bot.Envelope {
	doc := &store.Document{ID: 7, PlatformID: 3, Type: "Privacy Policy",
		Platform: store.Platform{ID: 3, Slug: "coursera", Name: "Coursera"}}
	change := &store.Change{ID: 42, DocumentID: 7, Kind: store.KindSubstantive, Severity: string(s.Severity),
		DetectedAt: time.Date(2026, 5, 12, 0, 35, 47, 0, time.UTC)}
	return bot.ChangeEnvelope(publicURL, doc, change, &s)
}

// rendered is one posted message as the golden file shows it.
type rendered struct {
	Text   string        `json:"text"`
	Blocks []slack.Block `json:"blocks"`
}

func renderEnvelope(env bot.Envelope) []rendered {
	out := []rendered{{FallbackText(env.Parent), Render(env.Parent)}}
	for _, r := range env.Replies {
		out = append(out, rendered{FallbackText(r), Render(r)})
	}
	return out
}

func marshal(t testing.TB, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // show < > & as Slack receives them
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	// Some slack-go types marshal themselves with HTML escaping; these
	// escapes only occur inside strings, so undoing them keeps valid JSON.
	b := bytes.ReplaceAll(buf.Bytes(), []byte(`\u003c`), []byte("<"))
	b = bytes.ReplaceAll(b, []byte(`\u003e`), []byte(">"))
	return bytes.ReplaceAll(b, []byte(`\u0026`), []byte("&"))
}

func TestGoldenCourseraAlert(t *testing.T) {
	env := courseraEnvelope(courseraSummary(t))
	if len(env.Replies) == 0 {
		t.Fatal("the coursera 005→006 summary has no items; the alert would have no thread")
	}
	parts := renderEnvelope(env)
	for i, p := range parts {
		checkLimits(t, fmt.Sprintf("part %d", i), p.Text, p.Blocks)
	}
	got := marshal(t, parts)
	path := filepath.Join("testdata", "coursera-005-006.golden.json")
	if *update || *updateSummary {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (write it with -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("rendered Block Kit differs from %s (run with -update if the change is intended):\n%s", path, firstDiff(got, want))
	}

	// What a person sees at a glance, whatever the golden file says.
	parent := parts[0].Blocks
	h, ok := parent[0].(*slack.HeaderBlock)
	if !ok || h.Text.Text != "Coursera · Privacy Policy" {
		t.Errorf("first block = %#v, want the header “Coursera · Privacy Policy”", parent[0])
	}
	sev, ok := parent[1].(*slack.SectionBlock)
	if !ok || !strings.HasPrefix(sev.Text.Text, Badge(string(env.Parent.Severity))) {
		t.Errorf("second block should open with the severity badge, got %#v", parent[1])
	}
	acts, ok := parent[len(parent)-1].(*slack.ActionBlock)
	if !ok || len(acts.Elements.ElementSet) != 3 {
		t.Fatalf("last block should hold the three buttons, got %#v", parent[len(parent)-1])
	}
	view := acts.Elements.ElementSet[0].(*slack.ButtonBlockElement)
	if view.URL != publicURL+"/changes/42" || view.Value != "" {
		t.Errorf("View change record button = url %q value %q", view.URL, view.Value)
	}
	for i, want := range []string{"/diff 42", "/mute coursera"} {
		b := acts.Elements.ElementSet[i+1].(*slack.ButtonBlockElement)
		if b.Value != want || !strings.HasPrefix(b.ActionID, actionCommand+":") || b.URL != "" {
			t.Errorf("button %d = action %q value %q url %q, want a command button for %q", i+1, b.ActionID, b.Value, b.URL, want)
		}
	}
	// Each thread reply is one provision, its policy text quoted.
	for i, p := range parts[1:] {
		quoted := false
		for _, b := range p.Blocks {
			if s, ok := b.(*slack.SectionBlock); ok && s.Text != nil && strings.Contains(s.Text.Text, "*\n>") {
				quoted = true
			}
		}
		if !quoted {
			t.Errorf("reply %d quotes no policy text: %s", i+1, marshal(t, p.Blocks))
		}
	}
}

// allowedURLs are the links a message means: its record and its blocks' links.
func allowedURLs(msgs ...bot.Message) []string {
	var out []string
	for _, m := range msgs {
		out = append(out, safeURL(m.URL))
		for _, b := range m.Blocks {
			for _, l := range b.Links {
				out = append(out, safeURL(l.URL))
			}
		}
	}
	return out
}

// TestRenderLiveAnalysis renders what the analysis says today about the same
// pair: whatever it says, the result must fit Slack and stay inert.
func TestRenderLiveAnalysis(t *testing.T) {
	env := courseraEnvelope(liveCourseraSummary(t))
	allowed := allowedURLs(append([]bot.Message{env.Parent}, env.Replies...)...)
	for i, p := range renderEnvelope(env) {
		checkLimits(t, fmt.Sprintf("part %d", i), p.Text, p.Blocks)
		checkInert(t, fmt.Sprintf("part %d", i), p.Text, p.Blocks, allowed)
	}
}

const hostile = "Contact <!channel> and <!here> or <@U123> in <#C1|general>, <!subteam^S1|@legal>; " +
	"*bold* _italic_ ~strike~ `code` and <https://evil.example|click> & more. " +
	"Line two starts with > a fake quote.\n> and a third line pretending to be quoted."

func TestRenderInert(t *testing.T) {
	record := publicURL + "/changes/7"
	reg := "https://eur-lex.europa.eu/eli/reg/2016/679/oj#art_6"
	m := bot.Message{
		Kind: bot.KindAlert, Title: "Evil <!channel> Corp · *Privacy*", URL: record, Severity: "critical",
		Text: hostile,
		Blocks: []bot.Block{
			{Kind: bot.BlockHeading, Text: hostile},
			{Kind: bot.BlockText, Text: hostile},
			{Kind: bot.BlockText, Label: "<@U1>", Text: hostile, Links: []bot.Link{{Label: hostile, URL: reg}}},
			{Kind: bot.BlockQuote, Label: "Before", Text: hostile},
			{Kind: bot.BlockQuote, Label: "After *x*", Text: strings.Repeat(hostile+" ", 40)},
			{Kind: bot.BlockList, Label: "_Items_", Items: []string{hostile, "<!everyone>"}},
			{Kind: bot.BlockFields, Fields: []bot.Field{{Label: "<!here>", Value: hostile}, {Label: "x", Value: "<@U2>"}}},
			{Kind: bot.BlockContext, Label: "Regulations", Text: hostile,
				Links: []bot.Link{{Label: "GDPR <!channel>", URL: reg}, {Label: "evil", URL: "javascript:alert(1)"},
					{Label: "evil2", URL: "https://x.example/a|b>c"}}},
		},
		Actions: []bot.Action{
			{ID: "record", Label: "View <!channel>", URL: record},
			{ID: "diff", Label: "Show diff", Command: "/diff 7"},
			{ID: "evil", Label: "Evil", URL: "javascript:alert(1)"},
		},
	}
	for _, kind := range []bot.Kind{bot.KindAlert, bot.KindThreadReply, bot.KindEphemeral, bot.KindReply} {
		m.Kind = kind
		blocks := Render(m)
		text := FallbackText(m)
		checkLimits(t, string(kind), text, blocks)
		checkInert(t, string(kind), text, blocks, []string{record, reg, "https://x.example/a%7Cb%3Ec"})
		js := string(marshal(t, blocks))
		if strings.Contains(js, "javascript:") {
			t.Errorf("%s: a javascript: URL got through", kind)
		}
		if !strings.Contains(js, "&lt;!channel&gt;") || !strings.Contains(js, "\uff0abold\uff0a") {
			t.Errorf("%s: expected the escaped forms to be shown, got %s", kind, js)
		}
	}
}

// textObject is a Block Kit text object, or a button's value or url, found
// anywhere in rendered JSON.
type textObject struct {
	typ, text string
}

func textObjects(v any) []textObject {
	var out []textObject
	switch x := v.(type) {
	case map[string]any:
		if typ, _ := x["type"].(string); typ == "plain_text" || typ == "mrkdwn" {
			s, _ := x["text"].(string)
			out = append(out, textObject{typ, s})
		}
		if typ, _ := x["type"].(string); typ == "button" {
			s, _ := x["value"].(string)
			out = append(out, textObject{"value", s})
		}
		for _, e := range x {
			out = append(out, textObjects(e)...)
		}
	case []any:
		for _, e := range x {
			out = append(out, textObjects(e)...)
		}
	}
	return out
}

var markup = regexp.MustCompile(`<([^>]*)>`)

// checkInert asserts that nothing in the rendered message can mention
// anyone, link anywhere but the allowed URLs, or format policy text.
func checkInert(t *testing.T, what, fallback string, blocks []slack.Block, allowed []string) {
	t.Helper()
	var v any
	if err := json.Unmarshal(marshal(t, blocks), &v); err != nil {
		t.Fatal(err)
	}
	objs := append(textObjects(v), textObject{"mrkdwn", fallback})
	for _, o := range objs {
		for _, bad := range []string{"<!", "<@", "<#"} {
			if strings.Contains(o.text, bad) {
				t.Errorf("%s: %s text contains %q: %q", what, o.typ, bad, o.text)
			}
		}
		for _, m := range markup.FindAllStringSubmatch(o.text, -1) {
			target, _, _ := strings.Cut(m[1], "|")
			ok := false
			for _, a := range allowed {
				ok = ok || target == a
			}
			if !ok {
				t.Errorf("%s: %s text links to %q, which the message did not mean: %q", what, o.typ, target, o.text)
			}
		}
		if o.typ == "mrkdwn" {
			for _, bad := range []string{"*bold*", "_italic_", "~strike~", "`code`"} {
				if strings.Contains(o.text, bad) {
					t.Errorf("%s: mrkdwn text would format %q: %q", what, bad, o.text)
				}
			}
		}
	}
}

func utf16Len(s string) int { return len(utf16.Encode([]rune(s))) }

// checkLimits asserts Slack's Block Kit limits on a rendered message.
func checkLimits(t *testing.T, what, fallback string, blocks []slack.Block) {
	t.Helper()
	if len(blocks) > maxBlocks {
		t.Errorf("%s: %d blocks, Slack takes %d", what, len(blocks), maxBlocks)
	}
	if n := utf16Len(fallback); n > 40000 || n == 0 {
		t.Errorf("%s: fallback text is %d characters", what, n)
	}
	ids := map[string]bool{}
	for i, b := range blocks {
		switch x := b.(type) {
		case *slack.HeaderBlock:
			if x.Text.Type != slack.PlainTextType || utf16Len(x.Text.Text) > maxHeader || x.Text.Text == "" {
				t.Errorf("%s: block %d header %q breaks the header limits", what, i, x.Text.Text)
			}
		case *slack.SectionBlock:
			if x.Text == nil && len(x.Fields) == 0 {
				t.Errorf("%s: block %d section is empty", what, i)
			}
			if x.Text != nil && (utf16Len(x.Text.Text) > maxSection || x.Text.Text == "") {
				t.Errorf("%s: block %d section text is %d characters", what, i, utf16Len(x.Text.Text))
			}
			if len(x.Fields) > maxFields {
				t.Errorf("%s: block %d has %d fields", what, i, len(x.Fields))
			}
			for _, f := range x.Fields {
				if utf16Len(f.Text) > maxField || f.Text == "" {
					t.Errorf("%s: block %d field is %d characters", what, i, utf16Len(f.Text))
				}
			}
		case *slack.ContextBlock:
			if n := len(x.ContextElements.Elements); n == 0 || n > 10 {
				t.Errorf("%s: block %d context has %d elements", what, i, n)
			}
			for _, e := range x.ContextElements.Elements {
				if to, ok := e.(*slack.TextBlockObject); ok && (utf16Len(to.Text) > maxContext || to.Text == "") {
					t.Errorf("%s: block %d context text is %d characters", what, i, utf16Len(to.Text))
				}
			}
		case *slack.ActionBlock:
			if n := len(x.Elements.ElementSet); n == 0 || n > maxActions {
				t.Errorf("%s: block %d actions has %d elements", what, i, n)
			}
			for _, e := range x.Elements.ElementSet {
				btn := e.(*slack.ButtonBlockElement)
				if ids[btn.ActionID] {
					t.Errorf("%s: action id %q repeats", what, btn.ActionID)
				}
				ids[btn.ActionID] = true
				if utf16Len(btn.Text.Text) > maxButtonText || len(btn.Value) > maxButtonValue || len(btn.URL) > maxURL {
					t.Errorf("%s: button %q breaks the button limits", what, btn.Text.Text)
				}
				if (btn.URL == "") == (btn.Value == "") {
					t.Errorf("%s: button %q should have a URL or a command, not both or neither", what, btn.Text.Text)
				}
			}
		case *slack.DividerBlock:
		default:
			t.Errorf("%s: block %d is an unexpected %T", what, i, b)
		}
	}
}

func TestRenderLimits(t *testing.T) {
	long := strings.Repeat("Coursera may share your personal data with partners for advertising. ", 200) // ~14,000 characters
	var blocks []bot.Block
	for i := 0; i < 60; i++ {
		blocks = append(blocks, bot.Block{Kind: bot.BlockQuote, Label: "After", Text: long})
	}
	var fields []bot.Field
	for i := 0; i < 23; i++ {
		fields = append(fields, bot.Field{Label: fmt.Sprintf("Field %d", i), Value: long})
	}
	var actions []bot.Action
	for i := 0; i < 30; i++ {
		actions = append(actions, bot.Action{ID: "same", Label: strings.Repeat("Button ", 20), Command: fmt.Sprintf("/diff %d", i)})
	}
	record := publicURL + "/changes/9"
	m := bot.Message{Kind: bot.KindAlert, Title: strings.Repeat("Very Long Platform Name ", 20), URL: record,
		Severity: "important", Text: long, Blocks: append([]bot.Block{{Kind: bot.BlockFields, Fields: fields}}, blocks...), Actions: actions}
	out := Render(m)
	checkLimits(t, "huge", FallbackText(m), out)
	if len(out) != maxBlocks {
		t.Errorf("got %d blocks; a message this long should fill all %d", len(out), maxBlocks)
	}
	js := string(marshal(t, out))
	if !strings.Contains(js, "<"+record+"|read the full record>") {
		t.Error("cut text should link to the full record")
	}
	if !strings.Contains(js, "the rest is in <"+record+"|the full record>") {
		t.Error("dropped blocks should be announced with a link to the record")
	}
	// The first quote ends at a sentence, not mid-word.
	for _, b := range out {
		s, ok := b.(*slack.SectionBlock)
		if !ok || s.Text == nil || !strings.HasPrefix(s.Text.Text, "*After*") {
			continue
		}
		body, _, _ := strings.Cut(s.Text.Text, " … <")
		if !strings.HasSuffix(body, "advertising.") {
			t.Errorf("quote cut mid-sentence: …%q", body[max(0, len(body)-40):])
		}
		break
	}

	// A long answer (a /list of many platforms) is split, not cut.
	var lines []string
	for i := 0; i < 400; i++ {
		lines = append(lines, fmt.Sprintf("Platform %03d — Privacy Policy (checked 2 hours ago, healthy)", i))
	}
	ans := bot.Message{Kind: bot.KindEphemeral, Text: strings.Join(lines, "\n")}
	out = Render(ans)
	checkLimits(t, "long answer", FallbackText(ans), out)
	var shown strings.Builder
	for _, b := range out {
		shown.WriteString(b.(*slack.SectionBlock).Text.Text + "\n")
	}
	if !strings.Contains(shown.String(), "Platform 399") || !strings.Contains(shown.String(), "Platform 000") {
		t.Error("a long answer should be split over sections, keeping every line")
	}
}

func TestBadge(t *testing.T) {
	for sev, want := range map[string]string{
		"critical": ":red_circle: *Critical*", "important": ":large_orange_circle: *Important*",
		"notice": ":large_yellow_circle: *Notice*", "info": ":large_blue_circle: *Info*",
		"": "", "weird*": ":white_circle: *weird\uff0a*",
	} {
		if got := Badge(sev); got != want {
			t.Errorf("Badge(%q) = %q, want %q", sev, got, want)
		}
	}
}

func TestCutRaw(t *testing.T) {
	tests := []struct {
		in     string
		budget int
		want   string
		cut    bool
	}{
		{"Short.", 100, "Short.", false},
		{"One sentence here. Two sentence here.", 30, "One sentence here.", true},
		{"no sentence boundary in this text at all", 20, "no sentence", true},
		{"a&b", 5, "a", true},    // & takes five once escaped
		{"a&b", 7, "a&b", false}, // 1 + 5 + 1
		{"unbroken", 3, "unb", true},
		{"x", 0, "", true},
	}
	for _, tt := range tests {
		got, cut := cutRaw(tt.in, tt.budget, 0)
		if got != tt.want || cut != tt.cut {
			t.Errorf("cutRaw(%q, %d) = %q, %v; want %q, %v", tt.in, tt.budget, got, cut, tt.want, tt.cut)
		}
	}
}

func TestCommandLine(t *testing.T) {
	tests := []struct{ command, text, want string }{
		{"/track", "coursera", "/track coursera"},
		{"/track", "  coursera privacy ", "/track coursera privacy"},
		{"/list", "", "/list"},
		{"/policybot", "", "help"},
		{"/policybot", "track coursera", "track coursera"},
		{"/policybot", "/diff 42", "/diff 42"},
		{"/track", "<https://example.com/privacy?a=1&amp;b=2|example.com/privacy>", "/track https://example.com/privacy?a=1&b=2"},
		{"/track", "<https://example.com/p>", "/track https://example.com/p"},
		{"/compare", "coursera netflix --category data&amp;sharing", "/compare coursera netflix --category data&sharing"},
		{"/track", "<#C123|general>", "/track general"},
		{"/TRACK", "x", "/track x"},
	}
	for _, tt := range tests {
		if got := CommandLine(tt.command, tt.text); got != tt.want {
			t.Errorf("CommandLine(%q, %q) = %q, want %q", tt.command, tt.text, got, tt.want)
		}
	}
}

func TestSafeURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://a.example/x?y=1&z=2": "https://a.example/x?y=1&amp;z=2",
		"http://a.example/a|b>c":      "http://a.example/a%7Cb%3Ec",
		"javascript:alert(1)":         "",
		"/relative":                   "",
		"https://":                    "",
		"ftp://a.example/x":           "",
		"https://a.example/\x00":      "",
	} {
		if got := safeURL(in); got != want {
			t.Errorf("safeURL(%q) = %q, want %q", in, got, want)
		}
	}
}

// firstDiff shows where two renderings part.
func firstDiff(got, want []byte) string {
	gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < len(gl) && i < len(wl); i++ {
		if gl[i] != wl[i] {
			return fmt.Sprintf("line %d:\n got  %s\n want %s", i+1, gl[i], wl[i])
		}
	}
	return fmt.Sprintf("lengths differ: got %d lines, want %d", len(gl), len(wl))
}

// clean must say exactly what bot.Clean says; it only skips the work when
// the text is already clean.
func FuzzClean(f *testing.F) {
	for _, name := range []string{"005-2026-05-07.md", "006-2026-05-12.md"} {
		b, err := os.ReadFile(filepath.Join("testdata", "coursera", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
		for _, line := range strings.Split(string(b), "\n") {
			f.Add(line)
		}
	}
	for _, s := range []string{hostile, "", " ", "a  b", " a", "a ", "a\tb", "a\r\nb", "a\u00a0b", "x\u202ey", "\ufeffx",
		"\x1b[31mred", "bad \xff utf8", "a\u2028b", "\u200bzero", "emoji 🎉", "a\nb", "a \n b", "\x7f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, single := range []bool{false, true} {
			if got, want := clean(s, single), bot.Clean(s, single); got != want {
				t.Fatalf("clean(%q, %v) = %q, bot.Clean says %q", s, single, got, want)
			}
		}
	})
}
