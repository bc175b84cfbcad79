//! The signed-in frame: navigation, who is signed in, sign-out.

use leptos::prelude::*;
use leptos_router::components::{Outlet, A};

use crate::auth::{me, Logout};

#[component]
pub fn Shell() -> impl IntoView {
    let member = Resource::new(|| (), |_| me());
    let logout = ServerAction::<Logout>::new();
    crate::live::provide_live();

    view! {
        // The router would treat the fragment as a navigation; the focus moves itself.
        <a class="skip-link" href="#main" on:click=|ev| {
            ev.prevent_default();
            if let Some(main) = document().get_element_by_id("main") {
                use leptos::wasm_bindgen::JsCast;
                if let Some(main) = main.dyn_ref::<leptos::web_sys::HtmlElement>() {
                    let _ = main.focus();
                }
            }
        }>"Skip to content"</a>
        <header class="topbar">
            <a class="brand" href="/">"CreatorIQ Cover"</a>
            <nav aria-label="Main">
                <A href="/" exact=true>"Overview"</A>
                <A href="/contractors">"Contractors"</A>
                <A href="/sync-runs">"Sync runs"</A>
                <A href="/webhooks">"Webhooks"</A>
                <A href="/settings">"Settings"</A>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        member.await.ok().filter(|m| m.is_admin).map(|_| view! {
                            <A href="/members">"Members"</A>
                            <A href="/invoices">"Invoices"</A>
                            <A href="/audit">"Audit log"</A>
                        })
                    })}
                </Suspense>
            </nav>
            <div class="who">
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        member.await.ok().map(|m| view! {
                            <span class="org">{m.organization}</span>
                            <a class="email" href="/account" title="Your account">{m.email}</a>
                        })
                    })}
                </Suspense>
                <crate::live::LiveCue/>
                <ActionForm
                    action=logout
                    attr:class="inline"
                    on:submit=|_| crate::live::close_stream()
                >
                    <button type="submit" class="link">"Sign out"</button>
                </ActionForm>
            </div>
        </header>
        <main class="page" id="main" tabindex="-1">
            <Outlet/>
        </main>
    }
}
