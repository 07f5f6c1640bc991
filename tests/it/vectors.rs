//! The shared support vectors (`tests/vectors/support.toml`) against the
//! Rust engine, on the example site's rules. The browser checker runs the
//! same file.

use std::collections::BTreeSet;

use refarch::analysis::requirements::Requirements;
use refarch::analysis::support::verdict;
use serde::Deserialize;

use crate::site_test::repo_root;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Vectors {
    vector: Vec<Vector>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Vector {
    id: String,
    requirements: Requirements,
    expect: Expect,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    status: String,
    rules: BTreeSet<String>,
    size: String,
    undocumented: BTreeSet<String>,
}

#[test]
fn every_vector_gives_its_expected_verdict() {
    let site = refarch::load::load_site(&repo_root())
        .site
        .expect("the example site loads");
    let text = std::fs::read_to_string(repo_root().join("tests/vectors/support.toml")).unwrap();
    let vectors: Vectors = toml::from_str(&text).unwrap();
    assert!(vectors.vector.len() >= 40, "at least 40 vectors");

    let mut failures = Vec::new();
    for vector in &vectors.vector {
        let verdict = verdict(&site, &vector.requirements);
        let rules: BTreeSet<String> = verdict.rules.iter().map(|r| r.id.clone()).collect();
        let undocumented: BTreeSet<String> = verdict
            .undocumented
            .iter()
            .map(|u| u.dimension.to_string())
            .collect();
        let got = (
            verdict.status.id().to_string(),
            rules,
            verdict.sizing.short().to_string(),
            undocumented,
        );
        let expected = (
            vector.expect.status.clone(),
            vector.expect.rules.clone(),
            vector.expect.size.clone(),
            vector.expect.undocumented.clone(),
        );
        if got != expected {
            failures.push(format!(
                "{}:\n  expected {expected:?}\n  got      {got:?}",
                vector.id
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} vectors failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn vector_ids_are_unique_and_every_status_is_covered() {
    let text = std::fs::read_to_string(repo_root().join("tests/vectors/support.toml")).unwrap();
    let vectors: Vectors = toml::from_str(&text).unwrap();
    let ids: BTreeSet<&str> = vectors.vector.iter().map(|v| v.id.as_str()).collect();
    assert_eq!(ids.len(), vectors.vector.len(), "duplicate vector ids");
    let statuses: BTreeSet<&str> = vectors
        .vector
        .iter()
        .map(|v| v.expect.status.as_str())
        .collect();
    for status in refarch::model::Status::ALL {
        assert!(statuses.contains(status.id()), "no vector expects {status}");
    }
}
