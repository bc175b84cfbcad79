//! Tolerant readers for the CreatorIQ responses the sync uses.
//!
//! CreatorIQ's own guidance is to read responses leniently: fields are added without notice, the
//! published schemas say `integer` where the wire sometimes carries `"123"`, and optional fields
//! are sometimes `null`, sometimes `""`, sometimes absent. So every type here ignores unknown
//! fields, every field is optional, and numbers and strings are accepted interchangeably through
//! the helpers in [`lenient`]. Meaning (is this a state? a valid amount?) is decided later by
//! [`crate::mapping`], never here: a surprising value must reach the operator, not fail the decode.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// Deserializers that accept the loose shapes CreatorIQ actually sends.
pub mod lenient {
    use serde::{Deserialize, Deserializer};
    use serde_json::Value;

    /// Text from a string, number or boolean; `null` becomes `None`. Empty strings are kept as
    /// `Some("")` so callers can tell "sent blank" from "not sent" when showing raw values.
    pub fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        Ok(value_to_text(&Value::deserialize(d)?))
    }

    /// An integer from a number (`123`, `123.0`) or a numeric string (`"123"`, `" 123 "`).
    /// Anything else (null, blank, garbage) becomes `None` rather than failing the whole response.
    pub fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        Ok(value_to_i64(&Value::deserialize(d)?))
    }

    /// Like [`opt_i64`] for non-negative counters such as `total_pages`.
    pub fn opt_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        Ok(value_to_i64(&Value::deserialize(d)?).and_then(|n| u64::try_from(n).ok()))
    }

    pub(crate) fn value_to_text(value: &Value) -> Option<String> {
        match value {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Null | Value::Array(_) | Value::Object(_) => None,
        }
    }

    pub(crate) fn value_to_i64(value: &Value) -> Option<i64> {
        match value {
            Value::Number(n) => n.as_i64().or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                    .map(|f| f as i64)
            }),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }
}

/// A money amount as CreatorIQ sent it (a JSON number or a numeric string), kept as text so no
/// precision is lost before [`crate::values::Money::parse_amount`] reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawAmount(pub String);

impl RawAmount {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `Option<RawAmount>` from a number, a string or null.
fn opt_amount<'de, D: Deserializer<'de>>(d: D) -> Result<Option<RawAmount>, D::Error> {
    Ok(lenient::value_to_text(&Value::deserialize(d)?).map(RawAmount))
}

// ---------------------------------------------------------------------------------------------
// Campaigns
// ---------------------------------------------------------------------------------------------

/// `GET /crm/v1/api/campaigns`: one page of campaigns.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CampaignsPage {
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub count: Option<u64>,
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub total: Option<u64>,
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub page: Option<u64>,
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub total_pages: Option<u64>,
    #[serde(
        rename = "CampaignCollection",
        deserialize_with = "campaign_collection"
    )]
    pub campaigns: Vec<Campaign>,
}

/// Items of `CampaignCollection` are documented as `{type, href, Campaign: {...}}`; a bare
/// campaign object is accepted too, and `null` is an empty page.
fn campaign_collection<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Campaign>, D::Error> {
    let items = Option::<Vec<Value>>::deserialize(d)?.unwrap_or_default();
    items
        .into_iter()
        .filter(|item| !item.is_null())
        .map(|item| unwrap_campaign(item).map_err(serde::de::Error::custom))
        .collect()
}

fn unwrap_campaign(mut value: Value) -> Result<Campaign, serde_json::Error> {
    let inner = match value.get_mut("Campaign") {
        Some(inner) if inner.is_object() => inner.take(),
        _ => value,
    };
    serde_json::from_value(inner)
}

/// `GET /crm/v1/api/campaign/{id}`: `{type, href, Campaign: {...}}`.
#[derive(Debug, Clone)]
pub struct CampaignResponse {
    pub campaign: Campaign,
}

impl<'de> Deserialize<'de> for CampaignResponse {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        if !value.is_object() {
            return Err(serde::de::Error::custom("expected a campaign object"));
        }
        let campaign = unwrap_campaign(value).map_err(serde::de::Error::custom)?;
        Ok(CampaignResponse { campaign })
    }
}

/// The campaign fields the sync needs. Dates stay as text: see [`crate::values::parse_ciq_date`].
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Campaign {
    #[serde(rename = "CampaignId", deserialize_with = "lenient::opt_i64")]
    pub campaign_id: Option<i64>,
    #[serde(rename = "CampaignName", deserialize_with = "lenient::opt_string")]
    pub campaign_name: Option<String>,
    #[serde(rename = "Description", deserialize_with = "lenient::opt_string")]
    pub description: Option<String>,
    #[serde(rename = "StartDate", deserialize_with = "lenient::opt_string")]
    pub start_date: Option<String>,
    #[serde(rename = "EndDate", deserialize_with = "lenient::opt_string")]
    pub end_date: Option<String>,
    #[serde(rename = "CampaignStatus", deserialize_with = "lenient::opt_string")]
    pub campaign_status: Option<String>,
    #[serde(rename = "Currency", deserialize_with = "lenient::opt_string")]
    pub currency: Option<String>,
    #[serde(rename = "PublishersCount", deserialize_with = "lenient::opt_i64")]
    pub publishers_count: Option<i64>,
}

// ---------------------------------------------------------------------------------------------
// Campaign publishers (status, custom fields, payout)
// ---------------------------------------------------------------------------------------------

/// `GET /crm/v1/api/campaign/{id}/publishers`: the creators on a campaign, keyed by publisher id.
///
/// CreatorIQ returns `CampaignPublisher` as an object whose numeric keys are publisher ids, mixed
/// with campaign-level keys such as `IntegrationSettings` or `NetworkCampaignName`. With a
/// `publisherId` query the same key holds a single publisher object instead. An empty campaign
/// may come back as `{}`, `[]` or `null`. All of these decode to the same map.
///
/// An entry that cannot be read at all lands in [`CampaignPublishers::unreadable`] with its key,
/// so one odd creator does not hide the others and the caller can mark that row as an error.
#[derive(Debug, Clone, Default)]
pub struct CampaignPublishers {
    pub publishers: BTreeMap<i64, CampaignPublisher>,
    pub unreadable: Vec<UnreadableEntry>,
}

/// A creator entry that was present but could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnreadableEntry {
    /// The key it was listed under (normally the publisher id).
    pub key: String,
    pub reason: String,
}

impl<'de> Deserialize<'de> for CampaignPublishers {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        let Value::Object(mut top) = value else {
            return Err(serde::de::Error::custom(
                "expected an object with a CampaignPublisher field",
            ));
        };
        let mut out = CampaignPublishers::default();
        let body = top.remove("CampaignPublisher").unwrap_or(Value::Null);
        match body {
            Value::Null => {}
            Value::Array(items) => {
                for (i, item) in items.into_iter().enumerate() {
                    out.insert_entry(i.to_string(), item, None);
                }
            }
            Value::Object(map) if map.contains_key("PublisherId") => {
                out.insert_entry("PublisherId".to_string(), Value::Object(map), None);
            }
            Value::Object(map) => {
                for (key, item) in map {
                    // Campaign-level keys sit beside the publisher ids; only numeric keys are ours.
                    let Ok(id) = key.trim().parse::<i64>() else {
                        continue;
                    };
                    out.insert_entry(key, item, Some(id));
                }
            }
            other => {
                return Err(serde::de::Error::custom(format!(
                    "CampaignPublisher is a {}, expected an object",
                    json_kind(&other)
                )))
            }
        }
        Ok(out)
    }
}

impl CampaignPublishers {
    fn insert_entry(&mut self, key: String, item: Value, key_id: Option<i64>) {
        if !item.is_object() {
            self.unreadable.push(UnreadableEntry {
                key,
                reason: format!("expected an object, found a {}", json_kind(&item)),
            });
            return;
        }
        match serde_json::from_value::<CampaignPublisher>(item) {
            Ok(mut entry) => {
                // The key is authoritative when the body omits or garbles PublisherId.
                let id = entry.publisher_id.or(key_id);
                match id {
                    Some(id) => {
                        entry.publisher_id = Some(id);
                        self.publishers.insert(id, entry);
                    }
                    None => self.unreadable.push(UnreadableEntry {
                        key,
                        reason: "no PublisherId".to_string(),
                    }),
                }
            }
            Err(err) => self.unreadable.push(UnreadableEntry {
                key,
                reason: err.to_string(),
            }),
        }
    }

    pub fn len(&self) -> usize {
        self.publishers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.publishers.is_empty()
    }
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "object",
    }
}

/// One creator on one campaign, as Get Campaign Publishers describes them.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct CampaignPublisher {
    #[serde(rename = "CampaignId", deserialize_with = "lenient::opt_i64")]
    pub campaign_id: Option<i64>,
    #[serde(rename = "PublisherId", deserialize_with = "lenient::opt_i64")]
    pub publisher_id: Option<i64>,
    #[serde(rename = "PublisherName", deserialize_with = "lenient::opt_string")]
    pub publisher_name: Option<String>,
    /// The creator's status on this campaign: `Accepted`, `Invited`, `Selected`, `Declined`...
    #[serde(rename = "Status", deserialize_with = "lenient::opt_string")]
    pub status: Option<String>,
    /// Present only when `sections` contains `PublishersCustomFields`.
    #[serde(rename = "PublishersCustomFields", deserialize_with = "custom_fields")]
    pub custom_fields: Option<CustomFields>,
    /// Present only when `sections` contains `FinalPayout`.
    #[serde(rename = "FinalPayout", deserialize_with = "final_payout")]
    pub final_payout: Option<FinalPayout>,
}

/// The `CustomFieldN` values of one creator on one campaign, keyed by `N`.
///
/// Documented as an array of `{PublisherId, CampaignId, CustomField1..10}` objects; a single
/// object is accepted as well. When several objects are present, later non-null values fill in
/// gaps left by earlier ones. Numbers and booleans are kept as their text (`4500`, `true`),
/// `null` as `None` and `""` as `Some("")`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomFields {
    values: BTreeMap<u8, Option<String>>,
}

impl CustomFields {
    /// The raw value of `CustomField{number}`: `None` when absent or null.
    pub fn get(&self, number: u8) -> Option<&str> {
        self.values.get(&number).and_then(|v| v.as_deref())
    }

    /// Whether `CustomField{number}` was sent at all (even as null).
    pub fn contains(&self, number: u8) -> bool {
        self.values.contains_key(&number)
    }

    /// Builds a set of custom fields by number; handy for tests and fixtures.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (u8, Option<&'a str>)>) -> Self {
        CustomFields {
            values: pairs
                .into_iter()
                .map(|(n, v)| (n, v.map(str::to_string)))
                .collect(),
        }
    }

    fn absorb(&mut self, object: &serde_json::Map<String, Value>) {
        for (key, value) in object {
            let Some(number) = key
                .strip_prefix("CustomField")
                .and_then(|n| n.parse::<u8>().ok())
            else {
                continue;
            };
            let text = lenient::value_to_text(value);
            let slot = self.values.entry(number).or_insert(None);
            if slot.is_none() {
                *slot = text;
            }
        }
    }
}

fn custom_fields<'de, D: Deserializer<'de>>(d: D) -> Result<Option<CustomFields>, D::Error> {
    let value = Value::deserialize(d)?;
    let mut fields = CustomFields::default();
    match &value {
        Value::Null => return Ok(None),
        Value::Array(items) => {
            for item in items {
                if let Value::Object(object) = item {
                    fields.absorb(object);
                }
            }
        }
        Value::Object(object) => fields.absorb(object),
        // A scalar here is nonsense; treat the section as sent but empty.
        _ => {}
    }
    Ok(Some(fields))
}

/// The creator's payout on the campaign (the campaign "Payments" tab).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct FinalPayout {
    #[serde(rename = "PayoutType", deserialize_with = "lenient::opt_string")]
    pub payout_type: Option<String>,
    #[serde(rename = "Currency", deserialize_with = "lenient::opt_string")]
    pub currency: Option<String>,
    #[serde(rename = "CampaignDefaultPayout", deserialize_with = "opt_amount")]
    pub campaign_default_payout: Option<RawAmount>,
    #[serde(rename = "PublisherPayout", deserialize_with = "opt_amount")]
    pub publisher_payout: Option<RawAmount>,
    #[serde(rename = "ScheduledPostsTotalPayout", deserialize_with = "opt_amount")]
    pub scheduled_posts_total_payout: Option<RawAmount>,
    /// The total the creator is paid: this is the "Payment Amount".
    #[serde(rename = "FinalPayout", deserialize_with = "opt_amount")]
    pub final_payout: Option<RawAmount>,
}

fn final_payout<'de, D: Deserializer<'de>>(d: D) -> Result<Option<FinalPayout>, D::Error> {
    let value = Value::deserialize(d)?;
    match value {
        Value::Object(_) => serde_json::from_value(value)
            .map(Some)
            .map_err(serde::de::Error::custom),
        // An empty list is how some CRM endpoints spell an empty object.
        _ => Ok(None),
    }
}

// ---------------------------------------------------------------------------------------------
// Campaign publishers list (contact fields for all creators)
// ---------------------------------------------------------------------------------------------

/// `GET /crm/v1/api/campaign/{id}/publishersList`: the creators of a campaign with their standard
/// publisher fields, including the primary contact's email and address.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PublishersListPage {
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub count: Option<u64>,
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub total: Option<u64>,
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub page: Option<u64>,
    #[serde(
        rename = "PublisherCollection",
        deserialize_with = "publisher_collection"
    )]
    pub publishers: Vec<PublisherListEntry>,
}

fn publisher_collection<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Vec<PublisherListEntry>, D::Error> {
    let value = Value::deserialize(d)?;
    let items: Vec<Value> = match value {
        Value::Array(items) => items,
        // Tolerate an id-keyed object, like Get Campaign Publishers uses.
        Value::Object(map) => map.into_iter().map(|(_, v)| v).collect(),
        _ => Vec::new(),
    };
    items
        .into_iter()
        .filter(Value::is_object)
        .map(|item| {
            let has_contact = CONTACT_KEYS.iter().any(|k| item.get(*k).is_some());
            serde_json::from_value::<PublisherListEntry>(item)
                .map(|entry| PublisherListEntry {
                    has_contact,
                    ..entry
                })
                .map_err(serde::de::Error::custom)
        })
        .collect()
}

/// Keys of the standard publisher object that carry contact data. An entry with none of them
/// was answered without its contact (e.g. a narrowed `fields`), which is not the same as a
/// creator with a blank email and address.
const CONTACT_KEYS: [&str; 4] = ["Email", "State", "Country", "City"];

/// One creator from Get Campaign Publishers List.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct PublisherListEntry {
    #[serde(rename = "PublisherId", deserialize_with = "lenient::opt_i64")]
    pub publisher_id: Option<i64>,
    #[serde(rename = "PublisherName", deserialize_with = "lenient::opt_string")]
    pub publisher_name: Option<String>,
    #[serde(rename = "PrimaryContactId", deserialize_with = "lenient::opt_i64")]
    pub primary_contact_id: Option<i64>,
    #[serde(rename = "FirstName", deserialize_with = "lenient::opt_string")]
    pub first_name: Option<String>,
    #[serde(rename = "LastName", deserialize_with = "lenient::opt_string")]
    pub last_name: Option<String>,
    #[serde(rename = "FullName", deserialize_with = "lenient::opt_string")]
    pub full_name: Option<String>,
    #[serde(rename = "Email", deserialize_with = "lenient::opt_string")]
    pub email: Option<String>,
    #[serde(rename = "StreetAddress", deserialize_with = "lenient::opt_string")]
    pub street_address: Option<String>,
    #[serde(rename = "City", deserialize_with = "lenient::opt_string")]
    pub city: Option<String>,
    #[serde(rename = "State", deserialize_with = "lenient::opt_string")]
    pub state: Option<String>,
    #[serde(rename = "ZipCode", deserialize_with = "lenient::opt_string")]
    pub zip_code: Option<String>,
    #[serde(rename = "Country", deserialize_with = "lenient::opt_string")]
    pub country: Option<String>,
    /// Whether the answer carried the contact keys at all (even as null or blank).
    #[serde(skip)]
    pub has_contact: bool,
}

// ---------------------------------------------------------------------------------------------
// Single publisher and contact
// ---------------------------------------------------------------------------------------------

/// `GET /crm/v1/api/publisher/{id}`: `{type: "Publisher", Publisher: {...}}`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PublisherResponse {
    #[serde(rename = "Publisher")]
    pub publisher: Publisher,
}

/// The publisher fields the sync needs. The contact (email, address) is a separate resource,
/// linked from `Address.href`; see [`Publisher::contact_id`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Publisher {
    /// CreatorIQ's internal, immutable id.
    #[serde(rename = "Id", deserialize_with = "lenient::opt_i64")]
    pub id: Option<i64>,
    /// The id used by campaign endpoints; documented as a string on this endpoint.
    #[serde(rename = "PublisherId", deserialize_with = "lenient::opt_string")]
    pub publisher_id: Option<String>,
    #[serde(rename = "PublisherName", deserialize_with = "lenient::opt_string")]
    pub publisher_name: Option<String>,
    #[serde(rename = "Status", deserialize_with = "lenient::opt_string")]
    pub status: Option<String>,
    #[serde(rename = "Country", deserialize_with = "lenient::opt_string")]
    pub country: Option<String>,
    #[serde(rename = "PrimaryContactId", deserialize_with = "lenient::opt_i64")]
    pub primary_contact_id: Option<i64>,
    #[serde(rename = "Address", deserialize_with = "address_link")]
    pub address: Option<AddressLink>,
}

/// `{type: "Address", href: ".../crm/v1/api/data/contact/111209220"}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct AddressLink {
    #[serde(deserialize_with = "lenient::opt_string")]
    pub href: Option<String>,
}

fn address_link<'de, D: Deserializer<'de>>(d: D) -> Result<Option<AddressLink>, D::Error> {
    let value = Value::deserialize(d)?;
    match value {
        Value::Object(_) => serde_json::from_value(value)
            .map(Some)
            .map_err(serde::de::Error::custom),
        _ => Ok(None),
    }
}

impl Publisher {
    /// The id to pass to Get Contact Data: `PrimaryContactId` when present, otherwise the last
    /// path segment of `Address.href`.
    pub fn contact_id(&self) -> Option<i64> {
        self.primary_contact_id.or_else(|| {
            let href = self.address.as_ref()?.href.as_deref()?;
            let path = href.split(['?', '#']).next()?;
            path.trim_end_matches('/').rsplit('/').next()?.parse().ok()
        })
    }
}

/// `GET /crm/v1/api/data/contact/{id}`: `{type: "Address", href, Address: {...}}`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ContactResponse {
    #[serde(rename = "Address")]
    pub contact: Contact,
}

/// A creator's contact record: email and postal address.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Contact {
    #[serde(rename = "Id", deserialize_with = "lenient::opt_i64")]
    pub id: Option<i64>,
    #[serde(rename = "PublisherId", deserialize_with = "lenient::opt_i64")]
    pub publisher_id: Option<i64>,
    #[serde(rename = "FirstName", deserialize_with = "lenient::opt_string")]
    pub first_name: Option<String>,
    #[serde(rename = "LastName", deserialize_with = "lenient::opt_string")]
    pub last_name: Option<String>,
    #[serde(rename = "FullName", deserialize_with = "lenient::opt_string")]
    pub full_name: Option<String>,
    #[serde(rename = "Email", deserialize_with = "lenient::opt_string")]
    pub email: Option<String>,
    #[serde(rename = "AddressLine1", deserialize_with = "lenient::opt_string")]
    pub address_line1: Option<String>,
    #[serde(rename = "AddressLine2", deserialize_with = "lenient::opt_string")]
    pub address_line2: Option<String>,
    #[serde(rename = "City", deserialize_with = "lenient::opt_string")]
    pub city: Option<String>,
    #[serde(rename = "State", deserialize_with = "lenient::opt_string")]
    pub state: Option<String>,
    #[serde(
        rename = "ZIPCode",
        alias = "Zip",
        alias = "ZipCode",
        deserialize_with = "lenient::opt_string"
    )]
    pub zip: Option<String>,
    #[serde(rename = "Country", deserialize_with = "lenient::opt_string")]
    pub country: Option<String>,
}

/// CreatorIQ's error body on the CRM surface: `{type: "CoreException", CoreException: {code,
/// message}}`; the gateway's `{"message": "Forbidden"}` is read too.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ErrorBody {
    #[serde(rename = "CoreException")]
    pub core_exception: Option<CoreException>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub message: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CoreException {
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub code: Option<i64>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub message: Option<String>,
}

impl ErrorBody {
    /// The human-readable message CreatorIQ gave, if any.
    pub fn message(&self) -> Option<&str> {
        self.core_exception
            .as_ref()
            .and_then(|c| c.message.as_deref())
            .or(self.message.as_deref())
            .map(str::trim)
            .filter(|m| !m.is_empty())
    }
}

#[cfg(test)]
mod tests;
