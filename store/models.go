package store

import (
	"time"
)

// The data model of DESIGN.md. Every table is created by Migrate; later work
// adds behaviour, not tables. Text columns that hold JSON say so in their name
// or comment; they are decoded by the package that owns the type.

// Platform is an online service whose legal documents are tracked.
type Platform struct {
	ID        uint   `gorm:"primaryKey"`
	Slug      string `gorm:"size:120;uniqueIndex;not null"`
	Name      string `gorm:"size:200;not null"`
	Aliases   string `gorm:"type:text"` // comma-separated, lower case
	Category  string `gorm:"size:80"`
	Homepage  string `gorm:"size:500"`
	Custom    bool   // added from a URL by a chat command, not from the catalog
	CreatedAt time.Time
	UpdatedAt time.Time

	Documents []Document
}

// Document health states.
const (
	HealthUnknown = "unknown"
	HealthOK      = "ok"
	HealthFailing = "failing"
	HealthBlocked = "blocked"
)

// Document is one legal document of a platform (its privacy policy, terms...).
type Document struct {
	ID         uint   `gorm:"primaryKey"`
	PlatformID uint   `gorm:"not null;uniqueIndex:idx_document_platform_type"`
	Type       string `gorm:"size:120;not null;uniqueIndex:idx_document_platform_type"`
	// Declaration is the source in the Open Terms Archive format (JSON), and
	// DeclarationHistory its earlier forms with validUntil (JSON array, may be empty).
	Declaration        string `gorm:"type:text;not null"`
	DeclarationHistory string `gorm:"type:text"`
	// URL is the first page fetched, kept for display.
	URL string `gorm:"size:2000"`
	// CheckInterval overrides the configured interval when positive (nanoseconds).
	CheckInterval time.Duration
	NextCheckAt   *time.Time `gorm:"index"`
	LastCheckAt   *time.Time
	LastSuccessAt *time.Time
	// ETag and LastModified of the last 200, for conditional requests. For a
	// document of several pages they are JSON maps keyed by URL.
	ETag                string `gorm:"type:text"`
	LastModified        string `gorm:"type:text"`
	Health              string `gorm:"size:20;default:unknown"`
	ConsecutiveFailures int
	LastError           string `gorm:"type:text"`
	// LeaseOwner and LeaseUntil let several replicas share the work: a replica
	// checks a document only while it holds an unexpired lease on it.
	LeaseOwner string `gorm:"size:100"`
	LeaseUntil *time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time

	Platform Platform
}

// Snapshot is raw bytes as fetched, stored once per SHA-256 and compressed.
type Snapshot struct {
	ID          uint   `gorm:"primaryKey"`
	SHA256      string `gorm:"size:64;uniqueIndex;not null"`
	DocumentID  uint   `gorm:"index"`
	URL         string `gorm:"size:2000"`
	Status      int
	ContentType string `gorm:"size:200"`
	Size        int64  // uncompressed
	Encoding    string `gorm:"size:20"` // compression of Data: "gzip"
	Data        []byte
	FetchedAt   time.Time
}

// Version is the normalized text of a document at a time.
type Version struct {
	ID         uint   `gorm:"primaryKey"`
	DocumentID uint   `gorm:"not null;index:idx_version_document_captured"`
	SHA256     string `gorm:"size:64;index;not null"`
	Text       string `gorm:"type:text;not null"`
	// SnapshotIDs lists the snapshot(s) the text came from, comma-separated, in page order.
	SnapshotIDs string    `gorm:"size:500"`
	CapturedAt  time.Time `gorm:"not null;index:idx_version_document_captured"`
	// Technical marks a version produced by re-extracting stored snapshots after
	// an extractor or declaration change: it never alerts.
	Technical bool
	// ExtractorVersion lets a re-extraction know which versions are stale.
	ExtractorVersion string `gorm:"size:40"`
	CreatedAt        time.Time
}

// Check outcomes.
const (
	OutcomeFirst     = "first"
	OutcomeUnchanged = "unchanged"
	OutcomeChanged   = "changed"
	OutcomeFailed    = "failed"
)

// Check is one monitoring attempt: a verification, a new version, or a failure.
// It is the document's history of "we looked, and this is what we saw".
type Check struct {
	ID         uint      `gorm:"primaryKey"`
	DocumentID uint      `gorm:"not null;index:idx_check_document_at"`
	At         time.Time `gorm:"not null;index:idx_check_document_at"`
	Outcome    string    `gorm:"size:20;not null"`
	// Reason classifies a failure: fetch, blocked, error-page, login-wall,
	// captcha, collapsed, no-match, ... Empty on success.
	Reason      string `gorm:"size:40"`
	Error       string `gorm:"type:text"`
	HTTPStatus  int
	NotModified bool // a 304 answered the conditional request
	// SnapshotIDs are the stored raw pages of a capture that made a version
	// (or failed); RawSHA256 the hashes of every page fetched, comma-separated
	// in page order, so a verification names what it saw without storing it.
	SnapshotIDs string `gorm:"size:500"`
	RawSHA256   string `gorm:"type:text"`
	VersionID   *uint
	ChangeID    *uint
	Duration    time.Duration
}

// Change kinds.
const (
	KindSubstantive = "substantive"
	KindCosmetic    = "cosmetic"
	KindTechnical   = "technical"
	KindReverted    = "reverted"
)

// Change is what happened between two versions of a document.
type Change struct {
	ID            uint      `gorm:"primaryKey"`
	DocumentID    uint      `gorm:"not null;index"`
	FromVersionID *uint     `gorm:"index"`
	ToVersionID   uint      `gorm:"not null;index"`
	DetectedAt    time.Time `gorm:"not null;index"`
	Kind          string    `gorm:"size:20;not null;index"`
	// Severity is info, notice, important or critical; empty for changes that never alert.
	Severity string `gorm:"size:20;index"`
	Headline string `gorm:"type:text"`
	// Summary is the analysis.ChangeSummary as JSON; Diff the diff.Result as JSON.
	Summary string `gorm:"type:text"`
	Diff    string `gorm:"type:text"`
	// Categories touched, comma-separated provision category ids.
	Categories string `gorm:"type:text"`

	Document    Document
	FromVersion *Version
	ToVersion   Version
}

// Provision is one classified segment of a document's latest version: the
// index behind /provisions and /compare.
type Provision struct {
	ID         uint   `gorm:"primaryKey"`
	VersionID  uint   `gorm:"not null;index"`
	DocumentID uint   `gorm:"not null;index"`
	PlatformID uint   `gorm:"not null;index:idx_provision_platform_category"`
	Category   string `gorm:"size:60;not null;index:idx_provision_platform_category"`
	Heading    string `gorm:"type:text"`
	Excerpt    string `gorm:"type:text;not null"`
	// Start and End are byte offsets of the excerpt in the version text.
	Start      int
	End        int
	Confidence float64
	Evidence   string `gorm:"type:text"` // the cue words that decided the label, comma-separated
}

// Tenant kinds.
const (
	TenantConsole = "console"
	TenantSlack   = "slack"
	TenantDiscord = "discord"
)

// Tenant is a Slack workspace, a Discord guild or a console session.
// Nothing crosses tenants.
type Tenant struct {
	ID         uint   `gorm:"primaryKey"`
	Kind       string `gorm:"size:20;not null;uniqueIndex:idx_tenant_kind_external"`
	ExternalID string `gorm:"size:100;not null;uniqueIndex:idx_tenant_kind_external"`
	Name       string `gorm:"size:200"`
	Plan       string `gorm:"size:40;not null"`
	// AdminsOnly limits subscription changes to the chat's admins.
	AdminsOnly bool
	// Settings holds adapter-specific state as JSON (e.g. a Slack bot token per workspace).
	Settings  string `gorm:"type:text"`
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Channel is a tenant's chat channel with its own settings: where alerts go.
type Channel struct {
	ID         uint   `gorm:"primaryKey"`
	TenantID   uint   `gorm:"not null;uniqueIndex:idx_channel_tenant_external"`
	ExternalID string `gorm:"size:100;not null;uniqueIndex:idx_channel_tenant_external"`
	Name       string `gorm:"size:200"`
	// MinSeverity is the lowest severity alerted in this channel.
	MinSeverity string `gorm:"size:20;default:notice"`
	Threads     bool   `gorm:"default:true"`
	// BroadcastSeverity: thread replies of changes at or above it are also shown in the channel; empty means never.
	BroadcastSeverity string `gorm:"size:20"`
	// Digest: weekly, daily or off; DigestDay 0=Sunday..6; DigestTime "HH:MM"; DigestTZ an IANA zone.
	DigestMode   string     `gorm:"size:10;default:weekly"`
	DigestDay    int        `gorm:"default:1"`
	DigestTime   string     `gorm:"size:5;default:09:00"`
	DigestTZ     string     `gorm:"size:60;default:UTC"`
	NextDigestAt *time.Time `gorm:"index"`
	// FeedToken is the unguessable part of the channel's Atom feed URL.
	FeedToken string `gorm:"size:64;uniqueIndex"`
	// ParkedReason is set when the chat platform refuses to post here
	// (channel not found, bot removed, archived); /list shows it.
	ParkedReason string `gorm:"type:text"`
	CreatedAt    time.Time
	UpdatedAt    time.Time

	Tenant Tenant
}

// Subscription is a channel tracking a platform's documents.
type Subscription struct {
	ID         uint `gorm:"primaryKey"`
	TenantID   uint `gorm:"not null;index"`
	ChannelID  uint `gorm:"not null;uniqueIndex:idx_subscription_channel_platform"`
	PlatformID uint `gorm:"not null;uniqueIndex:idx_subscription_channel_platform;index"`
	// DocumentTypes limits the subscription to some types, comma-separated; empty means all.
	DocumentTypes string `gorm:"type:text"`
	// MinSeverity overrides the channel's when set.
	MinSeverity string `gorm:"size:20"`
	Muted       bool
	CreatedBy   string `gorm:"size:100"`
	CreatedAt   time.Time
	UpdatedAt   time.Time

	Channel  Channel
	Platform Platform
}

// Thread keys.
const (
	ThreadChanges = "changes"
	ThreadMonitor = "monitor"
)

// Thread remembers the chat thread a document's alerts (or its monitor
// notices) go to, so a later change within a day joins the same thread.
type Thread struct {
	ID         uint `gorm:"primaryKey"`
	ChannelID  uint `gorm:"not null;uniqueIndex:idx_thread_channel_document_key"`
	DocumentID uint `gorm:"not null;uniqueIndex:idx_thread_channel_document_key"`
	// Key says what the thread is for: ThreadChanges or ThreadMonitor.
	Key             string `gorm:"size:20;not null;uniqueIndex:idx_thread_channel_document_key"`
	ParentMessageID string `gorm:"size:100;not null"`
	LastPostAt      time.Time
	CreatedAt       time.Time
}

// Delivery statuses.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryParked    = "parked"
)

// Delivery kinds.
const (
	DeliveryAlert  = "alert"
	DeliveryDigest = "digest"
	DeliveryNotice = "notice"
)

// Delivery is one outgoing message (with its thread replies) in the outbox.
// It is written in the same transaction as what caused it and sent at least
// once; IdempotencyKey lets the chat platform or the notifier drop a repeat.
type Delivery struct {
	ID        uint   `gorm:"primaryKey"`
	TenantID  uint   `gorm:"not null;index"`
	ChannelID uint   `gorm:"not null;index"`
	Kind      string `gorm:"size:20;not null"`
	ChangeID  *uint  `gorm:"index"`
	// DocumentID is what the thread is about, for alerts and monitor notices.
	DocumentID *uint
	// Payload is the bot.Envelope as JSON: the parent message and its replies.
	Payload        string `gorm:"type:text;not null"`
	IdempotencyKey string `gorm:"size:200;uniqueIndex;not null"`
	Status         string `gorm:"size:20;not null;index:idx_delivery_due"`
	Attempts       int
	NextAttemptAt  time.Time `gorm:"not null;index:idx_delivery_due"`
	// PartsSent counts the messages of the payload already posted (parent first),
	// so a retry resumes where the last attempt stopped instead of reposting.
	PartsSent   int
	MessageID   string `gorm:"size:100"` // the parent's id on the chat platform
	ThreadID    string `gorm:"size:100"` // where the replies went
	DeliveredAt *time.Time
	LastError   string `gorm:"type:text"`
	LeaseOwner  string `gorm:"size:100"`
	LeaseUntil  *time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// allModels lists every table, in an order that satisfies foreign keys.
func allModels() []any {
	return []any{
		&Platform{}, &Document{}, &Snapshot{}, &Version{}, &Check{}, &Change{},
		&Provision{}, &Tenant{}, &Channel{}, &Subscription{}, &Thread{}, &Delivery{},
	}
}
