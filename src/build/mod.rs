//! The build pipeline: load → analyze → render → write. Nothing is written
//! unless every stage before it succeeded, and the output is swapped in
//! whole (see `output::writer`).
//!
//! A full build and a `serve` rebuild run the same code: a [`Builder`]
//! keeps what the previous build made (parsed files, analyses, pages,
//! exports, search terms) keyed by hashes of their inputs, and a fresh
//! builder simply has nothing to reuse. So an incremental result is a full
//! build's result by construction; a test checks it over many edits.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::analysis::{Analysis, EngagementFacts};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::keyed::{self, Keyed};
use crate::load::{Fingerprints, LoadCache, load_site_cached, relative_to};
use crate::model::Site;
use crate::output::search::{self, DocTerms, SearchIndex};
use crate::output::{exports, sitemap, writer};
use crate::render::urls::Urls;
use crate::render::{
    PageInputs, RenderCache, RenderError, RenderOptions, RenderedPage, RenderedSite, fingerprint,
    guide_pages, render_site, templates,
};

/// What to build.
#[derive(Debug, Clone)]
pub struct BuildRequest {
    pub root: PathBuf,
    pub output: PathBuf,
    /// Overrides the site's and the profile's base URL.
    pub base_url: Option<String>,
    pub profile: Option<String>,
}

/// One file of a site: its path and contents.
type SiteFile = (String, Arc<[u8]>);

/// Every file of a built site, by path, sorted. A file unchanged since the
/// previous build shares that build's buffer.
pub type SiteFiles = BTreeMap<Arc<str>, Arc<[u8]>>;

/// A built site.
#[derive(Debug)]
pub struct Built {
    /// Every file, when the build kept them in memory (see [`Builder::build`]).
    /// Shared with the builder, which patches its copy for the next build.
    pub files: Arc<SiteFiles>,
    /// The files added, changed or removed since the builder's previous
    /// build, when it built in memory and succeeded; `None` when every
    /// file was made afresh.
    pub changed: Option<Vec<Arc<str>>>,
    /// How many files the site has.
    pub file_count: usize,
    pub pages: usize,
    pub engagements: usize,
    /// Warnings of the load (errors stop the build).
    pub warnings: Diagnostics,
    /// How long each stage took.
    pub timings: Vec<(&'static str, Duration)>,
    /// The base path the site is served under.
    pub base_path: String,
}

/// Builds the site and writes it to the request's output. Files are
/// written as they are made, into a staging directory swapped in at the
/// end; on error nothing is swapped and the previous output stays as it
/// was.
pub fn build(request: &BuildRequest) -> Result<Built, Diagnostics> {
    let cannot_write = |error: std::io::Error| {
        single(
            Diagnostic::new(
                Code::E070,
                format!(
                    "cannot write the site to {}: {error}",
                    request.output.display()
                ),
            )
            .help("check that the directory is writable; the previous output was left as it was"),
        )
    };
    let staging = writer::Staging::new(&request.output).map_err(cannot_write)?;
    let mut builder = Builder::new(request.clone());
    let mut built = builder.make(Destination::Staging(&staging))?;
    // What the build made (the site, its analysis, the search index:
    // hundreds of thousands of allocations on a large site) is left to the
    // process's exit, which is next: `refarch build` builds once, and
    // freeing it piece by piece took 0.2 s of a 3.8 s build of the 10k site.
    std::mem::forget(builder);
    let swapping = Instant::now();
    staging.finish().map_err(cannot_write)?;
    built.timings.push(("swap", swapping.elapsed()));
    Ok(built)
}

fn single(diagnostic: Diagnostic) -> Diagnostics {
    let mut diagnostics = Diagnostics::default();
    diagnostics.push(diagnostic);
    diagnostics
}

/// Where a build's files go.
#[derive(Clone, Copy)]
enum Destination<'a> {
    /// Kept in [`Built::files`], and pages kept for the next build.
    Memory,
    /// Written as soon as made; nothing kept.
    Staging(&'a writer::Staging),
    /// Handed to a visitor as soon as made; nothing kept.
    Visit(&'a (dyn Fn(&str, &[u8]) + Sync)),
}

impl Destination<'_> {
    /// Puts a page under its file name, which is made only when needed.
    fn put_page(&self, page: &RenderedPage) -> Result<(), Diagnostics> {
        match self {
            Destination::Memory => Ok(()),
            _ => self.put(&page.file(), page.html.as_bytes()),
        }
    }

    fn put(&self, path: &str, bytes: &[u8]) -> Result<(), Diagnostics> {
        match self {
            Destination::Memory => Ok(()),
            Destination::Visit(visit) => {
                visit(path, bytes);
                Ok(())
            }
            Destination::Staging(staging) => staging.put(path, bytes).map_err(|error| {
                single(
                    Diagnostic::new(Code::E070, format!("cannot write {path}: {error}")).help(
                        "check that the output's directory is writable and has space; the previous output was left as it was",
                    ),
                )
            }),
        }
    }
}

/// An engagement's JSON export and line of the fleet CSV.
type Exported = (Arc<[u8]>, Arc<str>);

/// The analysis facts a build computed, by engagement id, with their keys.
#[derive(Clone, Default)]
pub struct KeptFacts(Analysis);

/// Builds a site again and again, reusing what did not change.
pub struct Builder {
    request: BuildRequest,
    load: LoadCache,
    facts: Analysis,
    pages: RenderCache,
    exports: Keyed<Exported>,
    search: Option<SearchIndex>,
    /// The sitemap, with the key of the base URL and the pages it lists:
    /// an edit of a page's content leaves it as it was.
    sitemap: Option<(u64, Arc<[u8]>)>,
    /// `support/support.json`, with the site-wide key: it is made from
    /// site-wide data alone.
    support_json: Option<(u64, Arc<[u8]>)>,
    /// The files of the last in-memory build, patched by the next with
    /// what it made. Taken while a build runs, so that after a failed one
    /// (whose caches may be ahead of these files) the next starts afresh.
    files: Option<Arc<SiteFiles>>,
    /// The files of the build before that, with the changes that make them
    /// the last build's: patched for the next build once the server lets
    /// go of them, instead of copying 22 000 entries on every build.
    spare_files: Option<(Arc<SiteFiles>, Vec<FileChange>)>,
    /// The paths of that build's files other than pages and engagement
    /// exports (the search index, the sitemap, static files), to tell
    /// which of them are gone.
    other_files: Vec<Arc<str>>,
    index_search: bool,
    /// Builds confidential engagements even under a profile that leaves
    /// them out (see [`Builder::including_confidential`]).
    include_confidential: bool,
    /// Whether the search index was made from the pages the page cache
    /// holds (see `render_and_write`).
    index_in_step: bool,
    /// The site and analysis of a build that keeps nothing for a next one,
    /// held for [`build`] to leave to the process's exit.
    spent: Option<(Site, Analysis)>,
}

/// What a build's pages are made under.
struct Under {
    /// Everything every page depends on (see `global_fingerprint`).
    global: u64,
    base_url: String,
    profile: Option<String>,
    /// The hash of each engagement's file, in the order of the site being
    /// built (after its profile): looked up once per build.
    engagement_files: Vec<Option<u64>>,
    /// Every engagement built, for the pages that list them all.
    all_engagements: u64,
}

/// What a build uses of a load besides the site.
struct Loaded<'a> {
    fingerprints: &'a Fingerprints,
    /// Its warnings, returned with the build.
    diagnostics: Diagnostics,
}

impl Builder {
    pub fn new(request: BuildRequest) -> Builder {
        Builder {
            request,
            load: LoadCache::default(),
            facts: Analysis::default(),
            pages: RenderCache::default(),
            exports: Keyed::default(),
            search: None,
            sitemap: None,
            support_json: None,
            files: None,
            spare_files: None,
            other_files: Vec::new(),
            index_search: true,
            include_confidential: false,
            index_in_step: false,
            spent: None,
        }
    }

    pub fn root(&self) -> &Path {
        &self.request.root
    }

    /// Tells the next build which paths changed since the last one (as a
    /// watcher reports them), so that it reads only those files. A path
    /// outside the site makes it read everything.
    pub fn note_changes(&mut self, paths: &[PathBuf]) {
        let root = &self.request.root;
        let canonical = root.canonicalize().ok();
        let relative: Option<Vec<String>> = paths
            .iter()
            .map(|path| relative_to(root, path).or_else(|| relative_to(canonical.as_ref()?, path)))
            .collect();
        match relative {
            // The root itself stands for "anything may have changed".
            Some(relative) if !relative.iter().any(String::is_empty) => {
                self.load.note_changes(relative)
            }
            _ => self.load.forget_changes(),
        }
    }

    /// Makes the next build read every file, as after a watcher error.
    pub fn forget_changes(&mut self) {
        self.load.forget_changes();
    }

    /// Builds the site in memory, keeping what the next build can reuse.
    pub fn build(&mut self) -> Result<Built, Diagnostics> {
        self.make(Destination::Memory)
    }

    /// The analysis of an engagement as the last build that kept its facts
    /// computed it.
    pub fn facts_of(&self, id: &str) -> Option<Arc<EngagementFacts>> {
        self.facts.shared(id)
    }

    /// A copy of the analysis facts, for builds of the same load under
    /// other profiles (see [`Builder::with_facts`]).
    pub fn kept_facts(&self) -> KeptFacts {
        KeptFacts(self.facts.clone())
    }

    /// Starts from facts another build computed: a build of the same load
    /// under another profile analyzes nothing again.
    pub fn with_facts(mut self, facts: KeptFacts) -> Builder {
        self.facts = facts.0;
        self
    }

    /// Leaves the search index out: for `check`, which reads the pages.
    pub fn without_search(mut self) -> Builder {
        self.index_search = false;
        self
    }

    /// Builds every engagement, confidential ones too, even under a profile
    /// that leaves them out, with the profile's base URL and name: `check`
    /// follows the links of such a build, and the profile's own build then
    /// reuses every page whose inputs are the same in both (see
    /// [`Builder::leave_out_confidential`]).
    pub fn including_confidential(mut self) -> Builder {
        self.include_confidential = true;
        self
    }

    /// From the next build on, builds what the profile includes, reusing
    /// what earlier builds made from the same inputs, as `serve` does after
    /// an edit.
    pub fn leave_out_confidential(&mut self) {
        self.include_confidential = false;
    }

    /// Builds, in memory, a site loaded already: `check` loads once for
    /// its own checks and both of its builds.
    pub fn build_loaded(
        &mut self,
        site: Site,
        fingerprints: &Fingerprints,
    ) -> Result<Built, Diagnostics> {
        let loaded = Loaded {
            fingerprints,
            diagnostics: Diagnostics::default(),
        };
        self.make_from(site, loaded, Vec::new(), Destination::Memory)
    }

    /// Builds a site loaded already, handing each file to `visit` as it is
    /// made and keeping none: `check` scans a profile's build this way.
    pub fn visit_loaded(
        &mut self,
        site: Site,
        fingerprints: &Fingerprints,
        visit: &(dyn Fn(&str, &[u8]) + Sync),
    ) -> Result<Built, Diagnostics> {
        let loaded = Loaded {
            fingerprints,
            diagnostics: Diagnostics::default(),
        };
        self.make_from(site, loaded, Vec::new(), Destination::Visit(visit))
    }

    fn make(&mut self, destination: Destination<'_>) -> Result<Built, Diagnostics> {
        let keep = matches!(destination, Destination::Memory);
        let started = Instant::now();
        let loaded = load_site_cached(&self.request.root, &mut self.load, keep);
        let Some(site) = loaded.site else {
            return Err(loaded.diagnostics);
        };
        let timings = vec![("load", started.elapsed())];
        let used = Loaded {
            fingerprints: &loaded.fingerprints,
            diagnostics: loaded.diagnostics,
        };
        self.make_from(site, used, timings, destination)
    }

    fn make_from(
        &mut self,
        mut site: Site,
        loaded: Loaded<'_>,
        mut timings: Vec<(&'static str, Duration)>,
        destination: Destination<'_>,
    ) -> Result<Built, Diagnostics> {
        let keep = matches!(destination, Destination::Memory);
        if !keep {
            // The engagement files' text is for pointing diagnostics at
            // lines; a build that writes has reported its problems already.
            site.sources.clear();
        }

        let (site, base_url, profile) =
            apply_profile(site, &self.request, self.include_confidential)?;
        let global =
            self.global_fingerprint(&site, loaded.fingerprints, &base_url, profile.as_deref());
        let stage = Instant::now();
        // Facts depend on the data alone, not on the theme, base URL or
        // profile: builds of one load under several profiles share them.
        let fingerprints = loaded.fingerprints;
        let engagement_files: Vec<Option<u64>> = site
            .engagements
            .par_iter()
            .map(|e| fingerprints.engagements.get(e.id.as_str()).copied())
            .collect();
        // Of the engagements built, not of those loaded: a profile may leave
        // some out, and a builder may build one load under several (`check`).
        let all_engagements = site
            .engagements
            .par_iter()
            .zip(&engagement_files)
            .map(|(e, file)| fingerprint(&(e.id.as_str(), file)))
            .reduce(|| 0, u64::wrapping_add);
        let mut analysis = std::mem::take(&mut self.facts);
        analysis.update(&site, |at| {
            fingerprint(&(fingerprints.global, engagement_files[at]))
        });
        timings.push(("analyze", stage.elapsed()));
        let under = Under {
            global,
            base_url,
            profile,
            engagement_files,
            all_engagements,
        };
        let made = self.render_and_write(&site, &analysis, loaded, under, timings, destination);
        if keep {
            self.facts = analysis;
        } else {
            self.spent = Some((site, analysis));
        }
        made
    }

    /// Renders, indexes and exports an analyzed site.
    fn render_and_write(
        &mut self,
        site: &Site,
        analysis: &Analysis,
        loaded: Loaded<'_>,
        under: Under,
        mut timings: Vec<(&'static str, Duration)>,
        destination: Destination<'_>,
    ) -> Result<Built, Diagnostics> {
        let keep = matches!(destination, Destination::Memory);
        let Under {
            global,
            base_url,
            profile,
            engagement_files,
            all_engagements,
        } = under;

        // Pages are rendered, handed to the search index and written in
        // one pass, so that a build without `keep` never holds them all.
        let stage = Instant::now();
        let options = RenderOptions {
            root: self.request.root.clone(),
            base_url: base_url.clone(),
            profile: profile.clone(),
            theme: site.config.theme.clone(),
        };
        let inputs = PageInputs {
            global,
            engagement_files: &engagement_files,
            all_engagements,
            pages: &loaded.fingerprints.pages,
        };
        let search = self.search.as_ref();
        let index_search = self.index_search;
        // The index holds the terms of every page the cache holds, under
        // the same keys, unless a build failed between caching pages and
        // indexing them: then each page is looked up.
        let index_in_step = std::mem::replace(&mut self.index_in_step, false);
        let each_page = |page: &RenderedPage,
                         key: u64,
                         fresh: bool|
         -> Result<(u64, Option<DocTerms>), Diagnostics> {
            destination.put_page(page)?;
            let indexed = (!fresh && index_in_step)
                || search.is_some_and(|index| index.terms_of(&page.path, key).is_some());
            let wanted = index_search && page.listed && !indexed;
            Ok((key, wanted.then(|| search::analyse(page))))
        };
        let rendered = render_site(
            site,
            analysis,
            &options,
            inputs,
            &mut self.pages,
            keep,
            each_page,
        )
        .map_err(|error| match error {
            RenderError::Template(found) | RenderError::Output(found) => found,
        })?;
        timings.push(("render and index pages", stage.elapsed()));

        let stage = Instant::now();
        let urls = Urls::new(&base_url);
        let mut rendered = rendered;
        // The search index and sitemap are made beside the engagement
        // exports: neither reads the other, and each is a pass over
        // thousands of pages or engagements on every `serve` rebuild.
        let exports = &mut self.exports;
        let (index_files, exports_made) = rayon::join(
            || {
                let mut files: Vec<SiteFile> = Vec::new();
                if self.index_search {
                    let documents: Vec<(&str, u64, Option<DocTerms>)> = rendered
                        .pages
                        .iter_mut()
                        .filter(|(page, _)| page.listed)
                        .map(|(page, (key, terms))| (page.path.as_str(), *key, terms.take()))
                        .collect();
                    let index = SearchIndex::refresh(self.search.take(), documents);
                    files = index.files();
                    self.search = Some(index);
                    self.index_in_step = keep;
                }
                let sitemap = sitemap_of(&mut self.sitemap, &rendered.pages, &urls);
                files.push(("sitemap.xml".to_string(), sitemap));
                files
            },
            || {
                engagement_exports(
                    exports,
                    site,
                    analysis,
                    &engagement_files,
                    global,
                    destination,
                )
            },
        );
        let (fleet_csv, exported) = exports_made?;
        // Every file besides pages and engagement exports.
        let mut others: Vec<SiteFile> = index_files;
        let support_json = keyed::reuse(&mut self.support_json, global, || {
            Ok::<_, std::convert::Infallible>(Arc::from(exports::support_json(site)))
        });
        let Ok(support_json) = support_json;
        others.push(("support/support.json".to_string(), support_json));
        let mut add =
            |path: &str, bytes: Vec<u8>| others.push((path.to_string(), Arc::from(bytes)));
        add("robots.txt", sitemap::robots(&urls).into_bytes());
        for (path, bytes) in std::mem::take(&mut rendered.files) {
            add(&path, bytes);
        }
        others.push(fleet_csv);
        others
            .par_iter()
            .try_for_each(|(path, bytes)| destination.put(path, bytes))?;
        let file_count = others.len() + rendered.pages.len() + site.engagements.len();
        let (files, changed) = match (keep, exported) {
            (true, Some(exported)) => self.site_files(site, &rendered, others, &exported),
            _ => (Arc::default(), None),
        };
        timings.push(("index and exports", stage.elapsed()));
        Ok(Built {
            files,
            changed,
            file_count,
            pages: rendered.pages.len(),
            engagements: site.engagements.len(),
            warnings: loaded.diagnostics,
            timings,
            base_path: urls.base().to_string(),
        })
    }

    /// Every file of an in-memory build: the previous build's files patched
    /// with what this one made, when there is a previous build to patch;
    /// otherwise all of them afresh. Returns them and, when patched, the
    /// paths of the files that changed.
    fn site_files<T>(
        &mut self,
        site: &Site,
        rendered: &RenderedSite<T>,
        others: Vec<SiteFile>,
        exported: &keyed::Refreshed<Exported>,
    ) -> (Arc<SiteFiles>, Option<Vec<Arc<str>>>) {
        // Each export's file and contents, from the values in site order.
        let export = |at: usize| -> (Arc<str>, Arc<[u8]>) {
            let id = site.engagements[at].id.as_str();
            (Arc::from(export_path(id)), exported.values[at].0.clone())
        };
        let other_paths: Vec<Arc<str>> = others
            .iter()
            .map(|(path, _)| Arc::from(path.as_str()))
            .collect();
        let Some(current) = self.files.take() else {
            let mut all: Vec<(Arc<str>, Arc<[u8]>)> =
                Vec::with_capacity(others.len() + rendered.pages.len() + self.exports.len());
            all.extend(
                other_paths
                    .iter()
                    .cloned()
                    .zip(others.into_iter().map(|(_, bytes)| bytes)),
            );
            all.extend(rendered.pages.iter().map(|(page, _)| page_file_entry(page)));
            all.extend((0..site.engagements.len()).map(export));
            // Sorted first, so that the map is built in one pass.
            all.sort_unstable_by(|a, b| a.0.cmp(&b.0));
            let files = Arc::new(SiteFiles::from_iter(all));
            self.other_files = other_paths;
            // A spare from before is behind some other build's files.
            self.spare_files = None;
            self.files = Some(files.clone());
            return (files, None);
        };
        // What differs from the last build's files.
        let mut changes: Vec<FileChange> = Vec::new();
        let mut set = |path: Arc<str>, bytes: Option<Arc<[u8]>>| {
            let unchanged = match (&bytes, current.get(&*path)) {
                (Some(bytes), Some(old)) => Arc::ptr_eq(old, bytes) || old == bytes,
                (None, old) => old.is_none(),
                (Some(_), None) => false,
            };
            if !unchanged {
                changes.push((path, bytes));
            }
        };
        for page in &rendered.made {
            let (path, bytes) = page_file_entry(page);
            set(path, Some(bytes));
        }
        for path in &rendered.removed {
            set(Arc::from(crate::render::page_file(path)), None);
        }
        for &at in &exported.made {
            let (path, bytes) = export(at);
            set(path, Some(bytes));
        }
        for id in &exported.dropped {
            set(Arc::from(export_path(id)), None);
        }
        let present: rustc_hash::FxHashSet<&str> = other_paths.iter().map(|p| &**p).collect();
        for gone in &self.other_files {
            if !present.contains(&**gone) {
                set(gone.clone(), None);
            }
        }
        for (path, (_, bytes)) in other_paths.iter().zip(others) {
            set(path.clone(), Some(bytes));
        }
        self.other_files = other_paths;
        let changed: Vec<Arc<str>> = changes.iter().map(|(path, _)| path.clone()).collect();
        if changes.is_empty() {
            self.files = Some(current.clone());
            return (current, Some(changed));
        }
        // The files are patched in the spare map, one build behind, when
        // no one holds it any more (the server has let go of the build
        // before last); otherwise the last build's are copied. The last
        // build's become the spare: whoever serves them has them whole.
        let recycled = self.spare_files.take().and_then(|(mut spare, behind)| {
            apply(Arc::get_mut(&mut spare)?, &behind);
            Some(spare)
        });
        let mut next = recycled.unwrap_or_else(|| Arc::new(SiteFiles::clone(&current)));
        apply(Arc::get_mut(&mut next).expect("not shared yet"), &changes);
        self.spare_files = Some((current, changes));
        self.files = Some(next.clone());
        (next, Some(changed))
    }

    /// Everything every page depends on.
    fn global_fingerprint(
        &self,
        site: &Site,
        fingerprints: &Fingerprints,
        base_url: &str,
        profile: Option<&str>,
    ) -> u64 {
        let theme = templates::theme_fingerprint(&self.request.root, &site.config.theme);
        let first_guide = guide_pages(site).first().map(|p| p.path.clone());
        fingerprint(&(
            fingerprints.global,
            theme,
            base_url,
            profile,
            first_guide,
            env!("CARGO_PKG_VERSION"),
        ))
    }
}

/// The sitemap of `pages`, or the previous build's when it lists the
/// same pages under the same base.
fn sitemap_of<T>(
    kept: &mut Option<(u64, Arc<[u8]>)>,
    pages: &[(Arc<RenderedPage>, T)],
    urls: &Urls,
) -> Arc<[u8]> {
    let key = {
        use std::hash::{Hash, Hasher};
        let mut hasher = crate::render::KeyHasher::default();
        urls.absolute("").hash(&mut hasher);
        for (page, _) in pages.iter().filter(|(page, _)| page.listed) {
            page.path.hash(&mut hasher);
        }
        hasher.finish()
    };
    let made = keyed::reuse(kept, key, || {
        let xml = sitemap::sitemap(pages.iter().map(|(page, _)| &**page), urls);
        Ok::<_, std::convert::Infallible>(Arc::from(xml.into_bytes()))
    });
    let Ok(bytes) = made;
    bytes
}

/// Writes each engagement's JSON export, or in memory brings the kept
/// exports up to date (and says what changed); returns the fleet CSV.
fn engagement_exports(
    kept: &mut Keyed<Exported>,
    site: &Site,
    analysis: &Analysis,
    engagement_files: &[Option<u64>],
    global: u64,
    destination: Destination<'_>,
) -> Result<(SiteFile, Option<keyed::Refreshed<Exported>>), Diagnostics> {
    let in_memory = matches!(destination, Destination::Memory);
    if !in_memory && kept.is_empty() {
        // Handed over as made, kept nowhere.
        site.engagements.par_iter().try_for_each(|e| {
            let id = e.id.as_str();
            let bytes = exports::engagement_json(e, analysis.of_engagement(id));
            destination.put(&export_path(id), &bytes)
        })?;
        let csv = exports::fleet_csv(site, analysis);
        return Ok((("fleet.csv".to_string(), Arc::from(csv)), None));
    }
    let made = keyed::refresh(
        kept,
        &site.engagements,
        |e| e.id.as_str(),
        |at, _| fingerprint(&(global, engagement_files[at])),
        |e| {
            let facts = analysis.of_engagement(e.id.as_str());
            Ok::<_, std::convert::Infallible>((
                Arc::from(exports::engagement_json(e, facts)),
                Arc::from(exports::fleet_csv_row(e, facts)),
            ))
        },
    );
    let Ok(refreshed) = made;
    if !in_memory {
        // A build that hands its files over, after one that kept its
        // exports (`check`'s profile build after its link build): the
        // unchanged ones are handed over as they were made then.
        site.engagements
            .par_iter()
            .zip(&refreshed.values)
            .try_for_each(|(e, (json, _))| destination.put(&export_path(e.id.as_str()), json))?;
    }
    let rows: Vec<&str> = refreshed.values.iter().map(|(_, row)| &**row).collect();
    let csv = exports::fleet_csv_from_rows(&rows);
    Ok((("fleet.csv".to_string(), Arc::from(csv)), Some(refreshed)))
}

/// The file of an engagement's JSON export.
fn export_path(id: &str) -> String {
    format!("engagements/{id}.json")
}

/// A file added or changed (with its contents) or removed (`None`).
type FileChange = (Arc<str>, Option<Arc<[u8]>>);

/// Applies `changes` to `files`.
fn apply(files: &mut SiteFiles, changes: &[FileChange]) {
    for (path, bytes) in changes {
        match bytes {
            Some(bytes) => files.insert(path.clone(), bytes.clone()),
            None => files.remove(&**path),
        };
    }
}

/// A page's file and contents, sharing the page's buffer: an unchanged
/// page keeps its pointer, which is how the next build and `serve` see
/// that it did not change without comparing bytes.
fn page_file_entry(page: &RenderedPage) -> (Arc<str>, Arc<[u8]>) {
    (Arc::from(page.file()), Arc::<[u8]>::from(page.html.clone()))
}

/// Applies `--profile`: which engagements (all of them with
/// `include_confidential`), and which base URL.
fn apply_profile(
    site: Site,
    request: &BuildRequest,
    include_confidential: bool,
) -> Result<(Site, String, Option<String>), Diagnostics> {
    let Some(name) = &request.profile else {
        let base = request
            .base_url
            .clone()
            .unwrap_or_else(|| site.config.base_url.clone());
        return Ok((site, base, None));
    };
    let Some((_, profile)) = site
        .config
        .profiles
        .iter()
        .find(|(id, _)| id.as_str() == name)
    else {
        let known: Vec<String> = site
            .config
            .profiles
            .keys()
            .map(|id| id.to_string())
            .collect();
        return Err(single(
            Diagnostic::new(Code::E020, format!("unknown build profile `{name}`")).help(
                if known.is_empty() {
                    "data/site.toml defines no [profiles.NAME]".to_string()
                } else {
                    format!("the profiles in data/site.toml are: {}", known.join(", "))
                },
            ),
        ));
    };
    let base = request
        .base_url
        .clone()
        .or_else(|| profile.base_url.clone())
        .unwrap_or_else(|| site.config.base_url.clone());
    let site = if profile.include_confidential || include_confidential {
        site
    } else {
        site.without_confidential()
    };
    Ok((site, base, Some(name.clone())))
}
