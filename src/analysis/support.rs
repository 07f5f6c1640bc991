//! The support verdict (DESIGN, "Support rules", whose semantics section is
//! normative: the browser engine in the theme follows the same steps).

use serde::Serialize;

use super::requirements::{Dimension, Requirements};
use super::sizing::{Sizing, size_for};
use crate::model::{
    At, Conditions, ExceptionProcess, OneOrMany, ReferenceArchitecture, Rule, Site, Status,
};

/// The answer to "is this officially supported?".
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    /// The most severe status that applies.
    pub status: Status,
    /// Every matching rule, most severe first.
    pub rules: Vec<MatchedRule>,
    /// Requirement values no rule covers.
    pub undocumented: Vec<Undocumented>,
    /// The smallest reference size that fits, or the limit exceeded.
    pub sizing: Sizing,
    /// "If not, what is?": values that would be supported instead.
    pub alternatives: Vec<Alternative>,
    /// The exception process, when the answer is not supported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exception: Option<ExceptionProcess>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatchedRule {
    pub id: String,
    pub status: Status,
    pub reason: String,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Undocumented {
    pub dimension: Dimension,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alternative {
    pub dimension: Dimension,
    /// Ids (or releases) that give `supported` or better, everything else
    /// unchanged.
    pub values: Vec<String>,
}

impl Verdict {
    /// Recommended or supported, with nothing left to check.
    pub fn is_supported(&self) -> bool {
        self.status <= Status::Supported
    }

    /// Not for production, unsupported or incompatible.
    pub fn is_not_supported(&self) -> bool {
        self.status >= Status::NotForProduction
    }
}

/// Computes the verdict for `requirements` against the site's rules.
pub fn verdict(site: &Site, requirements: &Requirements) -> Verdict {
    let mut verdict = evaluate(site, requirements);
    if verdict.status > Status::Supported {
        verdict.alternatives = alternatives(site, requirements, &verdict);
    }
    if verdict.is_not_supported() {
        verdict.exception = Some(site.support.exception.clone());
    }
    verdict
}

/// The verdict without alternatives or the exception process: what the
/// matrices, the deviations and the fleet need, at a fraction of the cost.
pub fn evaluate(site: &Site, requirements: &Requirements) -> Verdict {
    let mut rules: Vec<MatchedRule> = site
        .support
        .rule
        .iter()
        .filter(|rule| matches(&rule.when, requirements))
        .map(|rule| MatchedRule {
            id: rule.id.to_string(),
            status: *rule.status,
            reason: rule.reason.clone(),
            source: rule.source.clone(),
        })
        .collect();
    // Most severe first; rule order in the file breaks ties.
    rules.sort_by_key(|rule| std::cmp::Reverse(rule.status));
    let undocumented = undocumented(&site.support.rule, requirements);
    let sizing = size_for(&site.sizes, requirements);

    let mut status = rules
        .iter()
        .map(|r| r.status)
        .max()
        .unwrap_or(Status::NotDocumented);
    if !undocumented.is_empty() {
        status = status.max(Status::NotDocumented);
    }
    if matches!(sizing, Sizing::ContactSupport { .. }) {
        status = status.max(Status::ContactSupport);
    }
    Verdict {
        status,
        rules,
        undocumented,
        sizing,
        alternatives: Vec::new(),
        exception: None,
    }
}

/// A rule matches when every one of its conditions holds.
pub fn matches(conditions: &Conditions, requirements: &Requirements) -> bool {
    Dimension::ALL
        .iter()
        .all(|&dimension| holds(conditions, dimension, requirements).unwrap_or(true))
}

/// Whether the condition on `dimension` holds: `None` when the rule has no
/// condition on it, `Some(false)` when the requirements leave it out.
pub fn holds(conditions: &Conditions, dimension: Dimension, r: &Requirements) -> Option<bool> {
    fn any_of<T: PartialEq>(
        condition: &Option<At<OneOrMany<T>>>,
        value: Option<&T>,
    ) -> Option<bool> {
        condition
            .as_ref()
            .map(|list| value.is_some_and(|v| list.contains(v)))
    }
    fn in_range(
        condition: &Option<At<crate::model::NumberRange>>,
        value: Option<u64>,
    ) -> Option<bool> {
        condition
            .as_ref()
            .map(|range| value.is_some_and(|v| range.contains(v)))
    }
    let version_in = |condition: &Option<At<crate::model::VersionRange>>,
                      value: Option<&crate::model::Version>| {
        condition
            .as_ref()
            .map(|range| value.is_some_and(|v| range.contains(v)))
    };
    match dimension {
        Dimension::Method => any_of(&conditions.method, r.method.as_ref()),
        Dimension::Provider => any_of(&conditions.provider, r.provider.as_ref()),
        Dimension::Environment => any_of(&conditions.environment, r.environment.as_ref()),
        Dimension::Arch => any_of(&conditions.arch, r.arch.as_ref()),
        Dimension::Executor => any_of(&conditions.executor, r.executor.as_ref()),
        Dimension::Release => version_in(&conditions.release, r.release.as_ref()),
        Dimension::Kubernetes => version_in(&conditions.kubernetes, r.kubernetes.as_ref()),
        Dimension::Feature => conditions
            .feature
            .as_ref()
            .map(|wanted| wanted.iter().any(|feature| r.feature.contains(feature))),
        Dimension::External => conditions.external.as_ref().map(|kinds| {
            kinds.iter().all(|(kind, range)| {
                r.external.get(kind.value()).is_some_and(|given| {
                    range.is_any() || given.version().is_some_and(|v| range.contains(v))
                })
            })
        }),
        Dimension::Users => in_range(&conditions.users, r.users),
        Dimension::Repositories => in_range(&conditions.repositories, r.repositories),
        Dimension::LargestRepoMb => in_range(&conditions.largest_repo_mb, r.largest_repo_mb),
        Dimension::Monorepos => in_range(&conditions.monorepos, r.monorepos),
    }
}

/// Values that no rule's condition on their dimension is satisfied by.
/// Each member of a set (a feature, an external kind) is a value of its own.
fn undocumented(rules: &[Rule], r: &Requirements) -> Vec<Undocumented> {
    let mut found = Vec::new();
    for (dimension, value, single) in single_values(r) {
        let documented = rules
            .iter()
            .any(|rule| holds(&rule.when, dimension, &single).unwrap_or(false));
        if !documented {
            found.push(Undocumented { dimension, value });
        }
    }
    found
}

/// Splits requirements into one-value requirement sets, so that "is this
/// value documented" can be asked of each feature and external kind alone.
fn single_values(r: &Requirements) -> Vec<(Dimension, String, Requirements)> {
    let mut singles = Vec::new();
    for (dimension, value) in r.values() {
        let mut single = Requirements::default();
        match dimension {
            Dimension::Method => single.method = r.method.clone(),
            Dimension::Provider => single.provider = r.provider.clone(),
            Dimension::Environment => single.environment = r.environment.clone(),
            Dimension::Arch => single.arch = r.arch.clone(),
            Dimension::Executor => single.executor = r.executor.clone(),
            Dimension::Release => single.release = r.release.clone(),
            Dimension::Kubernetes => single.kubernetes = r.kubernetes.clone(),
            Dimension::Feature => {
                let feature = r.feature.iter().find(|f| f.as_str() == value).cloned();
                single.feature = feature.into_iter().collect();
            }
            Dimension::External => {
                let kind = value.split('=').next().unwrap_or(&value);
                single.external = r
                    .external
                    .iter()
                    .filter(|(k, _)| k.as_str() == kind)
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
            }
            Dimension::Users => single.users = r.users,
            Dimension::Repositories => single.repositories = r.repositories,
            Dimension::LargestRepoMb => single.largest_repo_mb = r.largest_repo_mb,
            Dimension::Monorepos => single.monorepos = r.monorepos,
        }
        singles.push((dimension, value, single));
    }
    singles
}

/// "If not, what is?" For each dimension of a matching rule worse than
/// `supported`, the catalog values (or releases) that, put in its place
/// with every other requirement unchanged, are documented and make no rule
/// conditioned on that dimension worse than `supported`. Each dimension is
/// fixed on its own: when two choices are both at fault, both are listed,
/// each with what would replace it.
fn alternatives(site: &Site, r: &Requirements, verdict: &Verdict) -> Vec<Alternative> {
    let mut dimensions: Vec<Dimension> = Vec::new();
    for matched in verdict
        .rules
        .iter()
        .filter(|m| m.status > Status::Supported)
    {
        let Some(rule) = site
            .support
            .rule
            .iter()
            .find(|rule| rule.id.as_str() == matched.id)
        else {
            continue;
        };
        for dimension in Dimension::ALL {
            if holds(&rule.when, dimension, r).is_some() && !dimensions.contains(&dimension) {
                dimensions.push(dimension);
            }
        }
    }
    dimensions.sort();
    dimensions
        .into_iter()
        .filter_map(|dimension| {
            let values: Vec<String> = candidates(site, dimension)
                .into_iter()
                .filter(|candidate| {
                    with_value(r, dimension, candidate)
                        .is_some_and(|changed| changed != *r && fixes(site, &changed, dimension))
                })
                .collect();
            (!values.is_empty()).then_some(Alternative { dimension, values })
        })
        .collect()
}

/// Whether `changed` leaves `dimension` documented and every matching rule
/// that conditions on it at `supported` or better.
fn fixes(site: &Site, changed: &Requirements, dimension: Dimension) -> bool {
    let rules = &site.support.rule;
    let documented = rules
        .iter()
        .any(|rule| holds(&rule.when, dimension, changed) == Some(true));
    documented
        && rules
            .iter()
            .filter(|rule| {
                holds(&rule.when, dimension, changed).is_some() && matches(&rule.when, changed)
            })
            .all(|rule| *rule.status <= Status::Supported)
}

/// The values a dimension can take, for alternatives: catalog ids, or the
/// releases, newest first. Sets and numbers have no alternatives.
/// The environment is a fact of the question ("for production"), never
/// offered as an alternative.
fn candidates(site: &Site, dimension: Dimension) -> Vec<String> {
    fn ids<T: std::fmt::Display>(list: impl Iterator<Item = T>) -> Vec<String> {
        list.map(|id| id.to_string()).collect()
    }
    let c = &site.catalog;
    match dimension {
        Dimension::Method => ids(c.method.iter().map(|m| m.id.value())),
        Dimension::Provider => ids(c.provider.iter().map(|e| e.id.value())),
        Dimension::Arch => ids(c.arch.iter().map(|e| e.id.value())),
        Dimension::Executor => ids(c.executor.iter().map(|e| e.id.value())),
        Dimension::Release => {
            let mut releases = site.releases.minors();
            releases.reverse();
            ids(releases.iter())
        }
        _ => Vec::new(),
    }
}

fn with_value(r: &Requirements, dimension: Dimension, value: &str) -> Option<Requirements> {
    let mut changed = r.clone();
    match dimension {
        Dimension::Method => changed.method = Some(value.parse().ok()?),
        Dimension::Provider => changed.provider = Some(value.parse().ok()?),
        Dimension::Environment => changed.environment = Some(value.parse().ok()?),
        Dimension::Arch => changed.arch = Some(value.parse().ok()?),
        Dimension::Executor => changed.executor = Some(value.parse().ok()?),
        Dimension::Release => changed.release = Some(value.parse().ok()?),
        _ => return None,
    }
    Some(changed)
}

/// Sizes smallest first, for callers that hold only the sizes.
pub fn sizes_in_order(sizes: &[ReferenceArchitecture]) -> Vec<&ReferenceArchitecture> {
    let mut ordered: Vec<_> = sizes.iter().collect();
    ordered.sort_by_key(|s| (s.limits.users, s.limits.repositories));
    ordered
}
