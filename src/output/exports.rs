//! Machine-readable exports: each engagement as JSON, the fleet as CSV, and
//! the support rules for the browser checker.

use serde::Serialize;

use crate::analysis::deviations::EngagementDeviations;
use crate::analysis::requirements::Dimension;
use crate::analysis::{Analysis, EngagementFacts};
use crate::model::{Catalog, Engagement, ExceptionProcess, Limits, Rule, Site, Status};

#[derive(Serialize)]
struct EngagementExport<'a> {
    engagement: &'a Engagement,
    derived: Derived,
    analysis: &'a EngagementDeviations,
}

/// Figures the record never types, derived from it.
#[derive(Serialize)]
struct Derived {
    repositories_synced: u64,
    nodes: u64,
    total_vcpu: u64,
    total_memory_bytes: u64,
    total_disk_bytes: u64,
    size: String,
}

/// `engagements/<id>.json`.
pub fn engagement_json(engagement: &Engagement, facts: &EngagementFacts) -> Vec<u8> {
    let totals = engagement.resourcing.totals();
    let export = EngagementExport {
        engagement,
        derived: Derived {
            repositories_synced: engagement.code.repositories_synced(),
            nodes: totals.nodes,
            total_vcpu: totals.vcpu,
            total_memory_bytes: totals.memory.bytes(),
            total_disk_bytes: totals.disk.bytes(),
            size: facts.size.clone(),
        },
        analysis: &facts.deviations,
    };
    let mut json = serde_json::to_vec(&export).expect("engagements serialize");
    json.push(b'\n');
    json
}

/// `fleet.csv`: one row per engagement.
pub fn fleet_csv(site: &Site, analysis: &Analysis) -> Vec<u8> {
    use rayon::prelude::*;
    let rows: Vec<String> = site
        .engagements
        .par_iter()
        .map(|e| fleet_csv_row(e, analysis.of_engagement(e.id.as_str())))
        .collect();
    fleet_csv_from_rows(&rows)
}

/// The CSV from its rows (see [`fleet_csv_row`]), in engagement order.
/// Sized up front: on a large fleet it is megabytes, made on every `serve`
/// rebuild.
pub fn fleet_csv_from_rows<R: AsRef<str>>(rows: &[R]) -> Vec<u8> {
    let header = FLEET_CSV_HEADER.join(",") + "\n";
    let size = header.len() + rows.iter().map(|row| row.as_ref().len()).sum::<usize>();
    let mut csv = Vec::with_capacity(size);
    csv.extend_from_slice(header.as_bytes());
    for row in rows {
        csv.extend_from_slice(row.as_ref().as_bytes());
    }
    csv
}

const FLEET_CSV_HEADER: [&str; 18] = [
    "id",
    "customer",
    "status",
    "strategy",
    "method",
    "provider",
    "region",
    "release",
    "kubernetes",
    "arch",
    "size",
    "licensed_users",
    "repositories",
    "nodes",
    "total_vcpu",
    "total_memory_gb",
    "handoff",
    "technical_advisor",
];

/// One engagement's line of the fleet CSV, with its newline.
pub fn fleet_csv_row(e: &Engagement, facts: &crate::analysis::EngagementFacts) -> String {
    let totals = e.resourcing.totals();
    let row = [
        e.id.to_string(),
        e.customer.clone(),
        e.status.id().to_string(),
        e.strategy.to_string(),
        e.deployment.method.to_string(),
        e.deployment.provider.to_string(),
        e.deployment.region.clone(),
        e.deployment.release.to_string(),
        e.deployment
            .kubernetes_version
            .as_ref()
            .map_or(String::new(), |v| v.to_string()),
        e.deployment.arch.to_string(),
        facts.size.clone(),
        e.usage.licensed_users.to_string(),
        e.code.repositories_synced().to_string(),
        totals.nodes.to_string(),
        totals.vcpu.to_string(),
        format!("{:.1}", totals.memory.gigabytes()),
        e.dates
            .handoff
            .as_ref()
            .map_or(String::new(), |d| d.to_string()),
        e.team.technical_advisor.clone(),
    ];
    let mut line = row
        .iter()
        .map(|cell| csv_cell(cell))
        .collect::<Vec<_>>()
        .join(",");
    line.push('\n');
    line
}

/// Quotes a CSV cell, and defuses cells a spreadsheet would run as a
/// formula: starting with `=`, `+`, `-`, `@`, tab or carriage return, also
/// after leading spaces, which some spreadsheets skip.
pub fn csv_cell(cell: &str) -> String {
    let starts_formula = cell
        .trim_start_matches(' ')
        .starts_with(['=', '+', '-', '@', '\t', '\r']);
    let defused = if starts_formula && cell.trim().parse::<f64>().is_err() {
        format!("'{cell}")
    } else {
        cell.to_string()
    };
    if defused.contains([',', '"', '\n', '\r']) || defused != cell {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}

#[derive(Serialize)]
struct SupportExport<'a> {
    version: u32,
    /// Statuses from best to worst, with their words.
    statuses: Vec<StatusExport<'a>>,
    dimensions: Vec<&'static str>,
    catalog: &'a Catalog,
    releases: Vec<String>,
    rules: &'a [Rule],
    sizes: Vec<SizeExport<'a>>,
    exception: &'a ExceptionProcess,
}

#[derive(Serialize)]
struct StatusExport<'a> {
    id: &'static str,
    label: &'a str,
    description: &'a str,
}

#[derive(Serialize)]
struct SizeExport<'a> {
    id: &'a str,
    name: &'a str,
    limits: &'a Limits,
}

/// `support/support.json`: everything the browser checker needs, so that it
/// hard-codes none of it.
pub fn support_json(site: &Site) -> Vec<u8> {
    let export = SupportExport {
        version: 1,
        statuses: Status::ALL
            .iter()
            .map(|status| {
                let label = site
                    .catalog
                    .status
                    .iter()
                    .find(|s| *s.id.value() == *status);
                StatusExport {
                    id: status.id(),
                    label: label.map_or(status.id(), |l| l.name.as_str()),
                    description: label.map_or("", |l| l.description.as_str()),
                }
            })
            .collect(),
        dimensions: Dimension::ALL.iter().map(|d| d.name()).collect(),
        catalog: &site.catalog,
        releases: site
            .releases
            .minors()
            .iter()
            .map(ToString::to_string)
            .collect(),
        rules: &site.support.rule,
        sizes: site
            .sizes
            .iter()
            .map(|s| SizeExport {
                id: s.id.as_str(),
                name: &s.name,
                limits: &s.limits,
            })
            .collect(),
        exception: &site.support.exception,
    };
    let mut json = serde_json::to_vec_pretty(&export).expect("rules serialize");
    json.push(b'\n');
    json
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_defused_and_quoted() {
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("+1 555"), "\"'+1 555\"");
        assert_eq!(csv_cell("@SUM(A1)"), "\"'@SUM(A1)\"");
        assert_eq!(csv_cell("-12"), "-12", "a negative number stays a number");
        assert_eq!(csv_cell("Acme, Inc."), "\"Acme, Inc.\"");
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("  =1+1"), "\"'  =1+1\"", "after spaces too");
        assert_eq!(csv_cell("\t=1+1"), "\"'\t=1+1\"");
    }
}
