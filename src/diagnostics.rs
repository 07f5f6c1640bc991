//! One `Diagnostic` type for every problem refarch reports, and its
//! renderings: rustc-style text for terminals, JSON for CI.
//!
//! A diagnostic carries its own copy of the offending source line, so that
//! it can be rendered anywhere (terminal, browser overlay, JSON) without the
//! file it came from.

use std::fmt;
use std::ops::Range;

use serde::Serialize;

/// Error or warning. Errors fail `check` and stop a build; warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// Stable diagnostic codes, grouped by stage: `E00x` reading files, `E01x`
/// parsing and types, `E02x` references and consistency, `E03x` content
/// pages, `E04x` site layout; `W0xx` warnings. A code never changes meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Code {
    /// A file could not be read.
    E001,
    /// A file is not valid UTF-8.
    E002,
    /// A file is empty.
    E003,
    /// A file is larger than refarch accepts.
    E004,
    /// TOML syntax error, including a key defined twice.
    E010,
    /// A key that the file format does not have.
    E011,
    /// A value of the wrong type, unit or shape.
    E012,
    /// A required key is missing.
    E013,
    /// A placeholder from `refarch new` was not filled in.
    E014,
    /// A reference to an id that does not exist.
    E020,
    /// The same id defined twice.
    E021,
    /// An id that does not match its file name.
    E022,
    /// Values that contradict each other (a request above its limit, dates out
    /// of order, a version range on an unversioned service).
    E023,
    /// A record missing what its status requires (a handed-off engagement
    /// without a handoff date).
    E024,
    /// A content page without front matter.
    E030,
    /// Front matter that is never closed.
    E031,
    /// A required data file or directory is missing.
    E040,
    /// A deviation from the reference that a handed-off record does not declare.
    E050,
    /// A template that fails to compile or render.
    E060,
    /// The output directory cannot be written.
    E070,
    /// A likely secret in data or content.
    E080,
    /// An allow-secret comment without a reason.
    E081,
    /// A link or anchor in the site that leads nowhere.
    E082,
    /// A confidential engagement named in a build that must leave it out.
    E083,
    /// A release outside the support window.
    W001,
    /// A record that is incomplete for its status, but not wrong.
    W002,
    /// Figures that disagree (the release in production is not the last
    /// upgrade's target).
    W003,
    /// A deviation an engagement still in progress does not declare yet.
    W050,
    /// A declared deviation that no longer occurs.
    W051,
    /// An external link that did not answer (`check --external`).
    W060,
}

impl Code {
    /// Every code, in order: the guide's index and `refarch explain` cover
    /// each one.
    pub const ALL: [Code; 30] = [
        Code::E001,
        Code::E002,
        Code::E003,
        Code::E004,
        Code::E010,
        Code::E011,
        Code::E012,
        Code::E013,
        Code::E014,
        Code::E020,
        Code::E021,
        Code::E022,
        Code::E023,
        Code::E024,
        Code::E030,
        Code::E031,
        Code::E040,
        Code::E050,
        Code::E060,
        Code::E070,
        Code::E080,
        Code::E081,
        Code::E082,
        Code::E083,
        Code::W001,
        Code::W002,
        Code::W003,
        Code::W050,
        Code::W051,
        Code::W060,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Code::E001 => "E001",
            Code::E002 => "E002",
            Code::E003 => "E003",
            Code::E004 => "E004",
            Code::E010 => "E010",
            Code::E011 => "E011",
            Code::E012 => "E012",
            Code::E013 => "E013",
            Code::E014 => "E014",
            Code::E020 => "E020",
            Code::E021 => "E021",
            Code::E022 => "E022",
            Code::E023 => "E023",
            Code::E024 => "E024",
            Code::E030 => "E030",
            Code::E031 => "E031",
            Code::E040 => "E040",
            Code::E050 => "E050",
            Code::E060 => "E060",
            Code::E070 => "E070",
            Code::E080 => "E080",
            Code::E081 => "E081",
            Code::E082 => "E082",
            Code::E083 => "E083",
            Code::W001 => "W001",
            Code::W002 => "W002",
            Code::W003 => "W003",
            Code::W050 => "W050",
            Code::W051 => "W051",
            Code::W060 => "W060",
        }
    }

    pub fn severity(self) -> Severity {
        if self.as_str().starts_with('W') {
            Severity::Warning
        } else {
            Severity::Error
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Where in a file a diagnostic points, with a copy of the line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    /// Path relative to the site root, with `/` separators.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// The text of the line (without its newline).
    #[serde(skip)]
    pub source_line: String,
    /// Byte range of the highlighted part within `source_line`.
    #[serde(skip)]
    pub highlight: Range<usize>,
}

impl Location {
    /// Locates byte `span` of `text`, the contents of `file`, counting
    /// lines from the start: for one location in a file. Many locations in
    /// a large file use [`Location::indexed`].
    pub fn new(file: &str, text: &str, span: Range<usize>) -> Location {
        let start = floor_char_boundary(text, span.start.min(text.len()));
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line = text[..line_start].matches('\n').count() + 1;
        Location::at_line(file, text, span, line, line_start)
    }

    /// Locates byte `span` of `text` with `line_starts`, the byte offset of
    /// every line's start (see [`line_starts`]), in logarithmic time.
    pub fn indexed(file: &str, text: &str, line_starts: &[usize], span: Range<usize>) -> Location {
        let start = floor_char_boundary(text, span.start.min(text.len()));
        let index = line_starts
            .partition_point(|&line_start| line_start <= start)
            .max(1)
            - 1;
        let line_start = line_starts.get(index).copied().unwrap_or(0);
        Location::at_line(file, text, span, index + 1, line_start)
    }

    fn at_line(
        file: &str,
        text: &str,
        span: Range<usize>,
        line: usize,
        line_start: usize,
    ) -> Location {
        let start = floor_char_boundary(text, span.start.min(text.len()));
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let source_line = text[line_start..line_end]
            .trim_end_matches('\r')
            .to_string();
        let end = floor_char_boundary(text, span.end.clamp(start, line_end.max(start)));
        let highlight_start = (start - line_start).min(source_line.len());
        let highlight_end = (end - line_start).clamp(highlight_start, source_line.len());
        Location {
            file: file.to_string(),
            line,
            column: text[line_start..start].chars().count() + 1,
            source_line,
            highlight: highlight_start..highlight_end,
        }
    }

    /// A location for a whole file, with no line to show.
    pub fn file_only(file: &str) -> Location {
        Location {
            file: file.to_string(),
            line: 0,
            column: 0,
            source_line: String::new(),
            highlight: 0..0,
        }
    }
}

/// The byte offset where each line of `text` starts, the first being 0.
pub fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(at, _)| at + 1))
        .collect()
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    while index > 0 && !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

/// One problem: what, where, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: Code,
    pub message: String,
    /// Boxed to keep diagnostics small: they travel in `Result`s.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub location: Option<Box<Location>>,
    /// A short note under the caret ("not a field of `limits`").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// How to fix it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn new(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: code.severity(),
            code,
            message: message.into(),
            location: None,
            label: None,
            help: None,
        }
    }

    pub fn at(mut self, location: Location) -> Diagnostic {
        self.location = Some(Box::new(location));
        self
    }

    pub fn label(mut self, label: impl Into<String>) -> Diagnostic {
        self.label = Some(label.into());
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        let help = help.into();
        if !help.is_empty() {
            self.help = Some(help);
        }
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Renders like rustc: header, `--> file:line:col`, the line with a caret,
    /// and `help:`. `color` adds ANSI styling for terminals.
    pub fn render(&self, color: bool) -> String {
        use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

        let level = match self.severity {
            Severity::Error => Level::ERROR,
            Severity::Warning => Level::WARNING,
        };
        let message = sanitize_for_terminal(&self.message);
        let mut group =
            Group::with_title(level.primary_title(message.as_str()).id(self.code.as_str()));
        let source_line;
        let label;
        let file;
        if let Some(location) = &self.location {
            file = sanitize_for_terminal(&location.file);
            if location.line == 0 {
                group = group.element(annotate_snippets::Origin::path(file.as_str()));
            } else {
                let highlight;
                (source_line, highlight) =
                    sanitize_span_for_terminal(&location.source_line, location.highlight.clone());
                label = self.label.as_deref().map(sanitize_for_terminal);
                let mut annotation = AnnotationKind::Primary.span(highlight);
                if let Some(label) = &label {
                    annotation = annotation.label(label.as_str());
                }
                group = group.element(
                    Snippet::source(source_line.as_str())
                        .line_start(location.line)
                        .path(file.as_str())
                        .annotation(annotation),
                );
            }
        }
        let help = self.help.as_deref().map(sanitize_for_terminal);
        if let Some(help) = &help {
            group = group.element(Level::HELP.message(help.as_str()));
        }
        let renderer = if color {
            Renderer::styled()
        } else {
            Renderer::plain()
        };
        renderer.render(&[group])
    }
}

/// Replaces control characters (escape sequences from data must never reach
/// a terminal raw) with visible `\u{..}` escapes.
pub fn sanitize_for_terminal(text: &str) -> String {
    let mut clean = String::with_capacity(text.len());
    for c in text.chars() {
        push_for_terminal(&mut clean, c);
    }
    clean
}

/// Appends `c`, or its visible `\u{..}` escape when a terminal would act on it.
fn push_for_terminal(out: &mut String, c: char) {
    let is_bidi = matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
    if (c.is_control() && c != '\n' && c != '\t') || is_bidi {
        out.extend(c.escape_unicode());
    } else {
        out.push(c);
    }
}

/// [`sanitize_for_terminal`], with a byte range of `text` moved to where
/// the same characters are in the result.
fn sanitize_span_for_terminal(text: &str, span: Range<usize>) -> (String, Range<usize>) {
    let mut clean = String::with_capacity(text.len());
    let (mut start, mut end) = (None, None);
    for (at, c) in text.char_indices() {
        if start.is_none() && at >= span.start {
            start = Some(clean.len());
        }
        if end.is_none() && at >= span.end {
            end = Some(clean.len());
        }
        push_for_terminal(&mut clean, c);
    }
    let start = start.unwrap_or(clean.len());
    let end = end.unwrap_or(clean.len()).max(start);
    (clean, start..end)
}

/// Everything reported during one run.
#[derive(Debug, Clone, Default)]
pub struct Diagnostics {
    list: Vec<Diagnostic>,
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;

    fn into_iter(self) -> Self::IntoIter {
        self.list.into_iter()
    }
}

impl Diagnostics {
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.list.push(diagnostic);
    }

    /// Adds every diagnostic of `found`: another run's [`Diagnostics`], or
    /// any list of them.
    pub fn extend(&mut self, found: impl IntoIterator<Item = Diagnostic>) {
        self.list.extend(found);
    }

    pub fn has_errors(&self) -> bool {
        self.list.iter().any(Diagnostic::is_error)
    }

    pub fn error_count(&self) -> usize {
        self.list.iter().filter(|d| d.is_error()).count()
    }

    pub fn warning_count(&self) -> usize {
        self.list.len() - self.error_count()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.list.iter()
    }

    /// Sorts by file and position, errors before warnings at the same place,
    /// so that output is stable from run to run.
    pub fn sort(&mut self) {
        fn key(d: &Diagnostic) -> (&str, usize, usize, Severity, Code) {
            let (file, line, column) = d
                .location
                .as_ref()
                .map_or(("", 0, 0), |l| (l.file.as_str(), l.line, l.column));
            (file, line, column, d.severity, d.code)
        }
        self.list.sort_by(|a, b| key(a).cmp(&key(b)));
    }

    /// All diagnostics as rustc-style text, then a summary line.
    pub fn render(&self, color: bool) -> String {
        let mut out = Vec::new();
        self.write_rendered(color, &mut out)
            .expect("writing to memory cannot fail");
        String::from_utf8(out).expect("diagnostics render as UTF-8")
    }

    /// Writes [`Diagnostics::render`]'s text to `out` a block at a time: a
    /// large site can have tens of thousands, each laid out on its own, in
    /// parallel, without holding all their text at once.
    pub fn write_rendered(
        &self,
        color: bool,
        out: &mut impl std::io::Write,
    ) -> std::io::Result<()> {
        use rayon::prelude::*;
        const BLOCK: usize = 1024;
        for block in self.list.chunks(BLOCK) {
            let rendered: Vec<String> = block.par_iter().map(|d| d.render(color)).collect();
            for diagnostic in rendered {
                out.write_all(diagnostic.as_bytes())?;
                out.write_all(b"\n\n")?;
            }
        }
        Ok(())
    }

    /// A summary such as "2 errors, 1 warning".
    pub fn summary(&self) -> String {
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        format!(
            "{}, {}",
            plural(self.error_count(), "error"),
            plural(self.warning_count(), "warning")
        )
    }

    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.list
    }
}

/// The closest of `options` to `input`, when one is close enough to be a
/// likely typo.
pub fn did_you_mean<'a>(
    input: &str,
    options: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let lowered = input.to_lowercase().replace('_', "-");
    options
        .into_iter()
        .map(|option| {
            let normalized = option.to_lowercase().replace('_', "-");
            let similarity = strsim::normalized_damerau_levenshtein(&lowered, &normalized);
            // `arm` for `arm64`, `aws-cloud` for `aws`: a shared prefix is a
            // strong hint even when the edit distance is large.
            let is_prefix = lowered.len() >= 2
                && (normalized.starts_with(&lowered) || lowered.starts_with(&normalized));
            (
                if is_prefix {
                    similarity.max(0.7)
                } else {
                    similarity
                },
                option,
            )
        })
        .filter(|(score, _)| *score >= 0.6)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, option)| option)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_listed_once_in_order() {
        // `as_str` is an exhaustive match, so a new variant has a name;
        // this makes sure it is in ALL too.
        let names: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(names, sorted);
        let source = include_str!("diagnostics.rs");
        let declared = source
            .lines()
            .filter(|line| {
                let line = line.trim();
                line.len() == 5 && line.ends_with(',') && line.starts_with(['E', 'W'])
            })
            .count();
        assert_eq!(
            declared,
            Code::ALL.len(),
            "a variant of Code is missing from Code::ALL"
        );
    }

    #[test]
    fn location_finds_line_and_column() {
        let text = "a = 1\nbb = \"x\"\n";
        let location = Location::new("f.toml", text, 11..14);
        assert_eq!((location.line, location.column), (2, 6));
        assert_eq!(location.source_line, "bb = \"x\"");
        assert_eq!(&location.source_line[location.highlight.clone()], "\"x\"");
    }

    #[test]
    fn an_indexed_location_is_the_counted_one_at_every_offset() {
        let text = "a = 1\r\n\nname = \"Zürich\"\n\n  x = [\n1,\n]\nlast";
        let starts = line_starts(text);
        for start in 0..=text.len() + 2 {
            for end in [start, start + 1, start + 5] {
                assert_eq!(
                    Location::indexed("f.toml", text, &starts, start..end),
                    Location::new("f.toml", text, start..end),
                    "{start}..{end}"
                );
            }
        }
    }

    #[test]
    fn a_highlight_follows_its_characters_when_control_characters_are_escaped() {
        let text = "release = \"6.\u{11}2gres\u{fffd}= \"16\"";
        let start = text.find('2').unwrap();
        let end = start + "2gres\u{fffd}".len();
        let (clean, span) = sanitize_span_for_terminal(text, start..end);
        assert_eq!(&clean[span], "2gres\u{fffd}");
        let diagnostic = Diagnostic::new(Code::E012, "bad \u{1b}[31m").at(Location::new(
            "data/\u{1b}]0;x.toml",
            text,
            start..end,
        ));
        let shown = diagnostic.render(false);
        assert!(!shown.contains('\u{1b}'), "{shown}");
        assert!(shown.contains("^^^^^^"), "{shown}");
    }

    #[test]
    fn location_columns_count_characters() {
        let text = "name = \"Zürich\" x";
        let location = Location::new("f.toml", text, 17..18);
        assert_eq!(location.column, 17);
    }

    #[test]
    fn renders_like_rustc() {
        let text = "[limits]\nusres = 3000\n";
        let diagnostic = Diagnostic::new(Code::E011, "unknown key `usres`")
            .at(Location::new(
                "data/reference-architectures/m.toml",
                text,
                9..14,
            ))
            .label("not a key of `limits`")
            .help("did you mean `users`?");
        assert_eq!(
            diagnostic.render(false),
            "error[E011]: unknown key `usres`\n \
             --> data/reference-architectures/m.toml:2:1\n  \
             |\n\
             2 | usres = 3000\n  \
             | ^^^^^ not a key of `limits`\n  \
             |\n  \
             = help: did you mean `users`?"
        );
    }

    #[test]
    fn terminal_rendering_neutralizes_escape_sequences() {
        let diagnostic = Diagnostic::new(Code::E012, "bad \u{1b}[31mred\u{202E}");
        let text = diagnostic.render(false);
        assert!(!text.contains('\u{1b}'));
        assert!(!text.contains('\u{202E}'));
        assert!(text.contains("\\u{1b}[31mred\\u{202e}"));
    }

    #[test]
    fn suggestions_find_typos_only() {
        assert_eq!(
            did_you_mean("usres", ["users", "repositories"]),
            Some("users")
        );
        assert_eq!(
            did_you_mean("kustomise", ["helm", "kustomize"]),
            Some("kustomize")
        );
        assert_eq!(did_you_mean("zzz", ["helm", "kustomize"]), None);
        assert_eq!(did_you_mean("arm", ["amd64", "arm64"]), Some("arm64"));
        assert_eq!(did_you_mean("aws-cloud", ["aws", "gcp"]), Some("aws"));
    }
}
