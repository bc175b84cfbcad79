//! Your account: change your own password (the current one is required); your other sessions
//! are signed out.

use leptos::prelude::*;
use leptos_meta::Title;

use super::settings::outcome;
use crate::members_api::ChangePassword;

#[component]
pub fn AccountPage() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let form = NodeRef::<leptos::html::Form>::new();
    // Typed passwords never stay in the page once the server has answered.
    Effect::watch(
        move || change.version().get(),
        move |_, _, _| {
            if let Some(form) = form.get_untracked() {
                form.reset();
            }
        },
        false,
    );
    view! {
        <Title text="Your account"/>
        <h1>"Your account"</h1>
        <section class="card narrow-card" aria-labelledby="change-password">
            <h2 id="change-password">"Change your password"</h2>
            <ActionForm action=change node_ref=form>
                <label for="current">"Current password"</label>
                <input id="current" type="password" name="current" autocomplete="current-password" required/>
                <label for="password">"New password"</label>
                <input id="password" type="password" name="password" autocomplete="new-password"
                    minlength="10" maxlength="1024" required aria-describedby="password-help"/>
                <p id="password-help" class="muted small">"At least 10 characters."</p>
                <label for="confirm">"New password again"</label>
                <input id="confirm" type="password" name="confirm" autocomplete="new-password" required/>
                <button type="submit" class="primary" disabled=move || change.pending().get()>
                    {move || if change.pending().get() { "Changing…" } else { "Change password" }}
                </button>
            </ActionForm>
            {move || outcome(change.value().get(), |m| m)}
        </section>
    }
}
