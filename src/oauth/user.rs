//! The signed-in person: iLert's `GET /api/users/current`, read leniently. A standards server
//! answers the same request with an OpenID Connect userinfo object (`sub`,
//! `preferred_username`, `name`, …): that is read too, into the same [`User`].

use super::answer::classify;
use super::error::expect_object;
use super::request::Kind;
use super::Error;
use crate::json::Value;

/// iLert's `User` object. Every field is optional, unknown fields are ignored, unknown enum
/// values (role, language) are kept as text, and a field of an unexpected type reads as absent.
///
/// An OpenID Connect userinfo answer (OIDC Core 5.1) fills the same fields where iLert's own
/// name is absent: `preferred_username` → `username`, `given_name` → `first_name`,
/// `family_name` → `last_name`, `locale` → `language`, `zoneinfo` → `timezone`; `sub` and
/// `name` have fields of their own (see [`parse_user`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct User {
    /// The user's numeric id at iLert (identifies the user, with `username`).
    pub id: Option<i64>,
    /// OpenID Connect: the subject, the server's stable string id of the user (a standards
    /// server has no numeric `id`). Absent at iLert.
    pub sub: Option<String>,
    /// OpenID Connect: the full name, as the server formats it. Absent at iLert, which sends
    /// first and last name.
    pub name: Option<String>,
    /// The login name.
    pub username: Option<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// E-mail address (for display only; never used to identify the user).
    pub email: Option<String>,
    /// IANA time zone, e.g. `Europe/Berlin`.
    pub timezone: Option<String>,
    /// Job position.
    pub position: Option<String>,
    /// Department.
    pub department: Option<String>,
    /// URL of the avatar image.
    pub avatar_url: Option<String>,
    /// UI language, `de` or `en` (sometimes upper case; kept as sent).
    pub language: Option<String>,
    /// Data region.
    pub region: Option<String>,
    /// Role: `STAKEHOLDER`, `GUEST`, `RESPONDER`, `USER`, `ADMIN`, or anything newer, as text.
    pub role: Option<String>,
    /// The colour of the user's shifts in schedules.
    pub shift_color: Option<String>,
    /// Notifications muted until this time.
    pub muted_until: Option<String>,
    /// When the user was created.
    pub created_at: Option<String>,
    /// When the user was last changed.
    pub updated_at: Option<String>,
    /// Older accounts: mobile number object, as sent.
    pub mobile: Option<Value>,
    /// Older accounts: landline number object, as sent.
    pub landline: Option<Value>,
    /// Older accounts: notification preferences, as sent.
    pub notification_preferences: Option<Value>,
}

/// A string field that also accepts numbers and booleans as text, and anything else as absent.
fn lenient_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.clone()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// An integer field that also accepts a numeric string, and anything else as absent.
fn lenient_i64(v: &Value) -> Option<i64> {
    match v {
        Value::String(s) => s.trim().parse().ok(),
        other => other.as_i64(),
    }
}

/// A claim as non-blank text (a string, or a number or boolean as text).
fn claim(obj: &Value, name: &str) -> Option<String> {
    let text = lenient_string(obj.get(name)?)?.trim().to_string();
    (!text.is_empty()).then_some(text)
}

/// Sets `field` from the claim `name` if the field is absent or blank.
fn fill(field: &mut Option<String>, obj: &Value, name: &str) {
    if field.as_deref().is_none_or(|v| v.trim().is_empty()) {
        if let Some(value) = claim(obj, name) {
            *field = Some(value);
        }
    }
}

/// iLert's camelCase names of the text fields, in the order they are written.
const TEXT_FIELDS: [&str; 15] = [
    "username",
    "firstName",
    "lastName",
    "email",
    "timezone",
    "position",
    "department",
    "avatarUrl",
    "language",
    "region",
    "role",
    "shiftColor",
    "mutedUntil",
    "createdAt",
    "updatedAt",
];

impl User {
    /// Fills the fields iLert's answer would have had from OpenID Connect claims, where iLert's
    /// own field is absent: the same person reads the same whichever server answered.
    fn fill_from_oidc(&mut self, obj: &Value) {
        fill(&mut self.username, obj, "preferred_username");
        fill(&mut self.first_name, obj, "given_name");
        fill(&mut self.last_name, obj, "family_name");
        fill(&mut self.language, obj, "locale");
        fill(&mut self.timezone, obj, "zoneinfo");
    }

    /// The text fields, in the order of [`TEXT_FIELDS`].
    fn text_fields(&self) -> [&Option<String>; 15] {
        [
            &self.username,
            &self.first_name,
            &self.last_name,
            &self.email,
            &self.timezone,
            &self.position,
            &self.department,
            &self.avatar_url,
            &self.language,
            &self.region,
            &self.role,
            &self.shift_color,
            &self.muted_until,
            &self.created_at,
            &self.updated_at,
        ]
    }

    /// Reads iLert's user object leniently (see [`User`]); never fails.
    pub fn from_value(v: &Value) -> User {
        let [username, first_name, last_name, email, timezone, position, department, avatar_url, language, region, role, shift_color, muted_until, created_at, updated_at] =
            TEXT_FIELDS.map(|name| v.get(name).and_then(lenient_string));
        let as_sent = |name| v.get(name).filter(|m| !m.is_null()).cloned();
        User {
            id: v.get("id").and_then(lenient_i64),
            sub: v.get("sub").and_then(lenient_string),
            name: v.get("name").and_then(lenient_string),
            username,
            first_name,
            last_name,
            email,
            timezone,
            position,
            department,
            avatar_url,
            language,
            region,
            role,
            shift_color,
            muted_until,
            created_at,
            updated_at,
            mobile: as_sent("mobile"),
            landline: as_sent("landline"),
            notification_preferences: as_sent("notificationPreferences"),
        }
    }

    /// As JSON, in iLert's camelCase shape; `sub` and `name` (OpenID Connect only) are left
    /// out when absent.
    pub fn to_value(&self) -> Value {
        let mut members = vec![("id".to_string(), Value::from(self.id))];
        for (key, value) in [("sub", &self.sub), ("name", &self.name)] {
            if let Some(value) = value {
                members.push((key.to_string(), value.as_str().into()));
            }
        }
        for (name, field) in TEXT_FIELDS.into_iter().zip(self.text_fields()) {
            members.push((name.to_string(), field.clone().into()));
        }
        for (key, value) in [
            ("mobile", &self.mobile),
            ("landline", &self.landline),
            ("notificationPreferences", &self.notification_preferences),
        ] {
            members.push((key.to_string(), value.clone().unwrap_or(Value::Null)));
        }
        Value::Object(members)
    }

    /// What identifies the user at the server: iLert's numeric `id` as `#42`, else the OpenID
    /// Connect subject `sub`, else the username. None if the answer had none of them.
    pub fn identity(&self) -> Option<String> {
        let text = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        self.id
            .map(|id| format!("#{id}"))
            .or_else(|| text(&self.sub))
            .or_else(|| text(&self.username))
    }

    /// The name to show: the OpenID Connect `name` (the server's own full name, in the
    /// person's order), else first and last name, else the username, else the identity
    /// (`#<id>` or `sub`).
    pub fn display_name(&self) -> String {
        if let Some(name) = self
            .name
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            return name.to_string();
        }
        let full = [self.first_name.as_deref(), self.last_name.as_deref()]
            .into_iter()
            .flatten()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        if !full.is_empty() {
            return full;
        }
        self.username
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .or_else(|| self.identity())
            .unwrap_or_else(|| "(unknown user)".to_string())
    }
}

/// Validates a `GET /api/users/current` answer: 401 is [`Error::Unauthorized`] (refresh and
/// retry once), other errors are [`Error::Api`], a body that is not JSON is [`Error::NotJson`],
/// and a user needs at least an `id`, a `username` or (OpenID Connect userinfo) a `sub` or a
/// `preferred_username`.
pub fn parse_user(status: u16, content_type: Option<&str>, body: &str) -> Result<User, Error> {
    let value = classify(Kind::User, status, content_type, body)?;
    let obj = expect_object(status, &value, "the user")?;
    let mut user = User::from_value(obj);
    user.fill_from_oidc(obj);
    if user.identity().is_none() {
        return Err(Error::InvalidResponse {
            status,
            reason: "the user has neither an id nor a username (nor an OpenID Connect sub)".into(),
        });
    }
    Ok(user)
}

#[cfg(test)]
mod tests {
    use super::*;

    const JSON: Option<&str> = Some("application/json");

    #[test]
    fn full_user() {
        let body = r##"{"id":42,"username":"jdoe","firstName":"Jane","lastName":"Doe","email":"j@example.com",
            "timezone":"Europe/Berlin","position":"SRE","department":"Ops","avatarUrl":"https://x/a.png",
            "language":"en","region":"EU","role":"ADMIN","shiftColor":"#ff0000","mutedUntil":null,
            "createdAt":"2020-01-01T00:00:00Z","updatedAt":"2024-01-01T00:00:00Z"}"##;
        let u = parse_user(200, JSON, body).unwrap();
        assert_eq!(u.id, Some(42));
        assert_eq!(u.username.as_deref(), Some("jdoe"));
        assert_eq!(u.avatar_url.as_deref(), Some("https://x/a.png"));
        assert_eq!(u.shift_color.as_deref(), Some("#ff0000"));
        assert_eq!(u.muted_until, None);
        assert_eq!(u.role.as_deref(), Some("ADMIN"));
        assert_eq!(u.display_name(), "Jane Doe");
        // Serialises back in iLert's camelCase.
        let s = u.to_value().compact();
        assert!(s.contains("\"firstName\":\"Jane\"") && s.contains("\"avatarUrl\""));
        assert_eq!(User::from_value(&crate::json::parse(&s).unwrap()), u);
    }

    #[test]
    fn lenient_reading() {
        let body = r#"{"id":"7","username":"old","language":"DE","role":"SUPER_HERO","unknownThing":{"a":1},
            "mobile":{"regionCode":"DE","number":"+49123"},"landline":null,
            "notificationPreferences":[{"method":"EMAIL"}],"position":12,"timezone":["x"]}"#;
        let u = parse_user(200, None, body).unwrap();
        assert_eq!(u.id, Some(7));
        assert_eq!(u.language.as_deref(), Some("DE"));
        assert_eq!(u.role.as_deref(), Some("SUPER_HERO"));
        assert_eq!(u.mobile.as_ref().unwrap()["number"], "+49123");
        assert_eq!(u.landline, None);
        assert!(u.notification_preferences.is_some());
        assert_eq!(u.position.as_deref(), Some("12"));
        assert_eq!(u.timezone, None);
        assert_eq!(u.display_name(), "old");
    }

    #[test]
    fn display_names() {
        let mut u = User {
            id: Some(3),
            ..User::default()
        };
        assert_eq!(u.display_name(), "#3");
        u.username = Some("jdoe".into());
        assert_eq!(u.display_name(), "jdoe");
        u.first_name = Some(" Jane ".into());
        assert_eq!(u.display_name(), "Jane");
        u.last_name = Some("Doe".into());
        assert_eq!(u.display_name(), "Jane Doe");
        assert_eq!(User::default().display_name(), "(unknown user)");
    }

    /// The answer of a standards server's userinfo endpoint (here: oidc-provider's, for the
    /// scopes openid profile email).
    const USERINFO: &str = r#"{"sub":"ada-1","name":"Ada Lovelace","given_name":"Ada","family_name":"Lovelace",
        "preferred_username":"ada","locale":"en","zoneinfo":"Europe/London","email":"ada@example.com",
        "email_verified":true}"#;

    #[test]
    fn openid_connect_userinfo() {
        let u = parse_user(200, JSON, USERINFO).unwrap();
        assert_eq!(u.id, None);
        assert_eq!(u.sub.as_deref(), Some("ada-1"));
        assert_eq!(u.identity().as_deref(), Some("ada-1"));
        assert_eq!(u.username.as_deref(), Some("ada"));
        assert_eq!(u.name.as_deref(), Some("Ada Lovelace"));
        assert_eq!(u.first_name.as_deref(), Some("Ada"));
        assert_eq!(u.last_name.as_deref(), Some("Lovelace"));
        assert_eq!(u.email.as_deref(), Some("ada@example.com"));
        assert_eq!(u.language.as_deref(), Some("en"));
        assert_eq!(u.timezone.as_deref(), Some("Europe/London"));
        assert_eq!(u.role, None);
        assert_eq!(u.display_name(), "Ada Lovelace");
    }

    #[test]
    fn openid_connect_minimal_and_partial() {
        // `sub` is the only claim userinfo must have (OIDC Core 5.3.2).
        let u = parse_user(200, JSON, r#"{"sub":"248289761001"}"#).unwrap();
        assert_eq!(u.identity().as_deref(), Some("248289761001"));
        assert_eq!(u.display_name(), "248289761001");
        assert_eq!(u.username, None);
        // preferred_username alone identifies too; name wins over given/family name.
        let u = parse_user(200, JSON, r#"{"preferred_username":"j.doe","name":"Doe Jane","given_name":"Jane","family_name":"Doe"}"#).unwrap();
        assert_eq!(u.username.as_deref(), Some("j.doe"));
        assert_eq!(u.display_name(), "Doe Jane");
        let u = parse_user(200, JSON, r#"{"sub":"x","given_name":"Jane"}"#).unwrap();
        assert_eq!(u.display_name(), "Jane");
        let u = parse_user(200, JSON, r#"{"sub":"x","preferred_username":" "}"#).unwrap();
        assert_eq!(u.username, None);
        assert_eq!(u.display_name(), "x");
        // Blank or wrongly typed claims do not identify anyone.
        for body in [
            r#"{"sub":"  "}"#,
            r#"{"sub":null,"name":"Nobody"}"#,
            r#"{"sub":{"a":1}}"#,
            r#"{"preferred_username":""}"#,
        ] {
            assert!(
                matches!(
                    parse_user(200, JSON, body),
                    Err(Error::InvalidResponse { .. })
                ),
                "{body}"
            );
        }
        // A numeric sub is read as text.
        assert_eq!(
            parse_user(200, JSON, r#"{"sub":7}"#)
                .unwrap()
                .sub
                .as_deref(),
            Some("7")
        );
    }

    #[test]
    fn ilert_fields_win_over_oidc_claims() {
        let body = r#"{"id":42,"username":"jdoe","firstName":"Jane","lastName":"Doe","timezone":"Europe/Berlin",
            "language":"de","preferred_username":"other","given_name":"G","family_name":"F","zoneinfo":"UTC","locale":"fr"}"#;
        let u = parse_user(200, JSON, body).unwrap();
        assert_eq!(u.username.as_deref(), Some("jdoe"));
        assert_eq!(u.first_name.as_deref(), Some("Jane"));
        assert_eq!(u.last_name.as_deref(), Some("Doe"));
        assert_eq!(u.timezone.as_deref(), Some("Europe/Berlin"));
        assert_eq!(u.language.as_deref(), Some("de"));
        assert_eq!(u.identity().as_deref(), Some("#42"));
        assert_eq!(u.display_name(), "Jane Doe");
    }

    #[test]
    fn ilert_user_serialises_as_before() {
        // No OIDC-only field appears in iLert's shape when the answer had none.
        let u = parse_user(200, JSON, r#"{"id":1,"username":"a"}"#).unwrap();
        let s = u.to_value().compact();
        assert!(!s.contains("\"sub\"") && !s.contains("\"name\""), "{s}");
        assert_eq!(u.sub, None);
        assert_eq!(u.name, None);
        // An OIDC user survives a round trip (the session may keep the profile).
        let oidc = parse_user(200, JSON, USERINFO).unwrap();
        let back = User::from_value(&crate::json::parse(&oidc.to_value().compact()).unwrap());
        assert_eq!(back, oidc);
    }

    #[test]
    fn errors() {
        assert_eq!(
            parse_user(
                401,
                JSON,
                r#"{"status":401,"message":"Token expired","code":"UNAUTHORIZED"}"#
            ),
            Err(Error::Unauthorized {
                message: Some("Token expired".into())
            })
        );
        assert_eq!(
            parse_user(401, Some("text/html"), "<h1>401</h1>"),
            Err(Error::Unauthorized { message: None })
        );
        assert_eq!(
            parse_user(401, None, ""),
            Err(Error::Unauthorized { message: None })
        );
        assert_eq!(
            parse_user(
                403,
                JSON,
                r#"{"status":403,"message":"Missing scope profile","code":"FORBIDDEN"}"#
            ),
            Err(Error::Api {
                status: 403,
                code: Some("FORBIDDEN".into()),
                message: Some("Missing scope profile".into())
            })
        );
        assert_eq!(
            parse_user(404, None, ""),
            Err(Error::Api {
                status: 404,
                code: None,
                message: None
            })
        );
        assert!(matches!(
            parse_user(502, Some("text/html"), "<html>Bad Gateway</html>"),
            Err(Error::NotJson { status: 502, .. })
        ));
        assert!(matches!(
            parse_user(200, Some("text/html"), "<!doctype html>"),
            Err(Error::NotJson { status: 200, .. })
        ));
        assert!(matches!(
            parse_user(200, JSON, ""),
            Err(Error::NotJson { .. })
        ));
        assert!(matches!(
            parse_user(200, JSON, r#"{"firstName":"x"}"#),
            Err(Error::InvalidResponse { .. })
        ));
        assert!(matches!(
            parse_user(200, JSON, r#"{"username":"  "}"#),
            Err(Error::InvalidResponse { .. })
        ));
        assert!(matches!(
            parse_user(200, JSON, "[]"),
            Err(Error::InvalidResponse { .. })
        ));
        assert!(parse_user(200, JSON, r#"{"id":1}"#).is_ok());
    }
}
