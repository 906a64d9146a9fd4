//! The share menu of an improvement action, as a menu button (WAI-ARIA
//! menu-button pattern): *Copy link*, *Email* and, when ServiceNow is
//! connected, *ServiceNow*. Arrow keys move between items, Escape closes
//! and returns to the button.

use super::clipboard::copy_to_clipboard;
use crate::i18n::*;
use leptos::{html, prelude::*};

/// How long the "Link copied" confirmation stays, in milliseconds.
const TOAST_MS: u64 = 3000;

/// The share button and its menu for the action `action_id`.
#[component]
pub fn ShareMenu(action_id: String, title: String, servicenow: bool) -> impl IntoView {
    let i18n = use_i18n();
    let open = RwSignal::new(false);
    let copied = RwSignal::new(false);
    let button = NodeRef::<html::Button>::new();
    let items: [NodeRef<html::Button>; 2] = [NodeRef::new(), NodeRef::new()];
    let servicenow_item = NodeRef::<html::A>::new();
    let menu_id = format!("share-menu-{action_id}");
    let path = format!("/securescore/actions/{action_id}");
    let share_path = format!("{path}?share=servicenow");

    let focus_item = move |index: usize| {
        let count = if servicenow { 3 } else { 2 };
        match index % count {
            0 | 1 => {
                if let Some(item) = items[index % count].get() {
                    let _ = item.focus();
                }
            }
            _ => {
                if let Some(item) = servicenow_item.get() {
                    let _ = item.focus();
                }
            }
        }
    };
    let close = move || {
        open.set(false);
        if let Some(button) = button.get() {
            let _ = button.focus();
        }
    };
    let on_button_key = move |event: leptos::ev::KeyboardEvent| {
        if matches!(event.key().as_str(), "ArrowDown" | "Enter" | " ") {
            event.prevent_default();
            open.set(true);
            request_animation_frame(move || focus_item(0));
        }
    };
    let on_menu_key = move |event: leptos::ev::KeyboardEvent| {
        let count = if servicenow { 3 } else { 2 };
        let current = current_index(&items, servicenow_item);
        match event.key().as_str() {
            "ArrowDown" => {
                event.prevent_default();
                focus_item(current.map_or(0, |i| i + 1));
            }
            "ArrowUp" => {
                event.prevent_default();
                focus_item(current.map_or(count - 1, |i| i + count - 1));
            }
            "Home" => focus_item(0),
            "End" => focus_item(count - 1),
            "Escape" => close(),
            "Tab" => open.set(false),
            _ => {}
        }
    };
    let link_path = path.clone();
    let copy_link = move |_| {
        copy_to_clipboard(&absolute(&link_path));
        copied.set(true);
        set_timeout(
            move || copied.set(false),
            std::time::Duration::from_millis(TOAST_MS),
        );
        close();
    };
    let mail_path = path.clone();
    let email = move |_| {
        let subject = t_string!(i18n, share.email_subject, title = title.clone()).to_string();
        open_mail(&subject, &absolute(&mail_path));
        close();
    };
    view! {
        <div class="share">
            <button node_ref=button type="button" class="button button--subtle share__button"
                aria-haspopup="menu" aria-expanded=move || open.get().to_string() aria-controls=menu_id.clone()
                on:click=move |_| open.update(|o| *o = !*o) on:keydown=on_button_key>
                {t!(i18n, share.button)}
            </button>
            <ul id=menu_id role="menu" class="share__menu" hidden=move || !open.get() on:keydown=on_menu_key>
                <li role="none"><button node_ref=items[0] type="button" role="menuitem" tabindex="-1" on:click=copy_link>{t!(i18n, share.copy_link)}</button></li>
                <li role="none"><button node_ref=items[1] type="button" role="menuitem" tabindex="-1" on:click=email>{t!(i18n, share.email)}</button></li>
                {servicenow.then(|| view! {
                    <li role="none"><a node_ref=servicenow_item role="menuitem" tabindex="-1" href=share_path>{t!(i18n, share.servicenow)}</a></li>
                })}
            </ul>
            <span class="share__toast" role="status">{move || copied.get().then(|| t_string!(i18n, share.copied).to_string())}</span>
        </div>
    }
}

/// Which item has focus, if any.
fn current_index(
    items: &[NodeRef<html::Button>; 2],
    servicenow: NodeRef<html::A>,
) -> Option<usize> {
    let active = document().active_element()?;
    items
        .iter()
        .position(|item| {
            item.get()
                .is_some_and(|item| item.is_same_node(Some(&active)))
        })
        .or_else(|| {
            servicenow
                .get()
                .is_some_and(|item| item.is_same_node(Some(&active)))
                .then_some(2)
        })
}

/// `path` as an absolute link on this site.
fn absolute(path: &str) -> String {
    let origin = window().location().origin().unwrap_or_default();
    format!("{origin}{path}")
}

/// Opens the mail program with a message about `link`.
fn open_mail(subject: &str, link: &str) {
    let encode = |text: &str| -> String {
        form_urlencoded::byte_serialize(text.as_bytes())
            .collect::<String>()
            .replace('+', "%20")
    };
    let mailto = format!("mailto:?subject={}&body={}", encode(subject), encode(link));
    let _ = window().location().set_href(&mailto);
}
