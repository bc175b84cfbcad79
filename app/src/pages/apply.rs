//! `/apply/{token}`: the public page a creator opens from their application link. Unknown links
//! answer 404 and expired ones 410, each with a plain explanation.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::apply_api::{apply_info, ApplyDetails, ApplyOpened, ApplyState, ApplySubmit};
use crate::error::AppError;

#[component]
pub fn ApplyPage() -> AnyView {
    let params = use_params_map();
    let token = Memo::new(move |_| params.with(|p| p.get("token").unwrap_or_default()));
    let info = Resource::new(move || token.get(), apply_info);
    let submit = ServerAction::<ApplySubmit>::new();

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
                            Ok(ApplyState::Open(d)) => view! {
                                <Open d token=token.get_untracked() submit/>
                            }.into_any(),
                            Ok(ApplyState::Submitted(d)) => view! { <Submitted d/> }.into_any(),
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

#[component]
fn Summary(d: ApplyDetails) -> AnyView {
    let window = match (d.coverage_start, d.coverage_end) {
        (Some(s), Some(e)) => format!("{s} to {e}"),
        _ => "To be confirmed".to_string(),
    };
    view! {
        <dl class="summary">
            <dt>"Name"</dt><dd>{d.name}</dd>
            <dt>"Campaign"</dt><dd>{d.campaign}</dd>
            <dt>"Coverage window"</dt><dd>{window}</dd>
            <dt>"Work state"</dt><dd>{d.work_state.unwrap_or_else(|| "—".into())}</dd>
            <dt>"Coverage"</dt><dd>{d.coverage_types.join(" and ")}</dd>
            <dt>"Base pay"</dt><dd>{d.base_pay.unwrap_or_else(|| "—".into())}</dd>
        </dl>
    }
    .into_any()
}

#[component]
fn Open(d: ApplyDetails, token: String, submit: ServerAction<ApplySubmit>) -> AnyView {
    let done = move || matches!(submit.value().get(), Some(Ok(())));
    let error = move || {
        submit
            .value()
            .get()
            .and_then(|r| r.err())
            .map(|e| e.to_string())
    };
    let details = d.clone();
    // Opening the page is not acting on it (a mail scanner opens links too): the link counts as
    // opened at the creator's first click or key press on the page.
    let opened = ServerAction::<ApplyOpened>::new();
    #[cfg(feature = "hydrate")]
    {
        let marked = StoredValue::new(false);
        let token = token.clone();
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
    let _ = opened;
    view! {
        <Show
            when=done
            fallback=move || {
                let d = details.clone();
                let token = token.clone();
                view! {
                    <h1>"Your insurance application"</h1>
                    <p>"Check the details of your coverage. If something is wrong, tell the team that sent you this link before you submit."</p>
                    <Summary d/>
                    <ActionForm action=submit>
                        <input type="hidden" name="token" value=token/>
                        {move || error().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                        <button type="submit" class="primary" disabled=move || submit.pending().get()>
                            {move || if submit.pending().get() { "Submitting…" } else { "Confirm and submit" }}
                        </button>
                    </ActionForm>
                }
            }
        >
            <Submitted d=d.clone()/>
        </Show>
    }
    .into_any()
}

#[component]
fn Submitted(d: ApplyDetails) -> AnyView {
    view! {
        <h1>"Application submitted"</h1>
        <p role="status">"Thank you. Your application was received; there is nothing more to do here."</p>
        <Summary d/>
    }
    .into_any()
}
