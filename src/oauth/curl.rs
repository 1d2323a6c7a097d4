//! A recorded request as a `curl` command, for the playground: what the timeline shows and
//! copies, and what a backend app would send instead of the code exchange.
//!
//! Real form values go in `-d` already form-encoded as the app encoded them, so the command
//! sends exactly the body the app sent (several `-d` are joined with `&`; `@` is encoded, so
//! none reads a file). A mask or a placeholder goes in `--data-urlencode` as written: curl
//! encodes whatever the person puts in its place.
use super::form::mask;
use crate::stored::timeline::{Field, RequestRecord};

/// What a backend app sends where the browser app sends nothing: a placeholder, never a value.
pub const SECRET_PLACEHOLDER: &str = "<YOUR_CLIENT_SECRET>";

/// Appends `text` in POSIX shell single quotes (a `'` inside becomes `'\''`).
fn quote(out: &mut String, text: &str) {
    out.push('\'');
    out.push_str(&text.replace('\'', r"'\''"));
    out.push('\'');
}

/// Appends one option on its own continuation line.
fn option(out: &mut String, flag: &str, text: &str) {
    out.push_str(" \\\n  ");
    out.push_str(flag);
    out.push(' ');
    quote(out, text);
}

/// Appends a form field: a value sent (form-encoded, `-d`) or a text shown in its place (a
/// mask or a placeholder, as written, `--data-urlencode`).
fn data(out: &mut String, name: &str, sent: Option<&str>, shown: &str) {
    match sent {
        Some(value) => {
            let value: String = form_urlencoded::byte_serialize(value.as_bytes()).collect();
            option(out, "-d", &format!("{name}={value}"));
        }
        None => option(out, "--data-urlencode", &format!("{name}={shown}")),
    }
}

/// The command for `request`, secret values masked unless `revealed`. `backend`: as a
/// backend app would send it, with `client_secret` (a placeholder) after `client_id`.
pub fn command(r: &RequestRecord, revealed: bool, backend: bool) -> String {
    let mut out = String::from("curl ");
    // With a body curl already POSTs.
    if r.method != "GET" && r.form.is_empty() {
        out.push_str("-X ");
        out.push_str(&r.method);
        out.push(' ');
    }
    quote(&mut out, &r.url);
    // A value the session's end masked already stays as it is.
    let shown = |f: &Field| {
        if f.value.contains('•') {
            f.value.clone()
        } else {
            mask(&f.value)
        }
    };
    let sent = |f: &Field| !f.secret || (revealed && !f.value.contains('•'));
    for f in &r.headers {
        let value = if sent(f) { f.value.clone() } else { shown(f) };
        option(&mut out, "-H", &format!("{}: {value}", f.name));
    }
    for f in &r.form {
        if sent(f) {
            data(&mut out, &f.name, Some(&f.value), "");
        } else {
            data(&mut out, &f.name, None, &shown(f));
        }
        if backend && f.name == "client_id" {
            data(&mut out, "client_secret", None, SECRET_PLACEHOLDER);
        }
    }
    out
}

/// A backend app's code exchange at `token_url`, the code, the verifier and the secret as
/// placeholders (PKCE stays recommended for backend apps).
pub fn backend_exchange(token_url: &str, client_id: &str, redirect_uri: &str) -> String {
    let mut out = String::from("curl ");
    quote(&mut out, token_url);
    option(
        &mut out,
        "-H",
        "Content-Type: application/x-www-form-urlencoded",
    );
    option(&mut out, "-H", "Accept: application/json");
    data(&mut out, "grant_type", Some("authorization_code"), "");
    data(&mut out, "client_id", Some(client_id), "");
    data(&mut out, "client_secret", None, SECRET_PLACEHOLDER);
    data(&mut out, "code", None, "<code>");
    data(&mut out, "code_verifier", None, "<code_verifier>");
    data(&mut out, "redirect_uri", Some(redirect_uri), "");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::request::{code_exchange, refresh, user, Endpoints, Request};
    use std::process::Command;

    /// The arguments `sh` gives `curl` for `command`: a shell function prints them instead.
    fn argv(command: &str) -> Vec<String> {
        let script = format!("curl() {{ for a; do printf '%s\\0' \"$a\"; done; }}\n{command}");
        let out = Command::new("sh").arg("-c").arg(script).output().unwrap();
        assert!(out.status.success(), "{command}");
        let text = String::from_utf8(out.stdout).unwrap();
        let mut args: Vec<String> = text.split('\0').map(str::to_string).collect();
        assert_eq!(args.pop().as_deref(), Some(""));
        args
    }

    /// The body curl sends for these arguments: every `-d` as written, joined by `&`.
    fn body(args: &[String]) -> String {
        let mut parts = Vec::new();
        for pair in args.windows(2) {
            if pair[0] == "-d" {
                parts.push(pair[1].clone());
            }
            assert_ne!(
                pair[0], "--data-urlencode",
                "no placeholder in a revealed request"
            );
        }
        parts.join("&")
    }

    fn endpoints() -> Endpoints {
        Endpoints {
            client_id: "ilert-pkce-demo".into(),
            token: "http://127.0.0.1:4598/api/developers/oauth2/token".into(),
            token_info: "http://127.0.0.1:4598/api/developers/oauth2/token_info".into(),
            revoke: "http://127.0.0.1:4598/api/developers/oauth2/revoke".into(),
            user: "http://127.0.0.1:4598/api/users/current".into(),
        }
    }

    /// What the timeline records of a request (as `crate::timeline::request` does).
    /// The record of a code exchange with the code `the-secret-code`, and its verifier.
    fn exchange() -> (RequestRecord, &'static str) {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let r = code_exchange(&endpoints(), "the-secret-code", verifier, "http://x/");
        (record(&r), verifier)
    }

    fn record(r: &Request) -> RequestRecord {
        let secret = |n: &str| crate::oauth::form::is_secret(n);
        RequestRecord {
            method: r.method.as_str().into(),
            url: r.url.clone(),
            headers: r
                .headers()
                .into_iter()
                .map(|(n, v)| Field::new(n, v, n == "Authorization"))
                .collect(),
            form: r
                .form
                .iter()
                .flat_map(|f| f.fields())
                .map(|(n, v)| Field::new(*n, v.clone(), secret(n)))
                .collect(),
        }
    }

    const HARD: &str = "it's a \"test\" $HOME `id` \\ back\nnew line é☃ & = + % @x ~*";

    #[test]
    fn quoting_survives_the_shell() {
        for text in [HARD, "", "'", "''", "a'b", "\\'", "$(id)", "\n", " lead"] {
            let mut out = String::from("curl ");
            quote(&mut out, text);
            assert_eq!(argv(&out), vec![text.to_string()], "{out}");
        }
    }

    #[test]
    fn a_revealed_request_sends_exactly_the_apps_body() {
        let r = code_exchange(
            &endpoints(),
            "the code",
            HARD,
            "http://localhost:4597/cb?x=1&y='2'",
        );
        let args = argv(&command(&record(&r), true, false));
        assert_eq!(body(&args), r.form.as_ref().unwrap().encode());
        let back: Vec<(String, String)> = form_urlencoded::parse(body(&args).as_bytes())
            .into_owned()
            .collect();
        let want: Vec<(String, String)> = r
            .form
            .as_ref()
            .unwrap()
            .fields()
            .iter()
            .map(|(n, v)| (n.to_string(), v.clone()))
            .collect();
        assert_eq!(back, want);
        assert_eq!(args[0], r.url);
        assert!(!args.contains(&"-X".to_string()), "-d already POSTs");
        let headers: Vec<&str> = args
            .windows(2)
            .filter(|p| p[0] == "-H")
            .map(|p| p[1].as_str())
            .collect();
        assert_eq!(
            headers,
            [
                "Content-Type: application/x-www-form-urlencoded",
                "Accept: application/json"
            ]
        );
    }

    #[test]
    fn secrets_are_masked_unless_revealed() {
        let (r, verifier) = exchange();
        let masked = command(&r, false, false);
        assert!(
            !masked.contains(verifier) && !masked.contains("the-secret-code"),
            "{masked}"
        );
        assert!(masked.contains(&format!(
            "--data-urlencode 'code_verifier={}'",
            mask(verifier)
        )));
        assert!(
            masked.contains("-d 'client_id=ilert-pkce-demo'"),
            "{masked}"
        );
        let shown = command(&r, true, false);
        assert!(
            shown.contains(&format!("-d 'code_verifier={verifier}'")),
            "{shown}"
        );
        assert!(shown.contains("-d 'code=the-secret-code'"), "{shown}");

        let token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln";
        let get = record(&user(&endpoints(), token));
        let masked = command(&get, false, false);
        assert!(!masked.contains(token), "{masked}");
        assert_eq!(argv(&masked).len(), 5, "{masked}");
        assert!(command(&get, true, false).contains(&format!("-H 'Authorization: Bearer {token}'")));
        assert!(!masked.contains("-X"), "a GET needs no -X");
    }

    #[test]
    fn values_masked_when_the_session_ended_stay_masks_even_revealed() {
        let mut r = record(&refresh(&endpoints(), "a-refresh-token-value"));
        r.form[2].value = mask(&r.form[2].value);
        let shown = command(&r, true, false);
        assert!(shown.contains(&format!(
            "--data-urlencode 'refresh_token={}'",
            r.form[2].value
        )));
    }

    #[test]
    fn a_post_without_body_says_so() {
        let r = RequestRecord {
            method: "POST".into(),
            url: "http://x/".into(),
            headers: vec![],
            form: vec![],
        };
        assert_eq!(command(&r, false, false), "curl -X POST 'http://x/'");
    }

    #[test]
    fn the_backend_variant_adds_a_secret_placeholder_and_keeps_pkce() {
        let (r, _) = exchange();
        for revealed in [false, true] {
            let cmd = command(&r, revealed, true);
            let args = argv(&cmd);
            let at = args
                .iter()
                .position(|a| a == "client_id=ilert-pkce-demo")
                .unwrap();
            assert_eq!(
                args[at + 1..at + 3],
                ["--data-urlencode", "client_secret=<YOUR_CLIENT_SECRET>"]
            );
            assert!(
                args.iter().any(|a| a.starts_with("code_verifier=")),
                "{cmd}"
            );
            assert_eq!(cmd.matches("client_secret").count(), 1);
        }
        let home = backend_exchange(&endpoints().token, "my app", "http://localhost:4597/cb");
        let args = argv(&home);
        assert_eq!(args[0], endpoints().token);
        for want in [
            "grant_type=authorization_code",
            "client_id=my+app",
            "client_secret=<YOUR_CLIENT_SECRET>",
            "code=<code>",
            "code_verifier=<code_verifier>",
            "redirect_uri=http%3A%2F%2Flocalhost%3A4597%2Fcb",
        ] {
            assert!(args.iter().any(|a| a == want), "{want} in {home}");
        }
    }
}
