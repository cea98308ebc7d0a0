//! The `Link: <…>; rel="next"` header of paged lists (see `page` for the cursors), and the one
//! way a list handler answers with it.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;

/// The `Link` header value pointing at the next page: the same query with `cursor` replaced.
pub fn next_link(req: &HttpRequest, next_cursor: &str) -> String {
    let mut pairs: Vec<&str> =
        req.query_string().split('&').filter(|p| !p.is_empty() && !p.starts_with("cursor=")).collect();
    let cursor = format!("cursor={next_cursor}");
    pairs.push(&cursor);
    format!("<{}?{}>; rel=\"next\"", req.path(), pairs.join("&"))
}

/// `200 OK` with a list body and, when there is a next page, its `Link` header.
pub fn list_response(req: &HttpRequest, next_cursor: Option<&str>, body: &impl Serialize) -> HttpResponse {
    let mut response = HttpResponse::Ok();
    if let Some(next) = next_cursor {
        response.insert_header((header::LINK, next_link(req, next)));
    }
    response.json(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_replaces_the_cursor() {
        let req = actix_web::test::TestRequest::get()
            .uri("/v1/parties?kind=state_authority&cursor=old&limit=2")
            .to_http_request();
        assert_eq!(next_link(&req, "new"), "</v1/parties?kind=state_authority&limit=2&cursor=new>; rel=\"next\"");
    }
}
