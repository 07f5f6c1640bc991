//! Parsing one TOML document into a typed value, reporting every unknown key
//! (not only the first), unfilled placeholders, and type errors with spans.
//!
//! Unknown keys are found by walking the parsed document against the JSON
//! Schema generated from the same Rust types, so the list of valid keys for
//! a "did you mean" always matches what deserialization accepts.

use std::ops::Range;

use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::key_tree::{Key, KeyTree, NodeId, Table};
use super::source::SourceFile;
use crate::diagnostics::{Code, Diagnostic, Diagnostics, Location, did_you_mean};
use crate::model::ValueError;
use crate::schema::FileKind;

/// Strings starting with this are placeholders written by `refarch new`.
pub const PLACEHOLDER: &str = "TODO";

/// Parses `file.text[offset..]` as `kind`. Spans in diagnostics are relative
/// to the whole file, so front matter reports the right lines.
pub fn parse<T: DeserializeOwned>(
    file: &SourceFile,
    offset: usize,
    kind: FileKind,
) -> (Option<T>, Diagnostics) {
    let mut diagnostics = Diagnostics::default();
    let text = &file.text[offset..];
    let shift = |span: Range<usize>| span.start + offset..span.end + offset;

    let document = match DeTable::parse(text) {
        Ok(document) => document,
        Err(error) => {
            diagnostics.push(syntax_error(file, error.span().map(shift), error.message()));
            return (None, diagnostics);
        }
    };

    let tree = KeyTree::of(kind);
    let mut walker = KeyWalker {
        file,
        offset,
        tree,
        unknown: Vec::new(),
        placeholders: Vec::new(),
    };
    walker.walk_table(document.get_ref(), tree.top(), &KeyPath::Top);
    let had_unknown = !walker.unknown.is_empty();
    let placeholder_spans: Vec<Range<usize>> = walker
        .placeholders
        .iter()
        .map(|(span, _)| span.clone())
        .collect();
    for diagnostic in walker.unknown {
        diagnostics.push(diagnostic);
    }
    for (span, text) in &walker.placeholders {
        diagnostics.push(
            Diagnostic::new(Code::E014, "placeholder not filled in")
                .at(file.location(span.clone()))
                .label("still the template's text")
                .help(
                    text.trim_start_matches(PLACEHOLDER)
                        .trim_start_matches(':')
                        .trim()
                        .to_string(),
                ),
        );
    }

    let deserializer = toml::de::Deserializer::from(document);
    match T::deserialize(deserializer) {
        Ok(value) if !diagnostics.has_errors() => (Some(value), diagnostics),
        Ok(_) => (None, diagnostics),
        Err(error) => {
            let span = error.span().map_or(0..0, &shift);
            let is_unknown_field = error.message().starts_with("unknown field");
            let inside_placeholder = placeholder_spans
                .iter()
                .any(|p| p.start <= span.start && span.end <= p.end);
            // The walk already reported every unknown key and placeholder.
            if !(inside_placeholder || is_unknown_field && had_unknown) {
                diagnostics.push(value_error(file, span, error.message(), kind));
            }
            (None, diagnostics)
        }
    }
}

/// A TOML syntax error, at its place when the reader gives one (it does
/// not for a document nested beyond its recursion limit).
fn syntax_error(file: &SourceFile, span: Option<Range<usize>>, message: &str) -> Diagnostic {
    let message = message.trim();
    let location = match &span {
        Some(span) => file.location(span.clone()),
        None => Location::file_only(&file.path),
    };
    let span = span.unwrap_or(0..0);
    let (message, help) = if message.starts_with("duplicate key") {
        let key = file.text.get(span.clone()).unwrap_or("").trim();
        (
            format!("the key `{key}` is defined twice"),
            format!("remove one of the two `{key}` keys, or rename one"),
        )
    } else if message.contains("date") || message.contains("time") {
        (
            message.to_string(),
            "write a date as YYYY-MM-DD with a real month and day, for example `2025-02-28`"
                .to_string(),
        )
    } else if message.contains("recurs") {
        (
            "invalid TOML: tables or arrays nested too deeply".to_string(),
            "refarch's files nest a few levels at most; look for a runaway `[`, `{` or dotted key"
                .to_string(),
        )
    } else {
        (
            format!("invalid TOML: {message}"),
            "see https://toml.io for the syntax; strings need quotes and tables `[name]`"
                .to_string(),
        )
    };
    Diagnostic::new(Code::E010, message).at(location).help(help)
}

/// Turns a deserialization error into a diagnostic, splitting the help that
/// our value types attach and suggesting the nearest allowed word.
fn value_error(file: &SourceFile, span: Range<usize>, message: &str, kind: FileKind) -> Diagnostic {
    if let Some((message, help)) = message.split_once(ValueError::HELP_SEPARATOR) {
        return Diagnostic::new(Code::E012, message)
            .at(file.location(span))
            .help(help);
    }
    if let Some(field) = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next())
    {
        return Diagnostic::new(Code::E013, format!("missing key `{field}`"))
            .at(file.location(span))
            .label(format!("this table needs `{field}`"))
            .help(format!(
                "add `{field} = …`; see schemas/{} for what it holds",
                kind.schema_file_name()
            ));
    }
    let help = message
        .split_once("expected one of ")
        .and_then(|(before, options)| {
            let given = before.split('`').nth(1)?;
            let options: Vec<&str> = options.split('`').skip(1).step_by(2).collect();
            Some(match did_you_mean(given, options.iter().copied()) {
                Some(best) => format!("did you mean `{best}`?"),
                None => format!("use one of: {}", options.join(", ")),
            })
        })
        .unwrap_or_else(|| {
            format!(
                "see schemas/{} for the expected type of this value",
                kind.schema_file_name()
            )
        });
    Diagnostic::new(Code::E012, message.trim().to_string())
        .at(file.location(span))
        .help(help)
}

/// Walks a parsed document alongside its compiled schema.
struct KeyWalker<'a> {
    file: &'a SourceFile,
    offset: usize,
    tree: &'static KeyTree,
    unknown: Vec<Diagnostic>,
    placeholders: Vec<(Range<usize>, String)>,
}

/// The keys leading to a table, written out only for a diagnostic.
#[derive(Clone, Copy)]
enum KeyPath<'p> {
    Top,
    Key(&'p KeyPath<'p>, &'p str),
}

impl std::fmt::Display for KeyPath<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyPath::Top => Ok(()),
            KeyPath::Key(KeyPath::Top, name) => f.write_str(name),
            KeyPath::Key(parent, name) => write!(f, "{parent}.{name}"),
        }
    }
}

impl KeyWalker<'_> {
    fn span(&self, span: Range<usize>) -> Range<usize> {
        span.start + self.offset..span.end + self.offset
    }

    fn walk_value(&mut self, value: &Spanned<DeValue<'_>>, node: NodeId, path: &KeyPath<'_>) {
        match value.get_ref() {
            DeValue::Table(table) => {
                if let Some(schema) = &self.tree.node(node).table {
                    self.walk_table(table, schema, path);
                }
            }
            DeValue::Array(items) => {
                let items_node = self.tree.node(node).items;
                for item in items.iter() {
                    self.walk_value(item, items_node, path);
                }
            }
            DeValue::String(text) if text.starts_with(PLACEHOLDER) => {
                self.placeholders
                    .push((self.span(value.span()), text.to_string()));
            }
            _ => {}
        }
    }

    fn walk_table(&mut self, table: &DeTable<'_>, schema: &Table, path: &KeyPath<'_>) {
        for (key, value) in table.iter() {
            let name = key.get_ref().as_ref();
            match schema.key(name) {
                Key::To(node) => self.walk_value(value, node, &KeyPath::Key(path, name)),
                Key::Undescribed => self.walk_value(value, KeyTree::ANY, path),
                Key::Unknown => self.unknown.push(unknown_key(
                    self.file,
                    self.span(key.span()),
                    name,
                    &path.to_string(),
                    &schema.keys,
                )),
            }
        }
    }
}

fn unknown_key(
    file: &SourceFile,
    span: Range<usize>,
    key: &str,
    table: &str,
    valid: &[&str],
) -> Diagnostic {
    let place = if table.is_empty() {
        "at the top level".to_string()
    } else {
        format!("in `{table}`")
    };
    let help = match did_you_mean(key, valid.iter().copied()) {
        Some(best) => format!("did you mean `{best}`?"),
        None if valid.is_empty() => "this table takes no keys".to_string(),
        None => format!("the keys allowed here are: {}", valid.join(", ")),
    };
    Diagnostic::new(Code::E011, format!("unknown key `{key}` {place}"))
        .at(file.location(span))
        .label("not a key of this table")
        .help(help)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ReferenceArchitecture;

    fn source(text: &str) -> SourceFile {
        SourceFile::new("data/reference-architectures/m.toml", text)
    }

    const SIZE: &str = r#"id = "m"
name = "Medium"
[limits]
users = 5000
repositories = 50000
[single_node]
vcpu = 32
memory = "128G"
instance_types = { aws = "m6a.8xlarge" }
"#;

    #[test]
    fn a_valid_document_parses() {
        let (value, diagnostics) =
            parse::<ReferenceArchitecture>(&source(SIZE), 0, FileKind::ReferenceArchitecture);
        assert!(diagnostics.is_empty(), "{:?}", diagnostics);
        assert_eq!(value.unwrap().limits.users, 5000);
    }

    #[test]
    fn every_unknown_key_is_reported_with_a_suggestion() {
        let text = SIZE
            .replace("users = 5000", "usres = 5000")
            .replace("vcpu = 32", "vcpus = 32");
        let (value, diagnostics) =
            parse::<ReferenceArchitecture>(&source(&text), 0, FileKind::ReferenceArchitecture);
        assert!(value.is_none());
        let found: Vec<_> = diagnostics
            .iter()
            .map(|d| (d.code, d.message.clone(), d.help.clone()))
            .collect();
        assert_eq!(
            found,
            vec![
                (
                    Code::E011,
                    "unknown key `usres` in `limits`".into(),
                    Some("did you mean `users`?".into())
                ),
                (
                    Code::E011,
                    "unknown key `vcpus` in `single_node`".into(),
                    Some("did you mean `vcpu`?".into())
                ),
            ]
        );
    }

    #[test]
    fn keys_are_checked_inside_arrays_of_tables_and_their_inline_tables() {
        let text = format!(
            "{SIZE}\n[[service]]\nid = \"TODO: the service's id\"\nreplica = 2\n\
             cpu = {{ request = \"100m\", limt = 4 }}\nmemory = {{ request = \"250M\", limit = \"8G\" }}\n"
        );
        let (value, diagnostics) =
            parse::<ReferenceArchitecture>(&source(&text), 0, FileKind::ReferenceArchitecture);
        assert!(value.is_none());
        let found: Vec<_> = diagnostics
            .iter()
            .map(|d| (d.code, d.message.clone()))
            .collect();
        assert_eq!(
            found,
            vec![
                (Code::E011, "unknown key `limt` in `service.cpu`".into()),
                (Code::E011, "unknown key `replica` in `service`".into()),
                (Code::E014, "placeholder not filled in".into()),
            ]
        );
    }

    #[test]
    fn value_errors_carry_the_value_types_help() {
        let text = SIZE.replace("\"128G\"", "\"128GB\"");
        let (_, diagnostics) =
            parse::<ReferenceArchitecture>(&source(&text), 0, FileKind::ReferenceArchitecture);
        let diagnostic = diagnostics.iter().next().unwrap();
        assert_eq!(diagnostic.code, Code::E012);
        assert_eq!(
            diagnostic.message,
            "`128GB` is not a size: `GB` is not a byte unit"
        );
        let location = diagnostic.location.as_ref().unwrap();
        assert_eq!((location.line, location.column), (8, 10));
    }

    #[test]
    fn offsets_shift_positions() {
        let text = format!(
            "+++\nignored\n+++\n{}",
            SIZE.replace("users = 5000", "usres = 5000")
        );
        let offset = text.find("id =").unwrap();
        let (_, diagnostics) =
            parse::<ReferenceArchitecture>(&source(&text), offset, FileKind::ReferenceArchitecture);
        let location = diagnostics.iter().next().unwrap().location.clone().unwrap();
        assert_eq!(location.line, 7);
    }
}
