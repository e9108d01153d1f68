package main

import (
	"context"

	"github.com/policybot/policybot/bot/console"
)

// runConsole runs the bot with the console adapter whatever chat is
// configured: commands from stdin, everything the bot says on stdout. At the
// end of input it sends what the session caused (bounded) and exits 0.
func runConsole(ctx context.Context, m *Main, args []string) error {
	fs := m.newFlags("console")
	formatOpt := addFormat(fs, "output: text, or json (one object per line per message)", console.FormatText, console.FormatJSON)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{"console takes no arguments; type commands on its input"}
	}
	format, err := formatOpt.get()
	if err != nil {
		return err
	}
	return m.runBot(ctx, botOptions{console: true, format: format})
}
