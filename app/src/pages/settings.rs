use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn SettingsPage() -> impl IntoView {
    view! {
        <Title text="Settings"/>
        <h1>"Organization settings"</h1>
        <section class="card">
            <h2>"CreatorIQ connection"</h2>
            <p class="muted">"No CreatorIQ API key is stored yet."</p>
        </section>
    }
}
