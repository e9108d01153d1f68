package web

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/policybot/policybot/store"
)

// parseFeed decodes an Atom document strictly: any XML error fails.
func parseFeed(t *testing.T, body string) atomFeed {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(body))
	dec.Strict = true
	// Walk every token first, so malformed XML anywhere is caught.
	for {
		_, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("feed is not well-formed XML: %v\n%s", err, body)
		}
	}
	var f atomFeed
	if err := xml.Unmarshal([]byte(body), &f); err != nil {
		t.Fatalf("feed: %v", err)
	}
	if f.XMLName.Space != "http://www.w3.org/2005/Atom" || f.XMLName.Local != "feed" {
		t.Fatalf("root element %v", f.XMLName)
	}
	if _, err := time.Parse(time.RFC3339, f.Updated); err != nil {
		t.Errorf("feed updated %q: %v", f.Updated, err)
	}
	for _, e := range f.Entries {
		if e.ID == "" || e.Title == "" {
			t.Errorf("entry without id or title: %+v", e)
		}
		if _, err := time.Parse(time.RFC3339, e.Updated); err != nil {
			t.Errorf("entry updated %q: %v", e.Updated, err)
		}
	}
	return f
}

func TestPlatformFeed(t *testing.T) {
	f := newFixture(t)
	res := f.get(t, "/platforms/coursera/feed.atom")
	if res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/atom+xml; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	feed := parseFeed(t, res.body)
	self := f.base + "/platforms/coursera/feed.atom"
	if feed.ID != self {
		t.Errorf("feed id %q, want %q", feed.ID, self)
	}
	if len(feed.Entries) != 1 {
		t.Fatalf("%d entries, want the one substantive change", len(feed.Entries))
	}
	e := feed.Entries[0]
	record := fmt.Sprintf("%s/changes/%d", f.base, f.change.ID)
	if e.ID != record || e.Title != f.summary.Headline || e.Updated != f.change.DetectedAt.UTC().Format(time.RFC3339) {
		t.Errorf("entry %+v", e)
	}
	if len(e.Links) == 0 || e.Links[0].Href != record || e.Links[0].Rel != "alternate" {
		t.Errorf("entry links %+v", e.Links)
	}
	// Stable: the same request gives the same ids and the same bytes.
	if again := f.get(t, "/platforms/coursera/feed.atom"); again.body != res.body {
		t.Error("feed differs between two requests with nothing changed")
	}

	lm, etag := res.Header.Get("Last-Modified"), res.Header.Get("ETag")
	if lm == "" || etag == "" {
		t.Fatalf("Last-Modified %q, ETag %q", lm, etag)
	}
	for _, h := range []string{"If-Modified-Since: " + lm, "If-None-Match: " + etag} {
		r := f.get(t, "/platforms/coursera/feed.atom", h)
		if r.StatusCode != http.StatusNotModified || r.body != "" {
			t.Errorf("%s: status %d, %d bytes", h, r.StatusCode, len(r.body))
		}
	}
	old := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).Format(http.TimeFormat)
	if r := f.get(t, "/platforms/coursera/feed.atom", "If-Modified-Since: "+old); r.StatusCode != 200 {
		t.Errorf("stale If-Modified-Since: %d", r.StatusCode)
	}
	if r := f.get(t, "/platforms/coursera/feed.atom", `If-None-Match: "other"`); r.StatusCode != 200 {
		t.Errorf("other ETag: %d", r.StatusCode)
	}

	// A cosmetic change is never an entry.
	nf := parseFeed(t, f.get(t, "/platforms/netflix/feed.atom").body)
	if len(nf.Entries) != 0 {
		t.Errorf("netflix feed has %d entries; its only change is cosmetic", len(nf.Entries))
	}
}

func TestChannelFeed(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	path := "/feeds/" + f.channel.FeedToken + ".atom"
	res := f.get(t, path)
	if res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
	if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "private") {
		t.Errorf("Cache-Control %q: a team's feed must not sit in shared caches", cc)
	}
	feed := parseFeed(t, res.body)
	if len(feed.Entries) != 1 || feed.Entries[0].ID != fmt.Sprintf("%s/changes/%d", f.base, f.change.ID) {
		t.Fatalf("entries %+v", feed.Entries)
	}
	if !strings.Contains(feed.Title, "#privacy-watch") {
		t.Errorf("title %q", feed.Title)
	}
	if r := f.get(t, path, "If-None-Match: "+res.Header.Get("ETag")); r.StatusCode != 304 {
		t.Errorf("conditional: %d", r.StatusCode)
	}

	// Muted subscriptions are not alerted, so not in the feed.
	muted := parseFeed(t, f.get(t, "/feeds/"+f.mutedChannel.FeedToken+".atom").body)
	if len(muted.Entries) != 0 {
		t.Errorf("muted channel feed has %d entries", len(muted.Entries))
	}

	// Narrowing the subscription to another document type empties the feed,
	// and the feed's Last-Modified moves with it (no stale 304).
	sub, err := f.db.ChannelSubscription(ctx, f.channel.ID, f.coursera.ID)
	must(t, err)
	time.Sleep(1100 * time.Millisecond) // Last-Modified has one-second resolution
	must(t, f.db.SetSubscriptionTypes(ctx, sub.ID, []string{"Terms of Service"}))
	r := f.get(t, path, "If-Modified-Since: "+res.Header.Get("Last-Modified"))
	if r.StatusCode != 200 {
		t.Fatalf("after narrowing, If-Modified-Since gave %d", r.StatusCode)
	}
	if n := len(parseFeed(t, r.body).Entries); n != 0 {
		t.Errorf("%d entries after narrowing to Terms of Service", n)
	}

	// A minimum severity above the change's drops it.
	must(t, f.db.SetSubscriptionTypes(ctx, sub.ID, nil))
	must(t, f.db.UpdateChannel(ctx, f.channel.ID, map[string]any{"min_severity": "critical"}))
	if n := len(parseFeed(t, f.get(t, path).body).Entries); n != 1 {
		t.Errorf("critical change under a critical minimum: %d entries", n)
	}
	must(t, f.db.UpdateChannel(ctx, f.channel.ID, map[string]any{"min_severity": "notice"}))
}

func TestMetrics(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	m := f.metrics
	m.ObserveCheck(store.OutcomeChanged, "", 2*time.Second)
	m.ObserveCheck(store.OutcomeFailed, "login-wall", 300*time.Millisecond)
	m.ObserveFetch(200, 120*time.Millisecond)
	m.ObserveFetch(304, 20*time.Millisecond)
	m.ObserveFetch(0, 10*time.Second)
	m.ObserveVersion(false)
	m.ObserveChange(store.KindSubstantive, "critical")
	m.ObserveDelivery("slack", "delivered")
	m.ObserveCommand("track", 80*time.Millisecond)
	for i := range 100 { // a flood of made-up command names stays bounded
		m.ObserveCommand(fmt.Sprintf("typo%d", i), time.Millisecond)
	}
	_, err := f.db.EnqueueDelivery(ctx, &store.Delivery{TenantID: f.channel.TenantID, ChannelID: f.channel.ID,
		Kind: store.DeliveryAlert, Payload: "{}", IdempotencyKey: "k1", NextAttemptAt: time.Now().Add(-time.Minute)})
	must(t, err)
	f.get(t, "/") // one request, so the HTTP series exist

	res := f.get(t, "/metrics")
	if res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
	// Legacy validation: the strict names every Prometheus server accepts.
	parser := expfmt.NewTextParser(model.LegacyValidation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader([]byte(res.body)))
	if err != nil {
		t.Fatalf("not the Prometheus text format: %v", err)
	}
	value := func(name string, labels map[string]string) (float64, bool) {
		fam, ok := families[name]
		if !ok {
			return 0, false
		}
	next:
		for _, mt := range fam.Metric {
			got := map[string]string{}
			for _, lp := range mt.Label {
				got[lp.GetName()] = lp.GetValue()
			}
			for k, v := range labels {
				if got[k] != v {
					continue next
				}
			}
			switch {
			case mt.Counter != nil:
				return mt.Counter.GetValue(), true
			case mt.Gauge != nil:
				return mt.Gauge.GetValue(), true
			case mt.Histogram != nil:
				return float64(mt.Histogram.GetSampleCount()), true
			}
		}
		return 0, false
	}
	tests := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"policybot_checks_total", map[string]string{"outcome": "changed", "reason": ""}, 1},
		{"policybot_checks_total", map[string]string{"outcome": "failed", "reason": "login-wall"}, 1},
		{"policybot_check_duration_seconds", map[string]string{"outcome": "failed"}, 1},
		{"policybot_fetch_duration_seconds", map[string]string{"status": "2xx"}, 1},
		{"policybot_fetch_duration_seconds", map[string]string{"status": "304"}, 1},
		{"policybot_fetch_duration_seconds", map[string]string{"status": "error"}, 1},
		{"policybot_versions_total", map[string]string{"technical": "false"}, 1},
		{"policybot_changes_total", map[string]string{"kind": "substantive", "severity": "critical"}, 1},
		{"policybot_delivery_attempts_total", map[string]string{"adapter": "slack", "result": "delivered"}, 1},
		{"policybot_command_duration_seconds", map[string]string{"command": "track"}, 1},
		{"policybot_http_requests_total", map[string]string{"route": "GET /{$}", "code": "200"}, 1},
		// read from the store at scrape time
		{"policybot_deliveries", map[string]string{"status": "pending"}, 1},
		{"policybot_deliveries", map[string]string{"status": "parked"}, 0},
		{"policybot_queue_depth", map[string]string{"queue": "deliveries"}, 1},
		{"policybot_queue_depth", map[string]string{"queue": "checks"}, 2},
		{"policybot_versions_stored", nil, 4},
		{"policybot_changes_stored", map[string]string{"kind": "substantive", "severity": "critical"}, 1},
		{"policybot_store_up", nil, 1},
	}
	for _, tc := range tests {
		got, ok := value(tc.name, tc.labels)
		if !ok || got != tc.want {
			t.Errorf("%s%v = %v (found %v), want %v", tc.name, tc.labels, got, ok, tc.want)
		}
	}
	if n := len(families["policybot_command_duration_seconds"].Metric); n > 65 {
		t.Errorf("%d command series: made-up names are not capped", n)
	}
	if families["policybot_queue_depth"].GetType().String() != "GAUGE" {
		t.Error("queue depth is not a gauge")
	}
}
