package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/policybot/policybot/analysis"
	"github.com/policybot/policybot/config"
	"github.com/policybot/policybot/store"
)

// ThreadJoin says when an envelope's parent goes into an existing thread.
type ThreadJoin string

const (
	// JoinRecent joins the document's thread when it was posted in within
	// the notifier's thread window (a day): a policy edited twice in a day is
	// one conversation.
	JoinRecent ThreadJoin = "recent"
	// JoinAlways joins the thread whatever its age (a monitor's recovery
	// answers its breakage).
	JoinAlways ThreadJoin = "always"
	// JoinNever always starts a new thread.
	JoinNever ThreadJoin = "never"
)

// Limits on text taken from policies, well under every chat's block limit
// (Slack: 3,000 characters a section), so that one long clause cannot make a
// post fail.
const (
	maxQuote    = 1200
	maxHeadline = 300
)

// Alerts turns recorded changes and monitor health into outbox deliveries.
// Its OnChange and OnHealth methods are the monitor's ChangeHook and
// HealthHook: they write through the transaction that records the change,
// so a change and its deliveries commit together.
type Alerts struct {
	// PublicURL is the base of change record links.
	PublicURL string
	// Plans are the configured plans; a tenant whose plan lacks same-day
	// alerts hears of changes in its digest only.
	Plans map[string]config.Plan
	Now   func() time.Time
}

func (a *Alerts) now() time.Time {
	if a.Now != nil {
		return a.Now().UTC()
	}
	return time.Now().UTC()
}

// RecordURL is the change record's address.
func RecordURL(publicURL string, changeID uint) string {
	return fmt.Sprintf("%s/changes/%d", strings.TrimRight(publicURL, "/"), changeID)
}

// ChangeKey is the idempotency key of a change's delivery to a channel.
func ChangeKey(changeID, channelID uint) string {
	return fmt.Sprintf("change:%d:channel:%d", changeID, channelID)
}

// OnChange writes one delivery per channel that should hear of the change now.
func (a *Alerts) OnChange(ctx context.Context, tx *store.DB, doc *store.Document, change *store.Change, summary *analysis.ChangeSummary) error {
	if summary == nil || change.Kind != store.KindSubstantive {
		return nil // cosmetic, technical, reverted and first captures are recorded, never announced
	}
	doc, err := withPlatform(ctx, tx, doc)
	if err != nil {
		return err
	}
	severity := change.Severity
	if severity == "" {
		severity = string(summary.Severity)
	}
	subs, err := tx.Subscribers(ctx, doc.PlatformID)
	if err != nil {
		return err
	}
	for _, s := range subs {
		ch := s.Channel
		if s.Muted || !s.Covers(doc.Type) || !reaches(severity, s.MinSeverity, ch.MinSeverity) {
			continue
		}
		if plan, ok := a.Plans[ch.Tenant.Plan]; ok && !plan.SameDayAlerts {
			continue
		}
		env := ChangeEnvelope(a.PublicURL, doc, change, summary)
		if ch.BroadcastSeverity != "" && reaches(severity, ch.BroadcastSeverity, "") {
			for i := range env.Replies {
				env.Replies[i].Broadcast = true
			}
		}
		payload, err := json.Marshal(env)
		if err != nil {
			return fmt.Errorf("bot: encode alert for change %d: %w", change.ID, err)
		}
		changeID, docID := change.ID, doc.ID
		d := &store.Delivery{
			TenantID: ch.TenantID, ChannelID: ch.ID, Kind: store.DeliveryAlert,
			ChangeID: &changeID, DocumentID: &docID, Payload: string(payload),
			IdempotencyKey: ChangeKey(change.ID, ch.ID), NextAttemptAt: a.now(),
		}
		if _, err := tx.EnqueueDelivery(ctx, d); err != nil {
			return err
		}
	}
	return nil
}

// OnHealth writes a notice to every channel tracking the document when its
// monitor breaks (a new thread) or recovers (a reply in that thread).
func (a *Alerts) OnHealth(ctx context.Context, tx *store.DB, doc *store.Document, broken bool, reason string) error {
	doc, err := withPlatform(ctx, tx, doc)
	if err != nil {
		return err
	}
	subs, err := tx.Subscribers(ctx, doc.PlatformID)
	if err != nil {
		return err
	}
	now := a.now()
	env := HealthEnvelope(doc, broken, reason)
	payload, err := json.Marshal(env)
	if err != nil {
		return fmt.Errorf("bot: encode notice for document %d: %w", doc.ID, err)
	}
	state := "recovered"
	if broken {
		state = "broken"
	}
	for _, s := range subs {
		ch := s.Channel
		if s.Muted || !s.Covers(doc.Type) {
			continue
		}
		if plan, ok := a.Plans[ch.Tenant.Plan]; ok && !plan.SameDayAlerts {
			continue
		}
		docID := doc.ID
		d := &store.Delivery{
			TenantID: ch.TenantID, ChannelID: ch.ID, Kind: store.DeliveryNotice, DocumentID: &docID,
			Payload:        string(payload),
			IdempotencyKey: fmt.Sprintf("health:%d:%s:%d:channel:%d", doc.ID, state, now.UnixNano(), ch.ID),
			NextAttemptAt:  now,
		}
		if _, err := tx.EnqueueDelivery(ctx, d); err != nil {
			return err
		}
	}
	return nil
}

func withPlatform(ctx context.Context, tx *store.DB, doc *store.Document) (*store.Document, error) {
	if doc.Platform.ID != 0 {
		return doc, nil
	}
	full, err := tx.Document(ctx, doc.ID)
	if err != nil {
		return nil, fmt.Errorf("bot: %w", err)
	}
	return full, nil
}

// reaches reports whether severity is at least the first non-empty minimum.
func reaches(severity string, mins ...string) bool {
	min := ""
	for _, m := range mins {
		if m != "" {
			min = m
			break
		}
	}
	if min == "" {
		return true
	}
	return analysis.Severity(severity).Rank() >= analysis.Severity(min).Rank()
}

// maxThreadItems bounds the thread replies of one alert: a rewrite can move
// dozens of provisions, and a chat thread is read, not searched. The rest are
// counted in a last reply that links to the record, which lists them all.
const maxThreadItems = 10

// ChangeEnvelope is a change's alert: a parent with the headline, the facts
// (detected time, version dates, provisions touched) and the record link,
// and one thread reply per provision that moved, most important first.
func ChangeEnvelope(publicURL string, doc *store.Document, change *store.Change, summary *analysis.ChangeSummary) Envelope {
	record := RecordURL(publicURL, change.ID)
	platform := doc.Platform.Name
	if platform == "" {
		platform = summary.Platform
	}
	severity := change.Severity
	if severity == "" {
		severity = string(summary.Severity)
	}
	headline := summary.Headline
	if headline == "" {
		headline = change.Headline
	}
	if headline == "" {
		headline = fmt.Sprintf("%s changed its %s.", platform, doc.Type)
	}
	var touched []string
	seen := map[string]bool{}
	for _, it := range summary.Items {
		m := fmt.Sprintf("%s (%s)", categoryName(it), it.Direction)
		if !seen[m] {
			seen[m] = true
			touched = append(touched, m)
		}
	}
	fields := []Field{
		{Label: "Severity", Value: severity},
		{Label: "Platform", Value: platform},
		{Label: "Document", Value: doc.Type},
		{Label: "Detected", Value: change.DetectedAt.UTC().Format(dateTimeLayout)},
	}
	if v := versionDates(change); v != "" {
		fields = append(fields, Field{Label: "Versions", Value: v})
	}
	if len(touched) > 0 {
		fields = append(fields, Field{Label: "Provisions touched", Value: Truncate(strings.Join(touched, "; "), 600)})
	}
	parent := Message{
		Kind:     KindAlert,
		Title:    platform + " · " + doc.Type,
		URL:      record,
		Severity: severity,
		Text:     Truncate(Clean(headline, true), maxHeadline),
		Blocks:   []Block{{Kind: BlockFields, Fields: fields}},
		Actions: []Action{
			{ID: "record", Label: "View change record", URL: record},
			{ID: "diff", Label: "Show diff", Command: fmt.Sprintf("/diff %d", change.ID)},
			{ID: "mute", Label: "Mute this platform", Command: "/mute " + doc.Platform.Slug},
		},
	}
	if len(summary.Items) > 0 {
		parent.Blocks = append(parent.Blocks, Block{Kind: BlockContext, Text: "The sentences before and after are in the thread."})
	}
	env := Envelope{Parent: parent, ThreadKey: store.ThreadChanges, DocumentID: doc.ID, Join: JoinRecent}
	shown := min(len(summary.Items), maxThreadItems)
	for i, it := range summary.Items[:shown] {
		env.Replies = append(env.Replies, ItemMessage(it, i+1, len(summary.Items)))
	}
	if rest := len(summary.Items) - shown; rest > 0 {
		env.Replies = append(env.Replies, Message{
			Kind:   KindThreadReply,
			Text:   fmt.Sprintf("%d more provision change(s) of lower importance are listed in the change record.", rest),
			URL:    record,
			Blocks: []Block{{Kind: BlockContext, Links: []Link{{Label: "View change record", URL: record}}}},
		})
	}
	return env
}

// dateTimeLayout is how alerts show instants: unambiguous in every locale.
const dateTimeLayout = "2 Jan 2006 15:04 MST"

// versionDates says when the two versions of a change were captured, when
// the change carries them.
func versionDates(change *store.Change) string {
	if change.FromVersion == nil || change.FromVersion.CapturedAt.IsZero() || change.ToVersion.CapturedAt.IsZero() {
		return ""
	}
	return change.FromVersion.CapturedAt.UTC().Format("2 Jan 2006") + " → " + change.ToVersion.CapturedAt.UTC().Format("2 Jan 2006")
}

func categoryName(it analysis.Item) string {
	if it.CategoryName != "" {
		return it.CategoryName
	}
	return it.Category
}

// ItemMessage is one provision's movement, for the alert's thread.
func ItemMessage(it analysis.Item, n, of int) Message {
	dir := string(it.Direction)
	if dir != "" {
		dir = strings.ToUpper(dir[:1]) + dir[1:]
	}
	m := Message{
		Kind:  KindThreadReply,
		Title: fmt.Sprintf("%d/%d %s: %s", n, of, dir, categoryName(it)),
	}
	var facts []string
	if it.Severity != "" {
		facts = append(facts, "Severity "+string(it.Severity))
	}
	if it.Section != "" {
		facts = append(facts, "section “"+Truncate(Clean(it.Section, true), 120)+"”")
	}
	m.Text = strings.Join(facts, ", ")
	if it.Before != "" {
		m.Blocks = append(m.Blocks, Block{Kind: BlockQuote, Label: "Before", Text: Truncate(Clean(it.Before, false), maxQuote)})
	}
	if it.After != "" {
		m.Blocks = append(m.Blocks, Block{Kind: BlockQuote, Label: "After", Text: Truncate(Clean(it.After, false), maxQuote)})
	}
	if len(it.Evidence) > 0 {
		m.Blocks = append(m.Blocks, Block{Kind: BlockContext, Label: "Why this category",
			Text: Truncate(fmt.Sprintf("%s (confidence %.2f)", strings.Join(it.Evidence, ", "), it.Confidence), 300)})
	}
	if len(it.Regulations) > 0 {
		b := Block{Kind: BlockContext, Label: "Regulations"}
		for _, r := range it.Regulations {
			label := r.Cite
			if r.Title != "" {
				label += " — " + r.Title
			}
			b.Links = append(b.Links, Link{Label: label, URL: r.URL})
		}
		m.Blocks = append(m.Blocks, b)
	}
	return m
}

// HealthEnvelope is a monitor's notice: broken starts a thread, recovered
// answers in it.
func HealthEnvelope(doc *store.Document, broken bool, reason string) Envelope {
	name := doc.Platform.Name + " · " + doc.Type
	if broken {
		why := Truncate(Clean(reason, true), 300)
		if why == "" {
			why = "it keeps failing"
		}
		return Envelope{
			Parent: Message{Kind: KindNotice, Title: name + ": monitor broken",
				Text: fmt.Sprintf("We can no longer read %s's %s: %s. Its changes will not be noticed until it recovers; we will say so in this thread.", doc.Platform.Name, doc.Type, why)},
			ThreadKey: store.ThreadMonitor, DocumentID: doc.ID, Join: JoinNever,
		}
	}
	return Envelope{
		Parent: Message{Kind: KindNotice, Title: name + ": monitor recovered",
			Text: fmt.Sprintf("%s's %s can be read again; changes are being noticed.", doc.Platform.Name, doc.Type)},
		ThreadKey: store.ThreadMonitor, DocumentID: doc.ID, Join: JoinAlways,
	}
}
