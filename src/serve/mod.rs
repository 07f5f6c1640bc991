//! `refarch serve`: build in memory, serve on 127.0.0.1, watch the inputs,
//! rebuild what changed, and tell the browsers.
//!
//! Threads, each with one job: connection threads (`server`) answer from an
//! immutable snapshot (an `Arc` swapped in one step, so a request sees the old site
//! or the new one, never a mix); the watcher reports changed paths; this
//! module's loop rebuilds, swaps and notifies. No global state.

mod change;
mod http;
mod reload;
pub(crate) mod server;
mod watch;

pub use change::{Change, classify};
pub use http::{Answer, Snapshot, answer};
#[cfg(test)]
pub(crate) use http::{decode, is_safe};
pub use server::Limits;
pub use watch::is_relevant;

use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{RecvTimeoutError, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::build::{BuildRequest, Builder, SiteFiles};
use crate::render::urls::Urls;
use reload::{Hub, State};
use server::{Handler, Reply, Request, Response};

/// The port tried first when none is given.
pub const DEFAULT_PORT: u16 = 1111;
/// How many ports above the default are tried when it is taken.
const PORT_ATTEMPTS: u16 = 20;

/// What `refarch serve` was asked for.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub root: PathBuf,
    pub interface: IpAddr,
    /// A port that must be used; `None` picks the default or the next free.
    pub port: Option<u16>,
    pub base_url: Option<String>,
    pub profile: Option<String>,
    /// Poll the file system at this interval instead of using its events.
    pub poll: Option<Duration>,
    pub color: bool,
}

/// What the workers and the rebuild loop share.
struct Shared {
    snapshot: Mutex<Arc<Snapshot>>,
    state: Mutex<State>,
    hub: Hub,
    stop: AtomicBool,
}

impl Shared {
    fn snapshot(&self) -> Arc<Snapshot> {
        self.snapshot.lock().expect("snapshot lock").clone()
    }

    fn state(&self) -> State {
        self.state.lock().expect("state lock").clone()
    }
}

/// Runs the server until Ctrl-C.
pub fn serve(options: ServeOptions) -> Result<(), String> {
    let request = BuildRequest {
        root: options.root.clone(),
        output: options.root.join("public"),
        base_url: options.base_url.clone(),
        profile: options.profile.clone(),
    };
    let mut builder = Builder::new(request);
    let started = Instant::now();
    let (files, base, problem) = match builder.build() {
        Ok(built) => {
            eprintln!(
                "built {} pages in {} ms",
                built.pages,
                started.elapsed().as_millis()
            );
            (built.files, built.base_path, None)
        }
        Err(diagnostics) => {
            eprint!("{}", diagnostics.render(options.color));
            let base = Urls::new(options.base_url.as_deref().unwrap_or("/"))
                .base()
                .to_string();
            (
                Arc::new(SiteFiles::new()),
                base,
                Some(reload::problem_text(&diagnostics)),
            )
        }
    };
    let shared = Arc::new(Shared {
        snapshot: Mutex::new(Arc::new(Snapshot {
            files,
            base: base.clone(),
            epoch: 0,
        })),
        state: Mutex::new(State {
            epoch: 0,
            pages_epoch: 0,
            problem,
        }),
        hub: Hub::default(),
        stop: AtomicBool::new(false),
    });

    let listener = bind(options.interface, options.port)?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    let (changes, changed) = channel();
    let mut watcher = watch::watch(&options.root, options.poll, changes)
        .map_err(|e| format!("cannot watch the site: {e}"))?;
    eprintln!("serving http://{address}{base} (Ctrl-C to stop)");
    {
        let handler: Arc<dyn Handler> = Arc::new(Site(shared.clone()));
        // Never joined: it waits in `accept`, and ends with the process.
        std::thread::Builder::new()
            .name("refarch-accept".into())
            .spawn(move || server::run(listener, handler, Limits::default()))
            .map_err(|e| format!("cannot start the server: {e}"))?;
    }
    {
        let shared = shared.clone();
        ctrlc::set_handler(move || shared.stop.store(true, Ordering::SeqCst))
            .map_err(|e| format!("cannot handle Ctrl-C: {e}"))?;
    }

    let mut last_ping = Instant::now();
    while !shared.stop.load(Ordering::SeqCst) {
        match changed.recv_timeout(Duration::from_millis(200)) {
            Ok(paths) => {
                // Take every batch that queued up while we were building.
                let mut paths = paths;
                while let Ok(more) = changed.try_recv() {
                    paths.extend(more);
                }
                watcher.adopt(&paths);
                builder.note_changes(&paths);
                rebuild(&mut builder, &shared, &paths, options.color);
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        if last_ping.elapsed() > Duration::from_secs(15) {
            shared.hub.ping();
            last_ping = Instant::now();
        }
    }
    eprintln!("stopped");
    Ok(())
}

/// Binds the requested port, or the default and then the next free one.
fn bind(interface: IpAddr, port: Option<u16>) -> Result<TcpListener, String> {
    if let Some(port) = port {
        return TcpListener::bind(SocketAddr::new(interface, port))
            .map_err(|e| format!("cannot listen on {interface}:{port}: {e}; choose another --port, or leave it out to use a free one"));
    }
    for port in DEFAULT_PORT..DEFAULT_PORT + PORT_ATTEMPTS {
        match TcpListener::bind(SocketAddr::new(interface, port)) {
            Ok(listener) => {
                if port != DEFAULT_PORT {
                    eprintln!("port {DEFAULT_PORT} is in use; using {port}");
                }
                return Ok(listener);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => continue,
            Err(e) => return Err(format!("cannot listen on {interface}:{port}: {e}")),
        }
    }
    Err(format!(
        "ports {DEFAULT_PORT} to {} are all in use; pass --port",
        DEFAULT_PORT + PORT_ATTEMPTS - 1
    ))
}

/// Rebuilds, swaps the snapshot in one step, then tells the browsers.
fn rebuild(builder: &mut Builder, shared: &Shared, paths: &[PathBuf], color: bool) {
    let started = Instant::now();
    let mut names: Vec<String> = paths
        .iter()
        .map(|p| {
            p.strip_prefix(builder.root())
                .unwrap_or(p)
                .display()
                .to_string()
        })
        .collect();
    names.sort();
    names.dedup();
    match builder.build() {
        Ok(built) => {
            let timings = built.timings.clone();
            let old = shared.snapshot();
            let change = match &built.changed {
                Some(changed) => change::of_changed(changed),
                None => classify(&old.files, &built.files),
            };
            let had_problem = shared.state().problem.is_some();
            if change == Change::Nothing && !had_problem {
                return;
            }
            let epoch = shared.state().epoch + 1;
            *shared.snapshot.lock().expect("snapshot lock") = Arc::new(Snapshot {
                files: built.files,
                base: built.base_path,
                epoch,
            });
            let state = {
                let mut state = shared.state.lock().expect("state lock");
                state.epoch = epoch;
                if !matches!(change, Change::Styles(_)) {
                    state.pages_epoch = epoch;
                }
                state.problem = None;
                state.clone()
            };
            let (event, changed) = match &change {
                Change::Styles(files) => ("css", files.len()),
                Change::Pages(files) => ("reload", files.len()),
                Change::Nothing => ("reload", 0),
            };
            shared.hub.send(event, &state);
            let stages: Vec<String> = timings
                .iter()
                .map(|(stage, took)| format!("{stage} {} ms", took.as_millis()))
                .collect();
            eprintln!(
                "{}: rebuilt in {} ms ({}), {changed} files changed",
                names.join(", "),
                started.elapsed().as_millis(),
                stages.join(", ")
            );
        }
        Err(diagnostics) => {
            eprint!("{}", diagnostics.render(color));
            eprintln!(
                "{}: the site does not build; the last good site stays up",
                names.join(", ")
            );
            let state = {
                let mut state = shared.state.lock().expect("state lock");
                state.problem = Some(reload::problem_text(&diagnostics));
                state.clone()
            };
            shared.hub.send("problem", &state);
        }
    }
}

/// The site as the connection threads see it.
struct Site(Arc<Shared>);

impl Handler for Site {
    fn reply(&self, request: &Request) -> Reply {
        let header = |name: &'static str, value: &str| (name, value.to_string());
        match answer(&self.0.snapshot(), &request.method, &request.target) {
            Answer::Events => Reply::TakeOver,
            Answer::File {
                status,
                content_type,
                body,
            } => Reply::Send(Response {
                status,
                headers: vec![
                    header("Content-Type", content_type),
                    header("Cache-Control", "no-cache"),
                    header("X-Content-Type-Options", "nosniff"),
                ],
                body,
            }),
            Answer::Redirect(location) => Reply::Send(Response {
                status: 301,
                headers: vec![
                    header("Location", &location),
                    header("Cache-Control", "no-cache"),
                ],
                body: Vec::new(),
            }),
            Answer::MethodNotAllowed => Reply::Send(Response {
                status: 405,
                headers: vec![header("Allow", "GET, HEAD")],
                body: Vec::new(),
            }),
        }
    }

    fn take_over(&self, stream: TcpStream) {
        self.0.hub.join(stream, &self.0.state());
    }
}
