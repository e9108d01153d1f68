// Command policybot watches the privacy policies and terms of online platforms
// and tells Slack and Discord teams what changed and what it means.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

// subcommand is one `policybot NAME ...` entry point. Each lives in its own
// file; this table is the only place that lists them.
type subcommand struct {
	summary string
	usage   string
	run     func(ctx context.Context, m *Main, args []string) error
}

func subcommands() map[string]subcommand {
	return map[string]subcommand{
		"config":      {"check the configuration and print every problem", "config check", runConfig},
		"run":         {"run the bot (console adapter when no chat is configured)", "run [--format text|json]", runRun},
		"console":     {"run the bot in this terminal: commands on stdin, messages on stdout", "console [--format text|json]", runConsole},
		"demo":        {"see the bot notice a real policy change, offline, in under a minute", "demo [--format text|json]", runDemo},
		"tenant":      {"list tenants or set a tenant's plan", "tenant list | tenant plan KIND:EXTERNAL_ID PLAN", runTenant},
		"catalog":     {"list the platform catalog, or import a folder of declarations", "catalog import [DIR] | catalog list [QUERY]", runCatalog},
		"check":       {"fetch a platform's documents now and record what changed", "check [--format text|json] PLATFORM|URL", runCheck},
		"healthcheck": {"ask the running bot's /healthz (for container health checks)", "healthcheck", runHealthcheck},
		"provisions":  {"a platform's provisions by category, from the store", "provisions [--format text|json] PLATFORM [CATEGORY]", runProvisions},
		"compare":     {"how platforms handle one provision, side by side", "compare [--format text|json] A B [C...] [--category CATEGORY]", runCompare},
		"schedule":    {"set how often a platform's documents are checked", "schedule PLATFORM [TYPE] EVERY|default", runSchedule},
		"history":     {"a platform's versions, verifications, failures and changes", "history [--format text|json] PLATFORM [TYPE]", runHistory},
		"eval":        {"measure the provision classifier on labelled files", "eval [-errors CATEGORY] FILE.jsonl...", runEval},
		"diff":        {"compare two versions of a document: what changed, substantive or cosmetic", "diff [--format text|json] [--declaration FILE] [--type TYPE] OLD NEW", runDiff},
		"export":      {"write a platform's audit file: versions, changes, provisions", "export [--format json|csv|md] PLATFORM", runExport},
		"extract":     {"print a captured page's policy text as normalized Markdown", "extract [--declaration FILE] [--type TYPE] FILE...", runExtract},
	}
}

// usageError is a mistake in the command line: printed with the usage, exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := NewMain(os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	code := m.Execute(ctx, os.Args[1:])
	_ = m.Close()
	os.Exit(code)
}

// Execute runs one command line and returns the process exit status.
func (m *Main) Execute(ctx context.Context, args []string) int {
	global := flag.NewFlagSet("policybot", flag.ContinueOnError)
	global.SetOutput(m.Stderr)
	global.StringVar(&m.ConfigPath, "config", "", "YAML configuration file (or POLICYBOT_CONFIG)")
	global.Usage = func() { m.printUsage() }
	if err := global.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	rest := global.Args()
	if len(rest) == 0 {
		rest = []string{"run"}
	}
	name := rest[0]
	if name == "help" || name == "-h" || name == "--help" {
		m.printUsage()
		return 0
	}
	sub, ok := subcommands()[name]
	if !ok {
		fmt.Fprintf(m.Stderr, "policybot: unknown command %q\n\n", name)
		m.printUsage()
		return 2
	}
	if err := sub.run(ctx, m, rest[1:]); err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(m.Stderr, "policybot %s: %s\nusage: policybot %s\n", name, ue.msg, sub.usage)
			return 2
		}
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(m.Stderr, "policybot %s: %v\n", name, err)
		return 1
	}
	return 0
}

func (m *Main) printUsage() {
	fmt.Fprintln(m.Stderr, "usage: policybot [--config FILE] COMMAND [ARGS]\n\ncommands:")
	subs := subcommands()
	names := make([]string, 0, len(subs))
	for n := range subs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(m.Stderr, "  %-44s %s\n", subs[n].usage, subs[n].summary)
	}
	fmt.Fprintln(m.Stderr, "\nWith no command, policybot runs the bot (see `policybot run`).")
}

// newLogger builds the process logger. Logs go to stderr so that stdout stays
// the console adapter's and the CLI's.
func newLogger(w io.Writer, level, format string) *slog.Logger {
	var l slog.Level
	switch strings.ToLower(level) {
	case "debug":
		l = slog.LevelDebug
	case "warn":
		l = slog.LevelWarn
	case "error":
		l = slog.LevelError
	default:
		l = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: l}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// newFlags starts a subcommand's flag set; its errors go to stderr.
func (m *Main) newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	return fs
}

// formatFlag is the --format option every printing subcommand has.
type formatFlag struct {
	value   *string
	allowed []string
}

// addFormat adds --format; the first allowed value is the default.
func addFormat(fs *flag.FlagSet, usage string, allowed ...string) formatFlag {
	return formatFlag{value: fs.String("format", allowed[0], usage), allowed: allowed}
}

// get returns the chosen format, or a usage error naming the allowed ones.
func (f formatFlag) get() (string, error) {
	for _, a := range f.allowed {
		if *f.value == a {
			return a, nil
		}
	}
	return "", usageError{fmt.Sprintf("--format %q: want %s", *f.value, orList(f.allowed))}
}

// orList writes "a or b", "a, b or c".
func orList(xs []string) string {
	if len(xs) == 1 {
		return xs[0]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " or " + xs[len(xs)-1]
}

// parseInterspersed parses flags placed before, between or after the
// positional arguments (`compare a b --category c`), which the flag
// package alone stops at, and returns the positional ones.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		if args[0] == "--" {
			return append(positional, args[1:]...), nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}
