//! Query and form parameters, parsed strictly the way RFC 6749 §3.1 wants: a parameter
//! may appear once, and one sent without a value counts as omitted.

use crate::http::Request;

#[derive(Debug, Default, Clone)]
pub struct Params(Vec<(String, String)>);

impl Params {
    pub fn parse(input: &[u8]) -> Params {
        Params(
            form_urlencoded::parse(input)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// The value of `name`; `Err` names the parameter when it was sent more than once.
    pub fn get(&self, name: &str) -> Result<Option<&str>, String> {
        let mut found = self.0.iter().filter(|(k, v)| k == name && !v.is_empty());
        let first = found.next().map(|(_, v)| v.as_str());
        if found.next().is_some() {
            return Err(format!("{name} must not be sent more than once"));
        }
        Ok(first)
    }

    /// The first parameter that was sent more than once.
    pub fn duplicate(&self) -> Option<String> {
        self.0
            .iter()
            .enumerate()
            .find(|(i, (k, _))| self.0[..*i].iter().any(|(k2, _)| k2 == k))
            .map(|(_, (k, _))| format!("{k} must not be sent more than once"))
    }

    /// All pairs, first value per name, as a JSON object (for the request log).
    pub fn to_json(&self) -> serde_json::Value {
        let mut map = serde_json::Map::new();
        for (k, v) in &self.0 {
            map.entry(k.clone()).or_insert_with(|| v.clone().into());
        }
        serde_json::Value::Object(map)
    }
}

/// True when the request says its body is `application/x-www-form-urlencoded`
/// (parameters such as `charset=UTF-8` allowed).
pub fn is_form(request: &Request) -> bool {
    request
        .header("content-type")
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| {
            m.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_parameters() {
        let p = Params::parse(b"a=1&b=&c=x+y%21&a=2");
        assert!(p.get("a").is_err());
        assert_eq!(p.get("b").unwrap(), None);
        assert_eq!(p.get("c").unwrap(), Some("x y!"));
        assert_eq!(p.duplicate().unwrap(), "a must not be sent more than once");
        assert!(Params::parse(b"a=1&b=2").duplicate().is_none());
    }
}
