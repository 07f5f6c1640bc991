//! `refarch check`: load and validate the site, report every diagnostic.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use serde::Serialize;

use super::{EXIT_FAILURE, Format};
use crate::analysis::findings;
use crate::diagnostics::Diagnostic;
use crate::load::load_site;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

/// The JSON report: every diagnostic, then the counts.
#[derive(Serialize)]
struct Report<'a> {
    diagnostics: Vec<&'a Diagnostic>,
    errors: usize,
    warnings: usize,
}

pub fn run(root: &Path, args: &Args, color: bool) -> ExitCode {
    let started = Instant::now();
    let mut loaded = load_site(root);
    if let Some(site) = &loaded.site {
        loaded.diagnostics.extend(findings(site));
        loaded.diagnostics.sort();
    }
    let diagnostics = &loaded.diagnostics;
    match args.format {
        Format::Json => {
            let report = Report {
                diagnostics: diagnostics.iter().collect(),
                errors: diagnostics.error_count(),
                warnings: diagnostics.warning_count(),
            };
            println!(
                "{}",
                serde_json::to_string_pretty(&report).expect("diagnostics serialize")
            );
        }
        Format::Human => {
            eprint!("{}", diagnostics.render(color));
            let checked = match &loaded.site {
                Some(site) => format!(
                    "checked {} engagements, {} reference architectures, {} support rules and {} pages",
                    site.engagements.len(),
                    site.sizes.len(),
                    site.support.rule.len(),
                    site.pages.len()
                ),
                None => "check failed".to_string(),
            };
            eprintln!(
                "{checked} in {} ms: {}",
                started.elapsed().as_millis(),
                diagnostics.summary()
            );
        }
    }
    if diagnostics.has_errors() {
        ExitCode::from(EXIT_FAILURE)
    } else {
        ExitCode::SUCCESS
    }
}
