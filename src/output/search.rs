//! The search index: built here at build time, sharded so that the browser
//! downloads only the shards of the terms typed (see
//! `themes/default/static/search.js`, whose tokenizer and shard lookup must
//! match).
//!
//! Terms are grouped by their first two characters; a group larger than
//! [`SHARD_BUDGET`] is split by one more character, again and again, so no
//! shard grows with the site. Postings are written as flat arrays of
//! document-id deltas and scores. Each term's entry is serialized once and
//! kept, so an edit re-assembles only the groups of the terms whose scores
//! changed.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::render::RenderedPage;

/// Documents per metadata shard: a result list of twenty loads at most
/// twenty of these small files.
pub const META_SHARD_SIZE: usize = 16;
/// A shard above this many bytes is split by one more prefix character.
pub const SHARD_BUDGET: usize = 64 * 1024;
/// Terms are grouped by this many leading characters before any split.
const GROUP_PREFIX: usize = 2;
const TITLE_WEIGHT: u32 = 10;
const DESCRIPTION_WEIGHT: u32 = 3;
/// A term repeated in the body counts at most this many times.
const BODY_CAP: u32 = 5;
/// Characters of body text a result shows when the page has no description.
const SUMMARY_CHARS: usize = 180;

/// The tokens of a run with characters beyond ASCII: lowercased, then
/// split again.
fn each_lowered_piece(run: &str, mut found: impl FnMut(&str)) {
    let lowered = run.to_lowercase();
    for piece in lowered.split(|c: char| !c.is_alphanumeric()) {
        if piece.chars().nth(1).is_some() {
            found(piece);
        }
    }
}

/// Calls `found` with where each run of letters and digits in `text`
/// starts and ends, and the classes of its bytes or-ed together (whether it
/// had capitals, or characters beyond ASCII).
fn each_run(text: &str, mut found: impl FnMut(usize, usize, u8)) {
    let bytes = text.as_bytes();
    let mut at = 0;
    loop {
        while bytes
            .get(at)
            .is_some_and(|&byte| byte_class(byte) == SEPARATOR)
        {
            at += 1;
        }
        if at == bytes.len() {
            break;
        }
        // A run of letters and digits, read byte by byte while ASCII.
        let start = at;
        let mut seen = 0;
        while let Some(&byte) = bytes.get(at) {
            let class = byte_class(byte);
            if class & ALPHANUMERIC != 0 {
                seen |= class;
                at += 1;
            } else if class == SEPARATOR {
                break;
            } else {
                let c = text[at..].chars().next().expect("at a character boundary");
                if !c.is_alphanumeric() {
                    break;
                }
                seen |= NOT_ASCII;
                at += c.len_utf8();
            }
        }
        if at == start {
            // A separator that is not ASCII: skip it whole.
            at += text[at..].chars().next().map_or(1, char::len_utf8);
            continue;
        }
        found(start, at, seen);
    }
}

/// Counts the tokens of `text` in `field`: runs of letters and digits of
/// two or more characters, lowercased, so `m6a.4xlarge` gives `m6a`,
/// `4xlarge`. `char::is_alphanumeric` is Unicode's Alphabetic or Numeric
/// property, which the browser matches with `[\p{Alphabetic}\p{N}]`.
/// The same tokens as lowercasing the whole text and splitting it: a
/// non-ASCII run is split again after lowercasing, since lowercasing can
/// produce marks that are not alphanumeric (`İ` → `i̇`).
///
/// An ASCII token of up to 16 bytes, nearly every one, is packed straight
/// from the text, lowercased on the way, without being copied first.
fn count_tokens(text: &str, field: usize, counts: &mut TermCounts, buffer: &mut String) {
    each_run(text, |start, end, seen| {
        if seen & NOT_ASCII != 0 {
            each_lowered_piece(&text[start..end], |piece| counts.add(field, piece));
            return;
        }
        match end - start {
            0..=1 => {}
            len @ 2..=8 => counts.add_short(field, pack_short_lowered(text.as_bytes(), start, len)),
            len @ 9..=16 => counts.add_packed(field, pack_lowered(text.as_bytes(), start, len)),
            _ => {
                buffer.clear();
                buffer.push_str(&text[start..end]);
                buffer.make_ascii_lowercase();
                counts.add(field, buffer);
            }
        }
    });
}

/// The ASCII letters and digits `bytes[start..start + len]` (2 to 16 of
/// them), lowercased and packed as [`pack`] packs a term, the bytes past
/// the token masked off. Setting bit 5 lowercases a capital and leaves a
/// digit or a small letter as it is.
fn pack_lowered(bytes: &[u8], start: usize, len: usize) -> u128 {
    const BIT_5: u128 = u128::from_be_bytes([0x20; 16]);
    let word = u128::from_be_bytes(window(bytes, start, len));
    (word | BIT_5) & (u128::MAX << (8 * (16 - len)))
}

/// [`pack_lowered`] for a token of 2 to 8 bytes, into the 64 bits that
/// [`TermCounts::short`] keys by. Not `pack_lowered`'s first half: reading
/// and masking 8 bytes rather than 16 saves 3.8 M of the Markdown corpus's
/// 664 M instructions (bench/instructions.sh).
fn pack_short_lowered(bytes: &[u8], start: usize, len: usize) -> u64 {
    const BIT_5: u64 = u64::from_be_bytes([0x20; 8]);
    let word = u64::from_be_bytes(window(bytes, start, len));
    (word | BIT_5) & (u64::MAX << (8 * (8 - len)))
}

/// `N` bytes of `bytes` from `start`, of which the first `len` are a
/// token's: one read where the text goes on that far, else the token's
/// bytes copied and zeros after them.
fn window<const N: usize>(bytes: &[u8], start: usize, len: usize) -> [u8; N] {
    match bytes.get(start..start + N) {
        Some(window) => window.try_into().expect("N bytes"),
        None => {
            let mut padded = [0; N];
            padded[..len].copy_from_slice(&bytes[start..start + len]);
            padded
        }
    }
}

/// What a byte is to the tokenizer: bits, so that a run's bytes can be
/// or-ed together to learn whether it had capitals or other scripts.
const SEPARATOR: u8 = 0;
const ALPHANUMERIC: u8 = 1;
const UPPER: u8 = 2;
const NOT_ASCII: u8 = 4;

/// Every byte of every page passes through here: one table lookup.
fn byte_class(byte: u8) -> u8 {
    static CLASSES: [u8; 256] = {
        let mut classes = [NOT_ASCII; 256];
        let mut byte = 0;
        while byte < 128 {
            let b = byte as u8;
            classes[byte] = if b.is_ascii_uppercase() {
                ALPHANUMERIC | UPPER
            } else if b.is_ascii_alphanumeric() {
                ALPHANUMERIC
            } else {
                SEPARATOR
            };
            byte += 1;
        }
        classes
    };
    CLASSES[usize::from(byte)]
}

/// The entities our escaping and pulldown-cmark write, and what they stand
/// for. Each stands for a character that is not alphanumeric, so for
/// tokens an entity is a separator.
const ENTITIES: [(&str, char); 7] = [
    ("&lt;", '<'),
    ("&gt;", '>'),
    ("&quot;", '"'),
    ("&#x27;", '\''),
    ("&#39;", '\''),
    ("&#x2f;", '/'),
    ("&amp;", '&'),
];

/// One piece of the visible text inside `<main>`.
enum Piece<'a> {
    Text(&'a str),
    /// A decoded entity.
    Char(char),
    /// A tag, which reads as a space.
    Break,
}

/// Templates wrap what search should not index in these comments: the rows
/// of pages that list every engagement, each of which has its own page.
pub const SKIP_START: &str = "<!--nosearch-->";
pub const SKIP_END: &str = "<!--/nosearch-->";

static SKIP_END_FINDER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new(SKIP_END));

/// The text inside `<main>` in pieces: runs of text, decoded entities and
/// tags, without copying. Inline SVG and what templates marked with
/// [`SKIP_START`] and [`SKIP_END`] are left out.
///
/// Every page of a build passes through here, hundreds of megabytes on a
/// large site: the searches are memchr's, and a tag is told apart by its
/// second byte before any longer comparison.
fn main_pieces(html: &str, mut each: impl FnMut(Piece<'_>)) {
    let bytes = html.as_bytes();
    let start = memchr::memmem::find(bytes, b"<main").unwrap_or(0);
    let end = memchr::memmem::rfind(bytes, b"</main>")
        .unwrap_or(html.len())
        .max(start);
    let mut rest = &html[start..end];
    // The rest after the first `needle` in it, or nothing.
    let after = |rest: &str, at: Option<usize>, needle: &str| -> usize {
        at.map_or(rest.len(), |close| close + needle.len())
    };
    while !rest.is_empty() {
        let Some(at) = memchr::memchr2(b'<', b'&', rest.as_bytes()) else {
            each(Piece::Text(rest));
            break;
        };
        if at > 0 {
            each(Piece::Text(&rest[..at]));
        }
        rest = &rest[at..];
        let tail = rest.as_bytes();
        let skip = if tail[0] == b'&' {
            match ENTITIES.iter().find(|(entity, _)| rest.starts_with(entity)) {
                Some((entity, decoded)) => {
                    each(Piece::Char(*decoded));
                    entity.len()
                }
                None => {
                    each(Piece::Text("&"));
                    1
                }
            }
        } else {
            each(Piece::Break);
            match tail.get(1) {
                // Skipped parts are long (the rows of every engagement).
                Some(b'!') if rest.starts_with(SKIP_START) => {
                    after(rest, SKIP_END_FINDER.find(tail), SKIP_END)
                }
                // Diagrams and charts draw what the tables beside them say.
                Some(b's') if rest.starts_with("<svg") => {
                    after(rest, memchr::memmem::find(tail, b"</svg>"), "</svg>")
                }
                // Tags are a few bytes long: a plain loop finds their end
                // sooner than memchr sets up its vector search.
                _ => after(rest, tail.iter().position(|&byte| byte == b'>'), ">"),
            }
        };
        rest = &rest[skip..];
    }
}

/// Text with runs of whitespace as single spaces and none at either end,
/// collected up to a number of characters.
struct CollapsedText {
    text: String,
    chars: usize,
    limit: usize,
    space: bool,
}

impl CollapsedText {
    fn new(limit: usize) -> CollapsedText {
        CollapsedText {
            // Room for a summary of ASCII text.
            text: String::with_capacity(limit.min(SUMMARY_CHARS + 1)),
            chars: 0,
            limit,
            space: false,
        }
    }

    fn full(&self) -> bool {
        self.chars >= self.limit
    }

    fn push(&mut self, piece: &Piece<'_>) {
        match piece {
            // Stopped at the limit, not at the end of the piece: a page's
            // first paragraph is often longer than a summary.
            Piece::Text(text) => {
                for c in text.chars() {
                    if self.full() {
                        break;
                    }
                    self.push_char(c);
                }
            }
            Piece::Char(c) => self.push_char(*c),
            Piece::Break => self.space = true,
        }
    }

    fn push_char(&mut self, c: char) {
        if self.full() {
            return;
        }
        if c.is_whitespace() {
            self.space = true;
            return;
        }
        if self.space && !self.text.is_empty() {
            self.text.push(' ');
            self.chars += 1;
        }
        self.space = false;
        self.text.push(c);
        self.chars += 1;
    }
}

/// term → [(document, score)], sorted by document.
type Postings = FxHashMap<Box<str>, Vec<(u32, u32)>>;

/// A group's shards: key and bytes.
type Shards = Vec<(String, Arc<[u8]>)>;

/// What a search result shows: URL, title, section, summary.
type Meta = (String, String, String, String);

/// One page, tokenized and scored: the costly part of indexing, kept
/// between builds for pages that did not change.
///
/// A site holds millions of a page's terms between builds, so they are
/// kept end to end in one string per page rather than one allocation each.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DocTerms {
    /// The terms, sorted, end to end.
    text: Box<str>,
    /// Each term's end in `text`, and its score.
    scores: Box<[(u32, u32)]>,
    meta: Meta,
}

impl DocTerms {
    /// Each term and its score, sorted by term.
    fn scores(&self) -> impl Iterator<Item = (&str, u32)> + '_ {
        let mut start = 0;
        self.scores.iter().map(move |&(end, score)| {
            let term = &self.text[start as usize..end as usize];
            start = end;
            (term, score)
        })
    }
}

/// What changed from `old` to `new` terms: the terms `old` scored
/// otherwise or not at all, and the terms `new` scores otherwise or
/// afresh. Both lists are sorted by term, so one pass over each finds them.
fn changed_terms<'a>(old: &'a DocTerms, new: &'a DocTerms) -> (Vec<&'a str>, Vec<(&'a str, u32)>) {
    let (mut gone, mut added) = (Vec::new(), Vec::new());
    let mut old_terms = old.scores().peekable();
    let mut new_terms = new.scores().peekable();
    loop {
        match (old_terms.peek(), new_terms.peek()) {
            (Some(was), Some(is)) if was == is => {
                old_terms.next();
                new_terms.next();
            }
            (Some(was), Some(is)) if was.0 == is.0 => {
                gone.push(was.0);
                added.push(*is);
                old_terms.next();
                new_terms.next();
            }
            (Some(was), Some(is)) if was.0 < is.0 => {
                gone.push(was.0);
                old_terms.next();
            }
            (Some(was), None) => {
                gone.push(was.0);
                old_terms.next();
            }
            (_, Some(is)) => {
                added.push(*is);
                new_terms.next();
            }
            (None, None) => break,
        }
    }
    (gone, added)
}

/// Tokenizes and scores one page: a term scores its weight in each field
/// (title, description, body) times its count there, capped.
pub fn analyse(page: &RenderedPage) -> DocTerms {
    const FIELDS: [(u32, u32); 3] = [(TITLE_WEIGHT, 1), (DESCRIPTION_WEIGHT, 1), (1, BODY_CAP)];
    let mut counts = TermCounts::default();
    // Room up front rather than tables regrown seven times: an engagement
    // page of the benchmark's site has up to 351 distinct terms of up to 8
    // bytes and 68 longer ones (on average 298 and 57), the example's up to
    // 620 and 121. Tables sized to the benchmark's pages alone took 0.3 M
    // more instructions, not fewer (bench/instructions.sh).
    counts.short.reserve(512);
    counts.packed.reserve(128);
    let mut buffer = String::new();
    count_tokens(&page.title, 0, &mut counts, &mut buffer);
    count_tokens(&page.description, 1, &mut counts, &mut buffer);
    let mut summary = CollapsedText::new(if page.description.is_empty() {
        SUMMARY_CHARS + 1
    } else {
        0
    });
    main_pieces(&page.html, |piece| {
        if let Piece::Text(text) = piece {
            count_tokens(text, 2, &mut counts, &mut buffer);
        }
        if !summary.full() {
            summary.push(&piece);
        }
    });
    let (text, scores) = counts.into_terms(|counts| {
        FIELDS
            .iter()
            .zip(counts)
            .map(|((weight, cap), count)| weight * count.min(*cap))
            .sum()
    });
    let summary = if page.description.is_empty() {
        excerpt(summary.text, SUMMARY_CHARS)
    } else {
        page.description.clone()
    };
    DocTerms {
        text,
        scores,
        meta: (
            page.path.clone(),
            page.title.clone(),
            page.section.clone(),
            summary,
        ),
    }
}

/// Counts of terms in each field, as a page is read. Terms of up to 16
/// bytes, nearly all of them, are packed into a number, so that hashing and
/// comparing one is a couple of instructions and counting allocates
/// nothing. Tokens hold no NUL byte, so zero padding cannot make two terms
/// equal, and the packed numbers, read big-endian, sort as their strings.
///
/// Terms of up to 8 bytes, most words, are kept apart as the first half of
/// their packed number: a `u64` hashes in one step and compares in one
/// instruction: counting the Markdown corpus's tokens took 8 % fewer
/// instructions than with every term in `packed` (bench/instructions.sh:
/// 116.1 M against 107.2 M).
#[derive(Default)]
struct TermCounts {
    short: FxHashMap<u64, [u32; 3]>,
    packed: FxHashMap<u128, [u32; 3]>,
    long: FxHashMap<Box<str>, [u32; 3]>,
}

impl TermCounts {
    /// Not written as a call to `add_packed`: that shape made the counting
    /// loop 5 % more instructions (bench/instructions.sh), the compiler
    /// inlining differently.
    fn add(&mut self, field: usize, term: &str) {
        let counts = match pack(term) {
            Some(packed) if term.len() <= 8 => self.short.entry((packed >> 64) as u64).or_default(),
            Some(packed) => self.packed.entry(packed).or_default(),
            None => match self.long.get_mut(term) {
                Some(counts) => counts,
                None => self.long.entry(term.into()).or_default(),
            },
        };
        counts[field] += 1;
    }

    fn add_short(&mut self, field: usize, packed: u64) {
        self.short.entry(packed).or_default()[field] += 1;
    }

    fn add_packed(&mut self, field: usize, packed: u128) {
        self.packed.entry(packed).or_default()[field] += 1;
    }

    /// The terms end to end, sorted, and each one's end and score.
    fn into_terms(self, score: impl Fn([u32; 3]) -> u32) -> (Box<str>, Box<[(u32, u32)]>) {
        let short = self.short.into_iter();
        let mut packed: Vec<(u128, [u32; 3])> = short
            .map(|(term, counts)| (u128::from(term) << 64, counts))
            .chain(self.packed)
            .collect();
        packed.sort_unstable_by_key(|(term, _)| *term);
        let mut long: Vec<(Box<str>, [u32; 3])> = self.long.into_iter().collect();
        long.sort_unstable_by(|(a, _), (b, _)| a.cmp(b));
        let mut long = long.into_iter().peekable();
        let mut text = String::with_capacity(packed.len() * 8);
        let mut scores = Vec::with_capacity(packed.len() + long.len());
        let mut push = |term: &str, counts: [u32; 3]| {
            text.push_str(term);
            scores.push((text.len() as u32, score(counts)));
        };
        for (term, counts) in packed {
            let bytes = term.to_be_bytes();
            let term = unpack(&bytes);
            while let Some((longer, counts)) = long.next_if(|(longer, _)| **longer < *term) {
                push(&longer, counts);
            }
            push(term, counts);
        }
        for (longer, counts) in long {
            push(&longer, counts);
        }
        (text.into_boxed_str(), scores.into_boxed_slice())
    }
}

fn pack(term: &str) -> Option<u128> {
    let bytes = term.as_bytes();
    (bytes.len() <= 16).then(|| {
        let packed = bytes
            .iter()
            .fold(0u128, |packed, &byte| packed << 8 | u128::from(byte));
        packed << (8 * (16 - bytes.len()))
    })
}

/// The term of a packed number's big-endian bytes.
fn unpack(bytes: &[u8; 16]) -> &str {
    let len = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    std::str::from_utf8(&bytes[..len]).expect("packed from a str")
}

/// The index, kept between builds so that an edit re-writes only the
/// shards whose terms it touched. Document ids are positions in the list of
/// listed pages, so the same pages in the same order give the same files
/// whether built at once or updated.
pub struct SearchIndex {
    /// Each document's page path and the key of its inputs.
    docs: Vec<(String, u64)>,
    /// Document id by page path.
    positions: FxHashMap<String, usize>,
    terms: Vec<DocTerms>,
    /// term → [(document, score)], sorted by document.
    postings: Postings,
    /// term → its serialized entry in a shard, `"term":[…]`.
    entries: FxHashMap<Box<str>, Box<[u8]>>,
    /// Terms by their first [`GROUP_PREFIX`] characters.
    groups: BTreeMap<String, BTreeSet<Box<str>>>,
    /// The shard keys each group was split into.
    layout: BTreeMap<String, Vec<String>>,
    shards: BTreeMap<String, Arc<[u8]>>,
    meta: Vec<Arc<[u8]>>,
}

impl SearchIndex {
    /// Indexes `docs` (path, key, terms) from scratch.
    pub fn build(docs: Vec<(String, u64, DocTerms)>) -> SearchIndex {
        let mut index = SearchIndex {
            docs: Vec::with_capacity(docs.len()),
            positions: FxHashMap::default(),
            terms: Vec::with_capacity(docs.len()),
            postings: FxHashMap::default(),
            entries: FxHashMap::default(),
            groups: BTreeMap::new(),
            layout: BTreeMap::new(),
            shards: BTreeMap::new(),
            meta: Vec::new(),
        };
        // Postings of runs of documents in parallel, joined in document
        // order, so every list is sorted.
        const RUN: usize = 1024;
        index.postings = docs
            .par_chunks(RUN)
            .enumerate()
            .map(|(run, chunk)| {
                let mut postings: Postings = FxHashMap::default();
                for (i, (_, _, terms)) in chunk.iter().enumerate() {
                    let doc = (run * RUN + i) as u32;
                    for (term, score) in terms.scores() {
                        match postings.get_mut(term) {
                            Some(list) => list.push((doc, score)),
                            None => {
                                postings.insert(term.into(), vec![(doc, score)]);
                            }
                        }
                    }
                }
                postings
            })
            .reduce(FxHashMap::default, |mut earlier, later| {
                for (term, list) in later {
                    earlier.entry(term).or_default().extend(list);
                }
                earlier
            });
        for (doc, (path, key, terms)) in docs.into_iter().enumerate() {
            index.positions.insert(path.clone(), doc);
            index.docs.push((path, key));
            index.terms.push(terms);
        }
        // Documents were added in order, so every list is sorted already.
        index.entries = index
            .postings
            .par_iter()
            .map(|(term, postings)| (term.clone(), entry(term, postings)))
            .collect();
        for term in index.postings.keys() {
            index
                .groups
                .entry(group_of(term))
                .or_default()
                .insert(term.clone());
        }
        let groups: Vec<String> = index.groups.keys().cloned().collect();
        index.write_groups(groups);
        index.meta = (0..index.docs.len().div_ceil(META_SHARD_SIZE))
            .into_par_iter()
            .map(|k| index.meta_shard(k))
            .collect();
        index
    }

    /// The terms of a page as indexed, if its key is still `key`.
    pub fn terms_of(&self, path: &str, key: u64) -> Option<&DocTerms> {
        let doc = *self.positions.get(path)?;
        (self.docs[doc].1 == key).then(|| &self.terms[doc])
    }

    /// The index of `docs`: each page's path, the key of its inputs, and
    /// its terms, or `None` where `previous` holds them under that key
    /// (see [`SearchIndex::terms_of`]). With the same pages as `previous`,
    /// only the shards of terms whose scores changed are written again;
    /// otherwise the index is built afresh from the kept terms.
    pub fn refresh(
        previous: Option<SearchIndex>,
        docs: Vec<(&str, u64, Option<DocTerms>)>,
    ) -> SearchIndex {
        match previous {
            Some(mut index) if index.same_documents(&docs) => {
                index.apply(docs);
                index
            }
            mut previous => {
                let docs = docs
                    .into_iter()
                    .map(|(path, key, terms)| {
                        let terms = terms
                            .or_else(|| previous.as_mut()?.take_terms(path))
                            .expect("terms left out are in the previous index");
                        (path.to_string(), key, terms)
                    })
                    .collect();
                SearchIndex::build(docs)
            }
        }
    }

    /// Whether `docs` are the same pages, in the same order, as indexed.
    fn same_documents(&self, docs: &[(&str, u64, Option<DocTerms>)]) -> bool {
        self.docs.len() == docs.len() && self.docs.iter().zip(docs).all(|(a, b)| a.0 == b.0)
    }

    fn take_terms(&mut self, path: &str) -> Option<DocTerms> {
        let doc = *self.positions.get(path)?;
        Some(std::mem::take(&mut self.terms[doc]))
    }

    /// Replaces the terms of the documents given fresh terms.
    fn apply(&mut self, docs: Vec<(&str, u64, Option<DocTerms>)>) {
        let mut touched: BTreeSet<Box<str>> = BTreeSet::new();
        for (doc, (_, key, terms)) in docs.into_iter().enumerate() {
            self.docs[doc].1 = key;
            let Some(terms) = terms else { continue };
            if terms == self.terms[doc] {
                continue;
            }
            let old = std::mem::replace(&mut self.terms[doc], terms);
            self.meta[doc / META_SHARD_SIZE] = self.meta_shard(doc / META_SHARD_SIZE);
            let (gone, added) = changed_terms(&old, &self.terms[doc]);
            for term in gone {
                let postings = self.postings.get_mut(term).expect("indexed term");
                postings.retain(|(d, _)| *d as usize != doc);
                touched.insert(term.into());
            }
            for (term, score) in added {
                let postings = self.postings.entry(term.into()).or_default();
                let at = postings.partition_point(|(d, _)| (*d as usize) < doc);
                postings.insert(at, (doc as u32, score));
                touched.insert(term.into());
            }
        }
        let mut groups = BTreeSet::new();
        for term in touched {
            let group = group_of(&term);
            let postings = &self.postings[&term];
            if postings.is_empty() {
                self.postings.remove(&term);
                self.entries.remove(&term);
                if let Some(set) = self.groups.get_mut(&group) {
                    set.remove(&term);
                }
            } else {
                self.entries.insert(term.clone(), entry(&term, postings));
                self.groups.entry(group.clone()).or_default().insert(term);
            }
            groups.insert(group);
        }
        self.write_groups(groups.into_iter().collect());
    }

    /// Splits each group into shards and serializes them, replacing the
    /// group's previous shards.
    fn write_groups(&mut self, groups: Vec<String>) {
        for group in &groups {
            for key in self.layout.remove(group).unwrap_or_default() {
                self.shards.remove(&key);
            }
        }
        let written: Vec<(String, Shards)> = groups
            .into_par_iter()
            .filter_map(|group| {
                let terms: Vec<&str> = self.groups.get(&group)?.iter().map(|t| &**t).collect();
                if terms.is_empty() {
                    return None;
                }
                let mut shards = Vec::new();
                split(
                    group.clone(),
                    &terms,
                    &|t| self.entries[t].len(),
                    &mut shards,
                );
                let shards = shards
                    .into_iter()
                    .map(|(key, terms)| (key, self.shard_bytes(&terms)))
                    .collect();
                Some((group, shards))
            })
            .collect();
        for (group, shards) in written {
            let keys = shards.iter().map(|(key, _)| key.clone()).collect();
            self.shards.extend(shards);
            self.layout.insert(group, keys);
        }
        self.groups.retain(|_, terms| !terms.is_empty());
    }

    /// `{"term":[…],…}` from the kept entries.
    fn shard_bytes(&self, terms: &[&str]) -> Arc<[u8]> {
        let size = terms
            .iter()
            .map(|t| self.entries[*t].len() + 1)
            .sum::<usize>()
            + 1;
        let mut bytes = Vec::with_capacity(size);
        bytes.push(b'{');
        for (i, term) in terms.iter().enumerate() {
            if i > 0 {
                bytes.push(b',');
            }
            bytes.extend_from_slice(&self.entries[*term]);
        }
        bytes.push(b'}');
        Arc::from(bytes)
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
            version: 2,
            docs: self.docs.len(),
            meta_shard_size: META_SHARD_SIZE,
            shards: self
                .shards
                .iter()
                .map(|(key, bytes)| (key.as_str(), bytes.len()))
                .collect(),
        };
        let mut files = vec![(
            "search/manifest.json".to_string(),
            Arc::from(json(&manifest)),
        )];
        for (k, bytes) in self.meta.iter().enumerate() {
            files.push((format!("search/meta/{k}.json"), bytes.clone()));
        }
        for (key, bytes) in &self.shards {
            files.push((format!("search/idx/{key}.json"), bytes.clone()));
        }
        files
    }
}

/// What the browser reads first: how many documents, how they are grouped
/// in metadata shards, and every term shard with its size in bytes, so
/// that it can decide what a partial word is worth loading.
#[derive(Serialize)]
struct Manifest<'a> {
    version: u32,
    docs: usize,
    meta_shard_size: usize,
    shards: Vec<(&'a str, usize)>,
}

/// Splits the sorted `terms` sharing the prefix `key` into shards of at
/// most [`SHARD_BUDGET`] bytes where one more character of prefix can
/// divide them: terms no longer than the prefix stay in a shard named by
/// the prefix, the others go to shards named by their longer prefix.
fn split<'t>(
    key: String,
    terms: &[&'t str],
    size: &dyn Fn(&str) -> usize,
    out: &mut Vec<(String, Vec<&'t str>)>,
) {
    let depth = key.chars().count();
    let bytes = terms.iter().map(|t| size(t) + 1).sum::<usize>() + 1;
    let (short, long): (Vec<&str>, Vec<&str>) =
        terms.iter().partition(|t| t.chars().nth(depth).is_none());
    if bytes <= SHARD_BUDGET || long.is_empty() {
        out.push((key, terms.to_vec()));
        return;
    }
    if !short.is_empty() {
        out.push((key, short));
    }
    let mut start = 0;
    while start < long.len() {
        let child: String = long[start].chars().take(depth + 1).collect();
        let end = start
            + long[start..]
                .iter()
                .take_while(|t| t.starts_with(&child))
                .count();
        split(child, &long[start..end], size, out);
        start = end;
    }
}

/// `"term":[d₀,s₀,d₁-d₀,s₁,…]`: each document as the difference from the
/// one before, which keeps the numbers short.
fn entry(term: &str, postings: &[(u32, u32)]) -> Box<[u8]> {
    let mut bytes = Vec::with_capacity(term.len() + 4 + postings.len() * 5);
    serde_json::to_writer(&mut bytes, term).expect("a string serializes");
    bytes.extend_from_slice(b":[");
    let mut previous = 0;
    for (i, (doc, score)) in postings.iter().enumerate() {
        if i > 0 {
            bytes.push(b',');
        }
        push_number(&mut bytes, doc - previous);
        bytes.push(b',');
        push_number(&mut bytes, *score);
        previous = *doc;
    }
    bytes.push(b']');
    bytes.into_boxed_slice()
}

fn push_number(bytes: &mut Vec<u8>, mut n: u32) {
    let mut digits = [0u8; 10];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    bytes.extend_from_slice(&digits[at..]);
}

fn group_of(term: &str) -> String {
    term.chars().take(GROUP_PREFIX).collect()
}

fn json<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).expect("index serializes")
}

/// The first `max` characters of `text`, cut at a space with an ellipsis
/// when there is more.
fn excerpt(text: String, max: usize) -> String {
    if text.chars().count() <= max {
        return text;
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

    /// The tokens of `text`, as `count_tokens` counts them, written plainly:
    /// the reference the counting is checked against.
    fn each_token(text: &str, mut found: impl FnMut(&str)) {
        each_run(text, |start, end, seen| {
            let run = &text[start..end];
            if seen & NOT_ASCII != 0 {
                each_lowered_piece(run, &mut found);
            } else if run.len() >= 2 {
                found(&run.to_ascii_lowercase());
            }
        });
    }

    /// The tokens of `text`, collected.
    fn tokenize(text: &str) -> Vec<String> {
        let mut tokens = Vec::new();
        each_token(text, |token| tokens.push(token.to_string()));
        tokens
    }

    /// The text inside `<main>`, without tags, entities decoded, whitespace
    /// collapsed.
    fn main_text(html: &str) -> String {
        let mut text = CollapsedText::new(usize::MAX);
        main_pieces(html, |piece| text.push(&piece));
        text.text
    }

    /// The files of the index (`search/manifest.json`, `search/meta/<k>.json`,
    /// `search/idx/<prefix>.json`) for the listed pages, in order.
    fn index_files(pages: &[RenderedPage]) -> Vec<(String, Vec<u8>)> {
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

    fn page(path: &str, title: &str, body: &str) -> RenderedPage {
        RenderedPage {
            path: path.into(),
            title: title.into(),
            section: "Engagements".into(),
            description: String::new(),
            html: format!("<header>nav</header><main>{body}</main>").into(),
            listed: true,
        }
    }

    fn file(files: &[(String, Vec<u8>)], name: &str) -> serde_json::Value {
        let (_, bytes) = files.iter().find(|(n, _)| n == name).expect(name);
        serde_json::from_slice(bytes).unwrap()
    }

    /// `each_run`, byte by byte with a table, finds the runs a plain walk
    /// over the characters finds: maximal runs of `char::is_alphanumeric`,
    /// each marked ASCII or not. Strings of the characters at each edge of
    /// the table's ranges (`/`, `:`, `@`, `[`, `` ` ``, `{` beside the digits
    /// and letters) and beyond ASCII, at every length up to 40.
    #[test]
    fn runs_are_those_of_a_walk_over_the_characters() {
        fn plainly(text: &str) -> Vec<(usize, usize, bool)> {
            let mut runs = Vec::new();
            let mut run: Option<(usize, bool)> = None;
            for (at, c) in text.char_indices() {
                match (c.is_alphanumeric(), run) {
                    (true, None) => run = Some((at, c.is_ascii())),
                    (true, Some((start, ascii))) => run = Some((start, ascii && c.is_ascii())),
                    (false, Some((start, ascii))) => {
                        runs.push((start, at, ascii));
                        run = None;
                    }
                    (false, None) => {}
                }
            }
            if let Some((start, ascii)) = run {
                runs.push((start, text.len(), ascii));
            }
            runs
        }
        let alphabet = [
            'a', 'z', 'A', 'Z', '0', '9', '/', ':', '@', '[', '`', '{', ' ', '.', '\x7f', 'é', 'Σ',
            'ß', '…', '\u{a0}', 'İ', 'Ⅻ', '日', '\u{301}',
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        for length in 0..=40 {
            for _ in 0..200 {
                let text: String = (0..length)
                    .map(|_| {
                        seed = seed
                            .wrapping_mul(6_364_136_223_846_793_005)
                            .wrapping_add(1_442_695_040_888_963_407);
                        alphabet[(seed >> 33) as usize % alphabet.len()]
                    })
                    .collect();
                let mut runs = Vec::new();
                each_run(&text, |start, end, seen| {
                    runs.push((start, end, seen & NOT_ASCII == 0));
                });
                assert_eq!(runs, plainly(&text), "{text:?}");
            }
        }
    }

    #[test]
    fn tokens_split_instance_types_and_drop_single_characters() {
        assert_eq!(
            tokenize("Helm on m6a.4xlarge, Zürich a"),
            ["helm", "on", "m6a", "4xlarge", "zürich"]
        );
    }

    #[test]
    fn counting_packs_the_tokens_the_plain_tokenizer_gives() {
        let texts = [
            "Helm on m6a.4xlarge, Zürich a",
            "İstanbul ΣΑΣ Straße ÀB-cD x9 Ⅻ ⅻ 12",
            // 16 bytes, 17 bytes, capitals in both, and a 16-byte token
            // whose read ends where the text does.
            "ABCDEFGHIJKLMNOP abcdefghijklmnopq MixedCaseOver16Bytes ZZ09ABCDEFGHIJKL",
            // Fewer than 16 bytes left: packed from a copy.
            "x9 Ab",
            // 8 and 9 bytes, either side of the short terms' limit; an
            // 8-byte token whose read ends where the text does, and one of
            // 7 packed from a copy.
            "Eight8ch NINE9CHAR ab12CD34 eight8CH",
            "nine9char Sevench",
            "",
            "a b c <&> don't 2025-02-28 v5.11.1",
        ];
        for text in texts {
            let mut counted = TermCounts::default();
            count_tokens(text, 2, &mut counted, &mut String::new());
            let mut expected = TermCounts::default();
            each_token(text, |token| expected.add(2, token));
            let score = |counts: [u32; 3]| counts[2];
            assert_eq!(
                counted.into_terms(score),
                expected.into_terms(score),
                "{text}"
            );
        }
    }

    /// Terms as `analyse` keeps them, from (term, score) pairs in order.
    fn doc_terms(pairs: &[(&str, u32)]) -> DocTerms {
        let mut text = String::new();
        let mut scores = Vec::new();
        for (term, score) in pairs {
            text.push_str(term);
            scores.push((text.len() as u32, *score));
        }
        DocTerms {
            text: text.into(),
            scores: scores.into(),
            meta: Meta::default(),
        }
    }

    #[test]
    fn changed_terms_are_those_scored_otherwise_or_only_on_one_side() {
        let old = doc_terms(&[("aa", 1), ("bb", 2), ("cc", 3), ("zz", 1)]);
        let new = doc_terms(&[("bb", 2), ("cc", 4), ("dd", 1), ("zz", 1)]);
        let (gone, added) = changed_terms(&old, &new);
        assert_eq!(gone, ["aa", "cc"]);
        assert_eq!(added, [("cc", 4), ("dd", 1)]);
        let (gone, added) = changed_terms(&new, &new);
        assert!(gone.is_empty() && added.is_empty());
        let none = DocTerms::default();
        let (gone, added) = changed_terms(&none, &old);
        assert!(gone.is_empty());
        assert_eq!(added.len(), 4);
    }

    #[test]
    fn terms_sort_as_strings_whether_packed_or_long() {
        // 16 bytes or fewer are packed into a number; longer terms are not.
        let body = "abd abcdefghijklmnopq zz abcdefghijklmnop ab abcdefghijklmnopqrstu é9 ab";
        let analysed = analyse(&page("p/", "", body));
        let terms: Vec<&str> = analysed.scores().map(|(term, _)| term).collect();
        let mut sorted = terms.clone();
        sorted.sort_unstable();
        assert_eq!(terms, sorted);
        assert_eq!(terms.len(), 7, "{terms:?}");
    }

    #[test]
    fn tokens_are_those_of_the_lowercased_text() {
        // Lowercasing `İ` gives `i` and a combining dot, which splits.
        for text in ["İstanbul ΣΑΣ Straße", "ÀB-cD x9", "Ⅻ ⅻ 12"] {
            let whole: Vec<String> = text
                .to_lowercase()
                .split(|c: char| !c.is_alphanumeric())
                .filter(|t| t.chars().count() >= 2)
                .map(str::to_string)
                .collect();
            assert_eq!(tokenize(text), whole, "{text}");
        }
    }

    #[test]
    fn main_text_strips_tags_and_decodes() {
        let html = "<header>nav</header><main id=\"main\"><h1>Acme &amp; Co</h1>\n  <p>m5.4xlarge &amp;lt; &copy;</p><svg><text>chart</text></svg>.<!--nosearch--><p>rows</p><!--/nosearch--></main>";
        assert_eq!(main_text(html), "Acme & Co m5.4xlarge &lt; &copy; .");
    }

    #[test]
    fn a_long_body_is_summarised_at_a_word() {
        let body = format!("<p>{}</p>", "word ".repeat(100));
        let terms = analyse(&page("a/", "A", &body));
        let summary = &terms.meta.3;
        assert!(summary.ends_with("word…"), "{summary}");
        assert!(summary.chars().count() <= SUMMARY_CHARS + 1);
        let short = analyse(&page("a/", "A", "<p>Two &amp; words</p>"));
        assert_eq!(short.meta.3, "Two & words");
    }

    #[test]
    fn postings_are_document_deltas_and_scores() {
        let pages = [
            page(
                "engagements/acme/",
                "Acme Corp",
                "<p>Runs m6a.4xlarge nodes</p>",
            ),
            page("engagements/zeta/", "Zeta", "<p>m6a m6a</p>"),
        ];
        let files = index_files(&pages);
        let manifest = file(&files, "search/manifest.json");
        assert_eq!(manifest["version"], 2);
        assert_eq!(manifest["docs"], 2);
        assert!(
            manifest["shards"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s[0] == "m6")
        );
        assert_eq!(
            file(&files, "search/idx/ac.json")["acme"],
            serde_json::json!([0, 10]),
            "a title word weighs 10"
        );
        assert_eq!(
            file(&files, "search/idx/m6.json")["m6a"],
            serde_json::json!([0, 1, 1, 2]),
            "document 0 scores 1, document 0 + 1 scores 2"
        );
        assert_eq!(
            file(&files, "search/meta/0.json")[1][0],
            "engagements/zeta/"
        );
    }

    /// Pages whose words all start with `re`, enough to overflow a shard.
    fn crowded(n: usize, salt: &str) -> Vec<RenderedPage> {
        (0..n)
            .map(|i| {
                page(
                    &format!("p{i}/"),
                    &format!("Page {i}"),
                    &format!("<p>release{} replica{} redis {salt}</p>", i % 40, i % 7),
                )
            })
            .collect()
    }

    #[test]
    fn a_crowded_prefix_is_split_until_shards_fit() {
        let files = index_files(&crowded(6000, "rest"));
        let shards: Vec<&(String, Vec<u8>)> = files
            .iter()
            .filter(|(n, _)| n.starts_with("search/idx/re"))
            .collect();
        assert!(shards.len() > 1, "the re group was split");
        for (name, bytes) in &shards {
            let terms = serde_json::from_slice::<serde_json::Value>(bytes).unwrap();
            let terms = terms.as_object().unwrap().len();
            assert!(
                bytes.len() <= SHARD_BUDGET || terms == 1,
                "{name}: {} bytes, {terms} terms",
                bytes.len()
            );
        }
        // Every term is in the shard named by its longest listed prefix.
        let manifest = file(&files, "search/manifest.json");
        let keys: Vec<&str> = manifest["shards"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s[0].as_str().unwrap())
            .collect();
        for term in ["release7", "replica3", "redis", "rest"] {
            let key = keys
                .iter()
                .filter(|k| term.starts_with(**k))
                .max_by_key(|k| k.len())
                .unwrap();
            let shard = file(&files, &format!("search/idx/{key}.json"));
            assert!(shard.get(term).is_some(), "{term} in {key}");
        }
    }

    #[test]
    fn an_update_writes_what_a_fresh_index_writes() {
        let before = crowded(2000, "rest");
        let mut after = before.clone();
        after[5] = page("p5/", "Renamed", "<p>release99 rename</p>");
        after[1999] = page("p1999/", "Page 1999", "<p>other words</p>");
        let docs = |pages: &[RenderedPage]| -> Vec<(String, u64, DocTerms)> {
            pages
                .iter()
                .map(|p| (p.path.clone(), 1, analyse(p)))
                .collect()
        };
        let index = SearchIndex::build(docs(&before));
        let keys: Vec<(String, u64)> = after
            .iter()
            .enumerate()
            .map(|(i, p)| (p.path.clone(), if i == 5 || i == 1999 { 2 } else { 1 }))
            .collect();
        let index = SearchIndex::refresh(
            Some(index),
            keys.iter()
                .enumerate()
                .map(|(i, (path, key))| {
                    (path.as_str(), *key, (*key == 2).then(|| analyse(&after[i])))
                })
                .collect(),
        );
        let fresh = SearchIndex::build(
            docs(&after)
                .into_iter()
                .zip(&keys)
                .map(|((path, _, terms), (_, key))| (path, *key, terms))
                .collect(),
        );
        assert_eq!(index.files(), fresh.files());
    }
}
