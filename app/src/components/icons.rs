//! Inline SVG icons (24 × 24 outline, `currentColor`), decorative only:
//! every use sits next to a visible text label.

use leptos::prelude::*;

/// The icons of the product.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Glyph {
    /// The product mark: a shield.
    Shield,
    Home,
    /// Secure Score: a gauge.
    Score,
    Ticket,
    /// ServiceNow connection: a plug.
    Plug,
    /// People, for user administration.
    People,
    /// A checklist, for the audit log.
    Checklist,
    /// An empty inbox, for empty states.
    Inbox,
    /// A warning triangle, for errors.
    Warning,
}

/// The icon `glyph`; every icon shares size, stroke and `aria-hidden`.
#[component]
pub fn Icon(glyph: Glyph) -> impl IntoView {
    view! {
        <svg
            class="icon"
            viewBox="0 0 24 24"
            width="20"
            height="20"
            fill="none"
            stroke="currentColor"
            stroke-width="1.75"
            stroke-linecap="round"
            stroke-linejoin="round"
            aria-hidden="true"
            focusable="false"
        >
            {shapes(glyph)}
        </svg>
    }
}

/// What `glyph` draws.
fn shapes(glyph: Glyph) -> AnyView {
    match glyph {
        Glyph::Shield => view! { <path d="M12 3l7 3v5c0 4.5-3 8.3-7 10-4-1.7-7-5.5-7-10V6z" /><path d="M9 12l2 2 4-4" /> }.into_any(),
        Glyph::Home => view! { <path d="M4 11l8-7 8 7" /><path d="M6 10v10h12V10" /> }.into_any(),
        Glyph::Score => view! { <path d="M4 17a8 8 0 1 1 16 0" /><path d="M12 17l4-5" /> }.into_any(),
        Glyph::Ticket => view! { <path d="M4 7h16v3a2 2 0 0 0 0 4v3H4v-3a2 2 0 0 0 0-4z" /><path d="M14 7v10" stroke-dasharray="2 2" /> }.into_any(),
        Glyph::Plug => view! { <path d="M9 3v5M15 3v5" /><path d="M6 8h12v3a6 6 0 0 1-12 0z" /><path d="M12 17v4" /> }.into_any(),
        Glyph::People => view! { <circle cx="9" cy="8" r="3" /><path d="M3 20c0-3.3 2.7-6 6-6s6 2.7 6 6" /><path d="M16 5a3 3 0 0 1 0 6M21 20c0-2.6-1.7-4.9-4-5.7" /> }.into_any(),
        Glyph::Checklist => view! { <path d="M10 6h10M10 12h10M10 18h10" /><path d="M4 6l1.5 1.5L8 5M4 12l1.5 1.5L8 11M4 18l1.5 1.5L8 17" /> }.into_any(),
        Glyph::Inbox => view! { <path d="M3 13l3-8h12l3 8v6H3z" /><path d="M3 13h5l1 2h6l1-2h5" /> }.into_any(),
        Glyph::Warning => view! { <path d="M12 4l9 16H3z" /><path d="M12 10v4M12 17v.5" /> }.into_any(),
    }
}
