//! The dashboard's pages, components and server functions. Rendered on the server and hydrated
//! in the browser; everything server-only sits behind the `ssr` feature.

// The release build's layout computation of the contractors table's view type nests deeper
// than the default limit of 128.
#![recursion_limit = "256"]

pub mod alerts_api;
pub mod apply_api;
pub mod audit_api;
pub mod auth;
mod components;
pub mod contractors_api;
pub mod error;
pub mod invoices_api;
mod layout;
pub mod live;
pub mod members_api;
pub mod outreach_api;
pub mod overview_api;
mod pages;
pub mod runs_api;
pub mod settings_api;
#[cfg(feature = "ssr")]
pub mod ssr;
#[cfg(feature = "ssr")]
pub mod throttle;
pub mod webhooks_api;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::path;
use leptos_router::SsrMode;

/// The stylesheet's address: its content-hashed name when the site was built with them
/// (`hash.txt`, `css: <hash>`), read once.
fn stylesheet_href(options: &LeptosOptions) -> &'static str {
    static HREF: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HREF.get_or_init(|| {
        let hash = options
            .hash_files
            .then(|| std::fs::read_to_string(options.hash_file.as_ref()).ok())
            .flatten()
            .and_then(|text| {
                text.lines()
                    .find_map(|l| l.strip_prefix("css:").map(|h| h.trim().to_string()))
            });
        match hash {
            Some(h) => format!("/{}/{}.{h}.css", options.site_pkg_dir, options.output_name),
            None => format!("/{}/{}.css", options.site_pkg_dir, options.output_name),
        }
    })
}

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    document(options, App)
}

/// The document of a creator's application page: hydrated by the small `apply` bundle, which
/// holds that page alone ([`ApplyApp`]), when the site was built with one.
pub fn apply_shell(options: LeptosOptions) -> impl IntoView {
    document(options, ApplyApp)
}

fn document<V: IntoView + 'static>(options: LeptosOptions, app: fn() -> V) -> impl IntoView {
    let stylesheet = stylesheet_href(&options);
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="stylesheet" href=stylesheet/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>{app()}</body>
        </html>
    }
}

/// Lets the browser tests (and anyone curious) know when the page became interactive.
fn mark_hydrated() {
    Effect::new(|_| {
        if let Some(body) = leptos::prelude::document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
}

/// The creator's application page on its own: what the `apply` bundle hydrates, so a creator's
/// phone downloads that page's code and not the dashboard's.
#[component]
pub fn ApplyApp() -> impl IntoView {
    provide_meta_context();
    mark_hydrated();
    view! {
        <Title formatter=|page: String| format!("{page} · CreatorIQ Cover")/>
        <Router>
            <Routes fallback=pages::NotFound>
                <Route path=path!("/apply/:token") view=pages::apply::ApplyPage ssr=SsrMode::Async/>
            </Routes>
        </Router>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    mark_hydrated();

    view! {
        <Title formatter=|page: String| format!("{page} · CreatorIQ Cover")/>
        <Router>
            <Routes fallback=pages::NotFound>
                <Route path=path!("/login") view=pages::login::LoginPage/>
                <Route path=path!("/apply/:token") view=pages::apply::ApplyPage ssr=SsrMode::Async/>
                <Route path=path!("/welcome/:token") view=pages::welcome::WelcomePage ssr=SsrMode::Async/>
                <ParentRoute path=path!("") view=layout::Shell>
                    // Async: the whole page (and its status code) is rendered before it is sent,
                    // so it reads complete without the wasm.
                    <Route path=path!("") view=pages::overview::OverviewPage ssr=SsrMode::Async/>
                    <Route path=path!("/contractors") view=pages::contractors::ContractorsPage ssr=SsrMode::Async/>
                    <Route path=path!("/contractors/:id") view=pages::contractor_detail::ContractorDetailPage ssr=SsrMode::Async/>
                    <Route path=path!("/sync-runs") view=pages::sync_runs::SyncRunsPage/>
                    <Route path=path!("/sync-runs/:id") view=pages::sync_run_detail::SyncRunDetailPage ssr=SsrMode::Async/>
                    <Route path=path!("/settings") view=pages::settings::SettingsPage/>
                    <Route path=path!("/webhooks") view=pages::webhooks::WebhooksPage/>
                    <Route path=path!("/members") view=pages::members::MembersPage/>
                    <Route path=path!("/audit") view=pages::audit::AuditPage/>
                    <Route path=path!("/invoices") view=pages::invoices::InvoicesPage/>
                    <Route path=path!("/account") view=pages::account::AccountPage/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}
