package analysis

import (
	"github.com/policybot/policybot/monitor/diff"
)

// blockDiff is a small stand-in for diff.Compare (being written in
// monitor/diff at the same time): blocks are matched by their words
// (ignoring case, punctuation, numbers and month names, so date-only and
// markup edits are cosmetic), unmatched blocks with the same words elsewhere
// are moves, and unmatched blocks with mostly the same words are
// modifications. The golden tests switch to diff.Compare when it lands.
func blockDiff(old, new string) diff.Result {
	ob, nb := Segment(old), Segment(new)
	ok := make([]string, len(ob))
	nk := make([]string, len(nb))
	for i, p := range ob {
		ok[i] = normSentence(p.Text)
	}
	for i, p := range nb {
		nk[i] = normSentence(p.Text)
	}
	n, m := len(ob), len(nb)
	dp := make([][]int, n+1)
	for i := range dp {
		dp[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if ok[i] == nk[j] {
				dp[i][j] = dp[i+1][j+1] + 1
			} else {
				dp[i][j] = max(dp[i+1][j], dp[i][j+1])
			}
		}
	}
	res := diff.Result{Stats: diff.Stats{OldBlocks: n, NewBlocks: m}}
	var delOld, addNew []int
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && ok[i] == nk[j]:
			if ob[i].Text != nb[j].Text {
				res.Edits = append(res.Edits, diff.Edit{Op: diff.OpModified, Section: nb[j].Heading, Before: ob[i].Text,
					After: nb[j].Text, Reason: "cosmetic", OldIndex: i, NewIndex: j})
			}
			i++
			j++
		case i < n && (j == m || dp[i+1][j] >= dp[i][j+1]):
			delOld = append(delOld, i)
			i++
		default:
			addNew = append(addNew, j)
			j++
		}
	}
	usedOld := map[int]bool{}
	for _, nj := range addNew {
		if nk[nj] == "" {
			continue // a stray mark such as "…": no words, nothing to say
		}
		kind, best, bestSim := "", -1, 0.5
		for _, oi := range delOld {
			if usedOld[oi] {
				continue
			}
			if ok[oi] == nk[nj] {
				kind, best = "moved", oi
				break
			}
			if s := jaccard(ob[oi].Text, nb[nj].Text); s > bestSim {
				kind, best, bestSim = "modified", oi, s
			}
		}
		switch kind {
		case "moved":
			usedOld[best] = true
			res.Edits = append(res.Edits, diff.Edit{Op: diff.OpMoved, Section: nb[nj].Heading, FromSection: ob[best].Heading,
				Before: ob[best].Text, After: nb[nj].Text, Reason: "moved", OldIndex: best, NewIndex: nj})
			res.Stats.Moved++
		case "modified":
			usedOld[best] = true
			res.Edits = append(res.Edits, diff.Edit{Op: diff.OpModified, Section: nb[nj].Heading, Before: ob[best].Text,
				After: nb[nj].Text, Substantive: true, OldIndex: best, NewIndex: nj})
			res.Stats.Modified++
		default:
			res.Edits = append(res.Edits, diff.Edit{Op: diff.OpAdded, Section: nb[nj].Heading, After: nb[nj].Text,
				Substantive: true, OldIndex: -1, NewIndex: nj})
			res.Stats.Added++
		}
	}
	for _, oi := range delOld {
		if !usedOld[oi] && ok[oi] != "" {
			res.Edits = append(res.Edits, diff.Edit{Op: diff.OpRemoved, Section: ob[oi].Heading, Before: ob[oi].Text,
				Substantive: true, OldIndex: oi, NewIndex: -1})
			res.Stats.Removed++
		}
	}
	res.Kind = diff.KindNone
	for _, e := range res.Edits {
		if e.Substantive {
			res.Kind = diff.KindSubstantive
			break
		}
		res.Kind = diff.KindCosmetic
	}
	return res
}
