package diff

import (
	"slices"
	"sort"
	"strings"
)

// Similarity thresholds (Dice coefficient over the blocks' words).
const (
	// modifiedScore: a block whose words mostly survive is the same block,
	// modified. Also accepted: a block that grew or shrank a lot but kept
	// almost all of its shorter side (modifiedContainment, modifiedFloor).
	modifiedScore       = 0.5
	modifiedContainment = 0.8
	modifiedFloor       = 0.3
	// crossKindScore: a heading that became a paragraph (or the reverse)
	// is the same block only when its words barely changed.
	crossKindScore = 0.8
	// movedScore: a block that left its place and changed on the way must
	// be closer to its old self than one modified in place, because the
	// whole document is searched for it.
	movedScore = 0.6
)

// block is a Block with what the alignment needs.
type block struct {
	Block
	id    int32 // text id: equal ids, equal texts
	words []string
	ids   []int32 // sorted word ids
	title string  // words joined: a table-of-contents entry matches a heading's title
	// prepared says words, ids and title are set (see prep).
	prepared bool
}

// Compare diffs two normalized Markdown texts of one document.
func Compare(old, new string) Result {
	ob, nb := Blocks(old), Blocks(new)
	c := newComparison(ob, nb)
	c.align()
	res := c.result()
	if res.Kind == KindNone && old != new {
		// Only blank lines, trailing spaces or list indentation differ:
		// nothing a reader sees, but the texts are not identical.
		res.Kind = KindCosmetic
	}
	return res
}

type comparison struct {
	blocks []block // old blocks, then new blocks
	nOld   int
	// match[k] is the index of the block paired with block k, or -1.
	match []int
	// how says how a pair was made (for blocks of the new text).
	how []matchKind
	// inPlace lists the exact pairs that keep their order.
	inPlace []pair
	wordIDs map[string]int32
}

// prep computes the words of block k, on demand: most blocks of a real
// change are matched exactly and never need them.
func (c *comparison) prep(k int) *block {
	b := &c.blocks[k]
	if b.prepared {
		return b
	}
	b.prepared = true
	b.words = words(b.Text)
	b.ids = make([]int32, len(b.words))
	for x, w := range b.words {
		wid, ok := c.wordIDs[w]
		if !ok {
			wid = int32(len(c.wordIDs))
			c.wordIDs[w] = wid
		}
		b.ids[x] = wid
	}
	slices.Sort(b.ids)
	// A title leaves out its section number: contents entries and headings
	// do not always both carry it.
	tw := b.words
	if len(tw) > 1 && len(tw[0]) <= 3 && strings.Trim(tw[0], "0123456789") == "" {
		tw = tw[1:]
	}
	b.title = strings.Join(tw, " ")
	return b
}

type matchKind uint8

const (
	matchNone matchKind = iota
	matchExact
	matchModified
	matchMoved
)

func newComparison(ob, nb []Block) *comparison {
	c := &comparison{nOld: len(ob)}
	texts := make(map[string]int32, len(ob)+len(nb))
	c.wordIDs = make(map[string]int32)
	add := func(b Block) {
		id, ok := texts[b.Text]
		if !ok {
			id = int32(len(texts))
			texts[b.Text] = id
		}
		c.blocks = append(c.blocks, block{Block: b, id: id})
	}
	for _, b := range ob {
		add(b)
	}
	for _, b := range nb {
		add(b)
	}
	c.match = make([]int, len(c.blocks))
	for k := range c.match {
		c.match[k] = -1
	}
	c.how = make([]matchKind, len(c.blocks))
	return c
}

func (c *comparison) oldBlock(i int) *block { return c.prep(i) }
func (c *comparison) newBlock(j int) *block { return c.prep(c.nOld + j) }
func (c *comparison) nNew() int             { return len(c.blocks) - c.nOld }

func (c *comparison) link(i, j int, how matchKind) {
	c.match[i] = c.nOld + j
	c.match[c.nOld+j] = i
	c.how[c.nOld+j] = how
}

func (c *comparison) oldFree(i int) bool { return c.match[i] < 0 }
func (c *comparison) newFree(j int) bool { return c.match[c.nOld+j] < 0 }

// align pairs the blocks of both texts: identical blocks in order, then
// identical blocks out of order (moved), then similar blocks between the
// same in-order neighbours (modified), then similar blocks anywhere (moved
// and modified).
func (c *comparison) align() {
	a := make([]int32, c.nOld)
	for i := range a {
		a[i] = c.blocks[i].id
	}
	b := make([]int32, c.nNew())
	for j := range b {
		b[j] = c.blocks[c.nOld+j].id
	}
	c.inPlace = alignExact(a, b)
	for _, p := range c.inPlace {
		c.link(p.i, p.j, matchExact)
	}

	// Identical text elsewhere: moved. Pair occurrences in order.
	free := make(map[int32][]int)
	for i := 0; i < c.nOld; i++ {
		if c.oldFree(i) {
			free[a[i]] = append(free[a[i]], i)
		}
	}
	for j := 0; j < c.nNew(); j++ {
		if q := free[b[j]]; c.newFree(j) && len(q) > 0 {
			c.link(q[0], j, matchMoved)
			free[b[j]] = q[1:]
		}
	}

	// Similar blocks in the gaps between in-place pairs: modified.
	pa, pb := 0, 0
	for _, p := range append(c.inPlace, pair{c.nOld, c.nNew()}) {
		c.matchGap(pa, p.i, pb, p.j)
		pa, pb = p.i+1, p.j+1
	}

	// Similar blocks anywhere: moved and modified.
	var olds []int
	for i := 0; i < c.nOld; i++ {
		if c.oldFree(i) && len(c.oldBlock(i).ids) > 0 {
			olds = append(olds, i)
		}
	}
	if len(olds) == 0 {
		return
	}
	x := newSimIndex(c.blocks, olds)
	var edges []edge
	for j := 0; j < c.nNew(); j++ {
		nbk := c.newBlock(j)
		if !c.newFree(j) || len(nbk.ids) == 0 {
			continue
		}
		for _, i := range x.candidates(nbk.ids) {
			if s := similar(c.oldBlock(i), nbk); s >= movedScore {
				edges = append(edges, edge{i, j, s})
			}
		}
	}
	sort.Slice(edges, func(x, y int) bool {
		if edges[x].score != edges[y].score {
			return edges[x].score > edges[y].score
		}
		if edges[x].j != edges[y].j {
			return edges[x].j < edges[y].j
		}
		return edges[x].i < edges[y].i
	})
	for _, e := range edges {
		if c.oldFree(e.i) && c.newFree(e.j) {
			c.link(e.i, e.j, matchMoved)
		}
	}
}

// smallGap is the size (old × new blocks) under which a gap's pairs are all
// scored; larger gaps go through the word index.
const smallGap = 4096

func (c *comparison) matchGap(a0, a1, b0, b1 int) {
	var olds, news []int
	for i := a0; i < a1; i++ {
		if c.oldFree(i) && len(c.oldBlock(i).ids) > 0 {
			olds = append(olds, i)
		}
	}
	for j := b0; j < b1; j++ {
		if c.newFree(j) && len(c.newBlock(j).ids) > 0 {
			news = append(news, j)
		}
	}
	if len(olds) == 0 || len(news) == 0 {
		return
	}
	var edges []edge
	if len(olds)*len(news) <= smallGap {
		for _, j := range news {
			for _, i := range olds {
				if s := similar(c.oldBlock(i), c.newBlock(j)); s > 0 {
					edges = append(edges, edge{i, j, s})
				}
			}
		}
	} else {
		x := newSimIndex(c.blocks, olds)
		for _, j := range news {
			for _, i := range x.candidates(c.newBlock(j).ids) {
				if s := similar(c.oldBlock(i), c.newBlock(j)); s > 0 {
					edges = append(edges, edge{i, j, s})
				}
			}
		}
	}
	for _, e := range bestChain(edges) {
		c.link(e.i, e.j, matchModified)
	}
}

// similar scores two blocks for being one block modified, 0 when they are not.
func similar(o, n *block) float64 {
	s, contained := dice(o.ids, n.ids)
	if o.Kind != n.Kind && (o.Kind == BlockHeading || n.Kind == BlockHeading) {
		if s >= crossKindScore {
			return s
		}
		return 0
	}
	if s >= modifiedScore || (min(len(o.ids), len(n.ids)) >= 5 && contained >= modifiedContainment && s >= modifiedFloor) {
		return s
	}
	return 0
}

// result turns the alignment into edits in the order of the new text, each
// removed block placed where it stood relative to the blocks kept in place.
func (c *comparison) result() Result {
	res := Result{Stats: Stats{OldBlocks: c.nOld, NewBlocks: c.nNew()}}
	var (
		headings      map[string]bool
		headingCounts map[string]int
	)
	for k := range c.blocks {
		if c.match[k] < 0 {
			headings, headingCounts = c.headingTitles()
			break
		}
	}

	type keyed struct {
		pos, sub, k int
		e           Edit
	}
	var edits []keyed

	// next[i]: new position of the first block at or after old i that kept
	// its place (exactly or modified).
	next := make([]int, c.nOld+1)
	next[c.nOld] = c.nNew()
	for i := c.nOld - 1; i >= 0; i-- {
		next[i] = next[i+1]
		if m := c.match[i]; m >= 0 && c.how[m] != matchMoved {
			next[i] = m - c.nOld
		}
	}

	for i := 0; i < c.nOld; i++ {
		if !c.oldFree(i) {
			continue
		}
		o := c.oldBlock(i)
		e := Edit{Op: OpRemoved, Section: o.Section, Before: o.Text, OldIndex: i, NewIndex: -1}
		e.Substantive, e.Reason = classifyLone(o, c.headingsFor(i, headings, headingCounts))
		res.Stats.Removed++
		res.Stats.WordsDeleted += countWords(o.Text)
		edits = append(edits, keyed{next[i], 0, i, e})
	}
	for j := 0; j < c.nNew(); j++ {
		n := &c.blocks[c.nOld+j]
		m := c.match[c.nOld+j]
		var e Edit
		switch {
		case m < 0:
			n = c.prep(c.nOld + j)
			e = Edit{Op: OpAdded, Section: n.Section, After: n.Text, OldIndex: -1, NewIndex: j}
			e.Substantive, e.Reason = classifyLone(n, c.headingsFor(c.nOld+j, headings, headingCounts))
			res.Stats.Added++
			res.Stats.WordsInserted += countWords(n.Text)
		case c.how[c.nOld+j] == matchExact:
			continue
		default:
			o := &c.blocks[m]
			e = Edit{Op: OpModified, Section: n.Section, Before: o.Text, After: n.Text, OldIndex: m, NewIndex: j}
			if c.how[c.nOld+j] == matchMoved {
				e.Op = OpMoved
				e.FromSection = o.Section
				res.Stats.Moved++
			} else {
				res.Stats.Modified++
			}
			if o.Text == n.Text {
				e.Reason = ReasonMoved
			} else {
				e.Words = wordDiff(o.Text, n.Text)
				e.Substantive, e.Reason = classifyModified(o.Text, n.Text)
				for _, w := range e.Words {
					switch w.Op {
					case WordInsert:
						res.Stats.WordsInserted += countWords(w.Text)
					case WordDelete:
						res.Stats.WordsDeleted += countWords(w.Text)
					}
				}
			}
		}
		edits = append(edits, keyed{j, 1, j, e})
	}
	sort.Slice(edits, func(x, y int) bool {
		a, b := edits[x], edits[y]
		if a.pos != b.pos {
			return a.pos < b.pos
		}
		if a.sub != b.sub {
			return a.sub < b.sub
		}
		return a.k < b.k
	})
	res.Edits = make([]Edit, len(edits))
	res.Kind = KindNone
	for k, e := range edits {
		res.Edits[k] = e.e
		switch {
		case e.e.Substantive:
			res.Kind = KindSubstantive
		case res.Kind == KindNone:
			res.Kind = KindCosmetic
		}
	}
	return res
}

// headingTitles collects the titles of both texts' sections, including
// short all-bold paragraphs that serve as headings in many policies, with
// how many blocks carry each.
func (c *comparison) headingTitles() (map[string]bool, map[string]int) {
	m := make(map[string]bool)
	n := make(map[string]int)
	for k := range c.blocks {
		if b := &c.blocks[k]; b.Kind == BlockHeading || boldParagraph(b) {
			if t := c.prep(k).title; t != "" {
				m[t] = true
				n[t]++
			}
		}
	}
	return m, n
}

func boldParagraph(b *block) bool {
	return b.Kind == BlockParagraph && len(b.Text) < 200 && strings.HasPrefix(b.Text, "**") && strings.HasSuffix(b.Text, "**")
}

// headingsFor is the section titles a lone block k is checked against. A
// bold paragraph counts among the titles only through itself, so it is no
// contents entry of itself: a commitment set in bold that comes or goes
// ("**We never sell your personal information.**") is news.
func (c *comparison) headingsFor(k int, headings map[string]bool, counts map[string]int) map[string]bool {
	if b := c.prep(k); boldParagraph(b) && counts[b.title] <= 1 {
		return nil
	}
	return headings
}
