//! Checks across files: every id reference resolves, ids are unique and
//! match their file names, and values agree with each other. Runs on
//! whatever parsed, so one broken file does not hide problems in others.

mod catalog;
mod engagements;
mod pages;
mod releases;
mod sizes;
mod support;

use std::collections::BTreeMap;
use std::fmt::Display;
use std::ops::Range;

use super::{ParsedSite, SourceFile};
use crate::diagnostics::{Code, Diagnostic, Diagnostics, did_you_mean};
use crate::model::{At, Catalog, Entry, Version};

/// What each engagement file's checks found, by path, with the key of
/// what they read: the file, the site-wide files and every engagement's id
/// and path. `serve` re-checks only the file that changed.
pub type EngagementChecks = rustc_hash::FxHashMap<String, (u64, Diagnostics)>;

pub fn check(parsed: &ParsedSite, diagnostics: &mut Diagnostics, previous: &mut EngagementChecks) {
    let index = Index::build(parsed);
    if let Some(catalog) = &parsed.catalog {
        catalog::check(catalog, &index, diagnostics);
    }
    if let Some(releases) = &parsed.releases {
        releases::check(releases, &index, diagnostics);
    }
    if let Some(support) = &parsed.support {
        support::check(support, &index, diagnostics);
    }
    sizes::check(&parsed.sizes, &index, diagnostics);
    engagements::check(parsed, &index, diagnostics, previous);
    pages::check(&parsed.pages, &index, diagnostics);
}

/// The ids of one vocabulary. `None` when the file defining it did not
/// parse: references to it are then not checked, to avoid a cascade of
/// errors caused by one typo.
#[derive(Debug, Default)]
pub struct Vocabulary {
    pub what: &'static str,
    pub defined_in: &'static str,
    ids: Option<Vec<String>>,
    /// The same ids, for lookups: the engagement vocabulary has one id per
    /// engagement, and a scan per reference made loading quadratic.
    set: std::collections::HashSet<String>,
}

impl Vocabulary {
    fn new(what: &'static str, defined_in: &'static str, ids: Option<Vec<String>>) -> Self {
        Vocabulary {
            what,
            defined_in,
            set: ids.iter().flatten().cloned().collect(),
            ids,
        }
    }

    fn from_entries<Id: Display>(
        what: &'static str,
        catalog: Option<&Catalog>,
        entries: impl Fn(&Catalog) -> &Vec<Entry<Id>>,
    ) -> Self {
        let ids = catalog.map(|c| entries(c).iter().map(|e| e.id.to_string()).collect());
        Vocabulary::new(what, "data/catalog.toml", ids)
    }

    pub fn contains(&self, id: &str) -> bool {
        self.ids.as_ref().is_none_or(|_| self.set.contains(id))
    }

    fn ids(&self) -> &[String] {
        self.ids.as_deref().unwrap_or_default()
    }
}

/// Every id that files may refer to.
pub struct Index {
    pub method: Vocabulary,
    pub provider: Vocabulary,
    pub environment: Vocabulary,
    pub arch: Vocabulary,
    pub executor: Vocabulary,
    pub strategy: Vocabulary,
    pub distribution: Vocabulary,
    pub service: Vocabulary,
    pub feature: Vocabulary,
    pub code_host: Vocabulary,
    pub external: Vocabulary,
    pub exit_criterion: Vocabulary,
    pub size: Vocabulary,
    pub rule: Vocabulary,
    pub engagement: Vocabulary,
    /// Minor releases in the catalog, when it parsed.
    pub releases: Option<Vec<Version>>,
    /// Whether each external kind has versions.
    pub versioned_external: BTreeMap<String, bool>,
}

impl Index {
    fn build(parsed: &ParsedSite) -> Index {
        let catalog = parsed.catalog.as_ref().map(|c| &*c.value);
        let releases = parsed.releases.as_ref().map(|r| r.value.minors());
        Index {
            method: Vocabulary::new(
                "deployment method",
                "data/catalog.toml",
                catalog.map(|c| c.method.iter().map(|m| m.id.to_string()).collect()),
            ),
            provider: Vocabulary::from_entries("hosting provider", catalog, |c| &c.provider),
            environment: Vocabulary::from_entries("environment", catalog, |c| &c.environment),
            arch: Vocabulary::from_entries("CPU architecture", catalog, |c| &c.arch),
            executor: Vocabulary::from_entries("executor runtime", catalog, |c| &c.executor),
            strategy: Vocabulary::from_entries("implementation strategy", catalog, |c| &c.strategy),
            distribution: Vocabulary::from_entries("Kubernetes distribution", catalog, |c| {
                &c.distribution
            }),
            service: Vocabulary::new(
                "service",
                "data/catalog.toml",
                catalog.map(|c| c.service.iter().map(|s| s.id.to_string()).collect()),
            ),
            feature: Vocabulary::from_entries("feature", catalog, |c| &c.feature),
            code_host: Vocabulary::from_entries("code host kind", catalog, |c| &c.code_host),
            external: Vocabulary::new(
                "external service kind",
                "data/catalog.toml",
                catalog.map(|c| c.external.iter().map(|e| e.id.to_string()).collect()),
            ),
            exit_criterion: Vocabulary::from_entries("exit criterion", catalog, |c| {
                &c.exit_criterion
            }),
            size: Vocabulary::new(
                "reference architecture size",
                "data/reference-architectures/",
                Some(known_ids(
                    parsed.sizes.iter().map(|s| s.value.id.to_string()),
                    &parsed.size_files,
                )),
            ),
            rule: Vocabulary::new(
                "support rule",
                "data/support.toml",
                parsed
                    .support
                    .as_ref()
                    .map(|s| s.value.rule.iter().map(|r| r.id.to_string()).collect()),
            ),
            engagement: Vocabulary::new(
                "engagement",
                "data/engagements/",
                Some(known_ids(
                    parsed.engagements.iter().map(|e| e.value.id.to_string()),
                    &parsed.engagement_files,
                )),
            ),
            releases,
            versioned_external: catalog
                .map(|c| {
                    c.external
                        .iter()
                        .map(|e| (e.id.to_string(), e.versioned))
                        .collect()
                })
                .unwrap_or_default(),
        }
    }
}

/// Ids defined by files that parsed, plus the names of those that did not
/// (their ids are most likely their names).
fn known_ids(parsed: impl Iterator<Item = String>, file_stems: &[String]) -> Vec<String> {
    let mut ids: Vec<String> = parsed.chain(file_stems.iter().cloned()).collect();
    ids.sort();
    ids.dedup();
    ids
}

/// Reports problems in one file.
pub struct Checker<'a> {
    pub file: &'a SourceFile,
    pub diagnostics: &'a mut Diagnostics,
}

impl<'a> Checker<'a> {
    pub fn new(file: &'a SourceFile, diagnostics: &'a mut Diagnostics) -> Self {
        Checker { file, diagnostics }
    }

    pub fn report(
        &mut self,
        code: Code,
        span: Range<usize>,
        message: impl Into<String>,
        label: &str,
        help: impl Into<String>,
    ) {
        let mut diagnostic = Diagnostic::new(code, message)
            .at(self.file.location(span))
            .help(help);
        if !label.is_empty() {
            diagnostic = diagnostic.label(label);
        }
        self.diagnostics.push(diagnostic);
    }

    /// Checks that `id` is in `vocabulary`.
    pub fn reference<T: Display>(&mut self, vocabulary: &Vocabulary, id: &At<T>) {
        self.reference_at(vocabulary, &id.to_string(), id.span());
    }

    pub fn reference_at(&mut self, vocabulary: &Vocabulary, id: &str, span: Range<usize>) {
        if vocabulary.contains(id) {
            return;
        }
        let known = vocabulary.ids();
        let help = match did_you_mean(id, known.iter().map(String::as_str)) {
            Some(best) => format!("did you mean `{best}`?"),
            None if known.is_empty() => format!(
                "no {} is defined in {}",
                vocabulary.what, vocabulary.defined_in
            ),
            None => format!("known ids: {}", known.join(", ")),
        };
        self.report(
            Code::E020,
            span,
            format!("unknown {} `{id}`", vocabulary.what),
            &format!("not defined in {}", vocabulary.defined_in),
            help,
        );
    }

    /// Reports ids that appear more than once among `ids`.
    pub fn unique<'i, T: Display + 'i>(
        &mut self,
        what: &str,
        ids: impl IntoIterator<Item = &'i At<T>>,
    ) {
        let mut seen: BTreeMap<String, Range<usize>> = BTreeMap::new();
        for id in ids {
            let text = id.to_string();
            if let Some(first) = seen.get(&text) {
                let first_line = self.file.location(first.clone()).line;
                self.report(
                    Code::E021,
                    id.span(),
                    format!("{what} `{text}` is defined twice"),
                    "defined again here",
                    format!("the first definition is on line {first_line}; remove or rename one"),
                );
            } else {
                seen.insert(text, id.span());
            }
        }
    }

    /// Checks that a release is in the release catalog.
    pub fn release(&mut self, index: &Index, version: &At<Version>) {
        let Some(releases) = &index.releases else {
            return;
        };
        let minor = version.release();
        if !releases.contains(&minor) {
            let latest = releases
                .last()
                .map_or("none".to_string(), ToString::to_string);
            self.report(
                Code::E020,
                version.span(),
                format!("release {minor} is not in the release catalog"),
                "not in data/releases.toml",
                format!("add a [[release]] for {minor} to data/releases.toml, or correct the version (the latest release is {latest})"),
            );
        }
    }
}
