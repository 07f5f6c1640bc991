//! The command line: one module per command. Each turns its arguments into
//! a call to the library and maps the outcome to an exit status.

mod build;
mod check;
mod init;
mod new;
mod schema;
mod serve;
mod support;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// Exit status for a command that found errors in the site, or failed.
pub const EXIT_FAILURE: u8 = 1;

/// Build an internal site of reference architectures, support matrices and
/// customer implementation records from structured data.
#[derive(Debug, Parser)]
#[command(name = "refarch", version, about, max_term_width = 100)]
pub struct Cli {
    /// The site's root directory (the one holding data/ and content/).
    #[arg(long, global = true, default_value = ".", value_name = "DIR")]
    pub root: PathBuf,

    /// When to colour terminal output.
    #[arg(long, global = true, value_enum, default_value_t = Color::Auto)]
    pub color: Color,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

impl Color {
    /// Whether to colour stderr: `auto` colours a terminal unless `NO_COLOR`
    /// is set.
    pub fn enabled(self) -> bool {
        match self {
            Color::Always => true,
            Color::Never => false,
            Color::Auto => {
                std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
            }
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build the site into public/ (or --output), atomically.
    Build(build::Args),
    /// Serve the site on 127.0.0.1, rebuilding and reloading the browser on
    /// every change.
    Serve(serve::Args),
    /// Validate every data file and content page; exit 1 on errors.
    Check(check::Args),
    /// Write or print the JSON Schema of each kind of data file.
    Schema(schema::Args),
    /// Is this officially supported? The verdict for a set of requirements.
    ///
    /// Exit status: 0 supported, 3 supported with caveats, 4 not supported,
    /// 2 bad input.
    Support(Box<support::Args>),
    /// Start a new record from a template with every field.
    #[command(subcommand)]
    New(new::What),
    /// Create a new site from the built-in example.
    Init(init::Args),
}

/// Output format of commands that report diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Text for people, with the source line and a caret.
    Human,
    /// One JSON document, for CI.
    Json,
}

pub fn run(cli: Cli) -> ExitCode {
    let color = cli.color.enabled();
    match cli.command {
        Command::Build(args) => build::run(&cli.root, &args, color),
        Command::Serve(args) => serve::run(&cli.root, &args, color),
        Command::Check(args) => check::run(&cli.root, &args, color),
        Command::Schema(args) => schema::run(&cli.root, &args),
        Command::Support(args) => support::run(&cli.root, &args, color),
        Command::New(what) => new::run(&cli.root, &what, color),
        Command::Init(args) => init::run(&args),
    }
}

/// Prints a one-line failure to stderr and returns the failure status.
pub fn fail(message: impl std::fmt::Display) -> ExitCode {
    eprintln!(
        "error: {}",
        crate::diagnostics::sanitize_for_terminal(&message.to_string())
    );
    ExitCode::from(EXIT_FAILURE)
}
