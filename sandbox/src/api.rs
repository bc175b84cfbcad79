//! The CreatorIQ endpoints: campaigns, campaign publishers, publishers, contacts, writes, and
//! the pub/sub routes. Shapes follow `reference/creatoriq-*-openapi.yml`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post, put};
use axum::{Extension, Json, Router};
use serde_json::{json, Map, Value};

use crate::data::{Assignment, Campaign, PartnerData, Publisher};
use crate::edit::{self, custom_field_number, number, text, CreatorEdit};
use crate::guard::{self, Caller};
use crate::{messages, pubsub, read, AppState};

/// A CreatorIQ CRM error: `{"type":"CoreException","CoreException":{"code":..,"message":..}}`.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    pub(crate) fn bad_request(msg: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            message: msg.into(),
        }
    }
    /// CreatorIQ answers 400 (not 404) for ids it does not know.
    pub(crate) fn unknown_campaign(id: impl std::fmt::Display) -> Self {
        Self::bad_request(format!("Campaign with ID {id} was not found"))
    }
    pub(crate) fn unknown_publisher(id: impl std::fmt::Display) -> Self {
        Self::bad_request(format!("Publisher with ID {id} was not found"))
    }
    pub(crate) fn message(&self) -> String {
        self.message.clone()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(json!({
                "type": "CoreException",
                "CoreException": { "code": self.status.as_u16(), "message": self.message },
            })),
        )
            .into_response()
    }
}

type ApiResult = Result<Response, ApiError>;

pub(crate) fn routes(st: Arc<AppState>) -> Router {
    Router::new()
        .route("/crm/v1/api/campaigns", get(campaigns))
        .route("/crm/v1/api/campaign/{campaignId}", get(campaign))
        .route(
            "/crm/v1/api/campaign/{campaignId}/publishers",
            get(campaign_publishers).patch(update_campaign_publisher),
        )
        .route(
            "/crm/v1/api/campaign/{campaignId}/publishers/status",
            put(change_status),
        )
        .route(
            "/crm/v1/api/campaign/{campaignId}/publishersList",
            get(campaign_publishers_list),
        )
        .route(
            "/crm/v1/api/campaign/{campaignId}/publisher/{publisherId}/payment/settings",
            patch(payment_settings),
        )
        .route(
            "/crm/v1/api/publisher/{publisherId}",
            get(publisher).patch(patch_publisher),
        )
        .route(
            "/crm/v1/api/data/contact/{contactId}",
            get(contact).patch(patch_contact),
        )
        .route("/crm/v1/api/communication/send", post(messages::send))
        .route("/pubsub/subscribe", post(pubsub::subscribe))
        .route("/pubsub/subscriptions", get(pubsub::subscriptions))
        .route(
            "/pubsub/unsubscribe",
            axum::routing::delete(pubsub::unsubscribe),
        )
        // An unknown route, or a method a known path does not have, is a 404 after auth (the
        // guard below runs first, so a request without a key is a 403 on any path).
        .method_not_allowed_fallback(guard::not_found)
        .fallback(guard::not_found)
        .layer(axum::middleware::from_fn_with_state(
            st.clone(),
            guard::api_guard,
        ))
        .with_state(st)
}

// ---------------------------------------------------------------------------------------------
// Helpers

/// `http://host:port` as the client addressed us, for `href`s.
fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    format!("http://{host}")
}

pub(crate) fn parse_id(raw: &str, what: &str) -> Result<u32, ApiError> {
    raw.trim()
        .parse::<u32>()
        .map_err(|_| ApiError::bad_request(format!("Invalid {what}: {raw:?} is not a numeric id")))
}

fn query_u32(q: &HashMap<String, String>, name: &str) -> Result<Option<u32>, ApiError> {
    match q.get(name).map(|s| s.trim()) {
        None | Some("") => Ok(None),
        Some(s) => s
            .parse::<u32>()
            .map(Some)
            .map_err(|_| ApiError::bad_request(format!("Invalid {name}: {s:?}"))),
    }
}

pub(crate) fn json_body(body: &Bytes) -> Result<Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(ApiError::bad_request("Request body must be a JSON object")),
        Err(e) => Err(ApiError::bad_request(format!("Malformed JSON body: {e}"))),
    }
}

pub(crate) fn no_content() -> ApiResult {
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// A payout as CreatorIQ sends it: an integer (`FinalPayout` is typed integer). Stored amounts
/// are whole already (generated whole, rounded when written), so this loses nothing.
fn money(v: f64) -> Value {
    json!(v as i64)
}

fn logo(id: u32) -> String {
    format!("https://social-pictures-storage.example.com/thumb_{id}.jpeg")
}

fn owned_campaign<'a>(pd: &'a PartnerData, raw: &str) -> Result<&'a Campaign, ApiError> {
    let id = parse_id(raw, "campaignId")?;
    pd.campaign(id)
        .ok_or_else(|| ApiError::unknown_campaign(id))
}

// ---------------------------------------------------------------------------------------------
// Campaigns

const CAMPAIGN_ALWAYS: &[&str] = &[
    "CampaignId",
    "NetworkId",
    "CampaignVisibility",
    "EarnedPostsFlag",
    "Currency",
    "SparkAdsPermission",
    "SparkAdsPeriod",
];

fn campaign_json(base: &str, pd: &PartnerData, c: &Campaign, fields: Option<&[&str]>) -> Value {
    let mut m = json!({
        "CampaignId": c.id,
        "LogoURL": null,
        "IsSale": 0,
        "NetworkId": pd.partner_id,
        "AdvertiserId": c.advertiser_id,
        "CampaignName": c.name,
        "Description": c.description,
        "SalesPerson": null,
        "Manager": "Jamie Rivera",
        "CampaignStatus": c.status,
        "Visibility": "By invitation only",
        "Direct": 1,
        "TotalBudget": c.budget,
        "Objective": "Drive product awareness",
        "DateTimeCreated": c.created.format("%Y-%m-%d").to_string(),
        "LastModified": format!("{} 08:25:00", c.created.format("%Y-%m-%d")),
        "LastModifiedBy": "Admin",
        "HashTag": "#ad,#sponsored",
        "Currency": "USD",
        "PayoutType": "Fixed",
        "PublishersCount": c.assignments.len(),
        "CampaignVisibility": 1,
        "EarnedPostsFlag": 0,
        "PaymentTerm": 30,
        "DivisionId": null,
        "NetworkCampaignID": null,
        "Tags": null,
        "CustomFieldValue1": null,
        // Not in the published schema: CreatorIQ adds fields without notice.
        "BrandName": c.brand,
        "CampaignRegion": "North America",
    });
    // `StartDate` / `EndDate` are typed string (not nullable, not required): a campaign without
    // one has no such key, never `""` or null.
    if let Some(obj) = m.as_object_mut() {
        if let Some(d) = &c.start_date {
            obj.insert("StartDate".into(), json!(d));
        }
        if let Some(d) = &c.end_date {
            obj.insert("EndDate".into(), json!(d));
        }
    }
    if let (Some(fields), Some(obj)) = (fields, m.as_object_mut()) {
        obj.retain(|k, _| fields.contains(&k.as_str()) || CAMPAIGN_ALWAYS.contains(&k.as_str()));
    }
    json!({
        "type": "Campaign",
        "href": format!("{base}/crm/v1/api/campaign/{}", c.id),
        "Campaign": m,
    })
}

fn field_list(q: &HashMap<String, String>) -> Option<Vec<&str>> {
    q.get("fields").map(|f| {
        f.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect()
    })
}

async fn campaigns(
    State(st): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let page = query_u32(&q, "page")?.unwrap_or(1);
    let size = query_u32(&q, "size")?.unwrap_or(20);
    if page == 0 || size == 0 {
        return Err(ApiError::bad_request("page and size must be at least 1"));
    }
    if size > 1000 {
        return Err(ApiError::bad_request("size must not exceed 1000"));
    }
    let fields = field_list(&q);
    let base = base_url(&headers);
    let data = read(&st.data);
    let pd = &data.partners[caller.partner];
    let total = pd.campaigns.len();
    let (page_us, size_us) = (page as usize, size as usize);
    let items: Vec<Value> = pd
        .campaigns
        .iter()
        .skip((page_us - 1).saturating_mul(size_us))
        .take(size_us)
        .map(|c| campaign_json(&base, pd, c, fields.as_deref()))
        .collect();
    Ok(Json(json!({
        "type": "CampaignCollection",
        "href": format!("{base}/crm/v1/api/campaigns"),
        "count": items.len(),
        "total": total,
        "page": page,
        "total_pages": total.div_ceil(size_us),
        "CampaignCollection": items,
    }))
    .into_response())
}

async fn campaign(
    State(st): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let data = read(&st.data);
    let pd = &data.partners[caller.partner];
    let c = owned_campaign(pd, &id)?;
    let fields = field_list(&q);
    Ok(Json(campaign_json(&base_url(&headers), pd, c, fields.as_deref())).into_response())
}

// ---------------------------------------------------------------------------------------------
// Campaign publishers (object keyed by publisher id)

#[derive(Default)]
struct Sections {
    custom_fields: bool,
    final_payout: bool,
    instructions: bool,
    dashboard_link: bool,
}

fn campaign_publisher_json(
    base: &str,
    c: &Campaign,
    a: &Assignment,
    p: Option<&Publisher>,
    sections: &Sections,
) -> Map<String, Value> {
    let name = p.map(Publisher::full_name).unwrap_or_default();
    let payout = a.payout.map(money);
    let mut m = json!({
        "CampaignId": c.id,
        "CampaignName": c.name,
        "CampaignLogoURL": null,
        "Currency": "USD",
        "PublisherId": a.publisher_id,
        "PublisherName": name,
        "PublisherLogoURL": logo(a.publisher_id),
        "DatePublisherAdded": a.date_added.format("%Y-%m-%d").to_string(),
        "CPM": null,
        "Status": a.status,
        "Clicks": null,
        "Note": null,
        "RespondByDate": null,
        "FixedFee": null,
        "CampaignStartDate": c.start_date,
        "CampaignEndDate": c.end_date,
        "PublisherCustomPayout": payout,
        "AllowCustomPayout": 1,
        "PayoutPaid": 0,
        "PayoutType": "PerCreator",
        "CampaignDefaultPayout": null,
        "EarningsTotal": payout,
        "RequiredPostsTotal": 2,
        "ActualPostsTotal": "0",
        "Views": 0,
        "RequirementsCompleted": 0,
        "PublisherVerified": 1,
        "PaymentTerm": 30,
        "ScheduledPosts": 0,
        "IsCreatorMarketplaceEnabled": 0,
        // Not in the published schema (tolerant readers ignore them).
        "ContractSigned": "1",
        "CreatorTier": a.custom_fields[0],
    });
    let Some(obj) = m.as_object_mut() else {
        return Map::new();
    };
    if sections.custom_fields {
        let mut cf = Map::new();
        cf.insert("PublisherId".into(), json!(a.publisher_id));
        cf.insert("CampaignId".into(), json!(c.id));
        for (i, v) in a.custom_fields.iter().enumerate() {
            cf.insert(format!("CustomField{}", i + 1), json!(v));
        }
        obj.insert("PublishersCustomFields".into(), json!([cf]));
    }
    if sections.final_payout {
        let mut fp = json!({
            "FixedFeeTrigger": 1,
            "PayoutType": "PerCreator",
            "Currency": "USD",
            "CampaignDefaultPayout": 0,
            "ScheduledPostsTotalPayout": 0,
            "ContentApproval": "Not Required",
            "ContentStatus": "Not submitted",
            "TotalPosts": 2,
            "RequiredApprovalPosts": 0,
            "SubmittedPosts": 0,
            "ApprovedPosts": 0,
            "CompletedPosts": 0,
            "ScheduledPostsEarnings": 0,
        });
        // A missing payment amount is simply absent here (the schema has no null for it).
        if let Some(v) = &payout {
            fp["PublisherPayout"] = v.clone();
            fp["FinalPayout"] = v.clone();
        }
        obj.insert("FinalPayout".into(), fp);
    }
    if sections.instructions {
        obj.insert(
            "InstructionsForPublishers".into(),
            json!("Two posts: one Reel and one Story, tag the brand, use #ad."),
        );
    }
    if sections.dashboard_link {
        obj.insert(
            "CampaignDashboardLink".into(),
            json!(format!(
                "{base}/dashboard/?publisherId={}#campaign/{}",
                a.publisher_id, c.id
            )),
        );
    }
    match m {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn integration_settings() -> Value {
    json!({
        "AccountConfigurationId": 1234,
        "TrackingAddUTM": false,
        "TrackingLevel": "publisher",
        "PromotionType": "product",
        "PromotionWithType": "link",
        "ShortLinkWrapper": null,
        "TrackingLinkCreationType": null,
        "CouponCodeSettings": null,
        "AllowPublishersToGenerateLink": false,
        "Promotions": [],
    })
}

/// `candidates`: 0 = active in campaign (every status but `Selected`), 1 = candidates
/// (`Selected`), 2 = both.
fn candidate_filter(q: &HashMap<String, String>) -> Result<impl Fn(&Assignment) -> bool, ApiError> {
    let mode = query_u32(q, "candidates")?.unwrap_or(0);
    if mode > 2 {
        return Err(ApiError::bad_request("candidates must be 0, 1 or 2"));
    }
    Ok(move |a: &Assignment| {
        let candidate = a.status == "Selected";
        match mode {
            0 => !candidate,
            1 => candidate,
            _ => true,
        }
    })
}

async fn campaign_publishers(
    State(st): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let mut sections = Sections::default();
    for s in q
        .get("sections")
        .map(String::as_str)
        .unwrap_or("")
        .split(',')
    {
        match s.trim() {
            "PublishersCustomFields" => sections.custom_fields = true,
            "FinalPayout" => sections.final_payout = true,
            "InstructionsForPublishers" => sections.instructions = true,
            "CampaignDashboardLink" => sections.dashboard_link = true,
            _ => {}
        }
    }
    let keep = candidate_filter(&q)?;
    let single = query_u32(&q, "publisherId")?;
    if single.is_none() && st.config.sections_need_publisher_id {
        // Sections only come with `publisherId` under this reading of the spec.
        sections = Sections::default();
    }
    let base = base_url(&headers);
    let data = read(&st.data);
    let pd = &data.partners[caller.partner];
    let c = owned_campaign(pd, &id)?;
    let href = format!("{base}/crm/v1/campaign/{}/publishers", c.id);

    if let Some(pid) = single {
        let a = c
            .assignments
            .iter()
            .find(|a| a.publisher_id == pid)
            .ok_or_else(|| {
                ApiError::bad_request(format!("Publisher {pid} is not in campaign {}", c.id))
            })?;
        let mut m = campaign_publisher_json(&base, c, a, pd.publisher(pid), &sections);
        let extra = json!({
            "Payable": false,
            "PayableDate": null,
            "NotPayableReason": "PayPal email not set",
            "HasPayments": "0",
            "HasFixedPayments": a.payout.is_some(),
            "IsFixedPaymentRejected": false,
            "PaymentRejectionNote": null,
            "IntegrationSettings": integration_settings(),
            "NetworkCampaignName": null,
        });
        if let Some(e) = extra.as_object() {
            m.extend(e.clone());
        }
        return Ok(Json(json!({
            "type": "CampaignPublisher",
            "href": href,
            "CampaignPublisher": m,
        }))
        .into_response());
    }

    let mut keyed = Map::new();
    for a in c.assignments.iter().filter(|a| keep(a)) {
        keyed.insert(
            a.publisher_id.to_string(),
            Value::Object(campaign_publisher_json(
                &base,
                c,
                a,
                pd.publisher(a.publisher_id),
                &sections,
            )),
        );
    }
    // Campaign-level keys sit next to the publisher ids (readers must skip non-numeric keys).
    keyed.insert("NetworkCampaignName".into(), Value::Null);
    keyed.insert("IntegrationSettings".into(), integration_settings());
    Ok(Json(json!({
        "type": "CampaignPublisher",
        "href": href,
        "CampaignPublisher": keyed,
    }))
    .into_response())
}

// ---------------------------------------------------------------------------------------------
// Campaign publishers list (contact fields)

/// Fields of `publishersList` the sandbox fills (others from the enum are left out).
const LIST_FIELDS: &[&str] = &[
    "Id",
    "PublisherId",
    "PublisherName",
    "NetworkPublisherId",
    "PrimaryContactId",
    "PartnerId",
    "NetworkName",
    "Status",
    "StatusCategory",
    "FullName",
    "FirstName",
    "LastName",
    "StreetAddress",
    "StreetAddress2",
    "City",
    "State",
    "ZipCode",
    "Country",
    "Email",
    "Email1",
    "PhoneNumber1",
    "LastUpdated",
    "CampaignId",
    "MPID",
];

/// Every value of the published `campaignPublishersListFieldsQuery` enum (whitespace-separated).
const LIST_FIELDS_ENUM: &str = "PublisherId PublisherName LegalGuardian OutsideManagerName \
    ManagementCompany NetworkPublisherId InvitedToPortal LogoURL ThumbLogoUrl PrimaryContactId \
    ShipToContactId FinanceContactId OutsideManagerContactId LegalGuardianContactId DateOfBirth \
    Age Language Language2 EthnicBackground Gender RecruiterName AccountManagerName PartnerId \
    NetworkName SubNetworkId SubNetworkName FlagshipProperty Category PublisherType \
    BrandsWishes BrandsContracts PressList SubCategories Size Status StatusCategory \
    ExpectedCloseDate Probability LeadSource DatedClaimed DateInvited DateWelcomeEmailSent \
    DateFirstChannelActivated DateJoinedNetwork DateLastContact DatePublisherStateChanged \
    DateJoinedPublisherPortal DateLastPublisherPortalLogin Description LastUpdated UpdatedBy \
    HasAdSense Unsubscribe DontContact AdSenseDisabled AdSenseIssue OtherNetwork AllowReApply \
    RegistrationCompleted InterfaceLocale PrimaryContact ShipToAddress FullName FirstName \
    LastName StreetAddress StreetAddress2 City State ZipCode Country Email Email1 PhoneNumber1 \
    PhoneNumber1Description PhoneNumber2 PhoneNumber2Description PhoneNumber3 \
    PhoneNumber3Description Fax Notes LegalGuardianContact TW_Followers TW_NumOfAccounts \
    VN_Followers VN_NumOfAccounts IN_Followers IN_NumOfAccounts FB_Likes FB_TotalViews \
    FB_TotalVideos FB_AverageMonthlyViews FB_AvgLastViewsPerVideo FB_AvgLastLikesPerVideo \
    FB_AvgLastCommentsPerVideo FB_NumOfAccounts NumberOfChannels YT_Subscribers YT_TotalViews \
    YT_TotalVideos YT_AverageMonthlyViews FinanceContact DateRecruitingStarted \
    DatePublisherActivated DatePublisherDeActivated ContractSummary ChannelList Categories \
    Relationship Children Pets Glasses EyeColor HairColor ContentRating BrandsWorked \
    BrandsWishWork BrandsWontWork InternalDescription ShortDescription AgeRange CustomValue1 \
    CustomValue2 CustomValue3 CustomValue4 CustomValue5 LogoHighResURL Tags \
    YT_AvgLastViewsPerVideo YT_AvgLastLikesPerVideo YT_AvgLastDislikesPerVideo \
    YT_AvgLastCommentsPerVideo AvgLastEngagementPerVideoYT AvgLastEngagementPerVideoSocial \
    AvgLastEngagementPerVideoTotal GP_Followers GP_NumOfAccounts TB_Followers TB_NumOfAccounts \
    PN_Followers PN_NumOfAccounts SC_Followers SC_NumOfAccounts WB_Followers WB_NumOfAccounts \
    ML_Followers ML_NumOfAccounts TCH_Followers TCH_NumOfAccounts TCH_TotalViews AVV30 AVV60 \
    AVV90 FlagshipSocialNetwork SocialAccountsList FlagshipPropertyTitle TotalSubscribers \
    SalesSheetImageURL HaveKids HavePets PoliticalAffiliation PhoneType ShirtSize \
    HasDriverLicense HasPassport ShoeSize PantSize PantWaist PantLength Height WillTravel \
    DressSize LDACompliant AccessControl Token CIQCertifiedFlag CIQCertifiedFlagDate \
    AudienceFlags EngagementFlags GrowthFlags TotalFraudFlags CustomValue6 CustomValue7 \
    CustomValue8 CustomValue9 CustomValue10 CustomValue11 CustomValue12 CustomValue13 \
    CustomValue14 CustomValue15 CustomValue16 CustomValue17 TT_Followers TT_NumOfAccounts \
    WE_Followers WE_NumOfAccounts LI_Followers LI_NumOfAccounts LN_Followers LN_NumOfAccounts \
    TCH_Subscribers TCH_PeakViewers TCH_AvgViewers TCH_ViewsVideoCount FollowersCountJSON \
    TotalSocialAccounts PrimarySocialAccountId EmailExists PC_Followers PC_NumOfAccounts \
    BC_Followers BC_NumOfAccounts CampaignId CHP_PublisherId MPID Id PublisherState \
    PublisherStateChangeReason";

/// The fields a `publishersList` request asks for. Lenient (default): a comma list, names the
/// sandbox does not fill ignored. Strict (`SandboxConfig::strict_list_fields`): exactly one
/// value of the published enum, as the schema types the parameter.
fn list_fields_requested(
    q: &HashMap<String, String>,
    strict: bool,
) -> Result<Option<Vec<&str>>, ApiError> {
    if !strict {
        return Ok(field_list(q));
    }
    match q.get("fields") {
        None => Ok(None),
        Some(raw) => {
            let v = raw.trim();
            if LIST_FIELDS_ENUM.split_ascii_whitespace().any(|f| f == v) {
                Ok(Some(vec![v]))
            } else {
                Err(ApiError::bad_request(format!(
                    "Invalid value for fields: {raw:?} (expected one field name)"
                )))
            }
        }
    }
}

/// One `publishersList` field. `Id` and `PublisherId` are the internal integer id,
/// `NetworkPublisherId` the external id string.
fn list_field(pd: &PartnerData, c: &Campaign, p: &Publisher, name: &str) -> Option<Value> {
    Some(match name {
        "Id" => json!(p.id),
        "PublisherId" => json!(p.id),
        "PublisherName" => json!(p.full_name()),
        "NetworkPublisherId" => json!(p.external_id),
        "PrimaryContactId" => json!(p.contact_id),
        "PartnerId" => json!(pd.partner_id),
        "NetworkName" => json!(pd.name),
        "Status" => json!("Active"),
        "StatusCategory" => json!("In Network"),
        "FullName" => json!(p.full_name()),
        "FirstName" => json!(p.first_name),
        "LastName" => json!(p.last_name),
        "StreetAddress" => json!(p.street),
        "StreetAddress2" => json!(p.street2),
        "City" => json!(p.city),
        "State" => json!(p.state),
        "ZipCode" => json!(p.zip),
        "Country" => json!(p.country),
        // The list schema has no null for Email: a blank email is an empty string here.
        "Email" => json!(p.email.clone().unwrap_or_default()),
        "Email1" => Value::Null,
        "PhoneNumber1" => json!(p.phone),
        "LastUpdated" => json!(p.last_updated),
        "CampaignId" => json!(c.id),
        "MPID" => json!(format!("MP{}", p.id)),
        _ => return None,
    })
}

async fn campaign_publishers_list(
    State(st): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let requested = list_fields_requested(&q, st.config.strict_list_fields)?;
    let fields: Vec<&str> = match &requested {
        Some(f) => {
            let mut f: Vec<&str> = f
                .iter()
                .copied()
                .filter(|n| LIST_FIELDS.contains(n))
                .collect();
            if !f.contains(&"MPID") {
                f.push("MPID");
            }
            f
        }
        None => LIST_FIELDS.to_vec(),
    };
    // The spec documents no paging for publishersList: `page` / `size` are ignored and every
    // creator of the campaign comes in one answer.
    let base = base_url(&headers);
    let data = read(&st.data);
    let pd = &data.partners[caller.partner];
    let c = owned_campaign(pd, &id)?;
    let items: Vec<Value> = c
        .assignments
        .iter()
        .filter_map(|a| pd.publisher(a.publisher_id))
        .map(|p| {
            let mut m = Map::new();
            for f in &fields {
                if let Some(v) = list_field(pd, c, p, f) {
                    m.insert((*f).to_string(), v);
                }
            }
            Value::Object(m)
        })
        .collect();
    Ok(Json(json!({
        "type": "PublisherCollection",
        "href": format!("{base}/crm/v1/api/campaign/{}/publishersList", c.id),
        "count": items.len(),
        "total": items.len(),
        "page": 1,
        "PublisherCollection": items,
    }))
    .into_response())
}

// ---------------------------------------------------------------------------------------------
// Publisher and contact

/// Which identifier `/crm/v1/api/publisher/{publisherId}` is named by (its `key` parameter).
#[derive(Debug, Clone, Copy, PartialEq)]
enum PublisherKey {
    /// The internal integer `Id` (`key=Id`, any case).
    Internal,
    /// The external `PublisherId` / `NetworkPublisherId` string (no `key`, the default).
    External,
}

/// Reads `key`: `Id` (any case, CreatorIQ's own text says `key=id`) names the internal id;
/// absent or one of `external_names` (any case) the external one; anything else is a 400.
fn publisher_key(
    q: &HashMap<String, String>,
    external_names: &[&str],
) -> Result<PublisherKey, ApiError> {
    let Some(raw) = q.get("key") else {
        return Ok(PublisherKey::External);
    };
    let k = raw.trim();
    if k.eq_ignore_ascii_case("Id") {
        Ok(PublisherKey::Internal)
    } else if external_names.iter().any(|n| n.eq_ignore_ascii_case(k)) {
        Ok(PublisherKey::External)
    } else {
        Err(ApiError::bad_request(format!(
            "Invalid value for key: {raw:?} (expected Id or {})",
            external_names.join(" or ")
        )))
    }
}

/// The creator a `/crm/v1/api/publisher/{publisherId}` path names. Without `key=Id` the segment
/// is the external `PublisherId`, so an internal id there is an unknown publisher (400).
fn publisher_at<'a>(
    pd: &'a PartnerData,
    raw: &str,
    key: PublisherKey,
) -> Result<&'a Publisher, ApiError> {
    if raw.is_empty() || !raw.chars().all(|ch| ch.is_ascii_alphanumeric()) {
        return Err(ApiError::bad_request(format!(
            "Invalid PublisherID format: {raw:?}"
        )));
    }
    let found = match key {
        PublisherKey::Internal => raw.parse::<u32>().ok().and_then(|id| pd.publisher(id)),
        PublisherKey::External => pd.publisher_by_external(raw),
    };
    found.ok_or_else(|| ApiError::unknown_publisher(raw))
}

/// `GET /crm/v1/api/publisher/{publisherId}?key=`: `Id` is the internal integer, `PublisherId`
/// and `NetworkPublisherId` the external string.
async fn publisher(
    State(st): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let key = publisher_key(&q, &["PublisherId"])?;
    let base = base_url(&headers);
    let data = read(&st.data);
    let pd = &data.partners[caller.partner];
    let p = publisher_at(pd, &id, key)?;
    let mut m = json!({
        "Id": p.id,
        "NetworkPublisherId": p.external_id,
        "PublisherId": p.external_id,
        "PublisherName": p.full_name(),
        "LastUpdated": p.last_updated,
        "Status": "Active",
        "StatusCategory": "In Network",
        "Language": "English",
        "Gender": null,
        "Description": null,
        "LogoURL": logo(p.id),
        "Address": {
            "type": "Address",
            "href": format!("{base}/crm/v1/api/data/contact/{}", p.contact_id),
        },
        "Summary": {
            "type": "Summary",
            "href": format!("{base}/crm/v1/api/publisher/{}/summary", p.external_id),
        },
        "Campaigns": {
            "type": "Campaigns",
            "href": format!("{base}/crm/v1/api/publisher/{}/campaigns", p.external_id),
        },
        "CampaignsCount": p.campaign_ids.len(),
        "TotalSubscribers": format!("{}", 1000 + (p.id % 97) * 1234),
        "CustomValue1": null,
        "Tags": null,
        "MPID": format!("MP{}", p.id),
        "LDACompliant": 1,
        // Not in the published schema.
        "ProfileCompleteness": "85",
    });
    if let Some(country) = &p.country {
        m["Country"] = json!(country);
    }
    Ok(Json(json!({ "type": "Publisher", "Publisher": m })).into_response())
}

async fn contact(
    State(st): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult {
    let base = base_url(&headers);
    let data = read(&st.data);
    let pd = &data.partners[caller.partner];
    let cid = parse_id(&id, "contactId")?;
    let p = pd
        .publisher_by_contact(cid)
        .ok_or_else(|| ApiError::bad_request(format!("Contact with ID {cid} was not found")))?;
    Ok(Json(json!({
        "type": "Address",
        "href": format!("{base}/crm/v1/api/data/contact/{cid}"),
        "Address": {
            "Id": p.contact_id,
            "FirstName": p.first_name,
            "LastName": p.last_name,
            "FullName": p.full_name(),
            "AddressLine1": p.street,
            "AddressLine2": p.street2,
            "ZIPCode": p.zip.clone().unwrap_or_default(),
            "City": p.city,
            "State": p.state,
            "Country": p.country,
            "Email": p.email,
            "Email1": null,
            "PhoneNumber": p.phone,
            "PublisherId": p.id,
            "PrimaryContact": 1,
            "EmailExists": p.email.as_deref().is_some_and(|e| !e.is_empty()),
            "Complaint": null,
        },
    }))
    .into_response())
}

// ---------------------------------------------------------------------------------------------
// Writes

fn str_field(m: &Map<String, Value>, name: &str) -> Result<Option<Option<String>>, ApiError> {
    m.get(name)
        .map(|v| text(v).map_err(|e| ApiError::bad_request(format!("{name}: {e}"))))
        .transpose()
}

/// `PATCH /crm/v1/api/data/contact/{contactId}` (`PATCHContactDataRequest`).
async fn patch_contact(
    State(st): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let cid = parse_id(&id, "contactId")?;
    let m = json_body(&body)?;
    if !m.contains_key("ContactType") {
        return Err(ApiError::bad_request("ContactType is required"));
    }
    let pid = read(&st.data).partners[caller.partner]
        .publisher_by_contact(cid)
        .map(|p| p.id)
        .ok_or_else(|| ApiError::bad_request(format!("Contact with ID {cid} was not found")))?;
    let edit = CreatorEdit {
        email: str_field(&m, "Email")?,
        street_address: str_field(&m, "StreetAddress")?,
        street_address2: str_field(&m, "StreetAddress2")?,
        city: str_field(&m, "City")?,
        state: str_field(&m, "State")?,
        zip_code: str_field(&m, "ZipCode")?,
        country: str_field(&m, "Country")?,
        phone: str_field(&m, "PhoneNumber1")?,
        first_name: str_field(&m, "FirstName")?.flatten(),
        last_name: str_field(&m, "LastName")?.flatten(),
        ..CreatorEdit::default()
    };
    edit::apply(&st, caller.partner, pid, &edit)?;
    no_content()
}

/// `PATCH /crm/v1/api/publisher/{publisherId}?key=`: name fields and the `Address` object
/// (`AddressLine1`, `ZIPCode`, `City`, `State`, `Country`, `Email`). The path is the external
/// `PublisherId` unless `key=Id` (the spec also lists `key=NetworkPublisherId`, the same value).
async fn patch_publisher(
    State(st): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    body: Bytes,
) -> ApiResult {
    let key = publisher_key(&q, &["PublisherId", "NetworkPublisherId"])?;
    let pid = publisher_at(&read(&st.data).partners[caller.partner], &id, key)?.id;
    let m = json_body(&body)?;
    if m.is_empty() {
        return Err(ApiError::bad_request("Request body must not be empty"));
    }
    let mut edit = CreatorEdit {
        first_name: str_field(&m, "FirstName")?.flatten(),
        last_name: str_field(&m, "LastName")?.flatten(),
        ..CreatorEdit::default()
    };
    match m.get("Address") {
        None | Some(Value::Null) => {}
        Some(Value::Object(a)) => {
            edit.street_address = str_field(a, "AddressLine1")?;
            edit.zip_code = str_field(a, "ZIPCode")?;
            edit.city = str_field(a, "City")?;
            edit.state = str_field(a, "State")?;
            edit.country = str_field(a, "Country")?;
            edit.email = str_field(a, "Email")?;
        }
        Some(_) => return Err(ApiError::bad_request("Address must be an object")),
    }
    edit::apply(&st, caller.partner, pid, &edit)?;
    no_content()
}

/// `PUT /crm/v1/api/campaign/{campaignId}/publishers/status`
/// (`{"publisherIds": [..], "status": "Accepted"}`).
async fn change_status(
    State(st): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let cid = parse_id(&id, "campaignId")?;
    let m = json_body(&body)?;
    let status = m
        .get("status")
        .and_then(Value::as_str)
        .and_then(edit::campaign_status)
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "status is required and must be one of {}",
                edit::CAMPAIGN_STATUSES.join(", ")
            ))
        })?;
    let ids = m
        .get("publisherIds")
        .and_then(Value::as_array)
        .ok_or_else(|| ApiError::bad_request("publisherIds must be an array"))?;
    let mut pids = Vec::with_capacity(ids.len());
    for v in ids {
        match number(v) {
            Ok(Some(n)) if (0.0..=f64::from(u32::MAX)).contains(&n) && n.fract() == 0.0 => {
                pids.push(n as u32)
            }
            _ => return Err(ApiError::bad_request(format!("Invalid publisher id {v}"))),
        }
    }
    if pids.is_empty() {
        return Err(ApiError::bad_request("Ids not specified"));
    }
    {
        let data = read(&st.data);
        let c = data.partners[caller.partner]
            .campaign(cid)
            .ok_or_else(|| ApiError::unknown_campaign(cid))?;
        if let Some(missing) = pids
            .iter()
            .find(|pid| !c.assignments.iter().any(|a| a.publisher_id == **pid))
        {
            return Err(ApiError::bad_request(format!(
                "Publisher {missing} is not in campaign {cid}"
            )));
        }
    }
    for pid in pids {
        let e = CreatorEdit {
            campaign_id: Some(cid),
            status: Some(status.to_string()),
            ..CreatorEdit::default()
        };
        edit::apply(&st, caller.partner, pid, &e)?;
    }
    no_content()
}

/// `PATCH /crm/v1/api/campaign/{campaignId}/publishers?publisherId=..`
/// (`UpdateCampaignPublisherDetailsBody`). The sandbox also accepts `CustomField1`..`10` here
/// (strings or null) to change a creator's campaign custom fields, and the deprecated `Payout`.
async fn update_campaign_publisher(
    State(st): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    body: Bytes,
) -> ApiResult {
    let cid = parse_id(&id, "campaignId")?;
    let pid = query_u32(&q, "publisherId")?
        .ok_or_else(|| ApiError::bad_request("publisherId query parameter is required"))?;
    let m = json_body(&body)?;
    if m.is_empty() {
        return Err(ApiError::bad_request("Request body must not be empty"));
    }
    let mut e = CreatorEdit {
        campaign_id: Some(cid),
        ..CreatorEdit::default()
    };
    for (k, v) in &m {
        if let Some(n) = custom_field_number(k).filter(|_| k.starts_with("CustomField")) {
            let val = text(v).map_err(|err| ApiError::bad_request(format!("{k}: {err}")))?;
            e.custom_fields.insert(n, val);
        }
    }
    if let Some(v) = m.get("Payout") {
        e.payout = Some(number(v).map_err(|err| ApiError::bad_request(format!("Payout: {err}")))?);
    }
    check_assignment(&st, caller.partner, cid, pid)?;
    if e.custom_fields.is_empty() && e.payout.is_none() {
        // Other documented fields (posting requirements, notes) are accepted and ignored.
        return no_content();
    }
    edit::apply(&st, caller.partner, pid, &e)?;
    no_content()
}

fn check_assignment(st: &AppState, partner: usize, cid: u32, pid: u32) -> Result<(), ApiError> {
    let data = read(&st.data);
    let pd = &data.partners[partner];
    let c = pd
        .campaign(cid)
        .ok_or_else(|| ApiError::unknown_campaign(cid))?;
    if pd.publisher(pid).is_none() {
        return Err(ApiError::unknown_publisher(pid));
    }
    if !c.assignments.iter().any(|a| a.publisher_id == pid) {
        return Err(ApiError::bad_request(format!(
            "Publisher {pid} is not in campaign {cid}"
        )));
    }
    Ok(())
}

/// `PATCH /crm/v1/api/campaign/{campaignId}/publisher/{publisherId}/payment/settings`
/// (`{"payoutValue": 4500, "payoutType": "PerCreator"}`).
async fn payment_settings(
    State(st): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path((cid, pid)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let cid = parse_id(&cid, "campaignId")?;
    let pid = parse_id(&pid, "publisherId")?;
    let m = json_body(&body)?;
    let value = m
        .get("payoutValue")
        .map(number)
        .transpose()
        .map_err(|e| ApiError::bad_request(format!("payoutValue: {e}")))?
        .flatten()
        .ok_or_else(|| ApiError::bad_request("payoutValue is required"))?;
    if let Some(t) = m.get("payoutType") {
        if !matches!(t.as_str(), Some("PerCreator" | "PerPost")) {
            return Err(ApiError::bad_request(
                "payoutType must be PerCreator or PerPost",
            ));
        }
    }
    check_assignment(&st, caller.partner, cid, pid)?;
    let e = CreatorEdit {
        campaign_id: Some(cid),
        payout: Some(Some(value)),
        ..CreatorEdit::default()
    };
    edit::apply(&st, caller.partner, pid, &e)?;
    no_content()
}
