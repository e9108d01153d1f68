package discord

import (
	"strings"
	"testing"
)

func TestEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain text, with a comma.", "plain text, with a comma."},
		{"**bold** and _it_", `\*\*bold\*\* and \_it\_`},
		{"~~gone~~ `code` ||spoiler||", "\\~\\~gone\\~\\~ \\`code\\` \\|\\|spoiler\\|\\|"},
		{"[see](https://evil.example)", `\[see\]\(https://evil.example\)`},
		{`a \ backslash`, `a \\ backslash`},
		{"# Heading\n> quote\n- item\n+ item\n-# small", "\\# Heading\n\\> quote\n\\- item\n\\+ item\n\\-# small"},
		{"  # indented", `  \# indented`},
		{"1. first\n10. tenth\n3.5 percent", "1\\. first\n10\\. tenth\n3.5 percent"},
		{"mid-line - and # and > stay", "mid-line - and # and > stay"},
		{"ping <@123> <@&456> <#789> <t:1700000000> </track:1>", `ping \<@123> \<@&456> \<#789> \<t:1700000000> \</track:1>`},
		{"age < 13", "age < 13"},
		{"@everyone and @here and @Everyone", "@\u200beveryone and @\u200bhere and @\u200bEveryone"},
		{"email@example.com", "email@example.com"},
	}
	for _, tt := range tests {
		if got := Escape(tt.in); got != tt.want {
			t.Errorf("Escape(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

func TestCut(t *testing.T) {
	more := "[Full record](https://x.example/changes/1)"
	tests := []struct {
		name, in string
		max      int
		want     string
	}{
		{"fits", "Short. Text.", 100, "Short. Text."},
		{"at a sentence", "First sentence here. Second sentence is longer than the room.", 40, "First sentence here. …"},
		{"at a word when no sentence ends late enough", "one two three four five six seven eight", 20, "one two three …"},
		{"never leaves a dangling escape", `Sentence one\. Sentence two \* and more words here`, 32, `Sentence one\. Sentence two …`},
	}
	for _, tt := range tests {
		if got := cut(tt.in, tt.max, ""); got != tt.want {
			t.Errorf("%s: cut = %q, want %q", tt.name, got, tt.want)
		}
	}
	long := strings.Repeat("A sentence of policy text. ", 100)
	got := cut(long, 300, more)
	if length(got) > 300 || !strings.HasSuffix(got, "text. … "+more) {
		t.Errorf("cut with a link: %d characters, %q", length(got), got)
	}
	if n := length(cut(strings.Repeat("é😀", 1000), 101, "")); n > 101 {
		t.Errorf("cut counts UTF-16 units: got %d", n)
	}
}
