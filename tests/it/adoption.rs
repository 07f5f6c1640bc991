//! What a team adopting refarch reads and installs: the field reference,
//! `explain`, completions, the man page, `--version`, and the CI recipes.

use std::process::Command;

use crate::site_test::{SiteTest, repo_root};

fn refarch(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_refarch"))
        .arg("--root")
        .arg(repo_root())
        .args(args)
        .output()
        .unwrap()
}

fn stdout(output: &std::process::Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).unwrap()
}

#[test]
fn the_committed_field_reference_is_the_generated_one() {
    let generated = stdout(&refarch(&["schema", "--reference"]));
    let committed = std::fs::read_to_string(repo_root().join("content/guide/fields.md")).unwrap();
    assert!(
        committed == generated,
        "content/guide/fields.md is stale: run `cargo run -- schema --reference > content/guide/fields.md`"
    );
}

#[test]
fn explain_prints_a_codes_section_and_refuses_unknown_codes() {
    let text = stdout(&refarch(&["explain", "e020"]));
    assert!(text.starts_with("## E020: "), "{text}");
    assert!(text.contains("**Fix:**"), "{text}");
    assert!(!text.contains("## E021"), "one section only");
    let unknown = refarch(&["explain", "E999"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("E020, E021"));
}

#[test]
fn completions_generate_for_each_shell_and_parse() {
    for (shell, checker) in [("bash", "bash"), ("zsh", "zsh"), ("fish", "fish")] {
        let script = stdout(&refarch(&["completions", shell]));
        for command in ["build", "serve", "check", "support", "explain"] {
            assert!(
                script.contains(command),
                "{shell} completions lack {command}"
            );
        }
        // The shell itself parses the script, where it is installed.
        if Command::new(checker).arg("--version").output().is_ok() {
            let file = tempfile::NamedTempFile::new().unwrap();
            std::fs::write(file.path(), &script).unwrap();
            let parsed = Command::new(checker)
                .arg("-n")
                .arg(file.path())
                .output()
                .unwrap();
            assert!(
                parsed.status.success(),
                "{shell} cannot parse the completions: {}",
                String::from_utf8_lossy(&parsed.stderr)
            );
        } else {
            assert!(shell != "bash", "bash is always installed");
        }
    }
}

#[test]
fn the_man_page_covers_every_command() {
    let page = stdout(&refarch(&["man"]));
    assert!(page.contains("\n.TH refarch 1 "), "{page}");
    for command in [
        "build", "serve", "check", "schema", "support", "new", "init", "explain",
    ] {
        assert!(
            page.contains(&format!("refarch\\-{command}(1)")),
            "the man page does not refer to refarch-{command}(1)"
        );
        let own = stdout(&refarch(&["man", command]));
        assert!(
            own.contains(&format!(".TH refarch\\-{command} 1"))
                || own.contains(&format!(".TH refarch-{command} 1")),
            "{own}"
        );
    }
    assert_eq!(refarch(&["man", "nope"]).status.code(), Some(1));
}

#[test]
fn version_names_the_commit() {
    let version = stdout(&refarch(&["--version"]));
    let inside = version
        .trim()
        .strip_prefix(&format!("refarch {} (", env!("CARGO_PKG_VERSION")))
        .and_then(|rest| rest.strip_suffix(')'))
        .unwrap_or_else(|| panic!("{version}"));
    let in_git = repo_root().join(".git").exists();
    if in_git {
        assert_eq!(inside.len(), 12, "{version}");
        assert!(inside.chars().all(|c| c.is_ascii_hexdigit()), "{version}");
    } else {
        assert_eq!(inside, "unknown");
    }
}

#[test]
fn the_ci_recipes_run_locally_on_the_example_site() {
    if Command::new("jq").arg("--version").output().is_err() {
        assert!(std::env::var_os("CI").is_none(), "CI must install jq");
        eprintln!("skipped: jq is not installed");
        return;
    }
    let test = SiteTest::example();
    let output = Command::new("bash")
        .arg(repo_root().join("examples/ci/run-locally.sh"))
        .arg(test.path())
        .env("REFARCH", env!("CARGO_BIN_EXE_refarch"))
        .env("TMPDIR", test.path())
        .output()
        .unwrap();
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{log}");
    assert!(log.contains("run-locally: every step passed"), "{log}");
}

#[test]
fn the_publishing_guide_shows_the_recipes_as_they_are() {
    let guide = std::fs::read_to_string(repo_root().join("content/guide/publishing.md")).unwrap();
    for recipe in ["github-actions.yml", "gitlab-ci.yml", "codequality.jq"] {
        let text = std::fs::read_to_string(repo_root().join("examples/ci").join(recipe)).unwrap();
        assert!(
            guide.contains(text.trim_end()),
            "content/guide/publishing.md does not show examples/ci/{recipe} as it is"
        );
    }
}
