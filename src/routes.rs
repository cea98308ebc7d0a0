//! Every route of the API in one place; the OpenAPI document is collected from here.

use utoipa_actix_web::{scope, service_config::ServiceConfig};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.configure(crate::ops::configure);
    cfg.service(crate::oauth::handlers::get_jwks);
    cfg.service(
        scope::scope("/v1")
            .configure(crate::oauth::configure)
            .configure(crate::legal_bases::configure)
            .configure(crate::parties::configure)
            .configure(crate::requests::configure)
            .configure(crate::requests::attachments::configure)
            .configure(crate::requests::evidence::handlers::configure)
            .configure(crate::requests::clocks::configure)
            .configure(crate::deadlines::configure)
            .configure(crate::notify::configure)
            .configure(crate::jobs::configure)
            .configure(crate::statistics::configure),
    );
}
