//! Every internal link and `#anchor` of the built site must lead somewhere.
//! Links written in Markdown (content pages, and an engagement's notes and
//! upgrade procedure in its TOML file) are reported at their source line;
//! links made by templates at the template, with the page they were found on.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::build::SiteFiles;
use crate::diagnostics::{Code, Diagnostic, Location};
use crate::model::Site;
use crate::render::markdown;
use crate::render::urls::Urls;

/// A Markdown link, with where it was written.
struct WrittenLink {
    /// The link as it appears in the output (base path applied).
    href: String,
    file: String,
    text: String,
    span: std::ops::Range<usize>,
}

/// What the check found besides problems.
pub struct LinkReport {
    pub diagnostics: Vec<Diagnostic>,
    pub checked: usize,
    /// External links, each with where it was first found.
    pub external: BTreeMap<String, Origin>,
}

/// Where a link comes from: the page it is on, and the source that wrote it.
pub struct Origin {
    pub page: String,
    pub location: Location,
    /// Written in Markdown (at `location`), rather than by the page's
    /// template (`location` is the template file).
    pub written: bool,
}

/// Where `href` on `page` comes from: the Markdown that wrote it, or else
/// the template the page is made with.
fn origin_of(written: &HashMap<String, Vec<WrittenLink>>, page: String, href: &str) -> Origin {
    let link = written
        .get(&page)
        .and_then(|links| links.iter().find(|l| l.href == href));
    let location = match link {
        Some(link) => Location::new(&link.file, &link.text, link.span.clone()),
        None => Location::file_only(&template_of(&page)),
    };
    Origin {
        page,
        location,
        written: link.is_some(),
    }
}

/// The base path a site served at the root is checked under, so that a
/// link skipping the base path shows; messages show the site's own.
pub const STAND_IN_BASE: &str = "/__refarch-check__/";

/// Checks the links of `files`, built under `base`; `shown_base` is the
/// site's own base path, which messages use.
pub fn check(
    site: &Site,
    files: &SiteFiles,
    base: &str,
    shown_base: &str,
    sources: &BTreeMap<String, String>,
) -> LinkReport {
    use rayon::prelude::*;
    let urls = Urls::new(base);
    let pages: Vec<(&std::sync::Arc<str>, &std::sync::Arc<[u8]>)> = files
        .iter()
        .filter(|(path, _)| path.ends_with(".html"))
        .collect();
    let ids: HashMap<&str, BTreeSet<String>> = pages
        .par_iter()
        .map(|(path, bytes)| {
            (
                &***path,
                attribute_values(&String::from_utf8_lossy(bytes), "id"),
            )
        })
        .collect();
    let written = written_links(site, &urls, sources);
    let mut report = LinkReport {
        diagnostics: Vec::new(),
        checked: 0,
        external: BTreeMap::new(),
    };
    // Each page's links are read and resolved in parallel; what they found
    // is reported in page order, as one pass would.
    let found: Vec<Vec<(String, Option<String>)>> = pages
        .par_iter()
        .map(|(path, bytes)| {
            let html = String::from_utf8_lossy(bytes);
            attribute_values(&html, "href")
                .into_iter()
                .map(|href| {
                    let href = href.replace("&amp;", "&");
                    let problem = if is_external(&href) {
                        None
                    } else {
                        resolve(path, &href, base, base != shown_base, files, &ids)
                    };
                    (href, problem)
                })
                .collect()
        })
        .collect();
    let mut reported: BTreeSet<(String, String)> = BTreeSet::new();
    for ((path, _), links) in pages.iter().zip(found) {
        for (href, problem) in links {
            if is_external(&href) {
                if let std::collections::btree_map::Entry::Vacant(entry) =
                    report.external.entry(href)
                {
                    let origin = origin_of(&written, page_path(path), entry.key());
                    entry.insert(origin);
                }
                continue;
            }
            report.checked += 1;
            let Some(problem) = problem else {
                continue;
            };
            let origin = origin_of(&written, page_path(path), &href);
            if !reported.insert((origin.location.file.clone(), href.clone())) {
                continue;
            }
            let shown = match href.strip_prefix(base) {
                Some(rest) if base != shown_base => format!("{shown_base}{rest}"),
                _ => href.clone(),
            };
            let diagnostic = Diagnostic::new(
                Code::E082,
                format!("broken link `{shown}` on /{}: {problem}", origin.page),
            )
            .at(origin.location);
            report.diagnostics.push(if origin.written {
                diagnostic
                    .label("links nowhere")
                    .help("link to an existing page, such as `/support/` or `/engagements/<id>/`, and an id that page has")
            } else {
                diagnostic.help("the link comes from the template or from the data it shows; fix the template, or the value it links")
            });
        }
    }
    report
}

/// Why `href` on `page` leads nowhere, or `None` when it resolves. With
/// `stand_in`, `base` stands in for the root of a site served there.
fn resolve(
    page: &str,
    href: &str,
    base: &str,
    stand_in: bool,
    files: &SiteFiles,
    ids: &HashMap<&str, BTreeSet<String>>,
) -> Option<String> {
    let (location, fragment) = match href.split_once('#') {
        Some((location, fragment)) => (location, Some(fragment)),
        None => (href, None),
    };
    let location = location.split('?').next().unwrap_or("");
    let target = if location.is_empty() {
        page.to_string()
    } else if let Some(rest) = location.strip_prefix(base) {
        file_of(rest)
    } else if location.starts_with('/') {
        return Some(if stand_in {
            "it skips the base path: it works with the site at the root of a server and breaks once it is published under a sub-path such as /refarch/; write it with url(…)".to_string()
        } else {
            format!("it is outside the site's base path {base}")
        });
    } else {
        let dir = page.rsplit_once('/').map_or("", |(dir, _)| dir);
        file_of(&normalize(&format!("{dir}/{location}"))?)
    };
    if !files.contains_key(target.as_str()) {
        return Some(format!(
            "there is no page at /{}",
            target.trim_end_matches("index.html")
        ));
    }
    match fragment {
        Some(fragment) if !fragment.is_empty() && target.ends_with(".html") => {
            let has = ids
                .get(target.as_str())
                .is_some_and(|ids| ids.contains(fragment));
            (!has).then(|| {
                format!(
                    "/{} has no anchor #{fragment}",
                    target.trim_end_matches("index.html")
                )
            })
        }
        _ => None,
    }
}

fn file_of(path: &str) -> String {
    if path.is_empty() || path.ends_with('/') {
        format!("{path}index.html")
    } else {
        path.to_string()
    }
}

/// Resolves `.` and `..` in a relative path; `None` when it climbs out.
fn normalize(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    let trailing = if path.ends_with('/') && !parts.is_empty() {
        "/"
    } else {
        ""
    };
    Some(format!("{}{trailing}", parts.join("/")))
}

/// `engagements/acme/index.html` → `engagements/acme/`.
fn page_path(file: &str) -> String {
    file.strip_suffix("index.html").unwrap_or(file).to_string()
}

/// The template a page is made with.
fn template_of(page: &str) -> String {
    let name = match page.split('/').collect::<Vec<_>>().as_slice() {
        [""] => "home",
        ["support", ""] => "support",
        ["reference-architectures", ""] => "sizes",
        ["reference-architectures", _, ""] => "size",
        ["engagements", ""] => "engagements",
        ["engagements", _, ""] => "engagement",
        ["releases", ""] => "releases",
        ["search", ""] => "search",
        ["404.html"] => "404",
        _ => "page",
    };
    format!("themes/default/templates/{name}.html")
}

/// Every value of `attribute` on a tag of `html` (our own output: values
/// in double quotes, with `>` escaped). Text that shows an attribute, as a
/// code span does, is not a tag, and neither is a script's source.
fn attribute_values(html: &str, attribute: &str) -> BTreeSet<String> {
    let needle = format!(" {attribute}=\"");
    // One searcher for the whole page: setting one up per occurrence was
    // a tenth of check's instructions.
    let finder = memchr::memmem::Finder::new(needle.as_bytes());
    let mut found = BTreeSet::new();
    for at in finder.find_iter(html.as_bytes()) {
        let value_start = at + needle.len();
        let Some(value_end) = html[value_start..].find('"').map(|i| value_start + i) else {
            break;
        };
        if inside_a_tag(html, at) {
            found.insert(html[value_start..value_end].to_string());
        }
    }
    found
}

/// Whether a link leads off the site: listed, and fetched on request,
/// rather than resolved against the built pages.
fn is_external(href: &str) -> bool {
    href.contains("://") || href.starts_with("mailto:") || href.starts_with("//")
}

/// Whether byte `at` of `html` is inside a tag: after a `<` that opens one,
/// with no `>` in between.
fn inside_a_tag(html: &str, at: usize) -> bool {
    let before = &html[..at];
    match before.rfind('<') {
        Some(open) => {
            html[open + 1..].starts_with(|c: char| c.is_ascii_alphabetic())
                && !before[open..].contains('>')
        }
        None => false,
    }
}

/// The links written in Markdown, by the page they end up on.
fn written_links(
    site: &Site,
    urls: &Urls,
    sources: &BTreeMap<String, String>,
) -> HashMap<String, Vec<WrittenLink>> {
    let mut links: HashMap<String, Vec<WrittenLink>> = HashMap::new();
    for page in &site.pages {
        let file = format!("content/{}", page.path);
        let Some(text) = sources.get(&file) else {
            continue;
        };
        let target = match page.path.strip_suffix(".md") {
            Some(companion)
                if page.path.starts_with("engagements/")
                    || page.path.starts_with("reference-architectures/") =>
            {
                format!("{companion}/")
            }
            _ => crate::render::page_path(&page.path),
        };
        for link in markdown::links(page.body()) {
            links.entry(target.clone()).or_default().push(WrittenLink {
                href: urls.rewrite(&link.destination),
                file: file.clone(),
                text: text.clone(),
                span: page.body_offset + link.span.start..page.body_offset + link.span.end,
            });
        }
    }
    for engagement in &site.engagements {
        let Some(text) = sources.get(&engagement.file) else {
            continue;
        };
        let target = format!("engagements/{}/", engagement.id.as_str());
        for markdown_field in [&engagement.notes, &engagement.upgrades.procedure] {
            for link in markdown::links(markdown_field) {
                // The field's offset in the file is lost by the TOML parser;
                // the destination as written, after "](", finds it again.
                let Some(start) = text
                    .find(&format!("]({}", link.destination))
                    .map(|at| at + 2)
                else {
                    continue;
                };
                links.entry(target.clone()).or_default().push(WrittenLink {
                    href: urls.rewrite(&link.destination),
                    file: engagement.file.clone(),
                    text: text.clone(),
                    span: start..start + link.destination.len(),
                });
            }
        }
    }
    links
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_resolve_and_cannot_climb_out() {
        assert_eq!(
            normalize("guide/x/../upgrades/").as_deref(),
            Some("guide/upgrades/")
        );
        assert_eq!(normalize("../x"), None);
    }

    #[test]
    fn attributes_are_read_from_tags_only() {
        let html = r#"<p>Write <code>href="/support/"</code> in a template.</p><a class="x" href="/guide/">g</a><script>let a = ' href="/nope/"';</script><img src="/i.png" id="pic">"#;
        assert_eq!(
            attribute_values(html, "href")
                .into_iter()
                .collect::<Vec<_>>(),
            ["/guide/"]
        );
        assert_eq!(
            attribute_values(html, "id").into_iter().collect::<Vec<_>>(),
            ["pic"]
        );
    }

    #[test]
    fn pages_map_to_their_templates() {
        assert_eq!(
            template_of("engagements/acme/"),
            "themes/default/templates/engagement.html"
        );
        assert_eq!(template_of(""), "themes/default/templates/home.html");
        assert_eq!(
            template_of("guide/upgrades/"),
            "themes/default/templates/page.html"
        );
    }
}
