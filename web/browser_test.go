package web

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// chromiumPath finds the browser for the browser tests: POLICYBOT_TEST_CHROMIUM
// (set by .ci/run), else chromium on PATH; the tests skip without one.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("POLICYBOT_TEST_CHROMIUM"); p != "" {
		return p
	}
	p, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("no chromium: set POLICYBOT_TEST_CHROMIUM or install chromium to run the browser tests")
	}
	return p
}

// artifactsDir is where screenshots go: POLICYBOT_TEST_ARTIFACTS, else the
// test's temporary directory.
func artifactsDir(t *testing.T) string {
	if d := os.Getenv("POLICYBOT_TEST_ARTIFACTS"); d != "" {
		must(t, os.MkdirAll(d, 0o755))
		return d
	}
	return t.TempDir()
}

// browser is a headless Chromium tab that records every console error,
// uncaught exception and browser log entry (CSP violations, failed loads).
type browser struct {
	ctx      context.Context
	mu       sync.Mutex
	problems []string
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	path := chromiumPath(t)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	b := &browser{ctx: ctx}
	// The first Run starts the browser; it must not carry a timeout.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium at %s: %v", path, err)
	}
	err := chromedp.Listen(ctx, func(ev any) {
		var p string
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			p = "exception: " + ev.ExceptionDetails.Text
			if ev.ExceptionDetails.Exception != nil {
				p += " " + ev.ExceptionDetails.Exception.Description
			}
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeWarning ||
				ev.Type == runtime.ConsoleAPICalledTypeAssert {
				var args []string
				for _, a := range ev.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				p = fmt.Sprintf("console.%s: %s", ev.Type, strings.Join(args, " "))
			}
		case *log.EventEntryAdded:
			e := ev.Entry
			if e.Level == log.EntryLevelError || e.Level == log.EntryLevelWarning || e.Source == log.EntrySourceSecurity {
				p = fmt.Sprintf("log %s/%s: %s %s", e.Source, e.Level, e.Text, e.URL)
			}
		}
		if p != "" {
			b.mu.Lock()
			b.problems = append(b.problems, p)
			b.mu.Unlock()
		}
	})
	must(t, err)
	return b
}

// takeProblems returns what was recorded since the last call.
func (b *browser) takeProblems() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	p := b.problems
	b.problems = nil
	return p
}

// load opens url at the given viewport, waits for it and saves a full-page
// screenshot as name.png.
func (b *browser) load(t *testing.T, url string, width, height int64, mobile bool, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	opts := []chromedp.EmulateViewportOption{}
	if mobile {
		opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateScale(2))
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, height, opts...), chromedp.Navigate(url),
		chromedp.WaitReady(chromedp.CSS("footer.site"))); err != nil {
		t.Fatalf("load %s: %v", url, err)
	}
	// Let late events (a blocked style, a missing icon) arrive.
	time.Sleep(300 * time.Millisecond)
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	must(t, err)
	file := filepath.Join(artifactsDir(t), name+".png")
	must(t, os.WriteFile(file, png, 0o644))
	t.Logf("screenshot: %s", file)
}

func eval[T any](t *testing.T, b *browser, js string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate: %v\n%s", err, js)
	}
	return v
}

// box is what a page says of an element's visibility.
type box struct {
	W, H       float64
	Background string
	Visibility string
	Display    string
	// Visible is Element.checkVisibility(): false inside a closed <details>.
	Visible bool
}

const boxesJS = `Array.from(document.querySelectorAll(%q)).map(e => {
	const r = e.getBoundingClientRect(), s = getComputedStyle(e);
	return {W: r.width, H: r.height, Background: s.backgroundColor, Visibility: s.visibility, Display: s.display,
		Visible: e.checkVisibility({visibilityProperty: true, opacityProperty: true})};
})`

func boxes(t *testing.T, b *browser, selector string) []box {
	return eval[[]box](t, b, fmt.Sprintf(boxesJS, selector))
}

func TestBrowser(t *testing.T) {
	f := newFixture(t)
	// A page that breaks the rules on purpose: it proves the recorder sees
	// CSP violations and console errors, so "none seen" below means something.
	f.srv.Mount("GET /test/violates-csp", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><title>x</title><p style="color:red">inline style</p><script>console.error("boom")</script><footer class="site"></footer>`)
	}))
	b := newBrowser(t)
	record := fmt.Sprintf("%s/changes/%d", f.base, f.change.ID)

	t.Run("recorder sees violations", func(t *testing.T) {
		b.load(t, f.base+"/test/violates-csp", 800, 600, false, "web-csp-control")
		probs := b.takeProblems()
		if !strings.Contains(strings.Join(probs, "\n"), "Content Security Policy") {
			t.Fatalf("a page with an inline script and style produced no CSP report: %q", probs)
		}
	})

	views := []struct {
		name          string
		width, height int64
		mobile        bool
	}{{"desktop", 1280, 900, false}, {"phone", 390, 844, true}}
	for _, v := range views {
		t.Run("change record "+v.name, func(t *testing.T) {
			b.load(t, record, v.width, v.height, v.mobile, "web-change-record-"+v.name)
			if probs := b.takeProblems(); len(probs) > 0 {
				t.Errorf("console errors or CSP violations:\n%s", strings.Join(probs, "\n"))
			}
			ins := boxes(t, b, "#diff .edit:not(details .edit) ins")
			if len(ins) == 0 {
				t.Fatal("no highlighted insertion in the diff")
			}
			for i, x := range ins {
				if x.W <= 0 || x.H <= 0 || !x.Visible || x.Visibility != "visible" || x.Display == "none" {
					t.Errorf("insertion %d is not visible: %+v", i, x)
				}
				// The stylesheet (allowed by the CSP) gives insertions their colour.
				if x.Background != "rgb(205, 245, 214)" {
					t.Errorf("insertion %d background %q: the stylesheet did not apply", i, x.Background)
				}
			}
			dels := boxes(t, b, "#diff .edit:not(details .edit) del")
			if len(dels) == 0 || dels[0].W <= 0 || dels[0].Background != "rgb(255, 216, 211)" {
				t.Errorf("deletions: %+v", dels)
			}
			// Cosmetic edits are folded away until asked for.
			folded := boxes(t, b, "details.cosmetic .edit")
			if len(folded) == 0 {
				t.Error("no folded cosmetic edit: the corpus change has a date edit")
			}
			for i, x := range folded {
				if x.Visible {
					t.Errorf("cosmetic edit %d is shown unfolded: %+v", i, x)
				}
			}
			if n := eval[int](t, b, `document.querySelectorAll('a[href$="/raw"]').length`); n != 2 {
				t.Errorf("%d raw snapshot downloads, want 2", n)
			}
			// Readable on a phone: nothing wider than the screen.
			if over := eval[bool](t, b, `document.documentElement.scrollWidth > window.innerWidth + 1`); over {
				t.Errorf("the page scrolls sideways at %dpx", v.width)
			}
		})
		t.Run("platform page "+v.name, func(t *testing.T) {
			b.load(t, f.base+"/platforms/coursera", v.width, v.height, v.mobile, "web-platform-"+v.name)
			if probs := b.takeProblems(); len(probs) > 0 {
				t.Errorf("console errors or CSP violations:\n%s", strings.Join(probs, "\n"))
			}
			marks := boxes(t, b, "svg circle.mark")
			if len(marks) != 2 {
				t.Fatalf("%d timeline marks, want 2", len(marks))
			}
			for i, m := range marks {
				if m.W <= 0 || m.H <= 0 {
					t.Errorf("timeline mark %d is not drawn: %+v", i, m)
				}
			}
			titles := eval[[]string](t, b, `Array.from(document.querySelectorAll('svg circle.mark > title')).map(t => t.textContent)`)
			if len(titles) != 2 || !strings.Contains(titles[1], "Critical change") {
				t.Errorf("mark titles %q", titles)
			}
			fill := eval[string](t, b, `getComputedStyle(document.querySelector('circle.sev-critical')).fill`)
			if fill != "rgb(179, 38, 30)" {
				t.Errorf("critical mark fill %q", fill)
			}
			if over := eval[bool](t, b, `document.documentElement.scrollWidth > window.innerWidth + 1`); over {
				t.Errorf("the page scrolls sideways at %dpx", v.width)
			}
		})
	}
}
