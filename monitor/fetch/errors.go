package fetch

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// ErrorKind classifies a failed fetch so that the monitor can record why a
// check failed, and decide whether it says anything about the document.
type ErrorKind string

const (
	KindRefused          ErrorKind = "refused"            // address policy, scheme or userinfo
	KindBlocked          ErrorKind = "blocked"            // 401, 403, 406, 429: a bot wall
	KindTooLarge         ErrorKind = "too-large"          // body over Fetch.MaxBodyBytes
	KindTimeout          ErrorKind = "timeout"            // connect or total timeout
	KindHTTP             ErrorKind = "http"               // another 4xx or 5xx, after retries
	KindNetwork          ErrorKind = "network"            // DNS, reset, refused connection...
	KindTooManyRedirects ErrorKind = "too-many-redirects" // over Fetch.MaxRedirects
	KindNeedsBrowser     ErrorKind = "needs-browser"      // executeClientScripts without chromium
	KindBadURL           ErrorKind = "bad-url"            // unparsable, or not absolute
	KindEmpty            ErrorKind = "empty"              // a 200 with no content
	// KindCanceled is the caller giving up (shutdown): it says nothing about
	// the document, so it must not count as a failure of its monitor.
	KindCanceled ErrorKind = "canceled"
)

// Error is every error Fetch returns.
type Error struct {
	Kind ErrorKind
	URL  string
	// Status is the last HTTP status seen, 0 when none was.
	Status int
	// RetryAfter is what the server asked for (429, 503): the caller should
	// not come back before it.
	RetryAfter time.Duration
	// Attempts is how many requests were made.
	Attempts int
	Err      error
}

func (e *Error) Error() string {
	var msg string
	switch e.Kind {
	case KindRefused:
		msg = fmt.Sprintf("refused to fetch %s: %v", e.URL, e.Err)
	case KindBlocked:
		msg = fmt.Sprintf("blocked by the site: %s answered %s", e.URL, statusText(e.Status))
	case KindTooLarge:
		msg = fmt.Sprintf("too large: %s: %v", e.URL, e.Err)
	case KindTimeout:
		msg = fmt.Sprintf("timed out fetching %s: %v", e.URL, e.Err)
	case KindHTTP:
		msg = fmt.Sprintf("%s answered %s", e.URL, statusText(e.Status))
		if e.Err != nil {
			msg = fmt.Sprintf("%s: %v", msg, e.Err)
		}
	case KindNetwork:
		msg = fmt.Sprintf("network error fetching %s: %v", e.URL, e.Err)
	case KindTooManyRedirects:
		msg = fmt.Sprintf("too many redirects from %s: %v", e.URL, e.Err)
	case KindNeedsBrowser:
		msg = fmt.Sprintf("%v (for %s)", e.Err, e.URL)
	case KindBadURL:
		msg = fmt.Sprintf("bad URL %q: %v", e.URL, e.Err)
	case KindEmpty:
		msg = fmt.Sprintf("empty page: %s answered %s with no content", e.URL, statusText(e.Status))
	case KindCanceled:
		msg = fmt.Sprintf("fetch of %s canceled", e.URL)
	default:
		msg = fmt.Sprintf("fetch %s: %v", e.URL, e.Err)
	}
	if e.RetryAfter > 0 {
		msg += fmt.Sprintf("; retry after %s", e.RetryAfter.Round(time.Second))
	}
	if e.Attempts > 1 {
		msg += fmt.Sprintf(" (%d attempts)", e.Attempts)
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

func statusText(code int) string {
	if t := http.StatusText(code); t != "" {
		return fmt.Sprintf("%d %s", code, t)
	}
	return fmt.Sprintf("HTTP %d", code)
}

// KindOf returns the kind of a fetch error, "" for nil, and KindNetwork for an
// error that did not come from this package.
func KindOf(err error) ErrorKind {
	if err == nil {
		return ""
	}
	var fe *Error
	if errors.As(err, &fe) {
		return fe.Kind
	}
	switch {
	case errors.Is(err, context.Canceled):
		return KindCanceled
	case errors.Is(err, context.DeadlineExceeded):
		return KindTimeout
	}
	return KindNetwork
}

// retryable reports whether another attempt may succeed: timeouts, resets and
// server errors are transient; refusals, bot walls and 4xx are not.
func (e *Error) retryable() bool {
	switch e.Kind {
	case KindTimeout:
		return true
	case KindNetwork:
		return !e.permanent()
	case KindHTTP:
		return e.Status >= 500 || e.Status == http.StatusRequestTimeout
	}
	return false
}

// permanent marks network errors no retry will fix: a name that does not
// exist, a certificate that is not trusted.
func (e *Error) permanent() bool {
	var dns *net.DNSError
	var cert *tls.CertificateVerificationError
	return errors.As(e.Err, &dns) && dns.IsNotFound || errors.As(e.Err, &cert)
}
