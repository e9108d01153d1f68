package fetch

import (
	"context"
	"strings"
	"sync"
	"time"
)

// hostGate keeps the fetcher polite: one request at a time to a host, and a
// minimum gap between the end of one and the start of the next, shared by
// every caller of one Fetcher.
//
// A slot is kept only while it matters: while someone holds or waits for
// the host's turn, and for the gap after its last request. Idle slots are
// swept when the map has doubled since the last sweep, so a bot that runs
// for months keeps a slot per host it fetches now, not one per host it ever
// fetched (URLs typed into /track, redirect targets).
type hostGate struct {
	gap   time.Duration
	now   func() time.Time
	sleep func(context.Context, time.Duration) error

	mu      sync.Mutex
	hosts   map[string]*hostSlot
	sweepAt int // sweep idle slots when the map reaches this size
}

// minSweep is the map size below which idle slots are not worth sweeping.
const minSweep = 64

type hostSlot struct {
	turn chan struct{} // holds a token while a request to the host runs
	last time.Time     // end of the last request; guarded by turn
	// users counts callers holding or waiting for the turn; guarded by
	// hostGate.mu. A slot with users is never swept.
	users int
}

// slot returns the host's slot, counting the caller as one of its users
// until done is called.
func (g *hostGate) slot(host string) *hostSlot {
	host = strings.ToLower(host)
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.hosts == nil {
		g.hosts = make(map[string]*hostSlot)
	}
	s := g.hosts[host]
	if s == nil {
		if len(g.hosts) >= max(g.sweepAt, minSweep) {
			g.sweep()
		}
		s = &hostSlot{turn: make(chan struct{}, 1)}
		g.hosts[host] = s
	}
	s.users++
	return s
}

func (g *hostGate) done(s *hostSlot) {
	g.mu.Lock()
	s.users--
	g.mu.Unlock()
}

// sweep forgets the slots nobody uses whose gap has passed: a new slot for
// the host behaves the same. The caller holds g.mu. The last request's end
// is read without the turn because a slot without users has nobody to
// write it, and the writer's g.mu in done orders the write before this read.
func (g *hostGate) sweep() {
	now := g.now()
	for host, s := range g.hosts {
		if s.users == 0 && (s.last.IsZero() || now.Sub(s.last) >= g.gap) {
			delete(g.hosts, host)
		}
	}
	g.sweepAt = 2 * len(g.hosts)
}

// acquire waits for the host's turn; release must be called when the request,
// body included, is over.
func (g *hostGate) acquire(ctx context.Context, host string) (release func(), err error) {
	s := g.slot(host)
	select {
	case s.turn <- struct{}{}:
	case <-ctx.Done():
		g.done(s)
		return nil, ctx.Err()
	}
	if g.gap > 0 && !s.last.IsZero() {
		if wait := s.last.Add(g.gap).Sub(g.now()); wait > 0 {
			if err := g.sleep(ctx, wait); err != nil {
				<-s.turn
				g.done(s)
				return nil, err
			}
		}
	}
	return func() {
		s.last = g.now()
		<-s.turn
		g.done(s)
	}, nil
}

// size is how many hosts have a slot (for tests).
func (g *hostGate) size() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.hosts)
}
