//! Cursor pagination: `limit` (1 to 200) and an opaque `cursor`; lists answer `next_cursor`.
//! Cursors are the last id of the page (UUIDv7, so id order is creation order) and stable
//! while rows are added. Repositories page with it; `http::pagination` writes the `Link`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

use crate::error::{ApiError, ProblemType};

pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub limit: i64,
    pub after: Option<Uuid>,
}

impl Page {
    pub fn parse(limit: Option<u32>, cursor: Option<&str>) -> Result<Page, ApiError> {
        Page::parse_or(limit, cursor, DEFAULT_LIMIT)
    }

    /// `parse` for a list whose page, when no `limit` is asked, holds `default` rows.
    pub fn parse_or(limit: Option<u32>, cursor: Option<&str>, default: u32) -> Result<Page, ApiError> {
        let limit = limit.unwrap_or(default);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::new(ProblemType::InvalidQuery, format!("limit must be between 1 and {MAX_LIMIT}")));
        }
        // An empty `cursor=` is the first page, as if absent.
        let after = match cursor.filter(|c| !c.is_empty()) {
            None => None,
            Some(text) => Some(decode_cursor(text).ok_or_else(|| {
                ApiError::new(ProblemType::InvalidQuery, "cursor is not a cursor returned by this list")
            })?),
        };
        Ok(Page { limit: i64::from(limit), after })
    }

    /// Splits `limit + 1` fetched rows into the page and the next cursor.
    pub fn finish<T>(&self, mut rows: Vec<T>, id: impl Fn(&T) -> Uuid) -> (Vec<T>, Option<String>) {
        let limit = usize::try_from(self.limit).unwrap_or(usize::MAX);
        if rows.len() > limit {
            rows.truncate(limit);
            let next = rows.last().map(|row| encode_cursor(id(row)));
            (rows, next)
        } else {
            (rows, None)
        }
    }
}

pub fn encode_cursor(id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(id.as_bytes())
}

fn decode_cursor(text: &str) -> Option<Uuid> {
    use base64::engine::{GeneralPurpose, GeneralPurposeConfig};
    // Lenient about the unused low bits of the last character: any 22 characters of the
    // alphabet name a position (the schema's pattern), and the list starts after it.
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::URL_SAFE,
        GeneralPurposeConfig::new()
            .with_encode_padding(false)
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::RequireNone),
    );
    let bytes = LENIENT.decode(text).ok()?;
    Uuid::from_slice(&bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_and_cursors() {
        assert_eq!(Page::parse(None, None).unwrap().limit, 50);
        assert!(Page::parse(Some(0), None).is_err());
        assert!(Page::parse(Some(201), None).is_err());
        assert!(Page::parse(None, Some("!!")).is_err());
        let id = Uuid::now_v7();
        assert_eq!(Page::parse(Some(2), Some(&encode_cursor(id))).unwrap().after, Some(id));
        let page = Page { limit: 2, after: None };
        let ids = [Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7()];
        let (rows, next) = page.finish(ids.to_vec(), |u| *u);
        assert_eq!(rows.len(), 2);
        assert_eq!(next, Some(encode_cursor(ids[1])));
        assert_eq!(page.finish(ids[..2].to_vec(), |u| *u).1, None);
    }
}
