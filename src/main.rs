use std::process::ExitCode;

use clap::Parser;

// A build allocates millions of small strings and tables from two threads;
// mimalloc serves them in about half the time glibc's allocator takes.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = refarch::cli::Cli::parse();
    refarch::cli::run(cli)
}
