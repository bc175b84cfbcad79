//! Organization > Settings: the CreatorIQ connection and required coverage.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::alerts_api::{get_alert_settings, AlertsView, SaveAlertSettings, SendTestAlert};
use crate::error::AppError;
use crate::settings_api::{
    get_settings, CoverageTypes, SaveApiKey, SaveAppLink, SaveCoverage, SettingsView,
    TestConnection,
};
use crate::webhooks_api::{
    get_automatic_sync, AutomaticView, ReplaceWebhookAddress, SaveSyncInterval, SubscribeWebhooks,
    INTERVAL_CHOICES,
};

/// A success (`role=status`) or failure (`role=alert`) line under a form.
pub(crate) fn outcome<T: 'static>(
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
    // Not among the settings' sources: a saved or refused address keeps what was typed.
    let save_app_link = ServerAction::<SaveAppLink>::new();
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
    // Every resource of the page is created here, at the top, so the server renders each with
    // the request's context (resources created inside a resolved Suspend could miss it).
    let subscribe = ServerAction::<SubscribeWebhooks>::new();
    let replace_address = ServerAction::<ReplaceWebhookAddress>::new();
    let save_interval = ServerAction::<SaveSyncInterval>::new();
    let automatic = Resource::new(
        move || {
            (
                save_key.version().get(),
                subscribe.version().get(),
                replace_address.version().get(),
                save_interval.version().get(),
            )
        },
        |_| get_automatic_sync(),
    );
    let save_alerts = ServerAction::<SaveAlertSettings>::new();
    let test_alert = ServerAction::<SendTestAlert>::new();
    let alerts = Resource::new(
        move || save_alerts.version().get(),
        |_| get_alert_settings(),
    );
    let save_messages = ServerAction::<crate::outreach_api::SaveOutreachSettings>::new();
    let outreach = Resource::new(
        move || save_messages.version().get(),
        |_| crate::outreach_api::get_outreach_settings(),
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
                    Ok(s) => view! { <ConnectionSection settings=s save_key test key_input/> }
                        .into_any(),
                    Err(e) => view! { <p class="notice error" role="alert">{e.to_string()}</p> }
                        .into_any(),
                }
            })}
        </Transition>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                settings.await.ok().map(|s| view! { <AppLinkSection settings=s save_app_link/> })
            })}
        </Transition>
        <AutomaticSection automatic subscribe replace_address save_interval/>
        <super::messages_settings::MessagesSection outreach save=save_messages/>
        <AlertsSection alerts save=save_alerts test=test_alert/>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                settings.await.ok().map(|s| view! { <CoverageSection settings=s save_coverage/> })
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
        </section>
    }
}

/// The address of a contractor's page in CreatorIQ's web app, for "Open in CreatorIQ".
#[component]
fn AppLinkSection(
    settings: SettingsView,
    save_app_link: ServerAction<SaveAppLink>,
) -> impl IntoView {
    let saved = settings.app_link_template.clone().unwrap_or_default();
    view! {
        <section class="card" aria-labelledby="app-link-heading" data-testid="app-link">
            <h2 id="app-link-heading">"Open in CreatorIQ"</h2>
            <p class="hint">
                "Each contractor's page can link to where its fix is made in CreatorIQ. CreatorIQ "
                "does not publish its web app's page addresses, so copy one from your browser "
                "while looking at a creator in CreatorIQ, and put "<code>"{campaign_id}"</code>
                " and "<code>"{creator_id}"</code>" where its ids are."
            </p>
            {if settings.is_admin {
                view! {
                    <ActionForm action=save_app_link attr:class="stack">
                        <label for="app-link-template">"Address of a creator's page in CreatorIQ"</label>
                        <input type="text" id="app-link-template" name="template"
                            inputmode="url" maxlength="500" autocomplete="off" spellcheck="false"
                            placeholder="https://app.creatoriq.com/dashboard/#campaign/{campaign_id}/creator/{creator_id}"
                            value=saved/>
                        <p class="hint">"Leave it empty to show the ids instead of a link."</p>
                        <div class="actions">
                            <button type="submit" class="primary" disabled=move || save_app_link.pending().get()>
                                {move || if save_app_link.pending().get() { "Saving…" } else { "Save address" }}
                            </button>
                        </div>
                    </ActionForm>
                    {move || outcome(save_app_link.value().get(), |m| m)}
                }
                .into_any()
            } else {
                view! {
                    <p data-testid="app-link-template">
                        {if saved.is_empty() { "No address is set.".to_string() } else { saved }}
                    </p>
                }
                .into_any()
            }}
        </section>
    }
}

#[component]
fn CoverageSection(
    settings: SettingsView,
    save_coverage: ServerAction<SaveCoverage>,
) -> impl IntoView {
    let current = settings.coverage;
    let label = current.label();
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
                    {CoverageTypes::ALL
                        .into_iter()
                        .map(|choice| {
                            let value = choice.form_value();
                            let id = format!("coverage-{value}");
                            view! {
                                <div class="radio">
                                    <input type="radio" id=id.clone() name="coverage" value=value checked=choice == current/>
                                    <label for=id>{choice.label()}</label>
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

/// Keeping current: CreatorIQ's webhook subscriptions and the scheduled full sync.
#[component]
fn AutomaticSection(
    automatic: Resource<Result<AutomaticView, AppError>>,
    subscribe: ServerAction<SubscribeWebhooks>,
    replace_address: ServerAction<ReplaceWebhookAddress>,
    save_interval: ServerAction<SaveSyncInterval>,
) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="automatic-heading" data-testid="automatic">
            <h2 id="automatic-heading">"Keeping current"</h2>
            <p class="hint">
                "CreatorIQ tells the dashboard about changes with webhooks, so a fix made in "
                "CreatorIQ reaches its row within seconds. Webhooks are in beta at CreatorIQ and "
                "undelivered events are dropped after 4 days, so a scheduled full sync also runs."
            </p>
            <Transition fallback=|| view! { <p class="muted">"Asking CreatorIQ…"</p> }>
                {move || Suspend::new(async move {
                    match automatic.await {
                        Ok(a) => view! { <AutomaticBody a subscribe replace_address save_interval/> }.into_any(),
                        Err(e) => view! { <p class="notice error" role="alert">{e.to_string()}</p> }
                            .into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn AutomaticBody(
    a: AutomaticView,
    subscribe: ServerAction<SubscribeWebhooks>,
    replace_address: ServerAction<ReplaceWebhookAddress>,
    save_interval: ServerAction<SaveSyncInterval>,
) -> impl IntoView {
    let can_subscribe = a.is_admin && a.has_key && a.callback_known;
    let all_active = matches!(&a.subscriptions, Ok(list) if list.iter().all(|s| s.active));
    let current = a.interval_minutes;
    let interval_label = INTERVAL_CHOICES
        .iter()
        .find(|(v, _)| *v == current)
        .map_or_else(
            || format!("Every {current} minutes"),
            |(_, l)| l.to_string(),
        );
    view! {
        <h3>"Webhooks"</h3>
        {match a.subscriptions.clone() {
            Ok(list) => view! {
                <table class="subscriptions">
                    <thead>
                        <tr>
                            <th scope="col">"Event"</th>
                            <th scope="col">"What it does here"</th>
                            <th scope="col">"State"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {list.into_iter().map(|s| view! {
                            <tr data-event=s.event.clone()>
                                <td><code>{s.event.clone()}</code></td>
                                <td>{s.meaning.clone()}</td>
                                <td>
                                    {if s.active {
                                        view! { <span class="badge state-succeeded">"Subscribed"</span> }.into_any()
                                    } else {
                                        view! { <span class="badge state-failed">"Not subscribed"</span> }.into_any()
                                    }}
                                </td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }
            .into_any(),
            Err(why) => view! { <p class="muted" data-testid="subscriptions-unknown">{why}</p> }.into_any(),
        }}
        <Show when=move || can_subscribe>
            <ActionForm action=subscribe attr:class="inline">
                <button type="submit" disabled=move || subscribe.pending().get()>
                    {move || if subscribe.pending().get() {
                        "Subscribing…"
                    } else if all_active {
                        "Subscribe again"
                    } else {
                        "Subscribe"
                    }}
                </button>
            </ActionForm>
        </Show>
        {move || outcome(subscribe.value().get(), |m| m)}
        <p class="muted">
            "Every delivery is listed on " <a href="/webhooks">"Webhooks"</a> "."
        </p>
        <Show when=move || a.is_admin>
            <details class="replace-address" data-testid="replace-webhook-address">
                <summary>"Replace the webhook address"</summary>
                <p class="hint">
                    "If strangers post to this organization's webhook address (refused "
                    "deliveries pile up on Webhooks), give it a new one: deliveries to the old "
                    "address are refused from then on, and CreatorIQ's subscriptions move to "
                    "the new one."
                </p>
                <ActionForm action=replace_address attr:class="inline">
                    <button type="submit" class="danger" disabled=move || replace_address.pending().get()>
                        {move || if replace_address.pending().get() {
                            "Replacing…"
                        } else {
                            "Replace webhook address"
                        }}
                    </button>
                </ActionForm>
            </details>
        </Show>
        {move || outcome(replace_address.value().get(), |m| m)}
        <h3>"Scheduled full sync"</h3>
        {a.next_scheduled.clone().map(|at| view! {
            <p data-testid="next-scheduled">"Next scheduled sync: " <strong>{at}</strong></p>
        })}
        <p class="hint">
            "Scheduled syncs skip campaigns whose end date has passed: their rows keep their "
            "last state."
        </p>
        {if a.is_admin {
            view! {
                <ActionForm action=save_interval attr:class="inline interval-form">
                    <label for="interval">"Run a full sync"</label>
                    <select id="interval" name="interval">
                        {INTERVAL_CHOICES.iter().map(|(value, label)| view! {
                            <option value=value.to_string() selected=*value == current>{*label}</option>
                        }).collect_view()}
                    </select>
                    <button type="submit" disabled=move || save_interval.pending().get()>
                        {move || if save_interval.pending().get() { "Saving…" } else { "Save schedule" }}
                    </button>
                </ActionForm>
                {move || outcome(save_interval.value().get(), |m| m)}
            }
            .into_any()
        } else {
            view! { <p data-testid="interval">"Full sync: " {interval_label}</p> }.into_any()
        }}
    }
}

/// Where alerts go, and "Send test alert". Admins only: for others the section is not there.
#[component]
fn AlertsSection(
    alerts: Resource<Result<Option<AlertsView>, AppError>>,
    save: ServerAction<SaveAlertSettings>,
    test: ServerAction<SendTestAlert>,
) -> impl IntoView {
    let webhook_input = NodeRef::<leptos::html::Input>::new();
    // The typed webhook URL carries its own secret: the field is emptied once saved.
    Effect::watch(
        move || save.version().get(),
        move |_, _, _| {
            if matches!(save.value().get_untracked(), Some(Ok(_))) {
                if let Some(input) = webhook_input.get_untracked() {
                    input.set_value("");
                }
            }
        },
        false,
    );
    let body = move |a: AlertsView| {
        view! {
        <section class="card" aria-labelledby="alerts-heading" data-testid="alerts">
            <h2 id="alerts-heading">"Alerts"</h2>
            <p class="hint">
                "Tells you when a sync run fails, CreatorIQ refuses the API key, more rows "
                "need attention than after the previous run, messages to creators could not "
                "be delivered, or a campaign is about to start with creators not covered: once "
                "when it starts, not again until it has cleared."
            </p>
                            <ActionForm action=save attr:class="stack alerts-form">
                                <label for="alert_emails">"Email addresses"</label>
                                <input
                                    id="alert_emails"
                                    name="emails"
                                    type="text"
                                    inputmode="email"
                                    autocomplete="off"
                                    value=a.emails.clone()
                                    placeholder="ops@agency.example, rep@agency.example"
                                    aria-describedby="alert_emails_hint"
                                />
                                <p id="alert_emails_hint" class="hint">
                                    {if a.email_available {
                                        "Separate addresses with commas; up to 10."
                                    } else {
                                        "This server has no SMTP settings, so it cannot send email; use a webhook."
                                    }}
                                </p>
                                <label for="alert_webhook">"Slack-compatible webhook URL"</label>
                                <input
                                    id="alert_webhook"
                                    node_ref=webhook_input
                                    name="webhook_url"
                                    type="url"
                                    autocomplete="off"
                                    spellcheck="false"
                                    placeholder=if a.webhook_shown.is_some() { "Leave blank to keep the saved URL" } else { "https://hooks.slack.com/services/…" }
                                    aria-describedby="alert_webhook_hint"
                                />
                                <p id="alert_webhook_hint" class="hint" data-testid="alert-webhook">
                                    {match a.webhook_shown.clone() {
                                        Some(w) => format!("Alerts are posted to a webhook at {w}. The URL is stored encrypted and not shown again."),
                                        None => "No webhook yet. Alerts are posted as {\"text\": …}, which Slack, Mattermost and Teams workflows accept.".to_string(),
                                    }}
                                </p>
                                {a.webhook_shown.is_some().then(|| view! {
                                    <div class="checkbox">
                                        <input type="checkbox" id="remove_webhook" name="remove_webhook" value="on"/>
                                        <label for="remove_webhook">"Remove the saved webhook"</label>
                                    </div>
                                })}
                                <label for="deadline_days">"Days before a campaign starts to flag creators not covered"</label>
                                <input
                                    id="deadline_days"
                                    name="deadline_days"
                                    type="number"
                                    min="1"
                                    max="60"
                                    step="1"
                                    required
                                    value=a.deadline_days.to_string()
                                    aria-describedby="deadline_days_hint"
                                />
                                <p id="deadline_days_hint" class="hint">
                                    "One alert per campaign, with each creator who is not covered and what they are waiting for."
                                </p>
                                <div class="actions">
                                    <button type="submit" class="primary" disabled=move || save.pending().get()>
                                        {move || if save.pending().get() { "Saving…" } else { "Save alerts" }}
                                    </button>
                                </div>
                            </ActionForm>
            {move || outcome(save.value().get(), |m| m)}
            <ActionForm action=test attr:class="inline">
                <button type="submit" disabled=move || test.pending().get()>
                    {move || if test.pending().get() { "Sending…" } else { "Send test alert" }}
                </button>
            </ActionForm>
            {move || outcome(test.value().get(), |m| m)}
        </section>
        }
    };
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match alerts.await {
                    Ok(None) => ().into_any(),
                    Ok(Some(a)) => body(a).into_any(),
                    Err(e) => view! { <p class="notice error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}
