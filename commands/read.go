package commands

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/policybot/policybot/analysis"
	"github.com/policybot/policybot/bot"
	"github.com/policybot/policybot/monitor/diff"
	"github.com/policybot/policybot/store"
)

// Bounds on what one answer shows, so it fits a chat message.
const (
	maxExcerpt       = 280
	maxPerCategory   = 2
	maxHistory       = 10
	maxDiffEdits     = 8
	maxCompareRows   = 10
	maxCategoryLines = 12
)

// resolveCategory reads a provision category id or name.
func resolveCategory(q string) (analysis.Category, error) {
	if cat, ok := analysis.CategoryByID(strings.ToLower(q)); ok {
		return cat, nil
	}
	sugg := categorySuggestions(q, 3)
	if len(sugg) > 0 && (strings.EqualFold(sugg[0].Name, q) || strings.EqualFold(sugg[0].ID, strings.ReplaceAll(q, " ", "-"))) {
		return sugg[0], nil
	}
	msg := fmt.Sprintf("No provision category “%s”.", bot.Quote(q))
	if len(sugg) > 0 {
		var ids []string
		for _, c := range sugg {
			ids = append(ids, c.ID)
		}
		msg += " Did you mean " + strings.Join(ids, ", ") + "?"
	}
	return analysis.Category{}, problem{msg}
}

func categorySuggestions(q string, n int) []analysis.Category {
	return analysis.SuggestCategory(q, n)
}

func categoryName(id string) string {
	if c, ok := analysis.CategoryByID(id); ok {
		return c.Name
	}
	return id
}

func (r *Router) provisions(ctx context.Context, s *session, c *call) ([]bot.Message, error) {
	p, err := r.resolve(ctx, c.args[0])
	if err != nil {
		return nil, err
	}
	category := ""
	if len(c.args) > 1 {
		cat, err := resolveCategory(c.args[1])
		if err != nil {
			return nil, err
		}
		category = cat.ID
	}
	ps, err := r.db.Provisions(ctx, p.ID, category)
	if err != nil {
		return nil, err
	}
	msg := bot.Message{Kind: bot.KindEphemeral, Title: p.Name + " · provisions"}
	if len(ps) == 0 {
		if category != "" {
			msg.Text = fmt.Sprintf("Nothing on %s found in %s's documents.", categoryName(category), p.Name)
		} else {
			msg.Text = fmt.Sprintf("No provisions indexed for %s yet: they are indexed when a document is captured (/track %s).", p.Name, p.Slug)
		}
		return []bot.Message{msg}, nil
	}
	byCat := map[string][]store.Provision{}
	var order []string
	for _, pr := range ps {
		if _, ok := byCat[pr.Category]; !ok {
			order = append(order, pr.Category)
		}
		byCat[pr.Category] = append(byCat[pr.Category], pr)
	}
	msg.Text = fmt.Sprintf("%d provision(s) in %d categor%s.", len(ps), len(order), map[bool]string{true: "y", false: "ies"}[len(order) == 1])
	if len(order) > maxCategoryLines {
		msg.Text += fmt.Sprintf(" Showing %d; name a category to see one: /provisions %s CATEGORY.", maxCategoryLines, p.Slug)
		order = order[:maxCategoryLines]
	}
	for _, cat := range order {
		var items []string
		for i, pr := range byCat[cat] {
			if i == maxPerCategory {
				items = append(items, fmt.Sprintf("and %d more", len(byCat[cat])-maxPerCategory))
				break
			}
			items = append(items, excerpt(pr))
		}
		msg.Blocks = append(msg.Blocks, bot.Block{Kind: bot.BlockList, Label: categoryName(cat), Items: items})
	}
	return []bot.Message{msg}, nil
}

func excerpt(pr store.Provision) string {
	return "“" + excerptText(pr.Heading, pr.Excerpt) + "”"
}

// excerptText is a provision's excerpt, bounded, after its heading.
func excerptText(heading, text string) string {
	text = bot.Truncate(bot.Clean(text, true), maxExcerpt)
	if h := bot.Clean(heading, true); h != "" {
		text = "(" + bot.Truncate(h, 60) + ") " + text
	}
	return text
}

func (r *Router) compare(ctx context.Context, s *session, c *call) ([]bot.Message, error) {
	var (
		platforms []*store.Platform
		category  string
	)
	if f, ok := c.flags["category"]; ok {
		cat, err := resolveCategory(f)
		if err != nil {
			return nil, err
		}
		category = cat.ID
	}
	if len(c.args) == 1 && category == "" {
		// "/compare CATEGORY": every platform this channel tracks.
		cat, err := resolveCategory(c.args[0])
		if err != nil {
			return nil, problemf("Name two or more platforms (/compare coursera netflix --category data-sharing) or one category (/compare data-sharing). %s", err.Error())
		}
		category = cat.ID
		subs, err := r.db.ChannelSubscriptions(ctx, s.channel.ID)
		if err != nil {
			return nil, err
		}
		if len(subs) == 0 {
			return nil, problem{"This channel tracks no platform to compare; /track some first, or name them: /compare coursera netflix --category " + category}
		}
		for i := range subs {
			platforms = append(platforms, &subs[i].Platform)
		}
	} else {
		if len(c.args) < 2 {
			return nil, problem{"Name at least two platforms, such as /compare coursera netflix --category data-sharing."}
		}
		if len(c.args) > maxCompareRows {
			return nil, problemf("Compare at most %d platforms at once.", maxCompareRows)
		}
		for _, q := range c.args {
			p, err := r.resolve(ctx, q)
			if err != nil {
				return nil, err
			}
			platforms = append(platforms, p)
		}
	}
	if len(platforms) > maxCompareRows {
		platforms = platforms[:maxCompareRows]
	}
	if category == "" {
		return r.compareCategories(ctx, platforms)
	}
	cmp, err := ComparePlatforms(ctx, r.db, platforms, category)
	if err != nil {
		return nil, err
	}
	msg := bot.Message{Kind: bot.KindEphemeral, Title: "How they handle " + categoryName(category)}
	// Most typical first: the reader sees the common practice, then the outliers.
	for _, name := range cmp.Platforms {
		msg.Blocks = append(msg.Blocks, bot.Block{Kind: bot.BlockQuote, Label: name, Text: excerptText(cmp.Have[name].Heading, cmp.Have[name].Excerpt)})
	}
	msg.Text = fmt.Sprintf("%d of %d platform(s) say something on %s.", len(cmp.Platforms), len(platforms), categoryName(category))
	if len(cmp.Missing) > 0 {
		msg.Blocks = append(msg.Blocks, bot.Block{Kind: bot.BlockContext, Label: "Nothing found", Text: strings.Join(cmp.Missing, ", ")})
	}
	return []bot.Message{msg}, nil
}

// compareCategories shows, without a category, which categories each
// platform covers, so the person can pick one to compare.
func (r *Router) compareCategories(ctx context.Context, platforms []*store.Platform) ([]bot.Message, error) {
	counts := map[string]map[string]int{}
	var names []string
	for _, p := range platforms {
		names = append(names, p.Name)
		ps, err := r.db.Provisions(ctx, p.ID, "")
		if err != nil {
			return nil, err
		}
		for _, pr := range ps {
			if counts[pr.Category] == nil {
				counts[pr.Category] = map[string]int{}
			}
			counts[pr.Category][p.Name]++
		}
	}
	msg := bot.Message{Kind: bot.KindEphemeral, Title: "Provisions of " + strings.Join(names, ", ")}
	if len(counts) == 0 {
		msg.Text = "None of them has indexed provisions yet; they are indexed when a document is captured."
		return []bot.Message{msg}, nil
	}
	cats := make([]string, 0, len(counts))
	for c := range counts {
		cats = append(cats, c)
	}
	sort.Slice(cats, func(i, j int) bool {
		if len(counts[cats[i]]) != len(counts[cats[j]]) {
			return len(counts[cats[i]]) > len(counts[cats[j]])
		}
		return cats[i] < cats[j]
	})
	var items []string
	for i, c := range cats {
		if i == maxCategoryLines {
			break
		}
		var who []string
		for _, n := range names {
			if counts[c][n] > 0 {
				who = append(who, n)
			}
		}
		items = append(items, fmt.Sprintf("%s (%s): %s", categoryName(c), c, strings.Join(who, ", ")))
	}
	msg.Text = "Pick a category to compare side by side: /compare " + strings.Join(slugs(platforms), " ") + " --category " + cats[0]
	msg.Blocks = []bot.Block{{Kind: bot.BlockList, Items: items}}
	return []bot.Message{msg}, nil
}

func slugs(ps []*store.Platform) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Slug)
	}
	return out
}

func (r *Router) history(ctx context.Context, s *session, c *call) ([]bot.Message, error) {
	p, err := r.resolve(ctx, c.args[0])
	if err != nil {
		return nil, err
	}
	var only []string
	if len(c.args) > 1 {
		if only, err = parseDocTypes(c.args[1:], docTypes(p)); err != nil {
			return nil, err
		}
	}
	msg := bot.Message{Kind: bot.KindEphemeral, Title: p.Name + " · history"}
	shown := 0
	for _, d := range p.Documents {
		if len(only) > 0 && !containsFold(only, d.Type) {
			continue
		}
		versions, err := r.db.Versions(ctx, d.ID, maxHistory, false)
		if err != nil {
			return nil, err
		}
		changes, err := r.db.Changes(ctx, d.ID, maxHistory)
		if err != nil {
			return nil, err
		}
		var items []string
		for _, ch := range changes {
			line := fmt.Sprintf("%s change #%d", when(ch.DetectedAt), ch.ID)
			if ch.Kind != store.KindSubstantive {
				line += " (" + ch.Kind + ")"
			} else if ch.Severity != "" {
				line += " [" + ch.Severity + "]"
			}
			if h := bot.Truncate(bot.Clean(ch.Headline, true), 160); h != "" {
				line += ": " + h
			}
			line += " " + bot.RecordURL(r.cfg.PublicURL, ch.ID)
			items = append(items, line)
		}
		for _, v := range versions {
			items = append(items, fmt.Sprintf("%s version %d captured (sha256 %s)", when(v.CapturedAt), v.ID, short(v.SHA256)))
		}
		if len(items) == 0 {
			items = append(items, "nothing captured yet")
		}
		msg.Blocks = append(msg.Blocks, bot.Block{Kind: bot.BlockList,
			Label: fmt.Sprintf("%s: %d version(s), %d change(s) shown", d.Type, len(versions), len(changes)), Items: items})
		shown++
	}
	if shown == 0 {
		return nil, problemf("%s has no such document.", p.Name)
	}
	msg.Text = fmt.Sprintf("Newest first, up to %d of each. /diff NUMBER shows a change.", maxHistory)
	return []bot.Message{msg}, nil
}

func short(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}

func (r *Router) diff(ctx context.Context, s *session, c *call) ([]bot.Message, error) {
	raw := strings.TrimPrefix(c.args[0], "#")
	id, err := strconv.ParseUint(raw, 10, 32)
	if err != nil || id == 0 {
		return nil, problemf("“%s” is not a change number; /history PLATFORM lists them.", bot.Quote(c.args[0]))
	}
	ch, err := r.db.Change(ctx, uint(id))
	if errors.Is(err, store.ErrNotFound) {
		return nil, problemf("There is no change #%d.", id)
	}
	if err != nil {
		return nil, err
	}
	record := bot.RecordURL(r.cfg.PublicURL, ch.ID)
	msg := bot.Message{Kind: bot.KindEphemeral, Title: fmt.Sprintf("Change #%d · %s · %s", ch.ID, ch.Document.Platform.Name, ch.Document.Type),
		URL: record, Severity: ch.Severity}
	head := bot.Truncate(bot.Clean(ch.Headline, true), 300)
	if head == "" {
		head = fmt.Sprintf("A %s change.", ch.Kind)
	}
	msg.Text = fmt.Sprintf("%s (detected %s)", head, when(ch.DetectedAt))
	if ch.Summary != "" {
		var sum analysis.ChangeSummary
		if err := json.Unmarshal([]byte(ch.Summary), &sum); err == nil && len(sum.Items) > 0 {
			// One line per movement: the same provision moving the same way in
			// several passages is counted, not repeated.
			var items []string
			count := map[string]int{}
			for _, it := range sum.Items {
				line := fmt.Sprintf("%s: %s (%s)", it.Direction, categoryNameOf(it), it.Severity)
				if count[line] == 0 {
					items = append(items, line)
				}
				count[line]++
			}
			for i, line := range items {
				if n := count[line]; n > 1 {
					items[i] = fmt.Sprintf("%s, in %d passages", line, n)
				}
			}
			msg.Blocks = append(msg.Blocks, bot.Block{Kind: bot.BlockList, Label: "Provisions that moved", Items: items})
		}
	}
	if ch.Diff != "" {
		var d diff.Result
		if err := json.Unmarshal([]byte(ch.Diff), &d); err == nil {
			shown := 0
			for _, e := range d.Edits {
				if !e.Substantive {
					continue
				}
				if shown == maxDiffEdits {
					msg.Blocks = append(msg.Blocks, bot.Block{Kind: bot.BlockContext, Text: "More edits in the change record."})
					break
				}
				shown++
				label := string(e.Op)
				if e.Section != "" {
					label += " in “" + bot.Truncate(bot.Clean(e.Section, true), 80) + "”"
				}
				msg.Blocks = append(msg.Blocks, bot.Block{Kind: bot.BlockHeading, Text: label})
				if e.Before != "" {
					msg.Blocks = append(msg.Blocks, bot.Block{Kind: bot.BlockQuote, Label: "Before", Text: bot.Truncate(bot.Clean(e.Before, false), 500)})
				}
				if e.After != "" {
					msg.Blocks = append(msg.Blocks, bot.Block{Kind: bot.BlockQuote, Label: "After", Text: bot.Truncate(bot.Clean(e.After, false), 500)})
				}
			}
		}
	}
	msg.Blocks = append(msg.Blocks, bot.Block{Kind: bot.BlockContext, Links: []bot.Link{{Label: "Change record", URL: record}}})
	return []bot.Message{msg}, nil
}

func categoryNameOf(it analysis.Item) string {
	if it.CategoryName != "" {
		return it.CategoryName
	}
	return categoryName(it.Category)
}
