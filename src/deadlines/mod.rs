//! Legal clocks: started, paused, met, missed and cancelled by the request lifecycle, watched by
//! the scanner that sends reminders and escalations exactly once.

pub mod dto;
pub mod handlers;
pub mod model;
pub mod repo;
pub mod rules;
pub mod service;
pub mod targets;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(handlers::list_clock_targets).service(handlers::set_clock_target);
}
