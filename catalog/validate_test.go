package catalog

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	ok := DocumentSource{Fetch: "https://a.example/privacy", Select: Selectors{{CSS: "main"}}}
	tests := []struct {
		name string
		decl Declaration
		want []string // "field: message prefix"; none means valid
	}{
		{"valid", Declaration{Name: "A", Terms: map[string]DocumentSource{"Privacy Policy": ok}}, nil},
		{"no name", Declaration{Terms: map[string]DocumentSource{"Privacy Policy": ok}}, []string{"name: missing"}},
		{"name without letters", Declaration{Name: "!!", Terms: map[string]DocumentSource{"Privacy Policy": ok}},
			[]string{`name: "!!" has no letter or digit`}},
		{"no documents", Declaration{Name: "A"}, []string{"terms: no documents"}},
		{"empty type", Declaration{Name: "A", Terms: map[string]DocumentSource{" ": ok}}, []string{`terms[" "]: empty document type`}},
		{"missing fetch", Declaration{Name: "A", Terms: map[string]DocumentSource{"Privacy Policy": {Select: Selectors{{CSS: "main"}}}}},
			[]string{`terms["Privacy Policy"].fetch: missing`}},
		{"relative fetch", Declaration{Name: "A", Terms: map[string]DocumentSource{"Privacy Policy": {Fetch: "/privacy"}}},
			[]string{`terms["Privacy Policy"].fetch: "/privacy" is not an absolute http(s) URL`}},
		{"bad CSS in list", Declaration{Name: "A", Terms: map[string]DocumentSource{"Terms": {Fetch: "https://a.example/t",
			Select: Selectors{{CSS: "main"}, {CSS: "div["}}}}},
			[]string{`terms["Terms"].select[1]: invalid CSS selector "div["`}},
		{"bad CSS in remove", Declaration{Name: "A", Terms: map[string]DocumentSource{"Terms": {Fetch: "https://a.example/t",
			Remove: Selectors{{CSS: "a >> b"}}}}},
			[]string{`terms["Terms"].remove: invalid CSS selector "a >> b"`}},
		{"range with two starts", Declaration{Name: "A", Terms: map[string]DocumentSource{"Terms": {Fetch: "https://a.example/t",
			Select: Selectors{{StartBefore: "h1", StartAfter: "h2", EndBefore: "footer"}}}}},
			[]string{`terms["Terms"].select: range needs exactly one of startBefore and startAfter, has 2`}},
		{"range without end", Declaration{Name: "A", Terms: map[string]DocumentSource{"Terms": {Fetch: "https://a.example/t",
			Select: Selectors{{StartBefore: "h1"}}}}},
			[]string{`terms["Terms"].select: range needs exactly one of endBefore and endAfter, has 0`}},
		{"range with bad CSS", Declaration{Name: "A", Terms: map[string]DocumentSource{"Terms": {Fetch: "https://a.example/t",
			Select: Selectors{{CSS: "main"}, {StartBefore: "h1[", EndAfter: "p"}}}}},
			[]string{`terms["Terms"].select[1].startBefore: invalid CSS selector "h1["`}},
		{"combine page without fetch", Declaration{Name: "A", Terms: map[string]DocumentSource{"Terms": {
			Combine: []Page{{Fetch: "https://a.example/1"}, {Select: Selectors{{CSS: "main"}}}}}}},
			[]string{`terms["Terms"].combine[1].fetch: missing`}},
		{"fetch and combine", Declaration{Name: "A", Terms: map[string]DocumentSource{"Terms": {Fetch: "https://a.example/t",
			Combine: []Page{{Fetch: "https://a.example/1"}}}}},
			[]string{`terms["Terms"]: both fetch and combine`}},
		{"bad filter object", Declaration{Name: "A", Terms: map[string]DocumentSource{"Terms": {Fetch: "https://a.example/t",
			Filter: Filters{"ok", `{"a":1,"b":2}`}}}},
			[]string{`terms["Terms"].filter[1]: "{\"a\":1,\"b\":2}" is neither`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Validate(tt.decl)
			if len(got) != len(tt.want) {
				t.Fatalf("Validate = %v, want %q", got, tt.want)
			}
			for i, p := range got {
				if s := p.Field + ": " + p.Message; !strings.HasPrefix(s, tt.want[i]) {
					t.Errorf("problem %d = %q, want prefix %q", i, s, tt.want[i])
				}
			}
		})
	}
}

func TestProblemError(t *testing.T) {
	tests := []struct {
		p    Problem
		want string
	}{
		{Problem{"Foo.json", `terms["Privacy Policy"].fetch`, "missing"}, `Foo.json: terms["Privacy Policy"].fetch: missing`},
		{Problem{File: "Foo.json", Message: "invalid JSON"}, "Foo.json: invalid JSON"},
		{Problem{Field: "name", Message: "missing"}, "name: missing"},
	}
	for _, tt := range tests {
		if got := tt.p.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestParseDeclarationFieldPaths(t *testing.T) {
	tests := []struct {
		json string
		want string // first problem, "field: message" prefix
	}{
		{`[]`, `: want an object`},
		{`{"name": 1, "terms": {}}`, `name: want a string, got number`},
		{`{"name": "A"}`, `terms: missing`},
		{`{"name": "A", "terms": []}`, `terms: want an object`},
		{`{"name": "A", "terms": {"T": "https://a.example"}}`, `terms["T"]: want an object`},
		{`{"name": "A", "terms": {"T": {"fetch": "https://a.example", "select": [1]}}}`, `terms["T"].select[0]: want a CSS selector string`},
		{`{"name": "A", "terms": {"T": {"fetch": "https://a.example", "select": {"start": "h1"}}}}`, `terms["T"].select: selector: want a CSS string or`},
		{`{"name": "A", "terms": {"T": {"fetch": "https://a.example", "executeClientScripts": "yes"}}}`, `terms["T"].executeClientScripts: want true or false, got string`},
		{`{"name": "A", "terms": {"T": {"combine": [{"fetch": "https://a.example", "selct": "x"}]}}}`, `terms["T"].combine[0].selct: unknown field`},
		{`{"name": "A", "terms": {"T": {"fetch": "https://a.example", "filter": "one"}}}`, `terms["T"].filter: want an array of filter names`},
		{`{"name": "A", "extra": 1, "terms": {"T": {"fetch": "https://a.example"}}}`, `extra: unknown field`},
		{"{\n  \"name\": \"A\",\n  \"terms\": {,}\n}", `: invalid JSON at line 3, column`},
	}
	for _, tt := range tests {
		_, ps := ParseDeclaration([]byte(tt.json))
		if len(ps) == 0 {
			t.Errorf("ParseDeclaration(%s): no problem, want %q", tt.json, tt.want)
			continue
		}
		if s := ps[0].Field + ": " + ps[0].Message; !strings.HasPrefix(s, tt.want) {
			t.Errorf("ParseDeclaration(%s) = %q, want prefix %q", tt.json, s, tt.want)
		}
	}
	d, ps := ParseDeclaration([]byte(`{"$schema": "x", "name": "A", "terms": {"T": {"fetch": "https://a.example", "select": null}}}`))
	if len(ps) != 0 || d.Name != "A" || d.Terms["T"].Fetch != "https://a.example" {
		t.Errorf("ParseDeclaration(valid) = %+v, %v", d, ps)
	}
}

func TestFiltersJSON(t *testing.T) {
	var d DocumentSource
	in := `{"fetch":"https://a.example","filter":["removeX",{"removeQueryParams":["utm_source","h"]}]}`
	if err := json.Unmarshal([]byte(in), &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Filter) != 2 || d.Filter[0] != "removeX" {
		t.Fatalf("Filter = %q", d.Filter)
	}
	name, params, ok := ParseFilter(d.Filter[1])
	if !ok || name != "removeQueryParams" || string(params) != `["utm_source","h"]` {
		t.Errorf("ParseFilter = %q %s %v", name, params, ok)
	}
	out, err := json.Marshal(d)
	if err != nil || string(out) != in {
		t.Errorf("round trip = %s, %v; want %s", out, err, in)
	}
	for _, bad := range []string{`{}`, `{"a":1,"b":2}`, ``, `{not json`} {
		if _, _, ok := ParseFilter(bad); ok {
			t.Errorf("ParseFilter(%q) ok", bad)
		}
	}
}
