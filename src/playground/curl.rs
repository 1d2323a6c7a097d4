//! A recorded request as a `curl` command, for the playground: what the timeline shows and
//! copies, and what a backend app would send instead of the code exchange.
//!
//! Real form values go in `-d` already form-encoded as the app encoded them, so the command
//! sends exactly the body the app sent (several `-d` are joined with `&`; `@` is encoded, so
//! none reads a file). A mask or a placeholder goes in `--data-urlencode` as written: curl
//! encodes whatever the person puts in its place.
//!
//! Every value may come from someone else (a token chosen by a server, a code in a crafted
//! callback link, a record in storage), and the command is pasted into a terminal: control
//! and bidi characters never appear raw in it (see [`quote`]).
use crate::oauth::form::{is_mask, mask};
use crate::playground::entries::{Field, RequestRecord};

/// What a backend app sends where the browser app sends nothing: a placeholder, never a value.
pub const SECRET_PLACEHOLDER: &str = "<YOUR_CLIENT_SECRET>";

/// Characters a terminal must not receive raw: C0 and C1 controls and DEL (ESC starts escape
/// sequences, and `ESC[201~` ends a bracketed paste early, so the rest would run as typed),
/// and the Unicode bidi controls, which make the text on screen differ from what runs.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{61C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Appends `text` as one shell word: POSIX single quotes (a `'` inside becomes `'\''`), and
/// each unsafe character as ANSI-C quoting of its UTF-8 bytes, `$'\xHH'` (bash, zsh, ksh,
/// busybox and POSIX.1-2024 sh; dash 0.5.12 lacks it). No NUL can be in an argument: see
/// [`refusal`].
fn quote(out: &mut String, text: &str) {
    if text.is_empty() {
        out.push_str("''");
        return;
    }
    let mut open = false;
    for c in text.chars() {
        if open == is_unsafe(c) {
            out.push('\'');
            open = !open;
        }
        if open {
            match c {
                '\'' => out.push_str(r"'\''"),
                c => out.push(c),
            }
        } else {
            out.push_str("$'");
            for b in c.encode_utf8(&mut [0; 4]).bytes() {
                const HEX: &[u8; 16] = b"0123456789ABCDEF";
                out.push_str("\\x");
                out.push(HEX[usize::from(b >> 4)] as char);
                out.push(HEX[usize::from(b & 15)] as char);
            }
            out.push('\'');
        }
    }
    if open {
        out.push('\'');
    }
}

/// Why the command of `r` cannot be copied, if it cannot: a NUL character in a text that goes
/// into an argument as it is (the method, URL, a header, a form field's name), which no shell
/// can pass to curl. Form values are percent-encoded, so they can hold anything.
pub fn refusal(r: &RequestRecord) -> Option<&'static str> {
    let headers = r.headers.iter().flat_map(|f| [&f.name, &f.value]);
    let raw = [&r.method, &r.url]
        .into_iter()
        .chain(headers)
        .chain(r.form.iter().map(|f| &f.name));
    raw.into_iter()
        .any(|t| t.contains('\0'))
        .then_some("Not copied: a value holds a NUL character, which no shell can pass to curl.")
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
            let encode =
                |t: &str| form_urlencoded::byte_serialize(t.as_bytes()).collect::<String>();
            option(out, "-d", &format!("{}={}", encode(name), encode(value)));
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
        quote(&mut out, &r.method);
        out.push(' ');
    }
    quote(&mut out, &r.url);
    // A value the session's end masked already stays as it is.
    let masked = |f: &Field| is_mask(f.value.strip_prefix("Bearer ").unwrap_or(&f.value));
    let shown = |f: &Field| {
        if masked(f) {
            f.value.clone()
        } else {
            mask(&f.value)
        }
    };
    let sent = |f: &Field| !f.secret || (revealed && !masked(f));
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

    /// The arguments `bash` gives `curl` for `command`: a shell function prints them instead.
    /// `sh` (dash) must read the same, unless the command needs ANSI-C quoting (`$'…'`).
    fn argv(command: &str) -> Vec<String> {
        let args = argv_in("bash", command);
        if !command.contains("$'") {
            assert_eq!(argv_in("sh", command), args, "{command}");
        }
        args
    }

    fn argv_in(shell: &str, command: &str) -> Vec<String> {
        let script = format!("curl() {{ for a; do printf '%s\\0' \"$a\"; done; }}\n{command}");
        let out = Command::new(shell).arg("-c").arg(script).output().unwrap();
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

    /// What the timeline records of a request (as `crate::playground::timeline::request` does).
    /// The record of a code exchange with the code `the-secret-code`, and its verifier.
    fn exchange() -> (RequestRecord, &'static str) {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let r = code_exchange(
            &endpoints(),
            &"the-secret-code".into(),
            &verifier.into(),
            "http://x/",
        );
        (record(&r), verifier)
    }

    fn record(r: &Request) -> RequestRecord {
        RequestRecord {
            method: r.method.as_str().into(),
            url: r.url.clone(),
            headers: r
                .headers()
                .into_iter()
                .map(|h| Field::new(h.name, h.as_sent(), h.is_secret()))
                .collect(),
            form: r
                .form
                .iter()
                .flat_map(|f| f.fields())
                .map(|f| Field::new(f.name, f.as_sent(), f.is_secret()))
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

    /// One of each class a terminal must not receive raw, and bracketed paste's end.
    const CONTROLS: [&str; 12] = [
        "\u{1b}[201~; touch /tmp/pwned; \u{1b}[200~", // ESC: ends a bracketed paste early
        "\u{3}",                                      // ETX (Ctrl-C)
        "\u{0}",                                      // NUL
        "\t\r\n\u{7}\u{8}\u{1f}",                     // the rest of C0
        "\u{7f}",                                     // DEL
        "\u{80}\u{85}\u{9b}31m\u{9f}",                // C1, CSI among them
        "\u{202e}txt.exe\u{202c}",                    // a right-to-left override
        "\u{202a}\u{202b}\u{202d}",                   // the other embeddings and overrides
        "\u{2066}\u{2067}\u{2068}\u{2069}",           // the isolates
        "\u{200e}\u{200f}\u{61c}",                    // the marks
        "é☃\u{200d}x",                                // not controls: as they are
        "it's\u{1b}'",
    ];

    #[test]
    fn control_and_bidi_characters_are_written_as_ansi_c_escapes() {
        for text in CONTROLS {
            let mut out = String::from("curl ");
            quote(&mut out, text);
            assert!(!raw(&out), "raw in {out:?}");
            if !text.contains('\0') {
                assert_eq!(argv(&out), vec![text.to_string()], "{out}");
            }
        }
        let mut out = String::new();
        quote(&mut out, "a\u{1b}[201~b\u{202e}");
        assert_eq!(out, r"'a'$'\x1B''[201~b'$'\xE2\x80\xAE'");
        // A text that starts with a control and ends with a quote.
        let mut out = String::new();
        quote(&mut out, "\u{3}'");
        assert_eq!(out, r"$'\x03'''\'''");
        assert_eq!(argv(&format!("curl {out}")), ["\u{3}'"]);
    }

    /// Whether `cmd` holds an unsafe character, its own line continuations aside.
    fn raw(cmd: &str) -> bool {
        // The list written out again, so that a gap in `is_unsafe` cannot hide.
        let bidi = "\u{61c}\u{200e}\u{200f}\u{202a}\u{202b}\u{202c}\u{202d}\u{202e}\u{2066}\u{2067}\u{2068}\u{2069}";
        let unsafe_ = |c: char| c < ' ' || ('\u{7f}'..='\u{9f}').contains(&c) || bidi.contains(c);
        cmd.replace(" \\\n  ", " ").chars().any(unsafe_)
    }

    /// A request as an attacker could make it: a server's token with ESC in a header, a
    /// crafted code, an odd method, URL and field name; revealed or not, no control reaches
    /// the command and every argument is the original.
    #[test]
    fn a_hostile_request_copies_as_the_same_bytes_and_a_nul_is_refused() {
        for text in CONTROLS.into_iter().filter(|t| !t.contains('\0')) {
            let r = RequestRecord {
                method: format!("PO{text}ST"),
                url: format!("http://x/{text}"),
                headers: vec![
                    Field::new(format!("X-{text}"), text, false),
                    Field::new("Authorization", format!("Bearer {text}"), true),
                ],
                form: vec![],
            };
            assert_eq!(refusal(&r), None);
            for revealed in [false, true] {
                let cmd = command(&r, revealed, false);
                assert!(!raw(&cmd), "raw in {cmd:?}");
                let args = argv(&cmd);
                assert_eq!(args[..3], ["-X", &r.method, &r.url]);
                assert_eq!(args[4], format!("X-{text}: {text}"));
                let auth = format!("Bearer {text}");
                let auth = if revealed { auth } else { mask(&auth) };
                assert_eq!(args[6], format!("Authorization: {auth}"));
            }
            // Long enough that its mask shows 4 characters, the control among them.
            let code = format!("c{text}{}", "o".repeat(40));
            let mut r = record(&code_exchange(
                &endpoints(),
                &code.into(),
                &text.into(),
                "http://x/",
            ));
            r.form.push(Field::new(format!("n{text}"), "v", false));
            for revealed in [false, true] {
                let cmd = command(&r, revealed, false);
                assert!(!raw(&cmd), "raw in {cmd:?}");
                argv(&cmd);
            }
            // Revealed, the body is the app's, byte for byte.
            let body = body(&argv(&command(&r, true, false)));
            let back: Vec<(String, String)> = form_urlencoded::parse(body.as_bytes())
                .into_owned()
                .collect();
            let want: Vec<(String, String)> = r
                .form
                .iter()
                .map(|f| (f.name.clone(), f.value.clone()))
                .collect();
            assert_eq!(back, want, "{body}");
        }
        let mut r = record(&user(&endpoints(), &"token\u{0}with-a-nul".into()));
        assert!(refusal(&r).unwrap().contains("NUL"));
        r.headers.retain(|h| h.name != "Authorization");
        assert_eq!(refusal(&r), None);
        r.url.push('\0');
        assert!(refusal(&r).is_some());
    }

    #[test]
    fn the_method_is_quoted() {
        let r = RequestRecord {
            method: "POST; rm -rf ~".into(),
            url: "http://x/".into(),
            headers: vec![],
            form: vec![],
        };
        let cmd = command(&r, false, false);
        assert_eq!(cmd, "curl -X 'POST; rm -rf ~' 'http://x/'");
        assert_eq!(argv(&cmd), ["-X", "POST; rm -rf ~", "http://x/"]);
    }

    #[test]
    fn a_revealed_request_sends_exactly_the_apps_body() {
        let r = code_exchange(
            &endpoints(),
            &"the code".into(),
            &HARD.into(),
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
            .map(|f| (f.name.to_string(), f.as_sent().to_string()))
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
        let get = record(&user(&endpoints(), &token.into()));
        let masked = command(&get, false, false);
        assert!(!masked.contains(token), "{masked}");
        assert_eq!(argv(&masked).len(), 5, "{masked}");
        assert!(command(&get, true, false).contains(&format!("-H 'Authorization: Bearer {token}'")));
        assert!(!masked.contains("-X"), "a GET needs no -X");
    }

    #[test]
    fn values_masked_when_the_session_ended_stay_masks_even_revealed() {
        let mut r = record(&refresh(&endpoints(), &"a-refresh-token-value".into()));
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
        assert_eq!(command(&r, false, false), "curl -X 'POST' 'http://x/'");
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
