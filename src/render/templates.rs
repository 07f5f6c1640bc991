//! The template environment: the default theme's templates, embedded in the
//! binary, overridden file by file by the site's own `themes/<name>/`.

use std::borrow::Cow;
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
        "toc.html",
        include_str!("../../themes/default/templates/toc.html"),
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
        "section-nav-link.html",
        include_str!("../../themes/default/templates/section-nav-link.html"),
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
    // `Cow` arguments: minijinja lends a string value and formats any
    // other, as it does for `String`, and these run dozens of times a page.
    env.add_function("url", move |path: Cow<'_, str>| base.path(&path));
    let links = urls.clone();
    env.add_filter("href", move |destination: Cow<'_, str>| {
        links.href(&destination)
    });
    env.add_filter("thousands", |value: Value| thousands(&value.to_string()));
    env.add_filter("code_spans", |text: String| {
        Value::from_safe_string(super::escape::code_spans(&text))
    });
    env.add_filter("safe", safe);
    Ok(env)
}

/// The `safe` filter. minijinja's makes every value a new string; a value
/// already marked safe (a page's rendered Markdown, kilobytes) passes as it
/// is. Otherwise it is what the built-in one does: an undefined value is an
/// error (the environment is strict), anything else its text, marked safe.
fn safe(value: Value) -> Result<Value, minijinja::Error> {
    if value.is_safe() {
        Ok(value)
    } else if value.is_undefined() {
        Err(minijinja::Error::from(minijinja::ErrorKind::UndefinedError))
    } else {
        Ok(Value::from_safe_string(value.to_string()))
    }
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

    /// `url` and `href` read their argument as minijinja reads a string
    /// argument: a string as it is, another value formatted, and an
    /// undefined one refused under the strict setting pages render with.
    #[test]
    fn url_and_href_take_any_value_as_text_and_refuse_undefined() {
        let dir = tempfile::tempdir().unwrap();
        let env = environment(dir.path(), "default", &Urls::new("/docs/")).unwrap();
        let render = |source: &str| env.render_str(source, minijinja::context! { n => 3 });
        assert_eq!(
            render("{{ url('support/') }} {{ url(n) }} {{ '/guide/'|href }}").unwrap(),
            "/docs/support/ /docs/3 /docs/guide/"
        );
        assert!(render("{{ url(missing) }}").is_err());
        assert!(render("{{ missing|href }}").is_err());
    }

    /// `safe` gives what minijinja's own filter gives (the same text, an
    /// error for an undefined value), and a value already marked safe is
    /// the very same string, not a copy.
    #[test]
    fn safe_is_minijinjas_filter_without_copying_safe_values() {
        let dir = tempfile::tempdir().unwrap();
        let ours = environment(dir.path(), "default", &Urls::new("/")).unwrap();
        let mut builtin = minijinja::Environment::new();
        builtin.set_undefined_behavior(UndefinedBehavior::Strict);
        let html = Value::from_safe_string("<p>a &amp; b</p>".to_string());
        let context =
            minijinja::context! { n => 3, text => "<b>", html => html.clone(), list => [1, 2] };
        for source in [
            "{{ n|safe }}",
            "{{ text|safe }}",
            "{{ html|safe }}",
            "{{ list|safe }}",
            "{{ (text|safe) ~ '<i>' }}",
            "{{ missing|safe }}",
        ] {
            assert_eq!(
                ours.render_str(source, &context).map_err(|e| e.kind()),
                builtin.render_str(source, &context).map_err(|e| e.kind()),
                "{source}"
            );
        }
        let passed = safe(html.clone()).unwrap();
        assert!(passed.is_safe());
        assert!(std::ptr::eq(
            passed.as_str().unwrap().as_ptr(),
            html.as_str().unwrap().as_ptr()
        ));
    }

    /// What the themes guide promises of loops: the loop variables and the
    /// controls are there, `loop.previtem` and `loop.nextitem` are not (the
    /// feature that keeps them is off, for speed), and using one fails
    /// rather than printing nothing.
    #[test]
    fn loops_have_their_variables_and_controls_but_no_adjacent_items() {
        let dir = tempfile::tempdir().unwrap();
        let env = environment(dir.path(), "default", &Urls::new("/")).unwrap();
        let render = |source: &str| env.render_str(source, minijinja::context! { xs => [1, 2, 3] });
        assert_eq!(
            render(
                "{% for x in xs %}{{ loop.index }}{{ loop.first }}{{ loop.last }}{{ loop.length }}\
                 {{ loop.cycle('a', 'b') }}{% if x == 2 %}{% break %}{% endif %} {% endfor %}"
            )
            .unwrap(),
            "1TrueFalse3a 2FalseFalse3b"
        );
        assert_eq!(
            render("{% for x in xs %}{{ xs[loop.index0 - 1] if not loop.first }},{% endfor %}")
                .unwrap(),
            ",1,2,"
        );
        // With the feature on, these print "12" and "23".
        assert!(
            render(
                "{% for x in xs %}{% if not loop.first %}{{ loop.previtem }}{% endif %}{% endfor %}"
            )
            .is_err()
        );
        assert!(
            render(
                "{% for x in xs %}{% if not loop.last %}{{ loop.nextitem }}{% endif %}{% endfor %}"
            )
            .is_err()
        );
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands("250000"), "250\u{202f}000");
        assert_eq!(thousands("5000"), "5000");
        assert_eq!(thousands("12345678"), "12\u{202f}345\u{202f}678");
        assert_eq!(thousands("1.5"), "1.5");
    }
}
