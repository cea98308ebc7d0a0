//! The wire shape of the legal-basis catalogue: instruments, recipients, required fields,
//! clocks and extensions, each with its citation.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::duration::IsoDuration;
use super::model::LegalBasisRow;
use crate::db::codec::{decode, decode_text};
use crate::error::ApiError;
use crate::vocab::{ClockKind, ClockTrigger, DataCategory, Designation, Obligor, Priority, RecipientKind, RequestKind};

/// A legal instrument a request can rest on, with its clocks and their sources.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
/// (The example is the catalogue's own entry, as `GET /v1/legal-bases/eu_epoc_pr` answers it.)
#[schema(example = json!({
    "code": "eu_epoc_pr",
    "title": "European Preservation Order (EPOC-PR)",
    "instrument": "Regulation (EU) 2023/1543",
    "article": "Art 11",
    "request_kind": "preservation",
    "allowed_recipient_kinds": [
        "service_provider"
    ],
    "preferred_designations": [],
    "required_fields": [
        {
            "field": "targets",
            "source": "Annex II",
            "source_quote": null,
            "source_url": null,
            "verified": false
        }
    ],
    "clocks": [
        {
            "kind": "preservation",
            "obligation_of": "addressee",
            "starts_on": "received",
            "duration": "P60D",
            "emergency_duration": null,
            "binding": true,
            "pauses_on_clarification": false,
            "when_data_categories": null,
            "kept_while_follow_up_open": true,
            "citation": "Reg. (EU) 2023/1543 Art 11(1): preservation ceases after 60 days unless a production request is confirmed (Annex V); Art 11(2): then as long as necessary. The addressee cannot set an earlier end",
            "source_quote": "shall cease after 60 days, unless … Annex V …; … extend … by an additional 30-day period",
            "source_url": "https://fantasticsearch.net/law/eu/en?article=1&id=X20lZpsB1anJoctM1I2V",
            "verified": true
        }
    ],
    "extensions": [
        {
            "clock": "preservation",
            "max_extensions": 1,
            "duration": "P30D",
            "requires_reasons": false,
            "citation": "Reg. (EU) 2023/1543 Art 11(1), Annex VI: one extension of 30 days within the 60-day period"
        }
    ],
    "refusal_grounds": [],
    "refusal_grounds_exhaustive": false,
    "citation": "Regulation (EU) 2023/1543 Art 11",
    "source_quote": null,
    "source_url": "https://fantasticsearch.net/law/eu/en?article=1&id=X20lZpsB1anJoctM1I2V",
    "verified": true,
    "binding": true,
    "in_force": null,
    "notes": "Once the issuing authority confirms a follow-up production request (Annex V), data are preserved as long as necessary to produce them (Art 11(2)); the issuer must say when preservation is no longer needed (Art 11(3)).",
    "effective_from": "2026-12-01T00:00:00Z",
    "updated_at": "2026-12-01T00:00:00Z"
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
    /// The grounds on which the addressee (or the enforcing authority) may refuse, each with
    /// its source. Empty where the catalogue does not list them.
    pub refusal_grounds: Vec<RefusalGround>,
    /// True where the text allows refusal only on the listed grounds (ETS 185 Art 30(2)): a
    /// refusal on legal grounds must name one (`refusal_ground` of the response).
    #[serde(default)]
    pub refusal_grounds_exhaustive: bool,
    /// Legal citation of the basis as a whole.
    pub citation: String,
    /// A short quote of the primary text the basis rests on.
    pub source_quote: Option<String>,
    /// Where the cited text can be read.
    pub source_url: Option<String>,
    /// False while a value has not been checked against the primary legal text.
    pub verified: bool,
    /// Whether a request on this basis obliges its addressee. False where compliance is
    /// voluntary or the provision does not apply to the issuer (e.g. 18 U.S.C. 2703(f) for a
    /// foreign authority, which is not a "governmental entity" under 18 U.S.C. 2711(4)).
    pub binding: bool,
    /// Whether the instrument is in force, where that is in doubt (e.g. CETS 224).
    pub in_force: Option<InForce>,
    pub notes: Option<String>,
    /// The version of this entry: the time from which it applies. A request keeps the
    /// version it was submitted under.
    pub effective_from: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Entry-into-force status of an instrument, as data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InForce {
    /// `in_force`, `not_in_force` or `unknown`.
    #[schema(example = "unknown")]
    pub status: String,
    pub note: String,
    #[serde(default)]
    pub source_url: Option<String>,
}

/// A ground for refusal and its source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefusalGround {
    #[schema(example = "political_offence")]
    pub ground: String,
    pub citation: String,
    #[serde(default)]
    pub source_quote: Option<String>,
    #[serde(default)]
    pub source_url: Option<String>,
    /// True only when `source_quote` holds the primary text.
    #[serde(default)]
    pub verified: bool,
}

/// A condition on a clock rule: all that are given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClockCondition {
    /// The request has one of these priorities.
    #[serde(default)]
    pub priorities: Option<Vec<Priority>>,
    /// These declarations of the request's content are true (e.g. `provisional_measures`,
    /// `directly_accessible`).
    #[serde(default)]
    pub flags: Vec<String>,
    /// These declarations are false or absent.
    #[serde(default)]
    pub not_flags: Vec<String>,
}

/// A field a request must carry, and the provision that requires it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequiredField {
    #[schema(example = "preservation_necessity")]
    pub field: String,
    /// The provision that requires it.
    #[schema(example = "ETS 185 Art 29(2)(e)")]
    pub source: String,
    #[serde(default)]
    pub source_quote: Option<String>,
    #[serde(default)]
    pub source_url: Option<String>,
    /// True only when `source_quote` holds the primary text.
    #[serde(default)]
    pub verified: bool,
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
    /// The clock applies only when the request meets this condition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<ClockCondition>,
    /// Preservation only: an open follow-up request keeps the data preserved past the due time
    /// (Reg. 2023/1543 Art 11(2), ETS 185 Art 29(7)); false elsewhere (18 U.S.C. 2703(f)).
    #[serde(default)]
    pub kept_while_follow_up_open: bool,
    /// The addressee may derogate from this time where a judicial authorisation is needed, to
    /// the extent necessary to obtain it (Dir. (EU) 2023/977 Art 5(2)): the clock pauses.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub derogable_for_judicial_authorisation: bool,
    pub citation: String,
    /// A short quote of the primary text that sets (or shows there is no) time.
    #[serde(default)]
    pub source_quote: Option<String>,
    #[serde(default)]
    pub source_url: Option<String>,
    /// True only when `source_quote` holds the primary text.
    #[serde(default)]
    pub verified: bool,
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
            refusal_grounds: decode("legal_bases.refusal_grounds", row.refusal_grounds)?,
            refusal_grounds_exhaustive: row.refusal_grounds_exhaustive,
            in_force: row.in_force.map(|v| decode("legal_bases.in_force", v.0)).transpose()?,
            title: row.title,
            instrument: row.instrument,
            article: row.article,
            citation: row.citation,
            source_quote: row.source_quote,
            source_url: row.source_url,
            verified: row.verified,
            binding: row.binding,
            notes: row.notes,
            effective_from: row.effective_from,
            updated_at: row.updated_at,
            code,
        })
    }
}
