//! Statistics from the audit trail (issue 19): counts and times of a party's requests (or the
//! exchange's, for an exchange administrator), and the yearly report Reg. (EU) 2023/1543 Art 28
//! requires. Every figure is read from the request events and clocks, never from counters: from
//! the events folded per request into a summary kept with each event (`summary`), which is
//! recomputed from the trail and compared on demand.

pub mod dto;
pub mod handlers;
pub mod repo;
pub mod rules;
pub mod service;
pub mod summary;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(handlers::get_statistics).service(handlers::get_epoc_statistics_report);
}
