package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/policybot/policybot/catalog"
	"github.com/policybot/policybot/store"
)

func runCatalog(ctx context.Context, m *Main, args []string) error {
	if len(args) == 0 {
		return usageError{"want `catalog import [DIR]` or `catalog list [QUERY]`"}
	}
	switch args[0] {
	case "import":
		if len(args) > 2 {
			return usageError{"`catalog import` takes one folder (none imports the built-in catalog)"}
		}
		dir := ""
		if len(args) == 2 {
			dir = args[1]
		}
		return catalogImport(ctx, m, dir)
	case "list":
		return catalogList(ctx, m, strings.Join(args[1:], " "))
	default:
		return usageError{fmt.Sprintf("unknown catalog command %q: want import or list", args[0])}
	}
}

// catalogImport loads a folder of declarations (or the built-in catalog when
// dir is empty) into the store. Files with problems are listed on stdout and
// skipped; only a folder that cannot be read or a store that fails is an error.
func catalogImport(ctx context.Context, m *Main, dir string) error {
	var (
		ps       []catalog.Platform
		problems []catalog.Problem
		from     = "the built-in catalog"
	)
	if dir == "" {
		ps = catalog.Builtin().All()
	} else {
		info, err := os.Stat(dir)
		if err != nil {
			return fmt.Errorf("import %s: %w", dir, err)
		}
		if !info.IsDir() {
			return fmt.Errorf("import %s: not a folder (give the folder that holds the *.json declarations)", dir)
		}
		ps, problems = catalog.LoadDir(dir)
		builtin := catalog.Builtin()
		for i := range ps {
			ps[i] = builtin.Fill(ps[i])
		}
		from = dir
	}
	if err := m.OpenStore(ctx); err != nil {
		return err
	}
	stats, err := catalog.Import(ctx, m.DB, ps)
	if err != nil {
		return err
	}
	files := map[string]bool{}
	for _, p := range problems {
		files[p.File] = true
	}
	fmt.Fprintf(m.Stdout, "Loaded %d %s from %s (%d new), skipped %d %s.\n",
		stats.Platforms, catalogPlural(stats.Platforms, "platform", "platforms"), from, stats.NewPlatforms,
		len(files), catalogPlural(len(files), "file", "files"))
	fmt.Fprintf(m.Stdout, "Documents: %d (%d new, %d with a changed declaration); monitoring state kept.\n",
		stats.Documents, stats.NewDocuments, stats.UpdatedDocuments)
	for _, p := range problems {
		fmt.Fprintf(m.Stdout, "skipped %s\n", p.Error())
	}
	return nil
}

// catalogList prints the built-in catalog merged with what the store has,
// marking the platforms that exist only in the store.
func catalogList(ctx context.Context, m *Main, query string) error {
	platforms := catalog.Builtin().All()
	origin := map[string]string{} // slug → "imported" or "custom", for store-only platforms
	db, err := m.catalogStore(ctx)
	if err != nil {
		return err
	}
	if db != nil {
		stored, err := db.ListPlatforms(ctx, "")
		if err != nil {
			return err
		}
		platforms = catalogMergeStored(platforms, stored, origin, m)
	}
	c := catalog.New(platforms)
	shown := c.Search(query)
	if len(shown) == 0 {
		msg := fmt.Sprintf("No platform matches %q.", query)
		if s := c.Suggest(query, 3); len(s) > 0 {
			names := make([]string, len(s))
			for i, p := range s {
				names[i] = p.Slug
			}
			msg += " Did you mean " + strings.Join(names, ", ") + "?"
		}
		fmt.Fprintln(m.Stdout, msg)
		return nil
	}
	only := 0
	for _, p := range shown {
		if origin[p.Slug] != "" {
			only++
		}
	}
	if query == "" {
		fmt.Fprintf(m.Stdout, "%d platforms", len(shown))
	} else {
		fmt.Fprintf(m.Stdout, "%d of %d platforms match %q", len(shown), c.Len(), query)
	}
	if only > 0 {
		fmt.Fprintf(m.Stdout, " (%d only in this store)", only)
	}
	fmt.Fprintln(m.Stdout, ".")
	w := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "SLUG\tNAME\tCATEGORY\tDOCUMENTS")
	for _, p := range shown {
		name := p.Name
		if o := origin[p.Slug]; o != "" {
			name += " [" + o + "]"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", p.Slug, name, p.Category, strings.Join(p.DocumentTypes(), ", "))
	}
	return w.Flush()
}

// catalogMergeStored adds the store's platforms to the built-in ones: a known slug
// gains the document types only the store has; an unknown one is added and
// marked in origin.
func catalogMergeStored(platforms []catalog.Platform, stored []store.Platform, origin map[string]string, m *Main) []catalog.Platform {
	index := make(map[string]int, len(platforms))
	for i, p := range platforms {
		index[p.Slug] = i
	}
	for _, sp := range stored {
		p, err := catalog.FromRecords(sp, sp.Documents)
		if err != nil {
			m.Logger.Warn("catalog list: store has a declaration that does not decode", "err", err)
		}
		i, known := index[sp.Slug]
		if !known {
			origin[sp.Slug] = "imported"
			if sp.Custom {
				origin[sp.Slug] = "custom"
			}
			platforms = append(platforms, p)
			continue
		}
		extra := false
		for t := range p.Documents {
			if _, ok := platforms[i].Documents[t]; !ok {
				extra = true
			}
		}
		if extra {
			// Copy before adding: the built-in platform's map is shared.
			docs := make(map[string]catalog.DocumentSource, len(platforms[i].Documents)+len(p.Documents))
			for t, d := range platforms[i].Documents {
				docs[t] = d
			}
			for t, d := range p.Documents {
				if _, ok := docs[t]; !ok {
					docs[t] = d
				}
			}
			platforms[i].Documents = docs
		}
	}
	return platforms
}

// catalogStore opens the store only if it already exists: listing must not
// create an empty database as a side effect. A PostgreSQL URL always exists.
func (m *Main) catalogStore(ctx context.Context) (*store.DB, error) {
	if m.DB != nil {
		return m.DB, nil
	}
	if err := m.LoadConfig(); err != nil {
		return nil, err
	}
	dsn := m.Config.DSN()
	if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
		path := strings.TrimPrefix(dsn, "file:")
		path, _, _ = strings.Cut(path, "?")
		if path == ":memory:" {
			return nil, nil
		}
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
	}
	if err := m.OpenStore(ctx); err != nil {
		return nil, err
	}
	return m.DB, nil
}

func catalogPlural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
