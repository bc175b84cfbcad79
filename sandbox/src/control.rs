//! Control endpoints under `/_sandbox/` (not part of CreatorIQ; no API key): faults, counters,
//! reset, rate limit, scenario list, creator inspection and edits, campaign dates, webhook
//! delivery log.
//! Creators are named by their internal integer id (`Id`, the `PublisherId` of the campaign
//! endpoints and of webhooks), never by the external `PublisherId` string.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::edit::{self, CreatorEdit};
use crate::{
    generate, lock, make_limiter, read, scenarios, write, AppState, Counters, FaultConfig,
    PartnerKeys,
};

pub(crate) fn routes(st: Arc<AppState>) -> Router {
    Router::new()
        .route("/_sandbox", get(info))
        .route("/_sandbox/keys", get(keys))
        .route(
            "/_sandbox/faults",
            get(get_faults).put(put_faults).delete(delete_faults),
        )
        .route("/_sandbox/counters", get(counters).delete(reset_counters))
        .route("/_sandbox/reset", axum::routing::post(reset))
        .route(
            "/_sandbox/rate-limit",
            get(get_rate_limit).put(put_rate_limit),
        )
        .route("/_sandbox/scenarios", get(scenario_list))
        .route(
            "/_sandbox/creators/{publisherId}",
            get(get_creator).patch(patch_creator),
        )
        .route(
            "/_sandbox/campaigns/{campaignId}",
            axum::routing::patch(patch_campaign),
        )
        .route("/_sandbox/webhooks/deliveries", get(deliveries))
        .route("/_sandbox/messages", get(crate::messages::inbox))
        .with_state(st)
}

fn error(status: StatusCode, msg: impl Into<String>) -> Response {
    (status, Json(json!({ "error": msg.into() }))).into_response()
}

pub(crate) fn partner_keys(st: &AppState) -> Vec<PartnerKeys> {
    let data = read(&st.data);
    data.partners
        .iter()
        .enumerate()
        .map(|(i, pd)| PartnerKeys {
            partner: i as u8 + 1,
            partner_id: pd.partner_id,
            partner_name: pd.name.clone(),
            keys: if i == 0 {
                st.config.partner1_keys.clone()
            } else {
                st.config.partner2_keys.clone()
            },
            campaigns: pd.campaigns.len(),
            creators: pd.publishers.len(),
        })
        .collect()
}

pub(crate) fn set_rate_limit(st: &AppState, per_sec: Option<u32>) {
    let per_sec = per_sec.filter(|&n| n > 0);
    *lock(&st.rate_limit) = per_sec;
    *write(&st.limiter) = make_limiter(per_sec);
}

pub(crate) fn reset_all(st: &AppState) {
    let fresh = generate(st.config.seed, st.config.size, st.config.today);
    *write(&st.data) = fresh;
    *lock(&st.counters) = Counters::default();
    *lock(&st.faults) = FaultConfig::default();
    lock(&st.subs).clear();
    lock(&st.deliveries).clear();
    lock(&st.inbox).clear();
    set_rate_limit(st, st.config.rate_limit_per_sec);
}

async fn info(State(st): State<Arc<AppState>>) -> Response {
    let c = &st.config;
    Json(json!({
        "service": "CreatorIQ sandbox",
        "seed": c.seed,
        "size": c.size.as_str(),
        "today": c.today.format("%Y-%m-%d").to_string(),
        "rate_limit_per_sec": *lock(&st.rate_limit),
        "webhook_retry_delay_ms": c.webhook_retry_delay.as_millis() as u64,
        "strict_list_fields": c.strict_list_fields,
        "sections_need_publisher_id": c.sections_need_publisher_id,
        "partners": partner_keys(&st),
    }))
    .into_response()
}

async fn keys(State(st): State<Arc<AppState>>) -> Response {
    Json(partner_keys(&st)).into_response()
}

async fn get_faults(State(st): State<Arc<AppState>>) -> Response {
    Json(lock(&st.faults).clone()).into_response()
}

async fn put_faults(State(st): State<Arc<AppState>>, body: Bytes) -> Response {
    let f: FaultConfig = match serde_json::from_slice(&body) {
        Ok(f) => f,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!("invalid fault config: {e}"),
            )
        }
    };
    let rates = [f.rate_429, f.rate_500, f.rate_timeout, f.rate_malformed];
    if rates.iter().any(|r| !(0.0..=1.0).contains(r)) {
        return error(
            StatusCode::BAD_REQUEST,
            "fault rates must be between 0 and 1",
        );
    }
    *lock(&st.faults) = f.clone();
    Json(f).into_response()
}

async fn delete_faults(State(st): State<Arc<AppState>>) -> Response {
    *lock(&st.faults) = FaultConfig::default();
    Json(FaultConfig::default()).into_response()
}

async fn counters(State(st): State<Arc<AppState>>) -> Response {
    Json(lock(&st.counters).clone()).into_response()
}

async fn reset_counters(State(st): State<Arc<AppState>>) -> Response {
    *lock(&st.counters) = Counters::default();
    Json(Counters::default()).into_response()
}

async fn reset(State(st): State<Arc<AppState>>) -> Response {
    let st2 = st.clone();
    if tokio::task::spawn_blocking(move || reset_all(&st2))
        .await
        .is_err()
    {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "reset failed");
    }
    Json(json!({ "reset": true, "partners": partner_keys(&st) })).into_response()
}

async fn get_rate_limit(State(st): State<Arc<AppState>>) -> Response {
    Json(json!({ "per_second": *lock(&st.rate_limit) })).into_response()
}

async fn put_rate_limit(State(st): State<Arc<AppState>>, body: Bytes) -> Response {
    let v: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("invalid JSON: {e}")),
    };
    let per_sec = match v.get("per_second") {
        Some(Value::Null) | None => None,
        Some(n) => match n.as_u64().and_then(|n| u32::try_from(n).ok()) {
            Some(n) => Some(n),
            None => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "per_second must be a non-negative integer or null",
                )
            }
        },
    };
    set_rate_limit(&st, per_sec);
    Json(json!({ "per_second": *lock(&st.rate_limit) })).into_response()
}

async fn scenario_list() -> Response {
    let campaigns: Vec<Value> = scenarios::CAMPAIGNS
        .iter()
        .map(|c| {
            json!({
                "key": c.key, "campaign_id": c.id, "name": c.name,
                "start_offset_days": c.start_offset_days, "end_offset_days": c.end_offset_days,
                "demonstrates": c.demonstrates,
            })
        })
        .collect();
    let creators: Vec<Value> = scenarios::CREATORS
        .iter()
        .map(|c| {
            json!({
                "key": c.key, "publisher_id": c.publisher_id, "external_id": c.external_id(),
                "contact_id": c.contact_id(),
                "name": c.name, "email": c.email, "campaign_ids": c.campaign_ids,
                "demonstrates": c.demonstrates, "expected_status": c.expected_status,
                "expected_codes": c.expected_codes,
            })
        })
        .collect();
    Json(json!({ "campaigns": campaigns, "creators": creators })).into_response()
}

fn parse_pid(raw: &str) -> Result<u32, Box<Response>> {
    raw.trim().parse().map_err(|_| {
        Box::new(error(
            StatusCode::BAD_REQUEST,
            format!("{raw:?} is not a numeric publisher id"),
        ))
    })
}

fn creator_json(st: &AppState, pid: u32) -> Option<Value> {
    let data = read(&st.data);
    let partner = data.partner_of_publisher(pid)?;
    let pd = &data.partners[partner];
    let p = pd.publisher(pid)?;
    let assignments: Vec<Value> = p
        .campaign_ids
        .iter()
        .filter_map(|cid| pd.campaign(*cid))
        .filter_map(|c| {
            let a = c.assignments.iter().find(|a| a.publisher_id == pid)?;
            let cf: serde_json::Map<String, Value> = a
                .custom_fields
                .iter()
                .enumerate()
                .map(|(i, v)| (format!("CustomField{}", i + 1), json!(v)))
                .collect();
            Some(json!({
                "campaign_id": c.id, "campaign_name": c.name,
                "start_date": c.start_date, "end_date": c.end_date,
                "status": a.status, "payout": a.payout.map(|v| v as i64), "custom_fields": cf,
            }))
        })
        .collect();
    Some(json!({
        "publisher_id": p.id, "external_id": p.external_id, "contact_id": p.contact_id,
        "partner": partner + 1,
        "name": p.full_name(), "email": p.email, "street_address": p.street,
        "street_address2": p.street2, "city": p.city, "state": p.state, "zip_code": p.zip,
        "country": p.country, "phone": p.phone, "campaigns": assignments,
    }))
}

async fn get_creator(State(st): State<Arc<AppState>>, Path(id): Path<String>) -> Response {
    let pid = match parse_pid(&id) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    match creator_json(&st, pid) {
        Some(v) => Json(v).into_response(),
        None => error(StatusCode::NOT_FOUND, format!("no creator with id {pid}")),
    }
}

async fn patch_creator(
    State(st): State<Arc<AppState>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let pid = match parse_pid(&id) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let v: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("invalid JSON: {e}")),
    };
    let e = match CreatorEdit::from_json(&v) {
        Ok(e) => e,
        Err(m) => return error(StatusCode::BAD_REQUEST, m),
    };
    let Some(partner) = read(&st.data).partner_of_publisher(pid) else {
        return error(StatusCode::NOT_FOUND, format!("no creator with id {pid}"));
    };
    match edit::apply(&st, partner, pid, &e) {
        Ok(outcome) => Json(outcome).into_response(),
        Err(err) => error(StatusCode::BAD_REQUEST, err.message()),
    }
}

async fn deliveries(State(st): State<Arc<AppState>>) -> Response {
    let list: Vec<_> = lock(&st.deliveries).iter().cloned().collect();
    Json(list).into_response()
}

/// Sets a campaign's dates, each `YYYY-MM-DD` or `None` for blank.
pub(crate) fn set_campaign_dates(
    st: &AppState,
    campaign_id: u32,
    start_date: Option<&str>,
    end_date: Option<&str>,
) -> Result<(), String> {
    for d in [start_date, end_date].into_iter().flatten() {
        chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map_err(|_| format!("{d:?} is not a date (YYYY-MM-DD)"))?;
    }
    let mut data = write(&st.data);
    let campaign = data
        .partners
        .iter_mut()
        .find_map(|p| p.campaign_mut(campaign_id))
        .ok_or_else(|| format!("no campaign {campaign_id}"))?;
    campaign.start_date = start_date.map(str::to_string);
    campaign.end_date = end_date.map(str::to_string);
    Ok(())
}

/// `PATCH /_sandbox/campaigns/{id}` with `{"start_date": "2027-01-05", "end_date": null}`:
/// moves the campaign's dates (a key left out stays as it is).
async fn patch_campaign(
    State(st): State<Arc<AppState>>,
    Path(campaign_id): Path<u32>,
    Json(body): Json<Value>,
) -> Response {
    let current = {
        let data = read(&st.data);
        data.partners
            .iter()
            .find_map(|p| p.campaign(campaign_id))
            .map(|c| (c.start_date.clone(), c.end_date.clone()))
    };
    let Some((start, end)) = current else {
        return error(StatusCode::NOT_FOUND, format!("no campaign {campaign_id}"));
    };
    let pick = |key: &str, was: Option<String>| -> Result<Option<String>, String> {
        match body.get(key) {
            None => Ok(was),
            Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(format!("{key} must be a date string or null")),
        }
    };
    let (start, end) = match (pick("start_date", start), pick("end_date", end)) {
        (Ok(s), Ok(e)) => (s, e),
        (Err(m), _) | (_, Err(m)) => return error(StatusCode::BAD_REQUEST, m),
    };
    match set_campaign_dates(&st, campaign_id, start.as_deref(), end.as_deref()) {
        Ok(()) => Json(json!({"campaign_id": campaign_id, "start_date": start, "end_date": end}))
            .into_response(),
        Err(m) => error(StatusCode::BAD_REQUEST, m),
    }
}
