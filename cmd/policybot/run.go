package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/policybot/policybot/bot"
	"github.com/policybot/policybot/bot/console"
	"github.com/policybot/policybot/catalog"
	"github.com/policybot/policybot/commands"
	"github.com/policybot/policybot/metrics"
	"github.com/policybot/policybot/monitor"
	"github.com/policybot/policybot/store"
	"github.com/policybot/policybot/web"
)

// Bounds on shutdown and on the console's last sends.
const (
	shutdownGrace = 10 * time.Second
	drainTimeout  = 10 * time.Second
)

// Environment knobs for operators and the crash tests, read here only.
const (
	// envLease sets how long a claimed delivery stays leased (e.g. 2s in the
	// crash test, so a restart can take over quickly).
	envLease = "POLICYBOT_NOTIFIER_LEASE"
	// envTestHook=block-before-post makes the notifier stop after claiming a
	// delivery and before posting it, so a test can kill the process there.
	envTestHook = "POLICYBOT_TEST_HOOK"
)

func runRun(ctx context.Context, m *Main, args []string) error {
	fs := m.newFlags("run")
	formatOpt := addFormat(fs, "console output when no chat is configured: text or json", console.FormatText, console.FormatJSON)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{"run takes no arguments"}
	}
	format, err := formatOpt.get()
	if err != nil {
		return err
	}
	return m.runBot(ctx, botOptions{format: format})
}

// botOptions choose how the bot runs.
type botOptions struct {
	// console forces the console adapter even when a chat is configured,
	// and ends the process at the end of input (policybot console).
	console bool
	format  string
	// in replaces m.Stdin as the console's input (the demo's script).
	in io.Reader
	// answered is called after each console command is answered (the demo
	// waits on it before its next step).
	answered func()
	// started is called once everything runs, with the parts (the demo drives them).
	started func(b *botParts)
}

// botParts are the running pieces, for the demo and the tests.
type botParts struct {
	router    *commands.Router
	notifier  *bot.Notifier
	monitor   *monitor.Monitor
	scheduler *monitor.Scheduler
	console   *console.Adapter
	httpAddr  string
}

// runBot runs the bot until ctx ends or, in console mode, until the input
// ends and what it caused has been sent.
func (m *Main) runBot(ctx context.Context, opts botOptions) error {
	if err := m.OpenStore(ctx); err != nil {
		return err
	}
	cfg := m.Config
	log := m.Logger
	if err := ensureCatalog(ctx, m.DB, log); err != nil {
		return err
	}

	m.metrics = metrics.New(metrics.Options{Store: m.DB, Logger: log})
	alerts := &bot.Alerts{PublicURL: cfg.PublicURL, Plans: cfg.Plans}
	m.hooks = func() (monitor.ChangeHook, monitor.HealthHook) { return alerts.OnChange, alerts.OnHealth }
	mon := m.Monitor()

	// Adapters: the console when no chat is configured (or when asked for).
	var adapters []bot.Adapter
	var con *console.Adapter
	useConsole := opts.console || (!cfg.Slack.Enabled() && !cfg.Discord.Enabled())
	if useConsole {
		in := opts.in
		if in == nil {
			in = m.Stdin
		}
		con = console.New(in, m.Stdout, console.Options{Format: opts.format, Prompt: isTerminal(in) && opts.in == nil,
			Echo: !isTerminal(in), Answered: opts.answered})
		adapters = append(adapters, con)
	}
	// Slack and Discord join when their credentials are set; in HTTP mode
	// their endpoints are mounted on the web server.
	var routes []func(*http.ServeMux)
	if !opts.console {
		for _, chat := range []struct {
			enabled bool
			build   func(*Main) (bot.Adapter, func(*http.ServeMux), error)
		}{
			{cfg.Slack.Enabled(), newSlackAdapter},
			{cfg.Discord.Enabled(), newDiscordAdapter},
		} {
			if !chat.enabled {
				continue
			}
			a, r, err := chat.build(m)
			if err != nil {
				return err
			}
			adapters = append(adapters, a)
			if r != nil {
				routes = append(routes, r)
			}
		}
	}

	lease := time.Duration(0)
	if v := m.Getenv(envLease); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("%s=%q is not a positive duration", envLease, v)
		}
		lease = d
	}
	nopts := bot.NotifierOptions{
		Owner:       owner(),
		MaxAttempts: cfg.Notifier.MaxAttempts, PollInterval: cfg.Notifier.PollInterval,
		BaseBackoff: cfg.Notifier.BaseBackoff, MaxBackoff: cfg.Notifier.MaxBackoff,
		Lease: lease, Logger: log.With("component", "notifier"), Observe: m.metrics.ObserveDelivery,
	}
	if m.Getenv(envTestHook) == "block-before-post" {
		nopts.BeforePost = func(ctx context.Context, d store.Delivery) {
			fmt.Fprintf(m.Stderr, "policybot: test hook: delivery %d claimed, blocking before post\n", d.ID)
			<-ctx.Done()
		}
	}
	notifier := bot.NewNotifier(m.DB, adapters, nopts)
	router := commands.New(m.DB, cfg, mon, commands.Options{Changed: notifier.Wake, Observe: m.metrics.ObserveCommand, Logger: log.With("component", "commands")})
	var handler bot.Handler = router
	digests := &bot.Digests{DB: m.DB, PublicURL: cfg.PublicURL, Logger: log.With("component", "digest"), Written: notifier.Wake}
	sched := monitor.NewScheduler(mon, monitor.SchedulerConfig{Workers: cfg.Workers})

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	spawn := func(name string, fn func(context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(ctx); err != nil && ctx.Err() == nil {
				log.Error(name+" stopped", slog.Any("err", err))
			}
		}()
	}

	// Every chat is listed by /healthz from the start, "starting" until its
	// Run begins.
	chats := &chatStates{m: map[string]error{}}
	for _, a := range adapters {
		if a != bot.Adapter(con) {
			chats.set(a.Name(), errChatStarting)
		}
	}
	srv, addr, err := startHTTP(cfg.HTTPAddr, newMux(m, sched, adapters, chats, routes...), webIdleTimeout)
	switch {
	case err != nil && useConsole:
		// Trying the bot in a terminal should not fail because a port is taken.
		log.Warn("web server not started", slog.String("addr", cfg.HTTPAddr), slog.Any("err", err))
	case err != nil:
		return err
	default:
		log.Info("web server listening", slog.String("addr", addr))
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-ctx.Done()
			sctx, scancel := context.WithTimeout(context.Background(), shutdownGrace)
			defer scancel()
			_ = srv.Shutdown(sctx)
		}()
	}
	spawn("scheduler", sched.Run)
	spawn("notifier", notifier.Run)
	spawn("digests", digests.Run)
	for _, a := range adapters {
		if a == bot.Adapter(con) {
			continue // run below: its end of input ends a console session
		}
		spawn(a.Name()+" adapter", func(ctx context.Context) error {
			chats.set(a.Name(), nil)
			err := a.Run(ctx, handler)
			if ctx.Err() == nil {
				if err == nil {
					err = errors.New("stopped while the bot runs")
				}
				chats.set(a.Name(), fmt.Errorf("not answering commands: %w", err))
			}
			return err
		})
	}
	if opts.started != nil {
		opts.started(&botParts{router: router, notifier: notifier, monitor: mon, scheduler: sched, console: con, httpAddr: addr})
	}

	var runErr error
	if con != nil {
		runErr = con.Run(ctx, handler)
		if opts.console && ctx.Err() == nil {
			// End of input: send what the session caused, then stop.
			if err := notifier.Drain(ctx, drainTimeout); err != nil {
				log.Warn("console: some messages were not sent before exit; they stay in the outbox", slog.Any("err", err))
			}
			cancel()
		}
	}
	<-ctx.Done()
	return errors.Join(runErr, waitBounded(&wg, shutdownGrace, log))
}

// waitBounded waits for the workers, but not forever: a stuck fetch must
// not keep a SIGTERM from ending the process.
func waitBounded(wg *sync.WaitGroup, d time.Duration, log *slog.Logger) error {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-time.After(d):
		log.Warn("shutdown: workers still busy, leaving them", slog.Duration("waited", d))
		return nil
	}
}

// ensureCatalog imports the built-in catalog into a store that has no
// platforms yet; a store that has some keeps them as they are.
func ensureCatalog(ctx context.Context, db *store.DB, log *slog.Logger) error {
	ps, err := db.ListPlatforms(ctx, "")
	if err != nil {
		return err
	}
	if len(ps) > 0 {
		return nil
	}
	start := time.Now()
	stats, err := catalog.Import(ctx, db, catalog.Builtin().All())
	if err != nil {
		return fmt.Errorf("import the built-in catalog: %w", err)
	}
	log.Info("imported the built-in catalog", slog.Int("platforms", stats.Platforms),
		slog.Int("documents", stats.Documents), slog.Duration("took", time.Since(start)))
	return nil
}

// errChatStarting is a chat's health until its adapter runs: its HTTP
// endpoints answer 503 until then.
var errChatStarting = errors.New("starting")

// chatStates is whether each chat adapter's Run is going. A chat whose Run
// ended while the bot runs (a refused token, a gateway that gave up) hears
// no commands any more, and /healthz must say so.
type chatStates struct {
	mu sync.Mutex
	m  map[string]error
}

func (c *chatStates) set(name string, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[name] = err
}

// state reports whether name is a chat, and its state if so.
func (c *chatStates) state(name string) (listed bool, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	err, listed = c.m[name]
	return listed, err
}

// newMux is the web server (package web): pages, feeds, JSON, /healthz and
// /metrics, with the chat adapters' HTTP endpoints mounted by routes.
// /healthz reports the store, the scheduler, every chat in chats (failing
// while it starts or once its Run has ended), and what an adapter says of
// its connection when it can (a Health(ctx) error method).
func newMux(m *Main, sched *monitor.Scheduler, adapters []bot.Adapter, chats *chatStates, routes ...func(*http.ServeMux)) http.Handler {
	srv := web.New(web.Options{
		DB:        m.DB,
		PublicURL: m.Config.PublicURL,
		Logger:    m.Logger,
		Metrics:   m.metrics,
		Health: func(ctx context.Context) map[string]error {
			checks := map[string]error{"scheduler": nil}
			if !sched.Running() {
				checks["scheduler"] = errors.New("scheduler not running")
			}
			for _, a := range adapters {
				listed, err := chats.state(a.Name())
				if err != nil {
					checks[a.Name()] = err
					continue
				}
				if hc, ok := a.(interface{ Health(context.Context) error }); ok {
					checks[a.Name()] = hc.Health(ctx)
				} else if listed {
					checks[a.Name()] = nil
				}
			}
			return checks
		},
	})
	for _, r := range routes {
		srv.MountRoutes(r)
	}
	return srv.Handler()
}

// webIdleTimeout closes a keep-alive connection that stays quiet this long
// after a request. Without it (and with no ReadTimeout) the server keeps
// each such connection, and its goroutine, for as long as the client likes.
const webIdleTimeout = 2 * time.Minute

func startHTTP(addr string, h http.Handler, idle time.Duration) (*http.Server, string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, "", fmt.Errorf("listen on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: idle}
	go func() { _ = srv.Serve(ln) }()
	return srv, ln.Addr().String(), nil
}

// owner names this process in leases: replicas must differ.
func owner() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s:%d", host, os.Getpid())
}

// isTerminal reports whether r is an interactive terminal (not a pipe or file).
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0 && !strings.HasPrefix(f.Name(), "/dev/null")
}
