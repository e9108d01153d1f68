package web

import (
	"fmt"
	"time"

	"github.com/policybot/policybot/store"
)

// The timeline is drawn on the server as SVG: one lane per document, one
// mark per version placed by its capture time and coloured by what the
// change that produced it was. The template writes it; this file only
// computes where things go, so every string still passes html/template.

const (
	tlWidth   = 720
	tlLeft    = 16 // first mark's x
	tlRight   = tlWidth - 16
	tlLane    = 48 // height of one document's lane
	tlTop     = 8
	tlAxis    = 28 // room under the lanes for the dates
	tlRadius  = 7
	tlMinSpan = 24 * time.Hour
)

type timelineLane struct {
	Document string
	Versions []store.Version // newest first, as the store returns them
}

// timeline is the geometry the template draws.
type timeline struct {
	Width, Height int
	Lanes         []laneView
	Start, End    time.Time
	// AxisY is where the date labels go.
	AxisY int
	Empty bool
}

type laneView struct {
	Document string
	// LabelY is the document name's baseline, LineY the lane's line.
	LabelY, LineY int
	Marks         []mark
}

type mark struct {
	X, Y int
	R    int
	// Class colours the mark: sev-critical, sev-important, sev-notice,
	// sev-info, kind-cosmetic, kind-technical, kind-reverted, kind-first.
	Class string
	// Title is the mark's accessible name (SVG <title>).
	Title string
	// Href is the change record, when a change produced this version.
	Href string
}

func drawTimeline(lanes []timelineLane, byVersion map[uint]store.Change) timeline {
	tl := timeline{Width: tlWidth}
	var first, last time.Time
	for _, l := range lanes {
		for _, v := range l.Versions {
			if first.IsZero() || v.CapturedAt.Before(first) {
				first = v.CapturedAt
			}
			if v.CapturedAt.After(last) {
				last = v.CapturedAt
			}
		}
	}
	if first.IsZero() {
		tl.Empty = true
		return tl
	}
	// A single capture, or several within a day, still gets a readable span.
	if last.Sub(first) < tlMinSpan {
		mid := first.Add(last.Sub(first) / 2)
		first, last = mid.Add(-tlMinSpan/2), mid.Add(tlMinSpan/2)
	}
	tl.Start, tl.End = first.UTC(), last.UTC()
	span := last.Sub(first).Seconds()
	x := func(t time.Time) int {
		return tlLeft + int(float64(tlRight-tlLeft)*t.Sub(first).Seconds()/span+0.5)
	}
	y := tlTop
	for _, l := range lanes {
		lv := laneView{Document: l.Document, LabelY: y + 14, LineY: y + 32}
		// Oldest first, so later marks are drawn on top of earlier ones.
		for i := len(l.Versions) - 1; i >= 0; i-- {
			v := l.Versions[i]
			m := mark{X: x(v.CapturedAt), Y: lv.LineY, R: tlRadius}
			when := v.CapturedAt.UTC().Format("2 Jan 2006 15:04 UTC")
			c, changed := byVersion[v.ID]
			switch {
			case changed && c.Kind == store.KindSubstantive:
				m.Class = "sev-" + orDefault(c.Severity, "info")
				m.Title = fmt.Sprintf("%s, version %d: %s change. %s", when, v.ID, severityWord(c.Severity), orDefault(c.Headline, "No headline."))
			case changed:
				m.Class, m.R = "kind-"+c.Kind, tlRadius-2
				m.Title = fmt.Sprintf("%s, version %d: %s change, not announced.", when, v.ID, c.Kind)
			case v.Technical:
				m.Class, m.R = "kind-technical", tlRadius-2
				m.Title = fmt.Sprintf("%s, version %d: re-extracted, not a policy change.", when, v.ID)
			case i == len(l.Versions)-1:
				m.Class = "kind-first"
				m.Title = fmt.Sprintf("%s, version %d: first capture.", when, v.ID)
			default:
				m.Class = "kind-first"
				m.Title = fmt.Sprintf("%s, version %d.", when, v.ID)
			}
			if changed {
				m.Href = fmt.Sprintf("/changes/%d", c.ID)
			}
			lv.Marks = append(lv.Marks, m)
		}
		tl.Lanes = append(tl.Lanes, lv)
		y += tlLane
	}
	tl.AxisY = y + 14
	tl.Height = y + tlAxis
	return tl
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func severityWord(s string) string {
	if l, ok := severityLabels[s]; ok {
		return l
	}
	return "Unrated"
}
