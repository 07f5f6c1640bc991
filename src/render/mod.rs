//! Model + analyses → pages in memory. Pages render in parallel; nothing is
//! written here (see `output`).

pub mod charts;
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
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::model::{Page, Site};
use urls::Urls;
use views::{Link, PageMeta, SiteView};

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
        if self.path.ends_with(".html") {
            self.path.clone()
        } else {
            format!("{}index.html", self.path)
        }
    }
}

/// Everything rendered, before it is written.
#[derive(Debug, Default)]
pub struct RenderedSite {
    pub pages: Vec<RenderedPage>,
    /// Other files: static assets and exports, by path.
    pub files: Vec<(String, Vec<u8>)>,
}

/// Hashes of what pages are made from, so that a page whose inputs did not
/// change is taken from the previous build instead of rendered again.
#[derive(Debug, Clone, Copy)]
pub struct PageInputs<'a> {
    /// Site-wide inputs: data every page shows, templates, base URL, profile.
    pub global: u64,
    /// Each engagement file, by id.
    pub engagements: &'a std::collections::BTreeMap<String, u64>,
    /// Each content page, by path under `content/`.
    pub pages: &'a std::collections::BTreeMap<String, u64>,
}

/// Pages of the previous build, by site path, with the fingerprint of their
/// inputs.
pub type PageCache = std::collections::HashMap<String, (u64, RenderedPage)>;

/// Renders every page of `site`, reusing pages of `previous` whose inputs
/// are unchanged. Returns the pages and the cache for the next build.
pub fn render_site(
    site: &Site,
    analysis: &Analysis,
    options: &RenderOptions,
    inputs: PageInputs<'_>,
    previous: &PageCache,
) -> Result<(RenderedSite, PageCache), Diagnostics> {
    let urls = Urls::new(&options.base_url);
    let env = templates::environment(&options.root, &options.theme, &urls).map_err(single)?;
    let site_view = views::site_view(site, &urls, options.profile.as_deref());
    let renderer = Renderer {
        analysis,
        env: &env,
        site_view: &site_view,
        options,
    };

    let mut jobs: Vec<Job<'_>> = vec![
        Job::Home,
        Job::Support,
        Job::SizesIndex,
        Job::EngagementList,
        Job::Releases,
        Job::Search,
        Job::NotFound,
    ];
    jobs.extend(site.sizes.iter().map(|s| Job::Size(s.id.as_str())));
    jobs.extend(
        site.engagements
            .iter()
            .map(|e| Job::Engagement(e.id.as_str())),
    );
    jobs.extend(standalone_pages(site).into_iter().map(Job::Content));

    let all_engagements = fingerprint(&inputs.engagements.iter().collect::<Vec<_>>());
    let results: Vec<Result<(u64, RenderedPage), Diagnostic>> = jobs
        .par_iter()
        .map(|job| {
            let (path, key) = job_key(site, job, inputs, all_engagements);
            match previous.get(&path) {
                Some((cached_key, page)) if *cached_key == key => Ok((key, page.clone())),
                _ => renderer.render(site, &urls, job).map(|page| (key, page)),
            }
        })
        .collect();
    let mut diagnostics = Diagnostics::default();
    let mut rendered = RenderedSite::default();
    let mut cache = PageCache::with_capacity(results.len());
    for result in results {
        match result {
            Ok((key, page)) => {
                cache.insert(page.path.clone(), (key, page.clone()));
                rendered.pages.push(page);
            }
            Err(diagnostic) => diagnostics.push(diagnostic),
        }
    }
    if diagnostics.has_errors() {
        return Err(diagnostics);
    }
    rendered.pages.sort_by(|a, b| a.path.cmp(&b.path));
    for (name, default) in templates::DEFAULT_STATIC {
        let text = templates::static_file(&options.root, &options.theme, name, default);
        rendered
            .files
            .push((format!("static/{name}"), text.into_bytes()));
    }
    rendered.files.push((
        "static/highlight.css".to_string(),
        highlight::stylesheet().into_bytes(),
    ));
    Ok((rendered, cache))
}

/// A hash of anything hashable.
pub fn fingerprint<T: std::hash::Hash + ?Sized>(value: &T) -> u64 {
    use std::hash::Hasher;
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}

/// The page a job renders, and the fingerprint of everything it reads.
fn job_key(
    site: &Site,
    job: &Job<'_>,
    inputs: PageInputs<'_>,
    all_engagements: u64,
) -> (String, u64) {
    let page_hash = |path: &str| inputs.pages.get(path).copied().unwrap_or(0);
    match job {
        // Pages that summarise engagements change with any of them.
        Job::Home => (
            String::new(),
            fingerprint(&(inputs.global, all_engagements)),
        ),
        Job::EngagementList => (
            "engagements/".into(),
            fingerprint(&(inputs.global, all_engagements)),
        ),
        Job::Releases => (
            "releases/".into(),
            fingerprint(&(inputs.global, all_engagements)),
        ),
        Job::Support => ("support/".into(), inputs.global),
        Job::SizesIndex => ("reference-architectures/".into(), inputs.global),
        Job::Search => ("search/".into(), inputs.global),
        Job::NotFound => ("404.html".into(), inputs.global),
        Job::Size(id) => (
            format!("reference-architectures/{id}/"),
            fingerprint(&(
                inputs.global,
                page_hash(&format!("reference-architectures/{id}.md")),
            )),
        ),
        Job::Engagement(id) => (
            format!("engagements/{id}/"),
            fingerprint(&(
                inputs.global,
                inputs.engagements.get(*id).copied().unwrap_or(0),
                page_hash(&format!("engagements/{id}.md")),
            )),
        ),
        Job::Content(page) => {
            // A content page lists the other pages of its section.
            let section = page.path.split('/').next().unwrap_or("");
            let siblings: Vec<(&str, &str)> = standalone_pages(site)
                .into_iter()
                .filter(|p| p.path.split('/').next() == Some(section))
                .map(|p| (p.path.as_str(), p.front_matter.title.as_str()))
                .collect();
            (
                page_path(&page.path),
                fingerprint(&(inputs.global, page_hash(&page.path), siblings)),
            )
        }
    }
}

fn single(diagnostic: Diagnostic) -> Diagnostics {
    let mut diagnostics = Diagnostics::default();
    diagnostics.push(diagnostic);
    diagnostics
}

/// One page to render.
enum Job<'a> {
    Home,
    Support,
    SizesIndex,
    Size(&'a str),
    EngagementList,
    Engagement(&'a str),
    Releases,
    Content(&'a Page),
    Search,
    NotFound,
}

struct Renderer<'a> {
    analysis: &'a Analysis,
    env: &'a Environment<'static>,
    site_view: &'a SiteView,
    options: &'a RenderOptions,
}

impl Renderer<'_> {
    fn render(&self, site: &Site, urls: &Urls, job: &Job<'_>) -> Result<RenderedPage, Diagnostic> {
        let (template, meta, view, listed): (&str, PageMeta, Value, bool) = match job {
            Job::Home => (
                "home.html",
                PageMeta::new(site.config.title.clone(), "", "")
                    .described(site.config.description.clone()),
                Value::from(Serde(views::home::home_view(site, self.analysis, urls))),
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
                let prose = companion(site, &format!("reference-architectures/{id}.md"), urls);
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
                Value::from(Serde(views::engagement::list_view(site, self.analysis))),
                true,
            ),
            Job::Engagement(id) => {
                let engagement = site.engagements.iter().find(|e| e.id.as_str() == *id).expect("job from the site");
                let prose = companion(site, &format!("engagements/{id}.md"), urls);
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
                Value::from(Serde(views::releases::releases_view(site, self.analysis))),
                true,
            ),
            Job::Content(page) => {
                let rendered = markdown::render(&page.body, urls);
                let path = page_path(&page.path);
                let section = page.path.split('/').next().unwrap_or("").to_string();
                let mut meta = PageMeta::new(page.front_matter.title.clone(), path, &guide_section(site, page))
                    .described(page.front_matter.description.clone())
                    .crumbs(vec![Link::new("Fleet", "")]);
                if page.front_matter.toc {
                    meta.toc = rendered.toc.clone();
                }
                let siblings: Vec<Link> = standalone_pages(site)
                    .into_iter()
                    .filter(|p| p.path.split('/').next() == Some(section.as_str()))
                    .map(|p| Link::new(p.front_matter.title.clone(), page_path(&p.path)))
                    .collect();
                let view = ContentView {
                    html: rendered.html,
                    siblings,
                    section: title_case(&section),
                };
                ("page.html", meta, Value::from(Serde(view)), true)
            }
            Job::Search => (
                "search.html",
                PageMeta::new("Search", "search/", "-").crumbs(vec![Link::new("Fleet", "")]),
                Value::from(()),
                false,
            ),
            Job::NotFound => (
                "404.html",
                PageMeta::new("Page not found", "404.html", "-"),
                Value::from(()),
                false,
            ),
        };
        let template = self
            .env
            .get_template(template)
            .expect("templates are loaded");
        let html = template
            .render(context! { site => Serde(self.site_view), page => Serde(&meta), view => view })
            .map_err(|error| {
                templates::template_error(
                    &self.options.root,
                    &self.options.theme,
                    template.name(),
                    &error,
                )
            })?;
        let section = match meta.section.as_str() {
            "" | "-" => "Site".to_string(),
            other => title_case(other.trim_end_matches('/')),
        };
        Ok(RenderedPage {
            path: meta.path.clone(),
            title: meta.title.clone(),
            section,
            description: meta.description.clone(),
            html: html.into(),
            listed,
        })
    }
}

#[derive(Serialize)]
struct ContentView {
    html: String,
    siblings: Vec<Link>,
    section: String,
}

/// Prose a content page adds to a generated page.
fn companion(site: &Site, path: &str, urls: &Urls) -> Option<markdown::Rendered> {
    site.pages
        .iter()
        .find(|p| p.path == path && !p.front_matter.draft)
        .map(|p| markdown::render_with_ids(&p.body, urls, "about-"))
}

/// Content pages that are pages of their own (not prose added to a
/// generated page), in navigation order.
pub fn standalone_pages(site: &Site) -> Vec<&Page> {
    let mut pages: Vec<&Page> = site
        .pages
        .iter()
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

fn guide_section(site: &Site, page: &Page) -> String {
    match guide_pages(site).first() {
        Some(first) if page.path.starts_with("guide/") => page_path(&first.path),
        _ => String::new(),
    }
}

/// `guide/upgrades.md` → `guide/upgrades/`; `guide/_index.md` → `guide/`.
pub fn page_path(content_path: &str) -> String {
    let without = content_path.trim_end_matches(".md");
    match without.strip_suffix("_index") {
        Some(dir) => dir.to_string(),
        None => format!("{without}/"),
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
