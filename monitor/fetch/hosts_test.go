package fetch

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func newTestGate(gap time.Duration) (*hostGate, *fakeClock, *sleepRecorder) {
	clock := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	sleeps := &sleepRecorder{}
	return &hostGate{gap: gap, now: clock.Now, sleep: sleeps.sleep}, clock, sleeps
}

func use(t *testing.T, g *hostGate, host string) {
	t.Helper()
	release, err := g.acquire(context.Background(), host)
	if err != nil {
		t.Fatal(err)
	}
	release()
}

// A bot that runs for months fetches many hosts once (URLs typed into
// /track, redirect targets): the gate must not keep a slot for each forever.
func TestHostGateForgetsIdleHosts(t *testing.T) {
	g, clock, _ := newTestGate(time.Second)
	for i := range 10000 {
		use(t, g, fmt.Sprintf("site-%d.example", i))
		clock.Add(10 * time.Millisecond) // ~100 hosts within the gap at any time
	}
	if n := g.size(); n > 512 {
		t.Errorf("%d host slots after 10000 hosts fetched once each, 100 of them in the last second; want them forgotten once idle", n)
	}
}

// A host fetched within the gap keeps its slot through sweeps: the next
// request to it still waits the rest of the gap.
func TestHostGateSweepKeepsTheGap(t *testing.T) {
	g, clock, sleeps := newTestGate(time.Second)
	use(t, g, "kept.example")
	clock.Add(400 * time.Millisecond)
	for i := range 1000 { // several sweeps, all within the gap of kept.example
		use(t, g, fmt.Sprintf("other-%d.example", i))
	}
	use(t, g, "KEPT.example")
	if w := sleeps.all(); len(w) != 1 || w[0] != 600*time.Millisecond {
		t.Errorf("waits = %v, want one of 600ms: the rest of kept.example's gap", w)
	}
	clock.Add(2 * time.Second)
	for i := range 1000 {
		use(t, g, fmt.Sprintf("later-%d.example", i))
	}
	if _, ok := g.hosts["kept.example"]; ok {
		t.Error("kept.example still has a slot long after its gap, with nobody using it")
	}
}

// A slot someone holds is never swept: sweeping it would let a second
// request to the host start while the first runs.
func TestHostGateNeverSweepsABusyHost(t *testing.T) {
	g, clock, _ := newTestGate(time.Second)
	release, err := g.acquire(context.Background(), "busy.example")
	if err != nil {
		t.Fatal(err)
	}
	clock.Add(time.Hour)
	for i := range 1000 {
		use(t, g, fmt.Sprintf("other-%d.example", i))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := g.acquire(ctx, "busy.example"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a second acquire of a held host returned %v, want it to wait for the turn", err)
	}
	release()
	use(t, g, "busy.example")
}

// Under concurrent use, with sweeps going on, one request at a time per host.
func TestHostGateOneAtATimeWhileSweeping(t *testing.T) {
	g := &hostGate{now: time.Now, sleep: sleepContext}
	const hosts = 3 * minSweep
	var inside [hosts]atomic.Int32
	var wg sync.WaitGroup
	var overlaps atomic.Int32
	for w := range 8 {
		wg.Go(func() {
			for i := range 2000 {
				h := (i*7 + w*13) % hosts
				release, err := g.acquire(context.Background(), fmt.Sprintf("h%d.example", h))
				if err != nil {
					t.Error(err)
					return
				}
				if inside[h].Add(1) > 1 {
					overlaps.Add(1)
				}
				inside[h].Add(-1)
				release()
			}
		})
	}
	wg.Wait()
	if n := overlaps.Load(); n > 0 {
		t.Errorf("%d times two requests to one host ran at once", n)
	}
	if n := g.size(); n > hosts {
		t.Errorf("%d slots for %d hosts", n, hosts)
	}
}
