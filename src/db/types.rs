//! Portable SQL types: PostgreSQL keeps native `uuid`, `timestamptz` and `jsonb` columns while
//! SQLite stores the same values as TEXT. `#[derive(MultiConnection)]` only forwards diesel's
//! built-in primitive types, so each portable type implements `ToSql`/`FromSql` for both backends
//! and for the generated `MultiBackend` (see `research/stack.md` F2).
//!
//! Models keep plain Rust types and name the wrapper with
//! `#[diesel(serialize_as = DbUuid, deserialize_as = DbUuid)]`.

use chrono::{DateTime, SecondsFormat, Utc};
use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::pg::Pg;
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::{HasSqlType, Text};
use diesel::sqlite::Sqlite;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::io::Write;

use super::MultiBackend;

/// Declares a portable SQL type marker, the wrapper newtype and all backend impls.
macro_rules! portable_type {
    (
        $(#[$meta:meta])*
        sql = $sql:ident, pg_type = $pg_type:ty, oid = $oid:literal, array_oid = $array_oid:literal,
        wrapper = $wrapper:ident($inner:ty),
        to_text = $to_text:expr, from_text = $from_text:expr $(,)?
    ) => {
        $(#[$meta])*
        #[derive(diesel::sql_types::SqlType, diesel::query_builder::QueryId, Debug, Clone, Copy, Default)]
        #[diesel(postgres_type(oid = $oid, array_oid = $array_oid))]
        #[diesel(sqlite_type(name = "Text"))]
        pub struct $sql;

        #[derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow, Debug, Clone, PartialEq)]
        #[diesel(sql_type = $sql)]
        pub struct $wrapper(pub $inner);

        impl From<$inner> for $wrapper {
            fn from(value: $inner) -> Self {
                Self(value)
            }
        }

        impl From<$wrapper> for $inner {
            fn from(value: $wrapper) -> Self {
                value.0
            }
        }

        impl ToSql<$sql, Pg> for $wrapper {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                <$inner as ToSql<$pg_type, Pg>>::to_sql(&self.0, out)
            }
        }

        impl FromSql<$sql, Pg> for $wrapper {
            fn from_sql(bytes: <Pg as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
                <$inner as FromSql<$pg_type, Pg>>::from_sql(bytes).map(Self)
            }
        }

        impl ToSql<$sql, Sqlite> for $wrapper {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
                let to_text: fn(&$inner) -> String = $to_text;
                out.set_value(to_text(&self.0));
                Ok(IsNull::No)
            }
        }

        impl FromSql<$sql, Sqlite> for $wrapper {
            fn from_sql(bytes: <Sqlite as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
                let text = <String as FromSql<Text, Sqlite>>::from_sql(bytes)?;
                let from_text: fn(&str) -> deserialize::Result<$inner> = $from_text;
                from_text(&text).map(Self)
            }
        }

        impl HasSqlType<$sql> for MultiBackend {
            fn metadata(lookup: &mut Self::MetadataLookup) -> Self::TypeMetadata {
                MultiBackend::lookup_sql_type::<$sql>(lookup)
            }
        }

        impl ToSql<$sql, MultiBackend> for $wrapper {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
                out.set_value(($sql, self));
                Ok(IsNull::No)
            }
        }

        impl FromSql<$sql, MultiBackend> for $wrapper {
            fn from_sql(bytes: <MultiBackend as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
                bytes.from_sql::<$wrapper, $sql>()
            }
        }
    };
}

portable_type! {
    /// `uuid` on PostgreSQL, canonical hyphenated TEXT on SQLite.
    sql = PUuid, pg_type = diesel::sql_types::Uuid, oid = 2950, array_oid = 2951,
    wrapper = DbUuid(uuid::Uuid),
    to_text = |v| v.hyphenated().to_string(),
    from_text = |s| uuid::Uuid::parse_str(s).map_err(Into::into),
}

portable_type! {
    /// `timestamptz` on PostgreSQL; on SQLite, TEXT in one fixed UTC format
    /// (`2026-11-30 08:15:00.123456+00:00`) so that text order is time order.
    sql = PTimestamptz, pg_type = diesel::sql_types::Timestamptz, oid = 1184, array_oid = 1185,
    wrapper = DbTime(DateTime<Utc>),
    to_text = |v| sqlite_time_text(v),
    from_text = |s| parse_sqlite_time(s),
}

portable_type! {
    /// `jsonb` on PostgreSQL, JSON TEXT on SQLite.
    sql = PJsonb, pg_type = diesel::sql_types::Jsonb, oid = 3802, array_oid = 3807,
    wrapper = DbJson(serde_json::Value),
    to_text = |v| v.to_string(),
    from_text = |s| serde_json::from_str(s).map_err(Into::into),
}

/// A closed vocabulary (a snake_case enum of `vocab`) in a TEXT column, spelt as in the API:
/// rows hold `RequestStatus`, not a string to decode. Models name it with
/// `#[diesel(serialize_as = DbText<T>, deserialize_as = DbText<T>)]` (`text_column!` gives a
/// type the conversion back); a stored value that does not decode fails the query.
#[derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow, Debug, Clone, Copy, PartialEq, Eq)]
#[diesel(sql_type = Text)]
pub struct DbText<T>(pub T);

impl<T> From<T> for DbText<T> {
    fn from(value: T) -> Self {
        Self(value)
    }
}

/// Lets rows hold these types directly (`deserialize_as = DbText<T>`); invoked next to the
/// vocabularies that live in feature folders.
macro_rules! text_columns {
    ($($ty:ty),* $(,)?) => {$(
        impl From<$crate::db::types::DbText<$ty>> for $ty {
            fn from(value: $crate::db::types::DbText<$ty>) -> Self {
                value.0
            }
        }
    )*};
}
pub(crate) use text_columns;

text_columns!(
    crate::vocab::RequestStatus,
    crate::vocab::Priority,
    crate::vocab::Outcome,
    crate::vocab::RequestKind,
    crate::vocab::ClockKind,
    crate::vocab::Obligor,
    crate::vocab::EventType,
    crate::vocab::PartyKind,
    crate::vocab::PartyStatus,
);

impl<T: Serialize + std::fmt::Debug> ToSql<Text, Pg> for DbText<T> {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        out.write_all(super::codec::encode_text(&self.0).as_bytes())?;
        Ok(IsNull::No)
    }
}

impl<T: Serialize + std::fmt::Debug> ToSql<Text, Sqlite> for DbText<T> {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(super::codec::encode_text(&self.0));
        Ok(IsNull::No)
    }
}

impl<T: Serialize + std::fmt::Debug + Send + Sync + 'static> ToSql<Text, MultiBackend> for DbText<T> {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
        out.set_value((Text, self));
        Ok(IsNull::No)
    }
}

fn text_value<T: DeserializeOwned>(text: String) -> deserialize::Result<DbText<T>> {
    serde_json::from_value(serde_json::Value::String(text)).map(DbText).map_err(Into::into)
}

impl<T: DeserializeOwned> FromSql<Text, Pg> for DbText<T> {
    fn from_sql(bytes: <Pg as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        text_value(<String as FromSql<Text, Pg>>::from_sql(bytes)?)
    }
}

impl<T: DeserializeOwned> FromSql<Text, Sqlite> for DbText<T> {
    fn from_sql(bytes: <Sqlite as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        text_value(<String as FromSql<Text, Sqlite>>::from_sql(bytes)?)
    }
}

impl<T: DeserializeOwned> FromSql<Text, MultiBackend> for DbText<T> {
    fn from_sql(bytes: <MultiBackend as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        bytes.from_sql::<DbText<T>, Text>()
    }
}

/// The one text form of an instant on SQLite: UTC, microseconds, explicit offset.
/// PostgreSQL keeps microseconds, so both backends round-trip the same value.
pub fn sqlite_time_text(value: &DateTime<Utc>) -> String {
    value.format("%Y-%m-%d %H:%M:%S%.6f+00:00").to_string()
}

fn parse_sqlite_time(text: &str) -> deserialize::Result<DateTime<Utc>> {
    // Written by us: "%Y-%m-%d %H:%M:%S%.f%:z". Also accept RFC 3339 and SQLite's own
    // CURRENT_TIMESTAMP ("YYYY-MM-DD HH:MM:SS", which is UTC) for rows written by SQL defaults.
    if let Ok(t) = DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f%:z") {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f")
        .map(|t| t.and_utc())
        .map_err(|e| format!("invalid timestamp {text:?} in SQLite: {e}").into())
}

/// Truncate to microseconds, the precision both backends store.
pub fn to_db_precision(value: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(&value.to_rfc3339_opts(SecondsFormat::Micros, true))
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_time_text_round_trips_and_sorts() {
        let a = DateTime::parse_from_rfc3339("2026-01-02T03:04:05.123456Z").unwrap().with_timezone(&Utc);
        let b = DateTime::parse_from_rfc3339("2026-01-02T03:04:05.5Z").unwrap().with_timezone(&Utc);
        assert_eq!(sqlite_time_text(&a), "2026-01-02 03:04:05.123456+00:00");
        assert_eq!(parse_sqlite_time(&sqlite_time_text(&a)).unwrap(), a);
        assert!(sqlite_time_text(&a) < sqlite_time_text(&b));
    }

    #[test]
    fn sqlite_time_accepts_sql_defaults() {
        let t = parse_sqlite_time("2026-11-30 00:00:00").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-30T00:00:00+00:00");
        assert!(parse_sqlite_time("yesterday").is_err());
    }

    #[test]
    fn precision_is_truncated_to_micros() {
        let t = DateTime::parse_from_rfc3339("2026-01-02T03:04:05.123456789Z").unwrap().with_timezone(&Utc);
        assert_eq!(to_db_precision(t).timestamp_subsec_nanos(), 123_456_000);
    }
}
