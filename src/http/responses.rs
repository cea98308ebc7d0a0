//! Problem responses that many operations share, declared once for the spec: a handler names
//! `responses((status = 200, …), DatabaseUnavailable, RequestNotFound)` instead of repeating
//! the same `(status, description, body = Problem, content_type)` line. The generated document
//! is the same as with the repeated lines.

use std::collections::BTreeMap;

use utoipa::IntoResponses;
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};

fn problem(status: &str, description: &str) -> BTreeMap<String, RefOr<Response>> {
    let content = ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build();
    let response = ResponseBuilder::new().description(description).content("application/problem+json", content).build();
    BTreeMap::from([(status.to_owned(), RefOr::T(response))])
}

macro_rules! problem_responses {
    ($($(#[$doc:meta])* $name:ident => $status:literal, $description:literal;)*) => {$(
        $(#[$doc])*
        pub struct $name;

        impl IntoResponses for $name {
            fn responses() -> BTreeMap<String, RefOr<Response>> {
                problem($status, $description)
            }
        }
    )*};
}

problem_responses! {
    /// 503: the database could not be reached (every operation that touches it).
    DatabaseUnavailable => "503", "The database is unavailable";
    /// 503 of the operations that read or write attachment content (issue 17).
    StoreOrDatabaseUnavailable => "503", "The database or the attachment store is unavailable";
    /// 404 of the request operations: absent and invisible look the same (default deny).
    RequestNotFound => "404", "No such request visible to the caller";
    /// 403 of the lifecycle actions.
    WrongSideOrRole => "403", "Wrong side or role";
    /// 409 of a lifecycle action the request's status does not allow.
    StatusConflict => "409", "The request's status does not allow this (`current_status` says which it is)";
    /// 400 of operations with a JSON body, a path id and headers.
    MalformedJsonIdOrHeader => "400", "Malformed JSON, id or header";
    /// 400 of operations with a path id only.
    MalformedId => "400", "Malformed id";
    /// 403 of party administrators' operations.
    NotPartyAdmin => "403", "Not a party administrator";
    /// 403 of exchange administrators' operations.
    NotExchangeAdmin => "403", "Not an exchange administrator";
}
