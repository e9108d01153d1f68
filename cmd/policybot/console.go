package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/policybot/policybot/bot/console"
)

// runConsole runs the bot with the console adapter whatever chat is
// configured: commands from stdin, everything the bot says on stdout. At the
// end of input it sends what the session caused (bounded) and exits 0.
func runConsole(ctx context.Context, m *Main, args []string) error {
	fs := flag.NewFlagSet("console", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	format := fs.String("format", console.FormatText, "output: text, or json (one object per line per message)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{"console takes no arguments; type commands on its input"}
	}
	if *format != console.FormatText && *format != console.FormatJSON {
		return usageError{fmt.Sprintf("--format %q: want text or json", *format)}
	}
	return m.runBot(ctx, botOptions{console: true, format: *format})
}
