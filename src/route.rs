//! The app's pages and their paths under the base path it is served from: `/`, or
//! `/ilert-pkce/` for a build made with `cargo xtask dist --base-path /ilert-pkce/` (a GitHub
//! Pages project site, say). Pure, so `cargo test` checks it.

/// The four pages.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Page {
    Home,
    /// `webapp`: where iLert sends the browser back.
    Callback,
    Settings,
    NotFound,
}

impl Page {
    /// The page at `path` (the address bar's path) of an app served under `base`.
    pub fn of(path: &str, base: &str) -> Page {
        // The base without its slash too: `/ilert-pkce` is that app's start page.
        let rest = match path.strip_prefix(base) {
            Some(rest) => rest,
            None if base.strip_suffix('/') == Some(path) => "",
            None => return Page::NotFound,
        };
        match rest.strip_suffix('/').unwrap_or(rest) {
            "" => Page::Home,
            "webapp" => Page::Callback,
            "settings" => Page::Settings,
            _ => Page::NotFound,
        }
    }

    /// The page's path below the base (`""` for the start page).
    pub fn path(self) -> &'static str {
        match self {
            Page::Home | Page::NotFound => "",
            Page::Callback => "webapp",
            Page::Settings => "settings",
        }
    }
}

/// The base path the page declares (`cargo xtask dist` writes it into index.html), as one that
/// starts and ends with `/`; `/` when there is none or it is not an absolute path.
pub fn base_path(declared: Option<&str>) -> String {
    let Some(path) = declared.map(str::trim).filter(|p| p.starts_with('/')) else {
        return "/".into();
    };
    if path.ends_with('/') {
        path.to_string()
    } else {
        format!("{path}/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_at_the_root() {
        for (path, page) in [
            ("/", Page::Home),
            ("/webapp", Page::Callback),
            ("/webapp/", Page::Callback),
            ("/settings", Page::Settings),
            ("/webapp/x", Page::NotFound),
            ("/Settings", Page::NotFound),
            ("/index.html", Page::NotFound),
        ] {
            assert_eq!(Page::of(path, "/"), page, "{path}");
        }
    }

    #[test]
    fn pages_under_a_sub_path() {
        let base = "/ilert-pkce/";
        for (path, page) in [
            ("/ilert-pkce/", Page::Home),
            ("/ilert-pkce", Page::Home),
            ("/ilert-pkce/webapp", Page::Callback),
            ("/ilert-pkce/settings", Page::Settings),
            ("/", Page::NotFound),
            ("/webapp", Page::NotFound),
            ("/ilert-pkcex/webapp", Page::NotFound),
            ("/other/ilert-pkce/webapp", Page::NotFound),
        ] {
            assert_eq!(Page::of(path, base), page, "{path}");
        }
        for page in [Page::Home, Page::Callback, Page::Settings] {
            assert_eq!(Page::of(&format!("{base}{}", page.path()), base), page);
        }
    }

    #[test]
    fn the_declared_base_path() {
        assert_eq!(base_path(None), "/");
        assert_eq!(base_path(Some("")), "/");
        assert_eq!(base_path(Some("/")), "/");
        assert_eq!(base_path(Some("/ilert-pkce/")), "/ilert-pkce/");
        assert_eq!(base_path(Some(" /a/b ")), "/a/b/");
        assert_eq!(base_path(Some("ilert-pkce/")), "/");
    }
}
