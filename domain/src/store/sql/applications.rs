//! Applications (migration 0023): one per link, saved step by step. A step is written only while
//! the application is still at the step it was planned from, in the same transaction as the
//! link's copy of the step and, on submit, the link's `submitted` state and its cancelled
//! reminders: two tabs submitting at once complete it once.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::super::*;
use super::{corrupt, from_json_text, json_text, Db, DbRow, Dialect, Pool, ThisStore};
use crate::application::{
    AcceptedQuote, Answers, Application, ApplicationId, ApplicationStep, Draft, Signature,
    StepChange,
};
use vocabulary::{LinkId, StopReason};

type Conn = <Db as sqlx::Database>::Connection;

const APPLICATION_SELECT: &str = "SELECT id, org_id, contractor_id, link_id, step, \
    recent_claims, refused_policy, employs_others, quote, signed_name, signed_at, \
    signed_address, signed_user_agent, signed_text_sha256, draft, problem, submitted_at, \
    decided_at, decided_by, decline_reason, created_at, updated_at FROM applications";

fn step_of(raw: &str) -> StoreResult<ApplicationStep> {
    ApplicationStep::parse(raw).ok_or_else(|| corrupt(format!("application step {raw}")))
}

fn application_from_row(r: &DbRow) -> StoreResult<Application> {
    let signature = match r.get::<Option<String>, _>("signed_name") {
        Some(name) => Some(Signature {
            name,
            at: r
                .get::<Option<DateTime<Utc>>, _>("signed_at")
                .ok_or_else(|| corrupt("a signature without its time".to_string()))?,
            address: r.get("signed_address"),
            user_agent: r.get("signed_user_agent"),
            text_sha256: r
                .get::<Option<String>, _>("signed_text_sha256")
                .unwrap_or_default(),
        }),
        None => None,
    };
    let quote = match r.get::<Option<String>, _>("quote") {
        Some(text) => Some(from_json_text::<AcceptedQuote>(&text, "quote")?),
        None => None,
    };
    let draft = match r.get::<Option<String>, _>("draft") {
        Some(text) => Some(from_json_text::<Draft>(&text, "draft")?),
        None => None,
    };
    Ok(Application {
        id: ApplicationId(r.get("id")),
        org_id: OrgId(r.get("org_id")),
        contractor_id: ContractorId(r.get("contractor_id")),
        link_id: LinkId(r.get("link_id")),
        step: step_of(r.get("step"))?,
        answers: Answers {
            recent_claims: r.get("recent_claims"),
            refused_policy: r.get("refused_policy"),
            employs_others: r.get("employs_others"),
        },
        quote,
        signature,
        draft,
        problem: r.get("problem"),
        submitted_at: r.get("submitted_at"),
        decided_at: r.get("decided_at"),
        decided_by: r.get("decided_by"),
        decline_reason: r.get("decline_reason"),
        created_at: r.get("created_at"),
        updated_at: r.get("updated_at"),
    })
}

async fn by_link(conn: &mut Conn, link: LinkId) -> StoreResult<Option<Application>> {
    let sql = format!("{APPLICATION_SELECT} WHERE link_id = $1");
    let row = sqlx::query(&sql)
        .bind(link.0)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(application_from_row).transpose()
}

/// Makes the link's application at `verify_info` if it has none, carrying the answers of the
/// row's latest application on an earlier link issued for the same coverage.
async fn ensure(conn: &mut Conn, link: &ApplicationLink, now: DateTime<Utc>) -> StoreResult<()> {
    let carried = sqlx::query(
        "SELECT a.recent_claims, a.refused_policy, a.employs_others FROM applications a \
         JOIN application_links l ON l.id = a.link_id \
         WHERE a.contractor_id = $1 AND l.fingerprint = $2 AND a.link_id <> $3 \
         ORDER BY a.id DESC LIMIT 1",
    )
    .bind(link.contractor_id.0)
    .bind(&link.fingerprint)
    .bind(link.id.0)
    .fetch_optional(&mut *conn)
    .await?;
    let answer = |name: &str| {
        carried
            .as_ref()
            .and_then(|r| r.get::<Option<bool>, _>(name))
    };
    sqlx::query(
        "INSERT INTO applications (org_id, contractor_id, link_id, step, recent_claims, \
         refused_policy, employs_others, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) ON CONFLICT (link_id) DO NOTHING",
    )
    .bind(link.org_id.0)
    .bind(link.contractor_id.0)
    .bind(link.id.0)
    .bind(ApplicationStep::VerifyInfo.as_str())
    .bind(answer("recent_claims"))
    .bind(answer("refused_policy"))
    .bind(answer("employs_others"))
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub(super) async fn save_step(
    pool: &Pool,
    link: &ApplicationLink,
    change: &StepChange,
    now: DateTime<Utc>,
) -> StoreResult<StepSaved> {
    let mut tx = ThisStore::begin(pool).await?;
    let usable = sqlx::query(
        "SELECT 1 FROM application_links WHERE id = $1 AND retired_at IS NULL AND state <> $2",
    )
    .bind(link.id.0)
    .bind(LinkState::Expired.as_str())
    .fetch_optional(&mut *tx)
    .await?;
    if usable.is_none() {
        return Ok(StepSaved::Expired);
    }
    if by_link(&mut tx, link.id).await?.is_none() {
        ensure(&mut tx, link, now).await?;
    }
    // Posting a step is acting on the page: the link counts as opened.
    sqlx::query(
        "UPDATE application_links SET state = $1, opened_at = $2 WHERE id = $3 AND state = $4",
    )
    .bind(LinkState::Opened.as_str())
    .bind(now)
    .bind(link.id.0)
    .bind(LinkState::Active.as_str())
    .execute(&mut *tx)
    .await?;

    let applied = match &change.refused {
        Some((draft, why)) => {
            sqlx::query(
                "UPDATE applications SET draft = $1, problem = $2, updated_at = $3 \
                 WHERE link_id = $4 AND step = $5",
            )
            .bind(json_text(draft)?)
            .bind(why)
            .bind(now)
            .bind(link.id.0)
            .bind(change.from.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected()
                > 0
        }
        None => write_change(&mut tx, link, change, now).await?,
    };
    let after = by_link(&mut tx, link.id)
        .await?
        .ok_or(StoreError::NotFound("application"))?;
    tx.commit().await?;
    Ok(if applied {
        StepSaved::Saved(Box::new(after))
    } else {
        StepSaved::Stale(Box::new(after))
    })
}

async fn write_change(
    conn: &mut Conn,
    link: &ApplicationLink,
    change: &StepChange,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let mut q = sqlx::QueryBuilder::<Db>::new("UPDATE applications SET step = ");
    q.push_bind(change.to.as_str());
    q.push(", draft = NULL, problem = NULL, updated_at = ");
    q.push_bind(now);
    if let Some(a) = change.answers {
        q.push(", recent_claims = ").push_bind(a.recent_claims);
        q.push(", refused_policy = ").push_bind(a.refused_policy);
        q.push(", employs_others = ").push_bind(a.employs_others);
    }
    if let Some(quote) = &change.quote {
        q.push(", quote = ").push_bind(json_text(quote)?);
    }
    if let Some(signature) = &change.signature {
        let s = signature.as_ref();
        q.push(", signed_name = ")
            .push_bind(s.map(|s| s.name.clone()));
        q.push(", signed_at = ").push_bind(s.map(|s| s.at));
        q.push(", signed_address = ")
            .push_bind(s.and_then(|s| s.address.clone()));
        q.push(", signed_user_agent = ")
            .push_bind(s.and_then(|s| s.user_agent.clone()));
        q.push(", signed_text_sha256 = ")
            .push_bind(s.map(|s| s.text_sha256.clone()));
    }
    if change.submits {
        q.push(", submitted_at = ").push_bind(now);
    }
    q.push(" WHERE link_id = ").push_bind(link.id.0);
    q.push(" AND step = ").push_bind(change.from.as_str());
    if q.build().execute(&mut *conn).await?.rows_affected() == 0 {
        return Ok(false);
    }
    sqlx::query("UPDATE application_links SET application_step = $1 WHERE id = $2")
        .bind(change.to.as_str())
        .bind(link.id.0)
        .execute(&mut *conn)
        .await?;
    if change.submits {
        sqlx::query(
            "UPDATE application_links SET state = $1, submitted_at = $2, \
             opened_at = COALESCE(opened_at, $2) WHERE id = $3 AND retired_at IS NULL",
        )
        .bind(LinkState::Submitted.as_str())
        .bind(now)
        .bind(link.id.0)
        .execute(&mut *conn)
        .await?;
        super::outreach::cancel_link_messages(&mut *conn, &link.token, StopReason::Submitted)
            .await?;
    }
    if let (ApplicationStep::ApplicationComplete, Some(issue)) = (change.to, &change.issue) {
        let application = by_link(conn, link.id)
            .await?
            .ok_or(StoreError::NotFound("application"))?;
        super::covers::issue(
            conn,
            link.org_id,
            link.contractor_id,
            application.id,
            issue,
            now,
        )
        .await?;
    }
    Ok(true)
}

pub(super) async fn in_review(pool: &Pool, org: OrgId) -> StoreResult<Vec<ReviewItem>> {
    let rows = sqlx::query(
        "SELECT a.id, a.contractor_id, a.recent_claims, a.refused_policy, a.employs_others, \
         a.submitted_at, k.creator_name, k.email, c.name AS campaign_name, k.ciq_campaign_id \
         FROM applications a JOIN contractors k ON k.id = a.contractor_id \
         LEFT JOIN campaigns c ON c.org_id = k.org_id AND c.ciq_campaign_id = k.ciq_campaign_id \
         WHERE a.org_id = $1 AND a.step = $2 ORDER BY a.submitted_at, a.id",
    )
    .bind(org.0)
    .bind(ApplicationStep::ManualReview.as_str())
    .fetch_all(pool)
    .await?;
    Ok(rows
        .iter()
        .map(|r| ReviewItem {
            id: ApplicationId(r.get("id")),
            contractor_id: ContractorId(r.get("contractor_id")),
            creator_name: r.get("creator_name"),
            email: r.get("email"),
            campaign: r
                .get::<Option<String>, _>("campaign_name")
                .unwrap_or_else(|| format!("Campaign {}", r.get::<i64, _>("ciq_campaign_id"))),
            answers: Answers {
                recent_claims: r.get("recent_claims"),
                refused_policy: r.get("refused_policy"),
                employs_others: r.get("employs_others"),
            },
            submitted_at: r.get("submitted_at"),
        })
        .collect())
}

pub(super) async fn review(
    pool: &Pool,
    org: OrgId,
    id: ApplicationId,
    verdict: &Verdict,
    by: &str,
    now: DateTime<Utc>,
) -> StoreResult<ReviewOutcome> {
    let issue = match verdict {
        Verdict::Approve(issue) => issue.as_deref(),
        Verdict::Decline(_) => None,
    };
    let mut tx = ThisStore::begin(pool).await?;
    let sql = format!("{APPLICATION_SELECT} WHERE id = $1 AND org_id = $2");
    let Some(current) = sqlx::query(&sql)
        .bind(id.0)
        .bind(org.0)
        .fetch_optional(&mut *tx)
        .await?
    else {
        return Ok(ReviewOutcome::NotFound);
    };
    let current = application_from_row(&current)?;
    if current.step != ApplicationStep::ManualReview {
        return Ok(ReviewOutcome::NotInReview(current.step));
    }
    let (to, reason) = match verdict {
        Verdict::Approve(_) => (ApplicationStep::ApplicationComplete, None),
        Verdict::Decline(reason) => (ApplicationStep::Declined, Some(reason.clone())),
    };
    sqlx::query(
        "UPDATE applications SET step = $1, decided_at = $2, decided_by = $3, \
         decline_reason = $4, updated_at = $2 WHERE id = $5 AND step = $6",
    )
    .bind(to.as_str())
    .bind(now)
    .bind(by)
    .bind(reason)
    .bind(id.0)
    .bind(ApplicationStep::ManualReview.as_str())
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE application_links SET application_step = $1 WHERE id = $2")
        .bind(to.as_str())
        .bind(current.link_id.0)
        .execute(&mut *tx)
        .await?;
    if let Some(issue) = issue {
        super::covers::issue(&mut tx, org, current.contractor_id, id, issue, now).await?;
    }
    let after = by_link(&mut tx, current.link_id)
        .await?
        .ok_or(StoreError::NotFound("application"))?;
    tx.commit().await?;
    Ok(ReviewOutcome::Decided(Box::new(after)))
}

pub(super) async fn row_applications(
    pool: &Pool,
    org: OrgId,
    contractor: ContractorId,
) -> StoreResult<Vec<Application>> {
    let sql =
        format!("{APPLICATION_SELECT} WHERE org_id = $1 AND contractor_id = $2 ORDER BY id DESC");
    let rows = sqlx::query(&sql)
        .bind(org.0)
        .bind(contractor.0)
        .fetch_all(pool)
        .await?;
    rows.iter().map(application_from_row).collect()
}

#[async_trait::async_trait]
impl Applications for ThisStore {
    async fn application(&self, link: LinkId) -> StoreResult<Option<Application>> {
        let mut conn = self.pool.acquire().await?;
        by_link(&mut conn, link).await
    }

    async fn save_application_step(
        &self,
        link: &ApplicationLink,
        change: &StepChange,
        now: DateTime<Utc>,
    ) -> StoreResult<StepSaved> {
        save_step(&self.pool, link, change, now).await
    }

    async fn applications_in_review(&self, org: OrgId) -> StoreResult<Vec<ReviewItem>> {
        in_review(&self.pool, org).await
    }

    async fn review_application(
        &self,
        org: OrgId,
        id: ApplicationId,
        verdict: &Verdict,
        by: &str,
    ) -> StoreResult<ReviewOutcome> {
        review(&self.pool, org, id, verdict, by, Utc::now()).await
    }

    async fn row_applications(
        &self,
        org: OrgId,
        contractor: ContractorId,
    ) -> StoreResult<Vec<Application>> {
        row_applications(&self.pool, org, contractor).await
    }
}
