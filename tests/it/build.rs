//! `refarch build`: every page, links under a base path, profiles that
//! leave confidential customers out of everything, escaping, atomic output.

use std::path::Path;

use crate::site_test::{SiteTest, files_under, repo_root};

fn read(dir: &Path, relative: &str) -> String {
    std::fs::read_to_string(dir.join(relative)).unwrap_or_else(|e| panic!("{relative}: {e}"))
}

/// Every `href="…"` and `src="…"` value of a tag in `html` (text that
/// shows such an attribute, in a code span, is not a link).
fn links(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for tag in html
        .split('<')
        .skip(1)
        .filter_map(|rest| rest.split_once('>'))
    {
        for attribute in [" href=\"", " src=\""] {
            let mut rest = tag.0;
            while let Some(start) = rest.find(attribute) {
                rest = &rest[start + attribute.len()..];
                let end = rest.find('"').unwrap();
                found.push(rest[..end].replace("&amp;", "&"));
                rest = &rest[end..];
            }
        }
    }
    found
}

#[test]
fn the_example_builds_every_page_and_export() {
    let test = SiteTest::example();
    let out = test.build(&[]);
    let written = files_under(&out);
    let mut expected = vec![
        "index.html",
        "404.html",
        "sitemap.xml",
        "robots.txt",
        "fleet.csv",
        "support/index.html",
        "support/support.json",
        "reference-architectures/index.html",
        "engagements/index.html",
        "releases/index.html",
        "search/index.html",
        "search/manifest.json",
        "search/meta/0.json",
        "static/style.css",
        "static/highlight.css",
        "static/search.js",
        "guide/exception-process/index.html",
        "policies/single-container-deprecation/index.html",
    ]
    .into_iter()
    .map(str::to_string)
    .collect::<Vec<_>>();
    for size in ["xs", "s", "m", "l", "xl"] {
        expected.push(format!("reference-architectures/{size}/index.html"));
    }
    for entry in std::fs::read_dir(test.path().join("data/engagements"))
        .unwrap()
        .flatten()
    {
        let id = entry
            .path()
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        expected.push(format!("engagements/{id}/index.html"));
        expected.push(format!("engagements/{id}.json"));
    }
    for file in &expected {
        assert!(written.contains(file), "{file} was not written");
    }
    assert!(
        !written
            .iter()
            .any(|f| f.starts_with("engagements/northwind-logistics.md")),
        "companion prose is not a page"
    );
}

#[test]
fn every_internal_link_resolves_under_a_base_path() {
    let test = SiteTest::example();
    let out = test.build(&["--base-url", "/refarch/"]);
    let mut checked = 0;
    for file in files_under(&out).iter().filter(|f| f.ends_with(".html")) {
        let html = read(&out, file);
        for link in links(&html) {
            if link.starts_with("https://")
                || link.starts_with("http://")
                || link.starts_with("mailto:")
                || link.starts_with('#')
            {
                continue;
            }
            assert!(
                link.starts_with("/refarch/"),
                "{file}: {link} is not under the base path"
            );
            let path = link
                .trim_start_matches("/refarch/")
                .split(['#', '?'])
                .next()
                .unwrap();
            let target = if path.is_empty() || path.ends_with('/') {
                format!("{path}index.html")
            } else {
                path.to_string()
            };
            assert!(
                out.join(&target).is_file(),
                "{file}: {link} points at nothing ({target})"
            );
            checked += 1;
        }
    }
    assert!(checked > 500, "only {checked} links checked");
    assert!(
        read(&out, "index.html").contains("<meta name=\"refarch-base\" content=\"/refarch/\">")
    );
}

#[test]
fn the_publish_profile_leaves_confidential_customers_out_of_everything() {
    let test = SiteTest::example();
    let confidential: Vec<(String, String)> =
        std::fs::read_dir(test.path().join("data/engagements"))
            .unwrap()
            .flatten()
            .filter_map(|entry| {
                let text = std::fs::read_to_string(entry.path()).unwrap();
                let value: toml::Table = toml::from_str(&text).unwrap();
                (value.get("confidential").and_then(|c| c.as_bool()) == Some(true)).then(|| {
                    (
                        value["id"].as_str().unwrap().to_string(),
                        value["customer"].as_str().unwrap().to_string(),
                    )
                })
            })
            .collect();
    assert!(
        !confidential.is_empty(),
        "the example has confidential engagements"
    );
    let out = test.build(&["--profile", "publish"]);
    for file in files_under(&out) {
        let text = String::from_utf8_lossy(&std::fs::read(out.join(&file)).unwrap()).into_owned();
        for (id, customer) in &confidential {
            assert!(!text.contains(customer.as_str()), "{file} names {customer}");
            assert!(!text.contains(id.as_str()), "{file} mentions {id}");
        }
    }
    let index = read(&out, "index.html");
    assert!(index.contains("profile <code>publish</code>"));
    assert!(
        read(&out, "index.html").contains("/refarch/static/style.css"),
        "the profile's base URL applies"
    );
}

#[test]
fn an_unknown_profile_is_refused() {
    let test = SiteTest::example();
    let run = test.run(&[
        "build",
        "--profile",
        "publsh",
        "--output",
        test.path().join("public").to_str().unwrap(),
    ]);
    assert_eq!(run.status, 1);
    assert!(
        run.stderr.contains("unknown build profile `publsh`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("the profiles in data/site.toml are: internal, publish"),
        "{}",
        run.stderr
    );
    assert!(!test.path().join("public").exists());
}

#[test]
fn a_failed_build_keeps_the_previous_site() {
    let test = SiteTest::minimal();
    let out = test.build(&[]);
    let before = files_under(&out);
    let home = read(&out, "index.html");
    let engagement = test.read("data/engagements/acme.toml");
    test.write(
        "data/engagements/acme.toml",
        engagement.replace("method = \"helm\"", "method = \"helmm\""),
    );
    let run = test.run(&["build", "--output", out.to_str().unwrap()]);
    assert_eq!(run.status, 1);
    assert!(run.stderr.contains("nothing was written"), "{}", run.stderr);
    assert_eq!(files_under(&out), before);
    assert_eq!(read(&out, "index.html"), home);
    let siblings: Vec<_> = std::fs::read_dir(test.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !siblings.iter().any(|name| name.starts_with(".refarch-")),
        "no temporary directory left: {siblings:?}"
    );
}

#[test]
fn hostile_strings_produce_no_executable_markup() {
    let test = SiteTest::bad("hostile");
    let out = test.build(&[]);
    for file in files_under(&out) {
        let text = String::from_utf8_lossy(&std::fs::read(out.join(&file)).unwrap()).into_owned();
        if file.ends_with(".html") {
            crate::hostile::assert_no_active_markup(&file, &text);
        }
    }
    let page = read(&out, "engagements/acme/index.html");
    assert!(
        page.contains("{{ 7*7 }}"),
        "template syntax in data is shown, not run"
    );
    assert!(!page.contains(">49<"));
    assert!(page.contains("&lt;script&gt;alert(&#39;customer&#39;)&lt;/script&gt;"));
    let guide = read(&out, "guide/hostile/index.html");
    assert!(
        guide.contains("&lt;script&gt;alert('raw')&lt;/script&gt;"),
        "raw HTML in Markdown is text"
    );
    let csv = read(&out, "fleet.csv");
    assert!(csv.contains("\"'=HYPERLINK("), "{csv}");
    let json: serde_json::Value =
        serde_json::from_str(&read(&out, "engagements/acme.json")).unwrap();
    assert!(
        json["engagement"]["customer"]
            .as_str()
            .unwrap()
            .starts_with("=HYPERLINK"),
        "JSON keeps the value as data"
    );
}

/// The pages whose index entry for `term` scores it, in document order:
/// the search index read as `search.js` reads it. The shard of a term is
/// named by its longest listed prefix; postings are (document delta,
/// score) pairs.
fn search_lookup(out: &std::path::Path, term: &str) -> Vec<String> {
    let manifest: serde_json::Value =
        serde_json::from_str(&read(out, "search/manifest.json")).unwrap();
    let size = manifest["meta_shard_size"].as_u64().unwrap() as usize;
    let docs = manifest["docs"].as_u64().unwrap() as usize;
    let meta: Vec<serde_json::Value> = (0..docs.div_ceil(size))
        .flat_map(|k| {
            let shard: serde_json::Value =
                serde_json::from_str(&read(out, &format!("search/meta/{k}.json"))).unwrap();
            shard.as_array().unwrap().clone()
        })
        .collect();
    assert_eq!(docs, meta.len());
    let key = manifest["shards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s[0].as_str().unwrap())
        .filter(|k| term.starts_with(k))
        .max_by_key(|k| k.len())
        .expect("a shard for the term");
    let shard: serde_json::Value =
        serde_json::from_str(&read(out, &format!("search/idx/{key}.json"))).unwrap();
    let flat: Vec<usize> = shard[term]
        .as_array()
        .map(|p| p.iter().map(|n| n.as_u64().unwrap() as usize).collect())
        .unwrap_or_default();
    let mut doc = 0;
    flat.chunks(2)
        .map(|pair| {
            doc += pair[0];
            meta[doc][0].as_str().unwrap().to_string()
        })
        .collect()
}

#[test]
fn the_search_index_finds_customers_and_instance_types() {
    let test = SiteTest::example();
    let out = test.build(&[]);
    let lookup = |term: &str| search_lookup(&out, term);
    assert!(lookup("northwind").contains(&"engagements/northwind-logistics/".to_string()));
    assert!(
        !lookup("northwind").contains(&"engagements/".to_string()),
        "the engagement list's rows are left out: each has its own page"
    );
    assert!(
        lookup("m6i").contains(&"engagements/northwind-logistics/".to_string()),
        "{:?}",
        lookup("m6i")
    );
}

/// The entry of the main navigation a page marks as current: the one
/// for its part of the site, and none for a page outside all of them.
#[test]
fn the_main_navigation_marks_the_part_of_the_site_a_page_is_in() {
    let test = SiteTest::example();
    let out = test.build(&[]);
    let current = |page: &str| current_links(&read(&out, page), "site-nav");
    assert_eq!(current("index.html"), ["Fleet"]);
    assert_eq!(
        current("engagements/northwind-logistics/index.html"),
        ["Engagements"]
    );
    assert_eq!(current("guide/getting-started/index.html"), ["Guides"]);
    assert_eq!(
        current("policies/single-container-deprecation/index.html"),
        Vec::<String>::new(),
        "a content page outside the guide belongs to no part the navigation names"
    );
    assert_eq!(current("search/index.html"), Vec::<String>::new());
}

/// The navigation `<nav class="{class}…">` of `html`, up to its `</nav>`.
fn nav_in<'a>(html: &'a str, class: &str) -> &'a str {
    let start = html
        .find(&format!("<nav class=\"{class}"))
        .unwrap_or_else(|| panic!("a {class} navigation"));
    &html[start..start + html[start..].find("</nav>").unwrap()]
}

/// The links of the navigation `<nav class="{class}…">` in `html` marked
/// as the current page, by their text.
fn current_links(html: &str, class: &str) -> Vec<String> {
    nav_in(html, class)
        .split("<li>")
        .filter(|item| item.contains("aria-current=\"page\""))
        .map(|item| item[item.find('>').unwrap() + 1..item.find("</a>").unwrap()].to_string())
        .collect()
}

/// Each link of the section navigation beside a content page is rendered
/// once per build and shared by the pages around it: every page still
/// marks itself, and only itself, as current, and the others link to
/// their pages under the base path.
#[test]
fn the_section_navigation_marks_each_page_itself() {
    let test = SiteTest::example();
    let out = test.build(&["--base-url", "/refarch/"]);
    let guide: Vec<String> = std::fs::read_dir(out.join("guide"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(guide.len() > 3, "{guide:?}");
    for name in &guide {
        let html = read(&out, &format!("guide/{name}/index.html"));
        let title = &html[html.find("<h1>").unwrap() + 4..html.find("</h1>").unwrap()];
        assert_eq!(
            current_links(&html, "section-nav"),
            [title],
            "guide/{name}/"
        );
        let nav = nav_in(&html, "section-nav");
        for other in guide.iter().filter(|other| *other != name) {
            assert!(
                nav.contains(&format!("<a href=\"/refarch/guide/{other}/\">")),
                "guide/{name}/ links to guide/{other}/: {nav}"
            );
        }
    }
}

#[test]
fn exports_have_their_shapes() {
    let test = SiteTest::example();
    let out = test.build(&[]);
    let support: serde_json::Value =
        serde_json::from_str(&read(&out, "support/support.json")).unwrap();
    assert_eq!(support["statuses"].as_array().unwrap().len(), 9);
    assert_eq!(support["statuses"][0]["id"], "recommended");
    assert_eq!(support["rules"].as_array().unwrap().len(), 59);
    assert_eq!(support["rules"][0]["id"], "single-container-production");
    assert_eq!(support["sizes"][0]["limits"]["users"], 500);
    assert!(support["exception"]["questions"].as_array().unwrap().len() == 5);
    let csv = read(&out, "fleet.csv");
    let mut lines = csv.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("id,customer,status,strategy,method,provider")
    );
    assert_eq!(lines.count(), 10);
    let engagement: serde_json::Value =
        serde_json::from_str(&read(&out, "engagements/northwind-logistics.json")).unwrap();
    assert_eq!(engagement["engagement"]["id"], "northwind-logistics");
    assert!(engagement["derived"]["total_vcpu"].as_u64().unwrap() > 0);
    assert!(engagement["analysis"]["deviations"].is_array());
}

#[test]
fn a_site_theme_overrides_templates_and_static_files_one_by_one() {
    let test = SiteTest::minimal();
    test.write(
        "themes/default/templates/404.html",
        "{% extends \"base.html\" %}{% block content %}<h1>Lost at {{ site.title }}</h1>{% endblock %}",
    );
    test.write(
        "themes/default/static/style.css",
        "body { color: black; }\n",
    );
    let out = test.build(&[]);
    assert!(read(&out, "404.html").contains("<h1>Lost at Fixture site</h1>"));
    assert_eq!(read(&out, "static/style.css"), "body { color: black; }\n");
    assert!(
        read(&out, "index.html").contains("The fleet at a glance"),
        "other templates stay built in"
    );
    assert!(
        read(&out, "static/search.js").contains("refarch-base"),
        "other static files stay built in"
    );
}

#[test]
fn a_broken_template_fails_the_build_at_its_line_and_keeps_the_old_site() {
    let test = SiteTest::minimal();
    let out = test.build(&[]);
    test.write("themes/default/templates/404.html", "{% extends \"base.html\" %}\n{% block content %}\n{{ page.title | nosuchfilter }}\n{% endblock %}\n");
    let run = test.run(&["build", "--output", out.to_str().unwrap()]);
    assert_eq!(run.status, 1);
    assert!(
        run.stderr.contains("error[E060]: template 404.html:"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("themes/default/templates/404.html:3"),
        "{}",
        run.stderr
    );
    assert!(
        read(&out, "404.html").contains("Page not found"),
        "the previous site stays"
    );
}

/// A template mistake that every page of a kind trips over is reported
/// once, with the number of pages, not once per page.
#[test]
fn a_template_error_on_every_page_is_reported_once() {
    let test = SiteTest::minimal();
    write_runbooks(&test, 5, |_| "Body.\n".to_string());
    let page =
        std::fs::read_to_string(repo_root().join("themes/default/templates/page.html")).unwrap();
    test.write(
        "themes/default/templates/page.html",
        page.replace("{{ page.title }}", "{{ page.title | nosuchfilter }}"),
    );
    let run = test.run(&["build"]);
    assert_eq!(run.status, 1);
    assert_eq!(
        run.stderr.matches("error[E060]").count(),
        1,
        "{}",
        run.stderr
    );
    // The five runbooks and the minimal site's own content pages.
    let pages: usize = run
        .stderr
        .split("(on ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|count| count.parse().ok())
        .unwrap_or_else(|| panic!("says on how many pages: {}", run.stderr));
    assert!(pages > 5, "{}", run.stderr);
    assert!(
        run.stderr.contains("build failed: 1 error"),
        "{}",
        run.stderr
    );
}

#[test]
fn the_dashboard_charts_link_every_bar_and_print_its_number() {
    let test = SiteTest::example();
    let out = test.build(&["--base-url", "/refarch/"]);
    let home = read(&out, "index.html");
    for chart in [
        "chart-method",
        "chart-provider",
        "chart-size",
        "chart-release",
        "chart-progress",
    ] {
        assert!(
            home.contains(&format!("aria-labelledby=\"{chart}-title {chart}-desc\"")),
            "{chart} is drawn"
        );
    }
    assert!(
        home.contains("<a href=\"/refarch/engagements/?method=helm\">"),
        "bars link to the engagements behind them"
    );
    assert!(
        home.contains("(supported)</text>"),
        "the support window is marked in words"
    );
    assert!(home.contains("are more than one release behind.</desc>"));
    let again = test.build(&["--base-url", "/refarch/"]);
    assert_eq!(
        read(&again, "index.html"),
        home,
        "the same inputs give the same bytes"
    );
}

#[test]
fn a_handoff_page_charts_resourcing_against_the_reference() {
    let test = SiteTest::example();
    let out = test.build(&[]);
    let page = read(&out, "engagements/quanta-freight/index.html");
    assert!(page.contains(
        "<title id=\"chart-cpu-title\">CPU limits against the m reference (tick)</title>"
    ));
    assert!(
        page.contains("gitserver: requests 2.0, limit 4.0 CPU vs 6.0, under-provisioned"),
        "under-provisioning is said in words"
    );
    assert!(
        page.contains("class=\"chart-request\""),
        "requests are drawn inside the limit bar"
    );
    assert!(page.contains("chart-bar chart-bar-under"));
    assert!(
        page.contains("class=\"chart-reference\""),
        "the reference is marked"
    );
}

#[test]
fn handoff_and_size_pages_open_with_a_topology_diagram() {
    let test = SiteTest::example();
    let out = test.build(&[]);
    let page = read(&out, "engagements/quanta-freight/index.html");
    assert!(page.contains(
        "<svg class=\"topology\" role=\"img\" aria-labelledby=\"topology-title topology-desc\""
    ));
    let again = test.path().join("public-again");
    let run = test.run(&["build", "--output", again.to_str().unwrap()]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert_eq!(
        read(&again, "engagements/quanta-freight/index.html"),
        page,
        "the same inputs draw the same diagram and charts, byte for byte"
    );
    assert!(page.contains("<title id=\"topology-title\">Production at Quanta Freight</title>"));
    assert!(
        page.contains("gitserver ×1 (deviates from the reference)"),
        "deviations are in the text alternative"
    );
    assert!(
        page.contains("topo-service topo-deviates"),
        "and on the drawing"
    );
    let size = read(&out, "reference-architectures/m/index.html");
    assert!(size.contains(
        "<title id=\"topology-title\">The Medium reference architecture on Kubernetes</title>"
    ));
}

/// Every inline SVG on a page, parsed as XML: a browser forgives a broken
/// drawing silently, a parser does not.
fn svgs(page: &str) -> Vec<String> {
    page.match_indices("<svg ")
        .map(|(start, _)| {
            let end = start + page[start..].find("</svg>").expect("closed svg") + "</svg>".len();
            page[start..end].to_string()
        })
        .collect()
}

fn assert_well_formed_with_title_and_description(svg: &str, page: &str) {
    let document = roxmltree::Document::parse(svg)
        .unwrap_or_else(|e| panic!("an SVG on {page} is not well-formed XML: {e}\n{svg}"));
    let root = document.root_element();
    let children: Vec<&str> = root
        .children()
        .filter(|n| n.is_element())
        .take(2)
        .map(|n| n.tag_name().name())
        .collect();
    // Decorative icons are hidden from screen readers and need neither.
    if root.attribute("aria-hidden") == Some("true") {
        return;
    }
    assert_eq!(
        children,
        ["title", "desc"],
        "an SVG on {page} opens with a title and a description"
    );
    for child in root.children().filter(|n| n.is_element()).take(2) {
        assert!(
            child.text().is_some_and(|t| !t.trim().is_empty()),
            "an SVG on {page} has an empty {}",
            child.tag_name().name()
        );
    }
}

#[test]
fn every_diagram_and_chart_is_well_formed_svg_with_a_title_and_a_description() {
    let test = SiteTest::example();
    let out = test.build(&[]);
    let pages = [
        "index.html",
        "engagements/quanta-freight/index.html",
        "engagements/meridian-bank/index.html",
        "reference-architectures/m/index.html",
        "reference-architectures/xs/index.html",
    ];
    for page in pages {
        let html = read(&out, page);
        let found = svgs(&html);
        assert!(!found.is_empty(), "{page} has pictures");
        for svg in &found {
            assert_well_formed_with_title_and_description(svg, page);
        }
    }
}

#[test]
fn the_topology_draws_each_node_pool_service_external_and_deviation_once() {
    let test = SiteTest::example();
    let out = test.build(&[]);
    let site = refarch::load::load_site(test.path()).site.unwrap();
    for engagement in &site.engagements {
        let id = engagement.id.as_str();
        let page = format!("engagements/{id}/index.html");
        let html = read(&out, &page);
        let svg = svgs(&html)
            .into_iter()
            .find(|s| s.starts_with("<svg class=\"topology\""))
            .unwrap_or_else(|| panic!("{page} has a topology diagram"));
        let document = roxmltree::Document::parse(&svg).unwrap();
        // Each drawn element is a group: its full label as title, its box.
        let drawn: Vec<(String, String)> = document
            .descendants()
            .filter(|n| n.has_tag_name("g"))
            .map(|g| {
                let title = g.children().find(|c| c.has_tag_name("title")).unwrap();
                let rect = g.children().find(|c| c.has_tag_name("rect")).unwrap();
                (
                    title.text().unwrap_or_default().to_string(),
                    rect.attribute("class").unwrap().to_string(),
                )
            })
            .collect();
        let deviations = refarch::analysis::deviations::deviations_of(&site, engagement);
        let deviates = |subject: String| deviations.deviations.iter().any(|d| d.subject == subject);
        let drawn_once = |prefix: &str, class: &str, deviation: bool| {
            let matches: Vec<&(String, String)> = drawn
                .iter()
                .filter(|(title, _)| title.starts_with(prefix))
                .collect();
            assert_eq!(
                matches.len(),
                1,
                "{prefix} is drawn once on {page}: {drawn:?}"
            );
            let (title, classes) = matches[0];
            assert!(
                classes.starts_with(class),
                "{prefix} is a {class} on {page}"
            );
            assert_eq!(
                classes.contains("topo-deviates"),
                deviation,
                "{prefix} on {page} is marked as deviating exactly when it does"
            );
            assert_eq!(title.ends_with("(deviates from the reference)"), deviation);
        };
        for pool in &engagement.resourcing.node {
            let label = format!("{}: {} × {}", pool.pool, pool.count, pool.instance_type);
            drawn_once(
                &label,
                "topo-pool",
                deviates(format!("instance-type:{}", pool.pool)),
            );
        }
        for service in &engagement.resourcing.service {
            let label = format!("{} ×{}", service.id.as_str(), service.replicas);
            drawn_once(
                &label,
                "topo-service",
                deviates(format!("resources:{}", service.id.as_str())),
            );
        }
        let externals = drawn.iter().filter(|(_, c)| c.starts_with("topo-external"));
        assert_eq!(externals.count(), engagement.external.len(), "{page}");
        let hosts = drawn.iter().filter(|(_, c)| c.starts_with("topo-host"));
        assert_eq!(hosts.count(), engagement.code.host.len(), "{page}");
    }
}

/// Writes `count` runbooks, `content/runbooks/r000.md` on, titled
/// "Runbook 000" and so on, in that order, each with the body `body(i)`.
fn write_runbooks(test: &SiteTest, count: usize, body: impl Fn(usize) -> String) {
    for i in 0..count {
        test.write(
            &format!("content/runbooks/r{i:03}.md"),
            format!(
                "+++\ntitle = \"Runbook {i:03}\"\nweight = {i}\n+++\n{}",
                body(i)
            ),
        );
    }
}

#[test]
fn a_long_section_lists_the_pages_around_each_page() {
    let test = SiteTest::minimal();
    write_runbooks(&test, 100, |i| format!("Body {i}.\n"));
    let out = test.build(&[]);
    let nav = |page: &str| -> String {
        let html = read(&out, &format!("runbooks/{page}/index.html"));
        nav_in(&html, "section-nav").to_string()
    };
    let middle = nav("r050");
    assert_eq!(middle.matches("<a ").count(), 21, "ten on each side");
    assert!(middle.contains("40 earlier pages"), "{middle}");
    assert!(middle.contains("39 later pages"), "{middle}");
    assert!(middle.contains("Runbook 040") && middle.contains("Runbook 060"));
    assert!(!middle.contains("Runbook 039") && !middle.contains("Runbook 061"));
    let first = nav("r000");
    assert_eq!(first.matches("<a ").count(), 11);
    assert!(!first.contains("earlier"));
    assert!(first.contains("89 later pages"));
}

#[test]
fn search_leaves_out_the_navigation_beside_a_page() {
    let test = SiteTest::minimal();
    write_runbooks(&test, 30, |i| format!("## Step {i:03}\n\nBody.\n"));
    let out = test.build(&[]);
    assert!(read(&out, "runbooks/r012/index.html").contains("Runbook 015</a>"));
    assert_eq!(
        search_lookup(&out, "015"),
        ["runbooks/r015/"],
        "only the page itself, not the pages whose navigation lists it"
    );
    assert_eq!(
        search_lookup(&out, "earlier"),
        Vec::<String>::new(),
        "nor the navigation's own words"
    );
}

#[test]
fn the_dashboard_summarises_a_large_fleet() {
    let test = SiteTest::minimal();
    let template = test.read("data/engagements/acme.toml");
    for i in 0..60 {
        test.write(
            &format!("data/engagements/copy-{i:02}.toml"),
            template
                .replace("id = \"acme\"", &format!("id = \"copy-{i:02}\""))
                .replace("customer = \"", &format!("customer = \"Copy {i:02} ")),
        );
    }
    let out = test.build(&[]);
    let home = read(&out, "index.html");
    assert!(
        home.contains("more</a>"),
        "a row of counts names a dozen customers and links the rest"
    );
    assert!(
        home.contains("Showing the first 20 of 61, least progress first."),
        "the table of implementations in progress is cut at 20 rows"
    );
    assert_eq!(
        home.matches("#exit-criteria\">").count(),
        40,
        "20 rows and 20 bars of its chart link to the exit criteria"
    );
}

#[test]
fn highlight_code_false_writes_code_blocks_escaped_and_unhighlighted() {
    let test = SiteTest::minimal();
    test.write(
        "content/guide/values.md",
        "+++\ntitle = \"Values\"\n+++\n\n```toml\n[limits]\nusers = \"<1000>\"\n```\n",
    );
    let page = |out: &Path| read(out, "guide/values/index.html");
    let highlighted = page(&test.build(&[]));
    assert!(
        highlighted.contains("class=\"hl-"),
        "highlighted by default"
    );

    let config = test.read("data/site.toml");
    test.write(
        "data/site.toml",
        format!("highlight_code = false\n{config}"),
    );
    let plain = page(&test.build(&[]));
    assert!(!plain.contains("class=\"hl-"), "{plain}");
    assert!(
        plain.contains("<pre class=\"code\" data-language=\"toml\" tabindex=\"0\"><code>[limits]\nusers = &quot;&lt;1000&gt;&quot;\n</code></pre>"),
        "{plain}"
    );
}
