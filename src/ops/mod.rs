//! Operations endpoints for orchestrators and load balancers.

use actix_web::{get, web};
use diesel::connection::SimpleConnection;
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::db::{Backend, migrations};
use crate::error::{ApiError, Problem, ProblemType};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_health).service(get_readiness);
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"status": "ok", "version": "0.1.0"}))]
pub struct Health {
    pub status: String,
    pub version: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"status": "ready", "database": "sqlite", "migrations": "applied"}))]
pub struct Readiness {
    pub status: String,
    pub database: Backend,
    pub migrations: String,
}

/// Liveness
///
/// Answers 200 while the process is up; touches nothing else.
#[utoipa::path(
    operation_id = "get_health",
    tag = "operations",
    responses((status = 200, description = "The process is up", body = Health)),
    security(()),
)]
#[get("/healthz")]
pub async fn get_health() -> web::Json<Health> {
    web::Json(Health { status: "ok".into(), version: env!("CARGO_PKG_VERSION").into() })
}

/// Readiness
///
/// Answers 200 when the database answers and every embedded migration is applied; otherwise a
/// 503 problem (`database_unavailable` or `service_unavailable`) so a load balancer stops
/// sending traffic.
#[utoipa::path(
    operation_id = "get_readiness",
    tag = "operations",
    responses(
        (status = 200, description = "Ready to serve", body = Readiness),
        (status = 503, description = "Not ready: database unreachable or migrations pending", body = Problem, content_type = "application/problem+json"),
    ),
    security(()),
)]
#[get("/readyz")]
pub async fn get_readiness(state: web::Data<AppState>) -> Result<web::Json<Readiness>, ApiError> {
    let backend = state.db.backend();
    let pending = state
        .db
        .run(|conn| {
            conn.batch_execute("SELECT 1").map_err(ApiError::database_unavailable)?;
            migrations::has_pending(conn).map_err(ApiError::database_unavailable)
        })
        .await?;
    if pending {
        return Err(ApiError::new(
            ProblemType::ServiceUnavailable,
            "database migrations are pending; run `rogatory migrate`",
        ));
    }
    Ok(web::Json(Readiness { status: "ready".into(), database: backend, migrations: "applied".into() }))
}
