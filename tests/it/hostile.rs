//! Hostile strings in every field, through every output.
//!
//! The example site exercises every field; this test puts a hostile prefix
//! into every free-text value of every data file and page (every string
//! value with a space or a capital, which ids, versions and quantities never
//! have), drops the ones a field refuses (`check` names their lines), and
//! builds. Then every output is read as its consumer would: HTML pages and
//! SVG for markup, the search index and JSON exports as JSON, the fleet CSV
//! as a spreadsheet would, and `check`'s terminal output for escape
//! sequences. The browser side (search results, the error overlay) runs in
//! a real browser.

use std::collections::BTreeMap;

use crate::browser::Browser;
use crate::serve::Server;
use crate::site_test::{SiteTest, files_under};

/// Written into TOML basic strings: a formula, markup, an event handler
/// that would set a flag the browser test looks for, template syntax, a
/// terminal title escape and a right-to-left override.
const PAYLOAD_TOML: &str = r#"=HYPERLINK(\"x\") <script>alert(1)</script><img src=x onerror=window.__pwned=1> {{ 7*7 }} \u001b]0;pwned\u0007 \u202e "#;

/// Appended to every page's Markdown.
const HOSTILE_MARKDOWN: &str = "\n\n<script>alert(2)</script> <img src=x onerror=window.__pwned=2>\n\n[a link](javascript:window.__pwned=3) ![image](x\" onerror=\"window.__pwned=4)\n";

/// A line `key = "value"` whose value is free text: with a space or a
/// capital, which ids, versions and quantities never have.
fn free_text_value(line: &str) -> Option<(usize, usize)> {
    let equals = line.find(" = \"")?;
    let key = line[..equals].trim();
    if key.is_empty() || key.starts_with('#') || key.contains(' ') {
        return None;
    }
    let start = equals + 4;
    let end = line.rfind('"')?;
    if end < start || line[start..end].contains('"') {
        return None;
    }
    let value = &line[start..end];
    // Quantities (`100Gi`) start with a digit and have capitals.
    let free = value.contains(' ')
        || value.chars().any(|c| c.is_uppercase())
            && !value.starts_with(|c: char| c.is_ascii_digit());
    (free && !value.contains("://")).then_some((start, end))
}

fn poison(line: &str) -> Option<String> {
    let (start, _) = free_text_value(line)?;
    Some(format!(
        "{}{PAYLOAD_TOML}{}",
        &line[..start],
        &line[start..]
    ))
}

/// The example site with the payload in every free-text value it accepts
/// there, and hostile Markdown in every page. Returns how many values
/// carry the payload.
fn poison_site(test: &SiteTest) -> usize {
    // (file, line number) → the original line, for lines poisoned.
    let mut poisoned: BTreeMap<(String, usize), String> = BTreeMap::new();
    let inputs = files_under(test.path())
        .into_iter()
        .filter(|file| file.starts_with("data/") || file.starts_with("content/"))
        .filter(|file| file.ends_with(".toml") || file.ends_with(".md"));
    for relative in inputs {
        let path = test.path().join(&relative);
        let text = std::fs::read_to_string(&path).unwrap();
        let is_page = relative.ends_with(".md");
        let mut in_front_matter = false;
        let mut lines: Vec<String> = Vec::new();
        for (n, line) in text.lines().enumerate() {
            if is_page && line.trim() == "+++" {
                in_front_matter = !in_front_matter;
            }
            let applies = !is_page || in_front_matter;
            match poison(line).filter(|_| applies) {
                Some(hostile) => {
                    poisoned.insert((relative.clone(), n + 1), line.to_string());
                    lines.push(hostile);
                }
                None => lines.push(line.to_string()),
            }
        }
        let mut text = lines.join("\n");
        text.push('\n');
        if is_page {
            text.push_str(HOSTILE_MARKDOWN);
        }
        std::fs::write(&path, text).unwrap();
    }

    // Put back the values a field refuses, as `check` reports them.
    for round in 0.. {
        assert!(round < 25, "values are still refused after 25 rounds");
        let (_, report) = test.check_json();
        let refused: Vec<(String, usize)> = report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["severity"] == "error")
            .filter_map(|d| {
                let key = (
                    d["file"].as_str()?.to_string(),
                    d["line"].as_u64()? as usize,
                );
                poisoned.contains_key(&key).then_some(key)
            })
            .collect();
        if refused.is_empty() {
            break;
        }
        for key in refused {
            let original = poisoned.remove(&key).unwrap();
            let path = test.path().join(&key.0);
            let text = std::fs::read_to_string(&path).unwrap();
            let mut lines: Vec<&str> = text.lines().collect();
            lines[key.1 - 1] = &original;
            std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        }
    }
    poisoned.len()
}

/// The tags of an HTML (or SVG, XML) text as a browser reads them: from
/// `<` and a letter to the `>` outside quotes. Escaped text (`&lt;img`)
/// has none.
fn tags(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(open) = text[at..].find('<').map(|i| at + i) {
        let next = bytes.get(open + 1).copied().unwrap_or(b' ');
        if !next.is_ascii_alphabetic() {
            at = open + 1;
            continue;
        }
        let mut quote = None;
        let mut close = bytes.len();
        for (i, b) in bytes.iter().enumerate().skip(open + 1) {
            match (quote, *b) {
                (None, b'"' | b'\'') => quote = Some(*b),
                (Some(q), b) if b == q => quote = None,
                (None, b'>') => {
                    close = i;
                    break;
                }
                _ => {}
            }
        }
        found.push(text[open..close.min(bytes.len())].to_lowercase());
        at = close.max(open + 1);
    }
    found
}

/// A tag's name and attributes, values unquoted.
fn attributes(tag: &str) -> (String, Vec<(String, String)>) {
    let body = tag.trim_start_matches('<').trim_end_matches('/');
    let name_end = body.find(|c: char| c.is_whitespace()).unwrap_or(body.len());
    let name = body[..name_end].to_string();
    let mut found = Vec::new();
    let mut rest = body[name_end..].trim_start();
    while !rest.is_empty() {
        let key_end = rest
            .find(|c: char| c == '=' || c.is_whitespace())
            .unwrap_or(rest.len());
        let key = rest[..key_end].to_string();
        rest = rest[key_end..].trim_start();
        let mut value = String::new();
        if let Some(after) = rest.strip_prefix('=') {
            let after = after.trim_start();
            let (text, remainder) = match after.chars().next() {
                Some(q @ ('"' | '\'')) => {
                    let end = after[1..].find(q).map_or(after.len(), |i| i + 1);
                    (&after[1..end], after.get(end + 1..).unwrap_or(""))
                }
                _ => {
                    let end = after.find(char::is_whitespace).unwrap_or(after.len());
                    (&after[..end], &after[end..])
                }
            };
            value = text.to_string();
            rest = remainder.trim_start();
        }
        found.push((key, value));
    }
    (name, found)
}

/// Markup from data that a browser would run: an element, an event
/// handler or a script link, outside escaped text.
pub(crate) fn assert_no_active_markup(file: &str, text: &str) {
    for tag in tags(text) {
        let (name, attributes) = attributes(&tag);
        assert!(
            !matches!(name.as_str(), "iframe" | "object" | "embed"),
            "{file} embeds <{name}>: {tag}"
        );
        for (key, value) in &attributes {
            let value = value.trim().replace("&#x3a;", ":").replace("&#58;", ":");
            let active = key.starts_with("on")
                || (name == "img" && key == "src" && value == "x")
                || (matches!(key.as_str(), "href" | "src" | "action" | "xlink:href")
                    && (value.starts_with("javascript:")
                        || value.starts_with("vbscript:")
                        || value.starts_with("data:text")));
            assert!(!active, "{file} has `{key}={value}` on <{name}>: {tag}");
        }
    }
    let lowered = text.to_lowercase();
    assert!(
        !lowered.contains("<script>alert"),
        "{file} has a script from data"
    );
}

/// Splits CSV text into rows of cells, honouring quotes.
fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cell.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => row.push(std::mem::take(&mut cell)),
            ('\n', false) => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            _ => cell.push(c),
        }
    }
    rows
}

#[test]
fn hostile_text_in_every_field_reaches_every_output_as_text() {
    let test = SiteTest::example();
    let poisoned = poison_site(&test);
    assert!(poisoned > 100, "only {poisoned} values carry the payload");
    let out = test.build(&[]);

    let (mut pages_with_payload, mut json_files, mut exports) = (0, 0, 0);
    for file in files_under(&out) {
        let bytes = std::fs::read(out.join(&file)).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        if file.ends_with(".html") || file.ends_with(".svg") || file.ends_with(".xml") {
            assert_no_active_markup(&file, &text);
            if text.contains("&lt;script&gt;alert(1)&lt;/script&gt;") {
                pages_with_payload += 1;
            }
        } else if file.ends_with(".json") {
            let value: serde_json::Value = serde_json::from_slice(&bytes)
                .unwrap_or_else(|e| panic!("{file} is not JSON: {e}"));
            json_files += 1;
            if file.starts_with("engagements/") {
                exports += 1;
                assert!(
                    value.to_string().contains("<script>alert(1)</script>"),
                    "{file} keeps the text as data"
                );
            }
        }
    }
    eprintln!(
        "hostile: {poisoned} values poisoned; the payload shows escaped on {pages_with_payload} pages; {json_files} JSON files parse"
    );
    assert!(pages_with_payload > 20, "{pages_with_payload}");
    assert!(exports > 5, "only {exports} engagement exports were read");
    let engagement =
        std::fs::read_to_string(out.join("engagements/northwind-logistics/index.html")).unwrap();
    assert!(
        engagement.contains("{{ 7*7 }}"),
        "template syntax in data is shown, not run"
    );

    // The fleet CSV as a spreadsheet reads it: no cell starts a formula.
    let csv = std::fs::read_to_string(out.join("fleet.csv")).unwrap();
    let rows = csv_rows(&csv);
    assert!(rows.len() > 5);
    let mut defused = 0;
    for cell in rows.iter().flatten() {
        let first = cell.trim_start().chars().next();
        if matches!(first, Some('=' | '+' | '-' | '@' | '\t' | '\r')) {
            assert!(cell.parse::<f64>().is_ok(), "a formula cell: {cell:?}");
        }
        if cell.starts_with("'=HYPERLINK") {
            defused += 1;
        }
    }
    assert!(defused > 0, "the payload reached the CSV:\n{csv}");
}

#[test]
fn escape_sequences_from_data_never_reach_the_terminal() {
    let test = SiteTest::minimal();
    let engagement = test.read("data/engagements/acme.toml");
    let hostile = engagement.replace(
        "method = \"helm\"",
        "method = \"\\u001b]0;pwned\\u0007\\u001b[2J\\u202ehelm\"",
    );
    assert_ne!(hostile, engagement, "the fixture names its method");
    test.write("data/engagements/acme.toml", hostile);
    test.write(
        "content/guide/\u{1b}[31mred.md",
        "+++\ntitle = \"x\"\nnope = 1\n+++\n",
    );
    for color in ["never", "always"] {
        let run = std::process::Command::new(env!("CARGO_BIN_EXE_refarch"))
            .arg("--root")
            .arg(test.path())
            .arg(format!("--color={color}"))
            .arg("check")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains("unknown"), "{stderr}");
        assert!(
            stderr.contains("error[E012]") && stderr.contains("\\u{1b}]0;pwned"),
            "the method from the data is reported, its escape shown visibly: {stderr}"
        );
        for (raw, what) in [
            ("\u{1b}]0;", "a title escape"),
            ("\u{1b}[2J", "a clear-screen escape"),
            ("\u{1b}[31mred", "an escape in a file name"),
            ("\u{202e}", "a bidi override"),
        ] {
            assert!(!stderr.contains(raw), "{what} reached the terminal");
        }
        if color == "never" {
            assert!(!stderr.contains('\u{1b}'), "{stderr:?}");
        }
        assert!(
            stderr.contains("\\u{1b}"),
            "escapes are shown visibly: {stderr}"
        );
    }
}

#[test]
fn hostile_text_stays_text_in_search_results_and_the_error_overlay() {
    let Some(mut browser) = Browser::launch() else {
        return;
    };
    let test = SiteTest::minimal();
    let engagement = test.read("data/engagements/acme.toml");
    test.write(
        "data/engagements/acme.toml",
        engagement.replace(
            "Acme Corp",
            &format!(
                "Acme Corp {}",
                PAYLOAD_TOML.replace("\\u001b", "").replace("\\u0007", "")
            ),
        ),
    );
    let server = Server::start(&test, &["--port", "0"]);
    let base = server.url.trim_end_matches('/').to_string();
    browser.goto(&format!("{base}/search/?q=acme"));
    browser.wait_for("document.querySelectorAll('#search-page-results li').length > 0");
    let shown = browser.eval("document.body.innerText");
    assert!(
        shown
            .as_str()
            .unwrap()
            .contains("<script>alert(1)</script>"),
        "shown as text"
    );
    assert_eq!(browser.eval("typeof window.__pwned"), "undefined");
    assert_eq!(
        browser.eval("document.querySelectorAll('img[src=\"x\"]').length"),
        0
    );

    // A broken edit whose diagnostic carries hostile text: the overlay
    // shows it as text.
    browser.goto(&format!("{base}/engagements/acme/"));
    browser.wait_for("typeof EventSource !== 'undefined' && document.querySelector('h1') !== null");
    std::thread::sleep(std::time::Duration::from_millis(300));
    test.write(
        "data/engagements/acme.toml",
        engagement.replace(
            "method = \"helm\"",
            "method = \"<img src=x onerror=window.__pwned=5>\"",
        ),
    );
    browser.wait_for("document.querySelector('.error-overlay') !== null");
    let overlay = browser.eval("document.querySelector('.error-overlay pre').textContent");
    assert!(
        overlay
            .as_str()
            .unwrap()
            .contains("<img src=x onerror=window.__pwned=5>"),
        "{overlay}"
    );
    assert_eq!(browser.eval("typeof window.__pwned"), "undefined");
    assert_eq!(
        browser.eval("document.querySelectorAll('img[src=\"x\"]').length"),
        0
    );
}
