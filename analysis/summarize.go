package analysis

import (
	"math"
	"slices"
	"sort"
	"strings"
	"unicode"

	"github.com/policybot/policybot/analysis/internal/textfeat"
	"github.com/policybot/policybot/monitor/diff"
)

// Summarize says what a change means, with the default classifier. See
// (*Classifier).Summarize.
func Summarize(platform, document string, d diff.Result) ChangeSummary {
	return Default().Summarize(platform, document, d)
}

// Summarize reads the substantive edits of a diff sentence by sentence and
// reports each provision that moved: the sentences that changed, which
// category they carry, whether the new words widen or narrow it, and the
// regulations it touches. Cosmetic edits, and blocks that only moved, are
// ignored (a block that moved and changed is read like a modified one); a diff with
// no substantive edit gives an empty summary of severity info and no
// headline. Severity follows the rules in severity.go.
func (c *Classifier) Summarize(platform, document string, d diff.Result) ChangeSummary {
	s := ChangeSummary{Platform: platform, Document: document, Severity: SeverityInfo, Categories: []string{}, Items: []Item{}}
	var edits []diff.Edit
	for _, e := range d.Edits {
		// A moved edit is substantive only when its words changed too.
		if e.Substantive {
			edits = append(edits, e)
		}
	}
	if len(edits) == 0 {
		return s
	}
	// Gather the changed sentences of every edit, old side and new side, and
	// pair them across the whole diff: policies are often restructured, so a
	// sentence removed from one block and rewritten in another is a
	// modification, not a removal plus an introduction.
	var olds, news []changedSentence
	for ei, e := range edits {
		switch e.Op {
		case diff.OpAdded:
			news = append(news, withNorms(sentencesOf(e.After, e.Section, ei))...)
		case diff.OpRemoved:
			olds = append(olds, withNorms(sentencesOf(e.Before, e.Section, ei))...)
		case diff.OpModified, diff.OpMoved:
			b, a := sentencesOf(e.Before, e.Section, ei), sentencesOf(e.After, e.Section, ei)
			// Most sentences of a modified block are untouched: drop the
			// identical ones before comparing words.
			bt, at := map[string]bool{}, map[string]bool{}
			for _, x := range b {
				bt[x.text] = true
			}
			for _, x := range a {
				at[x.text] = true
			}
			b, a = without(b, at), without(a, bt)
			for _, xs := range [][]changedSentence{b, a} {
				for i := range xs {
					xs[i].norm = normWords(xs[i].text)
				}
			}
			bn, an := map[string]int{}, map[string]int{}
			for _, x := range b {
				bn[x.norm]++
			}
			for _, x := range a {
				an[x.norm]++
			}
			for _, x := range b {
				if an[x.norm] == 0 {
					olds = append(olds, x)
				}
			}
			for _, x := range a {
				if bn[x.norm] == 0 {
					news = append(news, x)
				}
			}
		}
	}
	// Only the changed sentences are compared word by word.
	vocab := map[string]int32{}
	for _, xs := range [][]changedSentence{olds, news} {
		for i := range xs {
			xs[i].stems = stemIDs(xs[i].text, vocab)
		}
	}
	// Sentences found on both sides only moved.
	oldNorm, newNorm := map[string]bool{}, map[string]bool{}
	for _, x := range olds {
		oldNorm[x.norm] = true
	}
	for _, x := range news {
		newNorm[x.norm] = true
	}
	var items []Item
	used := make([]bool, len(olds))
	for _, a := range news {
		if a.norm == "" || oldNorm[a.norm] {
			continue
		}
		best, bestSim := -1, 0.0
		for i, b := range olds {
			if used[i] || b.norm == "" || newNorm[b.norm] {
				continue
			}
			sim := jaccardIDs(a.stems, b.stems)
			if b.edit == a.edit {
				sim += 0.15 // same block: likelier the same sentence
			}
			if sim > bestSim {
				best, bestSim = i, sim
			}
		}
		if best >= 0 && bestSim >= 0.5 {
			used[best] = true
			items = append(items, c.pair(a.section, olds[best].text, a.text)...)
			continue
		}
		items = append(items, c.sentenceItems(a.text, a.section, DirectionIntroduced)...)
	}
	for i, b := range olds {
		if used[i] || b.norm == "" || newNorm[b.norm] {
			continue
		}
		items = append(items, c.sentenceItems(b.text, b.section, DirectionRemoved)...)
	}
	items = mergeItems(items)
	sort.SliceStable(items, func(i, j int) bool {
		a, b := items[i], items[j]
		if a.Severity.Rank() != b.Severity.Rank() {
			return a.Severity.Rank() > b.Severity.Rank()
		}
		if ia, ib := importance(a.Category), importance(b.Category); ia != ib {
			return ia > ib
		}
		return directionRank(a.Direction) < directionRank(b.Direction)
	})
	s.Items = items
	seen := map[string]bool{}
	for _, it := range items {
		if !seen[it.Category] {
			seen[it.Category] = true
			s.Categories = append(s.Categories, it.Category)
		}
		if it.Severity.Rank() > s.Severity.Rank() {
			s.Severity = it.Severity
		}
	}
	if len(items) > 0 {
		_, s.SeverityReason = itemSeverity(items[0].Category, items[0].Direction)
	}
	s.Headline = headline(platform, document, items)
	return s
}

// changedSentence is one sentence of an edited block, as the classifier
// reads it.
type changedSentence struct {
	text, section, norm string
	stems               []int32 // distinct word stems, as sorted ids
	edit                int
}

// sentencesOf splits a block into sentences, without their comparison keys.
func sentencesOf(block, section string, edit int) []changedSentence {
	var out []changedSentence
	block = lineBreaks.Replace(block)
	for _, sp := range Sentences(block) {
		out = append(out, changedSentence{text: cleanInline(block[sp.Start:sp.End]), section: section, edit: edit})
	}
	return out
}

func withNorms(xs []changedSentence) []changedSentence {
	for i := range xs {
		xs[i].norm = normWords(xs[i].text)
	}
	return xs
}

// without drops the sentences whose text is in drop.
func without(xs []changedSentence, drop map[string]bool) []changedSentence {
	out := xs[:0]
	for _, x := range xs {
		if !drop[x.text] {
			out = append(out, x)
		}
	}
	return out
}

// stemIDs returns the distinct stems of text as sorted ids in vocab.
func stemIDs(text string, vocab map[string]int32) []int32 {
	toks := textfeat.Tokens(text, nil)
	ids := make([]int32, 0, len(toks))
	for _, t := range toks {
		id, ok := vocab[t.Stem]
		if !ok {
			id = int32(len(vocab))
			vocab[t.Stem] = id
		}
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// jaccardIDs is the Jaccard similarity of two sorted id sets.
func jaccardIDs(a, b []int32) float64 {
	inter, i, j := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			inter++
			i++
			j++
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	union := len(a) + len(b) - inter
	if union == 0 {
		return 0
	}
	return float64(inter) / float64(union)
}

// sentenceItems reports every provision of a sentence that appeared or
// disappeared whole.
func (c *Classifier) sentenceItems(sent, section string, dir Direction) []Item {
	var items []Item
	for _, l := range c.provisionLabels(sent) {
		it := c.item(l.Category, dir, section, l)
		it.shift = l.Confidence
		if dir == DirectionIntroduced {
			it.After = sent
		} else {
			it.Before = sent
		}
		items = append(items, it)
	}
	return items
}

// provisionLabels are the labels worth reporting in an alert: the fallback
// category for text that commits to nothing is not a provision.
func (c *Classifier) provisionLabels(text string) []Label {
	ls, _ := c.classify(text, true, false)
	return dropFallback(ls)
}

// alertRead returns the provision labels of text and every category's
// probability.
func (c *Classifier) alertRead(text string) ([]Label, []float64) {
	ls, probs := c.classify(text, true, true)
	return dropFallback(ls), probs
}

func dropFallback(ls []Label) []Label {
	out := ls[:0]
	for _, l := range ls {
		if l.Category != "notice_contact_other" {
			out = append(out, l)
		}
	}
	return out
}

func (c *Classifier) item(cat string, dir Direction, section string, l Label) Item {
	sev, _ := itemSeverity(cat, dir)
	it := Item{Category: cat, Direction: dir, Severity: sev, Section: section, Evidence: l.Evidence,
		Confidence: l.Confidence, Regulations: RegulationRefs(cat)}
	if cc, ok := CategoryByID(cat); ok {
		it.CategoryName = cc.Name
	}
	if it.Regulations == nil {
		it.Regulations = []RegulationRef{}
	}
	return it
}

// pair reports the provisions that moved between two versions of a sentence.
func (c *Classifier) pair(section, before, after string) []Item {
	ins, del := wordChanges(before, after)
	if strings.TrimSpace(ins+del) == "" {
		return nil
	}
	lbl, pb := c.alertRead(before)
	lal, pa := c.alertRead(after)
	lb, la := labelSet(lbl), labelSet(lal)
	li, ld := labelSet(c.provisionLabels(ins)), labelSet(c.provisionLabels(del))
	negIns, negDel := hasNegation(ins), hasNegation(del)
	var items []Item
	var normBefore, normAfter string
	cats := map[string]bool{}
	for k := range la {
		cats[k] = true
	}
	for k := range lb {
		cats[k] = true
	}
	var order []string
	for k := range cats {
		order = append(order, k)
	}
	sort.Strings(order)
	for _, cat := range order {
		inA, inB := la[cat], lb[cat]
		var dir Direction
		var l Label
		// An item carries the confidence of the sentence that holds the
		// provision and, as evidence, the cue words that moved.
		switch {
		case inA.Category != "" && inB.Category == "":
			if li[cat].Category == "" {
				continue // crossed the threshold by rewording alone
			}
			dir, l = DirectionIntroduced, withEvidence(inA, li[cat].Evidence)
		case inB.Category != "" && inA.Category == "":
			if ld[cat].Category == "" {
				continue
			}
			dir, l = DirectionRemoved, withEvidence(inB, ld[cat].Evidence)
		default:
			// Both versions carry the provision: it widened if the inserted
			// words bring a cue the old sentence did not have, narrowed if
			// the deleted words took away a cue the new one lacks.
			if normBefore == "" {
				normBefore, normAfter = normWords(before), normWords(after)
			}
			gained := newCues(c.cueEvidence(ins, cat), normBefore)
			lost := newCues(c.cueEvidence(del, cat), normAfter)
			switch {
			case len(gained) > 0 && len(lost) == 0:
				dir, l = DirectionExpanded, withEvidence(inA, gained)
			case len(lost) > 0 && len(gained) == 0:
				dir, l = DirectionNarrowed, withEvidence(inB, lost)
			case negIns != negDel:
				// Only a negation moved: "we sell" -> "we do not sell".
				dir, l = DirectionExpanded, inA
			default:
				continue // reported below as one reworded item at most
			}
		}
		// "we sell" -> "we do not sell" narrows; the reverse widens.
		if negIns && !negDel && (dir == DirectionExpanded || dir == DirectionIntroduced) {
			dir = DirectionNarrowed
		} else if negDel && !negIns && (dir == DirectionNarrowed || dir == DirectionRemoved) {
			dir = DirectionExpanded
		}
		it := c.item(cat, dir, section, l)
		it.Before, it.After = before, after
		// How far the sentence moved on the category ranks items for the
		// headline: a renamed feature moves it little, new recipients of
		// data a lot.
		it.shift = math.Abs(pa[c.catIndex[cat]] - pb[c.catIndex[cat]])
		items = append(items, it)
	}
	if len(items) == 0 && len(la) > 0 && significantChange(ins, del) {
		best := Label{}
		for _, l := range la {
			if l.Confidence > best.Confidence || l.Confidence == best.Confidence && l.Category < best.Category {
				best = l
			}
		}
		it := c.item(best.Category, DirectionReworded, section, best)
		it.Before, it.After = before, after
		items = append(items, it)
	}
	return items
}

// newCues returns the evidence phrases that do not occur in other, a
// sentence already through normWords.
func newCues(evidence []string, other string) []string {
	o := " " + other
	var out []string
	for _, e := range evidence {
		if k := normSentence(e); k != "" && !strings.Contains(o, " "+k) {
			out = append(out, e)
		}
	}
	return out
}

// withEvidence is l with the given evidence when there is any.
func withEvidence(l Label, evidence []string) Label {
	if len(evidence) > 0 {
		l.Evidence = evidence
	}
	return l
}

func labelSet(ls []Label) map[string]Label {
	m := make(map[string]Label, len(ls))
	for _, l := range ls {
		m[l.Category] = l
	}
	return m
}

// wordChanges returns the runs of words inserted into and deleted from a
// sentence, each run separated by " … " so that cue phrases never span two
// runs.
func wordChanges(before, after string) (ins, del string) {
	bt := textfeat.Tokens(before, nil)
	at := textfeat.Tokens(after, nil)
	n, m := len(bt), len(at)
	// LCS table over stems; sentences are short.
	dp := make([][]int32, n+1)
	for i := range dp {
		dp[i] = make([]int32, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if bt[i].Stem == at[j].Stem {
				dp[i][j] = dp[i+1][j+1] + 1
			} else {
				dp[i][j] = max(dp[i+1][j], dp[i][j+1])
			}
		}
	}
	var insRuns, delRuns []string
	insFrom, delFrom := -1, -1
	closeIns := func(to int) {
		if insFrom >= 0 {
			insRuns = append(insRuns, after[at[insFrom].Start:at[to-1].End])
			insFrom = -1
		}
	}
	closeDel := func(to int) {
		if delFrom >= 0 {
			delRuns = append(delRuns, before[bt[delFrom].Start:bt[to-1].End])
			delFrom = -1
		}
	}
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && bt[i].Stem == at[j].Stem:
			closeIns(j)
			closeDel(i)
			i++
			j++
		case i < n && (j == m || dp[i+1][j] >= dp[i][j+1]):
			if delFrom < 0 {
				delFrom = i
			}
			i++
		default:
			if insFrom < 0 {
				insFrom = j
			}
			j++
		}
	}
	closeIns(m)
	closeDel(n)
	return strings.Join(insRuns, " … "), strings.Join(delRuns, " … ")
}

// significantChange is false for edits that only touch numbers, dates or
// single short function words.
func significantChange(ins, del string) bool {
	words := 0
	for _, t := range textfeat.Tokens(ins+" "+del, nil) {
		if len(t.Stem) > 3 && !isNumberOrMonth(t.Stem) {
			words++
		}
	}
	return words >= 2
}

func hasNegation(s string) bool {
	for _, t := range textfeat.Tokens(s, nil) {
		switch t.Stem {
		case "not", "never", "no", "don", "dont", "cannot", "without":
			return true
		}
	}
	return false
}

var months = set("january", "february", "march", "april", "may", "june", "july", "august", "september",
	"october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec")

func isNumberOrMonth(s string) bool {
	if months[s] {
		return true
	}
	for _, r := range s {
		if !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// normSentence is the comparison key of a sentence: its words, lower-cased,
// without punctuation, markup, numbers or month names.
func normSentence(s string) string { return normWords(cleanInline(s)) }

// normWords is normSentence of text already without markup.
func normWords(text string) string {
	var b strings.Builder
	for _, t := range textfeat.Tokens(text, nil) {
		if isNumberOrMonth(t.Stem) {
			continue
		}
		b.WriteString(t.Stem)
		b.WriteByte(' ')
	}
	return b.String()
}

// mergeItems keeps one item per category, direction and sentence pair.
func mergeItems(items []Item) []Item {
	seen := map[string]bool{}
	out := items[:0]
	for _, it := range items {
		k := it.Category + "\x00" + string(it.Direction) + "\x00" + it.Before + "\x00" + it.After
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, it)
	}
	return out
}

func importance(cat string) int {
	if c, ok := CategoryByID(cat); ok {
		return c.Importance
	}
	return 0
}

func directionRank(d Direction) int {
	switch d {
	case DirectionIntroduced:
		return 0
	case DirectionExpanded:
		return 1
	case DirectionRemoved:
		return 2
	case DirectionNarrowed:
		return 3
	}
	return 4
}

// headline names the platform, the document and the most important one or
// two provision movements, in words a busy reader takes in at a glance:
// "Coursera’s Privacy Policy now discloses voice transcription and sharing
// with affiliates and subsidiaries." The first movement is the top item; the
// second is the most severe and important one of another category, and of
// those the one that moved its sentence furthest.
func headline(platform, document string, items []Item) string {
	subject := possessive(displayName(platform)) + " " + displayName(document)
	var picked []Item
	for _, it := range items {
		if it.Direction == DirectionReworded {
			continue
		}
		if len(picked) == 0 {
			picked = append(picked, it)
			continue
		}
		if it.Category == picked[0].Category || it.Severity.Rank() < SeverityNotice.Rank() ||
			headlinePhrase(it) == headlinePhrase(picked[0]) {
			continue
		}
		if len(picked) == 1 {
			picked = append(picked, it)
			continue
		}
		if headlineRank(it).beats(headlineRank(picked[1])) {
			picked[1] = it
		}
	}
	if len(picked) == 0 {
		if len(items) == 0 {
			return subject + " changed wording without touching a provision we track."
		}
		return subject + " was reworded; no practice was added or taken away."
	}
	first := directionVerb(picked[0].Direction) + " " + headlinePhrase(picked[0])
	if len(picked) == 1 {
		return subject + " " + first + "."
	}
	second := headlinePhrase(picked[1])
	if directionVerb(picked[1].Direction) != directionVerb(picked[0].Direction) {
		second = directionVerb(picked[1].Direction) + " " + second
	}
	return subject + " " + first + " and " + second + "."
}

type rank struct {
	severity, importance int
	shift                float64
}

func headlineRank(it Item) rank { return rank{it.Severity.Rank(), importance(it.Category), it.shift} }

func (a rank) beats(b rank) bool {
	if a.severity != b.severity {
		return a.severity > b.severity
	}
	if a.importance != b.importance {
		return a.importance > b.importance
	}
	return a.shift > b.shift+0.05
}

func headlinePhrase(it Item) string {
	if c, ok := CategoryByID(it.Category); ok {
		return c.HeadlinePhrase(it.Evidence)
	}
	return it.Category
}

func directionVerb(d Direction) string {
	switch d {
	case DirectionIntroduced, DirectionExpanded:
		return "now discloses"
	case DirectionNarrowed:
		return "narrows"
	case DirectionRemoved:
		return "no longer mentions"
	}
	return "rewords"
}

// displayName turns "privacy-policy" into "Privacy Policy" and "coursera"
// into "Coursera"; names that already have capitals are kept.
func displayName(s string) string {
	if s == "" {
		return s
	}
	if strings.ToLower(s) != s {
		return s
	}
	words := strings.FieldsFunc(s, func(r rune) bool { return r == '-' || r == '_' || r == ' ' })
	for i, w := range words {
		words[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return strings.Join(words, " ")
}

func possessive(name string) string {
	if strings.HasSuffix(name, "s") {
		return name + "’"
	}
	return name + "’s"
}
