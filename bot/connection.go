package bot

import (
	"fmt"
	"sync"
	"time"
)

// Connection is what an adapter last saw of its way to the chat platform (a
// websocket, a gateway session, an accepted token), for /healthz. The
// adapter's event handlers write it; its Health method only reads it, so a
// health check never calls the platform.
type Connection struct {
	mu sync.Mutex
	s  ConnState
}

// ConnState is a snapshot of a Connection.
type ConnState struct {
	Up      bool
	WasUp   bool      // up at least once (else still starting)
	Since   time.Time // when it last went up or down (or the first try)
	Err     error     // the latest failure since it was last up
	Refused bool      // the platform refused us: no retry will help
	Stopped bool      // the adapter's Run has returned
}

// Get returns the current state.
func (c *Connection) Get() ConnState {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.s
}

// Trying records the first attempt to connect; later ones change nothing.
func (c *Connection) Trying(now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.s.Since.IsZero() {
		c.s.Since = now
	}
}

// SetUp records that the connection is up.
func (c *Connection) SetUp(now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.s = ConnState{Up: true, WasUp: true, Since: now}
}

// SetDown records that the connection is not up, and why when err is not
// nil. The time it went down is kept across the failed attempts that follow.
func (c *Connection) SetDown(now time.Time, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.s.Up || c.s.Since.IsZero() {
		c.s.Since = now
	}
	c.s.Up = false
	if err != nil {
		c.s.Err = err
	}
}

// SetRefused records a refusal that retrying cannot fix (a revoked token).
func (c *Connection) SetRefused(now time.Time, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.s = ConnState{WasUp: c.s.WasUp, Since: now, Err: err, Refused: true}
}

// SetStopped records that the adapter stopped.
func (c *Connection) SetStopped() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.s.Up, c.s.Stopped = false, true
}

// Ago says how long ago t was, to the unit an operator cares about.
func Ago(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", max(1, int(d/time.Second)))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d/time.Hour))
	}
	return fmt.Sprintf("%dd", int(d/(24*time.Hour)))
}
