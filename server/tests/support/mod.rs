//! Starts the real `scorenow` binary for integration tests.
//! Each test file uses a different part of it, hence `allow(dead_code)`.
#![allow(dead_code)]

pub mod fake_graph;

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, ExitStatus, Stdio},
    time::{Duration, Instant},
};

/// Admin token the test simulators are started with.
pub const SIM_ADMIN_TOKEN: &str = "test-admin-token";

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
    /// Starts `scorenow` on `127.0.0.1:0` (its simulator on another free port)
    /// and waits until it listens.
    pub fn start() -> Self {
        Self::start_with(&["--servicenow-sim-addr", "127.0.0.1:0"])
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
        command.args(["--addr", addr, "--data-dir"]).arg(dir);
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

    /// The temporary data directory this server was given by default.
    pub fn data_dir(&self) -> &std::path::Path {
        self.data_dir.path()
    }

    /// Absolute URL of `path` on this server.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
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

/// An HTTP client that neither follows redirects nor decompresses.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// Password of the demo accounts seeded in demo mode.
pub const DEMO_PASSWORD: &str = "scorenow-demo";

/// The sign-in form's action (the server function's URL), read from the page.
pub async fn sign_in_url(server: &TestServer) -> String {
    let html = client()
        .get(server.url("/login"))
        .send()
        .await
        .expect("GET /login")
        .text()
        .await
        .expect("body");
    let start = html.find("/api/sign_in").expect("sign-in form");
    let end = start + html[start..].find('"').expect("end of action");
    server.url(&html[start..end])
}

/// Posts the sign-in form as a browser without JavaScript does.
pub async fn sign_in(
    server: &TestServer,
    email: &str,
    password: &str,
    next: &str,
) -> reqwest::Response {
    client()
        .post(sign_in_url(server).await)
        .header(reqwest::header::ACCEPT, "text/html")
        .header(reqwest::header::REFERER, server.url("/login"))
        .form(&[("email", email), ("password", password), ("next", next)])
        .send()
        .await
        .expect("sign in")
}

/// A `Cookie` header value of a fresh session of the demo account `email`.
pub async fn signed_in_cookie(server: &TestServer, email: &str) -> String {
    signed_in_cookie_with(server, email, DEMO_PASSWORD).await
}

/// The body of `GET path`, sent with the `Cookie` header `cookie`.
pub async fn page_html(server: &TestServer, path: &str, cookie: &str) -> String {
    client()
        .get(server.url(path))
        .header(reqwest::header::COOKIE, cookie)
        .send()
        .await
        .expect("GET")
        .text()
        .await
        .expect("body")
}

/// A `Cookie` header value of a fresh session of `email` signed in with `password`.
pub async fn signed_in_cookie_with(server: &TestServer, email: &str, password: &str) -> String {
    let response = sign_in(server, email, password, "/").await;
    let cookie = response
        .headers()
        .get(reqwest::header::SET_COOKIE)
        .unwrap_or_else(|| panic!("{email} could not sign in: {}", response.status()))
        .to_str()
        .expect("cookie")
        .to_owned();
    cookie.split(';').next().expect("name=value").to_owned()
}

/// Calls the server function `endpoint` as JavaScript does (a form-encoded
/// POST asking for JSON); returns the status and the JSON body (the body as
/// a JSON string when it is not JSON).
pub async fn call<K: AsRef<str>, V: AsRef<str>>(
    server: &TestServer,
    cookie: &str,
    endpoint: &str,
    form: &[(K, V)],
) -> (u16, serde_json::Value) {
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_ref(), v.as_ref())).collect();
    let response = client()
        .post(server.url(&format!("/api/{endpoint}")))
        .header(reqwest::header::ACCEPT, "application/json")
        .header(reqwest::header::COOKIE, cookie)
        .form(&form)
        .send()
        .await
        .unwrap_or_else(|error| panic!("{endpoint}: {error}"));
    let status = response.status().as_u16();
    let body = response.text().await.expect("body");
    (
        status,
        serde_json::from_str(&body).unwrap_or(serde_json::Value::String(body)),
    )
}

/// A port that was free a moment ago, for a server that must keep its
/// address across a restart.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

/// Calls the simulator's admin endpoint (`/sim/admin{path}`) of the
/// simulator at `simulator_url`, unlocked with [`SIM_ADMIN_TOKEN`].
pub async fn sim_admin(
    simulator_url: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> serde_json::Value {
    let mut request = client()
        .request(method, format!("{simulator_url}/sim/admin{path}"))
        .bearer_auth(SIM_ADMIN_TOKEN);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("sim admin");
    assert!(response.status().is_success(), "{}", response.status());
    response.json().await.unwrap_or(serde_json::Value::Null)
}

/// Connects ScoreNow to the (simulated) instance at `instance` as the admin
/// of `cookie`, the whole way a browser goes: the connection form with the
/// demo client, the instance's sign-in and consent pages as the integration
/// user, and the callback to ScoreNow.
pub async fn connect_servicenow(server: &TestServer, cookie: &str, instance: &str) {
    use reqwest::header::{ACCEPT, COOKIE, LOCATION, REFERER};
    use server::servicenow_sim::{
        DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_INTEGRATION_PASSWORD, DEMO_INTEGRATION_USER,
    };
    let location = |response: &reqwest::Response| {
        response.headers()[LOCATION]
            .to_str()
            .expect("location")
            .to_owned()
    };
    let form = client()
        .post(server.url("/api/connect_servicenow"))
        .header(ACCEPT, "text/html")
        .header(REFERER, server.url("/servicenow/setup"))
        .header(COOKIE, cookie)
        .form(&[
            ("instance", instance),
            ("client_id", DEMO_CLIENT_ID),
            ("client_secret", DEMO_CLIENT_SECRET),
        ])
        .send()
        .await
        .expect("connection form");
    assert_eq!(form.status(), 302, "the connection form is accepted");
    let authorize = location(&form);
    let return_to = authorize.split_once('?').expect("query").1.to_owned();
    let login = client()
        .post(format!("{instance}/login.do"))
        .form(&[
            ("user_name", DEMO_INTEGRATION_USER),
            ("user_password", DEMO_INTEGRATION_PASSWORD),
            ("return_to", return_to.as_str()),
        ])
        .send()
        .await
        .expect("instance sign-in");
    assert_eq!(login.status(), 303);
    let session = login.headers()[reqwest::header::SET_COOKIE]
        .to_str()
        .expect("session")
        .split(';')
        .next()
        .expect("name=value")
        .to_owned();
    let mut consent: Vec<(String, String)> = url::form_urlencoded::parse(return_to.as_bytes())
        .into_owned()
        .collect();
    consent.push(("action".into(), "allow".into()));
    let decision = client()
        .post(format!("{instance}/oauth_auth.do"))
        .header(COOKIE, session)
        .form(&consent)
        .send()
        .await
        .expect("consent");
    assert_eq!(decision.status(), 303);
    let callback = client()
        .get(location(&decision))
        .header(COOKIE, cookie)
        .send()
        .await
        .expect("callback");
    assert_eq!(
        location(&callback),
        "/servicenow/setup?outcome=connected",
        "ScoreNow is connected"
    );
}
