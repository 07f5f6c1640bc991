//! `refarch new engagement`: a template with every field that passes
//! `check` once its placeholders are filled.

use crate::site_test::SiteTest;

const FILE: &str = "data/engagements/initech-prod.toml";

#[test]
fn the_template_fails_until_filled_then_passes() {
    let test = SiteTest::example();
    let run = test.run(&["new", "engagement", "initech-prod"]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("wrote data/engagements/initech-prod.toml"),
        "{}",
        run.stderr
    );
    let template = test.read(FILE);
    assert!(template.starts_with("#:schema ../../schemas/engagement.schema.json\n"));
    assert!(template.contains("id = \"initech-prod\""));
    assert!(
        template.contains("one of helm, kustomize"),
        "lists the catalog's methods"
    );

    let (status, report) = test.check_json();
    assert_eq!(status, 1);
    let placeholders = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "E014" && d["file"] == FILE)
        .count();
    assert!(
        placeholders > 60,
        "every placeholder is reported, found {placeholders}"
    );
    assert_eq!(
        report["errors"].as_u64().unwrap() as usize,
        placeholders,
        "{report:#}"
    );

    test.write(FILE, fill_placeholders(&template));
    let (status, report) = test.check_json();
    assert_eq!(status, 0, "{report:#}");
}

#[test]
fn it_never_overwrites() {
    let test = SiteTest::example();
    let before = test.read("data/engagements/northwind-logistics.toml");
    let run = test.run(&["new", "engagement", "northwind-logistics"]);
    assert_eq!(run.status, 1);
    assert!(
        run.stderr
            .contains("already exists; `refarch new` never overwrites a file"),
        "{}",
        run.stderr
    );
    assert_eq!(
        test.read("data/engagements/northwind-logistics.toml"),
        before
    );
}

#[test]
fn it_refuses_an_invalid_id() {
    let test = SiteTest::example();
    let run = test.run(&["new", "engagement", "Initech Prod"]);
    assert_eq!(run.status, 1);
    assert!(
        run.stderr.contains("`Initech Prod` is not a valid id"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("`initech-prod`"), "{}", run.stderr);
}

/// Fills every `"TODO: …"` the way a person following its hint would: the
/// first of "one of …", the example after "e.g.", a date for YYYY-MM-DD, a
/// number for counts.
fn fill_placeholders(template: &str) -> String {
    let mut table = String::new();
    let mut production_release = String::new();
    let mut filled = Vec::new();
    for line in template.lines() {
        if line.starts_with('[') {
            table = line.trim_matches(|c| c == '[' || c == ']').to_string();
            filled.push(line.to_string());
            continue;
        }
        let Some((key, rest)) = line.split_once(" = ") else {
            filled.push(line.to_string());
            continue;
        };
        let key = key.trim();
        if rest.starts_with('{') {
            // Inline table: fill each placeholder inside.
            let mut inline = rest.to_string();
            while let Some(start) = inline.find("\"TODO") {
                let end = start + 1 + inline[start + 1..].find('"').unwrap();
                let hint = &inline[start + 1..end];
                let value = format!("\"{}\"", example_of(hint).unwrap());
                inline.replace_range(start..=end, &value);
            }
            filled.push(format!("{key} = {inline}"));
            continue;
        }
        if rest.starts_with("\"\"\"") {
            filled.push(line.to_string());
            continue;
        }
        if !rest.starts_with("\"TODO") {
            filled.push(line.replace("TODO", "Filled"));
            continue;
        }
        let hint = rest.trim_matches('"');
        let value = value_for(&table, key, hint, &production_release);
        if table == "deployment" && key == "release" {
            production_release = value.trim_matches('"').to_string();
        }
        filled.push(format!("{key} = {value}"));
    }
    filled.join("\n").replace("TODO: ", "Filled in: ") + "\n"
}

fn value_for(table: &str, key: &str, hint: &str, production_release: &str) -> String {
    const NUMBERS: [&str; 12] = [
        "count",
        "vcpu",
        "replicas",
        "repositories",
        "monorepos",
        "largest_repo_mb",
        "lines_of_code",
        "licensed_users",
        "users",
        "concurrent_users",
        "instances",
        "image_scanning_days",
    ];
    if hint.contains("YYYY-MM-DD") {
        let date = match key {
            "kickoff" => "2026-01-05",
            "production_start" => "2026-01-12",
            "production_complete" => "2026-02-16",
            "handoff" => "2026-03-02",
            _ => "2026-02-01",
        };
        return date.to_string();
    }
    if NUMBERS.contains(&key) {
        return "4".to_string();
    }
    let text = match (table, key) {
        ("upgrade_history", "from") => "7.5".to_string(),
        ("upgrade_history", "to") => production_release.to_string(),
        ("resourcing.service", "id") => "frontend".to_string(),
        ("feature", "id") => "batch-changes".to_string(),
        ("deviation", "subject") => "resources:total".to_string(),
        ("code.host", "version") => "3.14".to_string(),
        (_, "instance_url")
        | (_, "url")
        | (_, "link")
        | (_, "technical_design")
        | (_, "project_plan")
        | (_, "opportunity") => "https://docs.example.internal/initech".to_string(),
        _ => example_of(hint).unwrap_or_else(|| "Filled in by the test".to_string()),
    };
    format!("\"{text}\"")
}

/// "one of a, b, c" gives `a`; "e.g. 16 (delete …)" gives `16`.
fn example_of(hint: &str) -> Option<String> {
    if let Some(options) = hint.split("one of ").nth(1) {
        let first = options.split([',', ' ']).next().unwrap();
        return Some(first.to_string());
    }
    let example = hint.split("e.g. ").nth(1)?;
    Some(example.split(" (").next().unwrap().trim().to_string())
}
