//! `refarch build` killed at many moments: the output directory is always
//! the previous complete site or the new complete one, never a mix, never
//! missing, and the next build clears what the killed one left.

use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use crate::random::Random;
use crate::site_test::{SiteTest, files_under};

const KILLS: usize = 60;

/// Every file of a directory, by relative path, with a hash of its bytes.
fn manifest(root: &Path) -> BTreeMap<String, u64> {
    files_under(root)
        .into_iter()
        .map(|relative| {
            let mut hasher = DefaultHasher::new();
            std::fs::read(root.join(&relative))
                .unwrap()
                .hash(&mut hasher);
            (relative, hasher.finish())
        })
        .collect()
}

fn build(site: &Path, output: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_refarch"));
    command
        .arg("--root")
        .arg(site)
        .args(["--color=never", "build", "--output"])
        .arg(output)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

#[test]
fn a_build_killed_at_any_moment_leaves_the_previous_site_or_the_new_one() {
    let test = SiteTest::example();
    let site_toml = test.read("data/site.toml");
    let variants = [
        site_toml.clone(),
        site_toml.replacen(
            "title = \"Sourcegraph Reference Architectures\"",
            "title = \"Reference Architectures, second edition\"",
            1,
        ),
    ];
    assert_ne!(variants[0], variants[1]);

    // The two complete sites.
    let references = tempfile::tempdir().unwrap();
    let mut complete = Vec::new();
    for (n, variant) in variants.iter().enumerate() {
        test.write("data/site.toml", variant);
        let output = references.path().join(n.to_string());
        assert!(build(test.path(), &output).status().unwrap().success());
        complete.push(manifest(&output));
    }
    assert_ne!(complete[0], complete[1]);
    // How long a build takes that replaces a site, as every build below
    // does: it also removes the previous output.
    let mut longest = Duration::ZERO;
    for variant in [1, 0, 1, 0] {
        test.write("data/site.toml", &variants[variant]);
        let started = Instant::now();
        assert!(
            build(test.path(), &references.path().join("0"))
                .status()
                .unwrap()
                .success()
        );
        longest = longest.max(started.elapsed());
    }

    let seed = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    eprintln!("killed builds: seed {seed}, a whole build takes {longest:?}");
    let mut moments = Random(seed);
    let out = tempfile::tempdir().unwrap();
    let output = out.path().join("public");
    test.write("data/site.toml", &variants[0]);
    assert!(build(test.path(), &output).status().unwrap().success());

    let beside = || -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(out.path())
            .unwrap()
            .flatten()
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    // Which site is on disk; each build is asked for the other one, so a
    // build that never swapped cannot pass for one that did.
    let mut current = 0;
    let (mut previous, mut new, mut finished, mut left_behind) = (0, 0, 0, 0);
    for kill in 0..KILLS {
        let target = 1 - current;
        test.write("data/site.toml", &variants[target]);
        // Spread over the whole build and past it, so that kills land
        // while reading, rendering, writing and swapping, and some builds
        // finish.
        let slot = (kill as f64 + moments.fraction()) / KILLS as f64;
        let delay = longest.mul_f64(1.5 * slot);
        let mut child = build(test.path(), &output).spawn().unwrap();
        std::thread::sleep(delay);
        let killed = child.try_wait().unwrap().is_none();
        let _ = child.kill();
        let status = child.wait().unwrap();
        assert!(
            output.is_dir(),
            "kill {kill} (seed {seed}, after {delay:?}): no output directory"
        );
        let found = manifest(&output);
        if !killed {
            assert!(status.success(), "kill {kill}: the build failed on its own");
            assert!(
                found == complete[target],
                "kill {kill}: a build that finished left the previous site"
            );
            assert_eq!(
                beside(),
                ["public"],
                "kill {kill}: a finished build left files beside the output"
            );
            finished += 1;
        } else if beside() != ["public"] {
            left_behind += 1;
        }
        if found == complete[target] {
            new += 1;
            current = target;
        } else if found == complete[current] {
            previous += 1;
        } else {
            let missing = complete[target]
                .keys()
                .filter(|k| !found.contains_key(*k))
                .count();
            panic!(
                "kill {kill} (seed {seed}, after {delay:?}): the output is neither site ({} files, {missing} of the new site's missing)",
                found.len()
            );
        }
    }
    eprintln!(
        "killed builds: {KILLS} runs, {previous} left the previous site, {new} the new one ({finished} had finished before the kill, {left_behind} left a build's files beside the output)"
    );
    assert!(previous > 0, "no kill landed before the swap");
    assert!(new > 0, "no build swapped in its site");
    assert!(
        left_behind > 0,
        "no kill left a build's files behind, so their cleanup went untested"
    );

    // The next build clears what the killed ones left beside the output.
    test.write("data/site.toml", &variants[1 - current]);
    assert!(build(test.path(), &output).status().unwrap().success());
    assert_eq!(manifest(&output), complete[1 - current]);
    assert_eq!(beside(), ["public"]);
}
