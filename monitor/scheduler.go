package monitor

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"
)

// SchedulerConfig configures the Scheduler.
type SchedulerConfig struct {
	// Workers bounds how many documents are checked at once; the fetcher
	// still fetches one page at a time per host.
	Workers int
	// Tick is how often the store is asked what is due; zero means a minute,
	// or less when the check interval is shorter.
	Tick time.Duration
	// Lease is how long a replica may hold a document it is checking.
	Lease time.Duration
}

// Scheduler asks the store what is due and hands it to a bounded worker pool.
// The next check time lives in the store, so nothing a restart would forget
// is kept in memory; at start it runs whatever is overdue.
type Scheduler struct {
	m       *Monitor
	cfg     SchedulerConfig
	running atomic.Bool
	queue   chan uint
	// inflight holds the documents queued or being checked, so a slow check
	// is not queued twice by the next tick.
	mu       sync.Mutex
	inflight map[uint]bool
}

// NewScheduler returns a Scheduler for m.
func NewScheduler(m *Monitor, cfg SchedulerConfig) *Scheduler {
	if cfg.Workers <= 0 {
		cfg.Workers = 4
	}
	if cfg.Tick <= 0 {
		cfg.Tick = time.Minute
		if half := m.opts.Interval / 2; half < cfg.Tick {
			cfg.Tick = max(half, time.Second)
		}
	}
	if cfg.Lease <= 0 {
		cfg.Lease = 10 * time.Minute
	}
	return &Scheduler{m: m, cfg: cfg, queue: make(chan uint, cfg.Workers), inflight: map[uint]bool{}}
}

// Running reports whether Run is in progress (for /healthz).
func (s *Scheduler) Running() bool { return s.running.Load() }

// Run checks due documents until ctx ends, then waits for the checks in
// progress: they see the cancelled context and abandon without recording.
func (s *Scheduler) Run(ctx context.Context) error {
	s.running.Store(true)
	defer s.running.Store(false)

	var wg sync.WaitGroup
	for range s.cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range s.queue {
				s.checkOne(ctx, id)
			}
		}()
	}

	c := cron.New(cron.WithChain(cron.Recover(cronLogger{s.m.log}), cron.SkipIfStillRunning(cronLogger{s.m.log})))
	c.Schedule(cron.Every(s.cfg.Tick), cron.FuncJob(func() { s.dispatch(ctx) }))
	c.Start()
	s.dispatch(ctx) // overdue work first, not a tick later

	<-ctx.Done()
	<-c.Stop().Done()
	close(s.queue)
	wg.Wait()
	return nil
}

// dispatch queues the due documents this replica can lease.
// Leases are taken under the monitor's owner name, so that the check this
// scheduler queues is not refused the document it leased.
func (s *Scheduler) dispatch(ctx context.Context) {
	if ctx.Err() != nil {
		return
	}
	now := s.m.opts.Now()
	docs, err := s.m.db.DueDocuments(ctx, now, s.cfg.Workers*8)
	if err != nil {
		s.m.log.Error("scheduler: due documents", "err", err)
		return
	}
	for _, d := range docs {
		s.mu.Lock()
		busy := s.inflight[d.ID]
		s.mu.Unlock()
		if busy {
			continue
		}
		ok, err := s.m.db.LeaseDocument(ctx, d.ID, s.m.opts.Owner, now, s.cfg.Lease)
		if err != nil {
			s.m.log.Error("scheduler: lease", "document", d.ID, "err", err)
			continue
		}
		if !ok {
			continue // another replica has it
		}
		s.mu.Lock()
		s.inflight[d.ID] = true
		s.mu.Unlock()
		select {
		case s.queue <- d.ID:
		case <-ctx.Done():
			return
		}
	}
}

func (s *Scheduler) checkOne(ctx context.Context, docID uint) {
	defer func() {
		s.mu.Lock()
		delete(s.inflight, docID)
		s.mu.Unlock()
		// Release with a fresh context: the lease must be returned even when
		// the check was abandoned because ctx ended.
		rctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.m.db.ReleaseDocument(rctx, docID, s.m.opts.Owner); err != nil {
			s.m.log.Warn("scheduler: release lease", "document", docID, "err", err)
		}
	}()
	if ctx.Err() != nil {
		return
	}
	if _, err := s.m.Check(ctx, docID); err != nil && ctx.Err() == nil {
		s.m.log.Error("scheduler: check", "document", docID, "err", err)
	}
}

// cronLogger routes robfig/cron's messages to slog.
type cronLogger struct{ l *slog.Logger }

func (c cronLogger) Info(msg string, kv ...any) { c.l.Debug("cron: "+msg, kv...) }

func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.l.Error("cron: "+msg, append(kv, "err", err)...)
}
