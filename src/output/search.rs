//! The search index: built here at build time, sharded so that the browser
//! downloads only the shards of the terms typed (see
//! `themes/default/static/search.js`, whose tokenizer must match).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use rayon::prelude::*;

use serde::Serialize;

use crate::render::RenderedPage;

/// Documents per metadata shard.
pub const META_SHARD_SIZE: usize = 1000;
const TITLE_WEIGHT: u32 = 10;
const DESCRIPTION_WEIGHT: u32 = 3;
/// A term repeated in the body counts at most this many times.
const BODY_CAP: u32 = 5;

/// Lowercases and splits into runs of letters and digits of two or more
/// characters: `m6a.4xlarge` → `m6a`, `4xlarge`. `char::is_alphanumeric` is
/// Unicode's Alphabetic or Numeric property, which the browser matches with
/// `[\p{Alphabetic}\p{N}]`.
pub fn tokenize(text: &str) -> Vec<String> {
    let lowered = text.to_lowercase();
    lowered
        .split(|c: char| !c.is_alphanumeric())
        .filter(|token| token.chars().count() >= 2)
        .map(str::to_string)
        .collect()
}

#[derive(Serialize)]
struct Manifest {
    version: u32,
    docs: usize,
    meta_shard_size: usize,
    prefixes: Vec<String>,
}

/// What a search result shows: URL, title, section, summary.
type Meta = (String, String, String, String);

/// One page, tokenized and scored: the costly part of indexing, kept
/// between builds for pages that did not change.
#[derive(Debug, Clone)]
pub struct DocTerms {
    scores: Vec<(String, u32)>,
    meta: Meta,
}

/// Tokenizes and scores one page.
pub fn analyse(page: &RenderedPage) -> DocTerms {
    let body = main_text(&page.html);
    let mut scores: HashMap<String, u32> = HashMap::new();
    let fields = [
        (page.title.as_str(), TITLE_WEIGHT, 1),
        (page.description.as_str(), DESCRIPTION_WEIGHT, 1),
        (body.as_str(), 1, BODY_CAP),
    ];
    for (text, weight, cap) in fields {
        let mut counts: HashMap<String, u32> = HashMap::new();
        for token in tokenize(text) {
            *counts.entry(token).or_default() += 1;
        }
        for (token, count) in counts {
            *scores.entry(token).or_default() += weight * count.min(cap);
        }
    }
    let summary = if page.description.is_empty() {
        excerpt(&body, 180)
    } else {
        page.description.clone()
    };
    DocTerms {
        scores: scores.into_iter().collect(),
        meta: (
            page.path.clone(),
            page.title.clone(),
            page.section.clone(),
            summary,
        ),
    }
}

/// The files of the index (`search/manifest.json`, `search/meta/<k>.json`,
/// `search/idx/<prefix>.json`) for the listed pages, in order.
pub fn index_files(pages: &[RenderedPage]) -> Vec<(String, Vec<u8>)> {
    let docs: Vec<(String, u64, DocTerms)> = pages
        .par_iter()
        .filter(|p| p.listed)
        .map(|p| (p.path.clone(), 0, analyse(p)))
        .collect();
    SearchIndex::build(docs)
        .files()
        .into_iter()
        .map(|(path, bytes)| (path, bytes.to_vec()))
        .collect()
}

/// The index, kept between builds so that an edit re-writes only the
/// shards whose terms it touched. Document ids are positions in the list of
/// listed pages, so the same pages in the same order give the same files
/// whether built at once or updated.
pub struct SearchIndex {
    /// Each document's page path and the key of its inputs.
    docs: Vec<(String, u64)>,
    terms: Vec<DocTerms>,
    /// term → [(document, score)], sorted by document.
    postings: HashMap<String, Vec<(usize, u32)>>,
    by_prefix: BTreeMap<String, std::collections::BTreeSet<String>>,
    shards: BTreeMap<String, Arc<[u8]>>,
    meta: Vec<Arc<[u8]>>,
}

impl SearchIndex {
    /// Indexes `docs` (path, key, terms) from scratch.
    pub fn build(docs: Vec<(String, u64, DocTerms)>) -> SearchIndex {
        let mut index = SearchIndex {
            docs: Vec::with_capacity(docs.len()),
            terms: Vec::with_capacity(docs.len()),
            postings: HashMap::new(),
            by_prefix: BTreeMap::new(),
            shards: BTreeMap::new(),
            meta: Vec::new(),
        };
        for (doc, (path, key, terms)) in docs.into_iter().enumerate() {
            for (term, score) in &terms.scores {
                index
                    .postings
                    .entry(term.clone())
                    .or_default()
                    .push((doc, *score));
            }
            index.docs.push((path, key));
            index.terms.push(terms);
        }
        for (term, postings) in &mut index.postings {
            postings.sort_unstable();
            index
                .by_prefix
                .entry(prefix(term))
                .or_default()
                .insert(term.clone());
        }
        let prefixes: Vec<String> = index.by_prefix.keys().cloned().collect();
        for prefix in prefixes {
            index.write_shard(&prefix);
        }
        index.meta = (0..index.docs.len().div_ceil(META_SHARD_SIZE))
            .map(|k| index.meta_shard(k))
            .collect();
        index
    }

    /// Whether `docs` are the same pages, in the same order, as indexed.
    pub fn same_documents(&self, docs: &[(String, u64)]) -> bool {
        self.docs.len() == docs.len() && self.docs.iter().zip(docs).all(|(a, b)| a.0 == b.0)
    }

    /// The key of each document, for reuse of their terms.
    pub fn terms_of(&self, path: &str, key: u64) -> Option<&DocTerms> {
        let doc = self.docs.iter().position(|(p, k)| p == path && *k == key)?;
        Some(&self.terms[doc])
    }

    /// Replaces the terms of the documents whose key changed. The pages
    /// must be the same as indexed (see [`SearchIndex::same_documents`]).
    pub fn update(&mut self, docs: &[(String, u64)], analyse: impl Fn(usize) -> DocTerms + Sync) {
        let changed: Vec<usize> = (0..docs.len())
            .filter(|&i| self.docs[i].1 != docs[i].1 || docs[i].1 == 0)
            .collect();
        let fresh: Vec<(usize, DocTerms)> = changed.par_iter().map(|&i| (i, analyse(i))).collect();
        let mut touched: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
        for (doc, terms) in fresh {
            for (term, _) in &self.terms[doc].scores {
                if let Some(postings) = self.postings.get_mut(term) {
                    postings.retain(|(d, _)| *d != doc);
                    if postings.is_empty() {
                        self.postings.remove(term);
                        if let Some(set) = self.by_prefix.get_mut(&prefix(term)) {
                            set.remove(term);
                        }
                    }
                }
                touched.insert(prefix(term));
            }
            for (term, score) in &terms.scores {
                let postings = self.postings.entry(term.clone()).or_default();
                let at = postings.partition_point(|(d, _)| *d < doc);
                postings.insert(at, (doc, *score));
                self.by_prefix
                    .entry(prefix(term))
                    .or_default()
                    .insert(term.clone());
                touched.insert(prefix(term));
            }
            self.terms[doc] = terms;
            self.docs[doc].1 = docs[doc].1;
            self.meta[doc / META_SHARD_SIZE] = self.meta_shard(doc / META_SHARD_SIZE);
        }
        for prefix in touched {
            if self.by_prefix.get(&prefix).is_none_or(|set| set.is_empty()) {
                self.by_prefix.remove(&prefix);
                self.shards.remove(&prefix);
            } else {
                self.write_shard(&prefix);
            }
        }
    }

    fn write_shard(&mut self, prefix: &str) {
        let shard: BTreeMap<&str, &Vec<(usize, u32)>> = self.by_prefix[prefix]
            .iter()
            .map(|term| (term.as_str(), &self.postings[term]))
            .collect();
        self.shards
            .insert(prefix.to_string(), Arc::from(json(&shard)));
    }

    fn meta_shard(&self, k: usize) -> Arc<[u8]> {
        let end = ((k + 1) * META_SHARD_SIZE).min(self.terms.len());
        let chunk: Vec<&Meta> = self.terms[k * META_SHARD_SIZE..end]
            .iter()
            .map(|t| &t.meta)
            .collect();
        Arc::from(json(&chunk))
    }

    /// Every file of the index.
    pub fn files(&self) -> Vec<(String, Arc<[u8]>)> {
        let manifest = Manifest {
            version: 1,
            docs: self.docs.len(),
            meta_shard_size: META_SHARD_SIZE,
            prefixes: self.shards.keys().cloned().collect(),
        };
        let mut files = vec![(
            "search/manifest.json".to_string(),
            Arc::from(json(&manifest)),
        )];
        for (k, bytes) in self.meta.iter().enumerate() {
            files.push((format!("search/meta/{k}.json"), bytes.clone()));
        }
        for (prefix, bytes) in &self.shards {
            files.push((format!("search/idx/{prefix}.json"), bytes.clone()));
        }
        files
    }
}

fn prefix(term: &str) -> String {
    term.chars().take(2).collect()
}

fn json<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).expect("index serializes")
}

/// The text inside `<main>`, without tags, entities decoded.
pub fn main_text(html: &str) -> String {
    let start = html.find("<main").unwrap_or(0);
    let end = html.rfind("</main>").unwrap_or(html.len());
    let mut text = String::new();
    let mut in_tag = false;
    for c in html[start..end].chars() {
        match c {
            '<' => {
                in_tag = true;
                text.push(' ');
            }
            '>' if in_tag => in_tag = false,
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    decode_entities(&text)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn decode_entities(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&#x2f;", "/")
        .replace("&amp;", "&")
}

fn excerpt(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max).collect();
    match cut.rfind(' ') {
        Some(space) => format!("{}…", &cut[..space]),
        None => format!("{cut}…"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_split_instance_types_and_drop_single_characters() {
        assert_eq!(
            tokenize("Helm on m6a.4xlarge, Zürich a"),
            ["helm", "on", "m6a", "4xlarge", "zürich"]
        );
    }

    #[test]
    fn main_text_strips_tags_and_decodes() {
        let html =
            "<header>nav</header><main id=\"main\"><h1>Acme &amp; Co</h1><p>m5.4xlarge</p></main>";
        assert_eq!(main_text(html), "Acme & Co m5.4xlarge");
    }

    #[test]
    fn the_index_is_sharded_by_prefix() {
        let page = RenderedPage {
            path: "engagements/acme/".into(),
            title: "Acme Corp".into(),
            section: "Engagements".into(),
            description: String::new(),
            html: "<main><p>Runs m6a.4xlarge nodes</p></main>".into(),
            listed: true,
        };
        let files = index_files(&[page]);
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        assert!(names.contains(&"search/manifest.json"));
        assert!(names.contains(&"search/meta/0.json"));
        assert!(names.contains(&"search/idx/m6.json"));
        let shard: serde_json::Value = serde_json::from_slice(
            &files
                .iter()
                .find(|(n, _)| n == "search/idx/ac.json")
                .unwrap()
                .1,
        )
        .unwrap();
        assert_eq!(
            shard["acme"][0],
            serde_json::json!([0, 10]),
            "a title word weighs 10"
        );
        let shard: serde_json::Value = serde_json::from_slice(
            &files
                .iter()
                .find(|(n, _)| n == "search/idx/m6.json")
                .unwrap()
                .1,
        )
        .unwrap();
        assert_eq!(
            shard["m6a"][0],
            serde_json::json!([0, 1]),
            "a body word weighs 1"
        );
    }
}
