//! The stored form of a contractor's mapped-field table (`contractors.fields`).
//!
//! Every row carries the same fourteen labels, CreatorIQ source names and default texts; spelled
//! out as JSON objects they were 2 KB of a 2.3 KB row, and on SQLite a row that size takes a
//! whole 4 KB page. Stored, each field is an array `[label, value, raw, source, default,
//! problem]` with trailing nulls left off, and a label, source or default that appears in
//! [`STORED_NAMES`] is written as its position there. Reading accepts this form and the
//! earlier array of objects, so rows written before stay readable until their next change.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::mapping::{label, source, DefaultApplied, FieldSummary};

/// Strings stored as their position. Append only: stored rows refer to these positions, so an
/// entry is never removed or moved (a text that changes keeps its position and old rows read
/// the new text, which is what the contractor page should show).
const STORED_NAMES: &[&str] = &[
    // 0-13: labels, in the order the contractor page shows them.
    label::CIQ_STATUS,
    label::EMAIL,
    label::HOME_STATE,
    label::HOME_COUNTRY,
    label::WORK_STATE,
    label::COVERAGE_START,
    label::COVERAGE_END,
    label::PAYMENT_AMOUNT,
    label::BASE_PAY,
    label::AGENCY_PAY,
    label::INSURANCE_EXEMPT,
    label::PO_NUMBER,
    label::PO_CONTACT_EMAIL,
    label::PO_CONTACT_NAME,
    // 14-27: CreatorIQ sources.
    source::CAMPAIGN_STATUS,
    source::CONTACT_EMAIL,
    source::CONTACT_STATE,
    source::CONTACT_COUNTRY,
    source::WORK_STATE,
    source::CAMPAIGN_START,
    source::CAMPAIGN_END,
    source::PAYMENT_AMOUNT,
    source::BASE_PAY,
    source::AGENCY_PAY,
    source::INSURANCE_EXEMPT,
    source::PO_NUMBER,
    source::PO_CONTACT_EMAIL,
    source::PO_CONTACT_NAME,
    // 28-31: the documented defaults.
    DefaultApplied::WorkStateFromHomeState.describe(),
    DefaultApplied::BasePayFromPaymentAmount.describe(),
    DefaultApplied::AgencyPayFalse.describe(),
    DefaultApplied::InsuranceExemptFalse.describe(),
];

fn name(text: &str) -> Value {
    match STORED_NAMES.iter().position(|n| *n == text) {
        Some(i) => Value::from(i),
        None => Value::from(text),
    }
}

fn text(value: &Value, what: &str) -> Result<Option<String>, String> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s.clone())),
        Value::Number(n) => n
            .as_u64()
            .and_then(|i| STORED_NAMES.get(usize::try_from(i).ok()?))
            .map(|s| Some((*s).to_string()))
            .ok_or_else(|| format!("unknown stored {what} {n}")),
        other => Err(format!("{what} is {other}, not text")),
    }
}

/// A contractor's mapped-field table as read from its stored form.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct StoredFields(pub Vec<FieldSummary>);

/// A contractor's mapped-field table, written in its stored form.
pub(crate) struct FieldsToStore<'a>(pub &'a [FieldSummary]);

impl Serialize for FieldsToStore<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let opt = |v: &Option<String>| v.as_deref().map_or(Value::Null, Value::from);
        let fields: Vec<Value> = self
            .0
            .iter()
            .map(|f| {
                let mut cells = vec![
                    name(&f.label),
                    opt(&f.value),
                    opt(&f.raw),
                    name(&f.source),
                    f.default_applied.as_deref().map_or(Value::Null, name),
                    opt(&f.problem),
                ];
                while cells.last() == Some(&Value::Null) {
                    cells.pop();
                }
                Value::Array(cells)
            })
            .collect();
        fields.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for StoredFields {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let items = Vec::<Value>::deserialize(deserializer)?;
        items
            .into_iter()
            .map(|item| match item {
                Value::Array(cells) => {
                    let cell = |i: usize, what: &str| {
                        text(cells.get(i).unwrap_or(&Value::Null), what).map_err(D::Error::custom)
                    };
                    Ok(FieldSummary {
                        label: cell(0, "label")?.unwrap_or_default(),
                        value: cell(1, "value")?,
                        raw: cell(2, "raw")?,
                        source: cell(3, "source")?.unwrap_or_default(),
                        default_applied: cell(4, "default")?,
                        problem: cell(5, "problem")?,
                    })
                }
                // The earlier form: one object per field.
                object => serde_json::from_value(object).map_err(D::Error::custom),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(StoredFields)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::creatoriq::model::{
        Campaign, CampaignPublisher, CustomFields, FinalPayout, RawAmount,
    };
    use crate::mapping::{map_contractor, ContactInfo};

    fn fields() -> Vec<FieldSummary> {
        let campaign = Campaign {
            campaign_id: Some(1),
            start_date: Some("2030-06-01".into()),
            ..Campaign::default()
        };
        let entry = CampaignPublisher {
            publisher_id: Some(7),
            status: Some("Accepted".into()),
            custom_fields: Some(CustomFields::from_pairs([(10, Some("$4,500.00"))])),
            final_payout: Some(FinalPayout {
                final_payout: Some(RawAmount("4500".into())),
                ..FinalPayout::default()
            }),
            ..CampaignPublisher::default()
        };
        let contact = ContactInfo {
            email: Some("neo@example.com".into()),
            state: Some("Massachusetts".into()),
            country: Some("USA".into()),
            ..ContactInfo::default()
        };
        map_contractor(&campaign, &entry, Some(&contact)).field_summaries()
    }

    #[test]
    fn fields_read_back_exactly_as_written() {
        let fields = fields();
        // Values, raw text, defaults and problems all occur in this row.
        assert!(fields.iter().any(|f| f.default_applied.is_some()));
        assert!(fields.iter().any(|f| f.problem.is_some()));
        let text = serde_json::to_string(&FieldsToStore(&fields)).unwrap();
        let back: StoredFields = serde_json::from_str(&text).unwrap();
        assert_eq!(back.0, fields);
    }

    #[test]
    fn every_label_source_and_default_is_stored_as_a_number() {
        let text = serde_json::to_string(&FieldsToStore(&fields())).unwrap();
        let long = serde_json::to_string(&fields()).unwrap();
        for f in fields() {
            assert!(!text.contains(&format!("\"{}\"", f.label)), "{}", f.label);
            assert!(!text.contains(&format!("\"{}\"", f.source)), "{}", f.source);
        }
        assert!(
            text.len() * 4 < long.len(),
            "{} bytes vs {}",
            text.len(),
            long.len()
        );
    }

    #[test]
    fn unknown_names_are_kept_as_text_and_the_earlier_form_still_reads() {
        let odd = FieldSummary {
            label: "Something new".into(),
            value: Some("x".into()),
            raw: None,
            source: "CustomField99".into(),
            default_applied: None,
            problem: None,
        };
        let text = serde_json::to_string(&FieldsToStore(std::slice::from_ref(&odd))).unwrap();
        assert_eq!(text, r#"[["Something new","x",null,"CustomField99"]]"#);
        let back: StoredFields = serde_json::from_str(&text).unwrap();
        assert_eq!(back.0, vec![odd.clone()]);

        let earlier = serde_json::to_string(&vec![odd.clone()]).unwrap();
        let back: StoredFields = serde_json::from_str(&earlier).unwrap();
        assert_eq!(back.0, vec![odd]);
    }

    #[test]
    fn a_position_past_the_table_is_a_clear_error() {
        let err = serde_json::from_str::<StoredFields>("[[999]]").unwrap_err();
        assert!(
            err.to_string().contains("unknown stored label 999"),
            "{err}"
        );
    }
}
