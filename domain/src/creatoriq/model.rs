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
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn campaigns_page_from_reference_shape() {
        let body = json!({
            "type": "CampaignCollection",
            "href": "https://apis.creatoriq.com/crm/v1/api/campaigns",
            "count": 2, "total": "33", "page": 1, "total_pages": "2",
            "SomethingNew": {"x": 1},
            "CampaignCollection": [
                {"type": "Campaign", "href": "https://apis.creatoriq.com/crm/v1/api/campaign/42066",
                 "Campaign": {"CampaignId": 42066, "CampaignName": "Coca-Cola", "Description": null,
                              "StartDate": "2022-07-01", "EndDate": "2022-09-01",
                              "CampaignStatus": "Closed", "Currency": "USD", "Paid": 0,
                              "Targets": [{"a": 1}], "PublishersCount": "20"}},
                {"CampaignId": "79706", "CampaignName": 12345}
            ]
        });
        let page: CampaignsPage = serde_json::from_value(body).unwrap();
        assert_eq!(page.total, Some(33));
        assert_eq!(page.total_pages, Some(2));
        assert_eq!(page.campaigns.len(), 2);
        let first = &page.campaigns[0];
        assert_eq!(first.campaign_id, Some(42066));
        assert_eq!(first.start_date.as_deref(), Some("2022-07-01"));
        assert_eq!(first.description, None);
        assert_eq!(first.publishers_count, Some(20));
        // A flat campaign and a numeric name are read, not rejected.
        assert_eq!(page.campaigns[1].campaign_id, Some(79706));
        assert_eq!(page.campaigns[1].campaign_name.as_deref(), Some("12345"));
    }

    #[test]
    fn empty_and_null_campaign_pages() {
        let page: CampaignsPage = serde_json::from_str("{}").unwrap();
        assert!(page.campaigns.is_empty());
        let page: CampaignsPage =
            serde_json::from_str(r#"{"CampaignCollection": null, "total_pages": null}"#).unwrap();
        assert!(page.campaigns.is_empty());
        assert_eq!(page.total_pages, None);
    }

    #[test]
    fn single_campaign_response() {
        let body = r#"{"type":"Campaign","href":"x","Campaign":{"CampaignId":"34343",
            "CampaignName":"Summer","StartDate":"2030-06-01 00:00:00","EndDate":null}}"#;
        let resp: CampaignResponse = serde_json::from_str(body).unwrap();
        assert_eq!(resp.campaign.campaign_id, Some(34343));
        assert_eq!(resp.campaign.end_date, None);
        assert!(serde_json::from_str::<CampaignResponse>("[1,2]").is_err());
    }

    fn publishers_body() -> Value {
        json!({
            "type": "CampaignPublisher",
            "href": "https://apis.creatoriq.com/crm/v1/campaign/42066/publishers",
            "CampaignPublisher": {
                "23354": {
                    "CampaignId": 42066, "CampaignName": "Coca-Cola", "PublisherId": 23354,
                    "PublisherName": "Neo", "Status": "Accepted", "CPC": null, "Paid": 1,
                    "PublishersCustomFields": [{
                        "PublisherId": 23354, "CampaignId": 42066,
                        "CustomField1": "aaa", "CustomField3": "PO-991",
                        "CustomField4": "rep@agency.com", "CustomField5": "Pat Rep",
                        "CustomField7": "true", "CustomField8": " ma ", "CustomField9": null,
                        "CustomField10": 4500
                    }],
                    "FinalPayout": {
                        "FixedFeeTrigger": 1, "PayoutType": "PerCreator", "Currency": "USD",
                        "CampaignDefaultPayout": 0, "PublisherPayout": "4500.00",
                        "ScheduledPostsTotalPayout": 0, "FinalPayout": "4500.00",
                        "TotalPosts": 3
                    }
                },
                "23355": {
                    "PublisherId": "23355", "Status": "Invited",
                    "PublishersCustomFields": [],
                    "FinalPayout": []
                },
                "23356": {"Status": "Accepted"},
                "23357": "garbage",
                "IntegrationSettings": {"Shopify": true},
                "NetworkCampaignName": null,
                "TrackingLinkCreationType": null
            }
        })
    }

    #[test]
    fn publishers_keyed_by_id() {
        let decoded: CampaignPublishers = serde_json::from_value(publishers_body()).unwrap();
        assert_eq!(decoded.len(), 3);
        let neo = &decoded.publishers[&23354];
        assert_eq!(neo.status.as_deref(), Some("Accepted"));
        let fields = neo.custom_fields.as_ref().unwrap();
        assert_eq!(fields.get(3), Some("PO-991"));
        assert_eq!(fields.get(8), Some(" ma "));
        assert_eq!(fields.get(9), None);
        assert!(fields.contains(9));
        assert!(!fields.contains(6));
        // A number in a custom field is kept as its text.
        assert_eq!(fields.get(10), Some("4500"));
        let payout = neo.final_payout.as_ref().unwrap();
        assert_eq!(payout.final_payout, Some(RawAmount("4500.00".into())));
        assert_eq!(payout.campaign_default_payout, Some(RawAmount("0".into())));

        let invited = &decoded.publishers[&23355];
        assert_eq!(invited.publisher_id, Some(23355));
        assert_eq!(invited.custom_fields, Some(CustomFields::default()));
        assert_eq!(invited.final_payout, None);

        // Sections not requested: the entry still decodes, with the id taken from its key.
        let bare = &decoded.publishers[&23356];
        assert_eq!(bare.publisher_id, Some(23356));
        assert_eq!(bare.custom_fields, None);

        assert_eq!(decoded.unreadable.len(), 1);
        assert_eq!(decoded.unreadable[0].key, "23357");
    }

    #[test]
    fn publishers_single_and_empty_shapes() {
        let single = json!({"type": "CampaignPublisher", "CampaignPublisher": {
            "PublisherId": 5, "Status": "Accepted", "Payable": false,
            "PublishersCustomFields": {"CustomField8": "TX"}}});
        let decoded: CampaignPublishers = serde_json::from_value(single).unwrap();
        assert_eq!(
            decoded.publishers[&5]
                .custom_fields
                .as_ref()
                .unwrap()
                .get(8),
            Some("TX")
        );

        for empty in [
            json!({"CampaignPublisher": {}}),
            json!({"CampaignPublisher": []}),
            json!({"CampaignPublisher": null}),
            json!({"type": "CampaignPublisher"}),
        ] {
            let decoded: CampaignPublishers = serde_json::from_value(empty).unwrap();
            assert!(decoded.is_empty());
        }
        assert!(
            serde_json::from_value::<CampaignPublishers>(json!({"CampaignPublisher": 3})).is_err()
        );
        assert!(serde_json::from_value::<CampaignPublishers>(json!([])).is_err());
    }

    #[test]
    fn several_custom_field_objects_fill_gaps() {
        let entry: CampaignPublisher = serde_json::from_value(json!({
            "PublisherId": 1,
            "PublishersCustomFields": [
                {"CustomField8": null, "CustomField10": "100"},
                {"CustomField8": "NY", "CustomField10": "200", "CustomField12": "extra"}
            ]
        }))
        .unwrap();
        let fields = entry.custom_fields.unwrap();
        assert_eq!(fields.get(8), Some("NY"));
        assert_eq!(fields.get(10), Some("100"));
        assert_eq!(fields.get(12), Some("extra"));
    }

    #[test]
    fn publishers_list_contact_fields() {
        let body = json!({
            "type": "PublisherCollection", "href": "x", "count": 2, "total": 2, "page": 1,
            "PublisherCollection": [
                {"PublisherId": 1453672, "PublisherName": "sportlivelemur", "MPID": "x",
                 "PrimaryContactId": "100903236", "FullName": "Sport Lemur",
                 "Email": "svetlana.aa+sportlemur@creatoriq.com", "City": "NY",
                 "State": "New York", "ZipCode": null, "Country": "USA", "ShipToAddress": "0"},
                {"PublisherId": "77", "Email": null, "State": "", "Country": null}
            ]
        });
        let page: PublishersListPage = serde_json::from_value(body).unwrap();
        assert_eq!(page.publishers.len(), 2);
        assert_eq!(page.publishers[0].primary_contact_id, Some(100903236));
        assert_eq!(page.publishers[0].state.as_deref(), Some("New York"));
        assert_eq!(page.publishers[1].publisher_id, Some(77));
        assert_eq!(page.publishers[1].email, None);
        assert_eq!(page.publishers[1].state.as_deref(), Some(""));
    }

    #[test]
    fn publisher_and_contact() {
        let publisher: PublisherResponse = serde_json::from_value(json!({
            "type": "Publisher",
            "Publisher": {"Id": 2386944, "PublisherId": "10001356198", "PublisherName": "John Smith",
                          "Status": null, "Country": "USA", "LDACompliant": null,
                          "Address": {"type": "Address",
                                      "href": "https://apis.creatoriq.com/crm/v1/api/data/contact/111209220"}}
        }))
        .unwrap();
        assert_eq!(
            publisher.publisher.publisher_id.as_deref(),
            Some("10001356198")
        );
        assert_eq!(publisher.publisher.contact_id(), Some(111209220));

        let contact: ContactResponse = serde_json::from_value(json!({
            "type": "Address", "href": "x",
            "Address": {"Id": 13326640, "FirstName": "Christy", "LastName": "Weimann",
                        "FullName": "Christy Weimann", "AddressLine1": null, "ZIPCode": "02108",
                        "City": "Boston", "State": "Massachusetts", "Country": "USA",
                        "Email": "Estevan.Conn54@yahoo.com", "PublisherId": 12334,
                        "EmailExists": false}
        }))
        .unwrap();
        assert_eq!(contact.contact.state.as_deref(), Some("Massachusetts"));
        assert_eq!(contact.contact.zip.as_deref(), Some("02108"));
        assert_eq!(contact.contact.publisher_id, Some(12334));
    }

    #[test]
    fn error_bodies() {
        let core: ErrorBody = serde_json::from_str(
            r#"{"type":"CoreException","CoreException":{"code":404,"message":"Supplied ID was not found"}}"#,
        )
        .unwrap();
        assert_eq!(core.message(), Some("Supplied ID was not found"));
        let gateway: ErrorBody = serde_json::from_str(r#"{"message":"Forbidden"}"#).unwrap();
        assert_eq!(gateway.message(), Some("Forbidden"));
    }

    #[test]
    fn lenient_numbers() {
        #[derive(Deserialize)]
        struct T {
            #[serde(deserialize_with = "lenient::opt_i64", default)]
            n: Option<i64>,
        }
        for (raw, want) in [
            (r#"{"n": 5}"#, Some(5)),
            (r#"{"n": "5"}"#, Some(5)),
            (r#"{"n": " 5 "}"#, Some(5)),
            (r#"{"n": 5.0}"#, Some(5)),
            (r#"{"n": 5.5}"#, None),
            (r#"{"n": ""}"#, None),
            (r#"{"n": "five"}"#, None),
            (r#"{"n": null}"#, None),
            (r#"{}"#, None),
        ] {
            assert_eq!(serde_json::from_str::<T>(raw).unwrap().n, want, "{raw}");
        }
    }
}
