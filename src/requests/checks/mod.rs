//! Checks of a request against its addressee's request policy and its legal basis's own rules
//! (issue 18 item 2): before it is sent (`POST /v1/requests/{id}/check`) and at submission.

pub mod dto;
pub mod handlers;
pub mod legal;
pub mod rules;
pub mod service;
