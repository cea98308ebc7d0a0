//! The two migration trees stay in step: same folder names, same resulting schema, and each
//! tree runs up, down and up again.

use std::collections::BTreeSet;
use std::path::Path;

use diesel::RunQueryDsl;
use rogatory::db::migrations;

use crate::support::{TestBackend, TestDatabase, schema};

fn folder_names(backend: &str) -> BTreeSet<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(backend);
    std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let entry = entry.expect("directory entry");
            let path = entry.path();
            for file in ["up.sql", "down.sql"] {
                assert!(path.join(file).is_file(), "{} has no {file}", path.display());
            }
            entry.file_name().to_string_lossy().into_owned()
        })
        .collect()
}

#[test]
fn both_trees_have_the_same_migration_names() {
    let postgres = folder_names("postgres");
    let sqlite = folder_names("sqlite");
    assert!(!postgres.is_empty());
    assert_eq!(
        postgres,
        sqlite,
        "migrations/postgres and migrations/sqlite must hold the same folders; only in postgres: {:?}, only in sqlite: {:?}",
        postgres.difference(&sqlite).collect::<Vec<_>>(),
        sqlite.difference(&postgres).collect::<Vec<_>>()
    );
}

#[test]
fn both_backends_end_with_the_same_schema() {
    let (Some(sqlite), Some(postgres)) =
        (TestDatabase::create(TestBackend::Sqlite), TestDatabase::create(TestBackend::Postgres))
    else {
        return;
    };
    let mut sqlite_conn = sqlite.connect();
    let mut pg_conn = postgres.connect();
    migrations::run_pending(&mut sqlite_conn).expect("sqlite migrations");
    migrations::run_pending(&mut pg_conn).expect("postgres migrations");
    let on_sqlite = schema::snapshot(&mut sqlite_conn);
    let on_postgres = schema::snapshot(&mut pg_conn);
    assert!(on_sqlite.tables.contains("legal_bases"), "{on_sqlite:?}");
    assert_eq!(on_sqlite.tables, on_postgres.tables, "tables differ");
    assert_eq!(
        on_sqlite.columns.symmetric_difference(&on_postgres.columns).collect::<Vec<_>>(),
        Vec::<&schema::Column>::new(),
        "columns or their nullability differ (sqlite vs postgres)"
    );
    assert_eq!(on_sqlite.unique_indexes, on_postgres.unique_indexes, "unique indexes differ");
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

fn up_down_up(backend: TestBackend) {
    let Some(db) = TestDatabase::create(backend) else { return };
    let mut conn = db.connect();
    let applied = migrations::run_pending(&mut conn).expect("up");
    assert!(!applied.is_empty());
    assert!(!migrations::has_pending(&mut conn).expect("pending"));
    let full = schema::snapshot(&mut conn);

    let reverted = migrations::revert_all(&mut conn).expect("down");
    assert_eq!(reverted.len(), applied.len(), "every migration reverts");
    let empty = schema::snapshot(&mut conn);
    assert!(empty.tables.is_empty(), "down.sql leaves tables behind: {:?}", empty.tables);

    let again = migrations::run_pending(&mut conn).expect("up again");
    assert_eq!(again, applied);
    assert_eq!(schema::snapshot(&mut conn), full, "the schema after up/down/up differs from the first up");
    let seeded: Count =
        diesel::sql_query("SELECT COUNT(*) AS n FROM legal_bases").get_result(&mut conn).expect("count");
    assert_eq!(seeded.n, 16, "the catalogue seed and its corrections are applied again");
}

#[test]
fn sqlite_tree_runs_up_down_up() {
    up_down_up(TestBackend::Sqlite);
}

#[test]
fn postgres_tree_runs_up_down_up() {
    up_down_up(TestBackend::Postgres);
}

/// Issue 16: every event updates its request's row (the chain's head, migration 000025), and
/// PostgreSQL can keep that update off every index of `requests` (HOT) only when the row's
/// page has room: the table keeps a tenth of each page free (migration 000028), and a revert
/// gives the default back.
#[test]
fn postgres_requests_keep_room_for_head_updates() {
    use diesel_migrations::MigrationHarness;
    #[derive(diesel::QueryableByName)]
    struct Options {
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        options: Option<String>,
    }
    let options = |conn: &mut rogatory::db::AnyConnection| {
        diesel::sql_query("SELECT array_to_string(reloptions, ',') AS options FROM pg_class WHERE relname = 'requests'")
            .get_result::<Options>(conn)
            .expect("the table's options")
            .options
    };
    let Some(db) = TestDatabase::create(TestBackend::Postgres) else { return };
    let mut conn = db.connect();
    migrations::run_pending(&mut conn).expect("up");
    assert_eq!(options(&mut conn).as_deref(), Some("fillfactor=90"));
    let undone = conn.revert_last_migration(migrations::source_for(conn.backend())).unwrap().to_string();
    assert_eq!(undone, "20261224000028");
    assert_eq!(options(&mut conn), None, "reverted");
}
