//! Content pages: `+++`-delimited TOML front matter, then Markdown.

use super::source::SourceFile;
use super::toml_file;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::model::{FrontMatter, Page};
use crate::schema::FileKind;

const DELIMITER: &str = "+++";

/// Where a page's parts are, as byte offsets into its text.
enum Parts {
    /// The front matter is `start..end`; the body starts at `body`.
    Found {
        start: usize,
        end: usize,
        body: usize,
    },
    /// The first line (after a byte-order mark of `bom` bytes) is not `+++`.
    NoOpening { bom: usize, first_line: usize },
    /// `+++` opens the front matter at `bom` but nothing closes it.
    NotClosed { bom: usize },
}

fn parts(text: &str) -> Parts {
    let unmarked = text.strip_prefix('\u{feff}').unwrap_or(text);
    let bom = text.len() - unmarked.len();
    let first_line = unmarked.lines().next().unwrap_or("");
    if first_line.trim_end() != DELIMITER {
        return Parts::NoOpening {
            bom,
            first_line: first_line.len(),
        };
    }
    let start = bom + first_line.len() + line_ending_len(&unmarked[first_line.len()..]);
    match find_closing(text, start) {
        Some((end, body)) => Parts::Found { start, end, body },
        None => Parts::NotClosed { bom },
    }
}

/// The front matter's text, when the page has a complete one.
pub fn front_matter(text: &str) -> Option<&str> {
    match parts(text) {
        Parts::Found { start, end, .. } => Some(&text[start..end]),
        _ => None,
    }
}

/// Splits and parses a content page. `relative` is the path under `content/`.
pub fn parse_page(file: &SourceFile, relative: &str) -> (Option<Page>, Diagnostics) {
    let mut diagnostics = Diagnostics::default();
    let (matter_start, matter_end, body_start) = match parts(&file.text) {
        Parts::Found { start, end, body } => (start, end, body),
        Parts::NoOpening { bom, first_line } => {
            diagnostics.push(
                Diagnostic::new(Code::E030, "content page has no front matter")
                    .at(file.location(bom..bom + first_line))
                    .label("expected `+++` on the first line")
                    .help("start the page with `+++`, a line `title = \"…\"`, and a closing `+++`"),
            );
            return (None, diagnostics);
        }
        Parts::NotClosed { bom } => {
            diagnostics.push(
                Diagnostic::new(Code::E031, "front matter is never closed")
                    .at(file.location(bom..bom + DELIMITER.len()))
                    .label("opened here")
                    .help("add a line with only `+++` after the front matter"),
            );
            return (None, diagnostics);
        }
    };
    let matter = SourceFile::new(file.path.clone(), &file.text[..matter_end]);
    let (front_matter, found) =
        toml_file::parse::<FrontMatter>(&matter, matter_start, FileKind::FrontMatter);
    diagnostics.extend(found);
    let page = front_matter.map(|front_matter| Page {
        path: relative.to_string(),
        front_matter,
        text: file.text.clone(),
        body_offset: body_start,
    });
    (page, diagnostics)
}

fn line_ending_len(rest: &str) -> usize {
    if rest.starts_with("\r\n") {
        2
    } else if rest.starts_with('\n') {
        1
    } else {
        0
    }
}

/// Finds the closing delimiter line after `from`: returns where the front
/// matter ends and where the body starts.
fn find_closing(text: &str, from: usize) -> Option<(usize, usize)> {
    let mut position = from;
    for line in text[from..].split_inclusive('\n') {
        if line.trim_end() == DELIMITER {
            return Some((position, position + line.len()));
        }
        position += line.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(text: &str) -> (Option<Page>, Diagnostics) {
        let file = SourceFile::new("content/guide/x.md", text);
        parse_page(&file, "guide/x.md")
    }

    #[test]
    fn splits_front_matter_and_body() {
        let (page, diagnostics) = page("+++\ntitle = \"Upgrades\"\nweight = 2\n+++\n# Upgrades\n");
        assert!(diagnostics.is_empty());
        let page = page.unwrap();
        assert_eq!(page.front_matter.title, "Upgrades");
        assert_eq!(page.front_matter.weight, 2);
        assert_eq!(page.body(), "# Upgrades\n");
        assert_eq!(page.body_offset, 38);
    }

    #[test]
    fn unclosed_front_matter_points_at_the_opening() {
        let (page, diagnostics) = page("+++\ntitle = \"Upgrades\"\n# Upgrades\n");
        assert!(page.is_none());
        let diagnostic = diagnostics.iter().next().unwrap();
        assert_eq!(diagnostic.code, Code::E031);
        assert_eq!(diagnostic.location.as_ref().unwrap().line, 1);
    }

    #[test]
    fn front_matter_errors_report_file_lines() {
        let (_, diagnostics) = page("+++\ntitle = \"Upgrades\"\ntitel = \"x\"\n+++\nbody\n");
        let diagnostic = diagnostics.iter().next().unwrap();
        assert_eq!(diagnostic.code, Code::E011);
        assert_eq!(diagnostic.location.as_ref().unwrap().line, 3);
        assert_eq!(diagnostic.help.as_deref(), Some("did you mean `title`?"));
    }

    #[test]
    fn a_page_without_front_matter_is_refused() {
        let (_, diagnostics) = page("# Just markdown\n");
        assert_eq!(diagnostics.iter().next().unwrap().code, Code::E030);
    }
}
