//! The data tables of the list pages.

use leptos::{either::Either, prelude::*};

/// A column of a [`Table`]: what its header says, and whether the header is
/// aligned like numbers.
pub struct Column {
    label: AnyView,
    numeric: bool,
}

impl Column {
    /// A column headed `label`.
    pub fn new(label: impl IntoView + 'static) -> Self {
        Self {
            label: label.into_any(),
            numeric: false,
        }
    }

    /// A column of numbers headed `label`.
    pub fn numeric(label: impl IntoView + 'static) -> Self {
        Self {
            label: label.into_any(),
            numeric: true,
        }
    }
}

/// A table that scrolls sideways on narrow screens: a header row of
/// `columns`, then the rows (`children`).
#[component]
pub fn Table(
    /// The table's own class, beside `data-table`.
    class: &'static str,
    #[prop(optional)] testid: Option<&'static str>,
    columns: Vec<Column>,
    children: Children,
) -> impl IntoView {
    let headers = columns
        .into_iter()
        .map(|Column { label, numeric }| {
            if numeric {
                Either::Left(view! { <th scope="col" class="numeric">{label}</th> })
            } else {
                Either::Right(view! { <th scope="col">{label}</th> })
            }
        })
        .collect_view();
    view! {
        <div class="table-scroll">
            <table class=format!("data-table {class}") data-testid=testid>
                <thead>
                    <tr>{headers}</tr>
                </thead>
                <tbody>{children()}</tbody>
            </table>
        </div>
    }
}
