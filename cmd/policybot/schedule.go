package main

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// runSchedule sets how often a platform's documents (or one of them) are
// checked, overriding POLICYBOT_CHECK_INTERVAL: a policy that changes often,
// or a site that asks to be fetched rarely.
func runSchedule(ctx context.Context, m *Main, args []string) error {
	if len(args) < 2 {
		return usageError{"want PLATFORM [TYPE] EVERY (a duration such as 1h or 24h, or default)"}
	}
	every := args[len(args)-1]
	var interval time.Duration
	if every != "default" {
		d, err := time.ParseDuration(every)
		if err != nil || d < time.Minute {
			return usageError{fmt.Sprintf("%q: want a duration of at least 1m (such as 1h, 24h) or default", every)}
		}
		interval = d
	}
	if err := m.OpenStore(ctx); err != nil {
		return err
	}
	p, err := m.storedPlatform(ctx, args[0])
	if err != nil {
		return err
	}
	docType := strings.Join(args[1:len(args)-1], " ")
	now := time.Now().UTC()
	changed := 0
	for i := range p.Documents {
		d := &p.Documents[i]
		if docType != "" && !strings.EqualFold(d.Type, docType) {
			continue
		}
		effective := interval
		if effective == 0 {
			effective = m.Config.CheckInterval
		}
		// A shorter interval takes effect now rather than after the next check.
		if next := now.Add(effective); d.NextCheckAt == nil || next.Before(*d.NextCheckAt) {
			d.NextCheckAt = &next
		}
		if err := m.DB.SetSchedule(ctx, d.ID, interval, *d.NextCheckAt); err != nil {
			return err
		}
		changed++
		what := "every " + effective.String()
		if interval == 0 {
			what += " (the default)"
		}
		fmt.Fprintf(m.Stdout, "%s / %s: checked %s; next check %s\n", p.Slug, d.Type, what, d.NextCheckAt.Format(time.RFC3339))
	}
	if changed == 0 {
		return fmt.Errorf("%s has no %q document", p.Slug, docType)
	}
	return nil
}
