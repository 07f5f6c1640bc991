//! `refarch serve`: the dev server.

use std::net::IpAddr;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use super::fail;
use crate::serve::{ServeOptions, serve};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The address to listen on. The default serves this machine only.
    #[arg(long, default_value = "127.0.0.1")]
    pub interface: IpAddr,
    /// The port; without it, 1111 or the next free port.
    #[arg(long)]
    pub port: Option<u16>,
    /// The path the site is served under, such as /refarch/, to try the
    /// site as it will be published.
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// A build profile from data/site.toml.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Poll for changes every this many milliseconds instead of relying on
    /// file-system events (network drives, some containers and WSL).
    #[arg(long, value_name = "MS")]
    pub poll: Option<u64>,
}

pub fn run(root: &Path, args: &Args, color: bool) -> ExitCode {
    // Watched paths come back absolute; so must the root they are shown from.
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let options = ServeOptions {
        root,
        interface: args.interface,
        port: args.port,
        base_url: args.base_url.clone(),
        profile: args.profile.clone(),
        poll: args.poll.map(Duration::from_millis),
        color,
    };
    match serve(options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => fail(message),
    }
}
