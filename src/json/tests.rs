//! The JSON module against serde_json (a dev-dependency): same verdict on every input of a
//! corpus, same values, same compact and pretty text.
use super::number::{f64_text, to_f64, Decimal};
use super::*;

/// Inputs both parsers must accept.
const VALID: &[&str] = &[
    "null",
    "true",
    "false",
    "0",
    "-0",
    "3600",
    "-1",
    "18446744073709551615",
    "18446744073709551616",
    "-9223372036854775808",
    "-9223372036854775809",
    "1.5",
    "-1.5e300",
    "1E3",
    "1e-7",
    "2.50",
    "0.1e+2",
    "1e308",
    "1e-400",
    r#""""#,
    r#""plain""#,
    r#""a \"quoted\" \\ back\/slash""#,
    r#""\b\f\n\r\t \u0001 \u001f \u007f \u00e9 é ☃""#,
    r#""\ud83d\ude00 😀 \uD834\uDD1E""#,
    r#""\u0000 nul""#,
    "[]",
    "{}",
    " \t\r\n[ 1 , 2 ]\n",
    "[1,[],{},[2,[3]],{\"a\":{\"b\":[null,\"x\"]}}]",
    r#"{"alg":"RS256","typ":"JWT","k\"ey":{"n":[1,2],"e":{}},"z":[]}"#,
    r#"{"z":1,"a":2,"m":{"y":true,"b":false}}"#,
    r#"{"a":1,"a":2}"#,
    r#"{"token_type":"Bearer","access_token":"eyJ.a.b","expires_in":3600,"scope":"profile source:w","refresh_token":"eyJ.r.t","refresh_token_expires_in":31536000,"extra":[1]}"#,
    r#"{"code":"invalid_grant","error":"Provided code is unknown"}"#,
    r#"{"id":42,"mutedUntil":null,"mobile":{"regionCode":"DE","number":"+49123"},"notificationPreferences":[{"method":"EMAIL"}]}"#,
];

/// Inputs both parsers must refuse.
const INVALID: &[&str] = &[
    "",
    " ",
    "nul",
    "nulls",
    "True",
    "01",
    "-",
    "-01",
    "1.",
    ".5",
    "+1",
    "1e",
    "1e+",
    "0x10",
    "NaN",
    "Infinity",
    "1e400",
    "-1e400",
    "\"abc",
    "\"a\nb\"",
    "\"tab\there\"",
    r#""\x""#,
    r#""\u12""#,
    r#""\u12g4""#,
    r#""\ud83d""#,
    r#""\ud83d x""#,
    r#""\ud83d\u0041""#,
    r#""\ude00""#,
    "[",
    "[1,",
    "[1,]",
    "[1 2]",
    "{",
    r#"{"a"}"#,
    r#"{"a":}"#,
    r#"{"a":1,}"#,
    r#"{a:1}"#,
    r#"{"a":1 "b":2}"#,
    "{'a':1}",
    "[1] x",
    "1 2",
    "\u{feff}1",
    "/* no */ 1",
];

fn serde(text: &str) -> Result<serde_json::Value, serde_json::Error> {
    serde_json::from_str(text)
}

#[test]
fn the_corpus_reads_as_serde_json_reads_it() {
    for text in VALID {
        let ours = parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        let theirs = serde(text).unwrap();
        // The same value: serde_json reads our text back to what it read itself.
        assert_eq!(serde(&ours.compact()).unwrap(), theirs, "{text}");
        assert_eq!(serde(&ours.pretty()).unwrap(), theirs, "{text}");
        // Printing serde_json's canonical text (sorted keys, its numbers) gives its text.
        let canonical = theirs.to_string();
        let ours = parse(&canonical).unwrap();
        assert_eq!(ours.compact(), canonical, "{text}");
        assert_eq!(
            ours.pretty(),
            serde_json::to_string_pretty(&theirs).unwrap(),
            "{text}"
        );
    }
    for text in INVALID {
        assert!(serde(text).is_err(), "serde_json accepts {text:?}");
        assert!(parse(text).is_err(), "accepted {text:?}");
    }
}

#[test]
fn the_printers_match_serde_json_on_built_values() {
    use serde_json::json;
    for v in [
        json!(null),
        json!(true),
        json!(-1.5e300),
        json!(3600),
        json!("a \"quoted\"\n\u{1} é \u{7f} \u{1b}"),
        json!([]),
        json!({}),
        json!([1, [], {}, [2, [3]], {"a": {"b": [null, "x"]}}]),
        json!({"alg": "RS256", "typ": "JWT", "k\"ey": {"n": [1, 2], "e": {}}, "z": []}),
    ] {
        let ours = parse(&v.to_string()).unwrap();
        assert_eq!(ours.compact(), v.to_string());
        assert_eq!(ours.pretty(), serde_json::to_string_pretty(&v).unwrap());
    }
}

#[test]
fn accessors_agree_with_serde_json() {
    for text in [
        "0",
        "-0",
        "7",
        "-7",
        "3600.0",
        "1e3",
        "1.9e9",
        "2.5",
        "-2.5",
        "1e-7",
        "9223372036854775807",
        "9223372036854775808",
        "18446744073709551615",
        "18446744073709551616",
        "-9223372036854775808",
        "-9223372036854775809",
        "0.30000000000000004",
        "1712345678901.0",
        "153.30000001192093",
        "1e300",
        "123456789e-30",
    ] {
        let ours = parse(text).unwrap();
        let theirs = serde(text).unwrap();
        assert_eq!(ours.as_i64(), theirs.as_i64(), "{text}");
        assert_eq!(ours.as_u64(), theirs.as_u64(), "{text}");
        let (a, b) = (ours.as_f64().unwrap(), theirs.as_f64().unwrap());
        assert!(a == b || ((a - b) / b).abs() < 1e-15, "{text}: {a} vs {b}");
        assert_eq!(ours.as_str(), None);
    }
    let v = parse(r#"{"s":"x","b":true,"n":null,"a":[1],"o":{"k":"v"}}"#).unwrap();
    assert_eq!(v.get("s").and_then(Value::as_str), Some("x"));
    assert_eq!(v.get("b").and_then(Value::as_bool), Some(true));
    assert!(v.get("n").unwrap().is_null());
    assert_eq!(v.get("a").and_then(Value::as_array).map(Vec::len), Some(1));
    assert_eq!(v["o"]["k"], "v");
    assert!(v["missing"]["deeper"].is_null());
    assert_eq!(v.get("s").and_then(Value::as_f64), None);
    assert_eq!(v["a"].get("0"), None);
}

#[test]
fn req_and_opt_follow_serdes_rules_for_fields() {
    let v = parse(r#"{"s":"x","n":null,"i":5}"#).unwrap();
    assert_eq!(v.req("s", Value::as_str), Ok("x"));
    assert_eq!(v.req("i", Value::as_u64), Ok(5));
    assert_eq!(
        v.req("gone", Value::as_str),
        Err("\"gone\" is missing".into())
    );
    assert_eq!(
        v.req("n", Value::as_str),
        Err("\"n\" has the wrong type".into())
    );
    assert_eq!(v.opt("n", Value::as_str), Ok(None));
    assert_eq!(v.opt("gone", Value::as_str), Ok(None));
    assert_eq!(v.opt("s", Value::as_str), Ok(Some("x")));
    assert_eq!(
        v.opt("i", Value::as_str),
        Err("\"i\" has the wrong type".into())
    );
}

#[test]
fn a_repeated_key_keeps_its_place_and_its_last_value() {
    let v = parse(r#"{"a":1,"b":2,"a":3}"#).unwrap();
    assert_eq!(v.compact(), r#"{"a":3,"b":2}"#);
    assert_eq!(v["a"], 3);
    // Source order is kept, not sorted.
    assert_eq!(
        parse(r#"{"z":1,"a":2}"#).unwrap().compact(),
        r#"{"z":1,"a":2}"#
    );
}

#[test]
fn strings_decode_every_escape() {
    let v = parse(r#""\"\\\/\b\f\n\r\t\u00e9\u2603\ud83d\ude00""#).unwrap();
    assert_eq!(
        v.as_str(),
        Some("\"\\/\u{8}\u{c}\n\r\t\u{e9}\u{2603}\u{1f600}")
    );
    assert_eq!(v.compact(), "\"\\\"\\\\/\\b\\f\\n\\r\\té☃😀\"");
}

#[test]
fn errors_say_what_and_where() {
    let e = parse("{\n  \"a\": tru\n}").unwrap_err();
    assert_eq!((e.line, e.column), (2, 11), "{e}");
    assert_eq!(e.to_string(), "expected value at line 2 column 11");
    let e = parse("[1,]").unwrap_err();
    assert_eq!(e.to_string(), "trailing comma at line 1 column 4");
    let e = parse("\"a\u{1}\"").unwrap_err();
    assert!(e.what.starts_with("control character"), "{e}");
    assert_eq!(parse("1 x").unwrap_err().what, "trailing characters");
    assert_eq!(parse("01").unwrap_err().what, "invalid number");
    assert_eq!(parse("1e400").unwrap_err().what, "number out of range");
    assert_eq!(
        parse(r#""\ud83d""#).unwrap_err().what,
        "lone leading surrogate in hex escape"
    );
    assert_eq!(parse(r#"{1:2}"#).unwrap_err().what, "key must be a string");
    assert_eq!(parse("").unwrap_err().what, "EOF while parsing a value");
}

#[test]
fn nesting_stops_where_serde_json_stops() {
    let nested = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    let deepest = MAX_DEPTH - 1;
    assert!(serde(&nested(deepest)).is_ok());
    assert!(parse(&nested(deepest)).is_ok());
    assert!(serde(&nested(deepest + 1)).is_err());
    assert_eq!(
        parse(&nested(deepest + 1)).unwrap_err().what,
        "recursion limit exceeded"
    );
    let objects = format!(
        "{}1{}",
        r#"{"a":"#.repeat(deepest + 1),
        "}".repeat(deepest + 1)
    );
    assert!(serde(&objects).is_err() && parse(&objects).is_err());
    // A hostile depth fails fast instead of overflowing the stack.
    assert!(parse(&"[".repeat(1_000_000)).is_err());
}

#[test]
fn builders_write_what_they_are_given() {
    let v = object([
        ("s", "x".into()),
        ("n", Value::from(None::<String>)),
        ("u", 7u64.into()),
        ("i", (-7i64).into()),
        ("f", 1.5f64.into()),
        ("w", 3_600_000.0f64.into()),
        ("nan", f64::NAN.into()),
        ("l", vec!["a".to_string()].into()),
        ("b", false.into()),
    ]);
    assert_eq!(
        v.compact(),
        r#"{"s":"x","n":null,"u":7,"i":-7,"f":1.5,"w":3600000.0,"nan":null,"l":["a"],"b":false}"#
    );
}

#[test]
fn floats_are_written_as_serde_json_writes_them_and_read_back_exactly() {
    // serde_json's text for the values the app stores: timestamps, lifetimes, durations.
    for x in [
        0.0,
        -0.0,
        1.0,
        -1.0,
        0.5,
        0.1,
        153.3,
        -2.25,
        1_712_345_678_901.0,
        1_712_345_678_901.5,
        3_600_000.0,
        31_536_000_000.0,
        4_503_599_627_370_495.5,
        123.456,
        0.001,
    ] {
        let text = f64_text(x).unwrap();
        assert_eq!(text, serde_json::to_string(&x).unwrap(), "{x}");
        assert_eq!(to_f64(&text).map(f64::to_bits), Some(x.to_bits()), "{x}");
    }
    assert_eq!(f64_text(f64::NAN), None);
    assert_eq!(f64_text(f64::INFINITY), None);
    // Durations from performance.now() differences: read back exactly, 17 digits or fewer.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..2_000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let start = (state % 100_000_000) as f64 / 1000.0 + 0.005;
        let x = (start + (state >> 40) as f64 / 7.0) - start;
        let text = f64_text(x).unwrap();
        assert_eq!(text, serde_json::to_string(&x).unwrap(), "{x}");
        assert_eq!(parse(&text).unwrap().as_f64(), Some(x), "{text}");
    }
}

#[test]
fn decimals_decide_without_rounding() {
    let d = |t: &str| Decimal::parse(t).unwrap();
    assert_eq!(d("30.0000000000000000001").ceil_within(30, 86_400), 31);
    assert_eq!(d("30").ceil_within(30, 86_400), 30);
    assert_eq!(d("-0.5").ceil_within(30, 86_400), 30);
    assert_eq!(d("86399.1").ceil_within(30, 86_400), 86_400);
    assert_eq!(d("1e19").ceil_within(30, 86_400), 86_400);
    assert_eq!(d("4.5e1").ceil_within(30, 86_400), 45);
    assert_eq!(d("120e-1").ceil_within(0, 100), 12);
    assert_eq!(d("0.0000001").ceil_within(0, 100), 1);
    assert_eq!(d("0e5").ceil_within(0, 100), 0);
    assert_eq!(d("31536000").whole_u64(), Some(31_536_000));
    assert_eq!(d("3.6e3").whole_u64(), Some(3600));
    assert_eq!(d("3600.0").whole_u64(), Some(3600));
    assert_eq!(d("-0").whole_u64(), Some(0));
    assert_eq!(d("1.5").whole_u64(), None);
    assert_eq!(d("-5").whole_u64(), None);
    assert_eq!(d("18446744073709551615").whole_u64(), Some(u64::MAX));
    assert_eq!(d("18446744073709551616").whole_u64(), None);
    assert_eq!(d("1e100000000").whole_u64(), None);
    assert!(d("-0").negative && d("-0").is_zero());
    for bad in ["", "-", "+1", "01", "1.", ".1", "1e", "1e+", "1x", "0x1"] {
        assert_eq!(Decimal::parse(bad), None, "{bad}");
    }
}

/// `{"0":0,"1":0,…}` (or one key repeated) as long as it stays within `bytes`, and its member
/// count: the hostile 1 MB answer of issue 17 (examples/json_bench.rs times the same input).
fn many_keys(bytes: usize, same_key: bool) -> (String, usize) {
    let mut text = String::from("{");
    let mut n = 0;
    loop {
        let member = if same_key {
            "\"key\":0".to_string()
        } else {
            format!("\"{n}\":0")
        };
        if text.len() + member.len() + 2 > bytes {
            break;
        }
        if n > 0 {
            text.push(',');
        }
        text.push_str(&member);
        n += 1;
    }
    text.push('}');
    (text, n)
}

#[test]
fn a_1_mb_object_with_100k_keys_parses_in_well_under_a_second() {
    use std::time::{Duration, Instant};
    for same_key in [false, true] {
        let (text, members) = many_keys(1 << 20, same_key);
        assert!(members > 100_000, "{members}");
        let started = Instant::now();
        let value = parse(&text).unwrap();
        let took = started.elapsed();
        let kept = value.as_object().unwrap().len();
        assert_eq!(kept, if same_key { 1 } else { members });
        let started = Instant::now();
        serde(&text).unwrap();
        let serde_took = started.elapsed();
        // Linear takes about as long as serde_json (~0.5 s unoptimised on a busy machine);
        // comparing each key with every earlier one took minutes. Loose, for a loaded machine.
        let bound = Duration::from_secs(2).max(serde_took * 5);
        assert!(
            took < bound,
            "{members} keys took {took:?} (serde_json {serde_took:?})"
        );
    }
}

#[test]
fn repeated_keys_keep_their_first_place_and_last_value_in_any_mix() {
    // The rule written the obvious (quadratic) way: the model for the parser.
    let model = |members: &[(String, usize)]| {
        let mut out: Vec<(String, usize)> = Vec::new();
        for (k, v) in members {
            match out.iter_mut().find(|(key, _)| key == k) {
                Some((_, old)) => *old = *v,
                None => out.push((k.clone(), *v)),
            }
        }
        out
    };
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n
    };
    for _ in 0..rounds(2_000) {
        let len = next(12) as usize;
        let keys = 1 + next(6);
        let members: Vec<(String, usize)> = (0..len)
            .map(|i| {
                (
                    ["", "a", "b", "ab", "é", "a\u{0}"][next(keys) as usize].to_string(),
                    i,
                )
            })
            .collect();
        let text = Value::Object(
            members
                .iter()
                .map(|(k, v)| (k.clone(), Value::from(*v as u64)))
                .collect(),
        )
        .compact();
        let expected: Vec<(String, Value)> = model(&members)
            .into_iter()
            .map(|(k, v)| (k, Value::from(v as u64)))
            .collect();
        assert_eq!(parse(&text).unwrap(), Value::Object(expected), "{text}");
        assert_eq!(
            serde(&parse(&text).unwrap().compact()).unwrap(),
            serde(&text).unwrap(),
            "{text}"
        );
    }
}

/// `n` rounds of a random test, times `ILERT_PKCE_JSON_ROUNDS` (default 1) for a longer run:
/// `ILERT_PKCE_JSON_ROUNDS=100 cargo test --release -p ilert-pkce json::`.
fn rounds(n: usize) -> usize {
    let times = std::env::var("ILERT_PKCE_JSON_ROUNDS").ok();
    n * times.and_then(|t| t.parse().ok()).unwrap_or(1)
}

/// A small xorshift generator: the same inputs on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// A finite float from random bits.
    fn float(&mut self) -> f64 {
        loop {
            let x = f64::from_bits(self.next());
            if x.is_finite() {
                return x;
            }
        }
    }
}

/// The exact decimal text of (2m+1) × 2^(e−1), the halfway point between m × 2^e and the
/// next float up: a test's own big integers (base 10^9), independent of the module's.
fn halfway_text(x: f64) -> String {
    let bits = x.to_bits();
    let biased = (bits >> 52) as i64;
    let (m, e) = if biased == 0 {
        (bits & ((1 << 52) - 1), -1074)
    } else {
        ((bits & ((1 << 52) - 1)) | 1 << 52, biased - 1075)
    };
    let (mut n, twos, fives) = (vec![2 * m + 1], (e - 1).max(0), (1 - e).max(0));
    // Limbs of 10^9, least significant first.
    let mut limbs: Vec<u64> = Vec::new();
    let mut v = n.pop().unwrap();
    while v > 0 {
        limbs.push(v % 1_000_000_000);
        v /= 1_000_000_000;
    }
    let mut times = |f: u64, k: i64| {
        for _ in 0..k {
            let mut carry = 0;
            for l in limbs.iter_mut() {
                let t = *l * f + carry;
                *l = t % 1_000_000_000;
                carry = t / 1_000_000_000;
            }
            if carry > 0 {
                limbs.push(carry);
            }
        }
    };
    times(2, twos);
    times(5, fives);
    let mut text = limbs.last().unwrap().to_string();
    for l in limbs.iter().rev().skip(1) {
        text.push_str(&format!("{l:09}"));
    }
    format!("{text}e-{fives}")
}

#[test]
fn numbers_read_as_rust_reads_them_to_the_last_bit() {
    let mut texts: Vec<String> = [
        // The top of the range: f64::MAX, and the halfway point to 2^1024 (ties to even: out).
        "1.7976931348623158e308",
        "1.7976931348623157e308",
        "1.79769313486231579e308",
        "1.79769313486231580e308",
        "1.797693134862315807e308",
        "1.7976931348623158079e308",
        "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497791",
        // The bottom: the smallest float, half of it (ties to even: zero), and just above.
        "4.9406564584124654e-324",
        "5e-324",
        "2.4703282292062327e-324",
        "2.4703282292062328e-324",
        "2.2250738585072011e-308",
        "2.2250738585072012e-308",
        "2.2250738585072014e-308",
        // Ties to even around 2^53 and 1.
        "9007199254740993",
        "9007199254740993.0000000000000000000000000000001",
        "9007199254740995",
        "1.00000000000000011102230246251565404236316680908203125",
        "1.00000000000000011102230246251565404236316680908203124",
        "1.00000000000000011102230246251565404236316680908203126",
        "153.30000001192093",
        "0.1",
        "0.30000000000000004",
        "123456789012345678901234567890",
        "1e23",
        "8.98846567431158e307",
        "1e-400",
        "0",
        "-0.0",
        "-1.5e-300",
        "1e308",
        "1e309",
    ]
    .map(String::from)
    .to_vec();
    // Exponents past the old cap of ±100000, balanced by as many zeros (issue 17).
    texts.push(format!("0.{}1e100005", "0".repeat(100_001)));
    texts.push(format!("1{}e-100100", "0".repeat(100_300)));
    texts.push(format!("{}e-1000", "7".repeat(1_300)));
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    for _ in 0..rounds(1_000) {
        let x = rng.float().abs();
        // Shortest, 17 digits, exact halfway points and the numbers just beside them.
        texts.push(format!("{x:e}"));
        texts.push(format!("{x:.16e}"));
        if x < f64::MAX {
            let half = halfway_text(x);
            let (digits, exponent) = half.split_once('e').unwrap();
            texts.push(format!("{digits}1e{exponent}"));
            texts.push(format!("{}e{exponent}", &digits[..digits.len() - 1]));
            texts.push(half);
        }
        // Random digits and exponents across the whole range.
        let digits: String = (0..1 + rng.below(30))
            .map(|_| char::from(b'0' + rng.below(10) as u8))
            .collect();
        let digits = digits.trim_start_matches('0');
        if !digits.is_empty() {
            texts.push(format!("{digits}e{}", rng.below(700) as i64 - 360));
        }
    }
    for text in &texts {
        let rust: f64 = text.parse().unwrap();
        let ours = to_f64(text).unwrap_or_else(|| panic!("{text}"));
        assert_eq!(
            ours.to_bits(),
            rust.to_bits(),
            "{text}: {ours:e} vs {rust:e}"
        );
        // A number is refused exactly when it rounds to infinity.
        assert_eq!(parse(text).is_ok(), rust.is_finite(), "{text}");
    }
    assert_eq!(
        parse("1.7976931348623158e308").unwrap().as_f64(),
        Some(f64::MAX)
    );
    assert_eq!(
        parse("1.7976931348623159e308").unwrap_err().what,
        "number out of range"
    );
}

#[test]
fn floats_print_as_serde_json_prints_them() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut values: Vec<f64> = vec![
        f64::MAX,
        f64::MIN_POSITIVE,
        5e-324,
        1e16,
        1e15,
        123456789012345680.0,
        0.012345678901234567,
        0.00001,
        0.000012345,
        1e-7,
        2f64.powi(60),
        9007199254740993.0,
        0.09999999962747097,
        // Two 17-digit texts equally near, both reading back: the even digit wins.
        // (2^50 + 0.25, 2^50 + 0.75, 2^50 + 1.25).
        4_503_599_627_370_497.0 / 4.0,
        4_503_599_627_370_499.0 / 4.0,
        4_503_599_627_370_501.0 / 4.0,
    ];
    for _ in 0..rounds(1_500) {
        values.push(rng.float());
        // Durations in ms and small fractions, where the printer used to drop digits.
        values.push(rng.below(1 << 53) as f64 / (1u64 << rng.below(64)) as f64);
    }
    for x in values {
        let text = f64_text(x).unwrap();
        assert_eq!(text, serde_json::to_string(&x).unwrap(), "{x:e}");
        assert_eq!(to_f64(&text).map(f64::to_bits), Some(x.to_bits()), "{text}");
    }
}

#[test]
fn lifetimes_past_u64_are_decided_on_the_digits() {
    let d = |t: &str| Decimal::parse(t).unwrap();
    assert_eq!(
        d("1e19").ceil_within(0, u64::MAX),
        10_000_000_000_000_000_000
    );
    assert_eq!(
        d("12345678901234567890.1").ceil_within(0, u64::MAX),
        12_345_678_901_234_567_891
    );
    assert_eq!(d("18446744073709551615").ceil_within(0, u64::MAX), u64::MAX);
    assert_eq!(
        d("18446744073709551614.5").ceil_within(0, u64::MAX),
        u64::MAX
    );
    assert_eq!(
        d("18446744073709551615.5").ceil_within(0, u64::MAX),
        u64::MAX
    );
    assert_eq!(d("1e400").ceil_within(0, 7), 7);
    assert_eq!(d("1e19").ceil_within(30, 86_400), 86_400);
    // The exponent's size does not stop the point from being exact.
    let long = format!("0.{}45e100006", "0".repeat(100_001));
    assert_eq!(d(&long).whole_u64(), Some(45_000));
    assert_eq!(d(&long).ceil_within(0, u64::MAX), 45_000);
    let long = format!("1{}e-100001", "0".repeat(100_003));
    assert_eq!(d(&long).whole_u64(), Some(100));
    let long = format!("{}e-100001", "1".repeat(100_004));
    assert_eq!(d(&long).whole_u64(), None);
    assert_eq!(d(&long).ceil_within(0, u64::MAX), 112);
}

/// Random edits of the corpus: the same verdict as serde_json, the same value when both
/// accept, and no panic.
#[test]
fn random_inputs_get_serde_jsons_verdict() {
    const PIECES: &[&str] = &[
        "{", "}", "[", "]", ",", ":", "\"", "\\", "\\u", "d83d", "0", "1", "-", ".", "e", "E", "+",
        "9", " ", "\n", "n", "null", "true", "x", "\u{1}", "é", "\"a\"", "1e308", "{}",
    ];
    let mut rng = Rng(0x1234_5678_9abc_def1);
    let corpus: Vec<&str> = VALID.iter().chain(INVALID).copied().collect();
    let (mut accepted, mut refused) = (0, 0);
    for _ in 0..rounds(100_000) {
        let mut text = corpus[rng.below(corpus.len() as u64) as usize].to_string();
        for _ in 0..1 + rng.below(3) {
            let boundaries: Vec<usize> = (0..=text.len())
                .filter(|&i| text.is_char_boundary(i))
                .collect();
            let at = boundaries[rng.below(boundaries.len() as u64) as usize];
            match rng.below(3) {
                0 => text.insert_str(at, PIECES[rng.below(PIECES.len() as u64) as usize]),
                1 if at < text.len() => {
                    let end = boundaries.iter().find(|&&b| b > at).copied().unwrap();
                    text.replace_range(at..end, "");
                }
                _ => {
                    let cut = boundaries[rng.below(boundaries.len() as u64) as usize];
                    text.truncate(cut.max(at));
                }
            }
        }
        match (parse(&text), serde(&text)) {
            (Ok(ours), Ok(theirs)) => {
                assert_eq!(serde(&ours.compact()).unwrap(), theirs, "{text:?}");
                accepted += 1;
            }
            (Err(_), Err(_)) => refused += 1,
            (ours, theirs) => panic!("{text:?}: ours {ours:?}, serde_json {theirs:?}"),
        }
    }
    assert!(
        accepted > 10_000 && refused > 10_000,
        "{accepted} / {refused}"
    );
}
