//! Content-Security-Policy values.
//!
//! Pages allow exactly one kind of inline script: the hydration bootstrap and
//! the streamed resource chunks Leptos writes, each carrying the per-request
//! nonce. Everything else must come from our own origin.

/// Origins besides our own that a form sent without JavaScript may end up
/// at through a redirect (the identity provider's sign-out page); the
/// server provides it to every request.
#[derive(Clone, Debug, Default)]
pub struct FormTargets(pub Vec<String>);

/// The policy for a server-rendered page whose inline scripts carry `nonce`;
/// forms may also lead to `targets`.
pub fn page_policy(nonce: &str, targets: &FormTargets) -> String {
    let form_action = std::iter::once("'self'")
        .chain(targets.0.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join(" ");
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action {form_action}; frame-ancestors 'none'"
    )
}

/// The policy for every other response (assets, JSON, health checks).
pub const RESOURCE_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_policy_allows_only_nonced_inline_scripts() {
        let policy = page_policy("abc123", &FormTargets::default());
        let script_src = policy
            .split(';')
            .map(str::trim)
            .find(|directive| directive.starts_with("script-src"))
            .expect("script-src directive");
        assert_eq!(
            script_src,
            "script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval'"
        );
        assert!(!policy.contains("unsafe-inline"));
        assert!(policy.contains("frame-ancestors 'none'"));
        assert!(policy.contains("form-action 'self';"));
    }

    #[test]
    fn forms_may_lead_to_the_named_origins_only() {
        let targets = FormTargets(vec!["https://login.microsoftonline.com".to_owned()]);
        assert!(
            page_policy("n", &targets)
                .contains("form-action 'self' https://login.microsoftonline.com;")
        );
    }

    #[test]
    fn resource_policy_forbids_framing_and_everything_else() {
        assert!(RESOURCE_POLICY.starts_with("default-src 'none'"));
        assert!(RESOURCE_POLICY.contains("frame-ancestors 'none'"));
    }
}
