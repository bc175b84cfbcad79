use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn SyncRunsPage() -> impl IntoView {
    view! {
        <Title text="Sync runs"/>
        <h1>"Sync runs"</h1>
        <section class="empty-state card">
            <h2>"No sync runs yet"</h2>
            <p>"Every sync with CreatorIQ is listed here with its counts, requests and errors."</p>
        </section>
    }
}
