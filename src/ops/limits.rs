//! The process's open-file limit. Every connection is a file descriptor; the usual soft limit
//! of 1024 runs out at about a thousand connections, after which nothing (not even `/healthz`)
//! is accepted. `serve` raises the soft limit to the hard one, which any process may do.

/// Raises the soft `RLIMIT_NOFILE` to the hard limit (at most 1,048,576); answers the soft
/// limit before and after. Elsewhere than on Unix, nothing to do: `None`.
#[allow(clippy::unnecessary_cast)] // rlim_t is u64 on Linux, not on every Unix
pub fn raise_open_file_limit() -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        // SAFETY: getrlimit and setrlimit with a valid pointer to a local struct.
        unsafe {
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
                return None;
            }
            let before = limit.rlim_cur as u64;
            let wanted = (limit.rlim_max as u64).min(1 << 20);
            if wanted > before {
                limit.rlim_cur = wanted as libc::rlim_t;
                if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                    return Some((before, before));
                }
                return Some((before, wanted));
            }
            Some((before, before))
        }
    }
    #[cfg(not(unix))]
    None
}

/// Descriptors kept for everything but client connections: the database pool, the listener,
/// SQLite's files, attachments being streamed, outgoing webhooks and mail, logs.
pub fn reserved_descriptors(db_pool_size: u32) -> u64 {
    u64::from(db_pool_size) + 128
}

/// The connection cap that fits `open_files` (the soft limit), or `wanted` when it fits.
pub fn fitting_connections(wanted: usize, open_files: Option<u64>, db_pool_size: u32) -> usize {
    match open_files {
        Some(limit) => {
            let budget = limit.saturating_sub(reserved_descriptors(db_pool_size)).max(16);
            wanted.min(usize::try_from(budget).unwrap_or(usize::MAX))
        }
        None => wanted,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_fits_the_open_file_limit() {
        assert_eq!(fitting_connections(4096, Some(1 << 20), 8), 4096);
        assert_eq!(fitting_connections(4096, Some(1024), 8), 1024 - 136);
        assert_eq!(fitting_connections(4096, Some(64), 8), 16);
        assert_eq!(fitting_connections(4096, None, 8), 4096);
    }

    #[test]
    #[allow(clippy::unnecessary_cast)]
    fn the_soft_limit_rises_to_the_hard_one() {
        let (_, after) = raise_open_file_limit().expect("a Unix test machine");
        let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        // SAFETY: as above.
        assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) }, 0);
        assert_eq!(after, limit.rlim_cur as u64);
        assert_eq!(after, (limit.rlim_max as u64).min(1 << 20));
    }
}
