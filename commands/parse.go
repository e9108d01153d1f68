package commands

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/policybot/policybot/bot"
	"github.com/policybot/policybot/internal/fuzzy"
)

// maxInput bounds a command line. Real commands are a few words; a longer
// line is a paste gone wrong, and echoing it back would only make it worse.
const maxInput = 500

// problem is a mistake in what a person typed: its message is the answer.
type problem struct{ msg string }

func (p problem) Error() string { return p.msg }

func problemf(format string, args ...any) problem { return problem{fmt.Sprintf(format, args...)} }

// checkInput refuses lines that are too long or carry characters nobody types
// on purpose: control characters (NUL, escapes), bidirectional overrides and
// zero-width characters, which can make a name look like another.
func checkInput(text string) error {
	if len(text) > maxInput {
		return problemf("That command is too long (%d characters); commands are a few words, such as /track coursera.", utf8.RuneCountInString(text))
	}
	if !utf8.ValidString(text) {
		return problem{"That command is not valid text; please type it again."}
	}
	for _, r := range text {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
		case unicode.IsControl(r), r == '\u200b', r == '\u200c', r == '\u200d', r == '\u2060', r == '\ufeff',
			(r >= '\u202a' && r <= '\u202e'), (r >= '\u2066' && r <= '\u2069'), r == '\u200e', r == '\u200f', r == '\u061c':
			return problem{"That command contains invisible or control characters; please type it again."}
		}
	}
	return nil
}

// tokenize splits a command line into words, keeping quoted phrases
// ("Terms of Service", “Terms of Service”, 'x y') together.
func tokenize(s string) ([]string, error) {
	var (
		out   []string
		cur   strings.Builder
		quote rune
		inTok bool
	)
	closing := map[rune]rune{'"': '"', '\'': '\'', '“': '”', '‘': '’', '«': '»'}
	for _, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
				continue
			}
			cur.WriteRune(r)
		case closing[r] != 0 && !inTok:
			quote = closing[r]
			inTok = true
		case unicode.IsSpace(r):
			if inTok {
				out = append(out, cur.String())
				cur.Reset()
				inTok = false
			}
		default:
			cur.WriteRune(r)
			inTok = true
		}
	}
	if quote != 0 {
		return nil, problem{"A quote is not closed; put the closing quote after the words it groups."}
	}
	if inTok {
		out = append(out, cur.String())
	}
	return out, nil
}

// call is one parsed command: its spec, positional words and --flags.
type call struct {
	spec  bot.CommandSpec
	args  []string
	flags map[string]string
}

// parseLine finds the command and splits its arguments against its spec.
func parseLine(specs []bot.CommandSpec, text string) (*call, error) {
	if err := checkInput(text); err != nil {
		return nil, err
	}
	words, err := tokenize(strings.TrimSpace(text))
	if err != nil {
		return nil, err
	}
	if len(words) == 0 {
		return nil, problem{"Type a command, such as /track coursera, or /help for the list."}
	}
	name := strings.ToLower(strings.TrimPrefix(words[0], "/"))
	var spec *bot.CommandSpec
	for i := range specs {
		if specs[i].Name == name {
			spec = &specs[i]
			break
		}
	}
	if spec == nil {
		msg := fmt.Sprintf("There is no command /%s.", bot.Quote(name))
		if s := closestCommand(specs, name); s != "" {
			msg += fmt.Sprintf(" Did you mean /%s?", s)
		}
		return nil, problem{msg + " Type /help for the list."}
	}
	c := &call{spec: *spec, flags: map[string]string{}}
	flags := map[string]bot.ArgSpec{}
	for _, a := range spec.Args {
		if a.Flag {
			flags[a.Name] = a
		}
	}
	rest := words[1:]
	for i := 0; i < len(rest); i++ {
		w := rest[i]
		if !strings.HasPrefix(w, "--") || len(w) == 2 {
			c.args = append(c.args, w)
			continue
		}
		fname, value, hasValue := strings.Cut(strings.TrimPrefix(w, "--"), "=")
		fname = strings.ToLower(fname)
		if _, ok := flags[fname]; !ok {
			return nil, problemf("/%s has no option --%s. See /help %s.", spec.Name, bot.Quote(fname), spec.Name)
		}
		if !hasValue {
			if i+1 >= len(rest) {
				return nil, problemf("--%s needs a value, such as --%s %s.", fname, fname, exampleValue(flags[fname]))
			}
			i++
			value = rest[i]
		}
		c.flags[fname] = value
	}
	// Required positional arguments, in order.
	positional := 0
	for _, a := range spec.Args {
		if a.Flag {
			continue
		}
		if a.Required && len(c.args) <= positional {
			return nil, problemf("/%s needs %s. Usage: %s", spec.Name, article(a), usage(*spec))
		}
		positional++
	}
	if !hasRepeated(*spec) && len(c.args) > positional {
		return nil, problemf("/%s takes at most %d argument(s); “%s” is one too many. Usage: %s",
			spec.Name, positional, bot.Quote(c.args[positional]), usage(*spec))
	}
	for i, a := range positionalArgs(*spec) {
		if a.Kind == bot.ArgChoice && i < len(c.args) && !a.Repeated {
			if !containsFold(a.Choices, c.args[i]) {
				return nil, problemf("/%s %s: “%s” is not one of %s.", spec.Name, a.Name, bot.Quote(c.args[i]), strings.Join(a.Choices, ", "))
			}
			c.args[i] = strings.ToLower(c.args[i])
		}
	}
	return c, nil
}

func positionalArgs(s bot.CommandSpec) []bot.ArgSpec {
	var out []bot.ArgSpec
	for _, a := range s.Args {
		if !a.Flag {
			out = append(out, a)
		}
	}
	return out
}

func hasRepeated(s bot.CommandSpec) bool {
	for _, a := range s.Args {
		if a.Repeated {
			return true
		}
	}
	return false
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

func article(a bot.ArgSpec) string {
	return strings.ToUpper(a.Name)
}

func exampleValue(a bot.ArgSpec) string {
	switch a.Kind {
	case bot.ArgCategory:
		return "data-sharing"
	case bot.ArgPlatform:
		return "coursera"
	}
	if len(a.Choices) > 0 {
		return a.Choices[0]
	}
	return strings.ToUpper(a.Name)
}

// closestCommand is the visible command nearest to a mistyped name, if any is close.
func closestCommand(specs []bot.CommandSpec, name string) string {
	best, bestD := "", 3 // more than two edits away is not a typo
	for _, s := range specs {
		if s.Hidden {
			continue
		}
		if len(name) >= 2 && strings.HasPrefix(s.Name, name) {
			return s.Name
		}
		if d := fuzzy.Distance(name, s.Name); d < bestD {
			best, bestD = s.Name, d
		}
	}
	return best
}

// docTypeAliases are the short names people type for the common documents.
var docTypeAliases = map[string]string{
	"privacy": "Privacy Policy", "privacy-policy": "Privacy Policy", "pp": "Privacy Policy",
	"terms": "Terms of Service", "tos": "Terms of Service", "terms-of-service": "Terms of Service",
	// Open Terms Archive calls cookie policies "Trackers Policy"; people say cookies.
	"cookie": "Trackers Policy", "cookies": "Trackers Policy", "cookie-policy": "Trackers Policy",
	"cookie policy": "Trackers Policy", "trackers": "Trackers Policy",
}

// parseDocTypes reads document types from words, matching the longest run of
// words that names one of available ("Terms of Service", "terms", "tos").
func parseDocTypes(words []string, available []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	add := func(t string) {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	for i := 0; i < len(words); {
		matched := 0
		for j := len(words); j > i; j-- {
			phrase := strings.Trim(strings.Join(words[i:j], " "), ",")
			if t, ok := matchDocType(phrase, available); ok {
				add(t)
				matched = j - i
				break
			}
		}
		if matched == 0 {
			return nil, problemf("No document type “%s”; this platform has %s.", bot.Quote(words[i]), strings.Join(available, ", "))
		}
		i += matched
	}
	return out, nil
}

func matchDocType(phrase string, available []string) (string, bool) {
	for _, t := range available {
		if strings.EqualFold(t, phrase) {
			return t, true
		}
	}
	if t, ok := docTypeAliases[strings.ToLower(phrase)]; ok {
		for _, a := range available {
			if a == t {
				return t, true
			}
		}
	}
	return "", false
}
