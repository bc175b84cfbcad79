//! Value types parsed once at the edge ("parse, don't validate").
//!
//! CreatorIQ hands us free text for almost everything: states as codes or full names in any case,
//! countries spelled five ways, flags as `true`/`Yes`/`1`, amounts as numbers or numeric strings.
//! Each type here turns that text into a value that cannot be wrong afterwards, or into an error
//! that says exactly what was wrong so an operator can fix it in CreatorIQ.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Collapses runs of whitespace to one space and trims the ends, so `"  new   york "` and
/// `"New York"` compare equal after case folding.
fn squash_spaces(raw: &str) -> String {
    raw.split_whitespace().collect::<Vec<_>>().join(" ")
}

// ---------------------------------------------------------------------------------------------
// US states
// ---------------------------------------------------------------------------------------------

/// The 50 states and the District of Columbia: (postal code, name).
const US_STATES: [(&str, &str); 51] = [
    ("AL", "Alabama"),
    ("AK", "Alaska"),
    ("AZ", "Arizona"),
    ("AR", "Arkansas"),
    ("CA", "California"),
    ("CO", "Colorado"),
    ("CT", "Connecticut"),
    ("DE", "Delaware"),
    ("DC", "District of Columbia"),
    ("FL", "Florida"),
    ("GA", "Georgia"),
    ("HI", "Hawaii"),
    ("ID", "Idaho"),
    ("IL", "Illinois"),
    ("IN", "Indiana"),
    ("IA", "Iowa"),
    ("KS", "Kansas"),
    ("KY", "Kentucky"),
    ("LA", "Louisiana"),
    ("ME", "Maine"),
    ("MD", "Maryland"),
    ("MA", "Massachusetts"),
    ("MI", "Michigan"),
    ("MN", "Minnesota"),
    ("MS", "Mississippi"),
    ("MO", "Missouri"),
    ("MT", "Montana"),
    ("NE", "Nebraska"),
    ("NV", "Nevada"),
    ("NH", "New Hampshire"),
    ("NJ", "New Jersey"),
    ("NM", "New Mexico"),
    ("NY", "New York"),
    ("NC", "North Carolina"),
    ("ND", "North Dakota"),
    ("OH", "Ohio"),
    ("OK", "Oklahoma"),
    ("OR", "Oregon"),
    ("PA", "Pennsylvania"),
    ("RI", "Rhode Island"),
    ("SC", "South Carolina"),
    ("SD", "South Dakota"),
    ("TN", "Tennessee"),
    ("TX", "Texas"),
    ("UT", "Utah"),
    ("VT", "Vermont"),
    ("VA", "Virginia"),
    ("WA", "Washington"),
    ("WV", "West Virginia"),
    ("WI", "Wisconsin"),
    ("WY", "Wyoming"),
];

/// Other spellings of DC seen in address data.
const DC_ALIASES: [&str; 4] = [
    "d.c.",
    "washington dc",
    "washington d.c.",
    "washington, d.c.",
];

/// US territories and freely associated areas with a postal code. They are not states, so
/// coverage cannot be written for work there; they get their own error so the message can say so
/// instead of the vaguer "not a US state".
const US_TERRITORIES: [(&str, &str); 6] = [
    ("PR", "Puerto Rico"),
    ("GU", "Guam"),
    ("VI", "U.S. Virgin Islands"),
    ("AS", "American Samoa"),
    ("MP", "Northern Mariana Islands"),
    ("UM", "U.S. Minor Outlying Islands"),
];

/// Extra names for territories that people type.
const TERRITORY_ALIASES: [(&str, &str); 5] = [
    ("us virgin islands", "U.S. Virgin Islands"),
    ("virgin islands", "U.S. Virgin Islands"),
    ("united states virgin islands", "U.S. Virgin Islands"),
    ("commonwealth of puerto rico", "Puerto Rico"),
    ("cnmi", "Northern Mariana Islands"),
];

/// One of the 50 US states or the District of Columbia.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UsState {
    /// Index into [`US_STATES`]; private so every value is a real state.
    index: u8,
}

/// Why a piece of text is not one of the 50 states or DC.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsStateError {
    #[error("no state given")]
    Blank,
    /// A US territory such as Puerto Rico: part of the US, but not a state.
    #[error("{name} is a US territory, not one of the 50 states or DC")]
    Territory { raw: String, name: &'static str },
    #[error("\"{raw}\" is not recognised as one of the 50 US states or DC")]
    Unknown { raw: String },
}

impl UsState {
    /// Every state plus DC, in the order of [`UsState::code`]'s table.
    pub fn all() -> impl Iterator<Item = UsState> {
        (0..US_STATES.len()).map(|i| UsState { index: i as u8 })
    }

    /// Reads a two-letter code or a full name in any case, ignoring stray spaces
    /// (`" ma "`, `"Massachusetts"`, `"NEW  YORK"`).
    pub fn parse(raw: &str) -> Result<UsState, UsStateError> {
        let squashed = squash_spaces(raw);
        if squashed.is_empty() {
            return Err(UsStateError::Blank);
        }
        let folded = squashed.to_lowercase();
        // "M.A." and "m.a" are occasionally typed for codes; drop the dots for the code check only.
        let dotless = folded.replace('.', "");
        for (i, (code, name)) in US_STATES.iter().enumerate() {
            if dotless.eq_ignore_ascii_case(code) || folded.eq_ignore_ascii_case(name) {
                return Ok(UsState { index: i as u8 });
            }
        }
        if DC_ALIASES.contains(&folded.as_str()) {
            if let Some(i) = US_STATES.iter().position(|(c, _)| *c == "DC") {
                return Ok(UsState { index: i as u8 });
            }
        }
        let territory = US_TERRITORIES
            .iter()
            .find(|(code, name)| {
                dotless.eq_ignore_ascii_case(code) || folded.eq_ignore_ascii_case(name)
            })
            .map(|(_, name)| *name)
            .or_else(|| {
                TERRITORY_ALIASES
                    .iter()
                    .find(|(alias, _)| folded == *alias)
                    .map(|(_, name)| *name)
            });
        match territory {
            Some(name) => Err(UsStateError::Territory {
                raw: squashed,
                name,
            }),
            None => Err(UsStateError::Unknown { raw: squashed }),
        }
    }

    /// Two-letter postal code, e.g. `MA`.
    pub fn code(self) -> &'static str {
        US_STATES[usize::from(self.index)].0
    }

    /// Full name, e.g. `Massachusetts`.
    pub fn name(self) -> &'static str {
        US_STATES[usize::from(self.index)].1
    }
}

impl fmt::Debug for UsState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UsState({})", self.code())
    }
}

impl fmt::Display for UsState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for UsState {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for UsState {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        UsState::parse(&raw).map_err(serde::de::Error::custom)
    }
}

// ---------------------------------------------------------------------------------------------
// Country
// ---------------------------------------------------------------------------------------------

/// A country as CreatorIQ reports it: the many spellings of the United States collapse to
/// [`Country::Us`]; anything else is kept as written (trimmed) so it can be shown to the operator.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Country {
    Us,
    Other(String),
}

impl Country {
    /// `None` for blank text; we never guess a country that was not given.
    pub fn parse(raw: &str) -> Option<Country> {
        let squashed = squash_spaces(raw);
        if squashed.is_empty() {
            return None;
        }
        let key: String = squashed
            .to_lowercase()
            .chars()
            .filter(|c| *c != '.')
            .collect();
        let key = squash_spaces(&key);
        let is_us = matches!(
            key.as_str(),
            "us" | "usa"
                | "u s"
                | "u s a"
                | "united states"
                | "united states of america"
                | "the united states"
                | "the united states of america"
        );
        Some(if is_us {
            Country::Us
        } else {
            Country::Other(squashed)
        })
    }

    pub fn is_us(&self) -> bool {
        matches!(self, Country::Us)
    }
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Country::Us => f.write_str("US"),
            Country::Other(name) => f.write_str(name),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Email
// ---------------------------------------------------------------------------------------------

/// A syntactically plausible email address (trimmed; domain lower-cased).
///
/// Deliberately not RFC 5322 complete: quoted local parts and IP-literal domains are rejected
/// because no creator uses them and accepting them would let obvious typos through. What we do
/// catch is what breaks delivery in practice: spaces, missing `@`, two `@`, missing dot in the
/// domain, empty labels, trailing dots.
#[derive(Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Email(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("no email address given")]
    Blank,
    #[error("\"{raw}\" is not a valid email address ({reason})")]
    Invalid { raw: String, reason: &'static str },
}

impl Email {
    pub fn parse(raw: &str) -> Result<Email, EmailError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(EmailError::Blank);
        }
        let invalid = |reason| EmailError::Invalid {
            raw: trimmed.to_string(),
            reason,
        };
        if trimmed.len() > 254 {
            return Err(invalid("longer than 254 characters"));
        }
        if trimmed.chars().any(char::is_whitespace) {
            return Err(invalid("contains a space"));
        }
        let mut parts = trimmed.split('@');
        let (local, domain) = match (parts.next(), parts.next(), parts.next()) {
            (Some(l), Some(d), None) => (l, d),
            (_, None, _) => return Err(invalid("missing @")),
            _ => return Err(invalid("more than one @")),
        };
        if local.is_empty() {
            return Err(invalid("nothing before the @"));
        }
        if local.len() > 64 {
            return Err(invalid("the part before the @ is too long"));
        }
        const LOCAL_SPECIALS: &str = "!#$%&'*+/=?^_`{|}~.-";
        if !local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || LOCAL_SPECIALS.contains(c))
        {
            return Err(invalid("unexpected character before the @"));
        }
        if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
            return Err(invalid("misplaced dot before the @"));
        }
        if domain.is_empty() {
            return Err(invalid("nothing after the @"));
        }
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2 {
            return Err(invalid("the domain has no dot"));
        }
        for label in &labels {
            if label.is_empty() {
                return Err(invalid("misplaced dot in the domain"));
            }
            if label.len() > 63
                || label.starts_with('-')
                || label.ends_with('-')
                || !label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            {
                return Err(invalid("unexpected character in the domain"));
            }
        }
        let tld = labels.last().copied().unwrap_or_default();
        if tld.len() < 2 || !tld.chars().all(|c| c.is_ascii_alphabetic()) {
            return Err(invalid("the domain ending is not valid"));
        }
        Ok(Email(format!("{local}@{}", domain.to_ascii_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Email({})", self.0)
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Email {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Email {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Email::parse(&raw).map_err(serde::de::Error::custom)
    }
}

// ---------------------------------------------------------------------------------------------
// Flags
// ---------------------------------------------------------------------------------------------

/// A yes/no custom field (Agency Pay, Insurance Exempt).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Flag(bool);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{raw}\" is not one of true, false, yes, no, 1 or 0")]
pub struct InvalidFlag {
    pub raw: String,
}

impl Flag {
    /// `Ok(None)` when blank, so the caller applies the documented default; any case and stray
    /// spaces accepted. Nothing beyond true/false/yes/no/1/0 is guessed: a value like `"maybe"`
    /// or `"Y"` is an operator typo worth surfacing, not silently reading as false.
    pub fn parse(raw: &str) -> Result<Option<Flag>, InvalidFlag> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Ok(None);
        }
        match trimmed.to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" => Ok(Some(Flag(true))),
            "false" | "no" | "0" => Ok(Some(Flag(false))),
            _ => Err(InvalidFlag {
                raw: trimmed.to_string(),
            }),
        }
    }

    /// Like [`Flag::parse`], applying `default` when blank. Returns the value and whether the
    /// default was used.
    pub fn parse_or(raw: Option<&str>, default: bool) -> Result<(bool, bool), InvalidFlag> {
        match raw.map(Flag::parse).transpose()?.flatten() {
            Some(flag) => Ok((flag.0, false)),
            None => Ok((default, true)),
        }
    }

    pub fn get(self) -> bool {
        self.0
    }
}

// ---------------------------------------------------------------------------------------------
// Money
// ---------------------------------------------------------------------------------------------

/// An amount of US dollars held as whole cents, so sums and comparisons are exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Money(i64);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("no amount given")]
    Blank,
    #[error(
        "\"{raw}\" is not a plain number (use digits with an optional decimal point, e.g. 4500 or 4500.00, with no $ sign or commas)"
    )]
    NotPlainNumber { raw: String },
    #[error("\"{raw}\" has more than two decimal places")]
    TooManyDecimals { raw: String },
    #[error("\"{raw}\" is negative")]
    Negative { raw: String },
    #[error("\"{raw}\" is zero")]
    Zero { raw: String },
    #[error("\"{raw}\" is too large")]
    TooLarge { raw: String },
}

/// Largest amount we accept: ten billion dollars. Far above any creator payment, and keeps every
/// arithmetic on cents comfortably inside `i64`.
const MAX_CENTS: i64 = 1_000_000_000_000;

impl Money {
    pub const ZERO: Money = Money(0);

    pub fn from_cents(cents: i64) -> Money {
        Money(cents)
    }

    pub fn cents(self) -> i64 {
        self.0
    }

    pub fn is_positive(self) -> bool {
        self.0 > 0
    }

    /// The strict "plain number" grammar required of Base Pay: digits, optionally a decimal point
    /// followed by one or two digits, surrounded by optional spaces. `4500` and `4500.00` pass;
    /// `$4,500.00`, `4,500`, `4500.` and `.5` do not.
    ///
    /// `4500.001` is rejected (`TooManyDecimals`) rather than rounded: a third decimal is either a
    /// typo or a value we would silently change, and the operator should see it. A leading `-` is
    /// reported as `Negative` because that is the clearer message for "-5".
    pub fn parse_plain(raw: &str) -> Result<Money, MoneyError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(MoneyError::Blank);
        }
        let owned = || trimmed.to_string();
        if let Some(rest) = trimmed.strip_prefix('-') {
            // Only call it negative when the rest is a plain number; "-abc" is just not a number.
            return match Money::parse_plain(rest) {
                Ok(_) | Err(MoneyError::Zero { .. }) => Err(MoneyError::Negative { raw: owned() }),
                Err(_) => Err(MoneyError::NotPlainNumber { raw: owned() }),
            };
        }
        let (whole, frac) = match trimmed.split_once('.') {
            Some((w, f)) => (w, Some(f)),
            None => (trimmed, None),
        };
        let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(whole) {
            return Err(MoneyError::NotPlainNumber { raw: owned() });
        }
        let frac_cents = match frac {
            None => 0,
            Some(f) if !all_digits(f) => return Err(MoneyError::NotPlainNumber { raw: owned() }),
            Some(f) if f.len() > 2 => return Err(MoneyError::TooManyDecimals { raw: owned() }),
            Some(f) => {
                let digits: i64 = f
                    .parse()
                    .map_err(|_| MoneyError::NotPlainNumber { raw: owned() })?;
                if f.len() == 1 {
                    digits * 10
                } else {
                    digits
                }
            }
        };
        let cents =
            cents_from_parts(whole, frac_cents).ok_or(MoneyError::TooLarge { raw: owned() })?;
        Ok(Money(cents))
    }

    /// A looser reading for amounts CreatorIQ itself computes (payouts), which arrive as JSON
    /// numbers or numeric strings: optional sign, any number of decimals (rounded half away from
    /// zero to the cent). Currency symbols and thousands separators are still refused, because a
    /// payout carrying them means the data is not what we think it is.
    pub fn parse_amount(raw: &str) -> Result<Money, MoneyError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(MoneyError::Blank);
        }
        let owned = || trimmed.to_string();
        let (negative, unsigned) = match trimmed.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, trimmed.strip_prefix('+').unwrap_or(trimmed)),
        };
        let (whole, frac) = match unsigned.split_once('.') {
            Some((w, f)) => (w, f),
            None => (unsigned, ""),
        };
        let whole = if whole.is_empty() && !frac.is_empty() {
            "0"
        } else {
            whole
        };
        let digits_only = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !digits_only(whole) || !digits_only(frac) {
            return Err(MoneyError::NotPlainNumber { raw: owned() });
        }
        let mut frac_digits = frac.bytes().map(|b| i64::from(b - b'0'));
        let tenths = frac_digits.next().unwrap_or(0);
        let hundredths = frac_digits.next().unwrap_or(0);
        let round_up = frac_digits.next().unwrap_or(0) >= 5;
        let frac_cents = tenths * 10 + hundredths + i64::from(round_up);
        let cents =
            cents_from_parts(whole, frac_cents).ok_or(MoneyError::TooLarge { raw: owned() })?;
        Ok(Money(if negative { -cents } else { cents }))
    }
}

/// `whole` dollars (ASCII digits) plus `frac_cents` (0..=100), or `None` above [`MAX_CENTS`].
fn cents_from_parts(whole: &str, frac_cents: i64) -> Option<i64> {
    let trimmed = whole.trim_start_matches('0');
    if trimmed.len() > 12 {
        return None;
    }
    let dollars: i64 = if trimmed.is_empty() {
        0
    } else {
        trimmed.parse().ok()?
    };
    let cents = dollars.checked_mul(100)?.checked_add(frac_cents)?;
    (cents <= MAX_CENTS).then_some(cents)
}

impl fmt::Display for Money {
    /// `$4,500.00`, `-$5.00`: how the dashboard shows amounts.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let dollars = (abs / 100).to_string();
        let mut grouped = String::with_capacity(dollars.len() + dollars.len() / 3);
        for (i, ch) in dollars.chars().enumerate() {
            if i > 0 && (dollars.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(ch);
        }
        write!(f, "{sign}${grouped}.{:02}", abs % 100)
    }
}

/// The Base Pay custom field: a strictly plain, positive number (see [`Money::parse_plain`]).
///
/// Zero is refused: the premium is computed from base pay, so a zero base pay would quote free
/// coverage; the operator almost certainly meant to leave the field blank (which falls back to
/// the payment amount).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BasePay(Money);

impl BasePay {
    pub fn parse(raw: &str) -> Result<BasePay, MoneyError> {
        let money = Money::parse_plain(raw)?;
        if money.is_positive() {
            Ok(BasePay(money))
        } else {
            Err(MoneyError::Zero {
                raw: raw.trim().to_string(),
            })
        }
    }

    pub fn money(self) -> Money {
        self.0
    }
}

// ---------------------------------------------------------------------------------------------
// Dates
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("no date given")]
    Blank,
    #[error("\"{raw}\" is not a date CreatorIQ normally sends (expected YYYY-MM-DD)")]
    Unreadable { raw: String },
}

/// Reads a CreatorIQ date. CIQ sends `2022-07-01`, and on some endpoints a date-time such as
/// `2022-07-01 00:00:00` or `2016-01-20 16:00:00.0000000 -08:00`; the calendar date as written is
/// what the campaign means, so any time and offset after it are ignored rather than converted.
pub fn parse_ciq_date(raw: &str) -> Result<NaiveDate, DateError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(DateError::Blank);
    }
    let unreadable = || DateError::Unreadable {
        raw: trimmed.to_string(),
    };
    let head = trimmed.get(..10).ok_or_else(unreadable)?;
    let rest = &trimmed[head.len()..];
    if !(rest.is_empty() || rest.starts_with(' ') || rest.starts_with('T')) {
        return Err(unreadable());
    }
    NaiveDate::parse_from_str(head, "%Y-%m-%d").map_err(|_| unreadable())
}

// ---------------------------------------------------------------------------------------------
// API key
// ---------------------------------------------------------------------------------------------

/// A CreatorIQ API key. It is a bearer-equivalent secret, so it never prints: `Debug` and
/// `Display` show only the last four characters (`ApiKey(••••1234)`), and only when the key is
/// long enough that four characters give nothing away.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiKeyError {
    #[error("the API key is empty")]
    Blank,
    #[error("the API key contains spaces or control characters; paste it again without them")]
    BadCharacters,
}

impl ApiKey {
    pub fn parse(raw: &str) -> Result<ApiKey, ApiKeyError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(ApiKeyError::Blank);
        }
        // It goes into an HTTP header: only visible ASCII is safe there.
        if !trimmed.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ApiKeyError::BadCharacters);
        }
        Ok(ApiKey(trimmed.to_string()))
    }

    /// The secret itself, for the `x-api-key` header and webhook signature checks only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `••••1234`, or `••••` for keys shorter than 8 characters.
    pub fn masked(&self) -> String {
        let len = self.0.len();
        if len >= 8 {
            format!("••••{}", &self.0[len - 4..])
        } else {
            "••••".to_string()
        }
    }

    /// The last four characters (empty for keys shorter than 8), for a "key ending in" label.
    pub fn last4(&self) -> &str {
        let len = self.0.len();
        if len >= 8 {
            &self.0[len - 4..]
        } else {
            ""
        }
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiKey({})", self.masked())
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

#[cfg(test)]
mod tests;
