//! The OpenID Connect provider through the `openidconnect` crate: discovery
//! (cached; retried at the next sign-in when it failed), the authorisation
//! URL with PKCE, state and nonce, the code exchange, and the ID token's
//! checks — signature, issuer, audience, expiry and nonce. The provider's
//! signing keys are cached with the discovery; a token signed with a key
//! they do not have makes one fresh fetch of the key set (at most one per
//! [`JWKS_REFETCH_INTERVAL`]), which is how a key rotation is followed.

use super::SsoSettings;
use crate::{outbound::oauth_client, servicenow::failure::error_chain};
use openidconnect::{
    AdditionalClaims, AuthorizationCode, Client, ClientId, ClientSecret, CsrfToken,
    EmptyExtraTokenFields, EndpointMaybeSet, EndpointNotSet, EndpointSet, IdTokenClaims,
    IdTokenFields, IssuerUrl, JsonWebKeySet, Nonce, PkceCodeChallenge, PkceCodeVerifier,
    PostLogoutRedirectUrl, ProviderMetadataWithLogout, RedirectUrl, RequestTokenError, Scope,
    StandardErrorResponse, StandardTokenResponse,
    core::{
        CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreErrorResponseType,
        CoreGenderClaim, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm,
        CoreJwsSigningAlgorithm, CoreRevocableToken, CoreRevocationErrorResponse,
        CoreTokenIntrospectionResponse, CoreTokenType,
    },
};
use serde::{Deserialize, Serialize};
use std::{
    sync::Arc,
    time::{Duration, Instant},
};
use tokio::sync::Mutex;

/// Fewest seconds between two fetches of the key set for unknown keys.
const JWKS_REFETCH_INTERVAL: Duration = Duration::from_secs(10);

/// Every claim of the ID token besides the standard ones, as sent.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct OtherClaims(pub serde_json::Map<String, serde_json::Value>);

impl AdditionalClaims for OtherClaims {}

/// The checked claims of an ID token.
pub type Claims = IdTokenClaims<OtherClaims, CoreGenderClaim>;

type TokenResponse = StandardTokenResponse<
    IdTokenFields<
        OtherClaims,
        EmptyExtraTokenFields,
        CoreGenderClaim,
        CoreJweContentEncryptionAlgorithm,
        CoreJwsSigningAlgorithm,
    >,
    CoreTokenType,
>;

type OidcClient = Client<
    OtherClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    TokenResponse,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// Why the provider did not vouch for a user.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    /// Discovery, the key set or the token endpoint could not be reached or read.
    #[error("the identity provider cannot be reached: {0}")]
    Unreachable(String),
    /// The token endpoint refused the code (used already, expired, wrong verifier).
    #[error("the identity provider refused the code: {0}")]
    CodeRefused(String),
    /// The ID token is missing or failed a check.
    #[error("the ID token is not valid: {0}")]
    InvalidToken(String),
}

/// A sign-in to send the browser to the provider for.
pub struct Authorization {
    pub url: url::Url,
    pub state: String,
    pub pkce_verifier: String,
    pub nonce: String,
}

/// The discovery document with the key set it named.
struct Discovered {
    metadata: Arc<ProviderMetadataWithLogout>,
    /// When the key set was last fetched for an unknown key.
    refetched_at: Option<Instant>,
}

/// The configured provider, its discovery cached.
pub struct Provider {
    settings: SsoSettings,
    redirect_url: RedirectUrl,
    http: reqwest::Client,
    discovered: Mutex<Option<Discovered>>,
}

impl Provider {
    /// The provider of `settings`, which sends browsers back to `redirect_url`.
    pub fn new(settings: SsoSettings, redirect_url: url::Url, http: reqwest::Client) -> Self {
        Self {
            settings,
            redirect_url: RedirectUrl::from_url(redirect_url),
            http,
            discovered: Mutex::new(None),
        }
    }

    /// The settings it was made with.
    pub fn settings(&self) -> &SsoSettings {
        &self.settings
    }

    /// The discovery document, fetched at first use.
    async fn metadata(&self) -> Result<Arc<ProviderMetadataWithLogout>, ProviderError> {
        let mut discovered = self.discovered.lock().await;
        if let Some(discovered) = discovered.as_ref() {
            return Ok(discovered.metadata.clone());
        }
        // Exactly as configured: what the discovery document's and the ID
        // tokens' `iss` must equal.
        let issuer = IssuerUrl::new(self.settings.issuer.clone())
            .map_err(|error| ProviderError::Unreachable(error.to_string()))?;
        let metadata =
            ProviderMetadataWithLogout::discover_async(issuer, &oauth_client(&self.http))
                .await
                .map_err(|error| ProviderError::Unreachable(error_chain(&error)))?;
        let metadata = Arc::new(metadata);
        *discovered = Some(Discovered {
            metadata: metadata.clone(),
            refetched_at: None,
        });
        Ok(metadata)
    }

    /// Fetches the key set again, unless that was done a moment ago; the
    /// metadata with the new keys.
    async fn refetch_keys(&self) -> Result<Option<Arc<ProviderMetadataWithLogout>>, ProviderError> {
        let mut discovered = self.discovered.lock().await;
        let Some(current) = discovered.as_mut() else {
            return Ok(None);
        };
        if current
            .refetched_at
            .is_some_and(|at| at.elapsed() < JWKS_REFETCH_INTERVAL)
        {
            return Ok(None);
        }
        let keys =
            JsonWebKeySet::fetch_async(current.metadata.jwks_uri(), &oauth_client(&self.http))
                .await
                .map_err(|error| ProviderError::Unreachable(error_chain(&error)))?;
        tracing::info!(
            keys = keys.keys().len(),
            "fetched the identity provider's signing keys again for an unknown key"
        );
        let metadata = Arc::new((*current.metadata).clone().set_jwks(keys));
        current.metadata = metadata.clone();
        current.refetched_at = Some(Instant::now());
        Ok(Some(metadata))
    }

    fn client(&self, metadata: &ProviderMetadataWithLogout) -> OidcClient {
        Client::from_provider_metadata(
            metadata.clone(),
            ClientId::new(self.settings.client_id.clone()),
            self.settings
                .client_secret
                .as_ref()
                .map(|secret| ClientSecret::new(secret.expose().to_owned())),
        )
        .set_redirect_uri(self.redirect_url.clone())
    }

    /// A new sign-in: the provider's authorisation URL with fresh state,
    /// nonce and PKCE challenge (S256).
    pub async fn authorization(&self) -> Result<Authorization, ProviderError> {
        let metadata = self.metadata().await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let client = self.client(&metadata);
        let mut request = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(challenge);
        for scope in &self.settings.scopes {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        let (url, state, nonce) = request.url();
        Ok(Authorization {
            url,
            state: state.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
            nonce: nonce.secret().clone(),
        })
    }

    /// Exchanges `code` (with its PKCE verifier) and checks the ID token
    /// against `nonce`; its claims.
    pub async fn claims(
        &self,
        code: &str,
        pkce_verifier: &str,
        nonce: &str,
    ) -> Result<Claims, ProviderError> {
        let metadata = self.metadata().await?;
        let client = self.client(&metadata);
        let response = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|error| ProviderError::Unreachable(error.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_owned()))
            .request_async(&oauth_client(&self.http))
            .await
            .map_err(|error| match error {
                RequestTokenError::ServerResponse(answer) => {
                    ProviderError::CodeRefused(answer.error().to_string())
                }
                other => ProviderError::Unreachable(error_chain(&other)),
            })?;
        let token = response
            .extra_fields()
            .id_token()
            .ok_or_else(|| ProviderError::InvalidToken("the answer has no ID token".to_owned()))?;
        let nonce = Nonce::new(nonce.to_owned());
        let verified = token.claims(&client.id_token_verifier(), &nonce).cloned();
        match verified {
            Err(openidconnect::ClaimsVerificationError::SignatureVerification(
                openidconnect::SignatureVerificationError::NoMatchingKey,
            )) => match self.refetch_keys().await? {
                Some(metadata) => token
                    .claims(&self.client(&metadata).id_token_verifier(), &nonce)
                    .cloned()
                    .map_err(|error| ProviderError::InvalidToken(error_chain(&error))),
                None => Err(ProviderError::InvalidToken(
                    "signed with a key the provider does not publish".to_owned(),
                )),
            },
            other => other.map_err(|error| ProviderError::InvalidToken(error_chain(&error))),
        }
    }

    /// The provider's end-session URL that returns to `back` (RP-initiated
    /// logout), when it has one; `None` also when it cannot be reached.
    pub async fn end_session_url(&self, back: url::Url) -> Option<url::Url> {
        let metadata = self.metadata().await.ok()?;
        let endpoint = metadata
            .additional_metadata()
            .end_session_endpoint
            .clone()?;
        let request = openidconnect::LogoutRequest::from(endpoint)
            .set_client_id(ClientId::new(self.settings.client_id.clone()))
            .set_post_logout_redirect_uri(PostLogoutRedirectUrl::from_url(back));
        Some(request.http_get_url())
    }
}
