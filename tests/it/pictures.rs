//! The generated pictures in a real browser, in light and dark mode and in
//! print: each topology box and chart label must stay legible against what
//! is behind it, and screenshots are kept under `target/screenshots/` for a
//! person to look at.

use serde_json::{Value, json};

use crate::browser::{Browser, StaticServer};
use crate::site_test::{SiteTest, repo_root};

/// Contrast ratios (WCAG) of each drawn label against the fill behind it,
/// as `[label class, box class, ratio]`.
const CONTRASTS: &str = r#"(() => {
  const rgb = (color) => color.match(/[\d.]+/g).slice(0, 3).map(Number);
  const luminance = (color) => {
    const [r, g, b] = rgb(color).map((v) => {
      const c = v / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const ratio = (a, b) => {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
  const fill = (el) => getComputedStyle(el).fill;
  const out = [];
  for (const group of document.querySelectorAll("svg.topology g")) {
    const box = group.querySelector("rect");
    const text = group.querySelector("text");
    out.push([text.getAttribute("class"), box.getAttribute("class"), ratio(fill(text), fill(box))]);
  }
  const page = getComputedStyle(document.body).backgroundColor;
  for (const text of document.querySelectorAll("svg .chart-label, svg .chart-value, svg .topo-heading")) {
    out.push([text.getAttribute("class"), "page", ratio(fill(text), page)]);
  }
  return out;
})()"#;

fn assert_legible(browser: &mut Browser, page: &str, scheme: &str) {
    let contrasts = browser.eval(CONTRASTS);
    let contrasts = contrasts.as_array().expect("contrasts");
    assert!(!contrasts.is_empty(), "{page} draws labelled pictures");
    for entry in contrasts {
        let ratio = entry[2].as_f64().unwrap();
        assert!(
            ratio >= 4.5,
            "{} on {} in {scheme} mode on {page} has contrast {ratio:.2}, below 4.5",
            entry[0],
            entry[1]
        );
    }
}

#[test]
fn pictures_are_legible_in_light_and_dark_and_are_kept_as_screenshots() {
    let Some(mut browser) = Browser::launch() else {
        return;
    };
    let test = SiteTest::example();
    let out = test.build(&[]);
    let server = StaticServer::start(&out, "/");
    let shots = repo_root().join("target/screenshots");
    // Each page, and the picture on it a reviewer looks at first.
    let pages = [
        ("dashboard", "/", ".chart-figure"),
        (
            "engagement",
            "/engagements/quanta-freight/",
            ".topology-figure",
        ),
    ];
    let mut cluster_fills: Vec<Value> = Vec::new();
    for scheme in ["light", "dark"] {
        browser.emulate_media("screen", scheme);
        for (name, path, picture) in pages {
            browser.goto(&format!("{}{path}", server.base));
            assert_legible(&mut browser, path, scheme);
            let file = shots.join(format!("{name}-{scheme}.png"));
            browser.screenshot(&file);
            browser
                .screenshot_element(picture, &shots.join(format!("{name}-picture-{scheme}.png")));
            let png = std::fs::read(&file).unwrap();
            assert!(
                png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 10_000,
                "{} is a real picture",
                file.display()
            );
        }
        cluster_fills
            .push(browser.eval("getComputedStyle(document.querySelector('.topo-cluster')).fill"));
    }
    assert_ne!(
        cluster_fills[0],
        cluster_fills[1],
        "the diagram follows the colour scheme: {}",
        json!(cluster_fills)
    );
    // Printed by someone whose screen is dark: paper is white, ink black.
    browser.emulate_media("print", "dark");
    for (_, path, _) in pages {
        browser.goto(&format!("{}{path}", server.base));
        assert_legible(&mut browser, path, "print");
    }
    assert_eq!(
        browser.eval("getComputedStyle(document.querySelector('.topo-cluster')).fill"),
        json!("rgb(255, 255, 255)"),
        "the diagram prints on white"
    );
    browser.drain();
    assert!(browser.errors.is_empty(), "{:?}", browser.errors);
}
