package bot

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Adapter connects the bot to one chat platform. It receives commands and
// hands them to a Handler, and posts what the Notifier gives it.
type Adapter interface {
	// Name is the tenant kind the adapter serves: "console", "slack", "discord".
	Name() string
	// Run receives commands until ctx ends, answering each through h.
	Run(ctx context.Context, h Handler) error
	// Post sends one message and returns its id on the platform (used as the
	// thread to reply in). Errors should be a *RateLimitError or a
	// *PermanentError where the platform says so.
	Post(ctx context.Context, to Target, msg Message) (messageID string, err error)
}

// Target says where a message goes.
type Target struct {
	// Tenant and Channel are the platform's own ids (workspace or guild, channel).
	Tenant  string
	Channel string
	// Thread is the parent message id to reply under; empty for a top-level post.
	Thread string
	// IdempotencyKey is unique per message; adapters pass it on where the
	// platform can drop a repeat (Discord's nonce, Slack's message metadata).
	IdempotencyKey string
}

// Finder is implemented by adapters that can tell whether a message with an
// idempotency key was already posted (e.g. by reading Slack message metadata),
// so that a crash between posting and recording does not post twice.
type Finder interface {
	FindPosted(ctx context.Context, to Target) (messageID string, found bool, err error)
}

// RateLimitError asks the outbox to try again after RetryAfter.
type RateLimitError struct {
	RetryAfter time.Duration
	Err        error
}

func (e *RateLimitError) Error() string {
	return fmt.Sprintf("rate limited, retry after %s: %v", e.RetryAfter, e.Err)
}

func (e *RateLimitError) Unwrap() error { return e.Err }

// PermanentError means retrying cannot help (channel not found, bot removed,
// archived channel, revoked token): the delivery is parked with Reason and the
// channel marked, so /list can show it.
type PermanentError struct {
	Reason string
	Err    error
}

func (e *PermanentError) Error() string { return fmt.Sprintf("%s: %v", e.Reason, e.Err) }

func (e *PermanentError) Unwrap() error { return e.Err }

// IsPermanent reports whether err is a *PermanentError, and its reason.
func IsPermanent(err error) (string, bool) {
	var p *PermanentError
	if errors.As(err, &p) {
		return p.Reason, true
	}
	return "", false
}

// RetryAfter returns the platform's rate-limit hint in err, if any.
func RetryAfter(err error) (time.Duration, bool) {
	var r *RateLimitError
	if errors.As(err, &r) {
		return r.RetryAfter, true
	}
	return 0, false
}
