//! `refarch init [DIR]`: a new site from the example embedded in the binary.

use std::path::PathBuf;
use std::process::ExitCode;

use super::fail;
use crate::scaffold::write_example;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where to create the site: a new or empty directory (default: here).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
}

pub fn run(args: &Args) -> ExitCode {
    match write_example(&args.dir) {
        Ok(count) => {
            eprintln!(
                "created a refarch site in {} ({count} files); next: `refarch check --root {}`",
                args.dir.display(),
                args.dir.display()
            );
            ExitCode::SUCCESS
        }
        Err(message) => fail(message),
    }
}
