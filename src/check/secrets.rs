//! Likely secrets in data and content: private keys, cloud and code-host
//! tokens, passwords in URLs, and high-entropy values in fields named like
//! a secret. Each is reported at its place with the value masked; a
//! `refarch: allow-secret <reason>` comment on the line, or on the line
//! before, silences a known false positive.

use std::sync::LazyLock;

use regex::Regex;

use crate::diagnostics::{Code, Diagnostic, Location};

/// What kind of secret a pattern finds, and the pattern.
struct Pattern {
    kind: &'static str,
    regex: Regex,
}

/// What each pattern finds, and the pattern.
const PATTERN_TEXTS: [(&str, &str); 9] = [
    (
        "private key",
        r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY-----",
    ),
    ("AWS access key id", r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    (
        "GitHub token",
        r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}\b|\bgithub_pat_[A-Za-z0-9_]{60,}\b",
    ),
    ("GitLab token", r"\bglpat-[A-Za-z0-9_-]{20,}\b"),
    ("Slack token", r"\bxox[abprs]-[A-Za-z0-9-]{10,}\b"),
    ("Google API key", r"\bAIza[0-9A-Za-z_-]{35}\b"),
    ("Sourcegraph access token", r"\bsgp_[A-Za-z0-9_]{20,}\b"),
    ("Azure storage key", r"AccountKey=[A-Za-z0-9+/=]{40,}"),
    (
        "password in a URL",
        r"[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@]+:[^/\s@]+@[^/\s]+",
    ),
];

/// A key named like a secret and its value: `password = "…"`, `api_token: …`.
const SECRET_FIELD_TEXT: &str = r#"(?i)\b([a-z0-9_.-]*(?:password|passwd|secret|token|api[_-]?key|private[_-]?key|credential)[a-z0-9_-]*)\s*[=:]\s*(?:"([^"]{12,})"|'([^']{12,})'|([^"'\s#,]{12,}))"#;

static PATTERNS: LazyLock<Vec<Pattern>> = LazyLock::new(|| {
    PATTERN_TEXTS
        .into_iter()
        .map(|(kind, pattern)| Pattern {
            kind,
            regex: Regex::new(pattern).expect("valid pattern"),
        })
        .collect()
});

static SECRET_FIELD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(SECRET_FIELD_TEXT).expect("valid pattern"));

/// Every pattern at once, over a whole file. Nearly every file matches
/// none: it is passed over in one search instead of ten per line, which
/// took `check` 1.5 s on a site of ten thousand engagements. A match in a
/// line is a match in the file that holds it (a line is scanned with its
/// newline, and what comes before it ends with one), so a file this finds
/// nothing in has nothing for the line by line scan.
static ANY: LazyLock<regex::RegexSet> = LazyLock::new(|| {
    let patterns = PATTERN_TEXTS.iter().map(|(_, pattern)| *pattern);
    regex::RegexSet::new(patterns.chain([SECRET_FIELD_TEXT])).expect("valid patterns")
});

const ALLOW: &str = "refarch: allow-secret";

/// Scans one file's text, reporting each likely secret.
pub fn scan(file: &str, text: &str) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    let mut offset = 0;
    // Most files have no allow comment: look for one line by line only
    // in those that do.
    let has_allow = ALLOW_FINDER.find(text.as_bytes()).is_some();
    // An allow comment is checked for its reason even in a file with
    // nothing to allow.
    if !has_allow && !ANY.is_match(text) {
        return found;
    }
    let mut previous: Option<&str> = None;
    for line in text.split_inclusive('\n') {
        let here = if has_allow { allow_reason(line) } else { None };
        let allowed = here.or(previous);
        if allowed.is_some() {
            // Reported at the comment only, not again at the line it covers.
            if here == Some("") {
                found.push(
                    Diagnostic::new(Code::E081, "an allow-secret comment needs a reason")
                        .at(Location::new(
                            file,
                            text,
                            offset..offset + line.trim_end().len(),
                        ))
                        .help("write `refarch: allow-secret <why this is not a secret>`"),
                );
            }
        } else {
            let secrets = secrets_in(line);
            for (kind, span) in &secrets {
                found.push(report(
                    file,
                    text,
                    offset,
                    line,
                    kind,
                    span.clone(),
                    &secrets,
                ));
            }
        }
        offset += line.len();
        previous = here;
    }
    found
}

/// Finds [`ALLOW`]; set up once, as a searcher per line costs more than the
/// search.
static ALLOW_FINDER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new(ALLOW));

fn allow_reason(line: &str) -> Option<&str> {
    ALLOW_FINDER.find(line.as_bytes()).map(|at| {
        line[at + ALLOW.len()..]
            .trim()
            .trim_end_matches("-->")
            .trim()
    })
}

/// Each secret on one line: its kind and byte range in the line.
fn secrets_in(line: &str) -> Vec<(&'static str, std::ops::Range<usize>)> {
    let mut found: Vec<(&'static str, std::ops::Range<usize>)> = Vec::new();
    for pattern in PATTERNS.iter() {
        for m in pattern.regex.find_iter(line) {
            found.push((pattern.kind, m.range()));
        }
    }
    for captures in SECRET_FIELD.captures_iter(line) {
        let Some(value) = captures
            .get(2)
            .or_else(|| captures.get(3))
            .or_else(|| captures.get(4))
        else {
            continue;
        };
        let covered = found
            .iter()
            .any(|(_, range)| range.start <= value.start() && value.end() <= range.end);
        if !covered && looks_random(value.as_str()) {
            found.push(("high-entropy value in a secret field", value.range()));
        }
    }
    found
}

/// Long, varied strings: Shannon entropy above 3.5 bits per character and
/// at least three kinds of characters. Words and placeholders do not pass.
pub fn looks_random(value: &str) -> bool {
    if value.len() < 16 || value.starts_with("TODO") || value.contains("${") {
        return false;
    }
    let mut counts = std::collections::HashMap::new();
    for c in value.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
    }
    let length = value.chars().count() as f64;
    let entropy: f64 = counts
        .values()
        .map(|&n| {
            let p = n as f64 / length;
            -p * p.log2()
        })
        .sum();
    let classes = [
        value.chars().any(|c| c.is_ascii_lowercase()),
        value.chars().any(|c| c.is_ascii_uppercase()),
        value.chars().any(|c| c.is_ascii_digit()),
        value.chars().any(|c| !c.is_ascii_alphanumeric()),
    ]
    .iter()
    .filter(|&&present| present)
    .count();
    entropy > 3.5 && classes >= 3
}

/// The value with all but its first four characters hidden.
pub fn mask(value: &str) -> String {
    let shown: String = value.chars().take(4).collect();
    format!(
        "{shown}{}",
        "*".repeat(value.chars().count().saturating_sub(4).min(12))
    )
}

fn report(
    file: &str,
    text: &str,
    offset: usize,
    line: &str,
    kind: &str,
    span: std::ops::Range<usize>,
    all: &[(&'static str, std::ops::Range<usize>)],
) -> Diagnostic {
    let secret = &line[span.clone()];
    let mut location = Location::new(file, text, offset + span.start..offset + span.end);
    // Never print a secret, not even in the quoted source line: mask every
    // one on the line, then point at this one.
    let mut masked_line = location.source_line.clone();
    for (_, other) in all {
        let value = &line[other.clone()];
        masked_line = masked_line.replace(value, &mask(value));
    }
    let masked = mask(secret);
    let start = masked_line[..]
        .find(&masked)
        .unwrap_or(location.highlight.start);
    location.source_line = masked_line;
    location.highlight = start..start + masked.len();
    Diagnostic::new(Code::E080, format!("likely secret: {kind} `{masked}`"))
        .at(location)
        .label("do not commit secrets")
        .help("remove it and rotate it; if it is not a secret, add `refarch: allow-secret <reason>` in a comment on this line or the line before")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<String> {
        scan("data/x.toml", text)
            .iter()
            .map(|d| d.message.clone())
            .collect()
    }

    #[test]
    fn each_kind_of_secret_is_found_and_masked() {
        let text = "key = \"-----BEGIN RSA PRIVATE KEY-----\"\n\
                    aws = \"AKIAIOSFODNN7EXAMPLE\"\n\
                    gh = \"ghp_abcdefghijklmnopqrstuvwxyz0123456789\"\n\
                    gl = \"glpat-abcdefghij0123456789\"\n\
                    url = \"https://admin:hunter2secret@db.example.internal/sg\"\n\
                    db_password = \"kJ8#mQ2$vL9!xR4z\"\n";
        let found = kinds(text);
        assert_eq!(
            found,
            [
                "likely secret: private key `----************`",
                "likely secret: AWS access key id `AKIA************`",
                "likely secret: GitHub token `ghp_************`",
                "likely secret: GitLab token `glpa************`",
                "likely secret: password in a URL `http************`",
                "likely secret: high-entropy value in a secret field `kJ8#************`",
            ]
        );
        for diagnostic in scan("data/x.toml", text) {
            let line = &diagnostic.location.as_ref().unwrap().source_line;
            assert!(
                !line.contains("hunter2")
                    && !line.contains("IOSFODNN7")
                    && !line.contains("mQ2$vL9"),
                "{line}"
            );
        }
    }

    /// Each secret alone in a file of ordinary lines: the whole-file
    /// search that passes over clean files must not pass over it.
    #[test]
    fn a_file_with_one_secret_among_ordinary_lines_is_scanned() {
        let secrets = [
            "key = \"-----BEGIN OPENSSH PRIVATE KEY-----\"",
            "aws = \"ASIAIOSFODNN7EXAMPLE\"",
            "pat = \"github_pat_abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz\"",
            "slack = \"xoxb-0123456789-abcdefghij\"",
            "google = \"AIzaSyA0123456789abcdefghijklmnopqrstuv\"",
            "sg = \"sgp_abcdefghij0123456789abcd\"",
            "azure = \"AccountKey=abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH==\"",
            "api_key: \"Zq7#pL2!vN8@kR5x\"",
        ];
        for secret in secrets {
            let text =
                format!("id = \"acme\"\ncustomer = \"Acme\"\n{secret}\nstatus = \"planned\"\n");
            assert_eq!(kinds(&text).len(), 1, "{secret}");
        }
        assert!(kinds("id = \"acme\"\ncustomer = \"Acme\"\n").is_empty());
    }

    #[test]
    fn words_urls_and_placeholders_are_not_secrets() {
        let text = "technical_advisor = \"Sam Okafor\"\n\
                    link = \"https://docs.example.internal/tdd/acme\"\n\
                    token_notes = \"rotated every quarter by the platform team\"\n\
                    password = \"TODO: the admin password\"\n";
        assert!(kinds(text).is_empty(), "{:?}", kinds(text));
    }

    #[test]
    fn an_allow_comment_with_a_reason_silences_and_without_one_is_an_error() {
        let allowed = "# refarch: allow-secret AWS's documented example key\naws = \"AKIAIOSFODNN7EXAMPLE\"\n";
        assert!(kinds(allowed).is_empty());
        let same_line =
            "aws = \"AKIAIOSFODNN7EXAMPLE\" # refarch: allow-secret documentation example\n";
        assert!(kinds(same_line).is_empty());
        let bare = "aws = \"AKIAIOSFODNN7EXAMPLE\" # refarch: allow-secret\n";
        assert_eq!(kinds(bare), ["an allow-secret comment needs a reason"]);
        let bare_above = "# refarch: allow-secret\naws = \"AKIAIOSFODNN7EXAMPLE\"\n";
        assert_eq!(
            kinds(bare_above),
            ["an allow-secret comment needs a reason"],
            "reported once, at the comment"
        );
    }
}
