//! Watching the site's inputs: `data/`, `content/` and `themes/`, with a
//! short debounce, ignoring editors' temporary and swap files, and a
//! polling fallback for file systems whose events are unreliable.

use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;
use std::time::Duration;

use notify::RecursiveMode;
use notify_debouncer_full::{DebounceEventResult, new_debouncer, new_debouncer_opt};

/// The directories a site's build reads.
pub const WATCHED: [&str; 3] = ["data", "content", "themes"];

/// Short enough for edits to show up at once, long enough to see an
/// editor's save (write, rename, chmod, all within a millisecond or two) as
/// one change. Every millisecond here is a millisecond of every edit's
/// latency.
pub const DEBOUNCE: Duration = Duration::from_millis(15);

/// A running watcher; dropping it stops watching.
pub struct Watcher {
    debouncer: Debouncer,
    /// Watched directories that did not exist yet: the root is watched for
    /// their creation instead.
    missing: Vec<PathBuf>,
}

enum Debouncer {
    Native(
        notify_debouncer_full::Debouncer<
            notify::RecommendedWatcher,
            notify_debouncer_full::RecommendedCache,
        >,
    ),
    Polling(notify_debouncer_full::Debouncer<notify::PollWatcher, notify_debouncer_full::NoCache>),
}

impl Debouncer {
    fn watch(&mut self, path: &Path, mode: RecursiveMode) -> notify::Result<()> {
        match self {
            Debouncer::Native(debouncer) => debouncer.watch(path, mode),
            Debouncer::Polling(debouncer) => debouncer.watch(path, mode),
        }
    }
}

impl Watcher {
    /// Starts watching directories among `changed` that were missing and
    /// now exist (a `themes/` created while serving).
    pub fn adopt(&mut self, changed: &[PathBuf]) {
        let appeared: Vec<PathBuf> = self
            .missing
            .iter()
            .filter(|dir| dir.is_dir() && changed.iter().any(|path| path.starts_with(dir)))
            .cloned()
            .collect();
        for dir in appeared {
            if self.debouncer.watch(&dir, RecursiveMode::Recursive).is_ok() {
                self.missing.retain(|missing| *missing != dir);
            }
        }
    }
}

/// Starts watching `root`, sending each batch of relevant changed paths.
pub fn watch(
    root: &Path,
    poll: Option<Duration>,
    changes: Sender<Vec<PathBuf>>,
) -> notify::Result<Watcher> {
    let watched: Vec<PathBuf> = WATCHED.iter().map(|dir| root.join(dir)).collect();
    let roots = watched.clone();
    let site = root.to_path_buf();
    let handler = move |result: DebounceEventResult| {
        // Lost events (an error, or the watcher asking for a rescan) are
        // reported as the site root: everything may have changed.
        let Ok(events) = result else {
            let _ = changes.send(vec![site.clone()]);
            return;
        };
        if events.iter().any(|event| event.need_rescan()) {
            let _ = changes.send(vec![site.clone()]);
            return;
        }
        {
            // Reading files during a rebuild raises access events: only
            // writes, creations, renames and removals are changes.
            let paths: Vec<PathBuf> = events
                .iter()
                .filter(|event| !event.kind.is_access() && !event.kind.is_other())
                .flat_map(|event| event.paths.iter())
                .filter(|path| roots.iter().any(|dir| path.starts_with(dir)) && is_relevant(path))
                .cloned()
                .collect();
            if !paths.is_empty() {
                let _ = changes.send(paths);
            }
        }
    };
    let mut debouncer = match poll {
        None => Debouncer::Native(new_debouncer(DEBOUNCE, None, handler)?),
        Some(interval) => Debouncer::Polling(new_debouncer_opt::<_, notify::PollWatcher, _>(
            DEBOUNCE,
            None,
            handler,
            notify_debouncer_full::NoCache,
            notify::Config::default().with_poll_interval(interval),
        )?),
    };
    let mut missing = Vec::new();
    for dir in watched {
        if dir.is_dir() {
            debouncer.watch(&dir, RecursiveMode::Recursive)?;
        } else {
            missing.push(dir);
        }
    }
    if !missing.is_empty() {
        debouncer.watch(root, RecursiveMode::NonRecursive)?;
    }
    Ok(Watcher { debouncer, missing })
}

/// Editors' temporary, backup and swap files are not inputs.
pub fn is_relevant(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    let temporary = name.starts_with('.')
        || name.starts_with('#')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".swo")
        || name.ends_with(".tmp")
        || name.ends_with(".bak")
        || name.contains(".tmp.")
        || name == "4913";
    !temporary
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editor_droppings_are_ignored() {
        for ignored in [
            ".acme.toml.swp",
            "acme.toml~",
            "#acme.toml#",
            ".#acme.toml",
            "4913",
            "acme.toml.tmp.1234",
            "x.swx",
        ] {
            assert!(!is_relevant(Path::new(ignored)), "{ignored}");
        }
        for relevant in ["acme.toml", "style.css", "upgrades.md", "base.html"] {
            assert!(is_relevant(Path::new(relevant)), "{relevant}");
        }
    }
}
