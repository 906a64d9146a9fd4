//! Form building blocks: a labelled field with its error paragraph, and the
//! `<option>`s of a `<select>` over a list of typed choices.

use super::{
    securescore::{self, category_label},
    tickets::{self, priority_label, source_label, type_label},
    user_slot::role_label,
};
use crate::{
    domain::{
        auth::Role,
        recommendation::{Category, Source},
        securescore::{ActionSort, ActionStatus},
        servicenow::TicketTable,
        tickets::{Priority, TicketSort},
    },
    i18n::*,
};
use leptos::prelude::*;
use leptos_i18n::I18nContext;

/// A labelled form field: `<div class="field">` with the label of the control
/// `id`, the control itself and any hint (`children`) and, when the field has
/// one, the error paragraph `{id}-error` (the control names it in its
/// `aria-describedby`).
#[component]
pub fn Field(
    /// The control's id.
    #[prop(into)]
    id: String,
    /// What the label says.
    label: impl IntoView + 'static,
    /// The field's error message, for a field with an error paragraph.
    #[prop(optional, into)]
    error: Option<Signal<Option<String>>>,
    /// A modifier class after `field` (`field--inline`).
    #[prop(optional)]
    modifier: Option<&'static str>,
    children: Children,
) -> impl IntoView {
    let class = modifier.map_or_else(
        || "field".to_owned(),
        |modifier| format!("field {modifier}"),
    );
    let error = error.map(|error| {
        view! { <p id=format!("{id}-error") class="field__error" role="alert">{error}</p> }
    });
    view! {
        <div class=class>
            <label for=id>{label}</label>
            {children()}
            {error}
        </div>
    }
}

/// A value a `<select>` offers: what the form sends and what the option says.
pub trait Choice: Clone + Send + Sync + 'static {
    /// The value the form sends.
    fn value(&self) -> String;
    /// The option's text, in the user's language.
    fn label(&self, i18n: I18nContext<Locale>) -> String;
}

/// Implements [`Choice`] for enums a form sends as their `as_str()`, each
/// named by its label function.
macro_rules! choices {
    ($($choice:ty => $label:path),* $(,)?) => {$(
        impl Choice for $choice {
            fn value(&self) -> String {
                self.as_str().to_owned()
            }

            fn label(&self, i18n: I18nContext<Locale>) -> String {
                $label(i18n, *self)
            }
        }
    )*};
}

choices! {
    ActionSort => securescore::sort_label,
    ActionStatus => securescore::status_label,
    Role => role_label,
    Source => source_label,
    TicketSort => tickets::sort_label,
    TicketTable => type_label,
}

/// Priorities go by number.
impl Choice for Priority {
    fn value(&self) -> String {
        Priority::value(*self).to_string()
    }

    fn label(&self, i18n: I18nContext<Locale>) -> String {
        priority_label(i18n, *self)
    }
}

impl Choice for Category {
    fn value(&self) -> String {
        self.as_str().to_owned()
    }

    fn label(&self, i18n: I18nContext<Locale>) -> String {
        category_label(i18n, self)
    }
}

/// Service names and the like, shown as they are.
impl Choice for String {
    fn value(&self) -> String {
        self.clone()
    }

    fn label(&self, _: I18nContext<Locale>) -> String {
        self.clone()
    }
}

/// An `<option>` for each of `choices`, the one whose value is `selected`
/// selected (in any casing with `ignore_case`).
#[component]
pub fn ChoiceOptions<C: Choice>(
    #[prop(into)] choices: Vec<C>,
    /// The chosen value; the options follow it when it changes.
    #[prop(into)]
    selected: Signal<String>,
    #[prop(optional)] ignore_case: bool,
) -> impl IntoView {
    let i18n = use_i18n();
    choices
        .into_iter()
        .map(|choice| {
            let value = choice.value();
            let chosen = value.clone();
            let is_selected = move || {
                selected.with(|selected| {
                    if ignore_case {
                        selected.eq_ignore_ascii_case(&chosen)
                    } else {
                        *selected == chosen
                    }
                })
            };
            view! { <option value=value selected=is_selected>{move || choice.label(i18n)}</option> }
        })
        .collect_view()
}
