//! Real checkers on the built site: the W3C Nu HTML checker (vnu) for valid
//! HTML5, and axe-core in chromium for WCAG 2.1 AA, in both themes.
//!
//! `.ci/run` installs both from npm into `.ci/tools` (pinned versions); on
//! a developer's machine the tests skip when the tools are absent, under
//! `CI=true` they fail.

use std::path::PathBuf;
use std::process::Command;

use crate::browser::{Browser, StaticServer};
use crate::site_test::{SiteTest, repo_root};

/// The directory holding `node_modules/` with vnu-jar and axe-core.
fn tools() -> Option<PathBuf> {
    let dir = std::env::var_os("REFARCH_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join(".ci/tools"));
    if dir.join("node_modules").is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{} is missing; .ci/run installs it",
        dir.display()
    );
    eprintln!("skipping: no checkers in {}", dir.display());
    None
}

#[test]
fn every_page_is_valid_html5() {
    let Some(tools) = tools() else { return };
    let vnu = tools.join("node_modules/vnu-jar/build/dist/vnu.jar");
    let example = SiteTest::example();
    let hostile = SiteTest::bad("hostile");
    let sites = [
        example.build(&[]),
        example.build(&["--profile", "publish"]),
        hostile.build(&[]),
    ];
    let output = Command::new("java")
        .arg("-jar")
        .arg(&vnu)
        .args(["--errors-only", "--format", "text", "--skip-non-html"])
        .args(&sites)
        .output()
        .expect("java runs");
    let report = String::from_utf8_lossy(&output.stderr).into_owned()
        + &String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the Nu checker found errors:\n{report}"
    );
}

#[test]
fn every_page_meets_wcag_2_1_aa_in_both_themes() {
    let Some(tools) = tools() else { return };
    let Some(mut browser) = Browser::launch() else {
        return;
    };
    let axe = std::fs::read_to_string(tools.join("node_modules/axe-core/axe.min.js")).unwrap();
    let test = SiteTest::example();
    let out = test.build(&[]);
    let server = StaticServer::start(&out, "/");
    let mut pages = vec![String::new()];
    for dir in [
        "support/",
        "reference-architectures/",
        "reference-architectures/m/",
        "engagements/",
        "releases/",
        "search/",
        "guide/upgrades/",
    ] {
        pages.push(dir.to_string());
    }
    for entry in std::fs::read_dir(test.path().join("data/engagements"))
        .unwrap()
        .flatten()
    {
        pages.push(format!(
            "engagements/{}/",
            entry.path().file_stem().unwrap().to_string_lossy()
        ));
    }
    let mut failures = Vec::new();
    for theme in ["light", "dark"] {
        browser.goto(&format!("{}/", server.base));
        browser.eval(&format!("localStorage.setItem('refarch-theme', '{theme}')"));
        for page in &pages {
            browser.goto(&format!("{}/{page}", server.base));
            if page == "support/" {
                // Check the checker's form and result too, once built.
                browser.wait_for("document.querySelector('#checker-result .status') !== null");
            }
            browser.eval(&axe);
            let violations = browser.eval(
                "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
                   .then(r => r.violations.map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')))",
            );
            for violation in violations.as_array().unwrap() {
                failures.push(format!("{theme} /{page}: {}", violation.as_str().unwrap()));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} accessibility violations:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
