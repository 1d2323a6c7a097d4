//! The HTML the simulator shows a person: the consent page, error pages, the index page,
//! and the redirects back to the app. Everything reflected is HTML-escaped.

use crate::config::Client;
use crate::http::Response;
use crate::{scopes, users};

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;background:#f3f5f8;color:#1d2433}
main{max-width:34rem;margin:3rem auto;padding:2rem;background:#fff;border-radius:12px;box-shadow:0 2px 12px rgba(0,0,0,.08)}
h1{font-size:1.35rem;margin:0 0 .25rem}
.badge{display:inline-block;font-size:.75rem;padding:.1rem .5rem;border-radius:99px;background:#fff3cd;color:#6b5200;margin-bottom:1rem}
.client{font-weight:600}
ul.scopes{padding-left:1.1rem}
ul.scopes li{margin:.35rem 0}
code{background:#eef1f5;padding:.05rem .3rem;border-radius:4px;font-size:.9em}
label{display:block;font-weight:600;margin:1.2rem 0 .3rem}
select{width:100%;padding:.5rem;font-size:1rem;border:1px solid #c4cbd6;border-radius:6px}
.buttons{display:flex;gap:.75rem;margin-top:1.5rem}
button{flex:1;padding:.7rem;font-size:1rem;border-radius:6px;border:1px solid transparent;cursor:pointer}
button:focus-visible{outline:3px solid #7aa7ff;outline-offset:2px}
#grant{background:#1f6feb;color:#fff}
#deny{background:#fff;color:#1d2433;border-color:#c4cbd6}
.note{font-size:.85rem;color:#5b6577;margin-top:1.2rem}
.error{border-left:4px solid #d1242f;padding-left:1rem}
";

fn layout(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n",
        escape(title)
    )
}

/// An HTML answer with the headers every simulator page carries: no referrer (the URL may
/// hold a state or code), no caching, no framing (clickjacking of the consent buttons).
pub fn html(status: u16, page: String) -> Response {
    let mut r = Response::new(status).with_body(page);
    r.set_header("content-type", "text/html; charset=utf-8");
    r.set_header("referrer-policy", "no-referrer");
    r.set_header("cache-control", "no-store");
    r.set_header("x-frame-options", "DENY");
    r.set_header(
        "content-security-policy",
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
    );
    r
}

/// The error page for requests that must not go back to the client (unknown client,
/// wrong redirect URI, a stale consent form): RFC 6749 §4.1.2.1.
pub fn error_page(message: &str) -> Response {
    let body = format!(
        "<span class=\"badge\">iLert simulator</span>\n<div class=\"error\">\n\
         <h1>This authorization request cannot be answered</h1>\n<p id=\"error\">{}</p>\n</div>\n\
         <p class=\"note\">You have not been sent back to the app, because the request could not \
         be trusted to come from it. Check the app's client_id and redirect_uri.</p>",
        escape(message)
    );
    html(400, layout("Authorization error - iLert simulator", &body))
}

/// The login-and-consent page: who asks, for what, and as which demo user. Its form posts
/// to the authorize endpoint under `mount` (see [`crate::SimConfig::mount`]).
pub fn consent_page(client: &Client, scope: &str, request_id: &str, mount: &str) -> Response {
    let scope_items: String = scope
        .split(' ')
        .map(|s| {
            let words = scopes::describe_one(s).unwrap_or_default();
            format!("<li><code>{}</code> {}</li>\n", escape(s), escape(&words))
        })
        .collect();
    let options: String = users::all()
        .iter()
        .map(|u| {
            format!(
                "<option value=\"{}\">{} ({}, {})</option>\n",
                escape(u.username),
                escape(u.display_name),
                escape(u.username),
                escape(u.role)
            )
        })
        .collect();
    let body = format!(
        "<span class=\"badge\">iLert simulator - tenant {tenant}</span>\n\
         <h1>Allow <span class=\"client\" id=\"client\">{client}</span> to access your iLert account?</h1>\n\
         <p>The app asks for:</p>\n<ul class=\"scopes\" id=\"scopes\">\n{scope_items}</ul>\n\
         <form method=\"post\" action=\"{mount}/api/developers/oauth2/authorize\">\n\
         <input type=\"hidden\" name=\"request_id\" value=\"{request_id}\">\n\
         <label for=\"user\">Sign in as</label>\n<select name=\"user\" id=\"user\">\n{options}</select>\n\
         <div class=\"buttons\">\n\
         <button type=\"submit\" name=\"decision\" value=\"grant\" id=\"grant\">Grant access</button>\n\
         <button type=\"submit\" name=\"decision\" value=\"deny\" id=\"deny\">Deny</button>\n\
         </div>\n</form>\n\
         <p class=\"note\">Either way you go back to <code>{redirect}</code>. This is a local \
         simulator with demo users: no password, no real account.</p>",
        tenant = escape(users::TENANT_ID),
        client = escape(&client.id),
        request_id = escape(request_id),
        redirect = escape(&client.redirect_uri),
        mount = escape(mount),
    );
    html(
        200,
        layout(&format!("Authorize {} - iLert simulator", client.id), &body),
    )
}

/// What a person finds at `/` (under `mount`): what this server is and where its endpoints
/// are.
pub fn index_page(clients: &[Client], mount: &str) -> Response {
    let list: String = clients
        .iter()
        .map(|c| {
            format!(
                "<li><code>{}</code> &rarr; <code>{}</code>{}</li>\n",
                escape(&c.id),
                escape(&c.redirect_uri),
                if c.is_confidential() {
                    " (confidential: with a secret)"
                } else {
                    ""
                }
            )
        })
        .collect();
    let body = format!(
        "<span class=\"badge\">iLert simulator</span>\n<h1>ilert-sim is running</h1>\n\
         <p>A local stand-in for iLert's OAuth2 API. Registered clients:</p>\n<ul>\n{list}</ul>\n\
         <p>Endpoints: <code>GET {m}/api/developers/oauth2/authorize</code>, <code>POST \
         {m}/api/developers/oauth2/token</code>, <code>POST {m}/api/developers/oauth2/token_info</code>, \
         <code>POST {m}/api/developers/oauth2/revoke</code>, <code>GET {m}/api/users/current</code>.</p>\n\
         <p class=\"note\">Simulator-only test hooks live under <code>{m}/_sim/</code>: <code>stats</code>, \
         <code>requests</code>, <code>config</code>, <code>clients</code> (<code>POST</code> \
         <code>{{\"id\",\"redirect_uri\",\"secret\"}}</code> to register one), <code>reset</code>, \
         <code>revoke_refresh_tokens</code>, <code>revoke_access_tokens</code> and <code>faults</code> \
         (fault injection: <code>POST</code> a rule, <code>GET</code> the list, <code>DELETE</code> \
         them all).</p>",
        m = escape(mount),
    );
    html(200, layout("ilert-sim", &body))
}

/// Sends the browser back to the client's redirect URI with `params` in the query.
pub fn redirect(status: u16, redirect_uri: &str, params: &[(&str, &str)]) -> Response {
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish();
    let sep = if redirect_uri.contains('?') { '&' } else { '?' };
    let location = format!("{redirect_uri}{sep}{query}");
    let mut r = Response::new(status);
    r.set_header("location", &location);
    r.set_header("referrer-policy", "no-referrer");
    r.set_header("cache-control", "no-store");
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
