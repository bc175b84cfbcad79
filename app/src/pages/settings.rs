//! Organization > Settings: the CreatorIQ connection and required coverage.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::error::AppError;
use crate::settings_api::{
    get_settings, SaveApiKey, SaveCoverage, SettingsView, TestConnection, COVERAGE_CHOICES,
};

/// A success (`role=status`) or failure (`role=alert`) line under a form.
fn outcome<T: 'static>(
    value: Option<Result<T, AppError>>,
    ok: impl Fn(T) -> String + 'static,
) -> Option<AnyView> {
    value.map(|result| match result {
        Ok(v) => view! { <p class="notice success" role="status">{ok(v)}</p> }.into_any(),
        Err(e) => view! { <p class="notice error" role="alert">{e.to_string()}</p> }.into_any(),
    })
}

#[component]
pub fn SettingsPage() -> impl IntoView {
    let save_key = ServerAction::<SaveApiKey>::new();
    let test = ServerAction::<TestConnection>::new();
    let save_coverage = ServerAction::<SaveCoverage>::new();
    let settings = Resource::new(
        move || {
            (
                save_key.version().get(),
                save_coverage.version().get(),
                test.version().get(),
            )
        },
        |_| get_settings(),
    );
    let key_input = NodeRef::<leptos::html::Input>::new();
    let navigate = use_navigate();
    // The typed key never lingers in the page: the field is emptied once the server answered,
    // and a successful save closes the editor.
    Effect::watch(
        move || save_key.version().get(),
        move |_, _, _| {
            if let Some(input) = key_input.get_untracked() {
                input.set_value("");
            }
            if matches!(save_key.value().get_untracked(), Some(Ok(_))) {
                navigate("/settings", Default::default());
            }
        },
        false,
    );

    view! {
        <Title text="Settings"/>
        <h1>"Organization settings"</h1>
        <Transition fallback=|| view! { <p class="muted">"Loading settings…"</p> }>
            {move || Suspend::new(async move {
                match settings.await {
                    Ok(s) => view! {
                        <ConnectionSection settings=s.clone() save_key test key_input/>
                        <CoverageSection settings=s save_coverage/>
                    }
                    .into_any(),
                    Err(e) => view! { <p class="notice error" role="alert">{e.to_string()}</p> }
                        .into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn ConnectionSection(
    settings: SettingsView,
    save_key: ServerAction<SaveApiKey>,
    test: ServerAction<TestConnection>,
    key_input: NodeRef<leptos::html::Input>,
) -> impl IntoView {
    let query = use_query_map();
    let editing = move || query.read().get("edit").as_deref() == Some("key");
    let masked = settings.masked_key();
    let has_key = masked.is_some();
    let is_admin = settings.is_admin;
    let current_env = StoredValue::new(settings.environment.base_url.clone());
    let single_env = settings.environments.len() <= 1;
    let environments = StoredValue::new(settings.environments.clone());

    // Focus the field when the editor opens (also after client-side navigation).
    Effect::new(move |_| {
        if let Some(input) = key_input.get() {
            let _ = input.focus();
        }
    });

    view! {
        <section class="card" aria-labelledby="ciq-heading">
            <h2 id="ciq-heading">"CreatorIQ connection"</h2>
            <div class="key-line env-line">
                <span class="label">"Environment"</span>
                <span data-testid="environment">{settings.environment.label.clone()}</span>
                <code class="muted">{settings.environment.base_url.clone()}</code>
            </div>
            {settings.environment_withdrawn.clone().map(|url| view! {
                <p class="notice error" role="alert">
                    "This organization was connected to " <code>{url}</code>
                    ", which this server no longer allows. Syncs are stopped until an admin "
                    "chooses an environment and enters the API key again."
                </p>
            })}
            <div class="key-line">
                <span class="label">"API key"</span>
                {match masked.clone() {
                    Some(m) => view! { <code class="masked-key" data-testid="masked-key">{m}</code> }.into_any(),
                    None => view! { <span class="muted" data-testid="masked-key">"No CreatorIQ API key is stored yet."</span> }.into_any(),
                }}
                <Show when=move || is_admin && !editing()>
                    <a class="button" href="/settings?edit=key" role="button">
                        {if has_key { "Edit" } else { "Add key" }}
                    </a>
                </Show>
            </div>
            {move || outcome(save_key.value().get(), |k| k.message)}
            <Show when=move || is_admin && editing()>
                <ActionForm action=save_key attr:class="stack key-form">
                    <label for="environment">"CreatorIQ environment"</label>
                    <select id="environment" name="environment" aria-describedby="environment_hint" disabled=single_env>
                        {environments.with_value(|envs| {
                            envs.iter()
                                .map(|e| view! {
                                    <option
                                        value=e.base_url.clone()
                                        selected=current_env.with_value(|c| *c == e.base_url)
                                    >
                                        {format!("{} — {}", e.label, e.base_url)}
                                    </option>
                                })
                                .collect_view()
                        })}
                    </select>
                    {single_env.then(|| view! {
                        <input type="hidden" name="environment" value=current_env.get_value()/>
                    })}
                    <p id="environment_hint" class="hint">
                        "The environments this server allows. The key is sent to the chosen "
                        "environment only and is sealed for it: changing environment takes the "
                        "key again."
                    </p>
                    <label for="api_key">"New CreatorIQ API key"</label>
                    <input
                        id="api_key"
                        node_ref=key_input
                        type="password"
                        name="api_key"
                        autocomplete="off"
                        spellcheck="false"
                        required
                        autofocus
                        aria-describedby="api_key_hint"
                    />
                    <p id="api_key_hint" class="hint">
                        "Your CreatorIQ account manager issues the key. It is checked with "
                        "CreatorIQ before it is saved, stored encrypted, and only its last four "
                        "characters are ever shown again."
                    </p>
                    <div class="actions">
                        <button type="submit" class="primary" disabled=move || save_key.pending().get()>
                            {move || if save_key.pending().get() { "Checking with CreatorIQ…" } else { "Save" }}
                        </button>
                        <a class="button secondary" href="/settings">"Cancel"</a>
                    </div>
                </ActionForm>
            </Show>
            <Show when=move || is_admin && has_key && !editing()>
                <ActionForm action=test attr:class="inline test-form">
                    <button type="submit" disabled=move || test.pending().get()>
                        {move || if test.pending().get() { "Testing…" } else { "Test connection" }}
                    </button>
                </ActionForm>
                {move || outcome(test.value().get(), |k| k.message)}
            </Show>
            {settings.usage_line().map(|line| view! {
                <p class="muted request-usage" data-testid="request-usage">{line}</p>
            })}
            <p class="muted webhook-status">{settings.webhook_status.clone()}</p>
        </section>
    }
}

#[component]
fn CoverageSection(
    settings: SettingsView,
    save_coverage: ServerAction<SaveCoverage>,
) -> impl IntoView {
    let current = settings.coverage.clone();
    let label = COVERAGE_CHOICES
        .iter()
        .find(|(v, _)| *v == current)
        .map_or("", |(_, l)| *l);
    if !settings.is_admin {
        return view! {
            <section class="card" aria-labelledby="coverage-heading">
                <h2 id="coverage-heading">"Required coverage"</h2>
                <p data-testid="coverage">{label}</p>
            </section>
        }
        .into_any();
    }
    view! {
        <section class="card" aria-labelledby="coverage-heading">
            <h2 id="coverage-heading">"Required coverage"</h2>
            <ActionForm action=save_coverage attr:class="stack">
                <fieldset>
                    <legend>"Creators on your campaigns must carry"</legend>
                    {COVERAGE_CHOICES
                        .iter()
                        .map(|(value, text)| {
                            let id = format!("coverage-{value}");
                            view! {
                                <div class="radio">
                                    <input type="radio" id=id.clone() name="coverage" value=*value checked=*value == current/>
                                    <label for=id>{*text}</label>
                                </div>
                            }
                        })
                        .collect_view()}
                </fieldset>
                <div class="actions">
                    <button type="submit" class="primary" disabled=move || save_coverage.pending().get()>
                        {move || if save_coverage.pending().get() { "Saving…" } else { "Save coverage" }}
                    </button>
                </div>
            </ActionForm>
            {move || outcome(save_coverage.value().get(), |m| m)}
        </section>
    }
    .into_any()
}
