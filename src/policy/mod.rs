//! Request policies (issue 18 item 2): what a party needs in the requests it receives, published
//! by its party administrator, and the checks of a request against its addressee's policy,
//! before it is sent (`POST /v1/requests/{id}/check`) and at submission.

pub mod dto;
pub mod handlers;
pub mod repo;
pub mod rules;
pub mod service;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(handlers::publish_policy).service(handlers::check_request);
}
