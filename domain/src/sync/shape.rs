//! The pure middle of the pipeline: CreatorIQ data in, the rows it means out. No I/O, no clock.
//!
//! fetch (engine) -> [`map_contractor`] -> [`decide`] -> [`row_update`] -> [`campaign_sync`]
//! -> the planner (`writes.rs`) -> the store.

use std::collections::HashMap;

use crate::creatoriq::model::{Campaign, CampaignPublisher, CampaignPublishers};
use crate::mapping::{map_contractor, ContactInfo, MappedContractor};
use crate::rules::{coverage_fingerprint, decide, Decision, Terms};
use crate::store::{
    CampaignRecord, CampaignSync, ContractorUpdate, Estimate, PurchaseOrder, SyncFailure,
};

/// The campaign as stored, or `None` when CreatorIQ sent no id.
pub fn campaign_record(campaign: &Campaign) -> Option<CampaignRecord> {
    Some(CampaignRecord {
        ciq_campaign_id: campaign.campaign_id?,
        name: campaign.campaign_name.clone(),
        description: campaign.description.clone(),
        start_date: campaign.start_date.clone(),
        end_date: campaign.end_date.clone(),
    })
}

/// Maps, decides and shapes one creator on one campaign. `None` when the entry has no
/// publisher id or the campaign no id (nothing to key the row on).
pub fn row_update(
    campaign: &Campaign,
    entry: &CampaignPublisher,
    contact: Option<&ContactInfo>,
    terms: &Terms,
) -> Option<ContractorUpdate> {
    let mapped = map_contractor(campaign, entry, contact);
    let decision = decide(&mapped, terms);
    shape_row(&mapped, &decision)
}

fn shape_row(mapped: &MappedContractor, decision: &Decision) -> Option<ContractorUpdate> {
    let (failures, warnings, fingerprint, estimate) = match decision {
        Decision::NeedsAttention { failures, warnings } => {
            (failures.clone(), warnings.clone(), None, None)
        }
        Decision::Valid(valid) => (
            Vec::new(),
            valid.warnings.clone(),
            Some(coverage_fingerprint(valid)),
            Some(Estimate::of_quote(valid.coverage, &valid.quote)),
        ),
        Decision::Exempt | Decision::NotAccepted { .. } => (Vec::new(), Vec::new(), None, None),
    };
    let state = |code: Option<&'static str>, raw: Option<&str>| {
        code.map(str::to_string).or(raw.map(str::to_string))
    };
    Some(ContractorUpdate {
        ciq_campaign_id: mapped.campaign_id?,
        ciq_publisher_id: mapped.publisher_id?,
        status: decision.status(),
        creator_name: mapped.creator_name.clone(),
        email: mapped
            .email
            .ok()
            .map(|e| e.as_str().to_string())
            .or_else(|| mapped.email.raw_text().map(str::to_string)),
        ciq_status: mapped.ciq_status.ok().cloned(),
        work_state: state(
            mapped.work_state.ok().map(|s| s.code()),
            mapped.work_state.raw_text(),
        ),
        home_state: state(
            mapped.home_state.ok().map(|s| s.code()),
            mapped.home_state.raw_text(),
        ),
        base_pay_cents: mapped.base_pay.ok().map(|m| m.cents()),
        payment_amount_cents: mapped.payment_amount.ok().map(|m| m.cents()),
        agency_pay: mapped.agency_pay.ok().copied(),
        coverage_start: mapped.coverage_start.ok().copied(),
        coverage_end: mapped.coverage_end.ok().copied(),
        failures,
        warnings,
        fields: mapped.field_summaries(),
        fingerprint,
        estimate,
        po: PurchaseOrder {
            number: mapped.po_number.ok().cloned(),
            contact_email: mapped.po_contact_email.ok().map(|e| e.as_str().to_string()),
            contact_name: mapped.po_contact_name.ok().cloned(),
        },
    })
}

/// Why an entry CreatorIQ listed could not be read, in operator words.
pub fn unreadable_failure(reason: &str) -> SyncFailure {
    SyncFailure {
        code: "unreadable_entry".to_string(),
        message: format!(
            "CreatorIQ sent this creator's campaign entry in a form that could not be read \
             ({reason}). It is retried on the next sync."
        ),
    }
}

/// Everything one campaign's sync writes: one row per creator in `publishers`, `error` rows for
/// entries that could not be read, and (the list being complete) removal of the others.
/// `contacts` is keyed by publisher id.
pub fn campaign_sync(
    record: CampaignRecord,
    campaign: &Campaign,
    publishers: &CampaignPublishers,
    contacts: &HashMap<i64, ContactInfo>,
    terms: &Terms,
) -> CampaignSync {
    // The campaign id comes from the list even if an entry omits it.
    let mut campaign = campaign.clone();
    campaign.campaign_id = Some(record.ciq_campaign_id);
    let rows = publishers
        .publishers
        .iter()
        .filter_map(|(id, entry)| row_update(&campaign, entry, contacts.get(id), terms))
        .collect();
    let unreadable = publishers
        .unreadable
        .iter()
        .filter_map(|u| {
            let id = u.key.trim().parse::<i64>().ok()?;
            Some((id, unreadable_failure(&u.reason)))
        })
        .collect();
    CampaignSync {
        campaign: record,
        rows,
        unreadable,
        removed: Vec::new(),
        complete: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::creatoriq::model::{CustomFields, FinalPayout, RawAmount, UnreadableEntry};
    use crate::rating::RatingTable;
    use crate::store::{ContractorStatus, CoverageTypes};
    use chrono::NaiveDate;

    fn campaign() -> Campaign {
        Campaign {
            campaign_id: Some(7),
            campaign_name: Some("Summer".into()),
            start_date: Some("2030-06-01".into()),
            end_date: Some("2030-07-01".into()),
            ..Campaign::default()
        }
    }

    fn entry(id: i64, status: &str, work_state: Option<&str>) -> CampaignPublisher {
        CampaignPublisher {
            publisher_id: Some(id),
            status: Some(status.into()),
            custom_fields: Some(CustomFields::from_pairs([(8, work_state)])),
            final_payout: Some(FinalPayout {
                final_payout: Some(RawAmount("4500".into())),
                ..FinalPayout::default()
            }),
            ..CampaignPublisher::default()
        }
    }

    fn contact(name: &str) -> ContactInfo {
        ContactInfo {
            full_name: Some(name.into()),
            email: Some("jo@example.com".into()),
            state: Some("MA".into()),
            country: Some("USA".into()),
            ..ContactInfo::default()
        }
    }

    fn terms(required: CoverageTypes) -> Terms {
        Terms {
            today: NaiveDate::from_ymd_opt(2030, 1, 1).unwrap(),
            required,
            rating: std::sync::Arc::new(RatingTable::example()),
        }
    }

    #[test]
    fn valid_rows_carry_a_fingerprint_that_ignores_the_name() {
        let a = row_update(
            &campaign(),
            &entry(1, "Accepted", None),
            Some(&contact("Jo")),
            &terms(CoverageTypes::Both),
        )
        .unwrap();
        assert_eq!(a.status, ContractorStatus::Synced);
        assert_eq!(a.work_state.as_deref(), Some("MA"));
        assert_eq!(a.base_pay_cents, Some(450_000));
        let renamed = row_update(
            &campaign(),
            &entry(1, "Accepted", None),
            Some(&contact("Jo Renamed")),
            &terms(CoverageTypes::Both),
        )
        .unwrap();
        assert_eq!(a.fingerprint, renamed.fingerprint);
        assert_ne!(a.content_hash(), renamed.content_hash());
        let moved = row_update(
            &campaign(),
            &entry(1, "Accepted", Some("TX")),
            Some(&contact("Jo")),
            &terms(CoverageTypes::Both),
        )
        .unwrap();
        assert_ne!(a.fingerprint, moved.fingerprint);
        let general_only = row_update(
            &campaign(),
            &entry(1, "Accepted", None),
            Some(&contact("Jo")),
            &terms(CoverageTypes::General),
        )
        .unwrap();
        assert_ne!(a.fingerprint, general_only.fingerprint);
    }

    #[test]
    fn statuses_and_failures() {
        let invited = row_update(
            &campaign(),
            &entry(2, "Invited", None),
            Some(&contact("Jo")),
            &terms(CoverageTypes::Both),
        )
        .unwrap();
        assert_eq!(invited.status, ContractorStatus::NotAccepted);
        assert_eq!(invited.fingerprint, None);
        let no_contact = row_update(
            &campaign(),
            &entry(3, "Accepted", None),
            None,
            &terms(CoverageTypes::Both),
        )
        .unwrap();
        assert_eq!(no_contact.status, ContractorStatus::NeedsAttention);
        let codes: Vec<&str> = no_contact
            .failures
            .iter()
            .map(|f| f.code.as_str())
            .collect();
        assert!(codes.contains(&"missing_email"), "{codes:?}");
        assert!(codes.contains(&"missing_home_state"), "{codes:?}");
    }

    #[test]
    fn campaign_plan_keeps_unreadable_entries_as_errors() {
        let mut publishers = CampaignPublishers::default();
        publishers.publishers.insert(1, entry(1, "Accepted", None));
        publishers.unreadable.push(UnreadableEntry {
            key: "99".into(),
            reason: "expected an object".into(),
        });
        publishers.unreadable.push(UnreadableEntry {
            key: "IntegrationSettings".into(),
            reason: "not a creator".into(),
        });
        let contacts = HashMap::from([(1, contact("Jo"))]);
        let record = campaign_record(&campaign()).unwrap();
        let sync = campaign_sync(
            record,
            &campaign(),
            &publishers,
            &contacts,
            &terms(CoverageTypes::Both),
        );
        assert_eq!(sync.rows.len(), 1);
        assert_eq!(sync.unreadable.len(), 1);
        assert_eq!(sync.unreadable[0].0, 99);
        assert!(sync.complete);
    }
}
