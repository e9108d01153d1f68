package diff

import (
	"reflect"
	"testing"
)

func TestBlocks(t *testing.T) {
	tests := []struct {
		name string
		md   string
		want []Block
	}{
		{"atx and paragraphs", "# Privacy\n\nIntro text\ncontinued.\n\n## Rights\n\nYou may ask.",
			[]Block{
				{Kind: BlockHeading, Level: 1, Text: "# Privacy"},
				{Kind: BlockParagraph, Text: "Intro text\ncontinued.", Section: "Privacy"},
				{Kind: BlockHeading, Level: 2, Text: "## Rights", Section: "Privacy"},
				{Kind: BlockParagraph, Text: "You may ask.", Section: "Privacy > Rights"},
			}},
		{"setext with emphasis", "Privacy Policy\n==============\n\n**Introduction**\n----------------\n\nText.",
			[]Block{
				{Kind: BlockHeading, Level: 1, Text: "# Privacy Policy"},
				{Kind: BlockHeading, Level: 2, Text: "## **Introduction**", Section: "Privacy Policy"},
				{Kind: BlockParagraph, Text: "Text.", Section: "Privacy Policy > Introduction"},
			}},
		{"lists nested and lazy", "*   One\n    *   Nested\n1. First\nlazy line\n- - -\n+ plus",
			[]Block{
				{Kind: BlockItem, Text: "*   One"},
				{Kind: BlockItem, Text: "*   Nested"},
				{Kind: BlockItem, Text: "1. First\nlazy line"},
				{Kind: BlockItem, Text: "+ plus"},
			}},
		{"table", "| a | b |\n| --- | :-: |\n| 1 | 2 |",
			[]Block{
				{Kind: BlockRow, Text: "| a | b |"},
				{Kind: BlockRow, Text: "| 1 | 2 |"},
			}},
		{"heading resets deeper levels", "# A\n### C\n## B\nx",
			[]Block{
				{Kind: BlockHeading, Level: 1, Text: "# A"},
				{Kind: BlockHeading, Level: 3, Text: "### C", Section: "A"},
				{Kind: BlockHeading, Level: 2, Text: "## B", Section: "A"},
				{Kind: BlockParagraph, Text: "x", Section: "A > B"},
			}},
		{"heading title from link", "## [The short version](#the-short-version)\n\nText.",
			[]Block{
				{Kind: BlockHeading, Level: 2, Text: "## [The short version](#the-short-version)"},
				{Kind: BlockParagraph, Text: "Text.", Section: "The short version"},
			}},
		{"code fence kept whole", "```\n# not a heading\n\n```\nafter",
			[]Block{
				{Kind: BlockCode, Text: "```\n# not a heading\n\n```"},
				{Kind: BlockParagraph, Text: "after"},
			}},
		{"bold is not a list", "**Bold** start\n\n#hashtag",
			[]Block{
				{Kind: BlockParagraph, Text: "**Bold** start"},
				{Kind: BlockParagraph, Text: "#hashtag"},
			}},
		{"crlf and trailing spaces", "Para one  \r\n\r\n* item \r\n",
			[]Block{
				{Kind: BlockParagraph, Text: "Para one"},
				{Kind: BlockItem, Text: "* item"},
			}},
		{"empty", "\n\n  \n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Blocks(tt.md); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Blocks(%q)\n got %+v\nwant %+v", tt.md, got, tt.want)
			}
		})
	}
}

func TestWordDiffRebuildsBothSides(t *testing.T) {
	tests := [][2]string{
		{"We share data with partners.", "We share data with partners and affiliates."},
		{"the quick brown fox", "the slow red fox"},
		{"", "new"},
		{"old", ""},
		{"a  b\nc", "a b c d"},
		{"Déclaration « données » — ok", "Déclaration “données” – ok"},
	}
	for _, tt := range tests {
		ws := wordDiff(tt[0], tt[1])
		var before, after string
		for _, w := range ws {
			if w.Op != WordInsert {
				before += w.Text
			}
			if w.Op != WordDelete {
				after += w.Text
			}
		}
		if before != tt[0] || after != tt[1] {
			t.Errorf("wordDiff(%q, %q) = %+v", tt[0], tt[1], ws)
		}
	}
	// Changed words with a single space between them form one change.
	got := wordDiff("the quick brown fox", "the slow red fox")
	want := []Word{{WordEqual, "the "}, {WordDelete, "quick brown"}, {WordInsert, "slow red"}, {WordEqual, " fox"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("grouping: got %+v want %+v", got, want)
	}
}

func TestIDRunesAvoidSurrogates(t *testing.T) {
	for _, id := range []int{0, 1, surrogateLow - runeBase - 1, surrogateLow - runeBase, surrogateLow - runeBase + 5000, 1 << 20} {
		r := idRune(id)
		if r >= surrogateLow && r < surrogateLow+surrogateSpan {
			t.Errorf("id %d maps to surrogate %U", id, r)
		}
		if back := runeID(r); back != id {
			t.Errorf("id %d → %U → %d", id, r, back)
		}
		if []rune(string(r))[0] != r {
			t.Errorf("id %d: rune %U does not survive a string", id, r)
		}
	}
}
