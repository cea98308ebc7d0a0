//! `rogatory-bench`: measures Rogatory on this machine, each number beside a baseline taken in
//! the same run (these machines are noisy). It starts the release server itself on SQLite and
//! on PostgreSQL, drives it over loopback with its own HTTP client, and prints a table:
//! create-and-submit throughput against the database's raw insert rate, reads at a fixed rate
//! against /healthz, the deadline scan at 10 k / 100 k / 1 M stored requests, memory, and the
//! deconfliction lookup of a 20-target submission against 1 M stored target hashes, and the
//! statistics (the yearly Art 28 report) over 1 M stored requests, with their query plans.
//!
//! Run: `cargo run --release --bin rogatory-bench` (see `-- --help`).

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::rc::Rc;
use std::time::{Duration, Instant};

use clap::Parser;
use diesel::connection::SimpleConnection;
use diesel::{Connection, RunQueryDsl};
use serde_json::{Value, json};

#[derive(Debug, Parser)]
#[command(name = "rogatory-bench", about = "Benchmarks Rogatory against same-run baselines")]
struct Args {
    /// Backends to measure.
    #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres")]
    backends: Vec<String>,
    /// Seconds per load phase.
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// Concurrent clients for create-and-submit.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Fixed request rate of the read phases (requests per second).
    #[arg(long, default_value_t = 500)]
    read_rate: u64,
    /// Stored-request counts for the deadline scan.
    #[arg(long, value_delimiter = ',', default_value = "10000,100000,1000000")]
    scan_sizes: Vec<i64>,
    /// Clocks due at each scan.
    #[arg(long, default_value_t = 20)]
    due_clocks: i64,
    /// Scans measured at each stored-request count (each of `--due-clocks` fresh due clocks).
    #[arg(long, default_value_t = 5)]
    scan_repeats: usize,
    /// Stored target hashes for the deconfliction phase (0: skip it); they belong to the requests
    /// the deadline scan stored.
    #[arg(long, default_value_t = 1_000_000)]
    deconfliction_targets: i64,
    /// Stored requests for the statistics phase (0: skip it): spread over 2025-2026, half of
    /// each year's orders (EPOC, EPOC-PR), four events and a clock each, seeded by SQL, then
    /// their statistics summary rebuilt from that trail.
    #[arg(long, default_value_t = 1_000_000)]
    statistics_requests: i64,
    /// Run only the statistics phase (a fresh database per backend).
    #[arg(long)]
    only_statistics: bool,
    /// PostgreSQL server where the bench creates (and drops) its database.
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    pg_url: String,
}

struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn rss_kb(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// CPU time a process has used (user and system, all its threads), in seconds: `/proc/<pid>/stat`
/// fields 14 and 15, in clock ticks of 1/100 s (`USER_HZ` on Linux).
fn cpu_secs(pid: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The fields after the command name, which is in parentheses and may hold spaces.
    let after = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or_default();
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

/// How long the bench's HTTP client keeps a connection idle. It drops one after 2 s, before the server's
/// keep-alive (actix's default, 5 s) closes it: reused after the server closed it (after a
/// phase without HTTP, such as the raw baselines), a request got no answer at all (status 0),
/// once per run. A client must not keep a connection idle longer than its server does.
const CLIENT_KEEP_ALIVE: Duration = Duration::from_secs(2);

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

/// The bench runs the server as a second process of its own binary (`rogatory-bench serve`,
/// the same code as `rogatory serve`), so `cargo run --release --bin rogatory-bench` is enough.
fn server_binary() -> PathBuf {
    std::env::current_exe().expect("own path")
}

/// The key-encryption key of every process and state the bench starts (a bench-only value).
const BENCH_KEK: &str = "YmVuY2gtb25seS1rZXktZW5jcnlwdGlvbi1rZXkhISE=";

fn start_server(url: &str, data: &Path) -> Server {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(server_binary())
        .arg("serve")
        .env("DATABASE_URL", url)
        .env("ROGATORY_DATA_DIR", data)
        .env("ROGATORY_LISTEN", format!("127.0.0.1:{port}"))
        // One issuer for every server the bench starts on this database: tokens outlive a server.
        .env("ROGATORY_PUBLIC_URL", "http://bench.rogatory.invalid")
        // On PostgreSQL the signing keys live in the database, sealed with it.
        .env("ROGATORY_KEY_ENCRYPTION_KEY", BENCH_KEK)
        .env("ROGATORY_BACKGROUND", "off")
        .env("ROGATORY_MAX_ATTACHMENT_BYTES", (256u64 << 20).to_string())
        .env("ROGATORY_DB_POOL_SIZE", "16")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the server");
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed() < Duration::from_secs(60), "the server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Server { child, port }
}

fn cli(url: &str, data: &Path, args: &[&str]) -> Value {
    let out = Command::new(server_binary())
        .args(args)
        .env("DATABASE_URL", url)
        .env("ROGATORY_DATA_DIR", data)
        .env("ROGATORY_KEY_ENCRYPTION_KEY", BENCH_KEK)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

struct Api {
    client: awc::Client,
    base: String,
}

impl Api {
    async fn call(&self, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> (u16, Value) {
        let mut req = self.client.request(method.parse().unwrap(), format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.insert_header(("authorization", format!("Bearer {t}")));
        }
        let res = match body {
            Some(b) => req.send_json(&b).await,
            None => req.send().await,
        };
        match res {
            Ok(mut r) => {
                let status = r.status().as_u16();
                let body = r.body().limit(10 << 20).await.unwrap_or_default();
                (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
            }
            Err(_) => (0, Value::Null),
        }
    }

    async fn token(&self, id: &str, secret: &str) -> String {
        let mut r = self
            .client
            .post(format!("{}/v1/oauth/token", self.base))
            .send_form(&[("grant_type", "client_credentials"), ("client_id", id), ("client_secret", secret)])
            .await
            .unwrap();
        let v: Value = r.json().await.unwrap();
        v["access_token"].as_str().unwrap().to_owned()
    }
}

fn preservation() -> Value {
    json!({"legal_basis": "coe_budapest_29", "priority": "urgent", "addressee": {"country": "DE"}, "content": {
        "issuing_authority": "OCLCTIC 24/7", "offences": ["Trafficking in human beings"], "facts_summary": "Recruitment through fake job offers.",
        "targets": [{"type": "email", "value": "recruiter@example-mail.de"}], "data_categories": ["subscriber", "traffic"],
        "custodian": "Example Mail GmbH", "preservation_necessity": "Logs kept 90 days.", "mla_intent": true}})
}

struct World {
    admin: String,
    fr: String,
    de: String,
    fr_party: String,
    de_party: String,
}

async fn world(api: &Api, url: &str, data: &Path) -> World {
    let boot = cli(url, data, &["admin", "bootstrap"]);
    let admin = api.token(boot["client_id"].as_str().unwrap(), boot["client_secret"].as_str().unwrap()).await;
    let mut out = vec![];
    for (name, country) in [("FR 24/7", "FR"), ("DE 24/7", "DE")] {
        let (_, party) = api
            .call("POST", "/v1/parties", Some(&admin), Some(json!({"kind": "state_authority", "name": name, "country": country,
                "designations": ["contact_point_24_7"], "accepted_legal_bases": ["coe_budapest_29"], "notification_emails": ["desk@example.org"]})))
            .await;
        let id = party["id"].as_str().unwrap().to_owned();
        api.call("POST", &format!("/v1/parties/{id}/verify"), Some(&admin), None).await;
        let (_, client) = api
            .call(
                "POST",
                &format!("/v1/parties/{id}/clients"),
                Some(&admin),
                Some(json!({"name": "bench", "roles": ["operator", "responder"]})),
            )
            .await;
        let token = api.token(client["client_id"].as_str().unwrap(), client["client_secret"].as_str().unwrap()).await;
        out.push((id, token));
    }
    World { admin, fr_party: out[0].0.clone(), fr: out[0].1.clone(), de_party: out[1].0.clone(), de: out[1].1.clone() }
}

/// Closed loop: `concurrency` clients create and submit requests for `duration`.
async fn create_and_submit(
    api: Rc<Api>,
    token: Rc<String>,
    concurrency: usize,
    duration: Duration,
    pid: u32,
) -> (f64, Vec<Duration>, u64, u64, (f64, f64)) {
    let cpu_before = (cpu_secs(&pid.to_string()), cpu_secs("self"));
    let latencies = Rc::new(RefCell::new(Vec::new()));
    let errors = Rc::new(RefCell::new(0u64));
    let peak = Rc::new(RefCell::new(0u64));
    let deadline = Instant::now() + duration;
    let started = Instant::now();
    let mut tasks = vec![];
    for _ in 0..concurrency {
        let (api, token, latencies, errors) = (api.clone(), token.clone(), latencies.clone(), errors.clone());
        tasks.push(actix_web::rt::spawn(async move {
            while Instant::now() < deadline {
                let t = Instant::now();
                let (s, created) = api.call("POST", "/v1/requests", Some(&token), Some(preservation())).await;
                let failure = if s == 201 {
                    let id = created["id"].as_str().unwrap_or_default();
                    let (s, answer) =
                        api.call("POST", &format!("/v1/requests/{id}/submit"), Some(&token), Some(json!({}))).await;
                    (s != 200).then(|| format!("submit {s} {answer}"))
                } else {
                    Some(format!("create {s} {created}"))
                };
                match failure {
                    None => latencies.borrow_mut().push(t.elapsed()),
                    Some(why) => {
                        // Every failure is named: a count alone hides whether it was the server.
                        eprintln!("bench: create+submit failed: {why}");
                        *errors.borrow_mut() += 1;
                    }
                }
            }
        }));
    }
    let sampler = {
        let peak = peak.clone();
        actix_web::rt::spawn(async move {
            while Instant::now() < deadline {
                let now = rss_kb(pid, "VmRSS:");
                {
                    let mut p = peak.borrow_mut();
                    *p = (*p).max(now);
                }
                actix_web::rt::time::sleep(Duration::from_millis(200)).await;
            }
        })
    };
    for t in tasks {
        let _ = t.await;
    }
    let _ = sampler.await;
    let elapsed = started.elapsed().as_secs_f64();
    let mut l = latencies.borrow().clone();
    l.sort();
    let rate = l.len() as f64 / elapsed;
    let errors = *errors.borrow();
    let peak = *peak.borrow();
    // CPU milliseconds per pair, the server's and the bench's own (its clients): on a machine
    // whose cores they share, together they bound the rate.
    let pairs = l.len().max(1) as f64;
    let cpu = (
        1000.0 * (cpu_secs(&pid.to_string()) - cpu_before.0) / pairs,
        1000.0 * (cpu_secs("self") - cpu_before.1) / pairs,
    );
    (rate, l, errors, peak, cpu)
}

/// Open loop: one request every 1/rate seconds, whatever the answers take.
async fn fixed_rate(
    api: Rc<Api>,
    token: Rc<String>,
    path: String,
    rate: u64,
    duration: Duration,
) -> (f64, Vec<Duration>, u64) {
    let latencies = Rc::new(RefCell::new(Vec::new()));
    let errors = Rc::new(RefCell::new(0u64));
    let mut tick = actix_web::rt::time::interval(Duration::from_micros(1_000_000 / rate.max(1)));
    let started = Instant::now();
    let mut tasks = vec![];
    while started.elapsed() < duration {
        tick.tick().await;
        let (api, token, path, latencies, errors) =
            (api.clone(), token.clone(), path.clone(), latencies.clone(), errors.clone());
        tasks.push(actix_web::rt::spawn(async move {
            let t = Instant::now();
            let (s, _) = api.call("GET", &path, Some(&token), None).await;
            if s == 200 {
                latencies.borrow_mut().push(t.elapsed());
            } else {
                *errors.borrow_mut() += 1;
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    let achieved = latencies.borrow().len() as f64 / started.elapsed().as_secs_f64();
    let mut l = latencies.borrow().clone();
    l.sort();
    let errors = *errors.borrow();
    (achieved, l, errors)
}

/// Transactions per second of a pgbench script run by `concurrency` clients for `duration`.
fn pgbench_tps(script: &Path, url: &str, duration: Duration, concurrency: usize) -> f64 {
    let out = Command::new("pgbench")
        .args(["-n", "-c", &concurrency.to_string(), "-j", "2", "-T", &duration.as_secs().to_string(), "-f"])
        .arg(script)
        .arg(url)
        .output()
        .expect("pgbench (Debian postgresql-client)");
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find(|l| l.starts_with("tps = "))
        .and_then(|l| l.trim_start_matches("tps = ").split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("pgbench: {text}{}", String::from_utf8_lossy(&out.stderr)))
}

/// The raw insert rate of the same database: single-row committed inserts of a row like a request.
fn raw_insert_rate(backend: &str, url: &str, duration: Duration, concurrency: usize, scratch: &Path) -> f64 {
    let table =
        "CREATE TABLE IF NOT EXISTS bench_raw (id TEXT PRIMARY KEY, payload TEXT NOT NULL, created_at TEXT NOT NULL)";
    if backend == "postgres" {
        let mut conn = diesel::PgConnection::establish(url).unwrap();
        conn.batch_execute("CREATE TABLE IF NOT EXISTS bench_raw (id UUID PRIMARY KEY, payload JSONB NOT NULL, created_at TIMESTAMPTZ NOT NULL)").unwrap();
        let script = scratch.join("insert.sql");
        std::fs::write(&script, "INSERT INTO bench_raw (id, payload, created_at) VALUES (gen_random_uuid(), '{\"legal_basis\": \"coe_budapest_29\", \"content\": {\"facts\": \"x\"}}', now());\n").unwrap();
        pgbench_tps(&script, url, duration, concurrency)
    } else {
        let path = url.trim_start_matches("sqlite://").replace("rogatory.db", "raw.db");
        let mut conn = diesel::SqliteConnection::establish(&path).unwrap();
        conn.batch_execute("PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")
            .unwrap();
        conn.batch_execute(table).unwrap();
        let started = Instant::now();
        let mut n = 0u64;
        while started.elapsed() < duration {
            diesel::sql_query("INSERT INTO bench_raw (id, payload, created_at) VALUES (?, '{\"legal_basis\": \"coe_budapest_29\", \"content\": {\"facts\": \"x\"}}', ?)")
                .bind::<diesel::sql_types::Text, _>(uuid::Uuid::now_v7().to_string())
                .bind::<diesel::sql_types::Text, _>(chrono::Utc::now().to_rfc3339())
                .execute(&mut conn)
                .unwrap();
            n += 1;
        }
        n as f64 / started.elapsed().as_secs_f64()
    }
}

/// One upload by a plain blocking socket: the request's head, then the body in one write, as
/// `curl --data-binary` sends it. The new attachment's id (none unless 201) and how long until
/// the answer was read.
fn raw_upload(base: &str, path: &str, token: &str, body: &[u8]) -> (Option<String>, Duration) {
    use std::io::{Read, Write};
    let address = base.trim_start_matches("http://");
    let t = Instant::now();
    let answer = (|| {
        let mut socket = std::net::TcpStream::connect(address)?;
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        socket.write_all(head.as_bytes())?;
        socket.write_all(body)?;
        let mut answer = Vec::new();
        socket.read_to_end(&mut answer)?;
        Ok::<_, std::io::Error>(answer)
    })();
    let took = t.elapsed();
    let attachment = answer.ok().and_then(|answer| {
        let text = String::from_utf8_lossy(&answer).into_owned();
        let (head, json) = text.split_once("\r\n\r\n")?;
        if !head.starts_with("HTTP/1.1 201 ") {
            return None;
        }
        serde_json::from_str::<Value>(json).ok()?["id"].as_str().map(str::to_owned)
    });
    (attachment, took)
}

/// Evidence throughput (issue 16 item 4): one 100 MiB upload and its download, in MB/s beside
/// `dd` writing (with fdatasync, as the server syncs each attachment) and reading the same
/// number of bytes in the same data directory; then 16 concurrent 100 MiB uploads while the
/// server's resident memory is sampled (the body must stay a stream).
async fn evidence_throughput(
    api: Rc<Api>,
    token: &str,
    data: &Path,
    pid: u32,
    postgres: Option<&str>,
) -> Vec<(String, String)> {
    const SIZE: usize = 100 << 20;
    let mb = SIZE as f64 / 1e6;
    // `dd` writes the bytes the upload sends, from a file in the page cache: from /dev/urandom
    // it would time the kernel's random generator (about 400 MB/s here), not the disk.
    let source = data.join("dd-source.bin");
    let dd_file = data.join("dd.bin");
    let made = Command::new("dd")
        .args(["if=/dev/urandom", &format!("of={}", source.display()), "bs=1M", "count=100"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    let t = Instant::now();
    let dd_write = made
        && Command::new("dd")
            .args([
                &format!("if={}", source.display()),
                &format!("of={}", dd_file.display()),
                "bs=1M",
                "count=100",
                "conv=fdatasync",
            ])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
    let dd_write_rate = mb / t.elapsed().as_secs_f64();
    let _ = std::fs::remove_file(&source);
    let t = Instant::now();
    let dd_read = Command::new("dd")
        .args([&format!("if={}", dd_file.display()), "of=/dev/null", "bs=1M"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    let dd_read_rate = mb / t.elapsed().as_secs_f64();
    let body = actix_web::web::Bytes::from(std::fs::read(&dd_file).unwrap_or_else(|_| vec![7u8; SIZE]));
    let _ = std::fs::remove_file(&dd_file);
    // The ceiling of a download that checks its digest: SHA-256 of the same bytes, in memory, on
    // one core, with the same crate the server uses. A copy (`dd`) does not hash.
    let t = Instant::now();
    let digest = {
        use sha2::Digest;
        let mut hasher = sha2::Sha256::new();
        for chunk in body.chunks(64 << 10) {
            hasher.update(chunk);
        }
        hasher.finalize()
    };
    let hash_rate = mb / t.elapsed().as_secs_f64();
    std::hint::black_box(digest);
    // The ceiling of an upload that checks its digest, before HTTP and the store: the same bytes
    // sent over a loopback TCP connection by one thread and received and hashed by another, on
    // the same two cores, as the bench's client and the server share them.
    let wire_rate = {
        use sha2::Digest;
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let sent = body.clone();
        let t = Instant::now();
        let sender = std::thread::spawn(move || {
            let mut socket = std::net::TcpStream::connect(address).unwrap();
            socket.write_all(&sent).unwrap();
        });
        let (mut socket, _) = listener.accept().unwrap();
        let mut hasher = sha2::Sha256::new();
        let mut buffer = vec![0u8; 64 << 10];
        loop {
            let n = socket.read(&mut buffer).unwrap();
            if n == 0 {
                break;
            }
            hasher.update(&buffer[..n]);
        }
        sender.join().unwrap();
        std::hint::black_box(hasher.finalize());
        mb / t.elapsed().as_secs_f64()
    };
    // On PostgreSQL, the ceiling of the `postgres` store: the same bytes written straight into a
    // table shaped as `attachment_chunks` (512 KiB rows, stored out of line, uncompressed), in one
    // transaction, by one connection with binary binds. The database writes every byte twice
    // (its write-ahead log, then the table) where `dd` writes it once.
    let raw_postgres_rate = postgres.map(|url| {
        use diesel::sql_types::{Binary, Integer};
        let mut conn = diesel::PgConnection::establish(url).unwrap();
        conn.batch_execute(
            "CREATE TABLE bench_chunks (seq INTEGER PRIMARY KEY, bytes BYTEA NOT NULL);
             ALTER TABLE bench_chunks ALTER COLUMN bytes SET STORAGE EXTERNAL;",
        )
        .unwrap();
        let t = Instant::now();
        conn.transaction::<_, diesel::result::Error, _>(|conn| {
            for (seq, chunk) in body.chunks(512 << 10).enumerate() {
                diesel::sql_query("INSERT INTO bench_chunks (seq, bytes) VALUES ($1, $2)")
                    .bind::<Integer, _>(seq as i32)
                    .bind::<Binary, _>(chunk)
                    .execute(conn)?;
            }
            Ok(())
        })
        .unwrap();
        let rate = mb / t.elapsed().as_secs_f64();
        conn.batch_execute("DROP TABLE bench_chunks").unwrap();
        rate
    });
    let (_, created) = api.call("POST", "/v1/requests", Some(token), Some(preservation())).await;
    let id = created["id"].as_str().unwrap_or_default().to_owned();
    api.call("POST", &format!("/v1/requests/{id}/submit"), Some(token), Some(json!({}))).await;
    // One of the 16 concurrent uploads: what went wrong, if it was not stored.
    let upload = |body: actix_web::web::Bytes| {
        let (api, token, id) = (api.clone(), token.to_owned(), id.clone());
        async move {
            let res = api
                .client
                .post(format!("{}/v1/requests/{id}/attachments?file_name=capture.bin", api.base))
                .insert_header(("authorization", format!("Bearer {token}")))
                .insert_header(("content-type", "application/octet-stream"))
                .timeout(Duration::from_secs(600))
                .send_body(body)
                .await;
            match res {
                Ok(r) if r.status().as_u16() == 201 => Ok(()),
                Ok(mut r) => {
                    let problem = r.json::<Value>().await.ok().and_then(|v| v["type"].as_str().map(str::to_owned));
                    Err(format!("{} {}", r.status().as_u16(), problem.unwrap_or_default()))
                }
                Err(e) => Err(e.to_string()),
            }
        }
    };
    // The single upload by a plain socket, as `curl --data-binary` sends it: the bench's own
    // HTTP client copies the body in small pieces on one of the two cores the server needs, and
    // measured 25-35 % slower than this with the same server.
    let (attachment, took) = {
        let (base, token, body) = (api.base.clone(), token.to_owned(), body.clone());
        let path = format!("/v1/requests/{id}/attachments?file_name=capture.bin");
        std::thread::spawn(move || raw_upload(&base, &path, &token, &body)).join().unwrap_or((None, Duration::MAX))
    };
    let upload_rate = mb / took.as_secs_f64();
    let mut download_rate = f64::NAN;
    if let Some(attachment) = &attachment {
        let t = Instant::now();
        let res = api
            .client
            .get(format!("{}/v1/attachments/{attachment}", api.base))
            .insert_header(("authorization", format!("Bearer {token}")))
            .timeout(Duration::from_secs(600))
            .send()
            .await;
        if let Ok(mut r) = res {
            let got = r.body().limit(SIZE + 1).await.map(|b| b.len()).unwrap_or(0);
            if got == SIZE {
                download_rate = mb / t.elapsed().as_secs_f64();
            }
        }
    }
    // 16 at once, memory sampled every 50 ms.
    let before = rss_kb(pid, "VmRSS:");
    let peak = Rc::new(RefCell::new(before));
    let done = Rc::new(RefCell::new(false));
    let sampler = {
        let (peak, done) = (peak.clone(), done.clone());
        actix_web::rt::spawn(async move {
            while !*done.borrow() {
                let now = rss_kb(pid, "VmRSS:");
                peak.replace_with(|p| (*p).max(now));
                actix_web::rt::time::sleep(Duration::from_millis(50)).await;
            }
        })
    };
    let t = Instant::now();
    let uploads: Vec<_> = (0..16).map(|_| actix_web::rt::spawn(upload(body.clone()))).collect();
    let mut stored = 0;
    let mut failures: Vec<String> = vec![];
    for u in uploads {
        match u.await {
            Ok(Ok(())) => stored += 1,
            Ok(Err(failure)) => failures.push(failure),
            Err(e) => failures.push(e.to_string()),
        }
    }
    let concurrent_rate = 16.0 * mb / t.elapsed().as_secs_f64();
    *done.borrow_mut() = true;
    let _ = sampler.await;
    let growth_mb = (*peak.borrow()).saturating_sub(before) as f64 / 1024.0;
    vec![
        (
            "upload 100 MiB".into(),
            format!(
                "{upload_rate:.0} MB/s; dd write+fdatasync {dd_write_rate:.0} MB/s{}: {:.0}% (target ≥ 50%); sent over loopback TCP and hashed, no HTTP, no store, {wire_rate:.0} MB/s ({:.0}% of dd): the upload reaches {:.0}% of it{}",
                if dd_write { "" } else { " (dd failed)" },
                100.0 * upload_rate / dd_write_rate,
                100.0 * wire_rate / dd_write_rate,
                100.0 * upload_rate / wire_rate,
                raw_postgres_rate.map_or(String::new(), |raw| format!(
                    "; PostgreSQL itself, the same bytes as 512 KiB rows in one transaction, {raw:.0} MB/s ({:.0}% of dd): the upload reaches {:.0}% of it",
                    100.0 * raw / dd_write_rate,
                    100.0 * upload_rate / raw
                ))
            ),
        ),
        (
            "download 100 MiB".into(),
            format!(
                "{download_rate:.0} MB/s; dd read {dd_read_rate:.0} MB/s{}: {:.0}% (target ≥ 50%); SHA-256 of the same bytes in memory {hash_rate:.0} MB/s ({:.0}% of dd): the download reaches {:.0}% of it",
                if dd_read { "" } else { " (dd failed)" },
                100.0 * download_rate / dd_read_rate,
                100.0 * hash_rate / dd_read_rate,
                100.0 * download_rate / hash_rate
            ),
        ),
        (
            "16 concurrent 100 MiB uploads".into(),
            format!(
                "{stored}/16 stored{}, {concurrent_rate:.0} MB/s together; server memory grew {growth_mb:.1} MB (target < 64 MB)",
                if failures.is_empty() { String::new() } else { format!(" (failed: {})", failures.join("; ")) }
            ),
        ),
    ]
}

/// The same rows a create and a submit write (request, participants, list rows, events, signed
/// checkpoints and document, clock, notification, job, reference counter), written by raw SQL
/// in the same two transactions, as fast as the database takes them: the real limit a
/// create+submit through the API is measured against (issue 16 item 3). pgbench on PostgreSQL
/// (as many clients as the API phase), a direct loop on SQLite (one writer). The list rows
/// follow the participants and the status by trigger (migration 000024), as they do for the API.
fn raw_lifecycle_rate(
    backend: &str,
    url: &str,
    w: &World,
    duration: Duration,
    concurrency: usize,
    scratch: &Path,
) -> (f64, Option<f64>) {
    let (fr, de) = (&w.fr_party, &w.de_party);
    let jws = "x".repeat(1400);
    let content = preservation()["content"].to_string().replace('\'', "''");
    // {rid}, {eid1}, {eid2}, {cid}, {nid}, {jid}, {did}, {now}: filled per backend.
    let create = format!(
        "BEGIN;
UPDATE reference_counters SET last = last + 1 WHERE country = 'ZZ' AND year = 2026;
INSERT INTO requests (id, reference, legal_basis, kind, priority, status, issuer_party, addressee_party, content, drafted_by, extensions_used, version, created_at, updated_at)
  VALUES ({{rid}}, 'RAW-' || {{rid}}, 'coe_budapest_29', 'preservation', 'urgent', 'draft', '{fr}', '{de}', '{content}', '{fr}', 0, 1, {{now}}, {{now}});
INSERT INTO request_participants (request_id, party_id, role, added_at) VALUES ({{rid}}, '{fr}', 'issuer', {{now}}), ({{rid}}, '{de}', 'addressee', {{now}});
INSERT INTO request_events (id, request_id, seq, occurred_at, actor_client, actor_party, event_type, data, prev_hash, hash)
  VALUES ({{eid1}}, {{rid}}, 1, {{now}}, NULL, '{fr}', 'request.created', '{{\"legal_basis\": \"coe_budapest_29\"}}', '{zero}', '{zero}');
INSERT INTO event_checkpoints (request_id, seq, kid, jws) VALUES ({{rid}}, 1, 'k1', '{jws}');
COMMIT;
",
        zero = "0".repeat(64)
    );
    let submit = format!(
        "BEGIN;
UPDATE requests SET status = 'submitted', submitted_at = {{now}}, version = version + 1, updated_at = {{now}} WHERE id = {{rid}} AND version = 1;
INSERT INTO clocks (id, request_id, party_id, kind, obligation_of, state, started_at, due_at, span_secs, binding, emergency, pauses_on_clarification, citation, next_reminder_at, created_at, updated_at)
  VALUES ({{cid}}, {{rid}}, '{de}', 'acknowledge', 'addressee', 'running', {{now}}, {{now}}, 86400, {{false}}, {{false}}, {{false}}, 'bench', {{now}}, {{now}}, {{now}});
INSERT INTO request_events (id, request_id, seq, occurred_at, actor_client, actor_party, event_type, data, prev_hash, hash)
  VALUES ({{eid2}}, {{rid}}, 2, {{now}}, NULL, '{fr}', 'request.submitted', '{{\"addressee\": \"{de}\"}}', '{zero}', '{zero}');
INSERT INTO notifications (id, party_id, request_id, event_type, summary, data, created_at)
  VALUES ({{nid}}, '{de}', {{rid}}, 'request.submitted', 'A request was submitted to you', '{{}}', {{now}});
INSERT INTO jobs (id, kind, payload, state, attempts, max_attempts, run_at, created_at, updated_at)
  VALUES ({{jid}}, 'email', '{{\"to\": \"desk@example.org\"}}', 'queued', 0, 8, {{now}}, {{now}}, {{now}});
INSERT INTO event_checkpoints (request_id, seq, kid, jws) VALUES ({{rid}}, 2, 'k1', '{jws}');
INSERT INTO request_documents (id, request_id, kind, event_seq, kid, jws, created_at) VALUES ({{did}}, {{rid}}, 'request', 2, 'k1', '{jws}', {{now}});
COMMIT;
",
        zero = "0".repeat(64)
    );
    let setup = "INSERT INTO reference_counters (country, year, last) VALUES ('ZZ', 2026, 0)";
    if backend == "postgres" {
        let mut conn = diesel::PgConnection::establish(url).unwrap();
        conn.batch_execute(setup).unwrap();
        let fill = |sql: &str| {
            sql.replace("{rid}", ":rid")
                .replace("{eid1}", "gen_random_uuid()")
                .replace("{eid2}", "gen_random_uuid()")
                .replace("{cid}", "gen_random_uuid()")
                .replace("{nid}", "gen_random_uuid()")
                .replace("{jid}", "gen_random_uuid()")
                .replace("{did}", "gen_random_uuid()")
                .replace("{now}", "now()")
                .replace("{true}", "true")
                .replace("{false}", "false")
                .replace("'RAW-' || :rid", "'RAW-' || :rid::text")
        };
        // pgbench sends one statement per line: join each statement's lines.
        let one_per_line = |sql: String| sql.replace("\n  ", " ");
        let script = scratch.join("lifecycle.sql");
        std::fs::write(
            &script,
            format!(
                "SELECT gen_random_uuid() AS rid \\gset\n{}{}",
                one_per_line(fill(&create)),
                one_per_line(fill(&submit))
            )
            .replace(":rid", "':rid'::uuid"),
        )
        .unwrap();
        (pgbench_tps(&script, url, duration, concurrency), None)
    } else {
        let path = url.trim_start_matches("sqlite://");
        let mut conn = diesel::SqliteConnection::establish(path).unwrap();
        conn.batch_execute("PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")
            .unwrap();
        conn.batch_execute(setup).unwrap();
        let now = "'2026-12-01 08:00:00.000000+00:00'";
        let cpu_before = cpu_secs("self");
        let started = Instant::now();
        let mut n = 0u64;
        while started.elapsed() < duration {
            let id = |_| format!("'{}'", uuid::Uuid::now_v7());
            let rid = id(0);
            for sql in [&create, &submit] {
                let sql = sql
                    .replace("BEGIN;", "BEGIN IMMEDIATE;")
                    .replace("{rid}", &rid)
                    .replace("{eid1}", &id(1))
                    .replace("{eid2}", &id(2))
                    .replace("{cid}", &id(3))
                    .replace("{nid}", &id(4))
                    .replace("{jid}", &id(5))
                    .replace("{did}", &id(6))
                    .replace("{now}", now)
                    .replace("{true}", "1")
                    .replace("{false}", "0");
                conn.batch_execute(&sql).unwrap_or_else(|e| panic!("raw lifecycle: {e}"));
            }
            n += 1;
        }
        let rate = n as f64 / started.elapsed().as_secs_f64();
        (rate, Some(1000.0 * (cpu_secs("self") - cpu_before) / n.max(1) as f64))
    }
}

/// Seeds `n` stored requests from the French to the German party (which thus holds them all, as a
/// large platform would), each with its participants and list rows, a running clock due in a
/// year (`mark_due` makes some due now) and the German party's notification of it, read.
fn seed(conn: &mut rogatory::db::AnyConnection, backend: &str, w: &World, start: i64, n: i64) {
    let (issuer, addressee) = (&w.fr_party, &w.de_party);
    let sql = if backend == "postgres" {
        format!(
            "INSERT INTO requests (id, reference, legal_basis, kind, priority, status, issuer_party, addressee_party, content, drafted_by, extensions_used, version, created_at, updated_at)
             SELECT md5('r' || g)::uuid, 'ZZ-2026-' || g, 'coe_budapest_29', 'preservation', 'normal', 'submitted', '{issuer}', '{addressee}', '{{}}'::jsonb, '{issuer}', 0, 1, now(), now()
             FROM generate_series({start}, {end}) g;
             -- A bulk load: the list rows written in one statement, not by a trigger per
             -- participant (session_replication_role = replica skips triggers, for this
             -- session only; the rows are what the triggers would write).
             SET session_replication_role = replica;
             INSERT INTO request_participants (request_id, party_id, role, added_at)
             SELECT md5('r' || g)::uuid, p, r, now() FROM generate_series({start}, {end}) g,
               (VALUES ('{issuer}'::uuid, 'issuer'), ('{addressee}'::uuid, 'addressee')) AS v(p, r);
             INSERT INTO party_requests (party_id, request_id, outgoing, status, priority, legal_basis, kind)
             SELECT p, md5('r' || g)::uuid, o, 'submitted', 'normal', 'coe_budapest_29', 'preservation' FROM generate_series({start}, {end}) g,
               (VALUES ('{issuer}'::uuid, true), ('{addressee}'::uuid, false)) AS v(p, o);
             RESET session_replication_role;
             INSERT INTO clocks (id, request_id, party_id, kind, obligation_of, state, started_at, due_at, span_secs, binding, emergency, pauses_on_clarification, citation, next_reminder_at, created_at, updated_at)
             SELECT md5('c' || g)::uuid, md5('r' || g)::uuid, '{addressee}', 'respond', 'addressee', 'running', now(), now() + interval '365 days', 31536000, false, false, false, 'bench', now() + interval '180 days', now(), now()
             FROM generate_series({start}, {end}) g;
             INSERT INTO notifications (id, party_id, request_id, event_type, summary, data, created_at, read_at)
             SELECT md5('n' || g)::uuid, '{addressee}', md5('r' || g)::uuid, 'request.submitted', 'A request was submitted to you', '{{}}'::jsonb, now(), now()
             FROM generate_series({start}, {end}) g;",
            end = start + n - 1
        )
    } else {
        let fmt = "printf('%08x-0000-7000-8000-%012x', {p}, n)";
        let (rid, cid, nid) = (fmt.replace("{p}", "1"), fmt.replace("{p}", "2"), fmt.replace("{p}", "3"));
        format!(
            "WITH RECURSIVE s(n) AS (SELECT {start} UNION ALL SELECT n + 1 FROM s WHERE n < {end})
             INSERT INTO requests (id, reference, legal_basis, kind, priority, status, issuer_party, addressee_party, content, drafted_by, extensions_used, version, created_at, updated_at)
             SELECT {rid}, 'ZZ-2026-' || n, 'coe_budapest_29', 'preservation', 'normal', 'submitted', '{issuer}', '{addressee}', '{{}}', '{issuer}', 0, 1,
               '2026-11-30 00:00:00.000000+00:00', '2026-11-30 00:00:00.000000+00:00' FROM s;
             WITH RECURSIVE s(n) AS (SELECT {start} UNION ALL SELECT n + 1 FROM s WHERE n < {end})
             INSERT INTO request_participants (request_id, party_id, role, added_at)
             SELECT {rid}, p, r, '2026-11-30 00:00:00.000000+00:00' FROM s, (SELECT '{issuer}' AS p, 'issuer' AS r UNION ALL SELECT '{addressee}', 'addressee');
             WITH RECURSIVE s(n) AS (SELECT {start} UNION ALL SELECT n + 1 FROM s WHERE n < {end})
             INSERT INTO clocks (id, request_id, party_id, kind, obligation_of, state, started_at, due_at, span_secs, binding, emergency, pauses_on_clarification, citation, next_reminder_at, created_at, updated_at)
             SELECT {cid}, {rid}, '{addressee}', 'respond', 'addressee', 'running', '2026-11-30 00:00:00.000000+00:00', '2027-11-30 00:00:00.000000+00:00',
               31536000, 0, 0, 0, 'bench', '2027-06-01 00:00:00.000000+00:00', '2026-11-30 00:00:00.000000+00:00', '2026-11-30 00:00:00.000000+00:00' FROM s;
             WITH RECURSIVE s(n) AS (SELECT {start} UNION ALL SELECT n + 1 FROM s WHERE n < {end})
             INSERT INTO notifications (id, party_id, request_id, event_type, summary, data, created_at, read_at)
             SELECT {nid}, '{addressee}', {rid}, 'request.submitted', 'A request was submitted to you', '{{}}',
               '2026-11-30 00:00:00.000000+00:00', '2026-11-30 00:00:00.000000+00:00' FROM s;",
            end = start + n - 1
        )
    };
    conn.batch_execute(&sql).expect("seed");
    fresh_statistics(conn, backend);
}

/// Makes `due` more of the seeded clocks due: they started 200 days ago, so their half-way
/// reminder is due now, and the scan sends it (an event in the chain, the feed, the outbox), as
/// a real scan would. Clocks made due before are skipped.
fn mark_due(conn: &mut rogatory::db::AnyConnection, backend: &str, due: i64) {
    let ago = if backend == "postgres" {
        "now() - interval '200 days'".to_owned()
    } else {
        "'2026-05-14 00:00:00.000000+00:00'".to_owned()
    };
    let due_sql = format!(
        "UPDATE clocks SET started_at = {ago}, next_reminder_at = {ago} WHERE id IN (SELECT id FROM clocks WHERE citation = 'bench' AND state = 'running' AND started_at > {ago} ORDER BY id LIMIT {due})"
    );
    conn.batch_execute(&due_sql).expect("mark due");
}

/// PostgreSQL's statistics and visibility map brought up to date, as autovacuum does within its
/// naptime (a minute) of a bulk change and as a bulk load should (`VACUUM (ANALYZE)`): the bench
/// measures the steady state, not the minutes after a load in which the planner knows nothing
/// of the new rows and autovacuum works through them beside the measured phase. (SQLite keeps no
/// statistics unless asked: the exchange never asks, so neither does the bench.)
fn fresh_statistics(conn: &mut rogatory::db::AnyConnection, backend: &str) {
    if backend == "postgres" {
        conn.batch_execute("VACUUM (ANALYZE)").expect("vacuum analyze");
    }
}

/// Seeds `n` requests of the French party to the German one with their trail, by SQL: submitted
/// over 2025-2026 (day `g % 730`), one in four an EPOC and one in four an EPOC-PR, one in ten an
/// emergency, one in five notified to an enforcing authority; events created, submitted,
/// acknowledged (2 h), then answered (`g % 240` hours: fulfilled, refused with a reason, or no
/// data) or, one in fifty, withdrawn; a respond clock of 10 days closed by the answer.
fn seed_statistics(conn: &mut rogatory::db::AnyConnection, backend: &str, w: &World, n: i64) {
    let (fr, de) = (&w.fr_party, &w.de_party);
    let sql = if backend == "postgres" {
        format!(
            "CREATE TEMP TABLE s AS SELECT g, md5('s' || g)::uuid AS id,
               timestamptz '2025-01-01 00:00:00+00' + (g % 730) * interval '1 day' + (g % 86400) * interval '1 second' AS t,
               CASE g % 4 WHEN 0 THEN 'eu_epoc' WHEN 1 THEN 'eu_epoc_pr' ELSE 'coe_budapest_29' END AS basis,
               CASE g % 7 WHEN 4 THEN 'refused' WHEN 5 THEN 'refused' WHEN 6 THEN 'no_data' ELSE 'fulfilled' END AS outcome
             FROM generate_series(1, {n}) g;
             INSERT INTO requests (id, reference, legal_basis, kind, priority, status, issuer_party, addressee_party, enforcing_party, content, drafted_by, extensions_used, version, created_at, updated_at, submitted_at)
             SELECT id, 'ST-' || g, basis, CASE basis WHEN 'eu_epoc' THEN 'production' ELSE 'preservation' END,
               CASE WHEN g % 10 = 0 THEN 'emergency' ELSE 'normal' END, 'responded', '{fr}', '{de}',
               CASE WHEN g % 5 = 0 THEN '{de}'::uuid END,
               jsonb_build_object('data_categories', jsonb_build_array(CASE g % 3 WHEN 0 THEN 'subscriber' WHEN 1 THEN 'traffic' ELSE 'content' END)),
               '{fr}', 0, 1, t - interval '1 hour', t, t FROM s;
             INSERT INTO request_participants (request_id, party_id, role, added_at)
             SELECT id, p, r, t FROM s, (VALUES ('{fr}'::uuid, 'issuer'), ('{de}'::uuid, 'addressee')) AS v(p, r);
             INSERT INTO request_events (id, request_id, seq, occurred_at, actor_party, event_type, data, prev_hash, hash)
             SELECT md5('e' || g || '-' || k)::uuid, id, k,
               CASE k WHEN 1 THEN t - interval '1 hour' WHEN 2 THEN t WHEN 3 THEN t + interval '2 hours' ELSE t + (2 + g % 240) * interval '1 hour' END,
               '{fr}',
               CASE k WHEN 1 THEN 'request.created' WHEN 2 THEN 'request.submitted' WHEN 3 THEN 'request.acknowledged'
                 ELSE CASE WHEN g % 50 = 0 THEN 'request.withdrawn' ELSE 'request.responded' END END,
               CASE WHEN k = 4 AND g % 50 <> 0 THEN jsonb_build_object('outcome', outcome, 'refusal_reason',
                 CASE WHEN outcome = 'refused' THEN CASE g % 2 WHEN 0 THEN 'fundamental_rights' ELSE 'insufficient_information' END END)
                 ELSE '{{}}'::jsonb END,
               'bench', 'bench' FROM s, generate_series(1, 4) k;
             INSERT INTO clocks (id, request_id, party_id, kind, obligation_of, state, started_at, due_at, closed_at, span_secs, binding, emergency, pauses_on_clarification, citation, next_reminder_at, created_at, updated_at)
             SELECT md5('k' || g)::uuid, id, '{de}', 'respond', 'addressee', 'met', t, t + interval '10 days', t + (2 + g % 240) * interval '1 hour',
               864000, true, false, false, 'bench', NULL, t, t FROM s;
             DROP TABLE s;"
        )
    } else {
        let id = |p: u32| format!("printf('%08x-0000-7000-8000-%012x', {p}, n)");
        let t = "strftime('%Y-%m-%d %H:%M:%S', '2025-01-01', '+' || (n % 730) || ' days', '+' || (n % 86400) || ' seconds')";
        let at = |shift: &str| format!("strftime('%Y-%m-%d %H:%M:%S', t, '{shift}') || '.000000+00:00'");
        let (rid, eid, cid) = (id(3), "printf('%08x-0000-7000-8000-%012x', 4 + k, n)".to_owned(), id(9));
        format!(
            "CREATE TEMP TABLE s AS WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < {n})
               SELECT n, {rid} AS id, {t} AS t,
               CASE n % 4 WHEN 0 THEN 'eu_epoc' WHEN 1 THEN 'eu_epoc_pr' ELSE 'coe_budapest_29' END AS basis,
               CASE n % 7 WHEN 4 THEN 'refused' WHEN 5 THEN 'refused' WHEN 6 THEN 'no_data' ELSE 'fulfilled' END AS outcome FROM c;
             INSERT INTO requests (id, reference, legal_basis, kind, priority, status, issuer_party, addressee_party, enforcing_party, content, drafted_by, extensions_used, version, created_at, updated_at, submitted_at)
             SELECT id, 'ST-' || n, basis, CASE basis WHEN 'eu_epoc' THEN 'production' ELSE 'preservation' END,
               CASE WHEN n % 10 = 0 THEN 'emergency' ELSE 'normal' END, 'responded', '{fr}', '{de}',
               CASE WHEN n % 5 = 0 THEN '{de}' END,
               json_object('data_categories', json_array(CASE n % 3 WHEN 0 THEN 'subscriber' WHEN 1 THEN 'traffic' ELSE 'content' END)),
               '{fr}', 0, 1, {created}, {now}, {now} FROM s;
             INSERT INTO request_participants (request_id, party_id, role, added_at)
             SELECT id, p, r, {now} FROM s, (SELECT '{fr}' AS p, 'issuer' AS r UNION ALL SELECT '{de}', 'addressee');
             WITH k(k) AS (VALUES (1), (2), (3), (4))
             INSERT INTO request_events (id, request_id, seq, occurred_at, actor_party, event_type, data, prev_hash, hash)
             SELECT {eid}, id, k,
               CASE k WHEN 1 THEN {created} WHEN 2 THEN {now} WHEN 3 THEN {ack} ELSE {answer} END,
               '{fr}',
               CASE k WHEN 1 THEN 'request.created' WHEN 2 THEN 'request.submitted' WHEN 3 THEN 'request.acknowledged'
                 ELSE CASE WHEN n % 50 = 0 THEN 'request.withdrawn' ELSE 'request.responded' END END,
               CASE WHEN k = 4 AND n % 50 <> 0 THEN json_object('outcome', outcome, 'refusal_reason',
                 CASE WHEN outcome = 'refused' THEN CASE n % 2 WHEN 0 THEN 'fundamental_rights' ELSE 'insufficient_information' END END)
                 ELSE '{{}}' END,
               'bench', 'bench' FROM s, k;
             INSERT INTO clocks (id, request_id, party_id, kind, obligation_of, state, started_at, due_at, closed_at, span_secs, binding, emergency, pauses_on_clarification, citation, next_reminder_at, created_at, updated_at)
             SELECT {cid}, id, '{de}', 'respond', 'addressee', 'met', {now}, {due}, {answer}, 864000, 1, 0, 0, 'bench', NULL, {now}, {now} FROM s;
             DROP TABLE s;",
            created = at("-1 hours"),
            now = at("+0 seconds"),
            ack = at("+2 hours"),
            due = at("+10 days"),
            answer = "strftime('%Y-%m-%d %H:%M:%S', t, '+' || (2 + n % 240) || ' hours') || '.000000+00:00'",
        )
    };
    conn.batch_execute(&sql).expect("seed the statistics history");
}

/// The statistics phase: `n` requests seeded with their trail, their summary rebuilt from it,
/// then the yearly Art 28 report and a party's month of figures through a fresh server, timed,
/// with the server's peak memory and the plans of the summary's selections.
fn statistics_phase(backend: &str, url: &str, data: &Path, w: &World, n: i64, repeats: usize) -> Vec<(String, String)> {
    let mut rows = vec![];
    let mut conn = rogatory::db::DbUrl::parse(url).unwrap().connect().unwrap();
    eprintln!("   statistics: seeding {n} requests with their trail");
    let t = Instant::now();
    seed_statistics(&mut conn, backend, w, n);
    let seeded = t.elapsed();
    eprintln!("   statistics: rebuilding the summary from the trail");
    let rebuilt = rogatory::statistics::summary::rebuild(&mut conn, chrono::Utc::now()).expect("rebuild");
    rows.push((
        format!("statistics: seed {n} requests (4 events, 1 clock each) by SQL; rebuild the summary from the trail"),
        format!(
            "seeded in {:.0} s; rebuilt {} rows from {} requests in {:.0} s",
            seeded.as_secs_f64(),
            rebuilt.rows,
            rebuilt.requests,
            rebuilt.seconds
        ),
    ));
    if backend == "postgres" {
        // What autovacuum would do after a bulk load, now rather than at its leisure.
        conn.batch_execute("ANALYZE").unwrap();
    }
    let server = start_server(url, data);
    std::thread::sleep(Duration::from_millis(300));
    let pid = server.child.id();
    let port = server.port;
    let calls: Vec<(String, String, &str, &str)> = vec![
        (
            "Art 28 report, 2026, exchange-wide".into(),
            w.admin.clone(),
            "/v1/statistics/reports/eu-2023-1543-art28?year=2026",
            "application/json",
        ),
        (
            "Art 28 report, 2026, the party, CSV".into(),
            w.fr.clone(),
            "/v1/statistics/reports/eu-2023-1543-art28?year=2026",
            "text/csv",
        ),
        (
            "/v1/statistics, the party, one month".into(),
            w.fr.clone(),
            "/v1/statistics?from=2026-03-01T00:00:00Z&to=2026-04-01T00:00:00Z",
            "application/json",
        ),
        (
            "/v1/statistics, the party, one month on completion".into(),
            w.fr.clone(),
            "/v1/statistics?from=2026-03-01T00:00:00Z&to=2026-04-01T00:00:00Z&period_of=completed",
            "application/json",
        ),
    ];
    let timings = actix_web::rt::System::new().block_on(async {
        let client = awc::Client::builder().timeout(Duration::from_secs(120)).finish();
        let mut out = vec![];
        for (label, token, path, accept) in calls {
            let mut times = vec![];
            let mut detail = String::new();
            for _ in 0..repeats {
                let t = Instant::now();
                let mut res = client
                    .get(format!("http://127.0.0.1:{port}{path}"))
                    .insert_header(("authorization", format!("Bearer {token}")))
                    .insert_header(("accept", accept))
                    .send()
                    .await
                    .expect("statistics call");
                let body = res.body().limit(64 << 20).await.unwrap_or_default();
                times.push(t.elapsed());
                let status = res.status().as_u16();
                detail = if accept == "text/csv" {
                    format!("{status}, {} lines", String::from_utf8_lossy(&body).lines().count())
                } else {
                    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                    let issued = v["totals"]["epoc_issued"].as_u64().or(v["totals"]["requests"].as_u64());
                    format!("{status}, {} requests or EPOCs counted", issued.unwrap_or(0))
                };
            }
            out.push((label, times, detail));
        }
        out
    });
    let peak = rss_kb(pid, "VmHWM:");
    drop(server);
    for (label, times, detail) in timings {
        let list: Vec<String> = times.iter().map(|t| format!("{:.2} s", t.as_secs_f64())).collect();
        rows.push((format!("statistics: {label}, {n} stored"), format!("{} ({detail})", list.join(", "))));
    }
    rows.push(("statistics: server peak resident memory".into(), format!("{} MB", peak / 1024)));
    let (from, to) = if backend == "postgres" {
        ("'2026-01-01 00:00:00+00'", "'2027-01-01 00:00:00+00'")
    } else {
        ("'2026-01-01 00:00:00.000000+00:00'", "'2027-01-01 00:00:00.000000+00:00'")
    };
    // The Art 28 report's two statements (statistics::repo::art28_groups): the groups of orders
    // it counts by, then the times of the executed EPOCs with data.
    let key =
        "legal_basis, priority, addressee_party, enforcing_party, data_categories, outcome, refusal_reason, withdrawn";
    let year = format!("submitted_at IS NOT NULL AND submitted_at >= {from} AND submitted_at < {to}");
    let groups = format!(
        "SELECT {key}, COUNT(*) FROM request_statistics WHERE {year} AND legal_basis IN ('eu_epoc', 'eu_epoc_pr')"
    );
    let times = format!(
        "SELECT {key}, submitted_at, data_at FROM request_statistics WHERE {year} AND legal_basis = 'eu_epoc' AND data_at IS NOT NULL AND outcome IN ('fulfilled', 'partially_fulfilled', 'preserved')"
    );
    let party = format!("issuer_party = '{}'", w.fr_party);
    let cols = "request_id, legal_basis, kind, priority, issuer_party, addressee_party, enforcing_party, data_categories, submitted_at, data_at, outcome, refusal_reason, withdrawn";
    for (label, q) in [
        ("Art 28, exchange-wide year, groups", format!("{groups} GROUP BY {key}")),
        ("Art 28, exchange-wide year, times to data", times.clone()),
        ("Art 28, the party's year, groups", format!("{groups} AND {party} GROUP BY {key}")),
        ("Art 28, the party's year, times to data", format!("{times} AND {party}")),
        (
            "/v1/statistics, the party's year on completion",
            format!(
                "SELECT {cols} FROM request_statistics WHERE submitted_at IS NOT NULL AND EXISTS (SELECT 1 FROM request_participants p WHERE p.request_id = request_statistics.request_id AND p.party_id = '{}') AND completed_at >= {from} AND completed_at < {to}",
                w.fr_party
            ),
        ),
    ] {
        rows.push((format!("statistics plan: {label}"), plan(&mut conn, backend, url, &q)));
    }
    rows
}

#[derive(diesel::QueryableByName)]
struct HashLine {
    #[diesel(sql_type = diesel::sql_types::Text)]
    hash: String,
}

/// What deconfliction adds to a submission of 20 targets with `n` target hashes stored (spread
/// over the `requests` seeded requests of the French party): the 20 HMACs, the one indexed `IN`
/// lookup (one of the 20 matches), and storing the 20 hashes, in a transaction rolled back so
/// every round sees the same table. The hit's events are not counted: each costs what any
/// event costs, and a hit is rare.
fn deconfliction(
    conn: &mut rogatory::db::AnyConnection,
    backend: &str,
    w: &World,
    requests: i64,
    n: i64,
    state: &rogatory::AppState,
) -> Vec<Row> {
    use diesel::Connection;
    let t = Instant::now();
    let issuer = &w.fr_party;
    let sql = if backend == "postgres" {
        format!(
            "INSERT INTO deconfliction_targets (hash, request_id, party_id, target_type, created_at)
             SELECT encode(sha256(('t' || g)::bytea), 'hex'), md5('r' || (1 + g % {requests}))::uuid, '{issuer}', 'phone', now()
             FROM generate_series(1, {n}) g;
             ANALYZE deconfliction_targets;"
        )
    } else {
        format!(
            "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {n})
             INSERT INTO deconfliction_targets (hash, request_id, party_id, target_type, created_at)
             SELECT lower(hex(randomblob(32))), printf('%08x-0000-7000-8000-%012x', 1, 1 + n % {requests}), '{issuer}', 'phone',
               '2026-11-30 00:00:00.000000+00:00' FROM s;"
        )
    };
    conn.batch_execute(&sql).expect("seed target hashes");
    let seeding = t.elapsed();
    let known: Vec<HashLine> =
        diesel::sql_query("SELECT hash FROM deconfliction_targets ORDER BY hash LIMIT 1").load(conn).unwrap();
    // A request that does not hold the known hash: the round's inserts must not collide with it.
    let some: Vec<HashLine> = diesel::sql_query(format!(
        "SELECT CAST(request_id AS TEXT) AS hash FROM deconfliction_targets WHERE request_id NOT IN \
         (SELECT request_id FROM deconfliction_targets WHERE hash = '{}') LIMIT 1",
        known[0].hash
    ))
    .load(conn)
    .unwrap();
    let some_request = uuid::Uuid::parse_str(&some[0].hash).unwrap();
    let party = uuid::Uuid::parse_str(&w.de_party).unwrap();
    let key = &state.tokens.keys.deconfliction;
    let mut times = vec![];
    let mut matched = 0;
    let mut planned = vec![];
    for round in 0..200 {
        let t = Instant::now();
        let mut hashes: Vec<String> =
            (0..19).map(|i| key.hash(&format!("phone\u{1f}\u{1f}+3361234{round:04}{i:02}"))).collect();
        hashes.push(known[0].hash.clone());
        if round == 0 {
            planned = hashes.clone();
        }
        let typed: Vec<(String, String)> = hashes.iter().map(|h| (h.clone(), "phone".to_owned())).collect();
        // Rolled back (the closure's error), so that every round sees the same table.
        let outcome = conn.transaction::<(), rogatory::error::ApiError, _>(|c| {
            matched = rogatory::requests::deconfliction::repo::matches(c, &hashes, party)?.len();
            rogatory::requests::deconfliction::repo::insert_targets(
                c,
                some_request,
                party,
                &typed,
                chrono::Utc::now(),
            )?;
            Err(rogatory::error::ApiError::not_found("rolled back"))
        });
        let why = outcome.err().and_then(|e| e.detail().map(str::to_owned));
        assert_eq!(why.as_deref(), Some("rolled back"), "the round failed");
        times.push(t.elapsed());
    }
    times.sort();
    // The plan of the lookup the exchange runs, as it builds it, with a round's 20 hashes bound.
    let plan = rogatory::requests::deconfliction::repo::lookup_plan(conn, &planned, party)
        .map(|lines| lines.join(" / "))
        .unwrap_or_else(|e| format!("no plan: {e}"));
    vec![Row(
        backend.to_owned(),
        format!("deconfliction: a 20-target submission against {n} stored hashes"),
        format!(
            "p50 {:.2} ms, p99 {:.2} ms added (target < 5 ms), {matched} match per round; seeded in {:.1} s; plan: {}",
            percentile(&times, 0.5),
            percentile(&times, 0.99),
            seeding.as_secs_f64(),
            plan.chars().take(160).collect::<String>()
        ),
    )]
}

#[derive(diesel::QueryableByName)]
struct PlanLine {
    #[diesel(sql_type = diesel::sql_types::Text)]
    detail: String,
}

/// The query plan of the scanner's selection, to show it uses the index.
fn scan_plan(conn: &mut rogatory::db::AnyConnection, backend: &str, url: &str) -> String {
    plan(
        conn,
        backend,
        url,
        "SELECT id FROM clocks WHERE next_reminder_at <= '2026-12-01 00:00:00+00' ORDER BY next_reminder_at LIMIT 500",
    )
}

/// The plans of the feed's page for a party, all and unread only: the very query the feed runs
/// (`notify::repo::feed_query`), binds included.
fn feed_plan(conn: &mut rogatory::db::AnyConnection, party: &str) -> String {
    let party = party.parse().unwrap();
    let page = rogatory::page::Page { limit: 50, after: None };
    let mut out = vec![];
    for (label, unread_only) in [("all", false), ("unread", true)] {
        let query = rogatory::notify::repo::feed_query(party, unread_only, &page);
        let lines = rogatory::db::explain::plan(conn, query).unwrap_or_default();
        out.push(format!("{label}: {}", first_line(lines.join(" / "))));
    }
    out.join(" | ")
}

/// The first two lines of a plan (` / ` between lines): where the walk starts.
fn first_line(plan: String) -> String {
    plan.split(" / ").take(2).collect::<Vec<_>>().join(" / ").chars().take(130).collect()
}

/// A request of the French party to the German one whose trail holds `events` events:
/// created, submitted, acknowledged, then messages of the German party. Answers its id and the
/// cursor of the trail's last page.
async fn request_with_events(api: &Api, w: &World, events: usize) -> (String, String) {
    let (_, created) = api.call("POST", "/v1/requests", Some(&w.fr), Some(preservation())).await;
    let id = created["id"].as_str().expect("request created").to_owned();
    let (s, _) = api.call("POST", &format!("/v1/requests/{id}/submit"), Some(&w.fr), Some(json!({}))).await;
    assert_eq!(s, 200, "submitted");
    let (s, _) = api.call("POST", &format!("/v1/requests/{id}/acknowledge"), Some(&w.de), Some(json!({}))).await;
    assert_eq!(s, 200, "acknowledged");
    for i in 3..events {
        let body = json!({"body": format!("Note {i} on the preserved accounts.")});
        let (s, answer) = api.call("POST", &format!("/v1/requests/{id}/messages"), Some(&w.de), Some(body)).await;
        assert_eq!(s, 201, "message {i}: {answer}");
    }
    // Walked a page at a time: the whole trail, and the cursor of its last page.
    let (mut seen, mut last_cursor, mut next) = (0, String::new(), None::<String>);
    loop {
        let path = match &next {
            Some(cursor) => format!("/v1/requests/{id}/events?cursor={cursor}"),
            None => format!("/v1/requests/{id}/events"),
        };
        let (s, page) = api.call("GET", &path, Some(&w.de), None).await;
        assert_eq!(s, 200, "{path}: {page}");
        seen += page["items"].as_array().map_or(0, Vec::len);
        match page["next_cursor"].as_str() {
            Some(cursor) => {
                last_cursor = cursor.to_owned();
                next = Some(last_cursor.clone());
            }
            None => break,
        }
    }
    assert_eq!(seen, events, "the trail");
    (id, last_cursor)
}

/// The plans of the list's page for a party's incoming requests, without and with a status (the
/// shape `requests::repo::list` builds: the page cut on the party's rows alone, its requests
/// then read by primary key).
fn list_plan(conn: &mut rogatory::db::AnyConnection, backend: &str, url: &str, party: &str) -> String {
    let page = |narrowed: &str| {
        format!(
            "SELECT p.request_id FROM party_requests p WHERE p.party_id = '{party}' \
             AND (p.outgoing OR p.status NOT IN ('draft', 'pending_approval')) AND {narrowed} \
             ORDER BY p.request_id DESC LIMIT 51"
        )
    };
    let first_two = |plan: String| plan.split(" / ").take(2).collect::<Vec<_>>().join(" / ");
    format!(
        "incoming: {} | with a status: {}",
        first_two(plan(conn, backend, url, &page("p.outgoing = false"))),
        first_two(plan(conn, backend, url, &page("(p.outgoing = false) = true AND p.status = 'acknowledged'")))
    )
}

fn plan(conn: &mut rogatory::db::AnyConnection, backend: &str, url: &str, q: &str) -> String {
    if backend == "postgres" {
        let out = Command::new("psql").args(["-Atc", &format!("EXPLAIN {q}"), url]).output();
        out.map(|o| String::from_utf8_lossy(&o.stdout).lines().map(str::trim).collect::<Vec<_>>().join(" / "))
            .unwrap_or_default()
    } else {
        let lines: Vec<PlanLine> = diesel::sql_query(format!("EXPLAIN QUERY PLAN {q}")).load(conn).unwrap_or_default();
        lines.into_iter().map(|l| l.detail).collect::<Vec<_>>().join(" / ")
    }
}

struct Row(String, String, String);

/// The bench's results as the README's table.
fn print_table(rows: Vec<Row>) {
    println!("\n| backend | measure | result |\n| --- | --- | --- |");
    for Row(b, m, r) in rows {
        println!("| {b} | {m} | {r} |");
    }
}

/// Drops the PostgreSQL database a run created (nothing on SQLite).
fn drop_database(pg_url: &str, name: Option<String>) {
    if let Some(name) = name {
        let mut admin = diesel::PgConnection::establish(pg_url).unwrap();
        let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    }
}

/// A fresh database for the bench: its URL, and the PostgreSQL database's name to drop after.
fn bench_database(backend: &str, pg_url: &str, data: &Path) -> (String, Option<String>) {
    if backend == "postgres" {
        let name = format!("rogatory_bench_{}", std::process::id());
        let mut admin = diesel::PgConnection::establish(pg_url).expect("PostgreSQL for the bench");
        admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name}")).unwrap();
        admin.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
        let base = pg_url.rsplit_once('/').unwrap().0;
        (format!("{base}/{name}"), Some(name))
    } else {
        (format!("sqlite://{}", data.join("rogatory.db").display()), None)
    }
}

fn main() {
    // `rogatory-bench serve` / `rogatory-bench admin …`: act as the server binary.
    let first = std::env::args().nth(1);
    if first.as_deref() == Some("serve") {
        let settings = rogatory::Settings::from_env().expect("settings");
        rogatory::telemetry::init(settings.log_format, &settings.log_filter);
        if let Err(e) = rogatory::app::serve(settings) {
            eprintln!("rogatory-bench serve: {e:#}");
            std::process::exit(1);
        }
        return;
    }
    if first.as_deref() == Some("admin") {
        let settings = rogatory::Settings::from_env().expect("settings");
        let credentials = rogatory::admin::bootstrap(&settings, "Rogatory exchange", None).expect("bootstrap");
        println!("{}", json!({"client_id": credentials.client_id, "client_secret": credentials.client_secret}));
        return;
    }
    let args = Args::parse();
    let mut rows: Vec<Row> = vec![];
    if args.only_statistics {
        for backend in &args.backends {
            let scratch = tempdir();
            let data = scratch.join("data");
            std::fs::create_dir_all(&data).unwrap();
            let (url, pg_db) = bench_database(backend, &args.pg_url, &data);
            eprintln!("== {backend}");
            let server = start_server(&url, &data);
            let w = actix_web::rt::System::new().block_on(async {
                let client = awc::Client::builder().timeout(Duration::from_secs(30)).finish();
                let api = Api { client, base: format!("http://127.0.0.1:{}", server.port) };
                world(&api, &url, &data).await
            });
            drop(server);
            for (measure, result) in statistics_phase(backend, &url, &data, &w, args.statistics_requests, 3) {
                rows.push(Row(backend.clone(), measure, result));
            }
            drop_database(&args.pg_url, pg_db);
            let _ = std::fs::remove_dir_all(&scratch);
        }
        print_table(rows);
        return;
    }
    for backend in &args.backends {
        let scratch = tempdir();
        let data = scratch.join("data");
        std::fs::create_dir_all(&data).unwrap();
        let (url, pg_db) = bench_database(backend, &args.pg_url, &data);
        eprintln!("== {backend}");
        let server = start_server(&url, &data);
        let pid = server.child.id();
        std::thread::sleep(Duration::from_millis(500));
        let idle = rss_kb(pid, "VmRSS:");
        let duration = Duration::from_secs(args.duration);
        let results = actix_web::rt::System::new().block_on(async {
            let client = awc::Client::builder()
                .timeout(Duration::from_secs(30))
                .connector(awc::Connector::new().limit(256).conn_keep_alive(CLIENT_KEEP_ALIVE))
                .finish();
            let api = Rc::new(Api { client, base: format!("http://127.0.0.1:{}", server.port) });
            let w = world(&api, &url, &data).await;
            eprintln!("   raw inserts ({}s)", args.duration);
            let raw = raw_insert_rate(backend, &url, duration, args.concurrency, &scratch);
            eprintln!("   raw create+submit rows in two transactions ({}s)", args.duration);
            let (raw_lifecycle, raw_lifecycle_cpu) =
                raw_lifecycle_rate(backend, &url, &w, duration, args.concurrency, &scratch);
            eprintln!("   create+submit ({}s, {} clients)", args.duration, args.concurrency);
            let (rate, lat, errors, peak, cpu) =
                create_and_submit(api.clone(), Rc::new(w.fr.clone()), args.concurrency, duration, pid).await;
            fresh_statistics(&mut rogatory::db::DbUrl::parse(&url).unwrap().connect().unwrap(), backend);
            let (_, some) = api.call("GET", "/v1/requests?direction=outgoing&limit=1", Some(&w.fr), None).await;
            let one = some["items"][0]["id"].as_str().unwrap_or_default().to_owned();
            let mut reads = vec![];
            for (label, token, path) in [
                ("GET /healthz (baseline)", w.de.clone(), "/healthz".to_owned()),
                ("GET /v1/requests/{id}", w.fr.clone(), format!("/v1/requests/{one}")),
                ("GET /v1/requests?direction=incoming", w.de.clone(), "/v1/requests?direction=incoming".to_owned()),
            ] {
                eprintln!("   {label} at {}/s", args.read_rate);
                let (achieved, l, e) = fixed_rate(api.clone(), Rc::new(token), path, args.read_rate, duration).await;
                reads.push((label, achieved, percentile(&l, 0.5), percentile(&l, 0.99), e));
            }
            eprintln!("   evidence: 100 MiB up and down, then 16 at once");
            let postgres = (backend == "postgres").then_some(url.as_str());
            let evidence = evidence_throughput(api.clone(), &w.fr, &data, pid, postgres).await;
            (w, raw, (raw_lifecycle, raw_lifecycle_cpu), rate, lat, errors, peak, cpu, reads, evidence)
        });
        let (w, raw, (raw_lifecycle, raw_lifecycle_cpu), rate, lat, errors, peak, cpu, reads, evidence) = results;
        for (measure, result) in evidence {
            rows.push(Row(backend.clone(), measure, result));
        }
        drop(server);
        rows.push(Row(backend.clone(), "raw single-row committed inserts".into(), format!("{raw:.0} rows/s")));
        rows.push(Row(
            backend.clone(),
            "raw SQL: the rows of a create+submit in its two transactions".into(),
            format!("{raw_lifecycle:.0} pairs/s"),
        ));
        rows.push(Row(
            backend.clone(),
            format!("create+submit ({} clients)", args.concurrency),
            format!(
                "{rate:.0} req/s, p50 {:.1} ms, p99 {:.1} ms, {errors} errors; {:.0}% of the raw two transactions (target ≥ 50%), {:.1}% of raw single-row inserts",
                percentile(&lat, 0.5),
                percentile(&lat, 0.99),
                100.0 * rate / raw_lifecycle,
                100.0 * rate / raw
            ),
        ));
        rows.push(Row(
            backend.clone(),
            "create+submit, CPU per pair".into(),
            format!(
                "server {:.2} ms, bench clients {:.2} ms: {:.2} ms of the machine's {} cores, at most {:.0} pairs/s on them{}",
                cpu.0,
                cpu.1,
                cpu.0 + cpu.1,
                std::thread::available_parallelism().map_or(1, |n| n.get()),
                1000.0 * std::thread::available_parallelism().map_or(1, |n| n.get()) as f64 / (cpu.0 + cpu.1),
                raw_lifecycle_cpu.map_or(String::new(), |c| format!("; the raw loop's SQLite work {c:.2} ms per pair"))
            ),
        ));
        for (label, achieved, p50, p99, e) in reads {
            rows.push(Row(
                backend.clone(),
                format!("{label} @ {}/s", args.read_rate),
                format!("{achieved:.0}/s done, p50 {p50:.2} ms, p99 {p99:.2} ms, {e} errors"),
            ));
        }
        rows.push(Row(
            backend.clone(),
            "resident memory".into(),
            format!("idle {} MB, peak under load {} MB", idle / 1024, peak / 1024),
        ));

        // The deadline scan, in process, over growing numbers of stored requests.
        let settings = rogatory::Settings::from_lookup(|k| match k {
            "DATABASE_URL" => Some(url.clone()),
            "ROGATORY_DATA_DIR" => Some(data.display().to_string()),
            // The same key-encryption key as the server it started: on PostgreSQL the signing
            // keys are in the database, sealed under it (issue 17).
            "ROGATORY_KEY_ENCRYPTION_KEY" => Some(BENCH_KEK.to_owned()),
            _ => None,
        })
        .unwrap();
        let state = rogatory::AppState::init(settings).unwrap();
        let mut conn = rogatory::db::DbUrl::parse(&url).unwrap().connect().unwrap();
        // The create+submit phase left clocks whose first reminder is due at once: they are
        // sent first, unmeasured, so that each measured scan finds the clocks seeded due for it
        // (`--due-clocks`) and no others.
        let drained = actix_web::rt::System::new().block_on(async {
            let mut drained = 0;
            for _ in 0..1000 {
                let report = rogatory::background::scanner::scan(&state, 1000).await.unwrap();
                drained += report.examined;
                if report.examined == 0 {
                    break;
                }
            }
            drained
        });
        eprintln!("bench: {backend}: {drained} clocks left due by the write phase, scanned before the scan phase");
        let mut stored = 0i64;
        for size in &args.scan_sizes {
            let t = Instant::now();
            seed(&mut conn, backend, &w, stored + 1, size - stored);
            let seeding = t.elapsed();
            stored = *size;
            let scan_plan = scan_plan(&mut conn, backend, &url);
            // Several scans, each of `--due-clocks` clocks made due just before it: one scan's
            // time swings with what the database is doing beside it (a checkpoint after the
            // bulk load, pages not yet cached), so the row gives the median and every time.
            let scans: Vec<(Duration, rogatory::background::scanner::ScanReport)> = (0..args.scan_repeats)
                .map(|_| {
                    mark_due(&mut conn, backend, args.due_clocks);
                    actix_web::rt::System::new().block_on(async {
                        let t = Instant::now();
                        let report = rogatory::background::scanner::scan(&state, 1000).await.unwrap();
                        (t.elapsed(), report)
                    })
                })
                .collect();
            // The German party has read its whole feed (a team that keeps up): its poll for
            // what is new walks nothing but the unread, however long its history.
            conn.batch_execute(&format!(
                "UPDATE notifications SET read_at = created_at WHERE party_id = '{}' AND read_at IS NULL",
                w.de_party
            ))
            .expect("feed read");
            fresh_statistics(&mut conn, backend);
            let first_size = stored == args.scan_sizes[0];
            // The lists at this size, through a fresh server (the German party holds them all).
            let (lists, events) = {
                let server = start_server(&url, &data);
                std::thread::sleep(Duration::from_millis(300));
                let port = server.port;
                let out = actix_web::rt::System::new().block_on(async {
                    let client = awc::Client::builder()
                        .timeout(Duration::from_secs(30))
                        .connector(awc::Connector::new().limit(256).conn_keep_alive(CLIENT_KEEP_ALIVE))
                        .finish();
                    let api = Rc::new(Api { client, base: format!("http://127.0.0.1:{port}") });
                    let mut out = vec![];
                    // A request's trail of 1,000 events (created, submitted, acknowledged, then
                    // messages), a page of it at a time: measured once, at the first size.
                    let events = if first_size { Some(request_with_events(&api, &w, 1000).await) } else { None };
                    let mut paths = vec![
                        "/v1/requests?direction=incoming".to_owned(),
                        "/v1/requests?direction=incoming&status=acknowledged".to_owned(),
                        "/v1/notifications".to_owned(),
                        "/v1/notifications?unread=true".to_owned(),
                    ];
                    // Its first page and its last: a page costs the same however deep.
                    if let Some((id, last)) = &events {
                        paths.push(format!("/v1/requests/{id}/events"));
                        paths.push(format!("/v1/requests/{id}/events?cursor={last}"));
                    }
                    for path in &paths {
                        let path = path.as_str();
                        // One second unmeasured first: the server just started, and its pool
                        // opens its database connections as the load asks for them (on
                        // PostgreSQL a new backend process each). The phase measures a running
                        // server; that first second is measured apart.
                        let (_, cold, _) = fixed_rate(
                            api.clone(),
                            Rc::new(w.de.clone()),
                            path.to_owned(),
                            args.read_rate,
                            Duration::from_secs(1),
                        )
                        .await;
                        eprintln!(
                            "   {path}: first second after the start, p50 {:.2} ms, p99 {:.2} ms",
                            percentile(&cold, 0.5),
                            percentile(&cold, 0.99)
                        );
                        let (achieved, l, e) =
                            fixed_rate(api.clone(), Rc::new(w.de.clone()), path.to_owned(), args.read_rate, duration)
                                .await;
                        let path = match &events {
                            Some((id, last)) if path.contains("/events") => {
                                let page = if path.contains("cursor=") { "last page" } else { "first page" };
                                path.replace(id.as_str(), "{id}").replace(last.as_str(), "…")
                                    + &format!(" (1,000 events, {page})")
                            }
                            _ => path.to_owned(),
                        };
                        out.push((path, achieved, percentile(&l, 0.5), percentile(&l, 0.99), e));
                    }
                    (out, events)
                });
                drop(server);
                out
            };
            let list_plan = list_plan(&mut conn, backend, &url, &w.de_party);
            for (path, achieved, p50, p99, e) in lists {
                let size = if path.contains("(1,000 events") { String::new() } else { format!(", {size} stored") };
                rows.push(Row(
                    backend.clone(),
                    format!("GET {path} @ {}/s{size}", args.read_rate),
                    format!("{achieved:.0}/s done, p50 {p50:.2} ms, p99 {p99:.2} ms, {e} errors (target p99 < 25 ms)"),
                ));
            }
            rows.push(Row(
                backend.clone(),
                format!("list plan, {size} stored"),
                list_plan.chars().take(260).collect::<String>(),
            ));
            rows.push(Row(backend.clone(), format!("feed plan, {size} stored"), feed_plan(&mut conn, &w.de_party)));
            if let Some((id, last)) = events {
                // The very query a page of the trail runs (`requests::repo::events_page_query`),
                // its cursor the last page's.
                let page = rogatory::page::Page::parse_or(None, Some(&last), rogatory::page::MAX_LIMIT).unwrap();
                let query = rogatory::requests::repo::events_page_query(id.parse().unwrap(), &page);
                let lines = rogatory::db::explain::plan(&mut conn, query).unwrap_or_default();
                // Its scans: the page's and the cursor's (a sub-plan on PostgreSQL, first).
                let scans: Vec<&str> = lines
                    .iter()
                    .map(|l| l.trim().trim_start_matches("->").trim())
                    .filter(|l| l.contains("Scan") || l.starts_with("SEARCH") || l.starts_with("SCAN"))
                    .collect();
                rows.push(Row(backend.clone(), "events plan (1,000 events, the last page)".into(), scans.join(" / ")));
            }
            let mut times: Vec<f64> = scans.iter().map(|(t, _)| t.as_secs_f64() * 1000.0).collect();
            let in_order = times.iter().map(|t| format!("{t:.1}")).collect::<Vec<_>>().join(", ");
            times.sort_by(f64::total_cmp);
            let (examined, reminders) =
                scans.iter().fold((0, 0), |(e, r), (_, report)| (e + report.examined, r + report.reminders));
            rows.push(Row(
                backend.clone(),
                format!("deadline scan, {size} stored requests"),
                format!(
                    "median {:.1} ms for {} due clocks (target < 50 ms) over {} scans: {in_order} ms, in order ({examined} clocks, {reminders} reminders in all); seeded in {:.1} s; plan: {}",
                    times.get(times.len() / 2).copied().unwrap_or_default(),
                    args.due_clocks,
                    scans.len(),
                    seeding.as_secs_f64(),
                    scan_plan.chars().take(90).collect::<String>()
                ),
            ));
        }
        if args.deconfliction_targets > 0 && stored > 0 {
            eprintln!("   deconfliction: 20 targets against {} stored hashes", args.deconfliction_targets);
            rows.extend(deconfliction(&mut conn, backend, &w, stored, args.deconfliction_targets, &state));
        }
        drop(conn);
        drop(state);
        if args.statistics_requests > 0 {
            for (measure, result) in statistics_phase(backend, &url, &data, &w, args.statistics_requests, 3) {
                rows.push(Row(backend.clone(), measure, result));
            }
        }
        drop_database(&args.pg_url, pg_db);
        let _ = std::fs::remove_dir_all(&scratch);
    }
    print_table(rows);
}

fn tempdir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rogatory-bench-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
