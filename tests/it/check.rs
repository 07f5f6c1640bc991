//! `refarch check` on bad input: one fixture per kind of mistake, each
//! asserting the exact place, message, help and exit status.

use serde_json::Value;

use crate::site_test::SiteTest;

/// The one diagnostic a fixture must produce.
struct Expected<'a> {
    code: &'a str,
    file: &'a str,
    line: u64,
    column: u64,
    message: &'a str,
    help: &'a str,
}

fn assert_single(test: &SiteTest, expected: Expected<'_>) {
    let (status, report) = test.check_json();
    assert_eq!(status, 1, "check must fail: {report:#}");
    let diagnostics = report["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 1, "exactly one diagnostic: {report:#}");
    let d = &diagnostics[0];
    assert_eq!(d["severity"], "error");
    assert_eq!(d["code"], expected.code);
    assert_eq!(d["file"], expected.file);
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(expected.line), Some(expected.column))
    );
    assert_eq!(d["message"], expected.message);
    assert_eq!(d["help"], expected.help);
}

#[test]
fn the_minimal_fixture_is_valid() {
    let run = SiteTest::minimal().check();
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("0 errors, 0 warnings"),
        "{}",
        run.stderr
    );
}

#[test]
fn unknown_key_at_top_level() {
    assert_single(
        &SiteTest::bad("unknown-key-top"),
        Expected {
            code: "E011",
            file: "data/engagements/acme.toml",
            line: 2,
            column: 1,
            message: "unknown key `custmer` at the top level",
            help: "did you mean `customer`?",
        },
    );
}

#[test]
fn unknown_key_nested() {
    assert_single(
        &SiteTest::bad("unknown-key-nested"),
        Expected {
            code: "E011",
            file: "data/reference-architectures/m.toml",
            line: 5,
            column: 1,
            message: "unknown key `usres` in `limits`",
            help: "did you mean `users`?",
        },
    );
}

#[test]
fn misspelled_id() {
    assert_single(
        &SiteTest::bad("misspelled-id"),
        Expected {
            code: "E020",
            file: "data/engagements/acme.toml",
            line: 11,
            column: 10,
            message: "unknown deployment method `helmm`",
            help: "did you mean `helm`?",
        },
    );
}

#[test]
fn dangling_size_reference() {
    assert_single(
        &SiteTest::bad("dangling-size"),
        Expected {
            code: "E020",
            file: "data/engagements/acme.toml",
            line: 22,
            column: 8,
            message: "unknown reference architecture size `xxl`",
            help: "known ids: m",
        },
    );
}

#[test]
fn wrong_byte_unit() {
    assert_single(
        &SiteTest::bad("wrong-unit-bytes"),
        Expected {
            code: "E012",
            file: "data/reference-architectures/m.toml",
            line: 25,
            column: 38,
            message: "`8GB` is not a size: `GB` is not a byte unit",
            help: "write `8G` (8×10^9 bytes) or `8Gi` (8×2^30 bytes); units are k, M, G, T, P, E and Ki, Mi, Gi, Ti, Pi, Ei",
        },
    );
}

#[test]
fn wrong_cpu_unit() {
    assert_single(
        &SiteTest::bad("wrong-unit-cpu"),
        Expected {
            code: "E012",
            file: "data/engagements/acme.toml",
            line: 29,
            column: 32,
            message: "`4 cores` is not a CPU quantity: `cores` is not a CPU unit",
            help: "write CPU as cores (`4`, `2.5`) or millicores (`500m`)",
        },
    );
}

#[test]
fn impossible_date() {
    assert_single(
        &SiteTest::bad("bad-date"),
        Expected {
            code: "E010",
            file: "data/engagements/acme.toml",
            line: 8,
            column: 11,
            message: "invalid date, expected day between 01 and 28",
            help: "write a date as YYYY-MM-DD with a real month and day, for example `2025-02-28`",
        },
    );
}

#[test]
fn duplicate_engagement_id() {
    assert_single(
        &SiteTest::bad("duplicate-engagement-id"),
        Expected {
            code: "E021",
            file: "data/engagements/acme-copy.toml",
            line: 1,
            column: 6,
            message: "engagement id `acme` is already used by data/engagements/acme.toml",
            help: "each engagement needs its own id; write `id = \"acme-copy\"` to match this file's name",
        },
    );
}

#[test]
fn duplicate_toml_key() {
    assert_single(
        &SiteTest::bad("duplicate-toml-key"),
        Expected {
            code: "E010",
            file: "data/engagements/acme.toml",
            line: 3,
            column: 1,
            message: "the key `customer` is defined twice",
            help: "remove one of the two `customer` keys, or rename one",
        },
    );
}

#[test]
fn malformed_toml() {
    assert_single(
        &SiteTest::bad("malformed-toml"),
        Expected {
            code: "E010",
            file: "data/engagements/acme.toml",
            line: 9,
            column: 12,
            message: "invalid TOML: unclosed table, expected `]`",
            help: "see https://toml.io for the syntax; strings need quotes and tables `[name]`",
        },
    );
}

#[test]
fn non_utf8_file() {
    assert_single(
        &SiteTest::bad("non-utf8"),
        Expected {
            code: "E002",
            file: "data/engagements/acme.toml",
            line: 2,
            column: 19,
            message: "data/engagements/acme.toml is not valid UTF-8 (byte 0xfc at offset 30)",
            help: "save the file as UTF-8 (for example `iconv -f latin1 -t utf-8`)",
        },
    );
}

#[test]
fn empty_file() {
    let test = SiteTest::bad("empty-file");
    let (status, report) = test.check_json();
    assert_eq!(status, 1);
    let d = &report["diagnostics"][0];
    assert_eq!(report["diagnostics"].as_array().unwrap().len(), 1);
    assert_eq!(d["code"], "E003");
    assert_eq!(d["file"], "data/engagements/blank.toml");
    assert_eq!(d["message"], "data/engagements/blank.toml is empty");
    assert_eq!(
        d["help"],
        "delete it, then run `refarch new engagement blank` to write a template in its place"
    );
}

#[test]
fn unclosed_front_matter() {
    assert_single(
        &SiteTest::bad("unclosed-front-matter"),
        Expected {
            code: "E031",
            file: "content/guide/upgrades.md",
            line: 1,
            column: 1,
            message: "front matter is never closed",
            help: "add a line with only `+++` after the front matter",
        },
    );
}

#[test]
fn very_large_file_is_refused_without_reading_it() {
    let test = SiteTest::minimal();
    let line = "# padding: large generated files do not belong in data/\n";
    test.write(
        "data/engagements/huge.toml",
        line.repeat(17 * 1024 * 1024 / line.len() + 1),
    );
    let (status, report) = test.check_json();
    assert_eq!(status, 1);
    let d = &report["diagnostics"][0];
    assert_eq!(d["code"], "E004");
    assert_eq!(d["file"], "data/engagements/huge.toml");
    assert_eq!(
        d["message"],
        "data/engagements/huge.toml is 17.0 MiB; input files are limited to 16 MiB"
    );
}

#[test]
fn every_problem_of_a_run_is_reported() {
    let (status, report) = SiteTest::bad("many-problems").check_json();
    assert_eq!(status, 1);
    let found: Vec<(String, String)> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["file"].as_str().unwrap().to_string(),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected = [
        (
            "data/engagements/acme.toml",
            "unknown key `custmer` at the top level",
        ),
        (
            "data/engagements/acme.toml",
            "unknown key `licenced_users` in `usage`",
        ),
        (
            "data/engagements/beta.toml",
            "unknown hosting provider `aws-cloud`",
        ),
        (
            "data/engagements/beta.toml",
            "unknown CPU architecture `arm`",
        ),
        (
            "data/reference-architectures/m.toml",
            "`4 cores` is not a CPU quantity: `cores` is not a CPU unit",
        ),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(f, m)| (f.to_string(), m.to_string()))
        .collect();
    assert_eq!(found, expected);
    assert_eq!(report["errors"], 5);
}

#[test]
fn human_output_shows_the_line_a_caret_and_the_fix() {
    let run = SiteTest::bad("misspelled-id").check();
    assert_eq!(run.status, 1);
    let expected = "\
error[E020]: unknown deployment method `helmm`
  --> data/engagements/acme.toml:11:10
   |
11 | method = \"helmm\"
   |          ^^^^^^^ not defined in data/catalog.toml
   |
   = help: did you mean `helm`?
";
    assert!(run.stderr.starts_with(expected), "{}", run.stderr);
    assert!(run.stderr.contains("check failed in "), "{}", run.stderr);
    assert!(
        run.stderr.trim_end().ends_with("1 error, 0 warnings"),
        "{}",
        run.stderr
    );
}

#[test]
fn errors_in_a_file_do_not_cascade_into_references_to_it() {
    let (_, report) = SiteTest::bad("wrong-unit-bytes").check_json();
    let messages: Vec<&Value> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| &d["message"])
        .collect();
    assert_eq!(
        messages.len(),
        1,
        "the engagement's `size = \"m\"` must not be reported: {messages:?}"
    );
}

#[test]
fn not_a_site() {
    let test = SiteTest::empty();
    let run = test.check();
    assert_eq!(run.status, 1);
    assert!(run.stderr.contains("error[E040]"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("has no data/ directory: it is not a refarch site"),
        "{}",
        run.stderr
    );
}

#[test]
fn warnings_do_not_fail_the_check() {
    let test = SiteTest::minimal();
    let engagement = test.read("data/engagements/acme.toml");
    test.write(
        "data/engagements/acme.toml",
        engagement.replace("6.0.2687", "5.9.1234"),
    );
    let (status, report) = test.check_json();
    assert_eq!(status, 0, "{report:#}");
    let codes: Vec<&Value> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| &d["code"])
        .collect();
    assert_eq!(codes, ["W001"]);
    assert_eq!(
        report["diagnostics"][0]["message"],
        "production runs 5.9, outside the support window (6.0, 5.10)"
    );
}

/// One diagnostic: code, file, line, column, message.
type Row = (String, String, u64, u64, String);

/// Every diagnostic of a run.
fn report_of(test: &SiteTest, extra: &[&str]) -> (i32, Vec<Row>) {
    let mut args = vec!["check", "--format", "json"];
    args.extend_from_slice(extra);
    let run = test.run(&args);
    let json: Value =
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout));
    let found = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["file"].as_str().unwrap_or("").to_string(),
                d["line"].as_u64().unwrap_or(0),
                d["column"].as_u64().unwrap_or(0),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (run.status, found)
}

fn row(
    code: &str,
    file: &str,
    line: u64,
    column: u64,
    message: &str,
) -> (String, String, u64, u64, String) {
    (code.into(), file.into(), line, column, message.into())
}

#[test]
fn broken_links_and_anchors_in_markdown_are_reported_at_their_source() {
    let (status, found) = report_of(&SiteTest::bad("broken-links"), &[]);
    assert_eq!(status, 1);
    assert_eq!(
        found,
        [
            row(
                "E082",
                "content/guide/reading.md",
                10,
                52,
                "broken link `/matrix/` on /guide/reading/: there is no page at /matrix/"
            ),
            row(
                "E082",
                "content/guide/reading.md",
                12,
                5,
                "broken link `/support/#rule-no-such-rule` on /guide/reading/: /support/ has no anchor #rule-no-such-rule"
            ),
        ]
    );
}

#[test]
fn a_broken_link_in_an_engagement_s_notes_is_reported_at_its_toml_line() {
    let test = SiteTest::minimal();
    let file = "data/engagements/acme.toml";
    let original = test.read(file);
    let (head, rest) = original.split_once("[team]").unwrap();
    test.write(
        file,
        format!("{head}notes = \"\"\"\nRead [the matrix](/matrix/) first.\n\"\"\"\n\n[team]{rest}"),
    );
    let line = head.lines().count() as u64 + 2;
    let (status, found) = report_of(&test, &[]);
    assert_eq!(status, 1);
    assert!(
        found.contains(&row(
            "E082",
            file,
            line,
            19,
            "broken link `/matrix/` on /engagements/acme/: there is no page at /matrix/"
        )),
        "{found:?}"
    );
}

#[test]
fn a_broken_link_from_a_template_names_the_template() {
    let (status, found) = report_of(&SiteTest::bad("template-link"), &[]);
    assert_eq!(status, 1);
    assert_eq!(
        found,
        [row(
            "E082",
            "themes/default/templates/404.html",
            0,
            0,
            "broken link `/nowhere/` on /404.html: there is no page at /nowhere/"
        )]
    );
}

#[test]
fn a_template_link_that_skips_the_base_path_is_found_at_the_root_too() {
    let test = SiteTest::minimal();
    test.write(
        "themes/default/templates/404.html",
        "{% extends \"base.html\" %}\n{% block content %}\n<h1>Lost</h1>\n<p><a href=\"/support/\">The support matrix</a></p>\n{% endblock %}\n",
    );
    let (status, found) = report_of(&test, &[]);
    assert_eq!(status, 1);
    assert_eq!(found.len(), 1, "{found:?}");
    let (code, file, _, _, message) = &found[0];
    assert_eq!(
        (code.as_str(), file.as_str()),
        ("E082", "themes/default/templates/404.html")
    );
    assert!(
        message.starts_with("broken link `/support/` on /404.html: it skips the base path"),
        "{message}"
    );
}

/// The example has a confidential engagement and a `publish` profile under
/// `/refarch/`, so `check` follows its links in that profile's build (see
/// the check guide, step 4) rather than under a stand-in: a link that skips
/// the base path is still found there, and one that hard-codes `/refarch/`
/// resolves, as the themes guide says.
#[test]
fn under_a_private_profiles_sub_path_a_link_skipping_the_base_is_still_found() {
    let test = SiteTest::example();
    test.write(
        "themes/default/templates/404.html",
        "{% extends \"base.html\" %}\n{% block content %}\n<h1>Lost</h1>\n\
         <p><a href=\"/support/\">Support</a> <a href=\"/refarch/releases/\">Releases</a></p>\n{% endblock %}\n",
    );
    let (status, found) = report_of(&test, &[]);
    assert_eq!(status, 1);
    let links: Vec<&str> = found
        .iter()
        .filter(|(code, ..)| code == "E082")
        .map(|(.., message)| message.as_str())
        .collect();
    assert_eq!(links.len(), 1, "{found:?}");
    assert!(
        links[0].starts_with("broken link `/support/` on /404.html: it skips the base path"),
        "{}",
        links[0]
    );
}

#[test]
fn each_kind_of_secret_is_an_error_with_the_value_masked() {
    let test = SiteTest::bad("secrets");
    let (status, found) = report_of(&test, &[]);
    assert_eq!(status, 1);
    let file = "data/engagements/acme.toml";
    assert_eq!(
        found,
        [
            row(
                "E080",
                file,
                4,
                13,
                "likely secret: private key `----************`"
            ),
            row(
                "E080",
                file,
                5,
                11,
                "likely secret: AWS access key id `AKIA************`"
            ),
            row(
                "E080",
                file,
                5,
                36,
                "likely secret: GitHub token `ghp_************`"
            ),
            row(
                "E080",
                file,
                6,
                11,
                "likely secret: password in a URL `post************`"
            ),
        ]
    );
    let human = test.check();
    assert!(
        !human.stderr.contains("Sup3rS3cret") && !human.stderr.contains("IOSFODNN7"),
        "secrets never printed:\n{}",
        human.stderr
    );
}

#[test]
fn a_confidential_customer_named_in_a_page_leaks_into_the_publish_build() {
    let (status, found) = report_of(&SiteTest::bad("confidential-leak"), &[]);
    assert_eq!(status, 1);
    assert_eq!(found.len(), 1, "{found:?}");
    let (code, file, line, column, message) = &found[0];
    assert_eq!(
        (code.as_str(), file.as_str(), *line, *column),
        ("E083", "content/guide/lessons.md", 7, 1)
    );
    assert!(message.starts_with("`Globex Corporation` of confidential engagement `globex` appears in the `publish` build ("), "{message}");
}

#[test]
fn undeclared_and_stale_deviations_are_graded_by_status() {
    let test = SiteTest::empty();
    crate::site_test::copy_dir(&crate::site_test::fixtures().join("analysis"), test.path());
    let (status, found) = report_of(&test, &[]);
    assert_eq!(
        status, 1,
        "the handed-off record's undeclared deviation is an error"
    );
    let codes: Vec<(&str, &str)> = found
        .iter()
        .map(|(code, file, ..)| (code.as_str(), file.as_str()))
        .collect();
    assert!(codes.contains(&("E050", "data/engagements/acme.toml")));
    assert!(codes.contains(&("W051", "data/engagements/acme.toml")));
    assert!(codes.contains(&("W050", "data/engagements/borealis.toml")));
    assert!(codes.contains(&("W001", "data/engagements/cobalt.toml")));
}

#[test]
fn github_annotations_and_denied_warnings() {
    let test = SiteTest::bad("misspelled-id");
    let run = test.run(&["check", "--format", "github"]);
    assert_eq!(run.status, 1);
    assert_eq!(
        run.stdout.trim(),
        "::error file=data/engagements/acme.toml,line=11,col=10,title=E020::unknown deployment method `helmm`%0Ahelp: did you mean `helm`?"
    );
    let warned = SiteTest::minimal();
    let engagement = warned.read("data/engagements/acme.toml");
    warned.write(
        "data/engagements/acme.toml",
        engagement.replace("6.0.2687", "5.9.1234"),
    );
    assert_eq!(warned.run(&["check"]).status, 0);
    assert_eq!(warned.run(&["check", "--deny", "warnings"]).status, 1);
    assert_eq!(
        warned.run(&["check", "--deny", "everything"]).status,
        2,
        "bad usage"
    );
}

/// A web server on 127.0.0.1 that answers `/ok` and nothing else, and
/// records every request line it gets.
fn link_server() -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request = String::new();
            reader.read_line(&mut request).unwrap();
            let mut header = String::new();
            while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
                header.clear();
            }
            let status = if request.contains(" /ok ") {
                "200 OK"
            } else {
                "404 Not Found"
            };
            log.lock().unwrap().push(request.trim().to_string());
            let mut stream = stream;
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
        }
    });
    (base, seen)
}

#[test]
fn external_links_are_listed_and_fetched_only_when_asked() {
    let (base, seen) = link_server();
    let test = SiteTest::minimal();
    let page = "content/guide/links.md";
    test.write(
        page,
        format!(
            "+++\ntitle = \"Links\"\n+++\n\n# Links\n\nThe [runbook]({base}/ok) and\nthe [old wiki]({base}/gone).\n"
        ),
    );
    let (status, found) = report_of(&test, &[]);
    assert_eq!((status, found.len()), (0, 0), "{found:?}");
    assert!(
        seen.lock().unwrap().is_empty(),
        "nothing fetched without --external"
    );

    let (status, found) = report_of(&test, &["--external"]);
    assert_eq!(status, 0, "a dead external link is a warning");
    // The fixture's other external links (rule sources, the instance URL)
    // cannot be reached from a machine without network; only ours count.
    let ours: Vec<Row> = found.into_iter().filter(|r| r.4.contains(&base)).collect();
    assert_eq!(
        ours,
        [row(
            "W060",
            page,
            8,
            5,
            &format!(
                "external link `{base}/gone` on /guide/links/ did not answer: the server answered 404"
            )
        )]
    );
    let requests = seen.lock().unwrap().clone();
    assert!(
        requests.contains(&"HEAD /ok HTTP/1.1".to_string()),
        "{requests:?}"
    );

    seen.lock().unwrap().clear();
    let (status, _) = report_of(&test, &["--external", "--deny", "warnings"]);
    assert_eq!(
        status, 1,
        "--deny warnings makes a dead link fail the check"
    );
    let requests = seen.lock().unwrap().clone();
    assert_eq!(
        requests,
        ["HEAD /gone HTTP/1.1"],
        "a link that answered is cached; a failing one is asked again"
    );
    assert!(
        test.path()
            .join(".refarch-cache/external-links.json")
            .exists()
    );
}
