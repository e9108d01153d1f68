package main

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/policybot/policybot/store"
)

// runTenant lets an operator see tenants and set their plans.
func runTenant(ctx context.Context, m *Main, args []string) error {
	if len(args) == 0 {
		return usageError{"want `tenant list` or `tenant plan KIND:EXTERNAL_ID PLAN`"}
	}
	switch args[0] {
	case "list":
		if len(args) != 1 {
			return usageError{"tenant list takes no arguments"}
		}
		if err := m.OpenStore(ctx); err != nil {
			return err
		}
		return listTenants(ctx, m)
	case "plan":
		if len(args) != 3 {
			return usageError{"want `tenant plan KIND:EXTERNAL_ID PLAN`, e.g. tenant plan slack:T0123 monitor"}
		}
		kind, ext, ok := strings.Cut(args[1], ":")
		if !ok || ext == "" {
			return usageError{fmt.Sprintf("%q: want KIND:EXTERNAL_ID, e.g. slack:T0123 or console:local", args[1])}
		}
		if err := m.OpenStore(ctx); err != nil {
			return err
		}
		if _, ok := m.Config.PlanFor(args[2]); !ok {
			return fmt.Errorf("no plan %q; the configured plans are %s", args[2], strings.Join(planNames(m), ", "))
		}
		t, err := m.DB.TenantByExternal(ctx, kind, ext)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no tenant %s (tenants appear after their first command; `policybot tenant list` shows them)", args[1])
		}
		if err != nil {
			return err
		}
		if err := m.DB.UpdateTenant(ctx, t.ID, map[string]any{"plan": args[2]}); err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "%s:%s is now on the %s plan (was %s)\n", kind, ext, args[2], t.Plan)
		return nil
	}
	return usageError{fmt.Sprintf("unknown tenant command %q", args[0])}
}

func listTenants(ctx context.Context, m *Main) error {
	ts, err := m.DB.Tenants(ctx)
	if err != nil {
		return err
	}
	if len(ts) == 0 {
		fmt.Fprintln(m.Stdout, "no tenants yet: each workspace, guild or console appears after its first command")
		return nil
	}
	w := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "TENANT\tNAME\tPLAN\tPLATFORMS\tADMINS-ONLY\tSINCE")
	for _, t := range ts {
		n, err := m.DB.TenantPlatformCount(ctx, t.ID)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%s:%s\t%s\t%s\t%d\t%v\t%s\n", t.Kind, t.ExternalID, t.Name, t.Plan, n, t.AdminsOnly, t.CreatedAt.UTC().Format("2006-01-02"))
	}
	return w.Flush()
}

func planNames(m *Main) []string {
	var names []string
	for n := range m.Config.Plans {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
