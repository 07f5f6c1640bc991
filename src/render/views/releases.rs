//! The releases page: catalog, support window, upgrade rules and the path
//! from each release to the latest.

use serde::Serialize;

use super::home::NAMES_PER_ROW;
use super::{Link, Names};
use crate::analysis::fleet::Fleet;
use crate::analysis::requirements::Requirements;
use crate::analysis::upgrades::{HopKind, UpgradePath, upgrade_path};
use crate::model::Site;

#[derive(Debug, Serialize)]
pub struct ReleasesView {
    pub latest: String,
    pub window: Vec<String>,
    pub window_size: u32,
    pub policy_source: Option<String>,
    pub releases: Vec<ReleaseRow>,
    pub standard_downtime: String,
    pub multi_version_downtime: String,
    pub multi_version_from: String,
    pub no_multi_version: Vec<String>,
    pub upgrades_source: Option<String>,
    pub stops: Vec<StopRow>,
    /// Each customer's path, rendered row by row (see
    /// `release-path-row.html`).
    pub paths_html: String,
}

#[derive(Debug, Serialize)]
pub struct ReleaseRow {
    pub version: String,
    pub ga: String,
    pub supported: bool,
    pub latest: bool,
    pub notes: Option<String>,
    pub summary: String,
    /// The first [`NAMES_PER_ROW`] customers on the release.
    pub engagements: Vec<Link>,
    /// Customers not named, and the list filtered to the release.
    pub more: usize,
    pub filter: String,
    pub path: String,
}

#[derive(Debug, Serialize)]
pub struct StopRow {
    pub release: String,
    pub reason: String,
    pub source: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct EngagementPathRow {
    pub engagement: Link,
    pub release: String,
    pub method: String,
    pub path: String,
    pub blockers: Vec<String>,
}

/// "5.9 → 5.10 (standard) → 7.6 (multi-version)".
pub fn describe(path: &UpgradePath) -> String {
    if path.is_current() {
        return "current".to_string();
    }
    let mut text = path.from.to_string();
    for hop in &path.hops {
        let kind = match hop.kind {
            HopKind::Standard => "standard",
            HopKind::MultiVersion => "multi-version",
        };
        text.push_str(&format!(" → {} ({kind})", hop.to));
    }
    text
}

/// The releases page around `paths_html`, the rows of each customer's path
/// made by [`path_row`].
pub fn releases_view(site: &Site, fleet: &Fleet, paths_html: String) -> ReleasesView {
    let names = Names::new(site);
    let latest = site.releases.latest();
    let window = site.releases.support_window();
    let mut releases: Vec<_> = site.releases.release.iter().collect();
    releases.sort_by(|a, b| b.version.cmp(&a.version));
    let rules = &site.releases.upgrades;
    ReleasesView {
        latest: latest.as_ref().map_or(String::new(), ToString::to_string),
        window: window.iter().map(ToString::to_string).collect(),
        window_size: *site.releases.support_window.value(),
        policy_source: site.releases.policy_source.clone(),
        releases: releases
            .iter()
            .map(|r| {
                let minor = r.version.release();
                let path = latest
                    .as_ref()
                    .and_then(|latest| {
                        upgrade_path(site, &minor, latest, &Requirements::default()).ok()
                    })
                    .map_or(String::new(), |p| describe(&p));
                let on_release = fleet.by_release.get(&minor.release_key());
                let count = on_release.map_or(0, |group| group.count);
                ReleaseRow {
                    version: r.version.to_string(),
                    ga: r.ga.to_string(),
                    supported: window.contains(&minor),
                    latest: latest.as_ref() == Some(&minor),
                    notes: r.notes.clone(),
                    summary: r.summary.clone(),
                    more: count.saturating_sub(NAMES_PER_ROW),
                    filter: format!("engagements/?release={minor}"),
                    engagements: on_release
                        .iter()
                        .flat_map(|group| &group.first)
                        .map(|member| {
                            Link::new(
                                member.customer.as_str(),
                                format!("engagements/{}/", member.id),
                            )
                        })
                        .collect(),
                    path,
                }
            })
            .collect(),
        standard_downtime: rules.standard_downtime.clone(),
        multi_version_downtime: rules.multi_version_downtime.clone(),
        multi_version_from: rules.multi_version_from.to_string(),
        no_multi_version: rules
            .no_multi_version_methods
            .iter()
            .map(|m| names.method(m.as_str()))
            .collect(),
        upgrades_source: rules.source.clone(),
        stops: rules
            .required_stop
            .iter()
            .map(|s| StopRow {
                release: s.release.to_string(),
                reason: s.reason.clone(),
                source: s.source.clone(),
            })
            .collect(),
        paths_html,
    }
}

/// One row of each customer's path, when the analysis found one.
pub fn path_row(
    site: &Site,
    e: &crate::model::Engagement,
    facts: &crate::analysis::EngagementFacts,
) -> Option<EngagementPathRow> {
    let path = facts.path.as_ref()?;
    Some(EngagementPathRow {
        engagement: Link::new(
            e.customer.clone(),
            format!("engagements/{}/", e.id.as_str()),
        ),
        release: e.deployment.release.to_string(),
        method: Names::new(site).method(e.deployment.method.as_str()),
        path: describe(path),
        blockers: path
            .blockers
            .iter()
            .map(|b| format!("{} at {}: {}", b.rule, b.release, b.reason))
            .collect(),
    })
}
