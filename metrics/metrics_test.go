package metrics

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/policybot/policybot/store/storetest"
)

func scrape(t *testing.T, m *Metrics) map[string]float64 {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("scrape: %d %s", rec.Code, rec.Body)
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(rec.Body.String()))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	out := map[string]float64{}
	for name, f := range fams {
		for _, mt := range f.Metric {
			key := name
			for _, l := range mt.Label {
				key += "," + l.GetName() + "=" + l.GetValue()
			}
			switch {
			case mt.Gauge != nil:
				out[key] = mt.Gauge.GetValue()
			case mt.Counter != nil:
				out[key] = mt.Counter.GetValue()
			case mt.Histogram != nil:
				out[key] = float64(mt.Histogram.GetSampleCount())
			}
		}
	}
	return out
}

func TestNilMetricsIsSafe(t *testing.T) {
	var m *Metrics
	m.ObserveCheck("changed", "", time.Second)
	m.ObserveFetch(200, time.Second)
	m.ObserveVersion(true)
	m.ObserveChange("substantive", "critical")
	m.ObserveDelivery("slack", "delivered")
	m.ObserveCommand("track", time.Second)
	m.ObserveHTTP("GET /", 200, time.Second)
	if m.Registry() != nil {
		t.Error("nil metrics has a registry")
	}
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("nil metrics handler: %d", rec.Code)
	}
}

func TestLabelsAreBounded(t *testing.T) {
	m := New(Options{NoRuntime: true})
	for i := range 200 {
		m.ObserveCommand(strings.Repeat("x", i%100+1), time.Millisecond)
		m.ObserveCheck("failed", "reason-"+strings.Repeat("y", i), time.Millisecond)
	}
	m.ObserveCommand("bad\nname\x00", time.Millisecond)
	got := scrape(t, m)
	commands, reasons := 0, 0
	for k := range got {
		if strings.HasPrefix(k, "policybot_command_duration_seconds,") {
			commands++
		}
		if strings.HasPrefix(k, "policybot_checks_total,") {
			reasons++
		}
	}
	if commands > 64+1 || reasons > 32+1 {
		t.Errorf("%d command series, %d reason series: not capped", commands, reasons)
	}
	if got["policybot_command_duration_seconds,command=other"] == 0 {
		t.Error("overflowing names are not folded into other")
	}
	for k := range got {
		if strings.ContainsAny(k, "\n\x00") {
			t.Errorf("control characters reached a label: %q", k)
		}
	}
}

func TestStatusClass(t *testing.T) {
	for status, want := range map[int]string{0: "error", 200: "2xx", 304: "304", 301: "3xx", 404: "4xx", 503: "5xx", 999: "other"} {
		if got := statusClass(status); got != want {
			t.Errorf("statusClass(%d) = %q, want %q", status, got, want)
		}
	}
}

func TestStoreGauges(t *testing.T) {
	db := storetest.MustOpen(t)
	m := New(Options{Store: db, NoRuntime: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	got := scrape(t, m)
	for _, k := range []string{"policybot_store_up", "policybot_deliveries,status=pending", "policybot_queue_depth,queue=deliveries",
		"policybot_queue_depth,queue=checks", "policybot_versions_stored"} {
		if _, ok := got[k]; !ok {
			t.Errorf("no %s", k)
		}
	}
	if got["policybot_store_up"] != 1 {
		t.Errorf("store_up %v with a working store", got["policybot_store_up"])
	}
	// A store that cannot answer still gives a scrape, which says so.
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	got = scrape(t, m)
	if v, ok := got["policybot_store_up"]; !ok || v != 0 {
		t.Errorf("store_up %v (present %v) with a closed store", v, ok)
	}
}
