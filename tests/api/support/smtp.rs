//! A real SMTP server for tests: aiosmtpd (PyPI) storing messages in a Maildir. It is installed
//! once per machine into a virtual environment under the system temp directory.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const AIOSMTPD: &str = "aiosmtpd==1.4.6";

/// The Python of a virtual environment holding aiosmtpd, created on first use.
fn python() -> PathBuf {
    let root = std::env::temp_dir().join("rogatory-test-tools");
    std::fs::create_dir_all(&root).expect("tools directory");
    let lock = std::fs::File::create(root.join(".lock")).expect("lock file");
    lock.lock().expect("lock the tools directory");
    let venv = root.join("venv");
    let python = venv.join("bin/python");
    let ready = venv.join(".aiosmtpd-1.4.6");
    if !ready.exists() {
        let ok = Command::new("python3").args(["-m", "venv"]).arg(&venv).status().is_ok_and(|s| s.success())
            && Command::new(&python).args(["-m", "pip", "install", "-q", AIOSMTPD]).status().is_ok_and(|s| s.success());
        assert!(ok, "cannot install {AIOSMTPD} into {} (needs python3 and PyPI)", venv.display());
        std::fs::write(&ready, "").unwrap();
    }
    python
}

pub struct SmtpSink {
    child: Option<Child>,
    pub port: u16,
    pub maildir: PathBuf,
}

impl SmtpSink {
    /// Starts a sink on a free port, storing mail under `dir`.
    pub fn start(dir: &Path) -> SmtpSink {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut sink = SmtpSink { child: None, port, maildir: dir.join("maildir") };
        sink.restart();
        sink
    }

    /// A URL for `ROGATORY_SMTP_URL`.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// (Re)starts the server on the same port and Maildir.
    pub fn restart(&mut self) {
        let child = Command::new(python())
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{}", self.port),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(&self.maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start aiosmtpd");
        self.child = Some(child);
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(20), "aiosmtpd did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// The raw messages received so far.
    pub fn messages(&self) -> Vec<String> {
        let mut out = Vec::new();
        for sub in ["new", "cur"] {
            if let Ok(entries) = std::fs::read_dir(self.maildir.join(sub)) {
                for entry in entries.flatten() {
                    out.push(std::fs::read_to_string(entry.path()).unwrap_or_default());
                }
            }
        }
        out
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.stop();
    }
}
