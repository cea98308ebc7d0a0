use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::duration::IsoDuration;
use super::model::LegalBasisRow;
use crate::db::codec::{decode, decode_text};
use crate::error::ApiError;
use crate::vocab::{ClockKind, ClockTrigger, DataCategory, Designation, Obligor, RecipientKind, RequestKind};

/// A legal instrument a request can rest on, with its clocks and their sources.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "code": "eu_epoc_pr",
    "title": "European Preservation Order (EPOC-PR)",
    "instrument": "Regulation (EU) 2023/1543",
    "article": "Art 11",
    "request_kind": "preservation",
    "allowed_recipient_kinds": ["service_provider"],
    "preferred_designations": [],
    "required_fields": [{"field": "targets", "source": "Annex II"}],
    "clocks": [{
        "kind": "preservation", "obligation_of": "addressee", "starts_on": "received",
        "duration": "P60D", "emergency_duration": null, "binding": true,
        "pauses_on_clarification": false, "when_data_categories": null,
        "citation": "Reg. (EU) 2023/1543 Art 11(1): preservation ceases after 60 days unless a production request is confirmed (Annex V)"
    }],
    "extensions": [{"clock": "preservation", "max_extensions": 1, "duration": "P30D", "requires_reasons": false,
        "citation": "Reg. (EU) 2023/1543 Art 11(1), Annex VI: one extension of 30 days within the 60-day period"}],
    "citation": "Regulation (EU) 2023/1543 Art 11",
    "source_url": "https://fantasticsearch.net/law/eu/en?article=1&id=X20lZpsB1anJoctM1I2V",
    "verified": true,
    "notes": "Once the issuing authority confirms a follow-up production request (Annex V), data are preserved as long as necessary.",
    "updated_at": "2026-11-30T00:00:00Z"
}))]
pub struct LegalBasis {
    /// Stable code used by requests.
    pub code: String,
    pub title: String,
    pub instrument: String,
    pub article: String,
    /// The kind of request this basis supports.
    pub request_kind: RequestKind,
    /// Which kinds of party may receive such a request.
    pub allowed_recipient_kinds: Vec<RecipientKind>,
    /// Designations tried in order when a request names only a country.
    pub preferred_designations: Vec<Designation>,
    /// Fields a request on this basis must carry, each with its source.
    pub required_fields: Vec<RequiredField>,
    /// The clocks a request on this basis runs.
    pub clocks: Vec<ClockRule>,
    /// How clocks may be extended.
    pub extensions: Vec<ExtensionRule>,
    /// Legal citation of the basis as a whole.
    pub citation: String,
    /// Where the cited text can be read.
    pub source_url: Option<String>,
    /// False while a value has not been checked against the primary legal text.
    pub verified: bool,
    pub notes: Option<String>,
    pub updated_at: DateTime<Utc>,
}

/// A field a request must carry, and the provision that requires it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequiredField {
    #[schema(example = "preservation_necessity")]
    pub field: String,
    #[schema(example = "ETS 185 Art 29(2)(e)")]
    pub source: String,
}

/// A legal clock: who must act, from which event, within how long.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClockRule {
    pub kind: ClockKind,
    pub obligation_of: Obligor,
    pub starts_on: ClockTrigger,
    /// ISO 8601 duration (days and hours only).
    #[schema(value_type = String, example = "P10D", pattern = r"^P(\d+W)?(\d+D)?(T(\d+H)?(\d+M)?(\d+S)?)?$")]
    pub duration: IsoDuration,
    /// Shorter duration that applies to emergency requests.
    #[schema(value_type = Option<String>, example = "PT8H")]
    pub emergency_duration: Option<IsoDuration>,
    /// True when the time is set by law; false when it is a default target the party may change.
    pub binding: bool,
    /// Whether a pending clarification request pauses this clock.
    pub pauses_on_clarification: bool,
    /// The clock applies only when the request asks for one of these categories.
    pub when_data_categories: Option<Vec<DataCategory>>,
    pub citation: String,
}

/// How a clock may be extended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtensionRule {
    pub clock: ClockKind,
    #[schema(example = 1)]
    pub max_extensions: u32,
    #[schema(value_type = String, example = "P30D")]
    pub duration: IsoDuration,
    /// Whether the extension must state its reasons.
    pub requires_reasons: bool,
    pub citation: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LegalBasisList {
    pub items: Vec<LegalBasis>,
}

/// Filters on the catalogue.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct LegalBasisFilter {
    /// Only bases for this kind of request.
    pub request_kind: Option<RequestKind>,
    /// Only bases that allow this kind of recipient.
    pub recipient_kind: Option<RecipientKind>,
}

impl LegalBasisFilter {
    pub fn accepts(&self, basis: &LegalBasis) -> bool {
        self.request_kind.is_none_or(|k| basis.request_kind == k)
            && self.recipient_kind.is_none_or(|k| basis.allowed_recipient_kinds.contains(&k))
    }
}

impl LegalBasis {
    /// Checks a stored row against the catalogue's types. A row that does not fit is a defect
    /// of the seed, reported as an internal error (and logged with the column at fault).
    pub fn try_from_row(row: LegalBasisRow) -> Result<Self, ApiError> {
        let code = row.code;
        let _span = tracing::debug_span!("legal_basis", code = %code).entered();
        Ok(LegalBasis {
            request_kind: decode_text("legal_bases.request_kind", row.request_kind)?,
            allowed_recipient_kinds: decode("legal_bases.allowed_recipient_kinds", row.allowed_recipient_kinds)?,
            preferred_designations: decode("legal_bases.preferred_designations", row.preferred_designations)?,
            required_fields: decode("legal_bases.required_fields", row.required_fields)?,
            clocks: decode("legal_bases.clocks", row.clocks)?,
            extensions: decode("legal_bases.extensions", row.extensions)?,
            title: row.title,
            instrument: row.instrument,
            article: row.article,
            citation: row.citation,
            source_url: row.source_url,
            verified: row.verified,
            notes: row.notes,
            updated_at: row.updated_at,
            code,
        })
    }
}
