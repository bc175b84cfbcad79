//! Pages that keep themselves current. The signed-in frame opens one `EventSource` on
//! `/events` per tab; each change event names topics ([`LiveTopic`]) and bumps their
//! versions. A page puts the versions it shows into its resources' sources, so it reads its
//! data again in place (under `Transition`, keeping filters, selection and scroll), and the
//! frame shows "Updated just now". The browser reconnects a dropped stream by itself; the page
//! then reads everything, as changes may have passed meanwhile.

use leptos::prelude::*;
use vocabulary::LiveTopic;

/// The versions of each topic this tab has been told of, and how the stream stands.
#[derive(Clone, Copy)]
pub struct Live {
    versions: [RwSignal<u64>; LiveTopic::ALL.len()],
    pub state: RwSignal<LiveState>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LiveState {
    /// Not connected yet (and always, on the server).
    Waiting,
    Connected,
    /// Just read changes again.
    Updated,
    /// The stream dropped; the browser is reconnecting.
    Reconnecting,
}

impl Live {
    fn new() -> Live {
        Live {
            versions: std::array::from_fn(|_| RwSignal::new(0)),
            state: RwSignal::new(LiveState::Waiting),
        }
    }

    fn index(topic: LiveTopic) -> usize {
        LiveTopic::ALL
            .iter()
            .position(|t| *t == topic)
            .unwrap_or_default()
    }

    /// The topic's version (tracked): a resource whose source reads it reads again on change.
    pub fn version(&self, topic: LiveTopic) -> u64 {
        self.versions[Self::index(topic)].get()
    }

    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    fn bump(&self, topic: LiveTopic) {
        self.versions[Self::index(topic)].update(|v| *v += 1);
    }
}

/// The tab's live versions; pages outside the signed-in frame get versions that never move.
pub fn use_live() -> Live {
    use_context::<Live>().unwrap_or_else(Live::new)
}

/// Provides the versions for the signed-in frame and, in the browser, follows `/events`.
pub fn provide_live() -> Live {
    let live = Live::new();
    provide_context(live);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| browser::follow(live));
    live
}

/// The frame's cue: "Live", "Updated just now", "Reconnecting…".
#[component]
pub fn LiveCue() -> impl IntoView {
    let live = use_live();
    let text = move || match live.state.get() {
        LiveState::Waiting => "",
        LiveState::Connected => "Live",
        LiveState::Updated => "Updated just now",
        LiveState::Reconnecting => "Reconnecting…",
    };
    let class = move || match live.state.get() {
        LiveState::Reconnecting => "live-cue off",
        LiveState::Updated => "live-cue fresh",
        _ => "live-cue",
    };
    view! {
        <span class=class role="status" title="This page updates itself when the data changes">
            {text}
        </span>
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use super::*;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;

    /// How long "Updated just now" stays before the cue reads "Live" again.
    const FRESH_MS: i32 = 8_000;

    thread_local! {
        /// The tab's stream, closed on sign-out (and before the frame opens another).
        static STREAM: std::cell::RefCell<Option<web_sys::EventSource>> =
            const { std::cell::RefCell::new(None) };
    }

    pub(super) fn close() {
        if let Some(source) = STREAM.with(|s| s.borrow_mut().take()) {
            source.close();
        }
    }

    pub(super) fn follow(live: Live) {
        close();
        let Ok(source) = web_sys::EventSource::new("/events") else {
            return;
        };
        let on_open = Closure::<dyn FnMut()>::new(move || {
            if live.state.get_untracked() == LiveState::Reconnecting {
                // Changes may have passed while the stream was down.
                for topic in LiveTopic::ALL {
                    live.bump(topic);
                }
            }
            live.state.set(LiveState::Connected);
        });
        let on_change = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
            move |event: web_sys::MessageEvent| {
                let data = event.data().as_string().unwrap_or_default();
                for topic in data.split_whitespace().filter_map(LiveTopic::parse) {
                    live.bump(topic);
                }
                live.state.set(LiveState::Updated);
                let back = Closure::once_into_js(move || {
                    if live.state.get_untracked() == LiveState::Updated {
                        live.state.set(LiveState::Connected);
                    }
                });
                if let Some(window) = web_sys::window() {
                    let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
                        back.unchecked_ref(),
                        FRESH_MS,
                    );
                }
            },
        );
        let on_error = Closure::<dyn FnMut()>::new(move || {
            live.state.set(LiveState::Reconnecting);
        });
        // The session ended (signed out, here or in another tab): stop, and let the next
        // navigation meet the sign-in page.
        let closing = source.clone();
        let on_signed_out = Closure::<dyn FnMut()>::new(move || {
            closing.close();
            live.state.set(LiveState::Waiting);
        });
        source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        let _ =
            source.add_event_listener_with_callback("change", on_change.as_ref().unchecked_ref());
        let _ = source
            .add_event_listener_with_callback("signed-out", on_signed_out.as_ref().unchecked_ref());
        // The stream lives as long as the tab: the closures with it.
        on_open.forget();
        on_change.forget();
        on_error.forget();
        on_signed_out.forget();
        STREAM.with(|s| *s.borrow_mut() = Some(source));
    }
}

/// Closes the tab's stream (before signing out).
pub fn close_stream() {
    #[cfg(feature = "hydrate")]
    browser::close();
}
