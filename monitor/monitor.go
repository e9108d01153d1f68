// Package monitor captures documents: it fetches each tracked document, guards
// against pages that are not the policy, extracts the text, keeps every
// version, diffs it against the last one and records the change, with its
// outgoing messages, in one transaction.
package monitor

import (
	"context"

	"github.com/policybot/policybot/analysis"
	"github.com/policybot/policybot/store"
)

// ChangeHook is called inside the transaction that records a change, so that
// the outgoing messages it writes (the outbox) commit with the change or not
// at all. summary is nil for changes that never alert (cosmetic, technical,
// reverted, first capture).
type ChangeHook func(ctx context.Context, tx *store.DB, doc *store.Document, change *store.Change, summary *analysis.ChangeSummary) error

// HealthHook is called inside the transaction that records a check whose
// outcome moves a document between healthy and failing: broken is true when
// the monitor starts failing (after the configured number of failures), false
// when it recovers. reason says why it fails.
type HealthHook func(ctx context.Context, tx *store.DB, doc *store.Document, broken bool, reason string) error

// Result is what one check of one document did.
type Result struct {
	Platform   string `json:"platform"`
	Document   string `json:"document"`
	DocumentID uint   `json:"-"`
	// Outcome is first, unchanged, changed or failed (store.Outcome*).
	Outcome string `json:"outcome"`
	// Change is set when a change was recorded.
	Change *ChangeRef `json:"change"`
	// Error says why a check failed, for a person.
	Error string `json:"error"`
	// Reason classifies a failure (fetch, blocked, error-page, login-wall, ...).
	Reason string `json:"reason,omitempty"`
}

// ChangeRef identifies a recorded change.
type ChangeRef struct {
	ID       uint   `json:"id"`
	Kind     string `json:"kind"`
	Severity string `json:"severity"`
	Headline string `json:"headline,omitempty"`
}
