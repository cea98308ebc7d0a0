//! A 50 MB upload to a real server process: the content is streamed to disk, so the server's
//! peak resident memory grows by far less than the file's size.

use std::io::Read;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::world::*;
use crate::support::{TestApp, TestBackend, TestDatabase};

const FILE_SIZE: usize = 50 * 1024 * 1024;

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Peak resident set size of a process, in kB (`VmHWM`).
fn peak_rss_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM")
}

fn curl_upload(port: u16, token: &str, request: &str, file: &std::path::Path) -> Value {
    let out = Command::new("curl")
        .args(["-sS", "-X", "POST", "--data-binary"])
        .arg(format!("@{}", file.display()))
        .args(["-H", &format!("Authorization: Bearer {token}"), "-H", "Content-Type: application/octet-stream"])
        .arg(format!("http://127.0.0.1:{port}/v1/requests/{request}/attachments?file_name=capture.bin"))
        .output()
        .expect("curl");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stdout)))
}

async fn stream_50_mb(backend: TestBackend) {
    let Some(database) = TestDatabase::create(backend) else { return };
    let (url, data_dir, dir) = (database.url.clone(), database.data_dir(), database.path().to_path_buf());
    // Set up parties, tokens and a submitted request in process, on the same database and keys.
    let app = TestApp::on(database, &[]).await;
    let w = world(&app).await;
    let mut order = production_order();
    order["addressee"] = json!({"party_id": w.platform.id});
    let id = ok(&post(&app, &w.fr_prosecutor, "/v1/requests", order).await, 201)["id"].as_str().unwrap().to_owned();
    ok(&post(&app, &w.fr_prosecutor, &format!("/v1/requests/{id}/submit"), json!({})).await, 200);

    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(env!("CARGO_BIN_EXE_rogatory"))
        .arg("serve")
        .current_dir(&dir)
        .env("DATABASE_URL", &url)
        .env("ROGATORY_DATA_DIR", &data_dir)
        .env("ROGATORY_LISTEN", format!("127.0.0.1:{port}"))
        .env("ROGATORY_TOKEN_ISSUER", app.state.tokens.issuer.clone())
        .env("ROGATORY_KEY_ENCRYPTION_KEY", crate::support::TEST_KEK)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start rogatory serve");
    let mut server = Server(child);
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = server.0.try_wait() {
            let mut err = String::new();
            server.0.stderr.take().unwrap().read_to_string(&mut err).ok();
            panic!("the server exited ({status}): {err}");
        }
        assert!(started.elapsed() < Duration::from_secs(30), "the server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }

    // Warm up with a small upload, then measure the peak around the large one.
    let small = dir.join("small.bin");
    std::fs::write(&small, vec![1u8; 64 * 1024]).unwrap();
    assert!(curl_upload(port, &w.platform.token, &id, &small)["sha256"].is_string());
    let before = peak_rss_kb(server.0.id());

    let big = dir.join("big.bin");
    {
        let mut file = std::io::BufWriter::new(std::fs::File::create(&big).unwrap());
        let block: Vec<u8> = (0..1024 * 1024).map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
        for i in 0..FILE_SIZE / block.len() {
            let mut b = block.clone();
            b[0] = i as u8;
            std::io::Write::write_all(&mut file, &b).unwrap();
        }
    }
    let uploaded = curl_upload(port, &w.platform.token, &id, &big);
    let after = peak_rss_kb(server.0.id());
    let sum = Command::new("sha256sum").arg(&big).output().unwrap();
    let expected = String::from_utf8_lossy(&sum.stdout).split_whitespace().next().unwrap().to_owned();
    assert_eq!(uploaded["sha256"], expected.as_str(), "{uploaded}");
    assert_eq!(uploaded["size_bytes"], FILE_SIZE);
    let growth_kb = after.saturating_sub(before);
    eprintln!(
        "{backend:?}: server peak RSS {before} kB before, {after} kB after a {} MB upload (+{growth_kb} kB)",
        FILE_SIZE >> 20
    );
    assert!(growth_kb < 16 * 1024, "peak memory grew by {growth_kb} kB for a {} MB upload", FILE_SIZE >> 20);
}

on_both_backends!(a_50_mb_upload_is_streamed => stream_50_mb);
