//! `/apply/{token}`: the public page a creator opens from their application link, one step at a
//! time. Unknown links answer 404 and expired ones 410, each with a plain explanation. Every
//! step is a plain form that works before the page hydrates.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::apply_api::{apply_info, ApplyOpened, ApplyState, ApplyStep, ApplyView};
use crate::error::AppError;
use vocabulary::ApplicationStep;

#[component]
pub fn ApplyPage() -> AnyView {
    let params = use_params_map();
    let token = Memo::new(move |_| params.with(|p| p.get("token").unwrap_or_default()));
    let step = ServerAction::<ApplyStep>::new();
    // Each posted step is read back from the server: the page shows the step the server has.
    let info = Resource::new(
        move || (token.get(), step.version().get()),
        |(t, _)| apply_info(t),
    );

    view! {
        <Title text="Insurance application"/>
        <main class="auth-page">
            <section class="card apply-card">
                <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        let page = info.await;
                        #[cfg(feature = "ssr")]
                        if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
                            match &page {
                                Err(AppError::NotFound(_)) => resp.set_status(http::StatusCode::NOT_FOUND),
                                Ok(ApplyState::Expired) => resp.set_status(http::StatusCode::GONE),
                                Err(_) => resp.set_status(http::StatusCode::INTERNAL_SERVER_ERROR),
                                _ => {}
                            }
                        }
                        match page {
                            Ok(ApplyState::Open(v)) => view! { <Application v=*v step/> }.into_any(),
                            Ok(ApplyState::Expired) => view! {
                                <h1>"This link has expired"</h1>
                                <p>
                                    "This application link was replaced or is no longer valid. "
                                    "Ask the team that sent it to you for a new link."
                                </p>
                            }.into_any(),
                            Err(AppError::NotFound(_)) => view! {
                                <h1>"Link not found"</h1>
                                <p>
                                    "This application link does not exist or is no longer valid. "
                                    "Check that you copied the whole link, or ask the team that "
                                    "sent it to you for a new one."
                                </p>
                            }.into_any(),
                            Err(e) => view! {
                                <h1>"Something went wrong"</h1>
                                <p class="error" role="alert">{e.to_string()}</p>
                            }.into_any(),
                        }
                    })}
                </Suspense>
            </section>
        </main>
    }
    .into_any()
}

/// Opening the page is not acting on it (a mail scanner opens links too): the link counts as
/// opened at the creator's first click or key press on the page (or first step posted).
fn mark_opened_on_first_touch(token: String) {
    let opened = ServerAction::<ApplyOpened>::new();
    #[cfg(feature = "hydrate")]
    {
        let marked = StoredValue::new(false);
        let mark = move || {
            if !marked.get_value() {
                marked.set_value(true);
                opened.dispatch(ApplyOpened {
                    token: token.clone(),
                });
            }
        };
        let on_key = mark.clone();
        let pointer = window_event_listener(leptos::ev::pointerdown, move |_| mark());
        let key = window_event_listener(leptos::ev::keydown, move |_| on_key());
        on_cleanup(move || {
            pointer.remove();
            key.remove();
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (opened, token);
}

#[component]
fn Application(v: ApplyView, step: ServerAction<ApplyStep>) -> AnyView {
    mark_opened_on_first_touch(v.token.clone());
    let error = move || {
        step.value()
            .get()
            .and_then(|r| r.err())
            .map(|e| e.to_string())
    };
    let current = v.step;
    let body = match current {
        // A repeat creator: a policy they hold covers this campaign already.
        _ if v.covered_by.is_some() && !current.is_finished() => view! {
            <h1>"You are covered already"</h1>
            <p role="status">{v.covered_by.clone()}</p>
            <Policies v=v.clone()/>
            <Summary v=v.clone()/>
        }
        .into_any(),
        ApplicationStep::VerifyInfo => view! { <VerifyInfo v=v.clone() step/> }.into_any(),
        ApplicationStep::ApplicationQuestions => view! { <Questions v=v.clone() step/> }.into_any(),
        ApplicationStep::Quote => view! { <QuoteStep v=v.clone() step/> }.into_any(),
        ApplicationStep::Esignature => view! { <Esignature v=v.clone() step/> }.into_any(),
        ApplicationStep::FinalReview => view! { <FinalReview v=v.clone() step/> }.into_any(),
        ApplicationStep::ApplicationComplete => view! {
            <h1>"Application complete"</h1>
            <p role="status">
                "Thank you. Your application was accepted; there is nothing more to do here. "
                "Your cover runs " {v.window.clone()} "."
            </p>
            <Policies v=v.clone()/>
            <Summary v=v.clone()/>
            <QuoteTable v=v.clone()/>
        }
        .into_any(),
        ApplicationStep::ManualReview => view! {
            <h1>"Application under review"</h1>
            <p role="status">
                "Thank you. One of your answers needs an underwriter to look at your application. "
                "This takes up to 24 hours; you will hear from " {v.organization.clone()}
                " once it is decided. There is nothing more to do here."
            </p>
            <Summary v=v.clone()/>
        }
        .into_any(),
        ApplicationStep::Declined => view! {
            <h1>"Application declined"</h1>
            <p role="status">
                "An underwriter could not accept this application"
                {v.decline_reason.clone().map(|r| format!(": {r}")).unwrap_or_default()}
                ". Ask " {v.organization.clone()} " about other ways to be covered."
            </p>
        }
        .into_any(),
    };
    view! {
        {current.number().map(|n| view! {
            <p class="step-count">{format!("Step {n} of {}", ApplicationStep::STEPS.len())}</p>
            <ol class="steps" aria-label="Application steps">
                {ApplicationStep::STEPS.iter().map(|s| {
                    let state = if *s == current { "current" } else if s.number() < current.number() { "done" } else { "todo" };
                    view! {
                        <li class=state aria-current=(*s == current).then_some("step")>{s.title()}</li>
                    }
                }).collect_view()}
            </ol>
        })}
        {v.problem.clone().map(|p| view! { <p class="error" role="alert">{p}</p> })}
        {move || error().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        {body}
    }
    .into_any()
}

/// The hidden fields every step's form carries.
#[component]
fn StepFields(token: String, step: ApplicationStep) -> impl IntoView {
    view! {
        <input type="hidden" name="token" value=token/>
        <input type="hidden" name="step" value=step.as_str()/>
    }
}

/// "Back": its own small form, so it needs nothing from the step's fields.
#[component]
fn Back(v: ApplyView, step: ServerAction<ApplyStep>) -> AnyView {
    if v.step.previous().is_none() {
        return ().into_any();
    }
    view! {
        <ActionForm action=step attr:class="back-form">
            <StepFields token=v.token.clone() step=v.step/>
            <input type="hidden" name="go" value="back"/>
            <button type="submit" class="secondary">"Back"</button>
        </ActionForm>
    }
    .into_any()
}

#[component]
fn Continue(step: ServerAction<ApplyStep>, label: &'static str) -> impl IntoView {
    view! {
        <button type="submit" class="primary" disabled=move || step.pending().get()>
            {move || if step.pending().get() { "Saving…" } else { label }}
        </button>
    }
}

#[component]
fn Summary(v: ApplyView) -> impl IntoView {
    view! {
        <dl class="summary">
            <dt>"Name"</dt><dd>{v.name}</dd>
            <dt>"Email"</dt><dd>{v.email}</dd>
            <dt>"Campaign"</dt><dd>{v.campaign}</dd>
            <dt>"Coverage window"</dt><dd>{v.window}</dd>
            <dt>"Work state"</dt><dd>{v.work_state}</dd>
            <dt>"Home state"</dt><dd>{v.home_state}</dd>
            <dt>"Coverage"</dt><dd>{v.coverage.join(" and ")}</dd>
            <dt>"Base pay"</dt><dd>{v.base_pay}</dd>
        </dl>
    }
}

#[component]
fn VerifyInfo(v: ApplyView, step: ServerAction<ApplyStep>) -> impl IntoView {
    let (token, at) = (v.token.clone(), v.step);
    let org = v.organization.clone();
    view! {
        <h1>"Your insurance application"</h1>
        <p>"Check your details. They come from " {org.clone()} "'s records."</p>
        <Summary v=v.clone()/>
        {(!v.unavailable.is_empty()).then(|| view! {
            <div class="notice">
                <p>"Not offered with this application:"</p>
                <ul>{v.unavailable.iter().map(|u| view! { <li>{u.clone()}</li> }).collect_view()}</ul>
            </div>
        })}
        <details class="wrong">
            <summary>"Something is wrong?"</summary>
            <p>
                "Don't continue. Ask " {org} ", who sent you this link, to correct your details in "
                "their records. You will get a new link once they have."
            </p>
        </details>
        <ActionForm action=step>
            <StepFields token=token.clone() step=at/>
            <Continue step label="My details are right: continue"/>
        </ActionForm>
    }
}

#[component]
fn YesNo(name: &'static str, question: &'static str, value: Option<bool>) -> impl IntoView {
    let yes_id = format!("{name}-yes");
    let no_id = format!("{name}-no");
    view! {
        <fieldset class="yes-no">
            <legend>{question}</legend>
            <label for=yes_id.clone()>
                <input type="radio" id=yes_id.clone() name=name value="yes" checked=value == Some(true) required/>
                "Yes"
            </label>
            <label for=no_id.clone()>
                <input type="radio" id=no_id.clone() name=name value="no" checked=value == Some(false)/>
                "No"
            </label>
        </fieldset>
    }
}

#[component]
fn Questions(v: ApplyView, step: ServerAction<ApplyStep>) -> impl IntoView {
    let (token, at) = (v.token.clone(), v.step);
    let back = view! { <Back v=v.clone() step/> };
    view! {
        <h1>"A few questions"</h1>
        <p>"Answer each question. An underwriter looks at applications with a recent claim or a refused policy."</p>
        <ActionForm action=step>
            <StepFields token=token.clone() step=at/>
            <YesNo name="recent_claims" question="Has anyone made a claim against you in the last 3 years?" value=v.recent_claims/>
            <YesNo name="refused_policy" question="Has an insurer ever cancelled a policy of yours or refused you cover?" value=v.refused_policy/>
            <YesNo name="employs_others" question="Do you employ anyone to work with you on this campaign?" value=v.employs_others/>
            <Continue step label="Continue"/>
        </ActionForm>
        {back}
    }
}

#[component]
fn QuoteTable(v: ApplyView) -> impl IntoView {
    view! {
        <table class="quote">
            <caption>
                "Your quote"
                {v.example_rates.then(|| view! { <span class="badge muted">"example rates"</span> })}
            </caption>
            <thead><tr><th scope="col">"Coverage"</th><th scope="col">"Window"</th><th scope="col">"Premium"</th><th scope="col">"Paid by"</th></tr></thead>
            <tbody>
                {v.quote.iter().map(|l| view! {
                    <tr><td>{l.coverage.clone()}</td><td>{l.window.clone()}</td><td class="num">{l.premium.clone()}</td><td>{l.payer.clone()}</td></tr>
                }).collect_view()}
            </tbody>
            <tfoot><tr><th scope="row" colspan="2">"Total"</th><td class="num">{v.premium.clone()}</td><td></td></tr></tfoot>
        </table>
        <p class="payer">{v.payer.clone()}</p>
    }
}

#[component]
fn QuoteStep(v: ApplyView, step: ServerAction<ApplyStep>) -> impl IntoView {
    let (token, at) = (v.token.clone(), v.step);
    let back = view! { <Back v=v.clone() step/> };
    view! {
        <h1>"Your quote"</h1>
        <p>"The premium is worked out from your pay for this campaign."</p>
        {v.difference.clone().map(|d| view! { <p class="notice" role="note">{d}</p> })}
        <QuoteTable v=v.clone()/>
        <ActionForm action=step>
            <StepFields token=token.clone() step=at/>
            <Continue step label="Accept the quote"/>
        </ActionForm>
        {back}
    }
}

#[component]
fn Esignature(v: ApplyView, step: ServerAction<ApplyStep>) -> impl IntoView {
    let (token, at) = (v.token.clone(), v.step);
    let back = view! { <Back v=v.clone() step/> };
    let (sha, typed, invalid, consent, name) = (
        v.declarations_sha256.clone(),
        v.legal_name.clone(),
        v.problem.is_some(),
        v.consent,
        v.name.clone(),
    );
    view! {
        <h1>"Declarations and signature"</h1>
        <p>"Read the declarations, then sign by typing your full legal name."</p>
        <ol class="declarations" aria-label="Declarations">
            {v.declarations.iter().map(|d| {
                let text = d.split_once(". ").map(|(_, t)| t.to_string()).unwrap_or_else(|| d.clone());
                view! { <li>{text}</li> }
            }).collect_view()}
        </ol>
        <ActionForm action=step>
            <StepFields token=token.clone() step=at/>
            <input type="hidden" name="text_sha256" value=sha.clone()/>
            <label for="legal_name">"Your full legal name"</label>
            <input
                id="legal_name"
                name="legal_name"
                type="text"
                autocomplete="name"
                maxlength="200"
                required
                value=typed.clone()
                aria-invalid=invalid.then_some("true")
            />
            <p class="hint">"As on this application: " {name.clone()}</p>
            <label class="check" for="consent">
                <input id="consent" name="consent" type="checkbox" value="yes" checked=consent required/>
                "I agree to the declarations above and to sign electronically."
            </label>
            <Continue step label="Sign"/>
        </ActionForm>
        {back}
    }
}

#[component]
fn FinalReview(v: ApplyView, step: ServerAction<ApplyStep>) -> impl IntoView {
    let (token, at) = (v.token.clone(), v.step);
    let back = view! { <Back v=v.clone() step/> };
    let answer = |a: Option<bool>| match a {
        Some(true) => "Yes",
        Some(false) => "No",
        None => "—",
    };
    view! {
        <h1>"Review and submit"</h1>
        <Summary v=v.clone()/>
        <dl class="summary">
            <dt>"Claim in the last 3 years"</dt><dd>{answer(v.recent_claims)}</dd>
            <dt>"Policy cancelled or refused"</dt><dd>{answer(v.refused_policy)}</dd>
            <dt>"Employ anyone on it"</dt><dd>{answer(v.employs_others)}</dd>
        </dl>
        <QuoteTable v=v.clone()/>
        {v.signed.clone().map(|s| view! { <p class="signed">{s}</p> })}
        <ActionForm action=step>
            <StepFields token=token.clone() step=at/>
            <Continue step label="Submit application"/>
        </ActionForm>
        {back}
    }
}

/// The policies issued and the certificate, once the application completed.
#[component]
fn Policies(v: ApplyView) -> AnyView {
    if v.policies.is_empty() {
        return view! {
            <p class="muted">"Your policy documents will be ready here shortly."</p>
        }
        .into_any();
    }
    view! {
        <section class="policies" aria-labelledby="policies-title">
            <h2 id="policies-title">
                "Your policies"
                {v.cover_status.clone().map(|s| view! { " " <span class="badge">{s}</span> })}
            </h2>
            <ul>{v.policies.iter().map(|p| view! { <li>{p.clone()}</li> }).collect_view()}</ul>
            {v.certificate_url.clone().map(|url| view! {
                <p><a class="button primary" href=url download="">"Download your certificate of insurance (PDF)"</a></p>
            })}
        </section>
    }
    .into_any()
}
