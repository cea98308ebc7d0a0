//! Deconfliction (issue 18): when a request leaves its issuer, its normalised targets are
//! compared, as keyed hashes, with the targets of other parties' open requests; a match is a
//! hit for both issuers, naming the other party and the target type, never the other request.

pub mod dto;
pub mod handlers;
pub mod repo;
pub mod rules;
pub mod service;
