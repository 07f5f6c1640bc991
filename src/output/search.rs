//! The search index: built here at build time, sharded so that the browser
//! downloads only the shards of the terms typed (see
//! `themes/default/static/search.js`, whose tokenizer must match).

use std::collections::{BTreeMap, HashMap};

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
    let docs: Vec<DocTerms> = pages.par_iter().filter(|p| p.listed).map(analyse).collect();
    index_from(&docs.iter().collect::<Vec<_>>())
}

/// The index files from documents analysed earlier; document ids are their
/// positions in `docs`.
pub fn index_from(docs: &[&DocTerms]) -> Vec<(String, Vec<u8>)> {
    let mut terms: HashMap<&str, Vec<(usize, u32)>> = HashMap::new();
    let mut meta = Vec::with_capacity(docs.len());
    for (doc, terms_of_doc) in docs.iter().enumerate() {
        for (token, score) in &terms_of_doc.scores {
            terms.entry(token).or_default().push((doc, *score));
        }
        meta.push(&terms_of_doc.meta);
    }

    // prefix → term → [(document, score)], sorted for reproducible output.
    type Shard<'t> = BTreeMap<&'t str, Vec<(usize, u32)>>;
    let mut shards: BTreeMap<String, Shard<'_>> = BTreeMap::new();
    for (term, mut postings) in terms {
        postings.sort_unstable();
        let prefix: String = term.chars().take(2).collect();
        shards.entry(prefix).or_default().insert(term, postings);
    }
    let mut files = Vec::new();
    let manifest = Manifest {
        version: 1,
        docs: meta.len(),
        meta_shard_size: META_SHARD_SIZE,
        prefixes: shards.keys().cloned().collect(),
    };
    files.push(("search/manifest.json".to_string(), json(&manifest)));
    for (k, chunk) in meta.chunks(META_SHARD_SIZE).enumerate() {
        files.push((format!("search/meta/{k}.json"), json(&chunk)));
    }
    for (prefix, shard) in &shards {
        files.push((format!("search/idx/{prefix}.json"), json(shard)));
    }
    files
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
