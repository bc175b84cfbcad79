//! `/welcome/{token}`: a one-time sign-in link. Opening it shows whose it is and asks for a
//! password; only choosing one uses the link up (so a mail scanner that fetches it does not).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::members_api::{sign_in_link_info, LinkPage, UseSignInLink};

#[component]
pub fn WelcomePage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let info = Resource::new(token, sign_in_link_info);
    let use_link = ServerAction::<UseSignInLink>::new();
    let error = move || {
        use_link
            .value()
            .get()
            .and_then(|r| r.err())
            .map(|e| e.to_string())
    };
    view! {
        <Title text="Choose your password"/>
        <main class="auth-page">
            <section class="card auth-card">
                <Suspense fallback=|| view! { <p class="muted">"Checking the link…"</p> }>
                    {move || Suspend::new(async move {
                        match info.await {
                            Ok(LinkPage::Valid { email, organization }) => view! {
                                <h1>"Choose your password"</h1>
                                <p class="muted">{format!("For {email} in {organization}.")}</p>
                                <ActionForm action=use_link>
                                    <input type="hidden" name="token" value=token()/>
                                    <input type="email" name="username" value=email hidden autocomplete="username"/>
                                    <label for="password">"New password"</label>
                                    <input id="password" type="password" name="password" autocomplete="new-password"
                                        minlength="10" maxlength="1024" required autofocus aria-describedby="password-help"/>
                                    <p id="password-help" class="muted small">"At least 10 characters."</p>
                                    <label for="confirm">"New password again"</label>
                                    <input id="confirm" type="password" name="confirm" autocomplete="new-password" required/>
                                    {move || error().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                                    <button type="submit" class="primary" disabled=move || use_link.pending().get()>
                                        "Save password and sign in"
                                    </button>
                                </ActionForm>
                            }
                            .into_any(),
                            Ok(LinkPage::Unusable) => view! {
                                <h1>"This link can't be used"</h1>
                                <p>
                                    "It has been used already or has expired. Ask an admin of your "
                                    "organization for a new one, or " <a href="/login">"sign in"</a> "."
                                </p>
                            }
                            .into_any(),
                            Err(e) => view! { <p class="notice error" role="alert">{e.to_string()}</p> }.into_any(),
                        }
                    })}
                </Suspense>
            </section>
        </main>
    }
}
