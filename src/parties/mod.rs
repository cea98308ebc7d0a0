//! The directory: state authorities and service providers, their API clients, and the rules
//! of who may manage them.

pub mod dto;
pub mod handlers;
pub mod model;
pub mod policy;
pub mod repo;
pub mod rules;
pub mod service;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(handlers::create_party)
        .service(handlers::list_parties)
        .service(handlers::get_party)
        .service(handlers::update_party)
        .service(handlers::verify_party)
        .service(handlers::suspend_party)
        .service(handlers::reinstate_party)
        .service(handlers::create_client)
        .service(handlers::list_clients)
        .service(handlers::revoke_client)
        .service(policy::handlers::publish_policy);
}
