//! A build whose profile leaves confidential engagements out must not name
//! them anywhere: not on a page, in the sitemap or an export (the search
//! index, which `check` does not build, holds only the pages' text). A leak is reported where it was written (a content page, another
//! engagement's notes), or at the output file when no input holds it.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use aho_corasick::AhoCorasick;

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

/// Finds the confidential strings in a build's files as the build makes
/// them, all at once (Aho-Corasick: the benchmark site has thousands of
/// needles), keeping only what matched.
pub struct Scanner<'n> {
    needles: &'n [(String, String)],
    matcher: Option<AhoCorasick>,
    /// Each file that matched, with the needles it holds.
    hits: std::sync::Mutex<Vec<(String, BTreeSet<usize>)>>,
}

impl<'n> Scanner<'n> {
    pub fn new(needles: &'n [(String, String)]) -> Scanner<'n> {
        Scanner {
            needles,
            matcher: AhoCorasick::new(needles.iter().map(|(needle, _)| needle.as_str())).ok(),
            hits: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// Scans one file of the build; called from any thread.
    pub fn scan(&self, path: &str, bytes: &[u8]) {
        let Some(matcher) = &self.matcher else {
            return;
        };
        let hits: BTreeSet<usize> = matcher
            .find_overlapping_iter(bytes)
            .map(|m| m.pattern().as_usize())
            .collect();
        if !hits.is_empty() {
            self.hits
                .lock()
                .expect("scanner lock")
                .push((path.to_string(), hits));
        }
    }

    /// What was found, once the build (with `profile`) is done: each leak
    /// at the input that wrote it, or at the output file.
    pub fn report(self, profile: &str, sources: &BTreeMap<String, String>) -> Vec<Diagnostic> {
        let mut hits = self.hits.into_inner().expect("scanner lock");
        // Files in path order, so the report does not depend on threads.
        hits.sort();
        let mut found = Vec::new();
        let mut reported: BTreeSet<(String, String)> = BTreeSet::new();
        // Where each needle is written, looked up once per needle (not per
        // page it shows on): the first input in path order, other than the
        // confidential engagement's own file.
        let mut origins: HashMap<usize, Option<(&String, &String, usize)>> = HashMap::new();
        for (path, needles) in &hits {
            for hit in needles {
                let (needle, engagement) = &self.needles[*hit];
                let message = format!(
                    "`{needle}` of confidential engagement `{engagement}` appears in the `{profile}` build ({path})"
                );
                let origin = *origins.entry(*hit).or_insert_with(|| {
                    let own_file = format!("/{engagement}.toml");
                    sources
                        .iter()
                        .filter(|(file, _)| !file.ends_with(&own_file))
                        .find_map(|(file, source)| {
                            source.find(needle.as_str()).map(|at| (file, source, at))
                        })
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
}
