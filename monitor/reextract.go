package monitor

import (
	"context"
	"errors"
	"fmt"

	"github.com/policybot/policybot/catalog"
	"github.com/policybot/policybot/monitor/diff"
	"github.com/policybot/policybot/monitor/extract"
	"github.com/policybot/policybot/monitor/fetch"
	"github.com/policybot/policybot/store"
)

// Reextract re-extracts a document's latest version from its stored
// snapshots with the current extractor and declaration. A different text is
// recorded as a technical version: the policy did not change, our reading of
// it did, so it never alerts.
func (m *Monitor) Reextract(ctx context.Context, docID uint) (*store.Version, bool, error) {
	release, err := m.acquire(ctx, docID)
	if err != nil {
		return nil, false, err
	}
	defer release()
	doc, err := m.db.Document(ctx, docID)
	if err != nil {
		return nil, false, err
	}
	prev, err := m.db.LatestVersion(ctx, doc.ID)
	if err != nil {
		return nil, false, err
	}
	src, hist, err := sources(doc)
	if err != nil {
		return nil, false, fmt.Errorf("re-extract %s %s: %w", doc.Platform.Slug, doc.Type, err)
	}
	v, err := m.reextract(ctx, doc, src, hist, prev)
	if err != nil {
		return nil, false, err
	}
	return v, v.ID != prev.ID, nil
}

func (m *Monitor) reextract(ctx context.Context, doc *store.Document, src catalog.DocumentSource, hist catalog.History, prev *store.Version) (*store.Version, error) {
	ids := store.SplitIDs(prev.SnapshotIDs)
	if len(ids) == 0 {
		return prev, errors.New("no snapshot to re-extract from")
	}
	pages := make([]extract.Page, 0, len(ids))
	for _, id := range ids {
		snap, raw, err := m.db.Snapshot(ctx, id)
		if err != nil {
			return prev, err
		}
		body := raw
		if !isPDF(snap.ContentType) {
			if utf8, _, err := fetch.DecodeCharset(raw, snap.ContentType); err == nil {
				body = utf8
			}
		}
		pages = append(pages, extract.Page{Body: body, ContentType: snap.ContentType, URL: snap.URL})
	}
	res, err := extract.Extract(pages, extract.Options{Source: &src, History: hist, DocType: doc.Type, At: prev.CapturedAt})
	if err != nil {
		return prev, fmt.Errorf("re-extract: %w", err)
	}
	hash := store.SHA256([]byte(res.Markdown))
	if hash == prev.SHA256 {
		// Same text: only note that today's extractor agrees.
		prev.ExtractorVersion = reader(doc)
		return prev, m.db.MarkExtractorVersion(ctx, prev.ID, prev.ExtractorVersion)
	}
	now := m.opts.Now()
	v := &store.Version{DocumentID: doc.ID, SHA256: hash, Text: res.Markdown, SnapshotIDs: prev.SnapshotIDs,
		CapturedAt: prev.CapturedAt, Technical: true, ExtractorVersion: reader(doc)}
	result := diff.Compare(prev.Text, res.Markdown)
	provisions := m.opts.Classifier.Provisions(res.Markdown)
	err = m.db.Tx(ctx, func(tx *store.DB) error {
		if err := tx.CreateVersion(ctx, v); err != nil {
			return err
		}
		if err := tx.ReplaceProvisions(ctx, doc.ID, provisionRows(doc, v, provisions)); err != nil {
			return err
		}
		_, err := m.recordChange(ctx, tx, doc, prev, v, store.KindTechnical, result, nil, now)
		return err
	})
	if err != nil {
		return prev, fmt.Errorf("record technical version of %s %s: %w", doc.Platform.Slug, doc.Type, err)
	}
	m.opts.Observer.ObserveVersion(true)
	m.opts.Observer.ObserveChange(store.KindTechnical, "")
	m.log.Info("technical version after extractor change", "platform", doc.Platform.Slug, "document", doc.Type, "version", v.ID)
	return v, nil
}

func isPDF(contentType string) bool {
	return len(contentType) >= 15 && contentType[:15] == "application/pdf"
}
