//! Time as ScoreNow stores it (Unix seconds, milliseconds for short waits)
//! and shows it (UTC text).

/// Seconds since the Unix epoch.
pub fn unix_now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Milliseconds since the Unix epoch, for waits shorter than a second.
pub fn unix_now_ms() -> i64 {
    i64::try_from(time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000)
        .unwrap_or(i64::MAX)
}

/// `YYYY-MM-DD HH:MM:SS` (UTC) of a Unix time; empty if out of range.
pub fn utc_text(at: i64) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    time::OffsetDateTime::from_unix_timestamp(at)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_text_is_second_precise() {
        assert_eq!(utc_text(0), "1970-01-01 00:00:00");
        assert_eq!(utc_text(1_795_000_000), "2026-11-18 11:06:40");
        assert!(unix_now() > 1_700_000_000);
        assert!((unix_now_ms() / 1000 - unix_now()).abs() <= 1);
    }
}
