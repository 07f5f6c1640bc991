use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = refarch::cli::Cli::parse();
    refarch::cli::run(cli)
}
