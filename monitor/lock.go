package monitor

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"
)

// One document is checked by one caller at a time: the scheduler and a
// person's /check or /track may reach the same document together, and two
// concurrent first captures would record the same text twice. Within a
// process a keyed mutex decides; across replicas, the document's lease in
// the store.

// docLocks is a mutex per document, dropped when nobody holds or waits for
// it, so that it does not grow with every document ever checked.
type docLocks struct {
	mu    sync.Mutex
	locks map[uint]*docLock
}

type docLock struct {
	mu    sync.Mutex
	users int
}

// lock waits for the document's mutex or for ctx to end.
func (l *docLocks) lock(ctx context.Context, id uint) (unlock func(), err error) {
	l.mu.Lock()
	if l.locks == nil {
		l.locks = map[uint]*docLock{}
	}
	d := l.locks[id]
	if d == nil {
		d = &docLock{}
		l.locks[id] = d
	}
	d.users++
	l.mu.Unlock()

	release := func() {
		l.mu.Lock()
		d.users--
		if d.users == 0 {
			delete(l.locks, id)
		}
		l.mu.Unlock()
	}
	got := make(chan struct{})
	go func() {
		d.mu.Lock()
		close(got)
	}()
	select {
	case <-got:
		return func() { d.mu.Unlock(); release() }, nil
	case <-ctx.Done():
		// The goroutine still takes the mutex; give it back when it does.
		go func() { <-got; d.mu.Unlock(); release() }()
		return nil, ctx.Err()
	}
}

// size is the number of documents with a holder or a waiter (for tests).
func (l *docLocks) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.locks)
}

func defaultOwner() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s:%d", host, os.Getpid())
}

// leaseWait bounds how long a check waits for another replica's check of
// the same document to finish.
const leaseWait = 30 * time.Second

// acquire takes the document for this check: the in-process lock, then the
// store lease (which the scheduler of this process may already hold under
// the same owner).
func (m *Monitor) acquire(ctx context.Context, docID uint) (release func(), err error) {
	unlock, err := m.locks.lock(ctx, docID)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(leaseWait)
	for {
		ok, err := m.db.LeaseDocument(ctx, docID, m.opts.Owner, m.opts.Now(), m.opts.Lease)
		if err != nil {
			unlock()
			return nil, err
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			unlock()
			return nil, fmt.Errorf("document %d is being checked by another replica", docID)
		}
		t := time.NewTimer(250 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			unlock()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
	return func() {
		// Give the lease back even when ctx ended (shutdown), so another
		// replica need not wait for it to expire.
		rctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := m.db.ReleaseDocument(rctx, docID, m.opts.Owner); err != nil {
			m.log.Warn("release document lease", "document", docID, "err", err)
		}
		unlock()
	}, nil
}
