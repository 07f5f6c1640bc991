//! The validated model: one module per entity, plus the value types.
//!
//! Types here parse and print themselves; nothing downstream re-parses a
//! string. The model is built by `load` and never changed afterwards.

mod catalog;
mod date;
mod engagement;
mod id;
mod page;
mod quantity;
mod reference_architecture;
mod release;
mod site;
mod support;
mod version;

pub use catalog::*;
pub use date::Date;
pub use engagement::*;
pub use id::*;
pub use page::{FrontMatter, Page};
pub use quantity::{Bytes, Cpu};
pub use reference_architecture::*;
pub use release::*;
pub use site::*;
pub use support::*;
pub use version::{NumberRange, Operator, Version, VersionRange};

use std::fmt;

/// Why a value could not be read, and how to fix it.
///
/// Serde only carries strings, so a `ValueError` raised while deserializing
/// travels as `"<message>\nhelp: <help>"` and is split again by the loader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueError {
    pub message: String,
    pub help: String,
}

impl ValueError {
    pub const HELP_SEPARATOR: &'static str = "\nhelp: ";

    pub fn new(message: impl Into<String>, help: impl Into<String>) -> Self {
        ValueError {
            message: message.into(),
            help: help.into(),
        }
    }
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}{}", self.message, Self::HELP_SEPARATOR, self.help)
    }
}

impl std::error::Error for ValueError {}

/// Everything the site is built from, validated.
#[derive(Debug, Clone)]
pub struct Site {
    pub config: SiteConfig,
    pub catalog: Catalog,
    pub releases: Releases,
    pub support: SupportRules,
    /// Reference architectures, smallest first (by user limit).
    pub sizes: Vec<ReferenceArchitecture>,
    /// Engagements, sorted by id. Shared with the load cache, so that
    /// `serve` re-parses and copies only the file that changed.
    pub engagements: Vec<std::sync::Arc<Engagement>>,
    /// Content pages, sorted by path.
    /// Shared with the load cache, like the engagements.
    pub pages: Vec<std::sync::Arc<Page>>,
    /// The text of every engagement file by path, so that findings of the
    /// analysis can be reported at their line. Empty in `serve`, which
    /// reports no findings.
    pub sources: std::collections::BTreeMap<String, std::sync::Arc<str>>,
}

impl Site {
    /// The site without engagements marked confidential, for profiles that
    /// leave them out: they then appear on no page, in no count, chart,
    /// search index, sitemap or export. Their companion prose goes too.
    pub fn without_confidential(mut self) -> Site {
        let hidden: std::collections::HashSet<String> = self
            .engagements
            .iter()
            .filter(|e| e.confidential)
            .map(|e| format!("engagements/{}.md", e.id.as_str()))
            .collect();
        self.engagements.retain(|e| !e.confidential);
        self.pages.retain(|p| !hidden.contains(&p.path));
        let kept: std::collections::HashSet<&str> =
            self.engagements.iter().map(|e| e.file.as_str()).collect();
        self.sources.retain(|path, _| kept.contains(path.as_str()));
        self
    }
}
