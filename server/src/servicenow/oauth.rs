//! OAuth 2.0 with a ServiceNow instance, through the `oauth2` crate:
//! authorisation URL with `state` and PKCE (S256), code exchange, refresh,
//! and ServiceNow's own revocation endpoint.

use super::{failure::Failure, instance::InstanceUrl};
use app::domain::servicenow::ProblemKind;
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet, EndpointSet,
    HttpRequest, HttpResponse, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RefreshToken,
    RequestTokenError, TokenResponse, TokenUrl,
    basic::{BasicClient, BasicErrorResponse, BasicTokenResponse},
};
use std::time::Duration;
use url::Url;

/// Access token lifespan assumed when a response leaves `expires_in` out
/// (ServiceNow's default).
const DEFAULT_ACCESS_LIFESPAN: Duration = Duration::from_secs(1800);

/// The OAuth entity's credentials.
#[derive(Clone)]
pub struct Credentials {
    pub client_id: String,
    pub client_secret: String,
}

/// Where to send the browser, and what to keep (server-side) to finish.
pub struct AuthorizationStart {
    pub url: Url,
    pub state: String,
    pub pkce_verifier: String,
}

/// Tokens from a token response.
pub struct TokenSet {
    pub access_token: String,
    pub expires_in: Duration,
    /// Absent when the instance kept the old one (refresh).
    pub refresh_token: Option<String>,
}

type Client = BasicClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

/// ScoreNow as the client of one OAuth entity at one instance.
pub struct OAuthClient {
    http: reqwest::Client,
    client: Client,
}

impl OAuthClient {
    /// The client of `credentials` at `instance`, redirected to
    /// `redirect_uri`, calling the token endpoint through `http`.
    pub fn new(
        http: reqwest::Client,
        instance: &InstanceUrl,
        credentials: &Credentials,
        redirect_uri: &str,
    ) -> Self {
        let redirect = RedirectUrl::new(redirect_uri.to_owned())
            .expect("the redirect URI is built from a valid origin");
        let client = BasicClient::new(ClientId::new(credentials.client_id.clone()))
            .set_client_secret(ClientSecret::new(credentials.client_secret.clone()))
            .set_auth_uri(AuthUrl::from_url(instance.join("/oauth_auth.do")))
            .set_token_uri(TokenUrl::from_url(instance.join("/oauth_token.do")))
            .set_redirect_uri(redirect)
            // ServiceNow reads client_id and client_secret from the form body.
            .set_auth_type(oauth2::AuthType::RequestBody);
        Self { http, client }
    }

    /// The authorisation URL with a fresh `state` and PKCE challenge.
    pub fn start_authorization(&self) -> AuthorizationStart {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state) = self
            .client
            .authorize_url(CsrfToken::new_random)
            .set_pkce_challenge(challenge)
            .url();
        AuthorizationStart {
            url,
            state: state.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        }
    }

    /// Exchanges an authorisation code for tokens.
    pub async fn exchange_code(
        &self,
        code: &str,
        pkce_verifier: String,
    ) -> Result<TokenSet, Failure> {
        let answer = self
            .client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier))
            .request_async(&http_client(&self.http))
            .await;
        token_set(answer, ProblemKind::AuthorizationRefused)
            .map_err(|failure| refused_on_any_4xx(failure, ProblemKind::AuthorizationRefused))
    }

    /// Trades the refresh token for a new access token.
    pub async fn refresh(&self, refresh_token: &str) -> Result<TokenSet, Failure> {
        let answer = self
            .client
            .exchange_refresh_token(&RefreshToken::new(refresh_token.to_owned()))
            .request_async(&http_client(&self.http))
            .await;
        token_set(answer, ProblemKind::ReauthorizationNeeded)
    }
}

/// Revokes a token at the instance (`oauth_revoke_token.do`): the token in
/// a form body, never in the URL (where proxies log it), with the client's
/// credentials, which the instance checks when they are given.
pub async fn revoke(
    http: &reqwest::Client,
    instance: &InstanceUrl,
    credentials: &Credentials,
    token: &str,
) -> Result<(), Failure> {
    let answer = super::http::send(http.post(instance.join("/oauth_revoke_token.do")).form(&[
        ("token", token),
        ("client_id", credentials.client_id.as_str()),
        ("client_secret", credentials.client_secret.as_str()),
    ]))
    .await?;
    if answer.status.is_success() {
        Ok(())
    } else {
        Err(answer.failure())
    }
}

/// OAuth errors that mean the grant or the client is dead, not that the
/// endpoint had a bad moment.
const DEFINITIVE_ERRORS: [&str; 4] = [
    "invalid_grant",
    "invalid_client",
    "unauthorized_client",
    "access_denied",
];

/// Whether the token endpoint's `failure` says the grant or client is
/// dead: RFC 6749's errors, or ServiceNow's observed
/// `{"error":"server_error","error_description":"access_denied"}`. A bare
/// 400/401 (a proxy, a node restarting) is not.
fn definitive(failure: &Failure) -> bool {
    DEFINITIVE_ERRORS.contains(&failure.message.as_str()) || failure.detail == "access_denied"
}

/// An authorisation code exchange: an admin is at hand, so any 400/401
/// ends it as `refused`.
fn refused_on_any_4xx(failure: Failure, refused: ProblemKind) -> Failure {
    if matches!(failure.status, Some(400 | 401)) {
        Failure {
            kind: refused,
            ..failure
        }
    } else {
        failure
    }
}

/// The tokens of a token endpoint's answer; a definitive refusal is a
/// problem of kind `refused`, a bare 400/401 a server error (it is retried).
fn token_set(
    answer: Result<BasicTokenResponse, RequestTokenError<Failure, BasicErrorResponse>>,
    refused: ProblemKind,
) -> Result<TokenSet, Failure> {
    let response = answer.map_err(|error| token_failure(error, refused))?;
    Ok(TokenSet {
        access_token: response.access_token().secret().clone(),
        expires_in: response.expires_in().unwrap_or(DEFAULT_ACCESS_LIFESPAN),
        refresh_token: response.refresh_token().map(|t| t.secret().clone()),
    })
}

/// A 400 or 401 of the token endpoint that says the grant is dead is a
/// refusal of `refused`'s kind; one that says nothing may pass, and counts
/// as a server error; transport problems and 5xx keep their own class.
fn token_failure(
    error: RequestTokenError<Failure, BasicErrorResponse>,
    refused: ProblemKind,
) -> Failure {
    match error {
        RequestTokenError::Request(failure) if matches!(failure.status, Some(400 | 401)) => {
            let kind = if definitive(&failure) {
                refused
            } else {
                ProblemKind::ServerError
            };
            Failure { kind, ..failure }
        }
        RequestTokenError::Request(failure) => failure,
        RequestTokenError::ServerResponse(response) => Failure {
            detail: response.error_description().cloned().unwrap_or_default(),
            ..Failure::new(refused, response.error().to_string())
        },
        RequestTokenError::Parse(error, _) => {
            Failure::new(ProblemKind::Malformed, error.to_string())
        }
        RequestTokenError::Other(message) => Failure::new(ProblemKind::Malformed, message),
    }
}

/// [`send`] as the `oauth2` crate's asynchronous HTTP client.
fn http_client(
    http: &reqwest::Client,
) -> impl Fn(HttpRequest) -> std::pin::Pin<Box<dyn Future<Output = Result<HttpResponse, Failure>> + Send>>
{
    let http = http.clone();
    move |request| {
        let http = http.clone();
        Box::pin(async move { send(&http, request).await })
    }
}

/// The HTTP client the `oauth2` crate calls: reqwest, with every answer but
/// a success turned into a classified failure (with its status) before the
/// crate sees it, so a server error is never mistaken for a refused refresh
/// token, and a refusal is recognised whatever its body.
async fn send(http: &reqwest::Client, request: HttpRequest) -> Result<HttpResponse, Failure> {
    let (parts, body) = request.into_parts();
    let answer = super::http::send(
        http.request(parts.method, parts.uri.to_string())
            .headers(parts.headers)
            .body(body),
    )
    .await?;
    let status = answer.status;
    if !status.is_success() {
        return Err(answer.failure());
    }
    let mut response = http::Response::new(answer.body.to_vec());
    *response.status_mut() = status;
    *response.headers_mut() = answer.headers;
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::{StatusCode, header::HeaderMap};

    fn refusal(status: u16, body: &str) -> RequestTokenError<Failure, BasicErrorResponse> {
        RequestTokenError::Request(Failure::from_response(
            StatusCode::from_u16(status).unwrap(),
            &HeaderMap::new(),
            body.as_bytes(),
        ))
    }

    #[test]
    fn only_a_dead_grant_is_a_refusal_of_the_refresh() {
        for body in [
            r#"{"error":"server_error","error_description":"access_denied"}"#,
            r#"{"error":"invalid_grant","error_description":"expired"}"#,
            r#"{"error":"invalid_client"}"#,
        ] {
            let failure = token_failure(refusal(401, body), ProblemKind::ReauthorizationNeeded);
            assert_eq!(failure.kind, ProblemKind::ReauthorizationNeeded, "{body}");
            assert_eq!(failure.status, Some(401));
        }
        for body in [
            "",
            "<html>Logged out</html>",
            r#"{"error":"temporarily_unavailable"}"#,
        ] {
            let failure = token_failure(refusal(401, body), ProblemKind::ReauthorizationNeeded);
            assert_eq!(failure.kind, ProblemKind::ServerError, "{body}");
            assert!(failure.is_transient(), "{body}");
        }
        let failure = token_failure(
            refusal(
                401,
                r#"{"error":"server_error","error_description":"access_denied"}"#,
            ),
            ProblemKind::ReauthorizationNeeded,
        );
        assert_eq!(
            (failure.message.as_str(), failure.detail.as_str()),
            ("server_error", "access_denied")
        );
    }

    #[test]
    fn any_400_or_401_ends_a_code_exchange() {
        for body in ["", "<html>Logged out</html>"] {
            let failure = token_failure(refusal(400, body), ProblemKind::AuthorizationRefused);
            let failure = refused_on_any_4xx(failure, ProblemKind::AuthorizationRefused);
            assert_eq!(failure.kind, ProblemKind::AuthorizationRefused, "{body}");
        }
    }

    #[test]
    fn server_errors_of_the_token_endpoint_are_not_refusals() {
        let failure = token_failure(refusal(503, ""), ProblemKind::ReauthorizationNeeded);
        assert_eq!(failure.kind, ProblemKind::ServerError);
        assert!(failure.is_transient());
    }
}
