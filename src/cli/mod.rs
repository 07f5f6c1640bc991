//! The command line: one module per command. Each turns its arguments into
//! a call to the library and maps the outcome to an exit status.

mod build;
mod check;
mod completions;
mod explain;
mod init;
mod new;
mod schema;
mod serve;
mod support;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// The version with the commit it was built from (`0.1.0 (3f2a9c1d0b7e)`),
/// or `unknown` outside a git checkout.
pub const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (", env!("REFARCH_COMMIT"), ")");

/// Exit status for a command that found errors in the site, or failed.
pub const EXIT_FAILURE: u8 = 1;

/// Build an internal site of reference architectures, support matrices and
/// customer implementation records from structured data.
#[derive(Debug, Parser)]
#[command(name = "refarch", version = VERSION, about, max_term_width = 100)]
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
    /// What a diagnostic code (E020, W050, …) means and how to fix it.
    Explain(explain::Args),
    /// Print shell completions: `refarch completions bash > …`.
    Completions(completions::Args),
    /// Print the man page: `refarch man > refarch.1`, or a command's own.
    Man(completions::ManArgs),
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
        Command::Explain(args) => explain::run(&args),
        Command::Completions(args) => completions::completions(&args),
        Command::Man(args) => completions::man(&args),
    }
}

/// Writes a command's output to stdout. A reader that went away (`| head`)
/// wanted only so much and is not an error; any other failure is told on
/// stderr.
pub fn print_stdout(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => {
            eprintln!("error: cannot write the output: {error}");
        }
        _ => {}
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
