// Package fuzzy measures how far a typed name is from a known one, for the
// "did you mean" answers: platforms, provision categories and commands.
package fuzzy

// Distance counts the insertions, deletions, substitutions and adjacent
// transpositions that turn a into b (optimal string alignment). A swapped
// pair of letters ("netlfix") is one typo, not two.
func Distance(a, b string) int {
	var s Scratch
	ra, rb := []rune(a), []rune(b)
	return s.Distance(ra, rb, max(len(ra), len(rb)))
}

// Similarity is 1 - Distance/length of the longer, from 0 to 1.
func Similarity(a, b string) float64 {
	var s Scratch
	return s.Similarity([]rune(a), []rune(b), 0)
}

// Scratch holds the rows of the distance table between calls, so that
// ranking a whole catalog allocates them once. The zero value is ready; it is
// not safe for concurrent use.
type Scratch struct{ rows [3][]int }

// Similarity is 1 - distance/longer length. It returns 0 early when the
// lengths alone rule out reaching floor.
func (s *Scratch) Similarity(a, b []rune, floor float64) float64 {
	longer := max(len(a), len(b))
	if longer == 0 {
		return 1
	}
	gap := len(a) - len(b)
	if gap < 0 {
		gap = -gap
	}
	// The most edits that can still reach floor; every edit costs at least
	// the length gap.
	limit := int((1 - floor) * float64(longer))
	if gap > limit {
		return 0
	}
	d := s.Distance(a, b, limit)
	if d > limit {
		return 0
	}
	return 1 - float64(d)/float64(longer)
}

// Distance is the optimal string alignment distance between a and b. Once
// every cell of a row exceeds limit the answer can only be larger, and it
// returns limit+1.
func (s *Scratch) Distance(a, b []rune, limit int) int {
	n := len(b) + 1
	for k := range s.rows {
		if cap(s.rows[k]) < n {
			s.rows[k] = make([]int, n)
		}
		s.rows[k] = s.rows[k][:n]
	}
	// Three rolling rows: two back for transpositions.
	prev2, prev, cur := s.rows[0], s.rows[1], s.rows[2]
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d = min(d, prev2[j-2]+1)
			}
			cur[j] = d
			rowMin = min(rowMin, d)
		}
		// A transposition reaches back two rows, so both must be past the limit.
		if rowMin > limit && i > 1 && minOf(prev) > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

func minOf(row []int) int {
	m := row[0]
	for _, v := range row[1:] {
		m = min(m, v)
	}
	return m
}
