//! The legal-basis catalogue (DESIGN.md section 5): which instruments a request can rest on,
//! whom they may go to, which fields they require and which clocks they start. Data seeded by
//! migration, served read-only and without authentication.

pub mod dto;
pub mod duration;
pub mod handlers;
pub mod model;
pub mod repo;

pub use dto::LegalBasis;
pub use duration::IsoDuration;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(handlers::list_legal_bases).service(handlers::get_legal_basis);
}
