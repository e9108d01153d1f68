package diff

import (
	"sort"
)

// pair links old block i to new block j.
type pair struct{ i, j int }

// maxLCSCells bounds the quadratic fallback of the exact alignment (a gap
// with no block unique to both sides). Past it, the gap stays unaligned and
// its blocks go through similarity matching, which has its own bounds.
const maxLCSCells = 1 << 22

// alignExact finds a longest run of identical blocks in the same order in
// both texts (patience diff: blocks unique to both sides anchor the
// alignment, the gaps between anchors are aligned recursively). a and b hold
// block text ids.
func alignExact(a, b []int32) []pair {
	var out []pair
	alignRange(a, b, 0, len(a), 0, len(b), &out)
	return out
}

func alignRange(a, b []int32, a0, a1, b0, b1 int, out *[]pair) {
	// Common prefix and suffix.
	for a0 < a1 && b0 < b1 && a[a0] == b[b0] {
		*out = append(*out, pair{a0, b0})
		a0++
		b0++
	}
	var tail []pair
	for a0 < a1 && b0 < b1 && a[a1-1] == b[b1-1] {
		a1--
		b1--
		tail = append(tail, pair{a1, b1})
	}
	defer func() {
		for k := len(tail) - 1; k >= 0; k-- {
			*out = append(*out, tail[k])
		}
	}()
	if a0 == a1 || b0 == b1 {
		return
	}

	anchors := uniqueAnchors(a, b, a0, a1, b0, b1)
	if len(anchors) == 0 {
		lcsDP(a, b, a0, a1, b0, b1, out)
		return
	}
	pa, pb := a0, b0
	for _, p := range anchors {
		alignRange(a, b, pa, p.i, pb, p.j, out)
		*out = append(*out, p)
		pa, pb = p.i+1, p.j+1
	}
	alignRange(a, b, pa, a1, pb, b1, out)
}

// uniqueAnchors returns the longest increasing chain of blocks that occur
// exactly once in each range.
func uniqueAnchors(a, b []int32, a0, a1, b0, b1 int) []pair {
	type seen struct{ na, nb, i, j int }
	counts := make(map[int32]*seen, a1-a0)
	for i := a0; i < a1; i++ {
		s := counts[a[i]]
		if s == nil {
			s = &seen{}
			counts[a[i]] = s
		}
		s.na++
		s.i = i
	}
	for j := b0; j < b1; j++ {
		if s := counts[b[j]]; s != nil {
			s.nb++
			s.j = j
		}
	}
	var cands []pair
	for i := a0; i < a1; i++ {
		if s := counts[a[i]]; s.na == 1 && s.nb == 1 {
			cands = append(cands, pair{s.i, s.j})
		}
	}
	return longestIncreasing(cands)
}

// longestIncreasing returns the longest subsequence of ps (sorted by i) with
// increasing j.
func longestIncreasing(ps []pair) []pair {
	if len(ps) == 0 {
		return nil
	}
	tails := []int{} // tails[k] = index in ps of the smallest tail of a chain of length k+1
	prev := make([]int, len(ps))
	for k, p := range ps {
		n := sort.Search(len(tails), func(x int) bool { return ps[tails[x]].j >= p.j })
		if n > 0 {
			prev[k] = tails[n-1]
		} else {
			prev[k] = -1
		}
		if n == len(tails) {
			tails = append(tails, k)
		} else {
			tails[n] = k
		}
	}
	out := make([]pair, len(tails))
	for k, x := len(tails)-1, tails[len(tails)-1]; k >= 0; k, x = k-1, prev[x] {
		out[k] = ps[x]
	}
	return out
}

// lcsDP aligns a range with no unique anchors by dynamic programming over
// the blocks that occur on both sides.
func lcsDP(a, b []int32, a0, a1, b0, b1 int, out *[]pair) {
	inB := make(map[int32]bool, b1-b0)
	for j := b0; j < b1; j++ {
		inB[b[j]] = true
	}
	var ia []int
	inA := make(map[int32]bool, a1-a0)
	for i := a0; i < a1; i++ {
		if inB[a[i]] {
			ia = append(ia, i)
			inA[a[i]] = true
		}
	}
	var jb []int
	for j := b0; j < b1; j++ {
		if inA[b[j]] {
			jb = append(jb, j)
		}
	}
	n, m := len(ia), len(jb)
	if n == 0 || m == 0 || n*m > maxLCSCells {
		return
	}
	// t[x][y] = LCS length of ia[x:], jb[y:].
	w := m + 1
	t := make([]int32, (n+1)*w)
	for x := n - 1; x >= 0; x-- {
		for y := m - 1; y >= 0; y-- {
			switch {
			case a[ia[x]] == b[jb[y]]:
				t[x*w+y] = t[(x+1)*w+y+1] + 1
			case t[(x+1)*w+y] >= t[x*w+y+1]:
				t[x*w+y] = t[(x+1)*w+y]
			default:
				t[x*w+y] = t[x*w+y+1]
			}
		}
	}
	for x, y := 0, 0; x < n && y < m; {
		switch {
		case a[ia[x]] == b[jb[y]]:
			*out = append(*out, pair{ia[x], jb[y]})
			x++
			y++
		case t[(x+1)*w+y] >= t[x*w+y+1]:
			x++
		default:
			y++
		}
	}
}

// edge is a candidate pairing of old block i with new block j.
type edge struct {
	i, j  int
	score float64
}

// bestChain picks the pairings with the largest total score whose old and
// new positions both increase: blocks modified in place keep their order.
func bestChain(edges []edge) []edge {
	if len(edges) == 0 {
		return nil
	}
	sort.Slice(edges, func(x, y int) bool {
		if edges[x].j != edges[y].j {
			return edges[x].j < edges[y].j
		}
		return edges[x].i > edges[y].i
	})
	// Compress old positions for the Fenwick tree of prefix maxima.
	is := make([]int, 0, len(edges))
	for _, e := range edges {
		is = append(is, e.i)
	}
	sort.Ints(is)
	rank := make(map[int]int, len(is))
	for _, i := range is {
		if _, ok := rank[i]; !ok {
			rank[i] = len(rank) + 1
		}
	}
	type node struct {
		total float64
		edge  int
	}
	tree := make([]node, len(rank)+1)
	for k := range tree {
		tree[k].edge = -1
	}
	query := func(r int) node { // best chain ending at an old rank < r
		best := node{edge: -1}
		for r--; r > 0; r -= r & -r {
			if tree[r].total > best.total {
				best = tree[r]
			}
		}
		return best
	}
	update := func(r int, n node) {
		for ; r < len(tree); r += r & -r {
			if n.total > tree[r].total {
				tree[r] = n
			}
		}
	}
	prev := make([]int, len(edges))
	best := node{edge: -1}
	for k, e := range edges {
		p := query(rank[e.i])
		prev[k] = p.edge
		n := node{total: p.total + e.score, edge: k}
		update(rank[e.i], n)
		if n.total > best.total {
			best = n
		}
	}
	var chain []edge
	for k := best.edge; k >= 0; k = prev[k] {
		chain = append(chain, edges[k])
	}
	for l, r := 0, len(chain)-1; l < r; l, r = l+1, r-1 {
		chain[l], chain[r] = chain[r], chain[l]
	}
	return chain
}

// simIndex finds, for a new block, the old blocks that share its rarest
// words, so that similarity is computed for a few candidates rather than
// for every pair: unrelated or repetitive texts stay fast.
type simIndex struct {
	postings map[int32][]int
	counts   []int32 // by block index, reset after each query
	touched  []int
}

const (
	probeWords    = 8
	maxCandidates = 16
	// maxPostings skips words found in more old blocks than this ("the",
	// "data"): they say nothing about which block is which, and probing
	// them would cost a pass over most of the text per block.
	maxPostings = 64
)

func newSimIndex(blocks []block, olds []int) *simIndex {
	x := &simIndex{postings: make(map[int32][]int), counts: make([]int32, len(blocks))}
	for _, i := range olds {
		ids := blocks[i].ids
		for k, id := range ids {
			if k > 0 && ids[k-1] == id {
				continue
			}
			x.postings[id] = append(x.postings[id], i)
		}
	}
	return x
}

// candidates returns old blocks sharing words with ids, the most shared first.
func (x *simIndex) candidates(ids []int32) []int {
	type probe struct {
		id int32
		df int
	}
	var probes []probe
	for k, id := range ids {
		if k > 0 && ids[k-1] == id {
			continue
		}
		if df := len(x.postings[id]); df > 0 {
			probes = append(probes, probe{id, df})
		}
	}
	sort.Slice(probes, func(a, b int) bool {
		if probes[a].df != probes[b].df {
			return probes[a].df < probes[b].df
		}
		return probes[a].id < probes[b].id
	})
	for k, p := range probes {
		// Keep the rarest word even when it is common: a short block of
		// common words still finds its candidates.
		if k == probeWords || (k > 0 && p.df > maxPostings) {
			probes = probes[:k]
			break
		}
	}
	for _, p := range probes {
		for _, i := range x.postings[p.id] {
			if x.counts[i] == 0 {
				x.touched = append(x.touched, i)
			}
			x.counts[i]++
		}
	}
	out := append([]int(nil), x.touched...)
	sort.Slice(out, func(a, b int) bool {
		ca, cb := x.counts[out[a]], x.counts[out[b]]
		if ca != cb {
			return ca > cb
		}
		return out[a] < out[b]
	})
	for _, i := range x.touched {
		x.counts[i] = 0
	}
	x.touched = x.touched[:0]
	if len(out) > maxCandidates {
		out = out[:maxCandidates]
	}
	return out
}

// dice is the Dice coefficient of two sorted multisets of word ids, and the
// share of the smaller one found in the other.
func dice(a, b []int32) (score, containment float64) {
	if len(a) == 0 || len(b) == 0 {
		return 0, 0
	}
	common := 0
	for x, y := 0, 0; x < len(a) && y < len(b); {
		switch {
		case a[x] == b[y]:
			common++
			x++
			y++
		case a[x] < b[y]:
			x++
		default:
			y++
		}
	}
	return 2 * float64(common) / float64(len(a)+len(b)), float64(common) / float64(min(len(a), len(b)))
}
