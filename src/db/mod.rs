//! Storage: one diesel `MultiConnection` over PostgreSQL and SQLite, chosen by the URL scheme,
//! an r2d2 pool, embedded migrations per backend, and `Db::run` which keeps blocking diesel work
//! off the async executor. Only this module names a backend.

pub mod codec;
pub mod dialect;
pub mod explain;
pub mod migrations;
pub mod prepared;
pub mod schema;
pub mod statements;
pub mod together;
pub mod types;
pub mod union;

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::r2d2::{self, ManageConnection, Pool};
use diesel::{Connection, PgConnection, SqliteConnection};

/// One connection type for both backends. PostgreSQL comes first: the derive's own
/// `establish` tries variants in order (we never call it; see `DbUrl`).
#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

impl AnyConnection {
    pub fn backend(&self) -> Backend {
        match self {
            AnyConnection::Postgresql(_) => Backend::Postgres,
            AnyConnection::Sqlite(_) => Backend::Sqlite,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    Postgres,
    Sqlite,
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::Postgres => "postgres",
            Backend::Sqlite => "sqlite",
        })
    }
}

/// A database URL whose backend is decided by its scheme, never by trial and error: the
/// derive's `establish` tries PostgreSQL, then opens the URL as a SQLite file, which hides the
/// real PostgreSQL error (a wrong password reads "Invalid connection url").
#[derive(Clone, PartialEq, Eq)]
pub enum DbUrl {
    Postgres(String),
    /// Path of the SQLite file.
    Sqlite(PathBuf),
}

impl DbUrl {
    pub fn parse(url: &str) -> Result<Self, String> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DbUrl::Postgres(url.to_owned()));
        }
        if let Some(path) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
            let path = path.split('?').next().unwrap_or_default();
            if path.is_empty() {
                return Err("a sqlite URL needs a file path, e.g. sqlite://data/rogatory.db".into());
            }
            if path == ":memory:" {
                return Err("an in-memory SQLite database cannot be shared by a connection pool; use a file".into());
            }
            return Ok(DbUrl::Sqlite(PathBuf::from(path)));
        }
        Err("expected a URL starting with postgres://, postgresql:// or sqlite://".into())
    }

    pub fn backend(&self) -> Backend {
        match self {
            DbUrl::Postgres(_) => Backend::Postgres,
            DbUrl::Sqlite(_) => Backend::Sqlite,
        }
    }

    /// Opens one connection, with an error that names the real cause.
    pub fn connect(&self) -> Result<AnyConnection, DbError> {
        match self {
            DbUrl::Postgres(url) => PgConnection::establish(url)
                .map(|mut conn| {
                    diesel::Connection::set_instrumentation(&mut conn, statements::ConnectionWatch::default());
                    AnyConnection::Postgresql(conn)
                })
                .map_err(|e| DbError::Connect { target: self.redacted(), cause: e.to_string().trim().to_owned() }),
            DbUrl::Sqlite(path) => {
                if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                    std::fs::create_dir_all(parent).map_err(|e| DbError::Connect {
                        target: self.redacted(),
                        cause: format!("cannot create directory {}: {e}", parent.display()),
                    })?;
                }
                let path_text = path.to_string_lossy();
                let mut conn = SqliteConnection::establish(&path_text)
                    .map_err(|e| DbError::Connect { target: self.redacted(), cause: e.to_string() })?;
                diesel::Connection::set_instrumentation(&mut conn, statements::ConnectionWatch::default());
                // busy_timeout first: the pool opens connections in parallel and WAL needs a
                // lock to switch modes (research/stack.md P5). `temp_store = MEMORY` keeps each
                // statement's journal in memory (issue 16): a statement inside a transaction
                // that fires triggers or checks foreign keys, as most writes here do, journals
                // the pages it changes so that it can be undone alone, and past 64 KiB SQLite
                // spilled that journal to a temporary file, written inside the write lock.
                conn.batch_execute(
                    "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;",
                )
                .map_err(|e| DbError::Connect {
                    target: self.redacted(),
                    cause: format!("cannot configure SQLite: {e}"),
                })?;
                Ok(AnyConnection::Sqlite(conn))
            }
        }
    }

    /// The URL without its password, for logs and messages.
    pub fn redacted(&self) -> String {
        match self {
            DbUrl::Postgres(url) => redact_password(url),
            DbUrl::Sqlite(path) => format!("sqlite://{}", path.display()),
        }
    }
}

/// Debug never shows a password.
impl fmt::Debug for DbUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let tail = redact_query_password(tail);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => format!("{scheme}://{userinfo}@{host}{tail}"),
        },
        None => format!("{scheme}://{authority}{tail}"),
    }
}

fn redact_query_password(tail: &str) -> String {
    let Some((path, query)) = tail.split_once('?') else {
        return tail.to_owned();
    };
    let query: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
            _ => pair.to_owned(),
        })
        .collect();
    format!("{path}?{}", query.join("&"))
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot connect to {target}: {cause}")]
    Connect { target: String, cause: String },
    #[error("migrations failed on {target}: {cause}")]
    Migrate { target: String, cause: String },
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
    /// No pooled connection in time (the database is down or saturated): retryable.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// The blocking task that ran the work failed (panicked or was cancelled).
    #[error("blocking task failed: {0}")]
    Blocking(String),
    /// A stored value does not decode: a defect of the data.
    #[error("column {column} holds a bad value: {cause}")]
    Decode { column: String, cause: String },
}

/// r2d2 manager that keys the backend on the URL scheme (see `DbUrl`) and applies the SQLite
/// pragmas on every new connection.
#[derive(Debug)]
pub struct AnyConnectionManager {
    url: DbUrl,
    /// SQLite: the pool's connections leave checkpoints to `Checkpointer`.
    checkpoints_elsewhere: bool,
}

impl ManageConnection for AnyConnectionManager {
    type Connection = AnyConnection;
    type Error = DbError;

    fn connect(&self) -> Result<AnyConnection, DbError> {
        let mut conn = self.url.connect()?;
        if self.checkpoints_elsewhere {
            conn.batch_execute("PRAGMA wal_autocheckpoint = 0").map_err(DbError::Query)?;
        }
        Ok(conn)
    }

    fn is_valid(&self, conn: &mut AnyConnection) -> Result<(), DbError> {
        conn.batch_execute("SELECT 1").map_err(DbError::Query)
    }

    fn has_broken(&self, conn: &mut AnyConnection) -> bool {
        statements::lost(conn.watch()) || r2d2::R2D2Connection::is_broken(conn)
    }
}

pub type DbPool = Pool<AnyConnectionManager>;

impl AnyConnection {
    /// The connection's `statements::ConnectionWatch` (as its diesel instrumentation).
    fn watch(&mut self) -> &mut dyn diesel::connection::Instrumentation {
        match self {
            AnyConnection::Postgresql(c) => diesel::Connection::instrumentation(c),
            AnyConnection::Sqlite(c) => diesel::Connection::instrumentation(c),
        }
    }
}

/// A connection idle longer than this is pinged before it is lent (after a database restart
/// the pool holds only dead ones); a busy one is not (issue 16: no round trip per checkout).
const PING_WHEN_IDLE: Duration = Duration::from_secs(2);

/// A pooled connection that answered recently or answers a ping; a dead one is discarded and
/// the next tried.
fn checkout(pool: &DbPool) -> Result<r2d2::PooledConnection<AnyConnectionManager>, DbError> {
    for _ in 0..=pool.max_size() {
        let mut conn = pool.get().map_err(|e| DbError::Unavailable(e.to_string()))?;
        let fresh = statements::idle_for(conn.watch()).is_some_and(|idle| idle < PING_WHEN_IDLE);
        if fresh || conn.batch_execute("SELECT 1").is_ok() {
            return Ok(conn);
        }
        // Lost: dropped here, discarded by the pool (`has_broken`).
    }
    Err(DbError::Unavailable("no pooled connection answers".into()))
}

#[derive(Debug, Clone)]
pub struct PoolSettings {
    pub max_size: u32,
    pub connect_timeout: Duration,
}

/// The application's handle on the database.
#[derive(Clone)]
pub struct Db {
    pool: DbPool,
    url: DbUrl,
    /// SQLite has one writer: write transactions of this process queue here instead of
    /// failing with "database is locked" when a read transaction tries to upgrade.
    write_lock: Option<std::sync::Arc<std::sync::Mutex<()>>>,
    /// SQLite: keeps the checkpointer's thread alive while any clone of this handle lives.
    _checkpointer: Option<std::sync::mpsc::Sender<()>>,
}

/// How often the checkpointer copies SQLite's write-ahead log back into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(200);

/// SQLite's checkpoints, on a thread and connection of their own (issue 16). By default the
/// connection that commits the transaction that fills the log past 1,000 pages copies the whole
/// log into the database file and syncs both, inside the write transaction's lock, which every
/// other writer of the process then waits for: 12% of create+submit throughput in the bench. A
/// passive checkpoint here runs beside the writer (it takes no lock a writer or reader needs), and
/// the pool's connections never checkpoint (`wal_autocheckpoint = 0`). Another process on the same
/// file (`rogatory worker`, the admin CLI) keeps its own checkpointer; when the last connection
/// closes, SQLite checkpoints as ever.
struct Checkpointer;

impl Checkpointer {
    /// Starts the thread; it stops when every clone of the returned sender is dropped.
    fn start(url: DbUrl) -> Result<std::sync::mpsc::Sender<()>, DbError> {
        use std::sync::mpsc::{RecvTimeoutError, channel};
        let (stop, stopped) = channel::<()>();
        let target = url.redacted();
        std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || {
                let mut conn: Option<AnyConnection> = None;
                let mut failing = false;
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(CHECKPOINT_EVERY) {
                    let result = match conn.as_mut() {
                        Some(conn) => conn.batch_execute("PRAGMA wal_checkpoint(PASSIVE)").map_err(DbError::Query),
                        None => url.connect().map(|c| conn = Some(c)),
                    };
                    match result {
                        Ok(()) if failing => {
                            failing = false;
                            tracing::info!("SQLite checkpoints resumed");
                        }
                        Ok(()) => {}
                        Err(error) => {
                            // Said once, not every 200 ms; the log keeps every commit meanwhile.
                            if !failing {
                                tracing::warn!(%error, "SQLite checkpoint failed; retried");
                            }
                            failing = true;
                            conn = None;
                        }
                    }
                }
            })
            .map_err(|e| DbError::Connect { target, cause: format!("cannot start the checkpointer: {e}") })?;
        Ok(stop)
    }
}

impl fmt::Debug for Db {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Db").field("url", &self.url).finish_non_exhaustive()
    }
}

impl Db {
    /// Connects once (so a wrong password or a missing server is reported as such), applies
    /// pending migrations, then builds the pool.
    pub fn open(url: DbUrl, pool: &PoolSettings) -> Result<Self, DbError> {
        let mut conn = url.connect()?;
        migrations::run_pending(&mut conn).map_err(|cause| DbError::Migrate { target: url.redacted(), cause })?;
        drop(conn);
        let pool = Pool::builder()
            .max_size(pool.max_size)
            .min_idle(Some(1))
            // No `SELECT 1` before each checkout: a lost connection is known by its error
            // (`statements::ConnectionWatch`) and discarded when it comes back.
            .test_on_check_out(false)
            .connection_timeout(pool.connect_timeout)
            .build_unchecked(AnyConnectionManager {
                url: url.clone(),
                checkpoints_elsewhere: url.backend() == Backend::Sqlite,
            });
        let write_lock = (url.backend() == Backend::Sqlite).then(Default::default);
        let checkpointer = match url.backend() {
            Backend::Sqlite => Some(Checkpointer::start(url.clone())?),
            Backend::Postgres => None,
        };
        Ok(Db { pool, url, write_lock, _checkpointer: checkpointer })
    }

    pub fn backend(&self) -> Backend {
        self.url.backend()
    }

    /// Runs blocking diesel work on actix's blocking thread pool with a pooled connection.
    pub async fn run<F, R, E>(&self, work: F) -> Result<R, E>
    where
        F: FnOnce(&mut AnyConnection) -> Result<R, E> + Send + 'static,
        R: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let pool = self.pool.clone();
        let (result, sent) = actix_web::web::block(move || {
            let before = statements::on_this_thread();
            let result = checkout(&pool).map_err(E::from).and_then(|mut conn| work(&mut conn));
            (result, statements::on_this_thread() - before)
        })
        .await
        .map_err(|e| E::from(DbError::Blocking(e.to_string())))?;
        statements::add_to_request(sent);
        result
    }

    /// Runs a state change as one transaction (serialised per process on SQLite).
    pub async fn write<F, R, E>(&self, work: F) -> Result<R, E>
    where
        F: FnOnce(&mut AnyConnection) -> Result<R, E> + Send + 'static,
        R: Send + 'static,
        E: From<diesel::result::Error> + From<DbError> + Send + 'static,
    {
        let pool = self.pool.clone();
        let lock = self.write_lock.clone();
        let (result, sent) = actix_web::web::block(move || {
            let _guard = lock.as_ref().map(|l| l.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
            let before = statements::on_this_thread();
            let result = match checkout(&pool) {
                Ok(mut conn) => immediate_transaction(&mut conn, work),
                Err(e) => Err(E::from(e)),
            };
            (result, statements::on_this_thread() - before)
        })
        .await
        .map_err(|e| E::from(DbError::Blocking(e.to_string())))?;
        statements::add_to_request(sent);
        result
    }
}

/// One write transaction. On SQLite it begins `IMMEDIATE`: the write lock is taken first,
/// waiting up to `busy_timeout` for another process's writer (`rogatory worker` beside
/// `serve`, the admin CLI). A deferred transaction that read first would fail at its first
/// write with `SQLITE_BUSY` whenever another process committed in between, which no timeout
/// helps. PostgreSQL takes its row locks as it goes (see `dialect::lock_request`).
pub fn immediate_transaction<F, R, E>(conn: &mut AnyConnection, work: F) -> Result<R, E>
where
    F: FnOnce(&mut AnyConnection) -> Result<R, E>,
    E: From<diesel::result::Error>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    let AnyConnection::Sqlite(inner) = conn else {
        return diesel::Connection::transaction(conn, work);
    };
    AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")?;
    // As diesel's own `transaction`, with the begin above: commit on success, roll back on error.
    match work(conn) {
        Ok(value) => {
            <AnyConnection as diesel::Connection>::TransactionManager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(error) => match <AnyConnection as diesel::Connection>::TransactionManager::rollback_transaction(conn) {
            Ok(()) | Err(diesel::result::Error::BrokenTransactionManager) => Err(error),
            Err(rollback) => Err(rollback.into()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pool's connections never checkpoint; the checkpointer's thread copies the log into
    /// the database file beside them, and stops with the last handle.
    #[actix_web::test]
    async fn sqlite_checkpoints_run_beside_the_writers() {
        let dir = std::env::temp_dir().join(format!("rogatory-checkpoint-{}", uuid::Uuid::new_v4()));
        let file = dir.join("r.db");
        let db = Db::open(
            DbUrl::Sqlite(file.clone()),
            &PoolSettings { max_size: 2, connect_timeout: Duration::from_secs(5) },
        )
        .unwrap();
        let size = || std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
        let before = size();
        // About 2 MB of rows, in transactions of the pool's connections.
        for _ in 0..20 {
            db.write(|conn| -> Result<(), DbError> {
                conn.batch_execute(
                    "CREATE TABLE IF NOT EXISTS filler (b BLOB NOT NULL);
                     WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100)
                     INSERT INTO filler SELECT randomblob(1000) FROM n;",
                )?;
                Ok(())
            })
            .await
            .unwrap();
        }
        let autocheckpoint: i64 = db
            .run(|conn| -> Result<i64, DbError> {
                #[derive(diesel::QueryableByName)]
                struct Pages {
                    #[diesel(sql_type = diesel::sql_types::BigInt)]
                    wal_autocheckpoint: i64,
                }
                let pages: Pages =
                    diesel::RunQueryDsl::get_result(diesel::sql_query("PRAGMA wal_autocheckpoint"), conn)?;
                Ok(pages.wal_autocheckpoint)
            })
            .await
            .unwrap();
        assert_eq!(autocheckpoint, 0, "a pooled connection checkpoints itself");
        // The rows reach the database file only by a checkpoint, which only the thread runs.
        let started = std::time::Instant::now();
        while size() < before + 1_500_000 {
            assert!(started.elapsed() < Duration::from_secs(10), "no checkpoint: the file holds {} bytes", size());
            std::thread::sleep(Duration::from_millis(50));
        }
        drop(db);
        let _ = std::fs::remove_dir_all(dir);
    }

    /// Every connection of the pool keeps statement journals in memory (`temp_store = 2`,
    /// MEMORY): a write's statement journal never spills to a temporary file inside the write
    /// lock (issue 16).
    #[actix_web::test]
    async fn sqlite_statement_journals_stay_in_memory() {
        let dir = std::env::temp_dir().join(format!("rogatory-temp-store-{}", uuid::Uuid::new_v4()));
        let db = Db::open(
            DbUrl::Sqlite(dir.join("r.db")),
            &PoolSettings { max_size: 2, connect_timeout: Duration::from_secs(5) },
        )
        .unwrap();
        #[derive(diesel::QueryableByName)]
        struct TempStore {
            #[diesel(sql_type = diesel::sql_types::Integer)]
            temp_store: i32,
        }
        let read = |conn: &mut AnyConnection| -> Result<i32, DbError> {
            let row: TempStore = diesel::RunQueryDsl::get_result(diesel::sql_query("PRAGMA temp_store"), conn)?;
            Ok(row.temp_store)
        };
        assert_eq!(db.run(read).await.unwrap(), 2, "a read connection");
        assert_eq!(db.write(read).await.unwrap(), 2, "the connection of a write");
        drop(db);
        let _ = std::fs::remove_dir_all(dir);
    }

    /// `.cargo/config.toml` builds SQLite with `SQLITE_ENABLE_QPSG`: a statement with a bound
    /// `LIMIT ?` is prepared once per connection, not at every run (issue 16).
    #[test]
    fn sqlite_plans_do_not_follow_bound_values() {
        use diesel::{QueryableByName, RunQueryDsl};
        #[derive(QueryableByName)]
        struct Used {
            #[diesel(sql_type = diesel::sql_types::Integer)]
            used: i32,
        }
        let mut conn = SqliteConnection::establish(":memory:").unwrap();
        let found: Used =
            diesel::sql_query("SELECT sqlite_compileoption_used('ENABLE_QPSG') AS used").get_result(&mut conn).unwrap();
        assert_eq!(found.used, 1, "SQLite was built without SQLITE_ENABLE_QPSG (see .cargo/config.toml)");
    }

    #[test]
    fn url_scheme_picks_the_backend() {
        assert_eq!(DbUrl::parse("postgres://u@h/db").unwrap().backend(), Backend::Postgres);
        assert_eq!(DbUrl::parse("postgresql://u@h/db").unwrap().backend(), Backend::Postgres);
        assert_eq!(DbUrl::parse("sqlite://data/r.db").unwrap(), DbUrl::Sqlite(PathBuf::from("data/r.db")));
        assert_eq!(DbUrl::parse("sqlite:r.db").unwrap(), DbUrl::Sqlite(PathBuf::from("r.db")));
        assert!(DbUrl::parse("mysql://x").unwrap_err().contains("postgres://"));
        assert!(DbUrl::parse("sqlite://").is_err());
        assert!(DbUrl::parse("sqlite://:memory:").is_err());
    }

    #[test]
    fn passwords_never_show() {
        let url = DbUrl::parse("postgres://alice:s3cret@db:5432/rog?sslmode=require&password=x2").unwrap();
        let shown = format!("{url:?} {}", url.redacted());
        assert!(!shown.contains("s3cret") && !shown.contains("x2"), "{shown}");
        assert!(shown.contains("alice:***@db:5432/rog"), "{shown}");
        assert_eq!(redact_password("postgres://bob@h/db"), "postgres://bob@h/db");
    }

    #[test]
    fn wrong_postgres_password_names_the_cause() {
        // Nothing listens on port 1: the error must say the connection was refused,
        // not "invalid connection url".
        let url = DbUrl::parse("postgres://postgres:pw@127.0.0.1:1/x?connect_timeout=2").unwrap();
        let err = url.connect().err().expect("no server on port 1").to_string();
        assert!(err.contains("127.0.0.1") && !err.contains("pw@"), "{err}");
        assert!(err.to_lowercase().contains("connect"), "{err}");
    }
}
