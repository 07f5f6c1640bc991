//! `data/releases.toml`: the release catalog, the support window and the
//! rules for upgrading between releases.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{At, Date, MethodId, Version};

/// Releases and how to move between them.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Releases {
    /// How many of the most recent minor releases are supported, counted from
    /// the latest entry below (never from today's date, so builds reproduce).
    pub support_window: At<u32>,
    /// Where the support policy is written down.
    #[serde(default)]
    pub policy_source: Option<String>,
    /// How upgrades between releases work.
    pub upgrades: UpgradeRules,
    /// The releases, one `[[release]]` per minor version.
    pub release: Vec<Release>,
}

/// One minor release (`6.0`); its patches (`6.0.2687`) belong to it.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Release {
    /// The minor version, `major.minor`.
    pub version: At<Version>,
    /// Date of general availability.
    pub ga: Date,
    /// Link to the release notes.
    #[serde(default)]
    pub notes: Option<String>,
    /// What changed that matters to deployments, in a sentence or two.
    #[serde(default)]
    pub summary: String,
}

/// Upgrade types and constraints.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpgradeRules {
    /// The oldest release a multi-version upgrade may start from.
    pub multi_version_from: Version,
    /// Deployment methods that allow no multi-version upgrade (machine images).
    #[serde(default)]
    pub no_multi_version_methods: Vec<At<MethodId>>,
    /// Downtime to expect from a standard (one minor) upgrade.
    pub standard_downtime: String,
    /// Downtime to expect from a multi-version upgrade.
    pub multi_version_downtime: String,
    /// Where the upgrade rules are documented.
    #[serde(default)]
    pub source: Option<String>,
    /// Releases every upgrade path crossing them must stop on.
    #[serde(default)]
    pub required_stop: Vec<RequiredStop>,
}

/// A release an upgrade must land on before going further.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RequiredStop {
    /// The release to stop on (`5.9`).
    pub release: At<Version>,
    /// Why the stop is required.
    pub reason: String,
    /// Where this is documented.
    #[serde(default)]
    pub source: Option<String>,
}

impl Releases {
    /// Every minor release, oldest first.
    pub fn minors(&self) -> Vec<Version> {
        let mut minors: Vec<Version> = self.release.iter().map(|r| r.version.release()).collect();
        minors.sort();
        minors.dedup();
        minors
    }

    /// The latest minor release, if any.
    pub fn latest(&self) -> Option<Version> {
        self.minors().pop()
    }

    /// The supported minors, newest first: the `support_window` most recent
    /// entries, counted from the latest entry (never from today's date).
    pub fn support_window(&self) -> Vec<Version> {
        let window = *self.support_window.value() as usize;
        self.minors().into_iter().rev().take(window).collect()
    }

    /// The catalog entry of the minor `version` belongs to.
    pub fn find(&self, version: &Version) -> Option<&Release> {
        let minor = version.release_key();
        self.release
            .iter()
            .find(|r| r.version.release_key() == minor)
    }
}
