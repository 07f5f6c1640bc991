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

    // The two complete sites, and how long a whole build takes.
    let references = tempfile::tempdir().unwrap();
    let mut complete = Vec::new();
    let mut longest = Duration::ZERO;
    for (n, variant) in variants.iter().enumerate() {
        test.write("data/site.toml", variant);
        let output = references.path().join(n.to_string());
        let started = Instant::now();
        assert!(build(test.path(), &output).status().unwrap().success());
        longest = longest.max(started.elapsed());
        complete.push(manifest(&output));
    }
    assert_ne!(complete[0], complete[1]);

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

    let (mut previous, mut new, mut finished) = (0, 0, 0);
    for kill in 0..KILLS {
        let target = (kill + 1) % 2;
        test.write("data/site.toml", &variants[target]);
        // Spread over the whole build and a little past it, so that kills
        // land while reading, rendering, writing and swapping.
        let slot = (kill as f64 + moments.fraction()) / KILLS as f64;
        let delay = longest.mul_f64(1.2 * slot);
        let mut child = build(test.path(), &output).spawn().unwrap();
        std::thread::sleep(delay);
        let killed = child.try_wait().unwrap().is_none();
        let _ = child.kill();
        let status = child.wait().unwrap();
        if !killed {
            assert!(status.success(), "kill {kill}: the build failed on its own");
            finished += 1;
        }
        assert!(
            output.is_dir(),
            "kill {kill} (seed {seed}, after {delay:?}): no output directory"
        );
        let found = manifest(&output);
        if found == complete[target] {
            new += 1;
        } else if found == complete[1 - target] {
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
        "killed builds: {KILLS} runs, {previous} left the previous site, {new} the new one ({finished} had finished before the kill)"
    );
    assert!(previous > 0, "no kill landed before the swap");

    // The next build clears what the killed ones left beside the output.
    test.write("data/site.toml", &variants[0]);
    assert!(build(test.path(), &output).status().unwrap().success());
    assert_eq!(manifest(&output), complete[0]);
    let beside: Vec<String> = std::fs::read_dir(out.path())
        .unwrap()
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(beside, ["public"]);
}
