//! The fleet dashboard on `/`.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Link, Names, StatusView, percent, status_view};
use crate::analysis::fleet::{self, ADOPTION_GOAL_DAYS, Fleet, Group, Member};
use crate::model::{Level, Site};
use crate::render::charts::{Bar, bars};

/// Rows a dashboard table shows: the rows the fleet keeps.
pub const DASHBOARD_ROWS: usize = fleet::ROWS;
/// Customers named in a row of counts before "and N more".
pub const NAMES_PER_ROW: usize = fleet::NAMES;

#[derive(Debug, Serialize)]
pub struct HomeView {
    pub engagements: usize,
    pub handed_off: usize,
    pub in_progress: usize,
    pub planned: usize,
    pub latest_release: String,
    pub window: Vec<String>,
    pub within_one_release: usize,
    pub within_one_release_percent: u32,
    pub by_method: Vec<CountRow>,
    pub by_provider: Vec<CountRow>,
    pub by_size: Vec<CountRow>,
    pub by_release: Vec<CountRow>,
    /// The first [`DASHBOARD_ROWS`], unsupported before deprecated.
    pub flagged: Vec<FlagRow>,
    pub flagged_total: usize,
    /// The first [`DASHBOARD_ROWS`], the slowest first.
    pub adoption: Vec<AdoptionRow>,
    pub adoption_total: usize,
    pub adoption_goal_days: i64,
    pub adopted_within_goal: usize,
    pub median_adoption_days: Option<i64>,
    /// The first [`DASHBOARD_ROWS`], highest impact and likelihood first.
    pub risks: Vec<RiskRow>,
    pub risks_total: usize,
    pub high_impact_risks: usize,
    /// The first [`DASHBOARD_ROWS`], least progress first.
    pub progress: Vec<ProgressRow>,
    pub progress_total: usize,
    pub escalations: usize,
    /// Inline SVG charts of the same figures as the tables.
    pub charts: Charts,
}

/// The dashboard's charts, as SVG markup.
#[derive(Debug, Serialize, Default)]
pub struct Charts {
    pub method: String,
    pub provider: String,
    pub size: String,
    pub release: String,
    pub progress: String,
}

#[derive(Debug, Serialize)]
pub struct CountRow {
    pub value: String,
    pub label: String,
    pub count: usize,
    pub percent: u32,
    /// The engagement list filtered to this value.
    pub filter: String,
    /// The first [`NAMES_PER_ROW`] customers.
    pub engagements: Vec<Link>,
    /// Customers not named.
    pub more: usize,
    /// For releases: inside the support window.
    pub supported: bool,
}

#[derive(Debug, Serialize)]
pub struct FlagRow {
    pub engagement: Link,
    pub rule: String,
    pub status: StatusView,
}

#[derive(Debug, Serialize)]
pub struct AdoptionRow {
    pub engagement: Link,
    pub release: String,
    pub days: i64,
    pub within_goal: bool,
}

#[derive(Debug, Serialize)]
pub struct RiskRow {
    pub engagement: Link,
    pub title: String,
    pub likelihood: Level,
    pub impact: Level,
}

#[derive(Debug, Serialize)]
pub struct ProgressRow {
    pub engagement: Link,
    pub status: String,
    pub done: usize,
    pub total: usize,
    pub percent: u32,
}

pub fn home_view(site: &Site, fleet: &Fleet, urls: &crate::render::urls::Urls) -> HomeView {
    let names = Names::new(site);
    let link = |member: &Member| {
        Link::new(
            member.customer.as_str(),
            format!("engagements/{}/", member.id),
        )
    };
    let window: Vec<String> = site
        .releases
        .support_window()
        .iter()
        .map(ToString::to_string)
        .collect();
    let rows = |groups: Vec<(String, &Group)>, key: &str, label: &dyn Fn(&str) -> String| {
        groups
            .into_iter()
            .map(|(value, group)| CountRow {
                label: label(&value),
                count: group.count,
                percent: percent(group.count, fleet.engagements),
                filter: format!("engagements/?{key}={value}"),
                engagements: group.first.iter().map(link).collect(),
                more: group.count.saturating_sub(NAMES_PER_ROW),
                supported: key == "release" && window.contains(&value),
                value,
            })
            .collect::<Vec<CountRow>>()
    };
    let mut view = HomeView {
        engagements: fleet.engagements,
        handed_off: fleet.handed_off,
        in_progress: fleet.in_progress,
        planned: fleet.planned,
        latest_release: site
            .releases
            .latest()
            .map_or(String::new(), |v| v.to_string()),
        within_one_release: fleet.within_one_release,
        within_one_release_percent: percent(fleet.within_one_release, fleet.engagements),
        by_method: rows(largest_first(&fleet.by_method), "method", &|id| {
            names.method(id)
        }),
        by_provider: rows(largest_first(&fleet.by_provider), "provider", &|id| {
            names.provider(id)
        }),
        by_size: rows(largest_first(&fleet.by_size), "size", &|id| names.size(id)),
        by_release: rows(latest_first(&fleet.by_release), "release", &|id| {
            id.to_string()
        }),
        window,
        flagged: fleet
            .flagged
            .items()
            .map(|f| FlagRow {
                engagement: link(&f.engagement),
                rule: f.rule.clone(),
                status: status_view(site, f.status),
            })
            .collect(),
        flagged_total: fleet.flagged.total,
        adoption: fleet
            .adoption
            .items()
            .map(|a| AdoptionRow {
                engagement: link(&a.engagement),
                release: a.release.to_string(),
                days: a.days,
                within_goal: a.days <= ADOPTION_GOAL_DAYS,
            })
            .collect(),
        adoption_total: fleet.adoption.total,
        adoption_goal_days: ADOPTION_GOAL_DAYS,
        adopted_within_goal: fleet.adopted_within_goal(),
        median_adoption_days: fleet.median_adoption_days(),
        high_impact_risks: fleet.high_impact_risks,
        risks: fleet
            .open_risks
            .items()
            .map(|r| RiskRow {
                engagement: link(&r.engagement),
                title: r.title.clone(),
                likelihood: r.likelihood,
                impact: r.impact,
            })
            .collect(),
        risks_total: fleet.open_risks.total,
        progress_total: fleet.exit_criteria.total,
        progress: fleet
            .exit_criteria
            .items()
            .map(|p| ProgressRow {
                engagement: link(&p.engagement),
                status: p.status.id().to_string(),
                done: p.done,
                total: p.total,
                percent: percent(p.done, p.total),
            })
            .collect(),
        escalations: fleet.escalations,
        charts: Charts::default(),
    };
    view.charts = charts(&view, urls);
    view
}

/// Groups by value, the largest first, ties by value.
fn largest_first(groups: &BTreeMap<String, Group>) -> Vec<(String, &Group)> {
    let mut sorted: Vec<(String, &Group)> = groups
        .iter()
        .map(|(value, group)| (value.clone(), group))
        .collect();
    // Stable: ties keep the map's order of values.
    sorted.sort_by_key(|(_, group)| std::cmp::Reverse(group.count));
    sorted
}

/// Groups by release, the latest first.
fn latest_first(groups: &BTreeMap<(u64, u64), Group>) -> Vec<(String, &Group)> {
    groups
        .iter()
        .rev()
        .map(|((major, minor), group)| (format!("{major}.{minor}"), group))
        .collect()
}

fn count_bars(rows: &[CountRow], urls: &crate::render::urls::Urls) -> Vec<Bar> {
    rows.iter()
        .map(|row| Bar {
            label: row.label.clone(),
            value: row.count,
            href: urls.path(&row.filter),
            emphasis: row.supported,
            caption: None,
        })
        .collect()
}

fn charts(view: &HomeView, urls: &crate::render::urls::Urls) -> Charts {
    let total = view.engagements;
    let describe = |rows: &[CountRow]| {
        rows.iter()
            .map(|r| format!("{}: {}", r.label, r.count))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let behind = total - view.within_one_release;
    let mut release_bars = count_bars(&view.by_release, urls);
    for bar in &mut release_bars {
        if bar.emphasis {
            bar.caption = Some(format!("{} (supported)", bar.value));
        }
    }
    let progress: Vec<Bar> = view
        .progress
        .iter()
        .map(|p| Bar {
            label: p.engagement.title.clone(),
            value: p.done,
            href: urls.path(&format!("{}#exit-criteria", p.engagement.path)),
            emphasis: false,
            caption: Some(format!("{} / {}", p.done, p.total)),
        })
        .collect();
    let most = view.progress.iter().map(|p| p.total).max().unwrap_or(1);
    let counts = |id: &str, title: &str, rows: &[CountRow]| {
        bars(id, title, &describe(rows), &count_bars(rows, urls), total)
    };
    Charts {
        method: counts(
            "chart-method",
            "Engagements by deployment method",
            &view.by_method,
        ),
        provider: counts(
            "chart-provider",
            "Engagements by hosting provider",
            &view.by_provider,
        ),
        size: counts("chart-size", "Engagements by reference size", &view.by_size),
        release: bars(
            "chart-release",
            "Engagements by release",
            &format!(
                "{}. Supported window: {}. {behind} of {total} engagements are more than one release behind.",
                describe(&view.by_release),
                view.window.join(", ")
            ),
            &release_bars,
            total,
        ),
        progress: bars(
            "chart-progress",
            "Exit criteria met, implementations in progress",
            &view
                .progress
                .iter()
                .map(|p| format!("{}: {} of {}", p.engagement.title, p.done, p.total))
                .collect::<Vec<_>>()
                .join("; "),
            &progress,
            most,
        ),
    }
}
