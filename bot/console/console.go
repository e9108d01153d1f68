// Package console is the chat adapter for a terminal or a pipe: commands come
// in on stdin, one per line, and every message the bot sends (answers,
// alerts, their threads, digests, notices) goes out on stdout, as readable
// text or as one JSON object per line for scripts.
package console

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/policybot/policybot/bot"
	"github.com/policybot/policybot/store"
)

// Output formats.
const (
	FormatText = "text"
	FormatJSON = "json"
)

// maxLine bounds one command line; the rest of a longer line is dropped
// (the handler refuses long input anyway, this only bounds memory).
const maxLine = 64 << 10

// Options configure the adapter.
type Options struct {
	// Format is FormatText (default) or FormatJSON.
	Format string
	// TenantID and ChannelID name the console's tenant and its one channel.
	TenantID  string
	ChannelID string
	// UserName is who types; the console user is the tenant's admin.
	UserName string
	// Prompt prints "> " before each line is read (for a terminal).
	Prompt bool
	// Echo prints each command before its answer (for a piped script, so the
	// transcript reads as a conversation).
	Echo bool
	// Answered, when set, is called after each command's answer is printed.
	Answered func()
}

// Adapter is the console chat. It is safe for concurrent use: the notifier
// posts while Run answers commands.
type Adapter struct {
	in   io.Reader
	out  io.Writer
	opts Options

	mu     sync.Mutex
	seq    int
	prefix string
	posted recentIDs // idempotency key → message id, within this process
}

// maxPosted is how many posted messages FindPosted remembers. It is asked
// only about a delivery retried by this process, minutes after its first
// attempt; remembering every message of a months-long run would grow without
// bound.
const maxPosted = 4096

// recentIDs maps the most recent keys to their message ids: between
// maxPosted/2 and maxPosted of them, the oldest half dropped at once.
type recentIDs struct {
	cur, old map[string]string
}

func (r *recentIDs) get(key string) (string, bool) {
	if id, ok := r.cur[key]; ok {
		return id, true
	}
	id, ok := r.old[key]
	return id, ok
}

func (r *recentIDs) put(key, id string) {
	if r.cur == nil || len(r.cur) >= maxPosted/2 {
		r.old, r.cur = r.cur, make(map[string]string)
	}
	r.cur[key] = id
}

// New returns a console adapter reading commands from in and writing to out.
func New(in io.Reader, out io.Writer, opts Options) *Adapter {
	if opts.Format == "" {
		opts.Format = FormatText
	}
	if opts.TenantID == "" {
		opts.TenantID = "local"
	}
	if opts.ChannelID == "" {
		opts.ChannelID = "console"
	}
	if opts.UserName == "" {
		opts.UserName = "you"
	}
	return &Adapter{in: in, out: out, opts: opts,
		// Ids carry the process start so that a restarted console never
		// reuses the id of a message an earlier run printed.
		prefix: strconv.FormatInt(time.Now().Unix(), 36)}
}

// Name is the tenant kind.
func (a *Adapter) Name() string { return store.TenantConsole }

// Request is the request a line typed at this console makes.
func (a *Adapter) Request(text string) bot.Request {
	return bot.Request{
		TenantKind: store.TenantConsole, TenantID: a.opts.TenantID, TenantName: "console",
		ChannelID: a.opts.ChannelID, ChannelName: a.opts.ChannelID,
		UserID: "console-user", UserName: a.opts.UserName, IsAdmin: true, Text: text,
	}
}

// Run answers each line of input until the input ends (then it returns nil)
// or ctx is cancelled. Blank lines and lines starting with # are skipped, so
// scripts can carry comments.
func (a *Adapter) Run(ctx context.Context, h bot.Handler) error {
	lines := make(chan string)
	errc := make(chan error, 1)
	go func() {
		// A read from a terminal cannot be interrupted; this goroutine ends
		// with the input or with the process.
		r := bufio.NewReaderSize(a.in, 64<<10)
		for {
			a.prompt()
			line, err := readLine(r)
			if err != nil {
				errc <- err
				return
			}
			select {
			case lines <- line:
			case <-ctx.Done():
				return
			}
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-errc:
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("console: read: %w", err)
		case line := <-lines:
			text := strings.TrimSpace(line)
			if text == "" || strings.HasPrefix(text, "#") {
				continue
			}
			if a.opts.Echo && a.opts.Format == FormatText {
				a.write("» " + bot.Truncate(bot.Clean(text, true), 200) + "\n")
			}
			for _, m := range h.Handle(ctx, a.Request(text)) {
				a.emit(bot.Target{Channel: a.opts.ChannelID}, m)
			}
			if a.opts.Answered != nil {
				a.opts.Answered()
			}
		}
	}
}

// readLine reads one line, keeping at most maxLine bytes of it.
func readLine(r *bufio.Reader) (string, error) {
	var b strings.Builder
	for {
		chunk, isPrefix, err := r.ReadLine()
		if err != nil {
			if b.Len() > 0 && errors.Is(err, io.EOF) {
				return b.String(), nil
			}
			return "", err
		}
		if b.Len() < maxLine {
			room := maxLine - b.Len()
			if len(chunk) > room {
				chunk = chunk[:room]
			}
			b.Write(chunk)
		}
		if !isPrefix {
			return b.String(), nil
		}
	}
}

func (a *Adapter) prompt() {
	if a.opts.Prompt && a.opts.Format == FormatText {
		a.write("> ")
	}
}

// Post prints a message from the notifier and returns its id.
func (a *Adapter) Post(ctx context.Context, to bot.Target, msg bot.Message) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	return a.emit(to, msg), nil
}

// FindPosted reports a message this process already printed under the key;
// a restarted console cannot know what an earlier process printed.
func (a *Adapter) FindPosted(_ context.Context, to bot.Target) (string, bool, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	id, ok := a.posted.get(to.IdempotencyKey)
	return id, ok && to.IdempotencyKey != "", nil
}

// jsonLine is one message in --format json.
type jsonLine struct {
	Kind    string `json:"kind"`
	Channel string `json:"channel"`
	Thread  string `json:"thread"`
	ID      string `json:"id"`
	Text    string `json:"text"`
}

func (a *Adapter) emit(to bot.Target, msg bot.Message) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.seq++
	id := fmt.Sprintf("%s-%d", a.prefix, a.seq)
	if to.IdempotencyKey != "" {
		a.posted.put(to.IdempotencyKey, id)
	}
	kind := string(msg.Kind)
	if kind == "" {
		kind = string(bot.KindReply)
	}
	kind = bot.Clean(kind, true)
	text := bot.RenderText(msg)
	if a.opts.Format == FormatJSON {
		// Policy text keeps its < > & as written (still valid JSON) so the
		// lines read the same to a person as to a script.
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(jsonLine{Kind: kind, Channel: bot.Clean(to.Channel, true), Thread: bot.Clean(to.Thread, true), ID: id, Text: text})
		_, _ = a.out.Write(buf.Bytes())
		return id
	}
	var sb strings.Builder
	head, indent := "", "  "
	if to.Thread != "" {
		head, indent = "    ↳ ", "      "
	}
	label := "[" + kind + " " + id
	if to.Thread != "" {
		label += " in " + bot.Clean(to.Thread, true)
	}
	label += "]"
	if msg.Kind == bot.KindEphemeral {
		label += " (only you)"
	}
	lines := strings.Split(text, "\n")
	sb.WriteString(head + label + " " + lines[0] + "\n")
	// Every further line is indented, so nothing a policy says can start a
	// line that looks like a new message.
	for _, l := range lines[1:] {
		sb.WriteString(indent + l + "\n")
	}
	_, _ = io.WriteString(a.out, sb.String())
	return id
}

// Note prints a line of narration (the demo's) between messages, in text
// format only: JSON output stays one message per line.
func (a *Adapter) Note(text string) {
	if a.opts.Format != FormatText {
		return
	}
	var sb strings.Builder
	for _, l := range strings.Split(bot.Clean(text, false), "\n") {
		sb.WriteString("# " + l + "\n")
	}
	a.write(sb.String())
}

func (a *Adapter) write(s string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	_, _ = io.WriteString(a.out, s)
}
