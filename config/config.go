// Package config holds policybot's one Config: defaults, then a YAML file, then
// POLICYBOT_* (and the chat platforms' own) environment variables, in that order.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Config is everything an operator can set. Zero values are replaced by Default's.
type Config struct {
	// DataDir holds the SQLite file and anything else kept on disk.
	DataDir string `yaml:"data_dir"`
	// DatabaseURL is a SQLite path (or file: URI) or a postgres:// URL.
	// Empty means DataDir/policybot.db.
	DatabaseURL string `yaml:"database_url"`
	// HTTPAddr is where the web server (records, feeds, health, chat endpoints) listens.
	HTTPAddr string `yaml:"http_addr"`
	// PublicURL is the base of every link the bot posts (change records, feeds).
	PublicURL string `yaml:"public_url"`

	// CheckInterval is how often a document is checked unless it overrides it.
	CheckInterval time.Duration `yaml:"check_interval"`
	// CheckJitter spreads checks so that documents added together are not fetched together.
	CheckJitter time.Duration `yaml:"check_jitter"`
	// Workers bounds how many documents are checked at once.
	Workers int `yaml:"workers"`

	Fetch    Fetch    `yaml:"fetch"`
	Notifier Notifier `yaml:"notifier"`

	// DefaultPlan is given to every new tenant.
	DefaultPlan string          `yaml:"default_plan"`
	Plans       map[string]Plan `yaml:"plans"`

	Slack   Slack   `yaml:"slack"`
	Discord Discord `yaml:"discord"`

	LogLevel  string `yaml:"log_level"`  // debug, info, warn, error
	LogFormat string `yaml:"log_format"` // text, json
}

// Fetch configures the HTTP fetcher.
type Fetch struct {
	// AllowPrivate lets the fetcher reach loopback and private addresses:
	// for tests and intranet documents. Off by default, because a URL typed
	// into a chat command must never reach the operator's internal network.
	AllowPrivate   bool          `yaml:"allow_private"`
	UserAgent      string        `yaml:"user_agent"`
	ConnectTimeout time.Duration `yaml:"connect_timeout"`
	Timeout        time.Duration `yaml:"timeout"`
	MaxBodyBytes   int64         `yaml:"max_body_bytes"`
	MaxRedirects   int           `yaml:"max_redirects"`
	Retries        int           `yaml:"retries"`
	// ChromiumPath is the browser used for documents that need client scripts;
	// empty means look for chromium on PATH.
	ChromiumPath string `yaml:"chromium_path"`
}

// Notifier configures the outbox.
type Notifier struct {
	// MaxAttempts is how many failed posts park a delivery.
	MaxAttempts  int           `yaml:"max_attempts"`
	PollInterval time.Duration `yaml:"poll_interval"`
	// BaseBackoff doubles on each failed attempt, up to MaxBackoff.
	BaseBackoff time.Duration `yaml:"base_backoff"`
	MaxBackoff  time.Duration `yaml:"max_backoff"`
}

// Plan limits what a tenant may do. Plans are configuration, not code.
type Plan struct {
	// MaxPlatforms is how many platforms a tenant may track; 0 means no limit.
	MaxPlatforms int `yaml:"max_platforms"`
	// SameDayAlerts false means changes reach the tenant only through its digest.
	SameDayAlerts bool `yaml:"same_day_alerts"`
}

// Slack holds the Slack app's credentials. SLACK_APP_TOKEN present means Socket
// Mode; SLACK_SIGNING_SECRET alone means HTTP mode.
type Slack struct {
	BotToken      string `yaml:"bot_token"`
	AppToken      string `yaml:"app_token"`
	SigningSecret string `yaml:"signing_secret"`
	APIURL        string `yaml:"api_url"`
}

// Enabled reports whether any Slack transport is configured.
func (s Slack) Enabled() bool { return s.BotToken != "" }

// SocketMode reports whether the Slack adapter should use Socket Mode.
func (s Slack) SocketMode() bool { return s.AppToken != "" }

// Discord holds the Discord application's credentials.
type Discord struct {
	BotToken  string `yaml:"bot_token"`
	AppID     string `yaml:"app_id"`
	PublicKey string `yaml:"public_key"`
	APIURL    string `yaml:"api_url"`
	// GuildID registers commands in one guild (instant) instead of globally.
	GuildID string `yaml:"guild_id"`
	// RequireManageChannels limits subscription changes to members who can manage the channel.
	RequireManageChannels *bool `yaml:"require_manage_channels"`
}

// Enabled reports whether Discord is configured.
func (d Discord) Enabled() bool { return d.BotToken != "" || d.PublicKey != "" }

// Default returns the configuration used when nothing is set.
func Default() Config {
	return Config{
		DataDir:       "data",
		HTTPAddr:      "127.0.0.1:8080",
		PublicURL:     "http://127.0.0.1:8080",
		CheckInterval: 6 * time.Hour,
		CheckJitter:   15 * time.Minute,
		Workers:       4,
		Fetch: Fetch{
			UserAgent:      "policybot/0.1 (+https://github.com/policybot/policybot)",
			ConnectTimeout: 10 * time.Second,
			Timeout:        60 * time.Second,
			MaxBodyBytes:   10 << 20,
			MaxRedirects:   5,
			Retries:        3,
		},
		Notifier: Notifier{
			MaxAttempts:  8,
			PollInterval: 2 * time.Second,
			BaseBackoff:  5 * time.Second,
			MaxBackoff:   30 * time.Minute,
		},
		DefaultPlan: "unlimited",
		Plans: map[string]Plan{
			"free":      {MaxPlatforms: 1, SameDayAlerts: false},
			"monitor":   {MaxPlatforms: 25, SameDayAlerts: true},
			"unlimited": {MaxPlatforms: 0, SameDayAlerts: true},
		},
		LogLevel:  "info",
		LogFormat: "text",
	}
}

// Load builds the configuration: defaults, then the YAML file named by path or
// POLICYBOT_CONFIG (when either is set), then the environment.
func Load(path string, getenv func(string) string) (Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	cfg := Default()
	if path == "" {
		path = getenv("POLICYBOT_CONFIG")
	}
	if path != "" {
		if err := cfg.loadFile(path); err != nil {
			return cfg, err
		}
	}
	if err := cfg.applyEnv(getenv); err != nil {
		return cfg, err
	}
	return cfg, nil
}

func (c *Config) loadFile(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config: read %s: %w", path, err)
	}
	// Plans from the file replace the defaults one by one, so keep a copy to merge.
	defaults := c.Plans
	c.Plans = nil
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	// An empty file decodes to io.EOF: it is an empty configuration, not an error.
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("config: parse %s: %w", path, err)
	}
	merged := make(map[string]Plan, len(defaults)+len(c.Plans))
	for k, v := range defaults {
		merged[k] = v
	}
	for k, v := range c.Plans {
		merged[k] = v
	}
	c.Plans = merged
	return nil
}

// envError collects every bad variable so that one run reports them all.
type envError []string

func (e envError) Error() string { return "config: " + strings.Join(e, "; ") }

func (c *Config) applyEnv(getenv func(string) string) error {
	var bad envError
	str := func(name string, dst *string) {
		if v := getenv(name); v != "" {
			*dst = v
		}
	}
	dur := func(name string, dst *time.Duration) {
		if v := getenv(name); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil {
				bad = append(bad, fmt.Sprintf("%s=%q is not a duration (try 6h or 30s)", name, v))
				return
			}
			*dst = d
		}
	}
	boolean := func(name string, dst *bool) {
		if v := getenv(name); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				bad = append(bad, fmt.Sprintf("%s=%q is not true or false", name, v))
				return
			}
			*dst = b
		}
	}
	integer := func(name string, dst *int) {
		if v := getenv(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				bad = append(bad, fmt.Sprintf("%s=%q is not a whole number", name, v))
				return
			}
			*dst = n
		}
	}

	str("POLICYBOT_DATA_DIR", &c.DataDir)
	str("POLICYBOT_DATABASE_URL", &c.DatabaseURL)
	str("POLICYBOT_HTTP_ADDR", &c.HTTPAddr)
	str("POLICYBOT_PUBLIC_URL", &c.PublicURL)
	dur("POLICYBOT_CHECK_INTERVAL", &c.CheckInterval)
	dur("POLICYBOT_CHECK_JITTER", &c.CheckJitter)
	integer("POLICYBOT_WORKERS", &c.Workers)
	boolean("POLICYBOT_FETCH_ALLOW_PRIVATE", &c.Fetch.AllowPrivate)
	str("POLICYBOT_USER_AGENT", &c.Fetch.UserAgent)
	str("POLICYBOT_CHROMIUM", &c.Fetch.ChromiumPath)
	str("POLICYBOT_DEFAULT_PLAN", &c.DefaultPlan)
	str("POLICYBOT_LOG_LEVEL", &c.LogLevel)
	str("POLICYBOT_LOG_FORMAT", &c.LogFormat)

	str("SLACK_BOT_TOKEN", &c.Slack.BotToken)
	str("SLACK_APP_TOKEN", &c.Slack.AppToken)
	str("SLACK_SIGNING_SECRET", &c.Slack.SigningSecret)
	str("POLICYBOT_SLACK_API_URL", &c.Slack.APIURL)

	str("DISCORD_BOT_TOKEN", &c.Discord.BotToken)
	str("DISCORD_APP_ID", &c.Discord.AppID)
	str("DISCORD_PUBLIC_KEY", &c.Discord.PublicKey)
	str("POLICYBOT_DISCORD_API_URL", &c.Discord.APIURL)
	str("DISCORD_GUILD_ID", &c.Discord.GuildID)

	if len(bad) > 0 {
		return bad
	}
	return nil
}

// DSN is the database the store opens: DatabaseURL, or the SQLite file in DataDir.
func (c Config) DSN() string {
	if c.DatabaseURL != "" {
		return c.DatabaseURL
	}
	return filepath.Join(c.DataDir, "policybot.db")
}

// PlanFor returns the named plan, and whether it exists.
func (c Config) PlanFor(name string) (Plan, bool) {
	p, ok := c.Plans[name]
	return p, ok
}

// Validate returns every problem at once, one per line, so an operator fixes
// them in one go instead of one restart per mistake.
func (c Config) Validate() []string {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	if c.DataDir == "" && c.DatabaseURL == "" {
		add("data_dir: empty, and no database_url (POLICYBOT_DATA_DIR or POLICYBOT_DATABASE_URL)")
	}
	if u := c.DatabaseURL; u != "" && strings.Contains(u, "://") &&
		!strings.HasPrefix(u, "postgres://") && !strings.HasPrefix(u, "postgresql://") && !strings.HasPrefix(u, "file:") {
		add("database_url: %q is neither a SQLite path nor a postgres:// URL", Redact(u))
	}
	if c.HTTPAddr == "" {
		add("http_addr: empty (POLICYBOT_HTTP_ADDR, e.g. 127.0.0.1:8080)")
	} else if _, _, err := splitHostPort(c.HTTPAddr); err != nil {
		add("http_addr: %q: %v", c.HTTPAddr, err)
	}
	if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		add("public_url: %q must be an absolute http(s) URL (POLICYBOT_PUBLIC_URL)", c.PublicURL)
	}
	if c.CheckInterval < time.Second {
		add("check_interval: %s is below one second (POLICYBOT_CHECK_INTERVAL)", c.CheckInterval)
	}
	if c.CheckJitter < 0 {
		add("check_jitter: %s is negative", c.CheckJitter)
	}
	if c.Workers < 1 || c.Workers > 256 {
		add("workers: %d must be between 1 and 256", c.Workers)
	}
	f := c.Fetch
	if f.UserAgent == "" {
		add("fetch.user_agent: empty; the bot must name itself to the sites it reads")
	}
	if f.ConnectTimeout <= 0 {
		add("fetch.connect_timeout: must be positive")
	}
	if f.Timeout <= 0 {
		add("fetch.timeout: must be positive")
	}
	if f.MaxBodyBytes < 1024 {
		add("fetch.max_body_bytes: %d is too small for any policy page", f.MaxBodyBytes)
	}
	if f.MaxRedirects < 0 || f.MaxRedirects > 20 {
		add("fetch.max_redirects: %d must be between 0 and 20", f.MaxRedirects)
	}
	if f.Retries < 0 || f.Retries > 10 {
		add("fetch.retries: %d must be between 0 and 10", f.Retries)
	}
	n := c.Notifier
	if n.MaxAttempts < 1 {
		add("notifier.max_attempts: %d must be at least 1", n.MaxAttempts)
	}
	if n.PollInterval <= 0 {
		add("notifier.poll_interval: must be positive")
	}
	if n.BaseBackoff <= 0 || n.MaxBackoff < n.BaseBackoff {
		add("notifier: base_backoff must be positive and at most max_backoff")
	}
	if _, ok := c.Plans[c.DefaultPlan]; !ok {
		add("default_plan: %q is not a plan (have %s) (POLICYBOT_DEFAULT_PLAN)", c.DefaultPlan, strings.Join(c.planNames(), ", "))
	}
	for name, p := range c.Plans {
		if p.MaxPlatforms < 0 {
			add("plans.%s.max_platforms: %d is negative", name, p.MaxPlatforms)
		}
	}
	if c.Slack.AppToken != "" && !strings.HasPrefix(c.Slack.AppToken, "xapp-") {
		add("slack.app_token: SLACK_APP_TOKEN should start with xapp- (an app-level token)")
	}
	if c.Slack.BotToken != "" && !strings.HasPrefix(c.Slack.BotToken, "xoxb-") {
		add("slack.bot_token: SLACK_BOT_TOKEN should start with xoxb- (a bot token)")
	}
	if c.Slack.BotToken == "" && (c.Slack.AppToken != "" || c.Slack.SigningSecret != "") {
		add("slack.bot_token: SLACK_BOT_TOKEN is required with SLACK_APP_TOKEN or SLACK_SIGNING_SECRET")
	}
	if c.Slack.BotToken != "" && c.Slack.AppToken == "" && c.Slack.SigningSecret == "" {
		add("slack: SLACK_BOT_TOKEN needs SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode) to receive commands")
	}
	if c.Slack.APIURL != "" {
		if u, err := url.Parse(c.Slack.APIURL); err != nil || u.Host == "" {
			add("slack.api_url: %q is not an absolute URL (POLICYBOT_SLACK_API_URL)", c.Slack.APIURL)
		}
	}
	if c.Discord.BotToken != "" && c.Discord.AppID == "" {
		add("discord.app_id: DISCORD_APP_ID is required with DISCORD_BOT_TOKEN (commands are registered under it)")
	}
	if k := c.Discord.PublicKey; k != "" && (len(k) != 64 || !isHex(k)) {
		add("discord.public_key: DISCORD_PUBLIC_KEY must be 64 hex characters")
	}
	if c.Discord.APIURL != "" {
		if u, err := url.Parse(c.Discord.APIURL); err != nil || u.Host == "" {
			add("discord.api_url: %q is not an absolute URL (POLICYBOT_DISCORD_API_URL)", c.Discord.APIURL)
		}
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		add("log_level: %q must be debug, info, warn or error", c.LogLevel)
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		add("log_format: %q must be text or json", c.LogFormat)
	}
	return problems
}

func (c Config) planNames() []string {
	names := make([]string, 0, len(c.Plans))
	for k := range c.Plans {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

func isHex(s string) bool {
	for _, r := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			return false
		}
	}
	return true
}

func splitHostPort(addr string) (string, int, error) {
	i := strings.LastIndex(addr, ":")
	if i < 0 {
		return "", 0, errors.New("missing port")
	}
	port, err := strconv.Atoi(addr[i+1:])
	if err != nil || port < 0 || port > 65535 {
		return "", 0, errors.New("bad port")
	}
	return addr[:i], port, nil
}

// Redact hides a password in a database URL before it is printed.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}
