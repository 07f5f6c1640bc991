//! The repository's own example site is part of the product: it must pass
//! `check` with no errors and exercise what the teams rely on.

use serde_json::Value;

use crate::site_test::SiteTest;

#[test]
fn the_example_site_passes_check_without_errors() {
    let (status, report) = SiteTest::example().check_json();
    assert_eq!(status, 0, "{report:#}");
    assert_eq!(report["errors"], 0);
}

#[test]
fn the_example_shows_its_warnings_with_file_and_line() {
    let (_, report) = SiteTest::example().check_json();
    for diagnostic in report["diagnostics"].as_array().unwrap() {
        assert_eq!(diagnostic["severity"], "warning");
        assert!(
            diagnostic["file"].as_str().unwrap().starts_with("data/"),
            "{diagnostic}"
        );
        assert!(diagnostic["line"].as_u64().unwrap() > 0, "{diagnostic}");
        assert!(diagnostic["help"].is_string(), "{diagnostic}");
    }
}

#[test]
fn the_example_is_realistic_in_size() {
    let test = SiteTest::example();
    let count = |dir: &str| std::fs::read_dir(test.path().join(dir)).unwrap().count();
    assert!(count("data/engagements") >= 8);
    assert_eq!(count("data/reference-architectures"), 5);
    let releases: Value = toml::from_str::<Value>(&test.read("data/releases.toml")).unwrap();
    let versions: Vec<&str> = releases["release"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["version"].as_str().unwrap())
        .collect();
    assert_eq!(versions.first(), Some(&"5.0"));
    assert_eq!(versions.last(), Some(&"7.6"));
}
