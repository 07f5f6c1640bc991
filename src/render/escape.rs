//! HTML escaping of everything that comes from data or content.
//!
//! Only `&`, `<`, `>`, `"` and `'` are escaped: enough for text and quoted
//! attribute values, and it keeps URLs readable (minijinja's default also
//! escapes `/`).

/// Escapes `text` for HTML text and double- or single-quoted attributes.
pub fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
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
        out.write_str(&html(&value.to_string())).map_err(|_| {
            minijinja::Error::new(minijinja::ErrorKind::WriteFailure, "cannot write the page")
        })
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
