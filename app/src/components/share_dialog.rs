//! The share dialog: a modal over the action's page that sends the action to
//! ServiceNow. Opened by `?share=servicenow` (from the share menu, a link, or
//! a cold server-rendered load); Esc and the close button leave it; Tab stays
//! inside it while it is open.

use super::ticket_form::TicketForm;
use crate::{
    components::tickets::ticket_error_text,
    domain::tickets::{ShareForm, TicketError},
    i18n::*,
};
use leptos::{html, prelude::*};
use leptos_router::hooks::use_navigate;

/// What Tab may land on inside the dialog.
const FOCUSABLE: &str = "a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled])";

/// The share dialog with `form` (or why it could not be loaded) over the page `page_path`.
#[component]
pub fn ShareDialog(form: Result<ShareForm, TicketError>, page_path: String) -> impl IntoView {
    let i18n = use_i18n();
    let dialog = NodeRef::<html::Div>::new();
    let navigate = use_navigate();
    let close = Callback::new(move |()| {
        navigate(
            &page_path,
            leptos_router::NavigateOptions {
                replace: true,
                scroll: false,
                ..Default::default()
            },
        );
    });
    // Esc closes wherever focus is (after sending, the form it was in is gone).
    let escape = window_event_listener(leptos::ev::keydown, move |event| {
        if event.key() == "Escape" {
            event.prevent_default();
            close.run(());
        }
    });
    on_cleanup(move || escape.remove());
    let on_key = move |event: leptos::ev::KeyboardEvent| {
        if event.key() == "Tab" {
            keep_focus_inside(dialog, &event);
        }
    };
    view! {
        <div class="modal-backdrop">
            <div class="modal" role="dialog" aria-modal="true" aria-labelledby="share-dialog-title"
                node_ref=dialog on:keydown=on_key data-testid="share-dialog">
                <div class="modal__header">
                    <h2 id="share-dialog-title" class="section__title">{t!(i18n, share_dialog.title)}</h2>
                    <button type="button" class="button button--subtle modal__close"
                        aria-label=move || t_string!(i18n, share_dialog.close).to_string()
                        on:click=move |_| close.run(())>"×"</button>
                </div>
                {match form {
                    Ok(form) => view! { <TicketForm form on_cancel=close /> }.into_any(),
                    Err(error) => view! {
                        <p class="field__error" role="alert">{move || ticket_error_text(i18n, &error)}</p>
                    }.into_any(),
                }}
            </div>
        </div>
    }
}

/// Wraps Tab from the last focusable element to the first, and Shift+Tab
/// from the first to the last.
fn keep_focus_inside(dialog: NodeRef<html::Div>, event: &leptos::ev::KeyboardEvent) {
    use leptos::wasm_bindgen::JsCast;
    let Some(dialog) = dialog.get() else {
        return;
    };
    let Ok(found) = dialog.query_selector_all(FOCUSABLE) else {
        return;
    };
    let focusable: Vec<leptos::web_sys::HtmlElement> = (0..found.length())
        .filter_map(|index| found.item(index))
        .filter_map(|node| node.dyn_into().ok())
        .collect();
    let (Some(first), Some(last)) = (focusable.first(), focusable.last()) else {
        return;
    };
    let active = document().active_element();
    let at = |element: &leptos::web_sys::HtmlElement| {
        active
            .as_ref()
            .is_some_and(|active| element.is_same_node(Some(active)))
    };
    if event.shift_key() && at(first) {
        event.prevent_default();
        let _ = last.focus();
    } else if !event.shift_key() && at(last) {
        event.prevent_default();
        let _ = first.focus();
    }
}
