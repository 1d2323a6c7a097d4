//! JSON numbers as text, read and written without core's float parser and printer (each
//! links ~10 KB of tables into the wasm).
//!
//! - [`Decimal`] takes a number's text apart exactly: what the token rules need (a lifetime in
//!   whole seconds, kept within bounds) is decided on the digits, with no rounding at all.
//! - [`to_f64`] is correctly rounded (as `str::parse::<f64>`) for every input: one float
//!   operation when that is exact (up to 15 digits, a decimal exponent within ±22), else an
//!   estimate corrected by comparing it with the digits on big integers.
//! - [`f64_text`] writes every finite float as serde_json does: the fewest significant digits
//!   that [`to_f64`] reads back to the same float, nearest to it (`1712345678901.0`, `0.001`,
//!   `1e-7`, `1.5e+300`).
use std::cmp::Ordering;

/// A number's text taken apart: the value is ±0.d₁d₂…dₙ × 10^`point`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decimal {
    pub negative: bool,
    /// The significant digits (ASCII), no leading or trailing zeros; empty for zero.
    digits: Vec<u8>,
    point: i64,
}

/// Where an exponent saturates: the point stays exact for any text that fits in memory
/// (`0.000…1e100005` with 100,001 zeros is 1000), and beyond ±10^17 every value is infinity
/// or zero whatever its digits.
const EXPONENT_CAP: i64 = 100_000_000_000_000_000;

/// The digits of 2^1024 − 2^970, halfway between f64::MAX and 2^1024: a number from
/// 0.`OVERFLOW` × 10^309 up rounds to infinity.
const OVERFLOW: &[u8] = b"179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497792";

/// Digits kept for rounding: a halfway point between two floats has at most 767 significant
/// digits, so past this many only whether any nonzero digit follows can matter.
const ROUNDING_DIGITS: usize = 800;

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

    /// The magnitude's whole part (rounded down), if it fits a u64.
    fn whole_part(&self) -> Option<u64> {
        // At most 20 rounds: the first digit is not zero, so a longer whole part overflows.
        (0..self.point.max(0)).try_fold(0u64, |n, i| {
            let digit = self
                .digits
                .get(i as usize)
                .map_or(0, |b| u64::from(b - b'0'));
            n.checked_mul(10)?.checked_add(digit)
        })
    }

    /// Whether the magnitude has a fractional part.
    fn has_fraction(&self) -> bool {
        self.digits.len() as i64 > self.point
    }

    /// The value if it is a whole number that fits a u64 (zero included, `-0` too).
    pub fn whole_u64(&self) -> Option<u64> {
        if self.is_zero() {
            return Some(0);
        }
        if self.negative || self.has_fraction() {
            return None;
        }
        self.whole_part()
    }

    /// The value rounded up to a whole number and kept within `min..=max` (`min <= max`):
    /// exact for every value, `max` for anything beyond a u64.
    pub fn ceil_within(&self, min: u64, max: u64) -> u64 {
        if self.is_zero() || self.negative {
            return min;
        }
        self.whole_part()
            .and_then(|whole| whole.checked_add(u64::from(self.has_fraction())))
            .map_or(max, |ceil| ceil.clamp(min, max))
    }

    /// Whether the value rounds to an infinity as a float (serde_json refuses such numbers).
    pub fn beyond_f64(&self) -> bool {
        self.point > 309 || (self.point == 309 && self.digits.as_slice() >= OVERFLOW)
    }

    /// The nearest float, correctly rounded (ties to even), as `str::parse::<f64>` reads it.
    pub fn to_f64(&self) -> f64 {
        let magnitude = self.magnitude();
        if self.negative {
            -magnitude
        } else {
            magnitude
        }
    }

    fn magnitude(&self) -> f64 {
        // Below 10^-324 is less than half the smallest float (2^-1074 ≈ 4.9e-324).
        if self.is_zero() || self.point < -323 {
            return 0.0;
        }
        if self.beyond_f64() {
            return f64::INFINITY;
        }
        let (m, exponent) = self.integer_and_exponent();
        let estimate = scale(m, exponent);
        if m < EXACT && (-22..=22).contains(&exponent) {
            return estimate;
        }
        let mut digits = self.digits[..self.digits.len().min(ROUNDING_DIGITS)].to_vec();
        if self.digits.len() > ROUNDING_DIGITS {
            digits.push(b'1');
        }
        nearest(&digits, self.point - digits.len() as i64, estimate)
    }
}

/// A number's text as the nearest float; None when it is not a JSON number.
pub fn to_f64(text: &str) -> Option<f64> {
    Decimal::parse(text).map(|d| d.to_f64())
}

/// 2^53: every whole number below is a float.
const EXACT: u64 = 1 << 53;

/// 10^k for k ≤ 22, exactly (every power up to 10^22 is a float).
fn pow10(k: i64) -> f64 {
    (0..k).fold(1.0, |p, _| p * 10.0)
}

/// m × 10^exponent: one correctly rounded operation when m < 2^53 and |exponent| ≤ 22; else
/// an estimate within a few ulps (the whole part plus the fraction, or steps of 10^22).
fn scale(m: u64, exponent: i64) -> f64 {
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

/// A float's bits as m × 2^e (m < 2^53).
fn parts(x: f64) -> (u64, i64) {
    let bits = x.to_bits();
    let biased = (bits >> 52) as i64 & 0x7FF;
    let fraction = bits & ((1 << 52) - 1);
    if biased == 0 {
        (fraction, -1074)
    } else {
        (fraction | 1 << 52, biased - 1075)
    }
}

/// The float nearest to `digits` (as an integer) × 10^`exp10`, ties to even, found from a
/// nearby `estimate` (≥ 0) by stepping one float at a time while the exact value lies beyond
/// the halfway point to the next one.
fn nearest(digits: &[u8], exp10: i64, estimate: f64) -> f64 {
    let mut z = estimate.min(f64::MAX);
    loop {
        let bits = z.to_bits();
        let (m, e) = parts(z);
        let (up, down) = (
            f64::from_bits(bits + 1),
            f64::from_bits(bits.saturating_sub(1)),
        );
        match compare(digits, exp10, 2 * m + 1, e - 1) {
            Ordering::Greater if z == f64::MAX => return f64::INFINITY,
            Ordering::Greater => {
                z = up;
                continue;
            }
            Ordering::Equal => return if m % 2 == 1 { up } else { z },
            Ordering::Less if z == 0.0 => return z,
            Ordering::Less => {}
        }
        // Below a power of two the floats are twice as close (not among the subnormals).
        let (k, b) = if m == 1 << 52 && e > -1074 {
            (4 * m - 1, e - 2)
        } else {
            (2 * m - 1, e - 1)
        };
        match compare(digits, exp10, k, b) {
            Ordering::Less => z = down,
            Ordering::Equal => return if m % 2 == 1 { down } else { z },
            Ordering::Greater => return z,
        }
    }
}

/// `digits` (as an integer) × 10^`exp10` against k × 2^`exp2`, exactly.
fn compare(digits: &[u8], exp10: i64, k: u64, exp2: i64) -> Ordering {
    let mut left = Big(Vec::new());
    for chunk in digits.chunks(9) {
        let n = chunk.iter().fold(0, |n, &b| n * 10 + u32::from(b - b'0'));
        left.mul_add(10u32.pow(chunk.len() as u32), n);
    }
    let mut right = Big(vec![k as u32, (k >> 32) as u32]);
    // Both sides times 10^-exp10 and 2^-exp2 where those are positive: whole numbers.
    if exp10 >= 0 {
        left.mul_pow(10, exp10);
    } else {
        right.mul_pow(10, -exp10);
    }
    if exp2 >= 0 {
        right.mul_pow(2, exp2);
    } else {
        left.mul_pow(2, -exp2);
    }
    left.cmp(&right)
}

/// A whole number of any size: 32-bit limbs, least significant first.
struct Big(Vec<u32>);

impl Big {
    /// self × factor + add.
    fn mul_add(&mut self, factor: u32, add: u32) {
        let mut carry = u64::from(add);
        for limb in &mut self.0 {
            let v = u64::from(*limb) * u64::from(factor) + carry;
            *limb = v as u32;
            carry = v >> 32;
        }
        if carry > 0 {
            self.0.push(carry as u32);
        }
    }

    /// self × base^n, for a base of 2, 5 or 10.
    fn mul_pow(&mut self, base: u32, mut n: i64) {
        // The largest power of each base that fits a limb.
        let most = [0, 0, 31, 0, 0, 13, 0, 0, 0, 0, 9][base as usize];
        while n > 0 {
            let step = n.min(most);
            self.mul_add(base.pow(step as u32), 0);
            n -= step;
        }
    }

    /// self / d, and the remainder.
    fn div_rem(&mut self, d: u32) -> u32 {
        let mut rem = 0u64;
        for limb in self.0.iter_mut().rev() {
            let v = rem << 32 | u64::from(*limb);
            *limb = (v / u64::from(d)) as u32;
            rem = v % u64::from(d);
        }
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
        rem as u32
    }

    fn cmp(&self, other: &Big) -> Ordering {
        let significant = |b: &Big| b.0.len() - b.0.iter().rev().take_while(|&&l| l == 0).count();
        let (a, b) = (significant(self), significant(other));
        a.cmp(&b)
            .then_with(|| self.0[..a].iter().rev().cmp(other.0[..b].iter().rev()))
    }
}

/// A positive finite float's exact decimal digits (no trailing zeros) and point, as in
/// [`Decimal`]: m × 2^e is m × 2^e digits, or m × 5^-e digits shifted e places.
fn exact_digits(x: f64) -> (Vec<u8>, i64) {
    let (m, e) = parts(x);
    let mut n = Big(vec![m as u32, (m >> 32) as u32]);
    n.mul_pow(if e >= 0 { 2 } else { 5 }, e.abs());
    let mut digits = Vec::new();
    while n.0.iter().any(|&l| l != 0) {
        digits.push(b'0' + n.div_rem(10) as u8);
    }
    let point = digits.len() as i64 + e.min(0);
    let zeros = digits.iter().take_while(|&&d| d == b'0').count();
    digits.drain(..zeros);
    digits.reverse();
    (digits, point)
}

/// The fewest significant digits that read back to `x` (positive, finite), the nearest of
/// them to `x` (ties to an even digit), as serde_json's printer (ryu) finds them.
fn shortest(x: f64) -> (Vec<u8>, i64) {
    let (exact, point) = exact_digits(x);
    // 17 digits always read back: the loop returns by then.
    for p in 1..exact.len() {
        let mut down = exact[..p].to_vec();
        let mut up = down.clone();
        let mut up_point = point;
        while up.last() == Some(&b'9') {
            up.pop();
        }
        match up.last_mut() {
            Some(d) => *d += 1,
            None => {
                up.push(b'1');
                up_point += 1;
            }
        }
        let up_nearer = match exact[p].cmp(&b'5') {
            Ordering::Greater => true,
            Ordering::Less => false,
            Ordering::Equal => exact.len() > p + 1 || (exact[p - 1] - b'0') % 2 == 1,
        };
        while down.last() == Some(&b'0') {
            down.pop();
        }
        let down = (down, point);
        let up = (up, up_point);
        let (first, second) = if up_nearer { (up, down) } else { (down, up) };
        for (digits, point) in [first, second] {
            let reads = Decimal {
                negative: false,
                digits,
                point,
            };
            if reads.magnitude() == x {
                return (reads.digits, reads.point);
            }
        }
    }
    (exact, point)
}

/// A float as JSON text, as serde_json writes it, or None for NaN and infinities (JSON has no
/// words for them).
pub fn f64_text(x: f64) -> Option<String> {
    if !x.is_finite() {
        return None;
    }
    let a = x.abs();
    let mut out = String::from(if x.is_sign_negative() { "-" } else { "" });
    // Whole numbers below 10^16 (timestamps, lifetimes) need no search.
    if a.trunc() == a && a < 1e16 {
        out.push_str(&(a as u64).to_string());
        out.push_str(".0");
        return Some(out);
    }
    let (digits, point) = shortest(a);
    let n = digits.len() as i64;
    let digit = |i: i64| char::from(*digits.get(i as usize).filter(|_| i >= 0).unwrap_or(&b'0'));
    // Plain up to 16 digits before the point or 5 zeros after it, else `d.ddde+x`, `de-x`.
    if -5 < point && point <= 16 {
        if point <= 0 {
            out.push('0');
        }
        out.extend((0..point).map(digit));
        out.push('.');
        out.extend((point..n.max(point + 1)).map(digit));
    } else {
        out.push(digit(0));
        if n > 1 {
            out.push('.');
            out.extend((1..n).map(digit));
        }
        out.push_str(if point > 0 { "e+" } else { "e" });
        out.push_str(&(point - 1).to_string());
    }
    Some(out)
}
