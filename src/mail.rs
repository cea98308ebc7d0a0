//! Sending e-mail with lettre: SMTP (STARTTLS or TLS, credentials in the URL) when
//! `ROGATORY_SMTP_URL` is set; otherwise `.eml` files in `<data dir>/mail`, so the embedded
//! default still shows what would have been sent.

use std::path::Path;
use std::time::Duration;

use std::sync::OnceLock;

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::AsyncSmtpTransportBuilder;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// One rendered e-mail: subject, plain text and HTML (see `notify::templates`).
pub struct Mail {
    pub subject: String,
    pub text: String,
    pub html: String,
}

pub enum Mailer {
    /// The URL is checked at start-up (a bad one stops it), but the transport is built on the
    /// first send: lettre's connection pool spawns a task on the Tokio runtime that builds it,
    /// and `AppState::init` runs before any runtime exists (`rogatory serve`, `worker`).
    Smtp(AsyncSmtpTransportBuilder, OnceLock<AsyncSmtpTransport<Tokio1Executor>>),
    Files(AsyncFileTransport<Tokio1Executor>, std::path::PathBuf),
}

/// lettre's pool closes its connections on drop by spawning a task on the Tokio runtime; the
/// state that holds the mailer is dropped after the runtime stopped (`serve`, `worker` on
/// SIGTERM), where that spawn panics. Outside a runtime the pool is forgotten instead: the
/// process is ending, and the server sees the connections close with it.
impl Drop for Mailer {
    fn drop(&mut self) {
        if let Mailer::Smtp(_, transport) = self
            && tokio::runtime::Handle::try_current().is_err()
            && let Some(transport) = transport.take()
        {
            std::mem::forget(transport);
        }
    }
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Mailer::Smtp(..) => f.write_str("Mailer::Smtp"),
            Mailer::Files(_, dir) => write!(f, "Mailer::Files({})", dir.display()),
        }
    }
}

impl Mailer {
    /// `smtp://user:pass@host:587?tls=required` (STARTTLS), `smtps://…:465` (TLS), or
    /// `smtp://host:25` (plain, for a local relay). `None`: files in `data_dir/mail`.
    pub fn new(smtp_url: Option<&str>, data_dir: &Path) -> Result<Mailer, String> {
        match smtp_url {
            Some(url) => AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                .map(|b| Mailer::Smtp(b.timeout(Some(Duration::from_secs(10))), OnceLock::new()))
                .map_err(|e| format!("not an SMTP URL: {e}")),
            None => {
                let dir = data_dir.join("mail");
                std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
                Ok(Mailer::Files(AsyncFileTransport::<Tokio1Executor>::new(&dir), dir))
            }
        }
    }

    /// Sends `mail`. `id` (the job's) makes its `Message-ID`, the same at every attempt: a mail
    /// sent again after an instance died between the SMTP transaction and the job's commit is
    /// recognisably the same message.
    pub async fn send(&self, from: &str, to: &[String], mail: Mail, id: Option<&str>) -> Result<(), String> {
        let from: Mailbox = from.parse().map_err(|e| format!("bad sender {from:?}: {e}"))?;
        let message_id = id.map(|id| format!("<{id}@{}>", from.email.domain()));
        let mut builder = Message::builder().from(from).subject(mail.subject).message_id(message_id);
        for address in to {
            builder = builder.to(address.parse().map_err(|e| format!("bad recipient {address:?}: {e}"))?);
        }
        let message =
            builder.multipart(MultiPart::alternative_plain_html(mail.text, mail.html)).map_err(|e| e.to_string())?;
        match self {
            Mailer::Smtp(builder, transport) => {
                let transport = transport.get_or_init(|| builder.clone().build());
                transport.send(message).await.map(|_| ()).map_err(|e| format!("SMTP: {e}"))
            }
            Mailer::Files(transport, _) => {
                transport.send(message).await.map(|_| ()).map_err(|e| format!("mail file: {e}"))
            }
        }
    }
}
