//! Failed token attempts are limited per client id and per source address: after `max`
//! failures inside `window`, further attempts get 429 with `Retry-After` until the oldest
//! failure leaves the window. Kept in memory, per instance (several instances each apply the
//! limit; the total allowed is at most `max` times the number of instances).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use chrono::{DateTime, TimeDelta, Utc};

#[derive(Debug)]
pub struct FailureLimiter {
    max: usize,
    window: TimeDelta,
    failures: Mutex<HashMap<String, VecDeque<DateTime<Utc>>>>,
}

impl FailureLimiter {
    pub fn new(max: usize, window: TimeDelta) -> Self {
        FailureLimiter { max: max.max(1), window, failures: Mutex::new(HashMap::new()) }
    }

    /// Seconds to wait when `key` is locked out at `now`, or `None` when it may try.
    pub fn retry_after(&self, key: &str, now: DateTime<Utc>) -> Option<i64> {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let entries = map.get_mut(key)?;
        while entries.front().is_some_and(|t| *t + self.window <= now) {
            entries.pop_front();
        }
        if entries.is_empty() {
            map.remove(key);
            return None;
        }
        (entries.len() >= self.max).then(|| {
            let oldest = entries.front().copied().unwrap_or(now);
            ((oldest + self.window) - now).num_seconds().max(1)
        })
    }

    pub fn record_failure(&self, key: &str, now: DateTime<Utc>) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        // Bound memory under a spray of distinct keys: forget keys whose failures are all old.
        if map.len() > 100_000 {
            let window = self.window;
            map.retain(|_, v| v.back().is_some_and(|t| *t + window > now));
        }
        let entries = map.entry(key.to_owned()).or_default();
        entries.push_back(now);
        while entries.len() > self.max {
            entries.pop_front();
        }
    }

    pub fn clear(&self, key: &str) {
        self.failures.lock().unwrap_or_else(|p| p.into_inner()).remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_after_max_failures_and_unlocks_with_time() {
        let limiter = FailureLimiter::new(3, TimeDelta::seconds(60));
        let t0 = Utc::now();
        for i in 0..3 {
            assert_eq!(limiter.retry_after("client:a", t0), None, "attempt {i}");
            limiter.record_failure("client:a", t0 + TimeDelta::seconds(i));
        }
        assert_eq!(limiter.retry_after("client:a", t0 + TimeDelta::seconds(3)), Some(57));
        assert_eq!(limiter.retry_after("client:b", t0), None, "other keys are not affected");
        assert_eq!(
            limiter.retry_after("client:a", t0 + TimeDelta::seconds(60)),
            None,
            "oldest failure left the window"
        );
        limiter.record_failure("client:a", t0 + TimeDelta::seconds(60));
        assert_eq!(
            limiter.retry_after("client:a", t0 + TimeDelta::seconds(60)),
            Some(1),
            "three failures within the window again"
        );
        limiter.clear("client:a");
        assert_eq!(limiter.retry_after("client:a", t0 + TimeDelta::seconds(60)), None);
    }
}
