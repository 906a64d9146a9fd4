//! The ticket form of the share dialog and of `/tickets/new`: the fields,
//! the read-only facts, validation before anything is sent (the same rules
//! the server applies), each error next to its field, and what sending did.

use super::{
    securescore::category_label,
    tickets::{TicketBadge, field_problem_text, source_label, ticket_error_text},
};
use crate::{
    api::{
        ApiError,
        tickets::{ShareTicket, load_ticket},
    },
    components::{
        form::{Choice, ChoiceOptions, Field},
        outcome::{failure, success},
    },
    domain::{
        recommendation::Category,
        servicenow::{ConnectionState, TicketTable},
        tickets::{
            DESCRIPTION_MAX, Delivery, DraftProblems, FieldProblem, NAME_MAX, Priority, ShareForm,
            Ticket, TicketDraft, TicketRefusal, date_text,
        },
    },
    i18n::*,
};
use leptos::{html, prelude::*};

/// How often a queued ticket is looked at again.
const QUEUED_POLL_MS: u64 = 2_000;

/// Today's date in UTC, the day validation compares due dates with.
fn today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}

/// The form's fields, as typed.
#[derive(Clone, Copy)]
struct Fields {
    ticket_type: RwSignal<String>,
    name: RwSignal<String>,
    description: RwSignal<String>,
    priority: RwSignal<String>,
    due_date: RwSignal<String>,
    category: RwSignal<String>,
}

impl Fields {
    fn new(draft: &TicketDraft) -> Self {
        Self {
            ticket_type: RwSignal::new(draft.ticket_type.clone()),
            name: RwSignal::new(draft.name.clone()),
            description: RwSignal::new(draft.description.clone()),
            priority: RwSignal::new(draft.priority.clone()),
            due_date: RwSignal::new(draft.due_date.clone()),
            category: RwSignal::new(draft.category.clone()),
        }
    }

    fn draft(self, action_id: Option<String>, request_key: String) -> TicketDraft {
        TicketDraft {
            ticket_type: self.ticket_type.get_untracked(),
            name: self.name.get_untracked(),
            description: self.description.get_untracked(),
            priority: self.priority.get_untracked(),
            due_date: self.due_date.get_untracked(),
            action_id,
            category: self.category.get_untracked(),
            request_key,
        }
    }
}

/// The ticket form for `form`; `on_cancel` closes it (the dialog) when given.
#[component]
pub fn TicketForm(
    form: ShareForm,
    #[prop(optional, into)] on_cancel: Option<Callback<()>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let fields = Fields::new(&form.draft);
    let problems = RwSignal::new(DraftProblems::default());
    let send = ServerAction::<ShareTicket>::new();
    let first_field = NodeRef::<html::Select>::new();
    let action_id = form.draft.action_id.clone();
    let request_key = form.draft.request_key.clone();
    let open_tickets = StoredValue::new(form.open_tickets.clone());
    let user_recommendation = form.category.is_none();
    // The open ticket of the chosen type, which sharing again offers instead.
    let open_of_type = move || {
        let chosen = TicketTable::parse(&fields.ticket_type.get());
        open_tickets.with_value(|open| open.iter().any(|t| Some(t.ticket_type) == chosen))
    };
    let connected = form.connection != ConnectionState::NotConfigured
        && form.connection != ConnectionState::AwaitingAuthorization;

    // Server-side refusals land next to their fields too.
    Effect::new(move || {
        if let Some(ApiError::Refused(TicketRefusal::Invalid(found))) = failure(send) {
            problems.set(found);
        }
    });
    // After the next frame: reached by a client-side navigation, the field
    // exists before it is in the document, where focus cannot reach it.
    Effect::new(move || {
        if let Some(select) = first_field.get() {
            request_animation_frame(move || {
                let _ = select.focus();
            });
        }
    });

    let on_submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let draft = fields.draft(action_id.clone(), request_key.clone());
        match draft.validate(today()) {
            Ok(_) => {
                problems.set(DraftProblems::default());
                send.dispatch(ShareTicket { draft });
            }
            Err(found) => {
                problems.set(found);
                focus_first_invalid();
            }
        }
    };
    let problem_of = move |pick: fn(&DraftProblems) -> Option<FieldProblem>| {
        move || {
            problems
                .with(pick)
                .map(|problem| field_problem_text(i18n, problem))
        }
    };
    let invalid = move |pick: fn(&DraftProblems) -> Option<FieldProblem>| {
        move || problems.with(|p| pick(p).is_some()).to_string()
    };
    let sent = move || success(send);
    let send_error = move || {
        failure(send)
            .filter(|error| !matches!(error, ApiError::Refused(TicketRefusal::Invalid(_))))
            .map(|error| ticket_error_text(i18n, &error))
    };
    let min_date = date_text(today());
    let category_fact = form.category.clone();
    let source = form.source;
    let initiator = form.initiator.clone();
    let cancel = move |_| {
        if let Some(cancel) = on_cancel {
            cancel.run(());
        }
    };

    view! {
        {move || sent().map(|outcome| view! { <SendOutcome outcome /> })}
        <div hidden=move || sent().is_some()>
            {(!connected).then(|| view! {
                <p class="notice notice--warning" role="status">{t!(i18n, share_dialog.not_connected)}</p>
            })}
            <form class="ticket-form" novalidate on:submit=on_submit data-testid="ticket-form">
                <dl class="facts ticket-form__facts">
                    <dt>{t!(i18n, share_dialog.source)}</dt>
                    <dd data-testid="fact-source">{move || source_label(i18n, source)}</dd>
                    {category_fact.clone().map(|category| view! {
                        <dt>{t!(i18n, share_dialog.category)}</dt>
                        <dd data-testid="fact-category">{move || category_label(i18n, &category)}</dd>
                    })}
                    <dt>{t!(i18n, share_dialog.initiator)}</dt>
                    <dd data-testid="fact-initiator">{initiator.clone()}</dd>
                </dl>
                <Field id="ticket-type" label=t!(i18n, share_dialog.ticket_type) error=problem_of(|p| p.ticket_type)>
                    <DraftSelect id="ticket-type" name="ticket_type" node_ref=first_field
                        value=fields.ticket_type choices=TicketTable::ALL invalid=invalid(|p| p.ticket_type) />
                </Field>
                {form.open_tickets.clone().into_iter().map(|ticket| {
                    let table = ticket.ticket_type.as_str();
                    view! {
                        <div class="notice notice--info" role="status" data-testid="open-ticket"
                            hidden=move || fields.ticket_type.get() != table>
                            <p>{t!(i18n, share_dialog.open_ticket)}</p>
                            <TicketBadge ticket />
                        </div>
                    }
                }).collect_view()}
                <Field id="ticket-name" label=t!(i18n, share_dialog.name) error=problem_of(|p| p.name)>
                    <DraftInput id="ticket-name" name="name" kind="text" maxlength=NAME_MAX
                        value=fields.name invalid=invalid(|p| p.name) />
                </Field>
                <Field id="ticket-description" label=t!(i18n, share_dialog.description) error=problem_of(|p| p.description)>
                    <textarea id="ticket-description" name="description" rows="8" required
                        aria-invalid=invalid(|p| p.description) aria-describedby="ticket-description-error ticket-description-hint"
                        prop:value=move || fields.description.get()
                        on:input=move |ev| fields.description.set(event_target_value(&ev))>
                    </textarea>
                    <p id="ticket-description-hint" class="field__hint">
                        {move || t_string!(i18n, share_dialog.description_hint, max = DESCRIPTION_MAX).to_string()}
                    </p>
                </Field>
                <div class="field-row">
                    <Field id="ticket-priority" label=t!(i18n, share_dialog.priority) error=problem_of(|p| p.priority)>
                        <DraftSelect id="ticket-priority" name="priority" required=true
                            value=fields.priority choices=Priority::ALL invalid=invalid(|p| p.priority) />
                    </Field>
                    <Field id="ticket-due" label=t!(i18n, share_dialog.due_date) error=problem_of(|p| p.due_date)>
                        <DraftInput id="ticket-due" name="due_date" kind="date" min=min_date.clone()
                            value=fields.due_date invalid=invalid(|p| p.due_date) />
                    </Field>
                    {user_recommendation.then(|| view! {
                        <Field id="ticket-category" label=t!(i18n, share_dialog.category) error=problem_of(|p| p.category)>
                            <DraftSelect id="ticket-category" name="category" required=true
                                value=fields.category choices=Category::KNOWN invalid=invalid(|p| p.category)>
                                <option value="">{t!(i18n, share_dialog.choose)}</option>
                            </DraftSelect>
                        </Field>
                    })}
                </div>
                <p class="field__error" role="alert" data-testid="send-error">{send_error}</p>
                <div class="form-actions">
                    <button type="submit" class="button button--primary" data-testid="send-ticket"
                        disabled=move || !form.can_send || !connected || send.pending().get() || open_of_type()>
                        {move || if send.pending().get() {
                            t_string!(i18n, share_dialog.sending).to_string()
                        } else {
                            t_string!(i18n, share_dialog.send).to_string()
                        }}
                    </button>
                    {on_cancel.is_some().then(|| view! {
                        <button type="button" class="button" on:click=cancel>{t!(i18n, share_dialog.cancel)}</button>
                    })}
                </div>
                {(!form.can_send).then(|| view! {
                    <p class="field__hint">{t!(i18n, share_dialog.analysts_only)}</p>
                })}
            </form>
        </div>
    }
}

/// A required `<input>` of the form of type `kind`, bound to `value`,
/// described by its error paragraph.
#[component]
fn DraftInput(
    id: &'static str,
    name: &'static str,
    kind: &'static str,
    value: RwSignal<String>,
    /// `aria-invalid`: whether the field has a problem.
    #[prop(into)]
    invalid: Signal<String>,
    #[prop(optional)] maxlength: Option<usize>,
    #[prop(optional, into)] min: Option<String>,
) -> impl IntoView {
    view! {
        <input id=id name=name type=kind required maxlength=maxlength.map(|max| max.to_string()) min=min
            aria-invalid=invalid aria-describedby=format!("{id}-error")
            prop:value=move || value.get()
            on:input=move |ev| value.set(event_target_value(&ev)) />
    }
}

/// A `<select>` of the form over `choices` (after the children, a
/// placeholder), bound to `value`, described by its error paragraph.
#[component]
fn DraftSelect<C: Choice>(
    id: &'static str,
    name: &'static str,
    value: RwSignal<String>,
    #[prop(into)] choices: Vec<C>,
    /// `aria-invalid`: whether the field has a problem.
    #[prop(into)]
    invalid: Signal<String>,
    #[prop(optional)] required: bool,
    #[prop(optional)] node_ref: NodeRef<html::Select>,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    view! {
        <select id=id name=name required=required node_ref=node_ref
            aria-invalid=invalid aria-describedby=format!("{id}-error")
            prop:value=move || value.get()
            on:change=move |ev| value.set(event_target_value(&ev))>
            {children.map(|children| children())}
            <ChoiceOptions choices selected=value />
        </select>
    }
}

/// Moves focus to the first field marked invalid.
fn focus_first_invalid() {
    request_animation_frame(|| {
        if let Ok(Some(field)) = document().query_selector("[aria-invalid=\"true\"]")
            && let Some(field) =
                leptos::wasm_bindgen::JsCast::dyn_ref::<leptos::web_sys::HtmlElement>(&field)
        {
            let _ = field.focus();
        }
    });
}

/// What sending did: the ticket (its number at once, or *queued* until the
/// background sender creates it).
#[component]
fn SendOutcome(outcome: crate::domain::tickets::ShareOutcome) -> impl IntoView {
    let i18n = use_i18n();
    let ticket = RwSignal::new(outcome.ticket.clone());
    // Focus moves to the outcome, which replaces the form that had it.
    let panel = NodeRef::<html::Div>::new();
    Effect::new(move || {
        if let Some(panel) = panel.get() {
            let _ = panel.focus();
        }
    });
    let existing = outcome.existing;
    // Follow a queued ticket until it is created (or refused).
    let id = outcome.ticket.id;
    Effect::new(move || {
        if ticket.with(|t| t.delivery == Delivery::Queued) {
            set_timeout(
                move || {
                    leptos::task::spawn_local(async move {
                        if let Ok(Some(latest)) = load_ticket(id).await {
                            ticket.set(latest);
                        } else {
                            ticket.update(|_| {});
                        }
                    });
                },
                std::time::Duration::from_millis(QUEUED_POLL_MS),
            );
        }
    });
    view! {
        <div class="send-outcome" role="status" aria-live="polite" tabindex="-1" node_ref=panel data-testid="send-outcome">
            {move || {
                let current: Ticket = ticket.get();
                let message = match (current.delivery, existing) {
                    (_, true) => t_string!(i18n, share_dialog.existing).to_string(),
                    (Delivery::Created, false) => t_string!(i18n, share_dialog.created).to_string(),
                    (Delivery::Queued, false) => t_string!(i18n, share_dialog.queued).to_string(),
                    (Delivery::Refused, false) => t_string!(i18n, share_dialog.refused).to_string(),
                };
                let problem = current.problem.filter(|_| current.delivery != Delivery::Created)
                    .map(|kind| super::servicenow::problem_text(i18n, kind));
                view! {
                    <p class="send-outcome__message">{message}</p>
                    <p><TicketBadge ticket=current /></p>
                    {problem.map(|problem| view! { <p class="field__hint">{problem}</p> })}
                }
            }}
            <p><a href="/tickets">{t!(i18n, share_dialog.view_all)}</a></p>
        </div>
    }
}
