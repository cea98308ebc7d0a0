//! Background work inside `serve`: the job workers that deliver the outbox (e-mail, webhooks)
//! and the deadline scanner. Both stand above every feature they drive.

pub mod scanner;
pub mod worker;
