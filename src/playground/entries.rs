//! The flow timeline's entries, as sessionStorage keeps them (`ilert-pkce.timeline`: a JSON
//! array of entries; the step is its name, e.g. `"TokenExchange"`).
use crate::json::{self, Value};
use crate::oauth::request::Kind;
use crate::oauth::Secret;

/// Which protocol step an entry belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Pkce,
    Authorize,
    Callback,
    TokenExchange,
    Profile,
    TokenInfo,
    Refresh,
    Revoke,
}

impl From<Kind> for Step {
    fn from(kind: Kind) -> Step {
        match kind {
            Kind::CodeExchange => Step::TokenExchange,
            Kind::Refresh => Step::Refresh,
            Kind::TokenInfo => Step::TokenInfo,
            Kind::Revoke => Step::Revoke,
            Kind::User => Step::Profile,
        }
    }
}

impl Step {
    const ALL: [Step; 8] = [
        Step::Pkce,
        Step::Authorize,
        Step::Callback,
        Step::TokenExchange,
        Step::Profile,
        Step::TokenInfo,
        Step::Refresh,
        Step::Revoke,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Step::Pkce => "PKCE verifier and challenge",
            Step::Authorize => "Authorize request",
            Step::Callback => "Callback received",
            Step::TokenExchange => "Token request (code exchange)",
            Step::Profile => "Profile (GET /api/users/current)",
            Step::TokenInfo => "Token info",
            Step::Refresh => "Refresh",
            Step::Revoke => "Revoke",
        }
    }

    /// The name stored (and shown as the entry's `data-step`).
    pub fn name(self) -> &'static str {
        match self {
            Step::Pkce => "Pkce",
            Step::Authorize => "Authorize",
            Step::Callback => "Callback",
            Step::TokenExchange => "TokenExchange",
            Step::Profile => "Profile",
            Step::TokenInfo => "TokenInfo",
            Step::Refresh => "Refresh",
            Step::Revoke => "Revoke",
        }
    }

    fn from_name(name: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// A name/value line of an entry; `secret` values are masked until revealed.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: String,
    pub value: String,
    pub secret: bool,
    /// A line of explanation, for the playground.
    pub note: Option<String>,
}

impl Field {
    pub fn new(name: impl Into<String>, value: impl Into<String>, secret: bool) -> Self {
        Field {
            name: name.into(),
            value: value.into(),
            secret,
            note: None,
        }
    }
    /// A field holding a secret: masked when shown because of its type.
    pub fn secret(name: impl Into<String>, value: &Secret) -> Self {
        Field::new(name, value.expose(), true)
    }
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }

    fn to_value(&self) -> Value {
        json::object([
            ("name", self.name.as_str().into()),
            ("value", self.value.as_str().into()),
            ("secret", self.secret.into()),
            ("note", self.note.clone().into()),
        ])
    }

    fn from_value(v: &Value) -> Result<Field, String> {
        Ok(Field {
            name: v.req("name", Value::as_str)?.to_string(),
            value: v.req("value", Value::as_str)?.to_string(),
            secret: v.req("secret", Value::as_bool)?,
            note: v.opt("note", Value::as_str)?.map(str::to_string),
        })
    }
}

/// An HTTP request as it was sent.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestRecord {
    pub method: String,
    pub url: String,
    pub headers: Vec<Field>,
    pub form: Vec<Field>,
}

/// An HTTP answer as it came back.
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerRecord {
    pub status: u16,
    pub duration_ms: f64,
    pub content_type: Option<String>,
    pub body: String,
    /// Answered by the built-in simulator's Service Worker, in this browser (entries stored
    /// before it existed read as false).
    pub by_worker: bool,
}

/// One step of the flow.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub id: u32,
    pub step: Step,
    pub at_ms: f64,
    pub title: String,
    pub fields: Vec<Field>,
    pub request: Option<RequestRecord>,
    pub answer: Option<AnswerRecord>,
    pub error: Option<String>,
}

fn fields_value(fields: &[Field]) -> Value {
    Value::Array(fields.iter().map(Field::to_value).collect())
}

fn fields_from(v: &Value) -> Option<Vec<Field>> {
    let mut out = Vec::new();
    for f in v.as_array()? {
        out.push(Field::from_value(f).ok()?);
    }
    Some(out)
}

impl Entry {
    pub fn to_value(&self) -> Value {
        let request = self.request.as_ref().map_or(Value::Null, |r| {
            json::object([
                ("method", r.method.as_str().into()),
                ("url", r.url.as_str().into()),
                ("headers", fields_value(&r.headers)),
                ("form", fields_value(&r.form)),
            ])
        });
        let answer = self.answer.as_ref().map_or(Value::Null, |a| {
            json::object([
                ("status", a.status.into()),
                ("duration_ms", a.duration_ms.into()),
                ("content_type", a.content_type.clone().into()),
                ("body", a.body.as_str().into()),
                ("by_worker", a.by_worker.into()),
            ])
        });
        json::object([
            ("id", self.id.into()),
            ("step", self.step.name().into()),
            ("at_ms", self.at_ms.into()),
            ("title", self.title.as_str().into()),
            ("fields", fields_value(&self.fields)),
            ("request", request),
            ("answer", answer),
            ("error", self.error.clone().into()),
        ])
    }

    pub fn from_value(v: &Value) -> Result<Entry, String> {
        let text = |v: &Value, key| v.req(key, Value::as_str).map(str::to_string);
        let request = v.opt("request", Some)?.map(|r| -> Result<_, String> {
            Ok(RequestRecord {
                method: text(r, "method")?,
                url: text(r, "url")?,
                headers: r.req("headers", fields_from)?,
                form: r.req("form", fields_from)?,
            })
        });
        let answer = v.opt("answer", Some)?.map(|a| -> Result<_, String> {
            Ok(AnswerRecord {
                status: a.req("status", |s| s.as_u64()?.try_into().ok())?,
                duration_ms: a.req("duration_ms", Value::as_f64)?,
                content_type: a.opt("content_type", Value::as_str)?.map(str::to_string),
                body: text(a, "body")?,
                by_worker: a.opt("by_worker", Value::as_bool)?.unwrap_or(false),
            })
        });
        Ok(Entry {
            id: v.req("id", |n| n.as_u64()?.try_into().ok())?,
            step: v.req("step", |s| Step::from_name(s.as_str()?))?,
            at_ms: v.req("at_ms", Value::as_f64)?,
            title: text(v, "title")?,
            fields: v.req("fields", fields_from)?,
            request: request.transpose()?,
            answer: answer.transpose()?,
            error: v.opt("error", Value::as_str)?.map(str::to_string),
        })
    }
}

/// The stored text of a list of entries.
pub fn to_json(entries: &[Entry]) -> String {
    Value::Array(entries.iter().map(Entry::to_value).collect()).compact()
}

/// Reads the stored text; None when it is not a list of entries (one bad entry included).
pub fn from_json(text: &str) -> Option<Vec<Entry>> {
    let mut out = Vec::new();
    for e in json::parse(text).ok()?.as_array()? {
        out.push(Entry::from_value(e).ok()?);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries() -> Vec<Entry> {
        vec![
            Entry {
                id: 1,
                step: Step::Pkce,
                at_ms: 1_712_345_678_901.0,
                title: "PKCE \"verifier\"\nand challenge".into(),
                fields: vec![
                    Field::new("code_verifier", "v-é-☃", true).note("kept in this tab"),
                    Field::new("method", "S256", false),
                ],
                request: None,
                answer: None,
                error: None,
            },
            Entry {
                id: 2,
                step: Step::TokenExchange,
                at_ms: 1_712_345_679_000.0,
                title: "Token request (code exchange)".into(),
                fields: vec![],
                request: Some(RequestRecord {
                    method: "POST".into(),
                    url: "http://127.0.0.1:4598/api/developers/oauth2/token".into(),
                    headers: vec![Field::new("Accept", "application/json", false)],
                    form: vec![Field::new("code", "the-code", true)],
                }),
                answer: Some(AnswerRecord {
                    status: 200,
                    duration_ms: 153.30000001192093,
                    content_type: Some("application/json".into()),
                    body: r#"{"access_token":"a\u0001"}"#.into(),
                    by_worker: false,
                }),
                error: Some("invalid_grant: gone (HTTP 401)".into()),
            },
        ]
    }

    #[test]
    fn the_stored_shape_is_unchanged() {
        let mut list = entries();
        list[1].answer.as_mut().unwrap().duration_ms = 153.5;
        let text = to_json(&list);
        // What serde_json's derive wrote: field order, the step as its name, null for None.
        assert_eq!(
            text,
            concat!(
                r#"[{"id":1,"step":"Pkce","at_ms":1712345678901.0,"title":"PKCE \"verifier\"\nand challenge","#,
                r#""fields":[{"name":"code_verifier","value":"v-é-☃","secret":true,"note":"kept in this tab"},"#,
                r#"{"name":"method","value":"S256","secret":false,"note":null}],"request":null,"answer":null,"error":null},"#,
                r#"{"id":2,"step":"TokenExchange","at_ms":1712345679000.0,"title":"Token request (code exchange)","fields":[],"#,
                r#""request":{"method":"POST","url":"http://127.0.0.1:4598/api/developers/oauth2/token","#,
                r#""headers":[{"name":"Accept","value":"application/json","secret":false,"note":null}],"#,
                r#""form":[{"name":"code","value":"the-code","secret":true,"note":null}]},"#,
                r#""answer":{"status":200,"duration_ms":153.5,"content_type":"application/json","body":"{\"access_token\":\"a\\u0001\"}","by_worker":false},"#,
                r#""error":"invalid_grant: gone (HTTP 401)"}]"#
            )
        );
        assert_eq!(from_json(&text), Some(list));
    }

    #[test]
    fn every_step_round_trips_and_a_long_duration_survives() {
        let mut list = entries();
        for (i, step) in Step::ALL.into_iter().enumerate() {
            let mut e = list[0].clone();
            e.id = 10 + i as u32;
            e.step = step;
            list.push(e);
        }
        assert_eq!(from_json(&to_json(&list)), Some(list));
    }

    #[test]
    fn whether_the_worker_answered_is_kept_and_older_entries_say_no() {
        let mut list = entries();
        list[1].answer.as_mut().unwrap().by_worker = true;
        let text = to_json(&list);
        assert!(text.contains(r#""by_worker":true}"#), "{text}");
        assert_eq!(from_json(&text), Some(list.clone()));
        // Stored by an earlier version of the app, before the field existed.
        let old = text.replace(r#","by_worker":true"#, "");
        assert!(!old.contains("by_worker"));
        list[1].answer.as_mut().unwrap().by_worker = false;
        assert_eq!(from_json(&old), Some(list));
        assert_eq!(
            from_json(&text.replace(r#""by_worker":true"#, r#""by_worker":"yes""#)),
            None
        );
    }

    #[test]
    fn unreadable_lists_are_none() {
        let good = to_json(&entries());
        assert!(from_json(&good).is_some());
        for bad in [
            String::new(),
            "{}".into(),
            "[1]".into(),
            good.replace(r#""step":"Pkce""#, r#""step":"Nope""#),
            good.replace(r#""id":2"#, r#""id":-2"#),
            good.replace(r#""status":200"#, r#""status":70000"#),
            good.replace(r#""secret":true"#, r#""secret":"yes""#),
            good.replace(
                r#","form":[{"name":"code","value":"the-code","secret":true,"note":null}]"#,
                "",
            ),
        ] {
            assert_eq!(from_json(&bad), None, "{bad}");
        }
    }
}
