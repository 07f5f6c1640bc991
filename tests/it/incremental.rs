//! A rebuild that reuses the previous build's work must give exactly what a
//! full build of the same inputs gives, over a series of edits, additions,
//! renames and deletions of every kind of input.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use refarch::build::{BuildRequest, Builder, SiteFiles};

use crate::site_test::SiteTest;

fn request(root: &Path) -> BuildRequest {
    BuildRequest {
        root: root.to_path_buf(),
        output: root.join("public"),
        base_url: Some("/refarch/".into()),
        profile: None,
    }
}

/// The example site, copied, and a builder that has built it once.
fn built_example() -> (SiteTest, PathBuf, Builder) {
    let test = SiteTest::example();
    let root = test.path().to_path_buf();
    let mut builder = Builder::new(request(&root));
    builder.build().unwrap();
    (test, root, builder)
}

fn full(root: &Path) -> Arc<SiteFiles> {
    Builder::new(request(root))
        .build()
        .expect("the full build succeeds")
        .files
}

fn assert_same(step: &str, incremental: &SiteFiles, full: &SiteFiles) {
    let only_incremental: Vec<&Arc<str>> = incremental
        .keys()
        .filter(|k| !full.contains_key(*k))
        .collect();
    let only_full: Vec<&Arc<str>> = full
        .keys()
        .filter(|k| !incremental.contains_key(*k))
        .collect();
    assert!(
        only_incremental.is_empty() && only_full.is_empty(),
        "{step}: files differ: {only_incremental:?} / {only_full:?}"
    );
    for (path, bytes) in full {
        assert!(
            incremental[path] == *bytes,
            "{step}: {path} differs from a full build"
        );
    }
}

/// The files added, removed or changed from one build to the next.
fn differences(before: &SiteFiles, after: &SiteFiles) -> BTreeSet<String> {
    before
        .keys()
        .chain(after.keys())
        .filter(|path| before.get(*path) != after.get(*path))
        .map(|path| path.to_string())
        .collect()
}

/// Every file under the site's inputs, by path, with its contents.
fn tree(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut pending = vec![root.join("data"), root.join("content"), root.join("themes")];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.insert(path.clone(), std::fs::read(&path).unwrap());
            }
        }
    }
    files
}

/// The paths added, removed or changed between two trees.
fn changed(
    root: &Path,
    before: &BTreeMap<PathBuf, Vec<u8>>,
    after: &BTreeMap<PathBuf, Vec<u8>>,
) -> Vec<PathBuf> {
    let paths: BTreeSet<&PathBuf> = before.keys().chain(after.keys()).collect();
    let changed: Vec<PathBuf> = paths
        .into_iter()
        .filter(|path| before.get(*path) != after.get(*path))
        .cloned()
        .collect();
    assert!(
        !changed.is_empty(),
        "an edit changed nothing under {}",
        root.display()
    );
    changed
}

#[test]
fn incremental_rebuilds_equal_full_builds_over_a_series_of_edits() {
    let (test, root, mut builder) = built_example();
    let engagement = "data/engagements/northwind-logistics.toml";
    let original = test.read(engagement);

    type Edit<'a> = (&'a str, Box<dyn Fn(&SiteTest) + 'a>);
    let edits: Vec<Edit<'_>> = vec![
        (
            "edit an engagement's text",
            Box::new(|t: &SiteTest| {
                t.write(
                    engagement,
                    original.replace(
                        "customer = \"Northwind Logistics\"",
                        "customer = \"Northwind Logistics Group\"",
                    ),
                );
            }),
        ),
        (
            "change an engagement's release",
            Box::new(|t: &SiteTest| {
                let text = t
                    .read(engagement)
                    .replace("release = \"7.6.0\"", "release = \"7.5.4453\"");
                t.write(engagement, text);
            }),
        ),
        (
            "add an engagement",
            Box::new(|t: &SiteTest| {
                let copy = original
                    .replace("id = \"northwind-logistics\"", "id = \"southwind\"")
                    .replace("Northwind Logistics", "Southwind Shipping");
                t.write("data/engagements/southwind.toml", copy);
            }),
        ),
        (
            "rename an engagement",
            Box::new(|t: &SiteTest| {
                let text = t
                    .read("data/engagements/southwind.toml")
                    .replace("id = \"southwind\"", "id = \"southwind-shipping\"");
                std::fs::remove_file(t.path().join("data/engagements/southwind.toml")).unwrap();
                t.write("data/engagements/southwind-shipping.toml", text);
            }),
        ),
        (
            "delete an engagement",
            Box::new(|t: &SiteTest| {
                std::fs::remove_file(t.path().join("data/engagements/southwind-shipping.toml"))
                    .unwrap();
            }),
        ),
        (
            "edit the catalog",
            Box::new(|t: &SiteTest| {
                let text = t.read("data/catalog.toml").replace(
                    "name = \"Kubernetes with Helm\"",
                    "name = \"Helm on Kubernetes\"",
                );
                t.write("data/catalog.toml", text);
            }),
        ),
        (
            "edit a support rule",
            Box::new(|t: &SiteTest| {
                let text = t.read("data/support.toml").replacen(
                    "status = \"deprecated\"",
                    "status = \"beta\"",
                    1,
                );
                t.write("data/support.toml", text);
            }),
        ),
        (
            "edit a reference architecture",
            Box::new(|t: &SiteTest| {
                let text = t.read("data/reference-architectures/m.toml").replacen(
                    "replicas = 2",
                    "replicas = 3",
                    1,
                );
                t.write("data/reference-architectures/m.toml", text);
            }),
        ),
        (
            "edit a guide page",
            Box::new(|t: &SiteTest| {
                let text =
                    t.read("content/guide/upgrades.md") + "\n## One more section\n\nWith words.\n";
                t.write("content/guide/upgrades.md", text);
            }),
        ),
        (
            "add a guide page",
            Box::new(|t: &SiteTest| {
                t.write(
                    "content/guide/aaa-first.md",
                    "+++\ntitle = \"First of all\"\nweight = 1\n+++\n\nHello.\n",
                );
            }),
        ),
        (
            "delete a guide page",
            Box::new(|t: &SiteTest| {
                std::fs::remove_file(t.path().join("content/guide/aaa-first.md")).unwrap();
            }),
        ),
        (
            "add prose to an engagement page",
            Box::new(|t: &SiteTest| {
                t.write(
                    "content/engagements/larkspur-media.md",
                    "+++\ntitle = \"Larkspur\"\n+++\n\n## Context\n\nWords.\n",
                );
            }),
        ),
        (
            "override a template",
            Box::new(|t: &SiteTest| {
                t.write(
                    "themes/default/templates/404.html",
                    "{% extends \"base.html\" %}{% block content %}<h1>Gone</h1>{% endblock %}",
                );
            }),
        ),
        (
            "override a stylesheet",
            Box::new(|t: &SiteTest| {
                t.write("themes/default/static/style.css", "body { margin: 0; }\n");
            }),
        ),
        (
            "change the site title",
            Box::new(|t: &SiteTest| {
                let text =
                    t.read("data/site.toml")
                        .replacen("title = ", "title = \"Delivery\" #", 1);
                t.write("data/site.toml", text);
            }),
        ),
    ];
    let mut previous = full(&root);
    for (step, edit) in &edits {
        let before = tree(&root);
        edit(&test);
        // As the watcher would: the builder is told what changed and reads
        // only that.
        builder.note_changes(&changed(&root, &before, &tree(&root)));
        let built = builder
            .build()
            .unwrap_or_else(|d| panic!("{step}: {}", d.render(false)));
        assert_same(step, &built.files, &full(&root));
        // The build names exactly the files that differ from the last.
        let named: BTreeSet<String> = built
            .changed
            .unwrap_or_else(|| panic!("{step}: the build did not patch the previous one"))
            .iter()
            .map(|path| path.to_string())
            .collect();
        assert_eq!(named, differences(&previous, &built.files), "{step}");
        assert!(!named.is_empty(), "{step}: nothing changed");
        previous = built.files;
    }
}

#[test]
fn a_broken_edit_fails_and_the_next_good_build_is_still_exact() {
    let (test, root, mut builder) = built_example();
    let engagement = "data/engagements/quanta-freight.toml";
    let original = test.read(engagement);
    test.write(
        engagement,
        original.replace("method = \"helm\"", "method = \"helmm\""),
    );
    builder.note_changes(&[root.join(engagement)]);
    assert!(builder.build().is_err());
    test.write(engagement, original.replace("Quanta", "Quantum"));
    builder.note_changes(&[root.join(engagement)]);
    assert_same(
        "after a failed build",
        &builder.build().unwrap().files,
        &full(&root),
    );
}

#[test]
fn told_what_changed_a_rebuild_reads_only_that_and_the_root_means_everything() {
    let (test, root, mut builder) = built_example();
    let page = "engagements/quanta-freight/index.html";
    let renamed = |t: &SiteTest, from: &str, to: &str| {
        let path = "data/engagements/quanta-freight.toml";
        t.write(path, t.read(path).replace(from, to));
    };

    renamed(&test, "Quanta Freight", "Quanta Cargo");
    // A new engagement nobody mentions: the directories are not listed
    // again either.
    let newcomer = "data/engagements/quanta-shipping.toml";
    let copy = test.read("data/engagements/quanta-freight.toml");
    test.write(
        newcomer,
        copy.replace("id = \"quanta-freight\"", "id = \"quanta-shipping\""),
    );
    builder.note_changes(&[root.join("content/guide/upgrades.md")]);
    let files = builder.build().unwrap().files;
    assert!(
        String::from_utf8_lossy(&files[page]).contains("Quanta Freight"),
        "a file not named as changed is not read again"
    );
    assert!(
        !files.contains_key("engagements/quanta-shipping/index.html"),
        "a file not named as changed is not listed either"
    );

    builder.note_changes(std::slice::from_ref(&root));
    let files = builder.build().unwrap().files;
    assert!(String::from_utf8_lossy(&files[page]).contains("Quanta Cargo"));
    assert!(files.contains_key("engagements/quanta-shipping/index.html"));
    assert_same("after a rescan", &files, &full(&root));
}

#[test]
fn an_unchanged_engagement_is_checked_again_when_what_it_refers_to_changes() {
    let (test, root, mut builder) = built_example();
    let catalog = test.read("data/catalog.toml");
    test.write(
        "data/catalog.toml",
        catalog.replace("id = \"kustomize\"", "id = \"kustomise\""),
    );
    builder.note_changes(&[root.join("data/catalog.toml")]);
    let failed = builder
        .build()
        .expect_err("meridian-bank uses a method the catalog no longer has");
    let report = failed.render(false);
    assert!(
        report.contains("data/engagements/meridian-bank.toml") && report.contains("kustomize"),
        "{report}"
    );
    test.write("data/catalog.toml", catalog);
    builder.note_changes(&[root.join("data/catalog.toml")]);
    assert_same(
        "after the catalog is restored",
        &builder.build().unwrap().files,
        &full(&root),
    );
}

#[test]
fn analysis_facts_carry_over_to_a_build_under_another_profile_unchanged() {
    let (_test, root, first) = built_example();
    let kept = first.facts_of("northwind-logistics").expect("analyzed");
    let publish = || BuildRequest {
        profile: Some("publish".into()),
        ..request(&root)
    };
    let mut reused = Builder::new(publish()).with_facts(first.kept_facts());
    let files = reused.build().unwrap().files;
    assert!(
        std::sync::Arc::ptr_eq(&kept, &reused.facts_of("northwind-logistics").unwrap()),
        "the profile's build analyzed northwind again"
    );
    assert_same(
        "a profile built on another build's facts",
        &files,
        &Builder::new(publish()).build().unwrap().files,
    );
}

/// `check` follows links in a build of every engagement under the publish
/// profile, then builds the profile itself (confidential engagements left
/// out) on top of it: that build must be the profile's full build, with
/// the pages whose inputs are unchanged taken from the first, not made
/// again.
#[test]
fn a_profile_build_after_one_keeping_confidential_engagements_reuses_its_pages_exactly() {
    let test = SiteTest::example();
    let root = test.path().to_path_buf();
    let publish = || BuildRequest {
        profile: Some("publish".into()),
        ..request(&root)
    };
    let mut builder = Builder::new(publish())
        .without_search()
        .including_confidential();
    let everything = builder.build().unwrap().files;
    let confidential = "engagements/kestrel-energy/index.html";
    let unchanged = "engagements/northwind-logistics/index.html";
    assert!(
        everything.contains_key(confidential),
        "the first build kept kestrel"
    );

    builder.leave_out_confidential();
    let profile = builder.build().unwrap().files;
    let fresh = Builder::new(publish())
        .without_search()
        .build()
        .unwrap()
        .files;
    assert_same(
        "the profile's build after one with confidential engagements",
        &profile,
        &fresh,
    );
    assert!(!profile.contains_key(confidential));
    assert!(
        Arc::ptr_eq(&everything[unchanged], &profile[unchanged]),
        "an engagement page with the same inputs was rendered again"
    );
    assert_ne!(
        everything["engagements/index.html"], profile["engagements/index.html"],
        "the list of engagements must be made again without kestrel"
    );

    // As `check` does it: the profile's files handed over as they are made.
    let mut builder = Builder::new(publish())
        .without_search()
        .including_confidential();
    let loaded = refarch::load::load_site(&root);
    let site = loaded.site.expect("the example loads");
    builder
        .build_loaded(site.clone(), &loaded.fingerprints)
        .unwrap();
    builder.leave_out_confidential();
    let visited = std::sync::Mutex::new(BTreeMap::new());
    builder
        .visit_loaded(site, &loaded.fingerprints, &|path: &str, bytes: &[u8]| {
            visited
                .lock()
                .unwrap()
                .insert(Arc::<str>::from(path), Arc::<[u8]>::from(bytes));
        })
        .unwrap();
    let visited: SiteFiles = visited.into_inner().unwrap();
    assert_same("the profile's files as check scans them", &visited, &fresh);
}

#[test]
fn a_build_patches_the_map_no_one_holds_and_never_one_that_is_held() {
    let (test, root, mut builder) = built_example();
    let engagement = "data/engagements/northwind-logistics.toml";
    let original = test.read(engagement);
    let mut rename = |n: usize| {
        let renamed = original.replace("Northwind Logistics", &format!("Northwind {n}"));
        test.write(engagement, renamed);
        builder.note_changes(&[root.join(engagement)]);
        builder.build().unwrap().files
    };
    let contents = |files: &SiteFiles| -> Vec<(String, Vec<u8>)> {
        files
            .iter()
            .map(|(path, bytes)| (path.to_string(), bytes.to_vec()))
            .collect()
    };
    let first = rename(1);
    let as_first = contents(&first);
    let second = rename(2);
    // The builder's spare is now `first`'s map, which is still held: it
    // must be copied, not patched under its reader.
    let third = rename(3);
    assert_eq!(contents(&first), as_first, "a held map was changed");
    assert_same("with the map before last held", &third, &full(&root));

    // Once no one holds the map before last, the next build patches it.
    let second_map = Arc::as_ptr(&second);
    drop(second);
    let fourth = rename(4);
    assert!(
        std::ptr::eq(Arc::as_ptr(&fourth), second_map),
        "the map no one held was copied instead of patched"
    );
    assert_same("in a patched spare map", &fourth, &full(&root));
}
