package discord

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/policybot/policybot/analysis"
	"github.com/policybot/policybot/bot"
	"github.com/policybot/policybot/monitor/diff"
	"github.com/policybot/policybot/store"
)

var update = flag.Bool("update", false, "rewrite the summary fixture and the golden files")

const publicURL = "https://policybot.example.org"

// newTestAdapter is an adapter whose REST calls all go to the stand-in.
func newTestAdapter(t *testing.T, si *standIn, opts Options) *Adapter {
	t.Helper()
	opts.APIURL = si.URL()
	if opts.Token == "" {
		opts.Token = "test-token"
	}
	if opts.AppID == "" {
		opts.AppID = "app1"
	}
	a, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// courseraSummary is what the project's pipeline says of Coursera's privacy
// policy going from version 005 to 006 (real versions, see
// testdata/coursera/PROVENANCE.md). It is kept as a fixture so that this
// package's golden files change only when the rendering does; -update
// rebuilds it with the current pipeline.
func courseraSummary(t *testing.T) *analysis.ChangeSummary {
	t.Helper()
	path := filepath.Join("testdata", "coursera-005-006.summary.json")
	if *update {
		old, err := os.ReadFile(filepath.Join("testdata", "coursera", "005-2026-05-07.md"))
		if err != nil {
			t.Fatal(err)
		}
		next, err := os.ReadFile(filepath.Join("testdata", "coursera", "006-2026-05-12.md"))
		if err != nil {
			t.Fatal(err)
		}
		sum := analysis.Summarize("Coursera", "Privacy Policy", diff.Compare(string(old), string(next)))
		out, err := json.MarshalIndent(sum, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, append(out, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run Golden -update to build it)", err)
	}
	var sum analysis.ChangeSummary
	if err := json.Unmarshal(raw, &sum); err != nil {
		t.Fatal(err)
	}
	return &sum
}

// courseraEnvelope is the alert the bot package builds for that change.
func courseraEnvelope(t testing.TB, sum *analysis.ChangeSummary) bot.Envelope {
	t.Helper()
	doc := &store.Document{ID: 7, Type: "Privacy Policy", Platform: store.Platform{ID: 3, Slug: "coursera", Name: "Coursera"}}
	change := &store.Change{ID: 42, DocumentID: 7, Kind: store.KindSubstantive, Severity: string(sum.Severity),
		Headline: sum.Headline, DetectedAt: time.Date(2026, 5, 12, 6, 30, 0, 0, time.UTC)}
	return bot.ChangeEnvelope(publicURL, doc, change, sum)
}

// storeFixture is a temp SQLite store with Coursera's privacy policy, a
// Discord guild and one channel in it.
type storeFixture struct {
	db      *store.DB
	doc     *store.Document
	tenant  *store.Tenant
	channel *store.Channel
}

func newStoreFixture(t *testing.T, db *store.DB, channelID string) *storeFixture {
	t.Helper()
	ctx := context.Background()
	p := &store.Platform{Slug: "coursera", Name: "Coursera"}
	if err := db.UpsertPlatform(ctx, p, []store.Document{{Type: "Privacy Policy", Declaration: `{"fetch":"http://127.0.0.1/privacy"}`}}); err != nil {
		t.Fatal(err)
	}
	sp, err := db.PlatformBySlug(ctx, "coursera")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := db.Document(ctx, sp.Documents[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	tenant, err := db.EnsureTenant(ctx, store.TenantDiscord, "guild1", "Privacy researchers", "free")
	if err != nil {
		t.Fatal(err)
	}
	ch, err := db.EnsureChannel(ctx, tenant.ID, channelID, "policy-alerts", nil)
	if err != nil {
		t.Fatal(err)
	}
	return &storeFixture{db: db, doc: doc, tenant: tenant, channel: ch}
}

// enqueue writes env as a delivery due now and returns its id.
func (f *storeFixture) enqueue(t *testing.T, env bot.Envelope, key string) uint {
	t.Helper()
	env.DocumentID = f.doc.ID
	payload, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	docID := f.doc.ID
	d := &store.Delivery{TenantID: f.tenant.ID, ChannelID: f.channel.ID, Kind: store.DeliveryAlert, DocumentID: &docID,
		Payload: string(payload), IdempotencyKey: key, NextAttemptAt: time.Now().Add(-time.Second)}
	if _, err := f.db.EnqueueDelivery(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	return d.ID
}
