//! Integration tests: the application as `serve` builds it, on SQLite and PostgreSQL.

mod support;

mod auth;
mod auth_drills;
mod cli;
mod connections;
mod deadlines;
mod deconfliction;
mod default_deny;
mod drills;
mod errors;
mod evidence;
mod hostile;
mod instances;
mod integrators;
mod law;
mod layers;
mod legal_bases;
mod migrations;
mod notifications;
mod openapi_spec;
mod ops;
mod parties;
mod policy;
mod races;
mod requests;
mod statements;
mod statistics;
mod stores;
mod upload_memory;
