//! `data/support.toml`: the support matrix as a list of rules (DESIGN,
//! "Support rules"). A rule names the requirement values it applies to, a
//! status, a reason and a source.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{
    ArchId, At, EnvironmentId, ExecutorId, ExternalId, FeatureId, MethodId, NumberRange, OneOrMany,
    ProviderId, RuleId, VersionRange,
};

/// The support rules, and what to do when the answer is "not supported".
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SupportRules {
    /// The exception process a verdict shows when something is not supported.
    pub exception: ExceptionProcess,
    /// The rules, one `[[rule]]` each.
    #[serde(default)]
    pub rule: Vec<Rule>,
}

/// The exception process: the questions the parties weigh before the team
/// takes on something that is not officially supported.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExceptionProcess {
    /// What the process is for, in a sentence or two.
    pub summary: String,
    /// Who to engage (Engineering, Product, Support, professional services).
    pub parties: Vec<String>,
    /// The questions to answer, in order.
    pub questions: Vec<String>,
    /// Where the process is written down (a URL or a site path).
    #[serde(default)]
    pub source: Option<String>,
}

/// One support rule.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// A stable id, cited by verdicts and declared deviations.
    pub id: At<RuleId>,
    /// The requirement values the rule applies to; every condition must hold.
    pub when: At<Conditions>,
    /// The status the rule gives when it matches.
    pub status: At<Status>,
    /// Why, in words a customer engineer can repeat on a call.
    pub reason: String,
    /// Where this is documented (a URL or a site path).
    pub source: String,
}

/// The conditions of a rule, one per dimension (DESIGN, "Dimensions").
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Conditions {
    /// Deployment method id, or a list of ids (any of).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<At<OneOrMany<MethodId>>>,
    /// Hosting provider id, or a list (any of).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<At<OneOrMany<ProviderId>>>,
    /// Environment id, or a list (any of).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<At<OneOrMany<EnvironmentId>>>,
    /// CPU architecture id, or a list (any of).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arch: Option<At<OneOrMany<ArchId>>>,
    /// Executor runtime id, or a list (any of).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub executor: Option<At<OneOrMany<ExecutorId>>>,
    /// Range of product releases (`">=6.0"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release: Option<At<VersionRange>>,
    /// Range of Kubernetes versions (`">=1.19, <1.33"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kubernetes: Option<At<VersionRange>>,
    /// Feature id, or a list: holds if any is among the requested features.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feature: Option<At<OneOrMany<FeatureId>>>,
    /// External service kinds with a version range each (`{ postgres = "<16" }`),
    /// or `"*"` for any version or an unversioned kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external: Option<BTreeMap<At<ExternalId>, At<VersionRange>>>,
    /// Range of licensed or expected users (`">20000"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub users: Option<At<NumberRange>>,
    /// Range of repository counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repositories: Option<At<NumberRange>>,
    /// Range of the largest repository's size in MB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub largest_repo_mb: Option<At<NumberRange>>,
    /// Range of the number of monorepos.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monorepos: Option<At<NumberRange>>,
}

impl Conditions {
    /// The names of the dimensions this rule constrains.
    pub fn dimensions(&self) -> Vec<&'static str> {
        let present = [
            ("method", self.method.is_some()),
            ("provider", self.provider.is_some()),
            ("environment", self.environment.is_some()),
            ("arch", self.arch.is_some()),
            ("executor", self.executor.is_some()),
            ("release", self.release.is_some()),
            ("kubernetes", self.kubernetes.is_some()),
            ("feature", self.feature.is_some()),
            ("external", self.external.is_some()),
            ("users", self.users.is_some()),
            ("repositories", self.repositories.is_some()),
            ("largest_repo_mb", self.largest_repo_mb.is_some()),
            ("monorepos", self.monorepos.is_some()),
        ];
        present
            .iter()
            .filter(|(_, is)| *is)
            .map(|(name, _)| *name)
            .collect()
    }
}

/// A verdict status, from best to worst. The order is fixed here, in code;
/// the catalog only gives each status its label.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// The preferred way; what the team advises by default.
    Recommended,
    /// Officially supported.
    Supported,
    /// Works, but is a technical preview: expect changes.
    Beta,
    /// Works today, scheduled for removal.
    Deprecated,
    /// No rule covers this value: nobody has said it works.
    NotDocumented,
    /// Beyond validated limits: talk to support before promising anything.
    ContactSupport,
    /// Acceptable for demos and evaluation, never for production.
    NotForProduction,
    /// Not tested and not recommended; support will not help.
    Unsupported,
    /// Known to be broken.
    Incompatible,
}

impl Status {
    /// Every status, best first.
    pub const ALL: [Status; 9] = [
        Status::Recommended,
        Status::Supported,
        Status::Beta,
        Status::Deprecated,
        Status::NotDocumented,
        Status::ContactSupport,
        Status::NotForProduction,
        Status::Unsupported,
        Status::Incompatible,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Status::Recommended => "recommended",
            Status::Supported => "supported",
            Status::Beta => "beta",
            Status::Deprecated => "deprecated",
            Status::NotDocumented => "not-documented",
            Status::ContactSupport => "contact-support",
            Status::NotForProduction => "not-for-production",
            Status::Unsupported => "unsupported",
            Status::Incompatible => "incompatible",
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}
