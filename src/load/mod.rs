//! Files → typed model + diagnostics. The only stage that reads `data/` and
//! `content/`; everything after it works on the validated [`Site`].
//!
//! Loading never stops at the first problem: every file is read and parsed,
//! then every cross-reference is checked among the files that parsed, and
//! all diagnostics are returned together.

pub(crate) mod content;
mod key_tree;
mod source;
pub(crate) mod toml_file;
mod validate;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use serde::de::DeserializeOwned;

pub use source::{MAX_FILE_BYTES, SourceFile, is_named};
pub use toml_file::PLACEHOLDER;

use crate::diagnostics::{Code, Diagnostic, Diagnostics, Location};
use crate::model::{
    Catalog, Engagement, Page, ReferenceArchitecture, Releases, Site, SiteConfig, SupportRules,
};
use crate::schema::FileKind;

/// A parsed value with the file it came from, so later checks can point
/// into that file.
#[derive(Debug)]
pub struct Parsed<T> {
    pub file: SourceFile,
    /// Shared, so that a file unchanged since the last load costs no copy.
    pub value: std::sync::Arc<T>,
}

// By hand: a copy shares the value, so `T` need not be `Clone`.
impl<T> Clone for Parsed<T> {
    fn clone(&self) -> Self {
        Parsed {
            file: self.file.clone(),
            value: self.value.clone(),
        }
    }
}

/// Everything that parsed, before cross-references are checked.
#[derive(Debug, Default)]
pub struct ParsedSite {
    pub config: Option<Parsed<SiteConfig>>,
    pub catalog: Option<Parsed<Catalog>>,
    pub releases: Option<Parsed<Releases>>,
    pub support: Option<Parsed<SupportRules>>,
    /// Shared with the load cache: a file unchanged since the last load
    /// costs a pointer copy.
    pub sizes: Vec<std::sync::Arc<Parsed<ReferenceArchitecture>>>,
    pub engagements: Vec<std::sync::Arc<Parsed<Engagement>>>,
    pub pages: Vec<std::sync::Arc<Parsed<Page>>>,
    /// Every size and engagement file, parsed or not, sorted, so that a
    /// broken file does not also turn every reference to it into an error.
    /// Shared with the load cache.
    pub size_files: Listing,
    pub engagement_files: Listing,
    /// Shared with the load cache, which patches it for the next load.
    pub fingerprints: Arc<Fingerprints>,
    /// The engagement files read or changed since the last load, sorted,
    /// when this load patched the last one; `None` when it read every file.
    pub touched_engagements: Option<Vec<String>>,
}

/// The outcome of loading: the site when there were no errors, and every
/// diagnostic (warnings come back even when the site loads).
#[derive(Debug)]
pub struct Loaded {
    pub site: Option<Site>,
    pub diagnostics: Diagnostics,
    /// Hashes of the inputs, so that later stages can tell what changed.
    pub fingerprints: Arc<Fingerprints>,
}

/// The files of a directory, sorted, relative to the site root. Shared
/// between a load and the cache, which patches it for the next load.
pub type Listing = Arc<Vec<String>>;

/// Content hashes of files, by name.
pub type FileHashes = rustc_hash::FxHashMap<String, u64>;

/// Content hashes of the inputs of one load. Every later stage looks each
/// engagement up here on every build, so it is kept between loads and
/// patched with the files that changed, and looked up by hash.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fingerprints {
    /// Everything every page depends on: site, catalog, releases, support
    /// rules and reference architectures.
    pub global: u64,
    /// Each engagement file that parsed, by its name without `.toml`:
    /// the engagement's id in any site that loads (another id is an error).
    pub engagements: FileHashes,
    /// Each content page, by its path under `content/`.
    pub pages: FileHashes,
}

/// Sets or, with `None`, removes the hash of the file `name`.
fn set_hash(hashes: &mut FileHashes, name: &str, hash: Option<u64>) {
    match hash {
        Some(hash) => {
            hashes.insert(name.to_string(), hash);
        }
        None => {
            hashes.remove(name);
        }
    }
}

/// Parsed files kept between loads, keyed by path and reused while the
/// file's text is unchanged: in `serve`, one edit re-parses one file.
///
/// When told which paths changed since the last load (see
/// [`LoadCache::note_changes`]), the next load lists and reads only those:
/// at ten thousand files, reading and hashing every file costs a hundred
/// times what the edit does.
#[derive(Default)]
pub struct LoadCache {
    sizes: FileCache<ReferenceArchitecture>,
    engagements: FileCache<Engagement>,
    pages: FileCache<Page>,
    /// The last load's entries of `engagements` and `pages`, in the order
    /// of its listings, when it collected one for every file.
    engagements_in_order: InOrder<Engagement>,
    pages_in_order: InOrder<Page>,
    /// The files each directory held at the last load.
    listings: HashMap<&'static str, Listing>,
    /// The site-wide files as last parsed, with the hash of their text.
    config: GlobalFile<SiteConfig>,
    catalog: GlobalFile<Catalog>,
    releases: GlobalFile<Releases>,
    support: GlobalFile<SupportRules>,
    /// What validating each engagement file found last time.
    checks: validate::EngagementChecks,
    /// The hashes of the last load, patched by the next.
    fingerprints: Arc<Fingerprints>,
    /// Paths (relative to the root) changed since the last load, or `None`
    /// when that is not known and everything is listed and read.
    changed: Option<std::collections::BTreeSet<String>>,
}

impl LoadCache {
    /// Records paths, relative to the site root, that changed since the
    /// last load. A path that is not a data or content file of its
    /// directory (a directory, a symbolic link, anything unexpected) makes
    /// the next load list and read everything, as does [`LoadCache::forget_changes`].
    pub fn note_changes(&mut self, relative: impl IntoIterator<Item = String>) {
        if let Some(changed) = &mut self.changed {
            changed.extend(relative);
        }
    }

    /// Makes the next load list and read every file.
    pub fn forget_changes(&mut self) {
        self.changed = None;
    }
}

/// A site-wide file as last parsed: the hash of its text, what parsing it
/// gave and found. Re-parsed only when its text changes.
type GlobalFile<T> = Option<(u64, Option<Parsed<T>>, Diagnostics)>;

/// Parses `file`, or takes what `cache` holds for the same text.
fn parse_global<T: DeserializeOwned>(
    file: SourceFile,
    kind: FileKind,
    cache: &mut GlobalFile<T>,
    diagnostics: &mut Diagnostics,
) -> Option<Parsed<T>> {
    if let Some((cached, parsed, found)) = cache
        && *cached == file.hash
    {
        diagnostics.extend(found.clone());
        return parsed.clone();
    }
    let mut found = Diagnostics::default();
    let hash = file.hash;
    let parsed = parse_file(file, kind, &mut found);
    diagnostics.extend(found.clone());
    *cache = Some((hash, parsed.clone(), found));
    parsed
}

/// The entries of a load's files, in the order of its listing.
type InOrder<T> = Vec<std::sync::Arc<CachedFile<T>>>;

/// Shared entries: a file unchanged since the last load costs a pointer copy.
/// Keyed by path with FxHash: every file's path is looked up on every load.
type FileCache<T> = rustc_hash::FxHashMap<String, std::sync::Arc<CachedFile<T>>>;

#[derive(Clone)]
struct CachedFile<T> {
    hash: u64,
    parsed: Option<std::sync::Arc<Parsed<T>>>,
    diagnostics: Diagnostics,
}

/// A stable-within-a-process hash of a file's text.
pub fn hash_text(text: &str) -> u64 {
    crate::render::fingerprint(text)
}

pub const DATA_DIR: &str = "data";
pub const CONTENT_DIR: &str = "content";
pub const SIZES_DIR: &str = "data/reference-architectures";
pub const ENGAGEMENTS_DIR: &str = "data/engagements";

/// Loads and validates the site rooted at `root`.
pub fn load_site(root: &Path) -> Loaded {
    load_site_cached(root, &mut LoadCache::default(), false)
}

/// Like [`load_site`], reusing what `cache` parsed last time for files whose
/// text has not changed. With `keep`, the cache is updated for the next
/// load and the site's `sources` are left empty (no `serve` build reports
/// findings); without, what was parsed moves into the site and the cache
/// is left empty, so that a one-off build holds one copy of the model.
pub fn load_site_cached(root: &Path, cache: &mut LoadCache, keep: bool) -> Loaded {
    let mut diagnostics = Diagnostics::default();
    if !root.join(DATA_DIR).is_dir() {
        diagnostics.push(
            Diagnostic::new(
                Code::E040,
                format!("{} has no data/ directory: it is not a refarch site", root.display()),
            )
            .help("run refarch from the site's root, pass --root DIR, or create a site with `refarch init`"),
        );
        return Loaded {
            site: None,
            diagnostics,
            fingerprints: Arc::default(),
        };
    }
    let mut parsed = parse_all(root, cache, keep, &mut diagnostics);
    let mut checks = std::mem::take(&mut cache.checks);
    validate::check(&parsed, &mut diagnostics, &mut checks);
    if keep {
        cache.checks = checks;
    }
    diagnostics.sort();
    let fingerprints = std::mem::take(&mut parsed.fingerprints);
    let site = if diagnostics.has_errors() {
        None
    } else {
        // Only one-off loads keep the engagement files' text: `serve`'s
        // builds report no findings, and need not copy ten thousand paths.
        into_site(parsed, !keep)
    };
    Loaded {
        site,
        diagnostics,
        fingerprints,
    }
}

fn parse_all(
    root: &Path,
    cache: &mut LoadCache,
    keep: bool,
    diagnostics: &mut Diagnostics,
) -> ParsedSite {
    // The hashes of the site-wide files' texts, for the global fingerprint.
    let mut global_hashes: Vec<u64> = Vec::new();
    let mut required = |name: &str, kind| -> Option<SourceFile> {
        let relative = format!("{DATA_DIR}/{name}");
        if !root.join(&relative).is_file() {
            diagnostics.push(
                Diagnostic::new(Code::E040, format!("{relative} is missing"))
                    .at(Location::file_only(&relative))
                    .help(format!(
                        "every site needs {}; `refarch init` writes a complete example",
                        FileKind::describe(kind)
                    )),
            );
            return None;
        }
        let file = read(root, &relative, diagnostics)?;
        global_hashes.push(file.hash);
        Some(file)
    };
    let config_file = required("site.toml", FileKind::Site);
    let catalog_file = required("catalog.toml", FileKind::Catalog);
    let releases_file = required("releases.toml", FileKind::Releases);
    let support_file = required("support.toml", FileKind::Support);

    let mut parsed = ParsedSite {
        config: config_file
            .and_then(|f| parse_global(f, FileKind::Site, &mut cache.config, diagnostics)),
        catalog: catalog_file
            .and_then(|f| parse_global(f, FileKind::Catalog, &mut cache.catalog, diagnostics)),
        releases: releases_file
            .and_then(|f| parse_global(f, FileKind::Releases, &mut cache.releases, diagnostics)),
        support: support_file
            .and_then(|f| parse_global(f, FileKind::Support, &mut cache.support, diagnostics)),
        ..ParsedSite::default()
    };
    if !keep {
        (cache.config, cache.catalog, cache.releases, cache.support) = (None, None, None, None);
    }
    // Taken once, for every listing and parse below: the changes since the
    // last load (`None`: read everything).
    let changed = cache.changed.take();
    let changed = changed.as_ref();
    let size_files = listing(root, SIZES_DIR, "toml", changed, cache, diagnostics);
    parse_many(
        root,
        &size_files,
        &mut cache.sizes,
        changed,
        |file, found| parse_file(file, FileKind::ReferenceArchitecture, found),
    );
    let engagement_files = listing(root, ENGAGEMENTS_DIR, "toml", changed, cache, diagnostics);
    let read_engagements = parse_many(
        root,
        &engagement_files,
        &mut cache.engagements,
        changed,
        |file, found| {
            let path = file.path.clone();
            parse_file::<Engagement>(file, FileKind::Engagement, found).map(|mut parsed| {
                std::sync::Arc::get_mut(&mut parsed.value)
                    .expect("just parsed")
                    .file = path;
                parsed
            })
        },
    );
    let content_files = listing(root, CONTENT_DIR, "md", changed, cache, diagnostics);
    let read_pages = parse_many(
        root,
        &content_files,
        &mut cache.pages,
        changed,
        |file, found| {
            let under_content = under_content(&file.path).to_string();
            let (page, page_diagnostics) = content::parse_page(&file, &under_content);
            found.extend(page_diagnostics);
            page.map(|value| Parsed {
                file,
                value: value.into(),
            })
        },
    );

    for relative in size_files.iter() {
        if let Some(entry) = cache.sizes.get(relative) {
            global_hashes.push(entry.hash);
        }
    }
    let global = crate::render::fingerprint(&global_hashes);
    let touched = changed.map(|changed| Touched {
        engagements: touched(changed, ENGAGEMENTS_DIR, &read_engagements),
        pages: touched(changed, CONTENT_DIR, &read_pages),
    });
    parsed.fingerprints = fingerprints(
        cache,
        touched.as_ref(),
        &engagement_files,
        &content_files,
        global,
    );
    if keep {
        cache.changed = Some(Default::default());
    }
    collect(
        &size_files,
        &mut cache.sizes,
        None,
        keep,
        &mut parsed.sizes,
        diagnostics,
    );
    collect(
        &engagement_files,
        &mut cache.engagements,
        touched
            .as_ref()
            .map(|t| (&t.engagements[..], &mut cache.engagements_in_order)),
        keep,
        &mut parsed.engagements,
        diagnostics,
    );
    collect(
        &content_files,
        &mut cache.pages,
        touched
            .as_ref()
            .map(|t| (&t.pages[..], &mut cache.pages_in_order)),
        keep,
        &mut parsed.pages,
        diagnostics,
    );
    parsed.touched_engagements = touched.map(|touched| touched.engagements);
    if keep {
        cache.listings = HashMap::from([
            (SIZES_DIR, size_files.clone()),
            (ENGAGEMENTS_DIR, engagement_files.clone()),
            (CONTENT_DIR, content_files),
        ]);
    }
    parsed.size_files = size_files;
    parsed.engagement_files = engagement_files;
    parsed
}

/// Files read and parsed as one task at most.
const FILES_PER_TASK: usize = 64;

/// Reads `files` and parses, in parallel, those whose text differs from
/// what `cache` holds, updating it in place. A file the cache holds that
/// is not among the `changed` paths (when they are known) is not even
/// read: in `serve`, an edit reads one file of ten thousand. Returns the
/// paths whose entry it replaced.
fn parse_many<T: Send + Sync>(
    root: &Path,
    files: &[String],
    cache: &mut FileCache<T>,
    changed: Option<&std::collections::BTreeSet<String>>,
    parse: impl Fn(SourceFile, &mut Diagnostics) -> Option<Parsed<T>> + Sync,
) -> Vec<String> {
    let to_read: Vec<&String> =
        match changed.and_then(|changed| changed_files(files, cache, changed)) {
            Some(to_read) => to_read,
            None => files.iter().collect(),
        };
    let previous = &*cache;
    let read: Vec<(&String, std::sync::Arc<CachedFile<T>>)> = to_read
        .into_par_iter()
        // Short tasks, so that both threads finish together (see
        // `render::PAGES_PER_TASK`).
        .with_max_len(FILES_PER_TASK)
        .filter_map(|relative| {
            let mut found = Diagnostics::default();
            let Some(file) = read(root, relative, &mut found) else {
                let failed = CachedFile {
                    hash: 0,
                    parsed: None,
                    diagnostics: found,
                };
                return Some((relative, std::sync::Arc::new(failed)));
            };
            let hash = file.hash;
            if previous
                .get(relative)
                .is_some_and(|cached| cached.hash == hash && hash != 0)
            {
                return None;
            }
            let parsed = parse(file, &mut found).map(std::sync::Arc::new);
            let made = CachedFile {
                hash,
                parsed,
                diagnostics: found,
            };
            Some((relative, std::sync::Arc::new(made)))
        })
        .collect();
    let mut replaced = Vec::with_capacity(read.len());
    for (relative, entry) in read {
        crate::keyed::put(cache, relative, entry);
        replaced.push(relative.clone());
    }
    crate::keyed::retain_present(cache, files.iter().map(String::as_str));
    replaced
}

/// The files among `files` to read when only `changed` paths changed: the
/// changed ones. Found from the changed paths alone (the cache holds
/// every other file: each load leaves it holding exactly the files it
/// listed), unless the counts say otherwise, and then `None`.
fn changed_files<'f, T>(
    files: &'f [String],
    cache: &FileCache<T>,
    changed: &std::collections::BTreeSet<String>,
) -> Option<Vec<&'f String>> {
    let mut to_read = Vec::new();
    let mut held = cache.len();
    for path in changed {
        let listed = files.binary_search(path).ok().map(|at| &files[at]);
        let cached = cache.contains_key(path);
        match listed {
            Some(file) => {
                to_read.push(file);
                held += usize::from(!cached);
            }
            None => held -= usize::from(cached),
        }
    }
    (held == files.len()).then_some(to_read)
}

/// The files of two directories read or changed since the last load.
struct Touched {
    engagements: Vec<String>,
    pages: Vec<String>,
}

/// The files under `dir` among the `changed` paths or the files `read`,
/// sorted, each once.
fn touched(
    changed: &std::collections::BTreeSet<String>,
    dir: &str,
    read: &[String],
) -> Vec<String> {
    let prefix = format!("{dir}/");
    let mut paths: Vec<String> = changed
        .iter()
        .filter(|path| path.starts_with(&prefix))
        .chain(read)
        .cloned()
        .collect();
    paths.sort();
    paths.dedup();
    paths
}

/// The load's fingerprints: the last load's patched with the files
/// `touched` since, when they are known; made afresh otherwise.
fn fingerprints(
    cache: &mut LoadCache,
    touched: Option<&Touched>,
    engagement_files: &[String],
    content_files: &[String],
    global: u64,
) -> Arc<Fingerprints> {
    let engagement_hash = |cache: &LoadCache, relative: &str| match cache.engagements.get(relative)
    {
        Some(entry) if entry.parsed.is_some() => Some(entry.hash),
        _ => None,
    };
    let page_hash =
        |cache: &LoadCache, relative: &str| cache.pages.get(relative).map(|entry| entry.hash);
    let engagement_id = |relative: &str| source::stem_of(relative).to_string();

    let mut fingerprints = std::mem::take(&mut cache.fingerprints);
    let patch = Arc::make_mut(&mut fingerprints);
    patch.global = global;
    match touched {
        Some(touched) => {
            for relative in &touched.engagements {
                let hash = engagement_hash(cache, relative);
                set_hash(&mut patch.engagements, &engagement_id(relative), hash);
            }
            for relative in &touched.pages {
                set_hash(
                    &mut patch.pages,
                    under_content(relative),
                    page_hash(cache, relative),
                );
            }
        }
        None => {
            *patch = Fingerprints {
                global,
                ..Fingerprints::default()
            };
            for relative in engagement_files {
                let hash = engagement_hash(cache, relative);
                set_hash(&mut patch.engagements, &engagement_id(relative), hash);
            }
            for relative in content_files {
                set_hash(
                    &mut patch.pages,
                    under_content(relative),
                    page_hash(cache, relative),
                );
            }
        }
    }
    cache.fingerprints = fingerprints.clone();
    fingerprints
}

/// A content file's path under `content/`, which names its page.
fn under_content(relative: &str) -> &str {
    &relative[CONTENT_DIR.len() + 1..]
}

/// Puts what the cache holds for `files` into the parsed site, in order,
/// shared with the cache; without `keep`, the cache is emptied.
///
/// With the files `touched` since the last load and the entries that load
/// collected, in its files' order: when no file was added or removed, those
/// entries are patched where a file was touched instead of every file
/// being looked up by path, which cost `serve` milliseconds per rebuild
/// on a site of ten thousand files.
fn collect<T>(
    files: &[String],
    cache: &mut FileCache<T>,
    touched: Option<(&[String], &mut InOrder<T>)>,
    keep: bool,
    into: &mut Vec<std::sync::Arc<Parsed<T>>>,
    diagnostics: &mut Diagnostics,
) {
    let (touched, mut in_order) = touched.unzip();
    let entries = touched
        .zip(in_order.as_deref_mut())
        .and_then(|(touched, last)| patched(files, cache, touched, std::mem::take(last)))
        .unwrap_or_else(|| {
            files
                .iter()
                .filter_map(|path| cache.get(path).cloned())
                .collect()
        });
    into.extend(entries.iter().filter_map(|entry| entry.parsed.clone()));
    for entry in entries.iter().filter(|entry| !entry.diagnostics.is_empty()) {
        diagnostics.extend(entry.diagnostics.clone());
    }
    if let Some(in_order) = in_order.filter(|_| keep && entries.len() == files.len()) {
        *in_order = entries;
    }
    if !keep {
        // The site holds the only copy.
        cache.clear();
    }
}

/// `last`, the last load's entries in the order of its files, with the
/// entry of each `touched` file, when none was added or removed (as many
/// files, each touched one among them); otherwise `None`.
fn patched<T>(
    files: &[String],
    cache: &FileCache<T>,
    touched: &[String],
    mut last: InOrder<T>,
) -> Option<InOrder<T>> {
    if last.len() != files.len() {
        return None;
    }
    for path in touched {
        last[files.binary_search(path).ok()?] = cache.get(path)?.clone();
    }
    Some(last)
}

fn read(root: &Path, relative: &str, diagnostics: &mut Diagnostics) -> Option<SourceFile> {
    match source::read_source(root, relative) {
        Ok(file) => Some(file),
        Err(diagnostic) => {
            diagnostics.push(*diagnostic);
            None
        }
    }
}

fn parse_file<T: DeserializeOwned>(
    file: SourceFile,
    kind: FileKind,
    diagnostics: &mut Diagnostics,
) -> Option<Parsed<T>> {
    if file.text.trim().is_empty() {
        diagnostics.push(
            Diagnostic::new(Code::E003, format!("{} is empty", file.path))
                .at(Location::file_only(&file.path))
                .help(empty_file_help(kind, file.stem())),
        );
        return None;
    }
    let (value, found) = toml_file::parse::<T>(&file, 0, kind);
    diagnostics.extend(found);
    value.map(|value| Parsed {
        file,
        value: value.into(),
    })
}

fn empty_file_help(kind: FileKind, stem: &str) -> String {
    match kind {
        FileKind::Engagement => format!(
            "delete it, then run `refarch new engagement {stem}` to write a template in its place"
        ),
        _ => format!(
            "it should hold {}; see schemas/{} or copy it from `refarch init`",
            kind.describe(),
            kind.schema_file_name()
        ),
    }
}

/// The files of `dir`: the last load's list updated with the changed
/// paths when they are known and all plain files, otherwise listed afresh.
fn listing(
    root: &Path,
    dir: &'static str,
    extension: &str,
    changed: Option<&std::collections::BTreeSet<String>>,
    cache: &mut LoadCache,
    diagnostics: &mut Diagnostics,
) -> Listing {
    let (Some(changed), Some(mut listed)) = (changed, cache.listings.remove(dir)) else {
        return Arc::new(list_files(root, dir, extension, diagnostics));
    };
    // Not copied: the last load's site, which shared it, is gone.
    let files = Arc::make_mut(&mut listed);
    // Patched in place: the list stays sorted.
    let prefix = format!("{dir}/");
    for path in changed {
        if !path.starts_with(&prefix) {
            continue;
        }
        let at = files.binary_search(path);
        match std::fs::symlink_metadata(root.join(path)) {
            Ok(metadata) if metadata.is_file() => {
                if let Err(at) = at
                    && path.ends_with(&format!(".{extension}"))
                {
                    files.insert(at, path.clone());
                }
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                if let Ok(at) = at {
                    files.remove(at);
                }
            }
            // A directory, a link or an unreadable entry: list everything,
            // which also reports what is wrong with it.
            _ => return Arc::new(list_files(root, dir, extension, diagnostics)),
        }
    }
    listed
}

/// Files with `extension` under `root/dir`, recursively, as sorted relative
/// paths. Symbolic links are not followed: a link out of the site, or a
/// loop, must never be read.
fn list_files(
    root: &Path,
    dir: &str,
    extension: &str,
    diagnostics: &mut Diagnostics,
) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending: Vec<PathBuf> = vec![root.join(dir)];
    while let Some(directory) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&directory) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(file_type) = entry.file_type() else {
                continue;
            };
            let relative = relative_path(root, &path);
            if file_type.is_symlink() {
                diagnostics.push(
                    Diagnostic::new(
                        Code::E001,
                        format!("{relative} is a symbolic link; refarch does not follow links"),
                    )
                    .at(Location::file_only(&relative))
                    .help("replace the link with the file itself"),
                );
            } else if file_type.is_dir() {
                pending.push(path);
            } else if path.extension().and_then(|e| e.to_str()) == Some(extension) {
                found.push(relative);
            }
        }
    }
    found.sort();
    found
}

fn relative_path(root: &Path, path: &Path) -> String {
    relative_to(root, path).unwrap_or_else(|| path.to_string_lossy().into_owned())
}

/// `path` relative to `root` with `/` separators, as the load names files;
/// `None` when it is not under `root`.
pub fn relative_to(root: &Path, path: &Path) -> Option<String> {
    let relative = path.strip_prefix(root).ok()?;
    Some(
        relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/"),
    )
}

fn into_site(parsed: ParsedSite, with_sources: bool) -> Option<Site> {
    let mut sizes: Vec<ReferenceArchitecture> = parsed
        .sizes
        .into_iter()
        .map(|p| std::sync::Arc::unwrap_or_clone(p.value.clone()))
        .collect();
    sizes.sort_by_key(|size| (size.limits.users, size.limits.repositories));
    let mut sources = std::collections::BTreeMap::new();
    let mut engagements: Vec<std::sync::Arc<Engagement>> = parsed
        .engagements
        .into_iter()
        .map(|parsed| {
            if with_sources {
                sources.insert(parsed.file.path.clone(), parsed.file.text.clone());
            }
            parsed.value.clone()
        })
        .collect();
    engagements.sort_by(|a, b| a.id.cmp(&b.id));
    let mut pages: Vec<std::sync::Arc<Page>> =
        parsed.pages.into_iter().map(|p| p.value.clone()).collect();
    pages.sort_by(|a, b| a.path.cmp(&b.path));
    Some(Site {
        config: std::sync::Arc::unwrap_or_clone(parsed.config?.value),
        catalog: std::sync::Arc::unwrap_or_clone(parsed.catalog?.value),
        releases: std::sync::Arc::unwrap_or_clone(parsed.releases?.value),
        support: std::sync::Arc::unwrap_or_clone(parsed.support?.value),
        sizes,
        engagements,
        pages,
        sources,
    })
}

/// Parses one data file on its own, ignoring its problems (`check` reports
/// them): for commands such as `new` that only need a vocabulary.
pub fn parse_alone<T: DeserializeOwned + Clone>(
    root: &Path,
    relative: &str,
    kind: FileKind,
) -> Option<T> {
    let mut ignored = Diagnostics::default();
    let file = read(root, relative, &mut ignored)?;
    parse_file::<T>(file, kind, &mut ignored)
        .map(|parsed| std::sync::Arc::unwrap_or_clone(parsed.value))
}

/// Every input file, relative to `root`: the `.toml` files under `data/`
/// and the `.md` files under `content/` (what `check` scans for secrets).
pub fn input_files(root: &Path) -> Vec<String> {
    let mut files = files_in(root, DATA_DIR, "toml");
    files.extend(files_in(root, CONTENT_DIR, "md"));
    files
}

/// The files under `root/dir` ending in `.extension`, relative to `root`
/// and sorted, as the load lists them: symbolic links are left out (the
/// load reports them).
pub fn files_in(root: &Path, dir: &str, extension: &str) -> Vec<String> {
    list_files(root, dir, extension, &mut Diagnostics::default())
}

/// Stems of the `.toml` files in `root/dir` (the size ids, the engagement ids).
pub fn file_stems(root: &Path, dir: &str) -> Vec<String> {
    files_in(root, dir, "toml")
        .iter()
        .map(|relative| {
            let name = relative.rsplit('/').next().unwrap_or(relative);
            name.trim_end_matches(".toml").to_string()
        })
        .collect()
}

/// Reads and parses a TOML file given by path, such as a requirements file
/// for `refarch support --file`.
pub fn read_toml<T: DeserializeOwned + Clone>(
    path: &Path,
    kind: FileKind,
) -> (Option<T>, Diagnostics) {
    let mut diagnostics = Diagnostics::default();
    let display = path.to_string_lossy().replace('\\', "/");
    let Some(file) = read(Path::new(""), &display, &mut diagnostics) else {
        return (None, diagnostics);
    };
    let value = parse_file::<T>(file, kind, &mut diagnostics)
        .map(|parsed| std::sync::Arc::unwrap_or_clone(parsed.value));
    (value, diagnostics)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_files_are_read_alone_only_while_the_cache_holds_the_others() {
        let files: Vec<String> = ["d/a", "d/b", "d/c"].map(String::from).to_vec();
        let cache_of = |paths: &[&str]| -> FileCache<()> {
            paths
                .iter()
                .map(|path| {
                    let entry = CachedFile {
                        hash: 1,
                        parsed: None,
                        diagnostics: Diagnostics::default(),
                    };
                    (path.to_string(), Arc::new(entry))
                })
                .collect()
        };
        let changed = |paths: &[&str]| paths.iter().map(|p| p.to_string()).collect();
        let read = |cache: &FileCache<()>, changed: &std::collections::BTreeSet<String>| {
            changed_files(&files, cache, changed)
                .map(|paths| paths.into_iter().cloned().collect::<Vec<_>>())
        };
        let all = cache_of(&["d/a", "d/b", "d/c"]);
        assert_eq!(
            read(&all, &changed(&["d/b"])),
            Some(vec!["d/b".to_string()])
        );
        // A new file and a removed one.
        let before = cache_of(&["d/a", "d/b", "d/gone"]);
        assert_eq!(
            read(&before, &changed(&["d/c", "d/gone"])),
            Some(vec!["d/c".to_string()])
        );
        // The cache lacks a file nobody said changed: read everything.
        let short = cache_of(&["d/a", "d/b"]);
        assert_eq!(read(&short, &changed(&["d/b"])), None);
    }

    /// A copy of the analysis fixture site, to edit.
    fn analysis_fixture() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/analysis");
        crate::fuzz::targets::copy_dir(&fixture, dir.path());
        dir
    }

    /// A load that checks only the changed engagement files must report
    /// what a load that checks every file reports: a new finding, a
    /// mended one, and findings of other files that an id change brings
    /// (a duplicate id) or takes away.
    #[test]
    fn checking_the_changed_files_alone_finds_what_checking_all_finds() {
        let dir = analysis_fixture();
        let root = dir.path();
        let mut cache = LoadCache::default();
        assert!(
            load_site_cached(root, &mut cache, true)
                .diagnostics
                .is_empty()
        );

        let acme = std::fs::read_to_string(root.join("data/engagements/acme.toml")).unwrap();
        let borealis = "data/engagements/borealis.toml";
        let borealis_text = std::fs::read_to_string(root.join(borealis)).unwrap();
        let borealis_as_acme = {
            let id = borealis_text.lines().next().unwrap();
            borealis_text.replacen(id, "id = \"acme\"", 1)
        };
        let edits: Vec<(&str, &str, String)> = vec![
            (
                "unknown provider",
                "data/engagements/acme.toml",
                acme.replace("provider = \"aws\"", "provider = \"awz\""),
            ),
            ("mended", "data/engagements/acme.toml", acme.clone()),
            ("duplicate id", borealis, borealis_as_acme),
            // Borealis, untouched, no longer duplicates an id.
            (
                "the other id changed",
                "data/engagements/acme.toml",
                acme.replace("id = \"acme\"", "id = \"zeta\""),
            ),
            (
                "the other id restored",
                "data/engagements/acme.toml",
                acme.clone(),
            ),
            ("id restored", borealis, borealis_text.clone()),
            ("broken", borealis, "id = [".to_string()),
            ("mended again", borealis, borealis_text),
        ];
        let render = |loaded: &Loaded| -> Vec<String> {
            loaded
                .diagnostics
                .iter()
                .map(|d| format!("{d:?}"))
                .collect()
        };
        let mut findings = 0;
        for (what, relative, text) in edits {
            std::fs::write(root.join(relative), text).unwrap();
            cache.note_changes([relative.to_string()]);
            let patched = render(&load_site_cached(root, &mut cache, true));
            let fresh = render(&load_site(root));
            assert_eq!(patched, fresh, "after `{what}`");
            findings += fresh.len();
        }
        // The series is worth running: some edits were found wanting.
        assert!(findings >= 3, "{findings} findings");
    }

    /// A load that reads only the changed files must hash the inputs
    /// as a load that reads every file does.
    #[test]
    fn patched_fingerprints_equal_fresh_ones_over_a_series_of_edits() {
        let dir = analysis_fixture();
        let root = dir.path();
        let mut cache = LoadCache::default();
        let first = load_site_cached(root, &mut cache, true);
        assert!(first.site.is_some());
        assert_eq!(first.fingerprints.engagements.len(), 3);

        let acme = std::fs::read_to_string(root.join("data/engagements/acme.toml")).unwrap();
        type Edit = (&'static str, &'static str, Box<dyn Fn(&Path)>);
        let edits: Vec<Edit> = vec![
            ("edit", "data/engagements/acme.toml", {
                let text = acme.replace("Acme", "Acme Corp");
                Box::new(move |path| std::fs::write(path, &text).unwrap())
            }),
            ("add", "data/engagements/delta.toml", {
                let text = acme.replace("id = \"acme\"", "id = \"delta\"");
                Box::new(move |path| std::fs::write(path, &text).unwrap())
            }),
            ("break", "data/engagements/delta.toml", {
                Box::new(|path| std::fs::write(path, "id = [").unwrap())
            }),
            ("mend", "data/engagements/delta.toml", {
                let text = acme.replace("id = \"acme\"", "id = \"delta\"");
                Box::new(move |path| std::fs::write(path, &text).unwrap())
            }),
            ("delete", "data/engagements/delta.toml", {
                Box::new(|path| std::fs::remove_file(path).unwrap())
            }),
            ("edit a page", "content/guide/reading.md", {
                Box::new(|path| {
                    let text = std::fs::read_to_string(path).unwrap() + "\nMore.\n";
                    std::fs::write(path, text).unwrap()
                })
            }),
            ("add a page", "content/guide/more.md", {
                Box::new(|path| {
                    std::fs::write(path, "+++\ntitle = \"More\"\n+++\n\nText.\n").unwrap()
                })
            }),
            ("delete a page", "content/guide/more.md", {
                Box::new(|path| std::fs::remove_file(path).unwrap())
            }),
        ];
        let mut previous = first.fingerprints.clone();
        drop(first);
        for (what, relative, edit) in edits {
            edit(&root.join(relative));
            cache.note_changes([relative.to_string()]);
            let patched = load_site_cached(root, &mut cache, true).fingerprints;
            let fresh = load_site(root).fingerprints;
            assert_eq!(patched, fresh, "after `{what}`");
            assert_ne!(patched, previous, "`{what}` changed nothing");
            previous = patched;
        }
    }
}
