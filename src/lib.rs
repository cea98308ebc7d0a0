//! Rogatory: issue, route and track cross-border evidence requests between states' contact
//! points and online platforms. See `DESIGN.md` in the shared folder for the map.

pub mod admin;
pub mod app;
pub mod audit;
pub mod auth;
pub mod background;
pub mod client_address;
pub mod clock;
pub mod config;
pub mod db;
pub mod deadlines;
pub mod error;
pub mod http;
pub mod jobs;
pub mod legal_bases;
pub mod mail;
pub mod notify;
pub mod oauth;
pub mod openapi;
pub mod ops;
pub mod page;
pub mod parties;
pub mod requests;
pub mod routes;
mod spec_examples;
pub mod state;
pub mod statistics;
pub mod storage;
pub mod telemetry;
pub mod validate;
pub mod vocab;

pub use app::build_app;
pub use config::Settings;
pub use state::AppState;
