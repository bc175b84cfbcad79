//! CreatorIQ webhook deliveries: checking one (size, JSON envelope, timestamp, signature) and
//! reading what it asks the dashboard to re-sync. Pure: the server records the outcome and the
//! sync engine processes verified deliveries.
//!
//! The signature scheme is CreatorIQ's (reference/creatoriq/creatoriq-webhooks.yml): a plain
//! hash, not an HMAC, of `normalizedJson(body) + x-timestamp + API key`; `X-Signature` is MD5
//! and always sent, `X-Signature-SHA256` is SHA-256 and sent when the partner has ACL enabled.
//! SHA-256 is checked when present, else MD5. "Normalized JSON" is the body re-serialized
//! compactly; whether CreatorIQ keeps its key order or sorts keys is not documented, so both
//! compact forms are accepted.

use chrono::{DateTime, Duration, TimeZone, Utc};
use md5::Md5;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::store::Verification;

/// The largest body accepted (CreatorIQ's envelopes are a few hundred bytes).
pub const BODY_LIMIT: usize = 64 * 1024;

/// How far `x-timestamp` may be from the receiving clock, either way.
pub fn timestamp_tolerance() -> Duration {
    Duration::minutes(5)
}

/// The events the dashboard subscribes to: (entityType, actionType).
pub const SUBSCRIBED_EVENTS: [(&str, &str); 5] = [
    ("Publisher", "update"),
    ("Publisher", "campaign.added"),
    ("Publisher", "delete"),
    ("Campaign", "create"),
    ("Campaign", "delete"),
];

/// The headers that sign a delivery.
#[derive(Debug, Clone, Copy, Default)]
pub struct SignatureHeaders<'a> {
    pub sha256: Option<&'a str>,
    pub md5: Option<&'a str>,
    pub timestamp: Option<&'a str>,
}

/// What the log keeps of an envelope (never the body of a refused delivery).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnvelopeSummary {
    pub request_id: Option<String>,
    pub entity_type: Option<String>,
    pub action_type: Option<String>,
    pub entity_id: Option<i64>,
    pub campaign_id: Option<i64>,
    pub publisher_id: Option<i64>,
}

/// The outcome of checking a delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    pub verification: Verification,
    /// Why it was refused, in words.
    pub detail: Option<String>,
    pub summary: EnvelopeSummary,
    /// The parsed envelope, when it is JSON.
    pub envelope: Option<Value>,
}

/// What a verified event asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Re-sync this creator's rows (on `campaign` only, when the event names one).
    Publisher {
        publisher: i64,
        campaign: Option<i64>,
    },
    /// Sync this campaign (or mark it removed when CreatorIQ no longer has it).
    Campaign { campaign: i64 },
    /// Nothing to do, and why.
    Ignored(String),
}

/// A number CreatorIQ may send as a number or as a string.
/// An id as CreatorIQ sends it: a number or a numeric string (the same reading as the API's).
fn id_of(v: Option<&Value>) -> Option<i64> {
    crate::creatoriq::model::lenient::value_to_i64(v?)
}

fn text_of(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.chars().take(200).collect()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Reads the fields the log shows from an envelope.
pub fn summarize(envelope: &Value) -> EnvelopeSummary {
    let payload = envelope.get("payload");
    let field = |name: &str| payload.and_then(|p| p.get(name));
    let entity_type = text_of(envelope.get("entityType"));
    let entity_id = id_of(envelope.get("entityId"));
    let campaign_id = id_of(field("CampaignId")).or(match entity_type.as_deref() {
        Some("Campaign") => entity_id,
        _ => None,
    });
    let publisher_id = id_of(field("PublisherId")).or(match entity_type.as_deref() {
        Some("Publisher") => entity_id,
        _ => None,
    });
    EnvelopeSummary {
        request_id: text_of(envelope.get("requestId")),
        entity_type,
        action_type: text_of(envelope.get("actionType")),
        entity_id,
        campaign_id,
        publisher_id,
    }
}

/// What a verified envelope asks the dashboard to re-sync.
pub fn target(summary: &EnvelopeSummary) -> Target {
    let event = (
        summary.entity_type.as_deref(),
        summary.action_type.as_deref(),
    );
    match event {
        (Some("Publisher"), Some("update" | "delete" | "campaign.added")) => {
            match summary.publisher_id {
                Some(publisher) => Target::Publisher {
                    publisher,
                    campaign: summary.campaign_id,
                },
                None => Target::Ignored("the event names no creator".to_string()),
            }
        }
        (Some("Campaign"), Some("create" | "delete")) => match summary.campaign_id {
            Some(campaign) => Target::Campaign { campaign },
            None => Target::Ignored("the event names no campaign".to_string()),
        },
        (entity, action) => Target::Ignored(format!(
            "{}/{} is not an event the dashboard acts on",
            entity.unwrap_or("?"),
            action.unwrap_or("?")
        )),
    }
}

/// `x-timestamp` as a time: Unix seconds, Unix milliseconds, or RFC 3339.
fn parse_timestamp(raw: &str) -> Option<DateTime<Utc>> {
    let raw = raw.trim();
    if let Ok(n) = raw.parse::<i64>() {
        return if n.abs() >= 100_000_000_000 {
            Utc.timestamp_millis_opt(n).single()
        } else {
            Utc.timestamp_opt(n, 0).single()
        };
    }
    DateTime::parse_from_rfc3339(raw)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// The body with the whitespace between JSON tokens removed, key order kept.
fn compact_as_sent(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut in_string = false;
    let mut escaped = false;
    for c in body.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !c.is_whitespace() {
            out.push(c);
        }
    }
    out
}

/// The value with every object's keys sorted, serialized compactly.
fn compact_sorted(v: &Value) -> String {
    fn sorted(v: &Value) -> Value {
        match v {
            Value::Object(m) => {
                let mut entries: Vec<(&String, &Value)> = m.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                let mut out = Map::new();
                for (k, v) in entries {
                    out.insert(k.clone(), sorted(v));
                }
                Value::Object(out)
            }
            Value::Array(a) => Value::Array(a.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    sorted(v).to_string()
}

fn hex_digest<D: Digest>(parts: &[&str]) -> String {
    let mut h = D::new();
    for p in parts {
        h.update(p.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Constant-time comparison of two hex signatures (case-insensitive).
fn same_signature(expected: &str, given: &str) -> bool {
    let given = given.trim().to_ascii_lowercase();
    expected.as_bytes().ct_eq(given.as_bytes()).into()
}

/// Checks one delivery against the organization's API key (the key that subscribed).
pub fn check(
    body: &[u8],
    headers: SignatureHeaders<'_>,
    api_key: &str,
    now: DateTime<Utc>,
) -> Checked {
    let refuse = |verification, detail: &str, summary: EnvelopeSummary, envelope| Checked {
        verification,
        detail: Some(detail.to_string()),
        summary,
        envelope,
    };
    if body.len() > BODY_LIMIT {
        return refuse(
            Verification::Oversized,
            &format!("the body is larger than {} KB", BODY_LIMIT / 1024),
            EnvelopeSummary::default(),
            None,
        );
    }
    let Ok(text) = std::str::from_utf8(body) else {
        return refuse(
            Verification::Malformed,
            "the body is not UTF-8 text",
            EnvelopeSummary::default(),
            None,
        );
    };
    let envelope = match serde_json::from_str::<Value>(text) {
        Ok(v @ Value::Object(_)) => v,
        Ok(_) => {
            return refuse(
                Verification::Malformed,
                "the body is not a JSON object",
                EnvelopeSummary::default(),
                None,
            )
        }
        Err(_) => {
            return refuse(
                Verification::Malformed,
                "the body is not JSON",
                EnvelopeSummary::default(),
                None,
            )
        }
    };
    let summary = summarize(&envelope);
    if summary.request_id.is_none() || summary.entity_type.is_none() {
        return refuse(
            Verification::Malformed,
            "the envelope has no requestId or entityType",
            summary,
            None,
        );
    }
    let Some(raw_ts) = headers.timestamp else {
        return refuse(
            Verification::Stale,
            "the x-timestamp header is missing",
            summary,
            None,
        );
    };
    let Some(sent) = parse_timestamp(raw_ts) else {
        return refuse(
            Verification::Stale,
            "the x-timestamp header is not a time",
            summary,
            None,
        );
    };
    if (now - sent).abs() > timestamp_tolerance() {
        return refuse(
            Verification::Stale,
            "x-timestamp is more than 5 minutes from this server's clock",
            summary,
            None,
        );
    }
    let forms = [compact_as_sent(text), compact_sorted(&envelope)];
    let matches = |given: &str, sha: bool| {
        forms.iter().any(|form| {
            let parts = [form.as_str(), raw_ts, api_key];
            let expected = if sha {
                hex_digest::<Sha256>(&parts)
            } else {
                hex_digest::<Md5>(&parts)
            };
            same_signature(&expected, given)
        })
    };
    let verified = match (headers.sha256, headers.md5) {
        (Some(sha), _) => matches(sha, true),
        (None, Some(md5)) => matches(md5, false),
        (None, None) => {
            return refuse(
                Verification::Unsigned,
                "neither X-Signature-SHA256 nor X-Signature was sent",
                summary,
                None,
            )
        }
    };
    if !verified {
        return refuse(
            Verification::BadSignature,
            "the signature does not match this organization's CreatorIQ key",
            summary,
            None,
        );
    }
    Checked {
        verification: Verification::Verified,
        detail: None,
        summary,
        envelope: Some(envelope),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "partner-key-1";

    fn body() -> String {
        // Key order as CreatorIQ might send it, with spaces.
        r#"{"payload": {"PublisherId": 2386944, "ChangedData": {"Email": {"OldValue": null, "NewValue": "a@b.co"}}, "CampaignId": "42066"}, "sender": "CreatorIQ", "requestId": "p1:7:abc:1", "entityType": "Publisher", "entityId": 2386944, "actionType": "update"}"#.to_string()
    }

    fn sign(form: &str, ts: &str, sha: bool) -> String {
        if sha {
            hex_digest::<Sha256>(&[form, ts, KEY])
        } else {
            hex_digest::<Md5>(&[form, ts, KEY])
        }
    }

    fn now() -> DateTime<Utc> {
        Utc.timestamp_opt(1_800_000_000, 0).unwrap()
    }

    fn headers<'a>(
        sha: Option<&'a str>,
        md5: Option<&'a str>,
        ts: &'a str,
    ) -> SignatureHeaders<'a> {
        SignatureHeaders {
            sha256: sha,
            md5,
            timestamp: Some(ts),
        }
    }

    #[test]
    fn sha256_over_either_compact_form_verifies() {
        let b = body();
        let ts = "1800000000";
        let value: Value = serde_json::from_str(&b).unwrap();
        for form in [compact_as_sent(&b), compact_sorted(&value)] {
            let sig = sign(&form, ts, true);
            let c = check(b.as_bytes(), headers(Some(&sig), None, ts), KEY, now());
            assert_eq!(c.verification, Verification::Verified, "{form}");
        }
    }

    #[test]
    fn md5_is_used_only_without_sha256() {
        let b = body();
        let ts = "1800000000";
        let md5 = sign(&compact_as_sent(&b), ts, false);
        let c = check(b.as_bytes(), headers(None, Some(&md5), ts), KEY, now());
        assert_eq!(c.verification, Verification::Verified);
        // A wrong SHA-256 is not rescued by a right MD5.
        let c = check(
            b.as_bytes(),
            headers(Some(&"0".repeat(64)), Some(&md5), ts),
            KEY,
            now(),
        );
        assert_eq!(c.verification, Verification::BadSignature);
    }

    #[test]
    fn another_key_a_changed_body_or_no_signature_is_refused() {
        let b = body();
        let ts = "1800000000";
        let sig = hex_digest::<Sha256>(&[&compact_as_sent(&b), ts, "another-key"]);
        let c = check(b.as_bytes(), headers(Some(&sig), None, ts), KEY, now());
        assert_eq!(c.verification, Verification::BadSignature);
        assert!(c.envelope.is_none());

        let good = sign(&compact_as_sent(&b), ts, true);
        let tampered = b.replace("a@b.co", "x@b.co");
        let c = check(
            tampered.as_bytes(),
            headers(Some(&good), None, ts),
            KEY,
            now(),
        );
        assert_eq!(c.verification, Verification::BadSignature);

        let c = check(b.as_bytes(), headers(None, None, ts), KEY, now());
        assert_eq!(c.verification, Verification::Unsigned);
    }

    #[test]
    fn stale_future_and_unreadable_timestamps_are_refused() {
        let b = body();
        for ts in ["1799999000", "1800001000", "yesterday", "1799999000000"] {
            let sig = sign(&compact_as_sent(&b), ts, true);
            let c = check(b.as_bytes(), headers(Some(&sig), None, ts), KEY, now());
            assert_eq!(c.verification, Verification::Stale, "{ts}");
        }
        // Within 5 minutes either way, in seconds, milliseconds or RFC 3339.
        for ts in ["1800000200", "1799999800000", "2027-01-15T08:00:00Z"] {
            let sig = sign(&compact_as_sent(&b), ts, true);
            let at = parse_timestamp(ts).unwrap() + Duration::seconds(30);
            let c = check(b.as_bytes(), headers(Some(&sig), None, ts), KEY, at);
            assert_eq!(c.verification, Verification::Verified, "{ts}");
        }
    }

    #[test]
    fn malformed_and_oversized_bodies_are_refused_before_any_hashing() {
        let ts = "1800000000";
        for (body, why) in [
            ("not json", Verification::Malformed),
            ("[1,2]", Verification::Malformed),
            (r#"{"entityType":"Publisher"}"#, Verification::Malformed),
        ] {
            let c = check(body.as_bytes(), headers(Some("x"), None, ts), KEY, now());
            assert_eq!(c.verification, why, "{body}");
        }
        let big = format!(r#"{{"pad":"{}"}}"#, "x".repeat(BODY_LIMIT));
        let c = check(big.as_bytes(), headers(Some("x"), None, ts), KEY, now());
        assert_eq!(c.verification, Verification::Oversized);
    }

    #[test]
    fn events_become_targets() {
        let value: Value = serde_json::from_str(&body()).unwrap();
        assert_eq!(
            target(&summarize(&value)),
            Target::Publisher {
                publisher: 2386944,
                campaign: Some(42066)
            }
        );
        let campaign = serde_json::json!({
            "requestId": "r", "entityType": "Campaign", "actionType": "delete",
            "entityId": "9", "payload": {"CampaignId": 9}
        });
        assert_eq!(
            target(&summarize(&campaign)),
            Target::Campaign { campaign: 9 }
        );
        let other = serde_json::json!({
            "requestId": "r", "entityType": "Onesheet", "actionType": "publish", "entityId": 1
        });
        assert!(matches!(target(&summarize(&other)), Target::Ignored(_)));
    }
}
