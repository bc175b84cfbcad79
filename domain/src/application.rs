//! The creator's application, step by step (`/apply/{token}`), as 1099Policy names its
//! application-session steps: `verify_info` -> `application_questions` -> `quote` ->
//! `esignature` -> `final_review` -> `application_complete`, or `manual_review` when an answer
//! needs an underwriter.
//!
//! Pure: [`plan_step`] turns what the creator posted at a step into the change to save (or a
//! refusal that keeps what they typed). The store saves a change only if the application is
//! still at the step it was planned from, so two tabs submitting at once complete it once.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::store::Estimate;
pub use vocabulary::{ApplicationId, ApplicationState, ApplicationStep, CoverageKind};
use vocabulary::{ContractorId, LinkId, OrgId};

/// The questionnaire's answers (`None`: not answered yet).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answers {
    /// A claim against them in the last 3 years.
    pub recent_claims: Option<bool>,
    /// A policy of theirs cancelled, or cover refused.
    pub refused_policy: Option<bool>,
    /// They employ anyone on this campaign.
    pub employs_others: Option<bool>,
}

impl Answers {
    pub fn complete(&self) -> bool {
        self.recent_claims.is_some()
            && self.refused_policy.is_some()
            && self.employs_others.is_some()
    }

    /// An answer an underwriter must look at.
    pub fn needs_underwriter(&self) -> bool {
        self.recent_claims == Some(true) || self.refused_policy == Some(true)
    }
}

/// The creator's electronic signature: the name typed, when, from where, and a SHA-256 of the
/// exact declarations text shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature {
    pub name: String,
    pub at: DateTime<Utc>,
    pub address: Option<String>,
    pub user_agent: Option<String>,
    pub text_sha256: String,
}

/// The quote as the creator accepted it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcceptedQuote {
    pub estimate: Estimate,
    pub agency_pay: bool,
    /// Priced with the shipped example table.
    pub example_rates: bool,
}

/// What was typed at a step the server refused, so the page can show it again.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    pub answers: Answers,
    pub legal_name: Option<String>,
    pub consent: bool,
}

/// One application, made through one link.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Application {
    pub id: ApplicationId,
    pub org_id: OrgId,
    pub contractor_id: ContractorId,
    pub link_id: LinkId,
    pub step: ApplicationStep,
    pub answers: Answers,
    pub quote: Option<AcceptedQuote>,
    pub signature: Option<Signature>,
    pub draft: Option<Draft>,
    /// Why the last thing posted was refused, in the creator's words.
    pub problem: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_by: Option<String>,
    pub decline_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Which way the creator went from a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Go {
    Next,
    Back,
}

/// What the creator posted at a step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepForm {
    /// The step the page showed (a stale tab may post an old one).
    pub step: ApplicationStep,
    pub go: Go,
    pub recent_claims: Option<String>,
    pub refused_policy: Option<String>,
    pub employs_others: Option<String>,
    pub legal_name: Option<String>,
    pub consent: bool,
    pub text_sha256: Option<String>,
}

impl StepForm {
    pub fn new(step: ApplicationStep, go: Go) -> StepForm {
        StepForm {
            step,
            go,
            recent_claims: None,
            refused_policy: None,
            employs_others: None,
            legal_name: None,
            consent: false,
            text_sha256: None,
        }
    }
}

/// What the server knows when a step is posted.
#[derive(Clone, Debug)]
pub struct StepContext<'a> {
    /// The creator's name as CreatorIQ has it (the legal name typed must match it).
    pub creator_name: Option<&'a str>,
    /// The declarations text the esignature step shows now.
    pub declarations: &'a str,
    /// The row's current estimate, accepted at the quote step.
    pub quote: Option<AcceptedQuote>,
    pub client_address: Option<String>,
    pub user_agent: Option<String>,
    pub now: DateTime<Utc>,
}

/// The change a posted step makes. `from` is the step it was planned from: the store applies it
/// only while the application is still there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepChange {
    pub from: ApplicationStep,
    pub to: ApplicationStep,
    pub answers: Option<Answers>,
    pub quote: Option<AcceptedQuote>,
    /// `Some(None)` clears the signature (the creator went back before signing again).
    pub signature: Option<Option<Signature>>,
    /// A refusal: `to == from`, with what was typed and why.
    pub refused: Option<(Draft, String)>,
    /// The application is submitted (complete or to manual review): the link is too.
    pub submits: bool,
    /// The cover a completing step issues, in the same transaction (set by the caller, who
    /// holds the rating table, once the change goes to `application_complete`).
    pub issue: Option<crate::cover::Issue>,
}

impl StepChange {
    fn to(from: ApplicationStep, to: ApplicationStep) -> StepChange {
        StepChange {
            from,
            to,
            answers: None,
            quote: None,
            signature: None,
            refused: None,
            submits: false,
            issue: None,
        }
    }

    fn refuse(from: ApplicationStep, draft: Draft, why: &str) -> StepChange {
        StepChange {
            refused: Some((draft, why.to_string())),
            ..StepChange::to(from, from)
        }
    }
}

fn yes_no(raw: Option<&str>) -> Option<bool> {
    match raw?.trim() {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    }
}

/// A name as compared: case, accents of spacing and punctuation set aside.
pub fn name_key(name: &str) -> String {
    name.split(|c: char| c.is_whitespace() || c == '.' || c == ',')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Where the creator is (`current`, or a new application at `verify_info`) and what they
/// posted, to the change to save. `None`: nothing to do (a stale tab posted a step the
/// application has left; the page shows where it is now).
pub fn plan_step(
    current: Option<&Application>,
    form: &StepForm,
    ctx: &StepContext<'_>,
) -> Option<StepChange> {
    let at = current.map_or(ApplicationStep::VerifyInfo, |a| a.step);
    if form.step != at || at.is_finished() {
        return None;
    }
    if form.go == Go::Back {
        let back = at.previous()?;
        let mut change = StepChange::to(at, back);
        // The signature covers the answers and the quote: going back before it means signing again.
        if current.is_some_and(|a| a.signature.is_some()) && back < ApplicationStep::Esignature {
            change.signature = Some(None);
        }
        return Some(change);
    }
    let answers = current.map(|a| a.answers).unwrap_or_default();
    Some(match at {
        ApplicationStep::VerifyInfo => StepChange::to(at, ApplicationStep::ApplicationQuestions),
        ApplicationStep::ApplicationQuestions => {
            let given = Answers {
                recent_claims: yes_no(form.recent_claims.as_deref()),
                refused_policy: yes_no(form.refused_policy.as_deref()),
                employs_others: yes_no(form.employs_others.as_deref()),
            };
            if !given.complete() {
                let draft = Draft {
                    answers: given,
                    ..Draft::default()
                };
                return Some(StepChange::refuse(
                    at,
                    draft,
                    "Answer each of the three questions, then continue.",
                ));
            }
            StepChange {
                answers: Some(given),
                ..StepChange::to(at, ApplicationStep::Quote)
            }
        }
        ApplicationStep::Quote => {
            match ctx.quote {
                Some(quote) => StepChange {
                    quote: Some(quote),
                    ..StepChange::to(at, ApplicationStep::Esignature)
                },
                None => return Some(StepChange::refuse(
                    at,
                    Draft::default(),
                    "This cover cannot be priced right now. Ask the team that sent you this link.",
                )),
            }
        }
        ApplicationStep::Esignature => {
            let typed = form.legal_name.clone().unwrap_or_default();
            let draft = Draft {
                answers,
                legal_name: Some(typed.clone()),
                consent: form.consent,
            };
            if typed.trim().is_empty() {
                return Some(StepChange::refuse(
                    at,
                    draft,
                    "Type your full legal name to sign.",
                ));
            }
            if let Some(expected) = ctx.creator_name.filter(|n| !name_key(n).is_empty()) {
                if name_key(&typed) != name_key(expected) {
                    return Some(StepChange::refuse(
                        at,
                        draft,
                        &format!(
                            "The name you typed does not match the name on this application \
                             ({expected}). Type it as shown, or if your legal name is different, \
                             ask the team that sent you this link to correct it first."
                        ),
                    ));
                }
            }
            if !form.consent {
                return Some(StepChange::refuse(
                    at,
                    draft,
                    "Tick the box to confirm you agree to the declarations and to sign \
                     electronically.",
                ));
            }
            let shown = form.text_sha256.as_deref().unwrap_or_default();
            let current_text = text_sha256(ctx.declarations);
            if shown != current_text {
                return Some(StepChange::refuse(
                    at,
                    draft,
                    "The declarations changed while this page was open. Read them again below, \
                     then sign.",
                ));
            }
            StepChange {
                signature: Some(Some(Signature {
                    name: typed.split_whitespace().collect::<Vec<_>>().join(" "),
                    at: ctx.now,
                    address: ctx.client_address.clone(),
                    user_agent: ctx.user_agent.clone(),
                    text_sha256: current_text,
                })),
                ..StepChange::to(at, ApplicationStep::Esignature.next()?)
            }
        }
        ApplicationStep::FinalReview => {
            if current.and_then(|a| a.signature.as_ref()).is_none() {
                return Some(StepChange::refuse(
                    at,
                    Draft::default(),
                    "Sign the declarations before you submit.",
                ));
            }
            let to = if answers.needs_underwriter() {
                ApplicationStep::ManualReview
            } else {
                ApplicationStep::ApplicationComplete
            };
            StepChange {
                submits: true,
                ..StepChange::to(at, to)
            }
        }
        _ => return None,
    })
}

/// A row's estimate: the one its last sync stored, or (for a row synced before estimates were
/// kept) priced now from its stored values. `None` when nothing the row holds can be sold.
pub fn row_estimate(
    row: &crate::store::Contractor,
    required: crate::store::CoverageTypes,
    rating: &crate::rating::RatingTable,
) -> Option<Estimate> {
    if let Some(estimate) = row.estimate {
        return Some(estimate);
    }
    let work_state = crate::values::UsState::parse(row.work_state.as_deref()?).ok()?;
    let home_state = row
        .home_state
        .as_deref()
        .and_then(|s| crate::values::UsState::parse(s).ok());
    let available = rating.availability(required, work_state, home_state);
    let coverage = available.available_types()?;
    let quote = rating.quote(
        crate::values::Money::from_cents(row.base_pay_cents?),
        work_state,
        &available.available,
        row.agency_pay.unwrap_or(false),
    );
    Some(Estimate::of_quote(coverage, &quote))
}

/// SHA-256 of a text, as lowercase hex.
pub fn text_sha256(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// What the declarations say about the creator's application.
#[derive(Clone, Debug)]
pub struct DeclarationFacts<'a> {
    pub creator_name: &'a str,
    pub campaign: &'a str,
    pub organization: &'a str,
    pub coverage: &'a [CoverageKind],
    pub start: Option<NaiveDate>,
    pub end: Option<NaiveDate>,
    pub work_state: &'a str,
    pub answers: Answers,
    pub premium: &'a str,
    pub agency_pay: bool,
}

/// The declarations the creator signs, in full: what the esignature step shows, and what its
/// SHA-256 is kept of.
pub fn declarations(f: &DeclarationFacts<'_>) -> String {
    let kinds: Vec<&str> = f.coverage.iter().map(|k| k.label()).collect();
    let window = match (f.start, f.end) {
        (Some(s), Some(e)) => format!(
            "from {} to {}",
            s.format("%B %-d, %Y"),
            e.format("%B %-d, %Y")
        ),
        _ => "for the campaign's dates".to_string(),
    };
    let answer = |a: Option<bool>| match a {
        Some(true) => "yes",
        Some(false) => "no",
        None => "not answered",
    };
    let payer = if f.agency_pay {
        format!("paid by {} on my behalf", f.organization)
    } else {
        "paid by me".to_string()
    };
    format!(
        "1. I, {name}, apply for {kinds} for my work on the campaign \"{campaign}\" for \
         {org}, {window}, in {state}.\n\
         2. My answers are true and complete: a claim against me in the last 3 years: {claims}; \
         a policy of mine cancelled or cover refused: {refused}; I employ anyone on this \
         campaign: {employs}.\n\
         3. I understand the premium is {premium}, {payer}, and that cover starts only once the \
         application is accepted.\n\
         4. I will tell the insurer if any of this changes before the cover ends.\n\
         5. I agree that typing my name below is my electronic signature, with the same effect \
         as signing by hand.",
        name = f.creator_name,
        kinds = kinds.join(" and "),
        campaign = f.campaign,
        org = f.organization,
        state = f.work_state,
        claims = answer(f.answers.recent_claims),
        refused = answer(f.answers.refused_policy),
        employs = answer(f.answers.employs_others),
        premium = f.premium,
    )
}

/// A row's application as the list and the contractor page show it, from the step of its
/// current link's application (`current`, `None` when not started), whether it has a current
/// link, and the step of the latest application on an earlier link (`earlier`).
pub fn row_state(
    has_current_link: bool,
    current: Option<ApplicationStep>,
    earlier: Option<ApplicationStep>,
) -> Option<ApplicationState> {
    if let Some(step) = current {
        return Some(ApplicationState::of_step(step));
    }
    match earlier {
        Some(step) if !step.is_finished() => Some(ApplicationState::Expired),
        Some(step) if !has_current_link => Some(ApplicationState::of_step(step)),
        _ if has_current_link => Some(ApplicationState::NotStarted),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
