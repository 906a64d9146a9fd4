//! The filter bars of the list pages: a GET form whose fields are the URL's
//! query, so a copied link restores the view and it works without JavaScript.

use super::form::{Choice, ChoiceOptions, Field};
use crate::i18n::*;
use leptos::prelude::*;
use leptos_router::{components::Form, hooks::use_query_map};

/// The URL query's value of a name, if it has one.
pub type QueryValue<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The page's filter as the URL's query names it (`parse` reads it), following the URL.
pub fn use_query_filter<F>(parse: fn(QueryValue<'_>) -> F) -> Memo<F>
where
    F: PartialEq + Send + Sync + 'static,
{
    let query = use_query_map();
    Memo::new(move |_| {
        let query = query.read();
        parse(&|name| query.get(name))
    })
}

/// A filter bar's form, sent to the page `action`: the fields (`children`),
/// then Apply and Reset (the page without a query).
#[component]
pub fn FilterForm(action: &'static str, children: Children) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Form action attr:class="filters__form">
            {children()}
            <div class="button-row filters__buttons">
                <button type="submit" class="button button--primary">{t!(i18n, securescore.apply)}</button>
                <a class="button button--subtle" href=action>{t!(i18n, securescore.reset)}</a>
            </div>
        </Form>
    }
}

/// A labelled `<select>` of a filter bar, sent as `name` (its id is
/// `filter-{name}`); the options are the children.
#[component]
pub fn FilterSelect(
    name: &'static str,
    label: impl IntoView + 'static,
    children: Children,
) -> impl IntoView {
    let id = format!("filter-{name}");
    view! {
        <Field id=id.clone() label>
            <select id=id name=name>{children()}</select>
        </Field>
    }
}

/// A filter's option for any value (the empty one).
#[component]
pub fn AnyOption(#[prop(optional)] selected: bool) -> impl IntoView {
    let i18n = use_i18n();
    view! { <option value="" selected=selected>{t!(i18n, securescore.any)}</option> }
}

/// A filter over `choices`, sent as `name`: Any first (unless `any` is
/// false), then an option for each choice. `selected` is the value chosen,
/// empty for any (in any casing with `ignore_case`).
#[component]
pub fn ChoiceFilter<C: Choice>(
    name: &'static str,
    label: impl IntoView + 'static,
    #[prop(into)] choices: Vec<C>,
    #[prop(into)] selected: String,
    #[prop(optional)] ignore_case: bool,
    #[prop(default = true)] any: bool,
) -> impl IntoView {
    let any = any.then(|| view! { <AnyOption selected=selected.is_empty() /> });
    view! {
        <FilterSelect name label>
            {any}
            <ChoiceOptions choices selected ignore_case />
        </FilterSelect>
    }
}

/// The value of a filter's `choice`, empty for any.
pub fn chosen<C: Choice>(choice: Option<C>) -> String {
    choice.map(|choice| choice.value()).unwrap_or_default()
}
