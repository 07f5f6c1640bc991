//! Checks across files: every id reference resolves, ids are unique and
//! match their file names, and values agree with each other. Runs on
//! whatever parsed, so one broken file does not hide problems in others.

mod catalog;
mod engagements;
mod pages;
mod releases;
mod sizes;
mod support;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Display;
use std::ops::Range;

use super::{ParsedSite, SourceFile};
use crate::diagnostics::{Code, Diagnostic, Diagnostics, did_you_mean};
use crate::model::{At, Catalog, Entry, Version};

/// What the engagement files' checks found, kept between loads so that
/// `serve` re-checks only the files that changed. One file's checks read
/// the file, the site-wide files, and every engagement's id and path: the
/// others' findings stand while those are the same.
#[derive(Debug, Default)]
pub struct EngagementChecks {
    /// The fingerprint of the site-wide files the checks ran against, once
    /// every file has been checked.
    global: Option<u64>,
    /// Each parsed file's engagement id, by path.
    ids: rustc_hash::FxHashMap<String, String>,
    /// What the checks found, by path: only files with findings.
    found: std::collections::BTreeMap<String, Diagnostics>,
}

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

/// The ids of one vocabulary.
#[derive(Debug, Default)]
pub struct Vocabulary<'a> {
    pub what: &'static str,
    pub defined_in: &'static str,
    ids: Known<'a>,
}

/// How a vocabulary knows its ids.
#[derive(Debug, Default)]
enum Known<'a> {
    /// The file defining them did not parse: references to it are then not
    /// checked, to avoid a cascade of errors caused by one typo.
    #[default]
    Unchecked,
    /// A set, for vocabularies that many references look up. Ids are
    /// borrowed from the parsed files where they can be.
    Set(rustc_hash::FxHashSet<Cow<'a, str>>),
    /// One id per file of a directory: each file's name, parsed or not (a
    /// broken file must not turn every reference to it into an error), and
    /// any other id a parsed file declares. Looked up in the sorted
    /// listing rather than a set: the engagement vocabulary has one id per
    /// engagement, few references, and `serve` builds it on every rebuild.
    Files {
        files: &'a [String],
        /// Ids parsed files declare that are not their file's name.
        declared: Vec<&'a str>,
    },
}

impl<'a> Vocabulary<'a> {
    fn new(
        what: &'static str,
        defined_in: &'static str,
        ids: Option<impl IntoIterator<Item = Cow<'a, str>>>,
    ) -> Self {
        Vocabulary {
            what,
            defined_in,
            ids: match ids {
                Some(ids) => Known::Set(ids.into_iter().collect()),
                None => Known::Unchecked,
            },
        }
    }

    /// The ids of the files in `dir` (a path ending in `/`), listed in
    /// `files`, with the ids their parsed `(file, id)` pairs declare.
    fn of_files(
        what: &'static str,
        dir: &'static str,
        files: &'a [String],
        parsed: impl Iterator<Item = (&'a str, &'a str)>,
    ) -> Self {
        let declared = parsed
            .filter(|(file, id)| !super::source::is_named(file, id))
            .map(|(_, id)| id)
            .collect();
        Vocabulary {
            what,
            defined_in: dir,
            ids: Known::Files { files, declared },
        }
    }

    fn from_entries<Id: Display>(
        what: &'static str,
        catalog: Option<&Catalog>,
        entries: impl Fn(&Catalog) -> &Vec<Entry<Id>>,
    ) -> Self {
        let ids = catalog.map(|c| {
            entries(c)
                .iter()
                .map(|e| Cow::Owned(e.id.to_string()))
                .collect::<Vec<_>>()
        });
        Vocabulary::new(what, "data/catalog.toml", ids)
    }

    /// Whether some parsed file declares an id other than its file's name.
    pub fn has_misnamed_files(&self) -> bool {
        matches!(&self.ids, Known::Files { declared, .. } if !declared.is_empty())
    }

    pub fn contains(&self, id: &str) -> bool {
        match &self.ids {
            Known::Unchecked => true,
            Known::Set(set) => set.contains(id),
            Known::Files { files, declared } => {
                let dir = self.defined_in;
                files.binary_search(&format!("{dir}{id}.toml")).is_ok()
                    || declared.contains(&id)
                    // Files in subdirectories are named by their stem too.
                    || files.iter().any(|file| super::source::stem_of(file) == id)
            }
        }
    }

    /// The ids, sorted: only for telling what is known, after a miss.
    fn ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = match &self.ids {
            Known::Unchecked => Vec::new(),
            Known::Set(set) => set.iter().map(|id| &**id).collect(),
            Known::Files {
                files, declared, ..
            } => files
                .iter()
                .map(|file| super::source::stem_of(file))
                .chain(declared.iter().copied())
                .collect(),
        };
        ids.sort_unstable();
        ids.dedup();
        ids
    }
}

/// Every id that files may refer to.
pub struct Index<'a> {
    pub method: Vocabulary<'a>,
    pub provider: Vocabulary<'a>,
    pub environment: Vocabulary<'a>,
    pub arch: Vocabulary<'a>,
    pub executor: Vocabulary<'a>,
    pub strategy: Vocabulary<'a>,
    pub distribution: Vocabulary<'a>,
    pub service: Vocabulary<'a>,
    pub feature: Vocabulary<'a>,
    pub code_host: Vocabulary<'a>,
    pub external: Vocabulary<'a>,
    pub exit_criterion: Vocabulary<'a>,
    pub size: Vocabulary<'a>,
    pub rule: Vocabulary<'a>,
    pub engagement: Vocabulary<'a>,
    /// Minor releases in the catalog, when it parsed.
    pub releases: Option<Vec<Version>>,
    /// Whether each external kind has versions.
    pub versioned_external: BTreeMap<String, bool>,
}

impl<'a> Index<'a> {
    fn build(parsed: &'a ParsedSite) -> Index<'a> {
        let catalog = parsed.catalog.as_ref().map(|c| &*c.value);
        let releases = parsed.releases.as_ref().map(|r| r.value.minors());
        Index {
            method: Vocabulary::new(
                "deployment method",
                "data/catalog.toml",
                catalog.map(|c| {
                    c.method
                        .iter()
                        .map(|m| Cow::Owned(m.id.to_string()))
                        .collect::<Vec<_>>()
                }),
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
                catalog.map(|c| {
                    c.service
                        .iter()
                        .map(|s| Cow::Owned(s.id.to_string()))
                        .collect::<Vec<_>>()
                }),
            ),
            feature: Vocabulary::from_entries("feature", catalog, |c| &c.feature),
            code_host: Vocabulary::from_entries("code host kind", catalog, |c| &c.code_host),
            external: Vocabulary::new(
                "external service kind",
                "data/catalog.toml",
                catalog.map(|c| {
                    c.external
                        .iter()
                        .map(|e| Cow::Owned(e.id.to_string()))
                        .collect::<Vec<_>>()
                }),
            ),
            exit_criterion: Vocabulary::from_entries("exit criterion", catalog, |c| {
                &c.exit_criterion
            }),
            size: Vocabulary::new(
                "reference architecture size",
                "data/reference-architectures/",
                Some(
                    parsed
                        .sizes
                        .iter()
                        .map(|s| s.value.id.as_str())
                        .chain(parsed.size_files.iter().map(|f| super::source::stem_of(f)))
                        .map(Cow::Borrowed),
                ),
            ),
            rule: Vocabulary::new(
                "support rule",
                "data/support.toml",
                parsed.support.as_ref().map(|s| {
                    s.value
                        .rule
                        .iter()
                        .map(|r| Cow::Owned(r.id.to_string()))
                        .collect::<Vec<_>>()
                }),
            ),
            engagement: Vocabulary::of_files(
                "engagement",
                "data/engagements/",
                &parsed.engagement_files,
                parsed
                    .engagements
                    .iter()
                    .map(|e| (e.file.path.as_str(), e.value.id.as_str())),
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
        let help = match did_you_mean(id, known.iter().copied()) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_vocabulary_knows_file_names_nested_names_and_declared_ids() {
        let files: Vec<String> = [
            "data/engagements/acme.toml",
            "data/engagements/broken.toml",
            "data/engagements/team-b/borealis.toml",
            "data/engagements/typo.toml",
        ]
        .map(String::from)
        .to_vec();
        // typo.toml declares `cobalt`; broken.toml did not parse.
        let parsed = [
            ("data/engagements/acme.toml", "acme"),
            ("data/engagements/team-b/borealis.toml", "borealis"),
            ("data/engagements/typo.toml", "cobalt"),
        ];
        let vocabulary = Vocabulary::of_files(
            "engagement",
            "data/engagements/",
            &files,
            parsed.into_iter(),
        );
        for known in ["acme", "broken", "borealis", "typo", "cobalt"] {
            assert!(vocabulary.contains(known), "{known}");
        }
        assert!(!vocabulary.contains("delta"));
        assert!(!vocabulary.contains("team-b"));
        assert_eq!(
            vocabulary.ids(),
            ["acme", "borealis", "broken", "cobalt", "typo"]
        );
    }
}
