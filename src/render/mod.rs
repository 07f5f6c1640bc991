//! Model + analyses → pages in memory. Pages render in parallel; nothing is
//! written here (see `output`).

pub mod charts;
pub mod contents;
pub mod escape;
pub mod highlight;
pub mod markdown;
pub mod templates;
pub mod topology;
pub mod urls;
pub mod views;

use std::path::PathBuf;

use minijinja::value::Serde;
use minijinja::{Environment, Value, context};
use rayon::prelude::*;
use serde::Serialize;

use crate::analysis::Analysis;
use crate::analysis::fleet::{Fleet, FleetCache};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::model::{Engagement, Page, Site};
use urls::Urls;
use views::{Link, PageMeta};

/// How to render.
#[derive(Debug, Clone)]
pub struct RenderOptions {
    /// The site root, where theme overrides live.
    pub root: PathBuf,
    /// Base path or URL the site is served under.
    pub base_url: String,
    /// The build profile's name, shown in the footer.
    pub profile: Option<String>,
    /// The theme under `themes/` whose files override the defaults.
    pub theme: String,
}

/// A rendered HTML page, with what the search index needs.
#[derive(Debug, Clone)]
pub struct RenderedPage {
    /// Site path: `""` for the home page, `engagements/acme/`, `404.html`.
    pub path: String,
    pub title: String,
    /// Which part of the site it belongs to, for search results.
    pub section: String,
    pub description: String,
    /// Shared, so that a cached page costs no copy when a build reuses it.
    pub html: std::sync::Arc<str>,
    /// Whether it belongs in the search index and the sitemap.
    pub listed: bool,
}

impl RenderedPage {
    /// The file the page is written to.
    pub fn file(&self) -> String {
        page_file(&self.path)
    }
}

/// The file a page at site path `path` is written to.
pub fn page_file(path: &str) -> String {
    if path.ends_with(".html") {
        path.to_string()
    } else {
        format!("{path}index.html")
    }
}

/// Everything rendered.
#[derive(Debug)]
pub struct RenderedSite<T> {
    /// Each page, sorted by path, with what the caller made of it. Without
    /// `keep`, a page's HTML is left empty once handed to the caller.
    pub pages: Vec<(std::sync::Arc<RenderedPage>, T)>,
    /// With `keep`, the pages rendered by this build rather than taken
    /// from the cache, and the paths of cached pages that are gone.
    pub made: Vec<std::sync::Arc<RenderedPage>>,
    pub removed: Vec<String>,
    /// Other files: static assets and exports, by path.
    pub files: Vec<(String, Vec<u8>)>,
}

/// Hashes of what pages are made from, so that a page whose inputs did not
/// change is taken from the previous build instead of rendered again.
#[derive(Debug, Clone, Copy)]
pub struct PageInputs<'a> {
    /// Site-wide inputs: data every page shows, templates, base URL, profile.
    pub global: u64,
    /// The hash of each engagement's file, in the site's order: every
    /// page and fragment of an engagement is keyed by it, and a lookup by
    /// id in a map of ten thousand, several times per engagement, cost
    /// `serve` milliseconds per rebuild.
    pub engagement_files: &'a [Option<u64>],
    /// All engagement files at once.
    pub all_engagements: u64,
    /// Each content page, by path under `content/`.
    pub pages: &'a crate::load::FileHashes,
}

/// Pages of the previous build, by site path, with the fingerprint of their
/// inputs.
/// Shared, so that a page taken from the cache costs a pointer copy.
pub type PageCache = rustc_hash::FxHashMap<String, (u64, std::sync::Arc<RenderedPage>)>;

/// Parts of pages kept between builds, by kind (`list-row`) and engagement
/// id, with the fingerprint of their inputs: a page that summarises every
/// engagement is re-assembled from them, rendering only the parts that
/// changed.
pub type FragmentCache = rustc_hash::FxHashMap<&'static str, Fragments>;

/// The fragments of one kind, by engagement id.
pub type Fragments = crate::keyed::Keyed<std::sync::Arc<str>>;

/// What one build keeps for the next.
#[derive(Default)]
pub struct RenderCache {
    pub pages: PageCache,
    pub fragments: FragmentCache,
    /// The template environment, with the site-wide key it was made under
    /// (which covers the theme's templates and the base URL): parsing
    /// every template again cost each `serve` rebuild a millisecond or two.
    pub templates: Option<(u64, std::sync::Arc<Environment<'static>>)>,
    /// The fleet of each run of engagements, for the dashboard.
    pub fleet: FleetCache,
    /// The last build's pages in the order of its jobs, and the order of
    /// their paths: the next build with the same pages in the same job
    /// order need not sort eleven thousand paths again.
    pub order: Option<PageOrder>,
    /// The last build's engagement pages, by position in the site.
    pub engagements: Option<EngagementPages>,
}

/// The engagement pages of the last build that kept its pages, in the
/// site's order, with what they were made from. While the site-wide inputs
/// and every engagement's prose are as they were, an engagement whose file
/// has the same hash at the same position has the same page: it is taken
/// from here without working out its key and looking it up by path, which
/// cost `serve` milliseconds per rebuild on a site of ten thousand.
pub struct EngagementPages {
    /// The site-wide key, and the key of every engagement's prose.
    under: (u64, u64),
    /// The hash of each engagement's file.
    files: Vec<Option<u64>>,
    /// Each engagement's page, with its key.
    pages: Vec<(u64, std::sync::Arc<RenderedPage>)>,
}

impl EngagementPages {
    /// The pages of this build: `last` patched where a file changed, when
    /// it was made under the same inputs, otherwise these afresh.
    fn kept<T>(
        last: Option<EngagementPages>,
        under: (u64, u64),
        files: &[Option<u64>],
        pages: &[(std::sync::Arc<RenderedPage>, T)],
        keys: &[u64],
    ) -> EngagementPages {
        match last {
            Some(mut last) => {
                for at in 0..files.len() {
                    if last.files[at] != files[at] {
                        last.pages[at] = (keys[at], pages[at].0.clone());
                    }
                }
                last.files.copy_from_slice(files);
                last
            }
            None => EngagementPages {
                under,
                files: files.to_vec(),
                pages: keys
                    .iter()
                    .zip(pages)
                    .map(|(key, (page, _))| (*key, page.clone()))
                    .collect(),
            },
        }
    }
}

/// The key of every engagement's prose (`content/engagements/<id>.md`).
fn engagement_prose(pages: &crate::load::FileHashes) -> u64 {
    pages
        .iter()
        .filter(|(path, _)| path.starts_with("engagements/"))
        .fold(0u64, |sum, entry| sum.wrapping_add(fingerprint(&entry)))
}

/// Pages in the order of their jobs, and the order of their paths.
pub type PageOrder = (Vec<std::sync::Arc<RenderedPage>>, Vec<usize>);

/// Pages rendered as one task at most. Left to itself, rayon cuts a list
/// into a few long runs (four on two cores) and splits a run further only
/// when another thread steals it: the last runs then end one thread's
/// work tens of milliseconds after the other's.
const PAGES_PER_TASK: usize = 64;

/// Renders every page of `site`, reusing pages of `cache` whose inputs
/// are unchanged, and hands each page with the fingerprint of its inputs,
/// and whether it was rendered now rather than taken from the cache, to
/// `each` as soon as it is made, on the thread that made it. With `keep`
/// the pages keep their HTML and the cache is updated in place for the
/// next build (in `serve`, an edit replaces a few entries of thousands);
/// without, only one page per thread is held at a time.
pub fn render_site<T: Send, E: Send>(
    site: &Site,
    analysis: &Analysis,
    options: &RenderOptions,
    inputs: PageInputs<'_>,
    cache: &mut RenderCache,
    keep: bool,
    each: impl Fn(&RenderedPage, u64, bool) -> Result<T, E> + Sync,
) -> Result<RenderedSite<T>, RenderError<E>> {
    let urls = Urls::new(&options.base_url);
    let env = crate::keyed::reuse(&mut cache.templates, inputs.global, || {
        templates::environment(&options.root, &options.theme, &urls)
            .map(std::sync::Arc::new)
            .map_err(|d| RenderError::Template(single(d)))
    })?;
    // Converted to a template value once, not once per page.
    let site_view = Value::from(Serde(views::site_view(
        site,
        &urls,
        options.profile.as_deref(),
    )));
    let contents = contents::Contents::new(site, &urls);
    let renderer = Renderer {
        analysis,
        inputs,
        fragments: std::sync::Mutex::new(std::mem::take(&mut cache.fragments)),
        fleet_runs: std::sync::Mutex::new(std::mem::take(&mut cache.fleet)),
        fleet: std::sync::OnceLock::new(),
        contents: &contents,
        env: &env,
        site_view: &site_view,
        options,
    };

    let mut jobs: Vec<Job<'_>> = SITE_WIDE_JOBS.to_vec();
    jobs.extend(site.sizes.iter().map(|s| Job::Size(s.id.as_str())));
    jobs.extend(
        site.engagements
            .iter()
            .enumerate()
            .map(|(at, e)| Job::Engagement(e, at)),
    );
    jobs.extend(contents.standalone().iter().copied().map(Job::Content));

    // The page, its key, whether it was rendered now, and what `each` made.
    type Made<T> = (std::sync::Arc<RenderedPage>, u64, bool, T);
    let previous = &cache.pages;
    let under = (inputs.global, engagement_prose(inputs.pages));
    let last_engagements = cache
        .engagements
        .take()
        .filter(|last| last.under == under && last.files.len() == inputs.engagement_files.len());
    let last = last_engagements.as_ref();
    let run = |(path, scratch): &mut (String, String),
               job: &Job<'_>|
     -> Result<Made<T>, RenderError<E>> {
        let (page, key, fresh) = match (job, last) {
            (Job::Engagement(_, at), Some(last))
                if last.files[*at] == inputs.engagement_files[*at] =>
            {
                let (key, page) = &last.pages[*at];
                (page.clone(), *key, false)
            }
            _ => {
                let key = job_key(&contents, job, inputs, path, scratch);
                match previous.get(path.as_str()) {
                    Some((cached_key, page)) if *cached_key == key => (page.clone(), key, false),
                    _ => {
                        let page = renderer
                            .render(site, &urls, job)
                            .map_err(|d| RenderError::Template(single(d)))?;
                        (std::sync::Arc::new(page), key, true)
                    }
                }
            }
        };
        let made = each(&page, key, fresh).map_err(RenderError::Output)?;
        if keep {
            return Ok((page, key, fresh, made));
        }
        // Handed over: only what the sitemap and index need is kept.
        let kept = RenderedPage {
            html: std::sync::Arc::from(""),
            ..RenderedPage::clone(&page)
        };
        Ok((std::sync::Arc::new(kept), key, false, made))
    };
    let buffers = || (String::new(), String::new());
    // The site-wide pages come first. Three of them list every engagement
    // and take milliseconds each where another page takes a microsecond, so
    // each is a task of its own: in one share of the job list, they would
    // all fall to one thread while the other renders the rest.
    let (site_wide, per_item) = jobs.split_at(SITE_WIDE_JOBS.len());
    let (mut results, rest): (Vec<_>, Vec<_>) = rayon::join(
        || {
            site_wide
                .par_iter()
                .with_max_len(1)
                .map_init(buffers, run)
                .collect()
        },
        || {
            per_item
                .par_iter()
                .with_max_len(PAGES_PER_TASK)
                .map_init(buffers, run)
                .collect()
        },
    );
    results.extend(rest);
    cache.fragments = renderer.fragments.into_inner().expect("fragment lock");
    cache.fleet = renderer.fleet_runs.into_inner().expect("fleet lock");
    let mut diagnostics = Diagnostics::default();
    let mut template_errors = Vec::new();
    let mut pages = Vec::with_capacity(results.len());
    let mut rendered_now = Vec::new();
    let mut keys = Vec::with_capacity(results.len());
    for result in results {
        match result {
            Ok((page, key, fresh, made)) => {
                if keep && fresh {
                    crate::keyed::put(&mut cache.pages, &page.path, (key, page.clone()));
                    rendered_now.push(page.clone());
                }
                keys.push(key);
                pages.push((page, made));
            }
            Err(RenderError::Template(found)) => template_errors.extend(found),
            Err(output) => return Err(output),
        }
    }
    diagnostics.extend(once_each(template_errors));
    if keep && !diagnostics.has_errors() {
        let first = SITE_WIDE_JOBS.len() + site.sizes.len();
        let range = first..first + site.engagements.len();
        cache.engagements = Some(EngagementPages::kept(
            last_engagements,
            under,
            inputs.engagement_files,
            &pages[range.clone()],
            &keys[range],
        ));
    }
    let mut removed = Vec::new();
    if keep {
        removed = crate::keyed::retain_present(
            &mut cache.pages,
            pages.iter().map(|(page, _)| page.path.as_str()),
        );
    }
    if diagnostics.has_errors() {
        return Err(RenderError::Template(diagnostics));
    }
    let pages = sorted_by_path(pages, if keep { Some(&mut cache.order) } else { None });
    let mut files = Vec::new();
    for (name, default) in templates::DEFAULT_STATIC {
        let text = templates::static_file(&options.root, &options.theme, name, default);
        files.push((format!("static/{name}"), text.into_bytes()));
    }
    files.push((
        "static/highlight.css".to_string(),
        highlight::stylesheet().into_bytes(),
    ));
    Ok(RenderedSite {
        pages,
        made: rendered_now,
        removed,
        files,
    })
}

/// `pages`, given in the order of their jobs, sorted by path, in the order
/// `kept` holds when it was worked out for the same pages in the same job
/// order (the pages reused are the same pointers; the others are
/// compared by path). The order worked out is kept there.
fn sorted_by_path<T>(
    pages: Vec<(std::sync::Arc<RenderedPage>, T)>,
    kept: Option<&mut Option<PageOrder>>,
) -> Vec<(std::sync::Arc<RenderedPage>, T)> {
    let same_jobs = |before: &[std::sync::Arc<RenderedPage>]| {
        before.len() == pages.len()
            && before.iter().zip(&pages).all(|(before, (now, _))| {
                std::sync::Arc::ptr_eq(before, now) || before.path == now.path
            })
    };
    let order = match kept.as_deref() {
        Some(Some((before, order))) if same_jobs(before) => order.clone(),
        _ => {
            let mut order: Vec<usize> = (0..pages.len()).collect();
            order.sort_by(|&a, &b| pages[a].0.path.cmp(&pages[b].0.path));
            order
        }
    };
    if let Some(kept) = kept {
        let in_job_order = pages.iter().map(|(page, _)| page.clone()).collect();
        *kept = Some((in_job_order, order.clone()));
    }
    let mut slots: Vec<Option<(std::sync::Arc<RenderedPage>, T)>> =
        pages.into_iter().map(Some).collect();
    order
        .iter()
        .map(|&at| slots[at].take().expect("an order visits each page once"))
        .collect()
}

/// Why rendering stopped: a template failed, or the caller's `each` did.
#[derive(Debug)]
pub enum RenderError<E> {
    Template(Diagnostics),
    Output(E),
}

/// The hasher of every cache key. Keys are compared, never used to find
/// a bucket or shown, and their inputs are mostly other keys and file
/// text, so a fast multiply-mix hash will do: SipHash, which resists
/// chosen inputs no one here chooses, cost `serve` a tenth of each
/// rebuild hashing the same ten thousand keys.
pub type KeyHasher = rustc_hash::FxHasher;

/// A hash of anything hashable, as a cache key.
pub fn fingerprint<T: std::hash::Hash + ?Sized>(value: &T) -> u64 {
    use std::hash::Hasher;
    let mut hasher = KeyHasher::default();
    value.hash(&mut hasher);
    hasher.finish()
}

/// Writes the path of the page a job renders into `path`, and returns the
/// fingerprint of everything it reads. Every job of every build asks
/// this, so it writes into buffers the caller reuses (`scratch` is for
/// companion pages' paths) rather than allocating.
fn job_key(
    contents: &contents::Contents<'_>,
    job: &Job<'_>,
    inputs: PageInputs<'_>,
    path: &mut String,
    scratch: &mut String,
) -> u64 {
    use std::fmt::Write;
    path.clear();
    let mut page_hash = |write: std::fmt::Arguments| {
        scratch.clear();
        let _ = scratch.write_fmt(write);
        inputs.pages.get(scratch.as_str()).copied().unwrap_or(0)
    };
    // Pages that summarise engagements change with any of them.
    let summary = || fingerprint(&(inputs.global, inputs.all_engagements));
    let (fixed, key) = match job {
        Job::Home => ("", summary()),
        Job::EngagementList => ("engagements/", summary()),
        Job::Releases => ("releases/", summary()),
        Job::Support => ("support/", inputs.global),
        Job::SizesIndex => ("reference-architectures/", inputs.global),
        Job::Search => ("search/", inputs.global),
        Job::NotFound => ("404.html", inputs.global),
        Job::Size(id) => {
            let _ = write!(path, "reference-architectures/{id}/");
            let prose = page_hash(format_args!("reference-architectures/{id}.md"));
            ("", fingerprint(&(inputs.global, prose)))
        }
        Job::Engagement(engagement, at) => {
            let id = engagement.id.as_str();
            let _ = write!(path, "engagements/{id}/");
            let prose = page_hash(format_args!("engagements/{id}.md"));
            let file = inputs.engagement_files[*at];
            ("", fingerprint(&(inputs.global, file.unwrap_or(0), prose)))
        }
        Job::Content(page) => {
            // A content page lists pages of its section.
            let nav = contents.section_nav(page);
            let siblings: Vec<(&str, &str)> = nav
                .pages
                .iter()
                .map(|p| (p.path.as_str(), p.front_matter.title.as_str()))
                .collect();
            let siblings = (siblings, nav.before, nav.after);
            path.push_str(&page_path(&page.path));
            let own = inputs.pages.get(page.path.as_str()).copied().unwrap_or(0);
            ("", fingerprint(&(inputs.global, own, siblings)))
        }
    };
    path.push_str(fixed);
    key
}

/// Each distinct diagnostic once, in the order first found, saying on how
/// many pages it happened when more than one. A mistake in a template
/// that every page renders fails every page the same way; ten thousand
/// copies of one error would bury the rest.
fn once_each(found: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut distinct: Vec<(Diagnostic, usize)> = Vec::new();
    // By message and place (file, line, column): the index in `distinct`.
    type Place = Option<(String, usize, usize)>;
    let mut seen: std::collections::HashMap<(String, Place), usize> =
        std::collections::HashMap::new();
    for diagnostic in found {
        let place = diagnostic
            .location
            .as_ref()
            .map(|at| (at.file.clone(), at.line, at.column));
        match seen.entry((diagnostic.message.clone(), place)) {
            std::collections::hash_map::Entry::Occupied(at) => distinct[*at.get()].1 += 1,
            std::collections::hash_map::Entry::Vacant(entry) => {
                entry.insert(distinct.len());
                distinct.push((diagnostic, 1));
            }
        }
    }
    distinct
        .into_iter()
        .map(|(mut diagnostic, pages)| {
            if pages > 1 {
                diagnostic.message = format!("{} (on {pages} pages)", diagnostic.message);
            }
            diagnostic
        })
        .collect()
}

fn single(diagnostic: Diagnostic) -> Diagnostics {
    let mut diagnostics = Diagnostics::default();
    diagnostics.push(diagnostic);
    diagnostics
}

/// The pages every site has, first among the jobs of a build.
const SITE_WIDE_JOBS: [Job<'static>; 7] = [
    Job::Home,
    Job::Support,
    Job::SizesIndex,
    Job::EngagementList,
    Job::Releases,
    Job::Search,
    Job::NotFound,
];

/// One page to render.
#[derive(Clone, Copy)]
enum Job<'a> {
    Home,
    Support,
    SizesIndex,
    Size(&'a str),
    EngagementList,
    /// An engagement, with its position in the site (where
    /// [`PageInputs::engagement_files`] holds its file's hash).
    Engagement(&'a Engagement, usize),
    Releases,
    Content(&'a Page),
    Search,
    NotFound,
}

struct Renderer<'a> {
    analysis: &'a Analysis,
    inputs: PageInputs<'a>,
    /// Fragments of earlier builds, updated by this one.
    fragments: std::sync::Mutex<FragmentCache>,
    /// The fleet's runs of earlier builds, updated by this one.
    fleet_runs: std::sync::Mutex<FleetCache>,
    fleet: std::sync::OnceLock<Fleet>,
    contents: &'a contents::Contents<'a>,
    env: &'a Environment<'static>,
    site_view: &'a Value,
    options: &'a RenderOptions,
}

impl Renderer<'_> {
    fn render(&self, site: &Site, urls: &Urls, job: &Job<'_>) -> Result<RenderedPage, Diagnostic> {
        // Rows of a page that lists every engagement, spliced in where the
        // template printed ROWS_MARKER (see `splice`).
        let mut rows: Option<Vec<std::sync::Arc<str>>> = None;
        let (template, meta, view, listed): (&str, PageMeta, Value, bool) = match job {
            Job::Home => (
                "home.html",
                PageMeta::new(site.config.title.clone(), "", "")
                    .described(site.config.description.clone()),
                Value::from(Serde(views::home::home_view(site, self.fleet(site), urls))),
                true,
            ),
            Job::Support => (
                "support.html",
                PageMeta::new("Supported configurations", "support/", "support/")
                    .described("Is it officially supported? The support matrices, every rule with its source, and the exception process.")
                    .crumbs(vec![Link::new("Fleet", "")]),
                Value::from(Serde(views::support::support_view(site))),
                true,
            ),
            Job::SizesIndex => (
                "sizes.html",
                PageMeta::new("Reference architectures", "reference-architectures/", "reference-architectures/")
                    .described("The reference sizes side by side: limits, machines per cloud, node pools and resources.")
                    .crumbs(vec![Link::new("Fleet", "")]),
                Value::from(Serde(views::sizes::sizes_index_view(site))),
                true,
            ),
            Job::Size(id) => {
                let size = site.sizes.iter().find(|s| s.id.as_str() == *id).expect("job from the site");
                let prose = self.companion(site, &format!("reference-architectures/{id}.md"), urls);
                let mut meta = PageMeta::new(format!("{} reference architecture", size.name), format!("reference-architectures/{id}/"), "reference-architectures/")
                    .described(size.summary.clone())
                    .crumbs(vec![Link::new("Fleet", ""), Link::new("Reference architectures", "reference-architectures/")]);
                if let Some(prose) = &prose {
                    meta.toc = prose.toc.clone();
                }
                let view = views::sizes::size_view(site, size, prose.map(|p| p.html));
                ("size.html", meta, Value::from(Serde(view)), true)
            }
            Job::EngagementList => (
                "engagements.html",
                PageMeta::new("Engagements", "engagements/", "engagements/")
                    .described("Every customer implementation, with its deployment, release, size and progress.")
                    .crumbs(vec![Link::new("Fleet", "")]),
                {
                    rows = Some(self.engagement_rows(site, "list-row", "engagement-row.html", |e, facts| {
                        Some(Value::from(Serde(views::engagement::list_row(site, e, facts))))
                    })?);
                    Value::from(Serde(views::engagement::list_view(site, self.fleet(site), ROWS_MARKER.to_string())))
                },
                true,
            ),
            Job::Engagement(engagement, ..) => {
                let id = engagement.id.as_str();
                let prose = self.companion(site, &format!("engagements/{id}.md"), urls);
                let facts = self.analysis.of_engagement(id);
                let view = views::engagement::engagement_view(site, engagement, facts, urls, prose.map(|p| p.html));
                (
                    "engagement.html",
                    PageMeta::new(engagement.customer.clone(), format!("engagements/{id}/"), "engagements/")
                        .described(engagement.summary.clone())
                        .crumbs(vec![Link::new("Fleet", ""), Link::new("Engagements", "engagements/")]),
                    Value::from(Serde(view)),
                    true,
                )
            }
            Job::Releases => (
                "releases.html",
                PageMeta::new("Releases", "releases/", "releases/")
                    .described("The release catalog, the support window, upgrade rules and every customer's path to the latest release.")
                    .crumbs(vec![Link::new("Fleet", "")]),
                {
                    rows = Some(self.engagement_rows(site, "path-row", "release-path-row.html", |e, facts| {
                        views::releases::path_row(site, e, facts).map(|row| Value::from(Serde(row)))
                    })?);
                    Value::from(Serde(views::releases::releases_view(site, self.fleet(site), ROWS_MARKER.to_string())))
                },
                true,
            ),
            Job::Content(page) => {
                let rendered = markdown::render(page.body(), urls, site.config.highlight_code);
                let path = page_path(&page.path);
                let section = page.path.split('/').next().unwrap_or("").to_string();
                let mut meta = PageMeta::new(page.front_matter.title.clone(), path, &self.guide_section(page))
                    .described(page.front_matter.description.clone())
                    .crumbs(vec![Link::new("Fleet", "")]);
                if page.front_matter.toc {
                    meta.toc = rendered.toc.clone();
                }
                let nav = self.contents.section_nav(page);
                let link_template = self
                    .env
                    .get_template("section-nav-link.html")
                    .expect("templates are loaded");
                let nav_html = self.contents.nav_html(&nav, page, |link, current| {
                    let context = context! { link => link, current => current };
                    self.render_template(&link_template, context, NAV_LINK_ROOM)
                })?;
                let view = ContentView {
                    html: Value::from_safe_string(rendered.html),
                    nav_html: Value::from_safe_string(nav_html),
                    siblings: Value::from(self.contents.links(&nav)),
                    before: nav.before,
                    after: nav.after,
                    section: title_case(&section),
                };
                ("page.html", meta, Value::from(Serde(view)), true)
            }
            Job::Search => (
                "search.html",
                PageMeta::new("Search", "search/", NO_NAV_ENTRY).crumbs(vec![Link::new("Fleet", "")]),
                Value::from(()),
                false,
            ),
            Job::NotFound => (
                "404.html",
                PageMeta::new("Page not found", "404.html", NO_NAV_ENTRY),
                Value::from(()),
                false,
            ),
        };
        let template = self
            .env
            .get_template(template)
            .expect("templates are loaded");
        let html = self.render_template(
            &template,
            context! { site => self.site_view.clone(), page => Serde(&meta), view => view },
            PAGE_ROOM,
        )?;
        let section = match meta.section.as_str() {
            "" | NO_NAV_ENTRY => "Site".to_string(),
            other => title_case(other.trim_end_matches('/')),
        };
        let html: std::sync::Arc<str> = match rows {
            Some(rows) => splice(&html, &rows),
            None => html.into(),
        };
        Ok(RenderedPage {
            path: meta.path.clone(),
            title: meta.title.clone(),
            section,
            description: meta.description.clone(),
            html,
            listed,
        })
    }
}

impl Renderer<'_> {
    /// Renders `template` into `room` bytes (grown if it needs more),
    /// reporting a failure at the template's line.
    fn render_template(
        &self,
        template: &minijinja::Template<'_, '_>,
        context: Value,
        room: usize,
    ) -> Result<String, Diagnostic> {
        // Rendered into room for the whole text: grown from minijinja's
        // guess (twice the template's text), a page was copied a few
        // times over as it grew, 1.4 % of the Markdown corpus's
        // instructions (bench/instructions.sh).
        let mut html = Vec::with_capacity(room);
        template
            .render_captured_to(context, &mut html)
            .map_err(|error| {
                templates::template_error(
                    &self.options.root,
                    &self.options.theme,
                    template.name(),
                    &error,
                )
            })?;
        Ok(String::from_utf8(html).expect("templates write text"))
    }

    /// One row per engagement of a page that lists them all, each rendered
    /// from `template` (with the row as `r`) unless the previous
    /// build made it from the same inputs; `row` gives the row's view, or
    /// `None` for no row.
    fn engagement_rows(
        &self,
        site: &Site,
        kind: &'static str,
        template: &str,
        row: impl Fn(&Engagement, &crate::analysis::EngagementFacts) -> Option<Value> + Sync,
    ) -> Result<Vec<std::sync::Arc<str>>, Diagnostic> {
        let template = self
            .env
            .get_template(template)
            .expect("templates are loaded");
        // Taken out while the rows are made, and put back updated.
        let mut kept: Fragments = self
            .fragments
            .lock()
            .expect("fragment lock")
            .remove(kind)
            .unwrap_or_default();
        let made = crate::keyed::refresh(
            &mut kept,
            &site.engagements,
            |e| e.id.as_str(),
            |at, _| self.engagement_key(at),
            |e| match row(e, self.analysis.of_engagement(e.id.as_str())) {
                Some(row) => self
                    .render_template(&template, context! { r => row }, ROW_ROOM)
                    .map(std::sync::Arc::from),
                None => Ok(std::sync::Arc::from("")),
            },
        );
        let rows = made.map(|refreshed| refreshed.values);
        self.fragments
            .lock()
            .expect("fragment lock")
            .insert(kind, kept);
        rows
    }

    /// The fleet of every engagement, made once per build by the first
    /// page that shows it, from the runs the previous build kept where
    /// their engagements are unchanged.
    fn fleet(&self, site: &Site) -> &Fleet {
        self.fleet.get_or_init(|| {
            let mut runs = self.fleet_runs.lock().expect("fleet lock");
            runs.fleet(site, self.analysis, |at| self.engagement_key(at))
        })
    }

    /// The fingerprint of what the rows and parts of the engagement at
    /// position `at` in the site are made from: the engagement and the
    /// site-wide inputs its analysis reads.
    fn engagement_key(&self, at: usize) -> u64 {
        fingerprint(&(self.inputs.global, self.inputs.engagement_files[at]))
    }

    /// Prose a content page adds to a generated page.
    fn companion(&self, site: &Site, path: &str, urls: &Urls) -> Option<markdown::Rendered> {
        let highlight = site.config.highlight_code;
        self.contents
            .page(path)
            .map(|p| markdown::render_with_ids(p.body(), urls, "about-", highlight))
    }

    /// The navigation section of a content page: guide pages belong to
    /// the guide, whose entry links to its first page.
    fn guide_section(&self, page: &Page) -> String {
        match self.contents.first_guide() {
            Some(first) if page.path.starts_with("guide/") => page_path(&first.path),
            _ => NO_NAV_ENTRY.to_string(),
        }
    }
}

/// Bytes a page is rendered into before it has to grow: more than a
/// handoff page takes (36 KB on the benchmark's site), so nearly every
/// page is written once.
const PAGE_ROOM: usize = 64 * 1024;

/// Bytes a row of a page that lists every engagement is rendered into: a
/// row of the engagement list is 870 bytes on the benchmark's site. Ten
/// thousand of them are made per list, and the page's room would be
/// allocated for each.
const ROW_ROOM: usize = 2 * 1024;

/// Bytes a link of a section's navigation is rendered into: about 90.
const NAV_LINK_ROOM: usize = 256;

/// The `section` of a page that no entry of the main navigation stands
/// for. Not `""`: that is the path of the home page's entry, Fleet.
const NO_NAV_ENTRY: &str = "-";

/// Where a template prints the rows of a page that lists every engagement
/// (`view.rows_html`, `view.paths_html`): the rows are spliced in after
/// rendering, so ten thousand of them are copied once rather than passed
/// through the template engine.
const ROWS_MARKER: &str = "<!--refarch:rows-->";

/// `html` with each row, on a line of its own, where the marker is,
/// written once, straight into the page's shared text. The list of ten
/// thousand engagements is 8.7 MB and `serve` makes it again on every
/// engagement edit, its longest job (4-10 ms). Spliced into a `String`
/// and then copied into an `Arc<str>`, it was copied twice into fresh
/// memory; written once, an engagement edit is served about a millisecond
/// sooner (bench/serve_latency.py).
fn splice(html: &str, rows: &[std::sync::Arc<str>]) -> std::sync::Arc<str> {
    let Some(at) = html.find(ROWS_MARKER) else {
        return std::sync::Arc::from(html);
    };
    let mut pieces: Vec<&str> = Vec::with_capacity(2 * rows.len() + 2);
    pieces.push(&html[..at]);
    for row in rows.iter().filter(|row| !row.is_empty()) {
        pieces.push("\n    ");
        pieces.push(row.trim_end());
    }
    pieces.push(&html[at + ROWS_MARKER.len()..]);
    concat_shared(&pieces)
}

/// `pieces` end to end, in the one allocation an `Arc<str>` holds.
fn concat_shared(pieces: &[&str]) -> std::sync::Arc<str> {
    let len = pieces.iter().map(|piece| piece.len()).sum();
    let mut buffer = std::sync::Arc::<[u8]>::new_uninit_slice(len);
    let slots = std::sync::Arc::get_mut(&mut buffer).expect("a new Arc is not shared");
    let mut at = 0;
    for piece in pieces {
        slots[at..at + piece.len()].write_copy_of_slice(piece.as_bytes());
        at += piece.len();
    }
    // SAFETY: the pieces' lengths sum to `len`, so the loop wrote every
    // byte of the buffer.
    let bytes = unsafe { buffer.assume_init() };
    // SAFETY: the bytes are whole strings end to end, so they are UTF-8;
    // `[u8]` and `str` have one layout, which std's own `From<Arc<str>>
    // for Arc<[u8]>` relies on the other way round.
    unsafe { std::sync::Arc::from_raw(std::sync::Arc::into_raw(bytes) as *const str) }
}

#[derive(Serialize)]
struct ContentView {
    /// The rendered Markdown, marked safe: `| safe` then passes it through
    /// without copying it.
    html: Value,
    /// The links of `siblings`, each rendered from `section-nav-link.html`
    /// (see [`contents::Contents::nav_html`]), marked safe.
    nav_html: Value,
    /// Each with `title`, `path` and `url` (see [`contents::Contents::links`]).
    siblings: Value,
    /// Pages of the section left out of `siblings` before and after it.
    before: usize,
    after: usize,
    section: String,
}

/// Content pages that are pages of their own (not prose added to a
/// generated page), in navigation order.
pub fn standalone_pages(site: &Site) -> Vec<&Page> {
    let mut pages: Vec<&Page> = site
        .pages
        .iter()
        .map(|p| &**p)
        .filter(|p| !p.front_matter.draft)
        .filter(|p| {
            !p.path.starts_with("engagements/") && !p.path.starts_with("reference-architectures/")
        })
        .collect();
    pages.sort_by(|a, b| {
        (
            a.path.split('/').next(),
            a.front_matter.weight,
            &a.front_matter.title,
        )
            .cmp(&(
                b.path.split('/').next(),
                b.front_matter.weight,
                &b.front_matter.title,
            ))
    });
    pages
}

/// The guide pages, for the navigation.
pub fn guide_pages(site: &Site) -> Vec<&Page> {
    standalone_pages(site)
        .into_iter()
        .filter(|p| p.path.starts_with("guide/"))
        .collect()
}

/// `guide/upgrades.md` → `guide/upgrades/`; `guide/_index.md` → `guide/`.
pub fn page_path(content_path: &str) -> String {
    let without = content_path.trim_end_matches(".md");
    match without.strip_suffix("_index") {
        Some(dir) => dir.to_string(),
        None => {
            let mut path = String::with_capacity(without.len() + 1);
            path.push_str(without);
            path.push('/');
            path
        }
    }
}

fn title_case(text: &str) -> String {
    let spaced = text.replace('-', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn rows_are_spliced_on_lines_of_their_own_where_the_marker_is() {
        let rows: Vec<Arc<str>> = vec![
            Arc::from("<tr>é</tr>\n"),
            Arc::from(""),
            Arc::from("<tr>2</tr>"),
        ];
        let html = format!("<table>{ROWS_MARKER}\n</table>");
        assert_eq!(
            &*splice(&html, &rows),
            "<table>\n    <tr>é</tr>\n    <tr>2</tr>\n</table>"
        );
        assert_eq!(&*splice(&html, &[]), "<table>\n</table>");
        assert_eq!(&*splice("<p>no marker</p>", &rows), "<p>no marker</p>");
        assert_eq!(&*concat_shared(&[]), "");
    }

    fn page(path: &str) -> Arc<RenderedPage> {
        Arc::new(RenderedPage {
            path: path.to_string(),
            title: String::new(),
            section: String::new(),
            description: String::new(),
            html: Arc::from(""),
            listed: true,
        })
    }

    fn paths(pages: &[(Arc<RenderedPage>, ())]) -> Vec<&str> {
        pages.iter().map(|(page, _)| page.path.as_str()).collect()
    }

    #[test]
    fn pages_are_sorted_by_path_with_a_kept_order_only_for_the_same_pages() {
        let mut kept = None;
        let first: Vec<_> = ["b/", "", "a/"].map(|p| (page(p), ())).to_vec();
        let sorted = sorted_by_path(first.clone(), Some(&mut kept));
        assert_eq!(paths(&sorted), ["", "a/", "b/"]);

        // The same pages, one of them rendered again: the kept order holds.
        let again = vec![first[0].clone(), (page(""), ()), first[2].clone()];
        assert_eq!(
            paths(&sorted_by_path(again, Some(&mut kept))),
            ["", "a/", "b/"]
        );

        // A page renamed in place: sorted afresh.
        let renamed = vec![first[0].clone(), first[1].clone(), (page("c/"), ())];
        assert_eq!(
            paths(&sorted_by_path(renamed, Some(&mut kept))),
            ["", "b/", "c/"]
        );
        // One page more: sorted afresh.
        let more: Vec<_> = ["b/", "", "c/", "0/"].map(|p| (page(p), ())).to_vec();
        assert_eq!(
            paths(&sorted_by_path(more, Some(&mut kept))),
            ["", "0/", "b/", "c/"]
        );
    }
}
