//! Requests for evidence: the aggregate, its lifecycle, routing, clarifications, messages
//! and responses.

pub mod attachments;
pub mod checks;
pub mod clocks;
pub mod content;
pub mod deconfliction;
pub mod dto;
pub mod evidence;
pub mod handlers;
pub mod lifecycle;
pub mod model;
pub mod repo;
pub mod routing;
pub mod service;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(handlers::create_request)
        .service(handlers::list_requests)
        .service(handlers::get_request)
        .service(handlers::update_request)
        .service(handlers::submit_request)
        .service(handlers::approve_request)
        .service(handlers::acknowledge_request)
        .service(handlers::forward_request)
        .service(handlers::respond_to_request)
        .service(handlers::recognise_request)
        .service(handlers::object_to_request)
        .service(handlers::confirm_no_grounds)
        .service(handlers::derogate_time_limit)
        .service(handlers::withdraw_request)
        .service(handlers::extend_preservation)
        .service(handlers::release_preservation)
        .service(handlers::confirm_follow_up)
        .service(handlers::create_clarification)
        .service(handlers::list_clarifications)
        .service(handlers::answer_clarification)
        .service(handlers::create_message)
        .service(handlers::list_messages)
        .service(handlers::list_request_events)
        .service(checks::handlers::check_request)
        .service(deconfliction::handlers::list_deconfliction_hits);
}
