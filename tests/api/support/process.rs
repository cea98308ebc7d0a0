//! The built binary as a process (`rogatory serve`, `rogatory worker`) on a test database,
//! with its real settings from the environment, and a small HTTP client for it.

use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::TestApp;

/// A running `rogatory` process; killed when dropped.
pub struct Process(pub Child);

impl Process {
    /// Asks the process to stop as an operator would (SIGTERM) and waits for it: its exit
    /// status and what it wrote on stderr.
    pub fn terminate(&mut self) -> (std::process::ExitStatus, String) {
        // SAFETY: kill(2) on our own child's pid.
        unsafe { libc::kill(self.0.id() as libc::pid_t, libc::SIGTERM) };
        let started = Instant::now();
        let status = loop {
            if let Ok(Some(status)) = self.0.try_wait() {
                break status;
            }
            assert!(started.elapsed() < Duration::from_secs(30), "the process did not stop within 30 s of SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        };
        let mut err = String::new();
        if let Some(mut stderr) = self.0.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut stderr, &mut err);
        }
        (status, err)
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// What a process wrote to its standard output so far (its log, as `serve` writes it).
#[derive(Clone, Default)]
pub struct Output(Arc<Mutex<Vec<u8>>>);

impl Output {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }

    pub fn bytes(&self) -> Vec<u8> {
        self.0.lock().unwrap().clone()
    }
}

/// As `spawn`, keeping the process's standard output (read on a thread, so it never blocks).
pub fn spawn_logged(app: &TestApp, command: &str, port: Option<u16>, env: &[(&str, &str)]) -> (Process, Output) {
    let mut process = start(app, command, port, env, Stdio::piped());
    let output = Output::default();
    let mut stdout = process.0.stdout.take().expect("piped stdout");
    let sink = output.clone();
    std::thread::spawn(move || {
        let mut buffer = [0u8; 8192];
        while let Ok(n) = std::io::Read::read(&mut stdout, &mut buffer) {
            if n == 0 {
                break;
            }
            sink.0.lock().unwrap().extend_from_slice(&buffer[..n]);
        }
    });
    (process, output)
}

/// Starts `rogatory <command>` on the app's database and data directory, with `env` on top.
/// With a port, waits until it accepts connections.
pub fn spawn(app: &TestApp, command: &str, port: Option<u16>, env: &[(&str, &str)]) -> Process {
    start(app, command, port, env, Stdio::null())
}

/// As `spawn`, started with a soft open-file limit of `limit` (as a shell with `ulimit -Sn`,
/// e.g. the common default of 1024); the hard limit stays the test's.
pub fn spawn_with_open_file_limit(app: &TestApp, port: u16, limit: u64, env: &[(&str, &str)]) -> Process {
    let mut cmd = Command::new("sh");
    cmd.args(["-c", &format!("ulimit -S -n {limit} && exec \"$0\" serve"), env!("CARGO_BIN_EXE_rogatory")]);
    launch(cmd, app, "serve", Some(port), env, Stdio::null())
}

fn start(app: &TestApp, command: &str, port: Option<u16>, env: &[(&str, &str)], stdout: Stdio) -> Process {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rogatory"));
    cmd.arg(command);
    launch(cmd, app, command, port, env, stdout)
}

fn launch(
    mut cmd: Command,
    app: &TestApp,
    command: &str,
    port: Option<u16>,
    env: &[(&str, &str)],
    stdout: Stdio,
) -> Process {
    cmd.current_dir(app.database.path())
        .env("DATABASE_URL", &app.database.url)
        .env("ROGATORY_DATA_DIR", app.database.data_dir())
        .env("ROGATORY_TOKEN_ISSUER", app.state.tokens.issuer.clone())
        .env("ROGATORY_DB_TIMEOUT_SECS", "5")
        .env("ROGATORY_KEY_ENCRYPTION_KEY", super::TEST_KEK)
        .env("RUST_LOG", "warn")
        .stdout(stdout)
        .stderr(Stdio::piped());
    if let Some(port) = port {
        cmd.env("ROGATORY_LISTEN", format!("127.0.0.1:{port}"));
    }
    for (key, value) in env {
        cmd.env(key, value);
    }
    let mut child = cmd.spawn().expect("start the rogatory binary");
    if let Some(port) = port {
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = child.try_wait() {
                let mut err = String::new();
                use std::io::Read;
                child.stderr.take().map(|mut e| e.read_to_string(&mut err));
                panic!("rogatory {command} exited with {status}: {err}");
            }
            assert!(started.elapsed() < Duration::from_secs(30), "rogatory {command} did not start");
            std::thread::sleep(Duration::from_millis(25));
        }
    } else {
        // A worker has no port: give it a moment, then make sure it did not die at start-up.
        std::thread::sleep(Duration::from_millis(500));
        if let Ok(Some(status)) = child.try_wait() {
            let mut err = String::new();
            use std::io::Read;
            child.stderr.take().map(|mut e| e.read_to_string(&mut err));
            panic!("rogatory {command} exited with {status}: {err}");
        }
    }
    Process(child)
}

/// An HTTP answer of the real server.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
}

/// A client of a server on 127.0.0.1.
#[derive(Clone)]
pub struct Http {
    pub base: String,
    client: awc::Client,
}

impl Http {
    pub fn new(port: u16) -> Http {
        Http {
            base: format!("http://127.0.0.1:{port}"),
            client: awc::Client::builder().timeout(Duration::from_secs(30)).finish(),
        }
    }

    /// A call with a bearer token, an optional JSON body and extra headers.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Answer {
        let method = actix_web::http::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base))
            .insert_header(("authorization", format!("Bearer {token}")));
        for (name, value) in headers {
            request = request.insert_header((*name, *value));
        }
        let response = match body {
            Some(body) => request.send_json(body).await,
            None => request.send().await,
        };
        let mut response = response.unwrap_or_else(|e| panic!("{path}: no answer: {e}"));
        let status = response.status().as_u16();
        let bytes = response.body().limit(16 * 1024 * 1024).await.unwrap_or_default();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Answer { status, body }
    }

    /// An upload of raw bytes.
    pub async fn upload(&self, path: &str, token: &str, bytes: Vec<u8>, headers: &[(&str, &str)]) -> Answer {
        let mut request = self
            .client
            .post(format!("{}{path}", self.base))
            .insert_header(("authorization", format!("Bearer {token}")))
            .insert_header(("content-type", "application/octet-stream"));
        for (name, value) in headers {
            request = request.insert_header((*name, *value));
        }
        let mut response = request.send_body(bytes).await.unwrap_or_else(|e| panic!("{path}: no answer: {e}"));
        let status = response.status().as_u16();
        let bytes = response.body().await.unwrap_or_default();
        Answer { status, body: serde_json::from_slice(&bytes).unwrap_or(Value::Null) }
    }
}
