//! Request policies (issue 18 item 2): what a party needs in the requests it receives, published
//! by its party administrator in versions; `requests::checks` checks requests against them.

pub mod dto;
pub mod handlers;
pub mod repo;
pub mod rules;
pub mod service;
