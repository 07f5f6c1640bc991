//! `data/site.toml`: the site's title, product, publishing defaults, the
//! analysis thresholds and the build profiles.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{At, ProfileId};

/// The site configuration.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    /// Title shown in the header and the browser tab.
    pub title: String,
    /// One sentence describing the site, for the home page and search engines.
    #[serde(default)]
    pub description: String,
    /// The product the site documents, as customers know it (`Sourcegraph`).
    pub product: String,
    /// The team that owns the site, shown in the footer.
    #[serde(default)]
    pub owner: String,
    /// Path or URL the site is served under (`/` or `/refarch/`); `--base-url`
    /// overrides it.
    #[serde(default = "default_base_url")]
    pub base_url: String,
    /// The theme under `themes/` whose files override the built-in ones.
    #[serde(default = "default_theme")]
    pub theme: String,
    /// Whether fenced code blocks in Markdown get syntax highlighting
    /// (`true`, the default). Highlighting is most of the cost of a large
    /// content build; `false` writes the code escaped, as is.
    #[serde(default = "default_highlight_code")]
    pub highlight_code: bool,
    /// Thresholds used when resourcing is compared with the reference.
    #[serde(default)]
    pub thresholds: Thresholds,
    /// Named build profiles, chosen with `refarch build --profile NAME`.
    #[serde(default)]
    pub profiles: BTreeMap<At<ProfileId>, Profile>,
}

fn default_highlight_code() -> bool {
    true
}

fn default_theme() -> String {
    "default".to_string()
}

fn default_base_url() -> String {
    "/".to_string()
}

/// When a difference from the reference size is worth a callout.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    /// A service or total more than this many percent below the reference's
    /// limits is under-provisioned (a warning).
    #[serde(default = "default_under_provisioned")]
    pub under_provisioned_percent: u32,
    /// A service or total more than this many percent above the reference's
    /// limits gets a right-sizing note.
    #[serde(default = "default_right_size")]
    pub right_size_percent: u32,
}

fn default_under_provisioned() -> u32 {
    10
}

fn default_right_size() -> u32 {
    50
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            under_provisioned_percent: default_under_provisioned(),
            right_size_percent: default_right_size(),
        }
    }
}

/// A build profile: what a build for one audience includes.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// What the profile is for, shown by `refarch build --help`-style listings.
    #[serde(default)]
    pub description: String,
    /// Whether engagements marked `confidential = true` are built. When false
    /// they are left out of every page, count, search index, sitemap and export.
    #[serde(default = "yes")]
    pub include_confidential: bool,
    /// Base URL for this profile, overriding the site's.
    #[serde(default)]
    pub base_url: Option<String>,
}

fn yes() -> bool {
    true
}
