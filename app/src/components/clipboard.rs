//! Writing to the clipboard from the browser.

/// Puts `text` on the clipboard; the caller shows the confirmation. Only
/// ever called from event handlers, so only in the browser.
#[cfg(feature = "hydrate")]
pub fn copy_to_clipboard(text: &str) {
    // The promise settles on its own; nothing waits for it.
    let _ = leptos::prelude::window()
        .navigator()
        .clipboard()
        .write_text(text);
}

/// On the server there is no clipboard (and no events to call this).
#[cfg(not(feature = "hydrate"))]
pub fn copy_to_clipboard(_text: &str) {}
