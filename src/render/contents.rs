//! The content pages, indexed once per render: navigation order, sections
//! and companion prose by path, so that no page looks through every other
//! page to find its neighbours (which made ten thousand pages cost a
//! hundred million steps).

use std::ops::Range;
use std::sync::OnceLock;

use minijinja::Value;
use rustc_hash::FxHashMap;

use super::urls::Urls;
use super::views::NavLink;
use crate::model::{Page, Site};

/// A section with more pages than this shows a window of them around the
/// current page instead of all of them.
pub const SECTION_NAV_LIMIT: usize = 30;
/// Pages shown on each side of the current one in a long section.
const NAV_WINDOW: usize = 10;

pub struct Contents<'a> {
    /// Pages of their own, in navigation order (see [`super::standalone_pages`]).
    standalone: Vec<&'a Page>,
    /// A [`NavLink`] to each of `standalone`, as a template value made
    /// the first time a page's navigation lists it: each lists twenty, and
    /// making and dropping them for each page took 3 % of a Markdown site's
    /// build (perf). Made when first listed, so a build that renders no
    /// content page (a `serve` rebuild after an engagement edit) makes none.
    links: Vec<OnceLock<Value>>,
    /// Each of `links` as HTML, not the current page's (see
    /// [`Contents::nav_html`]), made the first time a navigation shows it.
    link_html: Vec<OnceLock<Box<str>>>,
    urls: Urls,
    /// Each section's range of `standalone`.
    sections: FxHashMap<&'a str, Range<usize>>,
    /// Position in `standalone` by content path.
    positions: FxHashMap<&'a str, usize>,
    /// Every page that is not a draft, by content path.
    by_path: FxHashMap<&'a str, &'a Page>,
}

/// The part of a section a page's navigation shows.
pub struct SectionNav<'a> {
    pub pages: &'a [&'a Page],
    /// The cells of `pages`' links (see [`Contents::links`]).
    links: &'a [OnceLock<Value>],
    /// The cells of `pages`' links as HTML (see [`Contents::nav_html`]).
    link_html: &'a [OnceLock<Box<str>>],
    /// Pages of the section left out before and after.
    pub before: usize,
    pub after: usize,
}

impl<'a> Contents<'a> {
    pub fn new(site: &'a Site, urls: &Urls) -> Contents<'a> {
        let standalone = super::standalone_pages(site);
        let mut sections: FxHashMap<&str, Range<usize>> = FxHashMap::default();
        let mut positions =
            FxHashMap::with_capacity_and_hasher(standalone.len(), Default::default());
        for (i, page) in standalone.iter().enumerate() {
            positions.insert(page.path.as_str(), i);
            sections
                .entry(section_of(page))
                .and_modify(|range| range.end = i + 1)
                .or_insert(i..i + 1);
        }
        let by_path = site
            .pages
            .iter()
            .filter(|p| !p.front_matter.draft)
            .map(|p| (p.path.as_str(), &**p))
            .collect();
        Contents {
            links: standalone.iter().map(|_| OnceLock::new()).collect(),
            link_html: standalone.iter().map(|_| OnceLock::new()).collect(),
            urls: urls.clone(),
            standalone,
            sections,
            positions,
            by_path,
        }
    }

    /// Pages of their own, in navigation order.
    pub fn standalone(&self) -> &[&'a Page] {
        &self.standalone
    }

    /// The page at a content path, unless it is a draft.
    pub fn page(&self, path: &str) -> Option<&'a Page> {
        self.by_path.get(path).copied()
    }

    /// The first guide page, which the main navigation links to.
    pub fn first_guide(&self) -> Option<&'a Page> {
        let range = self.sections.get("guide")?;
        Some(self.standalone[range.start])
    }

    /// Links to the pages `nav` lists, as template values.
    pub fn links(&self, nav: &SectionNav<'_>) -> Vec<Value> {
        nav.pages
            .iter()
            .zip(nav.links)
            .map(|(page, link)| link.get_or_init(|| self.link_to(page)).clone())
            .collect()
    }

    /// The links `nav` lists as HTML, end to end, each made by
    /// `render(link, current)`. A link that is not `current`'s is the same
    /// on every page whose navigation lists it, twenty pages in a long
    /// section, so it is made once per build. With a loop in `page.html`
    /// making every page's links, a site of plain Markdown pages took 9 %
    /// more instructions to build (bench/instructions.sh: 756.6 M against
    /// 692.3 M).
    pub fn nav_html<E>(
        &self,
        nav: &SectionNav<'_>,
        current: &Page,
        render: impl Fn(&Value, bool) -> Result<String, E>,
    ) -> Result<String, E> {
        let mut html = String::with_capacity(nav.pages.len() * 96);
        for ((page, link), cell) in nav.pages.iter().zip(nav.links).zip(nav.link_html) {
            let link = link.get_or_init(|| self.link_to(page));
            if page.path == current.path {
                html.push_str(&render(link, true)?);
                continue;
            }
            let made = match cell.get() {
                Some(made) => made,
                None => {
                    let made = render(link, false)?;
                    // Two threads may both make it; either result is the same.
                    cell.get_or_init(|| made.into_boxed_str())
                }
            };
            html.push_str(made);
        }
        Ok(html)
    }

    fn link_to(&self, page: &Page) -> Value {
        let path = super::page_path(&page.path);
        let link = NavLink::new(page.front_matter.title.as_str(), path, &self.urls);
        Value::from(minijinja::value::Serde(link))
    }

    /// The pages of `page`'s section its navigation lists: all of them, or
    /// in a long section the ones around it.
    pub fn section_nav(&self, page: &Page) -> SectionNav<'_> {
        let range = self.sections[section_of(page)].clone();
        let at = self.positions[page.path.as_str()];
        let shown = if range.len() <= SECTION_NAV_LIMIT {
            range.clone()
        } else {
            at.saturating_sub(NAV_WINDOW).max(range.start)..(at + NAV_WINDOW + 1).min(range.end)
        };
        SectionNav {
            before: shown.start - range.start,
            after: range.end - shown.end,
            pages: &self.standalone[shown.clone()],
            links: &self.links[shown.clone()],
            link_html: &self.link_html[shown],
        }
    }
}

/// The first directory of a content path: `guide/upgrades.md` → `guide`.
pub fn section_of(page: &Page) -> &str {
    page.path.split('/').next().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A link is made when a navigation first lists it, not when one is
    /// only looked at (as a page's key is made), and carries the page's
    /// title, its site path and that path under the base path.
    #[test]
    fn links_are_made_when_first_listed() {
        let site = crate::analysis::fixture("minimal");
        let contents = Contents::new(&site, &Urls::new("/docs/"));
        let page = contents.standalone()[0];
        let nav = contents.section_nav(page);
        assert!(contents.links.iter().all(|link| link.get().is_none()));
        let links = contents.links(&nav);
        assert_eq!(links.len(), nav.pages.len());
        let path = super::super::page_path(&page.path);
        let link = &links[nav.pages.iter().position(|p| p.path == page.path).unwrap()];
        let field = |name: &str| link.get_attr(name).unwrap().to_string();
        assert_eq!(field("title"), page.front_matter.title);
        assert_eq!(field("path"), path);
        assert_eq!(field("url"), format!("/docs/{path}"));
        let made = contents.links.iter().filter(|link| link.get().is_some());
        assert_eq!(made.count(), nav.pages.len());
    }

    /// A link other than the current page's is rendered once however many
    /// navigations show it; the current page's own link is rendered as
    /// current each time; the links come in navigation order.
    #[test]
    fn nav_html_renders_each_link_once_and_the_current_one_each_time() {
        // The example: no fixture has a section of more than one page.
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let site = crate::load::load_site(root)
            .site
            .expect("the example loads");
        let contents = Contents::new(&site, &Urls::new("/"));
        let page = contents.standalone()[1];
        let nav = contents.section_nav(page);
        assert!(
            nav.pages.len() > 2,
            "the example's first section has pages around its second"
        );
        let renders = std::sync::atomic::AtomicUsize::new(0);
        let render = |link: &Value, current: bool| {
            renders.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let title = link.get_attr("title").unwrap();
            Ok::<_, std::convert::Infallible>(format!(
                "[{title}{}]",
                if current { "*" } else { "" }
            ))
        };
        let expected: String = nav
            .pages
            .iter()
            .map(|p| {
                let current = if p.path == page.path { "*" } else { "" };
                format!("[{}{current}]", p.front_matter.title)
            })
            .collect();
        let Ok(first) = contents.nav_html(&nav, page, render);
        assert_eq!(first, expected);
        assert_eq!(
            renders.load(std::sync::atomic::Ordering::Relaxed),
            nav.pages.len()
        );
        let Ok(again) = contents.nav_html(&nav, page, render);
        assert_eq!(again, expected);
        assert_eq!(
            renders.load(std::sync::atomic::Ordering::Relaxed),
            nav.pages.len() + 1,
            "only the current page's link is rendered again"
        );
    }
}
