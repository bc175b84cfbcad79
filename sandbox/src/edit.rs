//! Changes to a creator's contact data and campaign assignment, shared by CreatorIQ's write
//! endpoints and the `/_sandbox/creators/{id}` control endpoint. Every effective change fires a
//! `Publisher`/`update` webhook whose `payload.ChangedData` maps each changed field to
//! `{"OldValue": .., "NewValue": ..}` (campaign-level changes also carry `payload.CampaignId`).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::api::ApiError;
use crate::{pubsub, write, AppState};

/// Campaign statuses CreatorIQ accepts (`ChangePublishersStatusBody.status`).
pub(crate) const CAMPAIGN_STATUSES: &[&str] = &["Accepted", "Invited", "Selected", "Declined"];

/// Normalizes a campaign status (any case) to CreatorIQ's spelling.
pub(crate) fn campaign_status(s: &str) -> Option<&'static str> {
    CAMPAIGN_STATUSES
        .iter()
        .find(|c| c.eq_ignore_ascii_case(s.trim()))
        .copied()
}

/// An edit of one creator. `None` leaves a field alone; `Some(None)` clears it.
/// Campaign-level fields (`status`, `custom_fields`, `payout`) need `campaign_id`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CreatorEdit {
    /// Contact `Email`.
    pub email: Option<Option<String>>,
    /// Contact `StreetAddress`.
    pub street_address: Option<Option<String>>,
    /// Contact `StreetAddress2`.
    pub street_address2: Option<Option<String>>,
    /// Contact `City`.
    pub city: Option<Option<String>>,
    /// Contact `State` (stored raw).
    pub state: Option<Option<String>>,
    /// Contact `ZipCode`.
    pub zip_code: Option<Option<String>>,
    /// Contact `Country` (stored raw).
    pub country: Option<Option<String>>,
    /// Contact `FirstName`.
    pub first_name: Option<String>,
    /// Contact `LastName`.
    pub last_name: Option<String>,
    /// Contact `PhoneNumber1`.
    pub phone: Option<Option<String>>,
    /// The campaign for campaign-level changes.
    pub campaign_id: Option<u32>,
    /// Campaign status (`Accepted`, `Invited`, `Selected`, `Declined`; any case).
    pub status: Option<String>,
    /// Custom fields by number (1..=10), e.g. `8 => Some("TX")` for Work State.
    pub custom_fields: BTreeMap<u8, Option<String>>,
    /// Payment amount; `Some(None)` removes it. Stored rounded to a whole amount.
    pub payout: Option<Option<f64>>,
}

/// What an edit changed.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct EditOutcome {
    /// The creator.
    pub publisher_id: u32,
    /// The campaign, for campaign-level changes.
    pub campaign_id: Option<u32>,
    /// CreatorIQ names of the fields whose value changed.
    pub changed: Vec<String>,
    /// Webhook deliveries scheduled (one per matching subscription).
    pub webhooks: usize,
}

/// A string-ish JSON value: strings as-is, numbers and booleans as text, null as `None`.
pub(crate) fn text(v: &Value) -> Result<Option<String>, String> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s.clone())),
        Value::Number(n) => Ok(Some(n.to_string())),
        Value::Bool(b) => Ok(Some(b.to_string())),
        _ => Err("expected a string, number or null".to_string()),
    }
}

/// A number-ish JSON value: numbers, numeric strings, null as `None`.
pub(crate) fn number(v: &Value) -> Result<Option<f64>, String> {
    match v {
        Value::Null => Ok(None),
        Value::Number(n) => n.as_f64().map(Some).ok_or_else(|| "bad number".to_string()),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => s
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .map(Some)
            .ok_or_else(|| format!("{s:?} is not a number")),
        _ => Err("expected a number or null".to_string()),
    }
}

/// `"CustomField8"`, `"8"` -> 8.
pub(crate) fn custom_field_number(name: &str) -> Option<u8> {
    let n = name.strip_prefix("CustomField").unwrap_or(name);
    n.parse::<u8>().ok().filter(|n| (1..=10).contains(n))
}

impl CreatorEdit {
    /// Parses the body of `PATCH /_sandbox/creators/{id}`. Keys may be snake_case or
    /// CreatorIQ's names: `email`/`Email`, `street_address`/`StreetAddress`,
    /// `street_address2`/`StreetAddress2`, `city`/`City`, `state`/`State`,
    /// `zip_code`/`ZipCode`, `country`/`Country`, `first_name`/`FirstName`,
    /// `last_name`/`LastName`, `phone`/`PhoneNumber1`, `campaign_id`/`CampaignId`,
    /// `status`/`Status`, `payout`/`Payout`, `custom_fields` (object keyed `CustomField8` or `8`)
    /// and top-level `CustomField1`..`CustomField10`. Unknown keys are an error.
    pub fn from_json(v: &Value) -> Result<CreatorEdit, String> {
        let obj = v.as_object().ok_or("body must be a JSON object")?;
        let mut e = CreatorEdit::default();
        for (k, val) in obj {
            let field = |r: Result<Option<String>, String>| r.map_err(|m| format!("{k}: {m}"));
            match k.as_str() {
                "email" | "Email" => e.email = Some(field(text(val))?),
                "street_address" | "StreetAddress" => e.street_address = Some(field(text(val))?),
                "street_address2" | "StreetAddress2" => e.street_address2 = Some(field(text(val))?),
                "city" | "City" => e.city = Some(field(text(val))?),
                "state" | "State" => e.state = Some(field(text(val))?),
                "zip_code" | "ZipCode" => e.zip_code = Some(field(text(val))?),
                "country" | "Country" => e.country = Some(field(text(val))?),
                "first_name" | "FirstName" => e.first_name = field(text(val))?,
                "last_name" | "LastName" => e.last_name = field(text(val))?,
                "phone" | "PhoneNumber1" => e.phone = Some(field(text(val))?),
                "campaign_id" | "CampaignId" => {
                    let n = number(val).map_err(|m| format!("{k}: {m}"))?;
                    e.campaign_id = n.map(|n| n as u32);
                }
                "status" | "Status" => {
                    e.status = field(text(val))?;
                }
                "payout" | "Payout" => {
                    e.payout = Some(number(val).map_err(|m| format!("{k}: {m}"))?)
                }
                "custom_fields" | "CustomFields" => {
                    let m = val.as_object().ok_or("custom_fields must be an object")?;
                    for (ck, cv) in m {
                        let n = custom_field_number(ck)
                            .ok_or_else(|| format!("unknown custom field {ck:?}"))?;
                        e.custom_fields
                            .insert(n, text(cv).map_err(|m| format!("{ck}: {m}"))?);
                    }
                }
                other => match custom_field_number(other).filter(|_| other.starts_with("Custom")) {
                    Some(n) => {
                        e.custom_fields.insert(n, field(text(val))?);
                    }
                    None => return Err(format!("unknown field {other:?}")),
                },
            }
        }
        Ok(e)
    }

    fn campaign_level(&self) -> bool {
        self.status.is_some() || !self.custom_fields.is_empty() || self.payout.is_some()
    }
}

fn num_json(v: Option<f64>) -> Value {
    match v {
        None => Value::Null,
        Some(x) if x.fract() == 0.0 && x.abs() < 9e15 => json!(x as i64),
        Some(x) => json!(x),
    }
}

fn set_opt(
    changed: &mut Map<String, Value>,
    name: &str,
    slot: &mut Option<String>,
    new: &Option<Option<String>>,
) {
    if let Some(new) = new {
        if slot != new {
            changed.insert(
                name.to_string(),
                json!({ "OldValue": slot, "NewValue": new }),
            );
            *slot = new.clone();
        }
    }
}

fn set_req(changed: &mut Map<String, Value>, name: &str, slot: &mut String, new: &Option<String>) {
    if let Some(new) = new {
        if slot != new {
            changed.insert(
                name.to_string(),
                json!({ "OldValue": slot, "NewValue": new }),
            );
            *slot = new.clone();
        }
    }
}

/// Applies an edit for a creator of `partner` and fires the webhook. Unknown ids, a campaign
/// the creator is not on, or a bad status are a 400 (nothing is changed).
pub(crate) fn apply(
    st: &Arc<AppState>,
    partner: usize,
    publisher_id: u32,
    edit: &CreatorEdit,
) -> Result<EditOutcome, ApiError> {
    let status = match &edit.status {
        Some(s) => Some(campaign_status(s).ok_or_else(|| {
            ApiError::bad_request(format!(
                "Invalid status {s:?}: expected one of {}",
                CAMPAIGN_STATUSES.join(", ")
            ))
        })?),
        None => None,
    };
    if edit.campaign_level() && edit.campaign_id.is_none() {
        return Err(ApiError::bad_request(
            "campaign_id is required to change status, custom fields or payout",
        ));
    }
    let mut changed = Map::new();
    {
        let mut data = write(&st.data);
        let pd = &mut data.partners[partner];
        if pd.publisher(publisher_id).is_none() {
            return Err(ApiError::unknown_publisher(publisher_id));
        }
        if let Some(cid) = edit.campaign_id.filter(|_| edit.campaign_level()) {
            let campaign = pd
                .campaign_mut(cid)
                .ok_or_else(|| ApiError::unknown_campaign(cid))?;
            let a = campaign
                .assignments
                .iter_mut()
                .find(|a| a.publisher_id == publisher_id)
                .ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "Publisher {publisher_id} is not assigned to campaign {cid}"
                    ))
                })?;
            if let Some(s) = status {
                if a.status != s {
                    changed.insert(
                        "Status".into(),
                        json!({ "OldValue": a.status, "NewValue": s }),
                    );
                    a.status = s.to_string();
                }
            }
            for (&n, v) in &edit.custom_fields {
                let slot = &mut a.custom_fields[usize::from(n - 1)];
                set_opt(
                    &mut changed,
                    &format!("CustomField{n}"),
                    slot,
                    &Some(v.clone()),
                );
            }
            // Stored as a whole amount: `FinalPayout` is an integer in the published schema.
            if let Some(p) = edit.payout.map(|p| p.map(f64::round)) {
                if a.payout != p {
                    changed.insert(
                        "Payout".into(),
                        json!({ "OldValue": num_json(a.payout), "NewValue": num_json(p) }),
                    );
                    a.payout = p;
                }
            }
        }
        let Some(p) = pd.publisher_mut(publisher_id) else {
            return Err(ApiError::unknown_publisher(publisher_id));
        };
        set_opt(&mut changed, "Email", &mut p.email, &edit.email);
        set_opt(
            &mut changed,
            "StreetAddress",
            &mut p.street,
            &edit.street_address,
        );
        set_opt(
            &mut changed,
            "StreetAddress2",
            &mut p.street2,
            &edit.street_address2,
        );
        set_opt(&mut changed, "City", &mut p.city, &edit.city);
        set_opt(&mut changed, "State", &mut p.state, &edit.state);
        set_opt(&mut changed, "ZipCode", &mut p.zip, &edit.zip_code);
        set_opt(&mut changed, "Country", &mut p.country, &edit.country);
        set_opt(&mut changed, "PhoneNumber1", &mut p.phone, &edit.phone);
        set_req(
            &mut changed,
            "FirstName",
            &mut p.first_name,
            &edit.first_name,
        );
        set_req(&mut changed, "LastName", &mut p.last_name, &edit.last_name);
        if !changed.is_empty() {
            p.last_updated = chrono::Utc::now().format("%Y-%m-%d %H:%M:%S").to_string();
        }
    }
    let campaign_id = edit.campaign_id.filter(|_| edit.campaign_level());
    let mut outcome = EditOutcome {
        publisher_id,
        campaign_id,
        changed: changed.keys().cloned().collect(),
        webhooks: 0,
    };
    if !changed.is_empty() {
        let mut payload = json!({ "PublisherId": publisher_id, "ChangedData": changed });
        if let Some(cid) = campaign_id {
            payload["CampaignId"] = json!(cid);
        }
        outcome.webhooks =
            pubsub::publish(st, partner, "Publisher", "update", publisher_id, payload);
    }
    Ok(outcome)
}
