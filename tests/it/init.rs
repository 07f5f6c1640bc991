//! `refarch init`: a new, valid site from the embedded example.

use crate::site_test::{SiteTest, repo_root};

#[test]
fn init_writes_the_example_and_it_passes_check() {
    let test = SiteTest::empty();
    let target = test.path().join("new-site");
    let run = test.run(&["init", target.to_str().unwrap()]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("created a refarch site in"),
        "{}",
        run.stderr
    );
    for relative in [
        "data/site.toml",
        "data/catalog.toml",
        "schemas/engagement.schema.json",
    ] {
        let written = std::fs::read(target.join(relative)).unwrap();
        let original = std::fs::read(repo_root().join(relative)).unwrap();
        assert_eq!(written, original, "{relative} differs from the example");
    }
    let check = std::process::Command::new(env!("CARGO_BIN_EXE_refarch"))
        .args(["--root", target.to_str().unwrap(), "check"])
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
}

#[test]
fn init_refuses_a_non_empty_directory_and_writes_nothing() {
    let test = SiteTest::empty();
    test.write("notes.txt", "keep me");
    let run = test.run(&["init", test.path().to_str().unwrap()]);
    assert_eq!(run.status, 1);
    assert!(
        run.stderr
            .contains("is not empty; `refarch init` only writes into an empty or new directory"),
        "{}",
        run.stderr
    );
    assert!(!test.path().join("data").exists());
    assert_eq!(test.read("notes.txt"), "keep me");
}
