//! The Content-Security-Policy of the release build: one constant, so that a host can send it
//! as a header written once (`cargo xtask dist` writes `_headers`, deploy/ has nginx and Caddy
//! configs, all from [`HEADER`]). Trunk starts the app with an inline module script; the
//! release build moves it into a file of its own (`start-<hash>.js`, see xtask's dist), so no
//! inline script is allowed and the policy does not change from one build to the next.
//!
//! index.html carries [`META`] in a meta tag, so the policy holds on any static host, even
//! one that sends no headers (GitHub Pages). A meta tag cannot carry `frame-ancestors`
//! (browsers ignore it there, and Chromium warns on the console), so only the header has it.

/// The policy without `frame-ancestors`; the one place it is written.
macro_rules! policy {
    () => {
        "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self' https: http://localhost:* http://127.0.0.1:*; \
         base-uri 'none'; form-action 'none'; object-src 'none'"
    };
}

/// The policy of index.html's `<meta http-equiv="Content-Security-Policy">`.
///
/// connect-src: where the API may be: any https origin (the API base is configurable in the
/// browser; the app itself keeps tokens to the deployer's allowed origins) and the local
/// machine over http (ilert-sim, `trunk serve`). Not `http://[::1]:*`: CSP's grammar has no
/// IPv6 literals, and Chromium reports the source as invalid on every page.
pub const META: &str = policy!();

/// The policy a host sends as the `Content-Security-Policy` header: [`META`] and no framing.
pub const HEADER: &str = concat!(policy!(), "; frame-ancestors 'none'");

/// index.html with [`META`] in a meta tag right after `<meta charset>`. Fails when the page
/// has an inline script (the policy would block it) or already has a policy. Takes the page
/// as written and as Trunk's minifier writes it (`<meta charset=utf-8>`).
pub fn add_to(html: &str) -> Result<String, String> {
    if let Some(inline) = inline_script(html) {
        return Err(format!(
            "index.html has an inline script, which the CSP blocks: {}",
            &inline[..inline.len().min(80)]
        ));
    }
    if html.contains("Content-Security-Policy") {
        return Err("index.html already has a Content-Security-Policy".into());
    }
    let meta = format!("<meta http-equiv=\"Content-Security-Policy\" content=\"{META}\">");
    let charset = html
        .find("<meta charset")
        .ok_or("index.html has no <meta charset>")?;
    let at = charset + html[charset..].find('>').ok_or("unclosed <meta charset>")? + 1;
    Ok(format!("{}{meta}{}", &html[..at], &html[at..]))
}

/// The first `<script …>` tag of `html` without a `src` attribute, from its start.
fn inline_script(html: &str) -> Option<&str> {
    html.match_indices("<script").find_map(|(at, _)| {
        let tag = &html[at..at + html[at..].find('>').map_or(html.len() - at, |n| n + 1)];
        let has_src = tag
            .split(|c: char| c.is_ascii_whitespace())
            .any(|word| word.starts_with("src="));
        (!has_src).then_some(&html[at..])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_is_constant_and_allows_no_inline_script() {
        assert_eq!(
            META,
            "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
             img-src 'self' data:; connect-src 'self' https: http://localhost:* http://127.0.0.1:*; \
             base-uri 'none'; form-action 'none'; object-src 'none'"
        );
        assert!(!META.contains("'sha") && !META.contains("unsafe-inline"));
        assert!(!META.contains("frame-ancestors"), "ignored in a meta tag");
        assert_eq!(HEADER, format!("{META}; frame-ancestors 'none'"));
    }

    #[test]
    fn every_connect_source_is_valid_csp() {
        // host-source = [ scheme "://" ] host [ ":" port ]; host = "*" / [ "*." ] 1*host-char *( "." 1*host-char )
        let connect = META
            .split("; ")
            .find_map(|d| d.strip_prefix("connect-src "))
            .unwrap();
        for source in connect.split_whitespace() {
            assert!(
                !source.contains('[') && !source.contains(']'),
                "{source}: CSP has no IPv6 literals"
            );
        }
    }

    #[test]
    fn the_policy_comes_right_after_the_charset() {
        let page = "<head>\n<meta charset=\"utf-8\" />\n<script type=\"module\" src=\"/start-1.js\"></script></head>";
        let html = add_to(page).unwrap();
        assert!(
            html.starts_with(&format!(
                "<head>\n<meta charset=\"utf-8\" /><meta http-equiv=\"Content-Security-Policy\" content=\"{META}\">"
            )),
            "{html}"
        );
        let minified = "<!doctype html><html lang=en><meta charset=utf-8><title>t</title><script integrity=sha384-x src=/start-1.js type=module></script>";
        assert!(add_to(minified).unwrap().starts_with(
            "<!doctype html><html lang=en><meta charset=utf-8><meta http-equiv=\"Content-Security-Policy\""
        ));
    }

    #[test]
    fn an_inline_script_or_a_second_policy_is_refused() {
        let inline = "<meta charset=utf-8><script type=module>import init from '/a.js';</script>";
        assert!(add_to(inline).unwrap_err().contains("inline script"));
        let mixed = "<meta charset=utf-8><script src=/a.js></script><script>alert(1)</script>";
        assert!(add_to(mixed).unwrap_err().contains("inline script"));
        let twice = add_to("<meta charset=utf-8>").unwrap();
        assert!(add_to(&twice).is_err());
        assert!(add_to("<title>no charset</title>").is_err());
    }
}
