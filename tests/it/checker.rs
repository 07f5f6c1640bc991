//! The browser's support checker against the Rust engine: the shared test
//! vectors, and thousands of random requirement sets drawn from the example
//! catalog, must get the same verdicts from both.

use std::collections::BTreeSet;

use refarch::analysis::requirements::{ExternalVersion, Requirements};
use refarch::analysis::support::verdict;
use serde_json::Value;

use crate::browser::{Browser, StaticServer};
use crate::random::Random;
use crate::site_test::{SiteTest, repo_root};

/// Opens the built example's support page with the checker engine loaded
/// and its data fetched into `window.data`.
fn checker_page() -> Option<(Browser, SiteTest, StaticServer)> {
    let mut browser = Browser::launch()?;
    let test = SiteTest::example();
    let out = test.build(&[]);
    let server = StaticServer::start(&out, "/");
    browser.goto(&format!("{}/support/", server.base));
    browser.wait_for("window.refarchChecker !== undefined");
    browser.eval("fetch('/support/support.json').then(r => r.json()).then(d => { window.data = d; return true; })");
    Some((browser, test, server))
}

fn js_verdicts(browser: &mut Browser, requirements: &[Value]) -> Vec<Value> {
    let list = serde_json::to_string(requirements).unwrap();
    let result = browser.eval(&format!(
        "{list}.map(r => window.refarchChecker.verdict(window.data, r))"
    ));
    result.as_array().unwrap().clone()
}

#[test]
fn the_browser_engine_passes_every_shared_vector() {
    let Some((mut browser, _test, _server)) = checker_page() else {
        return;
    };
    let text = std::fs::read_to_string(repo_root().join("tests/vectors/support.toml")).unwrap();
    let vectors: toml::Table = toml::from_str(&text).unwrap();
    let vectors = vectors["vector"].as_array().unwrap();
    let requirements: Vec<Value> = vectors
        .iter()
        .map(|v| serde_json::to_value(&v["requirements"]).unwrap())
        .collect();
    let verdicts = js_verdicts(&mut browser, &requirements);
    let mut failures = Vec::new();
    for (vector, got) in vectors.iter().zip(&verdicts) {
        let expect = &vector["expect"];
        let rules: BTreeSet<String> = got["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect();
        let expected_rules: BTreeSet<String> = expect["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap().to_string())
            .collect();
        let undocumented: BTreeSet<String> = got["undocumented"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["dimension"].as_str().unwrap().to_string())
            .collect();
        let expected_undocumented: BTreeSet<String> = expect["undocumented"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u.as_str().unwrap().to_string())
            .collect();
        let size = match got["sizing"]["result"].as_str().unwrap() {
            "fits" => got["sizing"]["size"].as_str().unwrap().to_string(),
            "contact-support" => "contact-support".to_string(),
            _ => "none".to_string(),
        };
        let same = got["status"].as_str() == expect["status"].as_str()
            && rules == expected_rules
            && size == expect["size"].as_str().unwrap()
            && undocumented == expected_undocumented;
        if !same {
            failures.push(format!("{}: got {got}", vector["id"]));
        }
    }
    assert!(
        failures.is_empty(),
        "{} vectors differ in the browser:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(browser.errors.is_empty(), "{:?}", browser.errors);
}

#[test]
fn random_requirement_sets_get_identical_verdicts_in_both_engines() {
    let Some((mut browser, _test, _server)) = checker_page() else {
        return;
    };
    let site = refarch::load::load_site(&repo_root()).site.unwrap();
    let ids = |list: Vec<String>| list;
    let c = &site.catalog;
    let methods = ids(c.method.iter().map(|e| e.id.to_string()).collect());
    let providers = ids(c.provider.iter().map(|e| e.id.to_string()).collect());
    let environments = ids(c.environment.iter().map(|e| e.id.to_string()).collect());
    let archs = ids(c.arch.iter().map(|e| e.id.to_string()).collect());
    let executors = ids(c.executor.iter().map(|e| e.id.to_string()).collect());
    let features = ids(c.feature.iter().map(|e| e.id.to_string()).collect());
    let mut releases: Vec<String> = site
        .releases
        .minors()
        .iter()
        .map(ToString::to_string)
        .collect();
    releases.extend(["4.4", "7.6.1234", "6.0.2687", "8.0"].map(String::from));
    let kubernetes: Vec<String> = (15..=38).map(|minor| format!("1.{minor}")).collect();
    let postgres: Vec<String> = (9..=18)
        .map(|v| v.to_string())
        .chain(["15.4".to_string()])
        .collect();

    let mut random = Random(0x5eed_cafe_f00d);
    let mut sets: Vec<Requirements> = Vec::new();
    for _ in 0..3000 {
        let mut r = Requirements::default();
        if random.chance(70) {
            r.method = random.pick(&methods).parse().ok();
        }
        if random.chance(60) {
            r.provider = random.pick(&providers).parse().ok();
        }
        if random.chance(50) {
            r.environment = random.pick(&environments).parse().ok();
        }
        if random.chance(40) {
            r.arch = random.pick(&archs).parse().ok();
        }
        if random.chance(25) {
            r.executor = random.pick(&executors).parse().ok();
        }
        if random.chance(50) {
            r.release = random.pick(&releases).parse().ok();
        }
        if random.chance(40) {
            r.kubernetes = random.pick(&kubernetes).parse().ok();
        }
        for _ in 0..random.below(3) {
            r.feature.insert(random.pick(&features).parse().unwrap());
        }
        if random.chance(35) {
            r.external.insert(
                "postgres".parse().unwrap(),
                ExternalVersion::Version(random.pick(&postgres).parse().unwrap()),
            );
        }
        if random.chance(20) {
            r.external.insert(
                "redis".parse().unwrap(),
                ExternalVersion::Version("7".parse().unwrap()),
            );
        }
        if random.chance(20) {
            r.external.insert(
                "object-storage".parse().unwrap(),
                ExternalVersion::Unversioned(true),
            );
        }
        let around = |random: &mut Random, limits: &[u64]| -> u64 {
            let limit = limits[random.below(limits.len())];
            match random.below(3) {
                0 => limit,
                1 => limit + 1,
                _ => limit / 2,
            }
        };
        if random.chance(50) {
            r.users = Some(around(&mut random, &[500, 1000, 5000, 10000, 20000]));
        }
        if random.chance(40) {
            r.repositories = Some(around(&mut random, &[5000, 10000, 50000, 100000, 250000]));
        }
        if random.chance(20) {
            r.largest_repo_mb = Some(around(&mut random, &[2000, 4000, 8000, 15000, 20000]));
        }
        if random.chance(20) {
            r.monorepos = Some(around(&mut random, &[0, 1, 3, 6, 10]));
        }
        sets.push(r);
    }
    let requirements: Vec<Value> = sets
        .iter()
        .map(|r| serde_json::to_value(r).unwrap())
        .collect();
    let mut disagreements = Vec::new();
    for (chunk, rust_chunk) in requirements.chunks(500).zip(sets.chunks(500)) {
        let verdicts = js_verdicts(&mut browser, chunk);
        for ((json_requirements, r), js) in chunk.iter().zip(rust_chunk).zip(verdicts) {
            let rust = serde_json::to_value(verdict(&site, r)).unwrap();
            if rust != js {
                disagreements.push(format!("{json_requirements}\n  rust {rust}\n  js   {js}"));
            }
        }
    }
    assert!(
        disagreements.is_empty(),
        "{} of {} differ, first:\n{}",
        disagreements.len(),
        sets.len(),
        disagreements
            .iter()
            .take(3)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    let statuses: BTreeSet<&str> = sets.iter().map(|r| verdict(&site, r).status.id()).collect();
    assert!(
        statuses.len() >= 7,
        "the random sets reach most statuses: {statuses:?}"
    );
}

#[test]
fn the_form_gives_a_verdict_keeps_it_in_the_address_and_copies_the_command() {
    let Some((mut browser, test, server)) = checker_page() else {
        return;
    };
    browser.wait_for("document.querySelector('#checker-result .status') !== null");
    assert_eq!(
        browser.eval("document.getElementById('checker').hidden"),
        false
    );
    // The defaults: production on the latest release.
    assert!(
        browser
            .eval("location.search")
            .as_str()
            .unwrap()
            .contains("environment=prod")
    );
    let set = |browser: &mut Browser, id: &str, value: &str| {
        browser.eval(&format!(
            "(() => {{ const e = document.getElementById('{id}'); e.value = '{value}'; e.dispatchEvent(new Event('change', {{bubbles: true}})); }})()"
        ));
    };
    set(&mut browser, "checker-method", "kustomize");
    set(&mut browser, "checker-provider", "azure");
    set(&mut browser, "checker-arch", "arm64");
    set(&mut browser, "checker-external-postgres", "14");
    set(&mut browser, "checker-users", "8000");
    browser.wait_for("document.querySelector('#checker-result .checker-status .status').textContent === 'Incompatible'");
    let text = browser.eval("document.getElementById('checker-result').textContent");
    let text = text.as_str().unwrap();
    assert!(text.contains("Large"), "the fitting size is named: {text}");
    assert!(text.contains("exception process"), "{text}");
    assert!(text.contains("arch: amd64"), "the alternative: {text}");
    assert_eq!(
        browser.eval(
            "document.querySelector('#checker-result a[href=\"#rule-arm64-production\"]') !== null"
        ),
        true
    );
    assert_eq!(browser.eval("document.querySelector('#checker-result a[href=\"/reference-architectures/l/\"]') !== null"), true);

    // The address holds the requirements: a reload shows the same verdict.
    let query = browser
        .eval("location.search")
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        query.contains("method=kustomize") && query.contains("external=postgres%3D14"),
        "{query}"
    );
    browser.goto(&format!("{}/support/{query}", server.base));
    browser.wait_for("document.querySelector('#checker-result .checker-status .status') !== null");
    assert_eq!(
        browser.eval("document.getElementById('checker-method').value"),
        "kustomize"
    );
    assert_eq!(
        browser
            .eval("document.querySelector('#checker-result .checker-status .status').textContent"),
        "Incompatible"
    );

    // The command it offers gives the same answer on the command line.
    let command = browser.eval("document.getElementById('checker-command').textContent");
    let command = command.as_str().unwrap();
    let words: Vec<&str> = command
        .trim_start_matches("refarch support ")
        .split_whitespace()
        .collect();
    let mut args = vec!["support", "--format", "json"];
    args.extend(words.iter().map(|w| w.trim_matches('\'')));
    let run = test.run(&args);
    assert_eq!(run.status, 4, "{command}: {}", run.stderr);
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["status"], "incompatible");
    assert_eq!(
        json["command"], command,
        "both engines print the same command line"
    );
    assert!(browser.errors.is_empty(), "{:?}", browser.errors);
}

#[test]
fn an_engagement_page_opens_the_checker_with_its_configuration() {
    let Some((mut browser, _test, server)) = checker_page() else {
        return;
    };
    browser.goto(&format!("{}/engagements/sable-aerospace/", server.base));
    let href =
        browser.eval("document.querySelector('a[href*=\"/support/?\"]').getAttribute('href')");
    browser.goto(&format!("{}{}", server.base, href.as_str().unwrap()));
    browser.wait_for("document.querySelector('#checker-result .checker-status .status') !== null");
    assert_eq!(
        browser.eval("document.getElementById('checker-arch').value"),
        "arm64"
    );
    assert_eq!(
        browser
            .eval("document.querySelector('#checker-result .checker-status .status').textContent"),
        "Unsupported"
    );
}
