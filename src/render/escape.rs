//! HTML escaping of everything that comes from data or content.
//!
//! Only `&`, `<`, `>`, `"` and `'` are escaped: enough for text and quoted
//! attribute values, and it keeps URLs readable (minijinja's default also
//! escapes `/`).

/// Escapes `text` for HTML text and double- or single-quoted attributes.
pub fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    escape_into(text, |piece| {
        out.push_str(piece);
        Ok::<(), std::convert::Infallible>(())
    })
    .unwrap_or_else(|never| match never {});
    out
}

/// The entity for a character that needs one.
fn entity(byte: u8) -> Option<&'static str> {
    match byte {
        b'&' => Some("&amp;"),
        b'<' => Some("&lt;"),
        b'>' => Some("&gt;"),
        b'"' => Some("&quot;"),
        b'\'' => Some("&#39;"),
        _ => None,
    }
}

/// Hands `write` the escaped text in pieces: the runs between characters
/// that need an entity, unchanged, and the entities. The characters are
/// ASCII, so the runs are cut at character boundaries.
fn escape_into<E>(text: &str, mut write: impl FnMut(&str) -> Result<(), E>) -> Result<(), E> {
    let mut start = 0;
    for (at, byte) in text.bytes().enumerate() {
        if let Some(entity) = entity(byte) {
            if start < at {
                write(&text[start..at])?;
            }
            write(entity)?;
            start = at + 1;
        }
    }
    if start < text.len() {
        write(&text[start..])?;
    }
    Ok(())
}

/// Escapes `text` and shows `backticked` words as code, for messages that
/// the analysis words for both the terminal and the page.
pub fn code_spans(text: &str) -> String {
    if !text.matches('`').count().is_multiple_of(2) {
        return html(text);
    }
    text.split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                format!("<code>{}</code>", html(part))
            } else {
                html(part)
            }
        })
        .collect()
}

/// The template formatter: values are escaped unless marked safe.
pub fn formatter(
    out: &mut minijinja::Output,
    state: &mut minijinja::State,
    value: &minijinja::Value,
) -> Result<(), minijinja::Error> {
    let escaping = !matches!(state.auto_escape(), minijinja::AutoEscape::None);
    if escaping && !value.is_safe() && !value.is_undefined() && !value.is_none() {
        let failed =
            |_| minijinja::Error::new(minijinja::ErrorKind::WriteFailure, "cannot write the page");
        // Strings (most values) are escaped straight into the page.
        match value.as_str() {
            Some(text) => escape_into(text, |piece| out.write_str(piece)).map_err(failed),
            // Digits, signs and points need no entity: written as they are,
            // without formatting them into a string first.
            None if value.kind() == minijinja::value::ValueKind::Number => {
                minijinja::escape_formatter(out, state, value)
            }
            None => escape_into(&value.to_string(), |piece| out.write_str(piece)).map_err(failed),
        }
    } else {
        minijinja::escape_formatter(out, state, value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_are_escaped_too() {
        assert_eq!(
            code_spans("`frontend`: <b>"),
            "<code>frontend</code>: &lt;b&gt;"
        );
        assert_eq!(code_spans("odd ` tick"), "odd ` tick");
        assert_eq!(code_spans("`<script>`"), "<code>&lt;script&gt;</code>");
    }

    #[test]
    fn escapes_markup_and_quotes_but_not_slashes() {
        assert_eq!(
            html("<a href=\"x\">it's & /</a>"),
            "&lt;a href=&quot;x&quot;&gt;it&#39;s &amp; /&lt;/a&gt;"
        );
    }
}
