package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/policybot/policybot/store"
	"github.com/policybot/policybot/store/storetest"
	"github.com/policybot/policybot/web"
)

// seedExport stores a platform with two versions, a change and a provision
// in dataDir's database, as the monitor would.
func seedExport(t *testing.T, dataDir string) (change *store.Change, v1, v2 *store.Version) {
	t.Helper()
	ctx := context.Background()
	db := storetest.MustOpenPath(t, filepath.Join(dataDir, "policybot.db"))
	p := &store.Platform{Slug: "acme", Name: "Acme"}
	docs := []store.Document{{Type: "Privacy Policy", Declaration: "{}", URL: "https://acme.example/privacy"}}
	if err := db.UpsertPlatform(ctx, p, docs); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	snap, err := db.PutSnapshot(ctx, docs[0].ID, docs[0].URL, 200, "text/html", []byte("<p>We keep data for 30 days.</p>"), at)
	if err != nil {
		t.Fatal(err)
	}
	v1 = &store.Version{DocumentID: docs[0].ID, SHA256: store.SHA256([]byte("We keep data for 30 days.")), Text: "We keep data for 30 days.",
		SnapshotIDs: store.JoinIDs([]uint{snap.ID}), CapturedAt: at}
	v2 = &store.Version{DocumentID: docs[0].ID, SHA256: store.SHA256([]byte("We keep data for 5 years.")), Text: "We keep data for 5 years.",
		CapturedAt: at.Add(24 * time.Hour)}
	for _, v := range []*store.Version{v1, v2} {
		if err := db.CreateVersion(ctx, v); err != nil {
			t.Fatal(err)
		}
	}
	change = &store.Change{DocumentID: docs[0].ID, FromVersionID: &v1.ID, ToVersionID: v2.ID, DetectedAt: v2.CapturedAt,
		Kind: store.KindSubstantive, Severity: "important", Headline: "=Acme now keeps data for 5 years", Categories: "data_retention"}
	if err := db.CreateChange(ctx, change); err != nil {
		t.Fatal(err)
	}
	if err := db.ReplaceProvisions(ctx, docs[0].ID, []store.Provision{{VersionID: v2.ID, DocumentID: docs[0].ID, PlatformID: p.ID,
		Category: "data_retention", Excerpt: "We keep data for 5 years.", Confidence: 0.9, Evidence: "keep,years"}}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return change, v1, v2
}

func exportRun(t *testing.T, dataDir string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	env := map[string]string{"POLICYBOT_DATA_DIR": dataDir, "POLICYBOT_PUBLIC_URL": "https://policy.example.org"}
	m := NewMain(strings.NewReader(""), &out, &errb, func(k string) string { return env[k] })
	code := m.Execute(context.Background(), args)
	if err := m.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	return code, out.String(), errb.String()
}

func TestExport(t *testing.T) {
	dataDir := t.TempDir()
	change, v1, v2 := seedExport(t, dataDir)
	record := "https://policy.example.org/changes/"

	code, out, errs := exportRun(t, dataDir, "export", "acme")
	if code != 0 {
		t.Fatalf("export: %d %s", code, errs)
	}
	var a web.Audit
	if err := json.Unmarshal([]byte(out), &a); err != nil {
		t.Fatalf("default format is JSON: %v\n%s", err, out)
	}
	d := a.Documents[0]
	if len(d.Versions) != 2 || d.Versions[1].TextSHA256 != v1.SHA256 || len(d.Versions[1].Snapshots) != 1 ||
		len(d.Changes) != 1 || d.Changes[0].ID != change.ID || !strings.HasPrefix(d.Changes[0].URL, record) ||
		len(d.Provisions) != 1 {
		t.Errorf("audit: %+v", d)
	}

	code, out, errs = exportRun(t, dataDir, "export", "--format", "csv", "acme")
	if code != 0 {
		t.Fatalf("csv: %d %s", code, errs)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("csv: %v", err)
	}
	if len(rows) != 1+2+1+1+1 { // header, versions, snapshot, change, provision
		t.Errorf("%d CSV rows:\n%s", len(rows), out)
	}
	if !strings.Contains(out, "'=Acme now keeps") {
		t.Error("a headline starting with = is not defused for spreadsheets")
	}

	code, out, errs = exportRun(t, dataDir, "export", "--format", "md", "acme")
	if code != 0 || !strings.Contains(out, "# Acme: policy audit") || !strings.Contains(out, v2.SHA256) {
		t.Errorf("md: %d %s\n%s", code, errs, out)
	}

	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"export", "--format", "xml", "acme"}, 2, "want json, csv or md"},
		{[]string{"export"}, 2, "want one PLATFORM"},
		{[]string{"export", "nowhere"}, 1, "nowhere is not tracked here"},
	} {
		code, _, errs := exportRun(t, dataDir, tc.args...)
		if code != tc.code || !strings.Contains(errs, tc.msg) {
			t.Errorf("%v: %d %q", tc.args, code, errs)
		}
	}
}
