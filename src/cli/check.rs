//! `refarch check`: every check, every problem at once, in a form people or
//! CI systems read.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use serde::Serialize;

use super::{EXIT_FAILURE, print_stdout};
use crate::check::check;
use crate::check::external::FetchOptions;
use crate::diagnostics::{Diagnostic, Severity};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckFormat {
    /// Text for people, with the source line and a caret.
    Human,
    /// One JSON document (see README for its fields).
    Json,
    /// GitHub Actions workflow commands, shown as annotations on the lines.
    Github,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Deny {
    /// Fail on warnings too.
    Warnings,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    pub format: CheckFormat,
    /// Make warnings fail the check.
    #[arg(long, value_enum)]
    pub deny: Option<Deny>,
    /// Fetch every external link (8 hosts at a time, 250 ms between requests
    /// to one host, 10 s timeout, successes cached for a day in
    /// `.refarch-cache/`); a link that does not answer is warning W060.
    #[arg(long)]
    pub external: bool,
}

/// The JSON report.
#[derive(Serialize)]
struct Report<'a> {
    diagnostics: Vec<&'a Diagnostic>,
    errors: usize,
    warnings: usize,
    links_checked: usize,
    external_links: Vec<&'a str>,
}

pub fn run(root: &Path, args: &Args, color: bool) -> ExitCode {
    let started = Instant::now();
    let fetch = args.external.then(FetchOptions::default);
    let report = check(root, fetch.as_ref());
    let diagnostics = &report.diagnostics;
    match args.format {
        CheckFormat::Json => {
            let json = Report {
                diagnostics: diagnostics.iter().collect(),
                errors: diagnostics.error_count(),
                warnings: diagnostics.warning_count(),
                links_checked: report.links_checked,
                external_links: report.external_links.iter().map(String::as_str).collect(),
            };
            print_stdout(
                &(serde_json::to_string_pretty(&json).expect("diagnostics serialize") + "\n"),
            );
        }
        CheckFormat::Github => {
            let annotations: String = diagnostics
                .iter()
                .map(|diagnostic| github_annotation(diagnostic) + "\n")
                .collect();
            print_stdout(&annotations);
        }
        CheckFormat::Human => {
            let mut stderr = std::io::stderr().lock();
            // A closed stderr leaves nothing to tell; the exit status still does.
            let _ = diagnostics.write_rendered(color, &mut std::io::BufWriter::new(&mut stderr));
            let checked = if diagnostics.has_errors() && report.pages == 0 {
                "check failed".to_string()
            } else {
                format!(
                    "checked {} engagements, {} pages and {} links ({} external links {})",
                    report.engagements,
                    report.pages,
                    report.links_checked,
                    report.external_links.len(),
                    if report.external_fetched {
                        "fetched"
                    } else {
                        "listed, not fetched: --external fetches them"
                    }
                )
            };
            eprintln!(
                "{checked} in {} ms: {}",
                started.elapsed().as_millis(),
                diagnostics.summary()
            );
        }
    }
    let denied = args.deny == Some(Deny::Warnings) && diagnostics.warning_count() > 0;
    if diagnostics.has_errors() || denied {
        ExitCode::from(EXIT_FAILURE)
    } else {
        ExitCode::SUCCESS
    }
}

/// `::error file=data/x.toml,line=3,col=5,title=E020::unknown method`
pub fn github_annotation(diagnostic: &Diagnostic) -> String {
    let level = match diagnostic.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let escape_property = |text: &str| {
        text.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
            .replace(':', "%3A")
            .replace(',', "%2C")
    };
    let escape_message = |text: &str| {
        text.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    };
    let mut properties = Vec::new();
    if let Some(location) = &diagnostic.location {
        properties.push(format!("file={}", escape_property(&location.file)));
        if location.line > 0 {
            properties.push(format!("line={}", location.line));
            properties.push(format!("col={}", location.column));
        }
    }
    properties.push(format!("title={}", diagnostic.code));
    let mut message = diagnostic.message.clone();
    if let Some(help) = &diagnostic.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    format!(
        "::{level} {}::{}",
        properties.join(","),
        escape_message(&message)
    )
}
