//! `refarch support`: the verdict for a set of requirements, as text or
//! JSON, with an exit status that reflects it.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde::Serialize;

use super::{Format, print_stdout};
use crate::analysis::requirements::{ExternalVersion, Requirements, unknown_values};
use crate::analysis::sizing::Sizing;
use crate::analysis::support::{Verdict, verdict};
use crate::diagnostics::sanitize_for_terminal;
use crate::load::{load_site, read_toml};
use crate::model::{Site, Status};
use crate::schema::FileKind;

/// Exit status: supported with caveats.
pub const EXIT_CAVEATS: u8 = 3;
/// Exit status: not supported.
pub const EXIT_NOT_SUPPORTED: u8 = 4;
/// Exit status: bad input.
pub const EXIT_BAD_INPUT: u8 = 2;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Deployment method id (helm, kustomize, …).
    #[arg(long)]
    pub method: Option<String>,
    /// Hosting provider id (aws, gcp, …).
    #[arg(long)]
    pub provider: Option<String>,
    /// Environment id (dev, staging, prod, replica).
    #[arg(long)]
    pub environment: Option<String>,
    /// Product release (6.12 or 6.12.1792).
    #[arg(long)]
    pub release: Option<String>,
    /// Kubernetes version (1.31).
    #[arg(long)]
    pub kubernetes: Option<String>,
    /// CPU architecture id (amd64, arm64).
    #[arg(long)]
    pub arch: Option<String>,
    /// An external service, with its version when it has one: postgres=15,
    /// object-storage. Repeat for several.
    #[arg(long, value_name = "KIND[=VERSION]")]
    pub external: Vec<String>,
    /// A feature id. Repeat for several.
    #[arg(long)]
    pub feature: Vec<String>,
    /// Executor runtime id.
    #[arg(long)]
    pub executor: Option<String>,
    /// Users expected.
    #[arg(long)]
    pub users: Option<u64>,
    /// Repositories expected.
    #[arg(long)]
    pub repositories: Option<u64>,
    /// Size of the largest repository, in MB.
    #[arg(long)]
    pub largest_repo_mb: Option<u64>,
    /// Number of monorepos.
    #[arg(long)]
    pub monorepos: Option<u64>,
    /// Read the requirements from a TOML file instead of flags.
    #[arg(long, value_name = "FILE", conflicts_with_all = [
        "method", "provider", "environment", "release", "kubernetes", "arch", "external",
        "feature", "executor", "users", "repositories", "largest_repo_mb", "monorepos",
    ])]
    pub file: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

pub fn run(root: &Path, args: &Args, color: bool) -> ExitCode {
    let loaded = load_site(root);
    let Some(site) = loaded.site else {
        eprint!("{}", loaded.diagnostics.render(color));
        return bad_input("the site has errors; fix them first (`refarch check`)");
    };
    let requirements = match &args.file {
        Some(path) => match read_toml::<Requirements>(path, FileKind::Requirements) {
            (Some(requirements), _) => requirements,
            (None, diagnostics) => {
                eprint!("{}", diagnostics.render(color));
                return bad_input(format!(
                    "cannot read the requirements in {}",
                    path.display()
                ));
            }
        },
        None => match from_flags(args) {
            Ok(requirements) => requirements,
            Err(message) => return bad_input(message),
        },
    };
    let unknown = unknown_values(&site, &requirements);
    if !unknown.is_empty() {
        for value in &unknown {
            eprintln!("error: {}", sanitize_for_terminal(&value.to_string()));
        }
        return ExitCode::from(EXIT_BAD_INPUT);
    }
    let verdict = verdict(&site, &requirements);
    match args.format {
        Format::Json => print_json(&requirements, &verdict),
        Format::Human => print_stdout(&human(&site, &requirements, &verdict)),
    }
    ExitCode::from(exit_status(verdict.status))
}

/// 0 supported, 3 supported with caveats, 4 not supported.
pub fn exit_status(status: Status) -> u8 {
    if status <= Status::Supported {
        0
    } else if status < Status::NotForProduction {
        EXIT_CAVEATS
    } else {
        EXIT_NOT_SUPPORTED
    }
}

fn bad_input(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {}", sanitize_for_terminal(&message.to_string()));
    ExitCode::from(EXIT_BAD_INPUT)
}

fn from_flags(args: &Args) -> Result<Requirements, String> {
    fn parse<T: std::str::FromStr<Err = crate::model::ValueError>>(
        flag: &str,
        value: &Option<String>,
    ) -> Result<Option<T>, String> {
        value
            .as_deref()
            .map(|text| {
                text.parse().map_err(|e: crate::model::ValueError| {
                    format!("--{flag}: {}; {}", e.message, e.help)
                })
            })
            .transpose()
    }
    let mut requirements = Requirements {
        method: parse("method", &args.method)?,
        provider: parse("provider", &args.provider)?,
        environment: parse("environment", &args.environment)?,
        release: parse("release", &args.release)?,
        kubernetes: parse("kubernetes", &args.kubernetes)?,
        arch: parse("arch", &args.arch)?,
        executor: parse("executor", &args.executor)?,
        users: args.users,
        repositories: args.repositories,
        largest_repo_mb: args.largest_repo_mb,
        monorepos: args.monorepos,
        ..Requirements::default()
    };
    for feature in &args.feature {
        requirements
            .feature
            .insert(parse("feature", &Some(feature.clone()))?.expect("given"));
    }
    for external in &args.external {
        let (kind, version) = match external.split_once('=') {
            Some((kind, version)) => (kind, Some(version.to_string())),
            None => (external.as_str(), None),
        };
        let kind = parse("external", &Some(kind.to_string()))?.expect("given");
        let version = match parse("external", &version)? {
            Some(version) => ExternalVersion::Version(version),
            None => ExternalVersion::Unversioned(true),
        };
        requirements.external.insert(kind, version);
    }
    Ok(requirements)
}

#[derive(Serialize)]
struct JsonVerdict<'a> {
    requirements: &'a Requirements,
    command: String,
    #[serde(flatten)]
    verdict: &'a Verdict,
}

fn print_json(requirements: &Requirements, verdict: &Verdict) {
    let report = JsonVerdict {
        requirements,
        command: requirements.to_command_line(),
        verdict,
    };
    print_stdout(&(serde_json::to_string_pretty(&report).expect("verdicts serialize") + "\n"));
}

/// The verdict for people: the answer first, then why, then what to do.
pub fn human(site: &Site, requirements: &Requirements, verdict: &Verdict) -> String {
    let label = |status: Status| {
        site.catalog
            .status
            .iter()
            .find(|s| *s.id.value() == status)
            .map_or_else(|| status.id().to_string(), |s| s.name.clone())
    };
    let description = |status: Status| {
        site.catalog
            .status
            .iter()
            .find(|s| *s.id.value() == status)
            .map_or(String::new(), |s| s.description.clone())
    };
    let mut out = String::new();
    let asked: Vec<String> = requirements
        .values()
        .iter()
        .map(|(d, v)| format!("{d}={v}"))
        .collect();
    out.push_str(&format!(
        "{}: {}\n",
        label(verdict.status).to_uppercase(),
        description(verdict.status)
    ));
    out.push_str(&format!(
        "  for {}\n",
        if asked.is_empty() {
            "no requirements".to_string()
        } else {
            asked.join(" ")
        }
    ));

    let (concerns, fine): (Vec<_>, Vec<_>) = verdict
        .rules
        .iter()
        .partition(|r| r.status > Status::Supported);
    if !concerns.is_empty() {
        out.push_str("\nWhy:\n");
        for rule in &concerns {
            out.push_str(&format!("  {:<18} {}\n", label(rule.status), rule.id));
            out.push_str(&format!(
                "      {}\n      source: {}\n",
                rule.reason, rule.source
            ));
        }
    }
    if !fine.is_empty() {
        let ids: Vec<String> = fine
            .iter()
            .map(|r| format!("{} ({})", r.id, label(r.status).to_lowercase()))
            .collect();
        out.push_str(&format!("\nAlso applies: {}\n", ids.join(", ")));
    }
    if verdict.rules.is_empty() {
        out.push_str("\nNo rule applies to this combination.\n");
    }
    if !verdict.undocumented.is_empty() {
        out.push_str("\nNot documented (no rule covers these values):\n");
        for value in &verdict.undocumented {
            out.push_str(&format!("  {} = {}\n", value.dimension, value.value));
        }
    }
    out.push_str("\nReference size: ");
    out.push_str(&match &verdict.sizing {
        Sizing::NotGiven => "give --users or --repositories to size the deployment\n".to_string(),
        Sizing::Fits { size, name } => {
            let figures: Vec<String> = [
                ("users", requirements.users),
                ("repositories", requirements.repositories),
                ("MB largest repository", requirements.largest_repo_mb),
                ("monorepos", requirements.monorepos),
            ]
            .iter()
            .filter_map(|(what, value)| value.map(|v| format!("{v} {what}")))
            .collect();
            format!("{size} ({name}), the smallest that fits {}\n", figures.join(", "))
        }
        Sizing::ContactSupport { dimension, value, largest, limit } => format!(
            "contact support: {dimension} {value} is beyond the largest size, {largest} (up to {limit})\n"
        ),
    });
    if !verdict.alternatives.is_empty() {
        out.push_str("\nWhat would be supported instead (one change at a time):\n");
        for alternative in &verdict.alternatives {
            out.push_str(&format!(
                "  {}: {}\n",
                alternative.dimension,
                alternative.values.join(", ")
            ));
        }
    }
    if let Some(exception) = &verdict.exception {
        out.push_str(&format!("\nThis is not supported. {}\n", exception.summary));
        out.push_str(&format!("  Engage: {}\n", exception.parties.join(", ")));
        for (number, question) in exception.questions.iter().enumerate() {
            out.push_str(&format!("  {}. {question}\n", number + 1));
        }
        if let Some(source) = &exception.source {
            out.push_str(&format!("  Process: {source}\n"));
        }
    }
    sanitize_for_terminal(&out)
}
