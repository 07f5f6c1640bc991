//! `refarch schema`, and the schemas the example's `#:schema` comments use.

use crate::site_test::{SiteTest, repo_root};

const KINDS: [&str; 8] = [
    "site",
    "catalog",
    "releases",
    "support",
    "reference-architecture",
    "engagement",
    "front-matter",
    "requirements",
];

#[test]
fn committed_schemas_match_the_types() {
    let test = SiteTest::empty();
    let run = test.run(&[
        "schema",
        "--output",
        test.path().join("out").to_str().unwrap(),
    ]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    for kind in KINDS {
        let name = format!("{kind}.schema.json");
        let generated = test.read(&format!("out/{name}"));
        let committed = std::fs::read_to_string(repo_root().join("schemas").join(&name))
            .unwrap_or_else(|_| panic!("schemas/{name} is missing: run `cargo run -- schema`"));
        assert!(
            generated == committed,
            "schemas/{name} is stale: run `cargo run -- schema`"
        );
    }
}

#[test]
fn one_kind_prints_to_stdout() {
    let run = SiteTest::empty().run(&["schema", "engagement"]);
    assert_eq!(run.status, 0);
    let schema: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(schema["additionalProperties"], false);
    assert!(
        schema["required"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k == "customer")
    );
    assert_eq!(
        schema["$defs"]["EngagementStatus"]["oneOf"][1]["const"],
        "in-progress"
    );
}

#[test]
fn an_unknown_kind_lists_the_kinds() {
    let run = SiteTest::empty().run(&["schema", "engagment"]);
    assert_eq!(run.status, 1);
    assert!(
        run.stderr
            .contains("unknown kind `engagment`; the kinds are site, catalog"),
        "{}",
        run.stderr
    );
}

#[test]
fn every_example_data_file_names_its_schema() {
    let root = repo_root();
    let mut checked = 0;
    for (dir, prefix) in [
        ("data", "../schemas/"),
        ("data/reference-architectures", "../../schemas/"),
        ("data/engagements", "../../schemas/"),
    ] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "toml") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let first = text.lines().next().unwrap_or_default();
            let target = first
                .strip_prefix("#:schema ")
                .unwrap_or_else(|| panic!("{} does not start with #:schema", path.display()));
            assert!(target.starts_with(prefix), "{}: {target}", path.display());
            assert!(
                path.parent().unwrap().join(target).is_file(),
                "{}: {target} does not exist",
                path.display()
            );
            checked += 1;
        }
    }
    assert!(checked >= 17, "only {checked} data files");
}
