//! Evidence of a request: signed checkpoints of its hash chain, signed request and response
//! documents, the offline audit export, and their HTTP.

pub mod checkpoints;
pub mod documents;
pub mod export;
pub mod handlers;
