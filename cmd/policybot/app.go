package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/policybot/policybot/config"
	"github.com/policybot/policybot/metrics"
	"github.com/policybot/policybot/monitor"
	"github.com/policybot/policybot/store"
)

// Main is the program: its configuration, its standard streams and what it
// has opened. End-to-end tests build the same Main with buffers.
type Main struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string

	ConfigPath string
	Config     config.Config
	Logger     *slog.Logger
	DB         *store.DB

	mon *monitor.Monitor
	// metrics counts what the running bot does; nil outside `run`.
	metrics *metrics.Metrics
	// hooks supplies the monitor's change and health hooks (the bot's outbox)
	// once the bot is wired; nil leaves changes recorded without messages.
	hooks func() (monitor.ChangeHook, monitor.HealthHook)

	closers []func() error
}

// NewMain returns a Main reading and writing the given streams.
func NewMain(stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) *Main {
	if getenv == nil {
		getenv = os.Getenv
	}
	return &Main{Stdin: stdin, Stdout: stdout, Stderr: stderr, Getenv: getenv,
		Logger: slog.New(slog.NewTextHandler(stderr, nil))}
}

// LoadConfig reads and validates the configuration.
func (m *Main) LoadConfig() error {
	cfg, err := config.Load(m.ConfigPath, m.Getenv)
	if err != nil {
		return err
	}
	if problems := cfg.Validate(); len(problems) > 0 {
		return fmt.Errorf("configuration has %d problem(s) (run `policybot config check`): %s", len(problems), problems[0])
	}
	m.Config = cfg
	m.Logger = newLogger(m.Stderr, cfg.LogLevel, cfg.LogFormat)
	return nil
}

// OpenStore loads the configuration if needed and opens the store.
func (m *Main) OpenStore(ctx context.Context) error {
	if m.DB != nil {
		return nil
	}
	if err := m.LoadConfig(); err != nil {
		return err
	}
	db, err := store.Open(ctx, m.Config.DSN())
	if err != nil {
		return err
	}
	m.DB = db
	m.onClose(db.Close)
	return nil
}

func (m *Main) onClose(fn func() error) { m.closers = append(m.closers, fn) }

// Close releases what Main opened, last opened first.
func (m *Main) Close() error {
	var errs []error
	for i := len(m.closers) - 1; i >= 0; i-- {
		errs = append(errs, m.closers[i]())
	}
	m.closers = nil
	m.DB = nil
	return errors.Join(errs...)
}
