//! `application/x-www-form-urlencoded` request bodies for the token, token_info and revoke
//! endpoints, kept as ordered fields so the UI can show (and mask) what is sent.

use super::secret::Secret;

/// One named value the app sends (a form field or a header). A secret is masked when shown
/// because of its type ([`Secret`]), whatever its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    pub name: &'static str,
    value: Part,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Plain(String),
    Secret(Secret),
}

impl Param {
    pub fn plain(name: &'static str, value: impl Into<String>) -> Self {
        Param {
            name,
            value: Part::Plain(value.into()),
        }
    }

    pub fn secret(name: &'static str, value: Secret) -> Self {
        Param {
            name,
            value: Part::Secret(value),
        }
    }

    /// Whether the value must be masked when shown.
    pub fn is_secret(&self) -> bool {
        matches!(self.value, Part::Secret(_))
    }

    /// The value exactly as sent, a secret's too: to send it, or to show it masked when
    /// [`Param::is_secret`].
    pub fn as_sent(&self) -> &str {
        match &self.value {
            Part::Plain(v) => v,
            Part::Secret(v) => v.expose(),
        }
    }
}

/// The fields of a form body, in the order they are sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormBody {
    fields: Vec<Param>,
}

impl FormBody {
    /// An empty form.
    pub fn new() -> Self {
        Self { fields: Vec::new() }
    }

    /// Adds one plain field (builder style); fields keep the order they were added in.
    pub fn field(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.fields.push(Param::plain(name, value));
        self
    }

    /// Adds one secret field: masked wherever it is shown.
    pub fn secret(mut self, name: &'static str, value: &Secret) -> Self {
        self.fields.push(Param::secret(name, value.clone()));
        self
    }

    /// The fields, unencoded, in order.
    pub fn fields(&self) -> &[Param] {
        &self.fields
    }

    /// The value of the first field called `name`, if any.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|f| f.name == name)
            .map(Param::as_sent)
    }

    /// The body to send: `application/x-www-form-urlencoded` per WHATWG (space as `+`).
    pub fn encode(&self) -> String {
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(self.fields.iter().map(|f| (f.name, f.as_sent())))
            .finish()
    }
}

/// Whether a member or parameter of a text the app did not build (a server's answer, a form
/// body in an error page, a record stored by an earlier version) carries a secret, by its name:
/// a code, a verifier, a token or a client secret. What the app sends itself is masked by its
/// type instead ([`Param::is_secret`]).
pub fn is_secret(name: &str) -> bool {
    matches!(
        name,
        "code"
            | "code_verifier"
            | "refresh_token"
            | "token"
            | "access_token"
            | "id_token"
            | "client_secret"
    )
}

/// How a secret is shown while hidden: its length and, for long values only, a prefix of at
/// most 4 characters (enough to tell two tokens apart, far too little to guess one). The prefix
/// stops at the first character that is not URL-safe: a value chosen by someone else (a code
/// in a crafted callback link, a server's token) must not put a control character on screen
/// or into a copied command through its mask.
pub fn mask(value: &str) -> String {
    let len = value.chars().count();
    let head: String = value
        .chars()
        .take((len / 10).min(4))
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~'))
        .collect();
    format!("{head}{MASKED}{len} characters)")
}

const MASKED: &str = "•••••••• (";

/// Whether `value` is a mask that [`mask`] made (this version or an earlier one, whose prefix
/// could be any 4 characters): a value masked already stays as it is. Only the exact shape
/// counts, so a token that merely contains `•` is still a secret.
pub fn is_mask(value: &str) -> bool {
    value.split_once(MASKED).is_some_and(|(head, tail)| {
        head.chars().count() <= 4
            && tail
                .strip_suffix(" characters)")
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_in_order_with_plus_for_space() {
        let f = FormBody::new()
            .field("grant_type", "authorization_code")
            .field("scope", "profile source:w")
            .field("redirect_uri", "http://localhost:4597/webapp?x=1&y=2");
        assert_eq!(
            f.encode(),
            "grant_type=authorization_code&scope=profile+source%3Aw\
             &redirect_uri=http%3A%2F%2Flocalhost%3A4597%2Fwebapp%3Fx%3D1%26y%3D2"
        );
        let back: Vec<(String, String)> = form_urlencoded::parse(f.encode().as_bytes())
            .into_owned()
            .collect();
        let want: Vec<(String, String)> = f
            .fields()
            .iter()
            .map(|f| (f.name.to_string(), f.as_sent().to_string()))
            .collect();
        assert_eq!(back, want);
    }

    #[test]
    fn empty_form_encodes_to_empty_string() {
        assert_eq!(FormBody::new().encode(), "");
        assert!(FormBody::default().fields().is_empty());
    }

    #[test]
    fn unicode_and_reserved_characters_round_trip() {
        let f = FormBody::new().field("token", "a+b/c=d~e.f_g-h ü€");
        let back: Vec<(String, String)> = form_urlencoded::parse(f.encode().as_bytes())
            .into_owned()
            .collect();
        assert_eq!(
            back,
            vec![("token".to_string(), "a+b/c=d~e.f_g-h ü€".to_string())]
        );
    }

    #[test]
    fn a_field_is_secret_by_its_type_not_its_name() {
        let f = FormBody::new()
            .field("code", "plain-by-type")
            .secret("anything", &Secret::new("s3cret"));
        let secret: Vec<(&str, bool)> =
            f.fields().iter().map(|p| (p.name, p.is_secret())).collect();
        assert_eq!(secret, [("code", false), ("anything", true)]);
        assert_eq!(f.encode(), "code=plain-by-type&anything=s3cret");
        assert!(!format!("{f:?}").contains("s3cret"));
    }

    #[test]
    fn secrets() {
        for s in [
            "code",
            "code_verifier",
            "refresh_token",
            "token",
            "access_token",
            "client_secret",
        ] {
            assert!(is_secret(s), "{s}");
        }
        for s in [
            "grant_type",
            "client_id",
            "redirect_uri",
            "scope",
            "state",
            "Code",
        ] {
            assert!(!is_secret(s), "{s}");
        }
    }

    #[test]
    fn masking_shows_length_and_at_most_a_short_prefix() {
        assert_eq!(mask("abcdefghijklmnop"), "a•••••••• (16 characters)");
        assert_eq!(mask("short"), "•••••••• (5 characters)");
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert_eq!(mask(verifier), "dBjf•••••••• (43 characters)");
        let f = FormBody::new()
            .field("client_id", "demo")
            .field("code", "abcdefghijklmnop");
        assert_eq!(f.get("code"), Some("abcdefghijklmnop"));
        assert_eq!(f.get("nope"), None);
    }

    #[test]
    fn a_masks_prefix_shows_only_url_safe_characters() {
        // ESC, a bidi override, a quote, a space: the prefix stops before each.
        assert_eq!(
            mask("ab\u{1b}[201~xxxxxxxxxxxxxxx"),
            "ab•••••••• (23 characters)"
        );
        assert_eq!(
            mask("\u{202e}abcdefghijklmnopqrstu"),
            "•••••••• (22 characters)"
        );
        assert_eq!(
            mask("a'b cdefghijklmnopqrstuv"),
            "a•••••••• (24 characters)"
        );
        let long = "x".repeat(40);
        assert_eq!(mask(&format!("A-._{long}")), "A-._•••••••• (44 characters)");
        assert_eq!(mask(&format!("z~9/{long}")), "z~9•••••••• (44 characters)");
    }

    #[test]
    fn only_the_exact_shape_of_a_mask_is_a_mask() {
        for value in [
            "abcdefghijklmnop",
            "short",
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
        ] {
            assert!(is_mask(&mask(value)), "{value}");
            assert!(!is_mask(value));
        }
        // An earlier version's mask with any 4 characters in front is still one.
        assert!(is_mask("a/+=•••••••• (43 characters)"));
        for value in [
            "tok•en-chosen-by-a-server",
            "abcde•••••••• (43 characters)",
            "ab•••••••• (43 characters) and more",
            "ab•••••••• ( characters)",
            "ab•••••••• (4x characters)",
        ] {
            assert!(!is_mask(value), "{value}");
        }
    }
}
