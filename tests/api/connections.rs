//! Slow clients against the built binary: a request body that trickles in is cut at its
//! deadline, connections are capped below the open-file limit, and `/healthz` keeps answering.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use crate::on_both_backends;
use crate::support::process::{free_port, spawn_with_open_file_limit};
use crate::support::{TestApp, TestBackend};

/// Raises this test process's soft open-file limit to at least `wanted` (it holds the clients'
/// ends of the connections); fails when the hard limit does not allow it.
fn allow_open_files(wanted: u64) {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit and setrlimit with a valid pointer to a local struct.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit), 0);
        assert!(
            limit.rlim_max >= wanted,
            "this test needs a hard open-file limit of {wanted} (ulimit -Hn), the machine allows {}",
            limit.rlim_max
        );
        if limit.rlim_cur < wanted {
            limit.rlim_cur = wanted;
            assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &limit), 0);
        }
    }
}

fn open_fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map(|d| d.count()).unwrap_or(0)
}

fn address(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

/// A token request whose headers promise 100 bytes of body, of which one is sent.
fn trickling_body(port: u16) -> std::io::Result<TcpStream> {
    let mut stream = TcpStream::connect_timeout(&address(port), Duration::from_secs(2))?;
    stream.write_all(
        b"POST /v1/oauth/token HTTP/1.1\r\nHost: 127.0.0.1\r\n\
          Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ng",
    )?;
    Ok(stream)
}

/// `GET /healthz` on a fresh connection, within `wait`: the status, or why there is none.
fn healthz(port: u16, wait: Duration) -> Result<u16, String> {
    let mut stream = TcpStream::connect_timeout(&address(port), wait).map_err(|e| format!("connect: {e}"))?;
    stream.set_read_timeout(Some(wait)).map_err(|e| e.to_string())?;
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .map_err(|e| format!("write: {e}"))?;
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).map_err(|e| format!("read: {e}"))?;
    String::from_utf8_lossy(&head[9..12]).parse().map_err(|_| format!("{head:?}"))
}

/// Everything the server still sends on `stream` until it closes it (or `until` passes).
fn rest_of(stream: &mut TcpStream, until: Instant) -> String {
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        let left = until.saturating_duration_since(Instant::now()).max(Duration::from_millis(1));
        stream.set_read_timeout(Some(left)).unwrap();
        match stream.read(&mut buffer) {
            Ok(0) => return String::from_utf8_lossy(&answer).into_owned(),
            Ok(n) => answer.extend_from_slice(&buffer[..n]),
            Err(_) => return format!("{}<not closed>", String::from_utf8_lossy(&answer)),
        }
    }
}

/// 1,100 connections each send one byte of a token request's body and stall, against a server
/// started with the usual soft open-file limit of 1024. `/healthz` answers at once; after the
/// body deadline (3 s here) each stalled request gets 408 and its connection is closed, and
/// the server's descriptors are back where they were. A body that keeps coming at the
/// minimum rate is not cut, even past the deadline.
async fn slow_bodies_are_cut_and_health_answers(backend: TestBackend) {
    allow_open_files(4096);
    let Some(app) = TestApp::spawn(backend).await else { return };
    let port = free_port();
    let env = [("ROGATORY_BACKGROUND", "off"), ("ROGATORY_BODY_TIMEOUT_SECS", "3"), ("ROGATORY_BODY_MIN_RATE", "1000")];
    let server = spawn_with_open_file_limit(&app, port, 1024, &env);
    let pid = server.0.id();
    assert_eq!(healthz(port, Duration::from_secs(2)), Ok(200));
    let idle_fds = open_fds(pid);

    let started = Instant::now();
    let mut stalled = Vec::new();
    let mut refused = Vec::new();
    for _ in 0..1100 {
        match trickling_body(port) {
            Ok(stream) => stalled.push(stream),
            Err(e) => refused.push(e.to_string()),
        }
    }
    std::thread::sleep(Duration::from_millis(300));
    let health = healthz(port, Duration::from_secs(2));
    let busy_fds = open_fds(pid);
    eprintln!(
        "{backend:?}: {} stalled connections opened in {:?} ({} refused); /healthz: {health:?}; server descriptors {idle_fds} idle, {busy_fds} with them",
        stalled.len(),
        started.elapsed(),
        refused.len(),
    );
    assert!(refused.is_empty(), "every connection is taken: {:?}", refused.first());
    assert_eq!(health, Ok(200), "/healthz answers while 1,100 bodies trickle");

    let until = started + Duration::from_secs(15);
    let answers: Vec<String> = stalled.iter_mut().map(|s| rest_of(s, until)).collect();
    let cut = answers.iter().filter(|a| a.starts_with("HTTP/1.1 408") && !a.ends_with("<not closed>")).count();
    eprintln!("{backend:?}: {cut} of {} answered 408 and closed after {:?}", answers.len(), started.elapsed());
    assert_eq!(
        cut,
        answers.len(),
        "each stalled request is cut: {:?}",
        answers.iter().find(|a| !a.starts_with("HTTP/1.1 408"))
    );
    assert!(
        answers[0].contains("application/problem+json") && answers[0].contains("request_timeout"),
        "{}",
        answers[0]
    );
    drop(stalled);
    std::thread::sleep(Duration::from_millis(300));
    let after_fds = open_fds(pid);
    assert!(after_fds <= idle_fds + 8, "descriptors {after_fds} after, {idle_fds} idle");
    assert_eq!(healthz(port, Duration::from_secs(2)), Ok(200));

    // 3,000 bytes at 750 bytes/s, 4 s in all: past the 3 s deadline, which moves with the data
    // (3 s + 1 s per 1,000 bytes received).
    let mut steady = TcpStream::connect(address(port)).unwrap();
    let body = format!("grant_type=client_credentials&client_id=rgc_nobody&client_secret={}", "s".repeat(2935));
    assert_eq!(body.len(), 3000);
    steady
        .write_all(
            b"POST /v1/oauth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\
              Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 3000\r\n\r\n",
        )
        .unwrap();
    let sending = Instant::now();
    for chunk in body.as_bytes().chunks(300) {
        std::thread::sleep(Duration::from_millis(400));
        steady.write_all(chunk).unwrap();
    }
    assert!(sending.elapsed() > Duration::from_secs(3));
    let answer = rest_of(&mut steady, Instant::now() + Duration::from_secs(5));
    assert!(answer.starts_with("HTTP/1.1 401"), "a steady body is read to its end: {answer}");
}

on_both_backends!(slow_bodies_are_cut_and_health_answers);

/// With `ROGATORY_MAX_CONNECTIONS=64`, 150 stalled connections: the server holds at most 64
/// of them (the others wait in the listen queue), and as deadlines cut the stalled ones the
/// waiting ones, `/healthz` among them, are served.
async fn connections_are_capped(backend: TestBackend) {
    allow_open_files(1024);
    let Some(app) = TestApp::spawn(backend).await else { return };
    let port = free_port();
    let env = [
        ("ROGATORY_BACKGROUND", "off"),
        ("ROGATORY_BODY_TIMEOUT_SECS", "2"),
        ("ROGATORY_MAX_CONNECTIONS", "64"),
        ("ROGATORY_WORKERS", "2"),
    ];
    let server = spawn_with_open_file_limit(&app, port, 1024, &env);
    let pid = server.0.id();
    assert_eq!(healthz(port, Duration::from_secs(2)), Ok(200));
    let idle_fds = open_fds(pid);
    let mut stalled: Vec<TcpStream> = (0..150).filter_map(|_| trickling_body(port).ok()).collect();
    std::thread::sleep(Duration::from_millis(500));
    let busy_fds = open_fds(pid);
    eprintln!(
        "{backend:?}: {} stalled connections; server descriptors {idle_fds} idle, {busy_fds} with them",
        stalled.len()
    );
    assert!(busy_fds <= idle_fds + 64, "at most 64 connections held: {busy_fds} descriptors, {idle_fds} idle");
    let started = Instant::now();
    assert_eq!(healthz(port, Duration::from_secs(10)), Ok(200), "served once deadlines free slots");
    eprintln!("{backend:?}: /healthz answered after {:?} at the cap", started.elapsed());
    let until = Instant::now() + Duration::from_secs(10);
    let cut = stalled.iter_mut().map(|s| rest_of(s, until)).filter(|a| a.starts_with("HTTP/1.1 408")).count();
    assert_eq!(cut, stalled.len(), "each stalled request is cut in its turn");
}

on_both_backends!(connections_are_capped);
