//! Fresh, isolated databases for tests: a new SQLite file in a temporary directory, or a new
//! PostgreSQL database at `TEST_DATABASE_URL` dropped when the test ends. PostgreSQL tests
//! fail (never skip) when the server cannot be reached, unless the person running them sets
//! `ROGATORY_TEST_SKIP_POSTGRES=1` (CI never does).

use std::path::Path;
use std::sync::Once;
use std::sync::atomic::{AtomicU32, Ordering};

use diesel::{Connection, PgConnection, RunQueryDsl, connection::SimpleConnection};
use rogatory::Settings;
use rogatory::db::{AnyConnection, DbUrl};
use tempfile::TempDir;

pub const DEFAULT_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
const DB_PREFIX: &str = "rogatory_test_";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestBackend {
    Sqlite,
    Postgres,
}

pub struct TestDatabase {
    pub backend: TestBackend,
    pub url: String,
    /// Holds the SQLite file and the data directory.
    pub dir: TempDir,
    _pg_drop: Option<PgDropGuard>,
}

impl TestDatabase {
    pub fn create(backend: TestBackend) -> Option<TestDatabase> {
        let dir = tempfile::Builder::new().prefix("rogatory-test-").tempdir().expect("temporary directory");
        match backend {
            TestBackend::Sqlite => {
                let url = format!("sqlite://{}", dir.path().join("rogatory.db").display());
                Some(TestDatabase { backend, url, dir, _pg_drop: None })
            }
            TestBackend::Postgres => {
                let admin_url = admin_url();
                let mut admin = match PgConnection::establish(&admin_url) {
                    Ok(conn) => conn,
                    Err(e) if skip_postgres() => {
                        // Loudly, naming the test (libtest names the thread after it): a skipped
                        // test must not pass for a run one.
                        let test = std::thread::current().name().unwrap_or("?").to_owned();
                        eprintln!("SKIPPED on PostgreSQL (ROGATORY_TEST_SKIP_POSTGRES=1): {test}: {e}");
                        return None;
                    }
                    Err(e) => panic!(
                        "PostgreSQL is not reachable at {} ({}).\nStart it with \
                         `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`, \
                         point TEST_DATABASE_URL at a server where this user may create databases, \
                         or set ROGATORY_TEST_SKIP_POSTGRES=1 to skip PostgreSQL tests locally.",
                        DbUrl::parse(&admin_url).map(|u| u.redacted()).unwrap_or_default(),
                        e.to_string().trim()
                    ),
                };
                drop_stale_databases(&mut admin);
                static COUNTER: AtomicU32 = AtomicU32::new(0);
                let name = format!(
                    "{DB_PREFIX}{}_{}_{}",
                    std::process::id(),
                    COUNTER.fetch_add(1, Ordering::Relaxed),
                    uuid::Uuid::new_v4().simple().to_string().get(..8).unwrap_or("x")
                );
                admin
                    .batch_execute(&format!("CREATE DATABASE \"{name}\""))
                    .unwrap_or_else(|e| panic!("cannot create test database {name}: {e}"));
                let url = with_database(&admin_url, &name);
                Some(TestDatabase { backend, url, dir, _pg_drop: Some(PgDropGuard { admin_url, name }) })
            }
        }
    }

    /// The same database for another instance: its own data directory, and it never drops the
    /// database (drop it before the original).
    pub fn sibling(&self) -> TestDatabase {
        let dir = tempfile::Builder::new().prefix("rogatory-test-").tempdir().expect("temporary directory");
        TestDatabase { backend: self.backend, url: self.url.clone(), dir, _pg_drop: None }
    }

    /// Settings as `serve` reads them, pointing at this database.
    pub fn settings(&self, extra: &[(&str, &str)]) -> Settings {
        super::settings_for(&self.url, &self.data_dir(), extra)
    }

    pub fn data_dir(&self) -> std::path::PathBuf {
        self.dir.path().join("data")
    }

    /// The test's temporary directory (for key and configuration files).
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A direct connection (no pool, no migrations).
    pub fn connect(&self) -> AnyConnection {
        DbUrl::parse(&self.url).expect("test url").connect().expect("connect to the test database")
    }
}

fn admin_url() -> String {
    std::env::var("TEST_DATABASE_URL").ok().filter(|v| !v.is_empty()).unwrap_or_else(|| DEFAULT_ADMIN_URL.into())
}

fn skip_postgres() -> bool {
    std::env::var("ROGATORY_TEST_SKIP_POSTGRES").is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
}

/// Replaces the database name in a PostgreSQL URL, keeping user, host and parameters.
pub fn with_database(url: &str, name: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("URL with a scheme");
    let (authority, tail) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let query = tail.split_once('?').map(|(_, q)| format!("?{q}")).unwrap_or_default();
    format!("{scheme}://{authority}/{name}{query}")
}

struct PgDropGuard {
    admin_url: String,
    name: String,
}

impl Drop for PgDropGuard {
    fn drop(&mut self) {
        if let Ok(mut admin) = PgConnection::establish(&self.admin_url) {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name));
        }
    }
}

#[derive(diesel::QueryableByName)]
struct DatabaseName {
    #[diesel(sql_type = diesel::sql_types::Text)]
    datname: String,
}

/// Drops test databases left behind by test processes that no longer run (a crash or a
/// killed run), once per process.
fn drop_stale_databases(admin: &mut PgConnection) {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let names: Vec<DatabaseName> =
            diesel::sql_query(format!("SELECT datname FROM pg_database WHERE datname LIKE '{DB_PREFIX}%'"))
                .load(admin)
                .unwrap_or_default();
        for DatabaseName { datname } in names {
            let pid = datname.trim_start_matches(DB_PREFIX).split('_').next().and_then(|p| p.parse::<u32>().ok());
            if let Some(pid) = pid.filter(|pid| !Path::new(&format!("/proc/{pid}")).exists()) {
                let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS \"{datname}\" WITH (FORCE)"));
                eprintln!("dropped stale test database {datname} (process {pid} is gone)");
            }
        }
    });
}

#[test]
fn database_name_is_replaced_in_urls() {
    assert_eq!(
        with_database("postgres://postgres@127.0.0.1:5432/postgres", "x"),
        "postgres://postgres@127.0.0.1:5432/x"
    );
    assert_eq!(with_database("postgres://u:p@h/db?sslmode=disable", "y"), "postgres://u:p@h/y?sslmode=disable");
    assert_eq!(with_database("postgres://h", "z"), "postgres://h/z");
}
