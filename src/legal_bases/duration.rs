//! ISO 8601 durations as the catalogue writes them (`P10D`, `PT8H`, `P2W`, `P1DT12H`).
//! Years and months are refused: their length depends on the calendar, and legal clocks in
//! the catalogue are stated in days and hours.

use std::fmt;

use chrono::TimeDelta;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A fixed-length duration that keeps the text it was written as, so the API shows `PT96H`
/// where the law says 96 hours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IsoDuration {
    delta: TimeDelta,
    text: String,
}

impl IsoDuration {
    pub fn as_delta(&self) -> TimeDelta {
        self.delta
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let rest = text.strip_prefix('P').ok_or_else(|| format!("{text:?}: an ISO 8601 duration starts with P"))?;
        let (date_part, time_part) = match rest.split_once('T') {
            Some((_, "")) => return Err(format!("{text:?}: nothing after T")),
            Some((d, t)) => (d, Some(t)),
            None => (rest, None),
        };
        let mut seconds: i64 = 0;
        let mut any = false;
        for (number, unit) in components(date_part, text)? {
            let factor = match unit {
                'W' => 7 * 86_400,
                'D' => 86_400,
                'Y' | 'M' => {
                    return Err(format!("{text:?}: years and months have no fixed length; use days (e.g. P30D)"));
                }
                other => return Err(format!("{text:?}: unknown date unit {other:?}")),
            };
            seconds = add(seconds, number, factor, text)?;
            any = true;
        }
        for (number, unit) in components(time_part.unwrap_or(""), text)? {
            let factor = match unit {
                'H' => 3_600,
                'M' => 60,
                'S' => 1,
                other => return Err(format!("{text:?}: unknown time unit {other:?}")),
            };
            seconds = add(seconds, number, factor, text)?;
            any = true;
        }
        if !any {
            return Err(format!("{text:?}: a duration needs at least one component, e.g. P10D"));
        }
        let delta = TimeDelta::try_seconds(seconds).ok_or_else(|| format!("{text:?}: too long"))?;
        Ok(IsoDuration { delta, text: text.to_owned() })
    }
}

fn components(part: &str, whole: &str) -> Result<Vec<(i64, char)>, String> {
    let mut out = Vec::new();
    let mut digits = String::new();
    for c in part.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else {
            let number = digits.parse::<i64>().map_err(|_| format!("{whole:?}: expected a number before {c:?}"))?;
            out.push((number, c));
            digits.clear();
        }
    }
    if !digits.is_empty() {
        return Err(format!("{whole:?}: number {digits} has no unit"));
    }
    Ok(out)
}

fn add(total: i64, number: i64, factor: i64, whole: &str) -> Result<i64, String> {
    number.checked_mul(factor).and_then(|s| total.checked_add(s)).ok_or_else(|| format!("{whole:?}: too long"))
}

impl fmt::Display for IsoDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Serialize for IsoDuration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for IsoDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        IsoDuration::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hours(text: &str) -> i64 {
        IsoDuration::parse(text).unwrap().as_delta().num_hours()
    }

    #[test]
    fn parses_the_catalogue_forms() {
        assert_eq!(hours("P10D"), 240);
        assert_eq!(hours("PT8H"), 8);
        assert_eq!(hours("PT96H"), 96);
        assert_eq!(hours("P2W"), 336);
        assert_eq!(hours("P1DT12H"), 36);
        assert_eq!(IsoDuration::parse("PT90M").unwrap().as_delta().num_minutes(), 90);
    }

    #[test]
    fn refuses_what_is_not_a_fixed_duration() {
        for bad in ["", "10D", "P", "PT", "P1Y", "P2M", "PT8", "P1.5D", "P-1D", "P10DX", "PT1D", "P99999999999999999D"]
        {
            assert!(IsoDuration::parse(bad).is_err(), "{bad:?} should be refused");
        }
        assert!(IsoDuration::parse("P1M").unwrap_err().contains("use days"));
    }

    #[test]
    fn keeps_the_written_form() {
        for input in ["P10D", "PT96H", "P1DT12H", "PT0S"] {
            let d = IsoDuration::parse(input).unwrap();
            assert_eq!(d.to_string(), input);
            assert_eq!(serde_json::to_value(&d).unwrap(), input);
        }
        assert_eq!(IsoDuration::parse("PT96H").unwrap().as_delta(), IsoDuration::parse("P4D").unwrap().as_delta());
    }
}
