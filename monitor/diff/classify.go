package diff

import (
	"strings"
)

// Reasons a change is cosmetic (Edit.Reason).
const (
	ReasonWhitespace  = "whitespace"
	ReasonFormatting  = "formatting"
	ReasonLink        = "link"
	ReasonCase        = "case"
	ReasonPunctuation = "punctuation"
	ReasonDate        = "date"
	ReasonMoved       = "moved"
	// ReasonNoise is a block with no letters or digits ("…", a lone bullet).
	ReasonNoise = "noise"
	// ReasonNavigation is a table-of-contents entry: a block whose whole text
	// is the title of a section of the document.
	ReasonNavigation = "navigation"
)

// classifyModified says whether turning before into after changes what the
// text says. It tries the cosmetic normalizations in order (whitespace,
// formatting, link URLs, case, punctuation) and reports the first one under
// which both sides are equal; failing that, a change confined to the date or
// version number of a "last updated"/"effective"/"version" stamp is cosmetic.
func classifyModified(before, after string) (substantive bool, reason string) {
	// Each level strips more than the one before, so when the coarsest one
	// sees a difference, so do all the others.
	if canonical(before, levelPunctuation) == canonical(after, levelPunctuation) {
		for lv := levelWhitespace; lv <= levelPunctuation; lv++ {
			if canonical(before, lv) == canonical(after, lv) {
				return false, levelNames[lv]
			}
		}
	}
	if dateOnly(words(before), words(after)) {
		return false, ReasonDate
	}
	return true, ""
}

// classifyLone classifies a block that was added or removed as a whole.
// headings holds the canonical titles of the sections of both texts.
func classifyLone(b *block, headings map[string]bool) (substantive bool, reason string) {
	if len(b.words) == 0 || isChrome(b.words) {
		return false, ReasonNoise
	}
	if b.Kind != BlockHeading && headings[b.title] {
		return false, ReasonNavigation
	}
	if isStampLine(b.words) {
		return false, ReasonDate
	}
	return true, ""
}

// isChrome reports a short block made only of interface labels ("Close",
// "Back to top", "Download PDF") that page templates add and drop.
func isChrome(ws []string) bool {
	if len(ws) > 4 {
		return false
	}
	for _, w := range ws {
		if !chromeWords[w] {
			return false
		}
	}
	return true
}

var chromeWords = setOf(
	"close", "menu", "back", "next", "previous", "print", "share", "expand", "collapse", "all", "top", "skip", "to", "content",
	"main", "read", "more", "show", "less", "learn", "open", "toggle", "navigation", "search", "home", "copy", "link",
	"download", "pdf", "x", "go", "scroll", "up",
)

// isStampLine reports a block that is only a date stamp ("Last updated:
// July 15, 2026", "This policy is effective as of 1 May 2025").
func isStampLine(ws []string) bool {
	keyword, date := false, false
	for _, w := range ws {
		switch {
		case stampKeywords[w]:
			keyword = true
		case isDateToken(w):
			date = true
		case stampConnectors[w] || stampFillers[w]:
		default:
			return false
		}
	}
	return keyword && date
}

func hasDateToken(ws []string) bool {
	for _, w := range ws {
		if isDateToken(w) {
			return true
		}
	}
	return false
}

// dateOnly reports whether every word that differs between a and b is part
// of a date or version number introduced by a stamp keyword ("Last updated:
// March 26, 2026", "Effective 1 July 2025", "Version 3.2"). A number
// elsewhere ("we keep data for 30 days") is never a stamp, so changing it
// stays substantive.
func dateOnly(a, b []string) bool {
	ops := diffTokens(a, b)
	stampA, stampB := stampMask(a), stampMask(b)
	ia, ib := 0, 0
	changed := false
	for _, op := range ops {
		for _, w := range op.toks {
			switch op.op {
			case WordEqual:
				ia++
				ib++
			case WordDelete:
				if !stampA[ia] || !isDateToken(w) {
					return false
				}
				ia++
				changed = true
			case WordInsert:
				if !stampB[ib] || !isDateToken(w) {
					return false
				}
				ib++
				changed = true
			}
		}
	}
	return changed
}

// stampMask marks the words of a date stamp that read as a date: after a
// stamp keyword, the runs of date tokens (joined by "of"/"de" as in "1st of
// March", "1 de enero de 2025") that name a month, carry a year or several
// numbers, or follow a version keyword. A lone number after a keyword is no
// date: "effective 30 days after we post them", "applies from 16 years".
func stampMask(ws []string) []bool {
	m := make([]bool, len(ws))
	for i := 0; i < len(ws); {
		if !stampKeywords[ws[i]] {
			i++
			continue
		}
		version := versionKeywords[ws[i]]
		j := i + 1
		for j < len(ws) && !stampKeywords[ws[j]] && (isDateToken(ws[j]) || stampConnectors[ws[j]]) {
			j++
		}
		markDates(ws[i+1:j], m[i+1:j], version)
		i = j
	}
	return m
}

// markDates marks, in the words of one stamp, the runs of date tokens that
// read as a date (or a version number when version is set).
func markDates(ws []string, m []bool, version bool) {
	for i := 0; i < len(ws); {
		if !isDateToken(ws[i]) {
			i++
			continue
		}
		j, numbers, dated := i, 0, version
		for j < len(ws) {
			w := ws[j]
			switch {
			case isDateToken(w):
				if months[w] {
					dated = true
				} else if numbers++; digits(w) >= 4 {
					dated = true // a year, or 20250701
				}
				j++
				continue
			case dateJoiners[w] && j+1 < len(ws) && isDateToken(ws[j+1]):
				j++
				continue
			}
			break
		}
		if dated || numbers >= 2 {
			for k := i; k < j; k++ {
				m[k] = isDateToken(ws[k])
			}
		}
		i = j
	}
}

func digits(w string) int {
	n := 0
	for _, r := range w {
		if r >= '0' && r <= '9' {
			n++
		}
	}
	return n
}

// versionKeywords introduce a version number, which needs no month or year.
var versionKeywords = setOf("version", "versions", "revision", "fassung")

// dateJoiners join the parts of one date: "1st of March", "1 de enero de 2025".
var dateJoiners = setOf("of", "de", "del")

// isDateToken reports a word that can be part of a date or version number:
// a number (with an ordinal suffix or a leading v), a month or a weekday.
func isDateToken(w string) bool {
	if months[w] {
		return true
	}
	d := strings.TrimPrefix(w, "v")
	n := 0
	for n < len(d) && d[n] >= '0' && d[n] <= '9' {
		n++
	}
	if n == 0 || n > 8 {
		return false
	}
	switch d[n:] {
	case "", "st", "nd", "rd", "th", "er", "e", "º":
		return true
	}
	return false
}

// The languages of the corpus: English, French, German, Spanish, Italian.
var stampKeywords = setOf(
	"updated", "update", "effective", "effect", "applies", "apply", "version", "versions", "revised", "revision", "modified", "amended", "dated", "date", "published",
	"jour", "vigueur", "modifié", "modifiée", "révisée", "applicable", "publiée",
	"stand", "aktualisiert", "gültig", "fassung", "datum",
	"actualizado", "actualización", "actualizada", "vigor", "vigente", "fecha",
	"aggiornato", "aggiornamento", "aggiornata",
)

// stampFillers are the other words of a stamp line.
var stampFillers = setOf(
	"last", "this", "these", "our", "policy", "privacy", "notice", "statement", "terms", "was", "is", "were", "are", "and", "become", "becomes",
	"dernière", "mise", "cette", "politique", "letzte", "zuletzt", "última", "ultimo", "ultima",
)

var stampConnectors = setOf(
	"as", "of", "on", "from", "the", "since", "at", "in",
	"le", "du", "au", "en", "depuis", "à", "compter",
	"am", "vom", "seit", "zum", "ab",
	"de", "el", "del", "al", "desde",
	"il", "dal", "dall",
)

var months = setOf(
	"january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december",
	"jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
	"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
	"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre",
	"januar", "februar", "märz", "juni", "juli", "oktober", "dezember",
	"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre",
	"gennaio", "febbraio", "aprile", "maggio", "giugno", "luglio", "settembre", "ottobre", "dicembre",
)

func setOf(ws ...string) map[string]bool {
	m := make(map[string]bool, len(ws))
	for _, w := range ws {
		m[w] = true
	}
	return m
}
