// Package analysis says what a policy text provides and what a change to it
// means: the provision taxonomy and the regulation map (embedded data), a
// segment classifier, change summaries and cross-platform comparison.
package analysis

// Severity orders how much a change matters to the people tracking it.
type Severity string

const (
	SeverityInfo      Severity = "info"
	SeverityNotice    Severity = "notice"
	SeverityImportant Severity = "important"
	SeverityCritical  Severity = "critical"
)

// Rank orders severities: info 1 < notice 2 < important 3 < critical 4; unknown 0.
func (s Severity) Rank() int {
	switch s {
	case SeverityInfo:
		return 1
	case SeverityNotice:
		return 2
	case SeverityImportant:
		return 3
	case SeverityCritical:
		return 4
	}
	return 0
}

// ParseSeverity accepts a severity name, and reports whether it is one.
func ParseSeverity(s string) (Severity, bool) {
	sev := Severity(s)
	return sev, sev.Rank() > 0
}

// Direction says how a provision moved.
type Direction string

const (
	DirectionIntroduced Direction = "introduced"
	DirectionExpanded   Direction = "expanded"
	DirectionNarrowed   Direction = "narrowed"
	DirectionRemoved    Direction = "removed"
	DirectionReworded   Direction = "reworded"
)

// ChangeSummary is what a change means, built from a diff's substantive edits.
type ChangeSummary struct {
	Platform string `json:"platform"`
	Document string `json:"document"`
	// Headline is one sentence naming the platform, the document and the most
	// important provision movement.
	Headline string   `json:"headline"`
	Severity Severity `json:"severity"`
	// SeverityReason names the rule that set the severity.
	SeverityReason string `json:"severity_reason,omitempty"`
	// Categories are the provision categories touched, most important first.
	Categories []string `json:"categories"`
	Items      []Item   `json:"items"`
}

// Item is one provision that moved.
type Item struct {
	Category     string    `json:"category"`
	CategoryName string    `json:"category_name"`
	Direction    Direction `json:"direction"`
	Severity     Severity  `json:"severity"`
	Section      string    `json:"section,omitempty"`
	// Before and After are the sentences concerned (empty when introduced or removed).
	Before string `json:"before"`
	After  string `json:"after"`
	// Evidence are the words that made the classifier choose the category.
	Evidence    []string        `json:"evidence,omitempty"`
	Confidence  float64         `json:"confidence"`
	Regulations []RegulationRef `json:"regulations"`

	shift float64 // how far the category's probability moved between the sentences
}

// RegulationRef cites one specific article or section.
type RegulationRef struct {
	ID    string `json:"id"`    // stable key, e.g. "gdpr-art-9"
	Cite  string `json:"cite"`  // e.g. "GDPR Art. 9"
	Title string `json:"title"` // e.g. "Processing of special categories of personal data"
	URL   string `json:"url,omitempty"`
}
