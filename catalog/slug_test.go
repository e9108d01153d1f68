package catalog

import "testing"

func TestSlug(t *testing.T) {
	tests := []struct{ name, want string }{
		{"Claude.ai", "claude-ai"},
		{"DALL·E", "dall-e"},
		{"Woman’s Day", "woman-s-day"},
		{"Coursera", "coursera"},
		{"Google Cloud Platform", "google-cloud-platform"},
		{"Honkai- Star Rail", "honkai-star-rail"}, // a run of two is one "-"
		{"O'Reilly", "o-reilly"},
		{"CommentÇaMarche", "commentçamarche"}, // Unicode letters stay
		{"Mon espace santé", "mon-espace-santé"},
		{"微信", "微信"},
		{"Web 2.0", "web-2-0"},
		{"١٢٣ App", "١٢٣-app"}, // Arabic-Indic digits are digits
		{"Yahoo!", "yahoo-"},   // literal: no trimming
		{"  Padded  ", "-padded-"},
		{"X", "x"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Slug(tt.name); got != tt.want {
			t.Errorf("Slug(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestKeyFoldsCaseSpacesAndPunctuation(t *testing.T) {
	for _, s := range []string{"TikTok", "tik tok", "Tik-Tok!", " TIKTOK "} {
		if got := key(s); got != "tiktok" {
			t.Errorf("key(%q) = %q, want tiktok", s, got)
		}
	}
}
