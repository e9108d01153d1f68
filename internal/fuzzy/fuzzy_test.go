package fuzzy

import "testing"

func TestDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"coursera", "coursera", 0},
		{"corsera", "coursera", 1},
		{"netlfix", "netflix", 1}, // a transposition is one typo
		{"tarck", "track", 1},
		{"spotfy", "spotify", 1},
		{"zoom", "", 4},
		{"", "zoom", 4},
		{"kitten", "sitting", 3},
		{"größe", "grösse", 2},
	}
	for _, tc := range tests {
		if got := Distance(tc.a, tc.b); got != tc.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
		if got := Distance(tc.b, tc.a); got != tc.want {
			t.Errorf("Distance(%q, %q) = %d, want %d (symmetry)", tc.b, tc.a, got, tc.want)
		}
	}
}

func TestSimilarityFloor(t *testing.T) {
	var s Scratch
	if got := s.Similarity([]rune("netflix"), []rune("netlfix"), 0.8); got < 0.85 || got > 0.86 {
		t.Errorf("similarity = %v, want 1-1/7", got)
	}
	// Below the floor the answer is 0, decided without the full table.
	if got := s.Similarity([]rune("zoom"), []rune("coursera"), 0.8); got != 0 {
		t.Errorf("similarity under the floor = %v, want 0", got)
	}
	if got := Similarity("", ""); got != 1 {
		t.Errorf("empty strings similarity = %v", got)
	}
}
