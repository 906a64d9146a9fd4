//! Content-Security-Policy values.
//!
//! Pages allow exactly one kind of inline script: the hydration bootstrap and
//! the streamed resource chunks Leptos writes, each carrying the per-request
//! nonce. Everything else must come from our own origin.

/// The policy for a server-rendered page whose inline scripts carry `nonce`;
/// a form sent without JavaScript may also end up, through a redirect, at
/// the origins `form_targets` (the identity provider's sign-out page).
pub fn page_policy(nonce: &str, form_targets: &[String]) -> String {
    let form_action = std::iter::once("'self'")
        .chain(form_targets.iter().map(String::as_str))
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
        let policy = page_policy("abc123", &[]);
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
        let targets = ["https://login.microsoftonline.com".to_owned()];
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
