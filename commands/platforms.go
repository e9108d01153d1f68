package commands

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/policybot/policybot/bot"
	"github.com/policybot/policybot/catalog"
	"github.com/policybot/policybot/store"
)

// resolve finds the platform a person named: in the store first (which holds
// platforms added from URLs as well as the imported catalog), then in the
// catalog; a platform only the catalog has comes back with ID 0 (see
// (*Router).store). An unknown name is answered with the closest names:
// "did you mean coursera?".
func (r *Router) resolve(ctx context.Context, q string) (*store.Platform, error) {
	q = strings.TrimSpace(q)
	if q == "" {
		return nil, problem{"Name a platform, such as coursera."}
	}
	for _, slug := range []string{strings.ToLower(q), catalog.Slug(q)} {
		if slug == "" {
			continue
		}
		p, err := r.db.PlatformBySlug(ctx, slug)
		if err == nil {
			return p, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
	}
	if cp, ok := r.catalog.Lookup(q); ok {
		p, err := r.db.PlatformBySlug(ctx, cp.Slug)
		if err == nil {
			return p, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		// Not stored yet: answer from the catalog without writing (ID 0);
		// /track stores it once the plan allows it.
		sp, docs := cp.Records()
		sp.Documents = docs
		return &sp, nil
	}
	// Platforms only the store knows (added from a URL) by name or alias.
	if len(q) >= 2 {
		ps, err := r.db.ListPlatforms(ctx, q)
		if err != nil {
			return nil, err
		}
		for i := range ps {
			if strings.EqualFold(ps[i].Name, q) || containsFold(strings.Split(ps[i].Aliases, ","), q) {
				return &ps[i], nil
			}
		}
	}
	return nil, r.unknownPlatform(q)
}

func (r *Router) unknownPlatform(q string) error {
	var names []string
	for _, p := range r.catalog.Suggest(q, 3) {
		names = append(names, p.Slug)
	}
	msg := fmt.Sprintf("No platform called “%s”.", bot.Quote(q))
	switch len(names) {
	case 0:
		msg += " Track a policy by its URL instead: /track https://example.com/privacy"
	case 1:
		msg += fmt.Sprintf(" Did you mean %s?", names[0])
	default:
		msg += fmt.Sprintf(" Did you mean %s or %s?", strings.Join(names[:len(names)-1], ", "), names[len(names)-1])
	}
	return problem{msg}
}

// resolveTracked finds a platform among what the channel tracks (so that
// /untrack works with any name the platform answers to), then anywhere.
func (r *Router) resolveTracked(ctx context.Context, s *session, q string) (*store.Platform, *store.Subscription, error) {
	subs, err := r.db.ChannelSubscriptions(ctx, s.channel.ID)
	if err != nil {
		return nil, nil, err
	}
	key := strings.ToLower(strings.TrimSpace(q))
	for i := range subs {
		p := subs[i].Platform
		if p.Slug == key || strings.EqualFold(p.Name, key) || p.Slug == catalog.Slug(q) || containsFold(strings.Split(p.Aliases, ","), key) {
			return &subs[i].Platform, &subs[i], nil
		}
	}
	p, err := r.resolve(ctx, q)
	if err != nil {
		return nil, nil, err
	}
	for i := range subs {
		if subs[i].PlatformID == p.ID {
			return p, &subs[i], nil
		}
	}
	return p, nil, nil
}

// looksLikeURL tells a URL from a platform name.
func looksLikeURL(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://") || strings.Contains(l, "://") ||
		(strings.Contains(l, ".") && strings.Contains(l, "/"))
}

// urlDocTypes are the document types a URL can be tracked as.
var urlDocTypes = []string{catalog.PrivacyPolicy, "Terms of Service", "Trackers Policy"}

// customPlatform turns a URL into a platform of its own: the slug from the
// host, one document of the given type (guessed from the path when empty)
// fetched from the URL.
func customPlatform(raw, docType string) (store.Platform, []store.Document, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return store.Platform{}, nil, problemf("“%s” is not a URL I can read; give the whole address, such as https://example.com/privacy.", bot.Quote(raw))
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return store.Platform{}, nil, problem{"Only http and https pages can be tracked."}
	}
	if u.User != nil {
		return store.Platform{}, nil, problem{"That URL carries a user name or password; track a public page instead."}
	}
	cp, err := catalog.CustomPlatform(raw, []string{docType})
	if err != nil {
		return store.Platform{}, nil, problemf("“%s” is not a URL I can read.", bot.Quote(raw))
	}
	p, docs := cp.Records()
	return p, docs, nil
}

// stored makes sure a resolved platform and its documents are in the store:
// a catalog platform is imported, a platform from a URL written.
func (r *Router) stored(ctx context.Context, p *store.Platform) (*store.Platform, error) {
	var missing []store.Document
	for _, d := range p.Documents {
		if d.ID == 0 {
			missing = append(missing, d)
		}
	}
	if p.ID != 0 && len(missing) == 0 {
		return p, nil
	}
	if p.Custom {
		row := *p
		row.Documents = nil
		if err := r.db.UpsertPlatform(ctx, &row, missing); err != nil {
			return nil, err
		}
		return r.db.PlatformBySlug(ctx, p.Slug)
	}
	cp, ok := r.catalog.Lookup(p.Slug)
	if !ok {
		return nil, fmt.Errorf("commands: platform %s vanished from the catalog", p.Slug)
	}
	if _, err := catalog.Import(ctx, r.db, []catalog.Platform{cp}); err != nil {
		return nil, err
	}
	return r.db.PlatformBySlug(ctx, p.Slug)
}
