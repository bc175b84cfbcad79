//! Server functions behind `/apply/{token}`, the public page a creator opens from their
//! application link. Reached by the token alone, the capability the creator was given; nothing
//! here knows who is signed in.
//!
//! The application is saved on the server step by step ([`domain::application`]); the page
//! always shows the step the server has, so leaving and coming back resumes there. Every step
//! is a plain form: before hydration the browser posts it and is redirected back to the page.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use vocabulary::ApplicationStep;

/// What a creator reads when a link is not one we issued.
pub const UNKNOWN_LINK: &str = "This application link does not exist or is no longer valid.";

/// The public application page's content.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ApplyState {
    /// The application, at the step the server has (or finished).
    Open(Box<ApplyView>),
    /// Known link that no longer works (replaced, or the creator's row changed).
    Expired,
}

/// One line of the quote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteLineView {
    pub coverage: String,
    pub window: String,
    pub premium: String,
    pub payer: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplyView {
    pub token: String,
    pub step: ApplicationStep,
    pub name: String,
    pub email: String,
    pub organization: String,
    pub campaign: String,
    pub window: String,
    pub work_state: String,
    pub home_state: String,
    pub coverage: Vec<String>,
    pub base_pay: String,
    /// Cover the organization requires that cannot be sold for this creator, and why.
    pub unavailable: Vec<String>,
    pub quote: Vec<QuoteLineView>,
    pub premium: String,
    /// "You pay $x" or "Acme Agency pays $x for you".
    pub payer: String,
    pub example_rates: bool,
    /// The questionnaire, as saved or as last typed: `Some(true)` yes, `Some(false)` no.
    pub recent_claims: Option<bool>,
    pub refused_policy: Option<bool>,
    pub employs_others: Option<bool>,
    pub legal_name: String,
    pub consent: bool,
    pub problem: Option<String>,
    pub declarations: Vec<String>,
    pub declarations_sha256: String,
    pub signed: Option<String>,
    pub decline_reason: Option<String>,
    /// The policies issued once the application completed ("GL-000042 · General liability").
    pub policies: Vec<String>,
    /// "Active", "Scheduled", … for the cover issued.
    pub cover_status: Option<String>,
    /// Where the creator downloads their certificate of insurance.
    pub certificate_url: Option<String>,
    /// Said when the creator is covered already and this application buys the days CreatorIQ's
    /// new dates added.
    pub difference: Option<String>,
    /// Said when a policy the creator holds covers this campaign (a repeat creator): there is
    /// nothing to apply for.
    pub covered_by: Option<String>,
}

#[cfg(feature = "ssr")]
use crate::error::Context;

#[cfg(feature = "ssr")]
mod server {
    use super::*;
    use domain::application::{
        declarations, row_estimate, text_sha256, AcceptedQuote, Application, DeclarationFacts,
    };
    use domain::store::{Estimate, PublicLink};

    pub(super) struct Loaded {
        pub found: PublicLink,
        pub application: Option<Application>,
        pub quote: Option<AcceptedQuote>,
        pub declarations: String,
        pub view: ApplyView,
    }

    fn date(d: Option<chrono::NaiveDate>) -> Option<String> {
        d.map(|d| d.format("%B %-d, %Y").to_string())
    }

    fn state_name(code: Option<&str>) -> String {
        code.map(|c| {
            domain::values::UsState::parse(c)
                .map(|s| s.name().to_string())
                .unwrap_or_else(|_| c.to_string())
        })
        .unwrap_or_else(|| "—".to_string())
    }

    pub(super) async fn load(
        ctx: &crate::ssr::ServerContext,
        found: PublicLink,
    ) -> Result<Loaded, AppError> {
        use crate::contractors_api::{money, server::campaign_name, server::display_name};
        let c = &found.contractor;
        let settings = ctx
            .store
            .ciq_settings(c.org_id)
            .await
            .context("loading coverage settings")?;
        let organization = ctx
            .store
            .organization(c.org_id)
            .await
            .context("loading the organization")?
            .map(|o| o.name)
            .unwrap_or_else(|| "the team that sent you this link".to_string());
        let application = ctx
            .store
            .application(found.link.id)
            .await
            .context("loading the application")?;
        let rating = ctx.engine.rating();
        // A creator whose cover CreatorIQ's new dates outgrew buys the days it misses.
        let difference =
            domain::cover::difference(c.cover.as_ref(), (c.coverage_start, c.coverage_end));
        let estimate: Option<Estimate> = row_estimate(c, settings.coverage_types, rating)
            .map(|e| difference.map_or(e, |d| domain::cover::prorate(e, &d)));
        let agency_pay = c.agency_pay.unwrap_or(false);
        let quote = estimate.map(|estimate| AcceptedQuote {
            estimate,
            agency_pay,
            example_rates: rating.is_example(),
        });
        // What the creator sees once they accepted a quote is what they accepted.
        let shown = application.as_ref().and_then(|a| a.quote).or(quote);
        let kinds: &[vocabulary::CoverageKind] = shown
            .map(|q| q.estimate.coverage.kinds())
            .unwrap_or_default();
        let window = match (date(c.coverage_start), date(c.coverage_end)) {
            (Some(s), Some(e)) => format!("{s} to {e}"),
            _ => "To be confirmed".to_string(),
        };
        let short = |d: Option<chrono::NaiveDate>| d.map(|d| d.format("%b %-d, %Y").to_string());
        let short_window = match (difference, short(c.coverage_start), short(c.coverage_end)) {
            (Some(d), _, _) => domain::cover::date_range(d.from, d.to),
            (None, Some(s), Some(e)) => format!("{s} – {e}"),
            _ => "To be confirmed".to_string(),
        };
        let payer_for = |cents: i64| {
            if agency_pay {
                format!("{organization} pays {} for you", money(cents))
            } else {
                format!("You pay {}", money(cents))
            }
        };
        let lines = shown
            .map(|q| {
                kinds
                    .iter()
                    .filter_map(|k| {
                        let cents = match k {
                            vocabulary::CoverageKind::General => q.estimate.general_cents,
                            vocabulary::CoverageKind::WorkersComp => q.estimate.workers_comp_cents,
                        }?;
                        Some(QuoteLineView {
                            coverage: k.label().to_string(),
                            window: short_window.clone(),
                            premium: money(cents),
                            payer: if agency_pay {
                                organization.clone()
                            } else {
                                "You".to_string()
                            },
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        let premium_cents = shown.map(|q| q.estimate.premium_cents()).unwrap_or(0);
        let answers = application
            .as_ref()
            .map(|a| match &a.draft {
                Some(d) if a.problem.is_some() => d.answers,
                _ => a.answers,
            })
            .unwrap_or_default();
        let name = display_name(&c.list_item());
        let work_state = state_name(c.work_state.as_deref());
        let text = declarations(&DeclarationFacts {
            creator_name: &name,
            campaign: &campaign_name(&c.list_item()),
            organization: &organization,
            coverage: kinds,
            start: c.coverage_start,
            end: c.coverage_end,
            work_state: &work_state,
            answers,
            premium: &money(premium_cents),
            agency_pay,
        });
        let unavailable = c
            .warnings
            .iter()
            .filter(|w| w.code == vocabulary::WarningCode::CoverageUnavailable)
            .map(|w| w.message.clone())
            .collect();
        let draft = application.as_ref().and_then(|a| a.draft.clone());
        let cover = match ctx
            .store
            .link_cover(found.link.id)
            .await
            .context("loading the cover")?
        {
            Some(own) => Some(own),
            // A repeat creator's row: the policy they already hold.
            None => match c
                .cover
                .as_ref()
                .filter(|r| r.by_policy.is_some() && !r.cancelled)
            {
                Some(r) => ctx
                    .store
                    .cover(c.org_id, r.cover_id)
                    .await
                    .context("loading the cover")?,
                None => None,
            },
        };
        let today = chrono::Utc::now().date_naive();
        let view = ApplyView {
            token: found.link.token.expose().to_string(),
            // A link submitted before applications had steps has nothing more to do.
            step: application.as_ref().map_or(
                if found.link.state == domain::links::LinkState::Submitted {
                    ApplicationStep::ApplicationComplete
                } else {
                    ApplicationStep::VerifyInfo
                },
                |a| a.step,
            ),
            name: name.clone(),
            email: c.email.clone().unwrap_or_default(),
            organization: organization.clone(),
            campaign: campaign_name(&c.list_item()),
            window,
            work_state,
            home_state: state_name(c.home_state.as_deref()),
            coverage: kinds.iter().map(|k| k.label().to_string()).collect(),
            base_pay: c.base_pay_cents.map(money).unwrap_or_else(|| "—".into()),
            unavailable,
            quote: lines,
            premium: money(premium_cents),
            payer: payer_for(premium_cents),
            example_rates: shown.is_some_and(|q| q.example_rates),
            recent_claims: answers.recent_claims,
            refused_policy: answers.refused_policy,
            employs_others: answers.employs_others,
            legal_name: draft
                .as_ref()
                .and_then(|d| d.legal_name.clone())
                .unwrap_or_default(),
            consent: draft.as_ref().is_some_and(|d| d.consent),
            problem: application.as_ref().and_then(|a| a.problem.clone()),
            declarations: text.lines().map(str::to_string).collect(),
            declarations_sha256: text_sha256(&text),
            signed: application.as_ref().and_then(|a| {
                a.signature.as_ref().map(|s| {
                    format!(
                        "Signed by {} on {}",
                        s.name,
                        s.at.format("%B %-d, %Y at %H:%M UTC")
                    )
                })
            }),
            decline_reason: application.as_ref().and_then(|a| a.decline_reason.clone()),
            policies: cover
                .iter()
                .flat_map(|v| &v.policies)
                .map(|p| format!("{} · {}", p.number(), p.coverage.label()))
                .collect(),
            cover_status: cover.as_ref().map(|v| v.status(today).label().to_string()),
            certificate_url: cover
                .as_ref()
                .filter(|v| v.cancelled_at.is_none())
                .map(|_| format!("/apply/{}/certificate.pdf", found.link.token.expose())),
            covered_by: c
                .cover
                .as_ref()
                .filter(|r| !r.cancelled)
                .and_then(|r| r.by_policy.as_ref().map(|p| (r, p)))
                .map(|(r, p)| {
                    format!(
                        "Policy {p}, which you hold already, covers this campaign ({}). There is \
                         nothing to apply for.",
                        domain::cover::date_range(r.from, r.to)
                    )
                }),
            difference: difference.map(|d| {
                format!(
                    "You are covered already; the campaign's dates changed, so this covers the {} \
                     day{} your cover misses ({}), at their share of the price.",
                    d.days,
                    if d.days == 1 { "" } else { "s" },
                    domain::cover::date_range(d.from, d.to)
                )
            }),
        };
        Ok(Loaded {
            found,
            application,
            quote,
            declarations: text,
            view,
        })
    }
}

#[cfg(feature = "ssr")]
async fn find_link(
    ctx: &crate::ssr::ServerContext,
    token: &str,
) -> Result<domain::store::PublicLink, AppError> {
    use domain::links::LinkToken;
    let unknown = || AppError::NotFound(UNKNOWN_LINK.to_string());
    let token = LinkToken::parse(token).ok_or_else(unknown)?;
    ctx.store
        .link_by_token(&token)
        .await
        .context("looking up an application link")?
        .ok_or_else(unknown)
}

/// The application page's content. Reading it changes nothing: a link scanner or a preview that
/// fetches the page does not mark the link opened ([`apply_opened`] and the first step posted
/// do, when the creator acts on the page).
#[server(endpoint = "apply_info")]
pub async fn apply_info(token: String) -> Result<ApplyState, AppError> {
    use domain::links::LinkState;

    let ctx = crate::ssr::server_context()?;
    let found = find_link(&ctx, &token).await?;
    if !found.link.is_current() || found.link.state == LinkState::Expired {
        return Ok(ApplyState::Expired);
    }
    let loaded = server::load(&ctx, found).await?;
    Ok(ApplyState::Open(Box::new(loaded.view)))
}

/// The creator acted on the application page (a click or a key): the link counts as opened.
/// Unknown and no-longer-current links are looked up first and never written.
#[server(endpoint = "apply_opened")]
pub async fn apply_opened(token: String) -> Result<(), AppError> {
    use domain::links::LinkToken;

    let ctx = crate::ssr::server_context()?;
    let Some(token) = LinkToken::parse(&token) else {
        return Ok(());
    };
    let current = ctx
        .store
        .link_by_token(&token)
        .await
        .context("looking up an application link")?
        .is_some_and(|found| found.link.is_current());
    if current {
        ctx.store
            .mark_link_opened(&token)
            .await
            .context("marking a link opened")?;
    }
    Ok(())
}

/// One step of the application posted: "Continue" (or "Submit") at `step`, or "Back" with
/// `go = "back"`. Refusals are saved with the application (what was typed and why), so the
/// page shows them with or without JavaScript; the answer always sends the browser back to the
/// page, which shows the step the server has.
#[allow(clippy::too_many_arguments)]
#[server(endpoint = "apply_step")]
pub async fn apply_step(
    token: String,
    step: String,
    go: Option<String>,
    recent_claims: Option<String>,
    refused_policy: Option<String>,
    employs_others: Option<String>,
    legal_name: Option<String>,
    consent: Option<String>,
    text_sha256: Option<String>,
) -> Result<(), AppError> {
    use domain::application::{plan_step, Go, StepContext, StepForm};
    use domain::store::StepSaved;

    let ctx = crate::ssr::server_context()?;
    let expired = || {
        AppError::Invalid("This link has expired. Ask the team that sent it for a new one.".into())
    };
    let found = find_link(&ctx, &token).await?;
    if !found.link.is_current() {
        return Err(expired());
    }
    let page = format!("/apply/{}", found.link.token.expose());
    let Some(step) = ApplicationStep::parse(&step) else {
        return Err(AppError::Invalid(
            "That step of the application does not exist.".into(),
        ));
    };
    let loaded = server::load(&ctx, found).await?;
    if let Some(covered) = &loaded.view.covered_by {
        return Err(AppError::Invalid(covered.clone()));
    }
    let mut form = StepForm::new(
        step,
        if go.as_deref() == Some("back") {
            Go::Back
        } else {
            Go::Next
        },
    );
    form.recent_claims = recent_claims;
    form.refused_policy = refused_policy;
    form.employs_others = employs_others;
    // Long enough for any real name; a longer one is refused by the name check, not stored.
    form.legal_name = legal_name.map(|n| n.chars().take(200).collect());
    form.consent = consent.is_some_and(|c| !c.is_empty());
    form.text_sha256 = text_sha256;
    let parts: Option<http::request::Parts> = leptos_axum::extract().await.ok();
    let user_agent = parts
        .as_ref()
        .and_then(|p| p.headers.get(http::header::USER_AGENT))
        .and_then(|v| v.to_str().ok())
        .map(|v| v.chars().take(300).collect());
    let now = chrono::Utc::now();
    let step_ctx = StepContext {
        creator_name: loaded.found.contractor.creator_name.as_deref(),
        declarations: &loaded.declarations,
        quote: loaded.quote,
        client_address: crate::ssr::client_address().await.map(|a| a.to_string()),
        user_agent,
        now,
    };
    let submitted_without_steps = loaded.application.is_none()
        && loaded.found.link.state == domain::links::LinkState::Submitted;
    let change = plan_step(loaded.application.as_ref(), &form, &step_ctx)
        .filter(|_| !submitted_without_steps)
        .map(|mut change| {
            if change.to == ApplicationStep::ApplicationComplete {
                change.issue = issue_for(&loaded, &change, &ctx);
            }
            change
        });
    if let Some(change) = change {
        let saved = ctx
            .store
            .save_application_step(&loaded.found.link, &change, now)
            .await
            .context("saving an application step")?;
        match saved {
            StepSaved::Expired => return Err(expired()),
            StepSaved::Saved(app) if change.submits => {
                tracing::info!(
                    application = app.id.0,
                    step = app.step.as_str(),
                    "application submitted"
                );
            }
            _ => {}
        }
    }
    leptos_axum::redirect(&page);
    Ok(())
}

/// The cover a completing step issues: the quote the creator accepted, on the row as it is now.
#[cfg(feature = "ssr")]
fn issue_for(
    loaded: &server::Loaded,
    change: &domain::application::StepChange,
    ctx: &crate::ssr::ServerContext,
) -> Option<domain::cover::Issue> {
    let quote = change
        .quote
        .or_else(|| loaded.application.as_ref().and_then(|a| a.quote))?;
    match domain::cover::plan_issue(&quote, &loaded.found.contractor, ctx.engine.rating()) {
        Ok(issue) => Some(issue),
        Err(why) => {
            tracing::warn!(
                contractor = loaded.found.contractor.id.0,
                "application complete, {why}"
            );
            None
        }
    }
}
