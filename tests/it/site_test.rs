//! `SiteTest`: copy a fixture site into a temporary directory, change it,
//! run refarch on it, and assert on what comes out.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixtures() -> PathBuf {
    repo_root().join("tests/fixtures")
}

pub struct SiteTest {
    dir: TempDir,
}

impl SiteTest {
    /// The small valid site in `tests/fixtures/minimal`.
    pub fn minimal() -> SiteTest {
        let test = SiteTest::empty();
        copy_dir(&fixtures().join("minimal"), test.path());
        test
    }

    /// The minimal site with `tests/fixtures/bad/<name>` laid over it: the
    /// overlay holds only the files that differ.
    pub fn bad(name: &str) -> SiteTest {
        let test = SiteTest::minimal();
        let overlay = fixtures().join("bad").join(name);
        assert!(overlay.is_dir(), "no fixture {}", overlay.display());
        copy_dir(&overlay, test.path());
        test
    }

    /// The repository's own example site.
    pub fn example() -> SiteTest {
        let test = SiteTest::empty();
        for dir in ["data", "content", "schemas"] {
            copy_dir(&repo_root().join(dir), &test.path().join(dir));
        }
        test
    }

    pub fn empty() -> SiteTest {
        SiteTest {
            dir: tempfile::tempdir().expect("temporary directory"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, relative: &str, contents: impl AsRef<[u8]>) -> &SiteTest {
        let path = self.path().join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
        self
    }

    pub fn read(&self, relative: &str) -> String {
        std::fs::read_to_string(self.path().join(relative)).unwrap()
    }

    /// Runs `refarch --root <site> <args>` without colour.
    pub fn run(&self, args: &[&str]) -> Run {
        let output = Command::new(env!("CARGO_BIN_EXE_refarch"))
            .arg("--root")
            .arg(self.path())
            .arg("--color=never")
            .args(args)
            .output()
            .expect("refarch runs");
        Run::from(output)
    }

    /// `build` into `public/` with `extra` arguments, which must succeed;
    /// returns the output directory.
    pub fn build(&self, extra: &[&str]) -> PathBuf {
        let out = self.path().join("public");
        let mut args = vec!["build", "--output", out.to_str().unwrap()];
        args.extend_from_slice(extra);
        let run = self.run(&args);
        assert_eq!(run.status, 0, "{}", run.stderr);
        assert!(run.stderr.contains("built "), "{}", run.stderr);
        out
    }

    pub fn check(&self) -> Run {
        self.run(&["check"])
    }

    /// `check --format json`, parsed.
    pub fn check_json(&self) -> (i32, serde_json::Value) {
        let run = self.run(&["check", "--format", "json"]);
        let json =
            serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout));
        (run.status, json)
    }
}

pub struct Run {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(output: Output) -> Run {
        Run {
            status: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Every file under `dir`, as sorted relative paths with `/` separators.
pub fn files_under(dir: &Path) -> std::collections::BTreeSet<String> {
    let mut found = std::collections::BTreeSet::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        for entry in std::fs::read_dir(&current).unwrap().flatten() {
            let path = entry.path();
            if entry.file_type().unwrap().is_dir() {
                pending.push(path);
            } else {
                found.insert(
                    path.strip_prefix(dir)
                        .unwrap()
                        .to_string_lossy()
                        .replace('\\', "/"),
                );
            }
        }
    }
    found
}
