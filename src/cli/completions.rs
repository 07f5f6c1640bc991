//! `refarch completions SHELL` and `refarch man`: shell completions and a
//! man page, both generated from the same command definition as `--help`,
//! so none of them can drift.

use std::process::ExitCode;

use clap::CommandFactory;
use clap_complete::Shell;

use super::{Cli, fail, print_stdout};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The shell: bash, zsh, fish, elvish or powershell.
    pub shell: Shell,
}

/// Prints the completion script; see the guide for where each shell reads it.
pub fn completions(args: &Args) -> ExitCode {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "refarch", &mut script);
    print_stdout(&String::from_utf8_lossy(&script));
    ExitCode::SUCCESS
}

#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// A command (build, check, …) for its own page, as `man refarch-build`.
    pub command: Option<String>,
}

/// Prints a man page (roff), for `refarch man > refarch.1` and
/// `refarch man build > refarch-build.1`.
pub fn man(args: &ManArgs) -> ExitCode {
    let cli = Cli::command();
    let command = match &args.command {
        None => cli,
        Some(name) => match cli.find_subcommand(name) {
            Some(sub) => sub.clone().name(format!("refarch-{name}")),
            None => {
                let names: Vec<&str> = cli.get_subcommands().map(|c| c.get_name()).collect();
                return fail(format!(
                    "`{name}` is not a refarch command; the commands are {}",
                    names.join(", ")
                ));
            }
        },
    };
    let mut roff = Vec::new();
    if let Err(error) = clap_mangen::Man::new(command).render(&mut roff) {
        return fail(format!("cannot render the man page: {error}"));
    }
    print_stdout(&String::from_utf8_lossy(&roff));
    ExitCode::SUCCESS
}
