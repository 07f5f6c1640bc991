//! Large and strange inputs: a 50 MB content file, data files of a hundred
//! thousand lines, TOML nested a hundred thousand deep, and symbolic links
//! that loop or lead out of the site. Each is refused with an error naming
//! the file, or handled, within bounded time and memory.

use std::process::{Command, ExitStatus};
use std::time::{Duration, Instant};

use crate::site_test::SiteTest;

/// A run of refarch with its time and peak memory.
struct Measured {
    status: ExitStatus,
    stdout: String,
    stderr: String,
    took: Duration,
    peak_mib: u64,
}

/// Runs refarch on the site, watching its memory. The peak is the child's
/// own high-water mark (`VmHWM`), read every millisecond while it runs:
/// `wait4`'s `ru_maxrss` would count this test process's memory too, which
/// the child had mapped between fork and exec.
fn measure(test: &SiteTest, args: &[&str]) -> Measured {
    let stdout_path = test.path().join("stdout.txt");
    let stderr_path = test.path().join("stderr.txt");
    let mut child = Command::new(env!("CARGO_BIN_EXE_refarch"))
        .arg("--root")
        .arg(test.path())
        .arg("--color=never")
        .args(args)
        .stdout(std::fs::File::create(&stdout_path).unwrap())
        .stderr(std::fs::File::create(&stderr_path).unwrap())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kib = 0;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        let high_water = std::fs::read_to_string(&status_file)
            .ok()
            .and_then(|status| {
                let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
                line.split_whitespace().nth(1)?.parse::<u64>().ok()
            });
        peak_kib = peak_kib.max(high_water.unwrap_or(0));
        std::thread::sleep(Duration::from_millis(1));
    };
    Measured {
        status,
        stdout: std::fs::read_to_string(stdout_path).unwrap(),
        stderr: std::fs::read_to_string(stderr_path).unwrap(),
        took: started.elapsed(),
        peak_mib: peak_kib / 1024,
    }
}

impl Measured {
    fn assert_bounded(&self, what: &str, seconds: u64, mib: u64) {
        eprintln!(
            "{what}: exit {:?} in {:?}, peak {} MiB",
            self.status.code(),
            self.took,
            self.peak_mib
        );
        assert!(
            self.took < Duration::from_secs(seconds),
            "{what} took {:?}",
            self.took
        );
        assert!(
            self.peak_mib < mib,
            "{what} peaked at {} MiB",
            self.peak_mib
        );
    }

    fn assert_refused(&self, code: &str, file: &str) {
        assert_eq!(self.status.code(), Some(1), "{}", self.stderr);
        assert!(
            self.stderr.contains(&format!("error[{code}")) && self.stderr.contains(file),
            "expected {code} naming {file}:\n{}",
            self.stderr
        );
    }
}

fn front_matter(title: &str) -> String {
    format!("+++\ntitle = \"{title}\"\n+++\n\n")
}

#[test]
fn a_50_mb_content_file_is_refused_without_being_read() {
    let test = SiteTest::minimal();
    let mut page = front_matter("Huge");
    let paragraph = "A paragraph of a runbook that somebody pasted far too many times.\n\n";
    page.push_str(&paragraph.repeat(50 * 1024 * 1024 / paragraph.len()));
    test.write("content/guide/huge.md", &page);
    for command in ["check", "build"] {
        let run = measure(&test, &[command]);
        // Below the file's size: reading it whole would exceed this.
        run.assert_bounded(&format!("{command} with a 50 MB page"), 20, 40);
        run.assert_refused("E004", "content/guide/huge.md");
    }
    assert!(!test.path().join("public").exists(), "nothing was written");
}

#[test]
fn data_files_of_a_hundred_thousand_lines_finish_in_bounded_time() {
    let test = SiteTest::minimal();
    let engagement = test.read("data/engagements/acme.toml");
    // 20 000 environments the catalog does not define: 120 000 lines and
    // 20 000 errors, each pointing at its line.
    let environments: String = (0..20_000)
        .map(|n| {
            format!(
                "\n[[environment]]\nid = \"env-{n}\"\nmethod = \"helm\"\nrelease = \"6.0.2687\"\nsize = \"m\"\n"
            )
        })
        .collect();
    test.write(
        "data/engagements/acme.toml",
        format!("{engagement}{environments}"),
    );
    let run = measure(&test, &["check", "--format", "json"]);
    run.assert_bounded("check of a 120 000-line engagement", 60, 500);
    assert_eq!(run.status.code(), Some(1), "{}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let lines: std::collections::BTreeSet<u64> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "E020" && d["file"] == "data/engagements/acme.toml")
        .map(|d| d["line"].as_u64().unwrap())
        .collect();
    assert_eq!(
        lines.len(),
        20_000,
        "one error per environment, each at its own line"
    );

    // A valid page of 100 000 lines builds.
    let mut page = front_matter("Long");
    for n in 0..25_000 {
        page.push_str(&format!(
            "## Step {n}\n\nRun `step {n}` and check the [previous one](#step-{}).\n\n",
            n.max(1) - 1
        ));
    }
    assert!(page.lines().count() >= 100_000);
    test.write("data/engagements/acme.toml", &engagement);
    test.write("content/guide/long.md", &page);
    let run = measure(&test, &["build"]);
    run.assert_bounded("build with a 100 000-line page", 60, 1024);
    assert!(run.status.success(), "{}", run.stderr);
    let html = std::fs::read_to_string(test.path().join("public/guide/long/index.html")).unwrap();
    assert!(html.contains("id=\"step-24999\""));
}

#[test]
fn toml_nested_a_hundred_thousand_deep_is_an_error_naming_the_line() {
    const DEPTH: usize = 100_000;
    let nestings = [
        format!("deep = {}{}\n", "[".repeat(DEPTH), "]".repeat(DEPTH)),
        format!("deep = {}1{}\n", "{ a = ".repeat(DEPTH), " }".repeat(DEPTH)),
        format!("deep.{}b = 1\n", "a.".repeat(DEPTH)),
        format!("[deep.{}b]\nx = 1\n", "a.".repeat(DEPTH)),
    ];
    for nesting in &nestings {
        let test = SiteTest::minimal();
        let engagement = test.read("data/engagements/acme.toml");
        test.write(
            "data/engagements/acme.toml",
            format!("{engagement}\n{nesting}"),
        );
        let run = measure(&test, &["check"]);
        run.assert_bounded("check of deeply nested TOML", 20, 300);
        assert_eq!(run.status.code(), Some(1), "{}", run.stderr);
        // The reader gives the line of some of these, not of all.
        run.assert_refused("E010", "data/engagements/acme.toml");
        assert!(
            run.stderr.contains("nested too deeply"),
            "{}",
            &run.stderr[..run.stderr.len().min(2000)]
        );

        // The same in a page's front matter.
        let test = SiteTest::minimal();
        test.write(
            "content/guide/deep.md",
            format!("+++\ntitle = \"Deep\"\n{nesting}+++\n\nText.\n"),
        );
        let run = measure(&test, &["check"]);
        run.assert_bounded("check of deeply nested front matter", 20, 300);
        run.assert_refused("E010", "content/guide/deep.md");
    }
}

#[test]
fn symbolic_links_in_content_that_loop_or_leave_the_site_are_refused() {
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret.md");
    std::fs::write(
        &secret,
        "+++\ntitle = \"Secret\"\n+++\n\nOUTSIDE-THE-SITE-7f3a\n",
    )
    .unwrap();

    let test = SiteTest::minimal();
    std::os::unix::fs::symlink(
        test.path().join("content"),
        test.path().join("content/loop"),
    )
    .unwrap();
    std::os::unix::fs::symlink(&secret, test.path().join("content/guide/leak.md")).unwrap();
    std::os::unix::fs::symlink(outside.path(), test.path().join("content/outside")).unwrap();
    for command in ["check", "build"] {
        let run = measure(&test, &[command]);
        run.assert_bounded(
            &format!("{command} with looping and escaping links"),
            20,
            300,
        );
        for link in ["content/loop", "content/guide/leak.md", "content/outside"] {
            run.assert_refused("E001", link);
        }
        assert!(!run.stderr.contains("OUTSIDE-THE-SITE"));
    }
    assert!(!test.path().join("public").exists(), "nothing was written");
}
