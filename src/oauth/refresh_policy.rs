//! When to refresh the access token: pure timing, all times in ms since the epoch.
//!
//! iLert asks clients not to refresh a token more than once per 5 minutes, and to refresh
//! shortly before expiry (or when the API answers 401). The policy:
//!
//! 1. Refresh a *margin* before the access token expires: 60 s, but at most 10% of the
//!    token's lifetime (so short-lived test tokens are not refreshed at once) and at least 1 s.
//! 2. If that moment is less than 5 minutes after the last refresh, wait until the 5 minutes
//!    are up, or until the access token has expired if that comes first: only an expired
//!    token justifies a refresh within the 5 minutes.
//! 3. A refresh that failed for a passing reason (network, timeout, 408, 429, 5xx) is tried
//!    again after a back-off that doubles from 30 s up to 10 minutes, or after `Retry-After`
//!    if the server asks for longer.
//! 4. Whatever triggers them (timer, a 401, the button, a woken tab), a tab sends at most
//!    [`MAX_PER_MINUTE`] refresh requests in any minute.

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
    // Within the 5 minutes only an expired token is refreshed.
    ideal.max((last + MIN_INTERVAL_MS).min(expires_at_ms))
}

/// The first back-off after a passing failure: 30 s.
pub const FIRST_BACKOFF_MS: f64 = 30_000.0;
/// The longest back-off: 10 minutes.
pub const MAX_BACKOFF_MS: f64 = 600_000.0;

/// How long to wait after the `failures`-th passing failure in a row (1 = the first): 30 s,
/// 60 s, 120 s, … at most 10 minutes; a longer `Retry-After` wins, up to the same cap.
pub fn backoff_ms(failures: u32, retry_after_ms: Option<f64>) -> f64 {
    let exponent = failures.saturating_sub(1).min(16) as i32;
    let backoff = FIRST_BACKOFF_MS * 2f64.powi(exponent);
    let asked = retry_after_ms.filter(|r| r.is_finite()).unwrap_or(0.0);
    backoff.max(asked).clamp(FIRST_BACKOFF_MS, MAX_BACKOFF_MS)
}

/// The most refresh requests a tab sends in any minute.
pub const MAX_PER_MINUTE: usize = 3;
const MINUTE_MS: f64 = 60_000.0;

/// The refresh requests of the last minute, for the [`MAX_PER_MINUTE`] budget.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RefreshBudget {
    sent_at_ms: Vec<f64>,
}

impl RefreshBudget {
    /// Ok if a refresh may be sent at `now_ms`, else how long until one may (ms).
    pub fn check(&mut self, now_ms: f64) -> Result<(), f64> {
        self.sent_at_ms
            .retain(|t| now_ms - t < MINUTE_MS && *t <= now_ms);
        if self.sent_at_ms.len() < MAX_PER_MINUTE {
            return Ok(());
        }
        let oldest = self
            .sent_at_ms
            .iter()
            .copied()
            .fold(f64::INFINITY, f64::min);
        Err((oldest + MINUTE_MS - now_ms).max(0.0))
    }

    /// Counts a refresh request sent at `now_ms`.
    pub fn record(&mut self, now_ms: f64) {
        self.sent_at_ms.push(now_ms);
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
    fn within_the_interval_only_an_expired_token_is_refreshed() {
        // A 60 s token refreshed at T0: not again before it has expired.
        assert_eq!(
            next_refresh_at(T0 + 60_000.0, 60_000.0, Some(T0)),
            T0 + 60_000.0
        );
        // Expiring exactly when the interval ends.
        assert_eq!(
            next_refresh_at(T0 + 300_000.0, 300_000.0, Some(T0)),
            T0 + 300_000.0
        );
        // Expiring half a second after the interval: the interval ends first.
        assert_eq!(
            next_refresh_at(T0 + 300_500.0, 300_500.0, Some(T0)),
            T0 + MIN_INTERVAL_MS
        );
        // The smallest lifetime the app accepts (30 s), refreshed over and over: two a minute.
        let mut last = T0;
        for _ in 0..10 {
            let at = next_refresh_at(last + 30_000.0, 30_000.0, Some(last));
            assert_eq!(at - last, 30_000.0);
            last = at;
        }
    }

    #[test]
    fn backoff_doubles_from_30_s_to_10_minutes_and_honours_retry_after() {
        let seq: Vec<f64> = (1..=7).map(|n| backoff_ms(n, None)).collect();
        assert_eq!(
            seq,
            [30_000.0, 60_000.0, 120_000.0, 240_000.0, 480_000.0, 600_000.0, 600_000.0]
        );
        assert_eq!(backoff_ms(0, None), 30_000.0);
        assert_eq!(backoff_ms(u32::MAX, None), 600_000.0);
        assert_eq!(
            backoff_ms(1, Some(90_000.0)),
            90_000.0,
            "a longer Retry-After wins"
        );
        assert_eq!(
            backoff_ms(3, Some(5_000.0)),
            120_000.0,
            "a shorter one does not shorten the back-off"
        );
        assert_eq!(
            backoff_ms(1, Some(86_400_000.0)),
            600_000.0,
            "at most 10 minutes"
        );
        assert_eq!(backoff_ms(1, Some(f64::NAN)), 30_000.0);
    }

    #[test]
    fn at_most_three_refreshes_in_any_minute() {
        let mut budget = RefreshBudget::default();
        for i in 0..3 {
            assert_eq!(budget.check(T0 + i as f64 * 1_000.0), Ok(()));
            budget.record(T0 + i as f64 * 1_000.0);
        }
        assert_eq!(budget.check(T0 + 3_000.0), Err(57_000.0));
        assert_eq!(budget.check(T0 + 59_999.0), Err(1.0));
        assert_eq!(budget.check(T0 + 60_000.0), Ok(()));
        budget.record(T0 + 60_000.0);
        assert_eq!(
            budget.check(T0 + 60_500.0),
            Err(500.0),
            "the second of the first three still counts"
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
