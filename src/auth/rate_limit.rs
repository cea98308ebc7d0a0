//! Failed token requests, limited three ways. A `client_id` is public (it is every token's
//! `sub`), so a limit keyed on it alone would let anyone lock a client out; and behind a
//! reverse proxy every caller shares an address unless `ROGATORY_TRUSTED_PROXIES` names it.
//!
//! - **Per client and address** (`max_failures`): refused with 429, whatever the secret, once
//!   that address has failed that often for that client. Only the guessing address is refused.
//! - **Per address** (`max_address_failures`, any client ids): refused with 429 for every
//!   client id from that address (an IPv6 /64 counts as one address).
//! - **Per client, from any address** (`max_failures`): never refuses. Past it, a wrong secret is
//!   answered only after a pause (`SLOWED_FAILURE_DELAY` in the handler); the right secret
//!   gets its token at once.
//!
//! Each limit is a leaky bucket holding up to N failures that drains N per window: a burst of N
//! failures, then one more attempt every window/N. The buckets are rows of `token_failures` in
//! the database (issue 17), so every instance on one database counts the same failures: an
//! attempt takes its place in the first two buckets before its secret is checked, each with one
//! conditional upsert (`INSERT … ON CONFLICT DO UPDATE … WHERE` the bucket has room) in one
//! transaction, rolled back when the second has no room; concurrent attempts on any instance
//! cannot overshoot (PostgreSQL locks the row the upsert updates; SQLite has one writer). A
//! success gives the place back. Drained rows are deleted now and then.

use std::net::IpAddr;
use std::sync::atomic::{AtomicU32, Ordering};

use chrono::{DateTime, TimeDelta, Utc};
use diesel::RunQueryDsl;
use diesel::sql_types::{Double, Text};

use crate::client_address::limit_unit;
use crate::db::{AnyConnection, Db, DbError};
use crate::error::ApiError;

/// One admission in this many also deletes the drained rows.
const PRUNE_EVERY: u32 = 256;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    capacity: f64,
    /// Failures drained per second.
    rate: f64,
}

impl Bucket {
    fn new(capacity: usize, window: TimeDelta) -> Self {
        let capacity = capacity.max(1) as f64;
        let window = window.num_milliseconds().max(1000) as f64 / 1000.0;
        Bucket { capacity, rate: capacity / window }
    }
}

fn secs(now: DateTime<Utc>) -> f64 {
    now.timestamp_millis() as f64 / 1000.0
}

/// The level of a row drained to `$2` (now, seconds) at `$3` (rate), as SQL both backends run.
const DRAINED: &str = "(CASE WHEN token_failures.level - ($2 - token_failures.at_secs) * $3 > 0 \
                       THEN token_failures.level - ($2 - token_failures.at_secs) * $3 ELSE 0 END)";

#[derive(diesel::QueryableByName)]
struct Level {
    #[diesel(sql_type = Double)]
    level: f64,
    #[diesel(sql_type = Double)]
    at_secs: f64,
}

fn level_of(conn: &mut AnyConnection, bucket: &str, b: Bucket, now: f64) -> Result<f64, diesel::result::Error> {
    let rows: Vec<Level> = diesel::sql_query("SELECT level, at_secs FROM token_failures WHERE bucket = $1")
        .bind::<Text, _>(bucket)
        .load(conn)?;
    Ok(rows.first().map_or(0.0, |r| (r.level - (now - r.at_secs).max(0.0) * b.rate).max(0.0)))
}

/// Adds one failure to `bucket` if it has room; `false` (nothing changed) when it has not.
fn take_place(conn: &mut AnyConnection, bucket: &str, b: Bucket, now: f64) -> Result<bool, diesel::result::Error> {
    let sql = format!(
        "INSERT INTO token_failures (bucket, level, at_secs) VALUES ($1, 1, $2) \
         ON CONFLICT (bucket) DO UPDATE SET level = {DRAINED} + 1, at_secs = $2 \
         WHERE {DRAINED} + 1 <= $4 + 0.000000001"
    );
    let n = diesel::sql_query(sql)
        .bind::<Text, _>(bucket)
        .bind::<Double, _>(now)
        .bind::<Double, _>(b.rate)
        .bind::<Double, _>(b.capacity)
        .execute(conn)?;
    Ok(n == 1)
}

/// Seconds until one more failure fits in `bucket`.
fn wait_of(conn: &mut AnyConnection, bucket: &str, b: Bucket, now: f64) -> Result<i64, diesel::result::Error> {
    let excess = level_of(conn, bucket, b, now)? + 1.0 - b.capacity;
    Ok(((excess.max(0.0) / b.rate).ceil() as i64).max(1))
}

/// Sets a bucket's level (deleting the row at 0).
fn set_level(conn: &mut AnyConnection, bucket: &str, level: f64, now: f64) -> Result<(), diesel::result::Error> {
    if level <= 0.0 {
        diesel::sql_query("DELETE FROM token_failures WHERE bucket = $1").bind::<Text, _>(bucket).execute(conn)?;
        return Ok(());
    }
    diesel::sql_query(
        "INSERT INTO token_failures (bucket, level, at_secs) VALUES ($1, $2, $3) \
         ON CONFLICT (bucket) DO UPDATE SET level = excluded.level, at_secs = excluded.at_secs",
    )
    .bind::<Text, _>(bucket)
    .bind::<Double, _>(level)
    .bind::<Double, _>(now)
    .execute(conn)?;
    Ok(())
}

#[derive(Debug)]
pub struct FailureLimiter {
    pairs: Bucket,
    addresses: Bucket,
    clients: Bucket,
    window_secs: f64,
    admissions: AtomicU32,
}

/// A token request admitted by the limiter: its place is taken until `succeeded` gives it back.
#[derive(Debug, Clone)]
pub struct Attempt {
    client_id: String,
    address: IpAddr,
}

impl Attempt {
    fn pair_bucket(&self) -> String {
        format!("pair:{}|{}", self.client_id, self.address)
    }

    fn address_bucket(&self) -> String {
        format!("address:{}", self.address)
    }

    fn client_bucket(&self) -> String {
        format!("client:{}", self.client_id)
    }
}

/// Why `begin` did not admit an attempt.
enum Refusal {
    Wait(i64),
    Query(diesel::result::Error),
}

impl From<diesel::result::Error> for Refusal {
    fn from(error: diesel::result::Error) -> Self {
        Refusal::Query(error)
    }
}

impl FailureLimiter {
    pub fn new(max_failures: usize, max_address_failures: usize, window: TimeDelta) -> Self {
        FailureLimiter {
            pairs: Bucket::new(max_failures, window),
            addresses: Bucket::new(max_address_failures, window),
            clients: Bucket::new(max_failures, window),
            window_secs: window.num_milliseconds().max(1000) as f64 / 1000.0,
            admissions: AtomicU32::new(0),
        }
    }

    /// Admits an attempt for `client_id` from `address`, counting it as a failure from now on,
    /// or answers the seconds to wait when the pair or the address is over its limit.
    pub fn begin_on(
        &self,
        conn: &mut AnyConnection,
        client_id: &str,
        address: IpAddr,
        now: DateTime<Utc>,
    ) -> Result<Result<Attempt, i64>, diesel::result::Error> {
        let attempt = Attempt { client_id: client_id.to_owned(), address: limit_unit(address) };
        let at = secs(now);
        if self.admissions.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
            // A bucket holds at most its capacity, which drains in one window.
            diesel::sql_query("DELETE FROM token_failures WHERE at_secs < $1")
                .bind::<Double, _>(at - self.window_secs - 1.0)
                .execute(conn)?;
        }
        let (pair, addr) = (attempt.pair_bucket(), attempt.address_bucket());
        let admitted = crate::db::immediate_transaction(conn, |conn| -> Result<(), Refusal> {
            let pair_ok = take_place(conn, &pair, self.pairs, at)?;
            let addr_ok = pair_ok && take_place(conn, &addr, self.addresses, at)?;
            if pair_ok && addr_ok {
                return Ok(());
            }
            let mut wait = 0;
            if !pair_ok {
                wait = wait.max(wait_of(conn, &pair, self.pairs, at)?);
            }
            if level_of(conn, &addr, self.addresses, at)? + 1.0 - self.addresses.capacity > 1e-9 {
                wait = wait.max(wait_of(conn, &addr, self.addresses, at)?);
            }
            // Rolls the pair's place back when only the address was full.
            Err(Refusal::Wait(wait.max(1)))
        });
        match admitted {
            Ok(()) => Ok(Ok(attempt)),
            Err(Refusal::Wait(wait)) => Ok(Err(wait)),
            Err(Refusal::Query(error)) => Err(error),
        }
    }

    /// The attempt was not a failure (right secret): the pair starts afresh and the address
    /// gets its place back. The per-client count is kept: it only ever slows wrong secrets.
    pub fn succeeded_on(
        &self,
        conn: &mut AnyConnection,
        attempt: &Attempt,
        now: DateTime<Utc>,
    ) -> Result<(), diesel::result::Error> {
        let at = secs(now);
        let addr = attempt.address_bucket();
        crate::db::immediate_transaction(conn, |conn| {
            set_level(conn, &attempt.pair_bucket(), 0.0, at)?;
            let level = level_of(conn, &addr, self.addresses, at)? - 1.0;
            set_level(conn, &addr, level, at)
        })
    }

    /// A wrong secret for an existing client: counts it against the client and answers whether
    /// the client was already over its limit (then the answer is slowed).
    pub fn failed_for_client_on(
        &self,
        conn: &mut AnyConnection,
        attempt: &Attempt,
        now: DateTime<Utc>,
    ) -> Result<bool, diesel::result::Error> {
        let at = secs(now);
        let bucket = attempt.client_bucket();
        let b = self.clients;
        crate::db::immediate_transaction(conn, |conn| {
            let level = level_of(conn, &bucket, b, at)?;
            let over = level + 1.0 - b.capacity > 1e-9;
            set_level(conn, &bucket, (level + 1.0).min(b.capacity), at)?;
            Ok(over)
        })
    }

    /// `begin_on` with a pooled connection.
    pub async fn begin(
        self: &std::sync::Arc<Self>,
        db: &Db,
        client_id: &str,
        address: IpAddr,
        now: DateTime<Utc>,
    ) -> Result<Result<Attempt, i64>, ApiError> {
        let (this, client_id) = (self.clone(), client_id.to_owned());
        db.run(move |conn| this.begin_on(conn, &client_id, address, now).map_err(|e| ApiError::from(DbError::Query(e))))
            .await
    }

    /// `succeeded_on` with a pooled connection; a failure is logged (the place drains anyway).
    pub async fn succeeded(self: &std::sync::Arc<Self>, db: &Db, attempt: &Attempt, now: DateTime<Utc>) {
        let (this, attempt) = (self.clone(), attempt.clone());
        let done = db
            .run(move |conn| this.succeeded_on(conn, &attempt, now).map_err(|e| ApiError::from(DbError::Query(e))))
            .await;
        if let Err(error) = done {
            tracing::warn!(error = %error, "could not give a token request's place back; it drains with its window");
        }
    }

    /// `failed_for_client_on` with a pooled connection; on a database error, not slowed.
    pub async fn failed_for_client(
        self: &std::sync::Arc<Self>,
        db: &Db,
        attempt: &Attempt,
        now: DateTime<Utc>,
    ) -> bool {
        let (this, attempt) = (self.clone(), attempt.clone());
        db.run(move |conn| {
            this.failed_for_client_on(conn, &attempt, now).map_err(|e| ApiError::from(DbError::Query(e)))
        })
        .await
        .unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::DbUrl;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    /// A migrated SQLite database of its own (the same statements run on PostgreSQL in the API tests).
    fn database() -> (tempfile_dir::Dir, DbUrl) {
        let dir = tempfile_dir::Dir::new();
        let url = DbUrl::Sqlite(dir.0.join("limits.db"));
        crate::db::migrations::run_pending(&mut url.connect().unwrap()).unwrap();
        (dir, url)
    }

    mod tempfile_dir {
        pub struct Dir(pub std::path::PathBuf);
        impl Dir {
            pub fn new() -> Dir {
                let path = std::env::temp_dir().join(format!("rogatory-limits-{}", uuid::Uuid::new_v4()));
                std::fs::create_dir_all(&path).unwrap();
                Dir(path)
            }
        }
        impl Drop for Dir {
            fn drop(&mut self) {
                std::fs::remove_dir_all(&self.0).ok();
            }
        }
    }

    struct Limits {
        limiter: FailureLimiter,
        conn: AnyConnection,
        _dir: tempfile_dir::Dir,
    }

    impl Limits {
        fn new(max: usize, max_address: usize, window: i64) -> Limits {
            let (dir, url) = database();
            Limits {
                limiter: FailureLimiter::new(max, max_address, TimeDelta::seconds(window)),
                conn: url.connect().unwrap(),
                _dir: dir,
            }
        }

        fn begin(&mut self, client: &str, address: IpAddr, now: DateTime<Utc>) -> Result<Attempt, i64> {
            self.limiter.begin_on(&mut self.conn, client, address, now).unwrap()
        }
    }

    #[test]
    fn a_pair_fills_then_drains_one_attempt_per_window_share() {
        let mut l = Limits::new(3, 100, 60);
        let t0 = Utc::now();
        for i in 0..3 {
            assert!(l.begin("rgc_a", ip("198.51.100.7"), t0).is_ok(), "attempt {i}");
        }
        // Three failures fill the bucket; one drains every 20 s.
        assert_eq!(l.begin("rgc_a", ip("198.51.100.7"), t0).unwrap_err(), 20);
        assert_eq!(l.begin("rgc_a", ip("198.51.100.7"), t0 + TimeDelta::seconds(15)).unwrap_err(), 5);
        assert!(l.begin("rgc_a", ip("198.51.100.8"), t0).is_ok(), "another address");
        assert!(l.begin("rgc_b", ip("198.51.100.7"), t0).is_ok(), "another client");
        assert!(l.begin("rgc_a", ip("198.51.100.7"), t0 + TimeDelta::seconds(20)).is_ok());
        assert!(l.begin("rgc_a", ip("198.51.100.7"), t0 + TimeDelta::seconds(20)).is_err());
        assert!(l.begin("rgc_a", ip("198.51.100.7"), t0 + TimeDelta::seconds(60)).is_ok());
    }

    #[test]
    fn a_success_gives_the_place_back() {
        let mut l = Limits::new(2, 100, 60);
        let t0 = Utc::now();
        l.begin("rgc_a", ip("198.51.100.7"), t0).unwrap();
        let attempt = l.begin("rgc_a", ip("198.51.100.7"), t0).unwrap();
        l.limiter.succeeded_on(&mut l.conn, &attempt, t0).unwrap();
        assert!(l.begin("rgc_a", ip("198.51.100.7"), t0).is_ok());
        assert!(l.begin("rgc_a", ip("198.51.100.7"), t0).is_ok());
        assert!(l.begin("rgc_a", ip("198.51.100.7"), t0).is_err());
    }

    #[test]
    fn an_address_is_limited_across_client_ids_and_by_its_ipv6_64() {
        let mut l = Limits::new(10, 3, 60);
        let t0 = Utc::now();
        for i in 0..3 {
            l.begin(&format!("rgc_{i}"), ip("2001:db8:1:2::1"), t0).unwrap();
        }
        assert!(l.begin("rgc_other", ip("2001:db8:1:2::ffff"), t0).is_err(), "same /64");
        assert!(l.begin("rgc_other", ip("2001:db8:1:3::1"), t0).is_ok(), "another /64");
        // The refusal by address took no place in the pair's bucket.
        assert!(l.begin("rgc_other", ip("2001:db8:1:2::1"), t0 + TimeDelta::seconds(20)).is_ok());
    }

    #[test]
    fn a_client_over_its_limit_is_slowed_never_refused() {
        let mut l = Limits::new(3, 100, 60);
        let t0 = Utc::now();
        for i in 0..3 {
            let attempt = l.begin("rgc_a", ip(&format!("198.51.100.{i}")), t0).unwrap();
            assert!(!l.limiter.failed_for_client_on(&mut l.conn, &attempt, t0).unwrap(), "failure {i}");
        }
        let attempt = l.begin("rgc_a", ip("198.51.100.50"), t0).unwrap();
        assert!(l.limiter.failed_for_client_on(&mut l.conn, &attempt, t0).unwrap(), "over the limit: slowed");
        let later = t0 + TimeDelta::seconds(20);
        let attempt = l.begin("rgc_a", ip("198.51.100.51"), later).unwrap();
        assert!(!l.limiter.failed_for_client_on(&mut l.conn, &attempt, later).unwrap(), "one drained");
    }

    /// Attempts from several connections (as from several instances) cannot overshoot.
    #[test]
    fn concurrent_attempts_cannot_overshoot() {
        let (dir, url) = database();
        let limiter = std::sync::Arc::new(FailureLimiter::new(10, 1000, TimeDelta::seconds(300)));
        let now = Utc::now();
        let admitted: usize = (0..4)
            .map(|_| {
                let (limiter, url) = (limiter.clone(), url.clone());
                std::thread::spawn(move || {
                    let mut conn = url.connect().unwrap();
                    (0..10)
                        .filter(|_| limiter.begin_on(&mut conn, "rgc_a", ip("10.1.1.1"), now).unwrap().is_ok())
                        .count()
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|t| t.join().unwrap())
            .sum();
        assert_eq!(admitted, 10);
        drop(dir);
    }

    #[test]
    fn drained_rows_are_deleted() {
        let mut l = Limits::new(10, 10, 60);
        let t0 = Utc::now();
        for i in 0..PRUNE_EVERY {
            let address = IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + i));
            l.begin("rgc_a", address, t0).unwrap();
        }
        let later = t0 + TimeDelta::seconds(120);
        for i in 0..PRUNE_EVERY {
            l.begin("rgc_b", IpAddr::V4(std::net::Ipv4Addr::from(0x0b00_0000 + i)), later).unwrap();
        }
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let count: Count = diesel::sql_query("SELECT COUNT(*) AS n FROM token_failures WHERE bucket LIKE '%rgc_a%'")
            .get_result(&mut l.conn)
            .unwrap();
        assert_eq!(count.n, 0, "the first burst drained and was deleted");
    }
}
