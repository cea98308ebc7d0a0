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
        binding -> Bool,
        refusal_grounds -> PJsonb,
        in_force -> Nullable<PJsonb>,
        effective_from -> PTimestamptz,
        source_quote -> Nullable<Text>,
        refusal_grounds_exhaustive -> Bool,
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
        requires_approval -> Bool,
        deconfliction -> Bool,
        deconfliction_contact -> Nullable<Text>,
        request_policy -> Nullable<PJsonb>,
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

diesel::table! {
    reference_counters (country, year) {
        country -> Text,
        year -> Integer,
        last -> BigInt,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{PJsonb, PTimestamptz, PUuid};

    requests (id) {
        id -> PUuid,
        reference -> Text,
        legal_basis -> Text,
        kind -> Text,
        priority -> Text,
        status -> Text,
        issuer_party -> PUuid,
        addressee_party -> PUuid,
        enforcing_party -> Nullable<PUuid>,
        addressee_entity -> Nullable<PJsonb>,
        content -> PJsonb,
        follow_up_of -> Nullable<PUuid>,
        drafted_by -> PUuid,
        outcome -> Nullable<Text>,
        submitted_at -> Nullable<PTimestamptz>,
        preservation_expires_at -> Nullable<PTimestamptz>,
        extensions_used -> Integer,
        version -> BigInt,
        created_at -> PTimestamptz,
        updated_at -> PTimestamptz,
        legal_basis_pinned -> Nullable<PJsonb>,
        hold_status -> Nullable<Text>,
        hold_until -> Nullable<PTimestamptz>,
        follow_up_confirmed_at -> Nullable<PTimestamptz>,
        head_seq -> Integer,
        head_hash -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::PUuid;

    party_requests (party_id, request_id) {
        party_id -> PUuid,
        request_id -> PUuid,
        outgoing -> Bool,
        status -> Text,
        priority -> Text,
        legal_basis -> Text,
        kind -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{PTimestamptz, PUuid};

    request_participants (request_id, party_id, role) {
        request_id -> PUuid,
        party_id -> PUuid,
        role -> Text,
        added_at -> PTimestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{PJsonb, PTimestamptz, PUuid};

    request_events (id) {
        id -> PUuid,
        request_id -> PUuid,
        seq -> Integer,
        occurred_at -> PTimestamptz,
        actor_client -> Nullable<PUuid>,
        actor_party -> Nullable<PUuid>,
        event_type -> Text,
        data -> PJsonb,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{PTimestamptz, PUuid};

    clarifications (id) {
        id -> PUuid,
        request_id -> PUuid,
        asked_by -> PUuid,
        question -> Text,
        asked_at -> PTimestamptz,
        answer -> Nullable<Text>,
        answered_at -> Nullable<PTimestamptz>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{PTimestamptz, PUuid};

    request_messages (id) {
        id -> PUuid,
        request_id -> PUuid,
        author_party -> PUuid,
        author_client -> PUuid,
        body -> Text,
        created_at -> PTimestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{PJsonb, PTimestamptz, PUuid};

    request_responses (id) {
        id -> PUuid,
        request_id -> PUuid,
        party_id -> PUuid,
        outcome -> Text,
        refusal_reason -> Nullable<Text>,
        text -> Text,
        preserved_until -> Nullable<PTimestamptz>,
        created_at -> PTimestamptz,
        attachments -> PJsonb,
        status -> Text,
        release_at -> Nullable<PTimestamptz>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{PJsonb, PTimestamptz, PUuid};

    idempotency_keys (client_id, idem_key) {
        client_id -> PUuid,
        idem_key -> Text,
        fingerprint -> Text,
        response_status -> Integer,
        response_body -> Text,
        response_headers -> PJsonb,
        created_at -> PTimestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{PTimestamptz, PUuid};

    attachments (id) {
        id -> PUuid,
        request_id -> PUuid,
        party_id -> PUuid,
        client_id -> PUuid,
        sha256 -> Text,
        size_bytes -> BigInt,
        media_type -> Text,
        file_name -> Nullable<Text>,
        created_at -> PTimestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{PTimestamptz, PUuid};

    request_documents (id) {
        id -> PUuid,
        request_id -> PUuid,
        event_seq -> Integer,
        kid -> Text,
        jws -> Text,
        created_at -> PTimestamptz,
        /// `request` (the request as it left) or `response` (an answer).
        kind -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::PUuid;

    event_checkpoints (request_id, seq) {
        request_id -> PUuid,
        seq -> Integer,
        kid -> Text,
        jws -> Text,
    }
}

diesel::joinable!(api_clients -> parties (party_id));
diesel::joinable!(request_participants -> requests (request_id));
diesel::joinable!(party_requests -> requests (request_id));

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{PTimestamptz, PUuid};

    clocks (id) {
        id -> PUuid,
        request_id -> PUuid,
        party_id -> PUuid,
        kind -> Text,
        obligation_of -> Text,
        state -> Text,
        started_at -> PTimestamptz,
        due_at -> PTimestamptz,
        span_secs -> BigInt,
        remaining_secs -> Nullable<BigInt>,
        binding -> Bool,
        emergency -> Bool,
        pauses_on_clarification -> Bool,
        citation -> Text,
        next_reminder_at -> Nullable<PTimestamptz>,
        closed_at -> Nullable<PTimestamptz>,
        created_at -> PTimestamptz,
        updated_at -> PTimestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{PTimestamptz, PUuid};

    party_clock_targets (party_id, legal_basis, clock_kind) {
        party_id -> PUuid,
        legal_basis -> Text,
        clock_kind -> Text,
        duration_secs -> BigInt,
        updated_at -> PTimestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{PJsonb, PTimestamptz, PUuid};

    jobs (id) {
        id -> PUuid,
        kind -> Text,
        payload -> PJsonb,
        state -> Text,
        attempts -> Integer,
        max_attempts -> Integer,
        run_at -> PTimestamptz,
        locked_by -> Nullable<Text>,
        locked_until -> Nullable<PTimestamptz>,
        last_error -> Nullable<Text>,
        dedupe_key -> Nullable<Text>,
        created_at -> PTimestamptz,
        updated_at -> PTimestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{PJsonb, PTimestamptz, PUuid};

    notifications (id) {
        id -> PUuid,
        party_id -> PUuid,
        request_id -> Nullable<PUuid>,
        event_type -> Text,
        summary -> Text,
        data -> PJsonb,
        created_at -> PTimestamptz,
        read_at -> Nullable<PTimestamptz>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{PJsonb, PTimestamptz, PUuid};

    webhooks (id) {
        id -> PUuid,
        party_id -> PUuid,
        url -> Text,
        event_types -> PJsonb,
        secret -> Text,
        description -> Nullable<Text>,
        created_at -> PTimestamptz,
        deleted_at -> Nullable<PTimestamptz>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{PTimestamptz, PUuid};

    webhook_deliveries (id) {
        id -> PUuid,
        webhook_id -> PUuid,
        job_id -> PUuid,
        message_id -> Text,
        event_type -> Text,
        attempt -> Integer,
        status_code -> Nullable<Integer>,
        error -> Nullable<Text>,
        duration_ms -> BigInt,
        created_at -> PTimestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::PTimestamptz;

    sent_reminders (dedupe_key) {
        dedupe_key -> Text,
        sent_at -> PTimestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{PTimestamptz, PUuid};

    /// One upload of the `postgres` attachment store: `sha256` is set when the body is
    /// complete (unique), NULL while it is being written.
    attachment_blobs (id) {
        id -> PUuid,
        sha256 -> Nullable<Text>,
        size_bytes -> BigInt,
        created_at -> PTimestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::PUuid;

    /// The content of an `attachment_blobs` row, in order of `seq`.
    attachment_chunks (blob_id, seq) {
        blob_id -> PUuid,
        seq -> Integer,
        bytes -> Binary,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{PTimestamptz, PUuid};

    /// The keyed hash of one target of a submitted request that takes part in deconfliction.
    deconfliction_targets (hash, party_id, request_id) {
        hash -> Text,
        request_id -> PUuid,
        party_id -> PUuid,
        target_type -> Text,
        created_at -> PTimestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{PTimestamptz, PUuid};

    /// A match between a request just submitted (`a`) and an open request of another party (`b`).
    deconfliction_hits (id) {
        id -> PUuid,
        target_type -> Text,
        request_a -> PUuid,
        party_a -> PUuid,
        request_b -> PUuid,
        party_b -> PUuid,
        created_at -> PTimestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{PJsonb, PTimestamptz, PUuid};

    /// Every published version of a party's request policy.
    party_policies (party_id, version) {
        party_id -> PUuid,
        version -> BigInt,
        policy -> PJsonb,
        published_at -> PTimestamptz,
        published_by -> Nullable<PUuid>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::{PJsonb, PTimestamptz, PUuid};

    /// What statistics need of a request, kept with each event they read (issue 19).
    request_statistics (request_id) {
        request_id -> PUuid,
        legal_basis -> Text,
        kind -> Text,
        priority -> Text,
        issuer_party -> PUuid,
        addressee_party -> PUuid,
        enforcing_party -> Nullable<PUuid>,
        data_categories -> Nullable<PJsonb>,
        submitted_at -> Nullable<PTimestamptz>,
        first_answer_at -> Nullable<PTimestamptz>,
        data_at -> Nullable<PTimestamptz>,
        completed_at -> Nullable<PTimestamptz>,
        outcome -> Nullable<Text>,
        refusal_reason -> Nullable<Text>,
        withdrawn -> Bool,
        forwards -> BigInt,
        clarifications -> BigInt,
        objection_reasons -> Text,
        no_grounds -> Bool,
        deconfliction_hits -> BigInt,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::PTimestamptz;

    /// When `request_statistics` was last rebuilt from the trail (one row).
    request_statistics_state (singleton) {
        singleton -> Integer,
        rebuilt_at -> Nullable<PTimestamptz>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    deconfliction_targets,
    deconfliction_hits,
    parties,
    api_clients,
    requests,
    request_participants,
    party_requests,
    clocks,
    request_statistics
);
