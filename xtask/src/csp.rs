//! A Content-Security-Policy for the release build. Trunk starts the app with one inline
//! module script, so the policy allows exactly that script by its SHA-256 and nothing else
//! inline; a meta tag carries it, so it works on any static host.
use base64::Engine;
use sha2::{Digest, Sha256};

/// Where the API may be: any https origin (the API base is configurable in the browser; the
/// app itself keeps tokens to the deployer's allowed origins) and the local machine over http
/// (ilert-sim, `trunk serve`). Not `http://[::1]:*`: CSP's grammar has no IPv6 literals, and
/// Chromium reports the source as invalid on every page.
const CONNECT_SRC: &str = "'self' https: http://localhost:* http://127.0.0.1:*";

/// The policy for a page whose only inline script is `inline_script`.
pub fn policy(inline_script: &str) -> String {
    let hash =
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(inline_script.as_bytes()));
    format!(
        "default-src 'none'; script-src 'self' 'sha256-{hash}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src {CONNECT_SRC}; base-uri 'none'; form-action 'none'; object-src 'none'"
    )
}

/// index.html with the policy in a meta tag right after `<meta charset>`. Fails when the page
/// has no inline script or more than one (the policy would be wrong). Takes the page as
/// written and as Trunk's minifier writes it (`<script type=module>`, `<meta charset=utf-8>`).
pub fn add_to(html: &str) -> Result<String, String> {
    let (start, open) = ["<script type=\"module\">", "<script type=module>"]
        .iter()
        .find_map(|open| html.find(open).map(|at| (at, *open)))
        .ok_or("index.html has no inline module script to allow")?;
    if html.matches("<script").count() != 1 {
        return Err("index.html has more than one script: the CSP would not cover it".into());
    }
    let body_start = start + open.len();
    let body_len = html[body_start..]
        .find("</script>")
        .ok_or("unclosed inline script")?;
    let meta = format!(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">",
        policy(&html[body_start..body_start + body_len])
    );
    let charset = html
        .find("<meta charset")
        .ok_or("index.html has no <meta charset>")?;
    let at = charset + html[charset..].find('>').ok_or("unclosed <meta charset>")? + 1;
    Ok(format!("{}{meta}{}", &html[..at], &html[at..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "<head>\n<meta charset=\"utf-8\" />\n<script type=\"module\">\nimport init from '/a.js';\n</script></head>";

    #[test]
    fn the_policy_allows_the_inline_script_by_its_hash() {
        let html = add_to(PAGE).unwrap();
        let hash = base64::engine::general_purpose::STANDARD
            .encode(Sha256::digest(b"\nimport init from '/a.js';\n"));
        assert!(html.contains(&format!("'sha256-{hash}'")), "{html}");
        assert!(html.contains("default-src 'none'") && html.contains("'wasm-unsafe-eval'"));
        assert!(
            html.find("Content-Security-Policy").unwrap() < html.find("<script").unwrap(),
            "the policy comes first"
        );
    }

    #[test]
    fn every_connect_source_is_valid_csp() {
        // host-source = [ scheme "://" ] host [ ":" port ]; host = "*" / [ "*." ] 1*host-char *( "." 1*host-char )
        for source in CONNECT_SRC.split_whitespace() {
            assert!(
                !source.contains('[') && !source.contains(']'),
                "{source}: CSP has no IPv6 literals"
            );
        }
    }

    #[test]
    fn a_minified_page_gets_the_policy_too() {
        let page = "<!doctype html><html lang=en><meta charset=utf-8><title>t</title><script type=module>import init from '/a.js';</script>";
        let html = add_to(page).unwrap();
        let hash = base64::engine::general_purpose::STANDARD
            .encode(Sha256::digest(b"import init from '/a.js';"));
        assert!(
            html.starts_with("<!doctype html><html lang=en><meta charset=utf-8><meta http-equiv=\"Content-Security-Policy\""),
            "{html}"
        );
        assert!(html.contains(&format!("'sha256-{hash}'")), "{html}");
    }

    #[test]
    fn a_second_script_is_refused() {
        let two = PAGE.replace("</head>", "<script src=\"/x.js\"></script></head>");
        assert!(add_to(&two).is_err());
        assert!(add_to("<meta charset=\"utf-8\" />").is_err());
    }
}
