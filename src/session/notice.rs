//! What the page says to the person about the session.
use crate::error::Error;

/// A message for the person, shown above the page.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub error: bool,
    pub title: String,
    pub text: String,
}

impl Notice {
    pub fn info(title: impl Into<String>, text: impl Into<String>) -> Self {
        Notice {
            error: false,
            title: title.into(),
            text: text.into(),
        }
    }
    pub fn failure(title: impl Into<String>, text: impl Into<String>) -> Self {
        Notice {
            error: true,
            title: title.into(),
            text: text.into(),
        }
    }
    pub fn error(err: &Error) -> Self {
        Notice::failure(err.title(), err.to_string())
    }
}
