package store_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/policybot/policybot/store"
	"github.com/policybot/policybot/store/storetest"
)

func TestOpenSQLiteCreatesFileWithWAL(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nested", "dir", "policybot.db")
	db := storetest.MustOpenPath(t, path)
	if db.Dialect() != "sqlite" {
		t.Fatalf("dialect = %q, want sqlite", db.Dialect())
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database file not created: %v", err)
	}
	mode, err := db.JournalMode(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if mode != "wal" {
		t.Fatalf("journal_mode = %q, want wal", mode)
	}
}

func TestMigrateIsIdempotent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "policybot.db")
	db := storetest.MustOpenPath(t, path)
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatalf("second migrate: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// Reopening runs migrations again on an existing schema, as every restart does.
	if _, err := store.Open(context.Background(), path); err != nil {
		t.Fatalf("reopen: %v", err)
	}
}

func TestOpenPostgres(t *testing.T) {
	db := storetest.MustOpenPostgres(t)
	if db.Dialect() != "postgres" {
		t.Fatalf("dialect = %q, want postgres", db.Dialect())
	}
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatalf("second migrate: %v", err)
	}
}
