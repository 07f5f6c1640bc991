//! The fuzz targets: every parser that reads what people write, and the
//! dev server's handling of what browsers send. Each must return an answer
//! (a value or diagnostics) for any input, never panic or hang; some also
//! check a property that holds for every input.
//!
//! Inputs that choose among several parsers carry the choice in their first
//! byte, so that mutations move between them too.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{Target, fuzz};
use crate::build::{BuildRequest, Builder, SiteFiles};
use crate::diagnostics::Diagnostics;
use crate::load::{SourceFile, content, files_in, toml_file};
use crate::model::{
    Bytes, Catalog, Cpu, Date, Engagement, NumberRange, ReferenceArchitecture, Releases,
    SiteConfig, SupportRules, Version, VersionRange,
};
use crate::render::markdown;
use crate::render::urls::Urls;
use crate::schema::FileKind;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn tagged(tag: usize, text: &[u8]) -> Vec<u8> {
    let mut input = vec![tag as u8];
    input.extend_from_slice(text);
    input
}

/// The choice in the first byte among `n`, and the rest as text.
fn untag(input: &[u8], n: usize) -> (usize, String) {
    match input.split_first() {
        Some((tag, rest)) => (
            *tag as usize % n,
            String::from_utf8_lossy(rest).into_owned(),
        ),
        None => (0, String::new()),
    }
}

/// Renders diagnostics every way they are shown, which exercises their
/// positions: a wrong span panics here.
fn show(diagnostics: &Diagnostics) {
    let _ = diagnostics.render(true);
    let _ = diagnostics.render(false);
    let _ = serde_json::to_string(&diagnostics.iter().collect::<Vec<_>>());
}

const TOML_WORDS: &[&str] = &[
    "id = \"x\"",
    "[[environment]]",
    "[[resourcing.service]]",
    "[deployment]",
    "release = \"6.0.2687\"",
    "\"2025-02-30\"",
    "2025-02-28",
    "1e308",
    "-1",
    "18446744073709551616",
    "\"4Gi\"",
    "\"500m\"",
    "\"0\"",
    "\">= 5.9, < 7.0\"",
    "inf",
    "nan",
    "\"\"\"",
    "'''",
    "\"\\u0000\"",
    "\"\\u202e\"",
    "<script>",
    "{ request = \"2\", limit = \"1\" }",
    "[]",
    "{}",
    "true",
    "REPLACE:",
    "=\"",
    "\n[",
];

/// `(file kind, path under the repository)` of each data file of the
/// example site.
fn data_seeds() -> Vec<(usize, String)> {
    let mut seeds: Vec<(usize, String)> = ["site", "catalog", "releases", "support"]
        .iter()
        .enumerate()
        .map(|(kind, name)| (kind, format!("data/{name}.toml")))
        .collect();
    for (kind, dir) in [(4, "data/reference-architectures"), (5, "data/engagements")] {
        seeds.extend(
            files_in(&repo(), dir, "toml")
                .into_iter()
                .map(|path| (kind, path)),
        );
    }
    seeds
}

#[test]
fn data_files() {
    let seeds = data_seeds()
        .into_iter()
        .map(|(kind, path)| tagged(kind, &std::fs::read(repo().join(path)).unwrap()))
        .collect();
    fuzz(
        Target {
            name: "data-files",
            seeds,
            dictionary: TOML_WORDS,
        },
        |input| {
            let (kind, text) = untag(input, 6);
            let file = SourceFile::new("data/fuzzed.toml", text);
            let diagnostics = match kind {
                0 => toml_file::parse::<SiteConfig>(&file, 0, FileKind::Site).1,
                1 => toml_file::parse::<Catalog>(&file, 0, FileKind::Catalog).1,
                2 => toml_file::parse::<Releases>(&file, 0, FileKind::Releases).1,
                3 => toml_file::parse::<SupportRules>(&file, 0, FileKind::Support).1,
                4 => {
                    toml_file::parse::<ReferenceArchitecture>(
                        &file,
                        0,
                        FileKind::ReferenceArchitecture,
                    )
                    .1
                }
                _ => toml_file::parse::<Engagement>(&file, 0, FileKind::Engagement).1,
            };
            show(&diagnostics);
        },
    );
}

/// The minimal fixture's files that a whole-site run mutates.
const SITE_FILES: [&str; 7] = [
    "data/site.toml",
    "data/catalog.toml",
    "data/releases.toml",
    "data/support.toml",
    "data/reference-architectures/m.toml",
    "data/engagements/acme.toml",
    "content/guide/reading.md",
];

pub(crate) fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// One mutated file in an otherwise valid site, through load, validation,
/// analysis and rendering, as `serve` does on every save: by a builder
/// kept across inputs and told what changed, whose result must equal a
/// fresh builder's (the incremental caches are fuzzed with the parsers).
#[test]
fn whole_site() {
    let fixture = repo().join("tests/fixtures/minimal");
    let site = tempfile::tempdir().unwrap();
    copy_dir(&fixture, site.path());
    let originals: Vec<Vec<u8>> = SITE_FILES
        .iter()
        .map(|file| std::fs::read(fixture.join(file)).unwrap())
        .collect();
    let seeds = originals
        .iter()
        .enumerate()
        .map(|(n, text)| tagged(n, text))
        .collect();
    let mut words = TOML_WORDS.to_vec();
    words.extend([
        "acme",
        "prod",
        "helm",
        "aws",
        "frontend",
        "m",
        "[link](/support/)",
    ]);
    let request = || BuildRequest {
        root: site.path().to_path_buf(),
        output: site.path().join("public"),
        base_url: None,
        profile: None,
    };
    let incremental = std::cell::RefCell::new(Builder::new(request()));
    let last = std::cell::Cell::new(0);
    fuzz(
        Target {
            name: "whole-site",
            seeds,
            dictionary: &words,
        },
        |input| {
            let (file, text) = untag(input, SITE_FILES.len());
            let restored = site.path().join(SITE_FILES[last.get()]);
            std::fs::write(&restored, &originals[last.get()]).unwrap();
            let mutated = site.path().join(SITE_FILES[file]);
            std::fs::write(&mutated, text).unwrap();
            last.set(file);
            let mut builder = incremental.borrow_mut();
            builder.note_changes(&[restored, mutated]);
            match (builder.build(), Builder::new(request()).build()) {
                (Ok(kept), Ok(fresh)) => {
                    assert!(
                        kept.files == fresh.files,
                        "an incremental build equals a full one"
                    );
                    assert_eq!(kept.warnings.render(false), fresh.warnings.render(false));
                    show(&fresh.warnings);
                }
                (Err(kept), Err(fresh)) => {
                    assert!(fresh.has_errors(), "a failed build reports an error");
                    assert_eq!(kept.render(false), fresh.render(false));
                    show(&fresh);
                }
                (kept, fresh) => panic!(
                    "the incremental build {} but a full one {}",
                    if kept.is_ok() { "succeeded" } else { "failed" },
                    if fresh.is_ok() { "succeeded" } else { "failed" },
                ),
            }
        },
    );
}

#[test]
fn front_matter_and_markdown() {
    let mut seeds: Vec<Vec<u8>> = files_in(&repo(), "content", "md")
        .into_iter()
        .chain(files_in(&repo(), "tests/fixtures", "md"))
        .map(|path| std::fs::read(repo().join(path)).unwrap())
        .collect();
    seeds.push(
        b"+++\ntitle = \"x\"\n+++\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```toml\nx = 1\n```\n"
            .to_vec(),
    );
    let words = [
        "+++",
        "\n+++\n",
        "```",
        "```toml\n",
        "```rust\n",
        "~~~",
        "[x](/support/)",
        "[x](#a)",
        "![i](x.png)",
        "<script>alert(1)</script>",
        "<!--",
        "-->",
        "{#id}",
        "## ",
        "\n# ",
        "|---|",
        "| a |",
        "> ",
        "- [ ] ",
        "[^1]",
        "[^1]: x",
        "*",
        "**",
        "`",
        "\\",
        "&amp;",
        "\u{feff}",
        "\u{202e}",
        "\r\n",
        "    ",
        "javascript:alert(1)",
        "<!--nosearch-->",
    ];
    let urls = Urls::new("/docs/");
    fuzz(
        Target {
            name: "pages",
            seeds,
            dictionary: &words,
        },
        |input| {
            let text = String::from_utf8_lossy(input);
            let file = SourceFile::new("content/guide/fuzzed.md", text.as_ref());
            let (page, diagnostics) = content::parse_page(&file, "guide/fuzzed.md");
            show(&diagnostics);
            // The body whether or not the front matter parsed.
            let body = page.as_ref().map_or(text.as_ref(), |page| page.body());
            let rendered = markdown::render(body, &urls, true);
            let plain = markdown::render(body, &urls, false);
            assert_eq!(
                rendered.toc.len(),
                plain.toc.len(),
                "highlighting changes no heading"
            );
            assert!(
                !rendered.html.contains("<script>alert"),
                "raw HTML from Markdown is escaped"
            );
            let _ = markdown::links(body);
        },
    );
}

/// The value parsers: each either refuses a text or reads a value that
/// prints as text it reads back the same.
#[test]
fn values() {
    const PARSERS: usize = 6;
    let examples: [&[&str]; PARSERS] = [
        &["500m", "2", "0.5", "16", "1500m"],
        &["4G", "16Gi", "512M", "1T", "200Mi", "1.5G"],
        &["6.0.2687", "5.9", "6.12", "7.0.0", "3.20.1"],
        &[">= 5.9, < 7.0", ">=6.0", "< 5.10", "= 6.12", "6.x"],
        &["1000..5000", "..100", "5000..", "10"],
        &["2025-02-28", "2024-02-29", "1999-12-31"],
    ];
    let seeds = examples
        .iter()
        .enumerate()
        .flat_map(|(n, texts)| texts.iter().map(move |text| tagged(n, text.as_bytes())))
        .collect();
    fuzz(
        Target {
            name: "values",
            seeds,
            dictionary: &[
                "..",
                ".",
                ",",
                ">=",
                "<=",
                "<",
                ">",
                "=",
                "m",
                "Gi",
                "G",
                "Ki",
                "e9",
                "-",
                "+",
                "18446744073709551615",
                "99999999999999999999",
                "0x10",
                "1_000",
                "\u{0660}",
                " ",
            ],
        },
        |input| {
            let (parser, text) = untag(input, PARSERS);
            match parser {
                0 => round_trip::<Cpu>(&text),
                1 => round_trip::<Bytes>(&text),
                2 => round_trip::<Version>(&text),
                3 => round_trip::<VersionRange>(&text),
                4 => round_trip::<NumberRange>(&text),
                _ => round_trip::<Date>(&text),
            }
        },
    );
}

fn round_trip<T>(text: &str)
where
    T: std::str::FromStr + std::fmt::Display + PartialEq + std::fmt::Debug,
{
    if let Ok(value) = text.parse::<T>() {
        let printed = value.to_string();
        match printed.parse::<T>() {
            Ok(again) => assert_eq!(again, value, "{text:?} printed as {printed:?}"),
            Err(_) => panic!("{text:?} printed as {printed:?}, which does not parse"),
        }
    }
}

/// `refarch support --file`: a requirements file, its verdict against a
/// real site, and its unknown values.
#[test]
fn requirements() {
    let loaded = crate::load::load_site(&repo().join("tests/fixtures/minimal"));
    let site = loaded.site.expect("the minimal fixture loads");
    let seeds = [
        "method = \"helm\"\nprovider = \"aws\"\nrelease = \"6.0\"\n",
        "method = \"docker-compose\"\nrelease = \"6.12.1792\"\nusers = 3000\nrepositories = 20000\n",
        "method = \"helm\"\nkubernetes = \"1.31\"\narch = \"arm64\"\nfeature = [\"batch-changes\"]\n[external]\npostgres = \"16\"\nobject-storage = true\n",
        "environment = \"prod\"\nlargest_repo_mb = 250000\nmonorepos = 2\nexecutor = \"firecracker\"\n",
    ]
    .iter()
    .map(|text| text.as_bytes().to_vec())
    .collect();
    fuzz(
        Target {
            name: "requirements",
            seeds,
            dictionary: TOML_WORDS,
        },
        |input| {
            let text = String::from_utf8_lossy(input);
            let file = SourceFile::new("requirements.toml", text.as_ref());
            let (requirements, diagnostics) = toml_file::parse::<
                crate::analysis::requirements::Requirements,
            >(&file, 0, FileKind::Requirements);
            show(&diagnostics);
            if let Some(requirements) = requirements {
                let verdict = crate::analysis::support::verdict(&site, &requirements);
                let _ = serde_json::to_string(&verdict);
                let _ = crate::analysis::requirements::unknown_values(&site, &requirements);
                let _ = requirements.to_command_line();
            }
        },
    );
}

/// What a browser (or anything else) sends the dev server: the request
/// head, then the path it asks for.
#[test]
fn requests() {
    use crate::serve::{Answer, Limits, Snapshot, answer, server};
    let files: SiteFiles = [
        ("index.html", "<body>home</body>"),
        ("404.html", "<body>missing</body>"),
        ("engagements/acme/index.html", "<body>acme</body>"),
        ("static/style.css", "body{}"),
        ("search/idx/zü.json", "{}"),
    ]
    .iter()
    .map(|(path, body)| (Arc::from(*path), Arc::from(body.as_bytes())))
    .collect();
    let snapshots = [
        Snapshot {
            files: Arc::new(files.clone()),
            base: "/".into(),
            epoch: 1,
        },
        Snapshot {
            files: Arc::new(files),
            base: "/docs/".into(),
            epoch: 1,
        },
    ];
    let seeds = [
        "GET / HTTP/1.1\r\nHost: localhost:1111\r\n\r\n",
        "GET /engagements/acme/?q=1#x HTTP/1.1\r\nConnection: keep-alive\r\n\r\n",
        "HEAD /docs/static/style.css HTTP/1.0\r\n\r\n",
        "GET /search/idx/z%C3%BC.json HTTP/1.1\r\nAccept: */*\r\n\r\n",
        "GET http://localhost/docs/__refarch/events HTTP/1.1\r\n\r\n",
        "POST /x HTTP/1.1\r\nContent-Length: 3\r\n\r\n",
    ]
    .iter()
    .map(|text| text.as_bytes().to_vec())
    .collect();
    let limits = Limits::default();
    fuzz(
        Target {
            name: "requests",
            seeds,
            dictionary: &[
                "%2e",
                "%2E%2E",
                "..",
                "/../",
                "%00",
                "%ff",
                "%c0%af",
                "//",
                "\\",
                "%5c",
                "?",
                "#",
                "\r\n",
                ": ",
                "Connection: close",
                "Transfer-Encoding: chunked",
                "/docs",
                "%",
                "%%",
                "%+1",
                "%-1",
                "\u{0}",
                "HTTP/1.1",
                " ",
            ],
        },
        |input| {
            let _ = server::check_size(input, &limits);
            let Some(end) = server::head_end(input) else {
                return;
            };
            let Ok(head) = server::parse_head(&input[..end], &limits) else {
                return;
            };
            for snapshot in &snapshots {
                if let Answer::File { status: 200, .. } =
                    answer(snapshot, &head.method, &head.target)
                {
                    // Whatever was asked, a file served is one of the site's.
                    let path = head.target.split(['?', '#']).next().unwrap_or("");
                    let decoded = crate::serve::decode(path).expect("a served path decodes");
                    assert!(crate::serve::is_safe(&decoded), "{decoded:?} served");
                }
            }
        },
    );
}
