//! The rating table: what cover costs and where it cannot be sold.
//!
//! Loaded once at start-up from `RATES_FILE` (TOML, the insurer's), or the shipped example
//! table (`domain/data/rates.example.toml`) when that is unset. A table that cannot be read
//! refuses start-up with the line at fault.
//!
//! **Arithmetic.** Premium per coverage type = base pay × net rate, where the net rate is cents
//! of premium per $100 of pay (1099Policy's definition: 65 means 0.65%). The platform fee =
//! base pay × a flat percentage, paid by the organization. Every amount is whole cents, each
//! rounded on its own to the nearest cent with halves rounded up ([`share_of`]), and totals are
//! sums of rounded amounts, so a quote's lines always add up to its total.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::values::{Money, UsState};
pub use vocabulary::{CoverageKind, CoverageTypes};

/// The shipped example table.
pub const EXAMPLE_TABLE: &str = include_str!("../data/rates.example.toml");

/// Net rates and fees are in ten-thousandths of base pay: 65 cents per $100 is 65 / 10,000.
const PER: i128 = 10_000;

/// `base_cents × parts / 10,000`, rounded to the nearest cent with halves up. Amounts here are
/// never negative; a negative input rounds towards zero like its mirror image.
pub fn share_of(base_cents: i64, parts: u32) -> i64 {
    let product = i128::from(base_cents) * i128::from(parts);
    let rounded = (product.abs() * 2 + PER) / (2 * PER);
    let signed = if product < 0 { -rounded } else { rounded };
    i64::try_from(signed).unwrap_or(i64::MAX)
}

/// Who pays what, `(creator, organization)`: the creator pays the premium unless the agency
/// pays it on their behalf (Agency Pay); the organization always pays the platform fee.
pub fn payer_split(
    premium_cents: i64,
    platform_fee_cents: i64,
    agency_pays_premium: bool,
) -> (i64, i64) {
    if agency_pays_premium {
        (0, premium_cents + platform_fee_cents)
    } else {
        (premium_cents, platform_fee_cents)
    }
}

/// Where a table came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RatesOrigin {
    /// The shipped example: pages say "example rates".
    Example,
    /// The insurer's file.
    File(String),
}

/// Cover that cannot be sold in some states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unavailable {
    pub coverage: CoverageKind,
    /// Decided by the work state (`true`) or the creator's home state (`false`).
    pub by_work_state: bool,
    pub states: Vec<UsState>,
    /// The reason, with `{state}` for the state's name.
    pub reason: String,
}

/// One limit a policy states, as the certificate prints it: "Each occurrence", "$1,000,000".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limit {
    pub label: String,
    pub value: String,
}

/// A loaded rating table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatingTable {
    pub origin: RatesOrigin,
    /// Hundredths of a percent of base pay (2.5% = 250).
    pub platform_fee_basis_points: u32,
    rates: BTreeMap<CoverageKind, KindRates>,
    unavailable: Vec<Unavailable>,
    /// Who issues the policies, as certificates and invoices name them.
    insurer: String,
    limits: BTreeMap<CoverageKind, Vec<Limit>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct KindRates {
    default: u32,
    by_state: BTreeMap<UsState, u32>,
}

/// Why a table was refused: the line (1-based) and what is wrong there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{source_name}, line {line}: {message}")]
pub struct RatesError {
    pub source_name: String,
    pub line: usize,
    pub message: String,
}

/// One coverage type of a quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteLine {
    pub coverage: CoverageKind,
    /// Cents of premium per $100 of pay.
    pub net_rate: u32,
    pub premium_cents: i64,
}

/// What cover for one creator on one campaign costs, and who pays what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    pub base_pay_cents: i64,
    pub lines: Vec<QuoteLine>,
    pub platform_fee_cents: i64,
    /// Agency Pay: the organization pays the premium on the creator's behalf.
    pub agency_pays_premium: bool,
}

impl Quote {
    /// Every line's premium added up.
    pub fn premium_cents(&self) -> i64 {
        self.lines.iter().map(|l| l.premium_cents).sum()
    }

    /// What the creator pays: the premium, unless the agency pays it.
    pub fn creator_pays_cents(&self) -> i64 {
        payer_split(
            self.premium_cents(),
            self.platform_fee_cents,
            self.agency_pays_premium,
        )
        .0
    }

    /// What the organization pays: the platform fee, plus the premium under Agency Pay.
    pub fn agency_pays_cents(&self) -> i64 {
        payer_split(
            self.premium_cents(),
            self.platform_fee_cents,
            self.agency_pays_premium,
        )
        .1
    }

    pub fn line(&self, coverage: CoverageKind) -> Option<&QuoteLine> {
        self.lines.iter().find(|l| l.coverage == coverage)
    }
}

/// Which of the required cover can be sold for one creator.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Availability {
    pub available: Vec<CoverageKind>,
    /// Each required kind that cannot be sold, with why.
    pub unavailable: Vec<(CoverageKind, String)>,
}

impl Availability {
    /// The available kinds as the coverage setting's words, or `None` when nothing is.
    pub fn available_types(&self) -> Option<CoverageTypes> {
        CoverageTypes::of_kinds(&self.available)
    }
}

impl RatingTable {
    /// The shipped example table.
    pub fn example() -> RatingTable {
        RatingTable::parse(EXAMPLE_TABLE, RatesOrigin::Example)
            .expect("the shipped example rating table is valid (tested)")
    }

    /// Reads `RATES_FILE`.
    pub fn load(path: &Path) -> Result<RatingTable, RatesError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| RatesError {
            source_name: format!("RATES_FILE {name}"),
            line: 0,
            message: format!("cannot be read: {e}"),
        })?;
        RatingTable::parse(&text, RatesOrigin::File(name))
    }

    /// Parses a table. Errors name the line, as the insurer's editor shows it.
    pub fn parse(text: &str, origin: RatesOrigin) -> Result<RatingTable, RatesError> {
        let source_name = match &origin {
            RatesOrigin::Example => "the example rating table".to_string(),
            RatesOrigin::File(name) => format!("RATES_FILE {name}"),
        };
        let at = |offset: usize, message: String| RatesError {
            source_name: source_name.clone(),
            line: text[..offset.min(text.len())].matches('\n').count() + 1,
            message,
        };
        let raw: RawTable = toml::from_str(text).map_err(|e| {
            at(
                e.span().map_or(0, |s| s.start),
                e.message().trim_end_matches('\n').to_string(),
            )
        })?;

        let fee = &raw.platform_fee_percent;
        let platform_fee_basis_points =
            percent_to_basis_points(fee.get_ref()).ok_or_else(|| {
                at(
                    fee.span().start,
                    "platform_fee_percent must be a number from 0 to 100 with at most two \
                     decimals, e.g. 2.5"
                        .to_string(),
                )
            })?;

        let mut rates = BTreeMap::new();
        for (name, table) in &raw.rates {
            let kind = CoverageKind::from_policy_name(name.get_ref()).ok_or_else(|| {
                at(
                    name.span().start,
                    format!(
                        "[rates.{}] is not a coverage type: use [rates.general] or \
                         [rates.workers-comp]",
                        name.get_ref()
                    ),
                )
            })?;
            let mut default = None;
            let mut by_state = BTreeMap::new();
            for (key, value) in table.get_ref() {
                let rate = net_rate(value.get_ref()).ok_or_else(|| {
                    at(
                        value.span().start,
                        format!(
                            "{} must be a whole number of cents per $100 of pay from 1 to 10000 \
                             (65 means 0.65%)",
                            key.get_ref()
                        ),
                    )
                })?;
                if key.get_ref() == "default" {
                    default = Some(rate);
                    continue;
                }
                let state = UsState::parse(key.get_ref())
                    .ok()
                    .filter(|s| s.code() == key.get_ref().trim())
                    .ok_or_else(|| {
                        at(
                            key.span().start,
                            format!(
                                "\"{}\" is not a two-letter US state code (or `default`)",
                                key.get_ref()
                            ),
                        )
                    })?;
                by_state.insert(state, rate);
            }
            let default = default.ok_or_else(|| {
                at(
                    name.span().start,
                    format!("[rates.{}] has no `default` rate", name.get_ref()),
                )
            })?;
            rates.insert(kind, KindRates { default, by_state });
        }
        for kind in CoverageKind::ALL {
            if !rates.contains_key(&kind) {
                return Err(at(
                    text.len(),
                    format!(
                        "the table has no [rates.{}] section; every coverage type needs rates",
                        kind.policy_name()
                    ),
                ));
            }
        }

        let mut unavailable = Vec::new();
        for entry in &raw.unavailable {
            let start = entry.span().start;
            let e = entry.get_ref();
            let coverage = CoverageKind::from_policy_name(&e.coverage).ok_or_else(|| {
                at(
                    start,
                    format!(
                        "coverage = \"{}\" is not a coverage type (general or workers-comp)",
                        e.coverage
                    ),
                )
            })?;
            let by_work_state = match e.by.as_str() {
                "work_state" => true,
                "home_state" => false,
                other => {
                    return Err(at(
                        start,
                        format!("by = \"{other}\" must be \"work_state\" or \"home_state\""),
                    ))
                }
            };
            let mut states = Vec::new();
            for raw_state in &e.states {
                let state = UsState::parse(raw_state)
                    .ok()
                    .filter(|s| s.code() == raw_state.trim())
                    .ok_or_else(|| {
                        at(
                            start,
                            format!("\"{raw_state}\" is not a two-letter US state code"),
                        )
                    })?;
                states.push(state);
            }
            if e.reason.trim().is_empty() {
                return Err(at(
                    start,
                    "every [[unavailable]] entry needs a reason".into(),
                ));
            }
            unavailable.push(Unavailable {
                coverage,
                by_work_state,
                states,
                reason: e.reason.trim().to_string(),
            });
        }

        let Some(raw_insurer) = &raw.insurer else {
            return Err(at(
                text.len(),
                "the table has no [insurer] section: name = \"...\" is printed on certificates \
                 and invoices"
                    .into(),
            ));
        };
        let insurer = raw_insurer.get_ref().name.trim().to_string();
        if insurer.is_empty() {
            return Err(at(
                raw_insurer.span().start,
                "[insurer] needs a name, as certificates and invoices print it".into(),
            ));
        }
        let limits = read_limits(&raw.limits, &at)?;

        Ok(RatingTable {
            origin,
            platform_fee_basis_points,
            rates,
            unavailable,
            insurer,
            limits,
        })
    }

    /// Who issues the policies.
    pub fn insurer(&self) -> &str {
        &self.insurer
    }

    /// The limits a policy of `coverage` states.
    pub fn limits(&self, coverage: CoverageKind) -> &[Limit] {
        self.limits.get(&coverage).map_or(&[], Vec::as_slice)
    }

    /// Whether pages must say "example rates".
    pub fn is_example(&self) -> bool {
        self.origin == RatesOrigin::Example
    }

    /// Cents of premium per $100 of pay for `coverage` in `work_state`.
    pub fn net_rate(&self, coverage: CoverageKind, work_state: UsState) -> u32 {
        self.rates.get(&coverage).map_or(0, |r| {
            r.by_state.get(&work_state).copied().unwrap_or(r.default)
        })
    }

    /// The platform fee on `base_pay_cents`.
    pub fn platform_fee_cents(&self, base_pay_cents: i64) -> i64 {
        share_of(base_pay_cents, self.platform_fee_basis_points)
    }

    /// Which of `required` can be sold for a creator working in `work_state` and living in
    /// `home_state` (unknown when the work state was set explicitly and they live abroad).
    pub fn availability(
        &self,
        required: CoverageTypes,
        work_state: UsState,
        home_state: Option<UsState>,
    ) -> Availability {
        let mut out = Availability::default();
        for &kind in required.kinds() {
            let refusal = self.unavailable.iter().find_map(|u| {
                let state = if u.by_work_state {
                    Some(work_state)
                } else {
                    home_state
                }?;
                (u.coverage == kind && u.states.contains(&state))
                    .then(|| u.reason.replace("{state}", state.name()))
            });
            match refusal {
                Some(reason) => out.unavailable.push((kind, reason)),
                None => out.available.push(kind),
            }
        }
        out
    }

    /// The quote for `kinds` on `base_pay` in `work_state`.
    pub fn quote(
        &self,
        base_pay: Money,
        work_state: UsState,
        kinds: &[CoverageKind],
        agency_pays_premium: bool,
    ) -> Quote {
        let base = base_pay.cents();
        Quote {
            base_pay_cents: base,
            lines: kinds
                .iter()
                .map(|&coverage| {
                    let net_rate = self.net_rate(coverage, work_state);
                    QuoteLine {
                        coverage,
                        net_rate,
                        premium_cents: share_of(base, net_rate),
                    }
                })
                .collect(),
            platform_fee_cents: self.platform_fee_cents(base),
            agency_pays_premium,
        }
    }
}

impl fmt::Display for RatesOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RatesOrigin::Example => f.write_str("example rates"),
            RatesOrigin::File(name) => write!(f, "rates from {name}"),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    platform_fee_percent: Spanned<toml::Value>,
    rates: BTreeMap<Spanned<String>, Spanned<RawRates>>,
    #[serde(default)]
    unavailable: Vec<Spanned<RawUnavailable>>,
    // Optional to serde so that a table's rates are checked first; required below.
    insurer: Option<Spanned<RawInsurer>>,
    #[serde(default)]
    limits: BTreeMap<Spanned<String>, Spanned<RawRates>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInsurer {
    name: String,
}

/// The limits each coverage type states, their keys in the table and their printed labels.
/// Workers' compensation itself is statutory (set by the state), so it has no amount.
const LIMIT_KEYS: [(CoverageKind, &[(&str, &str)]); 2] = [
    (
        CoverageKind::General,
        &[
            ("each_occurrence", "Each occurrence"),
            ("aggregate", "General aggregate"),
        ],
    ),
    (
        CoverageKind::WorkersComp,
        &[(
            "employers_liability_each_accident",
            "Employer's liability, each accident",
        )],
    ),
];

/// Reads `[limits.<type>]`: whole dollars for each of the type's keys, every type present.
fn read_limits(
    raw: &BTreeMap<Spanned<String>, Spanned<RawRates>>,
    at: &dyn Fn(usize, String) -> RatesError,
) -> Result<BTreeMap<CoverageKind, Vec<Limit>>, RatesError> {
    let mut out = BTreeMap::new();
    for (name, table) in raw {
        let kind = CoverageKind::from_policy_name(name.get_ref()).ok_or_else(|| {
            at(
                name.span().start,
                format!(
                    "[limits.{}] is not a coverage type: use [limits.general] or \
                     [limits.workers-comp]",
                    name.get_ref()
                ),
            )
        })?;
        let keys = LIMIT_KEYS
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or(&[][..], |(_, keys)| *keys);
        let mut limits = Vec::new();
        if kind == CoverageKind::WorkersComp {
            limits.push(Limit {
                label: "Workers' compensation".into(),
                value: "Statutory".into(),
            });
        }
        for key in table.get_ref().keys() {
            if !keys.iter().any(|(k, _)| *k == key.get_ref()) {
                let known: Vec<&str> = keys.iter().map(|(k, _)| *k).collect();
                return Err(at(
                    key.span().start,
                    format!(
                        "{} is not a limit of [limits.{}]; it takes {}",
                        key.get_ref(),
                        name.get_ref(),
                        known.join(" and ")
                    ),
                ));
            }
        }
        for (key, label) in keys {
            let found = table.get_ref().iter().find(|(k, _)| k.get_ref() == key);
            let (_, value) = found.ok_or_else(|| {
                at(
                    name.span().start,
                    format!("[limits.{}] has no `{key}`", name.get_ref()),
                )
            })?;
            let dollars = value
                .get_ref()
                .as_integer()
                .filter(|d| (1..=1_000_000_000).contains(d))
                .ok_or_else(|| {
                    at(
                        value.span().start,
                        format!("{key} must be a whole number of dollars, e.g. 1000000"),
                    )
                })?;
            let shown = Money::from_cents(dollars * 100).to_string();
            limits.push(Limit {
                label: (*label).to_string(),
                value: shown.trim_end_matches(".00").to_string(),
            });
        }
        out.insert(kind, limits);
    }
    for kind in CoverageKind::ALL {
        if !out.contains_key(&kind) {
            return Err(at(
                usize::MAX,
                format!(
                    "the table has no [limits.{}] section; every coverage type needs its limits",
                    kind.policy_name()
                ),
            ));
        }
    }
    Ok(out)
}

/// One coverage type's rates: `default` and two-letter state codes, each with its line.
type RawRates = BTreeMap<Spanned<String>, Spanned<toml::Value>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUnavailable {
    coverage: String,
    by: String,
    states: Vec<String>,
    reason: String,
}

fn net_rate(value: &toml::Value) -> Option<u32> {
    let n = value.as_integer()?;
    (1..=10_000).contains(&n).then_some(n as u32)
}

fn percent_to_basis_points(value: &toml::Value) -> Option<u32> {
    let hundredths = match value {
        toml::Value::Integer(n) => n.checked_mul(100)?,
        toml::Value::Float(f) => {
            let scaled = f * 100.0;
            if !scaled.is_finite() || (scaled - scaled.round()).abs() > 1e-6 {
                return None;
            }
            scaled.round() as i64
        }
        _ => return None,
    };
    (0..=10_000)
        .contains(&hundredths)
        .then_some(hundredths as u32)
}

#[cfg(test)]
mod tests;
