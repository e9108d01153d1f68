package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/policybot/policybot/bot/console"
	"github.com/policybot/policybot/catalog"
	"github.com/policybot/policybot/internal/demo"
	"github.com/policybot/policybot/store"
)

// policyServer serves one version of a policy page on loopback, and switches
// to the next on demand: a stand-in for coursera.org that needs no network.
type policyServer struct {
	mu   sync.Mutex
	page []byte
	srv  *http.Server
	url  string
}

func startPolicyServer(first []byte) (*policyServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("demo: local server: %w", err)
	}
	ps := &policyServer{page: first}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /about/privacy", func(w http.ResponseWriter, r *http.Request) {
		ps.mu.Lock()
		page := ps.page
		ps.mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(page)
	})
	ps.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	ps.url = "http://" + ln.Addr().String() + "/about/privacy"
	go func() { _ = ps.srv.Serve(ln) }()
	return ps, nil
}

func (ps *policyServer) serve(page []byte) {
	ps.mu.Lock()
	ps.page = page
	ps.mu.Unlock()
}

func (ps *policyServer) Close() error { return ps.srv.Close() }

// runDemo shows the whole loop offline: track coursera, capture its policy,
// see the next version arrive as an alert with its thread.
func runDemo(ctx context.Context, m *Main, args []string) error {
	fs := m.newFlags("demo")
	formatOpt := addFormat(fs, "output: text or json", console.FormatText, console.FormatJSON)
	keep := fs.Bool("keep", false, "keep the demo's data directory (printed at the end)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{"demo takes no arguments"}
	}
	format, err := formatOpt.get()
	if err != nil {
		return err
	}
	// The two versions of Coursera's privacy policy the demo serves.
	before, after := demo.CourseraBefore(), demo.CourseraAfter()
	if err := m.LoadConfig(); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "policybot-demo-")
	if err != nil {
		return err
	}
	if *keep {
		defer fmt.Fprintf(m.Stderr, "demo data kept in %s\n", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	ps, err := startPolicyServer(before)
	if err != nil {
		return err
	}
	defer ps.Close()
	port, err := freeLoopbackAddr()
	if err != nil {
		return err
	}
	// The demo's own world: a fresh store, a web server on a free loopback
	// port, and a fetcher allowed to reach the loopback policy server.
	m.Config.DataDir, m.Config.DatabaseURL = dir, ""
	m.Config.HTTPAddr, m.Config.PublicURL = port, "http://"+port
	m.Config.Fetch.AllowPrivate = true
	m.Config.DefaultPlan = "unlimited"
	db, err := store.Open(ctx, m.Config.DSN())
	if err != nil {
		return err
	}
	m.DB = db
	m.onClose(db.Close)
	cp, ok := catalog.Builtin().Lookup("coursera")
	if !ok {
		return fmt.Errorf("demo: coursera is missing from the built-in catalog")
	}
	src := cp.Documents[catalog.PrivacyPolicy]
	src.Fetch = ps.url
	cp.Documents = map[string]catalog.DocumentSource{catalog.PrivacyPolicy: src}
	cp.History = nil
	if _, err := catalog.Import(ctx, db, []catalog.Platform{cp}); err != nil {
		return err
	}

	pr, pw := io.Pipe()
	handled := make(chan struct{}, 1)
	answered := func() {
		select {
		case handled <- struct{}{}:
		default:
		}
	}
	started := func(b *botParts) {
		go func() {
			defer pw.Close()
			say := b.console.Note
			send := func(line string) bool {
				if _, err := io.WriteString(pw, line+"\n"); err != nil {
					return false
				}
				select {
				case <-handled:
					return true
				case <-ctx.Done():
					return false
				}
			}
			say("policybot demo: everything runs on this machine. A local server plays coursera.org,\nserving Coursera's real privacy policy of 7 May 2026.")
			if !send("/track coursera") {
				return
			}
			say("Coursera publishes its 12 May 2026 version (voice transcription, wider sharing).\nThe bot checks again, as its scheduler would every few hours:")
			ps.serve(after)
			if !send("/check coursera") {
				return
			}
			_ = b.notifier.Drain(ctx, drainTimeout)
			say("The alert above is one message; its details are the thread replies under it.")
			if !send("/history coursera") {
				return
			}
			say("Your turn: try /help, /list, /diff N or /digest now. End with Ctrl-D.")
			_, _ = io.Copy(pw, m.Stdin)
		}()
	}
	return m.runBot(ctx, botOptions{console: true, format: format, in: pr, answered: answered, started: started})
}

func freeLoopbackAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := ln.Addr().String()
	return addr, ln.Close()
}
