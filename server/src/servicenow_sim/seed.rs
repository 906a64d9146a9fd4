//! What a fresh simulated instance holds: users, the OAuth entity ScoreNow's
//! demo uses, and tickets that ScoreNow did not create (so filters matter).

use super::{
    SimSettings,
    schema::Table,
    state::{Instance, Record, new_sys_id, now_string},
};

fn record(pairs: &[(&str, &str)]) -> Record {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// Fills an empty instance.
pub fn seed(instance: &mut Instance, settings: &SimSettings) {
    let now = now_string();
    let integration = add_user(
        instance,
        &settings.integration_user,
        "ScoreNow Integration",
        &settings.integration_password,
        &now,
    );
    add_user(
        instance,
        "alex.admin",
        "Alex Admin",
        &settings.integration_password,
        &now,
    );

    instance.insert_raw(
        Table::OauthEntity,
        record(&[
            ("sys_id", &new_sys_id()),
            ("name", "ScoreNow"),
            ("client_id", &settings.client_id),
            ("redirect_url", &settings.redirect_uri),
            (
                "access_token_lifespan",
                &settings.access_token_lifespan.to_string(),
            ),
            (
                "refresh_token_lifespan",
                &settings.refresh_token_lifespan.to_string(),
            ),
            ("active", "true"),
            ("type", "client"),
            ("sys_created_on", &now),
            ("sys_updated_on", &now),
        ]),
    );
    instance
        .client_secrets
        .insert(settings.client_id.clone(), settings.client_secret.clone());

    let changes: [(&str, &str); 3] = [
        ("Patch database cluster to 19.22", "-2"),
        ("Replace core switch in DC2", "3"),
        ("Rotate TLS certificates on load balancers", "-1"),
    ];
    for (description, state) in changes {
        instance.insert(
            Table::ChangeRequest,
            record(&[
                ("short_description", description),
                ("state", state),
                ("category", "Network"),
            ]),
            "alex.admin",
            &integration,
        );
    }
    let incidents: [(&str, &str, &str); 3] = [
        ("Email delivery delayed for EU users", "2", "2"),
        ("VPN disconnects every 30 minutes", "1", "3"),
        ("Printer on floor 4 offline", "7", "3"),
    ];
    for (description, state, impact) in incidents {
        instance.insert(
            Table::Incident,
            record(&[
                ("short_description", description),
                ("state", state),
                ("impact", impact),
                ("urgency", "2"),
            ]),
            "alex.admin",
            &integration,
        );
    }
}

fn add_user(
    instance: &mut Instance,
    user_name: &str,
    name: &str,
    password: &str,
    now: &str,
) -> String {
    let sys_id = new_sys_id();
    let (first, last) = name.split_once(' ').unwrap_or((name, ""));
    instance.insert_raw(
        Table::SysUser,
        record(&[
            ("sys_id", &sys_id),
            ("user_name", user_name),
            ("name", name),
            ("first_name", first),
            ("last_name", last),
            ("email", &format!("{user_name}@example.com")),
            ("active", "true"),
            ("time_zone", "GMT"),
            ("sys_created_on", now),
            ("sys_updated_on", now),
        ]),
    );
    instance
        .passwords
        .insert(sys_id.clone(), password.to_owned());
    sys_id
}
