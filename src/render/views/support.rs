//! The support page: matrices computed from the rules, the legend, every
//! rule with its source, and the exception process.

use serde::Serialize;

use super::{Link, StatusView, status_view};
use crate::analysis::requirements::{Dimension, ExternalVersion, Requirements};
use crate::analysis::support::evaluate;
use crate::model::{ExceptionProcess, Rule, Site, Version, VersionRange};

#[derive(Debug, Serialize)]
pub struct SupportView {
    pub matrices: Vec<Matrix>,
    pub rules: Vec<RuleRow>,
    pub exception: ExceptionProcess,
    pub sizes: Vec<Link>,
    pub latest_release: String,
}

/// A table of verdicts: one requirement per row, another per column.
#[derive(Debug, Serialize)]
pub struct Matrix {
    pub id: String,
    pub title: String,
    pub caption: String,
    pub row_header: String,
    pub columns: Vec<String>,
    pub rows: Vec<MatrixRow>,
}

#[derive(Debug, Serialize)]
pub struct MatrixRow {
    pub label: String,
    pub cells: Vec<Cell>,
}

#[derive(Debug, Serialize)]
pub struct Cell {
    pub status: StatusView,
    /// The rule that decides the cell (the most severe), for the link.
    pub rule: Option<String>,
    /// Every rule behind the cell, for its title.
    pub rules: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct RuleRow {
    pub id: String,
    pub status: StatusView,
    pub when: String,
    pub reason: String,
    pub source: String,
}

pub fn support_view(site: &Site) -> SupportView {
    let latest = site.releases.latest();
    let mut matrices = vec![
        method_by(
            site,
            "method-provider",
            "Deployment method × hosting provider",
            "Provider",
            |r, id| r.provider = id.parse().ok(),
            site.catalog
                .provider
                .iter()
                .map(|p| (p.id.to_string(), p.name.clone()))
                .collect(),
        ),
        method_by(
            site,
            "method-environment",
            "Deployment method × environment",
            "Environment",
            |r, id| r.environment = id.parse().ok(),
            site.catalog
                .environment
                .iter()
                .map(|e| (e.id.to_string(), e.name.clone()))
                .collect(),
        ),
        method_by(
            site,
            "method-feature",
            "Deployment method × feature",
            "Feature",
            |r, id| r.feature = id.parse().ok().into_iter().collect(),
            site.catalog
                .feature
                .iter()
                .map(|f| (f.id.to_string(), f.name.clone()))
                .collect(),
        ),
        grid(
            site,
            "arch-environment",
            "CPU architecture × environment",
            "Architecture",
            site.catalog
                .arch
                .iter()
                .map(|a| (a.id.to_string(), a.name.clone()))
                .collect(),
            site.catalog
                .environment
                .iter()
                .map(|e| (e.id.to_string(), e.name.clone()))
                .collect(),
            |r, row, column| {
                r.arch = row.parse().ok();
                r.environment = column.parse().ok();
            },
        ),
        grid(
            site,
            "executor-provider",
            "Executor runtime × hosting provider",
            "Executor",
            site.catalog
                .executor
                .iter()
                .map(|e| (e.id.to_string(), e.name.clone()))
                .collect(),
            site.catalog
                .provider
                .iter()
                .map(|p| (p.id.to_string(), p.name.clone()))
                .collect(),
            |r, row, column| {
                r.executor = row.parse().ok();
                r.provider = column.parse().ok();
            },
        ),
    ];
    matrices.push(versions(
        site,
        "kubernetes",
        "Kubernetes versions",
        Dimension::Kubernetes,
        None,
    ));
    let releases: Vec<(String, Requirements)> = site
        .releases
        .minors()
        .iter()
        .rev()
        .map(|v| {
            (
                v.to_string(),
                Requirements {
                    release: Some(v.clone()),
                    ..Requirements::default()
                },
            )
        })
        .collect();
    matrices.push(single_column(
        site,
        "releases",
        "Releases",
        "Release",
        "Verdict for each release in the catalog.",
        releases,
    ));
    for external in site.catalog.external.iter().filter(|e| e.versioned) {
        matrices.push(versions(
            site,
            &format!("external-{}", external.id.as_str()),
            &format!("External {}", external.name),
            Dimension::External,
            Some((external.id.as_str(), latest.clone())),
        ));
    }
    let unversioned: Vec<(String, Requirements)> = site
        .catalog
        .external
        .iter()
        .filter(|e| !e.versioned)
        .map(|e| {
            let mut r = Requirements::default();
            r.external
                .insert(e.id.value().clone(), ExternalVersion::Unversioned(true));
            (e.name.clone(), r)
        })
        .collect();
    if !unversioned.is_empty() {
        matrices.push(single_column(
            site,
            "external-unversioned",
            "Other external services",
            "Service",
            "Verdict when the service runs outside the deployment.",
            unversioned,
        ));
    }
    SupportView {
        matrices,
        rules: site
            .support
            .rule
            .iter()
            .map(|rule| rule_row(site, rule))
            .collect(),
        exception: site.support.exception.clone(),
        sizes: site
            .sizes
            .iter()
            .map(|s| {
                Link::new(
                    s.name.clone(),
                    format!("reference-architectures/{}/", s.id.as_str()),
                )
            })
            .collect(),
        latest_release: latest.map_or(String::new(), |v| v.to_string()),
    }
}

fn cell(site: &Site, requirements: &Requirements) -> Cell {
    let verdict = evaluate(site, requirements);
    let deciding = verdict
        .rules
        .iter()
        .find(|r| r.status == verdict.status)
        .map(|r| r.id.clone());
    Cell {
        status: status_view(site, verdict.status),
        rule: deciding,
        rules: verdict
            .rules
            .iter()
            .map(|r| format!("{} ({})", r.id, r.status))
            .collect(),
    }
}

fn method_by(
    site: &Site,
    id: &str,
    title: &str,
    column_kind: &str,
    set: impl Fn(&mut Requirements, &str),
    columns: Vec<(String, String)>,
) -> Matrix {
    let rows = site
        .catalog
        .method
        .iter()
        .map(|m| (m.id.to_string(), m.name.clone()))
        .collect();
    let mut matrix = grid(
        site,
        id,
        title,
        "Method",
        rows,
        columns,
        |r, row, column| {
            r.method = row.parse().ok();
            set(r, column);
        },
    );
    matrix.caption = format!(
        "Each cell is the verdict for that method with that {}, nothing else given.",
        column_kind.to_lowercase()
    );
    matrix
}

fn grid(
    site: &Site,
    id: &str,
    title: &str,
    row_header: &str,
    rows: Vec<(String, String)>,
    columns: Vec<(String, String)>,
    set: impl Fn(&mut Requirements, &str, &str),
) -> Matrix {
    Matrix {
        id: id.to_string(),
        title: title.to_string(),
        caption: "Each cell is the verdict for that pair, nothing else given.".to_string(),
        row_header: row_header.to_string(),
        columns: columns.iter().map(|(_, name)| name.clone()).collect(),
        rows: rows
            .iter()
            .map(|(row_id, row_name)| MatrixRow {
                label: row_name.clone(),
                cells: columns
                    .iter()
                    .map(|(column_id, _)| {
                        let mut requirements = Requirements::default();
                        set(&mut requirements, row_id, column_id);
                        cell(site, &requirements)
                    })
                    .collect(),
            })
            .collect(),
    }
}

fn single_column(
    site: &Site,
    id: &str,
    title: &str,
    row_header: &str,
    caption: &str,
    rows: Vec<(String, Requirements)>,
) -> Matrix {
    Matrix {
        id: id.to_string(),
        title: title.to_string(),
        caption: caption.to_string(),
        row_header: row_header.to_string(),
        columns: vec!["Verdict".to_string()],
        rows: rows
            .iter()
            .map(|(label, requirements)| MatrixRow {
                label: label.clone(),
                cells: vec![cell(site, requirements)],
            })
            .collect(),
    }
}

/// One row per band of versions between the bounds the rules use, each
/// judged at a version inside it. External services are judged at the
/// latest release, since rules combine them with the release.
fn versions(
    site: &Site,
    id: &str,
    title: &str,
    dimension: Dimension,
    external: Option<(&str, Option<Version>)>,
) -> Matrix {
    let ranges: Vec<&VersionRange> = site
        .support
        .rule
        .iter()
        .filter_map(|rule| match (dimension, &external) {
            (Dimension::Kubernetes, _) => rule.when.kubernetes.as_ref().map(|r| r.value()),
            (Dimension::External, Some((kind, _))) => rule.when.external.as_ref().and_then(|map| {
                map.iter()
                    .find(|(k, _)| k.as_str() == *kind)
                    .map(|(_, r)| r.value())
            }),
            _ => None,
        })
        .collect();
    let mut bounds: Vec<Version> = ranges
        .iter()
        .flat_map(|r| r.comparators().iter().map(|(_, v)| v.clone()))
        .collect();
    bounds.sort();
    bounds.dedup();
    let requirements_at = |version: &Version| {
        let mut r = Requirements::default();
        match &external {
            Some((kind, release)) => {
                r.external.insert(
                    kind.parse().expect("catalog id"),
                    ExternalVersion::Version(version.clone()),
                );
                r.release = release.clone();
            }
            None => r.kubernetes = Some(version.clone()),
        }
        r
    };
    let mut rows = Vec::new();
    if let Some(first) = bounds.first()
        && let Some(below) = previous(first)
    {
        rows.push((format!("{below} and older"), requirements_at(&below)));
    }
    for (i, bound) in bounds.iter().enumerate() {
        let label = match bounds.get(i + 1).and_then(previous) {
            Some(end) if end > *bound => format!("{bound} – {end}"),
            Some(_) => bound.to_string(),
            None => format!("{bound} and newer"),
        };
        rows.push((label, requirements_at(bound)));
    }
    let caption = match &external {
        Some((_, Some(release))) => format!(
            "Verdict for each band of versions the rules distinguish, at release {release}."
        ),
        _ => "Verdict for each band of versions the rules distinguish.".to_string(),
    };
    single_column(site, id, title, "Version", &caption, rows)
}

/// The version just below `version` at its precision: 1.19 → 1.18, 16 → 15.
fn previous(version: &Version) -> Option<Version> {
    let mut parts = version.components().to_vec();
    let last = parts.last_mut()?;
    if *last == 0 {
        return None;
    }
    *last -= 1;
    Some(Version::new(&parts))
}

fn rule_row(site: &Site, rule: &Rule) -> RuleRow {
    RuleRow {
        id: rule.id.to_string(),
        status: status_view(site, *rule.status),
        when: describe_conditions(rule),
        reason: rule.reason.clone(),
        source: rule.source.clone(),
    }
}

/// `method = kustomize, release < 4.5`.
fn describe_conditions(rule: &Rule) -> String {
    let when = serde_json::to_value(rule.when.value()).unwrap_or_default();
    let Some(map) = when.as_object() else {
        return String::new();
    };
    map.iter()
        .map(|(key, value)| {
            let text = match value {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Array(items) => items
                    .iter()
                    .filter_map(|i| i.as_str())
                    .collect::<Vec<_>>()
                    .join(" or "),
                serde_json::Value::Object(kinds) => kinds
                    .iter()
                    .map(|(kind, range)| format!("{kind} {}", range.as_str().unwrap_or("")))
                    .collect::<Vec<_>>()
                    .join(", "),
                other => other.to_string(),
            };
            if text.starts_with(['<', '>', '=']) || key == "external" {
                format!("{key}: {text}")
            } else {
                format!("{key} = {text}")
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}
