//! Typed values in generic columns: closed vocabularies stored as TEXT, lists and records
//! stored as JSON. A stored value that does not decode is a defect of the data, reported as an
//! internal error naming the column.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::DbError;

pub fn decode<T: DeserializeOwned>(column: &str, value: Value) -> Result<T, DbError> {
    serde_json::from_value(value).map_err(|e| DbError::Decode { column: column.to_owned(), cause: e.to_string() })
}

/// Decodes a TEXT column holding a snake_case enum value.
pub fn decode_text<T: DeserializeOwned>(column: &str, text: String) -> Result<T, DbError> {
    decode(column, Value::String(text))
}

pub fn encode<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// The TEXT form of a snake_case enum value.
pub fn encode_text<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(Value::String(text)) => text,
        other => other.map(|v| v.to_string()).unwrap_or_default(),
    }
}
