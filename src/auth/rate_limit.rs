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
//! failures, then one more attempt every window/N. An attempt takes its place in the first two
//! buckets before its secret is checked, in one step under one lock, so concurrent attempts
//! cannot overshoot; a success gives the place back. Kept in memory, per instance (several
//! instances each apply the limits), at most `MAX_KEYS` entries per table.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;

use chrono::{DateTime, TimeDelta, Utc};

use crate::client_address::limit_unit;

/// Entries kept per table; past it, drained entries go first, then arbitrary ones.
const MAX_KEYS: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    level: f64,
    at: DateTime<Utc>,
}

#[derive(Debug)]
struct Buckets<K> {
    capacity: f64,
    /// Failures drained per second.
    rate: f64,
    map: HashMap<K, Bucket>,
}

impl<K: Hash + Eq + Clone> Buckets<K> {
    fn new(capacity: usize, window: TimeDelta) -> Self {
        let capacity = capacity.max(1) as f64;
        let window = window.num_milliseconds().max(1000) as f64 / 1000.0;
        Buckets { capacity, rate: capacity / window, map: HashMap::new() }
    }

    fn level(&self, key: &K, now: DateTime<Utc>) -> f64 {
        self.map.get(key).map_or(0.0, |b| {
            let elapsed = (now - b.at).num_milliseconds().max(0) as f64 / 1000.0;
            (b.level - elapsed * self.rate).max(0.0)
        })
    }

    /// Seconds until one more failure fits, or `None` when it fits now.
    fn wait(&self, key: &K, now: DateTime<Utc>) -> Option<i64> {
        let excess = self.level(key, now) + 1.0 - self.capacity;
        (excess > 1e-9).then(|| ((excess / self.rate).ceil() as i64).max(1))
    }

    fn set(&mut self, key: &K, level: f64, now: DateTime<Utc>) {
        if level <= 0.0 {
            self.map.remove(key);
            return;
        }
        if !self.map.contains_key(key) && self.map.len() >= MAX_KEYS {
            self.make_room(now);
        }
        self.map.insert(key.clone(), Bucket { level: level.min(self.capacity), at: now });
    }

    fn make_room(&mut self, now: DateTime<Utc>) {
        let rate = self.rate;
        self.map.retain(|_, b| b.level - (now - b.at).num_milliseconds().max(0) as f64 / 1000.0 * rate > 0.0);
        let excess = self.map.len().saturating_sub(MAX_KEYS * 9 / 10);
        if excess > 0 {
            let victims: Vec<K> = self.map.keys().take(excess).cloned().collect();
            for key in victims {
                self.map.remove(&key);
            }
        }
    }
}

#[derive(Debug)]
struct Tables {
    pairs: Buckets<(String, IpAddr)>,
    addresses: Buckets<IpAddr>,
    clients: Buckets<String>,
}

#[derive(Debug)]
pub struct FailureLimiter {
    tables: Mutex<Tables>,
}

/// A token request admitted by the limiter: its place is taken until `succeeded` gives it back.
#[derive(Debug)]
pub struct Attempt {
    client_id: String,
    address: IpAddr,
}

impl FailureLimiter {
    pub fn new(max_failures: usize, max_address_failures: usize, window: TimeDelta) -> Self {
        FailureLimiter {
            tables: Mutex::new(Tables {
                pairs: Buckets::new(max_failures, window),
                addresses: Buckets::new(max_address_failures, window),
                clients: Buckets::new(max_failures, window),
            }),
        }
    }

    fn tables(&self) -> std::sync::MutexGuard<'_, Tables> {
        self.tables.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Admits an attempt for `client_id` from `address`, counting it as a failure from now on,
    /// or answers the seconds to wait when the pair or the address is over its limit.
    pub fn begin(&self, client_id: &str, address: IpAddr, now: DateTime<Utc>) -> Result<Attempt, i64> {
        let attempt = Attempt { client_id: client_id.to_owned(), address: limit_unit(address) };
        let pair = (attempt.client_id.clone(), attempt.address);
        let mut t = self.tables();
        let wait = [t.pairs.wait(&pair, now), t.addresses.wait(&attempt.address, now)].into_iter().flatten().max();
        if let Some(wait) = wait {
            return Err(wait);
        }
        let level = t.pairs.level(&pair, now) + 1.0;
        t.pairs.set(&pair, level, now);
        let level = t.addresses.level(&attempt.address, now) + 1.0;
        t.addresses.set(&attempt.address, level, now);
        Ok(attempt)
    }

    /// The attempt was not a failure (right secret): the pair starts afresh and the address
    /// gets its place back. The per-client count is kept: it only ever slows wrong secrets.
    pub fn succeeded(&self, attempt: &Attempt, now: DateTime<Utc>) {
        let mut t = self.tables();
        t.pairs.set(&(attempt.client_id.clone(), attempt.address), 0.0, now);
        let level = t.addresses.level(&attempt.address, now) - 1.0;
        t.addresses.set(&attempt.address, level, now);
    }

    /// A wrong secret for an existing client: counts it against the client and answers whether
    /// the client was already over its limit (then the answer is slowed).
    pub fn failed_for_client(&self, attempt: &Attempt, now: DateTime<Utc>) -> bool {
        let mut t = self.tables();
        let over = t.clients.wait(&attempt.client_id, now).is_some();
        let level = t.clients.level(&attempt.client_id, now) + 1.0;
        t.clients.set(&attempt.client_id, level, now);
        over
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn a_pair_fills_then_drains_one_attempt_per_window_share() {
        let limiter = FailureLimiter::new(3, 100, TimeDelta::seconds(60));
        let t0 = Utc::now();
        for i in 0..3 {
            assert!(limiter.begin("rgc_a", ip("198.51.100.7"), t0).is_ok(), "attempt {i}");
        }
        // Three failures fill the bucket; one drains every 20 s.
        assert_eq!(limiter.begin("rgc_a", ip("198.51.100.7"), t0).unwrap_err(), 20);
        assert_eq!(limiter.begin("rgc_a", ip("198.51.100.7"), t0 + TimeDelta::seconds(15)).unwrap_err(), 5);
        assert!(limiter.begin("rgc_a", ip("198.51.100.8"), t0).is_ok(), "another address");
        assert!(limiter.begin("rgc_b", ip("198.51.100.7"), t0).is_ok(), "another client");
        assert!(limiter.begin("rgc_a", ip("198.51.100.7"), t0 + TimeDelta::seconds(20)).is_ok());
        assert!(limiter.begin("rgc_a", ip("198.51.100.7"), t0 + TimeDelta::seconds(20)).is_err());
        assert!(limiter.begin("rgc_a", ip("198.51.100.7"), t0 + TimeDelta::seconds(60)).is_ok());
    }

    #[test]
    fn a_success_gives_the_place_back() {
        let limiter = FailureLimiter::new(2, 100, TimeDelta::seconds(60));
        let t0 = Utc::now();
        limiter.begin("rgc_a", ip("198.51.100.7"), t0).unwrap();
        let attempt = limiter.begin("rgc_a", ip("198.51.100.7"), t0).unwrap();
        limiter.succeeded(&attempt, t0);
        assert!(limiter.begin("rgc_a", ip("198.51.100.7"), t0).is_ok());
        assert!(limiter.begin("rgc_a", ip("198.51.100.7"), t0).is_ok());
        assert!(limiter.begin("rgc_a", ip("198.51.100.7"), t0).is_err());
    }

    #[test]
    fn an_address_is_limited_across_client_ids_and_by_its_ipv6_64() {
        let limiter = FailureLimiter::new(10, 3, TimeDelta::seconds(60));
        let t0 = Utc::now();
        for i in 0..3 {
            limiter.begin(&format!("rgc_{i}"), ip("2001:db8:1:2::1"), t0).unwrap();
        }
        assert!(limiter.begin("rgc_other", ip("2001:db8:1:2::ffff"), t0).is_err(), "same /64");
        assert!(limiter.begin("rgc_other", ip("2001:db8:1:3::1"), t0).is_ok(), "another /64");
    }

    #[test]
    fn a_client_over_its_limit_is_slowed_never_refused() {
        let limiter = FailureLimiter::new(3, 100, TimeDelta::seconds(60));
        let t0 = Utc::now();
        for i in 0..3 {
            let attempt = limiter.begin("rgc_a", ip(&format!("198.51.100.{i}")), t0).unwrap();
            assert!(!limiter.failed_for_client(&attempt, t0), "failure {i}");
        }
        let attempt = limiter.begin("rgc_a", ip("198.51.100.50"), t0).unwrap();
        assert!(limiter.failed_for_client(&attempt, t0), "over the limit: slowed");
        let later = t0 + TimeDelta::seconds(20);
        let attempt = limiter.begin("rgc_a", ip("198.51.100.51"), later).unwrap();
        assert!(!limiter.failed_for_client(&attempt, later), "one drained");
    }

    #[test]
    fn concurrent_attempts_cannot_overshoot() {
        let limiter = std::sync::Arc::new(FailureLimiter::new(10, 1000, TimeDelta::seconds(300)));
        let now = Utc::now();
        let admitted: usize = (0..8)
            .map(|_| {
                let limiter = limiter.clone();
                std::thread::spawn(move || {
                    (0..10).filter(|_| limiter.begin("rgc_a", ip("10.1.1.1"), now).is_ok()).count()
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|t| t.join().unwrap())
            .sum();
        assert_eq!(admitted, 10);
    }

    #[test]
    fn memory_is_bounded_under_a_spray_of_keys() {
        let limiter = FailureLimiter::new(10, 10, TimeDelta::seconds(300));
        let now = Utc::now();
        for i in 0..(MAX_KEYS as u32 + 5_000) {
            let address = IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + i));
            limiter.begin("rgc_a", address, now).unwrap();
        }
        let t = limiter.tables();
        assert!(t.pairs.map.len() <= MAX_KEYS && t.addresses.map.len() <= MAX_KEYS);
    }
}
