//! An independent reading of PRODUCT.md section 5, applied to the sandbox's raw data, so the
//! tests can check that scenarios mean what the README says and that proportions are realistic.

use chrono::NaiveDate;
use ciq_sandbox::data::{Assignment, Campaign, Publisher};

const STATES: &[(&str, &str)] = &[
    ("AL", "Alabama"),
    ("AK", "Alaska"),
    ("AZ", "Arizona"),
    ("AR", "Arkansas"),
    ("CA", "California"),
    ("CO", "Colorado"),
    ("CT", "Connecticut"),
    ("DE", "Delaware"),
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
    ("DC", "District of Columbia"),
];

fn blank(s: &Option<String>) -> bool {
    s.as_deref().is_none_or(|s| s.trim().is_empty())
}

fn us_state(s: &str) -> bool {
    let s = s.trim();
    STATES
        .iter()
        .any(|(c, n)| c.eq_ignore_ascii_case(s) || n.eq_ignore_ascii_case(s))
}

fn us_country(c: &Option<String>) -> bool {
    match c.as_deref().map(str::trim) {
        None | Some("") => true,
        Some(c) => [
            "us",
            "usa",
            "united states",
            "united states of america",
            "u.s.",
            "u.s.a.",
        ]
        .contains(&c.to_ascii_lowercase().as_str()),
    }
}

fn email_ok(e: &str) -> bool {
    let e = e.trim();
    match e.split_once('@') {
        Some((l, d)) => {
            !l.is_empty()
                && d.contains('.')
                && !d.contains('@')
                && !e.contains(' ')
                && !d.starts_with('.')
                && !d.ends_with('.')
        }
        None => false,
    }
}

/// `Some(true/false)`, or `None` when the value is not a recognised flag. Blank = false.
fn flag(v: &Option<String>) -> Option<bool> {
    match v.as_deref().map(|s| s.trim().to_ascii_lowercase()) {
        None => Some(false),
        Some(s) => match s.as_str() {
            "" | "false" | "no" | "0" => Some(false),
            "true" | "yes" | "1" => Some(true),
            _ => None,
        },
    }
}

fn plain_number(s: &str) -> bool {
    let s = s.trim();
    let (int, frac) = s.split_once('.').unwrap_or((s, "0"));
    !int.is_empty()
        && int.chars().all(|c| c.is_ascii_digit())
        && !frac.is_empty()
        && frac.chars().all(|c| c.is_ascii_digit())
}

/// (status, codes) the product should reach for this creator on this campaign.
pub fn evaluate(
    c: &Campaign,
    a: &Assignment,
    p: &Publisher,
    today: NaiveDate,
) -> (&'static str, Vec<&'static str>) {
    if a.status != "Accepted" {
        return ("not_accepted", vec![]);
    }
    let cf = |n: usize| &a.custom_fields[n - 1];
    let exempt = flag(cf(9));
    if exempt == Some(true) {
        return ("exempt", vec![]);
    }
    let mut codes = Vec::new();
    match &p.email {
        e if blank(e) => codes.push("missing_email"),
        Some(e) if !email_ok(e) => codes.push("invalid_email"),
        _ => {}
    }
    if blank(&p.state) {
        codes.push("missing_home_state");
    }
    if a.payout.is_none_or(|v| v <= 0.0) {
        codes.push("missing_payment_amount");
    }
    if let Some(bp) = cf(10).as_deref().filter(|s| !s.trim().is_empty()) {
        if !plain_number(bp) {
            codes.push("invalid_base_pay");
        } else if bp.trim().parse::<f64>().is_ok_and(|v| v > 0.0 && v < 1.0) {
            codes.push("base_pay_below_minimum");
        }
    } else if a.payout.is_some_and(|v| v > 0.0 && v < 1.0) {
        codes.push("base_pay_below_minimum");
    }
    let work_bad = match cf(8).as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(ws) => !us_state(ws),
        None => {
            !blank(&p.state)
                && (!us_country(&p.country) || !us_state(p.state.as_deref().unwrap_or("")))
        }
    };
    if work_bad {
        codes.push("non_us_work_state");
    }
    let date = |s: &Option<String>| {
        s.as_deref()
            .filter(|s| !s.trim().is_empty())
            .and_then(|s| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok())
    };
    match (date(&c.start_date), date(&c.end_date)) {
        (Some(s), Some(e)) => {
            if s < today {
                codes.push("campaign_start_in_past");
            }
            if e < s {
                codes.push("campaign_end_before_start");
            }
        }
        _ => codes.push("missing_campaign_dates"),
    }
    let agency = flag(cf(7));
    if agency.is_none() || exempt.is_none() {
        codes.push("invalid_flag");
    }
    if agency == Some(true) {
        match cf(4) {
            e if blank(e) => codes.push("missing_po_contact_email"),
            Some(e) if !email_ok(e) => codes.push("invalid_po_contact_email"),
            _ => {}
        }
        if blank(cf(5)) {
            codes.push("missing_po_contact_name");
        }
    }
    if codes.is_empty() {
        ("synced", codes)
    } else {
        ("needs_attention", codes)
    }
}
