//! The fleet across engagements: what runs where, who is behind, how fast
//! releases are adopted, what is open.

use std::collections::BTreeMap;

use serde::Serialize;

use super::Analysis;
use super::deviations::requirements_of;
use super::sizing::{Sizing, size_for};
use crate::model::{Engagement, Level, LogStatus, Site, Status};

// The fleet borrows ids and titles from the site and its analysis: it is
// computed again on every rebuild of `serve`, over every engagement.

/// How many engagements have a value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Count<'a> {
    pub value: String,
    pub engagements: Vec<&'a str>,
}

/// An engagement on an option some rule rates worse than supported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Flagged<'a> {
    pub engagement: &'a str,
    pub rule: &'a str,
    pub status: Status,
}

/// Days from a release's GA to one customer's upgrade to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Adoption<'a> {
    pub engagement: &'a str,
    pub release: &'a crate::model::Version,
    pub days: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenRisk<'a> {
    pub engagement: &'a str,
    pub title: &'a str,
    pub likelihood: Level,
    pub impact: Level,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExitProgress<'a> {
    pub engagement: &'a str,
    /// Criteria met or not applicable.
    pub done: usize,
    pub total: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fleet<'a> {
    pub engagements: usize,
    pub by_method: Vec<Count<'a>>,
    pub by_provider: Vec<Count<'a>>,
    pub by_size: Vec<Count<'a>>,
    pub by_release: Vec<Count<'a>>,
    pub deprecated: Vec<Flagged<'a>>,
    /// Engagements on options that are not for production, unsupported or
    /// incompatible.
    pub not_supported: Vec<Flagged<'a>>,
    /// Engagements on the latest minor or the one before.
    pub within_one_release: usize,
    pub adoption: Vec<Adoption<'a>>,
    /// Upgrades made within 30 days of GA, the delivery goal.
    pub adopted_within_a_month: usize,
    pub open_risks: Vec<OpenRisk<'a>>,
    pub exit_criteria: Vec<ExitProgress<'a>>,
    pub escalations: Vec<Count<'a>>,
}

/// Days within which the delivery team aims to adopt a release.
pub const ADOPTION_GOAL_DAYS: i64 = 30;

/// The fleet over `engagements`, using their analyses (see [`Analysis`]).
pub fn fleet<'a>(
    site: &'a Site,
    engagements: &[&'a Engagement],
    analysis: &'a Analysis,
) -> Fleet<'a> {
    let latest_two: Vec<(u64, u64)> = site
        .releases
        .minors()
        .iter()
        .rev()
        .take(2)
        .map(crate::model::Version::release_key)
        .collect();
    let mut fleet = Fleet {
        engagements: engagements.len(),
        by_method: count_by(engagements, |e| e.deployment.method.as_str()),
        by_provider: count_by(engagements, |e| e.deployment.provider.as_str()),
        by_size: count_by(engagements, |e| {
            analysis.of_engagement(e.id.as_str()).size.as_str()
        }),
        by_release: count_by(engagements, |e| Minor(e.deployment.release.release_key())),
        deprecated: Vec::new(),
        not_supported: Vec::new(),
        within_one_release: engagements
            .iter()
            .filter(|e| latest_two.contains(&e.deployment.release.release_key()))
            .count(),
        adoption: Vec::new(),
        adopted_within_a_month: 0,
        open_risks: Vec::new(),
        exit_criteria: Vec::new(),
        escalations: Vec::new(),
    };
    fleet.by_release.sort_by(|a, b| {
        let version = |c: &Count| c.value.parse::<crate::model::Version>().ok();
        version(b).cmp(&version(a))
    });
    for engagement in engagements {
        flag_options(engagement, analysis, &mut fleet);
        adoption(site, engagement, &mut fleet.adoption);
        for risk in engagement
            .risk
            .iter()
            .filter(|r| r.status == LogStatus::Open)
        {
            fleet.open_risks.push(OpenRisk {
                engagement: engagement.id.as_str(),
                title: &risk.title,
                likelihood: risk.likelihood,
                impact: risk.impact,
            });
        }
        if !engagement.exit_criterion.is_empty() || !site.catalog.exit_criterion.is_empty() {
            let done = engagement.exit_criteria_done();
            fleet.exit_criteria.push(ExitProgress {
                engagement: engagement.id.as_str(),
                done,
                total: site
                    .catalog
                    .exit_criterion
                    .len()
                    .max(engagement.exit_criterion.len()),
            });
        }
        if !engagement.escalation.is_empty() {
            fleet.escalations.push(Count {
                value: engagement.escalation.len().to_string(),
                engagements: vec![engagement.id.as_str()],
            });
        }
    }
    fleet.adopted_within_a_month = fleet
        .adoption
        .iter()
        .filter(|a| a.days <= ADOPTION_GOAL_DAYS)
        .count();
    fleet
        .open_risks
        .sort_by_key(|risk| std::cmp::Reverse((risk.impact, risk.likelihood)));
    fleet
}

/// A `major.minor` release as a grouping key: ordered and printed like
/// [`crate::model::Version::release`], without allocating per engagement.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct Minor((u64, u64));

impl std::fmt::Display for Minor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.0.0, self.0.1)
    }
}

/// Engagements grouped by a key, largest group first. Keys are borrowed
/// where they can be: this runs over the whole fleet on every rebuild.
fn count_by<'a, K: Ord + ToString>(
    engagements: &[&'a Engagement],
    key: impl Fn(&'a Engagement) -> K,
) -> Vec<Count<'a>> {
    let mut groups: BTreeMap<K, Vec<&'a str>> = BTreeMap::new();
    for engagement in engagements {
        groups
            .entry(key(engagement))
            .or_default()
            .push(engagement.id.as_str());
    }
    let mut counts: Vec<Count> = groups
        .into_iter()
        .map(|(value, engagements)| Count {
            value: value.to_string(),
            engagements,
        })
        .collect();
    counts.sort_by(|a, b| {
        b.engagements
            .len()
            .cmp(&a.engagements.len())
            .then(a.value.cmp(&b.value))
    });
    counts
}

/// The size of production: the prod environment's declared size, or the
/// size its usage calls for.
pub fn size_of(site: &Site, engagement: &Engagement) -> String {
    if let Some(prod) = engagement
        .environment
        .iter()
        .find(|env| env.id.as_str() == "prod")
    {
        return prod.size.to_string();
    }
    match size_for(&site.sizes, &requirements_of(engagement)[0]) {
        Sizing::Fits { size, .. } => size,
        other => other.short().to_string(),
    }
}

fn flag_options<'a>(engagement: &'a Engagement, analysis: &'a Analysis, fleet: &mut Fleet<'a>) {
    for (rule, status) in &analysis.of_engagement(engagement.id.as_str()).flags {
        let flagged = Flagged {
            engagement: engagement.id.as_str(),
            rule,
            status: *status,
        };
        if *status == Status::Deprecated {
            fleet.deprecated.push(flagged);
        } else {
            fleet.not_supported.push(flagged);
        }
    }
}

fn adoption<'a>(site: &'a Site, engagement: &'a Engagement, adoption: &mut Vec<Adoption<'a>>) {
    for upgrade in &engagement.upgrade_history {
        if let Some(release) = site.releases.find(&upgrade.to) {
            adoption.push(Adoption {
                engagement: engagement.id.as_str(),
                release: &release.version,
                days: release.ga.days_until(upgrade.date),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::fixture;

    #[test]
    fn counts_and_flags_on_the_analysis_fixture() {
        let site = fixture("analysis");
        let all: Vec<&Engagement> = site.engagements.iter().map(|e| &**e).collect();
        let analysis = Analysis::of(&site);
        let fleet = fleet(&site, &all, &analysis);
        let counts = |list: &[Count]| {
            list.iter()
                .map(|c| (c.value.clone(), c.engagements.len()))
                .collect::<Vec<_>>()
        };
        assert_eq!(fleet.engagements, 3);
        assert_eq!(
            counts(&fleet.by_method),
            [
                ("helm".into(), 1),
                ("kustomize".into(), 1),
                ("machine-image".into(), 1)
            ]
        );
        assert_eq!(
            counts(&fleet.by_provider),
            [("aws".into(), 2), ("azure".into(), 1)]
        );
        // acme declares m for prod; borealis sizes to l (8 000 users), cobalt to s (800).
        assert_eq!(
            counts(&fleet.by_size),
            [("l".into(), 1), ("m".into(), 1), ("s".into(), 1)]
        );
        assert_eq!(
            counts(&fleet.by_release),
            [("6.2".into(), 1), ("6.0".into(), 1), ("5.9".into(), 1)]
        );
        // Only acme runs 6.2 or 6.1, the latest two minors.
        assert_eq!(fleet.within_one_release, 1);
        let deprecated: Vec<(&str, &str)> = fleet
            .deprecated
            .iter()
            .map(|f| (f.engagement, f.rule))
            .collect();
        assert_eq!(
            deprecated,
            [
                ("borealis", "method-kustomize"),
                ("borealis", "releases-old"),
                ("cobalt", "releases-old"),
                ("cobalt", "external-postgres-below-16-before-6"),
            ]
        );
        let refused: Vec<&str> = fleet.not_supported.iter().map(|f| f.rule).collect();
        assert_eq!(refused, ["external-postgres-below-16", "arm64-production"]);
        // 6.2 GA 2025-04-02, acme upgraded 2025-04-20: 18 days. 6.0 GA
        // 2025-01-29, borealis upgraded 2025-03-31: 61 days.
        let adoption: Vec<(&str, i64)> = fleet
            .adoption
            .iter()
            .map(|a| (a.engagement, a.days))
            .collect();
        assert_eq!(adoption, [("acme", 18), ("borealis", 61)]);
        assert_eq!(fleet.adopted_within_a_month, 1);
        // One open risk; the closed one is left out.
        assert_eq!(fleet.open_risks.len(), 1);
        assert_eq!(fleet.open_risks[0].impact, Level::High);
        let progress: Vec<(&str, usize, usize)> = fleet
            .exit_criteria
            .iter()
            .map(|p| (p.engagement, p.done, p.total))
            .collect();
        assert_eq!(
            progress,
            [("acme", 2, 2), ("borealis", 0, 2), ("cobalt", 0, 2)]
        );
        assert_eq!(counts(&fleet.escalations), [("1".into(), 1)]);
    }
}
