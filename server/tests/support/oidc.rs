//! A real OpenID Connect provider for the tests: npm's certified
//! `oidc-provider`, run by `end2end/oidc/provider.mjs` (its accounts and
//! test endpoints are described there), and a browser that signs in
//! through it: cookies kept per site, redirects followed one by one.

use super::{TestServer, scorenow};
use reqwest::{Response, header::LOCATION};
use serde_json::Value;
use std::{
    io::{BufRead, BufReader},
    path::PathBuf,
    process::{Child, Command, Stdio},
};

/// The client ScoreNow is registered as at the test provider.
pub const CLIENT_ID: &str = "scorenow-tests";
pub const CLIENT_SECRET: &str = "scorenow-tests-secret";
/// The tenant every test account but `outsider` belongs to.
pub const TENANT: &str = "11111111-2222-3333-4444-555555555555";

/// The provider process; killed on drop.
pub struct OidcProvider {
    pub issuer: String,
    child: Child,
}

impl OidcProvider {
    /// Starts the provider on a free port for a ScoreNow at `scorenow_base`
    /// (its callback and sign-in page registered as redirect URIs).
    pub fn start(scorenow_base: &str) -> Self {
        let end2end = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../end2end");
        let script = end2end.join("oidc/provider.mjs");
        let modules = end2end.join("node_modules/oidc-provider");
        assert!(
            modules.exists(),
            "the test identity provider needs npm's oidc-provider: run `make e2e-deps`"
        );
        let mut child = Command::new("node")
            .arg(&script)
            .env("OIDC_PORT", "0")
            .env("OIDC_CLIENT_ID", CLIENT_ID)
            .env("OIDC_CLIENT_SECRET", CLIENT_SECRET)
            .env("OIDC_TENANT_ID", TENANT)
            .env(
                "OIDC_REDIRECT_URIS",
                format!("{scorenow_base}/auth/oidc/callback"),
            )
            .env(
                "OIDC_POST_LOGOUT_REDIRECT_URIS",
                format!("{scorenow_base}/login"),
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("run node (Debian's nodejs)");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let first = lines
            .next()
            .expect("the provider exited before listening")
            .expect("read");
        let ready: Value = serde_json::from_str(&first).expect("a JSON line");
        std::thread::spawn(move || lines.for_each(drop));
        Self {
            issuer: ready["issuer"].as_str().expect("issuer").to_owned(),
            child,
        }
    }

    async fn test_endpoint(&self, method: reqwest::Method, path: &str, body: Option<Value>) {
        let mut request = reqwest::Client::new().request(method, format!("{}{path}", self.issuer));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let answer = request.send().await.expect("test endpoint");
        assert!(answer.status().is_success(), "{path}: {}", answer.status());
    }

    /// Replaces the claims of the account `id`.
    pub async fn set_user(&self, id: &str, claims: Value) {
        self.test_endpoint(
            reqwest::Method::PUT,
            &format!("/test/users/{id}"),
            Some(claims),
        )
        .await;
    }

    /// Tampers with the next ID token as `mischief` says (see provider.mjs).
    pub async fn mischief(&self, mischief: Value) {
        self.test_endpoint(reqwest::Method::PUT, "/test/mischief", Some(mischief))
            .await;
    }

    /// Signs with a new key from now on.
    pub async fn rotate_keys(&self) {
        self.test_endpoint(reqwest::Method::POST, "/test/rotate-keys", None)
            .await;
    }

    /// How often the key set was fetched.
    pub async fn jwks_fetches(&self) -> u64 {
        let stats: Value = reqwest::get(format!("{}/test/stats", self.issuer))
            .await
            .expect("stats")
            .json()
            .await
            .expect("JSON");
        stats["jwks"].as_u64().expect("jwks count")
    }
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A ScoreNow in demo mode on a fixed port with single sign-on at a fresh
/// provider, and `extra` options; both are stopped on drop.
pub struct SsoSetup {
    pub server: TestServer,
    pub provider: OidcProvider,
}

impl SsoSetup {
    pub fn start(extra: &[&str]) -> Self {
        let port = super::free_port();
        let base = format!("http://127.0.0.1:{port}");
        let provider = OidcProvider::start(&base);
        let mut command = scorenow();
        command
            .args(["--demo", "--servicenow-sim-addr", "off"])
            .args(["--public-url", &base])
            .args(["--oidc-issuer", &provider.issuer])
            .args(["--oidc-client-id", CLIENT_ID, "--oidc-tenant-id", TENANT])
            .env("SCORENOW_OIDC_CLIENT_SECRET", CLIENT_SECRET)
            .args(extra);
        let server = TestServer::start_command_at(command, &format!("127.0.0.1:{port}"), None);
        Self { server, provider }
    }
}

/// A browser: its own cookies, redirects followed one at a time.
pub struct Browser {
    http: reqwest::Client,
}

impl Default for Browser {
    fn default() -> Self {
        Self {
            http: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
        }
    }
}

/// `location` resolved against the URL it was answered for.
fn absolute(base: &str, location: &str) -> String {
    url::Url::parse(base)
        .and_then(|base| base.join(location))
        .expect("a URL")
        .to_string()
}

impl Browser {
    pub async fn get(&self, url: &str) -> Response {
        self.http.get(url).send().await.expect("GET")
    }

    /// Where the `303`/`302` answer to `GET url` sends the browser, absolute.
    pub async fn redirected(&self, url: &str) -> String {
        let answer = self.get(url).await;
        assert!(
            answer.status().is_redirection(),
            "GET {url}: {}",
            answer.status()
        );
        absolute(url, answer.headers()[LOCATION].to_str().expect("location"))
    }

    /// Starts a sign-in at ScoreNow for `next`, signs in at the provider as
    /// `login` and follows the provider's redirects up to (not into)
    /// ScoreNow's callback; the callback URL with its code and state.
    pub async fn at_provider(&self, setup: &SsoSetup, login: &str, next: &str) -> String {
        let start = setup.server.url(&format!(
            "/auth/oidc/start?next={}",
            url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
        ));
        let authorize = self.redirected(&start).await;
        assert!(authorize.starts_with(&setup.provider.issuer), "{authorize}");
        // The provider asks for the account once; a browser already signed
        // in there goes straight back.
        let mut url = authorize;
        while !url.starts_with(&setup.server.base_url) {
            url = if url.contains("/interaction/") {
                let answer = self
                    .http
                    .post(&url)
                    .form(&[("login", login), ("password", "any")])
                    .send()
                    .await
                    .expect("POST the provider's sign-in form");
                assert!(
                    answer.status().is_redirection(),
                    "sign-in form: {}",
                    answer.status()
                );
                absolute(&url, answer.headers()[LOCATION].to_str().unwrap())
            } else {
                self.redirected(&url).await
            };
        }
        url
    }

    /// Sends the provider's answer to ScoreNow's callback; where ScoreNow
    /// sends the browser (a path) and the session cookie it set, if any.
    pub async fn complete(&self, callback: &str) -> (String, Option<String>) {
        let answer = self.get(callback).await;
        assert_eq!(answer.status(), 303, "callback");
        let session = answer
            .headers()
            .get_all(reqwest::header::SET_COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .find(|cookie| {
                cookie.starts_with("scorenow_session=") && !cookie.starts_with("scorenow_session=;")
            })
            .map(|cookie| cookie.split(';').next().unwrap().to_owned());
        (
            answer.headers()[LOCATION].to_str().unwrap().to_owned(),
            session,
        )
    }

    /// A whole sign-in as `login`, landing on `next`: where ScoreNow sends the browser, and the session.
    pub async fn sign_in(
        &self,
        setup: &SsoSetup,
        login: &str,
        next: &str,
    ) -> (String, Option<String>) {
        let callback = self.at_provider(setup, login, next).await;
        self.complete(&callback).await
    }
}
