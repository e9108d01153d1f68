package catalog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Declaration is a service's declaration in the Open Terms Archive format: its
// name and, per document type, where the document lives and how to cut it out.
type Declaration struct {
	Name         string                    `json:"name"`
	ImportedFrom string                    `json:"importedFrom,omitempty"`
	Terms        map[string]DocumentSource `json:"terms"`
}

// DocumentSource says where one document lives and which part of the page it is.
// A document spread over several pages lists them in Combine; each page inherits
// Select, Remove, Filter and ExecuteClientScripts unless it sets its own.
type DocumentSource struct {
	Fetch                string    `json:"fetch,omitempty"`
	Select               Selectors `json:"select,omitempty"`
	Remove               Selectors `json:"remove,omitempty"`
	Filter               Filters   `json:"filter,omitempty"`
	ExecuteClientScripts bool      `json:"executeClientScripts,omitempty"`
	Combine              []Page    `json:"combine,omitempty"`
}

// Page is one page of a combined document.
type Page struct {
	Fetch                string    `json:"fetch"`
	Select               Selectors `json:"select,omitempty"`
	Remove               Selectors `json:"remove,omitempty"`
	Filter               Filters   `json:"filter,omitempty"`
	ExecuteClientScripts *bool     `json:"executeClientScripts,omitempty"`
}

// HistoricalSource is an earlier form of a document's source, in force until ValidUntil.
type HistoricalSource struct {
	DocumentSource
	ValidUntil time.Time `json:"validUntil"`
}

// History maps a document type to its earlier sources, oldest first as in the
// *.history.json files.
type History map[string][]HistoricalSource

// Selector is a CSS selector, or a range between elements matched by CSS
// selectors: the range starts before or after one element and ends before or
// after another.
type Selector struct {
	CSS         string `json:"-"`
	StartBefore string `json:"startBefore,omitempty"`
	StartAfter  string `json:"startAfter,omitempty"`
	EndBefore   string `json:"endBefore,omitempty"`
	EndAfter    string `json:"endAfter,omitempty"`
}

// IsRange reports whether s is a range selector rather than plain CSS.
func (s Selector) IsRange() bool { return s.CSS == "" }

// String renders the selector for messages.
func (s Selector) String() string {
	if !s.IsRange() {
		return s.CSS
	}
	b, _ := json.Marshal(s)
	return string(b)
}

// UnmarshalJSON accepts a CSS string or a range object.
func (s *Selector) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '"' {
		var css string
		if err := json.Unmarshal(data, &css); err != nil {
			return err
		}
		*s = Selector{CSS: css}
		return nil
	}
	type rangeSelector Selector
	var r rangeSelector
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return fmt.Errorf("selector: want a CSS string or {startBefore|startAfter, endBefore|endAfter}: %w", err)
	}
	*s = Selector(r)
	return nil
}

// MarshalJSON writes a CSS selector as a string and a range as an object.
func (s Selector) MarshalJSON() ([]byte, error) {
	if !s.IsRange() {
		return json.Marshal(s.CSS)
	}
	type rangeSelector Selector
	return json.Marshal(rangeSelector(s))
}

// Selectors is one selector or a list of them; the JSON form is either.
type Selectors []Selector

// UnmarshalJSON accepts a single selector or an array of selectors.
func (ss *Selectors) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '[' {
		var list []Selector
		if err := json.Unmarshal(data, &list); err != nil {
			return err
		}
		*ss = list
		return nil
	}
	var one Selector
	if err := json.Unmarshal(data, &one); err != nil {
		return err
	}
	*ss = Selectors{one}
	return nil
}

// Filters names the filters that clean a document, in order. Most are plain
// names ("removeCountryVersion"); some take parameters and are written in the
// JSON as a one-key object ({"removeQueryParams": ["utm_source"]}). Such a
// filter is kept as that object's compact JSON text, so that the list stays a
// list of strings for code that only looks at names; ParseFilter splits it.
type Filters []string

// UnmarshalJSON accepts an array of filter names and one-key objects.
func (fs *Filters) UnmarshalJSON(data []byte) error {
	var items []json.RawMessage
	if err := json.Unmarshal(data, &items); err != nil {
		return fmt.Errorf("filter: want an array of names or {name: parameters} objects: %w", err)
	}
	out := make(Filters, 0, len(items))
	for i, raw := range items {
		raw = bytes.TrimSpace(raw)
		switch {
		case len(raw) > 0 && raw[0] == '"':
			var name string
			if err := json.Unmarshal(raw, &name); err != nil {
				return fmt.Errorf("filter[%d]: %w", i, err)
			}
			out = append(out, name)
		case len(raw) > 0 && raw[0] == '{':
			var buf bytes.Buffer
			if err := json.Compact(&buf, raw); err != nil {
				return fmt.Errorf("filter[%d]: %w", i, err)
			}
			out = append(out, buf.String())
		default:
			return fmt.Errorf("filter[%d]: want a name or a {name: parameters} object, got %s", i, raw)
		}
	}
	*fs = out
	return nil
}

// MarshalJSON writes names as strings and filters with parameters as objects.
func (fs Filters) MarshalJSON() ([]byte, error) {
	if fs == nil {
		return []byte("null"), nil
	}
	items := make([]json.RawMessage, len(fs))
	for i, f := range fs {
		if strings.HasPrefix(f, "{") && json.Valid([]byte(f)) {
			items[i] = json.RawMessage(f)
			continue
		}
		b, err := json.Marshal(f)
		if err != nil {
			return nil, err
		}
		items[i] = b
	}
	return json.Marshal(items)
}

// ParseFilter splits one entry of Filters into the filter's name and its
// parameters (JSON, nil for a plain name). ok is false for an object that is
// not exactly one name with its parameters.
func ParseFilter(f string) (name string, params json.RawMessage, ok bool) {
	if !strings.HasPrefix(f, "{") {
		return f, nil, f != ""
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(f), &m); err != nil || len(m) != 1 {
		return "", nil, false
	}
	for k, v := range m {
		name, params = k, v
	}
	return name, params, name != ""
}

// Pages returns the document's pages in order, each with the document-level
// settings it inherits, so that callers never handle Combine separately.
func (d DocumentSource) Pages() []Page {
	if len(d.Combine) == 0 {
		scripts := d.ExecuteClientScripts
		return []Page{{Fetch: d.Fetch, Select: d.Select, Remove: d.Remove, Filter: d.Filter, ExecuteClientScripts: &scripts}}
	}
	pages := make([]Page, len(d.Combine))
	for i, p := range d.Combine {
		if p.Select == nil {
			p.Select = d.Select
		}
		if p.Remove == nil {
			p.Remove = d.Remove
		}
		if p.Filter == nil {
			p.Filter = d.Filter
		}
		if p.ExecuteClientScripts == nil {
			scripts := d.ExecuteClientScripts
			p.ExecuteClientScripts = &scripts
		}
		pages[i] = p
	}
	return pages
}

// NeedsBrowser reports whether any page must be rendered with client scripts.
func (d DocumentSource) NeedsBrowser() bool {
	for _, p := range d.Pages() {
		if p.ExecuteClientScripts != nil && *p.ExecuteClientScripts {
			return true
		}
	}
	return false
}

// At returns the source in force at t: the earliest historical entry whose
// ValidUntil is after t, or current when none is.
func (h History) At(docType string, current DocumentSource, t time.Time) DocumentSource {
	entries := h[docType]
	best := -1
	for i, e := range entries {
		if t.Before(e.ValidUntil) && (best < 0 || e.ValidUntil.Before(entries[best].ValidUntil)) {
			best = i
		}
	}
	if best < 0 {
		return current
	}
	return entries[best].DocumentSource
}
