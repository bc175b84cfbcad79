use leptos::prelude::*;
use leptos_meta::Title;

use crate::auth::Login;

#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let error = move || {
        login
            .value()
            .get()
            .and_then(|r| r.err())
            .map(|e| e.to_string())
    };

    view! {
        <Title text="Sign in"/>
        <main class="auth-page">
            <section class="card auth-card">
                <h1>"Sign in"</h1>
                <p class="muted">"CreatorIQ Cover: insurance for the creators on your CreatorIQ campaigns."</p>
                <ActionForm action=login>
                    <label for="email">"Email"</label>
                    <input id="email" type="email" name="email" autocomplete="username" required autofocus/>
                    <label for="password">"Password"</label>
                    <input id="password" type="password" name="password" autocomplete="current-password" required/>
                    {move || error().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                    <button type="submit" class="primary" disabled=move || login.pending().get()>
                        {move || if login.pending().get() { "Signing in…" } else { "Sign in" }}
                    </button>
                </ActionForm>
            </section>
        </main>
    }
}
