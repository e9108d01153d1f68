// Package metrics counts what policybot does, for Prometheus: the monitor,
// the notifier, the command router and the web server call the Observe
// methods as work happens, and figures that must survive a restart
// (deliveries by status, queue depth, stored versions and changes) are read
// from the store at scrape time.
//
// Every method is safe on a nil *Metrics, so a part built without metrics
// (a test, a one-shot CLI command) needs no stand-in. Label values that come
// from outside a fixed set (command names, failure reasons, adapters) are
// cleaned and capped, so a typo in a chat command can never grow the series
// without bound.
package metrics

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Store is what the scrape-time gauges read; *store.DB implements it.
type Store interface {
	DeliveryCounts(ctx context.Context) (map[string]int, error)
	QueueDepth(ctx context.Context, now time.Time) (deliveries, checks int, err error)
	VersionCount(ctx context.Context) (int, error)
	ChangeCounts(ctx context.Context) (map[[2]string]int, error)
}

// Options configure New.
type Options struct {
	// Store is read at each scrape; nil leaves the store gauges out.
	Store  Store
	Logger *slog.Logger
	// ScrapeTimeout bounds the store queries of one scrape (default 3s).
	ScrapeTimeout time.Duration
	// NoRuntime leaves out the Go runtime and process collectors (tests).
	NoRuntime bool
}

// Metrics holds policybot's collectors in a registry of its own.
type Metrics struct {
	reg *prometheus.Registry

	checks        *prometheus.CounterVec
	checkDuration *prometheus.HistogramVec
	fetchDuration *prometheus.HistogramVec
	versions      *prometheus.CounterVec
	changes       *prometheus.CounterVec
	deliveries    *prometheus.CounterVec
	commands      *prometheus.HistogramVec
	httpRequests  *prometheus.CounterVec
	httpDuration  *prometheus.HistogramVec

	reasons, adapters, commandNames, routes *labelSet
}

// Latency buckets: fetches and checks take from tens of milliseconds to a
// minute (a headless browser); commands must answer within Slack's 3 s.
var (
	slowBuckets = []float64{.05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120}
	fastBuckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}
)

// New registers every collector.
func New(opts Options) *Metrics {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.ScrapeTimeout <= 0 {
		opts.ScrapeTimeout = 3 * time.Second
	}
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		checks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "policybot_checks_total",
			Help: "Document checks by outcome (first, unchanged, changed, failed) and failure reason.",
		}, []string{"outcome", "reason"}),
		checkDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "policybot_check_duration_seconds", Help: "Time to check one document, fetch to commit.", Buckets: slowBuckets,
		}, []string{"outcome"}),
		fetchDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "policybot_fetch_duration_seconds", Help: "Time to fetch one page, by HTTP status class (error when no response).", Buckets: slowBuckets,
		}, []string{"status"}),
		versions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "policybot_versions_total", Help: "Versions recorded by this process; technical ones come from re-extraction.",
		}, []string{"technical"}),
		changes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "policybot_changes_total", Help: "Changes recorded by this process, by kind and severity.",
		}, []string{"kind", "severity"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "policybot_delivery_attempts_total", Help: "Attempts to post a delivery, by adapter and result (delivered, retry, rate-limited, parked).",
		}, []string{"adapter", "result"}),
		commands: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "policybot_command_duration_seconds", Help: "Time to answer a chat command, by command.", Buckets: fastBuckets,
		}, []string{"command"}),
		httpRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "policybot_http_requests_total", Help: "HTTP requests by route pattern and status code.",
		}, []string{"route", "code"}),
		httpDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "policybot_http_request_duration_seconds", Help: "HTTP request latency by route pattern.", Buckets: fastBuckets,
		}, []string{"route"}),
		reasons:      newLabelSet(32),
		adapters:     newLabelSet(8),
		commandNames: newLabelSet(64),
		routes:       newLabelSet(64),
	}
	m.reg.MustRegister(m.checks, m.checkDuration, m.fetchDuration, m.versions, m.changes, m.deliveries,
		m.commands, m.httpRequests, m.httpDuration)
	if opts.Store != nil {
		m.reg.MustRegister(&storeCollector{store: opts.Store, timeout: opts.ScrapeTimeout, log: opts.Logger})
	}
	if !opts.NoRuntime {
		m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	if m == nil {
		return http.NotFoundHandler()
	}
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// Registry is where callers may register collectors of their own.
func (m *Metrics) Registry() *prometheus.Registry {
	if m == nil {
		return nil
	}
	return m.reg
}

// ObserveCheck records one document check: its outcome (store.Outcome*),
// the failure reason (empty on success) and how long it took.
func (m *Metrics) ObserveCheck(outcome, reason string, d time.Duration) {
	if m == nil {
		return
	}
	outcome = clean(outcome)
	m.checks.WithLabelValues(outcome, m.reasons.value(reason)).Inc()
	m.checkDuration.WithLabelValues(outcome).Observe(d.Seconds())
}

// ObserveFetch records one page fetch: status is the HTTP status, 0 when no
// response came back.
func (m *Metrics) ObserveFetch(status int, d time.Duration) {
	if m == nil {
		return
	}
	m.fetchDuration.WithLabelValues(statusClass(status)).Observe(d.Seconds())
}

// ObserveVersion records a new version of a document.
func (m *Metrics) ObserveVersion(technical bool) {
	if m == nil {
		return
	}
	m.versions.WithLabelValues(strconv.FormatBool(technical)).Inc()
}

// ObserveChange records a change of a kind (store.Kind*) and severity (empty
// for changes that never alert).
func (m *Metrics) ObserveChange(kind, severity string) {
	if m == nil {
		return
	}
	m.changes.WithLabelValues(clean(kind), clean(severity)).Inc()
}

// ObserveDelivery records one attempt to post a delivery through an adapter:
// result is delivered, retry, rate-limited or parked.
func (m *Metrics) ObserveDelivery(adapter, result string) {
	if m == nil {
		return
	}
	m.deliveries.WithLabelValues(m.adapters.value(adapter), clean(result)).Inc()
}

// ObserveCommand records the time taken to answer a chat command.
func (m *Metrics) ObserveCommand(name string, d time.Duration) {
	if m == nil {
		return
	}
	m.commands.WithLabelValues(m.commandNames.value(name)).Observe(d.Seconds())
}

// ObserveHTTP records one HTTP request by its route pattern (never its path,
// which may carry a feed token).
func (m *Metrics) ObserveHTTP(route string, code int, d time.Duration) {
	if m == nil {
		return
	}
	if route == "" {
		route = "unmatched"
	}
	route = m.routes.value(route)
	m.httpRequests.WithLabelValues(route, strconv.Itoa(code)).Inc()
	m.httpDuration.WithLabelValues(route).Observe(d.Seconds())
}

func statusClass(status int) string {
	switch {
	case status == 0:
		return "error"
	case status == http.StatusNotModified:
		return "304"
	case status >= 100 && status < 600:
		return strconv.Itoa(status/100) + "xx"
	}
	return "other"
}

// clean keeps a label value short and printable.
func clean(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 64 {
		s = s[:64]
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
}

// labelSet admits the first max distinct values of a label and folds any
// later ones into "other".
type labelSet struct {
	mu   sync.Mutex
	max  int
	seen map[string]bool
}

func newLabelSet(max int) *labelSet { return &labelSet{max: max, seen: map[string]bool{}} }

func (l *labelSet) value(s string) string {
	s = clean(s)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.seen[s] {
		return s
	}
	if len(l.seen) >= l.max {
		return "other"
	}
	l.seen[s] = true
	return s
}

// storeCollector reads durable figures from the store at each scrape: they
// are true across restarts and replicas, which process counters are not.
type storeCollector struct {
	store   Store
	timeout time.Duration
	log     *slog.Logger
}

var (
	descStoreUp    = prometheus.NewDesc("policybot_store_up", "1 when the last scrape could read the store.", nil, nil)
	descDeliveries = prometheus.NewDesc("policybot_deliveries", "Deliveries in the outbox by status (pending, delivered, parked).", []string{"status"}, nil)
	descQueueDepth = prometheus.NewDesc("policybot_queue_depth", "Work due now and not yet done: deliveries to send, document checks to run.", []string{"queue"}, nil)
	descVersions   = prometheus.NewDesc("policybot_versions_stored", "Versions in the store.", nil, nil)
	descChanges    = prometheus.NewDesc("policybot_changes_stored", "Changes in the store by kind and severity.", []string{"kind", "severity"}, nil)
)

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descStoreUp, descDeliveries, descQueueDepth, descVersions, descChanges} {
		ch <- d
	}
}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	up := 1.0
	fail := func(what string, err error) {
		up = 0
		c.log.Warn("metrics: cannot read the store", slog.String("what", what), slog.Any("err", err))
	}
	if counts, err := c.store.DeliveryCounts(ctx); err != nil {
		fail("deliveries", err)
	} else {
		for status, n := range counts {
			ch <- prometheus.MustNewConstMetric(descDeliveries, prometheus.GaugeValue, float64(n), status)
		}
	}
	if deliveries, checks, err := c.store.QueueDepth(ctx, time.Now()); err != nil {
		fail("queue depth", err)
	} else {
		ch <- prometheus.MustNewConstMetric(descQueueDepth, prometheus.GaugeValue, float64(deliveries), "deliveries")
		ch <- prometheus.MustNewConstMetric(descQueueDepth, prometheus.GaugeValue, float64(checks), "checks")
	}
	if n, err := c.store.VersionCount(ctx); err != nil {
		fail("versions", err)
	} else {
		ch <- prometheus.MustNewConstMetric(descVersions, prometheus.GaugeValue, float64(n))
	}
	if counts, err := c.store.ChangeCounts(ctx); err != nil {
		fail("changes", err)
	} else {
		for k, n := range counts {
			ch <- prometheus.MustNewConstMetric(descChanges, prometheus.GaugeValue, float64(n), k[0], k[1])
		}
	}
	ch <- prometheus.MustNewConstMetric(descStoreUp, prometheus.GaugeValue, up)
}
