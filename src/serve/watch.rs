//! Watching the site's inputs: `data/`, `content/` and `themes/`, ignoring
//! editors' temporary and swap files, with a polling fallback for file
//! systems whose events are unreliable.
//!
//! Events are gathered into batches. A batch goes out [`SETTLED`] after
//! its last event when every file in it was seen to finish saving (closed
//! after writing, or renamed into place), and [`DEBOUNCE`] after otherwise
//! (a write not yet closed, a file renamed away or removed, any polled
//! change): a save is usually over within the first, and a rebuild that
//! waits the second on every edit spends most of an edit's latency there.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use notify::event::{AccessKind, AccessMode, CreateKind, ModifyKind, RenameMode};
use notify::{Event, EventKind, RecursiveMode};

/// The directories a site's build reads.
pub const WATCHED: [&str; 3] = ["data", "content", "themes"];

/// How long a batch of finished saves waits for more: an editor saving
/// several files closes them within a millisecond of each other.
pub const SETTLED: Duration = Duration::from_millis(2);

/// How long a batch waits for more when a save may be under way: long
/// enough to see an editor's save (write, rename, chmod, all within a
/// millisecond or two) as one change.
pub const DEBOUNCE: Duration = Duration::from_millis(15);

/// A running watcher; dropping it stops watching.
pub struct Watcher {
    watcher: Box<dyn notify::Watcher + Send>,
    batch: Arc<Shared>,
    /// Watched directories that did not exist yet: the root is watched for
    /// their creation instead.
    missing: Vec<PathBuf>,
}

impl Drop for Watcher {
    fn drop(&mut self) {
        self.batch.lock().closed = true;
        self.batch.wake.notify_one();
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
            if self.watcher.watch(&dir, RecursiveMode::Recursive).is_ok() {
                self.missing.retain(|missing| *missing != dir);
            }
        }
    }
}

/// The batch being gathered, shared by the watcher's handler and the
/// thread that sends batches out.
struct Shared {
    batch: Mutex<Batch>,
    wake: Condvar,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, Batch> {
        self.batch.lock().expect("watch batch lock")
    }
}

/// Changes gathered since the last batch went out.
#[derive(Debug, Default)]
struct Batch {
    paths: BTreeSet<PathBuf>,
    /// Paths whose last event leaves their file mid-save.
    unsettled: BTreeSet<PathBuf>,
    /// Events were lost: everything may have changed.
    rescan: bool,
    last: Option<Instant>,
    /// Whether events tell when a save is over (not so when polling).
    tells_settled: bool,
    /// The watcher is gone.
    closed: bool,
}

impl Batch {
    /// Adds what `event` changed, among the paths `relevant` accepts.
    fn note(&mut self, event: &Event, now: Instant, relevant: impl Fn(&Path) -> bool) {
        if event.need_rescan() {
            self.rescan = true;
            self.last = Some(now);
            return;
        }
        let Some(settles) = settles(&event.kind) else {
            return;
        };
        for (at, path) in event.paths.iter().enumerate() {
            if !relevant(path) {
                continue;
            }
            // A rename's source is gone, as if removed.
            let settled = settles && !(is_rename_both(&event.kind) && at == 0);
            if settled {
                self.unsettled.remove(path);
            } else {
                self.unsettled.insert(path.clone());
            }
            self.paths.insert(path.clone());
            self.last = Some(now);
        }
    }

    /// When the batch should go out, if it holds anything.
    fn due(&self) -> Option<Instant> {
        let last = self.last?;
        let settled = self.tells_settled && !self.rescan && self.unsettled.is_empty();
        Some(last + if settled { SETTLED } else { DEBOUNCE })
    }

    /// The batch's paths, or `root` alone when events were lost; the batch
    /// starts over empty.
    fn take(&mut self, root: &Path) -> Vec<PathBuf> {
        let batch = std::mem::take(&mut self.paths);
        let rescan = std::mem::take(&mut self.rescan);
        self.unsettled.clear();
        self.last = None;
        if rescan {
            vec![root.to_path_buf()]
        } else {
            batch.into_iter().collect()
        }
    }
}

/// Whether an event leaves its file saved (`Some(true)`), possibly
/// mid-save (`Some(false)`), or is no change at all (`None`: reads, which
/// every rebuild causes, and events the platform cannot name).
fn settles(kind: &EventKind) -> Option<bool> {
    match kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => Some(true),
        EventKind::Access(_) | EventKind::Other => None,
        EventKind::Modify(ModifyKind::Name(RenameMode::To | RenameMode::Both))
        | EventKind::Modify(ModifyKind::Metadata(_))
        | EventKind::Create(CreateKind::Folder) => Some(true),
        _ => Some(false),
    }
}

fn is_rename_both(kind: &EventKind) -> bool {
    matches!(kind, EventKind::Modify(ModifyKind::Name(RenameMode::Both)))
}

/// Starts watching `root`, sending each batch of relevant changed paths
/// (the root alone when events were lost and everything may have changed).
pub fn watch(
    root: &Path,
    poll: Option<Duration>,
    changes: Sender<Vec<PathBuf>>,
) -> notify::Result<Watcher> {
    let watched: Vec<PathBuf> = WATCHED.iter().map(|dir| root.join(dir)).collect();
    let shared = Arc::new(Shared {
        batch: Mutex::new(Batch {
            tells_settled: poll.is_none(),
            ..Batch::default()
        }),
        wake: Condvar::new(),
    });
    let handler = {
        let shared = shared.clone();
        let roots = watched.clone();
        move |result: notify::Result<Event>| {
            let now = Instant::now();
            let mut batch = shared.lock();
            match result {
                Ok(event) => batch.note(&event, now, |path| {
                    roots.iter().any(|dir| path.starts_with(dir)) && is_relevant(path)
                }),
                Err(_) => {
                    batch.rescan = true;
                    batch.last = Some(now);
                }
            }
            shared.wake.notify_one();
        }
    };
    let mut watcher: Box<dyn notify::Watcher + Send> = match poll {
        None => Box::new(notify::recommended_watcher(handler)?),
        Some(interval) => Box::new(notify::PollWatcher::new(
            handler,
            notify::Config::default().with_poll_interval(interval),
        )?),
    };
    {
        let shared = shared.clone();
        let root = root.to_path_buf();
        std::thread::Builder::new()
            .name("refarch-watch".into())
            .spawn(move || send_batches(&shared, &root, &changes))
            .map_err(|error| notify::Error::generic(&error.to_string()))?;
    }
    let mut missing = Vec::new();
    for dir in watched {
        if dir.is_dir() {
            watcher.watch(&dir, RecursiveMode::Recursive)?;
        } else {
            missing.push(dir);
        }
    }
    if !missing.is_empty() {
        watcher.watch(root, RecursiveMode::NonRecursive)?;
    }
    Ok(Watcher {
        watcher,
        batch: shared,
        missing,
    })
}

/// Sends each batch once it is due, until the watcher or the receiver is
/// gone.
fn send_batches(shared: &Shared, root: &Path, changes: &Sender<Vec<PathBuf>>) {
    let mut batch = shared.lock();
    loop {
        if batch.closed {
            return;
        }
        let Some(due) = batch.due() else {
            batch = shared.wake.wait(batch).expect("watch batch lock");
            continue;
        };
        let now = Instant::now();
        if now < due {
            batch = shared
                .wake
                .wait_timeout(batch, due - now)
                .expect("watch batch lock")
                .0;
            continue;
        }
        let paths = batch.take(root);
        drop(batch);
        if changes.send(paths).is_err() {
            return;
        }
        batch = shared.lock();
    }
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
    use notify::event::{DataChange, MetadataKind, RemoveKind};

    use super::*;

    fn event(kind: EventKind, paths: &[&str]) -> Event {
        paths
            .iter()
            .fold(Event::new(kind), |event, path| event.add_path(path.into()))
    }

    fn batch(events: &[Event]) -> (Batch, Instant) {
        let start = Instant::now();
        let mut batch = Batch {
            tells_settled: true,
            ..Batch::default()
        };
        for (n, event) in events.iter().enumerate() {
            batch.note(event, start + Duration::from_millis(n as u64), |path| {
                is_relevant(path)
            });
        }
        (
            batch,
            start + Duration::from_millis(events.len() as u64 - 1),
        )
    }

    const WRITE: EventKind = EventKind::Modify(ModifyKind::Data(DataChange::Any));
    const CLOSE: EventKind = EventKind::Access(AccessKind::Close(AccessMode::Write));

    #[test]
    fn a_write_closed_goes_out_soon_and_one_still_open_waits() {
        let (saved, last) = batch(&[event(WRITE, &["a.toml"]), event(CLOSE, &["a.toml"])]);
        assert_eq!(saved.due(), Some(last + SETTLED));

        let (writing, last) = batch(&[event(WRITE, &["a.toml"])]);
        assert_eq!(writing.due(), Some(last + DEBOUNCE));

        // Two files, one of them still open.
        let (half, last) = batch(&[
            event(WRITE, &["a.toml"]),
            event(CLOSE, &["a.toml"]),
            event(WRITE, &["b.toml"]),
        ]);
        assert_eq!(half.due(), Some(last + DEBOUNCE));
    }

    #[test]
    fn a_rename_into_place_settles_and_a_rename_away_does_not() {
        let to = EventKind::Modify(ModifyKind::Name(RenameMode::To));
        let both = EventKind::Modify(ModifyKind::Name(RenameMode::Both));
        let from = EventKind::Modify(ModifyKind::Name(RenameMode::From));
        // An atomic save: a temporary file renamed over the original.
        let (atomic, last) = batch(&[
            event(to, &["a.toml"]),
            event(both, &[".a.toml.tmp", "a.toml"]),
        ]);
        assert_eq!(atomic.due(), Some(last + SETTLED));
        let mut atomic = atomic;
        assert_eq!(atomic.take(Path::new("/site")), [PathBuf::from("a.toml")]);
        assert_eq!(atomic.due(), None, "taken batches start empty");

        // Vim's backup: the original renamed away, then written anew.
        let (moved, last) = batch(&[
            event(from, &["a.toml"]),
            event(both, &["a.toml", "a.toml~"]),
        ]);
        assert_eq!(moved.due(), Some(last + DEBOUNCE));
        let (rewritten, last) = batch(&[
            event(from, &["a.toml"]),
            event(both, &["a.toml", "a.toml~"]),
            event(EventKind::Create(CreateKind::File), &["a.toml"]),
            event(WRITE, &["a.toml"]),
            event(CLOSE, &["a.toml"]),
        ]);
        assert_eq!(rewritten.due(), Some(last + SETTLED));
    }

    /// What the fast path rests on: inotify, through notify, reports a
    /// file written and closed, and an atomic rename into place, as saves
    /// that are over.
    #[cfg(target_os = "linux")]
    #[test]
    fn inotify_saves_settle() {
        let dir = tempfile::tempdir().unwrap();
        let (sender, events) = std::sync::mpsc::channel();
        let mut watcher = notify::recommended_watcher(move |event| {
            let _ = sender.send(event);
        })
        .unwrap();
        notify::Watcher::watch(&mut watcher, dir.path(), RecursiveMode::Recursive).unwrap();
        let settled_after = |save: &dyn Fn()| {
            let mut batch = Batch {
                tells_settled: true,
                ..Batch::default()
            };
            // Events of an earlier save must not stand in for this one's.
            std::thread::sleep(Duration::from_millis(50));
            while events.try_recv().is_ok() {}
            save();
            let deadline = Instant::now() + Duration::from_secs(5);
            while let Ok(event) =
                events.recv_timeout(deadline.saturating_duration_since(Instant::now()))
            {
                batch.note(&event.unwrap(), Instant::now(), is_relevant);
                if !batch.paths.is_empty() && batch.unsettled.is_empty() {
                    return true;
                }
            }
            false
        };
        let file = dir.path().join("a.toml");
        assert!(settled_after(&|| std::fs::write(&file, "x = 1\n").unwrap()));
        let temporary = dir.path().join(".a.toml.tmp");
        assert!(settled_after(&|| {
            std::fs::write(&temporary, "x = 2\n").unwrap();
            std::fs::rename(&temporary, &file).unwrap();
        }));
    }

    #[test]
    fn removals_reads_polling_and_lost_events() {
        let removed = EventKind::Remove(RemoveKind::File);
        let (gone, last) = batch(&[event(removed, &["a.toml"])]);
        assert_eq!(gone.due(), Some(last + DEBOUNCE));

        let read = EventKind::Access(AccessKind::Open(notify::event::AccessMode::Any));
        let (reads, _) = batch(&[event(read, &["a.toml"]), event(CLOSE, &["a.toml~"])]);
        assert_eq!(
            reads.due(),
            None,
            "reads and editor droppings change nothing"
        );

        let chmod = EventKind::Modify(ModifyKind::Metadata(MetadataKind::WriteTime));
        let (mut polled, last) = batch(&[event(chmod, &["a.toml"])]);
        polled.tells_settled = false;
        assert_eq!(polled.due(), Some(last + DEBOUNCE));

        let (mut lost, _) = batch(&[event(WRITE, &["a.toml"])]);
        lost.note(
            &Event::new(EventKind::Other).set_flag(notify::event::Flag::Rescan),
            Instant::now(),
            |_| true,
        );
        assert_eq!(lost.take(Path::new("/site")), [PathBuf::from("/site")]);
    }

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
