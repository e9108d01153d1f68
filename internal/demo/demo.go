// Package demo holds two real versions of Coursera's privacy notice, before
// and after it added voice transcription and wider sharing (see PROVENANCE).
// `policybot demo` serves them on loopback, and tests across the module use
// the same bytes instead of copies of their own.
package demo

import (
	_ "embed"
)

var (
	//go:embed coursera-privacy-005-2026-05-07.html
	courseraBefore []byte
	//go:embed coursera-privacy-006-2026-05-12.html
	courseraAfter []byte
)

// CourseraBefore is the raw snapshot of 7 May 2026.
func CourseraBefore() []byte { return courseraBefore }

// CourseraAfter is the raw snapshot of 12 May 2026.
func CourseraAfter() []byte { return courseraAfter }
