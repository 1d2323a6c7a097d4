//! JSON numbers as text, read and written without core's float parser and printer (each
//! links ~10 KB of tables into the wasm).
//!
//! - [`Decimal`] takes a number's text apart exactly: what the token rules need (a lifetime in
//!   whole seconds, kept within bounds) is decided on the digits, with no rounding at all.
//! - [`to_f64`] is correctly rounded for up to 15 significant digits with a decimal exponent
//!   within ±22 (every timestamp the app stores), nearly always for the 17 digits of a
//!   duration; otherwise it may be off by an ulp or two, which nothing here can see.
//! - [`f64_text`] writes whole numbers as serde_json does (`1712345678901.0`) and other
//!   values with the fewest decimals that [`to_f64`] reads back to the same float (up to 17
//!   significant digits; past 2^63 or below 1e-17 digits may be lost).

/// A number's text taken apart: the value is ±0.d₁d₂…dₙ × 10^`point`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decimal {
    pub negative: bool,
    /// The significant digits (ASCII), no leading or trailing zeros; empty for zero.
    digits: Vec<u8>,
    point: i64,
}

/// The largest exponent kept: anything beyond is already infinity (or zero) for a float.
const EXPONENT_CAP: i64 = 100_000;

impl Decimal {
    /// Reads a number in JSON's grammar (`-? (0|[1-9]…) (.…)? ([eE][+-]?…)?`), else None.
    pub fn parse(text: &str) -> Option<Decimal> {
        let (negative, rest) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (mantissa, exponent) = match rest.find(['e', 'E']) {
            Some(i) => (&rest[..i], Some(&rest[i + 1..])),
            None => (rest, None),
        };
        let (whole, fraction) = match mantissa.split_once('.') {
            Some((w, f)) => (w, Some(f)),
            None => (mantissa, None),
        };
        let all_digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(whole)
            || (whole.len() > 1 && whole.starts_with('0'))
            || fraction.is_some_and(|f| !all_digits(f))
        {
            return None;
        }
        let exponent = match exponent {
            None => 0,
            Some(e) => {
                let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
                if !all_digits(digits) {
                    return None;
                }
                let size = digits.bytes().fold(0i64, |n, b| {
                    (n * 10 + i64::from(b - b'0')).min(EXPONENT_CAP)
                });
                if e.starts_with('-') {
                    -size
                } else {
                    size
                }
            }
        };
        let fraction = fraction.unwrap_or("");
        let mut digits: Vec<u8> = whole.bytes().chain(fraction.bytes()).collect();
        let leading = digits.iter().take_while(|&&b| b == b'0').count();
        digits.drain(..leading);
        while digits.last() == Some(&b'0') {
            digits.pop();
        }
        let point = if digits.is_empty() {
            0
        } else {
            whole.len() as i64 - leading as i64 + exponent
        };
        Some(Decimal {
            negative,
            digits,
            point,
        })
    }

    pub fn is_zero(&self) -> bool {
        self.digits.is_empty()
    }

    /// The digits as an integer times 10^exponent (the first 19 digits only: more do not fit).
    fn integer_and_exponent(&self) -> (u64, i64) {
        let used = &self.digits[..self.digits.len().min(19)];
        let m = used.iter().fold(0u64, |n, &b| n * 10 + u64::from(b - b'0'));
        (m, self.point - used.len() as i64)
    }

    /// The value if it is a whole number that fits a u64 (zero included, `-0` too).
    pub fn whole_u64(&self) -> Option<u64> {
        if self.is_zero() {
            return Some(0);
        }
        if self.negative || (self.digits.len() as i64) > self.point {
            return None;
        }
        (0..self.point as usize).try_fold(0u64, |n, i| {
            let digit = self.digits.get(i).map_or(0, |b| u64::from(b - b'0'));
            n.checked_mul(10)?.checked_add(digit)
        })
    }

    /// The value rounded up to a whole number and kept within `min..=max` (`min <= max`).
    pub fn ceil_within(&self, min: u64, max: u64) -> u64 {
        if self.is_zero() || self.negative {
            return min;
        }
        if self.point > 19 {
            return max;
        }
        let whole_digits = self.point.max(0) as usize;
        let mut whole: u64 = 0;
        for i in 0..whole_digits {
            let digit = self.digits.get(i).map_or(0, |b| u64::from(b - b'0'));
            whole = whole * 10 + digit;
        }
        let has_fraction = self.digits.len() > whole_digits;
        (whole + u64::from(has_fraction)).clamp(min, max)
    }

    /// The nearest float (see the module docs for how near).
    pub fn to_f64(&self) -> f64 {
        let (m, exponent) = self.integer_and_exponent();
        let magnitude = if self.is_zero() {
            0.0
        } else {
            scale(m, exponent)
        };
        if self.negative {
            -magnitude
        } else {
            magnitude
        }
    }
}

/// A number's text as the nearest float; None when it is not a JSON number.
pub fn to_f64(text: &str) -> Option<f64> {
    Decimal::parse(text).map(|d| d.to_f64())
}

/// 10^k for k ≤ 22, exactly (every power up to 10^22 is a float).
fn pow10(k: i64) -> f64 {
    (0..k).fold(1.0, |p, _| p * 10.0)
}

/// m × 10^exponent: one correctly rounded operation when m < 2^53 and |exponent| ≤ 22; for
/// more digits with a fraction (`153.30000001192093`), the whole part plus the fraction
/// (nearly always exact); else steps of 10^22.
fn scale(m: u64, exponent: i64) -> f64 {
    const EXACT: u64 = 1 << 53;
    let mut value = m as f64;
    if m < EXACT && (-22..=22).contains(&exponent) {
        return if exponent >= 0 {
            value * pow10(exponent)
        } else {
            value / pow10(-exponent)
        };
    }
    if (-19..0).contains(&exponent) {
        let unit = 10u64.pow(-exponent as u32);
        let (whole, fraction) = (m / unit, m % unit);
        if whole < EXACT && fraction < EXACT {
            return whole as f64 + fraction as f64 / pow10(-exponent);
        }
    }
    let mut left = exponent;
    while left != 0 && value != 0.0 && value.is_finite() {
        let step = left.clamp(-22, 22);
        value = if step > 0 {
            value * pow10(step)
        } else {
            value / pow10(-step)
        };
        left -= step;
    }
    value
}

/// A float as JSON text, or None for NaN and infinities (JSON has no words for them).
pub fn f64_text(x: f64) -> Option<String> {
    if !x.is_finite() {
        return None;
    }
    let sign = if x.is_sign_negative() { "-" } else { "" };
    let a = x.abs();
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    if a >= TWO_63 {
        // Far beyond anything the app stores: about 16 digits and a decimal exponent.
        let (mut y, mut exponent) = (a, 0);
        while y >= (1u64 << 53) as f64 {
            y /= 10.0;
            exponent += 1;
        }
        return Some(format!("{sign}{}e{exponent}", y.round() as u64));
    }
    let whole = a.trunc();
    if whole == a {
        return Some(format!("{sign}{}.0", a as u64));
    }
    let (whole, fraction) = (whole as u64, a - whole);
    let mut best = (whole, 0u32);
    for k in 1..=17u32 {
        let unit = 10u64.pow(k);
        let n = (fraction * unit as f64).round() as u64;
        let Some(m) = whole.checked_mul(unit).and_then(|w| w.checked_add(n)) else {
            break;
        };
        best = (m, k);
        if scale(m, -i64::from(k)) == a {
            break;
        }
    }
    let (m, k) = best;
    let unit = 10u64.pow(k);
    let decimals = format!("{:0width$}", m % unit, width = k as usize);
    let decimals = decimals.trim_end_matches('0');
    let decimals = if decimals.is_empty() { "0" } else { decimals };
    Some(format!("{sign}{}.{decimals}", m / unit))
}
