//! Content pages: Markdown under `content/` with TOML front matter between
//! `+++` lines.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The front matter of a content page.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FrontMatter {
    /// The page title.
    pub title: String,
    /// One sentence for listings and search results.
    #[serde(default)]
    pub description: String,
    /// Position among its siblings in navigation; lower comes first.
    #[serde(default)]
    pub weight: i32,
    /// Whether to show a table of contents.
    #[serde(default = "yes")]
    pub toc: bool,
    /// Leaves the page out of builds.
    #[serde(default)]
    pub draft: bool,
}

fn yes() -> bool {
    true
}

/// A content page: its path under `content/`, front matter and Markdown body.
#[derive(Debug, Clone)]
pub struct Page {
    /// Path relative to `content/`, with `/` separators (`guide/exceptions.md`).
    pub path: String,
    pub front_matter: FrontMatter,
    /// The whole file, shared with the load: the body is the text from
    /// `body_offset` on, not a copy of it (a site's pages are tens of
    /// megabytes).
    pub text: std::sync::Arc<str>,
    /// Byte offset of the body in the file, so that positions found while
    /// rendering map back to file lines.
    pub body_offset: usize,
}

impl Page {
    /// The Markdown after the front matter.
    pub fn body(&self) -> &str {
        &self.text[self.body_offset..]
    }
}
