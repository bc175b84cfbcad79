//! Settings > Messages to creators: channels, automatic sending, the reminder cadence, the
//! sender name and reply-to, the wording of the first message and of reminders, and a preview
//! filled with a real row's values. Admins only.

use leptos::prelude::*;

use crate::error::AppError;
use crate::outreach_api::{OutreachView, PreviewMessages, SaveOutreachSettings};

#[component]
pub fn MessagesSection(
    outreach: Resource<Result<Option<OutreachView>, AppError>>,
    save: ServerAction<SaveOutreachSettings>,
) -> impl IntoView {
    let preview = ServerAction::<PreviewMessages>::new();
    let first_subject = NodeRef::<leptos::html::Input>::new();
    let first_body = NodeRef::<leptos::html::Textarea>::new();
    let reminder_subject = NodeRef::<leptos::html::Input>::new();
    let reminder_body = NodeRef::<leptos::html::Textarea>::new();
    let show_preview = move |_| {
        let input =
            |n: NodeRef<leptos::html::Input>| n.get().map(|e| e.value()).unwrap_or_default();
        let area =
            |n: NodeRef<leptos::html::Textarea>| n.get().map(|e| e.value()).unwrap_or_default();
        preview.dispatch(PreviewMessages {
            first_subject: input(first_subject),
            first_body: area(first_body),
            reminder_subject: input(reminder_subject),
            reminder_body: area(reminder_body),
        });
    };
    let invalid = move |field: &'static str| {
        move || {
            matches!(save.value().get(), Some(Ok(Err(ref r))) if r.field == field)
                || matches!(preview.value().get(), Some(Ok(Err(ref r))) if r.field == field)
        }
    };
    let body = move |o: OutreachView| {
        let channel = o.channels.clone();
        let option = move |value: &'static str, label: &'static str| {
            let selected = channel == value;
            view! { <option value=value selected=selected>{label}</option> }
        };
        view! {
        <section class="card" aria-labelledby="messages-heading" data-testid="messages-settings">
            <h2 id="messages-heading">"Messages to creators"</h2>
            <p class="hint">
                "Each Synced creator gets their application link, then reminders until they apply, "
                "the link is replaced or expires, or they ask to stop."
            </p>
            <ActionForm action=save attr:class="stack messages-form">
                <label for="channels">"Send by"</label>
                <select id="channels" name="channels" aria-describedby="channels_hint">
                    {option("", "Not chosen yet")}
                    {option("email", "Email")}
                    {option("creatoriq", "CreatorIQ messages")}
                    {option("both", "Email and CreatorIQ messages")}
                </select>
                <p id="channels_hint" class="hint">
                    {format!("Until you choose: {}{}.", o.default_channels,
                        if o.mail_relay { "" } else { " (this server has no mail relay)" })}
                </p>
                <div class="checkbox">
                    <input type="checkbox" id="auto_send" name="auto_send" value="on" checked=o.auto_send/>
                    <label for="auto_send">"Send the link automatically when a row becomes Synced"</label>
                </div>
                <label for="cadence">"Reminders, days after the first message"</label>
                <input id="cadence" name="cadence" type="text" value=o.cadence.clone()
                    maxlength="40" placeholder="2, 5, 9" aria-invalid=move || invalid("cadence")().to_string()
                    aria-describedby="cadence_hint"/>
                <p id="cadence_hint" class="hint">"Up to 5 reminders; leave empty for none."</p>
                <label for="sender_name">"Sender name"</label>
                <input id="sender_name" name="sender_name" type="text" maxlength="100"
                    value=o.sender_name.clone() placeholder="Your organization's name"
                    aria-invalid=move || invalid("sender_name")().to_string()/>
                <label for="reply_to">"Reply-to address"</label>
                <input id="reply_to" name="reply_to" type="email" maxlength="254"
                    value=o.reply_to.clone() placeholder="ops@agency.example"
                    aria-invalid=move || invalid("reply_to")().to_string()/>
                <label for="first_subject">"First message: subject"</label>
                <input id="first_subject" name="first_subject" type="text" maxlength="200"
                    node_ref=first_subject value=o.first_subject.clone()
                    aria-invalid=move || invalid("first_subject")().to_string()/>
                <label for="first_body">"First message"</label>
                <textarea id="first_body" name="first_body" rows="8" maxlength="10000"
                    node_ref=first_body aria-invalid=move || invalid("first_body")().to_string()
                    aria-describedby="placeholders">{o.first_body.clone()}</textarea>
                <label for="reminder_subject">"Reminder: subject"</label>
                <input id="reminder_subject" name="reminder_subject" type="text" maxlength="200"
                    node_ref=reminder_subject value=o.reminder_subject.clone()
                    aria-invalid=move || invalid("reminder_subject")().to_string()/>
                <label for="reminder_body">"Reminder"</label>
                <textarea id="reminder_body" name="reminder_body" rows="6" maxlength="10000"
                    node_ref=reminder_body aria-invalid=move || invalid("reminder_body")().to_string()
                    aria-describedby="placeholders">{o.reminder_body.clone()}</textarea>
                <p id="placeholders" class="hint">
                    "Placeholders: "
                    {o.placeholders.iter().map(|(name, meaning)| view! {
                        <code title=meaning.clone()>{name.clone()}</code>" "
                    }).collect_view()}
                    "(each message must contain {link})."
                </p>
                <div class="actions">
                    <button type="submit" class="primary" disabled=move || save.pending().get()>
                        {move || if save.pending().get() { "Saving…" } else { "Save messages" }}
                    </button>
                    <button type="button" on:click=show_preview disabled=move || preview.pending().get()>
                        "Preview"
                    </button>
                </div>
            </ActionForm>
            {move || save.value().get().map(|r| match r {
                Ok(Ok(m)) => view! { <p class="notice success" role="status">{m}</p> }.into_any(),
                Ok(Err(refusal)) => view! { <p class="notice error" role="alert">{refusal.message}</p> }.into_any(),
                Err(e) => view! { <p class="notice error" role="alert">{e.to_string()}</p> }.into_any(),
            })}
            {move || preview.value().get().map(|r| match r {
                Ok(Ok(p)) => view! {
                    <div class="message-preview" data-testid="message-preview">
                        <p class="hint">{format!("As {} would read them:", p.row)}</p>
                        <article class="preview-message">
                            <h3>{p.first_subject}</h3>
                            <pre>{p.first_body}</pre>
                        </article>
                        <article class="preview-message">
                            <h3>{p.reminder_subject}</h3>
                            <pre>{p.reminder_body}</pre>
                        </article>
                    </div>
                }.into_any(),
                Ok(Err(refusal)) => view! { <p class="notice error" role="alert">{refusal.message}</p> }.into_any(),
                Err(e) => view! { <p class="notice error" role="alert">{e.to_string()}</p> }.into_any(),
            })}
        </section>
        }
    };
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match outreach.await {
                    Ok(None) => ().into_any(),
                    Ok(Some(o)) => body(o).into_any(),
                    Err(e) => view! { <p class="notice error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}
