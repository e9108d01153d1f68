package catalog

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
)

// The services the issue names: each must resolve by its slug.
var required = []string{"coursera", "netflix", "google", "spotify", "zoom", "tiktok", "linkedin", "reddit", "discord"}

func TestBuiltin(t *testing.T) {
	c := Builtin()
	if c.Len() < 300 {
		t.Fatalf("built-in catalog has %d platforms, want at least 300", c.Len())
	}
	all := c.All()
	if !sort.SliceIsSorted(all, func(i, j int) bool { return all[i].Slug < all[j].Slug }) {
		t.Error("All() is not sorted by slug")
	}
	docs := 0
	for _, p := range all {
		if p.Slug != Slug(p.Name) {
			t.Errorf("%s: slug is not Slug(%q) = %q", p.Slug, p.Name, Slug(p.Name))
		}
		if p.Category == "" || p.Homepage == "" || p.Collection == "" {
			t.Errorf("%s: category %q, homepage %q, collection %q: none may be empty", p.Slug, p.Category, p.Homepage, p.Collection)
		}
		d := Declaration{Name: p.Name, Terms: p.Documents}
		for _, prob := range Validate(d) {
			t.Errorf("%s: shipped declaration does not validate: %v", p.Slug, prob)
		}
		for typ, entries := range p.History {
			for i, h := range entries {
				if h.ValidUntil.IsZero() {
					t.Errorf("%s: history[%q][%d] has no validUntil", p.Slug, typ, i)
				}
				for _, prob := range validateSource(fmt.Sprintf("history[%q][%d]", typ, i), h.DocumentSource) {
					t.Errorf("%s: %v", p.Slug, prob)
				}
			}
		}
		for typ := range p.Documents {
			if p.DocumentCollections[typ] == "" {
				t.Errorf("%s: %q does not say which collection it came from", p.Slug, typ)
			}
		}
		docs += len(p.Documents)
	}
	t.Logf("built-in catalog: %d platforms, %d documents", len(all), docs)
	for _, slug := range required {
		if _, ok := c.Lookup(slug); !ok {
			t.Errorf("required platform %q is missing", slug)
		}
	}
	if Builtin() != c {
		t.Error("Builtin() parsed the embedded file twice")
	}
}

// The embedded file round-trips: what the generator wrote is what the types
// read, so no field is silently dropped (e.g. a filter with parameters).
func TestBuiltinRoundTrip(t *testing.T) {
	var raw []map[string]any
	if err := json.Unmarshal(builtinJSON, &raw); err != nil {
		t.Fatal(err)
	}
	again, err := json.Marshal(Builtin().All())
	if err != nil {
		t.Fatal(err)
	}
	var back []map[string]any
	if err := json.Unmarshal(again, &back); err != nil {
		t.Fatal(err)
	}
	if len(raw) != len(back) {
		t.Fatalf("%d platforms in the file, %d after a round trip", len(raw), len(back))
	}
	for i := range raw {
		a, _ := json.Marshal(raw[i])
		b, _ := json.Marshal(back[i])
		if string(a) != string(b) {
			t.Errorf("platform %v changes in a round trip:\n file %s\n back %s", raw[i]["slug"], a, b)
		}
	}
}

func TestBuiltinKeepsFormatFeatures(t *testing.T) {
	c := Builtin()
	var ranges, combined, scripts, history, paramFilters int
	for _, p := range c.All() {
		for _, d := range p.Documents {
			for _, s := range append(slices.Clone(d.Select), d.Remove...) {
				if s.IsRange() {
					ranges++
				}
			}
			if len(d.Combine) > 0 {
				combined++
			}
			if d.NeedsBrowser() {
				scripts++
			}
			for _, f := range d.Filter {
				if _, params, ok := ParseFilter(f); ok && params != nil {
					paramFilters++
				}
			}
		}
		history += len(p.History)
	}
	t.Logf("range selectors %d, combined documents %d, documents needing scripts %d, documents with history %d, filters with parameters %d",
		ranges, combined, scripts, history, paramFilters)
	if ranges == 0 || combined == 0 || scripts == 0 || history == 0 || paramFilters == 0 {
		t.Error("a feature of the declaration format is missing from the built-in catalog")
	}
	g, _ := c.Lookup("google")
	tos := g.Documents["Terms of Service"]
	if !slices.Contains(tos.Filter, "removeCountryVersion") {
		t.Errorf("google terms filters = %q, want removeCountryVersion among them", tos.Filter)
	}
	name, params, ok := ParseFilter(tos.Filter[0])
	if !ok || name != "removeQueryParams" || !strings.Contains(string(params), "utm_source") {
		t.Errorf("ParseFilter(%q) = %q, %s, %v", tos.Filter[0], name, params, ok)
	}
}

func TestLookup(t *testing.T) {
	c := Builtin()
	tests := []struct {
		query, want string // want "" means no certain answer
	}{
		{"coursera", "coursera"},
		{"Coursera", "coursera"},
		{"  NETFLIX ", "netflix"},
		{"tik tok", "tiktok"},
		{"TikTok", "tiktok"},
		{"linked in", "linkedin"},
		{"Linked-In", "linkedin"},
		{"claude.ai", "claude-ai"},
		{"Claude", "claude-ai"},
		{"DALL·E", "dall-e"},
		{"dalle", "dall-e"},
		{"Woman’s Day", "woman-s-day"},
		{"woman-s-day", "woman-s-day"},
		{"coursera.org", "coursera"},
		{"https://www.coursera.org/about/privacy", "coursera"},
		{"www.reddit.com", "reddit"},
		{"google.com", "google"},          // shared by every Google service, owned by Google
		{"policies.google.com", "google"}, // its homepage host
		{"gcp", "google-cloud-platform"},
		{"aws", "amazon-web-services"},
		{"meta", "facebook"},
		{"gemini", "google-generative-ai-services"},
		{"x", "x"},
		{"twitter", "twitter"},
		{"zoom", "zoom"},
		{"discord", "discord"},
		{"spotify", "spotify"},
		{"copilot", ""}, // GitHub's or Microsoft's: Suggest asks
		{"corsera", ""}, // a near miss is Suggest's job
		{"", ""},
		{"   ", ""},
		{"no such platform at all", ""},
	}
	for _, tt := range tests {
		p, ok := c.Lookup(tt.query)
		if tt.want == "" {
			if ok {
				t.Errorf("Lookup(%q) = %s, want no answer", tt.query, p.Slug)
			}
			continue
		}
		if !ok || p.Slug != tt.want {
			t.Errorf("Lookup(%q) = %q, %v; want %q", tt.query, p.Slug, ok, tt.want)
		}
	}
}

func TestSuggestNearMisses(t *testing.T) {
	c := Builtin()
	tests := []struct{ query, want string }{
		{"corsera", "coursera"},
		{"coursra", "coursera"},
		{"netflx", "netflix"},
		{"netlfix", "netflix"}, // transposition: one edit
		{"tik tok", "tiktok"},
		{"tiktk", "tiktok"},
		{"linked in", "linkedin"},
		{"linkdin", "linkedin"},
		{"spotfy", "spotify"},
		{"spotifi", "spotify"},
		{"zoon", "zoom"},
		{"redit", "reddit"},
		{"discrod", "discord"},
		{"dicsord", "discord"},
		{"gogle", "google"},
		{"googel", "google"},
		{"gooogle", "google"},
		{"instagarm", "instagram"},
		{"whatsap", "whatsapp"},
		{"wikipeda", "wikipedia"},
		{"pintrest", "pinterest"},
		{"chat gpt", "chatgpt"},
		{"chatgtp", "chatgpt"},
		{"perplexty", "perplexity"},
		{"youtub", "youtube"},
		{"tindr", "tinder"},
		{"goog", "google"},     // a prefix: the shortest name first
		{"amaz", "amazon-com"}, // its alias "amazon" is the shortest prefix match
		{"google drve", "google-drive"},
		{"https://www.netflix.com/legal/privacy", "netflix"},
	}
	for _, tt := range tests {
		got := c.Suggest(tt.query, 3)
		if len(got) == 0 || got[0].Slug != tt.want {
			t.Errorf("Suggest(%q) = %v, want %s first", tt.query, slugs(got), tt.want)
		}
	}
}

func TestSuggestStaysQuietWhenNothingIsClose(t *testing.T) {
	c := Builtin()
	for _, q := range []string{"qqqqqqqq", "zzxxyyww", "", "!!!"} {
		if got := c.Suggest(q, 5); len(got) != 0 {
			t.Errorf("Suggest(%q) = %v, want nothing", q, slugs(got))
		}
	}
	if got := c.Suggest("netflix", 0); got != nil {
		t.Errorf("Suggest with n=0 = %v", slugs(got))
	}
	if got := c.Suggest("goo", 2); len(got) != 2 {
		t.Errorf("Suggest(goo, 2) returned %d", len(got))
	}
}

// TestSuggestTypoAccuracy measures the fuzzy ranking on every name of the
// catalog with one typo (a dropped, doubled, swapped or changed letter) and
// reports how often the right platform comes first and in the top three.
func TestSuggestTypoAccuracy(t *testing.T) {
	c := Builtin()
	edits := []struct {
		name string
		edit func(r []rune, i int) []rune
	}{
		{"drop", func(r []rune, i int) []rune { return append(slices.Clone(r[:i]), r[i+1:]...) }},
		{"double", func(r []rune, i int) []rune { return append(slices.Clone(r[:i+1]), r[i:]...) }},
		{"swap", func(r []rune, i int) []rune {
			o := slices.Clone(r)
			if i+1 < len(o) {
				o[i], o[i+1] = o[i+1], o[i]
			}
			return o
		}},
		{"change", func(r []rune, i int) []rune {
			o := slices.Clone(r)
			if o[i] == 'q' {
				o[i] = 'w'
			} else {
				o[i] = 'q'
			}
			return o
		}},
	}
	total, first, top3 := 0, 0, 0
	var misses []string
	for _, p := range c.All() {
		name := []rune(strings.ToLower(p.Name))
		if len(name) < 5 { // one typo in a 4-letter name is a different word
			continue
		}
		for k, e := range edits {
			i := (len(name)/2 + k) % (len(name) - 1) // a letter inside the word, deterministic
			q := string(e.edit(name, i))
			if q == string(name) || key(q) == key(p.Name) {
				continue
			}
			if other, ok := c.Lookup(q); ok && other.Slug != p.Slug {
				continue // the typo spells another platform: not a miss
			}
			total++
			got := c.Suggest(q, 3)
			switch {
			case len(got) > 0 && got[0].Slug == p.Slug:
				first++
				top3++
			case slices.ContainsFunc(got, func(g Platform) bool { return g.Slug == p.Slug }):
				top3++
			default:
				misses = append(misses, fmt.Sprintf("%s %q→%v", e.name, q, slugs(got)))
			}
		}
	}
	t.Logf("one-typo queries: %d; right platform first %d (%.1f%%), in top 3 %d (%.1f%%)",
		total, first, 100*float64(first)/float64(total), top3, 100*float64(top3)/float64(total))
	if len(misses) > 0 {
		t.Logf("misses (first 10): %v", misses[:min(10, len(misses))])
	}
	if float64(top3) < 0.95*float64(total) {
		t.Errorf("only %d of %d one-typo queries find the platform in the top 3", top3, total)
	}
}

func TestSearch(t *testing.T) {
	c := Builtin()
	tests := []struct {
		query     string
		wantFirst string
		contains  []string
	}{
		{"cours", "coursera", nil},
		{"goo", "google", []string{"google-drive", "google-maps"}},
		{"dating", "", []string{"tinder", "bumble", "match"}}, // a category
		{"ai assistant", "", []string{"chatgpt", "claude-ai"}},
		{"netflx", "netflix", nil}, // fuzzy too
		{"drive", "", []string{"google-drive"}},
		{"coursera.org", "coursera", nil},
	}
	for _, tt := range tests {
		got := c.Search(tt.query)
		if tt.wantFirst != "" && (len(got) == 0 || got[0].Slug != tt.wantFirst) {
			t.Errorf("Search(%q) = %v, want %s first", tt.query, head(slugs(got)), tt.wantFirst)
		}
		for _, s := range tt.contains {
			if !slices.ContainsFunc(got, func(p Platform) bool { return p.Slug == s }) {
				t.Errorf("Search(%q) = %v, want it to include %s", tt.query, head(slugs(got)), s)
			}
		}
	}
	if n := len(c.Search("")); n != c.Len() {
		t.Errorf("Search(\"\") returned %d of %d", n, c.Len())
	}
	if got := c.Search("zzxxyyww"); len(got) != 0 {
		t.Errorf("Search(nonsense) = %v", head(slugs(got)))
	}
}

func TestNewKeepsFirstOfASlugAndFillsSlug(t *testing.T) {
	c := New([]Platform{
		{Name: "Acme Cloud", Documents: map[string]DocumentSource{"Privacy Policy": {Fetch: "https://acme.example/privacy"}}},
		{Slug: "acme-cloud", Name: "Other"},
		{Slug: "beta", Name: "Beta", Aliases: []string{"acme"}},
	})
	if c.Len() != 2 {
		t.Fatalf("Len = %d, want 2", c.Len())
	}
	if p, ok := c.Lookup("acme cloud"); !ok || p.Name != "Acme Cloud" {
		t.Errorf("Lookup(acme cloud) = %+v, %v", p, ok)
	}
	if p, ok := c.Lookup("acme"); !ok || p.Slug != "beta" {
		t.Errorf("Lookup(acme) = %q, %v; want the alias's platform", p.Slug, ok)
	}
}

// Two platforms whose names fold to the same key are not guessed between.
func TestLookupAmbiguousName(t *testing.T) {
	c := New([]Platform{{Name: "Womans Day"}, {Name: "Woman's Day"}})
	if p, ok := c.Lookup("womans day"); ok {
		t.Errorf("Lookup guessed %s between two equal names", p.Slug)
	}
	if p, ok := c.Lookup("woman-s-day"); !ok || p.Name != "Woman's Day" {
		t.Errorf("the exact slug still finds its platform: %q, %v", p.Slug, ok)
	}
	if got := c.Suggest("womans day", 5); len(got) != 2 {
		t.Errorf("Suggest offers %v, want both", slugs(got))
	}
}

func TestDocumentTypesPrivacyPolicyFirst(t *testing.T) {
	p := Platform{Documents: map[string]DocumentSource{
		"Terms of Service": {}, "Acceptable Use Policy": {}, "Privacy Policy": {}, "Cookies": {},
	}}
	want := []string{"Privacy Policy", "Acceptable Use Policy", "Cookies", "Terms of Service"}
	if got := p.DocumentTypes(); !slices.Equal(got, want) {
		t.Errorf("DocumentTypes = %q, want %q", got, want)
	}
}

func TestFill(t *testing.T) {
	c := Builtin()
	p := c.Fill(Platform{Slug: "coursera", Name: "Coursera", Aliases: []string{"mooc"}})
	if p.Category != "Education" || p.Homepage == "" || !slices.Contains(p.Aliases, "coursera.org") || !slices.Contains(p.Aliases, "mooc") {
		t.Errorf("Fill(coursera) = %+v", p)
	}
	unknown := Platform{Slug: "not-in-catalog", Name: "Not"}
	if got := c.Fill(unknown); got.Category != "" {
		t.Errorf("Fill changed an unknown platform: %+v", got)
	}
}

func slugs(ps []Platform) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Slug
	}
	return out
}

func head(s []string) []string { return s[:min(8, len(s))] }
