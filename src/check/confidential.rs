//! A build whose profile leaves confidential engagements out must not name
//! them anywhere: not on a page, in the search index, the sitemap or an
//! export. A leak is reported where it was written (a content page, another
//! engagement's notes), or at the output file when no input holds it.

use std::collections::{BTreeSet, HashMap};

use aho_corasick::AhoCorasick;

use crate::build::SiteFiles;
use crate::diagnostics::{Code, Diagnostic, Location};
use crate::model::Site;

/// What must not appear: each confidential engagement's customer name, id
/// and instance URL.
pub fn secrets_of(site: &Site) -> Vec<(String, String)> {
    site.engagements
        .iter()
        .filter(|e| e.confidential)
        .flat_map(|e| {
            [
                (e.customer.clone(), e.id.to_string()),
                (e.id.to_string(), e.id.to_string()),
                (e.deployment.instance_url.clone(), e.id.to_string()),
            ]
        })
        .filter(|(needle, _)| needle.len() >= 4)
        .collect()
}

/// Scans `files` (built with `profile`) for the confidential strings, all
/// at once (Aho-Corasick): the benchmark site has thousands of needles.
pub fn check(
    profile: &str,
    files: &SiteFiles,
    needles: &[(String, String)],
    sources: &HashMap<String, String>,
) -> Vec<Diagnostic> {
    let Ok(matcher) = AhoCorasick::new(needles.iter().map(|(needle, _)| needle.as_str())) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    let mut reported: BTreeSet<(String, String)> = BTreeSet::new();
    let mut leaked: BTreeSet<&str> = BTreeSet::new();
    // The search index repeats page text, lowercased: it is looked at last,
    // and only for engagements no page leaked.
    let (index, others): (Vec<_>, Vec<_>) = files
        .iter()
        .partition(|(path, _)| path.starts_with("search/"));
    for (path, bytes) in others.into_iter().chain(index) {
        let hits: BTreeSet<usize> = matcher
            .find_overlapping_iter(bytes.as_ref())
            .map(|m| m.pattern().as_usize())
            .collect();
        for hit in hits {
            let (needle, engagement) = &needles[hit];
            if path.starts_with("search/") && leaked.contains(engagement.as_str()) {
                continue;
            }
            leaked.insert(engagement);
            let message = format!(
                "`{needle}` of confidential engagement `{engagement}` appears in the `{profile}` build ({path})"
            );
            let origin = sources
                .iter()
                .filter(|(file, _)| !file.ends_with(&format!("/{engagement}.toml")))
                .find_map(|(file, source)| {
                    source.find(needle.as_str()).map(|at| (file, source, at))
                });
            let key = (
                origin.map_or(path.clone(), |(file, _, _)| file.clone()),
                needle.clone(),
            );
            if !reported.insert(key) {
                continue;
            }
            let diagnostic = Diagnostic::new(Code::E083, message)
                .help(format!("the `{profile}` profile leaves confidential engagements out; remove the mention, or name the customer generically"));
            found.push(match origin {
                Some((file, source, at)) => diagnostic
                    .at(Location::new(file, source, at..at + needle.len()))
                    .label("confidential"),
                None => diagnostic.at(Location::file_only(path)),
            });
        }
    }
    found
}
