//! What admins do with the connection (`app`'s `ServiceNowAdmin`): status
//! and test, state names and ticket defaults, removal; and the home-page
//! card every signed-in user sees.

use super::{
    connection::{ServiceNowService, not_configured, unavailable},
    failure::problem_from_name,
};
use app::{
    api::{ApiError, services::ServiceNowAdmin},
    domain::{
        auth::{CurrentUser, Role},
        servicenow::{
            ConnectionForm, ConnectionState, ConnectionStatus, DEFAULT_FIELD_MAX, HomeServiceNow,
            RefusedTickets, STATE_NAME_MAX, ServiceNowError, ServiceNowRefusal, ServiceNowSettings,
            StateNameInput, TicketDefaults, TicketTable,
        },
    },
};
use serde_json::{Value, json};
use std::collections::BTreeMap;

#[async_trait::async_trait]
impl ServiceNowAdmin for ServiceNowService {
    async fn status(&self) -> Result<ConnectionStatus, ServiceNowError> {
        let mut status = self.status_of(self.stored().await?);
        status.refused_tickets = self
            .storage
            .refused_ticket_counts()
            .await
            .map_err(unavailable)?
            .into_iter()
            .filter_map(|(problem, count)| {
                Some(RefusedTickets {
                    problem: problem_from_name(&problem)?,
                    count: u64::try_from(count).unwrap_or(0),
                })
            })
            .collect();
        Ok(status)
    }

    async fn begin_authorization(
        &self,
        actor: &CurrentUser,
        form: Option<ConnectionForm>,
        confirmed: bool,
    ) -> Result<String, ServiceNowError> {
        self.start_authorization(actor, form, confirmed).await
    }

    async fn test_connection(
        &self,
        actor: &CurrentUser,
    ) -> Result<ConnectionStatus, ServiceNowError> {
        let outcome = async {
            let user = self.integration_user().await?;
            self.storage
                .set_servicenow_integration_user(&user)
                .await
                .map_err(unavailable)?;
            let stored = self.stored().await?.ok_or_else(not_configured)?;
            let api = self.api().await?;
            let query = format!("client_id={}", stored.client_id);
            let _: Vec<Value> = self
                .note(api.list("oauth_entity", &query, &["name"], 1).await)
                .await?;
            for table in TicketTable::ALL {
                self.note(api.count_by(table.as_str(), "", "state").await)
                    .await?;
            }
            Ok::<_, ServiceNowError>(())
        }
        .await;
        self.storage
            .audit(
                &actor.email,
                "servicenow.tested",
                None,
                json!({ "ok": outcome.is_ok() }),
            )
            .await;
        match outcome {
            Ok(()) | Err(ApiError::Refused(ServiceNowRefusal::ServiceNow(_))) => {
                self.status().await
            }
            Err(error) => Err(error),
        }
    }

    async fn settings(&self) -> Result<ServiceNowSettings, ServiceNowError> {
        let status = self.status().await?;
        let state_names = self.state_names().await?;
        let defaults = match self
            .storage
            .servicenow_ticket_defaults()
            .await
            .map_err(unavailable)?
        {
            Some((ticket_type, assignment_group, category)) => TicketDefaults {
                ticket_type: TicketTable::parse(&ticket_type).unwrap_or(TicketTable::ChangeRequest),
                assignment_group,
                category,
            },
            None => TicketDefaults::default(),
        };
        Ok(ServiceNowSettings {
            state: status.state,
            instance: status.instance,
            state_names,
            defaults,
        })
    }

    async fn save_state_names(
        &self,
        actor: &CurrentUser,
        table: TicketTable,
        states: Vec<StateNameInput>,
        reset: bool,
    ) -> Result<(), ServiceNowError> {
        let names: BTreeMap<String, String> = if reset {
            BTreeMap::new()
        } else {
            states
                .into_iter()
                .map(|state| (state.value, state.name))
                .collect()
        };
        let mut custom = BTreeMap::new();
        for (value, name) in names {
            let Some((_, default_name)) = table.states().iter().find(|(v, _)| *v == value) else {
                return Err(ServiceNowRefusal::StateName { value }.into());
            };
            let name = name.trim();
            if name.chars().count() > STATE_NAME_MAX {
                return Err(ServiceNowRefusal::StateName { value }.into());
            }
            if !name.is_empty() && name != *default_name {
                custom.insert(value, name.to_owned());
            }
        }
        self.storage
            .replace_servicenow_state_names(table.as_str(), &custom)
            .await
            .map_err(unavailable)?;
        self.storage
            .audit(
                &actor.email,
                "servicenow.state_names_changed",
                Some(table.as_str().to_owned()),
                json!({ "names": custom }),
            )
            .await;
        Ok(())
    }

    async fn save_defaults(
        &self,
        actor: &CurrentUser,
        defaults: TicketDefaults,
    ) -> Result<(), ServiceNowError> {
        let group = defaults.assignment_group.trim();
        let category = defaults.category.trim();
        if group.chars().count() > DEFAULT_FIELD_MAX || category.chars().count() > DEFAULT_FIELD_MAX
        {
            return Err(ServiceNowRefusal::DefaultTooLong.into());
        }
        self.storage
            .save_servicenow_ticket_defaults(defaults.ticket_type.as_str(), group, category)
            .await
            .map_err(unavailable)?;
        self.storage.audit(
            &actor.email,
            "servicenow.defaults_changed",
            None,
            json!({ "ticket_type": defaults.ticket_type.as_str(), "assignment_group": group, "category": category }),
        )
        .await;
        Ok(())
    }

    async fn remove(&self, actor: &CurrentUser, confirmed: bool) -> Result<(), ServiceNowError> {
        if !confirmed {
            return Err(ServiceNowRefusal::NotConfirmed.into());
        }
        let stored = self.stored().await?.ok_or_else(not_configured)?;
        let revoked = self.revoke_tokens(&stored).await;
        self.storage
            .delete_servicenow_connection()
            .await
            .map_err(unavailable)?;
        let details = json!({ "revoked": revoked });
        self.connection_changed(actor, "servicenow.removed", stored.instance_url, details)
            .await;
        Ok(())
    }

    async fn home(&self, user: &CurrentUser) -> Result<HomeServiceNow, ServiceNowError> {
        let state = self.status_of(self.stored().await?).state;
        let unconnected = matches!(
            state,
            ConnectionState::NotConfigured | ConnectionState::AwaitingAuthorization
        );
        let offer_connection = unconnected
            && !self
                .storage
                .servicenow_offer_dismissed(user.id)
                .await
                .map_err(unavailable)?;
        Ok(HomeServiceNow {
            state,
            offer_connection,
            can_connect: user.role.includes(Role::Admin),
        })
    }

    async fn dismiss_offer(&self, user: &CurrentUser) -> Result<(), ServiceNowError> {
        self.storage
            .dismiss_servicenow_offer(user.id)
            .await
            .map_err(unavailable)
    }
}
