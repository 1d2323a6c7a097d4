//! The authorization request: the URL the browser navigates to so the person can sign in
//! to iLert and grant the app access.

/// Everything the authorization URL carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthorizeRequest<'a> {
    /// The authorize endpoint, e.g. `https://app.ilert.com/api/developers/oauth2/authorize`.
    pub authorize_url: &'a str,
    /// The OAuth client id of the app registered in iLert.
    pub client_id: &'a str,
    /// Where iLert sends the browser back; must match the registered URI exactly.
    pub redirect_uri: &'a str,
    /// The scopes to request (sent space-separated).
    pub scopes: &'a [String],
    /// The fresh per-attempt `state`, echoed back on the callback.
    pub state: &'a str,
    /// The S256 challenge of this attempt's verifier.
    pub code_challenge: &'a str,
}

/// The query parameters of the authorization URL, in the order they are sent.
pub fn params(req: &AuthorizeRequest) -> Vec<(&'static str, String)> {
    vec![
        ("client_id", req.client_id.to_string()),
        ("response_type", "code".to_string()),
        ("redirect_uri", req.redirect_uri.to_string()),
        ("scope", req.scopes.join(" ")),
        ("state", req.state.to_string()),
        ("code_challenge", req.code_challenge.to_string()),
        ("code_challenge_method", "S256".to_string()),
    ]
}

/// The full authorization URL: the endpoint plus the form-encoded [`params`] (appended with
/// `&` if the endpoint already has a query; a fragment, if any, stays last).
pub fn authorize_url(req: &AuthorizeRequest) -> String {
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params(req))
        .finish();
    let (base, fragment) = match req.authorize_url.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (req.authorize_url, None),
    };
    let sep = if !base.contains('?') {
        "?"
    } else if base.ends_with('?') || base.ends_with('&') {
        ""
    } else {
        "&"
    };
    let mut url = format!("{base}{sep}{query}");
    if let Some(f) = fragment {
        url.push('#');
        url.push_str(f);
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scopes(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    fn query_of(url: &str) -> Vec<(String, String)> {
        let q = url.split_once('?').unwrap().1;
        let q = q.split_once('#').map(|(q, _)| q).unwrap_or(q);
        form_urlencoded::parse(q.as_bytes()).into_owned().collect()
    }

    #[test]
    fn params_in_order() {
        let sc = scopes(&["profile", "source:w"]);
        let req = AuthorizeRequest {
            authorize_url: "https://app.ilert.com/api/developers/oauth2/authorize",
            client_id: "my-app",
            redirect_uri: "http://localhost:4597/webapp",
            scopes: &sc,
            state: "st",
            code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        };
        let names: Vec<_> = params(&req).into_iter().map(|(n, _)| n).collect();
        assert_eq!(
            names,
            [
                "client_id",
                "response_type",
                "redirect_uri",
                "scope",
                "state",
                "code_challenge",
                "code_challenge_method"
            ]
        );
        assert_eq!(
            authorize_url(&req),
            "https://app.ilert.com/api/developers/oauth2/authorize?client_id=my-app&response_type=code\
             &redirect_uri=http%3A%2F%2Flocalhost%3A4597%2Fwebapp&scope=profile+source%3Aw&state=st\
             &code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256"
        );
    }

    #[test]
    fn query_round_trips_exactly() {
        let sc = scopes(&["profile", "offline_access", "source:w", "incident:d"]);
        let req = AuthorizeRequest {
            authorize_url: "https://acme.ilert.com/api/developers/oauth2/authorize",
            client_id: "id with spaces&odd=chars+ü",
            redirect_uri: "https://example.com/cb?x=1&y=a b#frag",
            scopes: &sc,
            state: "a-b_c~d.e",
            code_challenge: "abc+/=",
        };
        let url = authorize_url(&req);
        assert!(!url.contains(' '));
        assert_eq!(url.matches('#').count(), 0);
        let want: Vec<(String, String)> = params(&req)
            .into_iter()
            .map(|(n, v)| (n.to_string(), v))
            .collect();
        assert_eq!(query_of(&url), want);
        assert_eq!(want[3].1, "profile offline_access source:w incident:d");
    }

    #[test]
    fn existing_query_and_fragment() {
        let sc = scopes(&["profile"]);
        let mut req = AuthorizeRequest {
            authorize_url: "http://127.0.0.1:4598/authorize?tenant=x",
            client_id: "c",
            redirect_uri: "r",
            scopes: &sc,
            state: "s",
            code_challenge: "ch",
        };
        let url = authorize_url(&req);
        assert!(
            url.starts_with("http://127.0.0.1:4598/authorize?tenant=x&client_id=c&"),
            "{url}"
        );
        assert_eq!(query_of(&url)[0], ("tenant".into(), "x".into()));
        assert_eq!(query_of(&url).len(), 8);

        req.authorize_url = "http://h/a?";
        assert!(authorize_url(&req).starts_with("http://h/a?client_id=c&"));
        req.authorize_url = "http://h/a?x=1&";
        assert!(authorize_url(&req).starts_with("http://h/a?x=1&client_id=c&"));
        req.authorize_url = "http://h/a#f";
        let url = authorize_url(&req);
        assert!(url.starts_with("http://h/a?client_id=c&"));
        assert!(url.ends_with("code_challenge_method=S256#f"));
    }

    #[test]
    fn empty_scope_list_sends_an_empty_scope() {
        let sc: Vec<String> = vec![];
        let req = AuthorizeRequest {
            authorize_url: "https://h/a",
            client_id: "c",
            redirect_uri: "r",
            scopes: &sc,
            state: "s",
            code_challenge: "ch",
        };
        assert!(authorize_url(&req).contains("&scope=&"));
    }
}
