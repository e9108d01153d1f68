// Package storetest opens real stores for tests: a SQLite file in the test's
// temporary directory, or the PostgreSQL server named by POLICYBOT_TEST_POSTGRES.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver, for schema set-up

	"github.com/policybot/policybot/store"
)

// MustOpen opens a fresh SQLite store on disk and closes it when the test ends.
func MustOpen(tb testing.TB) *store.DB {
	tb.Helper()
	return MustOpenPath(tb, filepath.Join(tb.TempDir(), "policybot.db"))
}

// MustOpenPath opens the SQLite store at path (reopening an existing one is
// how tests simulate a restart).
func MustOpenPath(tb testing.TB, path string) *store.DB {
	tb.Helper()
	db, err := store.Open(context.Background(), path)
	if err != nil {
		tb.Fatalf("open store %s: %v", path, err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	return db
}

// PostgresURL returns the test server's URL from POLICYBOT_TEST_POSTGRES, or
// skips the test when none is configured (.ci/run starts one).
func PostgresURL(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv("POLICYBOT_TEST_POSTGRES")
	if u == "" {
		tb.Skip("POLICYBOT_TEST_POSTGRES not set: no PostgreSQL server to test against")
	}
	return u
}

// MustOpenPostgres opens the test PostgreSQL server in a schema of its own,
// dropped when the test ends, so tests never see each other's rows.
func MustOpenPostgres(tb testing.TB) *store.DB {
	tb.Helper()
	base := PostgresURL(tb)
	var buf [6]byte
	_, _ = rand.Read(buf[:])
	schema := "t_" + hex.EncodeToString(buf[:])
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatalf("postgres: %v", err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		tb.Fatalf("postgres: create schema: %v", err)
	}
	tb.Cleanup(func() {
		if c, err := sql.Open("pgx", base); err == nil {
			_, _ = c.Exec("DROP SCHEMA " + schema + " CASCADE")
			_ = c.Close()
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("postgres URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	db, err := store.Open(context.Background(), u.String())
	if err != nil {
		tb.Fatalf("open postgres store: %v", err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	return db
}
