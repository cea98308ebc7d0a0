//! Deconfliction (issue 18): when a request leaves its issuer, its normalised targets are
//! compared, as keyed hashes, with the targets of other parties' open requests; a match is a
//! hit for both issuers, naming the other party and the target type, never the other request.

pub mod dto;
pub mod handlers;
pub mod repo;
pub mod rules;
pub mod service;

pub use rules::DeconflictionKey;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(handlers::list_deconfliction_hits);
}

/// The key persisted at `path` (base64 text), generated there with mode 0600 when missing, as
/// the token signing key is: outside the database, so that a dump of it holds hashes but not
/// their key. Answers whether it was generated.
pub fn load_or_generate(path: &std::path::Path) -> Result<(DeconflictionKey, bool), String> {
    let generated = if path.exists() {
        false
    } else {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let text = format!("{}\n", DeconflictionKey::generate().to_base64());
        std::io::Write::write_all(&mut file, text.as_bytes()).map_err(|e| format!("{}: {e}", path.display()))?;
        true
    };
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let key = DeconflictionKey::parse(&text).map_err(|why| format!("{}: {why}", path.display()))?;
    Ok((key, generated))
}
