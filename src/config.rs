//! Typed settings, parsed once at start-up from the environment and an optional `.env` file.
//! Every key is documented in `.env.example`. A bad value stops start-up with a message that
//! names the key and what it expected. `Debug` never shows secrets (the database URL is
//! redacted by `DbUrl`).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use crate::client_address::{ForwardedHeader, TrustedProxies};
use crate::db::{Backend, DbUrl, PoolSettings};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: DbUrl,
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub log_format: LogFormat,
    /// `RUST_LOG` directives, validated at start-up.
    pub log_filter: String,
    pub db_pool: PoolSettings,
    /// Largest JSON request body accepted, in bytes (larger: 413).
    pub max_json_body: usize,
    /// Largest attachment accepted, in bytes (larger: 413).
    pub max_attachment_bytes: u64,
    /// Where attachment bodies are kept (`ROGATORY_ATTACHMENT_STORE`).
    pub attachment_store: AttachmentStoreSetting,
    /// HTTP worker threads; `None` lets actix use one per core.
    pub workers: Option<usize>,
    /// Reverse proxies whose `X-Forwarded-For` (or `Forwarded`) is believed; none by default.
    pub trusted_proxies: TrustedProxies,
    pub connections: ConnectionSettings,
    pub tokens: TokenSettings,
    /// Public base URL, for links in e-mails and the default token issuer.
    pub public_url: String,
    /// Whether `ROGATORY_PUBLIC_URL` was set (instances on one database need the same one).
    pub public_url_set: bool,
    /// SMTP server (`smtp://user:pass@host:587?tls=required`, `smtps://…`); `None`: `.eml` files.
    pub smtp_url: Option<Secret>,
    pub mail_from: String,
    /// Run the deadline scanner and job workers inside `serve`.
    pub background: bool,
    pub scan_interval: Duration,
    pub job_poll_interval: Duration,
    /// Webhooks may target private and loopback addresses, and plain `http`
    /// (`ROGATORY_WEBHOOK_ALLOW_PRIVATE=1`): for tests and closed networks only.
    pub webhook_allow_private: bool,
    /// Answers carry `Server-Timing: db;desc="N statements"` (`ROGATORY_SERVER_TIMING=1`).
    pub server_timing: bool,
    /// The key of deconfliction's target hashes (`ROGATORY_DECONFLICTION_KEY`, base64 of at
    /// least 32 bytes); `None`: `<data dir>/deconfliction-key`, generated if missing.
    pub deconfliction_key: Option<crate::auth::deconfliction_key::DeconflictionKey>,
}

/// What a client connection may hold and for how long.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionSettings {
    /// Open client connections across all workers; lowered at start-up to fit the open-file limit.
    pub max_connections: usize,
    /// Time for a new connection to send its first request's headers (actix's
    /// `client_request_timeout`); 408 after it.
    pub header_timeout: Duration,
    /// Time for a request body to arrive, extended by one second per `body_min_rate` bytes
    /// received; 408 and the connection closed after it.
    pub body_timeout: Duration,
    /// Bytes per second a body must keep up to push its deadline on; 0: a fixed deadline.
    pub body_min_rate: u64,
}

/// A value that must never reach a log: `Debug` shows only that it is set.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Where attachment bodies are kept: `ROGATORY_ATTACHMENT_STORE` (see `storage`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttachmentStoreSetting {
    /// Files under `<data dir>/attachments` (the default on SQLite).
    Dir,
    /// Chunks in the PostgreSQL database of `DATABASE_URL` (the default on PostgreSQL).
    Postgres,
    /// An S3-compatible bucket.
    S3(S3Settings),
}

/// An S3-compatible store: `s3://bucket/prefix` and the `ROGATORY_S3_*` settings; what they
/// leave unset comes from the standard `AWS_*` variables (credentials, region, endpoint).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Settings {
    pub bucket: String,
    /// Key prefix without leading or trailing `/`; may be empty.
    pub prefix: String,
    /// `http(s)://host:port` of an S3-compatible server; `None`: AWS (or `AWS_ENDPOINT`).
    pub endpoint: Option<String>,
    pub region: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<Secret>,
}

pub const ATTACHMENT_STORE_EXPECTED: &str = "`dir`, `postgres` or `s3://bucket/prefix`";

impl AttachmentStoreSetting {
    /// `dir`, `postgres` or `s3://bucket/prefix`.
    pub fn name(&self) -> String {
        match self {
            AttachmentStoreSetting::Dir => "dir".into(),
            AttachmentStoreSetting::Postgres => "postgres".into(),
            AttachmentStoreSetting::S3(s3) => format!("s3://{}/{}", s3.bucket, s3.prefix),
        }
    }

    /// The default for a database backend: `dir` on SQLite, `postgres` on PostgreSQL (every
    /// instance on the database then sees every attachment).
    pub fn default_for(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => AttachmentStoreSetting::Dir,
            Backend::Postgres => AttachmentStoreSetting::Postgres,
        }
    }

    /// Parses a store's name, with the `ROGATORY_S3_*` settings read through `get` for `s3://`;
    /// `backend` is the database's (`postgres` needs PostgreSQL). The error says what was expected.
    pub fn parse(text: &str, backend: Backend, get: &dyn Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let key = "ROGATORY_ATTACHMENT_STORE";
        let bad = |expected: String| ConfigError { key, expected, got: Some(text.to_owned()) };
        match text.trim() {
            "dir" => Ok(AttachmentStoreSetting::Dir),
            "postgres" if backend == Backend::Postgres => Ok(AttachmentStoreSetting::Postgres),
            "postgres" => Err(bad(
                "`dir` or `s3://bucket/prefix`: the `postgres` store keeps attachments in the PostgreSQL database \
                 of DATABASE_URL, which is SQLite here"
                    .into(),
            )),
            other => {
                let Some(rest) = other.strip_prefix("s3://") else { return Err(bad(ATTACHMENT_STORE_EXPECTED.into())) };
                let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
                let bucket_ok = (3..=63).contains(&bucket.len())
                    && bucket.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
                    && bucket.starts_with(|c: char| c.is_ascii_alphanumeric())
                    && bucket.ends_with(|c: char| c.is_ascii_alphanumeric());
                let prefix = prefix.trim_matches('/');
                let prefix_ok = prefix.split('/').all(|part| {
                    prefix.is_empty()
                        || (!part.is_empty()
                            && part != "."
                            && part != ".."
                            && part.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.!*'()".contains(&b)))
                });
                if !bucket_ok || !prefix_ok {
                    return Err(bad(
                        "`s3://bucket/prefix` with a bucket name of 3 to 63 lowercase letters, digits, dots and \
                         hyphens, and an optional prefix of `/`-separated names (letters, digits, -_.!*'())"
                            .into(),
                    ));
                }
                let endpoint = get("ROGATORY_S3_ENDPOINT");
                if let Some(url) = &endpoint
                    && !(url.starts_with("http://") || url.starts_with("https://"))
                {
                    return Err(ConfigError {
                        key: "ROGATORY_S3_ENDPOINT",
                        expected: "an http:// or https:// URL such as https://minio.internal:9000".into(),
                        got: Some(url.clone()),
                    });
                }
                Ok(AttachmentStoreSetting::S3(S3Settings {
                    bucket: bucket.to_owned(),
                    prefix: prefix.to_owned(),
                    endpoint: endpoint.map(|e| e.trim_end_matches('/').to_owned()),
                    region: get("ROGATORY_S3_REGION"),
                    access_key_id: get("ROGATORY_S3_ACCESS_KEY_ID"),
                    secret_access_key: get("ROGATORY_S3_SECRET_ACCESS_KEY").map(Secret),
                }))
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct TokenSettings {
    /// `iss` of the exchange's tokens.
    pub issuer: String,
    /// `aud` of the exchange's tokens.
    pub audience: String,
    pub ttl_secs: i64,
    /// Ed25519 private key (PKCS#8 PEM); `None`: `<data dir>/jwt-signing-key.pem`, generated if missing.
    pub signing_key_file: Option<PathBuf>,
    /// Keys that still verify tokens and documents during a rotation (private or public PEM).
    pub previous_key_files: Vec<PathBuf>,
    /// Seals the signing keys kept in the database (PostgreSQL); every instance needs the same.
    pub key_encryption_key: Option<crate::auth::key_store::Kek>,
    /// How often an instance reloads the signing keys from the database.
    pub key_poll_interval: Duration,
    /// JSON list of external issuers whose tokens are accepted.
    pub external_issuers_file: Option<PathBuf>,
    /// Failed token requests allowed per client id and address within the window (429 for
    /// that pair beyond it); also the count past which a client's wrong secrets are slowed.
    pub max_failures: usize,
    /// Failed token requests allowed per address within the window, whatever the client id.
    pub max_address_failures: usize,
    pub failure_window_secs: i64,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid configuration: {key}: expected {expected}{}", got.as_ref().map(|g| format!(", got {g:?}")).unwrap_or_default())]
pub struct ConfigError {
    pub key: &'static str,
    pub expected: String,
    /// The offending value, when it is safe to show (never for secrets).
    pub got: Option<String>,
}

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_DATA_DIR: &str = "./data";
pub const DEFAULT_LOG_FILTER: &str = "info";

impl Settings {
    /// Reads `.env` (if present; real environment variables win) and the environment.
    pub fn from_env() -> Result<Self, anyhow::Error> {
        match dotenvy::dotenv() {
            Ok(_) => {}
            Err(e) if e.not_found() => {}
            Err(e) => anyhow::bail!("cannot read .env: {e}"),
        }
        Ok(Self::from_lookup(|key| std::env::var(key).ok())?)
    }

    /// Parses settings from any key lookup (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |key: &str| lookup(key).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());

        let data_dir = PathBuf::from(get("ROGATORY_DATA_DIR").unwrap_or_else(|| DEFAULT_DATA_DIR.into()));
        let database_url = match get("DATABASE_URL") {
            // The URL may hold a password: name the problem, never echo the value.
            Some(url) => {
                DbUrl::parse(&url).map_err(|expected| ConfigError { key: "DATABASE_URL", expected, got: None })?
            }
            None => DbUrl::Sqlite(data_dir.join("rogatory.db")),
        };
        let listen = parse_key(&get, "ROGATORY_LISTEN", DEFAULT_LISTEN, "a socket address such as 127.0.0.1:8080")?;
        let log_format = match get("ROGATORY_LOG_FORMAT").as_deref() {
            None | Some("pretty") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(ConfigError {
                    key: "ROGATORY_LOG_FORMAT",
                    expected: "`pretty` or `json`".into(),
                    got: Some(other.into()),
                });
            }
        };
        let log_filter = get("RUST_LOG").unwrap_or_else(|| DEFAULT_LOG_FILTER.into());
        tracing_subscriber::EnvFilter::try_new(&log_filter).map_err(|e| ConfigError {
            key: "RUST_LOG",
            expected: format!("tracing filter directives such as `info,rogatory=debug` ({e})"),
            got: Some(log_filter.clone()),
        })?;
        let max_size: u32 = parse_key(&get, "ROGATORY_DB_POOL_SIZE", "8", "a whole number of connections, 1 to 256")?;
        if !(1..=256).contains(&max_size) {
            return Err(ConfigError {
                key: "ROGATORY_DB_POOL_SIZE",
                expected: "a whole number of connections, 1 to 256".into(),
                got: Some(max_size.to_string()),
            });
        }
        let timeout_secs: u64 = parse_key(&get, "ROGATORY_DB_TIMEOUT_SECS", "5", "a whole number of seconds")?;
        let max_json_body: usize = parse_key(&get, "ROGATORY_MAX_JSON_BYTES", "1048576", "a size in bytes")?;
        let max_attachment_bytes: u64 =
            parse_key(&get, "ROGATORY_MAX_ATTACHMENT_BYTES", "104857600", "a size in bytes")?;
        let attachment_store = match get("ROGATORY_ATTACHMENT_STORE") {
            None => AttachmentStoreSetting::default_for(database_url.backend()),
            Some(text) => AttachmentStoreSetting::parse(&text, database_url.backend(), &get)?,
        };
        let workers = match get("ROGATORY_WORKERS") {
            None => None,
            Some(_) => Some(parse_key::<usize>(&get, "ROGATORY_WORKERS", "1", "a whole number of threads")?),
        };

        let public_url_set = get("ROGATORY_PUBLIC_URL").is_some();
        let public_url = get("ROGATORY_PUBLIC_URL").unwrap_or_else(|| format!("http://{listen}"));
        if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
            return Err(ConfigError {
                key: "ROGATORY_PUBLIC_URL",
                expected: "an http:// or https:// URL".into(),
                got: Some(public_url),
            });
        }
        let ttl_secs: i64 = parse_key(&get, "ROGATORY_TOKEN_TTL_SECS", "900", "a lifetime in seconds, 60 to 86400")?;
        if !(60..=86_400).contains(&ttl_secs) {
            return Err(ConfigError {
                key: "ROGATORY_TOKEN_TTL_SECS",
                expected: "a lifetime in seconds, 60 to 86400".into(),
                got: Some(ttl_secs.to_string()),
            });
        }
        let tokens = TokenSettings {
            issuer: get("ROGATORY_TOKEN_ISSUER").unwrap_or_else(|| public_url.trim_end_matches('/').to_owned()),
            audience: get("ROGATORY_TOKEN_AUDIENCE").unwrap_or_else(|| "rogatory".into()),
            ttl_secs,
            signing_key_file: get("ROGATORY_JWT_SIGNING_KEY_FILE").map(PathBuf::from),
            previous_key_files: get("ROGATORY_JWT_PREVIOUS_KEY_FILES")
                .map(|v| v.split(',').map(str::trim).filter(|p| !p.is_empty()).map(PathBuf::from).collect())
                .unwrap_or_default(),
            external_issuers_file: get("ROGATORY_EXTERNAL_ISSUERS_FILE").map(PathBuf::from),
            key_encryption_key: match get("ROGATORY_KEY_ENCRYPTION_KEY") {
                // A secret: the message says what is wrong with it, never what it is.
                Some(text) => Some(crate::auth::key_store::Kek::parse(&text).map_err(|expected| ConfigError {
                    key: "ROGATORY_KEY_ENCRYPTION_KEY",
                    expected,
                    got: None,
                })?),
                None => None,
            },
            key_poll_interval: Duration::from_secs(parse_positive(
                &get,
                "ROGATORY_KEY_POLL_SECS",
                "30",
                "a whole number of seconds, 1 or more",
            )?),
            max_failures: parse_positive(
                &get,
                "ROGATORY_TOKEN_MAX_FAILURES",
                "10",
                "a whole number of attempts, 1 or more",
            )?,
            max_address_failures: parse_positive(
                &get,
                "ROGATORY_TOKEN_MAX_ADDRESS_FAILURES",
                "100",
                "a whole number of attempts, 1 or more",
            )?,
            failure_window_secs: parse_positive(
                &get,
                "ROGATORY_TOKEN_FAILURE_WINDOW_SECS",
                "300",
                "a whole number of seconds, 1 or more",
            )?,
        };
        let trusted_proxies = TrustedProxies {
            nets: TrustedProxies::parse_list(&get("ROGATORY_TRUSTED_PROXIES").unwrap_or_default()).map_err(|bad| {
                ConfigError {
                    key: "ROGATORY_TRUSTED_PROXIES",
                    expected: "comma-separated IP addresses or ranges such as 10.0.0.0/8, 192.0.2.1".into(),
                    got: Some(bad),
                }
            })?,
            header: match get("ROGATORY_FORWARDED_HEADER").map(|v| v.to_ascii_lowercase()).as_deref() {
                None | Some("x-forwarded-for") => ForwardedHeader::XForwardedFor,
                Some("forwarded") => ForwardedHeader::Forwarded,
                Some(other) => {
                    return Err(ConfigError {
                        key: "ROGATORY_FORWARDED_HEADER",
                        expected: "`x-forwarded-for` or `forwarded`".into(),
                        got: Some(other.into()),
                    });
                }
            },
        };

        let connections = ConnectionSettings {
            max_connections: parse_positive(
                &get,
                "ROGATORY_MAX_CONNECTIONS",
                "4096",
                "a whole number of connections, 1 or more",
            )?,
            header_timeout: Duration::from_secs(parse_positive(
                &get,
                "ROGATORY_HEADER_TIMEOUT_SECS",
                "5",
                "a whole number of seconds, 1 or more",
            )?),
            body_timeout: Duration::from_secs(parse_positive(
                &get,
                "ROGATORY_BODY_TIMEOUT_SECS",
                "30",
                "a whole number of seconds, 1 or more",
            )?),
            body_min_rate: parse_key(&get, "ROGATORY_BODY_MIN_RATE", "16384", "a whole number of bytes per second")?,
        };

        let background = match get("ROGATORY_BACKGROUND").as_deref() {
            None | Some("on") => true,
            Some("off") => false,
            Some(other) => {
                return Err(ConfigError {
                    key: "ROGATORY_BACKGROUND",
                    expected: "`on` or `off`".into(),
                    got: Some(other.into()),
                });
            }
        };
        // A secret: a bad value is named, never echoed.
        let deconfliction_key = match get("ROGATORY_DECONFLICTION_KEY") {
            None => None,
            Some(text) => {
                Some(crate::auth::deconfliction_key::DeconflictionKey::parse(&text).map_err(|why| ConfigError {
                    key: "ROGATORY_DECONFLICTION_KEY",
                    expected: format!("base64 of at least 32 random bytes ({why})"),
                    got: None,
                })?)
            }
        };
        let webhook_allow_private = match get("ROGATORY_WEBHOOK_ALLOW_PRIVATE").as_deref() {
            None | Some("0" | "false" | "off") => false,
            Some("1" | "true" | "on") => true,
            Some(other) => {
                return Err(ConfigError {
                    key: "ROGATORY_WEBHOOK_ALLOW_PRIVATE",
                    expected: "`1` or `0`".into(),
                    got: Some(other.into()),
                });
            }
        };
        let server_timing = match get("ROGATORY_SERVER_TIMING").as_deref() {
            None | Some("0" | "false" | "off") => false,
            Some("1" | "true" | "on") => true,
            Some(other) => {
                return Err(ConfigError {
                    key: "ROGATORY_SERVER_TIMING",
                    expected: "`1` or `0`".into(),
                    got: Some(other.into()),
                });
            }
        };
        let smtp_url = get("ROGATORY_SMTP_URL");
        if let Some(url) = &smtp_url
            && !(url.starts_with("smtp://") || url.starts_with("smtps://"))
        {
            return Err(ConfigError {
                key: "ROGATORY_SMTP_URL",
                expected: "a URL starting with smtp:// or smtps://".into(),
                got: None,
            });
        }
        let mail_from = get("ROGATORY_MAIL_FROM").unwrap_or_else(|| "Rogatory <noreply@rogatory.invalid>".into());
        if mail_from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(ConfigError {
                key: "ROGATORY_MAIL_FROM",
                expected: "a mailbox such as `Rogatory <noreply@exchange.example>`".into(),
                got: Some(mail_from),
            });
        }
        let scan_secs: u64 = parse_key(&get, "ROGATORY_SCAN_INTERVAL_SECS", "30", "a whole number of seconds")?;
        let poll_ms: u64 = parse_key(&get, "ROGATORY_JOB_POLL_MS", "1000", "a whole number of milliseconds")?;

        Ok(Settings {
            public_url: public_url.trim_end_matches('/').to_owned(),
            public_url_set,
            smtp_url: smtp_url.map(Secret),
            mail_from,
            background,
            webhook_allow_private,
            server_timing,
            deconfliction_key,
            scan_interval: Duration::from_secs(scan_secs.max(1)),
            job_poll_interval: Duration::from_millis(poll_ms.max(50)),
            tokens,
            database_url,
            listen,
            data_dir,
            log_format,
            log_filter,
            db_pool: PoolSettings { max_size, connect_timeout: Duration::from_secs(timeout_secs.max(1)) },
            max_json_body,
            max_attachment_bytes,
            attachment_store,
            workers,
            trusted_proxies,
            connections,
        })
    }
}

fn parse_key<T: FromStr>(
    get: &impl Fn(&str) -> Option<String>,
    key: &'static str,
    default: &str,
    expected: &str,
) -> Result<T, ConfigError> {
    let raw = get(key).unwrap_or_else(|| default.to_owned());
    raw.parse().map_err(|_| ConfigError { key, expected: expected.into(), got: Some(raw) })
}

/// A whole number of at least 1.
fn parse_positive<T: FromStr + PartialOrd + From<u8>>(
    get: &impl Fn(&str) -> Option<String>,
    key: &'static str,
    default: &str,
    expected: &str,
) -> Result<T, ConfigError> {
    let value: T = parse_key(get, key, default, expected)?;
    if value < T::from(1) {
        return Err(ConfigError { key, expected: expected.into(), got: get(key) });
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Settings::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_run_on_sqlite_under_the_data_dir() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.database_url, DbUrl::Sqlite(PathBuf::from("./data/rogatory.db")));
        assert_eq!(s.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(s.log_format, LogFormat::Pretty);
        let s = settings(&[("ROGATORY_DATA_DIR", "/srv/rog")]).unwrap();
        assert_eq!(s.database_url, DbUrl::Sqlite(PathBuf::from("/srv/rog/rogatory.db")));
    }

    #[test]
    fn bad_values_name_the_key_and_the_expectation() {
        let e = settings(&[("ROGATORY_LISTEN", "localhost")]).unwrap_err();
        assert_eq!(e.key, "ROGATORY_LISTEN");
        assert!(e.to_string().contains("socket address") && e.to_string().contains("\"localhost\""), "{e}");
        let e = settings(&[("ROGATORY_LOG_FORMAT", "xml")]).unwrap_err();
        assert_eq!(e.key, "ROGATORY_LOG_FORMAT");
        let e = settings(&[("RUST_LOG", "info,[=")]).unwrap_err();
        assert_eq!(e.key, "RUST_LOG");
        let e = settings(&[("ROGATORY_DB_POOL_SIZE", "0")]).unwrap_err();
        assert_eq!(e.key, "ROGATORY_DB_POOL_SIZE");
        let e = settings(&[("ROGATORY_TOKEN_MAX_FAILURES", "0")]).unwrap_err();
        assert_eq!(e.key, "ROGATORY_TOKEN_MAX_FAILURES");
        let e = settings(&[("ROGATORY_TOKEN_MAX_ADDRESS_FAILURES", "many")]).unwrap_err();
        assert_eq!(e.key, "ROGATORY_TOKEN_MAX_ADDRESS_FAILURES");
        let e = settings(&[("ROGATORY_TRUSTED_PROXIES", "10.0.0.0/8, proxy.internal")]).unwrap_err();
        assert_eq!(e.key, "ROGATORY_TRUSTED_PROXIES");
        assert!(e.to_string().contains("\"proxy.internal\""), "{e}");
        let e = settings(&[("ROGATORY_FORWARDED_HEADER", "x-real-ip")]).unwrap_err();
        assert_eq!(e.key, "ROGATORY_FORWARDED_HEADER");
        for key in ["ROGATORY_MAX_CONNECTIONS", "ROGATORY_HEADER_TIMEOUT_SECS", "ROGATORY_BODY_TIMEOUT_SECS"] {
            assert_eq!(settings(&[(key, "0")]).unwrap_err().key, key);
            assert_eq!(settings(&[(key, "soon")]).unwrap_err().key, key);
        }
        let e = settings(&[("ROGATORY_BODY_MIN_RATE", "-1")]).unwrap_err();
        assert_eq!(e.key, "ROGATORY_BODY_MIN_RATE");
    }

    #[test]
    fn connections_have_deadlines_and_a_cap_by_default() {
        let c = settings(&[]).unwrap().connections;
        assert_eq!(c.max_connections, 4096);
        assert_eq!(c.header_timeout, Duration::from_secs(5));
        assert_eq!(c.body_timeout, Duration::from_secs(30));
        assert_eq!(c.body_min_rate, 16384);
    }

    #[test]
    fn no_proxy_is_trusted_unless_named() {
        let s = settings(&[]).unwrap();
        assert!(s.trusted_proxies.nets.is_empty());
        assert_eq!((s.tokens.max_failures, s.tokens.max_address_failures), (10, 100));
        let s = settings(&[("ROGATORY_TRUSTED_PROXIES", "10.0.0.0/8,::1"), ("ROGATORY_FORWARDED_HEADER", "Forwarded")])
            .unwrap();
        assert!(s.trusted_proxies.is_trusted("10.9.8.7".parse().unwrap()));
        assert!(s.trusted_proxies.is_trusted("::1".parse().unwrap()));
        assert_eq!(s.trusted_proxies.header, ForwardedHeader::Forwarded);
    }

    #[test]
    fn the_attachment_store_follows_the_backend_unless_named() {
        assert_eq!(settings(&[]).unwrap().attachment_store, AttachmentStoreSetting::Dir);
        let pg = ("DATABASE_URL", "postgres://app@db/rogatory");
        assert_eq!(settings(&[pg]).unwrap().attachment_store, AttachmentStoreSetting::Postgres);
        let on_dir = settings(&[pg, ("ROGATORY_ATTACHMENT_STORE", "dir")]).unwrap();
        assert_eq!(on_dir.attachment_store, AttachmentStoreSetting::Dir);
        let s3 = settings(&[
            ("ROGATORY_ATTACHMENT_STORE", "s3://evidence-eu/rogatory/prod/"),
            ("ROGATORY_S3_ENDPOINT", "http://127.0.0.1:9000/"),
            ("ROGATORY_S3_SECRET_ACCESS_KEY", "topsecret"),
        ])
        .unwrap();
        let AttachmentStoreSetting::S3(s3) = s3.attachment_store else { panic!("an s3 store") };
        assert_eq!((s3.bucket.as_str(), s3.prefix.as_str()), ("evidence-eu", "rogatory/prod"));
        assert_eq!(s3.endpoint.as_deref(), Some("http://127.0.0.1:9000"));
        assert!(!format!("{s3:?}").contains("topsecret"));
    }

    #[test]
    fn a_bad_attachment_store_stops_start_up_with_a_reason() {
        let e = settings(&[("ROGATORY_ATTACHMENT_STORE", "postgres")]).unwrap_err();
        assert_eq!(e.key, "ROGATORY_ATTACHMENT_STORE");
        assert!(e.to_string().contains("SQLite"), "{e}");
        for bad in ["disk", "s3://", "s3://B/x", "s3://ok-bucket/a/../b", "S3://bucket"] {
            let e = settings(&[("ROGATORY_ATTACHMENT_STORE", bad)]).unwrap_err();
            assert_eq!(e.key, "ROGATORY_ATTACHMENT_STORE", "{bad}");
        }
        let e = settings(&[("ROGATORY_ATTACHMENT_STORE", "s3://bucket"), ("ROGATORY_S3_ENDPOINT", "minio:9000")])
            .unwrap_err();
        assert_eq!(e.key, "ROGATORY_S3_ENDPOINT");
    }

    #[test]
    fn database_url_errors_never_echo_the_value() {
        let e = settings(&[("DATABASE_URL", "mysql://root:topsecret@db/x")]).unwrap_err();
        assert_eq!(e.key, "DATABASE_URL");
        assert!(!e.to_string().contains("topsecret"), "{e}");
    }

    #[test]
    fn debug_redacts_the_database_password() {
        let s = settings(&[("DATABASE_URL", "postgres://app:topsecret@db:5432/rogatory")]).unwrap();
        let shown = format!("{s:?}");
        assert!(!shown.contains("topsecret") && shown.contains("app:***@db"), "{shown}");
    }
}
