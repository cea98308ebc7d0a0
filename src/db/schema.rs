//! Diesel table definitions, written by hand because the two backends declare different
//! column types for the same portable SQL type (see `types`).

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{PJsonb, PTimestamptz};

    legal_bases (code) {
        code -> Text,
        title -> Text,
        instrument -> Text,
        article -> Text,
        request_kind -> Text,
        allowed_recipient_kinds -> PJsonb,
        preferred_designations -> PJsonb,
        required_fields -> PJsonb,
        clocks -> PJsonb,
        extensions -> PJsonb,
        citation -> Text,
        source_url -> Nullable<Text>,
        verified -> Bool,
        notes -> Nullable<Text>,
        updated_at -> PTimestamptz,
    }
}
