//! An S3-compatible server for the `s3` attachment store's tests: moto's server mode (PyPI
//! `moto[server]`, pinned here and in `.ci/run`; installed into a cached virtual environment
//! on first use when the machine's python3 lacks it), started once per test binary on a free
//! port and stopped with it. A test that needs it FAILS when it cannot start (never skips),
//! saying why. Each test gets its own key prefix in one bucket.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The version `.ci/run` installs.
pub const MOTO_VERSION: &str = "5.2.1";
pub const BUCKET: &str = "rogatory-tests";

pub struct Moto {
    pub endpoint: String,
}

/// A raw HTTP request to moto (it does not check signatures): the status code.
fn raw(port: u16, request: &str) -> std::io::Result<u16> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    stream.write_all(request.as_bytes())?;
    let mut head = [0u8; 12];
    stream.read_exact(&mut head)?;
    String::from_utf8_lossy(&head[9..12]).parse().map_err(std::io::Error::other)
}

/// A Python that can run moto's server at `MOTO_VERSION`: the machine's own when it has it,
/// else a virtual environment under `~/.cache/rogatory-tests/` that this installs from PyPI
/// on first use, so `cargo test` alone works on a fresh machine (`.ci/run` installs it too).
fn python_with_moto() -> Result<String, String> {
    let has_moto = |python: &str| {
        Command::new(python)
            .args(["-c", &format!("import sys, moto, moto.server; sys.exit(moto.__version__ != '{MOTO_VERSION}')")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if has_moto("python3") {
        return Ok("python3".into());
    }
    let home = std::env::var("HOME").map_err(|_| "HOME is not set".to_owned())?;
    let cache = std::path::PathBuf::from(home).join(".cache/rogatory-tests");
    let venv = cache.join(format!("moto-{MOTO_VERSION}"));
    let python = venv.join("bin/python").to_string_lossy().into_owned();
    if has_moto(&python) {
        return Ok(python);
    }
    // Built aside and renamed into place: another test run installing at the same time, or
    // one interrupted half-way, never leaves a broken environment at `venv`.
    let building = cache.join(format!("moto-{MOTO_VERSION}.{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&building);
    std::fs::create_dir_all(&cache).map_err(|e| format!("{}: {e}", cache.display()))?;
    let run = |program: &str, args: &[&str]| -> Result<(), String> {
        let out = Command::new(program).args(args).output().map_err(|e| format!("{program}: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!("{program} {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim()))
        }
    };
    eprintln!("installing moto[server]=={MOTO_VERSION} into {} for the S3 tests", venv.display());
    let building_text = building.to_string_lossy().into_owned();
    run("python3", &["-m", "venv", &building_text])?;
    let pip = building.join("bin/pip").to_string_lossy().into_owned();
    run(&pip, &["install", "-q", "--disable-pip-version-check", &format!("moto[server]=={MOTO_VERSION}")])?;
    if std::fs::rename(&building, &venv).is_err() {
        // Another run finished first: use its environment.
        let _ = std::fs::remove_dir_all(&building);
    }
    if has_moto(&python) { Ok(python) } else { Err(format!("moto is still not importable from {python}")) }
}

fn start() -> Result<Moto, String> {
    let port = super::process::free_port();
    let python = python_with_moto()?;
    let attempts: [(String, &[&str]); 1] = [(python, &["-m", "moto.server"])];
    let mut tried = Vec::new();
    // Spawned from a thread that lives as long as the test binary: the server gets SIGTERM
    // when that thread's process ends (PR_SET_PDEATHSIG follows the spawning thread).
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for (program, args) in attempts {
            let mut command = Command::new(&program);
            command
                .args(args)
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            // SAFETY: prctl is async-signal-safe; nothing else runs between fork and exec.
            unsafe {
                std::os::unix::process::CommandExt::pre_exec(&mut command, || {
                    libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
                    Ok(())
                });
            }
            match command.spawn() {
                Ok(mut child) => {
                    let _ = sender.send(Ok(program.clone()));
                    // It runs until the test binary ends; before that, it failed to start.
                    let status = child.wait().map(|s| s.to_string()).unwrap_or_else(|e| e.to_string());
                    let _ = sender.send(Err(format!("{program} exited ({status})")));
                    return;
                }
                Err(e) => {
                    let _ = sender.send(Err(format!("{program}: {e}")));
                }
            }
        }
    });
    let program = loop {
        match receiver.recv() {
            Ok(Ok(program)) => break program,
            Ok(Err(e)) => tried.push(e),
            Err(_) => return Err(format!("could not run moto ({})", tried.join("; "))),
        }
    };
    let started = Instant::now();
    let create =
        format!("PUT /{BUCKET} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    loop {
        if let Ok(Err(exited)) = receiver.try_recv() {
            return Err(format!("{exited}: is moto[server] installed for {program}?"));
        }
        match raw(port, &create) {
            Ok(200) => break,
            Ok(status) => return Err(format!("moto answered {status} to creating bucket {BUCKET}")),
            Err(e) if started.elapsed() > Duration::from_secs(30) => {
                return Err(format!("moto did not answer on port {port} within 30 s ({e})"));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(200)),
        }
    }
    Ok(Moto { endpoint: format!("http://127.0.0.1:{port}") })
}

/// The running server, started on first use; panics (fails the test) when it cannot start.
pub fn moto() -> &'static Moto {
    static MOTO: OnceLock<Result<Moto, String>> = OnceLock::new();
    match MOTO.get_or_init(start) {
        Ok(moto) => moto,
        Err(e) => panic!(
            "the S3 tests need moto's S3 server and it could not start: {e}.\nInstall it with \
             `pip install 'moto[server]=={MOTO_VERSION}'` (.ci/run does)."
        ),
    }
}

/// Settings of an `s3` attachment store under a fresh prefix of the test bucket.
pub fn store_settings() -> Vec<(String, String)> {
    let moto = moto();
    let prefix = format!("t-{}", uuid::Uuid::new_v4().simple());
    vec![
        ("ROGATORY_ATTACHMENT_STORE".into(), format!("s3://{BUCKET}/{prefix}")),
        ("ROGATORY_S3_ENDPOINT".into(), moto.endpoint.clone()),
        ("ROGATORY_S3_REGION".into(), "us-east-1".into()),
        ("ROGATORY_S3_ACCESS_KEY_ID".into(), "testing".into()),
        ("ROGATORY_S3_SECRET_ACCESS_KEY".into(), "testing".into()),
    ]
}

/// A client of the test bucket, to tamper with stored objects behind the store's back.
pub fn bucket_client() -> object_store::aws::AmazonS3 {
    let _ = rustls::crypto::ring::default_provider().install_default();
    object_store::aws::AmazonS3Builder::new()
        .with_bucket_name(BUCKET)
        .with_endpoint(&moto().endpoint)
        .with_allow_http(true)
        .with_region("us-east-1")
        .with_access_key_id("testing")
        .with_secret_access_key("testing")
        .build()
        .expect("an S3 client of the test bucket")
}
