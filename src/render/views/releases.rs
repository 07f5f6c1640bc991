//! The releases page: catalog, support window, upgrade rules and the path
//! from each release to the latest.

use serde::Serialize;

use super::{Link, Names};
use crate::analysis::Analysis;
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
    pub engagements: Vec<EngagementPathRow>,
}

#[derive(Debug, Serialize)]
pub struct ReleaseRow {
    pub version: String,
    pub ga: String,
    pub supported: bool,
    pub latest: bool,
    pub notes: Option<String>,
    pub summary: String,
    pub engagements: Vec<Link>,
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

pub fn releases_view(site: &Site, analysis: &Analysis) -> ReleasesView {
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
                ReleaseRow {
                    version: r.version.to_string(),
                    ga: r.ga.to_string(),
                    supported: window.contains(&minor),
                    latest: latest.as_ref() == Some(&minor),
                    notes: r.notes.clone(),
                    summary: r.summary.clone(),
                    engagements: site
                        .engagements
                        .iter()
                        .filter(|e| e.deployment.release.release() == minor)
                        .map(|e| {
                            Link::new(
                                e.customer.clone(),
                                format!("engagements/{}/", e.id.as_str()),
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
        engagements: site
            .engagements
            .iter()
            .filter_map(|e| {
                let path = analysis.of_engagement(e.id.as_str()).path.as_ref()?;
                Some(EngagementPathRow {
                    engagement: Link::new(
                        e.customer.clone(),
                        format!("engagements/{}/", e.id.as_str()),
                    ),
                    release: e.deployment.release.to_string(),
                    method: names.method(e.deployment.method.as_str()),
                    path: describe(path),
                    blockers: path
                        .blockers
                        .iter()
                        .map(|b| format!("{} at {}: {}", b.rule, b.release, b.reason))
                        .collect(),
                })
            })
            .collect(),
    }
}
