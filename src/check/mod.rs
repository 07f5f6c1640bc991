//! `refarch check`: the gate a publishing pipeline trusts. Validation and
//! the analysis's findings, likely secrets in data and content, links and
//! anchors of the built site, and confidentiality of every profile that
//! leaves confidential engagements out.

mod confidential;
pub mod external;
mod links;
pub mod secrets;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::analysis::findings_from;
use crate::build::{BuildRequest, Builder};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::load::load_site;
use crate::render::urls::Urls;

/// What a check found.
pub struct CheckReport {
    pub diagnostics: Diagnostics,
    /// Internal links checked in the built site.
    pub links_checked: usize,
    /// External links found; fetched when asked for.
    pub external_links: BTreeSet<String>,
    /// Whether the external links were fetched.
    pub external_fetched: bool,
    pub engagements: usize,
    pub pages: usize,
}

/// Runs every check on the site at `root`; with `external`, fetches the
/// external links too.
pub fn check(root: &Path, external: Option<&external::FetchOptions>) -> CheckReport {
    let loaded = load_site(root);
    let mut diagnostics = loaded.diagnostics;
    let sources = input_texts(root);
    // Each file is scanned on its own, in parallel; `diagnostics.sort()`
    // at the end puts them in order.
    let found: Vec<Diagnostic> = {
        use rayon::prelude::*;
        sources
            .par_iter()
            .flat_map_iter(|(file, text)| secrets::scan(file, text))
            .collect()
    };
    diagnostics.extend(found);
    let mut report = CheckReport {
        diagnostics: Diagnostics::default(),
        links_checked: 0,
        external_links: BTreeSet::new(),
        external_fetched: false,
        engagements: 0,
        pages: 0,
    };
    if let Some(site) = &loaded.site {
        report.engagements = site.engagements.len();
        let request = |profile: Option<String>| BuildRequest {
            root: root.to_path_buf(),
            output: root.join("public"),
            base_url: None,
            profile,
        };
        // A site served at the root would not notice a link that skips the
        // base path (a template's hard-coded `href="/support/"`) until it is
        // published under one, so its links are checked under a sub-path:
        // its own, or a stand-in.
        let site_base = Urls::new(&site.config.base_url).base().to_string();
        let links_base = if site_base == "/" {
            links::STAND_IN_BASE.to_string()
        } else {
            site_base.clone()
        };
        // Profiles that leave confidential engagements out: each one's build
        // is scanned for their names below.
        let needles = confidential::secrets_of(site);
        let private: Vec<(&str, Option<&str>)> = site
            .config
            .profiles
            .iter()
            .filter(|(_, p)| !p.include_confidential && !needles.is_empty())
            .map(|(name, p)| (name.as_str(), p.base_url.as_deref()))
            .collect();
        // When a private profile publishes under a sub-path that serves the
        // link check as well (the site's own, or any when the site is at the
        // root), the links are followed in that profile's build with the
        // confidential engagements kept in. Its pages are then the pages of
        // the profile's own build wherever their inputs are the same (every
        // engagement page, every guide), and that build renders only the
        // rest, as `serve` does after an edit, instead of the whole site.
        let shares_links_base = |base_url: Option<&str>| {
            let base = Urls::new(base_url.unwrap_or(&site.config.base_url))
                .base()
                .to_string();
            if site_base == "/" {
                base != "/"
            } else {
                base == site_base
            }
        };
        let shared = private
            .iter()
            .find(|(_, base_url)| shares_links_base(*base_url))
            .map(|(name, _)| *name);
        // Every build starts from this load, and none needs a search index.
        // The first build's analysis serves the findings and the profiles'
        // builds.
        let mut first = match shared {
            Some(name) => Builder::new(request(Some(name.to_string()))).including_confidential(),
            None => Builder::new(BuildRequest {
                base_url: Some(links_base),
                ..request(None)
            }),
        }
        .without_search();
        let built = first.build_loaded(site.clone(), &loaded.fingerprints);
        diagnostics.extend(findings_from(site, &|id| first.facts_of(id)));
        match built {
            Ok(built) => {
                report.pages = built.pages;
                let links =
                    links::check(site, &built.files, &built.base_path, &site_base, &sources);
                report.links_checked = links.checked;
                diagnostics.extend(links.diagnostics);
                if let Some(options) = external {
                    let cache = root.join(".refarch-cache/external-links.json");
                    let failures = external::fetch_all(links.external.keys(), &cache, options);
                    for (url, why) in failures {
                        let origin = &links.external[&url];
                        diagnostics.push(
                            Diagnostic::new(
                                Code::W060,
                                format!("external link `{url}` on /{} did not answer: {why}", origin.page),
                            )
                            .at(origin.location.clone())
                            .help("fix or remove the link; `--deny warnings` makes this fail the check"),
                        );
                    }
                    report.external_fetched = true;
                }
                report.external_links = links.external.into_keys().collect();
            }
            Err(found) => diagnostics.extend(found),
        }
        for (name, _) in private {
            // Scanned as it is made, never held whole.
            let scanner = confidential::Scanner::new(&needles);
            let scan = |path: &str, bytes: &[u8]| scanner.scan(path, bytes);
            let scanned = if shared == Some(name) {
                first.leave_out_confidential();
                first.visit_loaded(site.clone(), &loaded.fingerprints, &scan)
            } else {
                Builder::new(request(Some(name.to_string())))
                    .without_search()
                    .with_facts(first.kept_facts())
                    .visit_loaded(site.clone(), &loaded.fingerprints, &scan)
            };
            if scanned.is_ok() {
                diagnostics.extend(scanner.report(name, &sources));
            }
        }
    }
    diagnostics.sort();
    report.diagnostics = diagnostics;
    report
}

/// The text of every data and content file, by relative path.
fn input_texts(root: &Path) -> BTreeMap<String, String> {
    use rayon::prelude::*;
    crate::load::input_files(root)
        .into_par_iter()
        .filter_map(|relative| {
            let path = root.join(&relative);
            // Files over the limit are refused by the load, not read here.
            std::fs::metadata(&path)
                .is_ok_and(|m| m.len() <= crate::load::MAX_FILE_BYTES)
                .then_some(())?;
            let text = std::fs::read_to_string(&path).ok()?;
            Some((relative, text))
        })
        .collect()
}
