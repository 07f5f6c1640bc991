//! Upgrade paths: from a release to a target by standard hops (one minor
//! each) or multi-version jumps where the rules allow them, through every
//! required stop, with the downtime of each hop and what blocks the way.

use serde::Serialize;

use super::requirements::{Dimension, Requirements};
use super::support::{holds, matches};
use crate::model::{Site, Status, Version};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HopKind {
    /// One minor release forward.
    Standard,
    /// Several minors at once; needs downtime.
    MultiVersion,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hop {
    pub from: Version,
    pub to: Version,
    pub kind: HopKind,
    pub downtime: String,
    /// Why the hop is of this kind, citing the rule.
    pub because: String,
    /// Where the upgrade rules are documented.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The release notes of the release the hop lands on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stop {
    pub release: Version,
    pub reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// A support rule that refuses the configuration at a release on the way.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Blocker {
    /// The first release on the path where the rule applies.
    pub release: Version,
    pub rule: String,
    pub reason: String,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UpgradePath {
    pub from: Version,
    pub to: Version,
    pub hops: Vec<Hop>,
    pub stops: Vec<Stop>,
    pub blockers: Vec<Blocker>,
}

impl UpgradePath {
    pub fn is_current(&self) -> bool {
        self.hops.is_empty()
    }
}

/// The path from `from` to `to` (both releases of the catalog) for a
/// deployment described by `requirements` (its method decides whether
/// multi-version upgrades are allowed; its external services can block).
pub fn upgrade_path(
    site: &Site,
    from: &Version,
    to: &Version,
    requirements: &Requirements,
) -> Result<UpgradePath, String> {
    let releases = &site.releases;
    let minors = releases.minors();
    let (from, to) = (from.release(), to.release());
    for version in [&from, &to] {
        if !minors.contains(version) {
            return Err(format!("release {version} is not in the release catalog"));
        }
    }
    let mut path = UpgradePath {
        from: from.clone(),
        to: to.clone(),
        hops: Vec::new(),
        stops: Vec::new(),
        blockers: Vec::new(),
    };
    if to <= from {
        return Ok(path);
    }

    let rules = &releases.upgrades;
    path.stops = rules
        .required_stop
        .iter()
        .filter(|stop| stop.release.release() > from && stop.release.release() < to)
        .map(|stop| Stop {
            release: stop.release.release(),
            reason: stop.reason.clone(),
            source: stop.source.clone(),
        })
        .collect();
    path.stops.sort_by(|a, b| a.release.cmp(&b.release));

    let method_forbids = requirements.method.as_ref().is_some_and(|method| {
        rules
            .no_multi_version_methods
            .iter()
            .any(|m| **m == *method)
    });
    let mut waypoints = vec![from.clone()];
    waypoints.extend(path.stops.iter().map(|s| s.release.clone()));
    waypoints.push(to.clone());
    for leg in waypoints.windows(2) {
        let (start, end) = (&leg[0], &leg[1]);
        let between: Vec<&Version> = minors.iter().filter(|m| *m > start && *m <= end).collect();
        let multi_allowed = !method_forbids && *start >= rules.multi_version_from;
        if between.len() > 1 && multi_allowed {
            path.hops.push(Hop {
                from: start.clone(),
                to: end.clone(),
                kind: HopKind::MultiVersion,
                downtime: rules.multi_version_downtime.clone(),
                because: format!(
                    "{} minor releases at once; allowed from {} on",
                    between.len(),
                    rules.multi_version_from
                ),
                source: rules.source.clone(),
                notes: releases.find(end).and_then(|r| r.notes.clone()),
            });
            continue;
        }
        let because = if between.len() == 1 {
            "one minor release forward".to_string()
        } else if method_forbids {
            format!(
                "{} allows no multi-version upgrade",
                requirements
                    .method
                    .as_ref()
                    .map_or("this method".into(), ToString::to_string)
            )
        } else {
            format!(
                "multi-version upgrades start from {}",
                rules.multi_version_from
            )
        };
        let mut previous = start.clone();
        for next in between {
            path.hops.push(Hop {
                from: previous.clone(),
                to: next.clone(),
                kind: HopKind::Standard,
                downtime: rules.standard_downtime.clone(),
                because: because.clone(),
                source: rules.source.clone(),
                notes: releases.find(next).and_then(|r| r.notes.clone()),
            });
            previous = next.clone();
        }
    }
    path.blockers = blockers(site, &minors, &from, &to, requirements);
    Ok(path)
}

/// Incompatible rules conditioned on the release that do not apply now but
/// would apply at a release on the way.
fn blockers(
    site: &Site,
    minors: &[Version],
    from: &Version,
    to: &Version,
    requirements: &Requirements,
) -> Vec<Blocker> {
    let at = |release: &Version| Requirements {
        release: Some(release.clone()),
        ..requirements.clone()
    };
    let now = at(from);
    let mut found = Vec::new();
    for rule in &site.support.rule {
        let conditioned_on_release = holds(&rule.when, Dimension::Release, &now).is_some();
        if *rule.status != Status::Incompatible
            || !conditioned_on_release
            || matches(&rule.when, &now)
        {
            continue;
        }
        let first = minors
            .iter()
            .filter(|m| *m > from && *m <= to)
            .find(|m| matches(&rule.when, &at(m)));
        if let Some(release) = first {
            found.push(Blocker {
                release: release.clone(),
                rule: rule.id.to_string(),
                reason: rule.reason.clone(),
                source: rule.source.clone(),
            });
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::fixture;

    fn v(text: &str) -> Version {
        text.parse().unwrap()
    }

    fn path(from: &str, to: &str, method: &str, postgres: Option<&str>) -> UpgradePath {
        let site = fixture("analysis");
        let mut requirements = Requirements {
            method: Some(method.parse().unwrap()),
            ..Requirements::default()
        };
        if let Some(version) = postgres {
            requirements.external.insert(
                "postgres".parse().unwrap(),
                crate::analysis::requirements::ExternalVersion::Version(v(version)),
            );
        }
        upgrade_path(&site, &v(from), &v(to), &requirements).unwrap()
    }

    fn hops(path: &UpgradePath) -> Vec<(String, String, HopKind)> {
        path.hops
            .iter()
            .map(|h| (h.from.to_string(), h.to.to_string(), h.kind))
            .collect()
    }

    #[test]
    fn one_minor_is_a_standard_hop() {
        let path = path("6.1.500", "6.2", "helm", None);
        assert_eq!(
            hops(&path),
            [("6.1".into(), "6.2".into(), HopKind::Standard)]
        );
        assert_eq!(
            path.hops[0].downtime,
            "Rolling on Kubernetes; minutes elsewhere."
        );
    }

    #[test]
    fn several_minors_are_one_multi_version_hop() {
        let path = path("6.0", "6.2", "helm", None);
        assert_eq!(
            hops(&path),
            [("6.0".into(), "6.2".into(), HopKind::MultiVersion)]
        );
        assert_eq!(
            path.hops[0].downtime,
            "Required: plan a maintenance window."
        );
    }

    #[test]
    fn a_required_stop_splits_the_path() {
        let path = path("5.9", "6.2", "helm", None);
        assert_eq!(
            hops(&path),
            [
                ("5.9".into(), "5.10".into(), HopKind::Standard),
                ("5.10".into(), "6.2".into(), HopKind::MultiVersion),
            ]
        );
        assert_eq!(path.stops.len(), 1);
        assert_eq!(
            path.stops[0].reason,
            "The built-in PostgreSQL moves from 12 to 16."
        );
    }

    #[test]
    fn machine_images_take_every_minor_in_turn() {
        let path = path("6.0", "6.2", "machine-image", None);
        assert_eq!(
            hops(&path),
            [
                ("6.0".into(), "6.1".into(), HopKind::Standard),
                ("6.1".into(), "6.2".into(), HopKind::Standard),
            ]
        );
        assert_eq!(
            path.hops[1].because,
            "machine-image allows no multi-version upgrade"
        );
    }

    #[test]
    fn an_old_postgres_blocks_the_way_at_6_0() {
        let path = path("5.11", "6.2", "helm", Some("15"));
        assert_eq!(path.blockers.len(), 1);
        let blocker = &path.blockers[0];
        assert_eq!(
            (blocker.release.to_string(), blocker.rule.as_str()),
            ("6.0".into(), "external-postgres-below-16")
        );
        assert_eq!(blocker.source, "https://example.internal/postgres");
        assert!(path_to_current_has_no_blocker());
    }

    fn path_to_current_has_no_blocker() -> bool {
        path("5.10", "5.11", "helm", Some("15")).blockers.is_empty()
    }

    #[test]
    fn already_there_and_unknown_releases() {
        assert!(path("6.2.1000", "6.2", "helm", None).is_current());
        let site = fixture("analysis");
        let error =
            upgrade_path(&site, &v("4.0"), &v("6.2"), &Requirements::default()).unwrap_err();
        assert_eq!(error, "release 4.0 is not in the release catalog");
    }
}
