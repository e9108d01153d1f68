package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/policybot/policybot/store"
	"github.com/policybot/policybot/web"
)

// runExport writes a platform's audit file (versions with their hashes,
// changes with their record addresses, current provisions) to stdout.
func runExport(ctx context.Context, m *Main, args []string) error {
	fs := m.newFlags("export")
	formatOpt := addFormat(fs, "output format", "json", "csv", "md")
	if err := fs.Parse(args); err != nil {
		return err
	}
	format, err := formatOpt.get()
	if err != nil {
		return err
	}
	write := map[string]func(*web.Audit) error{
		"json": func(a *web.Audit) error { return a.WriteJSON(m.Stdout) },
		"csv":  func(a *web.Audit) error { return a.WriteCSV(m.Stdout) },
		"md":   func(a *web.Audit) error { return a.WriteMarkdown(m.Stdout) },
	}[format]
	if fs.NArg() != 1 {
		return usageError{"want one PLATFORM"}
	}
	if err := m.OpenStore(ctx); err != nil {
		return err
	}
	slug := fs.Arg(0)
	a, err := web.BuildAudit(ctx, m.DB, slug, m.Config.PublicURL, time.Now())
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%s is not tracked here (see `policybot catalog list %s`)", slug, slug)
	}
	if err != nil {
		return err
	}
	return write(a)
}
