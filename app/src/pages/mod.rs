pub mod account;
pub mod apply;
pub mod audit;
pub mod contractor_detail;
pub mod contractors;
pub mod invoices;
pub mod login;
pub mod members;
pub mod messages_settings;
pub mod overview;
pub mod settings;
pub mod sync_run_detail;
pub mod sync_runs;
pub mod webhooks;
pub mod welcome;

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
            resp.set_status(http::StatusCode::NOT_FOUND);
        }
    }
    view! {
        <Title text="Not found"/>
        <main class="page narrow">
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address. " <a href="/contractors">"Go to Contractors"</a></p>
        </main>
    }
}
