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

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{PJsonb, PTimestamptz, PUuid};

    parties (id) {
        id -> PUuid,
        kind -> Text,
        name -> Text,
        name_key -> Text,
        country -> Nullable<Text>,
        designations -> PJsonb,
        legal_entities -> PJsonb,
        accepted_legal_bases -> PJsonb,
        languages -> PJsonb,
        emergency_contact -> Nullable<Text>,
        notification_emails -> PJsonb,
        status -> Text,
        version -> BigInt,
        created_at -> PTimestamptz,
        updated_at -> PTimestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{PJsonb, PTimestamptz, PUuid};

    api_clients (id) {
        id -> PUuid,
        party_id -> PUuid,
        client_id -> Text,
        name -> Text,
        secret_hash -> Nullable<Text>,
        external_issuer -> Nullable<Text>,
        external_subject -> Nullable<Text>,
        roles -> PJsonb,
        created_at -> PTimestamptz,
        created_by -> Nullable<PUuid>,
        revoked_at -> Nullable<PTimestamptz>,
        revoked_by -> Nullable<PUuid>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{PJsonb, PTimestamptz, PUuid};

    audit_log (id) {
        id -> PUuid,
        occurred_at -> PTimestamptz,
        actor_client -> Nullable<PUuid>,
        actor_party -> Nullable<PUuid>,
        actor -> Text,
        action -> Text,
        subject_type -> Text,
        subject_id -> Text,
        details -> PJsonb,
    }
}

diesel::joinable!(api_clients -> parties (party_id));
diesel::allow_tables_to_appear_in_same_query!(parties, api_clients);
