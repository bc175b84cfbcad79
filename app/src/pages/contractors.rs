use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn ContractorsPage() -> impl IntoView {
    view! {
        <Title text="Contractors"/>
        <h1>"Contractors"</h1>
        <section class="empty-state card">
            <h2>"No contractors yet"</h2>
            <p>
                "Contractors appear here once your CreatorIQ account is connected and synced. "
                "Each creator accepted onto a campaign becomes one row, with the insurance "
                "application link to send them or a list of what to fix in CreatorIQ."
            </p>
            <ol>
                <li>"Ask your CreatorIQ representative for an API key."</li>
                <li><a href="/settings">"Settings"</a>": paste the key, then Save."</li>
                <li>"Come back here and choose Sync now."</li>
            </ol>
            <details>
                <summary>"The order of steps in CreatorIQ that makes a creator ready to sync"</summary>
                <ol>
                    <li>"Create the campaign, with a start date in the future."</li>
                    <li>"Add the creator."</li>
                    <li>"Add the creator's contact information (address, with a US state)."</li>
                    <li>"Add the creator's payment amount."</li>
                    <li>"Fill in the creator attributes (Base Pay, Work State, Agency Pay…)."</li>
                    <li>"Move the creator to Accepted."</li>
                </ol>
            </details>
        </section>
    }
}
