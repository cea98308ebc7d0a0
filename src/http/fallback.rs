//! What answers when no route matched: 405 with `Allow` when the path exists with other
//! methods, 404 otherwise. The table of paths comes from the OpenAPI document built from the
//! registered routes, so it cannot drift from them.

use actix_web::{HttpRequest, HttpResponse, web};
use utoipa::openapi::OpenApi;

use crate::error::ApiError;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param,
    /// `{name:.*}`: matches the rest of the path.
    Tail,
}

#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    routes: Vec<(Vec<Segment>, Vec<&'static str>)>,
}

impl RouteTable {
    pub fn from_spec(spec: &OpenApi) -> Self {
        let mut table = RouteTable::default();
        for (path, item) in spec.paths.paths.iter() {
            let mut methods = Vec::new();
            let ops = [
                ("GET", item.get.is_some()),
                ("PUT", item.put.is_some()),
                ("POST", item.post.is_some()),
                ("DELETE", item.delete.is_some()),
                ("PATCH", item.patch.is_some()),
                ("HEAD", item.head.is_some()),
                ("OPTIONS", item.options.is_some()),
            ];
            for (method, present) in ops {
                if present {
                    methods.push(method);
                }
            }
            table.add(path, &methods);
        }
        table
    }

    /// Adds a route served outside the spec (the spec itself, the docs).
    pub fn add(&mut self, template: &str, methods: &[&'static str]) {
        self.routes.push((parse_template(template), methods.to_vec()));
    }

    /// The methods allowed on a concrete path, or `None` when no route has that path.
    pub fn allowed(&self, path: &str) -> Option<Vec<&'static str>> {
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let mut found: Option<Vec<&'static str>> = None;
        for (template, methods) in &self.routes {
            if matches(template, &segments) {
                let all = found.get_or_insert_with(Vec::new);
                for m in methods {
                    if !all.contains(m) {
                        all.push(m);
                    }
                }
            }
        }
        found
    }
}

fn parse_template(template: &str) -> Vec<Segment> {
    template
        .trim_start_matches('/')
        .split('/')
        .map(|s| {
            if s.starts_with('{') && s.ends_with(":.*}") {
                Segment::Tail
            } else if s.starts_with('{') && s.ends_with('}') {
                Segment::Param
            } else {
                Segment::Literal(s.to_owned())
            }
        })
        .collect()
}

fn matches(template: &[Segment], path: &[&str]) -> bool {
    let mut i = 0;
    for segment in template {
        match segment {
            Segment::Tail => return true,
            Segment::Param => {
                if path.get(i).is_none_or(|s| s.is_empty()) {
                    return false;
                }
            }
            Segment::Literal(lit) => {
                if path.get(i) != Some(&lit.as_str()) {
                    return false;
                }
            }
        }
        i += 1;
    }
    i == path.len()
}

/// The default service of the application.
pub async fn not_matched(req: HttpRequest, table: web::Data<RouteTable>) -> Result<HttpResponse, ApiError> {
    Err(match table.allowed(req.path()) {
        Some(allowed) => ApiError::method_not_allowed(&allowed),
        None => ApiError::not_found(format!("no resource at {}", req.path())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_templates_and_collects_methods() {
        let mut t = RouteTable::default();
        t.add("/v1/legal-bases", &["GET"]);
        t.add("/v1/legal-bases/{code}", &["GET"]);
        t.add("/v1/requests/{id}", &["GET", "PATCH"]);
        t.add("/docs/{_:.*}", &["GET"]);
        assert_eq!(t.allowed("/v1/legal-bases"), Some(vec!["GET"]));
        assert_eq!(t.allowed("/v1/legal-bases/eu_epoc"), Some(vec!["GET"]));
        assert_eq!(t.allowed("/v1/requests/abc"), Some(vec!["GET", "PATCH"]));
        assert_eq!(t.allowed("/docs/swagger-ui.css"), Some(vec!["GET"]));
        assert_eq!(t.allowed("/v1/legal-bases/eu_epoc/x"), None);
        assert_eq!(t.allowed("/v1/legal-bases/"), None);
        assert_eq!(t.allowed("/nope"), None);
    }
}
