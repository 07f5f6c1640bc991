//! End to end in a real headless chromium: search, the theme toggle, the
//! engagement list's filters, and pages free of console errors.

use std::path::PathBuf;

use crate::browser::{Browser, StaticServer};
use crate::site_test::SiteTest;

/// Builds the example under `base` and serves it.
fn serve_example(base: &str) -> (SiteTest, StaticServer, PathBuf) {
    let test = SiteTest::example();
    let out = test.path().join("public");
    let run = test.run(&[
        "build",
        "--output",
        out.to_str().unwrap(),
        "--base-url",
        base,
    ]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    let server = StaticServer::start(&out, base);
    (test, server, out)
}

fn search_results(browser: &mut Browser, query: &str) -> Vec<String> {
    browser.eval("(() => { const i = document.querySelector('#search-input'); i.value = ''; i.dispatchEvent(new Event('input', {bubbles: true})); })()");
    browser.type_into("#search-input", query);
    browser.wait_for("document.querySelectorAll('#search-results a').length > 0");
    let links = browser.eval("Array.from(document.querySelectorAll('#search-results a')).map(a => a.getAttribute('href'))");
    links
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn search_finds_an_engagement_by_customer_and_by_instance_type() {
    let Some(mut browser) = Browser::launch() else {
        return;
    };
    let (_test, server, _) = serve_example("/refarch/");
    browser.goto(&format!("{}/refarch/", server.base));
    let by_name = search_results(&mut browser, "northwind");
    assert!(
        by_name.contains(&"/refarch/engagements/northwind-logistics/".to_string()),
        "{by_name:?}"
    );
    let by_instance = search_results(&mut browser, "m6i.4xlarge");
    assert!(
        by_instance.contains(&"/refarch/engagements/northwind-logistics/".to_string()),
        "{by_instance:?}"
    );
    assert!(browser.errors.is_empty(), "{:?}", browser.errors);
}

#[test]
fn the_dark_theme_choice_persists_across_pages() {
    let Some(mut browser) = Browser::launch() else {
        return;
    };
    let (_test, server, _) = serve_example("/");
    browser.goto(&format!("{}/", server.base));
    let before = browser.eval("getComputedStyle(document.body).backgroundColor");
    browser.eval("document.querySelector('#theme-toggle').click()");
    let chosen = browser.eval("document.documentElement.dataset.theme");
    assert!(chosen == "dark" || chosen == "light");
    let after = browser.eval("getComputedStyle(document.body).backgroundColor");
    assert_ne!(before, after, "the page changes colour");
    browser.goto(&format!("{}/support/", server.base));
    assert_eq!(
        browser.eval("document.documentElement.dataset.theme"),
        chosen
    );
    assert_eq!(
        browser.eval("document.querySelector('#theme-toggle').getAttribute('aria-pressed')"),
        if chosen == "dark" { "true" } else { "false" }
    );
}

#[test]
fn the_engagement_list_filters_by_query_and_by_column() {
    let Some(mut browser) = Browser::launch() else {
        return;
    };
    let (test, server, _) = serve_example("/");
    let helm = std::fs::read_dir(test.path().join("data/engagements"))
        .unwrap()
        .flatten()
        .filter(|e| {
            std::fs::read_to_string(e.path())
                .unwrap()
                .contains("\nmethod = \"helm\"\nprovider")
        })
        .count();
    browser.goto(&format!("{}/engagements/?method=helm", server.base));
    browser
        .wait_for("document.querySelector('select[data-filter-column=method]').value === 'helm'");
    let visible = "document.querySelectorAll('#engagement-table tbody tr:not([hidden])').length";
    assert_eq!(
        browser.eval(visible),
        helm,
        "the query string filters on load"
    );
    browser.eval("(() => { const s = document.querySelector('select[data-filter-column=method]'); s.value = ''; s.dispatchEvent(new Event('change', {bubbles: true})); })()");
    assert_eq!(browser.eval(visible), 10);
    browser.type_into("input[data-filter-table=engagement-table]", "Northwind");
    browser.wait_for(
        "document.querySelectorAll('#engagement-table tbody tr:not([hidden])').length === 1",
    );
    // The address follows the filter, so the filtered list can be shared.
    browser.wait_for("location.search.includes('Northwind')");
}

#[test]
fn no_page_logs_an_error() {
    let Some(mut browser) = Browser::launch() else {
        return;
    };
    let (_test, server, out) = serve_example("/refarch/");
    let mut pages = Vec::new();
    let mut pending = vec![out.clone()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.file_name().unwrap() == "index.html" {
                let relative = path
                    .parent()
                    .unwrap()
                    .strip_prefix(&out)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                pages.push(if relative.is_empty() {
                    String::new()
                } else {
                    format!("{relative}/")
                });
            }
        }
    }
    assert!(pages.len() > 20);
    for page in &pages {
        browser.goto(&format!("{}/refarch/{page}", server.base));
        browser.drain();
        assert!(browser.errors.is_empty(), "{page}: {:?}", browser.errors);
    }
}
