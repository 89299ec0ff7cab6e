package postgres

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/golang-migrate/migrate/v4"
	_ "github.com/golang-migrate/migrate/v4/database/pgx/v5" // registers pgx5://
	"github.com/golang-migrate/migrate/v4/source/iofs"

	"lastmile/migrations"
)

// Migrator applies the embedded migrations to one database.
type Migrator struct {
	m      *migrate.Migrate
	latest uint
}

// NewMigrator opens a migrator for the database at dsn (a postgres:// URL).
func NewMigrator(dsn string) (*Migrator, error) {
	src, err := iofs.New(migrations.FS, ".")
	if err != nil {
		return nil, fmt.Errorf("reading embedded migrations: %w", err)
	}
	u, err := migrateURL(dsn)
	if err != nil {
		return nil, err
	}
	m, err := migrate.NewWithSourceInstance("iofs", src, u)
	if err != nil {
		return nil, fmt.Errorf("connecting for migrations: %w", err)
	}
	latest, err := LatestVersion()
	if err != nil {
		return nil, err
	}
	return &Migrator{m: m, latest: latest}, nil
}

// migrateURL turns a postgres:// URL into the pgx5:// form golang-migrate expects.
func migrateURL(dsn string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", fmt.Errorf("DATABASE_URL must be a postgres:// URL")
	}
	u.Scheme = "pgx5"
	return u.String(), nil
}

// LatestVersion returns the highest migration version this binary knows.
func LatestVersion() (uint, error) {
	entries, err := fs.ReadDir(migrations.FS, ".")
	if err != nil {
		return 0, err
	}
	var versions []int
	for _, e := range entries {
		n, _, ok := strings.Cut(e.Name(), "_")
		if v, err := strconv.Atoi(n); ok && err == nil {
			versions = append(versions, v)
		}
	}
	sort.Ints(versions)
	if len(versions) == 0 {
		return 0, errors.New("no embedded migrations")
	}
	return uint(versions[len(versions)-1]), nil
}

// Version returns the schema version and whether a migration failed halfway (dirty).
// A database never migrated has version 0.
func (m *Migrator) Version() (version uint, dirty bool, err error) {
	v, d, err := m.m.Version()
	if errors.Is(err, migrate.ErrNilVersion) {
		return 0, false, nil
	}
	return v, d, err
}

// Check returns a clear error when the schema cannot be used by this binary: dirty
// (a migration failed halfway) or newer than the migrations it knows.
func (m *Migrator) Check() error {
	v, dirty, err := m.Version()
	if err != nil {
		return fmt.Errorf("reading the schema version: %w", err)
	}
	if dirty {
		return fmt.Errorf("the database schema is dirty at version %d: a migration failed halfway. "+
			"Repair the schema by hand, then record the version that is really applied; lastmile never forces it", v)
	}
	if v > m.latest {
		return fmt.Errorf("the database schema is at version %d, newer than this lastmile knows (%d): "+
			"run a newer lastmile, or migrate down with the newer one", v, m.latest)
	}
	return nil
}

// Up applies every pending migration, after Check.
func (m *Migrator) Up() error {
	if err := m.Check(); err != nil {
		return err
	}
	if err := m.m.Up(); err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return fmt.Errorf("migrating up: %w", err)
	}
	return nil
}

// Down reverts every migration.
func (m *Migrator) Down() error {
	if err := m.m.Down(); err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return fmt.Errorf("migrating down: %w", err)
	}
	return nil
}

// Ready reports whether the schema is exactly at the latest version and clean.
func (m *Migrator) Ready() error {
	v, dirty, err := m.Version()
	if err != nil {
		return err
	}
	if dirty || v != m.latest {
		return fmt.Errorf("schema at version %d (dirty=%v), expected %d", v, dirty, m.latest)
	}
	return nil
}

// Close releases the migrator's connection.
func (m *Migrator) Close() error {
	serr, derr := m.m.Close()
	return errors.Join(serr, derr)
}

// CheckSchema reports, through the pool, whether the schema is at the latest version this
// binary knows and clean. /readyz calls it.
func (s *Store) CheckSchema(ctx context.Context) error {
	var v int64
	var dirty bool
	if err := s.pool.QueryRow(ctx, `SELECT version, dirty FROM schema_migrations LIMIT 1`).Scan(&v, &dirty); err != nil {
		return fmt.Errorf("reading the schema version: %w", err)
	}
	latest, err := LatestVersion()
	if err != nil {
		return err
	}
	if dirty || uint(v) != latest {
		return fmt.Errorf("schema at version %d (dirty=%v), expected %d", v, dirty, latest)
	}
	return nil
}
