//! Operations endpoints for orchestrators and load balancers.

pub mod limits;

use actix_web::{get, web};
use diesel::connection::SimpleConnection;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::{Backend, migrations};
use crate::error::{ApiError, ProblemType};
use crate::http::problem::Problem;
use crate::state::AppState;

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

/// The instance's name in the heartbeat table.
fn instance_name() -> String {
    let host = std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_owned()).unwrap_or_default();
    format!("{host}:{}", std::process::id())
}

/// Whether the database takes a write (a one-row heartbeat): a read-only database file or
/// file system, a full disk or a read-only standby all read as ready to a `SELECT 1`, while
/// every change would fail. A 503 that says which.
pub async fn check_writable(state: &AppState) -> Result<(), ApiError> {
    let now = state.clock.now();
    let written = state
        .db
        .write(move |conn| {
            Ok::<_, ApiError>(crate::db::dialect::beat(conn, &instance_name(), now).map_err(|e| e.to_string()))
        })
        .await;
    let cause = match written {
        Ok(Ok(())) => return Ok(()),
        Ok(Err(cause)) => cause,
        Err(error) if error.kind() == ProblemType::DatabaseUnavailable => return Err(error),
        Err(error) => error.to_string(),
    };
    Err(ApiError::new(ProblemType::ServiceUnavailable, format!("the database does not accept writes: {cause}"))
        .with_header(actix_web::http::header::RETRY_AFTER, "30"))
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
/// Answers 200 when the database answers, every embedded migration is applied and the
/// database takes a write; otherwise a 503 problem (`database_unavailable`, or
/// `service_unavailable` whose `detail` says why: migrations pending, or the database does
/// not accept writes: read-only file, full disk, read-only standby) so a load balancer stops
/// sending traffic.
#[utoipa::path(
    operation_id = "get_readiness",
    tag = "operations",
    responses(
        (status = 200, description = "Ready to serve", body = Readiness),
        (status = 503, description = "Not ready: database unreachable, migrations pending, or the database does not accept writes", body = Problem, content_type = "application/problem+json"),
    ),
    security(()),
)]
#[get("/readyz")]
pub async fn get_readiness(state: web::Data<AppState>) -> Result<web::Json<Readiness>, ApiError> {
    let backend = state.db.backend();
    state.db.run(|conn| conn.batch_execute("SELECT 1").map_err(ApiError::database_unavailable)).await?;
    let pending = state.db.run(|conn| migrations::has_pending(conn).map_err(ApiError::database_unavailable)).await;
    match pending {
        Ok(true) => {
            return Err(ApiError::new(
                ProblemType::ServiceUnavailable,
                "database migrations are pending; run `rogatory migrate`",
            ));
        }
        Ok(false) => check_writable(&state).await?,
        Err(error) => {
            // The migrations check itself writes (diesel creates its table): say why it failed.
            check_writable(&state).await?;
            return Err(error);
        }
    }
    Ok(web::Json(Readiness { status: "ready".into(), database: backend, migrations: "applied".into() }))
}
