//! Where the application may send a user back to after a detour (language
//! switch, sign-in): only paths on this site, never another origin.

/// Returns `candidate` when it is a local absolute path, `None` otherwise.
///
/// Rejects anything a browser could resolve to another host: scheme-relative
/// `//host`, backslash tricks (`/\host`), and control characters.
pub fn safe_local_path(candidate: &str) -> Option<&str> {
    let local = candidate.starts_with('/')
        && !candidate.starts_with("//")
        && !candidate.contains('\\')
        && !candidate.chars().any(char::is_control);
    local.then_some(candidate)
}

#[cfg(test)]
mod tests {
    use super::safe_local_path;

    #[test]
    fn local_paths_with_query_are_kept() {
        assert_eq!(
            safe_local_path("/tickets?type=incident"),
            Some("/tickets?type=incident")
        );
        assert_eq!(safe_local_path("/"), Some("/"));
    }

    #[test]
    fn other_origins_are_refused() {
        for hostile in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "javascript:alert(1)",
            "/\t/evil.example",
            "",
            "tickets",
        ] {
            assert_eq!(safe_local_path(hostile), None, "{hostile:?}");
        }
    }
}
