//! Reading input files: size limit, UTF-8, emptiness. The only place that
//! touches the file system for `data/` and `content/`.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use crate::diagnostics::{self, Code, Diagnostic, Location};

/// Files above this size are refused rather than read: no real data or
/// content file comes near it, and a runaway file must not eat memory.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// A file read from the site, with its path relative to the site root.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Relative path with `/` separators (`data/engagements/acme.toml`).
    pub path: String,
    /// Shared: the parsed file, the load cache and the site's sources all
    /// hold it.
    pub text: Arc<str>,
    /// The hash of `text` (see [`super::hash_text`]): what tells an
    /// edited file from an unchanged one.
    pub hash: u64,
    /// Where each line starts, made at the first location asked for in a
    /// large file: a file with thousands of mistakes must not cost a scan
    /// from its start for each.
    line_starts: OnceLock<Arc<[usize]>>,
}

/// Below this size, counting lines from the start is cheaper than an index.
const INDEXED_BYTES: usize = 64 * 1024;

impl SourceFile {
    pub fn new(path: impl Into<String>, text: impl Into<Arc<str>>) -> SourceFile {
        let text: Arc<str> = text.into();
        SourceFile {
            path: path.into(),
            hash: super::hash_text(&text),
            text,
            line_starts: OnceLock::new(),
        }
    }

    pub fn location(&self, span: std::ops::Range<usize>) -> Location {
        if self.text.len() < INDEXED_BYTES {
            return Location::new(&self.path, &self.text, span);
        }
        let starts = self
            .line_starts
            .get_or_init(|| diagnostics::line_starts(&self.text).into());
        Location::indexed(&self.path, &self.text, starts, span)
    }

    /// The file name without its extension (`acme` for `acme.toml`).
    pub fn stem(&self) -> &str {
        stem_of(&self.path)
    }
}

/// Whether the file at `path` is named `stem` plus an extension: what
/// [`stem_of`] tells, without searching the path backwards, for checks
/// that run over every file on every load.
pub fn is_named(path: &str, stem: &str) -> bool {
    // Searched as bytes: the char searcher's setup costs more than these
    // short paths do.
    let bytes = path.as_bytes();
    let without_extension = match bytes.iter().rposition(|&b| b == b'.' || b == b'/') {
        Some(dot) if bytes[dot] == b'.' => &path[..dot],
        _ => path,
    };
    without_extension.ends_with(stem)
        && !stem.contains('/')
        && without_extension[..without_extension.len() - stem.len()]
            .chars()
            .next_back()
            .is_none_or(|c| c == '/')
}

/// The name of the file at `path` without its extension.
pub fn stem_of(path: &str) -> &str {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.rsplit_once('.').map_or(name, |(stem, _)| stem)
}

/// Reads `root/relative`, or says why it cannot be used.
pub fn read_source(root: &Path, relative: &str) -> Result<SourceFile, Box<Diagnostic>> {
    // One open and its size from the handle: a site has tens of thousands
    // of files.
    let file = std::fs::File::open(root.join(relative)).map_err(|e| unreadable(relative, e))?;
    let size = file.metadata().map_err(|e| unreadable(relative, e))?.len();
    let bytes = read_capped(relative, file, size)?;
    let text = String::from_utf8(bytes).map_err(|error| not_utf8(relative, error))?;
    Ok(SourceFile::new(relative, text))
}

/// The bytes of `reader`, which said it holds `size`, up to the limit:
/// refused when the size says it is over, or when more than the limit
/// comes (the file grew, or its size was not its length).
fn read_capped(
    relative: &str,
    reader: impl std::io::Read,
    size: u64,
) -> Result<Vec<u8>, Box<Diagnostic>> {
    use std::io::Read;
    if size > MAX_FILE_BYTES {
        return Err(Box::new(too_large(relative, size)));
    }
    let mut bytes = Vec::with_capacity(size as usize + 1);
    reader
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|error| unreadable(relative, error))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(Box::new(too_large(relative, bytes.len() as u64)));
    }
    Ok(bytes)
}

fn unreadable(relative: &str, error: std::io::Error) -> Box<Diagnostic> {
    Box::new(
        Diagnostic::new(Code::E001, format!("cannot read {relative}: {error}"))
            .at(Location::file_only(relative)),
    )
}

fn too_large(relative: &str, size: u64) -> Diagnostic {
    Diagnostic::new(
        Code::E004,
        format!(
            "{relative} is {:.1} MiB; input files are limited to {} MiB",
            size as f64 / (1024.0 * 1024.0),
            MAX_FILE_BYTES / (1024 * 1024)
        ),
    )
    .at(Location::file_only(relative))
    .help("split the file, or move generated data out of data/ and content/")
}

fn not_utf8(relative: &str, error: std::string::FromUtf8Error) -> Diagnostic {
    let valid_up_to = error.utf8_error().valid_up_to();
    let bytes = error.into_bytes();
    // Show the line up to the bad byte, decoded lossily, so the caret lands on it.
    let lossy = String::from_utf8_lossy(&bytes[..valid_up_to]).into_owned();
    let rest_of_line: String = String::from_utf8_lossy(&bytes[valid_up_to..])
        .lines()
        .next()
        .unwrap_or("")
        .to_string();
    let text = format!("{lossy}{rest_of_line}");
    let bad = bytes[valid_up_to];
    Diagnostic::new(
        Code::E002,
        format!("{relative} is not valid UTF-8 (byte 0x{bad:02x} at offset {valid_up_to})"),
    )
    .at(Location::new(relative, &text, valid_up_to..valid_up_to + 1))
    .label("invalid UTF-8 here")
    .help("save the file as UTF-8 (for example `iconv -f latin1 -t utf-8`)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_the_position_of_the_first_bad_byte() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("x.toml"), b"a = 1\nname = \"Z\xfcrich\"\n").unwrap();
        let error = read_source(dir.path(), "x.toml").unwrap_err();
        assert_eq!(error.code, Code::E002);
        let location = error.location.unwrap();
        assert_eq!((location.line, location.column), (2, 10));
    }

    /// A file that said it was small and then held more than the limit
    /// (it grew while read) is refused, and reading stops past the limit.
    #[test]
    fn a_file_longer_than_its_size_said_is_refused_at_the_limit() {
        let endless = std::io::repeat(b'a');
        let error = read_capped("data/grows.toml", endless, 10).unwrap_err();
        assert_eq!(error.code, Code::E004);
        assert!(
            error.message.starts_with("data/grows.toml is 16.0 MiB"),
            "{}",
            error.message
        );
        let small = read_capped("data/small.toml", &b"a = 1\n"[..], 6).unwrap();
        assert_eq!(small, b"a = 1\n");
    }

    /// A file that cannot be opened, and one that opens but cannot be
    /// read (a directory named like a data file), are E001 at the file.
    #[test]
    fn unreadable_files_are_e001() {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("data/dir.toml")).unwrap();
        for relative in ["data/missing.toml", "data/dir.toml"] {
            let error = read_source(root.path(), relative).unwrap_err();
            assert_eq!(error.code, Code::E001, "{relative}");
            assert!(
                error
                    .message
                    .starts_with(&format!("cannot read {relative}: ")),
                "{}",
                error.message
            );
        }
    }

    #[test]
    fn stems() {
        let file = SourceFile::new("data/engagements/acme-prod.toml", "");
        assert_eq!(file.stem(), "acme-prod");
        for (path, stem) in [
            ("data/engagements/acme-prod.toml", "acme-prod"),
            ("data/engagements/acme-prod.toml", "prod"),
            ("data/engagements/acme-prod.toml", "acme"),
            ("data/engagements/acme-prod.toml", "engagements/acme-prod"),
            ("acme.toml", "acme"),
            ("data/x.y.toml", "x.y"),
            ("data/x.y.toml", "y"),
            ("data/x", "x"),
            ("data.d/x", "x"),
        ] {
            assert_eq!(is_named(path, stem), stem_of(path) == stem, "{path} {stem}");
        }
    }
}
