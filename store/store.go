// Package store keeps policybot's data: gorm models and the queries over them,
// on an embedded SQLite file by default or PostgreSQL when one machine is not
// enough.
package store

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// ErrNotFound is returned when a looked-up row does not exist.
var ErrNotFound = errors.New("not found")

// DB is an open store. Its methods are safe for concurrent use.
type DB struct {
	gdb     *gorm.DB
	dialect string // "sqlite" or "postgres"
}

// Open connects to dsn and runs migrations. A dsn starting with postgres:// or
// postgresql:// is PostgreSQL; anything else is a SQLite file path (or file: URI),
// whose directory is created if needed.
func Open(ctx context.Context, dsn string) (*DB, error) {
	var (
		dialector gorm.Dialector
		dialect   string
	)
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		dialector, dialect = postgres.Open(dsn), "postgres"
	default:
		sqliteDSN, err := sqliteDSN(dsn)
		if err != nil {
			return nil, err
		}
		dialector, dialect = sqlite.Open(sqliteDSN), "sqlite"
	}
	gdb, err := gorm.Open(dialector, &gorm.Config{
		// Errors are returned to callers, who log them with context; gorm's own
		// logger would write to stdout, which the console adapter owns.
		Logger:                                   logger.Discard,
		NowFunc:                                  func() time.Time { return time.Now().UTC() },
		DisableForeignKeyConstraintWhenMigrating: false,
		TranslateError:                           true,
	})
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", dialect, err)
	}
	sqlDB, err := gdb.DB()
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	if dialect == "sqlite" {
		// One writer at a time is SQLite's rule; immediate transactions and the
		// busy timeout make writers queue instead of failing with SQLITE_BUSY.
		sqlDB.SetMaxOpenConns(8)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	} else {
		sqlDB.SetMaxOpenConns(16)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	}
	if err := sqlDB.PingContext(ctx); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("store: connect %s: %w", dialect, err)
	}
	db := &DB{gdb: gdb, dialect: dialect}
	if err := db.Migrate(ctx); err != nil {
		_ = sqlDB.Close()
		return nil, err
	}
	return db, nil
}

// sqliteDSN turns a path or file: URI into a go-sqlite3 DSN with WAL, a busy
// timeout, foreign keys and immediate transactions.
func sqliteDSN(dsn string) (string, error) {
	if dsn == "" {
		return "", errors.New("store: empty database path")
	}
	path, query := dsn, ""
	if strings.HasPrefix(dsn, "file:") {
		rest := strings.TrimPrefix(dsn, "file:")
		path, query, _ = strings.Cut(rest, "?")
	}
	if path != ":memory:" {
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			return "", fmt.Errorf("store: create directory for %s: %w", path, err)
		}
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return "", fmt.Errorf("store: database URL query: %w", err)
	}
	set := func(k, v string) {
		if q.Get(k) == "" {
			q.Set(k, v)
		}
	}
	set("_journal_mode", "WAL")
	set("_busy_timeout", "10000")
	set("_foreign_keys", "on")
	set("_txlock", "immediate")
	set("_synchronous", "NORMAL")
	return "file:" + path + "?" + q.Encode(), nil
}

// Migrate creates or updates every table. It runs on every start.
func (db *DB) Migrate(ctx context.Context) error {
	if err := db.gdb.WithContext(ctx).AutoMigrate(allModels()...); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	return nil
}

// Dialect is "sqlite" or "postgres".
func (db *DB) Dialect() string { return db.dialect }

// Ping reports whether the database answers (for /healthz).
func (db *DB) Ping(ctx context.Context) error {
	sqlDB, err := db.gdb.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

// Close closes the connection pool.
func (db *DB) Close() error {
	sqlDB, err := db.gdb.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// Tx runs fn in one transaction: everything fn writes through tx commits
// together or not at all.
func (db *DB) Tx(ctx context.Context, fn func(tx *DB) error) error {
	return db.gdb.WithContext(ctx).Transaction(func(g *gorm.DB) error {
		return fn(&DB{gdb: g, dialect: db.dialect})
	})
}

// with returns the gorm handle bound to ctx.
func (db *DB) with(ctx context.Context) *gorm.DB { return db.gdb.WithContext(ctx) }

// notFound maps gorm's record-not-found onto ErrNotFound, with context.
func notFound(err error, what string) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	return nil
}

// JournalMode returns SQLite's journal mode ("wal" when opened by Open); it is
// empty on PostgreSQL.
func (db *DB) JournalMode(ctx context.Context) (string, error) {
	if db.dialect != "sqlite" {
		return "", nil
	}
	var mode string
	if err := db.with(ctx).Raw("PRAGMA journal_mode").Scan(&mode).Error; err != nil {
		return "", fmt.Errorf("store: journal mode: %w", err)
	}
	return mode, nil
}
