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
/// has no inline script or more than one (the policy would be wrong).
pub fn add_to(html: &str) -> Result<String, String> {
    const OPEN: &str = "<script type=\"module\">";
    let mut scripts = html.match_indices(OPEN);
    let (start, _) = scripts
        .next()
        .ok_or("index.html has no inline module script to allow")?;
    if scripts.next().is_some() || html.matches("<script").count() != 1 {
        return Err("index.html has more than one script: the CSP would not cover it".into());
    }
    let body_start = start + OPEN.len();
    let body_len = html[body_start..]
        .find("</script>")
        .ok_or("unclosed inline script")?;
    let meta = format!(
        "\n    <meta http-equiv=\"Content-Security-Policy\" content=\"{}\" />",
        policy(&html[body_start..body_start + body_len])
    );
    let charset = html
        .find("<meta charset=\"utf-8\" />")
        .ok_or("index.html has no <meta charset=\"utf-8\" />")?;
    let at = charset + "<meta charset=\"utf-8\" />".len();
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
    fn a_second_script_is_refused() {
        let two = PAGE.replace("</head>", "<script src=\"/x.js\"></script></head>");
        assert!(add_to(&two).is_err());
        assert!(add_to("<meta charset=\"utf-8\" />").is_err());
    }
}
