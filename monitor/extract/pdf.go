package extract

import (
	"bytes"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/ledongthuc/pdf"
)

// A PDF has no paragraphs, only glyphs at positions. Lines are rebuilt from
// the glyphs' baselines, in the order the page draws them; paragraphs end at
// an empty line, a gap wider than the usual line spacing, or a change of
// font size; a line in a clearly larger size than the body text is a
// heading, and a line opening with a bullet is a list item.

type pdfLine struct {
	text string
	y    float64
	size float64
	page int
}

func extractPDF(w *writer, p Page) (title string, err error) {
	defer func() {
		// The PDF library panics on some malformed files.
		if r := recover(); r != nil {
			err = fmt.Errorf("read PDF: malformed file: %v", r)
		}
	}()
	rd, err := pdf.NewReader(bytes.NewReader(p.Body), int64(len(p.Body)))
	if err != nil {
		return "", fmt.Errorf("read PDF: %w", err)
	}
	var pages [][]pdf.Text
	for i := 1; i <= rd.NumPage(); i++ {
		pg := rd.Page(i)
		if pg.V.IsNull() {
			continue
		}
		pages = append(pages, pg.Content().Text)
	}
	em := chunkAdvance(pages)
	var lines []pdfLine
	for i, glyphs := range pages {
		lines = appendPDFLines(lines, glyphs, i+1, em)
	}
	body := bodyFontSize(lines)
	var in inline
	cur := block{kind: paragraph}
	flush := func() {
		if !in.empty() {
			b := cur
			b.text = string(in.buf)
			w.add(b)
		}
		in.reset()
		cur = block{kind: paragraph}
	}
	var prev *pdfLine
	for i := range lines {
		l := &lines[i]
		t := strings.TrimSpace(l.text)
		if t == "" {
			flush()
			prev = nil
			continue
		}
		isHeading := body > 0 && l.size >= body*1.25
		bullet, rest := pdfBullet(t)
		newBlock := prev == nil || prev.page != l.page && in.empty() ||
			math.Abs(prev.size-l.size) > 1 || bullet ||
			(prev.page == l.page && prev.y-l.y > 1.9*l.size)
		if prev != nil && prev.page != l.page {
			newBlock = newBlock || math.Abs(prev.size-l.size) > 1
		}
		if newBlock {
			flush()
			switch {
			case bullet:
				cur = block{kind: item}
				t = rest
			case isHeading:
				cur = block{kind: heading, level: 2}
				if l.size >= body*1.6 {
					cur.level = 1
				}
			}
		} else if strings.HasSuffix(string(in.buf), "-") {
			// A word cut at the line end: keep its hyphen, join the halves.
			in.space = false
		}
		in.text(t)
		in.softSpace()
		prev = l
	}
	flush()
	return w.title, nil
}

// appendPDFLines groups a page's glyphs into lines by baseline. Some PDFs
// draw no space glyphs and place each word on its own; when the library
// cannot tell glyph widths either, spaces are inferred from where chunks of
// text start (see spaceAfter).
func appendPDFLines(lines []pdfLine, glyphs []pdf.Text, page int, em float64) []pdfLine {
	var b strings.Builder
	var cur pdfLine
	started := false
	chunkX, chunkW := 0.0, 0.0
	for _, g := range glyphs {
		if em > 0 && started && math.Abs(g.Y-cur.y) <= 0.5*math.Max(g.FontSize, 1) && math.Abs(g.X-chunkX) > 0.01 {
			if chunkW > 0 && g.X-chunkX-chunkW*em*g.FontSize > 0.11*g.FontSize && !strings.HasSuffix(b.String(), " ") && g.S != " " {
				b.WriteByte(' ')
			}
			chunkX, chunkW = g.X, 0
		}
		if !started || math.Abs(g.Y-cur.y) > 0.5*math.Max(g.FontSize, 1) {
			chunkX, chunkW = g.X, 0
		}
		chunkW += glyphWidth(g.S)
		if started && math.Abs(g.Y-cur.y) > 0.5*math.Max(g.FontSize, 1) {
			cur.text = b.String()
			lines = append(lines, cur)
			b.Reset()
			started = false
		}
		if !started {
			cur = pdfLine{y: g.Y, size: g.FontSize, page: page}
			started = true
		}
		if strings.TrimSpace(g.S) != "" && g.FontSize > cur.size {
			cur.size = g.FontSize
		}
		b.WriteString(g.S)
	}
	if started {
		cur.text = b.String()
		lines = append(lines, cur)
	}
	return lines
}

// bodyFontSize is the font size that covers the most text.
func bodyFontSize(lines []pdfLine) float64 {
	weight := map[float64]int{}
	for _, l := range lines {
		weight[math.Round(l.size*2)/2] += len(l.text)
	}
	sizes := make([]float64, 0, len(weight))
	for s := range weight {
		sizes = append(sizes, s)
	}
	sort.Float64s(sizes)
	best, bestW := 0.0, 0
	for _, s := range sizes {
		if weight[s] > bestW {
			best, bestW = s, weight[s]
		}
	}
	return best
}

func pdfBullet(t string) (bool, string) {
	for _, b := range []string{"•", "●", "▪", "◦", "■", "○", "➢", "✓", "\uf0b7", "\uf0a7"} {
		if strings.HasPrefix(t, b) {
			return true, strings.TrimSpace(t[len(b):])
		}
	}
	return false, t
}

// chunkAdvance returns 0 when the PDF draws its spaces, else the scale from
// glyphWidth's estimate to the font's real advance, measured between the starts of
// consecutive chunks of text on a line (a low quantile, so that the
// advances that include a word space do not count).
func chunkAdvance(pages [][]pdf.Text) float64 {
	spaces, glyphs := 0, 0
	var ratios []float64
	for _, page := range pages {
		chunkX, chunkY, chunkW, size := 0.0, 0.0, 0.0, 0.0
		for _, g := range page {
			glyphs++
			if g.S == " " {
				spaces++
			}
			sameLine := chunkW > 0 && math.Abs(g.Y-chunkY) <= 0.5*math.Max(g.FontSize, 1)
			if sameLine && math.Abs(g.X-chunkX) <= 0.01 {
				chunkW += glyphWidth(g.S)
				continue
			}
			if sameLine && g.X > chunkX && size > 0 {
				ratios = append(ratios, (g.X-chunkX)/(chunkW*size))
			}
			chunkX, chunkY, chunkW, size = g.X, g.Y, glyphWidth(g.S), g.FontSize
		}
	}
	if glyphs == 0 || float64(spaces) > 0.02*float64(glyphs) || len(ratios) < 20 {
		return 0
	}
	sort.Float64s(ratios)
	return ratios[len(ratios)*3/10]
}

// glyphWidth estimates a character's advance in ems from Helvetica's
// metrics: good enough to tell a word space from the gap between two pieces
// of one word, once scaled to the real font by chunkAdvance.
func glyphWidth(s string) float64 {
	w := 0.0
	for _, r := range s {
		switch {
		case strings.ContainsRune("ijl.,:;'|!", r):
			w += 0.24
		case strings.ContainsRune("ftrI()-[]/ ", r):
			w += 0.31
		case strings.ContainsRune("mwMW", r):
			w += 0.85
		case r >= 'A' && r <= 'Z':
			w += 0.68
		case strings.ContainsRune("csvxyzkJ", r):
			w += 0.5
		default:
			w += 0.556
		}
	}
	return w
}
