use super::*;
use crate::playground::entries::Step;

/// A token with the characters JSON encoders like to escape (`/`, `.`) and a `+`.
const TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.eyJpbF91IjoiYWRhIn0.c2ln/a+b";
/// [`TOKEN`] as a JSON encoder may spell it inside a string (PHP escapes `/`; some escape `.`).
const ESCAPED: &str = r"eyJhbGciOiJSUzI1NiJ9\u002eeyJpbF91IjoiYWRhIn0\u002Ec2ln\/a+b";
const REFRESH: &str = "refresh-token-of-the-session-0123456789";

fn entry(step: Step) -> Entry {
    Entry {
        id: 1,
        step,
        at_ms: 0.0,
        title: step.label().into(),
        fields: vec![],
        request: None,
        answer: None,
        error: None,
    }
}

fn answered(step: Step, form: Vec<Field>, body: &str) -> Entry {
    Entry {
        request: Some(RequestRecord {
            method: "POST".into(),
            url: "http://127.0.0.1:4598/api/developers/oauth2/token".into(),
            headers: vec![],
            form,
        }),
        answer: Some(AnswerRecord {
            status: 200,
            duration_ms: 1.0,
            content_type: Some("application/json".into()),
            body: body.into(),
            by_worker: false,
        }),
        ..entry(step)
    }
}

/// Every text of the record, in its stored form, and each string decoded from its JSON
/// (the bodies parsed again): no spelling of `secret` may be in either.
fn assert_gone(entries: &[Entry], secret: &str) {
    let stored = crate::playground::entries::to_json(entries);
    let mut texts = vec![stored.clone()];
    fn strings(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::String(s) => {
                out.push(s.clone());
                if let Ok(inner) = json::parse(s) {
                    strings(&inner, out);
                }
            }
            Value::Array(items) => items.iter().for_each(|i| strings(i, out)),
            Value::Object(m) => m.iter().for_each(|(k, v)| {
                out.push(k.clone());
                strings(v, out)
            }),
            _ => {}
        }
    }
    strings(&json::parse(&stored).unwrap(), &mut texts);
    let pieces = [secret, &secret.replace('/', r"\/"), &secret[..20]];
    for text in &texts {
        for piece in pieces {
            assert!(!text.contains(piece), "{piece:?} in {text}");
        }
    }
}

#[test]
fn a_token_spelled_with_json_escapes_is_masked_in_the_stored_answer() {
    let body = format!(r#"{{"access_token":"{ESCAPED}","token_type":"Bearer","expires_in":300}}"#);
    // The escapes are only spellings: the parsed value is the token.
    assert_eq!(json::parse(&body).unwrap()["access_token"], TOKEN);
    let mut list = vec![answered(Step::TokenExchange, vec![], &body)];
    end_session(&mut list, &[]);
    assert_gone(&list, TOKEN);
    let stored = &list[0].answer.as_ref().unwrap().body;
    // Re-serialized: still JSON, the other members as they were.
    let value = json::parse(stored).unwrap();
    assert_eq!(value["access_token"], mask(TOKEN).as_str());
    assert_eq!(value["token_type"], "Bearer");
    assert_eq!(value["expires_in"], 300);
}

#[test]
fn a_known_token_echoed_escaped_anywhere_in_another_answer_is_masked() {
    // The refresh request carries the token; its error answer quotes it in a message and under
    // an unknown key, escaped, one level down.
    let form = vec![
        Field::new("grant_type", "refresh_token", false),
        Field::new("refresh_token", TOKEN, true),
    ];
    let body = format!(
        r#"{{"error":"invalid_grant","details":{{"message":"token {ESCAPED} is revoked","list":["{ESCAPED}"]}}}}"#
    );
    let mut list = vec![answered(Step::Refresh, form, &body)];
    list[0].error = Some(format!(
        "the answer has neither an OAuth error code nor a message: {}…",
        &body[..90]
    ));
    end_session(&mut list, &[]);
    assert_gone(&list, TOKEN);
    let value = json::parse(&list[0].answer.as_ref().unwrap().body).unwrap();
    assert_eq!(value["error"], "invalid_grant");
    assert_eq!(
        value["details"]["message"],
        format!("token {} is revoked", mask(TOKEN)).as_str()
    );
    // The shortened quote of the body in the error text lost the token's end, not its mask.
    let error = list[0].error.as_deref().unwrap();
    assert!(error.contains(&mask(TOKEN)), "{error}");
}

#[test]
fn secret_members_are_masked_at_any_depth_and_a_numeric_code_too() {
    let body = r#"[{"data":{"refresh_token":"short","code":12345678901}}]"#;
    let mut list = vec![answered(Step::TokenExchange, vec![], body)];
    end_session(&mut list, &[]);
    assert_eq!(
        list[0].answer.as_ref().unwrap().body,
        format!(
            r#"[{{"data":{{"refresh_token":"{}","code":"{}"}}}}]"#,
            mask("short"),
            mask("12345678901")
        )
    );
}

#[test]
fn a_token_the_revocation_answer_echoes_is_masked_when_it_is_known() {
    // Sign-out forgot the token before revoking: the request was recorded masked.
    let form = vec![
        Field::new("token", mask(REFRESH), true),
        Field::new("client_id", "ilert-pkce-demo", false),
    ];
    let body = format!(
        r#"{{"revoked":"{}","ok":true}}"#,
        REFRESH.replace('-', r"\u002d")
    );
    let revoke = answered(Step::Revoke, form, &body);
    assert!(
        after_end(&revoke),
        "recorded after the end: masked as it is filed"
    );

    let mut list = vec![revoke.clone()];
    end_session(&mut list, &[REFRESH.to_string()]);
    assert_gone(&list, REFRESH);
    assert!(list[0]
        .answer
        .as_ref()
        .unwrap()
        .body
        .contains(&mask(REFRESH)));
    // The same, as filed: the entry alone and the revoked token.
    let mut filed = revoke.clone();
    let mut secrets = Secrets::default();
    secrets.add(REFRESH);
    secrets.add_entry(&filed);
    scrub(&mut filed, &secrets);
    assert_eq!(filed, list[0]);
    // What the record holds itself cannot tell: only the mask is left of the token.
    let mut unknown = vec![revoke];
    end_session(&mut unknown, &[]);
    assert!(unknown[0].answer.as_ref().unwrap().body.contains(REFRESH));
}

#[test]
fn a_body_that_is_not_json_is_masked_as_text_in_each_spelling() {
    let form = vec![Field::new("refresh_token", TOKEN, true)];
    let percent: String = form_urlencoded::byte_serialize(TOKEN.as_bytes()).collect();
    assert!(
        percent.contains("%2F") && percent.contains("%2B"),
        "{percent}"
    );
    for body in [
        format!("<html><body>token {TOKEN} revoked</body></html>"),
        format!("<html><body>{{\"token\":\"{ESCAPED}\"}}</body></html>"),
        format!("error=invalid_grant&hint={percent}"),
        format!(
            "error=invalid_grant&hint={}",
            percent.replace("%2F", "%2f").replace("%2B", "%2b")
        ),
        format!("access_token={percent}&expires_in=60"),
        format!("token {TOKEN}"),
    ] {
        let mut list = vec![answered(Step::Refresh, form.clone(), &body)];
        end_session(&mut list, &[]);
        assert_gone(&list, TOKEN);
        let stored = &list[0].answer.as_ref().unwrap().body;
        assert!(stored.contains(&mask(TOKEN)), "{body} -> {stored}");
    }
    // A text with no secret in it is kept as it came.
    let mut list = vec![answered(Step::Refresh, form, "<p>50% \\ off</p>")];
    end_session(&mut list, &[]);
    assert_eq!(list[0].answer.as_ref().unwrap().body, "<p>50% \\ off</p>");
}

#[test]
fn fields_urls_and_headers_are_masked() {
    let code = "code/with+plus=and-more";
    let mut callback = entry(Step::Callback);
    callback.fields = vec![
        Field::new("code", code, true),
        Field::new("state", "state-123", false),
    ];
    let mut authorize = entry(Step::Authorize);
    let query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("code", code)
        .append_pair("state", "state-123")
        .finish();
    authorize.fields = vec![Field::new(
        "URL",
        format!("http://localhost:4597/webapp?{query}"),
        false,
    )];
    let mut profile = answered(Step::Profile, vec![], r#"{"id":1}"#);
    let request = profile.request.as_mut().unwrap();
    request.method = "GET".into();
    request.url = format!("http://x/api?access_token={}", TOKEN.replace('/', "%2f"));
    request.headers = vec![Field::new("Authorization", format!("Bearer {TOKEN}"), true)];
    let mut list = vec![callback, authorize, profile];
    end_session(&mut list, &[]);
    assert_gone(&list, TOKEN);
    assert_gone(&list, code);
    assert!(
        !list[1].fields[0].value.contains("with%2Bplus"),
        "{:?}",
        list[1].fields
    );
    assert_eq!(list[0].fields[0].value, mask(code));
    assert_eq!(
        list[0].fields[1].value, "state-123",
        "the state is no secret once used"
    );
    let headers = &list[2].request.as_ref().unwrap().headers;
    assert_eq!(headers[0].value, format!("Bearer {}", mask(TOKEN)));
}

#[test]
fn masking_twice_changes_nothing_and_a_token_holding_a_bullet_is_still_masked() {
    let odd = "tok•en-chosen-by-a-server";
    let body = format!(r#"{{"access_token":"{odd}","refresh_token":"{TOKEN}"}}"#);
    let mut list = vec![answered(
        Step::TokenExchange,
        vec![Field::new("code", odd, true)],
        &body,
    )];
    end_session(&mut list, &[]);
    assert_gone(&list, odd);
    assert_gone(&list, TOKEN);
    let once = list.clone();
    end_session(&mut list, &[TOKEN.to_string()]);
    assert_eq!(list, once);
    // What an earlier version stored (masks with any prefix) stays as it is too.
    let old = r#"{"access_token":"a/+=•••••••• (43 characters)"}"#.to_string();
    let mut list = vec![answered(
        Step::TokenExchange,
        vec![Field::new("code", "a/+=•••••••• (43 characters)", true)],
        &old,
    )];
    end_session(&mut list, &[]);
    assert_eq!(list[0].fields, vec![]);
    assert_eq!(
        list[0].request.as_ref().unwrap().form[0].value,
        "a/+=•••••••• (43 characters)"
    );
    assert_eq!(list[0].answer.as_ref().unwrap().body, old);
}

#[test]
fn spellings_are_found_and_others_are_not() {
    let find = |text: &str, secret: &str| replace_spelled(text, secret) != text;
    assert!(find(r"x a\/b\u0063defgh y", "a/bcdefgh"));
    // A surrogate pair for 😀, and `+` for a space.
    assert!(find(r"\ud83d\ude00abcdefgh", "😀abcdefgh"));
    assert!(find("abc+defgh", "abc defgh"));
    assert!(find("%61bcdefgh", "abcdefgh"));
    assert!(!find(r"\ud83dabcdefgh", "😀abcdefgh"));
    assert!(!find("%6gbcdefgh", "abcdefgh"));
    assert!(!find("abcdefg", "abcdefgh"));
    assert!(
        !find("abcdefg…", "abcdefgh"),
        "a cut shorter than 8 characters"
    );
    assert!(find("x abcdefgh…", "abcdefghijkl"));
    assert!(!find(r"abc\defgh", "abcdefgh"));
    assert_eq!(
        replace_spelled("[é a\\/bcdefgh é]", "a/bcdefgh"),
        format!("[é {} é]", mask("a/bcdefgh"))
    );
}

#[test]
fn an_id_token_that_only_the_answer_carries_is_masked() {
    // No request field or other entry holds it: only its member name says it is a secret.
    let id_token =
        "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhZGEiLCJub25jZSI6Im4ifQ.aWQtdG9rZW4tc2lnbmF0dXJl";
    let body = format!(
        r#"{{"access_token":"{TOKEN}","id_token":"{id_token}","token_type":"Bearer","expires_in":300}}"#
    );
    let mut list = vec![answered(Step::TokenExchange, vec![], &body)];
    end_session(&mut list, &[]);
    assert_gone(&list, id_token);
    let value = json::parse(&list[0].answer.as_ref().unwrap().body).unwrap();
    assert_eq!(value["id_token"], mask(id_token).as_str());
}

#[test]
fn a_token_in_an_answer_refused_for_a_number_beyond_a_double_is_masked() {
    // Refused (1e309 is no double), so the app never parsed it, and its token was never known.
    let body = format!(r#"{{"access_token":"{TOKEN}","token_type":"Bearer","expires_in":1e309}}"#);
    let mut list = vec![answered(Step::TokenExchange, vec![], &body)];
    end_session(&mut list, &[]);
    assert_gone(&list, TOKEN);
    let stored = &list[0].answer.as_ref().unwrap().body;
    assert!(
        stored.contains("1e309"),
        "the number stays as written: {stored}"
    );
    // Shown live, before the session ends, it is masked as well.
    assert!(!masked_body(&body, &Secrets::default()).contains(TOKEN));
}
