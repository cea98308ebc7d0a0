//! Reads of the legal-basis catalogue.

use diesel::prelude::*;

use super::dto::LegalBasis;
use super::model::LegalBasisRow;
use crate::db::AnyConnection;
use crate::db::schema::legal_bases::dsl;
use crate::error::ApiError;

pub fn list(conn: &mut AnyConnection) -> Result<Vec<LegalBasis>, ApiError> {
    let rows: Vec<LegalBasisRow> =
        dsl::legal_bases.select(LegalBasisRow::as_select()).order(dsl::code.asc()).load(conn)?;
    rows.into_iter().map(LegalBasis::try_from_row).collect()
}

pub fn find(conn: &mut AnyConnection, code: &str) -> Result<Option<LegalBasis>, ApiError> {
    let row: Option<LegalBasisRow> =
        dsl::legal_bases.select(LegalBasisRow::as_select()).filter(dsl::code.eq(code)).first(conn).optional()?;
    row.map(LegalBasis::try_from_row).transpose()
}
