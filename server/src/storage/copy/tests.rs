//! Copies of a database that ScoreNow has used, filled and read back through
//! the storage API on every backend: what the API reads is the same after a
//! copy and after a copy back, new rows get new ids, and a target that
//! holds rows, or ends up short of some, is left as it was.

use super::*;
use crate::storage::{
    Storage,
    accounts::{Account, AccountUpdate, NewAccount},
    audit::AuditRecord,
    securescore::{StoredGraphConnection, StoredScoreData},
    servicenow::{PendingAuthorization, SealedTokens, StoredConnection},
    sessions::SessionLimits,
    sso::{PendingSsoLogin, SsoIdentity},
    testing::TestDatabase,
    tickets::{
        Attached, Claim, CreatedRecord, NewTicket, Queued, StoredTicket, TicketOrder, TicketQuery,
    },
};
use app::domain::auth::Role;
use serde_json::json;
use sqlx::{Connection, sqlite::SqliteConnectOptions};
use std::collections::BTreeMap;

/// The time the filled database was used at (Unix seconds).
const NOW: i64 = 1_790_000_000;
/// [`NOW`] in milliseconds.
const NOW_MS: i64 = NOW * 1000;
/// The throttle key [`fill`] counts failures of.
const THROTTLED: &str = "account:admin@example.com";
/// The sessions [`fill`] opens.
const SESSIONS: [&str; 2] = ["session-of-admin", "session-of-reader"];

#[tokio::test]
async fn a_used_database_reads_the_same_after_a_copy_to_every_backend_and_back() {
    let used = filled().await;
    let counts = row_counts(&used.settings).await;
    let empty: Vec<&str> = counts
        .iter()
        .filter(|(_, rows)| *rows == 0)
        .map(|(table, _)| table.as_str())
        .collect();
    assert!(empty.is_empty(), "fill() leaves tables empty: {empty:?}");
    let whole = Copied {
        tables: counts.len(),
        rows: counts.iter().map(|(_, rows)| rows).sum(),
    };

    // Every copy is made before anything is read: some reads (a throttled
    // attempt, a lease, an authorisation) change what they read.
    let mut copies = Vec::new();
    for target in TestDatabase::every().await {
        let backend = target.backend;
        let copied = copy_database(&used.settings, &target.settings)
            .await
            .unwrap_or_else(|error| panic!("copy to {backend}: {error}"));
        assert_eq!(copied, whole, "copy to {backend}");
        let back = TestDatabase::sqlite();
        let copied = copy_database(&target.settings, &back.settings)
            .await
            .unwrap_or_else(|error| panic!("copy back from {backend}: {error}"));
        assert_eq!(copied, whole, "copy back from {backend}");
        copies.push((target, back));
    }

    let expected = contents(&used).await;
    for (target, back) in copies {
        let backend = target.backend;
        assert_eq!(contents(&target).await, expected, "copy to {backend}");
        assert_eq!(contents(&back).await, expected, "copy back from {backend}");
        assert_new_rows_get_new_ids(&target, &expected).await;
        target.remove().await;
        back.remove().await;
    }
    used.remove().await;
}

#[tokio::test]
async fn a_target_that_holds_rows_is_refused_and_left_as_it_was() {
    let used = filled().await;
    for target in TestDatabase::every().await {
        let storage = target.open().await;
        storage.audit("cli", "elsewhere", None, json!({})).await;
        storage.close().await;
        let error = copy_database(&used.settings, &target.settings)
            .await
            .expect_err("a target with rows");
        assert_eq!(
            error.to_string(),
            "the database to copy into is not empty (table audit_log has rows); copy into a new, \
             empty database",
            "on {}",
            target.backend
        );
        assert_only_rows_of(&target, "audit_log", 1).await;
        target.remove().await;
    }
    used.remove().await;
}

#[tokio::test]
async fn a_table_short_of_rows_after_copying_rolls_the_whole_copy_back() {
    let used = filled().await;
    let target = TestDatabase::sqlite();
    target.open().await.close().await;
    let DatabaseSettings::Sqlite { path } = &target.settings else {
        unreachable!("a SQLite test database");
    };
    let mut connection =
        sqlx::SqliteConnection::connect_with(&SqliteConnectOptions::new().filename(path))
            .await
            .expect("connect");
    // The audit log loses every row as it arrives, as a faulty copy would.
    sqlx::raw_sql(
        "CREATE TRIGGER lose_audit AFTER INSERT ON audit_log \
         BEGIN DELETE FROM audit_log WHERE id = NEW.id; END",
    )
    .execute(&mut connection)
    .await
    .expect("trigger");
    connection.close().await.expect("close");

    let error = copy_database(&used.settings, &target.settings)
        .await
        .expect_err("a count that does not match");
    assert_eq!(
        error.to_string(),
        "table audit_log holds 0 rows after copying but 2 in the source; nothing was committed"
    );
    assert_only_rows_of(&target, "audit_log", 0).await;
    target.remove().await;
    used.remove().await;
}

#[tokio::test]
async fn a_missing_sqlite_file_is_not_copied_from_nor_created() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("typo.db");
    let target = TestDatabase::sqlite();
    let error = copy_database(
        &DatabaseSettings::Sqlite {
            path: missing.clone(),
        },
        &target.settings,
    )
    .await
    .expect_err("no source");
    assert!(
        matches!(&error, CopyError::NoSource(path) if path == &missing),
        "{error}"
    );
    assert!(!missing.exists());
    target.remove().await;
}

/// A new SQLite database that [`fill`] filled.
async fn filled() -> TestDatabase {
    let database = TestDatabase::sqlite();
    let storage = database.open().await;
    fill(&storage).await;
    storage.close().await;
    database
}

/// Writes to every table through the storage API, as a ScoreNow that was
/// used for a while would have.
async fn fill(storage: &Storage) {
    storage
        .setting_or_insert("secret_key_check", r#""sealed check""#)
        .await
        .expect("setting");
    let admin = create_account(storage, "admin@example.com", Role::Admin).await;
    let analyst = create_account(storage, "analyst@example.com", Role::Analyst).await;
    let reader = create_account(storage, "reader@example.com", Role::Reader).await;
    let deactivated = storage
        .set_active(analyst.id, false)
        .await
        .expect("deactivate");
    assert_eq!(deactivated, AccountUpdate::Done);
    storage
        .dismiss_servicenow_offer(reader.id)
        .await
        .expect("dismiss");
    for (token, user) in SESSIONS.into_iter().zip([&admin, &reader]) {
        storage
            .create_session(token, user.id, NOW)
            .await
            .expect("session");
    }
    storage
        .confirm_session(SESSIONS[0], NOW + 5)
        .await
        .expect("confirm");
    storage
        .audit(
            "cli",
            "user.created",
            Some(admin.email.clone()),
            json!({"role": "admin"}),
        )
        .await;
    storage
        .audit(&admin.email, "servicenow.connected", None, json!({}))
        .await;
    fill_servicenow(storage, &admin).await;
    storage
        .save_securescore_data(&StoredScoreData {
            source: "demo".into(),
            profiles: r#"[{"id":"AdminMFAV2","maxScore":10}]"#.into(),
            snapshots: r#"[{"currentScore":42.5}]"#.into(),
            refreshed_at: NOW,
        })
        .await
        .expect("score");
    storage
        .save_graph_connection(&StoredGraphConnection {
            tenant_id: "tenant".into(),
            client_id: "graph-client".into(),
            sealed_client_secret: vec![9, 8, 7],
        })
        .await
        .expect("graph");
    fill_tickets(storage).await;
    for _ in 0..5 {
        storage
            .take_sign_in_attempt(&[THROTTLED.to_owned()], NOW_MS)
            .await
            .expect("attempt");
    }
    storage
        .take_lease("ticket-sync", "replica-a", NOW_MS, NOW_MS + 60_000)
        .await
        .expect("lease");
    fill_single_sign_on(storage).await;
}

/// An account single sign-on made, and a sign-in in progress.
async fn fill_single_sign_on(storage: &Storage) {
    let identity = SsoIdentity {
        subject: "https://login.example.com/tenant/v2.0#subject".into(),
        email: "ada@example.com".into(),
        display_name: "Ada".into(),
        role: Role::Analyst,
    };
    storage
        .save_sso_account(&identity)
        .await
        .expect("sso account");
    storage
        .insert_sso_login("sso-state-hash", &sso_login(), NOW, 10)
        .await
        .expect("sso login");
}

/// The single sign-on in progress [`fill`] stores.
fn sso_login() -> PendingSsoLogin {
    PendingSsoLogin {
        browser_hash: "browser-hash".into(),
        sealed_secrets: vec![1, 2, 3, 0, 255],
        next: "/securescore?category=Identity".into(),
        expires_at: NOW + 600,
    }
}

/// An account of `role` with the email `email`.
async fn create_account(storage: &Storage, email: &str, role: Role) -> Account {
    let account = NewAccount {
        email: email.to_owned(),
        display_name: format!("The {}", role.as_str()),
        role,
        password_hash: format!("$argon2id$hash-of-{email}"),
    };
    storage.create_account(&account).await.expect("account")
}

/// A connected ServiceNow connection with sealed secrets and a last error,
/// an authorisation in progress, state names and ticket defaults.
async fn fill_servicenow(storage: &Storage, admin: &Account) {
    storage
        .save_servicenow_client(
            "https://example.service-now.com",
            "client",
            Some(&[1, 2, 3]),
        )
        .await
        .expect("client");
    let epoch = storage
        .servicenow_connection()
        .await
        .expect("connection")
        .expect("saved")
        .epoch;
    let tokens = SealedTokens {
        epoch,
        new_epoch: false,
        access_token: vec![4, 5],
        access_expires_at: NOW + 1800,
        refresh_token: Some(vec![6, 0, 7]),
    };
    assert!(
        storage
            .store_servicenow_tokens(&tokens)
            .await
            .expect("tokens")
    );
    storage
        .set_servicenow_integration_user("scorenow.integration")
        .await
        .expect("user");
    storage
        .record_servicenow_success(NOW)
        .await
        .expect("success");
    storage
        .record_servicenow_problem(r#"{"kind":"RateLimited"}"#)
        .await
        .expect("problem");
    let pending = PendingAuthorization {
        sealed_pkce_verifier: vec![0, 255],
        started_by: admin.email.clone(),
        expires_at: NOW + 600,
    };
    storage
        .insert_servicenow_authorization("state-hash", &pending, NOW)
        .await
        .expect("authorization");
    let names = BTreeMap::from([("1".into(), "New".into()), ("7".into(), "Closed".into())]);
    storage
        .replace_servicenow_state_names("incident", &names)
        .await
        .expect("names");
    storage
        .save_servicenow_ticket_defaults("incident", "Security", "security")
        .await
        .expect("defaults");
}

/// Tickets in every state of delivery: created (its completion noted), queued
/// after an attempt that may have reached ServiceNow, claimed by a sender,
/// and refused; and the sync's watermark.
async fn fill_tickets(storage: &Storage) {
    let created = queue_ticket(storage, "created", Some("AdminMFAV2")).await;
    let claim = claim_ticket(storage, created).await;
    let record = CreatedRecord {
        sys_id: "sys-created".into(),
        number: "INC0010001".into(),
        state: "1".into(),
        open: true,
        sys_updated_on: "2026-09-21 10:00:00".into(),
    };
    assert_eq!(
        storage
            .ticket_created(&claim, &record)
            .await
            .expect("created"),
        Attached::Now
    );
    let synced = storage
        .sync_ticket_state("incident", "sys-created", "2", true, "2026-09-21 11:00:00")
        .await
        .expect("sync");
    assert!(synced);
    storage.completion_noted(created).await.expect("noted");

    let queued = queue_ticket(storage, "queued", Some("BlockLegacyAuth")).await;
    let claim = claim_ticket(storage, queued).await;
    assert!(
        storage
            .ticket_attempt_started(&claim)
            .await
            .expect("started")
    );
    let deferred = storage
        .ticket_deferred(&claim, NOW + 120, "RateLimited", "Rate limit exceeded")
        .await
        .expect("deferred");
    assert!(deferred);

    let claimed = queue_ticket(storage, "claimed", Some("PasswordHashSync")).await;
    claim_ticket(storage, claimed).await;

    let refused = queue_ticket(storage, "refused", None).await;
    let claim = claim_ticket(storage, refused).await;
    assert!(
        storage
            .ticket_refused(&claim, "Refused", "ACL Exception")
            .await
            .expect("refused")
    );

    storage
        .set_ticket_watermark("incident", "2026-09-21 11:00:00")
        .await
        .expect("watermark");
}

/// Queues a new incident `key` for `action` (none: a user's recommendation); its id.
async fn queue_ticket(storage: &Storage, key: &str, action: Option<&str>) -> i64 {
    let ticket = NewTicket {
        request_key: format!("server-{key}"),
        client_token: key.to_owned(),
        ticket_table: "incident".into(),
        action_id: action.map(Into::into),
        source: if action.is_some() {
            "microsoft"
        } else {
            "user"
        }
        .into(),
        category: "Identity".into(),
        short_description: format!("Ticket {key}"),
        description: "Turn it on\n\n-- ScoreNow".into(),
        priority: 2,
        due_date: "2026-12-24".into(),
        correlation_id: format!("scorenow:{key}"),
        created_by: "analyst@example.com".into(),
        created_at: NOW,
    };
    match storage.queue_ticket(&ticket, NOW).await.expect("queue") {
        Queued::New(id) => id,
        other => panic!("{key} was not queued: {other:?}"),
    }
}

/// Claims the queued ticket `id` for a minute.
async fn claim_ticket(storage: &Storage, id: i64) -> Claim {
    storage
        .claim_ticket(id, NOW, NOW + 60)
        .await
        .expect("claim")
        .expect("claimed")
}

/// What the storage API reads back of what [`fill`] wrote.
#[derive(Debug, PartialEq)]
struct Contents {
    setting: Option<String>,
    accounts: Vec<Account>,
    offers_dismissed: Vec<bool>,
    sessions: Vec<(Option<Account>, Option<i64>)>,
    audit: Vec<AuditRecord>,
    connection: Option<StoredConnection>,
    authorization: Option<PendingAuthorization>,
    state_names: BTreeMap<String, String>,
    ticket_defaults: Option<(String, String, String)>,
    score: Option<StoredScoreData>,
    graph: Option<StoredGraphConnection>,
    tickets: (Vec<StoredTicket>, i64),
    due_tickets: Vec<i64>,
    next_ticket_due: Option<i64>,
    watermark: Option<String>,
    throttle_wait_ms: Option<i64>,
    lease_fence: Option<i64>,
    sso_login: Option<PendingSsoLogin>,
}

/// Reads everything back; the authorisation is taken, an attempt throttled
/// and the lease taken over, the same way on every copy.
async fn contents(database: &TestDatabase) -> Contents {
    let storage = database.open().await;
    let accounts = storage.list_accounts().await.expect("accounts");
    let mut offers_dismissed = Vec::new();
    for account in &accounts {
        let dismissed = storage.servicenow_offer_dismissed(account.id).await;
        offers_dismissed.push(dismissed.expect("offer"));
    }
    let limits = SessionLimits {
        idle_secs: 3600,
        absolute_secs: 86_400,
    };
    let mut sessions = Vec::new();
    for token in SESSIONS {
        let account = storage.session_account(token, NOW + 10, limits).await;
        let confirmed_at = storage.session_confirmed_at(token).await;
        sessions.push((account.expect("session"), confirmed_at.expect("confirmed")));
    }
    let everything = TicketQuery {
        order: TicketOrder::Oldest,
        ..TicketQuery::default()
    };
    let read = Contents {
        setting: storage.setting("secret_key_check").await.expect("setting"),
        accounts,
        offers_dismissed,
        sessions,
        audit: storage.recent_audit(100).await.expect("audit"),
        connection: storage.servicenow_connection().await.expect("connection"),
        authorization: storage
            .take_servicenow_authorization("state-hash")
            .await
            .expect("authorization"),
        state_names: storage
            .servicenow_state_names("incident")
            .await
            .expect("names"),
        ticket_defaults: storage
            .servicenow_ticket_defaults()
            .await
            .expect("defaults"),
        score: storage.securescore_data().await.expect("score"),
        graph: storage.graph_connection().await.expect("graph"),
        tickets: storage
            .ticket_page(&everything, 0, 100)
            .await
            .expect("tickets"),
        due_tickets: storage.due_tickets(NOW + 200, 100).await.expect("due"),
        next_ticket_due: storage.next_ticket_due().await.expect("next due"),
        watermark: storage
            .ticket_watermark("incident")
            .await
            .expect("watermark"),
        throttle_wait_ms: storage
            .take_sign_in_attempt(&[THROTTLED.to_owned()], NOW_MS + 1)
            .await
            .expect("attempt"),
        lease_fence: storage
            .take_lease(
                "ticket-sync",
                "replica-b",
                NOW_MS + 60_000,
                NOW_MS + 120_000,
            )
            .await
            .expect("lease"),
        sso_login: storage
            .take_sso_login("sso-state-hash")
            .await
            .expect("sso login"),
    };
    storage.close().await;
    read
}

/// Accounts, audit records and tickets added after the copy get ids after
/// the copied ones (on PostgreSQL, the identity sequences were moved on).
async fn assert_new_rows_get_new_ids(database: &TestDatabase, copied: &Contents) {
    let backend = database.backend;
    let storage = database.open().await;
    let largest = |ids: Vec<i64>| ids.into_iter().max().expect("copied rows");
    let account = create_account(&storage, "new@example.com", Role::Reader).await;
    assert!(
        account.id > largest(copied.accounts.iter().map(|a| a.id).collect()),
        "on {backend}"
    );
    storage.audit("cli", "after.copy", None, json!({})).await;
    let audit = storage.recent_audit(1).await.expect("audit");
    assert!(
        audit[0].id > largest(copied.audit.iter().map(|record| record.id).collect()),
        "on {backend}"
    );
    let ticket = queue_ticket(&storage, "after-copy", None).await;
    assert!(
        ticket > largest(copied.tickets.0.iter().map(|t| t.id).collect()),
        "on {backend}"
    );
    storage.close().await;
}

/// Asserts that `database` holds `rows` rows in `table` and none elsewhere.
async fn assert_only_rows_of(database: &TestDatabase, table: &str, rows: i64) {
    for (name, count) in row_counts(&database.settings).await {
        let expected = if name == table { rows } else { 0 };
        assert_eq!(count, expected, "{name} on {}", database.backend);
    }
}

/// Each application table of the database `settings` names, with its row count.
async fn row_counts(settings: &DatabaseSettings) -> Vec<(String, i64)> {
    let opened = Opened::open(settings).await.expect("open");
    let mut side = opened.begin(Purpose::Reading).await.expect("begin");
    let mut counts = Vec::new();
    for table in side.tables().await.expect("tables") {
        let rows = side.count(&table.name).await.expect("count");
        counts.push((table.name, rows));
    }
    drop(side);
    opened.close().await;
    counts
}
