//! What a customer wants, as the support engine sees it: one value per
//! scalar dimension, sets for features and external services, numbers for
//! usage. The same shape comes from CLI flags, a requirements file, a test
//! vector, an engagement, and the browser checker's form.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::model::{
    ArchId, EnvironmentId, ExecutorId, ExternalId, FeatureId, MethodId, ProviderId, Version,
};

/// A requirement set. Every dimension is optional; a rule's condition on a
/// dimension left out does not hold.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Requirements {
    /// Deployment method id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<MethodId>,
    /// Hosting provider id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<ProviderId>,
    /// Environment id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<EnvironmentId>,
    /// Product release (`6.12` or `6.12.1792`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release: Option<Version>,
    /// Kubernetes version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kubernetes: Option<Version>,
    /// CPU architecture id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arch: Option<ArchId>,
    /// Executor runtime id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub executor: Option<ExecutorId>,
    /// Features wanted.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub feature: BTreeSet<FeatureId>,
    /// External services: kind → version (`postgres = "15"`), or `true` for a
    /// kind used without a version (`object-storage = true`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub external: BTreeMap<ExternalId, ExternalVersion>,
    /// Users expected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub users: Option<u64>,
    /// Repositories expected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repositories: Option<u64>,
    /// Size of the largest repository, in MB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub largest_repo_mb: Option<u64>,
    /// Number of monorepos.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monorepos: Option<u64>,
}

/// The version of an external service, when it has one.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum ExternalVersion {
    /// A version such as `"15"`.
    Version(Version),
    /// `true`: the service is external, with no version to give.
    Unversioned(bool),
}

impl ExternalVersion {
    pub fn version(&self) -> Option<&Version> {
        match self {
            ExternalVersion::Version(version) => Some(version),
            ExternalVersion::Unversioned(_) => None,
        }
    }
}

/// A dimension of the support matrix (DESIGN, "Dimensions").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    Method,
    Provider,
    Environment,
    Arch,
    Executor,
    Release,
    Kubernetes,
    Feature,
    External,
    Users,
    Repositories,
    LargestRepoMb,
    Monorepos,
}

impl Dimension {
    pub const ALL: [Dimension; 13] = [
        Dimension::Method,
        Dimension::Provider,
        Dimension::Environment,
        Dimension::Arch,
        Dimension::Executor,
        Dimension::Release,
        Dimension::Kubernetes,
        Dimension::Feature,
        Dimension::External,
        Dimension::Users,
        Dimension::Repositories,
        Dimension::LargestRepoMb,
        Dimension::Monorepos,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Dimension::Method => "method",
            Dimension::Provider => "provider",
            Dimension::Environment => "environment",
            Dimension::Arch => "arch",
            Dimension::Executor => "executor",
            Dimension::Release => "release",
            Dimension::Kubernetes => "kubernetes",
            Dimension::Feature => "feature",
            Dimension::External => "external",
            Dimension::Users => "users",
            Dimension::Repositories => "repositories",
            Dimension::LargestRepoMb => "largest_repo_mb",
            Dimension::Monorepos => "monorepos",
        }
    }

    pub fn from_name(name: &str) -> Option<Dimension> {
        Dimension::ALL.into_iter().find(|d| d.name() == name)
    }
}

impl fmt::Display for Dimension {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Requirements {
    /// Each value given, as (dimension, printable value); sets give one
    /// entry per member.
    pub fn values(&self) -> Vec<(Dimension, String)> {
        let mut values = Vec::new();
        let mut push = |dimension, value: Option<String>| {
            if let Some(value) = value {
                values.push((dimension, value));
            }
        };
        push(
            Dimension::Method,
            self.method.as_ref().map(ToString::to_string),
        );
        push(
            Dimension::Provider,
            self.provider.as_ref().map(ToString::to_string),
        );
        push(
            Dimension::Environment,
            self.environment.as_ref().map(ToString::to_string),
        );
        push(Dimension::Arch, self.arch.as_ref().map(ToString::to_string));
        push(
            Dimension::Executor,
            self.executor.as_ref().map(ToString::to_string),
        );
        push(
            Dimension::Release,
            self.release.as_ref().map(ToString::to_string),
        );
        push(
            Dimension::Kubernetes,
            self.kubernetes.as_ref().map(ToString::to_string),
        );
        for feature in &self.feature {
            push(Dimension::Feature, Some(feature.to_string()));
        }
        for (kind, version) in &self.external {
            let text = match version.version() {
                Some(version) => format!("{kind}={version}"),
                None => kind.to_string(),
            };
            push(Dimension::External, Some(text));
        }
        push(Dimension::Users, self.users.map(|n| n.to_string()));
        push(
            Dimension::Repositories,
            self.repositories.map(|n| n.to_string()),
        );
        push(
            Dimension::LargestRepoMb,
            self.largest_repo_mb.map(|n| n.to_string()),
        );
        push(Dimension::Monorepos, self.monorepos.map(|n| n.to_string()));
        values
    }

    /// The equivalent `refarch support` command line.
    pub fn to_command_line(&self) -> String {
        let mut words = vec!["refarch support".to_string()];
        for (dimension, value) in self.values() {
            let flag = dimension.name().replace('_', "-");
            words.push(format!("--{flag} {}", shell_word(&value)));
        }
        words.join(" ")
    }
}

fn shell_word(word: &str) -> String {
    if word
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_.=".contains(c))
    {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// A requirement value that is not in the catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownValue {
    pub dimension: Dimension,
    pub value: String,
    pub known: Vec<String>,
    pub suggestion: Option<String>,
}

impl fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown {} `{}`", self.dimension, self.value)?;
        if let Some(suggestion) = &self.suggestion {
            write!(f, "; did you mean `{suggestion}`?")?;
        }
        write!(f, " (known: {})", self.known.join(", "))
    }
}

/// Values of `requirements` that the site's catalog (or release catalog)
/// does not know. The verdict treats unknown values as undocumented; the
/// CLI refuses them, since a typo must not read as "not documented".
pub fn unknown_values(site: &crate::model::Site, requirements: &Requirements) -> Vec<UnknownValue> {
    let c = &site.catalog;
    let mut unknown = Vec::new();
    let mut check = |dimension: Dimension, value: String, known: Vec<String>| {
        if !known.contains(&value) {
            let suggestion =
                crate::diagnostics::did_you_mean(&value, known.iter().map(String::as_str))
                    .map(str::to_string);
            unknown.push(UnknownValue {
                dimension,
                value,
                known,
                suggestion,
            });
        }
    };
    let r = requirements;
    let scalar_ids = [
        (
            Dimension::Method,
            r.method.as_ref().map(ToString::to_string),
            c.method.iter().map(|m| m.id.to_string()).collect(),
        ),
        (
            Dimension::Provider,
            r.provider.as_ref().map(ToString::to_string),
            entry_ids(&c.provider),
        ),
        (
            Dimension::Environment,
            r.environment.as_ref().map(ToString::to_string),
            entry_ids(&c.environment),
        ),
        (
            Dimension::Arch,
            r.arch.as_ref().map(ToString::to_string),
            entry_ids(&c.arch),
        ),
        (
            Dimension::Executor,
            r.executor.as_ref().map(ToString::to_string),
            entry_ids(&c.executor),
        ),
        (
            Dimension::Release,
            r.release.as_ref().map(|v| v.release().to_string()),
            site.releases
                .minors()
                .iter()
                .map(ToString::to_string)
                .collect(),
        ),
    ];
    for (dimension, value, known) in scalar_ids {
        if let Some(value) = value {
            check(dimension, value, known);
        }
    }
    for feature in &r.feature {
        check(
            Dimension::Feature,
            feature.to_string(),
            entry_ids(&c.feature),
        );
    }
    let externals: Vec<String> = c.external.iter().map(|e| e.id.to_string()).collect();
    for kind in r.external.keys() {
        check(Dimension::External, kind.to_string(), externals.clone());
    }
    unknown
}

fn entry_ids<Id: fmt::Display>(entries: &[crate::model::Entry<Id>]) -> Vec<String> {
    entries.iter().map(|e| e.id.to_string()).collect()
}
