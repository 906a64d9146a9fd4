//! Starts the real `scorenow` binary for integration tests, and the requests
//! the tests send it: pages, server functions, the sign-in form, the
//! simulator's admin endpoint and the browser's way through connecting
//! ServiceNow.
//! Each test file uses a different part of it, hence `allow(dead_code)`.
#![allow(dead_code)]

pub mod cluster;
pub mod database;
pub mod fake_graph;
pub mod oidc;
pub mod postgres;
pub mod tickets;

use reqwest::{
    Method, Response,
    header::{LOCATION, SET_COOKIE},
};
use serde_json::Value;
use server::servicenow_sim::{
    DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_INTEGRATION_PASSWORD, DEMO_INTEGRATION_USER,
};
use std::{
    future::Future,
    io::{BufRead, BufReader},
    net::TcpListener,
    process::{Child, Command, ExitStatus, Output, Stdio},
    time::{Duration, Instant},
};

/// Admin token the test simulators are started with.
pub const SIM_ADMIN_TOKEN: &str = "test-admin-token";
/// Seconds test servers wait before looking up a ticket whose answer was
/// lost (the default, 120 s, exceeds a real instance's transaction timeout).
pub const UNKNOWN_OUTCOME_WAIT: &str = "2";

/// How long a server may take to start listening.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// A running server on an ephemeral port with its own data directory; killed on drop.
pub struct TestServer {
    pub base_url: String,
    /// Base URL of the embedded ServiceNow simulator, when one started.
    pub simulator_url: Option<String>,
    child: Child,
    data_dir: tempfile::TempDir,
}

impl TestServer {
    /// Starts `scorenow` in demo mode on `127.0.0.1:0` (its simulator on
    /// another free port) and waits until it listens.
    pub fn start() -> Self {
        Self::start_with(&["--demo", "--servicenow-sim-addr", "127.0.0.1:0"])
    }

    /// Starts `scorenow` in demo mode, its simulator's admin endpoint open
    /// to [`SIM_ADMIN_TOKEN`] for faults; a ticket whose answer a fault lost
    /// is looked up after [`UNKNOWN_OUTCOME_WAIT`] seconds.
    pub fn start_with_simulator_admin() -> Self {
        Self::start_with_simulator_admin_waiting(UNKNOWN_OUTCOME_WAIT)
    }

    /// [`Self::start_with_simulator_admin`], looking up lost answers after `seconds`.
    pub fn start_with_simulator_admin_waiting(seconds: &str) -> Self {
        Self::start_with(&[
            "--demo",
            "--servicenow-sim-addr",
            "127.0.0.1:0",
            "--servicenow-sim-admin-token",
            SIM_ADMIN_TOKEN,
            "--unknown-outcome-wait-secs",
            seconds,
        ])
    }

    /// Starts `scorenow` on `127.0.0.1:0` with `options`.
    pub fn start_with(options: &[&str]) -> Self {
        let mut command = scorenow();
        command.args(options);
        Self::start_command(command, None)
    }

    /// Starts a prepared `scorenow` command on `127.0.0.1:0`, in `data_dir`
    /// or else a fresh temporary directory.
    pub fn start_command(command: Command, data_dir: Option<&std::path::Path>) -> Self {
        Self::start_command_at(command, "127.0.0.1:0", data_dir)
    }

    /// Starts a prepared `scorenow` command on `addr` (a fixed `127.0.0.1:<port>`
    /// lets a restarted server keep its URL, and so its OAuth redirect URI),
    /// in `data_dir` or else a fresh temporary directory.
    pub fn start_command_at(
        mut command: Command,
        addr: &str,
        data_dir: Option<&std::path::Path>,
    ) -> Self {
        let temporary = tempfile::tempdir().expect("tempdir");
        let dir = data_dir.unwrap_or(temporary.path()).to_owned();
        database::in_data_dir(command.args(["--addr", addr]), &dir);
        Self::spawn(command, "ScoreNow is listening", temporary)
    }

    /// Starts the standalone simulator (`scorenow servicenow-sim`) on a free
    /// port with the admin token [`SIM_ADMIN_TOKEN`] and `extra` options.
    pub fn start_simulator(extra: &[&str]) -> Self {
        let data_dir = tempfile::tempdir().expect("tempdir");
        let mut command = scorenow();
        command.args([
            "servicenow-sim",
            "--addr",
            "127.0.0.1:0",
            "--admin-token",
            SIM_ADMIN_TOKEN,
        ]);
        command.args(extra);
        Self::spawn(command, "ServiceNow simulator is listening", data_dir)
    }

    /// Runs `command` with JSON logs and waits for the `ready` log line, which
    /// names the port the OS picked (and notes the embedded simulator's).
    fn spawn(mut command: Command, ready: &str, data_dir: tempfile::TempDir) -> Self {
        let mut child = command
            .args(["--log-format", "json"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn scorenow");
        let stdout = child.stdout.take().expect("stdout");
        let deadline = Instant::now() + START_TIMEOUT;
        let mut lines = BufReader::new(stdout).lines();
        let mut simulator_url = None;
        let address = loop {
            assert!(Instant::now() < deadline, "scorenow did not start in time");
            let line = lines
                .next()
                .expect("scorenow exited before listening")
                .expect("read log");
            let event: serde_json::Value = serde_json::from_str(&line).expect("log lines are JSON");
            let address = || event["address"].as_str().expect("address field").to_owned();
            if event["message"] == "embedded ServiceNow simulator is listening" {
                simulator_url = Some(format!("http://{}", address()));
            }
            if event["message"] == ready {
                break address();
            }
        };
        // Keep draining the log so the server never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Self {
            base_url: format!("http://{address}"),
            simulator_url,
            child,
            data_dir,
        }
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The temporary data directory this server was given by default.
    pub fn data_dir(&self) -> &std::path::Path {
        self.data_dir.path()
    }

    /// Absolute URL of `path` on this server.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// Base URL of the embedded ServiceNow simulator; panics when none started.
    pub fn simulator(&self) -> &str {
        self.simulator_url.as_deref().expect("embedded simulator")
    }

    /// Kills the process with SIGKILL (no graceful shutdown: a crash, an
    /// OOM kill) and waits until it is gone.
    pub fn kill(mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("wait");
    }

    /// Sends SIGTERM and waits for the process to exit.
    pub fn terminate(mut self, timeout: Duration) -> ExitStatus {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success());
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "scorenow did not stop within {timeout:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A command for the binary under test, with no inherited `SCORENOW_*` settings.
pub fn scorenow() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_scorenow"));
    for (key, _) in std::env::vars() {
        if key.starts_with("SCORENOW_") {
            command.env_remove(key);
        }
    }
    command
}

/// Runs `command` to its end with a fresh `SCORENOW_DATA_DIR`; returns its output.
pub fn output_with_fresh_data_dir(command: &mut Command) -> Output {
    let dir = tempfile::tempdir().expect("tempdir");
    command
        .env("SCORENOW_DATA_DIR", dir.path())
        .output()
        .expect("run scorenow")
}

/// Runs `command` to its end, which must fail with one line on stderr; returns that stderr.
pub fn one_line_failure(command: &mut Command) -> String {
    let output = command.output().unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    stderr
}

/// A port that was free a moment ago, for a server that must keep its
/// address across a restart (or for an address where nothing listens).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

/// A listener that keeps a loopback port taken, and its address (`127.0.0.1:<port>`).
pub fn taken_address() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let address = listener.local_addr().expect("address").to_string();
    (listener, address)
}

/// Whether `secret` stands in the clear anywhere in `server`'s database.
pub fn stored_in_clear(server: &TestServer, secret: &str) -> bool {
    database::stored_bytes(server.data_dir())
        .windows(secret.len())
        .any(|window| window == secret.as_bytes())
}

/// Polls `check` every 250 ms until it gives a value; panics after `timeout`, naming `what`.
pub async fn eventually<T, F: Future<Output = Option<T>>>(
    what: &str,
    timeout: Duration,
    mut check: impl FnMut() -> F,
) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "gave up after {timeout:?} waiting until {what}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

// ---- HTTP ------------------------------------------------------------------

/// An HTTP client that neither follows redirects nor decompresses.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// Sends `request` with `headers` (name, value) added; panics, naming `what`, if it cannot.
async fn send_with(
    mut request: reqwest::RequestBuilder,
    headers: &[(&str, &str)],
    what: &str,
) -> Response {
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request
        .send()
        .await
        .unwrap_or_else(|error| panic!("{what}: {error}"))
}

/// `GET url` with `headers` (name, value); panics if it cannot be sent.
pub async fn get(url: &str, headers: &[(&str, &str)]) -> Response {
    send_with(client().get(url), headers, &format!("GET {url}")).await
}

/// The body of `GET url` with `headers` (name, value).
pub async fn get_text(url: &str, headers: &[(&str, &str)]) -> String {
    get(url, headers).await.text().await.expect("body")
}

/// The body of `GET path` on `server`, sent with the `Cookie` header `cookie`.
pub async fn page_html(server: &TestServer, path: &str, cookie: &str) -> String {
    get_text(&server.url(path), &[("cookie", cookie)]).await
}

/// Posts `form` to `url` with `headers` (name, value); panics if it cannot be sent.
pub async fn post_form(url: &str, headers: &[(&str, &str)], form: &[(&str, &str)]) -> Response {
    send_with(
        client().post(url).form(form),
        headers,
        &format!("POST {url}"),
    )
    .await
}

/// Where `response` redirects to (its `Location` header).
pub fn location(response: &Response) -> String {
    response.headers()[LOCATION]
        .to_str()
        .expect("location")
        .to_owned()
}

/// The `name=value` part of `response`'s `Set-Cookie` header.
pub fn session_cookie(response: &Response) -> String {
    let cookie = response.headers()[SET_COOKIE].to_str().expect("cookie");
    cookie.split(';').next().expect("name=value").to_owned()
}

/// The value of the query parameter `name` of the absolute `url`, if it has one.
pub fn query_param(url: &str, name: &str) -> Option<String> {
    url::Url::parse(url)
        .expect("url")
        .query_pairs()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// Asserts that `response` has the status `status` and a body containing `needle`.
pub async fn assert_answer_contains(response: Response, status: u16, needle: &str) {
    assert_eq!(response.status(), status);
    let body = response.text().await.expect("body");
    assert!(body.contains(needle), "no {needle:?} in {body}");
}

/// The first form action in `html` that starts with the server function path `path`.
pub fn form_action(html: &str, path: &str) -> String {
    let start = html
        .find(path)
        .unwrap_or_else(|| panic!("no form for {path}"));
    let end = start + html[start..].find('"').expect("end of action");
    html[start..end].to_owned()
}

// ---- signing in ------------------------------------------------------------

/// Password of the demo accounts seeded in demo mode.
pub const DEMO_PASSWORD: &str = "scorenow-demo";

/// The sign-in form's action (the server function's URL), read from the page.
pub async fn sign_in_url(server: &TestServer) -> String {
    let html = get_text(&server.url("/login"), &[]).await;
    server.url(&form_action(&html, "/api/sign_in"))
}

/// Posts the sign-in form as a browser without JavaScript does.
pub async fn sign_in(server: &TestServer, email: &str, password: &str, next: &str) -> Response {
    post_form(
        &sign_in_url(server).await,
        &[("accept", "text/html"), ("referer", &server.url("/login"))],
        &[("email", email), ("password", password), ("next", next)],
    )
    .await
}

/// A `Cookie` header value of a fresh session of the demo account `email`.
pub async fn signed_in_cookie(server: &TestServer, email: &str) -> String {
    signed_in_cookie_with(server, email, DEMO_PASSWORD).await
}

/// A `Cookie` header value of a fresh session of `email` signed in with `password`.
pub async fn signed_in_cookie_with(server: &TestServer, email: &str, password: &str) -> String {
    let response = sign_in(server, email, password, "/").await;
    assert!(
        response.headers().contains_key(SET_COOKIE),
        "{email} could not sign in: {}",
        response.status()
    );
    session_cookie(&response)
}

// ---- server functions ------------------------------------------------------

/// The form of a server function called without arguments.
pub const NO_ARGUMENTS: &[(&str, &str)] = &[];

/// Calls the server function `endpoint` as JavaScript does; returns the status and the body text.
pub async fn call_text(
    server: &TestServer,
    cookie: &str,
    endpoint: &str,
    form: &[(&str, &str)],
) -> (u16, String) {
    let request = client()
        .post(server.url(&format!("/api/{endpoint}")))
        .form(form);
    let headers = [("accept", "application/json"), ("cookie", cookie)];
    let response = send_with(request, &headers, endpoint).await;
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

/// Calls the server function `endpoint` as JavaScript does; returns the
/// status and the JSON body (the body as a JSON string when it is not JSON).
pub async fn call<K: AsRef<str>, V: AsRef<str>>(
    server: &TestServer,
    cookie: &str,
    endpoint: &str,
    form: &[(K, V)],
) -> (u16, Value) {
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_ref(), v.as_ref())).collect();
    let (status, body) = call_text(server, cookie, endpoint, &form).await;
    (
        status,
        serde_json::from_str(&body).unwrap_or(Value::String(body)),
    )
}

/// Confirms the password of the session `cookie` (which the most sensitive
/// changes need); returns the status and the answer.
pub async fn confirm_password_answer(
    server: &TestServer,
    cookie: &str,
    password: &str,
) -> (u16, Value) {
    call(
        server,
        cookie,
        "confirm_password",
        &[("password", password)],
    )
    .await
}

/// Confirms the password of the session `cookie`; returns the answer's status.
pub async fn confirm_password(server: &TestServer, cookie: &str, password: &str) -> u16 {
    confirm_password_answer(server, cookie, password).await.0
}

// ---- the ServiceNow simulator ----------------------------------------------

/// Sends `method` to `/sim/admin{path}` at `simulator_url`, with the JSON `body` if any.
pub async fn sim_admin_request(
    simulator_url: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Response {
    let mut request = client()
        .request(method, format!("{simulator_url}/sim/admin{path}"))
        .bearer_auth(SIM_ADMIN_TOKEN);
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.expect("sim admin")
}

/// Calls the simulator's admin endpoint (see [`sim_admin_request`]), which
/// must succeed; returns its JSON answer (null when there is none).
pub async fn sim_admin(
    simulator_url: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Value {
    let response = sim_admin_request(simulator_url, method, path, body).await;
    assert!(response.status().is_success(), "{}", response.status());
    response.json().await.unwrap_or(Value::Null)
}

/// Puts `faults` (the simulator's `Faults` as JSON) in force at `simulator_url`, alone.
pub async fn set_sim_faults(simulator_url: &str, faults: Value) {
    sim_admin(simulator_url, Method::PUT, "/faults", Some(faults)).await;
}

/// The demo client's authorisation path (`/oauth_auth.do?…`), with `state` and PKCE if given.
pub fn authorize_path(
    redirect_uri: &str,
    state: Option<&str>,
    code_challenge: Option<&str>,
) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query.append_pair("response_type", "code");
    query.append_pair("client_id", DEMO_CLIENT_ID);
    query.append_pair("redirect_uri", redirect_uri);
    if let Some(state) = state {
        query.append_pair("state", state);
    }
    if let Some(challenge) = code_challenge {
        query.append_pair("code_challenge", challenge);
        query.append_pair("code_challenge_method", "S256");
    }
    format!("/oauth_auth.do?{}", query.finish())
}

/// Signs in as the integration user at `instance` on the way to `return_to`; returns its session.
pub async fn sign_in_at_instance(instance: &str, return_to: &str) -> String {
    let response = post_form(
        &format!("{instance}/login.do"),
        &[],
        &[
            ("user_name", DEMO_INTEGRATION_USER),
            ("user_password", DEMO_INTEGRATION_PASSWORD),
            ("return_to", return_to),
        ],
    )
    .await;
    assert_eq!(response.status(), 303);
    session_cookie(&response)
}

/// Signs in at `instance` and answers `authorize_url`'s consent with `action`; returns the redirect.
pub async fn consent_at_instance(instance: &str, authorize_url: &str, action: &str) -> String {
    let return_to = authorize_url.split_once('?').expect("query").1;
    let session = sign_in_at_instance(instance, return_to).await;
    let mut consent: Vec<(String, String)> = url::form_urlencoded::parse(return_to.as_bytes())
        .into_owned()
        .collect();
    consent.push(("action".into(), action.into()));
    let decision = client()
        .post(format!("{instance}/oauth_auth.do"))
        .header(reqwest::header::COOKIE, session)
        .form(&consent)
        .send()
        .await
        .expect("consent");
    assert_eq!(decision.status(), 303);
    location(&decision)
}

// ---- connecting ScoreNow to ServiceNow -------------------------------------

/// Posts ScoreNow's ServiceNow connection form as `cookie`, as a browser without JavaScript does.
pub async fn post_connection_form(
    server: &TestServer,
    cookie: &str,
    instance: &str,
    client_id: &str,
    client_secret: &str,
) -> Response {
    post_form(
        &server.url("/api/connect_servicenow"),
        &[
            ("accept", "text/html"),
            ("referer", &server.url("/servicenow/setup")),
            ("cookie", cookie),
        ],
        &[
            ("instance", instance),
            ("client_id", client_id),
            ("client_secret", client_secret),
        ],
    )
    .await
}

/// Submits the connection form, which must be accepted; returns the instance's authorisation URL.
pub async fn start_authorization(
    server: &TestServer,
    cookie: &str,
    instance: &str,
    client_id: &str,
    client_secret: &str,
) -> String {
    let response = post_connection_form(server, cookie, instance, client_id, client_secret).await;
    assert_eq!(response.status(), 302, "the connection form is accepted");
    location(&response)
}

/// Follows `redirect` to ScoreNow's callback as `cookie`; returns the setup page's outcome.
pub async fn callback_outcome(redirect: &str, cookie: &str) -> String {
    let response = get(redirect, &[("cookie", cookie)]).await;
    assert!(response.status().is_redirection(), "{}", response.status());
    let location = location(&response);
    location
        .strip_prefix("/servicenow/setup?outcome=")
        .unwrap_or_else(|| panic!("unexpected redirect {location}"))
        .to_owned()
}

/// Connects ScoreNow to the (simulated) instance at `instance` as the admin
/// of `cookie`, the whole way a browser goes: the connection form with the
/// demo client, the instance's sign-in and consent pages as the integration
/// user, and the callback to ScoreNow.
pub async fn connect_servicenow(server: &TestServer, cookie: &str, instance: &str) {
    let authorize =
        start_authorization(server, cookie, instance, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET).await;
    let redirect = consent_at_instance(instance, &authorize, "allow").await;
    assert_eq!(
        callback_outcome(&redirect, cookie).await,
        "connected",
        "ScoreNow is connected"
    );
}
