//! Every HTTP exchange of the protocol as a value: which step, method, URL, headers and form.
//! This is the one place that says how each request is built; `crate::browser::http::send`
//! sends any of them (timeout, timeline, transport errors) and the parser of its step
//! (`token`, `user`) judges the answer.
use super::form::{FormBody, Param};
use super::secret::Secret;
use crate::json::{self, Value};

/// How long any request may take, answer body included, before it is abandoned (ms).
pub const TIMEOUT_MS: u32 = 15_000;

/// The endpoints a sign-in uses, fixed when Connect starts it: the code exchange and the
/// session that follows talk to these, whatever the settings say later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    pub client_id: String,
    pub token: String,
    pub token_info: String,
    pub revoke: String,
    pub user: String,
}

impl Endpoints {
    /// As JSON, as stored with the tokens and the pending sign-ins.
    pub fn to_value(&self) -> Value {
        json::object([
            ("client_id", self.client_id.as_str().into()),
            ("token", self.token.as_str().into()),
            ("token_info", self.token_info.as_str().into()),
            ("revoke", self.revoke.as_str().into()),
            ("user", self.user.as_str().into()),
        ])
    }

    /// Reads what [`Endpoints::to_value`] wrote; every field is required.
    pub fn from_value(v: &Value) -> Result<Endpoints, String> {
        let text = |key| v.req(key, Value::as_str).map(str::to_string);
        Ok(Endpoints {
            client_id: text("client_id")?,
            token: text("token")?,
            token_info: text("token_info")?,
            revoke: text("revoke")?,
            user: text("user")?,
        })
    }
}

/// Which protocol step a request belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    CodeExchange,
    Refresh,
    TokenInfo,
    Revoke,
    User,
}

/// The HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// One request, complete: what is sent is exactly this.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub kind: Kind,
    pub method: Method,
    pub url: String,
    /// An access token sent as `Authorization: Bearer …`.
    pub bearer: Option<Secret>,
    /// A form-urlencoded body.
    pub form: Option<FormBody>,
}

impl Request {
    /// The headers as sent; the bearer header is a secret (masked when shown).
    pub fn headers(&self) -> Vec<Param> {
        let mut headers = Vec::new();
        if self.form.is_some() {
            headers.push(Param::plain(
                "Content-Type",
                "application/x-www-form-urlencoded",
            ));
        }
        if let Some(token) = &self.bearer {
            let value = Secret::new(format!("Bearer {}", token.expose()));
            headers.push(Param::secret("Authorization", value));
        }
        headers.push(Param::plain("Accept", "application/json"));
        headers
    }

    /// Whether the request spends a refresh token (the budget of refresh requests counts these).
    pub fn is_refresh(&self) -> bool {
        self.kind == Kind::Refresh
    }

    fn post(kind: Kind, url: &str, form: FormBody) -> Request {
        Request {
            kind,
            method: Method::Post,
            url: url.to_string(),
            bearer: None,
            form: Some(form),
        }
    }
}

/// The code exchange (PKCE: the verifier, no secret). `redirect_uri` is sent because it was
/// sent at authorize (RFC 6749 §4.1.3); iLert's docs leave it out, iLert ignores it.
pub fn code_exchange(
    endpoints: &Endpoints,
    code: &Secret,
    code_verifier: &Secret,
    redirect_uri: &str,
) -> Request {
    let form = FormBody::new()
        .field("grant_type", "authorization_code")
        .field("client_id", &endpoints.client_id)
        .secret("code", code)
        .secret("code_verifier", code_verifier)
        .field("redirect_uri", redirect_uri);
    Request::post(Kind::CodeExchange, &endpoints.token, form)
}

/// A new access token for a refresh token.
pub fn refresh(endpoints: &Endpoints, refresh_token: &Secret) -> Request {
    let form = FormBody::new()
        .field("grant_type", "refresh_token")
        .field("client_id", &endpoints.client_id)
        .secret("refresh_token", refresh_token);
    Request::post(Kind::Refresh, &endpoints.token, form)
}

/// What the server knows of an access token. A public client names itself with `client_id`
/// (RFC 7662 servers require it; iLert ignores it).
pub fn token_info(endpoints: &Endpoints, access_token: &Secret) -> Request {
    let form = FormBody::new()
        .secret("token", access_token)
        .field("client_id", &endpoints.client_id);
    Request::post(Kind::TokenInfo, &endpoints.token_info, form)
}

/// Revokes a refresh token, with `client_id` as RFC 7009 asks of public clients.
pub fn revoke(endpoints: &Endpoints, refresh_token: &Secret) -> Request {
    let form = FormBody::new()
        .secret("token", refresh_token)
        .field("client_id", &endpoints.client_id);
    Request::post(Kind::Revoke, &endpoints.revoke, form)
}

/// GET the current user with the access token.
pub fn user(endpoints: &Endpoints, access_token: &Secret) -> Request {
    Request {
        kind: Kind::User,
        method: Method::Get,
        url: endpoints.user.clone(),
        bearer: Some(access_token.clone()),
        form: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoints() -> Endpoints {
        Endpoints {
            client_id: "demo".into(),
            token: "https://api.ilert.com/api/developers/oauth2/token".into(),
            token_info: "https://api.ilert.com/api/developers/oauth2/token_info".into(),
            revoke: "https://api.ilert.com/api/developers/oauth2/revoke".into(),
            user: "https://api.ilert.com/api/users/current".into(),
        }
    }

    #[test]
    fn the_code_exchange_sends_verifier_and_redirect_uri_but_no_secret() {
        let r = code_exchange(
            &endpoints(),
            &"the code".into(),
            &"verif".into(),
            "http://localhost:4597/webapp",
        );
        assert_eq!(
            (r.kind, r.method, r.url.as_str()),
            (
                Kind::CodeExchange,
                Method::Post,
                "https://api.ilert.com/api/developers/oauth2/token"
            )
        );
        assert_eq!(
            r.form.as_ref().unwrap().encode(),
            "grant_type=authorization_code&client_id=demo&code=the+code&code_verifier=verif\
             &redirect_uri=http%3A%2F%2Flocalhost%3A4597%2Fwebapp"
        );
        assert_eq!(r.bearer, None);
        // The code and the verifier are secrets by their type; nothing else is.
        let form = r.form.unwrap();
        let secret: Vec<&str> = form
            .fields()
            .iter()
            .filter(|f| f.is_secret())
            .map(|f| f.name)
            .collect();
        assert_eq!(secret, ["code", "code_verifier"]);
    }

    #[test]
    fn refresh_token_info_and_revoke_name_the_client() {
        assert_eq!(
            refresh(&endpoints(), &"r.t".into()).form.unwrap().encode(),
            "grant_type=refresh_token&client_id=demo&refresh_token=r.t"
        );
        let info = token_info(&endpoints(), &"x+y".into());
        assert_eq!(info.url, endpoints().token_info);
        assert_eq!(info.form.unwrap().encode(), "token=x%2By&client_id=demo");
        let revoke = revoke(&endpoints(), &"a.b-c_d".into());
        assert_eq!(revoke.url, endpoints().revoke);
        assert_eq!(
            revoke.form.unwrap().encode(),
            "token=a.b-c_d&client_id=demo"
        );
        assert!(refresh(&endpoints(), &"r".into()).is_refresh() && !revoke_is_refresh());
    }

    fn revoke_is_refresh() -> bool {
        revoke(&endpoints(), &"r".into()).is_refresh()
    }

    #[test]
    fn headers_as_sent() {
        let get = user(&endpoints(), &"tok".into());
        assert_eq!(
            (get.method.as_str(), get.url.as_str()),
            ("GET", "https://api.ilert.com/api/users/current")
        );
        assert_eq!(
            get.headers(),
            vec![
                Param::secret("Authorization", "Bearer tok".into()),
                Param::plain("Accept", "application/json")
            ]
        );
        let post = refresh(&endpoints(), &"r".into());
        assert_eq!(
            post.headers(),
            vec![
                Param::plain("Content-Type", "application/x-www-form-urlencoded"),
                Param::plain("Accept", "application/json")
            ]
        );
    }
}
