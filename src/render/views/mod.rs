//! View structs: what templates receive. Made from the model and the
//! analyses, already formatted, so that templates only lay out, and the
//! model can change without breaking themes.

pub mod engagement;
pub mod home;
pub mod releases;
pub mod sizes;
pub mod support;

use serde::Serialize;

use super::markdown::TocEntry;
use super::urls::Urls;
pub use crate::analysis::percent;
use crate::model::{Site, Status};

/// A link: text and a site path (without the base; templates apply `url`).
#[derive(Debug, Clone, Serialize)]
pub struct Link {
    pub title: String,
    pub path: String,
}

impl Link {
    pub fn new(title: impl Into<String>, path: impl Into<String>) -> Link {
        Link {
            title: title.into(),
            path: path.into(),
        }
    }
}

/// What every page shows around its content.
#[derive(Debug, Clone, Serialize)]
pub struct SiteView {
    pub title: String,
    pub description: String,
    pub product: String,
    pub owner: String,
    /// The base path, for the search script.
    pub base: String,
    pub nav: Vec<NavLink>,
    pub statuses: Vec<StatusView>,
    /// The build profile, when one was chosen.
    pub profile: Option<String>,
}

/// A link of a navigation shown on every page: the main one (`site.nav`)
/// and a content page's section (`view.siblings`). Its `url` is made once
/// per build, not by `url(item.path)` in the template for every page that
/// shows it: six main entries per page were 0.8 % of the instructions of
/// building a site of plain Markdown pages (bench/instructions.sh: 676.5 M
/// against 671.0 M), twenty section links per page 2.8 % (829.4 M against
/// 806.0 M).
#[derive(Debug, Clone, Serialize)]
pub struct NavLink {
    pub title: String,
    /// The site path, as `url()` takes it and `page.section` and
    /// `page.path` name it.
    pub path: String,
    /// The path under the base path.
    pub url: String,
}

impl NavLink {
    pub fn new(title: impl Into<String>, path: String, urls: &Urls) -> NavLink {
        NavLink {
            title: title.into(),
            url: urls.path(&path),
            path,
        }
    }
}

/// A verdict status with its words.
#[derive(Debug, Clone, Serialize)]
pub struct StatusView {
    pub id: String,
    pub label: String,
    pub description: String,
}

/// The page's own metadata.
#[derive(Debug, Clone, Serialize)]
pub struct PageMeta {
    pub title: String,
    pub description: String,
    /// The site path of the page (`engagements/acme/`).
    pub path: String,
    /// Which navigation entry is current.
    pub section: String,
    pub breadcrumbs: Vec<Link>,
    pub toc: Vec<TocEntry>,
}

impl PageMeta {
    pub fn new(title: impl Into<String>, path: impl Into<String>, section: &str) -> PageMeta {
        PageMeta {
            title: title.into(),
            description: String::new(),
            path: path.into(),
            section: section.to_string(),
            breadcrumbs: Vec::new(),
            toc: Vec::new(),
        }
    }

    pub fn described(mut self, description: impl Into<String>) -> PageMeta {
        self.description = description.into();
        self
    }

    pub fn crumbs(mut self, crumbs: Vec<Link>) -> PageMeta {
        self.breadcrumbs = crumbs;
        self
    }
}

pub fn site_view(site: &Site, urls: &Urls, profile: Option<&str>) -> SiteView {
    let mut entries = vec![
        ("Fleet", String::new()),
        ("Support", "support/".to_string()),
        (
            "Reference architectures",
            "reference-architectures/".to_string(),
        ),
        ("Engagements", "engagements/".to_string()),
        ("Releases", "releases/".to_string()),
    ];
    if let Some(first_guide) = super::guide_pages(site).first() {
        entries.push(("Guides", super::page_path(&first_guide.path)));
    }
    let nav = entries
        .into_iter()
        .map(|(title, path)| NavLink::new(title, path, urls))
        .collect();
    SiteView {
        title: site.config.title.clone(),
        description: site.config.description.clone(),
        product: site.config.product.clone(),
        owner: site.config.owner.clone(),
        base: urls.base().to_string(),
        nav,
        statuses: Status::ALL.iter().map(|s| status_view(site, *s)).collect(),
        profile: profile.map(str::to_string),
    }
}

pub fn status_view(site: &Site, status: Status) -> StatusView {
    let label = site.catalog.status.iter().find(|s| *s.id.value() == status);
    StatusView {
        id: status.id().to_string(),
        label: label.map_or_else(|| status.id().to_string(), |l| l.name.clone()),
        description: label.map_or(String::new(), |l| l.description.clone()),
    }
}

/// Display names of catalog ids.
pub struct Names<'a> {
    site: &'a Site,
}

fn name_of<'a>(entries: impl IntoIterator<Item = (&'a str, &'a str)>, id: &str) -> String {
    entries
        .into_iter()
        .find(|(candidate, _)| *candidate == id)
        .map_or_else(|| id.to_string(), |(_, name)| name.to_string())
}

macro_rules! names {
    ($($method:ident => $field:ident;)*) => {
        impl<'a> Names<'a> {
            $(
                pub fn $method(&self, id: &str) -> String {
                    name_of(self.site.catalog.$field.iter().map(|e| (e.id.as_str(), e.name.as_str())), id)
                }
            )*
        }
    };
}

names! {
    method => method;
    provider => provider;
    strategy => strategy;
    environment => environment;
    arch => arch;
    feature => feature;
    executor => executor;
    distribution => distribution;
    code_host => code_host;
    external => external;
    service => service;
    exit_criterion => exit_criterion;
}

impl<'a> Names<'a> {
    pub fn new(site: &'a Site) -> Names<'a> {
        Names { site }
    }

    pub fn size(&self, id: &str) -> String {
        name_of(
            self.site
                .sizes
                .iter()
                .map(|s| (s.id.as_str(), s.name.as_str())),
            id,
        )
    }
}

/// CPU for people: `4`, `2.5`, `0.1`.
pub fn cores(cpu: crate::model::Cpu) -> String {
    let millicores = cpu.millicores();
    if millicores.is_multiple_of(1000) {
        (millicores / 1000).to_string()
    } else {
        let text = format!("{:.3}", cpu.cores());
        text.trim_end_matches('0').to_string()
    }
}
