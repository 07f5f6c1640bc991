//! The fleet dashboard on `/`.

use serde::Serialize;

use super::{Link, Names, StatusView, percent, status_view};
use crate::analysis::fleet::{ADOPTION_GOAL_DAYS, Count, fleet};
use crate::model::{Engagement, EngagementStatus, Level, Site};
use crate::render::charts::{Bar, bars};

/// Rows a dashboard table shows: the dashboard summarises the fleet, and
/// a table of thousands of rows would bury it (and cost every build).
pub const DASHBOARD_ROWS: usize = 20;
/// Customers named in a row of counts before "and N more".
pub const NAMES_PER_ROW: usize = 12;

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

pub fn home_view(
    site: &Site,
    analysis: &crate::analysis::Analysis,
    urls: &crate::render::urls::Urls,
) -> HomeView {
    let all: Vec<&Engagement> = site.engagements.iter().map(|e| &**e).collect();
    let fleet = fleet(site, &all, analysis);
    let names = Names::new(site);
    let by_id: rustc_hash::FxHashMap<&str, &Engagement> = site
        .engagements
        .iter()
        .map(|e| (e.id.as_str(), &**e))
        .collect();
    let link = |id: &str| {
        Link::new(
            by_id.get(id).map_or(id, |e| e.customer.as_str()),
            format!("engagements/{id}/"),
        )
    };
    let count = |status: EngagementStatus| {
        site.engagements
            .iter()
            .filter(|e| e.status == status)
            .count()
    };
    let window: Vec<String> = site
        .releases
        .support_window()
        .iter()
        .map(ToString::to_string)
        .collect();
    let rows = |counts: &[Count], key: &str, label: &dyn Fn(&str) -> String| -> Vec<CountRow> {
        counts
            .iter()
            .map(|c| CountRow {
                value: c.value.clone(),
                label: label(&c.value),
                count: c.engagements.len(),
                percent: percent(c.engagements.len(), fleet.engagements),
                filter: format!("engagements/?{key}={}", c.value),
                engagements: c
                    .engagements
                    .iter()
                    .take(NAMES_PER_ROW)
                    .map(|id| link(id))
                    .collect(),
                more: c.engagements.len().saturating_sub(NAMES_PER_ROW),
                supported: key == "release" && window.contains(&c.value),
            })
            .collect()
    };
    let mut adoption_days: Vec<i64> = fleet.adoption.iter().map(|a| a.days).collect();
    adoption_days.sort();
    // Each table's most pressing rows first; sorts are stable, so ties
    // keep the fleet's order.
    let mut flagged: Vec<_> = fleet
        .deprecated
        .iter()
        .chain(&fleet.not_supported)
        .collect();
    flagged.sort_by_key(|f| std::cmp::Reverse(f.status));
    let mut adoption: Vec<_> = fleet.adoption.iter().collect();
    adoption.sort_by_key(|a| std::cmp::Reverse(a.days));
    let mut risks: Vec<_> = fleet.open_risks.iter().collect();
    risks.sort_by_key(|r| std::cmp::Reverse((r.impact, r.likelihood)));
    // Rows are made only for what the table shows.
    let mut in_progress: Vec<(u32, &crate::analysis::fleet::ExitProgress, &Engagement)> = fleet
        .exit_criteria
        .iter()
        .filter_map(|p| {
            let engagement = *by_id.get(p.engagement)?;
            (engagement.status != EngagementStatus::HandedOff)
                .then(|| (percent(p.done, p.total), p, engagement))
        })
        .collect();
    in_progress.sort_by_key(|(percent, _, _)| *percent);
    let progress_total = in_progress.len();
    let progress: Vec<ProgressRow> = in_progress
        .into_iter()
        .take(DASHBOARD_ROWS)
        .map(|(percent, p, engagement)| ProgressRow {
            engagement: link(p.engagement),
            status: engagement.status.id().to_string(),
            done: p.done,
            total: p.total,
            percent,
        })
        .collect();
    let mut view = HomeView {
        engagements: fleet.engagements,
        handed_off: count(EngagementStatus::HandedOff),
        in_progress: count(EngagementStatus::InProgress),
        planned: count(EngagementStatus::Planned),
        latest_release: site
            .releases
            .latest()
            .map_or(String::new(), |v| v.to_string()),
        within_one_release: fleet.within_one_release,
        within_one_release_percent: percent(fleet.within_one_release, fleet.engagements),
        by_method: rows(&fleet.by_method, "method", &|id| names.method(id)),
        by_provider: rows(&fleet.by_provider, "provider", &|id| names.provider(id)),
        by_size: rows(&fleet.by_size, "size", &|id| names.size(id)),
        by_release: rows(&fleet.by_release, "release", &|id| id.to_string()),
        window,
        flagged: flagged
            .iter()
            .take(DASHBOARD_ROWS)
            .map(|f| FlagRow {
                engagement: link(f.engagement),
                rule: f.rule.to_string(),
                status: status_view(site, f.status),
            })
            .collect(),
        flagged_total: flagged.len(),
        adoption: adoption
            .iter()
            .take(DASHBOARD_ROWS)
            .map(|a| AdoptionRow {
                engagement: link(a.engagement),
                release: a.release.to_string(),
                days: a.days,
                within_goal: a.days <= ADOPTION_GOAL_DAYS,
            })
            .collect(),
        adoption_total: adoption.len(),
        adoption_goal_days: ADOPTION_GOAL_DAYS,
        adopted_within_goal: fleet.adopted_within_a_month,
        median_adoption_days: adoption_days.get(adoption_days.len() / 2).copied(),
        high_impact_risks: fleet
            .open_risks
            .iter()
            .filter(|r| r.impact == Level::High)
            .count(),
        risks: risks
            .iter()
            .take(DASHBOARD_ROWS)
            .map(|r| RiskRow {
                engagement: link(r.engagement),
                title: r.title.to_string(),
                likelihood: r.likelihood,
                impact: r.impact,
            })
            .collect(),
        risks_total: risks.len(),
        progress_total,
        progress,
        escalations: fleet
            .escalations
            .iter()
            .map(|c| c.value.parse::<usize>().unwrap_or(0))
            .sum(),
        charts: Charts::default(),
    };
    view.charts = charts(&view, urls);
    view
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
