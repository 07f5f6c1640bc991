//! The template environment: the default theme's templates, embedded in the
//! binary, overridden file by file by the site's own `themes/<name>/`.

use std::path::Path;

use minijinja::{Environment, UndefinedBehavior, Value};

use super::urls::Urls;
use crate::diagnostics::{Code, Diagnostic, Location};

/// The default theme's templates, by name.
pub const DEFAULT_TEMPLATES: &[(&str, &str)] = &[
    (
        "base.html",
        include_str!("../../themes/default/templates/base.html"),
    ),
    (
        "macros.html",
        include_str!("../../themes/default/templates/macros.html"),
    ),
    (
        "home.html",
        include_str!("../../themes/default/templates/home.html"),
    ),
    (
        "support.html",
        include_str!("../../themes/default/templates/support.html"),
    ),
    (
        "sizes.html",
        include_str!("../../themes/default/templates/sizes.html"),
    ),
    (
        "size.html",
        include_str!("../../themes/default/templates/size.html"),
    ),
    (
        "engagements.html",
        include_str!("../../themes/default/templates/engagements.html"),
    ),
    (
        "engagement-row.html",
        include_str!("../../themes/default/templates/engagement-row.html"),
    ),
    (
        "engagement.html",
        include_str!("../../themes/default/templates/engagement.html"),
    ),
    (
        "releases.html",
        include_str!("../../themes/default/templates/releases.html"),
    ),
    (
        "release-path-row.html",
        include_str!("../../themes/default/templates/release-path-row.html"),
    ),
    (
        "page.html",
        include_str!("../../themes/default/templates/page.html"),
    ),
    (
        "search.html",
        include_str!("../../themes/default/templates/search.html"),
    ),
    (
        "404.html",
        include_str!("../../themes/default/templates/404.html"),
    ),
];

/// The default theme's static files, by path under `static/`.
pub const DEFAULT_STATIC: &[(&str, &str)] = &[
    (
        "style.css",
        include_str!("../../themes/default/static/style.css"),
    ),
    (
        "theme.js",
        include_str!("../../themes/default/static/theme.js"),
    ),
    (
        "table.js",
        include_str!("../../themes/default/static/table.js"),
    ),
    (
        "search.js",
        include_str!("../../themes/default/static/search.js"),
    ),
    (
        "checker.js",
        include_str!("../../themes/default/static/checker.js"),
    ),
    (
        "favicon.svg",
        include_str!("../../themes/default/static/favicon.svg"),
    ),
];

/// Builds the environment for a site at `root` using theme `theme`.
pub fn environment(
    root: &Path,
    theme: &str,
    urls: &Urls,
) -> Result<Environment<'static>, Diagnostic> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_formatter(super::escape::formatter);
    let theme_dir = root.join("themes").join(theme).join("templates");
    for (name, source) in DEFAULT_TEMPLATES {
        let path = theme_dir.join(name);
        let source = match std::fs::read_to_string(&path) {
            Ok(own) => own,
            Err(_) => source.to_string(),
        };
        env.add_template_owned(name.to_string(), source)
            .map_err(|error| template_error(root, theme, name, &error))?;
    }
    let base = urls.clone();
    env.add_function("url", move |path: &Value| Ok(base.path(&as_text(path)?)));
    let links = urls.clone();
    env.add_filter("href", move |destination: &Value| {
        Ok(links.href(&as_text(destination)?))
    });
    env.add_filter("thousands", |value: Value| thousands(&value.to_string()));
    env.add_filter("code_spans", |text: String| {
        Value::from_safe_string(super::escape::code_spans(&text))
    });
    Ok(env)
}

/// A template argument as text, as minijinja reads a `String` argument,
/// but borrowed when it is a string: `url` and `href` run dozens of times
/// on every page.
fn as_text(value: &Value) -> Result<std::borrow::Cow<'_, str>, minijinja::Error> {
    if value.is_kwargs() {
        return Err(minijinja::Error::new(
            minijinja::ErrorKind::InvalidOperation,
            "cannot convert kwargs to string",
        ));
    }
    Ok(match value.as_str() {
        Some(text) => std::borrow::Cow::Borrowed(text),
        None => std::borrow::Cow::Owned(value.to_string()),
    })
}

/// A hash of the site's own templates (the built-in ones are fixed for a
/// given refarch), so that editing a template re-renders the pages. Static
/// files are copied as they are on every build; pages do not depend on them.
pub fn theme_fingerprint(root: &Path, theme: &str) -> u64 {
    let mut files: Vec<(String, String)> = Vec::new();
    for dir in ["templates"] {
        let Ok(entries) = std::fs::read_dir(root.join("themes").join(theme).join(dir)) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            files.push((
                format!("{dir}/{name}"),
                std::fs::read_to_string(entry.path()).unwrap_or_default(),
            ));
        }
    }
    files.sort();
    super::fingerprint(&files)
}

/// Reads a static file from the site's theme, or the default theme's.
pub fn static_file(root: &Path, theme: &str, name: &str, default: &str) -> String {
    std::fs::read_to_string(root.join("themes").join(theme).join("static").join(name))
        .unwrap_or_else(|_| default.to_string())
}

/// `12000` → `12 000` (narrow no-break space), for figures in tables.
pub fn thousands(digits: &str) -> String {
    if !digits.chars().all(|c| c.is_ascii_digit()) || digits.len() <= 4 {
        return digits.to_string();
    }
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    out
}

pub fn template_error(
    root: &Path,
    theme: &str,
    name: &str,
    error: &minijinja::Error,
) -> Diagnostic {
    let relative = format!("themes/{theme}/templates/{name}");
    let own = root.join(&relative);
    let source = std::fs::read_to_string(&own).ok();
    let location = match (&source, error.line()) {
        (Some(text), Some(line)) => {
            let start: usize = text
                .split_inclusive('\n')
                .take(line.saturating_sub(1))
                .map(str::len)
                .sum();
            Location::new(&relative, text, start..start)
        }
        _ => Location::file_only(&format!("{relative} (built-in)")),
    };
    let mut message = error.to_string();
    let mut cause = std::error::Error::source(error);
    while let Some(reason) = cause {
        message.push_str(&format!(": {reason}"));
        cause = reason.source();
    }
    Diagnostic::new(Code::E060, format!("template {name}: {message}"))
        .at(location)
        .help("fix the template; refarch's own templates are in themes/default/templates")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands("250000"), "250\u{202f}000");
        assert_eq!(thousands("5000"), "5000");
        assert_eq!(thousands("12345678"), "12\u{202f}345\u{202f}678");
        assert_eq!(thousands("1.5"), "1.5");
    }
}
