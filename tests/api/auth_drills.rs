//! The token endpoint against the built binary: a flood of bad token requests leaves memory
//! and everyone else's reads alone. The read-latency drills run alone (`.ci/run`).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use futures_util::future::join_all;

use crate::on_both_backends;
use crate::support::process::{free_port, spawn, spawn_logged};
use crate::support::{TestApp, TestBackend, store_argon2_secret};

/// A field of /proc/<pid>/status in kB (`VmRSS`: resident now, `VmHWM`: peak resident).
fn status_kb(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("{field} in /proc/{pid}/status"))
}

fn p99(mut samples: Vec<Duration>) -> Duration {
    assert!(!samples.is_empty());
    samples.sort();
    samples[(samples.len() * 99).div_ceil(100) - 1]
}

fn http_client() -> awc::Client {
    awc::Client::builder().connector(awc::Connector::new().limit(512)).timeout(Duration::from_secs(30)).finish()
}

async fn token_request(client: &awc::Client, port: u16, client_id: &str, secret: &str) -> u16 {
    let form = [("grant_type", "client_credentials"), ("client_id", client_id), ("client_secret", secret)];
    let mut response = client
        .post(format!("http://127.0.0.1:{port}/v1/oauth/token"))
        .send_form(&form)
        .await
        .unwrap_or_else(|e| panic!("token request: no answer: {e}"));
    let _ = response.body().await;
    response.status().as_u16()
}

/// Authenticated reads (`GET /v1/me`) over one keep-alive connection from a thread of its own
/// (so the test's own handling of the flood is not timed), until `stop` is set and at least
/// `min` were made; the time of each, or what went wrong.
fn timed_reads(
    port: u16,
    token: String,
    stop: Arc<AtomicBool>,
    min: usize,
) -> JoinHandle<Result<Vec<Duration>, String>> {
    std::thread::spawn(move || {
        let stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
        stream.set_read_timeout(Some(Duration::from_secs(10))).map_err(|e| e.to_string())?;
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        let mut stream = BufReader::new(stream);
        let request = format!("GET /v1/me HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n\r\n");
        let mut samples = Vec::new();
        while !stop.load(Ordering::SeqCst) || samples.len() < min {
            let started = Instant::now();
            stream.get_mut().write_all(request.as_bytes()).map_err(|e| format!("write: {e}"))?;
            let mut line = String::new();
            stream.read_line(&mut line).map_err(|e| format!("read: {e}"))?;
            if !line.starts_with("HTTP/1.1 200") {
                return Err(format!("read {}: {line:?}", samples.len()));
            }
            let mut length = 0;
            loop {
                line.clear();
                stream.read_line(&mut line).map_err(|e| format!("read: {e}"))?;
                if line == "\r\n" || line.is_empty() {
                    break;
                }
                if let Some((name, value)) = line.split_once(':')
                    && name.eq_ignore_ascii_case("content-length")
                {
                    length = value.trim().parse().map_err(|_| format!("content-length {value:?}"))?;
                }
            }
            let mut body = vec![0; length];
            stream.read_exact(&mut body).map_err(|e| format!("body: {e}"))?;
            samples.push(started.elapsed());
        }
        Ok(samples)
    })
}

/// Reads for two seconds on an otherwise idle server.
fn idle_reads(port: u16, token: &str) -> Vec<Duration> {
    let stop = Arc::new(AtomicBool::new(false));
    let reads = timed_reads(port, token.to_owned(), stop.clone(), 100);
    std::thread::sleep(Duration::from_secs(2));
    stop.store(true, Ordering::SeqCst);
    reads.join().unwrap().expect("idle reads")
}

/// 200 concurrent token requests with wrong secrets (half of them for a client whose secret is
/// still an argon2 hash, the slow case; the rest for a SHA-256 client and for unknown ids),
/// with the failure limits opened so that every one is checked, while a client reads. The
/// server's resident memory grows by less than 100 MB, at its peak and after, and every read
/// during the flood is answered. With `check_latency` (run alone: timing needs a quiet
/// machine), the reads' p99 during the flood stays within twice the idle one, plus a margin.
async fn token_flood(backend: TestBackend, check_latency: bool) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin_credentials = app.bootstrap();
    let admin = app.token(&admin_credentials).await;
    let legacy = app.create_client(&admin, &admin_credentials.party_id, &["exchange_admin"]).await;
    store_argon2_secret(&app, &legacy.client_id, &legacy.client_secret);
    let port = free_port();
    let server = spawn(
        &app,
        "serve",
        Some(port),
        &[
            ("ROGATORY_BACKGROUND", "off"),
            ("ROGATORY_TOKEN_MAX_FAILURES", "100000"),
            ("ROGATORY_TOKEN_MAX_ADDRESS_FAILURES", "100000"),
        ],
    );
    let pid = server.0.id();
    let client = http_client();

    // Warm up every path once, then time idle reads.
    assert_eq!(token_request(&client, port, &admin_credentials.client_id, "rgs_wrong").await, 401);
    assert_eq!(token_request(&client, port, &legacy.client_id, "rgs_wrong").await, 401);
    assert_eq!(token_request(&client, port, "rgc_nobody", "rgs_wrong").await, 401);
    let idle_before = idle_reads(port, &admin);
    // Reset the peak to the current resident size (Linux: 5 > clear_refs), then measure.
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").expect("reset the peak RSS");
    let rss_before = status_kb(pid, "VmRSS");
    let peak_before = status_kb(pid, "VmHWM");

    let stop = Arc::new(AtomicBool::new(false));
    let reads = timed_reads(port, admin.clone(), stop.clone(), 100);
    let started = Instant::now();
    let requests = (0..200).map(|i| {
        let client = client.clone();
        let id = match i % 4 {
            0 | 1 => legacy.client_id.clone(),
            2 => admin_credentials.client_id.clone(),
            _ => format!("rgc_unknown{i}"),
        };
        async move { token_request(&client, port, &id, &format!("rgs_guess_{i}")).await }
    });
    let statuses = join_all(requests).await;
    let flood_time = started.elapsed();
    stop.store(true, Ordering::SeqCst);
    let during = reads.join().unwrap().expect("every read during the flood is answered");
    let idle_after = idle_reads(port, &admin);
    let rss_after = status_kb(pid, "VmRSS");
    let peak_after = status_kb(pid, "VmHWM");
    // The machine is shared: the idle reference is the worse of the windows before and after.
    let idle_p99 = p99(idle_before).max(p99(idle_after));

    let count = |s: u16| statuses.iter().filter(|x| **x == s).count();
    let during_p99 = p99(during.clone());
    eprintln!(
        "{backend:?}: 200 bad token requests in {flood_time:?} ({} × 401, {} × 503, others {:?}); \
         RSS {rss_before} kB → {rss_after} kB (+{} kB), peak {peak_before} kB → {peak_after} kB (+{} kB over the RSS before); \
         GET /v1/me p99 idle {idle_p99:?}, during the flood {during_p99:?} ({} reads)",
        count(401),
        count(503),
        statuses.iter().filter(|s| **s != 401 && **s != 503).collect::<Vec<_>>(),
        rss_after.saturating_sub(rss_before),
        peak_after.saturating_sub(rss_before),
        during.len(),
    );
    assert!(statuses.iter().all(|s| *s == 401 || *s == 503), "only refusals: {statuses:?}");
    assert!(count(401) >= 100, "every SHA-256 and unknown-id request is checked at once: {statuses:?}");
    assert!(rss_after.saturating_sub(rss_before) < 100 * 1024, "resident memory kept after the flood");
    assert!(peak_after.saturating_sub(rss_before) < 100 * 1024, "peak resident memory during the flood");
    // Twice the idle p99, plus 20 ms for what a shared two-core machine adds while the test
    // itself sends the 200 requests: before the fix the p99 was 52 ms (SQLite) and 1.2 s
    // (PostgreSQL), with reads failing 503 while argon2 held the pool's connections.
    let bound = idle_p99 * 2 + Duration::from_millis(20);
    if check_latency {
        assert!(during_p99 <= bound, "read p99 {during_p99:?} during the flood, {idle_p99:?} idle");
    }
}

on_both_backends!(a_token_flood_leaves_memory_alone => |b| token_flood(b, false));

// Run alone by `.ci/run` (`cargo test --test api drill_ -- --ignored --test-threads=1`).
on_both_backends!(
    #[ignore = "timing: runs alone in .ci/run"]
    drill_token_flood_leaves_reads_alone => |b| token_flood(b, true)
);

/// A `client_id` is the caller's text: in the default (pretty) log format it cannot start a
/// line of its own or send terminal escapes, and a failed token request logs one short line.
async fn token_failures_log_one_safe_line(backend: TestBackend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let port = free_port();
    let (server, output) =
        spawn_logged(&app, "serve", Some(port), &[("ROGATORY_BACKGROUND", "off"), ("RUST_LOG", "info")]);
    let client = http_client();
    let forged = "rgc_x\n2026-01-01T00:00:00.000000Z  INFO rogatory::oauth::handlers: token issued \
                  client_id=rgc_admin\x1b[2K\x1b[1A\r\u{2028}\u{202e}";
    assert_eq!(token_request(&client, port, forged, "rgs_wrong").await, 401);
    let long = format!("rgc_{}", "A".repeat(12 * 1024));
    assert_eq!(token_request(&client, port, &long, "rgs_wrong").await, 401);
    // Far larger than any token request: refused before anything is parsed or logged.
    let huge = format!("rgc_{}", "B".repeat(200 * 1024));
    assert_eq!(token_request(&client, port, &huge, "rgs_wrong").await, 413);
    actix_web::rt::time::sleep(Duration::from_millis(300)).await;
    drop(server);

    let bytes = output.bytes();
    let text = output.text();
    let refused: Vec<&str> = text.lines().filter(|l| l.contains("token request refused")).collect();
    eprintln!("{backend:?}: {} bytes of log; the refusals:\n{}", bytes.len(), refused.join("\n"));
    assert_eq!(refused.len(), 2, "one line per failed token request:\n{text}");
    assert!(refused.iter().all(|l| l.len() < 1024), "short lines: {refused:?}");
    assert!(refused[0].contains(r"rgc_x\n2026-01-01T00:00:00"), "the newline is shown escaped: {}", refused[0]);
    assert!(!text.lines().any(|l| l.starts_with("2026-01-01T00:00:00")), "no forged line:\n{text}");
    for control in [b'\x1b', b'\r', 0x07] {
        assert!(!bytes.contains(&control), "no raw control byte {control:#x} in the log");
    }
    assert!(!text.contains('\u{2028}') && !text.contains('\u{202e}'), "no line separator or bidi override");
    assert!(bytes.len() < 16 * 1024, "{} bytes of log for three requests", bytes.len());
}

on_both_backends!(token_failures_log_one_safe_line);
