//! `refarch build`: write the site.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::EXIT_FAILURE;
use crate::build::{BuildRequest, build};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where to write the site (default: public/ in the site).
    #[arg(long, value_name = "DIR")]
    pub output: Option<PathBuf>,
    /// The path or URL the site is served under, such as /refarch/ or
    /// https://docs.example.internal/refarch/.
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// A build profile from data/site.toml (for example one that leaves out
    /// confidential engagements).
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Print how long each stage took.
    #[arg(short, long)]
    pub verbose: bool,
}

pub fn run(root: &Path, args: &Args, color: bool) -> ExitCode {
    let started = std::time::Instant::now();
    let request = BuildRequest {
        root: root.to_path_buf(),
        output: args.output.clone().unwrap_or_else(|| root.join("public")),
        base_url: args.base_url.clone(),
        profile: args.profile.clone(),
    };
    match build(&request) {
        Ok(report) => {
            if args.verbose {
                for (stage, took) in &report.timings {
                    eprintln!("  {stage:<18} {:>7.1} ms", took.as_secs_f64() * 1000.0);
                }
            }
            let warnings = report.warnings.warning_count();
            eprintln!(
                "built {} pages ({} files, {} engagements) into {} in {} ms{}",
                report.pages,
                report.file_count,
                report.engagements,
                request.output.display(),
                started.elapsed().as_millis(),
                if warnings > 0 {
                    format!("; {warnings} warnings (see `refarch check`)")
                } else {
                    String::new()
                }
            );
            ExitCode::SUCCESS
        }
        Err(diagnostics) => {
            eprint!("{}", diagnostics.render(color));
            eprintln!(
                "build failed: {}; nothing was written",
                diagnostics.summary()
            );
            ExitCode::from(EXIT_FAILURE)
        }
    }
}
