package diff

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/policybot/policybot/monitor/extract"
)

// sharedCorpus is the team's corpus, read when present (tests skip without it).
const sharedCorpus = "../../../shared/corpus"

func readPair(t testing.TB, dir, a, b string) (string, string) {
	t.Helper()
	x, err := os.ReadFile(filepath.Join(dir, a))
	if err != nil {
		t.Fatal(err)
	}
	y, err := os.ReadFile(filepath.Join(dir, b))
	if err != nil {
		t.Fatal(err)
	}
	return string(x), string(y)
}

// The _edge-cases pairs that are the differ's to judge (the error page and
// the collapsed extractions are the guard's: see monitor/guard).
func TestEdgeCases(t *testing.T) {
	tests := []struct {
		dir, old, new string
		want          Kind
		// reasons lists the reason of every edit, in order.
		reasons []string
	}{
		{"_edge-cases/coursera-privacy-date-only", "001-2026-02-10.md", "002-2026-03-27.md", KindCosmetic, []string{ReasonDate}},
		{"_edge-cases/google-privacy-pdf-url-token", "001-2025-07-02.md", "002-2025-07-08.md", KindCosmetic, []string{ReasonLink}},
		{"_edge-cases/chatgpt-terms-ellipsis-noise", "001-2026-01-26.md", "002-2026-02-01.md", KindCosmetic, []string{ReasonNoise}},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.dir), func(t *testing.T) {
			a, b := readPair(t, filepath.Join("testdata/corpus", tt.dir), tt.old, tt.new)
			if n := Compare(extract.Normalize(a), extract.Normalize(b)); n.Kind == KindSubstantive {
				t.Errorf("normalized: kind %s", n.Kind)
			}
			r := Compare(a, b)
			if r.Kind != tt.want {
				t.Errorf("kind = %s, want %s", r.Kind, tt.want)
			}
			var got []string
			for _, e := range r.Edits {
				got = append(got, e.Reason)
			}
			if !reflect.DeepEqual(got, tt.reasons) {
				t.Errorf("reasons = %q, want %q", got, tt.reasons)
			}
		})
	}
}

// The TikTok banner flaps: a region label and a table of contents come and
// go. The contents entries are navigation (cosmetic); the region label
// "EEA/UK/CH" says which regional policy was served, so losing it is
// substantive. That the page flaps back is IsRevert's business (guard).
func TestBannerFlapping(t *testing.T) {
	a, b := readPair(t, "testdata/corpus/_edge-cases/tiktok-privacy-banner-flapping", "001-2026-07-15.md", "002-2026-07-25.md")
	for _, dir := range []struct {
		name     string
		old, new string
		op       Op
	}{{"A→B", a, b, OpRemoved}, {"B→A", b, a, OpAdded}} {
		r := Compare(dir.old, dir.new)
		if r.Kind != KindSubstantive {
			t.Errorf("%s: kind = %s, want substantive", dir.name, r.Kind)
		}
		nav := 0
		for _, e := range r.Edits {
			if e.Op != dir.op {
				t.Errorf("%s: unexpected %s edit %q%q", dir.name, e.Op, e.Before, e.After)
			}
			text := e.Before + e.After
			switch {
			case text == "EEA/UK/CH":
				if !e.Substantive {
					t.Errorf("%s: region label should be substantive", dir.name)
				}
			case e.Reason == ReasonNavigation:
				nav++
			default:
				t.Errorf("%s: edit %q: substantive=%v reason=%q", dir.name, text, e.Substantive, e.Reason)
			}
		}
		if nav != 13 {
			t.Errorf("%s: %d navigation edits, want 13 (11 contents entries, 2 children's policy links)", dir.name, nav)
		}
	}
}

// The corpus README's substantive pairs: each is substantive and its key
// wording shows up in the edits, as inserted words of a modified block or
// as an added block.
func TestSubstantivePairs(t *testing.T) {
	tests := []struct {
		doc, old, new string
		added         []string // must appear as inserted or added text
		removed       []string // must appear as deleted or removed text
	}{
		{"coursera/privacy-policy", "005-2026-05-07.md", "006-2026-05-12.md",
			[]string{"voice-enabled features (including audio inputs that are transcribed into text)", "affiliates and subsidiaries", "Coursera AI"}, nil},
		{"coursera/privacy-policy", "001-2026-01-29.md", "002-2026-01-30.md",
			[]string{"we will delete the Personal Data associated with that account, including your learner profile, course history, and any certificates"},
			[]string{"there may be residual information that will remain within our databases"}},
		{"netflix/privacy-policy", "004-2025-09-23.md", "005-2026-04-11.md",
			[]string{"inferences we make about you or your household", "allow us to collect"}, nil},
		{"claude-ai/privacy-policy", "003-2026-06-07.md", "004-2026-06-08.md",
			[]string{"Verification Data", "facial geometry", "Study Participation Data", "on your behalf"}, nil},
		{"tinder/privacy-policy", "005-2025-12-10.md", "006-2026-03-06.md",
			[]string{"search queries", "LinkedIn", "request a refund"}, nil},
	}
	for _, tt := range tests {
		for _, form := range forms {
			t.Run(tt.doc+"/"+tt.old[:3]+"-"+tt.new[:3]+"/"+form.name, func(t *testing.T) {
				a, b := readPair(t, filepath.Join("testdata/corpus", tt.doc), tt.old, tt.new)
				r := Compare(form.fn(a), form.fn(b))
				if r.Kind != KindSubstantive {
					t.Fatalf("kind = %s, want substantive", r.Kind)
				}
				var ins, del strings.Builder
				for _, e := range r.Edits {
					if !e.Substantive {
						continue
					}
					switch e.Op {
					case OpAdded:
						ins.WriteString(e.After + "\n")
					case OpRemoved:
						del.WriteString(e.Before + "\n")
					default:
						for _, w := range e.Words {
							switch w.Op {
							case WordInsert:
								ins.WriteString(w.Text + " ")
							case WordDelete:
								del.WriteString(w.Text + " ")
							}
						}
					}
				}
				for _, s := range tt.added {
					if !strings.Contains(ins.String(), s) {
						t.Errorf("no substantive edit adds %q", s)
					}
				}
				for _, s := range tt.removed {
					if !strings.Contains(del.String(), s) {
						t.Errorf("no substantive edit removes %q", s)
					}
				}
			})
		}
	}
}

// forms are the two shapes of text the differ sees: OTA Markdown as
// published, and the extractor's normalized dialect (what the monitor
// stores and compares).
var forms = []struct {
	name string
	fn   func(string) string
}{
	{"ota", func(s string) string { return s }},
	{"normalized", extract.Normalize},
}

// The voice sentence of Coursera 005→006 is one modified block whose
// inserted words carry the news, in its own section.
func TestCourseraVoiceSentence(t *testing.T) {
	a, b := readPair(t, "testdata/corpus/coursera/privacy-policy", "005-2026-05-07.md", "006-2026-05-12.md")
	for _, e := range Compare(a, b).Edits {
		if !strings.Contains(e.After, "transcribed into text") {
			continue
		}
		if e.Op != OpModified || !e.Substantive {
			t.Fatalf("voice block: op %s substantive %v", e.Op, e.Substantive)
		}
		if !strings.HasPrefix(e.Section, "Privacy Notice > What Personal Data We Collect") {
			t.Errorf("section = %q", e.Section)
		}
		for _, w := range e.Words {
			if w.Op == WordInsert && strings.Contains(w.Text, "transcribed into text") {
				return
			}
		}
		t.Fatalf("no inserted run holds the voice wording: %+v", e.Words)
	}
	t.Fatal("no edit holds the voice sentence")
}

// corpusPairs returns every consecutive pair of versions: from the shared
// corpus when present, else from testdata.
func corpusPairs(t testing.TB) [][2]string {
	root := sharedCorpus
	if _, err := os.Stat(root); err != nil {
		root = "testdata/corpus"
	}
	dirs := map[string][]string{}
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".md") && !strings.HasSuffix(p, "README.md") {
			dirs[filepath.Dir(p)] = append(dirs[filepath.Dir(p)], p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for d := range dirs {
		names = append(names, d)
	}
	sort.Strings(names)
	var pairs [][2]string
	for _, d := range names {
		fs := dirs[d]
		sort.Strings(fs)
		for k := 1; k < len(fs); k++ {
			pairs = append(pairs, [2]string{fs[k-1], fs[k]})
		}
	}
	return pairs
}

// Over every consecutive pair: no crash, the same output twice, Compare(a,a)
// is none, and the edits rebuild the new text's blocks from the old.
func TestCorpusProperties(t *testing.T) {
	pairs := corpusPairs(t)
	if len(pairs) == 0 {
		t.Skip("no corpus")
	}
	kinds := map[Kind]int{}
	for _, p := range pairs {
		a, b := readPair(t, "", p[0], p[1])
		if n := Compare(extract.Normalize(a), extract.Normalize(b)); n.Kind == KindSubstantive && strings.Contains(p[0], "_edge-cases") && !strings.Contains(p[0], "spotify") && !strings.Contains(p[0], "copilot") && !strings.Contains(p[0], "tiktok") {
			t.Errorf("%s: normalized noise pair is substantive", p[1])
		}
		r := Compare(a, b)
		kinds[r.Kind]++
		if again := Compare(a, b); !reflect.DeepEqual(r, again) {
			t.Errorf("%s: not deterministic", p[1])
		}
		if self := Compare(a, a); self.Kind != KindNone || len(self.Edits) != 0 {
			t.Errorf("%s: Compare(a, a) = %s with %d edits", p[0], self.Kind, len(self.Edits))
		}
		if err := checkResult(a, b, r); err != nil {
			t.Errorf("%s → %s: %v", p[0], p[1], err)
		}
	}
	t.Logf("%d pairs: %v", len(pairs), kinds)
}

// checkResult verifies the invariants of a Result: applying the edits to
// the old blocks gives the new blocks, and word runs rebuild both sides.
func checkResult(old, new string, r Result) error {
	ob, nb := Blocks(old), Blocks(new)
	if r.Stats.OldBlocks != len(ob) || r.Stats.NewBlocks != len(nb) {
		return fmt.Errorf("stats count %d/%d blocks, want %d/%d", r.Stats.OldBlocks, r.Stats.NewBlocks, len(ob), len(nb))
	}
	out := make([]string, len(nb))
	filled := make([]bool, len(nb))
	usedOld := make([]bool, len(ob))
	substantive := false
	for _, e := range r.Edits {
		substantive = substantive || e.Substantive
		if (e.OldIndex >= 0) != (e.Op != OpAdded) || (e.NewIndex >= 0) != (e.Op != OpRemoved) {
			return fmt.Errorf("%s edit with indexes %d/%d", e.Op, e.OldIndex, e.NewIndex)
		}
		if e.OldIndex >= 0 {
			if usedOld[e.OldIndex] || ob[e.OldIndex].Text != e.Before {
				return fmt.Errorf("edit %s: old block %d reused or Before differs", e.Op, e.OldIndex)
			}
			usedOld[e.OldIndex] = true
		}
		if e.NewIndex >= 0 {
			if filled[e.NewIndex] {
				return fmt.Errorf("new block %d set twice", e.NewIndex)
			}
			out[e.NewIndex], filled[e.NewIndex] = e.After, true
		}
		if len(e.Words) > 0 {
			var before, after strings.Builder
			for _, w := range e.Words {
				if w.Op != WordInsert {
					before.WriteString(w.Text)
				}
				if w.Op != WordDelete {
					after.WriteString(w.Text)
				}
			}
			if before.String() != e.Before || after.String() != e.After {
				return fmt.Errorf("word runs do not rebuild block %d", e.NewIndex)
			}
		}
		if e.Op == OpModified || e.Op == OpMoved {
			if e.Before != e.After && len(e.Words) == 0 {
				return fmt.Errorf("changed block %d without words", e.NewIndex)
			}
		}
	}
	// Untouched old blocks fill the remaining positions, in order.
	j := 0
	for i, b := range ob {
		if usedOld[i] {
			continue
		}
		for j < len(nb) && filled[j] {
			j++
		}
		if j == len(nb) {
			return fmt.Errorf("old block %d has no place in the new text", i)
		}
		out[j], filled[j] = b.Text, true
	}
	for k := range nb {
		if !filled[k] || out[k] != nb[k].Text {
			return fmt.Errorf("block %d rebuilt as %q, want %q", k, out[k], nb[k].Text)
		}
	}
	want := KindNone
	switch {
	case substantive:
		want = KindSubstantive
	case len(r.Edits) > 0 || old != new:
		want = KindCosmetic
	}
	if r.Kind != want {
		return fmt.Errorf("kind %s, want %s", r.Kind, want)
	}
	return nil
}

// Unrelated texts and a shuffled text stay bounded in time; a shuffle is
// all moves and cosmetic.
func TestBounded(t *testing.T) {
	a, _ := readPair(t, "testdata/corpus/netflix/privacy-policy", "005-2026-04-11.md", "004-2025-09-23.md")
	b, _ := readPair(t, "testdata/corpus/_edge-cases/google-privacy-pdf-url-token", "001-2025-07-02.md", "002-2025-07-08.md")
	start := time.Now()
	r := Compare(a, b)
	if d := time.Since(start); d > time.Second {
		t.Errorf("unrelated %d KB vs %d KB took %v", len(a)/1024, len(b)/1024, d)
	}
	if err := checkResult(a, b, r); err != nil {
		t.Error(err)
	}

	blocks := Blocks(b)
	var rev []string
	for k := len(blocks) - 1; k >= 0; k-- {
		rev = append(rev, blocks[k].Text)
	}
	var fwd []string
	for _, bl := range blocks {
		fwd = append(fwd, bl.Text)
	}
	start = time.Now()
	r = Compare(strings.Join(fwd, "\n\n"), strings.Join(rev, "\n\n"))
	if d := time.Since(start); d > time.Second {
		t.Errorf("reversed text took %v", d)
	}
	if r.Kind != KindCosmetic {
		t.Errorf("reversed blocks: kind %s, want cosmetic", r.Kind)
	}

	for _, e := range r.Edits {
		if e.Op != OpMoved {
			t.Fatalf("reversed blocks: %s edit", e.Op)
		}
	}
	// Thousands of near-identical rows, shuffled and each changed: every
	// row shares most words with every other one.
	var rows, shuffled []string
	for i := 0; i < 3000; i++ {
		rows = append(rows, fmt.Sprintf("| the data we collect about you and your device | category %d | kept for the period needed |", i))
		shuffled = append(shuffled, fmt.Sprintf("| the data we collect about you and your device | category %d | kept for the period required |", (i*7919)%3000))
	}
	start = time.Now()
	r = Compare(strings.Join(rows, "\n"), strings.Join(shuffled, "\n"))
	if d := time.Since(start); d > time.Second {
		t.Errorf("3000 shuffled rows took %v", d)
	}
	if r.Stats.Added+r.Stats.Removed != 0 {
		t.Errorf("shuffled rows: %d added, %d removed; want every row paired", r.Stats.Added, r.Stats.Removed)
	}
}

// A paragraph longer than one word diff may hold is diffed sentence by
// sentence, and only the changed sentences word by word.
func TestLongParagraph(t *testing.T) {
	old := strings.Repeat("We collect data about you and your use of the service. ", 2000)
	new := "Intro " + strings.Replace(old, "service", "services", 3) + "Outro."
	start := time.Now()
	r := Compare(old, new)
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %v", d)
	}
	if err := checkResult(old, new, r); err != nil {
		t.Fatal(err)
	}
	if r.Stats.WordsInserted > 40 || r.Stats.WordsDeleted > 40 {
		t.Errorf("%d words inserted, %d deleted: want only the changed sentences", r.Stats.WordsInserted, r.Stats.WordsDeleted)
	}
}

func TestCompareSmall(t *testing.T) {
	tests := []struct {
		name     string
		old, new string
		want     Kind
		ops      []Op
	}{
		{"identical", "# T\n\nA b c.", "# T\n\nA b c.", KindNone, nil},
		{"blank lines only", "# T\n\nA b c.\n", "# T\n\n\nA b c.\n\n", KindCosmetic, nil},
		{"both empty", "", "", KindNone, nil},
		{"from empty", "", "We sell your data.", KindSubstantive, []Op{OpAdded}},
		{"to empty", "We sell your data.", "", KindSubstantive, []Op{OpRemoved}},
		{"word inserted", "We share data with partners.", "We share data with partners and affiliates.", KindSubstantive, []Op{OpModified}},
		{"retention number", "We keep logs for 30 days.", "We keep logs for 90 days.", KindSubstantive, []Op{OpModified}},
		{"moved paragraph",
			"# A\n\nWe collect your email address to run the account.\n\n# B\n\nWe share nothing.",
			"# A\n\n# B\n\nWe share nothing.\n\nWe collect your email address to run the account.",
			KindCosmetic, []Op{OpMoved}},
		{"moved and changed",
			"# A\n\nWe collect your email address and phone number to run the account.\n\n# B\n\nWe share nothing.",
			"# A\n\n# B\n\nWe share nothing.\n\nWe collect your email address and phone number to run and advertise the account.",
			KindSubstantive, []Op{OpMoved}},
		{"heading renamed", "## Your rights\n\nText.", "## Your privacy rights\n\nText.", KindSubstantive, []Op{OpModified}},
		{"renumbered list", "1. Access\n2. Deletion", "1. Access\n3. Deletion", KindCosmetic, []Op{OpModified}},
		{"setext to atx", "Title\n=====\n\nBody text here.", "# Title\n\nBody text here.", KindCosmetic, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Compare(tt.old, tt.new)
			if r.Kind != tt.want {
				t.Errorf("kind = %s, want %s (%+v)", r.Kind, tt.want, r.Edits)
			}
			var ops []Op
			for _, e := range r.Edits {
				ops = append(ops, e.Op)
			}
			if !reflect.DeepEqual(ops, tt.ops) {
				t.Errorf("ops = %v, want %v", ops, tt.ops)
			}
			if err := checkResult(tt.old, tt.new, r); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestRemovedPlacement(t *testing.T) {
	r := Compare("# A\n\nOne.\n\nTwo gone now.\n\nThree.", "# A\n\nOne.\n\nThree.\n\nFour is new here.")
	var got []string
	for _, e := range r.Edits {
		got = append(got, fmt.Sprintf("%s %d/%d", e.Op, e.OldIndex, e.NewIndex))
	}
	want := []string{"removed 2/-1", "added -1/3"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("edits = %v, want %v", got, want)
	}
	if r.Edits[0].Section != "A" {
		t.Errorf("section = %q", r.Edits[0].Section)
	}
}

// A short all-bold paragraph serves as a heading in many policies, so a
// block elsewhere with the same words is navigation. The bold paragraph
// itself is not: a commitment set in bold ("**We never sell your personal
// information.**") that is removed or added is news, not a contents entry.
func TestBoldStatementAddedOrRemoved(t *testing.T) {
	base := "# Privacy\n\nWe collect your name and email address when you sign up.\n\n## Sharing\n\nWe share data with service providers who run the service.\n\n"
	tests := []struct {
		name, old, new string
		want           Kind
		reason         string
	}{
		{"bold commitment removed",
			base + "**We never sell your personal information.**\n\nMore about cookies.\n",
			base + "More about cookies.\n", KindSubstantive, ""},
		{"bold statement added",
			base + "More about cookies.\n",
			base + "**We sell your personal information to advertisers.**\n\nMore about cookies.\n", KindSubstantive, ""},
		{"contents entry of a bold section title removed",
			"*   Cookies and tracking\n\n" + base + "**Cookies and tracking**\n\nWe use cookies to keep you signed in.\n",
			base + "**Cookies and tracking**\n\nWe use cookies to keep you signed in.\n", KindCosmetic, ReasonNavigation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Compare(tt.old, tt.new)
			if r.Kind != tt.want || len(r.Edits) != 1 || r.Edits[0].Reason != tt.reason {
				t.Errorf("kind = %s, edits = %+v; want %s with one edit (reason %q)", r.Kind, r.Edits, tt.want, tt.reason)
			}
		})
	}
}
