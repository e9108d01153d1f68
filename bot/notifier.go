package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/policybot/policybot/store"
)

// NotifierOptions tune the outbox sender.
type NotifierOptions struct {
	// Owner names this process in delivery leases; replicas must differ.
	Owner string
	// MaxAttempts failed attempts park a delivery.
	MaxAttempts int
	// PollInterval is how often the outbox is read when nobody wakes the notifier.
	PollInterval time.Duration
	// BaseBackoff doubles after each failure, up to MaxBackoff.
	BaseBackoff time.Duration
	MaxBackoff  time.Duration
	// Lease is how long a claimed delivery stays ours without progress; a
	// replica that dies mid-way gives it up after this long.
	Lease time.Duration
	// ThreadWindow is how recent a document's thread must be for a new
	// change to join it (a day).
	ThreadWindow time.Duration
	// Batch is how many deliveries one pass claims.
	Batch  int
	Now    func() time.Time
	Logger *slog.Logger
	// BeforePost, when set, runs after a delivery is claimed and before
	// anything of it is posted: the crash tests stop the process here.
	BeforePost func(ctx context.Context, d store.Delivery)
	// Observe, when set, counts outcomes per adapter: delivered, retry,
	// rate-limited, parked (for /metrics).
	Observe func(adapter, result string)
}

// Notifier sends the outbox: it claims due deliveries, posts each part through
// the adapter for the tenant's chat, records progress after every part, and
// retries with backoff; deliveries that cannot be sent are parked, never lost.
type Notifier struct {
	db       *store.DB
	adapters map[string]Adapter
	kinds    []string
	opts     NotifierOptions
	wake     chan struct{}
	mu       sync.Mutex // one pass at a time in this process
}

// NewNotifier returns a notifier posting through adapters (one per tenant kind).
func NewNotifier(db *store.DB, adapters []Adapter, opts NotifierOptions) *Notifier {
	if opts.Owner == "" {
		opts.Owner = "policybot"
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 8
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = 2 * time.Second
	}
	if opts.BaseBackoff <= 0 {
		opts.BaseBackoff = 5 * time.Second
	}
	if opts.MaxBackoff < opts.BaseBackoff {
		opts.MaxBackoff = 30 * time.Minute
	}
	if opts.Lease <= 0 {
		opts.Lease = 2 * time.Minute
	}
	if opts.ThreadWindow <= 0 {
		opts.ThreadWindow = 24 * time.Hour
	}
	if opts.Batch <= 0 {
		opts.Batch = 50
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	n := &Notifier{db: db, adapters: map[string]Adapter{}, opts: opts, wake: make(chan struct{}, 1)}
	for _, a := range adapters {
		n.adapters[a.Name()] = a
		n.kinds = append(n.kinds, a.Name())
	}
	return n
}

func (n *Notifier) now() time.Time { return n.opts.Now().UTC() }

// Wake asks the notifier to look at the outbox now (after a command or a
// check wrote deliveries) instead of at its next poll.
func (n *Notifier) Wake() {
	select {
	case n.wake <- struct{}{}:
	default:
	}
}

// Run sends deliveries until ctx ends.
func (n *Notifier) Run(ctx context.Context) error {
	t := time.NewTicker(n.opts.PollInterval)
	defer t.Stop()
	for {
		if _, err := n.SendDue(ctx); err != nil && ctx.Err() == nil {
			n.opts.Logger.Error("notifier pass failed", slog.Any("err", err))
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-n.wake:
		}
	}
}

// SendDue claims and sends what is due now, once; it returns how many
// deliveries were completed.
func (n *Notifier) SendDue(ctx context.Context) (int, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	done := 0
	for {
		ds, err := n.db.ClaimDeliveries(ctx, n.opts.Owner, n.kinds, n.now(), n.opts.Lease, n.opts.Batch)
		if err != nil {
			return done, err
		}
		if len(ds) == 0 {
			return done, nil
		}
		for _, d := range ds {
			if ctx.Err() != nil {
				return done, ctx.Err()
			}
			ok, err := n.send(ctx, d)
			if err != nil {
				if errors.Is(err, store.ErrLeaseLost) || ctx.Err() != nil {
					continue
				}
				return done, err
			}
			if ok {
				done++
			}
		}
	}
}

// Drain sends until nothing is due now or timeout passes: what a console
// session does at end of input so that the alerts it caused are seen.
func (n *Notifier) Drain(ctx context.Context, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		if _, err := n.SendDue(ctx); err != nil && ctx.Err() == nil {
			return err
		}
		left, err := n.db.DueDeliveryCount(ctx, n.kinds, n.now())
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("bot: deliveries still due after %s", timeout)
			}
			return err
		}
		if left == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("bot: %d deliveries still due after %s", left, timeout)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Backoff is the wait after the attempt-th failure: base doubled each time, capped.
func Backoff(attempt int, base, max time.Duration) time.Duration {
	if attempt < 1 {
		attempt = 1
	}
	d := base
	for i := 1; i < attempt; i++ {
		d *= 2
		if d >= max || d <= 0 {
			return max
		}
	}
	if d > max {
		return max
	}
	return d
}

// send posts one claimed delivery and records the outcome. It reports whether
// the delivery is complete; an error means the store could not be written.
func (n *Notifier) send(ctx context.Context, d store.Delivery) (bool, error) {
	log := n.opts.Logger.With(slog.Uint64("delivery", uint64(d.ID)), slog.String("key", d.IdempotencyKey))
	if n.opts.BeforePost != nil {
		n.opts.BeforePost(ctx, d)
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
	}
	// The batch was claimed together and is posted one by one: by now this
	// delivery's lease may have run out and another replica taken it. A
	// post cannot be taken back, so make sure it is still ours first.
	if err := n.db.RenewDelivery(ctx, d.ID, n.opts.Owner, n.now().Add(n.opts.Lease)); err != nil {
		return false, err
	}
	ch, err := n.db.Channel(ctx, d.ChannelID)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return false, n.db.ParkDelivery(ctx, d.ID, n.opts.Owner, "the channel no longer exists")
		}
		return false, err
	}
	var env Envelope
	if err := json.Unmarshal([]byte(d.Payload), &env); err != nil {
		log.Error("undecodable delivery parked", slog.Any("err", err))
		return false, n.db.ParkDelivery(ctx, d.ID, n.opts.Owner, "payload cannot be read: "+err.Error())
	}
	adapter := n.adapters[ch.Tenant.Kind]
	if adapter == nil { // claims are filtered by kind, so only a misconfiguration gets here
		return false, n.db.RetryDelivery(ctx, d.ID, n.opts.Owner, n.now().Add(n.opts.MaxBackoff), "no adapter for "+ch.Tenant.Kind, false)
	}
	postErr := n.post(ctx, adapter, ch, d, env)
	observe := func(result string) {
		if n.opts.Observe != nil {
			n.opts.Observe(ch.Tenant.Kind, result)
		}
	}
	if postErr == nil {
		observe("delivered")
		if err := n.db.CompleteDelivery(ctx, d.ID, n.opts.Owner, n.now()); err != nil {
			return false, err
		}
		if ch.ParkedReason != "" { // the chat takes our posts again
			if err := n.db.ParkChannel(ctx, ch.ID, ""); err != nil {
				return true, err
			}
		}
		return true, nil
	}
	if errors.Is(postErr, store.ErrLeaseLost) || ctx.Err() != nil {
		return false, postErr
	}
	msg := Truncate(postErr.Error(), 500)
	if reason, ok := IsPermanent(postErr); ok {
		log.Warn("delivery parked: the chat refuses it", slog.String("reason", reason))
		observe("parked")
		if err := n.db.ParkDelivery(ctx, d.ID, n.opts.Owner, msg); err != nil {
			return false, err
		}
		return false, n.db.ParkChannel(ctx, ch.ID, Truncate(reason, 300))
	}
	if after, ok := RetryAfter(postErr); ok {
		log.Info("rate limited", slog.Duration("retry_after", after))
		observe("rate-limited")
		return false, n.db.RetryDelivery(ctx, d.ID, n.opts.Owner, n.now().Add(after), msg, false)
	}
	if d.Attempts >= n.opts.MaxAttempts {
		log.Error("delivery parked after repeated failures", slog.Int("attempts", d.Attempts), slog.Any("err", postErr))
		observe("parked")
		return false, n.db.ParkDelivery(ctx, d.ID, n.opts.Owner, fmt.Sprintf("gave up after %d attempts: %s", d.Attempts, msg))
	}
	wait := Backoff(d.Attempts, n.opts.BaseBackoff, n.opts.MaxBackoff)
	log.Warn("delivery failed, will retry", slog.Int("attempt", d.Attempts), slog.Duration("in", wait), slog.Any("err", postErr))
	observe("retry")
	return false, n.db.RetryDelivery(ctx, d.ID, n.opts.Owner, n.now().Add(wait), msg, true)
}

// post sends the parts of env not yet sent, recording progress after each.
func (n *Notifier) post(ctx context.Context, a Adapter, ch *store.Channel, d store.Delivery, env Envelope) error {
	base := Target{Tenant: ch.Tenant.ExternalID, Channel: ch.ExternalID}
	messageID, threadID := d.MessageID, d.ThreadID
	useThread := ch.Threads && env.ThreadKey != "" && env.DocumentID != 0
	// A part may already be out if an earlier claim of this delivery died
	// between posting and recording: ask the chat before posting again.
	retried := d.Attempts > 1
	for part := d.PartsSent; part < env.Parts(); part++ {
		msg := env.Parent
		if part > 0 {
			msg = env.Replies[part-1]
		}
		to := base
		to.IdempotencyKey = fmt.Sprintf("%s:part:%d", d.IdempotencyKey, part)
		if part == 0 {
			if useThread && env.Join != JoinNever {
				th, err := n.db.Thread(ctx, ch.ID, env.DocumentID, env.ThreadKey)
				switch {
				case err == nil:
					if env.Join == JoinAlways || n.now().Sub(th.LastPostAt) < n.opts.ThreadWindow {
						to.Thread = th.ParentMessageID
					}
				case !errors.Is(err, store.ErrNotFound):
					return err
				}
			}
		} else if ch.Threads {
			to.Thread = threadID
		}
		id, err := n.postOnce(ctx, a, to, msg, retried)
		if _, refused := IsPermanent(err); refused && part == 0 && to.Thread != "" {
			// The document's earlier thread is gone or closed (its alert
			// deleted, the thread locked): the news is not, so it starts a
			// thread of its own. A channel that refuses everything refuses
			// this post too, and the delivery is parked as before.
			n.opts.Logger.Warn("thread refused, posting a new parent",
				slog.Uint64("delivery", uint64(d.ID)), slog.String("thread", to.Thread), slog.Any("err", err))
			to.Thread = ""
			id, err = n.postOnce(ctx, a, to, msg, retried)
		}
		if err != nil {
			return err
		}
		if part == 0 {
			messageID, threadID = id, to.Thread
			if threadID == "" {
				threadID = id
			}
		}
		if err := n.db.RecordPart(ctx, d.ID, n.opts.Owner, part+1, messageID, threadID, n.now().Add(n.opts.Lease)); err != nil {
			return err
		}
		if part == 0 && useThread {
			if err := n.db.SaveThread(ctx, ch.ID, env.DocumentID, env.ThreadKey, threadID, n.now()); err != nil {
				return err
			}
		}
	}
	return nil
}

func (n *Notifier) postOnce(ctx context.Context, a Adapter, to Target, msg Message, retried bool) (string, error) {
	if f, ok := a.(Finder); ok && retried {
		id, found, err := f.FindPosted(ctx, to)
		if err != nil {
			return "", fmt.Errorf("find %s: %w", to.IdempotencyKey, err)
		}
		if found {
			return id, nil
		}
	}
	id, err := a.Post(ctx, to, msg)
	if err != nil {
		return "", fmt.Errorf("post %s to %s: %w", to.IdempotencyKey, a.Name(), err)
	}
	return id, nil
}
