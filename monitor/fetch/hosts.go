package fetch

import (
	"context"
	"strings"
	"sync"
	"time"
)

// hostGate keeps the fetcher polite: one request at a time to a host, and a
// minimum gap between the end of one and the start of the next, shared by
// every caller of one Fetcher. Entries are never removed: there is one per
// host the bot tracks, a few bytes each.
type hostGate struct {
	gap   time.Duration
	now   func() time.Time
	sleep func(context.Context, time.Duration) error

	mu    sync.Mutex
	hosts map[string]*hostSlot
}

type hostSlot struct {
	turn chan struct{} // holds a token while a request to the host runs
	last time.Time     // end of the last request; guarded by turn
}

func (g *hostGate) slot(host string) *hostSlot {
	host = strings.ToLower(host)
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.hosts == nil {
		g.hosts = make(map[string]*hostSlot)
	}
	s := g.hosts[host]
	if s == nil {
		s = &hostSlot{turn: make(chan struct{}, 1)}
		g.hosts[host] = s
	}
	return s
}

// acquire waits for the host's turn; release must be called when the request,
// body included, is over.
func (g *hostGate) acquire(ctx context.Context, host string) (release func(), err error) {
	s := g.slot(host)
	select {
	case s.turn <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if g.gap > 0 && !s.last.IsZero() {
		if wait := s.last.Add(g.gap).Sub(g.now()); wait > 0 {
			if err := g.sleep(ctx, wait); err != nil {
				<-s.turn
				return nil, err
			}
		}
	}
	return func() {
		s.last = g.now()
		<-s.turn
	}, nil
}
