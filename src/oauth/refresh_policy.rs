//! When to refresh the access token: pure timing, all times in ms since the epoch.
//!
//! iLert asks clients not to refresh a token more than once per 5 minutes, and to refresh
//! shortly before expiry (or when the API answers 401). The policy:
//!
//! 1. Refresh a *margin* before the access token expires: 60 s, but at most 10% of the
//!    token's lifetime (so short-lived test tokens are not refreshed at once) and at least 1 s.
//! 2. If that moment is less than 5 minutes after the last refresh, wait until the 5 minutes
//!    are up, as long as the token is still valid (by at least [`MIN_MARGIN_MS`]) at that time.
//! 3. If the token would expire before the 5 minutes are up, refresh at expiry − margin
//!    anyway: a session that lost its access token would have to refresh regardless.

/// The shortest time between two refreshes that iLert asks for: 5 minutes.
pub const MIN_INTERVAL_MS: f64 = 300_000.0;

/// The usual margin before expiry: 60 s.
pub const MAX_MARGIN_MS: f64 = 60_000.0;

/// The smallest margin before expiry: 1 s.
pub const MIN_MARGIN_MS: f64 = 1_000.0;

/// How long before expiry to refresh a token that lives `lifetime_ms`: 10% of the lifetime,
/// capped to 60 s, and at least 1 s.
pub fn refresh_margin_ms(lifetime_ms: f64) -> f64 {
    let lifetime = if lifetime_ms.is_finite() {
        lifetime_ms.max(0.0)
    } else {
        0.0
    };
    (lifetime * 0.1).clamp(MIN_MARGIN_MS, MAX_MARGIN_MS)
}

/// When to refresh a token that expires at `expires_at_ms` and lives `lifetime_ms`, given the
/// time of the last refresh (None if it was never refreshed); see the module docs for the rules.
/// A result in the past means "now".
pub fn next_refresh_at(expires_at_ms: f64, lifetime_ms: f64, last_refresh_ms: Option<f64>) -> f64 {
    let ideal = expires_at_ms - refresh_margin_ms(lifetime_ms);
    let Some(last) = last_refresh_ms.filter(|l| l.is_finite()) else {
        return ideal;
    };
    let earliest = last + MIN_INTERVAL_MS;
    if ideal >= earliest {
        ideal
    } else if earliest <= expires_at_ms - MIN_MARGIN_MS {
        // Too soon after the last refresh, but the token outlives the wait: respect the 5 minutes.
        earliest
    } else {
        // The token would expire first: refresh before it does, even within the 5 minutes.
        ideal
    }
}

/// How long to wait from `now_ms` until `at_ms` (never negative), for a timer.
pub fn delay_ms(at_ms: f64, now_ms: f64) -> f64 {
    (at_ms - now_ms).max(0.0)
}

/// Whether the last refresh was less than [`MIN_INTERVAL_MS`] before `now_ms` (for the UI to warn
/// before a manual refresh).
pub fn refreshed_recently(now_ms: f64, last_refresh_ms: Option<f64>) -> bool {
    last_refresh_ms.is_some_and(|l| now_ms - l < MIN_INTERVAL_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: f64 = 3_600_000.0;
    const T0: f64 = 1_700_000_000_000.0;

    #[test]
    fn margins() {
        assert_eq!(refresh_margin_ms(HOUR), 60_000.0);
        assert_eq!(refresh_margin_ms(600_000.0), 60_000.0);
        assert_eq!(refresh_margin_ms(300_000.0), 30_000.0);
        assert_eq!(refresh_margin_ms(30_000.0), 3_000.0);
        assert_eq!(refresh_margin_ms(5_000.0), 1_000.0);
        assert_eq!(refresh_margin_ms(0.0), 1_000.0);
        assert_eq!(refresh_margin_ms(-5.0), 1_000.0);
        assert_eq!(refresh_margin_ms(f64::NAN), 1_000.0);
        assert_eq!(refresh_margin_ms(f64::INFINITY), 1_000.0);
    }

    #[test]
    fn normal_hour_token() {
        // Issued at T0, never refreshed: one minute before expiry.
        assert_eq!(next_refresh_at(T0 + HOUR, HOUR, None), T0 + HOUR - 60_000.0);
        // Refreshed at T0 (the token came from that refresh): same.
        assert_eq!(
            next_refresh_at(T0 + HOUR, HOUR, Some(T0)),
            T0 + HOUR - 60_000.0
        );
    }

    #[test]
    fn short_token_waits_for_the_interval_while_it_stays_valid() {
        // A 10-minute token just refreshed: ideal is T0 + 9 min, after the 5 minutes: ideal.
        assert_eq!(
            next_refresh_at(T0 + 600_000.0, 600_000.0, Some(T0)),
            T0 + 540_000.0
        );
        // A 6-minute token: ideal T0 + 5.4 min (margin 36 s) is after T0 + 5 min: ideal.
        assert_eq!(
            next_refresh_at(T0 + 360_000.0, 360_000.0, Some(T0)),
            T0 + 324_000.0
        );
        // A 5m10s token: ideal is T0+279 s, sooner than T0+300 s; the token still lives until
        // T0+310 s, so wait for the interval.
        assert_eq!(
            next_refresh_at(T0 + 310_000.0, 310_000.0, Some(T0)),
            T0 + MIN_INTERVAL_MS
        );
    }

    #[test]
    fn token_that_expires_before_the_interval_is_refreshed_anyway() {
        // A 60 s test token refreshed at T0: waiting 5 minutes would leave it dead for 4.
        assert_eq!(
            next_refresh_at(T0 + 60_000.0, 60_000.0, Some(T0)),
            T0 + 54_000.0
        );
        // Expiring exactly when the interval ends: refresh before.
        assert_eq!(
            next_refresh_at(T0 + 300_000.0, 300_000.0, Some(T0)),
            T0 + 270_000.0
        );
        // Expiring half a second after the interval: too tight, refresh before.
        assert_eq!(
            next_refresh_at(T0 + 300_500.0, 300_500.0, Some(T0)),
            T0 + 300_500.0 - 30_050.0
        );
    }

    #[test]
    fn old_last_refresh_does_not_delay() {
        assert_eq!(
            next_refresh_at(T0 + HOUR, HOUR, Some(T0 - HOUR)),
            T0 + HOUR - 60_000.0
        );
        assert_eq!(
            next_refresh_at(T0 + HOUR, HOUR, Some(f64::NAN)),
            T0 + HOUR - 60_000.0
        );
    }

    #[test]
    fn already_expired_token_is_due_now() {
        let at = next_refresh_at(T0 - 1_000.0, HOUR, Some(T0 - 2_000.0));
        assert!(at < T0);
        assert_eq!(delay_ms(at, T0), 0.0);
        assert_eq!(delay_ms(T0 + 5.0, T0), 5.0);
    }

    #[test]
    fn recently() {
        assert!(!refreshed_recently(T0, None));
        assert!(refreshed_recently(T0, Some(T0 - 299_999.0)));
        assert!(!refreshed_recently(T0, Some(T0 - 300_000.0)));
    }
}
