package extract

import (
	"testing"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"blank lines only", "\n \n\t\n", ""},
		{"curly quotes", "It’s the “Service” ‚x‛ „y‟", "It's the \"Service\" 'x' \"y\"\n"},
		{"dashes", "a – b — c ‐ d ‑ e − f", "a - b - c - d - e - f\n"},
		{"ellipsis", "wait…", "wait...\n"},
		{"nbsp and unicode spaces", "a\u00a0b\u2009c\u202fd\u3000e", "a b c d e\n"},
		{"zero width", "pri\u200bva\u200ccy\u200d \ufeffpolicy\u00ad", "privacy policy\n"},
		{"whitespace runs and trailing", "  a   b\t c  \n", "a b c\n"},
		{"nfc", "cafe\u0301", "café\n"},
		{"paragraph lines joined", "one\ntwo\nthree", "one two three\n"},
		{"blank lines collapse", "a\n\n\n\nb", "a\n\nb\n"},
		{"hard break splits", "line one  \nline two", "line one\n\nline two\n"},
		{"setext headings", "Title\n=====\n\nSub\n---\n\ntext", "# Title\n\n## Sub\n\ntext\n"},
		{"atx closing hashes", "### Heading ###", "### Heading\n"},
		{"heading with emphasis and escape", "### **1\\. Who We Are**", "### 1. Who We Are\n"},
		{"turndown bullets", "*   one\n*   two\n    *   nested\n*   three", "- one\n- two\n  - nested\n- three\n"},
		{"ordered list", "1.  first\n    \n2.  second\n10.  tenth", "1. first\n2. second\n10. tenth\n"},
		{"list item continuation", "*   para one\n    \n    para two\n*   next", "- para one para two\n- next\n"},
		{"list then paragraph", "- a\n- b\n\nafter", "- a\n- b\n\nafter\n"},
		{"deep nesting", "- a\n    - b\n        - c\n    - d\n- e", "- a\n  - b\n    - c\n  - d\n- e\n"},
		{"emphasis dropped", "**bold** and _italic_ and *it* and __b__", "bold and italic and it and b\n"},
		{"intraword underscore kept", "snake_case_name", "snake_case_name\n"},
		{"escaped literals kept", "2 \\* 3 \\_x\\_ \\[y\\]", "2 \\* 3 \\_x\\_ \\[y\\]\n"},
		{"link text only", "see [our partners](https://x.example/p?utm_source=a)", "see our partners\n"},
		{"generic link keeps cleaned URL", "available [here](https://x.example/old?utm_source=n&id=3#top).",
			"available [here](https://x.example/old?id=3).\n"},
		{"in-page link dropped", "[here](#section)", "here\n"},
		{"image dropped", "a ![logo](https://x/l.png) b", "a b\n"},
		{"linked image dropped", "[![logo](https://x/l.png)](https://x/)", ""},
		{"code span literal", "run `a*b_c`", "run a\\*b_c\n"},
		{"table", "|     |     |\n| --- | --- |\n| a | b |\n| c<br><br>d | e \\| f |",
			"| a | b |\n| c d | e \\| f |\n"},
		{"turndown caption after separator", "| --- | --- |Caption text\n| a | b |", "Caption text\n\n| a | b |\n"},
		{"rules dropped", "a\n\n* * *\n\nb\n\n---\n\nc", "a\n\nb\n\nc\n"},
		{"blockquote markers dropped", "> quoted\n> more\n\nplain", "quoted more\n\nplain\n"},
		{"fenced code lines", "```\ncode  line\n```\nafter", "code line\n\nafter\n"},
		{"escapes at block start", "\\# not heading\n\n1\\. not list\n\n\\- not item", "\\# not heading\n\n1\\. not list\n\n\\- not item\n"},
		{"crlf", "a\r\nb\r\n\r\nc", "a b\n\nc\n"},
		{"image syntax is an image", "Wow![here](https://x.example/)", "Wow\n"},
		{"escaped bang before link", "Wow\\![here](https://x.example/)", "Wow\\![here](https://x.example/)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Normalize(tt.in)
			if got != tt.want {
				t.Errorf("Normalize(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
			if again := Normalize(got); again != got {
				t.Errorf("not idempotent:\n once %q\ntwice %q", got, again)
			}
		})
	}
}

// FuzzNormalize checks that Normalize is idempotent on any input, which is
// what makes the escaping in markdown.go agree with the parser.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{
		"# a\n\n- b\n  - c\n\n| d | e |\n", "x_y _z_ *w* \\* [l](https://a.b/)", "1. a\n2) b\n\n---\n",
		"a  \nb\\\nc", "`code` ``x`` ![i](j)", "| --- |x\n|a\\|b|", "> q\n>> r", "<br>x<BR/>",
		"Title\n===\n", "[here](<https://a b>) [here](https://a.b/(x))", "=\n-\n+ x\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		once := Normalize(s)
		if twice := Normalize(once); twice != once {
			t.Fatalf("not idempotent for %q:\n once %q\ntwice %q", s, once, twice)
		}
	})
}
