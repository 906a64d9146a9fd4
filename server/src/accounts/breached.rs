//! Passwords that breaches show to be common: zxcvbn's bundled list of the
//! most common passwords of the "xato" password dump. zxcvbn warns that a
//! password *is* a common one when the whole password is an entry of that
//! list (in any capitalisation).

use zxcvbn::feedback::Warning;

/// Whether `password` is, as a whole, one of the most common breached passwords.
pub fn is_common(password: &str) -> bool {
    let strength = zxcvbn::zxcvbn(password, &[]);
    matches!(
        strength.feedback().and_then(|feedback| feedback.warning()),
        Some(
            Warning::ThisIsATop10Password
                | Warning::ThisIsATop100Password
                | Warning::ThisIsACommonPassword
        )
    )
}

#[cfg(test)]
mod tests {
    use super::is_common;

    #[test]
    fn common_breached_passwords_are_recognised_in_any_capitalisation() {
        for common in ["password1234", "1qaz2wsx3edc", "Qwerty123456", "PASSWORD"] {
            assert!(is_common(common), "{common}");
        }
        for rare in [
            "correct horse battery staple",
            "scorenow-demo",
            "Tr0ub4dor&3 zebra lamp",
            "qwertyuiop12 and more",
        ] {
            assert!(!is_common(rare), "{rare}");
        }
    }
}
