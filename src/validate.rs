//! Small validators for identifiers the API accepts: ISO 3166-1 alpha-2 countries, ISO 639-1
//! languages, e-mail addresses. Each returns the normalised value or a reason.

/// The 249 officially assigned ISO 3166-1 alpha-2 codes.
const COUNTRIES: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ \
BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET \
FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR \
IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN \
MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY \
QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR \
TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

/// An ISO 3166-1 alpha-2 country code, upper-cased.
pub fn country(code: &str) -> Result<String, String> {
    let upper = code.trim().to_ascii_uppercase();
    if upper.len() == 2 && COUNTRIES.split(' ').any(|c| c == upper) {
        Ok(upper)
    } else {
        Err(format!("{code:?} is not an ISO 3166-1 alpha-2 country code"))
    }
}

/// An ISO 639-1 language code, lower-cased (shape only: two letters).
pub fn language(code: &str) -> Result<String, String> {
    let lower = code.trim().to_ascii_lowercase();
    if lower.len() == 2 && lower.bytes().all(|b| b.is_ascii_lowercase()) {
        Ok(lower)
    } else {
        Err(format!("{code:?} is not an ISO 639-1 language code (two letters, e.g. \"fr\")"))
    }
}

/// An e-mail address, lower-cased. Deliberately strict: one `@`, a dotted domain of
/// letters, digits and hyphens, no spaces or quotes.
pub fn email(address: &str) -> Result<String, String> {
    let lower = address.trim().to_lowercase();
    let bad = || format!("{address:?} is not an e-mail address");
    let (local, domain) = lower.split_once('@').ok_or_else(bad)?;
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local.chars().all(|c| c.is_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && domain.len() <= 253
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        });
    if local_ok && domain_ok && lower.len() <= 254 { Ok(lower) } else { Err(bad()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countries() {
        assert_eq!(COUNTRIES.split(' ').count(), 249);
        assert_eq!(country("fr").unwrap(), "FR");
        assert_eq!(country("DE").unwrap(), "DE");
        for bad in ["UK", "EU", "XX", "FRA", "", "F"] {
            assert!(country(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn languages() {
        assert_eq!(language("FR").unwrap(), "fr");
        assert!(language("fra").is_err());
        assert!(language("f1").is_err());
    }

    #[test]
    fn emails() {
        assert_eq!(email(" Ops@Police.Example.FR ").unwrap(), "ops@police.example.fr");
        assert!(email("first.last+tag@bka.bund.de").is_ok());
        for bad in ["", "a", "a@b", "@b.c", "a@.b", "a b@c.d", "a@b..c", "a@-b.c", ".a@b.c", "a\"@b.c"] {
            assert!(email(bad).is_err(), "{bad}");
        }
    }
}
