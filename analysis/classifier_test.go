package analysis

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestClassify(t *testing.T) {
	c := Default()
	tests := []struct {
		text string
		want []string // each must be among the labels
		not  []string // none of these
	}{
		{"We honor Do Not Track signals and the Global Privacy Control.", []string{"do_not_track_gpc"}, nil},
		{"You and Dropbox agree to resolve any claims through final and binding arbitration.", []string{"arbitration_class_waiver"}, []string{"children"}},
		{"We do not knowingly collect personal information from children under 13.", []string{"children"}, nil},
		{"Audio inputs are transcribed into text by our voice features.", []string{"voice_biometric"}, nil},
		{"We may use your conversations to train our models.", []string{"ai_training"}, nil},
		{"We use cookies and web beacons to show you interest-based advertising.", []string{"tracking_ads"}, []string{"children"}},
		{"In the event of a merger, acquisition or bankruptcy, your information may be transferred.", []string{"business_transfer"}, nil},
		{"These Terms are governed by the laws of the State of California.", []string{"governing_law_jurisdiction"}, nil},
		// The OPP-115 scheme's user access: correct, update, delete, deactivate.
		{"We provide a way to correct, update or delete users' personally identifiable information.", []string{"user_rights"}, nil},
		{"We reserve the right to access, use, and share with others your personally identifiable information.", nil, []string{"user_rights"}},
		{"Users can disable cookies by changing their browser settings.", []string{"user_choice_consent", "tracking_ads"}, nil},
		{"We may share your information with our parent company.", []string{"third_party_sharing"}, []string{"children"}},
		// Consent to a privacy policy by accepting terms (CLAUDETTE's
		// "privacy included") is about another document, not this one.
		{"By using our Services, you agree to these Terms and our Privacy Policy.", []string{"user_choice_consent"}, nil},
		{"By using the Site, you agree to the terms and conditions of this Privacy Policy.", nil, []string{"user_choice_consent"}},
	}
	for _, tt := range tests {
		labels := c.Classify(tt.text)
		got := map[string]Label{}
		for _, l := range labels {
			got[l.Category] = l
			if l.Confidence <= 0 || l.Confidence > 1 {
				t.Errorf("%q: %s confidence %v out of (0,1]", tt.text, l.Category, l.Confidence)
			}
		}
		for _, w := range tt.want {
			l, ok := got[w]
			if !ok {
				t.Errorf("%q: labels %v lack %s", tt.text, labels, w)
				continue
			}
			if len(l.Evidence) == 0 && c.lexOnly[c.catIndex[w]] {
				t.Errorf("%q: %s has no evidence", tt.text, w)
			}
			for _, e := range l.Evidence {
				if !strings.Contains(strings.ToLower(tt.text), strings.ToLower(e)) {
					t.Errorf("%q: evidence %q is not words of the text", tt.text, e)
				}
			}
		}
		for _, n := range tt.not {
			if _, ok := got[n]; ok {
				t.Errorf("%q: unexpected %s", tt.text, n)
			}
		}
	}
	if got := c.Classify(""); len(got) > 1 {
		t.Errorf("empty text: %v", got)
	}
}

func TestSegment(t *testing.T) {
	md := "# Privacy Policy\n\nIntro line one\ncontinues here.\n\n## Sharing\n\n*   We share with partners.\n*   We sell nothing.\n\n| Data | Purpose |\n| --- | --- |\n| Email | Login |\n\n### Ads\n\nWe use cookies.\n"
	got := Segment(md)
	want := []struct{ heading, text string }{
		{"Privacy Policy", "Intro line one\ncontinues here."},
		{"Privacy Policy > Sharing", "*   We share with partners."},
		{"Privacy Policy > Sharing", "*   We sell nothing."},
		{"Privacy Policy > Sharing", "| Data | Purpose |"},
		{"Privacy Policy > Sharing", "| Email | Login |"},
		{"Privacy Policy > Sharing > Ads", "We use cookies."},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d passages %+v, want %d", len(got), got, len(want))
	}
	for i, w := range want {
		if got[i].Heading != w.heading || got[i].Text != w.text {
			t.Errorf("passage %d = %q under %q, want %q under %q", i, got[i].Text, got[i].Heading, w.text, w.heading)
		}
		if md[got[i].Start:got[i].End] != got[i].Text {
			t.Errorf("passage %d offsets do not point at its text", i)
		}
	}
}

func TestSentences(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"We collect data, e.g. your name. We share it with Acme Inc. and others. Why? Because.", []string{"We collect data, e.g. your name.", "We share it with Acme Inc. and others.", "Why?", "Because."}},
		{"Line one\nLine two", []string{"Line one", "Line two"}},
		{"Visit example.com for details. Then stop.", []string{"Visit example.com for details.", "Then stop."}},
	}
	for _, tt := range tests {
		var got []string
		for _, sp := range Sentences(tt.text) {
			got = append(got, tt.text[sp.Start:sp.End])
		}
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("Sentences(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

func TestProvisionsAndCompare(t *testing.T) {
	c := Default()
	docs := map[string]string{
		"coursera": "coursera/privacy-policy/006-2026-05-12.md",
		"netflix":  "netflix/privacy-policy/005-2026-04-11.md",
		"claude":   "claude-ai/privacy-policy/004-2026-06-08.md",
	}
	byPlatform := map[string][]Provision{}
	for name, rel := range docs {
		md := readCorpus(t, rel)
		ps := c.Provisions(md)
		perCat := map[string]int{}
		for _, p := range ps {
			perCat[p.Category]++
			if p.Excerpt == "" || p.Start < 0 || p.End > len(md) || p.Start >= p.End {
				t.Errorf("%s: bad provision %+v", name, p)
			}
			if p.Category == "notice_contact_other" {
				t.Errorf("%s: fallback category indexed as a provision", name)
			}
		}
		for cat, n := range perCat {
			if n > maxPerCategory {
				t.Errorf("%s: %d provisions for %s", name, n, cat)
			}
		}
		byPlatform[name] = ps
	}
	if !hasCategory(byPlatform["coursera"], "voice_biometric") {
		t.Error("coursera 006 has no voice provision")
	}
	if !hasCategory(byPlatform["claude"], "verification_identity") {
		t.Error("claude 004 has no verification provision")
	}
	byPlatform["empty"] = nil
	cmp := Compare("tracking_ads", byPlatform)
	if _, ok := cmp.Have["netflix"]; !ok {
		t.Errorf("netflix missing from tracking_ads comparison: %+v", cmp.Platforms)
	}
	if len(cmp.Missing) == 0 || cmp.Missing[0] != "empty" {
		t.Errorf("missing = %v, want [empty]", cmp.Missing)
	}
	for p, prov := range cmp.Have {
		if prov.Category != "tracking_ads" {
			t.Errorf("%s: compared excerpt of %s", p, prov.Category)
		}
	}
}

func hasCategory(ps []Provision, cat string) bool {
	for _, p := range ps {
		if p.Category == cat {
			return true
		}
	}
	return false
}

// labelsDir finds the shared dev labels, relative to this package.
func labelsDir(t testing.TB) string {
	dir := filepath.Join("..", "..", "shared", "labels")
	if _, err := os.Stat(filepath.Join(dir, "opp115.jsonl")); err != nil {
		t.Skip("shared labels not present")
	}
	return dir
}

func TestEvaluateDevFloors(t *testing.T) {
	dir := labelsDir(t)
	var recs []Record
	for _, name := range []string{"opp115.jsonl", "claudette.jsonl", "tosdr.jsonl"} {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		r, err := ReadRecords(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, r...)
	}
	m, err := Mapping()
	if err != nil {
		t.Fatal(err)
	}
	c := Default()
	scores := Evaluate(recs, m, func(text string) []string {
		var ids []string
		for _, l := range c.Classify(text) {
			ids = append(ids, l.Category)
		}
		return ids
	})
	floors := map[string]float64{"opp115": 0.65, "claudette": 0.65}
	for _, s := range scores {
		if f, ok := floors[s.Source]; ok && s.MacroF1 < f {
			t.Errorf("%s macro-F1 %.3f below the floor %.2f", s.Source, s.MacroF1, f)
		}
	}
	var b strings.Builder
	if err := WriteReport(&b, scores); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	tail := lines[len(lines)-3:]
	for i, prefix := range []string{"opp115 macro-F1 ", "claudette macro-F1 ", "tosdr recall "} {
		if !strings.HasPrefix(tail[i], prefix) {
			t.Errorf("summary line %d = %q, want prefix %q", i, tail[i], prefix)
		}
	}
	t.Logf("\n%s", strings.Join(tail, "\n"))
}

func TestCueGrammar(t *testing.T) {
	lex := func(cues ...string) []byte {
		b, err := json.Marshal(map[string]any{"strong_weight": 2.5, "offset": 2.0,
			"categories": map[string]any{"termination_content_removal": map[string]any{"strong": cues}}})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tests := []struct {
		cue, text string
		want      bool
	}{
		{"may|can ~3 terminat*|suspend*", "We may at any time terminate your account.", true},
		{"may|can ~3 terminat*|suspend*", "We may, at our sole discretion, suspend it.", false}, // five words apart
		{"may|can ~6 terminat*|suspend*", "We may, at our sole discretion, suspend it.", true},
		{"agree* to_be_bound", "You are agreeing to be bound by these Terms.", true}, // prefix meets the stem "agre"
		{"take_down|remov* ~2 content", "We may take down content.", true},
		{"take_down|remov* ~2 content", "We may take it down; content stays.", false},
		{"may ~6 terminat*", "You may leave. We terminate accounts of repeat infringers.", false}, // not across a sentence
		{"may ~6 terminat*", "Visit www.example.com where we may terminate nothing.", true},       // a dot in a URL is no end
		{"opt out", "You can opt-out at any time.", true},
		// Prefixes meet words as written: "cookies" stems to "cooky" and
		// "settings" to "set", neither of which is what the cue means.
		{"disable cookie*", "You can disable cookies in your browser.", true},
		{"your setting*", "Change your settings.", true},
		{"your setting*", "We may settle your claim.", false},
		{"your setting*", "Your set of preferences.", false},
		{"clos* ~3 account*", "We may close your account.", true},
		{"clos* ~3 account*", "Our cloud account.", false},
		{"exclude* ~2 liability", "Excluding liability for loss.", true}, // a final e goes: "exclude*" meets "excluding"
	}
	for _, tt := range tests {
		c, err := NewClassifier(lex(tt.cue), nil)
		if err != nil {
			t.Fatalf("%q: %v", tt.cue, err)
		}
		got := len(c.cueEvidence(tt.text, "termination_content_removal")) > 0
		if got != tt.want {
			t.Errorf("cue %q on %q: match %v, want %v", tt.cue, tt.text, got, tt.want)
		}
	}
	for _, bad := range [][]string{{"opt out", "opt-out"}, {"~2 start"}, {"end ~2"}, {"a ~13 b"}, {"ab* c"}} {
		if _, err := NewClassifier(lex(bad...), nil); err == nil {
			t.Errorf("lexicon %q accepted", bad)
		}
	}
}
