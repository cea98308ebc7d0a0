//! Migrations, one tree per backend with the same folder names (`migrations/postgres/`,
//! `migrations/sqlite/`), embedded in the binary and chosen at run time by backend.

use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::{AnyConnection, Backend};

pub const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");
pub const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

pub fn source_for(backend: Backend) -> EmbeddedMigrations {
    match backend {
        Backend::Postgres => POSTGRES,
        Backend::Sqlite => SQLITE,
    }
}

/// Applies every pending migration; returns the versions applied.
pub fn run_pending(conn: &mut AnyConnection) -> Result<Vec<String>, String> {
    let source = source_for(conn.backend());
    conn.run_pending_migrations(source)
        .map(|versions| versions.iter().map(|v| v.to_string()).collect())
        .map_err(|e| e.to_string())
}

/// True when the embedded tree holds migrations the database has not applied.
pub fn has_pending(conn: &mut AnyConnection) -> Result<bool, String> {
    let source = source_for(conn.backend());
    conn.has_pending_migration(source).map_err(|e| e.to_string())
}

/// Reverts every applied migration (used by the up/down/up test).
pub fn revert_all(conn: &mut AnyConnection) -> Result<Vec<String>, String> {
    let source = source_for(conn.backend());
    conn.revert_all_migrations(source)
        .map(|versions| versions.iter().map(|v| v.to_string()).collect())
        .map_err(|e| e.to_string())
}
