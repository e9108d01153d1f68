package monitor

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/policybot/policybot/analysis"
	"github.com/policybot/policybot/catalog"
	"github.com/policybot/policybot/monitor/diff"
	"github.com/policybot/policybot/monitor/extract"
	"github.com/policybot/policybot/monitor/fetch"
	"github.com/policybot/policybot/monitor/guard"
	"github.com/policybot/policybot/store"
)

// Options configure a Monitor. Zero values get sensible defaults.
type Options struct {
	Logger *slog.Logger
	Now    func() time.Time
	// OnChange and OnHealth write the outgoing messages of a change or of a
	// monitor breaking or recovering, inside the transaction that records it.
	OnChange ChangeHook
	OnHealth HealthHook
	// FailureThreshold is how many failures in a row make a monitor "broken"
	// (and say so once); transient failures below it stay quiet.
	FailureThreshold int
	// Interval is the time between checks of a document unless it overrides it;
	// Jitter adds up to that much at random so documents added together spread out.
	Interval time.Duration
	Jitter   time.Duration
	// Classifier indexes provisions; nil means analysis.Default().
	Classifier *analysis.Classifier
	// RevertWindow is how many earlier versions a text may return to and count
	// as flapping rather than a change.
	RevertWindow int
	// RevertMaxAge bounds flapping in time: a text that returns after the
	// one it replaced stood longer than this is the platform undoing a
	// change, and alerts like any change. Zero means 30 days.
	RevertMaxAge time.Duration
	// Observer, when set, counts checks, fetches, versions and changes (for /metrics).
	Observer Observer
	// Owner names this process in document leases (empty means host:pid);
	// Lease is how long a check may hold a document.
	Owner string
	Lease time.Duration
}

// Observer is told what the monitor did; the metrics package implements it.
type Observer interface {
	ObserveCheck(outcome, reason string, d time.Duration)
	ObserveFetch(status int, d time.Duration)
	ObserveVersion(technical bool)
	ObserveChange(kind, severity string)
}

// nopObserver stands in when no Observer is configured.
type nopObserver struct{}

func (nopObserver) ObserveCheck(string, string, time.Duration) {}
func (nopObserver) ObserveFetch(int, time.Duration)            {}
func (nopObserver) ObserveVersion(bool)                        {}
func (nopObserver) ObserveChange(string, string)               {}

// Monitor checks documents: fetch, guard, extract, version, diff, record.
type Monitor struct {
	db      *store.DB
	fetcher *fetch.Fetcher
	opts    Options
	log     *slog.Logger
	locks   docLocks
}

// New returns a Monitor that records into db and fetches with f.
func New(db *store.DB, f *fetch.Fetcher, opts Options) *Monitor {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.FailureThreshold <= 0 {
		opts.FailureThreshold = 3
	}
	if opts.Interval <= 0 {
		opts.Interval = 6 * time.Hour
	}
	if opts.Jitter < 0 {
		opts.Jitter = 0
	}
	if opts.Classifier == nil {
		opts.Classifier = analysis.Default()
	}
	if opts.RevertWindow <= 0 {
		opts.RevertWindow = 5
	}
	if opts.RevertMaxAge <= 0 {
		opts.RevertMaxAge = 30 * 24 * time.Hour
	}
	if opts.Observer == nil {
		opts.Observer = nopObserver{}
	}
	if opts.Owner == "" {
		opts.Owner = defaultOwner()
	}
	if opts.Lease <= 0 {
		opts.Lease = 10 * time.Minute
	}
	return &Monitor{db: db, fetcher: f, opts: opts, log: opts.Logger.With("component", "monitor")}
}

// ValidateURL says whether a URL typed by a person may be tracked: http(s),
// no credentials, and a public address unless private ones are allowed.
func (m *Monitor) ValidateURL(ctx context.Context, rawURL string) error {
	return m.fetcher.Validate(ctx, rawURL)
}

// CheckPlatform checks every document of a platform now, in type order.
func (m *Monitor) CheckPlatform(ctx context.Context, platformID uint) ([]Result, error) {
	docs, err := m.db.DocumentsOf(ctx, platformID)
	if err != nil {
		return nil, err
	}
	results := make([]Result, 0, len(docs))
	for _, d := range docs {
		r, err := m.Check(ctx, d.ID)
		if err != nil {
			return results, err
		}
		results = append(results, r)
	}
	return results, nil
}

// capture is what one check saw before anything is written.
type capture struct {
	at          time.Time
	status      int
	notModified bool // every page answered 304
	pages       []capturedPage
	etags       map[string]string
	modified    map[string]string
}

type capturedPage struct {
	url         string
	status      int
	contentType string
	raw         []byte // exactly as captured (original charset)
	body        []byte // UTF-8 for HTML, raw for PDF
	snapshotID  uint   // set when reused from the previous version (a 304 on one page of several)
}

// failure is a check that did not produce a text to compare.
type failure struct {
	reason     string
	err        error
	retryAfter time.Duration
	status     int
}

func (f *failure) Error() string { return f.err.Error() }

// Check fetches a document now and records what happened. The error is for
// the check itself being impossible (the store is down, the document does
// not exist); a page that cannot be fetched or is not the policy is a
// recorded failure, reported in Result.
func (m *Monitor) Check(ctx context.Context, docID uint) (Result, error) {
	release, err := m.acquire(ctx, docID)
	if err != nil {
		return Result{DocumentID: docID}, fmt.Errorf("check document %d: %w", docID, err)
	}
	defer release()
	start := m.opts.Now()
	doc, err := m.db.Document(ctx, docID)
	if err != nil {
		return Result{}, err
	}
	res := Result{Platform: doc.Platform.Slug, Document: doc.Type, DocumentID: doc.ID}
	log := m.log.With("platform", doc.Platform.Slug, "document", doc.Type)

	src, hist, err := sources(doc)
	if err != nil {
		return res, fmt.Errorf("check %s %s: %w", doc.Platform.Slug, doc.Type, err)
	}
	prev, err := m.db.LatestVersion(ctx, doc.ID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return res, err
	}
	if errors.Is(err, store.ErrNotFound) {
		prev = nil
	}
	if prev != nil && prev.ExtractorVersion != reader(doc) {
		// Compare like with like: re-extract the last capture with today's
		// extractor and declaration first, so an extractor upgrade or a new
		// selector never looks like a policy change.
		if p, err := m.reextract(ctx, doc, src, hist, prev); err != nil {
			log.Warn("re-extract before check failed", "err", err)
		} else {
			prev = p
		}
	}

	cap, ferr := m.fetchPages(ctx, doc, src, prev)
	var text string
	if ferr == nil && !cap.notModified {
		text, ferr = m.extractAndGuard(ctx, cap, src, hist, doc.Type, prev)
	}
	if ferr != nil {
		var f *failure
		if !errors.As(ferr, &f) {
			f = &failure{reason: "fetch", err: ferr}
		}
		if ctx.Err() != nil {
			// Shutting down: abandon without recording a failure that did not happen.
			return res, ctx.Err()
		}
		return m.recordFailure(ctx, doc, cap, f, start, log)
	}
	return m.recordCapture(ctx, doc, cap, text, prev, start, log)
}

// reader names what turns a document's snapshots into its text: the
// extractor and the document's declaration with its history. A version read
// by another reader is re-read before it is compared, so that neither an
// extractor upgrade nor an imported declaration with a new selector is
// taken for a policy change.
func reader(doc *store.Document) string {
	sum := sha256.Sum256([]byte(doc.Declaration + "\x00" + doc.DeclarationHistory))
	return extract.Version + "+" + hex.EncodeToString(sum[:6])
}

// sources decodes the document's declaration and history.
func sources(doc *store.Document) (catalog.DocumentSource, catalog.History, error) {
	var src catalog.DocumentSource
	if err := json.Unmarshal([]byte(doc.Declaration), &src); err != nil {
		return src, nil, fmt.Errorf("declaration: %w", err)
	}
	var hist catalog.History
	if h := strings.TrimSpace(doc.DeclarationHistory); h != "" && h != "null" && h != "[]" {
		var entries []catalog.HistoricalSource
		if err := json.Unmarshal([]byte(h), &entries); err != nil {
			return src, nil, fmt.Errorf("declaration history: %w", err)
		}
		hist = catalog.History{doc.Type: entries}
	}
	return src, hist, nil
}

// fetchPages fetches every page of the document, conditionally where the
// last capture left validators.
func (m *Monitor) fetchPages(ctx context.Context, doc *store.Document, src catalog.DocumentSource, prev *store.Version) (*capture, error) {
	cap := &capture{at: m.opts.Now(), etags: decodeValidators(doc.ETag), modified: decodeValidators(doc.LastModified)}
	pages := src.Pages()
	var prevSnaps []uint
	if prev != nil {
		prevSnaps = store.SplitIDs(prev.SnapshotIDs)
	}
	all304 := true
	for i, p := range pages {
		req := fetch.Request{URL: p.Fetch, Browser: p.ExecuteClientScripts != nil && *p.ExecuteClientScripts}
		// Validators only help when the last capture's snapshot can stand in
		// for this page; without it a 304 would leave nothing to extract.
		if prev != nil && len(prevSnaps) == len(pages) {
			req.ETag, req.LastModified = cap.etags[p.Fetch], cap.modified[p.Fetch]
		}
		resp, err := m.fetcher.Fetch(ctx, req)
		if resp != nil {
			m.opts.Observer.ObserveFetch(resp.Status, resp.Duration)
		}
		if err != nil {
			f := &failure{reason: string(fetch.KindOf(err)), err: err}
			var fe *fetch.Error
			if errors.As(err, &fe) {
				f.status, f.retryAfter = fe.Status, fe.RetryAfter
			}
			cap.status = f.status
			return cap, f
		}
		cap.status = resp.Status
		if resp.NotModified {
			if i >= len(prevSnaps) {
				return cap, &failure{reason: "http", err: fmt.Errorf("%s answered 304 to a request that was not conditional", p.Fetch), status: resp.Status}
			}
			cap.pages = append(cap.pages, capturedPage{url: p.Fetch, status: resp.Status, snapshotID: prevSnaps[i]})
			continue
		}
		all304 = false
		body := resp.UTF8
		if body == nil {
			body = resp.Body
		}
		cap.pages = append(cap.pages, capturedPage{url: resp.URL, status: resp.Status, contentType: resp.ContentType, raw: resp.Body, body: body})
		if resp.ETag != "" {
			cap.etags[p.Fetch] = resp.ETag
		} else {
			delete(cap.etags, p.Fetch)
		}
		if resp.LastModified != "" {
			cap.modified[p.Fetch] = resp.LastModified
		} else {
			delete(cap.modified, p.Fetch)
		}
	}
	cap.notModified = all304 && len(pages) > 0
	return cap, nil
}

// extractAndGuard turns the captured pages into the document's text, or a
// failure when the pages are not the policy.
func (m *Monitor) extractAndGuard(ctx context.Context, cap *capture, src catalog.DocumentSource, hist catalog.History, docType string, prev *store.Version) (string, error) {
	pages := make([]extract.Page, len(cap.pages))
	for i, p := range cap.pages {
		if p.raw == nil && p.snapshotID != 0 {
			// A 304 on one page of several: its last capture stands in.
			snap, raw, err := m.db.Snapshot(ctx, p.snapshotID)
			if err != nil {
				return "", &failure{reason: "store", err: err}
			}
			body, _, err := fetch.DecodeCharset(raw, snap.ContentType)
			if err != nil {
				body = raw
			}
			cap.pages[i].contentType, cap.pages[i].body = snap.ContentType, body
			p = cap.pages[i]
		}
		pages[i] = extract.Page{Body: p.body, ContentType: p.contentType, URL: p.url}
	}
	res, err := extract.Extract(pages, extract.Options{Source: &src, History: hist, DocType: docType, At: cap.at})
	previous := ""
	if prev != nil {
		previous = prev.Text
	}
	if err != nil {
		v := guard.ExtractFailure(err)
		if v.Reason == "" {
			v.Reason = "extract"
		}
		return "", &failure{reason: v.Reason, err: errors.New(v.Detail), status: cap.status}
	}
	v := guard.Inspect(guard.Page{Status: cap.status, ContentType: firstContentType(cap), Title: res.Title, Text: res.Markdown}, previous)
	if !v.OK {
		return "", &failure{reason: v.Reason, err: errors.New(v.Detail), status: cap.status}
	}
	return res.Markdown, nil
}

func firstContentType(cap *capture) string {
	for _, p := range cap.pages {
		if p.contentType != "" {
			return p.contentType
		}
	}
	return ""
}

// recordFailure writes a failed check and moves the document's health.
func (m *Monitor) recordFailure(ctx context.Context, doc *store.Document, cap *capture, f *failure, start time.Time, log *slog.Logger) (Result, error) {
	now := m.opts.Now()
	res := Result{Platform: doc.Platform.Slug, Document: doc.Type, DocumentID: doc.ID,
		Outcome: store.OutcomeFailed, Error: f.Error(), Reason: f.reason}
	err := m.db.Tx(ctx, func(tx *store.DB) error {
		check := &store.Check{DocumentID: doc.ID, At: now, Outcome: store.OutcomeFailed, Reason: f.reason, Error: f.Error(),
			HTTPStatus: f.status, RawSHA256: rawHashes(cap), Duration: now.Sub(start)}
		// The first page of a run of failures is kept as evidence of what
		// broke; the ones after it (error pages carry nonces too) only by hash.
		keep, err := m.firstFailurePage(ctx, tx, doc)
		if err != nil {
			return err
		}
		if keep {
			snapIDs, err := m.saveSnapshots(ctx, tx, doc, cap)
			if err != nil {
				return err
			}
			check.SnapshotIDs = store.JoinIDs(snapIDs)
		}
		if err := tx.RecordCheck(ctx, check); err != nil {
			return err
		}
		doc.ConsecutiveFailures++
		doc.LastError = f.Error()
		doc.LastCheckAt = &now
		wasBroken := doc.Health == store.HealthFailing || doc.Health == store.HealthBlocked
		if doc.ConsecutiveFailures >= m.opts.FailureThreshold {
			if f.reason == string(fetch.KindBlocked) {
				doc.Health = store.HealthBlocked
			} else {
				doc.Health = store.HealthFailing
			}
			if !wasBroken && m.opts.OnHealth != nil {
				if err := m.opts.OnHealth(ctx, tx, doc, true, f.Error()); err != nil {
					return fmt.Errorf("health hook: %w", err)
				}
			}
		}
		next := now.Add(m.retryDelay(doc, f))
		doc.NextCheckAt = &next
		return tx.SaveDocument(ctx, doc)
	})
	if err != nil {
		return res, fmt.Errorf("record failed check of %s %s: %w", doc.Platform.Slug, doc.Type, err)
	}
	m.opts.Observer.ObserveCheck(store.OutcomeFailed, f.reason, now.Sub(start))
	log.Warn("check failed", "reason", f.reason, "err", f.err, "failures", doc.ConsecutiveFailures)
	return res, nil
}

// firstFailurePage reports whether no failed check of the document's
// current run of failures has kept a page yet.
func (m *Monitor) firstFailurePage(ctx context.Context, tx *store.DB, doc *store.Document) (bool, error) {
	if doc.ConsecutiveFailures == 0 {
		return true, nil
	}
	recent, err := tx.Checks(ctx, doc.ID, doc.ConsecutiveFailures)
	if err != nil {
		return false, err
	}
	for _, c := range recent {
		if c.SnapshotIDs != "" {
			return false, nil
		}
	}
	return true, nil
}

// retryDelay backs off after failures: soon at first (a blip should not cost
// a day's alerts), then doubling up to the normal interval, and never sooner
// than a server's Retry-After.
func (m *Monitor) retryDelay(doc *store.Document, f *failure) time.Duration {
	interval := m.interval(doc)
	d := 15 * time.Minute << min(doc.ConsecutiveFailures-1, 8)
	if d > interval || d <= 0 {
		d = interval
	}
	if f.retryAfter > d {
		d = f.retryAfter
	}
	return d
}

func (m *Monitor) interval(doc *store.Document) time.Duration {
	if doc.CheckInterval > 0 {
		return doc.CheckInterval
	}
	return m.opts.Interval
}

// nextCheck is the next regular check time, with jitter.
func (m *Monitor) nextCheck(doc *store.Document, now time.Time) time.Time {
	next := now.Add(m.interval(doc))
	if m.opts.Jitter > 0 {
		next = next.Add(rand.N(m.opts.Jitter))
	}
	return next
}

// saveSnapshots stores the pages fetched in this capture (304 pages reuse
// their previous snapshot) and returns their ids in page order.
func (m *Monitor) saveSnapshots(ctx context.Context, tx *store.DB, doc *store.Document, cap *capture) ([]uint, error) {
	if cap == nil {
		return nil, nil
	}
	ids := make([]uint, 0, len(cap.pages))
	for _, p := range cap.pages {
		if p.raw == nil {
			if p.snapshotID != 0 {
				ids = append(ids, p.snapshotID)
			}
			continue
		}
		s, err := tx.PutSnapshot(ctx, doc.ID, p.url, p.status, p.contentType, p.raw, cap.at)
		if err != nil {
			return nil, err
		}
		ids = append(ids, s.ID)
	}
	return ids, nil
}

// recordCapture writes a successful check: a verification, a first version,
// or a new version with its change, in one transaction with the outgoing
// messages the hooks write.
func (m *Monitor) recordCapture(ctx context.Context, doc *store.Document, cap *capture, text string, prev *store.Version, start time.Time, log *slog.Logger) (Result, error) {
	now := m.opts.Now()
	res := Result{Platform: doc.Platform.Slug, Document: doc.Type, DocumentID: doc.ID}
	var hash string
	if !cap.notModified {
		hash = store.SHA256([]byte(text))
	}
	// Work that needs no transaction is done before it, to keep the write lock short.
	var (
		recent  []store.Version
		result  diff.Result
		summary *analysis.ChangeSummary
		kind    string
	)
	switch {
	case cap.notModified || (prev != nil && prev.SHA256 == hash):
		res.Outcome = store.OutcomeUnchanged
	case prev == nil:
		res.Outcome = store.OutcomeFirst
	default:
		res.Outcome = store.OutcomeChanged
		var err error
		recent, err = m.db.Versions(ctx, doc.ID, m.opts.RevertWindow+1, false)
		if err != nil {
			return res, err
		}
		hashes := make([]string, 0, len(recent))
		for _, v := range recent[1:] {
			hashes = append(hashes, v.SHA256)
		}
		result = diff.Compare(prev.Text, text)
		switch {
		case guard.IsRevert(hash, hashes) && now.Sub(prev.CapturedAt) <= m.opts.RevertMaxAge:
			kind = store.KindReverted
		case result.Kind == diff.KindSubstantive:
			kind = store.KindSubstantive
			s := analysis.Summarize(doc.Platform.Name, doc.Type, result)
			summary = &s
		default:
			kind = store.KindCosmetic
		}
	}
	var provisions []analysis.Provision
	if res.Outcome != store.OutcomeUnchanged {
		provisions = m.opts.Classifier.Provisions(text)
	}

	err := m.db.Tx(ctx, func(tx *store.DB) error {
		check := &store.Check{DocumentID: doc.ID, At: now, Outcome: res.Outcome, HTTPStatus: cap.status,
			NotModified: cap.notModified, RawSHA256: rawHashes(cap), Duration: now.Sub(start)}
		// Pages carry nonces and rotating tokens, so their bytes differ from
		// fetch to fetch while the policy does not: a verification keeps the
		// hash of what it saw, and only captures that make a version keep the
		// bytes (about 50 KB a check otherwise, forever).
		var snapIDs []uint
		if res.Outcome != store.OutcomeUnchanged {
			var err error
			if snapIDs, err = m.saveSnapshots(ctx, tx, doc, cap); err != nil {
				return err
			}
			check.SnapshotIDs = store.JoinIDs(snapIDs)
		}
		if res.Outcome != store.OutcomeUnchanged {
			v := &store.Version{DocumentID: doc.ID, SHA256: hash, Text: text, SnapshotIDs: store.JoinIDs(snapIDs),
				CapturedAt: cap.at, ExtractorVersion: reader(doc)}
			if err := tx.CreateVersion(ctx, v); err != nil {
				return err
			}
			check.VersionID = &v.ID
			if err := tx.ReplaceProvisions(ctx, doc.ID, provisionRows(doc, v, provisions)); err != nil {
				return err
			}
			if prev != nil {
				ch, err := m.recordChange(ctx, tx, doc, prev, v, kind, result, summary, now)
				if err != nil {
					return err
				}
				check.ChangeID = &ch.ID
				res.Change = &ChangeRef{ID: ch.ID, Kind: ch.Kind, Severity: ch.Severity, Headline: ch.Headline}
			}
		}
		if err := tx.RecordCheck(ctx, check); err != nil {
			return err
		}
		wasBroken := doc.Health == store.HealthFailing || doc.Health == store.HealthBlocked
		doc.Health = store.HealthOK
		doc.ConsecutiveFailures = 0
		doc.LastError = ""
		doc.LastCheckAt = &now
		doc.LastSuccessAt = &now
		doc.ETag = encodeValidators(cap.etags)
		doc.LastModified = encodeValidators(cap.modified)
		next := m.nextCheck(doc, now)
		doc.NextCheckAt = &next
		if wasBroken && m.opts.OnHealth != nil {
			if err := m.opts.OnHealth(ctx, tx, doc, false, ""); err != nil {
				return fmt.Errorf("health hook: %w", err)
			}
		}
		return tx.SaveDocument(ctx, doc)
	})
	if err != nil {
		return res, fmt.Errorf("record check of %s %s: %w", doc.Platform.Slug, doc.Type, err)
	}
	m.opts.Observer.ObserveCheck(res.Outcome, "", now.Sub(start))
	if res.Outcome != store.OutcomeUnchanged {
		m.opts.Observer.ObserveVersion(false)
	}
	if res.Change != nil {
		m.opts.Observer.ObserveChange(res.Change.Kind, res.Change.Severity)
	}
	attrs := []any{"outcome", res.Outcome, "not_modified", cap.notModified}
	if res.Change != nil {
		attrs = append(attrs, "change", res.Change.ID, "kind", res.Change.Kind, "severity", res.Change.Severity)
	}
	log.Info("checked", attrs...)
	return res, nil
}

// recordChange writes the change between prev and v and lets the hook write
// its outgoing messages in the same transaction.
func (m *Monitor) recordChange(ctx context.Context, tx *store.DB, doc *store.Document, prev, v *store.Version, kind string, result diff.Result, summary *analysis.ChangeSummary, now time.Time) (*store.Change, error) {
	diffJSON, err := json.Marshal(result)
	if err != nil {
		return nil, fmt.Errorf("encode diff: %w", err)
	}
	ch := &store.Change{DocumentID: doc.ID, FromVersionID: &prev.ID, ToVersionID: v.ID, DetectedAt: now, Kind: kind, Diff: string(diffJSON)}
	if summary != nil {
		sumJSON, err := json.Marshal(summary)
		if err != nil {
			return nil, fmt.Errorf("encode summary: %w", err)
		}
		ch.Summary = string(sumJSON)
		ch.Severity = string(summary.Severity)
		ch.Headline = summary.Headline
		ch.Categories = strings.Join(summary.Categories, ",")
	}
	if err := tx.CreateChange(ctx, ch); err != nil {
		return nil, err
	}
	// The hook's messages say when each version was captured.
	ch.FromVersion, ch.ToVersion = prev, *v
	if m.opts.OnChange != nil {
		var s *analysis.ChangeSummary
		if kind == store.KindSubstantive {
			s = summary
		}
		if err := m.opts.OnChange(ctx, tx, doc, ch, s); err != nil {
			return nil, fmt.Errorf("change hook: %w", err)
		}
	}
	return ch, nil
}

// rawHashes lists the SHA-256 of each page fetched in this capture (empty
// for pages answered with 304), comma-separated in page order.
func rawHashes(cap *capture) string {
	if cap == nil {
		return ""
	}
	hs := make([]string, len(cap.pages))
	for i, p := range cap.pages {
		if p.raw != nil {
			hs[i] = store.SHA256(p.raw)
		}
	}
	return strings.Join(hs, ",")
}

func provisionRows(doc *store.Document, v *store.Version, ps []analysis.Provision) []store.Provision {
	rows := make([]store.Provision, 0, len(ps))
	for _, p := range ps {
		rows = append(rows, store.Provision{
			VersionID: v.ID, DocumentID: doc.ID, PlatformID: doc.PlatformID, Category: p.Category,
			Heading: p.Heading, Excerpt: p.Excerpt, Start: p.Start, End: p.End, Confidence: p.Confidence,
			Evidence: strings.Join(p.Evidence, ","),
		})
	}
	return rows
}

// decodeValidators reads the per-URL ETag or Last-Modified map.
func decodeValidators(s string) map[string]string {
	out := map[string]string{}
	if s != "" {
		_ = json.Unmarshal([]byte(s), &out)
	}
	return out
}

func encodeValidators(m map[string]string) string {
	if len(m) == 0 {
		return ""
	}
	b, _ := json.Marshal(m)
	return string(b)
}
