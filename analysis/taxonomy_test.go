package analysis

import (
	"encoding/json"
	"net/url"
	"os"
	"strings"
	"testing"
)

func TestTaxonomyRegulationsExist(t *testing.T) {
	cats := Taxonomy()
	if len(cats) < 25 {
		t.Fatalf("taxonomy has %d categories, want at least the 25 of the mapping", len(cats))
	}
	seen := map[string]bool{}
	for _, c := range cats {
		if seen[c.ID] {
			t.Errorf("duplicate category %s", c.ID)
		}
		seen[c.ID] = true
		if c.Name == "" || c.Definition == "" || c.Phrase == "" || c.Importance < 1 || c.Importance > 10 {
			t.Errorf("category %s lacks name, definition, phrase or importance: %+v", c.ID, c)
		}
		if c.Origin == "added" && c.Why == "" {
			t.Errorf("added category %s does not say why", c.ID)
		}
		if len(c.Regulations) == 0 {
			t.Errorf("category %s cites no regulation", c.ID)
		}
		for _, id := range c.Regulations {
			if _, ok := RegulationByID(id); !ok {
				t.Errorf("category %s cites unknown regulation %q", c.ID, id)
			}
		}
	}
	for _, want := range []string{"ai_features", "ai_training", "voice_biometric", "affiliates_scope", "verification_identity", "actions_on_your_behalf"} {
		if !seen[want] {
			t.Errorf("taxonomy lacks %s", want)
		}
	}
}

func TestTaxonomyKeepsMappingIDs(t *testing.T) {
	b, err := os.ReadFile("data/taxonomy_mapping.json")
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Taxonomy []struct{ ID string } `json:"taxonomy"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, c := range m.Taxonomy {
		if _, ok := CategoryByID(c.ID); !ok {
			t.Errorf("mapping category %s missing from taxonomy.json", c.ID)
		}
	}
	// Every id the mapping can produce must be a category, or eval breaks.
	mp, err := Mapping()
	if err != nil {
		t.Fatal(err)
	}
	for _, src := range []string{"opp115", "claudette", "tosdr"} {
		for id := range mp.Space(src) {
			if _, ok := CategoryByID(id); !ok {
				t.Errorf("%s maps to unknown category %s", src, id)
			}
		}
	}
}

func TestRegulationsComplete(t *testing.T) {
	regs := Regulations()
	seen := map[string]bool{}
	for _, r := range regs {
		if seen[r.ID] {
			t.Errorf("duplicate regulation %s", r.ID)
		}
		seen[r.ID] = true
		if r.Cite == "" || r.Title == "" || len(r.Bodies) == 0 || r.URL == "" || r.Law == "" {
			t.Errorf("regulation %s lacks cite, title, law, bodies or URL: %+v", r.ID, r)
		}
		if strings.TrimSpace(r.Cite) == "GDPR" || !strings.ContainsAny(r.Cite, "0123456789") {
			t.Errorf("regulation %s cite %q is not a specific article or section", r.ID, r.Cite)
		}
		u, err := url.Parse(r.URL)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			t.Errorf("regulation %s URL %q is not an https URL", r.ID, r.URL)
		}
	}
	// The articles the product promises to cite, each its own entry.
	for _, id := range []string{"gdpr-art-5", "gdpr-art-6-1-a", "gdpr-art-7", "gdpr-art-8", "gdpr-art-9", "gdpr-art-13",
		"gdpr-art-14", "gdpr-art-15", "gdpr-art-16", "gdpr-art-17", "gdpr-art-18", "gdpr-art-19", "gdpr-art-20", "gdpr-art-21",
		"gdpr-art-22", "gdpr-art-28", "gdpr-art-32", "gdpr-art-33", "gdpr-art-34", "gdpr-art-44", "gdpr-art-45", "gdpr-art-46",
		"gdpr-art-47", "gdpr-art-48", "gdpr-art-49", "eprivacy-art-5-3", "ccpa-1798-100", "ccpa-1798-105", "ccpa-1798-106",
		"ccpa-1798-110", "ccpa-1798-115", "ccpa-1798-120", "ccpa-1798-121", "ccpa-1798-125", "ccpa-1798-130", "ccpa-1798-135",
		"ccpa-1798-140", "ccpa-1798-150", "coppa-312-2", "coppa-312-4", "coppa-312-5", "coppa-312-10", "ftc-act-5",
		"caloppa-22575", "bipa-15", "ai-act-art-50", "uctd-art-3", "uctd-annex-1-j", "uctd-annex-1-q", "dsa-art-14"} {
		if !seen[id] {
			t.Errorf("regulation map lacks %s", id)
		}
	}
}

func TestSuggestCategory(t *testing.T) {
	tests := []struct{ q, want string }{
		{"arbitation", "arbitration_class_waiver"},
		{"biometrics", "voice_biometric"},
		{"ai training", "ai_training"},
		{"do not track", "do_not_track_gpc"},
		{"childrens", "children"},
		{"data retention", "data_retention"},
		{"affiliates", "affiliates_scope"},
	}
	for _, tt := range tests {
		got := SuggestCategory(tt.q, 3)
		if len(got) == 0 || got[0].ID != tt.want {
			var ids []string
			for _, c := range got {
				ids = append(ids, c.ID)
			}
			t.Errorf("SuggestCategory(%q) = %v, want %s first", tt.q, ids, tt.want)
		}
	}
	if got := SuggestCategory("zzzzqqq", 3); len(got) != 0 {
		t.Errorf("nonsense query suggested %d categories", len(got))
	}
}
